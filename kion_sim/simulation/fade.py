"""Long fade runs: brute force, or adaptive inter-cycle extrapolation (Sulzer et al. 2021).

Degradation changes the state at the end of a cycle only a little from one cycle to the
next. The fast path simulates a cycle or two, extrapolates the whole end-of-cycle state
linearly over many cycles (linear, so K conservation survives), simulates two cycles from
there to measure the new slope, and adapts the jump to the measured change. The error of each
jump is estimated from the change of slope (the neglected second-order term) and a jump whose
estimate exceeds the tolerance is redone shorter. Skipped cycles get interpolated capacities.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pybamm

from kion_sim.analysis.cycles import cycle_summary
from kion_sim.errors import InvalidInputError, KionSimError, SimulationError
from kion_sim.models.builder import build_model, parameter_values
from kion_sim.parameters.assemble import CellParameters
from kion_sim.protocols.experiment import (
    active_mass_g,
    default_mass_basis,
    galvanostatic_cycles,
    to_experiment,
)
from kion_sim.protocols.language import parse_protocol
from kion_sim.simulation.runner import (
    PYBAMM_FAILURES,
    _RunWatcher,
    cumulative_integral,
    step_problem,
)

# Runs at least this long take the fast path by default (table-s1, fitting, sweeps).
FAST_FADE_FROM_CYCLES = 10
_MAX_GROWTH = 3.0  # a jump at most triples after a good one
_FAST_STATE = "hysteresis state"


@dataclass
class FadeRun:
    """Per-cycle summary of a long run; ``simulated`` marks cycles that were solved, the rest
    were extrapolated. ``error_estimate_pct`` bounds the capacity error, % of cycle 2's."""

    summary: pd.DataFrame
    simulated_cycles: int
    error_estimate_pct: float
    method: str
    end_state: object = None  # the last solved cycle (a PyBaMM solution), for state checks
    initial_K_mol: float | None = None  # K held at the start (degradation_states' balance)


