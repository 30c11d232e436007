"""The fast fade path against brute force on the same cell: 500 cycles, half and full cell.

The brute force (every cycle solved) is an independent calculation whose numbers are fixed by
its inputs, so it is read from tests/reference_runs when the stored run's key matches all of
them (every value PyBaMM is given, model, options, mesh, experiment, the source of each module
the per-cycle solve imports, library versions), and solved again here when it does not: the
comparison is the same either way, only its cost differs (the six runs took ~9 min
alone). The fast path, which these tests judge, is always solved afresh.
`python tests/reference_runs/refresh.py` rewrites stale runs.
"""

import numpy as np
import pytest

from kion_sim.analysis import capacity_retention
from kion_sim.parameters import cell_parameters
from kion_sim.simulation import fade_run

from ..reference_runs import brute_force_summary

# Issue 6: retention within 0.5 percentage points of brute force after 500 cycles.
TOLERANCE_POINTS = 0.5
SOLVER_NOISE_POINTS = 0.05


@pytest.mark.parametrize("cell_name, current, direction", [
    ("soft_carbon_half_cell", 500, "charge"),
    # The guarded full cell: from cycle 3 its fast path read 2.2 points low after 500 cycles
    # (61.5 vs 63.8 %), its trap sites still filling; it now solves its first 8 cycles.
    ("full_cell", 100, "discharge"),
])
def test_fast_path_matches_brute_force_after_500_cycles(cell_name, current, direction):
    cell = cell_parameters(cell_name)
    exact = brute_force_summary(cell, current, 500)
    fast = fade_run(cell, current, 500)
    # Both cells at the 0.1 % tolerance. The half cell lands on one solved cycle: 10 under
    # the linear-in-time default (21 on two-cycle landings, 66 before a jump's lag was read on
    # the drifting states and a half cell's trap filling held; 2026-12-03). The full cell
    # lands on two, with its 8 first cycles 111 kept. The bound is on every cycle solved, a
    # rejected jump's discarded landing included, what the run costs: the full cell rejects
    # 52 of its 96 landings (217 solved, 2026-12-03; most on the lag, its slope turning
    # within a jump), so its bound is half the run's cycles.
    assert fast.simulated_cycles <= fast.cycles_solved < (20 if cell.is_half_cell else 250)
    exact_retention = capacity_retention(exact, 2, direction)
    fast_retention = capacity_retention(fast.summary, 2, direction)
    assert len(fast_retention) == 500
    assert fast_retention.iloc[-1] == pytest.approx(exact_retention.iloc[-1],
                                                    abs=TOLERANCE_POINTS)
    # The reported error estimate is an upper bound on the error actually made here.
    actual = np.max(np.abs(fast_retention.to_numpy() - exact_retention.to_numpy()))
    assert actual <= fast.error_estimate_pct


@pytest.mark.parametrize("mechanism, model, current, cycles", [
    (None, "SPMe", 500, 150),  # the default mechanism with electrolyte transport
    ("side_reaction_in_time", "SPM", 100, 150),  # film growth in time, not only under current
    ("carbon_film_resistance", "SPM", 500, 150),  # fade that grows with the current
])
def test_fast_path_matches_brute_force_for_other_mechanisms_and_models(
        mechanism, model, current, cycles):
    cell = cell_parameters("soft_carbon_half_cell", mechanism)
    exact = brute_force_summary(cell, current, cycles, model)
    fast = fade_run(cell, current, cycles, model)
    assert fast.simulated_cycles <= fast.cycles_solved < cycles / 2
    exact_retention = capacity_retention(exact, 2, "charge")
    fast_retention = capacity_retention(fast.summary, 2, "charge")
    assert fast_retention.iloc[-1] == pytest.approx(exact_retention.iloc[-1],
                                                    abs=TOLERANCE_POINTS)
    actual = np.max(np.abs(fast_retention.to_numpy() - exact_retention.to_numpy()))
    # bounded by the estimate, or below what two runs' solver tolerances make (0.05 points)
    assert actual <= max(fast.error_estimate_pct, SOLVER_NOISE_POINTS)


@pytest.mark.parametrize("model", ["SPM", "DFN"])
def test_a_half_cells_slaved_states_are_its_concentrations_and_nothing_that_fades(model):
    # What the one-cycle landings carry by secant, as the built model names its states: the
    # carbon's and the electrolyte's concentrations; the SEI, the lost material and its K
    # (the slow states, whose one-cycle change is their slope) are not among them, nor the
    # trap sites' filling (a fast state, held).
    from kion_sim.protocols.experiment import galvanostatic_cycles
    from kion_sim.simulation.fade import _CycleStepper

    cell = cell_parameters("soft_carbon_half_cell")
    stepper = _CycleStepper(cell, galvanostatic_cycles(cell, 500, 1), model, None)
    stepper(None)
    model_built = next(iter(stepper.simulation.steps_to_built_models.values()))
    owner = {}
    for variable, slices in model_built.y_slices.items():
        for piece in slices:
            for i in range(piece.start, piece.stop):
                owner.setdefault(i, set()).add(variable.name)
    slaved = {name for i in stepper.slaved_states() for name in owner[i]}
    slow = {name for i in np.setdiff1d(stepper.drifting_states(), stepper.slaved_states())
            for name in owner[i]}
    assert any("primary particle concentration" in name for name in slaved)
    assert (model == "DFN") == any("porosity times concentration" in name for name in slaved)
    assert not any(word in name for name in slaved
                   for word in ("SEI", "active material", "Loss of lithium", "secondary"))
    assert any("SEI" in name for name in slow)
    assert any("active material volume fraction" in name for name in slow)


def test_a_fade_run_needs_two_whole_cycles():
    from kion_sim.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="2 or more"):
        fade_run(cell_parameters("soft_carbon_half_cell"), 100, 1)


def test_fast_path_with_a_rest_in_every_cycle_matches_brute_force():
    """A rest in every cycle at the potassiated end, where the default's SEI grows at rest.
    (The default mechanism: side_reaction_in_time's stored fit predates its EC fix.)"""
    cell = cell_parameters("soft_carbon_half_cell")
    cycle = "Discharge at 500 mA/g until 0.01 V; Rest for 10 h; Charge at 500 mA/g until 1.5 V"
    exact = brute_force_summary(cell, 500, 20, cycle_protocol=cycle)
    fast = fade_run(cell, 500, 20, cycle_protocol=cycle)
    assert fast.simulated_cycles <= fast.cycles_solved < 20
    exact_retention = capacity_retention(exact, 2, "charge")
    fast_retention = capacity_retention(fast.summary, 2, "charge")
    assert fast_retention.iloc[-1] == pytest.approx(exact_retention.iloc[-1],
                                                    abs=TOLERANCE_POINTS)
    plain = fade_run(cell, 500, 20)  # the same cycles without the rests fade less
    assert capacity_retention(plain.summary).iloc[-1] > fast_retention.iloc[-1] + 2


def test_a_cycle_protocol_is_one_cycle():
    from kion_sim.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="one cycle"):
        fade_run(cell_parameters("soft_carbon_half_cell"), 100, 5, cycle_protocol=(
            "(Discharge at 100 mA/g until 0.01 V; Charge at 100 mA/g until 1.5 V) x 2"))
