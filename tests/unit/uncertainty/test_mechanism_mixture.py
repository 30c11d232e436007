"""How one unit number picks a mechanism and how the fitted values are drawn (no solve)."""

import pytest

from kion_sim.uncertainty.inputs import latin_hypercube_points
from kion_sim.uncertainty.mechanism_mixture import (
    DEVIATION_PREFIX,
    MECHANISM_INPUT,
    _fitted_values,
    mechanism_at,
    mixture_inputs,
    mixture_spec,
)
from kion_sim.uncertainty.mechanism_weights import MechanismEvidence

CAPACITY = "specific capacity at full stoichiometry [mAh.g-1]"
DIFFUSIVITY = "diffusivity [m2.s-1]"
LAM = "reaction-driven LAM factor [m3.mol-1]"


def _evidence(name, capacity):
    return MechanismEvidence(name, False, {CAPACITY: capacity, DIFFUSIVITY: 5e-17, LAM: 6e-5},
                             {CAPACITY: 1.05, DIFFUSIVITY: 1.2, LAM: 1.1}, 1.0, ())


SPEC = mixture_spec([_evidence("sei_site_blocking", 365.0),
                     _evidence("side_reaction_in_time", 360.0)],
                    {"sei_site_blocking": 0.3, "side_reaction_in_time": 0.7})


def test_the_unit_number_picks_the_mechanism_whose_cumulative_slot_holds_it():
    assert [entry[0] for entry in SPEC] == ["sei_site_blocking", "side_reaction_in_time"]
    assert mechanism_at(0.0, SPEC)[0] == "sei_site_blocking"
    assert mechanism_at(0.299, SPEC)[0] == "sei_site_blocking"
    assert mechanism_at(0.301, SPEC)[0] == "side_reaction_in_time"
    assert mechanism_at(1.0, SPEC)[0] == "side_reaction_in_time"


def test_a_mechanism_without_weight_gets_no_slot():
    spec = mixture_spec([_evidence("sei_site_blocking", 365.0),
                         _evidence("side_reaction_in_time", 360.0)],
                        {"sei_site_blocking": 0.0, "side_reaction_in_time": 1.0})
    assert [entry[0] for entry in spec] == ["side_reaction_in_time"]


def test_the_latin_hypercube_gives_each_mechanism_its_weights_share_exactly():
    # 10 strata of the unit number: exactly the 3 below 0.3 fall in the first slot.
    inputs = mixture_inputs(SPEC, estimates=False)
    points = latin_hypercube_points(inputs, 10, seed=3)
    picked = [mechanism_at(p[MECHANISM_INPUT], SPEC)[0] for p in points]
    assert picked.count("sei_site_blocking") == 3


def test_a_fitted_value_moves_by_its_own_factor_to_the_power_z():
    values = SPEC[0][2]
    # Phi(1) = 0.8413447: z = +1, the capacity times 1.05; u = 0.5: z = 0, the fit itself.
    point = {DEVIATION_PREFIX + "capacity": 0.8413447460685429,
             DEVIATION_PREFIX + "diffusivity": 0.5,
             DEVIATION_PREFIX + "fade value": 0.15865525393145707}  # z = -1
    found = _fitted_values(point, values, {})
    assert found["soft_carbon_900C"][CAPACITY] == pytest.approx(365.0 * 1.05, rel=1e-9)
    assert found["soft_carbon_900C"][DIFFUSIVITY] == pytest.approx(5e-17, rel=1e-9)
    assert found["sei_site_blocking"][LAM] == pytest.approx(6e-5 / 1.1, rel=1e-9)
    refit = _fitted_values(point, values, {("soft_carbon_900C", CAPACITY): 300.0})
    assert refit["soft_carbon_900C"][CAPACITY] == pytest.approx(300.0 * 1.05, rel=1e-9)