class _CycleStepper:
    """Solves one cycle at a time from a given end-of-cycle state, reusing the built model."""

    def __init__(self, cell: CellParameters, protocol_text: str, model: str,
                 parameter_updates: dict | None):
        self.protocol = parse_protocol(protocol_text)
        pybamm_model = build_model(model, cell)
        self.simulation = pybamm.Simulation(
            pybamm_model, parameter_values=parameter_values(cell, pybamm_model,
                                                            parameter_updates),
            experiment=to_experiment(self.protocol, cell), solver=pybamm.IDAKLUSolver())
        self.mass_g = active_mass_g(cell, default_mass_basis(cell))
        self.kinds = [step.kind for step in self.protocol.steps]
        self.initial_K_mol: float | None = None
        self._fast: np.ndarray | None = None
        self._trap: tuple | None = None
        self._trap_max_mol_m3 = next((v for k, v in cell.values.items() if k.startswith(
            "Secondary: Maximum concentration")), None)

    def _states(self, word: str) -> list[tuple[object, np.ndarray]]:
        """(PyBaMM variable, its indices in the state vector) of each state named ``word``."""
        model = next(iter(self.simulation.steps_to_built_models.values()))
        return [(variable, np.concatenate([np.arange(p.start, p.stop) for p in slices]))
                for variable, slices in model.y_slices.items() if word in variable.name]

    def fast_states(self) -> np.ndarray:
        """Indices of states that settle within every cycle instead of drifting over many:
        the trap sites' hysteresis branch (it ends every cycle on the same side)."""
        if self._fast is None:
            found = [index for _, index in self._states(_FAST_STATE)]
            self._fast = np.concatenate(found) if found else np.array([], dtype=int)
        return self._fast

    def _trap_states(self) -> tuple[np.ndarray, float | None]:
        """Indices of the trap sites' filling, and full in the scaled units PyBaMM solves it in."""
        for variable, index in self._states("secondary particle concentration"):
            if self._trap_max_mol_m3 is not None:
                scale, reference = (float(getattr(variable, key).evaluate())
                                    for key in ("scale", "reference"))
                return index, (self._trap_max_mol_m3 - reference) / scale
        return np.array([], dtype=int), None

    def bounded(self, y_now: np.ndarray, y_next: np.ndarray) -> np.ndarray:
        """``y_next`` with the trap sites' filling moved at most halfway to full or empty, and
        held where they are full: in a full cell they keep filling slowly (its K loss), in a
        half cell they are full after the first cycle."""
        if self._trap is None:
            self._trap = self._trap_states()
        index, c_max = self._trap
        if len(index) and c_max:
            now = y_now[index]
            y_next = y_next.copy()
            moved = np.clip(y_next[index], 0.5 * now, now + 0.5 * (c_max - now))
            # Sites within 2 % of full only swing within each cycle (their hysteresis lets ~1 %
            # out on every charge); extrapolating that swing only adds error: hold them.
            y_next[index] = np.where(c_max - now < 0.02 * c_max, now, moved)
        return y_next

    def __call__(self, state) -> tuple[object, list[tuple[str, float, float]]]:
        watcher = _RunWatcher(show_progress=False)
        try:
            solution = self.simulation.solve(starting_solution=state, calc_esoh=False,
                                             callbacks=[watcher])
        except PYBAMM_FAILURES as error:
            if isinstance(error, KionSimError):
                raise
            raise SimulationError(f"fade run failed: {str(error).splitlines()[0]}") from error
        # A cycle PyBaMM stopped early, or a step that ran out of time, is no cycle to count.
        last_cycle = solution.cycles[-1]
        problem = watcher.problem or next(
            (p for step, solved in zip(self.protocol.steps, last_cycle.steps, strict=False)
             if (p := step_problem(step, solved)) is not None), None)
        if problem is None and len(last_cycle.steps) != len(self.kinds):
            problem = (f"PyBaMM stopped the cycle after {len(last_cycle.steps)} of "
                       f"{len(self.kinds)} steps")
        if problem is not None:
            raise SimulationError(f"fade run stopped: {problem}")
        if state is None:  # the K the cell starts with, for the K balance
            self.initial_K_mol = float(solution["Total lithium [mol]"].entries[0])
        steps = []
        for kind, step in zip(self.kinds, solution.cycles[-1].steps, strict=True):
            t = step["Time [s]"].entries
            amps, volts = step["Current [A]"].entries, step["Voltage [V]"].entries
            charge = cumulative_integral(np.abs(amps), t)[-1] / 3.6 / self.mass_g
            energy = cumulative_integral(np.abs(amps * volts), t)[-1] / 3.6 / self.mass_g
            steps.append((kind, charge, energy))
        return solution.last_state, steps


def _rows(cycle: int, steps) -> list[dict]:
    return [{"cycle": cycle, "step": i, "kind": kind, "capacity_mAh_g": q, "energy_mWh_g": e}
            for i, (kind, q, e) in enumerate(steps, start=1)]


def _with_state(state, y: np.ndarray):
    """``state`` (an end-of-cycle solution) carrying the vector ``y``.

    PyBaMM's copy shares the state array, so this writes into ``state`` itself: callers put
    the true end state back (``_with_state(state, y_now)``) before solving from it again.
    """
    state.all_ys[0][:] = y.reshape(state.all_ys[0].shape)
    return state


def fade_run(cell: CellParameters, current_density_mA_g: float, cycles: int, model: str = "SPM",
             lower_V: float | None = None, upper_V: float | None = None, exact: bool = False,
             tolerance_pct: float = 0.5, parameter_updates: dict | None = None) -> FadeRun:
    """``cycles`` cycles of the cell's standard cycle; fast by default, ``exact`` for brute force.

    ``tolerance_pct`` is the largest capacity error (% of the 2nd cycle's) a jump may make.
    """
    if int(cycles) != cycles or cycles < 2:
        raise InvalidInputError(f"a fade run needs 2 or more whole cycles, got {cycles!r}")
    stepper = _CycleStepper(cell, galvanostatic_cycles(cell, current_density_mA_g, 1, lower_V,
                                                       upper_V), model, parameter_updates)
    rows, state, ends = [], None, {}
    first_exact = cycles if exact else min(cycles, 3)  # the first cycles change fastest
    for cycle in range(1, first_exact + 1):
        state, steps = stepper(state)
        rows += _rows(cycle, steps)
        ends[cycle] = (np.array(state.all_ys[0]).ravel().copy(), steps)
    if exact:
        return FadeRun(cycle_summary(pd.DataFrame(rows)), cycles, 0.0, "exact", state,
                       stepper.initial_K_mol)
    return _extrapolate(stepper, state, rows, ends, first_exact, cycles, tolerance_pct)


