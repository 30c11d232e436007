"""Solve a cell under a protocol with PyBaMM's IDAKLU solver and tabulate it in mAh/g."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import pybamm

from kion_sim.errors import InvalidInputError, KionSimError, SimulationError
from kion_sim.models.builder import (
    build_model,
    model_options,
    normalised_model_name,
    particle_geometries,
    with_phase_keys,
)
from kion_sim.parameters.assemble import CellParameters, cell_parameters, electrode_limits_V
from kion_sim.protocols.experiment import (
    ELECTRODE_POTENTIAL,
    active_mass_g,
    default_mass_basis,
    to_experiment,
)
from kion_sim.protocols.language import Protocol, Step, parse_protocol
from kion_sim.simulation.built_models import ModelCache
from kion_sim.simulation.result import SimulationResult

_MAH_PER_AH = 1000.0
# What PyBaMM raises when a model, a parameter value or a solve goes wrong (besides SolverError,
# the ValueError/KeyError/ZeroDivisionError of a bad parameter value and casadi's RuntimeError).
PYBAMM_FAILURES = (pybamm.SolverError, pybamm.ModelError, pybamm.DiscretisationError,
                   pybamm.GeometryError, pybamm.OptionError, pybamm.ShapeError,
                   pybamm.DomainError, ValueError, KeyError, ZeroDivisionError, OverflowError,
                   FloatingPointError, RuntimeError)


class _RunWatcher(pybamm.callbacks.Callback):
    """Collects what went wrong in an experiment and, if asked, prints cycle progress."""

    def __init__(self, show_progress: bool):
        self.show_progress, self.problem, self.started = show_progress, None, time.monotonic()

    def on_cycle_start(self, logs):
        cycle, total = logs["cycle number"]
        # On a terminal one line is redrawn; in a log, a line every tenth of the run.
        interactive = sys.stderr.isatty()
        if not self.show_progress or not (interactive or cycle % max(1, total // 10) == 1):
            return
        elapsed = time.monotonic() - self.started
        left = f"~{elapsed / (cycle - 1) * (total - cycle + 1):.0f} s" if cycle > 1 else "?"
        start, end = ("\r", "") if interactive else ("", "\n")
        print(f"{start}cycle {cycle}/{total}  {elapsed:.0f} s elapsed, {left} left   ", end=end,
              file=sys.stderr, flush=True)

    def on_experiment_end(self, logs):
        if self.show_progress and sys.stderr.isatty():
            print(file=sys.stderr)

    def on_experiment_error(self, logs):
        self.problem = f"the solver failed: {logs['error']}"

    def on_experiment_infeasible_time(self, logs):
        self.problem = "a step reached its time limit before its voltage cut-off"

    def on_experiment_infeasible_event(self, logs):
        self.problem = (f"a step hit a model limit instead of its own end "
                        f"({logs.get('termination')}): the current is likely more than the cell "
                        f"can carry; try a smaller one")


def _variables(cell: CellParameters) -> dict[str, str]:
    """Column name -> PyBaMM variable, in K terms and per electrode role."""
    columns = {"time_s": "Time [s]", "current_A": "Current [A]", "voltage_V": "Voltage [V]",
               "K_in_particles_mol": "Total lithium in particles [mol]",
               "K_in_electrolyte_mol": "Total lithium in electrolyte [mol]"}
    for role, design in cell.electrodes.items():
        columns[f"{role}_ocp_V"] = f"{design.slot} electrode bulk open-circuit potential [V]"
        # With K-trapping sites the carbon's own OCP is PyBaMM's primary phase's.
        columns[f"{role}_main_phase_ocp_V"] = (
            f"{design.slot} electrode primary bulk open-circuit potential [V]")
    if not cell.is_half_cell:  # each electrode vs a K reference in the separator
        for role, design in cell.electrodes.items():
            columns[f"{role}_potential_vs_K_V"] = ELECTRODE_POTENTIAL.format(slot=design.slot)
    sei_slot = "positive" if cell.is_half_cell else "negative"
    columns["K_lost_to_SEI_mol"] = f"Loss of lithium to {sei_slot} SEI [mol]"
    columns["K_locked_in_lost_material_mol"] = (
        f"Loss of lithium due to loss of active material in {sei_slot} electrode [mol]")
    if not cell.is_half_cell:  # the cathode's own fade locks K in the host it loses
        columns["cathode_K_locked_in_lost_material_mol"] = (
            "Loss of lithium due to loss of active material in positive electrode [mol]")
    columns["K_in_trap_sites_mol"] = (
        f"Total lithium in secondary phase in {sei_slot} electrode [mol]")
    return columns


def step_problem(step: Step, step_solution) -> str | None:
    """Why a solved step did not end the way its protocol step says, or None if it did.

    PyBaMM returns an empty solution for a step that cannot start (already past its cut-off)
    and stops a step at its time limit without a word when the limit is given explicitly.
    """
    if isinstance(step_solution, pybamm.EmptySolution):
        return (f"step {step.text!r} could not start: the cell was already past its cut-off "
                f"(a discharge must start above its cut-off voltage, a charge below)")
    has_cut_off = step.voltage_V is not None if step.kind != "hold" else (
        step.until_current is not None)
    if has_cut_off and step_solution.termination == "final time":
        limit_h = (step_solution.t[-1] - step_solution.t[0]) / 3600
        return (f"step {step.text!r} reached its time limit ({limit_h:.3g} h) before its "
                f"cut-off: the cell cannot get there at this current")
    return None


def finished_steps(solution, protocol: Protocol):
    """(cycle, step, protocol step, step solution) of each step that ended as asked, in order,
    and the problem of the first one that did not (None if every step finished)."""
    finished = []
    for cycle_index, cycle_solution in enumerate(solution.cycles, start=1):
        for step_index, step_solution in enumerate(cycle_solution.steps, start=1):
            step = protocol.cycles[cycle_index - 1][step_index - 1]
            problem = step_problem(step, step_solution)
            if problem is not None:
                return finished, f"cycle {cycle_index}: {problem}"
            finished.append((cycle_index, step_index, step, step_solution))
    return finished, None


def step_tables(solution, protocol: Protocol, cell: CellParameters, mass_g: float):
    """(time series, step table) of a PyBaMM experiment solution, in mAh/g of ``mass_g``.

    Raises :class:`SimulationError` if a step did not end as the protocol says; use
    :func:`finished_steps` to keep the steps before it.
    """
    steps, problem = finished_steps(solution, protocol)
    if problem is not None:
        raise SimulationError(f"{cell.name}: {problem}")
    return _tables(steps, cell, mass_g)


def _tables(finished, cell: CellParameters, mass_g: float):
    columns = _variables(cell)
    series, rows = [], []
    for cycle_index, step_index, step, step_solution in finished:
        kind = step.kind
        data = {col: step_solution[var].entries for col, var in columns.items()
                if var in step_solution.all_models[0].variables}
        for role in cell.electrodes:  # one OCP column per electrode, phases or not
            main = data.pop(f"{role}_main_phase_ocp_V", None)
            if main is not None:
                data.setdefault(f"{role}_ocp_V", main)
        frame = pd.DataFrame(data)
        t, amps, volts = (frame[c].to_numpy() for c in ("time_s", "current_A", "voltage_V"))
        charge_Ah = cumulative_integral(np.abs(amps), t) / 3600.0
        energy_Wh = cumulative_integral(np.abs(amps * volts), t) / 3600.0
        frame.insert(0, "step_kind", kind)
        frame.insert(0, "step", step_index)
        frame.insert(0, "cycle", cycle_index)
        frame["current_mA_g"] = amps * _MAH_PER_AH / mass_g
        frame["step_capacity_mAh_g"] = charge_Ah * _MAH_PER_AH / mass_g
        series.append(frame)
        rows.append(dict(cycle=cycle_index, step=step_index, kind=kind,
                         duration_s=t[-1] - t[0], end_voltage_V=volts[-1],
                         capacity_mAh_g=charge_Ah[-1] * _MAH_PER_AH / mass_g,
                         energy_mWh_g=energy_Wh[-1] * _MAH_PER_AH / mass_g,
                         K_lost_to_SEI_mol=frame["K_lost_to_SEI_mol"].iloc[-1]))
    if not series:  # nothing finished
        return pd.DataFrame(), pd.DataFrame()
    return pd.concat(series, ignore_index=True), pd.DataFrame(rows)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0] if text else 'no message'}"


def _checked_updates(values: pybamm.ParameterValues, updates: dict) -> dict:
    """``updates`` if every key is a parameter of the cell and every number is finite."""
    unknown = sorted(key for key in updates if key not in values.keys())
    if unknown:
        raise InvalidInputError(f"unknown parameter {unknown[0]!r}; valid: a PyBaMM key of the "
                                f"cell, e.g. 'SEI resistivity [Ohm.m]'")
    for key, value in updates.items():
        if isinstance(value, int | float) and not math.isfinite(value):
            raise InvalidInputError(f"parameter {key!r} must be a finite number, got {value!r}")
    return updates


def cumulative_integral(values: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Trapezoid running integral of ``values`` over ``t`` (starting at 0)."""
    increments = 0.5 * (values[1:] + values[:-1]) * np.diff(t)
    return np.concatenate([[0.0], np.cumsum(increments)])


