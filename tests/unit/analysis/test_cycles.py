"""Per-cycle numbers from hand-made step tables (values computed by hand, not by the code)."""

import math

import pandas as pd
import pytest

from kion_sim.analysis import capacity_retention, cycle_summary, voltage_curves
from kion_sim.errors import InvalidInputError


def _steps(rows):
    return pd.DataFrame(rows, columns=["cycle", "kind", "capacity_mAh_g", "energy_mWh_g"])


def test_anode_half_cell_efficiency_is_depotassiation_over_potassiation():
    steps = _steps([(1, "discharge", 400.0, 80.0), (1, "charge", 300.0, 120.0),
                    (2, "discharge", 310.0, 70.0), (2, "rest", 0.0, 0.0),
                    (2, "charge", 305.0, 121.0)])
    summary = cycle_summary(steps)
    assert summary["coulombic_efficiency_pct"].tolist() == pytest.approx([75.0, 305 / 310 * 100])
    assert summary["discharge_energy_mWh_g"].tolist() == [80.0, 70.0]


def test_full_cell_starting_with_charge_uses_discharge_over_charge():
    steps = _steps([(1, "charge", 100.0, 380.0), (1, "discharge", 80.0, 280.0)])
    assert cycle_summary(steps)["coulombic_efficiency_pct"].iloc[0] == pytest.approx(80.0)


def test_a_cycle_with_one_direction_has_no_efficiency():
    summary = cycle_summary(_steps([(1, "discharge", 100.0, 10.0)]))
    assert math.isnan(summary["coulombic_efficiency_pct"].iloc[0])


def test_retention_is_relative_to_the_second_cycle():
    summary = pd.DataFrame({"cycle": [1, 2, 3], "charge_capacity_mAh_g": [350.0, 300.0, 240.0],
                            "discharge_capacity_mAh_g": [400.0, 301.0, 241.0]})
    assert capacity_retention(summary).tolist() == pytest.approx([350 / 3, 100.0, 80.0])


def test_retention_needs_a_reference_cycle_that_ran():
    summary = pd.DataFrame({"cycle": [1], "charge_capacity_mAh_g": [350.0]})
    with pytest.raises(InvalidInputError, match="reference cycle 2"):
        capacity_retention(summary)


def test_voltage_curves_keep_only_current_steps():
    timeseries = pd.DataFrame({"cycle": [1, 1, 1], "step": [1, 1, 2],
                               "step_kind": ["discharge", "discharge", "rest"],
                               "step_capacity_mAh_g": [0.0, 5.0, 0.0],
                               "voltage_V": [1.0, 0.9, 0.95]})
    curves = voltage_curves(timeseries)
    assert curves["capacity_mAh_g"].tolist() == [0.0, 5.0]
