"""Four figures, three values: each fade mechanism fitted to all four figures of the 900 C soft
carbon, then tested out of sample by leaving each figure out in turn (issue 19).

The figures (Table S1): 312 mAh/g at 100 mA/g (2nd cycle), 80 % after 100 cycles at 100 mA/g,
214 mAh/g at 500 mA/g, 82 % after 500 cycles at 500 mA/g (withheld until 2026-12-01). A
mechanism has three values (capacity, diffusivity, its fade value), so

- the **four-figure fit** has one degree of freedom: its chi-square (residuals over the stated
  uncertainties, 2 % of a capacity, 2 points of a retention) says whether the mechanism can
  explain both retentions at once, and the values' covariance is scaled by chi2/dof when that
  exceeds 1 (uncertainties that include the misfit);
- **leave one out**: for each figure, the three values are fitted to the other three figures and
  the left-out one is predicted, with the fold fit's 5-95 % interval (the other figures' stated
  uncertainties propagated through the Jacobian, linearised at the four-figure fit) and a
  predictive interval that adds the left-out figure's own uncertainty.

Cost: every trial point solves the same two fast-path runs (100 cycles at 100 mA/g, 500 at
500 mA/g) side by side, which give all four figures; the Jacobian is measured once per mechanism
by finite differences at its stored calibration (warm start) and carried by Broyden's update.
A fold that fits three values to three figures lands on one point whatever the start, so
starting it from the four-figure fit leaks nothing of the left-out figure once it converges.

The rule that picks the default from this table is in :mod:`kion_sim.validation.mechanisms`.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from kion_sim.errors import InvalidInputError, SimulationError
from kion_sim.parameters.assemble import build_cell_parameters
from kion_sim.parameters.catalog import load_cell, load_material
from kion_sim.parameters.mechanisms import load_calibration, load_mechanism, mechanism_names
from kion_sim.simulation.built_models import process_cache
from kion_sim.simulation.fade import END_OF_LIFE_FRACTION, fade_run
from kion_sim.simulation.states import degradation_states
from kion_sim.validation.calibrate import calibration_plan
from kion_sim.validation.fitting import RetentionTarget
from kion_sim.validation.staged_fit import (
    CONVERGED_RESIDUAL,
    TrialProblem,
    damped_gauss_newton,
)
from kion_sim.validation.trial_runs import (
    FAILED_RUN_RESIDUAL,
    TrialRunner,
    fit_workers,
    runs_needed,
    solve_run,
    trial_overrides,
)

STUDY_CELL = "soft_carbon_half_cell"
Z_05_95 = 1.6448536269514722  # standard normal quantile of 95 %
# A step of the four-figure fit expected to gain less than this (in cost, half the chi-square)
# is within the fast path's noise (~0.9 points of retention, half a sigma): stop there.
FIT_MIN_DECREASE = 0.05
# A fold whose figures cannot fix its values (a capacity left out: the retentions barely read
# the diffusivity) wanders without converging; three steps show that, more only cost time.
# A retention fold is three figures for three values and can meet them: with three steps the
# post-reveal mechanism's folds stopped at 0.2 sigma (2026-12-01), so they get eight.
_FIT_ITERATIONS, _CAPACITY_FOLD_ITERATIONS, _RETENTION_FOLD_ITERATIONS = 6, 3, 8
# Seconds per trial point (two fast-path runs on two workers, SPM), measured here on the shared
# 2-core machine on 2026-12-01 (12.6 s, under a load of ~5); SPMe and DFN are guesses from the
# fast-fade benchmark's ratios. The estimate printed at the start scales from them.
SECONDS_PER_POINT = {"SPM": 12.6, "SPMe": 16.0, "DFN": 30.0}
# 4 for each of the two measured Jacobians, ~4 for the fit, 2-8 per fold, the end states
POINTS_PER_MECHANISM = 30


@dataclass
class Figure:
    """One reported figure against one simulation of it."""

    figure: str
    measured: float
    sigma: float
    simulated: float

    @property
    def residual(self) -> float:
        return (self.simulated - self.measured) / self.sigma


@dataclass
class Fold:
    """One left-out figure: fitted to the other three, predicted."""

    left_out: str
    measured: float
    predicted: float
    error: float
    p05: float
    p95: float
    predictive_p05: float
    predictive_p95: float
    inside_interval: bool
    inside_predictive_interval: bool
    converged: bool
    fitted: dict[str, float]
    # A fold whose fitted cell gives out before the left-out cycle: the fit's trials stop at
    # its end of life, so its prediction is solved again to that cycle. If a cycle on the way
    # cannot be solved, ``predicted`` is the last one's retention, an upper bound.
    predicted_is_upper_bound: bool = False


@dataclass
class MechanismLoo:
    """A mechanism's four-figure fit, its end states and its leave-one-out folds."""

    mechanism: str
    defined_after_reveal: bool
    default: bool
    fitted: dict[str, float]
    uncertainty_factor: dict[str, float]  # 1-sigma, multiplicative, misfit included
    figures: list[Figure]
    chi_square: float
    dof: int
    converged: bool
    states: dict[str, float]
    folds: list[Fold] = field(default_factory=list)
    seconds: float = 0.0
    workers: int | None = None  # the processes it ran on (None: not recorded)

    @property
    def loo_retention_score(self) -> float:
        """Mean absolute error [points] of the retention folds (the rule's score)."""
        errors = [abs(f.error) for f in self.folds if f.left_out.startswith("retention")]
        return float(np.mean(errors)) if errors else math.nan

    def to_dict(self) -> dict:
        out = asdict(self)
        for entry, figure in zip(out["figures"], self.figures, strict=True):
            entry["residual"] = figure.residual
        out["loo_retention_score_points"] = self.loo_retention_score
        return out

    @classmethod
    def from_dict(cls, entry: dict) -> MechanismLoo:
        """The inverse of :meth:`to_dict` (its derived fields dropped)."""
        values = {k: v for k, v in entry.items() if k in cls.__dataclass_fields__}
        values["figures"] = [Figure(**{k: v for k, v in f.items() if k != "residual"})
                             for f in entry["figures"]]
        values["folds"] = [Fold(**f) for f in entry.get("folds", [])]
        return cls(**values)


