"""Full-cell prediction: arguments refused before anything is simulated (issue 10)."""

import pandas as pd
import pytest

from kion_sim.analysis import capacity_retention
from kion_sim.errors import InvalidInputError
from kion_sim.fullcell import predict_full_cell


@pytest.mark.parametrize("cycles", [1, 0, -5, 2.0, True])
def test_fade_needs_at_least_two_whole_cycles(cycles):
    # Once: "reference cycle 2 has no discharge capacity", after the whole formation run.
    with pytest.raises(InvalidInputError, match="at least 2"):
        predict_full_cell(fade_cycles=cycles)


def test_retention_of_a_one_cycle_run_says_it_needs_two_cycles():
    summary = pd.DataFrame({"cycle": [1], "discharge_capacity_mAh_g": [100.0],
                            "charge_capacity_mAh_g": [120.0]})
    with pytest.raises(InvalidInputError, match="retention needs at least 2 cycles"):
        capacity_retention(summary, 2, "discharge")
