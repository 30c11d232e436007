"""A value fitted outside a calibration (the cathode's fade, in its material file) is sampled."""

import math

import pytest
from scipy.stats import norm

from kion_sim.uncertainty.simulated import cell_inputs

KEY = "active material lost per K cycled [mol.mol-1]"


@pytest.mark.parametrize("cell_name", ["full_cell", "k0p6coo2_half_cell"])
def test_the_cathode_fade_is_sampled_about_its_fit_with_its_1_sigma_factor(sets, cell_name):
    entry = sets.material("k0p6coo2")["values"][KEY]
    found = {i.name: i for i in cell_inputs(cell_name)}
    item = found[f"k0p6coo2: {KEY}"]
    assert (item.kind, item.distribution, item.component, item.key) == (
        "fitted", "log-normal", "k0p6coo2", KEY)
    assert item.value == entry["value"]
    spread = norm.ppf(0.95) * math.log(entry["uncertainty_factor"])
    assert item.high == pytest.approx(entry["value"] * math.exp(spread))
    assert f"k0p6coo2: {KEY}" not in {i.name for i in cell_inputs(cell_name, fitted=False)}