def merged_results(documents: list[dict]) -> list[MechanismLoo]:
    """The mechanisms of several ``kion-sim mechanisms --loo --json`` documents (one process
    per mechanism, say), one entry each: a mechanism listed twice is an error, since which
    run to keep is the user's choice, not the rule's."""
    results, seen, models = [], set(), {d.get("model") for d in documents}
    if len(models) > 1:
        raise InvalidInputError(f"the documents were run with different models {sorted(models)}: "
                                f"merge runs of one model")
    for document in documents:
        for entry in document["mechanisms"]:
            if entry["mechanism"] in seen:
                raise InvalidInputError(f"{entry['mechanism']} is in more than one document: "
                                        f"keep one run of each mechanism")
            seen.add(entry["mechanism"])
            results.append(MechanismLoo.from_dict(entry))
    return results


class _AllFigures(TrialProblem):
    """Every trial point solves the runs all four figures need; a fit reads the rows it uses.

    Values beyond the first three (a mix's second fade value) add one row each after the
    figures: a prior, (log10 value - log10 estimate) / its sigma, the estimate's range being
    +-2 sigma, so that three figures still fix four values in a fold.
    """

    seen: dict
    priors: list[tuple[int, float, float]]  # (value index, log10 centre, sigma in log10)

    def residuals(self, points, subset):
        full = super().residuals(points, list(range(len(self.targets))))
        vectors = []
        for x, vector in zip(points, full, strict=True):
            prior = [(x[i] - centre) / sigma for i, centre, sigma in self.priors]
            vector = np.concatenate([vector, prior])
            self.seen[tuple(np.round(x, 12))] = vector
            vectors.append(vector[subset])
        return vectors


def _priors(name: str, parameters) -> list[tuple[int, float, float]]:
    """The prior rows of the values beyond three, from the mechanism file's estimate."""
    mechanism, priors = load_mechanism(name), []
    for index, parameter in enumerate(parameters[3:], 3):
        estimate = mechanism.values.get(mechanism.fit_role, {}).get(parameter.key)
        if estimate is None or estimate.range is None:
            raise InvalidInputError(f"{name}: its second fade value {parameter.key!r} needs an "
                                    f"estimate with a range (the prior of a fold that has "
                                    f"three figures for four values)")
        low, high = np.log10(estimate.range)
        priors.append((index, float(np.log10(estimate.value)), float((high - low) / 4)))
    return priors


