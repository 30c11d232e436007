"""K conservation against what was declared, never against the state at t = 0.

The declared sources are worked out here from the TOML files alone (the cathode's x at
assembly, the carbon's pristine floor in both phases, the pre-potassiation in mAh/g); the
K found is what PyBaMM's solution holds in every phase, SEI and lost material.
"""

import pytest

import kion_sim
from kion_sim.analysis.ledger import K_ledger
from kion_sim.fullcell import full_cell_design
from kion_sim.parameters import cell_parameters
from kion_sim.simulation.fade import fade_run


def _declared_full_cell_mol(sets, faraday, prepotassiation_mAh_g=0.0, cathode_excess_pct=0.0,
                            cathode_x=None):
    anode, cathode = sets.electrode("full_cell", "anode"), sets.electrode("full_cell", "cathode")
    full = "specific capacity at full stoichiometry [mAh.g-1]"
    carbon_mAh = anode["active mass [g]"] * (
        anode["initial stoichiometry"] * (anode[full] + anode["trap capacity [mAh.g-1]"])
        + prepotassiation_mAh_g)
    x = cathode["initial stoichiometry"] if cathode_x is None else cathode_x
    cathode_mAh = cathode["active mass [g]"] * (1 + cathode_excess_pct / 100) * x * cathode[full]
    return (carbon_mAh + cathode_mAh) * 3.6 / faraday


# Every remedy: pre-potassiation (traps first, then the main phase past 150 mAh/g), cathode
# excess, a K-rich cathode start.
@pytest.mark.parametrize("design", [{}, {"prepotassiation_mAh_g": 60.0},
                                    {"prepotassiation_mAh_g": 120.0},
                                    {"prepotassiation_mAh_g": 180.0},
                                    {"cathode_excess_pct": 30.0}, {"cathode_x": 0.66}])
def test_full_cell_holds_the_declared_K_at_t0_and_after_cycling(sets, faraday, design):
    options = {("cathode_initial_x" if k == "cathode_x" else k): v for k, v in design.items()}
    cell = full_cell_design(**options)
    result = kion_sim.simulate(cell, kion_sim.galvanostatic_cycles(cell, 100, 2), model="SPM")
    declared = _declared_full_cell_mol(sets, faraday, **design)
    for index in (0, -1):
        ledger = K_ledger(cell, result.solution, index)
        assert ledger.declared_total_mol == pytest.approx(declared, rel=1e-9)
        assert ledger.found_total_mol == pytest.approx(declared, rel=1e-3)
    assert ledger.found_mol["anode SEI"] > 0  # the run did move K out of the particles


# Every cycle solved: the solver conserves K to its tolerances. The fast path extrapolates
# each state on its own, so K drifts by a share of its jump error (0.5 % of a capacity).
@pytest.mark.parametrize(("exact", "cycles", "tolerance"), [(True, 12, 1e-3), (False, 100, 5e-3)])
def test_half_cell_holds_what_the_K_metal_delivered(sets, faraday, exact, cycles, tolerance):
    cell = cell_parameters("soft_carbon_half_cell")
    run = fade_run(cell, 500, cycles, model="SPM", exact=exact)
    ledger = K_ledger(cell, run.end_state, -1)
    carbon = sets.electrode("soft_carbon_half_cell", "working")
    pristine_mAh = carbon["active mass [g]"] * carbon["initial stoichiometry"] * (
        carbon["specific capacity at full stoichiometry [mAh.g-1]"]
        + carbon["trap capacity [mAh.g-1]"])
    delivered = ledger.declared_mol["delivered by the K-metal counter electrode"]
    assert ledger.declared_total_mol == pytest.approx(pristine_mAh * 3.6 / faraday + delivered)
    assert ledger.found_total_mol == pytest.approx(ledger.declared_total_mol, rel=tolerance)
    # ...and the SEI took enough for the balance to see it: left out of the ledger it would
    # miss by at least 4 times the tolerance (the default's time law: 0.8 % after 12 cycles,
    # 2.7 % after 100).
    assert ledger.found_mol["working SEI"] > 4 * tolerance * ledger.found_total_mol
