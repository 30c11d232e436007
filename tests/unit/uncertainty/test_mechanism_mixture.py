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