def figure_names(targets) -> list[str]:
    """Short names of the targets: ``capacity_100_mA_g``, ``retention_500_cycles``, ..."""
    return [f"capacity_{t.current_density_mA_g:g}_mA_g" if hasattr(t, "capacity_mAh_g")
            else f"retention_{t.cycles}_cycles" for t in targets]


def estimated_seconds(mechanisms: list[str], model: str, workers: int,
                      folds: str = "all") -> float:
    """What :func:`leave_one_out` is expected to take here (printed at its start).

    A mechanism in the stored table (same model) takes what its last run took, scaled by the
    folds asked (the two capacity folds cost about as much as the two retention folds) and
    the workers (an entry that does not record them ran on one: the stored table's runs were
    one process per mechanism); the others ~30 trial points. A point count misjudges a
    mechanism whose cells give out: ``swelling_damage`` was estimated at ~13 min and ran for
    over 77 before a fit's trials stopped at the cell's end of life (534 s after)."""
    measured = _stored_seconds(model)
    per_point = SECONDS_PER_POINT.get(model, 30.0) * (2 / min(max(workers, 1), 2))
    total = 0.0
    for name in mechanisms:
        if name in measured:
            seconds, stored_folds, stored_workers = measured[name]
            asked_folds = 4 if folds == "all" else 2
            total += seconds * (0.5 + 0.5 * asked_folds / stored_folds) * (
                min(stored_workers, 2) / min(max(workers, 1), 2))
        else:
            total += POINTS_PER_MECHANISM * per_point
    return total


def _stored_seconds(model: str) -> dict[str, tuple[float, int, int]]:
    """(seconds, folds, workers) of each mechanism's run in the stored table, if it is of
    ``model``."""
    from kion_sim.uncertainty.mechanism_weights import loo_results_path, read_loo_document

    try:
        document = read_loo_document(loo_results_path())
    except InvalidInputError:
        return {}
    if document.get("model") != model:
        return {}
    return {entry["mechanism"]: (float(entry["seconds"]), len(entry["folds"]),
                                 int(entry.get("workers") or 1))
            for entry in document["mechanisms"]
            if entry.get("seconds") and entry.get("folds")}


FOLD_CHOICES = ("all", "retention")


def leave_one_out(mechanisms: list[str] | None = None, model: str = "SPM",
                  workers: int | None = None, progress=None,
                  folds: str = "all") -> list[MechanismLoo]:
    """Four-figure fit and leave-one-out folds of each mechanism (module docstring).

    ``progress``: a callable taking one line (default: print to stderr). ``folds``:
    ``"all"`` four folds, or ``"retention"`` only the two the rule scores (about a third
    cheaper: the capacity folds do not converge and cost the most).

    Examples
    --------
    >>> rows = leave_one_out(["sei_site_blocking"])  # doctest: +SKIP
    >>> [fold.left_out for fold in rows[0].folds]  # doctest: +SKIP
    ['capacity_100_mA_g', 'retention_100_cycles', 'capacity_500_mA_g', 'retention_500_cycles']
    """
    say = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    if folds not in FOLD_CHOICES:
        raise InvalidInputError(f"folds must be one of {', '.join(FOLD_CHOICES)}, got "
                                f"{folds!r}")
    names = list(mechanisms or [m for m in mechanism_names()
                                if load_mechanism(m).fit_key is not None])
    for name in names:
        load_mechanism(name)  # an unknown name fails before any run
    workers = fit_workers(workers)
    estimate = estimated_seconds(names, model, workers, folds)
    timed = sorted(set(names) & set(_stored_seconds(model)))
    say(f"leave-one-out of {len(names)} mechanism(s), {model}, {workers} worker(s): "
        f"~{estimate / 60:.0f} min on this machine (from the stored table's last run of "
        f"{len(timed)} of them, about {POINTS_PER_MECHANISM} trial points for each other)")
    results, started = [], time.perf_counter()
    for index, name in enumerate(names, 1):
        start = ("its stored calibration" if load_calibration(STUDY_CELL, name).values
                 else "the default's calibration and its own file's estimates")
        say(f"[{index}/{len(names)}] {name}: four-figure fit from {start}")
        results.append(_study(name, model, workers, say, f"[{index}/{len(names)}] {name}",
                              folds))
        elapsed = time.perf_counter() - started
        left = elapsed / index * (len(names) - index)
        say(f"[{index}/{len(names)}] {name}: done in {results[-1].seconds:.0f} s "
            f"(chi2 {results[-1].chi_square:.2f}); ~{left / 60:.1f} min left")
    return results


