"""A solve that cannot finish raises SimulationError and keeps what it finished."""

import pytest

import kion_sim
from kion_sim.errors import SimulationError

CYCLE = "Discharge at 100 mA/g until 0.01 V; Charge at 100 mA/g until 1.5 V"
IMPOSSIBLE = "Discharge at 1000000 mA/g until 0.01 V"  # 1000 A/g: no carbon can carry it


def test_an_impossible_first_step_names_the_problem():
    with pytest.raises(SimulationError, match="smaller"):
        kion_sim.simulate("soft_carbon_half_cell", IMPOSSIBLE, model="SPM")


def test_a_failure_later_keeps_the_finished_steps():
    with pytest.raises(SimulationError) as error:
        kion_sim.simulate("soft_carbon_half_cell", f"{CYCLE}; {IMPOSSIBLE}", model="SPM")
    partial = error.value.partial_result
    assert not partial.completed
    finished = partial.steps[partial.steps["kind"].isin(["discharge", "charge"])]
    assert len(finished) >= 2 and (finished["capacity_mAh_g"].iloc[:2] > 100).all()
