"""The simulations behind a fit: which runs a set of targets needs, solved for many trial values
at once, on local processes when the machine has cores to spare.

A trial is rebuilt in the worker from its names and overrides (picklable), never sent as a built
PyBaMM model. Each worker keeps the models it built (:mod:`kion_sim.simulation.built_models`)
and solves the next trial of the same structure on them, the values the overrides move passed
as PyBaMM inputs.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kion_sim.analysis.cycles import cycle_summary
from kion_sim.errors import InvalidInputError, KionSimError, SimulationError
from kion_sim.parameters.assemble import CellParameters, build_cell_parameters
from kion_sim.protocols.experiment import galvanostatic_cycles
from kion_sim.simulation.built_models import ModelCache, enabled, moving_values, process_cache
from kion_sim.simulation.fade import FAST_FADE_FROM_CYCLES, fade_run
from kion_sim.simulation.runner import simulate

# Every residual of a trial whose run failed: a fit steps away from it, and no fit "converges"
# on it (a flat penalty has no gradient).
FAILED_RUN_RESIDUAL = 1e3


@dataclass(frozen=True)
class RunKey:
    """One galvanostatic cycling run: current, voltage window and how many cycles."""

    current_density_mA_g: float
    lower_V: float | None
    upper_V: float | None
    cycles: int

    @property
    def is_long(self) -> bool:
        """Long runs take the fast fade path and cost many times a short one."""
        return self.cycles >= FAST_FADE_FROM_CYCLES


def runs_needed(targets) -> dict[int, RunKey]:
    """Target index -> the run it is read from: one run per current and window, as long as the
    longest target on it needs (a capacity at cycle 2 is read from a 100-cycle run's cycle 2)."""
    conditions = [(t.run.current_density_mA_g, t.run.lower_V, t.run.upper_V) for t in targets]
    longest: dict[tuple, int] = {}
    for condition, target in zip(conditions, targets, strict=True):
        longest[condition] = max(longest.get(condition, 0), target.run.cycles)
    return {i: RunKey(*condition, longest[condition]) for i, condition in enumerate(conditions)}


def solve_run(cell: CellParameters, run: RunKey, model: str, exact: bool,
              keep_timeseries: bool, model_cache: ModelCache | None = None,
              moving=None, stop_at_end_of_life: bool = True
              ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(per-cycle summary, time series or None) of one run of ``cell``; with ``model_cache``,
    on a cached simulation with the values ``moving`` names as inputs (see
    :class:`~kion_sim.simulation.built_models.ModelCache`). A long run of a cell that gives
    out early returns the cycles it ran (``stop_at_end_of_life``, the default: a result a fit
    can steer by, far too much fade) or raises."""
    if run.is_long and not exact:
        result = fade_run(cell, run.current_density_mA_g, run.cycles, model, run.lower_V,
                          run.upper_V, model_cache=model_cache, moving=moving,
                          stop_at_end_of_life=stop_at_end_of_life)
        return result.summary, None
    protocol = galvanostatic_cycles(cell, run.current_density_mA_g, run.cycles, run.lower_V,
                                    run.upper_V)
    result = simulate(cell, protocol, model=model, show_progress=False,
                      model_cache=model_cache, moving=moving)
    return cycle_summary(result.steps), result.timeseries if keep_timeseries else None


@dataclass(frozen=True)
class TrialCell:
    """How to rebuild one trial's cell in any process: names and overrides only."""

    cell: str
    material_overrides: dict
    electrode_overrides: dict | None
    mechanism: str | None

    def build(self, material_overrides: dict | None = None,
              electrode_overrides: dict | None = None) -> CellParameters:
        return build_cell_parameters(self.cell, material_overrides or self.material_overrides,
                                     electrode_overrides or self.electrode_overrides,
                                     mechanism=self.mechanism)

    def moving(self) -> dict:
        """The PyBaMM values that move with this trial's overrides (the fitted and the held
        ones: an uncertainty sample moves the held ones, its electrodes' recipes too), from the
        cell built at the trial and with every override 1 % larger (or smaller, if larger
        cannot be built)."""
        base = self.build().values

        def scaled(overrides: dict | None, factor: float) -> dict:
            return {name: {key: value * factor for key, value in values.items()}
                    for name, values in (overrides or {}).items()}

        for factor in (1.01, 0.99):
            try:
                return moving_values(base, self.build(
                    scaled(self.material_overrides, factor),
                    scaled(self.electrode_overrides, factor)).values)
            except KionSimError:
                continue
        return {}


def _solve_trial(trial: TrialCell, run: RunKey, model: str, exact: bool, keep_timeseries: bool,
                 reuse_models: bool):
    """Worker entry: (the run's outputs or the failure's message (a failed solve is a result),
    how many built models the run reused and built: (hits, misses))."""
    # Without reuse, every run is built afresh the same way (inputs and all), so the results
    # are the same either way: PyBaMM's constants and inputs take paths apart by its tolerance.
    cache = process_cache() if reuse_models else ModelCache(max_entries=0)
    before = (cache.hits, cache.misses)
    try:
        output = solve_run(trial.build(), run, model, exact, keep_timeseries, cache,
                           trial.moving)
    except SimulationError as error:
        output = str(error)
    return output, (cache.hits - before[0], cache.misses - before[1])


def fit_workers(workers: int | None) -> int:
    """``workers``, checked; default: every core (capped at 4, beyond which a fit of a few
    values has too few runs per round to keep more busy)."""
    if workers is None:
        return max(1, min(4, os.cpu_count() or 1))
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidInputError(f"workers must be a whole number >= 1, got {workers!r}")
    return workers


class TrialRunner:
    """Solves (trial, run) pairs, many at once across ``workers`` processes, remembering each.

    Use as a context manager so the worker processes end with the fit. ``reuse_models``
    (default: :func:`kion_sim.simulation.built_models.enabled`) solves each run on a model
    its worker built before for the same structure; ``models`` counts them ("reused") and
    the models built ("built").
    """

    def __init__(self, model: str, exact: bool, workers: int, keep_timeseries: bool,
                 reuse_models: bool | None = None):
        self.model, self.exact, self.keep_timeseries = model, exact, keep_timeseries
        self.workers = workers
        self.reuse_models = enabled() if reuse_models is None else reuse_models
        self._pool: ProcessPoolExecutor | None = None
        self._done: dict[tuple, object] = {}
        self.solved = {"short": 0, "long": 0}
        self.models = {"reused": 0, "built": 0}

    def __enter__(self) -> TrialRunner:
        if self.workers > 1:  # forked workers inherit the loaded parameter files
            self._pool = ProcessPoolExecutor(self.workers,
                                             mp_context=multiprocessing.get_context("fork"))
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def solve(self, pairs: list[tuple[TrialCell, RunKey]]) -> list:
        """Outputs of each pair, in order: (summary, time series) or a failure message."""
        unique = {_key(*pair): pair for pair in pairs}
        # Longest first, so the pool is not left waiting on one long run at the end.
        missing = sorted((pair for key, pair in unique.items() if key not in self._done),
                         key=lambda pair: -pair[1].cycles)
        arguments = [(trial, run, self.model, self.exact, self.keep_timeseries,
                      self.reuse_models) for trial, run in missing]
        if self._pool is None:
            outputs = [_solve_trial(*a) for a in arguments]
        else:
            outputs = [f.result() for f in [self._pool.submit(_solve_trial, *a)
                                            for a in arguments]]
        for (trial, run), (output, (reused, built)) in zip(missing, outputs, strict=True):
            self._done[_key(trial, run)] = output
            self.models["reused"] += reused
            self.models["built"] += built
            self.solved["long" if run.is_long and not self.exact else "short"] += 1
        return [self._done[_key(*pair)] for pair in pairs]


def _key(trial: TrialCell, run: RunKey) -> tuple:
    return (trial.cell, repr(trial.material_overrides), repr(trial.electrode_overrides),
            trial.mechanism, run)


def trial_overrides(parameters, log_values, fixed: dict | None = None) -> dict:
    """Material overrides of one trial: the ``fixed`` values, the fitted ones (log10) over them."""
    overrides = {material: dict(values) for material, values in (fixed or {}).items()}
    for parameter, log_value in zip(parameters, log_values, strict=True):
        overrides.setdefault(parameter.material, {})[parameter.key] = float(10.0 ** log_value)
    return overrides


def needs_timeseries(targets) -> bool:
    """Whether a target reads the time series (a voltage curve), not only the cycle summary."""
    return any(hasattr(target, "voltage_V") for target in targets)


def residual_size(target) -> int:
    """How many residuals a target gives: one, one per point of a measured curve, or the
    ``residual_count`` a target declares (one per fitted cycle of a fade curve)."""
    if hasattr(target, "voltage_V"):
        return len(target.voltage_V)
    return int(getattr(target, "residual_count", 1))


def residual_vector(targets, outputs) -> np.ndarray:
    """Residuals of ``targets`` from their runs' ``outputs``; a failed run is a bad fit."""
    if any(isinstance(output, str) for output in outputs):
        return np.full(sum(residual_size(t) for t in targets), FAILED_RUN_RESIDUAL)
    return np.concatenate([target.residuals(*output)
                           for target, output in zip(targets, outputs, strict=True)])