def fit_start(name: str, parameters) -> np.ndarray:
    """Log10 start: the stored calibration, else the default's capacity and diffusivity and
    the mechanism file's estimate of its fade value (a mechanism not yet calibrated)."""
    default = load_cell(STUDY_CELL).degradation.get("mechanism")
    stored = {k: q.value for values in load_calibration(STUDY_CELL, name).values.values()
              for k, q in values.items()}
    fallback = {k: q.value for values in load_calibration(STUDY_CELL, default).values.values()
                for k, q in values.items()}
    start = []
    for p in parameters:
        value = stored.get(p.key, p.initial if p.initial is not None else fallback.get(p.key))
        if value is None:
            value = load_material(p.material).value(p.key)
        start.append(min(max(value, p.lower), p.upper))
    return np.log10(start)


def _describe(parameters, log_values) -> str:
    return ", ".join(f"{p.key} {10 ** v:.3g}" for p, v in zip(parameters, log_values,
                                                               strict=True))


def _study(name: str, model: str, workers: int, say, tag: str,
           folds: str = "all") -> MechanismLoo:
    started = time.perf_counter()
    parameters, targets, _ = calibration_plan(STUDY_CELL, name)
    if len(targets) != 4 or len(parameters) not in (3, 4):
        raise InvalidInputError(f"{name}: leave-one-out needs the 900 C carbon's four figures "
                                f"and three or four values; got {len(targets)} and "
                                f"{len(parameters)}")
    names = figure_names(targets)
    lower = np.log10([p.lower for p in parameters])
    upper = np.log10([p.upper for p in parameters])
    free = list(range(len(parameters)))
    with TrialRunner(model, False, workers, False) as runner:
        problem = _AllFigures(STUDY_CELL, parameters, targets, runner, mechanism=name)
        problem.seen, problem.priors = {}, _priors(name, parameters)
        everything = list(range(4 + len(problem.priors)))
        x0 = fit_start(name, parameters)
        _, jacobian = problem.residuals_and_jacobian(x0, free, everything, lower, upper)
        x, r, jacobian, converged = damped_gauss_newton(
            problem, x0, free, everything, lower, upper, CONVERGED_RESIDUAL,
            _FIT_ITERATIONS, start_jacobian=jacobian, min_decrease=FIT_MIN_DECREASE)
        if np.any(np.abs(r) >= FAILED_RUN_RESIDUAL):
            raise SimulationError(f"{name}: its runs fail at every point the four-figure fit "
                                  f"tried, from {_describe(parameters, x0)}: no fit to report")
        say(f"{tag}: four-figure fit {'converged' if converged else 'stopped'}, chi2 "
            f"{r @ r:.2f} ({problem.evaluations} points so far)")
        # Broyden's updates carry a Jacobian good enough to step with, not to read intervals
        # from (the post-reveal mechanism's gave a 55-105 % interval): measure it at the optimum.
        r, jacobian = problem.residuals_and_jacobian(x, free, everything, lower, upper)
        left_out = [k for k in range(4) if folds == "all" or names[k].startswith("retention")]
        folds = []
        for number, k in enumerate(left_out, 1):
            say(f"{tag}: fold {number}/{len(left_out)}, {names[k]} left out")
            folds.append(_fold(problem, x, jacobian, k, names, lower, upper))
    chi_square, dof = float(r @ r), len(r) - len(parameters)  # a prior row counts as a datum
    cell = build_cell_parameters(STUDY_CELL, trial_overrides(parameters, x), mechanism=name)
    run = fade_run(cell, 500, 500, model, 0.01, 1.5)  # end states of the longest figure
    states = degradation_states(run.end_state, cell, run.initial_K_mol)
    return MechanismLoo(
        mechanism=name, defined_after_reveal=load_mechanism(name).defined_after_reveal,
        default=name == load_cell(STUDY_CELL).degradation.get("mechanism"),
        fitted={p.key: float(10 ** v) for p, v in zip(parameters, x, strict=True)},
        uncertainty_factor=_misfit_factors(parameters, jacobian, chi_square, dof),
        figures=[Figure(n, t.measured, t.sigma, t.measured + t.sigma * float(res))
                 for n, t, res in zip(names, targets, r[:4], strict=True)],
        chi_square=chi_square, dof=dof, converged=bool(converged), states=states, folds=folds,
        seconds=time.perf_counter() - started, workers=workers)


