"""Targets turn a simulated run into residuals scaled by the measurement's uncertainty."""

import numpy as np
import pandas as pd
import pytest

from kion_sim.errors import InvalidInputError
from kion_sim.validation import CapacityTarget, FitParameter, RetentionTarget, VoltageCurveTarget

SUMMARY = pd.DataFrame({"cycle": [1, 2, 3], "charge_capacity_mAh_g": [330.0, 300.0, 270.0]})
# A straight discharge: 1.0 V at 0 mAh/g falling to 0.0 V at 100 mAh/g.
TIMESERIES = pd.DataFrame({"cycle": 2, "step_kind": "discharge",
                           "step_capacity_mAh_g": np.linspace(0, 100, 11),
                           "voltage_V": np.linspace(1.0, 0.0, 11)})


def test_capacity_residual_is_the_error_in_units_of_its_uncertainty():
    target = CapacityTarget(100.0, 306.0, uncertainty_pct=2.0)  # sigma = 6.12 mAh/g
    assert target.residuals(SUMMARY, TIMESERIES) == pytest.approx([(300 - 306) / 6.12])


def test_retention_is_read_at_the_named_cycle_against_the_second():
    target = RetentionTarget(100.0, cycles=3, retention_pct=85.0, uncertainty_points=5.0)
    assert target.simulated(SUMMARY, TIMESERIES) == pytest.approx(90.0)
    assert target.residuals(SUMMARY, TIMESERIES) == pytest.approx([1.0])


def test_voltage_curve_residuals_interpolate_the_simulated_curve(tmp_path):
    path = tmp_path / "measured.csv"
    pd.DataFrame({"capacity_mAh_g": [25.0, 50.0], "voltage_V": [0.76, 0.48]}).to_csv(path)
    target = VoltageCurveTarget.from_csv(str(path), 100.0, uncertainty_V=0.01)
    assert target.residuals(SUMMARY, TIMESERIES) == pytest.approx([-1.0, 2.0])
    assert target.simulated(SUMMARY, TIMESERIES) == pytest.approx(np.sqrt(2.5) * 0.01)


def test_a_curve_file_without_the_columns_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"q": [1.0], "v": [1.0]}).to_csv(path)
    with pytest.raises(InvalidInputError, match="capacity_mAh_g"):
        VoltageCurveTarget.from_csv(str(path), 100.0)


def test_fit_bounds_must_be_positive_and_ordered():
    with pytest.raises(InvalidInputError):
        FitParameter("soft_carbon_900C", "diffusivity [m2.s-1]", 1e-14, 1e-16)
