"""A fade run whose cell gives out: the cycles it ran, or the error that says so."""

import math

import pandas as pd

from kion_sim.errors import SimulationError
from kion_sim.simulation.fade import END_OF_LIFE_FRACTION, _end_of_life, _rows
from kion_sim.validation.fitting import RetentionTarget


def _cycles(charge_capacities) -> list[dict]:
    rows = []
    for cycle, q in enumerate(charge_capacities, start=1):
        rows += _rows(cycle, [("discharge", q + 1.0, 0.3 * q), ("charge", q, 0.4 * q)])
    return rows


def test_a_cell_down_to_a_few_percent_ends_its_run_at_its_last_cycle():
    error = SimulationError("fade run stopped: the solver failed")
    ended = _end_of_life(_cycles([300.0, 240.0, 120.0, 30.0, 4.8]), error)
    assert ended is not None
    assert ended.end_of_life_cycle == 5
    assert list(ended.summary["cycle"]) == [1, 2, 3, 4, 5]
    assert math.isnan(ended.error_estimate_pct)
    assert "cycle 6 could not be run" in ended.method and "2.0 %" in ended.method  # 4.8 / 240


def test_a_failure_while_the_cell_still_holds_its_capacity_is_no_end_of_life():
    error = SimulationError("fade run stopped: the solver failed")
    held = 240.0 * (END_OF_LIFE_FRACTION + 0.01)
    assert _end_of_life(_cycles([300.0, 240.0, 200.0, held]), error) is None
    assert _end_of_life(_cycles([300.0, 240.0]), error) is None  # too early to tell
    assert _end_of_life([], error) is None


def test_a_retention_past_the_end_of_life_reads_the_last_cycle_run():
    summary = pd.DataFrame({"cycle": [1, 2, 3, 4], "charge_capacity_mAh_g": [300, 240, 60, 12],
                            "discharge_capacity_mAh_g": [310, 241, 61, 13]})
    target = RetentionTarget(500.0, 500, 82.0)
    assert target.simulated(summary, None) == 100 * 12 / 240  # at most what cycle 4 kept
    assert RetentionTarget(500.0, 3, 82.0).simulated(summary, None) == 100 * 60 / 240
