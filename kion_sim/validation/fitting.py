"""Fitting material values to measured targets: parameters, targets, cost, optimiser, result.

scipy's trust-region least squares is enough here: a handful of positive scale parameters,
each fitted in log10 space, and targets that each need one simulation. PyBOP would bring the
same chain with heavier dependencies and its own PyBaMM pin.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from kion_sim.analysis.cycles import capacity_retention
from kion_sim.errors import InvalidInputError, SimulationError
from kion_sim.parameters.assemble import CellParameters, build_cell_parameters
from kion_sim.parameters.catalog import load_material
from kion_sim.validation.staged_fit import TrialProblem, staged_solution
from kion_sim.validation.trial_runs import (
    TrialRunner,
    fit_workers,
    needs_timeseries,
    residual_size,
    runs_needed,
    solve_run,
    trial_overrides,
)


@dataclass(frozen=True)
class FitParameter:
    """A positive material value to fit between ``lower`` and ``upper`` (log10 scale)."""

    material: str  # a material's name, or a mechanism's for a value the mechanism holds
    key: str
    lower: float
    upper: float
    initial: float | None = None  # default: the material file's estimate
    # Broyden's steps move it as value**step_power (0: its log10), where the targets are
    # nearest linear in it (a mechanism's [fit] step_power; kion_sim.validation.staged_fit).
    step_power: float = 0.0

    def __post_init__(self):
        if not 0 < self.lower < self.upper:
            raise InvalidInputError(f"{self.key}: need 0 < lower < upper, got "
                                    f"{self.lower}, {self.upper}")
        if not 0 <= self.step_power <= 1:
            raise InvalidInputError(f"{self.key}: step_power must be within [0, 1] (0: log10), "
                                    f"got {self.step_power!r}")


@dataclass(frozen=True)
class Run:
    """One galvanostatic cycling run that targets read from."""

    current_density_mA_g: float
    cycles: int
    lower_V: float | None = None
    upper_V: float | None = None


class _ScalarTarget:
    """A target that is one number; its residual is (simulated - measured) / uncertainty."""

    def residuals(self, summary: pd.DataFrame, timeseries: pd.DataFrame) -> np.ndarray:
        return np.array([(self.simulated(summary, timeseries) - self.measured) / self.sigma])


@dataclass(frozen=True)
class CapacityTarget(_ScalarTarget):
    """Reversible (charge) capacity [mAh/g] of ``cycle`` at a specific current."""

    current_density_mA_g: float
    capacity_mAh_g: float
    cycle: int = 2
    lower_V: float | None = None
    upper_V: float | None = None
    uncertainty_pct: float = 2.0

    @property
    def run(self) -> Run:
        return Run(self.current_density_mA_g, self.cycle, self.lower_V, self.upper_V)

    @property
    def label(self) -> str:
        return f"capacity at {self.current_density_mA_g:g} mA/g, cycle {self.cycle} [mAh/g]"

    measured = property(lambda self: self.capacity_mAh_g)
    sigma = property(lambda self: self.capacity_mAh_g * self.uncertainty_pct / 100)

    def simulated(self, summary: pd.DataFrame, timeseries: pd.DataFrame) -> float:
        return float(summary.loc[summary["cycle"] == self.cycle, "charge_capacity_mAh_g"].iloc[0])


@dataclass(frozen=True)
class RetentionTarget(_ScalarTarget):
    """Capacity after ``cycles`` cycles as % of the 2nd cycle's, at a specific current."""

    current_density_mA_g: float
    cycles: int
    retention_pct: float
    lower_V: float | None = None
    upper_V: float | None = None
    uncertainty_points: float = 2.0

    @property
    def run(self) -> Run:
        return Run(self.current_density_mA_g, self.cycles, self.lower_V, self.upper_V)

    @property
    def label(self) -> str:
        return f"retention after {self.cycles} cycles at {self.current_density_mA_g:g} mA/g [%]"

    measured = property(lambda self: self.retention_pct)
    sigma = property(lambda self: self.uncertainty_points)

    def simulated(self, summary: pd.DataFrame, timeseries: pd.DataFrame) -> float:
        """The retention at ``cycles``; of a run that ended early at its end of life (its
        summary stops there), the last cycle's: the most the cell could have kept."""
        retention = capacity_retention(summary)
        return float(retention.iloc[min(self.cycles, len(retention)) - 1])


