"""The cathode's own fade: P2-K0.6CoO2 loses host in proportion to the K cycled through it.

References come from the files and the literature, never from kion_sim's output: the reported
86.9 % after 1000 cycles at 40 mA/g and 87.2 mAh/g at 20 mA/g (NanoLett2023K0p6CoO2), and the
throughput law worked out by hand from the material file's value (tomllib): each mol of K in
or out of the oxide takes beta mol of host with it.
"""

import math

import numpy as np
import pytest

from kion_sim.analysis import capacity_retention
from kion_sim.analysis.ledger import K_ledger
from kion_sim.parameters import cell_parameters
from kion_sim.simulation.fade import fade_run
from kion_sim.simulation.states import degradation_states

HALF_CELL = "k0p6coo2_half_cell"
LAM_KEY = "active material lost per K cycled [mol.mol-1]"
FULL = "specific capacity at full stoichiometry [mAh.g-1]"


def _beta(sets):
    return sets.material("k0p6coo2")["values"][LAM_KEY]["value"]


def test_the_fitted_value_gives_the_reported_retention_after_1000_cycles():
    """NanoLett2023K0p6CoO2: 86.9 % of the capacity after 1000 cycles at 40 mA/g."""
    run = fade_run(cell_parameters(HALF_CELL), 40, 1000, model="SPM")
    retention = capacity_retention(run.summary, direction="discharge")
    assert float(retention.iloc[999]) == pytest.approx(86.9, abs=1.0)
    assert run.error_estimate_pct < 0.5


def test_the_half_cell_fades_by_the_throughput_law(sets):
    """Every cycle solved: the half cell's capacity follows the host left, so after N cycles
    it is (1 - 2 beta dx)^(N - 2) of cycle 2's, dx the K per host moved each half cycle."""
    cycles = 25
    run = fade_run(cell_parameters(HALF_CELL), 40, cycles, model="SPM", exact=True)
    capacity = run.summary["discharge_capacity_mAh_g"].to_numpy()
    dx = capacity[1] / sets.material("k0p6coo2")["values"][FULL]["value"]
    left = (1 - 2 * _beta(sets) * dx) ** np.arange(1, cycles - 1)  # cycles 3 ... N
    # the fade within 3 % of the law's (~1.4e-4 of the capacity a cycle)
    assert 1 - capacity[2:] / capacity[1] == pytest.approx(1 - left, rel=0.03)


def test_the_capacity_at_20_mA_g_stays_the_reported_one():
    """87.2 mAh/g at 20 mA/g (NanoLett2023K0p6CoO2): the fade takes ~0.01 % a cycle, so the
    first cycles stay where the OCP window puts them (~89 mAh/g at rest)."""
    run = fade_run(cell_parameters(HALF_CELL), 20, 2, model="SPM", exact=True)
    assert float(run.summary["discharge_capacity_mAh_g"].iloc[1]) == pytest.approx(87.2, abs=2.0)


def test_the_full_cell_ledger_shows_the_K_locked_in_lost_cathode(sets, faraday):
    """Both electrodes' losses in one ledger, conserved; the cathode's lost host matches the
    law from the charge that went through it (host [mol] from the file's mass and capacity)."""
    cell = cell_parameters("full_cell")
    cycles = 3
    run = fade_run(cell, 100, cycles, model="SPM", exact=True)
    ledger = K_ledger(cell, run.end_state, -1)
    assert abs(ledger.relative_error) < 1e-3
    locked = ledger.found_mol["cathode K locked in lost active material"]
    assert 0 < locked < 1e-2 * ledger.declared_total_mol
    assert ledger.found_mol["anode K locked in lost active material"] > 0  # the carbon's own
    cathode = sets.electrode("full_cell", "cathode")
    host_mol = cathode["active mass [g]"] * cathode[FULL] * 3.6 / faraday
    summary = run.summary
    through_mAh_g = float((summary["charge_capacity_mAh_g"]
                           + summary["discharge_capacity_mAh_g"]).sum())
    # the summary's mAh/g are per g of cathode (the full cell's default basis)
    through_mol = through_mAh_g * cathode["active mass [g]"] * 3.6 / faraday
    fraction = run.end_state["X-averaged positive electrode active material volume fraction"]
    left = float(fraction.entries.ravel()[-1]) / cathode["active material volume fraction"]
    assert 1 - left == pytest.approx(_beta(sets) * through_mol / host_mol, rel=0.05)
    # the end states (and so the audit) report the same cathode host left
    states = degradation_states(run.end_state, cell)
    assert states["cathode_active_material_left_pct"] == pytest.approx(100 * left, rel=1e-9)
    # what it locked is that host at the oxide's x in between (0.3-0.7 K per Co)
    x = locked / ((1 - left) * host_mol)
    assert 0.3 < x < 0.7 and math.isfinite(x)