def _misfit_factors(parameters, jacobian, chi_square: float, dof: int) -> dict[str, float]:
    """1-sigma multiplicative uncertainties, covariance scaled by chi2/dof when above 1."""
    scale = max(1.0, chi_square / dof) if dof > 0 else 1.0
    try:
        variance = np.diag(np.linalg.inv(jacobian.T @ jacobian)) * scale
    except np.linalg.LinAlgError:
        return {p.key: math.inf for p in parameters}
    return {p.key: float(10 ** math.sqrt(v)) if 0 <= v < 1e4 else math.inf
            for p, v in zip(parameters, variance, strict=True)}


def _fold(problem: _AllFigures, x, jacobian, k: int, names, lower, upper) -> Fold:
    """Fit the three values to every figure but ``k``; predict ``k`` with its interval."""
    kept = [i for i in range(jacobian.shape[0]) if i != k]
    free = list(range(len(problem.parameters)))
    steps = (_RETENTION_FOLD_ITERATIONS if names[k].startswith("retention")
             else _CAPACITY_FOLD_ITERATIONS)
    xf, _, _, converged = damped_gauss_newton(
        problem, x, free, kept, lower, upper, CONVERGED_RESIDUAL, steps,
        start_jacobian=jacobian[kept])
    target = problem.targets[k]
    residual = problem.seen[tuple(np.round(xf, 12))][k]
    predicted, upper_bound = target.measured + target.sigma * float(residual), False
    if isinstance(target, RetentionTarget) and predicted < 100 * END_OF_LIFE_FRACTION:
        predicted, upper_bound = _run_past_end_of_life(problem, xf, target, predicted)
    spread = prediction_spread(jacobian, k)  # in units of the figure's own sigma
    half = Z_05_95 * target.sigma * spread
    half_predictive = Z_05_95 * target.sigma * math.hypot(spread, 1.0)
    measured = target.measured
    return Fold(
        left_out=names[k], measured=measured, predicted=predicted, error=predicted - measured,
        p05=predicted - half, p95=predicted + half, predictive_p05=predicted - half_predictive,
        predictive_p95=predicted + half_predictive,
        inside_interval=bool(abs(predicted - measured) <= half),
        inside_predictive_interval=bool(abs(predicted - measured) <= half_predictive),
        converged=bool(converged),
        fitted={p.key: float(10 ** v) for p, v in zip(problem.parameters, xf, strict=True)},
        predicted_is_upper_bound=upper_bound)


def _run_past_end_of_life(problem: _AllFigures, x, target: RetentionTarget,
                          at_end_of_life: float) -> tuple[float, bool]:
    """(the retention ``target`` reads with the cell at ``x`` run to its last cycle, whether
    that is only an upper bound): a fit's trial stopped at the cell's end of life."""
    (run,) = runs_needed([target]).values()
    trial = problem.trial(x)
    try:
        summary, timeseries = solve_run(trial.build(), run, problem.runner.model, False, False,
                                        process_cache(), trial.moving,
                                        stop_at_end_of_life=False)
    except SimulationError:
        return at_end_of_life, True  # a cycle past the end of life could not be solved
    return target.simulated(summary, timeseries), False


def prediction_spread(jacobian: np.ndarray, k: int) -> float:
    """1-sigma spread of figure ``k`` predicted from a fit to the other rows, in units of its
    own uncertainty: sqrt(j_k C j_k^T) with C = (J_f^T J_f)^-1 (residuals are already scaled by
    their uncertainties); inf where the other figures cannot fix the values."""
    kept = [i for i in range(jacobian.shape[0]) if i != k]
    fold = jacobian[kept]
    try:
        covariance = np.linalg.inv(fold.T @ fold)
    except np.linalg.LinAlgError:
        return math.inf
    variance = float(jacobian[k] @ covariance @ jacobian[k])
    return math.sqrt(variance) if 0 <= variance < 1e12 else math.inf


# The rule's limits (kion_sim.validation.mechanisms; tests/integration/test_degradation_states).
SEI_LIMIT_NM, SEI_PORE_LIMIT, K_BALANCE_LIMIT = 100.0, 0.5, 5e-3
TIE_POINTS, POST_REVEAL_MARGIN_POINTS = 1.0, 2.0