@dataclass(frozen=True)
class VoltageCurveTarget:
    """A measured voltage curve (capacity_mAh_g, voltage_V) of one step of one cycle."""

    current_density_mA_g: float
    capacity_mAh_g: tuple[float, ...]
    voltage_V: tuple[float, ...]
    cycle: int = 2
    direction: str = "discharge"
    lower_V: float | None = None
    upper_V: float | None = None
    uncertainty_V: float = 0.01

    @classmethod
    def from_csv(cls, path: str, current_density_mA_g: float, **options) -> VoltageCurveTarget:
        """Read a CSV with columns ``capacity_mAh_g`` and ``voltage_V``."""
        table = pd.read_csv(path)
        missing = {"capacity_mAh_g", "voltage_V"} - set(table.columns)
        if missing:
            raise InvalidInputError(f"{path} lacks columns {sorted(missing)}; it has "
                                    f"{list(table.columns)}")
        return cls(current_density_mA_g, tuple(table["capacity_mAh_g"]),
                   tuple(table["voltage_V"]), **options)

    @property
    def run(self) -> Run:
        return Run(self.current_density_mA_g, self.cycle, self.lower_V, self.upper_V)

    @property
    def label(self) -> str:
        return f"{self.direction} curve at {self.current_density_mA_g:g} mA/g, cycle {self.cycle}"

    @property
    def measured(self) -> float:  # reported as an RMS error, measured against zero
        return 0.0

    def simulated(self, summary: pd.DataFrame, timeseries: pd.DataFrame) -> float:
        """RMS voltage error [V]."""
        return float(np.sqrt(np.mean(self.residuals(summary, timeseries) ** 2))
                     * self.uncertainty_V)

    def residuals(self, summary: pd.DataFrame, timeseries: pd.DataFrame) -> np.ndarray:
        step = timeseries[(timeseries["cycle"] == self.cycle)
                          & (timeseries["step_kind"] == self.direction)]
        simulated = np.interp(self.capacity_mAh_g, step["step_capacity_mAh_g"],
                              step["voltage_V"], right=np.nan)
        # Beyond the simulated end the cell had already hit its cut-off: count it fully wrong.
        simulated = np.where(np.isnan(simulated), step["voltage_V"].iloc[-1] - 0.5, simulated)
        return (simulated - np.asarray(self.voltage_V)) / self.uncertainty_V


Target = CapacityTarget | RetentionTarget | VoltageCurveTarget


def evaluate_targets(cell: CellParameters, targets: list[Target], model: str = "SPM",
                     exact: bool = False) -> list[tuple[float, np.ndarray]]:
    """Simulate each distinct run the targets need once; return (value, residuals) per target."""
    runs = runs_needed(targets)
    outputs = {run: solve_run(cell, run, model, exact, needs_timeseries(targets))
               for run in dict.fromkeys(runs.values())}
    return [(t.simulated(*outputs[runs[i]]), t.residuals(*outputs[runs[i]]))
            for i, t in enumerate(targets)]


@dataclass
class FitResult:
    """Fitted values, how well each is determined, and the residual of every target."""

    cell: str
    parameters: list[FitParameter]
    initial: dict[str, float]
    fitted: dict[str, float]
    residuals: pd.DataFrame
    sensitivity: pd.DataFrame
    uncertainty_factor: dict[str, float]
    success: bool
    evaluations: int
    message: str
    mechanism: str | None = None
    # Staged fits: runs solved on a model built before for them ("reused") and models built.
    models: dict[str, int] | None = None

    def summary(self) -> pd.DataFrame:
        """One row per fitted value: start, fit, and its 1-sigma multiplicative uncertainty."""
        return pd.DataFrame([{
            "material": p.material, "key": p.key, "initial": self.initial[p.key],
            "fitted": self.fitted[p.key],
            "uncertainty_factor_1sigma": self.uncertainty_factor[p.key]}
            for p in self.parameters])


FIT_STRATEGIES = ("staged", "least-squares")