def test_each_mechanism_brings_its_own_estimates_and_not_the_values_it_fits():
    names = {i.name for i in mixture_inputs(SPEC)}
    assert "side_reaction_in_time: SEI solvent diffusivity [m2.s-1]" in names
    assert "potassium_metal: exchange-current density [A.m-2]" in names
    assert not any(n.endswith(DIFFUSIVITY) and n.startswith("soft_carbon_900C") for n in names)
    assert not any(n.endswith(LAM) and not n.startswith(DEVIATION_PREFIX) for n in names)
    held = mixture_inputs(SPEC, estimates=False)
    assert [i.name for i in held] == [MECHANISM_INPUT] + [
        DEVIATION_PREFIX + role for role in ("capacity", "diffusivity", "fade value")]


def test_an_estimate_ranks_only_over_the_samples_whose_mechanism_uses_it():
    # 40 samples, 4 of them (u < 0.1) draw side_reaction_in_time. The figure follows the
    # K-metal exchange current (used by every sample) with noise; side_reaction_in_time's own
    # diffusivity equals the figure exactly, a perfect but meaningless correlation over all
    # 40, since 36 samples never used it: it must rank last, with no correlation.
    import numpy as np
    import pandas as pd

    from kion_sim.uncertainty.mechanism_mixture import CombinedInterval
    from kion_sim.uncertainty.study import IntervalResult

    evidence = [_evidence("side_reaction_in_time", 360.0), _evidence("sei_site_blocking", 365.0)]
    weights = {"side_reaction_in_time": 0.1, "sei_site_blocking": 0.9}
    inputs = mixture_inputs(mixture_spec(evidence, weights))
    rng = np.random.default_rng(0)
    shared = "potassium_metal: exchange-current density [A.m-2]"
    own = "side_reaction_in_time: SEI solvent diffusivity [m2.s-1]"
    table = pd.DataFrame({i.name: rng.uniform(size=40) for i in inputs})
    table[MECHANISM_INPUT] = (np.arange(40) + 0.5) / 40
    table["figure"] = table[shared] + 0.3 * rng.uniform(size=40)
    table[own] = table["figure"]
    found = CombinedInterval(IntervalResult(inputs, table, pd.DataFrame()), evidence, weights,
                             [], True)
    ranking = found.rank_correlations("figure").set_index("input")
    assert found.mechanism_counts() == {"side_reaction_in_time": 4, "sei_site_blocking": 36}
    assert ranking.index[0] == shared and ranking.loc[shared, "samples"] == 40
    assert ranking.loc[shared, "spearman"] > ranking.loc[shared, "chance_level"]
    assert ranking.loc[own, "samples"] == 4 and np.isnan(ranking.loc[own, "spearman"])
    assert ranking.index[-1] == own
    # Without the masks the raw ranking is fooled: the unused diffusivity tops it at rho = 1.
    assert found.result.rank_correlations("figure")["input"][0] == own


def test_the_full_cell_samples_the_cathodes_fitted_fade_and_its_own_recipe():
    full = {i.name: i for i in mixture_inputs(SPEC, cells=("full_cell",))}
    cathode_fade = "k0p6coo2: active material lost per K cycled [mol.mol-1]"
    assert full[cathode_fade].kind == "fitted"
    assert "full_cell.anode: active mass loading [mg.cm-2]" in full
    assert "soft_carbon_half_cell.working: porosity" not in full
    assert not any(n.startswith("soft_carbon_900C") and n.endswith(DIFFUSIVITY) for n in full)
    # Estimates held: the cathode's fade is a fitted value, so it is still sampled.
    held = [i.name for i in mixture_inputs(SPEC, estimates=False, cells=("full_cell",))]
    assert held[-1] == cathode_fade and len(held) == 5


def test_the_full_cell_designed_under_a_mechanism_takes_that_mechanisms_fit():
    from kion_sim.fullcell import full_cell_design
    from kion_sim.parameters.mechanisms import load_calibration

    for name in ("sei_dissolving_reforming", "side_reaction_in_time"):
        cell = full_cell_design(mechanism=name)
        fit = load_calibration("soft_carbon_half_cell", name).values["soft_carbon_900C"]
        assert cell.mechanism.name == name
        assert cell.carbon.material.value(CAPACITY) == fit[CAPACITY].value