def physical_end_states(result: MechanismLoo) -> bool:
    """Whether the end states after 500 cycles at 500 mA/g are within the rule's limits."""
    states = result.states
    metal_declared = load_mechanism(result.mechanism).declared("metal", "SEI") != "none"
    return bool(states["carbon_SEI_thickness_nm"] < SEI_LIMIT_NM
                and states["SEI_volume_over_pore_volume"] < SEI_PORE_LIMIT
                and abs(states["K_balance_error"]) < K_BALANCE_LIMIT
                and (metal_declared or states["metal_SEI_thickness_nm"] == 0))


def _retention_folds_converged(result: MechanismLoo) -> bool:
    """Item 2 of the rule: both retention folds ran to a fit (a fold stopped short predicts
    from a point that does not fit the other three figures)."""
    folds = [f for f in result.folds if f.left_out.startswith("retention")]
    return len(folds) == 2 and all(f.converged for f in folds)


def choose_default(results: list[MechanismLoo]) -> tuple[str | None, str]:
    """The mechanism the rule written before the table picks, and why (one sentence)."""
    eligible = [m for m in results if physical_end_states(m)
                and math.isfinite(m.loo_retention_score) and _retention_folds_converged(m)]
    before = sorted((m for m in eligible if not m.defined_after_reveal),
                    key=lambda m: m.loo_retention_score)
    if not before:
        return None, "no mechanism defined before the reveal is eligible"
    best = before[0].loo_retention_score
    tied = [m for m in before if m.loo_retention_score <= best + TIE_POINTS]
    pick = min(tied, key=lambda m: (m.chi_square, not m.default))
    why = f"{pick.mechanism}: LOO retention score {pick.loo_retention_score:.1f} points"
    if len(tied) > 1:
        others = ", ".join(m.mechanism for m in tied if m is not pick)
        why += (f", tied within {TIE_POINTS:g} point with {others}; lower four-figure chi2 "
                f"({pick.chi_square:.2f})")
    after = [m for m in eligible if m.defined_after_reveal
             and m.loo_retention_score < best - POST_REVEAL_MARGIN_POINTS]
    if after:
        challenger = min(after, key=lambda m: m.loo_retention_score)
        return challenger.mechanism, (f"{challenger.mechanism} (defined after the reveal) beats "
                                      f"the best pre-reveal score by more than "
                                      f"{POST_REVEAL_MARGIN_POINTS:g} points; {why}")
    return pick.mechanism, why


def loo_rows(results: list[MechanismLoo]) -> list[dict]:
    """One row per mechanism and left-out figure, for a table."""
    rows = []
    for m in results:
        for f in m.folds:
            rows.append({
                "mechanism": m.mechanism + (" (after reveal)" if m.defined_after_reveal else ""),
                "left out": f.left_out, "measured": f.measured,
                "predicted": f"<= {f.predicted:.1f}" if f.predicted_is_upper_bound
                else round(f.predicted, 1),
                "error": round(f.error, 1), "5-95 % (fit)": f"{f.p05:.1f}-{f.p95:.1f}",
                "inside": "yes" if f.inside_interval else "no",
                "5-95 % (+ measurement)": f"{f.predictive_p05:.1f}-{f.predictive_p95:.1f}",
                "inside (+ meas.)": "yes" if f.inside_predictive_interval else "no",
                "fold converged": "yes" if f.converged else "no"})
    return rows


def fit_rows(results: list[MechanismLoo]) -> list[dict]:
    """One row per mechanism: the four-figure fit's residuals, chi-square and end states."""
    rows = []
    for m in results:
        row = {"mechanism": m.mechanism + (" (after reveal)" if m.defined_after_reveal else "")}
        row.update({f"{f.figure} [sigma]": round(f.residual, 2) for f in m.figures})
        row.update({"chi2 (dof 1)": round(m.chi_square, 2),
                    "LOO retention score [points]": round(m.loo_retention_score, 1),
                    "SEI [nm]": round(m.states["carbon_SEI_thickness_nm"], 1),
                    "SEI / pores": round(m.states["SEI_volume_over_pore_volume"], 3),
                    "physical": "yes" if physical_end_states(m) else "no",
                    "seconds": round(m.seconds)})
        rows.append(row)
    return rows