def fit(cell: str, parameters: list[FitParameter], targets: list[Target], model: str = "SPM",
        initial: dict[str, float] | None = None, show_progress: bool = False,
        max_evaluations: int = 60, exact: bool = False,
        mechanism: str | None = None, fixed: dict[str, dict[str, float]] | None = None,
        electrode_overrides: dict[str, dict[str, float]] | None = None,
        strategy: str = "staged", workers: int | None = None) -> FitResult:
    """Fit ``parameters`` of ``cell``'s materials so its simulations meet ``targets``.

    Residuals are scaled by each target's uncertainty, so the cost is a chi-square and the
    Jacobian at the optimum gives each value's standard error (in log10 units, reported as a
    multiplicative factor) and which target constrains which value (``sensitivity``).
    ``fixed`` (material -> {key: value}) and ``electrode_overrides`` replace estimates that
    are held, not fitted (an uncertainty sample); see :func:`build_cell_parameters`.

    ``strategy``: ``"staged"`` (default; :mod:`kion_sim.validation.staged_fit`: short-run
    targets first, runs solved on ``workers`` processes, default every core) or
    ``"least-squares"`` (scipy's trust region over all targets at once, one process: the
    method before the staged one, kept to measure against; ``max_evaluations`` caps it).
    """
    if not parameters or not targets:
        raise InvalidInputError("a fit needs at least one parameter and one target")
    if strategy not in FIT_STRATEGIES:
        raise InvalidInputError(f"unknown fit strategy {strategy!r}; valid: "
                                f"{', '.join(FIT_STRATEGIES)}")
    start = {p.key: (initial or {}).get(p.key, p.initial if p.initial is not None
                                        else load_material(p.material).value(p.key))
             for p in parameters}
    x0 = np.log10([min(max(start[p.key], p.lower), p.upper) for p in parameters])
    bounds = (np.log10([p.lower for p in parameters]), np.log10([p.upper for p in parameters]))
    if strategy == "staged":
        return _staged_fit(cell, parameters, targets, model, start, x0, bounds, show_progress,
                           exact, mechanism, fixed, electrode_overrides, workers)
    calls = {"count": 0}

    def residual_vector(log_values: np.ndarray) -> np.ndarray:
        calls["count"] += 1
        trial = build_cell_parameters(cell, trial_overrides(parameters, log_values, fixed),
                                      electrode_overrides, mechanism=mechanism)
        try:
            evaluated = evaluate_targets(trial, targets, model, exact)
        except SimulationError:
            return np.full(_residual_count(targets), 1e3)  # a failed solve is a bad fit
        vector = np.concatenate([r for _, r in evaluated])
        if show_progress:
            values = ", ".join(f"{10 ** v:.3g}" for v in log_values)
            print(f"fit {calls['count']}: [{values}] cost {0.5 * vector @ vector:.4g}",
                  file=sys.stderr, flush=True)
        return vector

    solution = least_squares(residual_vector, x0, bounds=bounds, diff_step=1e-3,
                             x_scale=1.0, max_nfev=max_evaluations)
    fitted_cell = build_cell_parameters(cell, trial_overrides(parameters, solution.x, fixed),
                                        electrode_overrides, mechanism=mechanism)
    evaluated = evaluate_targets(fitted_cell, targets, model, exact)
    return FitResult(
        cell=cell, parameters=parameters, initial=start,
        fitted={p.key: float(10.0 ** v) for p, v in zip(parameters, solution.x, strict=True)},
        residuals=_residual_table(targets, evaluated),
        sensitivity=_sensitivity(parameters, targets, solution.jac),
        uncertainty_factor=_uncertainty(parameters, solution.jac),
        success=bool(solution.success), evaluations=calls["count"], message=solution.message,
        mechanism=mechanism)


def _staged_fit(cell, parameters, targets, model, start, x0, bounds, show_progress, exact,
                mechanism, fixed, electrode_overrides, workers) -> FitResult:
    with TrialRunner(model, exact, fit_workers(workers), needs_timeseries(targets)) as runner:
        problem = TrialProblem(cell, parameters, targets, runner, fixed, electrode_overrides,
                               mechanism, show_progress)
        x, _, jacobian, converged = staged_solution(problem, x0, *bounds)
        outputs = problem.outputs([x], list(range(len(targets))))[0]
    failed = next((output for output in outputs if isinstance(output, str)), None)
    if failed is not None:
        raise SimulationError(f"{cell}: the fit ended where a simulation fails: {failed}")
    evaluated = [(t.simulated(*output), t.residuals(*output))
                 for t, output in zip(targets, outputs, strict=True)]
    solved = runner.solved
    return FitResult(
        cell=cell, parameters=parameters, initial=start,
        fitted={p.key: float(10.0 ** v) for p, v in zip(parameters, x, strict=True)},
        residuals=_residual_table(targets, evaluated),
        sensitivity=_sensitivity(parameters, targets, jacobian),
        uncertainty_factor=_uncertainty(parameters, jacobian),
        success=converged, evaluations=problem.evaluations,
        message=(f"staged fit {'converged' if converged else 'stopped before converging'}; "
                 f"{solved['short']} short and {solved['long']} long runs solved, "
                 f"{runner.models['reused']} on models built before"),
        mechanism=mechanism, models=dict(runner.models))


def _residual_count(targets: list[Target]) -> int:
    return sum(residual_size(t) for t in targets)


def _residual_table(targets: list[Target], evaluated) -> pd.DataFrame:
    rows = []
    for target, (value, _) in zip(targets, evaluated, strict=True):
        error = value - target.measured
        rows.append({"target": target.label, "measured": target.measured, "simulated": value,
                     "error": error,
                     "error_pct": 100 * error / target.measured if target.measured else math.nan})
    return pd.DataFrame(rows)


def _sensitivity(parameters, targets, jacobian: np.ndarray) -> pd.DataFrame:
    """d(residual / uncertainty) / d log10(value): large entries mark what a target constrains."""
    labels = [t.label for t in targets for _ in range(_residual_count([t]))]
    return pd.DataFrame(jacobian, index=labels, columns=[p.key for p in parameters])


def _uncertainty(parameters, jacobian: np.ndarray) -> dict[str, float]:
    """1-sigma multiplicative uncertainty of each value; inf where the data cannot fix it."""
    information = jacobian.T @ jacobian
    try:
        covariance = np.linalg.inv(information)
        sigma_log10 = np.sqrt(np.clip(np.diag(covariance), 0, None))
    except np.linalg.LinAlgError:
        sigma_log10 = np.full(len(parameters), np.inf)
    # Beyond 1e300 the value is simply not determined by the data.
    return {p.key: float(10.0 ** s) if np.isfinite(s) and s < 300 else math.inf
            for p, s in zip(parameters, sigma_log10, strict=True)}
