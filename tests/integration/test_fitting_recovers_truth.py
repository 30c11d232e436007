"""The fitting chain recovers known values from synthetic data made by the model, with noise."""

import numpy as np
import pytest

from kion_sim.parameters import build_cell_parameters
from kion_sim.validation import CapacityTarget, FitParameter, fit
from kion_sim.validation.fitting import evaluate_targets

MATERIAL = "soft_carbon_900C"
CAPACITY = "specific capacity at full stoichiometry [mAh.g-1]"
DIFFUSIVITY = "diffusivity [m2.s-1]"


def test_fit_recovers_capacity_and_diffusivity_from_noisy_synthetic_rates():
    truth = {CAPACITY: 330.0, DIFFUSIVITY: 4.0e-16}
    currents = [50.0, 200.0, 800.0]
    synthetic_cell = build_cell_parameters("soft_carbon_half_cell", {MATERIAL: truth})
    placeholders = [CapacityTarget(c, 1.0, lower_V=0.01, upper_V=1.5) for c in currents]
    clean = [value for value, _ in evaluate_targets(synthetic_cell, placeholders)]
    rng = np.random.default_rng(7)
    noisy = [value * (1 + rng.normal(0, 0.005)) for value in clean]  # 0.5 % measurement noise
    targets = [CapacityTarget(current, value, lower_V=0.01, upper_V=1.5, uncertainty_pct=0.5)
               for current, value in zip(currents, noisy, strict=True)]
    parameters = [FitParameter(MATERIAL, CAPACITY, 150.0, 600.0),
                  FitParameter(MATERIAL, DIFFUSIVITY, 1e-18, 1e-14)]
    start = {CAPACITY: 260.0, DIFFUSIVITY: 5.0e-17}
    # The start must be far from the truth, or the test proves nothing.
    assert abs(np.log10(start[DIFFUSIVITY] / truth[DIFFUSIVITY])) > 0.8

    result = fit("soft_carbon_half_cell", parameters, targets, initial=start)

    assert result.fitted[CAPACITY] == pytest.approx(truth[CAPACITY], rel=0.02)
    assert result.fitted[DIFFUSIVITY] == pytest.approx(truth[DIFFUSIVITY], rel=0.25)
    # The reported 1-sigma uncertainty is finite: both values are identifiable from three rates.
    assert all(np.isfinite(f) for f in result.uncertainty_factor.values())