def mesh_sizes(pybamm_model: pybamm.BaseModel, mesh_points: dict[str, int] | None) -> dict:
    """The model's var_pts with ``mesh_points`` over them; ``"r_p"`` names every phase of the
    particle (``r_p_prim``, ``r_p_sec``) unless those are named too."""
    mesh = {**pybamm_model.default_var_pts, **(mesh_points or {})}  # refine only what is named
    for key, points in (mesh_points or {}).items():
        for phase_key in (f"{key}_prim", f"{key}_sec"):
            if phase_key in mesh and phase_key not in (mesh_points or {}):
                mesh[phase_key] = points
    return mesh


def updated_values(cell: CellParameters, updates: dict | None,
                   pybamm_model: pybamm.BaseModel) -> dict:
    """``cell``'s values with ``updates`` (checked), then the phase names ``pybamm_model``
    reads (after the updates, so the phases see them)."""
    values = dict(cell.values)
    if updates:
        values.update(_checked_updates(values, updates))
    return with_phase_keys(values, pybamm_model)


def _particle_shapes(cell: CellParameters) -> str:
    """The particles' shapes, not their sizes: the sizes are values (on a symbolic mesh, inputs)."""
    return repr({domain: (geometry.shape, geometry.open_core)
                 for domain, geometry in particle_geometries(cell).items()})