def _extrapolate(stepper, state, rows, ends, n, cycles, tolerance_pct) -> FadeRun:
    reference = ends[2][1][-1][1]  # capacity of cycle 2's last current step
    jump, simulated, total_error = 2, n, 0.0
    while n < cycles:
        y_prev, (y_now, steps_now) = ends[n - 1][0], ends[n]
        jump = max(1, min(jump, cycles - n - 2))
        landed = _jump(stepper, state, y_prev, y_now, jump) if jump >= 2 else None
        simulated += 4 if jump >= 2 else 0
        if landed is None:
            if jump > 2:
                jump = max(2, jump // 2)  # overshot into a state the cell cannot hold
                continue
            state, steps = stepper(_with_state(state, y_now))  # no room to jump: one cycle
            n, simulated = n + 1, simulated + 1
            rows += _rows(n, steps)
            ends[n] = (np.array(state.all_ys[0]).ravel().copy(), steps)
            continue
        probe_steps, after_1, steps_1, after_2, steps_2 = landed
        # Predictor and corrector differ by the second-order term; the corrector's own
        # error is about a sixth of that difference (trapezoid vs Euler).
        gap = max(abs(a[1] - b[1]) for a, b in zip(probe_steps, steps_1, strict=True))
        error_pct = 100 * gap / 6 / reference
        if error_pct > tolerance_pct and jump > 2:
            jump = max(2, jump // 2)  # reject: retry from cycle n with a shorter jump
            continue
        total_error += error_pct
        first, last = n + jump + 1, n + jump + 2
        for skipped in range(n + 1, first):  # linear between the two solved ends
            w = (skipped - n) / (first - n)
            rows += _rows(skipped, [(kind, (1 - w) * q0 + w * q1, (1 - w) * e0 + w * e1)
                                    for (kind, q0, e0), (_, q1, e1) in zip(steps_now, steps_1,
                                                                           strict=True)])
        rows += _rows(first, steps_1) + _rows(last, steps_2)
        ends[first] = (np.array(after_1.all_ys[0]).ravel().copy(), steps_1)
        ends[last] = (np.array(after_2.all_ys[0]).ravel().copy(), steps_2)
        state, n = after_2, last
        growth = math.sqrt(tolerance_pct / error_pct) if error_pct > 0 else _MAX_GROWTH
        jump = max(2, int(jump * min(_MAX_GROWTH, growth)))
    summary = cycle_summary(pd.DataFrame(rows))
    return FadeRun(summary[summary["cycle"] <= cycles].reset_index(drop=True), simulated,
                   total_error, "extrapolated", state, stepper.initial_K_mol)


def _jump(stepper, state, y_prev, y_now, jump):
    """Predictor-corrector jump of ``jump`` cycles; None if a landing state cannot be solved."""
    slope = y_now - y_prev
    slope[stepper.fast_states()] = 0.0  # fast states settle within a cycle: do not drift them
    try:
        probe_1, probe_steps = stepper(_with_state(state, stepper.bounded(
            y_now, y_now + jump * slope)))
        probe_2, _ = stepper(probe_1)
        landed_slope = np.array(probe_2.all_ys[0]).ravel() - np.array(probe_1.all_ys[0]).ravel()
        landed_slope[stepper.fast_states()] = 0.0
        after_1, steps_1 = stepper(_with_state(state, stepper.bounded(
            y_now, y_now + jump * (slope + landed_slope) / 2)))
        after_2, steps_2 = stepper(after_1)
    except SimulationError:
        return None
    return probe_steps, after_1, steps_1, after_2, steps_2
