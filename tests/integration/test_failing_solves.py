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


# Issue 10 regressions: each of these once escaped as another exception type.
def test_a_step_that_cannot_start_mid_cycle_is_a_simulation_error_with_the_steps_before():
    # After 1 s of rest the carbon is still far below 0.5 V: the second discharge cannot
    # start (PyBaMM returns an empty step; this was an AttributeError in the runner).
    protocol = ("Discharge at 100 mA/g until 0.01 V; Rest for 1 s; "
                "Discharge at 100 mA/g until 0.5 V")
    with pytest.raises(SimulationError) as error:
        kion_sim.simulate("soft_carbon_half_cell", protocol, model="SPM")
    message = str(error.value)
    assert "'Discharge at 100 mA/g until 0.5 V' could not start" in message
    assert "past its cut-off" in message
    assert list(error.value.partial_result.steps["kind"]) == ["discharge", "rest"]


def _carbon_holding_five_times_more():
    """The carbon's capacity made 5x what the protocol's time limits assume (the nominal
    capacity is not rescaled), so a step to a cut-off runs out of time first."""
    from kion_sim.parameters import cell_parameters

    cell = cell_parameters("soft_carbon_half_cell")
    key = "Maximum concentration in positive electrode [mol.m-3]"
    return cell, {key: 5 * cell.values[key]}


def test_a_step_ending_on_its_time_limit_is_not_accepted_silently():
    cell, updates = _carbon_holding_five_times_more()
    with pytest.raises(SimulationError, match="time limit") as error:
        kion_sim.simulate(cell, "Discharge at 100 mA/g until 0.01 V", model="SPM",
                          parameter_updates=updates)
    assert "before its cut-off" in str(error.value)


def test_the_fast_fade_path_refuses_a_cycle_that_ran_out_of_time():
    cell, updates = _carbon_holding_five_times_more()
    with pytest.raises(SimulationError, match="time limit"):
        kion_sim.fade_run(cell, 100.0, cycles=2, model="SPM", exact=True,
                          parameter_updates=updates)


@pytest.mark.parametrize("failure", [
    lambda: ValueError("time must be positive"),
    lambda: __import__("pybamm").ModelError("model is not well posed"),
    lambda: RuntimeError(".../casadi/core/function.cpp: evaluation failed"),
    lambda: ZeroDivisionError("float division by zero"),
])
def test_pybamm_errors_other_than_solver_error_become_simulation_errors(monkeypatch, failure):
    import pybamm

    def fail(*args, **kwargs):
        raise failure()

    monkeypatch.setattr(pybamm.Simulation, "solve", fail)
    with pytest.raises(SimulationError, match=type(failure()).__name__):
        kion_sim.simulate("soft_carbon_half_cell", CYCLE, model="SPM")
    with pytest.raises(SimulationError, match="fade run failed"):
        kion_sim.fade_run(kion_sim.cell_parameters("soft_carbon_half_cell"), 100.0, cycles=2,
                          model="SPM")


def test_unknown_or_non_finite_parameter_updates_are_refused_by_name():
    from kion_sim.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="unknown parameter 'Not a key'"):
        kion_sim.simulate("soft_carbon_half_cell", CYCLE, model="SPM",
                          parameter_updates={"Not a key": 1.0})
    with pytest.raises(InvalidInputError, match="finite"):
        kion_sim.simulate("soft_carbon_half_cell", CYCLE, model="SPM",
                          parameter_updates={"SEI resistivity [Ohm.m]": float("nan")})


class _Step:
    """A solved step as the fade path reads it: a termination and its times."""

    def __init__(self, termination):
        self.termination, self.t = termination, [0.0, 1.0]


def test_the_fast_fade_path_refuses_a_cycle_pybamm_stopped_early(monkeypatch):
    # PyBaMM can end a cycle after its first step (this was a ValueError from zip(strict=True)).
    from types import SimpleNamespace

    from kion_sim.simulation.fade import _CycleStepper

    cell = kion_sim.cell_parameters("soft_carbon_half_cell")
    stepper = _CycleStepper(cell, kion_sim.galvanostatic_cycles(cell, 100.0, 1), "SPM", None)
    stopped = SimpleNamespace(cycles=[SimpleNamespace(
        steps=[_Step("event: Voltage < 0.01 [V] [experiment]")])], last_state=None)
    monkeypatch.setattr(stepper.simulation, "solve", lambda **_: stopped)
    with pytest.raises(SimulationError, match="after 1 of 2 steps"):
        stepper(None)