def run_structure(kind: str, cell: CellParameters, model: str, degradation: bool = True,
                  mesh_points: dict[str, int] | None = None) -> tuple:
    """What fixes a run's equations and mesh besides its values and experiment steps (the key
    of :class:`~kion_sim.simulation.built_models.ModelCache`)."""
    # The window guards' limits are in no parameter value, and their steps name them rounded.
    limits = [(role, electrode_limits_V(design)) for role, design in cell.electrodes.items()]
    return (kind, cell.name, cell.kind, normalised_model_name(model), degradation,
            repr(model_options(cell, degradation)), _particle_shapes(cell),
            repr(sorted((mesh_points or {}).items())), cell.window_guards,
            repr(limits) if cell.window_guards else None)


def _solve_experiment(cell, experiment, model, degradation, parameter_updates, mesh_points,
                      model_cache, moving, watcher, pybamm_model=None):
    """The PyBaMM solution of ``experiment``: on a simulation built for it, or on one from
    ``model_cache`` solved with inputs (rebuilt without the cache if a new one cannot run)."""

    if model_cache is not None:
        built = model_cache.simulation(
            run_structure("simulate", cell, model, degradation, mesh_points), experiment,
            lambda: build_model(model, cell, degradation),
            lambda pybamm_model: updated_values(cell, parameter_updates, pybamm_model),
            lambda pybamm_model: mesh_sizes(pybamm_model, mesh_points), moving or {})
        try:
            return built.simulation.solve(callbacks=[watcher], calc_esoh=False,
                                          inputs=built.inputs)
        except PYBAMM_FAILURES:
            model_cache.forget(built)
            if not built.fresh or not built.inputs:
                raise
            # A new simulation that fails may have refused an input: the plain build decides.
            watcher.problem = None
    pybamm_model = pybamm_model or build_model(model, cell, degradation)
    simulation = pybamm.Simulation(pybamm_model,
                                   parameter_values=pybamm.ParameterValues(updated_values(
                                       cell, parameter_updates, pybamm_model)),
                                   experiment=experiment, solver=pybamm.IDAKLUSolver(),
                                   var_pts=mesh_sizes(pybamm_model, mesh_points))
    solution = simulation.solve(callbacks=[watcher], calc_esoh=False)
    if model_cache is not None:  # it solves without inputs: build this run so from now on
        model_cache.forget(built, refused=True)
    return solution


