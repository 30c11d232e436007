"""A fade run whose cell gives out: the cycles it ran, or the error that says so."""

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd

from kion_sim.errors import SimulationError
from kion_sim.simulation.fade import (
    END_OF_LIFE_FRACTION,
    _below_end_of_life,
    _could_not_run,
    _end_of_life,
    _fade,
    _rows,
)
from kion_sim.validation.fitting import RetentionTarget


def _cycles(charge_capacities) -> list[dict]:
    rows = []
    for cycle, q in enumerate(charge_capacities, start=1):
        rows += _rows(cycle, [("discharge", q + 1.0, 0.3 * q), ("charge", q, 0.4 * q)])
    return rows


def test_a_cell_down_to_a_few_percent_ends_its_run_at_its_last_cycle():
    error = _could_not_run(SimulationError("fade run stopped: the solver failed"))
    ended = _end_of_life(_cycles([300.0, 240.0, 120.0, 30.0, 4.8]), error)
    assert ended is not None
    assert ended.end_of_life_cycle == 5
    assert list(ended.summary["cycle"]) == [1, 2, 3, 4, 5]
    assert math.isnan(ended.error_estimate_pct)
    assert "cycle 6 could not be run" in ended.method and "2.0 %" in ended.method  # 4.8 / 240


def test_a_failure_while_the_cell_still_holds_its_capacity_is_no_end_of_life():
    error = _could_not_run(SimulationError("fade run stopped: the solver failed"))
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


class _LinearlyFadingCell:
    """A stand-in for the fade path's cycle stepper: the state is the capacity, which falls
    by a fixed 12 mAh/g a cycle from 252 (so 240 at cycle 2), a line every jump lands on."""

    initial_K_mol = None

    def __init__(self):
        self.solved = 0

    def __call__(self, state):
        self.solved += 1
        q = 252.0 if state is None else float(state.all_ys[0][0, 0]) - 12.0
        solution = SimpleNamespace(all_ys=[np.array([[q]])])
        return solution, [("discharge", q + 1.0, 0.3 * q), ("charge", q, 0.4 * q)]

    def fast_states(self):
        return np.zeros(1, dtype=bool)

    def drifting_states(self):
        return np.arange(1)

    def slaved_states(self):
        return np.array([], dtype=int)

    def bounded(self, y_now, y_next):
        return y_next

    @staticmethod
    def carrying(state, y):
        return SimpleNamespace(all_ys=[np.asarray(y, dtype=float).reshape(1, 1)])

    def conserving(self, template, y_now, y_next):
        return y_next  # no K to hold


def test_a_fit_trial_stops_at_the_first_cycle_solved_below_the_end_of_life():
    cell, stepper = SimpleNamespace(is_half_cell=True), _LinearlyFadingCell()
    ended = _fade(stepper, cell, [], 500, exact=False, tolerance_pct=0.5,
                  stop_at_end_of_life=True)
    retention = ended.summary["charge_capacity_mAh_g"] / 240.0
    # 240 - 12 (n - 2) < 48 (a fifth) from cycle 19 on: the run ends at the first solved
    # cycle past it, within one jump (the third is 27 cycles), not at cycle 500.
    assert retention.iloc[-1] < END_OF_LIFE_FRACTION
    assert (retention.iloc[:18] >= END_OF_LIFE_FRACTION).all()
    assert 19 <= ended.end_of_life_cycle < 19 + 27
    assert "fell to" in ended.method and stepper.solved < 20
    assert _below_end_of_life([("charge", 47.9, 1.0)], 240.0)
    assert not _below_end_of_life([("charge", 48.1, 1.0), ("rest", 0.0, 0.0)], 240.0)