def simulate(cell: str | CellParameters, protocol: str | list[str] | Protocol,
             model: str = "SPMe", mass_basis: str | None = None, degradation: bool = True,
             show_progress: bool | None = None, parameter_updates: dict | None = None,
             mesh_points: dict[str, int] | None = None, model_cache: ModelCache | None = None,
             moving: dict | Callable[[], dict] | None = None) -> SimulationResult:
    """Simulate ``cell`` under ``protocol`` and return capacities in mAh/g.

    Parameters
    ----------
    cell
        Name of a cell (``kion-sim list``) or :class:`CellParameters`.
    protocol
        Protocol text, e.g. ``"(Discharge at 100 mA/g until 0.01 V; Charge at 100 mA/g until
        1.5 V) x 5"``; see :mod:`kion_sim.protocols`.
    model
        ``"SPM"``, ``"SPMe"`` or ``"DFN"``.
    mass_basis
        Full cells only: specific currents and capacities per gram of ``"anode"``,
        ``"cathode"`` (default) or ``"both"`` active materials.
    degradation
        Include SEI growth and its film resistance on the carbon.
    show_progress
        Print cycle progress on stderr (default: for 10 cycles or more).
    parameter_updates
        PyBaMM parameter values to override (for sweeps and fits).
    mesh_points
        PyBaMM ``var_pts`` overrides, e.g. ``{"r_p": 40}`` (the half cell's carbon particle is
        ``r_p``: PyBaMM's positive slot).
    model_cache
        Reuse a simulation built for the same structure
        (:class:`~kion_sim.simulation.built_models.ModelCache`), solved with the values that
        ``moving`` names (see :func:`~kion_sim.simulation.built_models.moving_values`; a
        function giving them is called only when a simulation is built) as PyBaMM inputs.

    Raises
    ------
    SimulationError
        If the solve fails; ``error.partial_result`` holds the cycles that finished.

    Examples
    --------
    >>> result = simulate("soft_carbon_half_cell",
    ...                   "Discharge at 100 mA/g until 0.01 V; Charge at 100 mA/g until 1.5 V",
    ...                   model="SPM")
    >>> bool(250 < result.steps["capacity_mAh_g"].iloc[1] < 400)
    True
    """
    cell = cell_parameters(cell) if isinstance(cell, str) else cell
    protocol = parse_protocol(protocol)
    experiment = to_experiment(protocol, cell, mass_basis)
    basis = mass_basis or default_mass_basis(cell)
    mass_g = active_mass_g(cell, basis)
    watcher = _RunWatcher(len(protocol.cycles) >= 10 if show_progress is None else show_progress)
    # Built here, outside the solve's error handling: a bad option is no failed step.
    pybamm_model = None if model_cache is not None else build_model(model, cell, degradation)
    try:
        solution = _solve_experiment(cell, experiment, model, degradation, parameter_updates,
                                     mesh_points, model_cache, moving, watcher, pybamm_model)
    except PYBAMM_FAILURES as error:
        if isinstance(error, KionSimError):
            raise
        reason = _first_line(error)
        if isinstance(error, pybamm.SolverError) and "infeasible" in reason:
            reason = f"step {protocol.steps[0].text!r} could not start."
        raise SimulationError(
            f"{cell.name} with {model} could not run a step: {reason} "
            f"Try a smaller current, or check each step starts on the right side of its "
            f"cut-off (a discharge above its cut-off voltage, a charge below).") from error
    finished, step_trouble = finished_steps(solution, protocol)
    problem = watcher.problem or step_trouble
    timeseries, steps = _tables(finished, cell, mass_g)
    result = SimulationResult(cell, model, protocol, basis, mass_g, timeseries, steps, solution,
                              problem)
    if problem is not None:
        done = len(steps)
        error = SimulationError(f"{cell.name} with {model}: {problem} (after {done} of "
                                f"{len(protocol.steps)} steps)")
        error.partial_result = result
        raise error
    return result
