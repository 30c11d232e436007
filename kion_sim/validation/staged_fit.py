"""A fit that spends its long simulations only where they are needed.

Table S1 calibrations pair each value with the target that determines it: the capacity and the
diffusivity with 2nd-cycle capacities (two-cycle runs, about a second each), the fade value with
a retention (a 100-cycle fade run, ten times dearer). A trust-region least-squares fit over all
of them at once solves the long runs for every finite-difference column of every iteration. So:

1. the values the long-run targets determine best are fitted to them alone, the others held
   (a fade value to a retention: one value, so each iteration solves two runs side by side);
2. the other values are fitted to the short-run targets (cheap);
3. all values are polished against all targets together, from a start that is near the optimum,
   which also gives the Jacobian the uncertainties come from.

Every step is damped Gauss-Newton (Levenberg-Marquardt) in log10 of the values, and each trial
point is solved in one batch with its finite-difference neighbours: the Jacobian is needed
whenever a step is taken, and the batch keeps every worker busy.
"""

from __future__ import annotations

import itertools
import sys

import numpy as np

from kion_sim.validation.trial_runs import (
    TrialCell,
    TrialRunner,
    residual_size,
    residual_vector,
    runs_needed,
    trial_overrides,
)

# Residuals are (simulated - measured) / uncertainty: within a tenth of it is converged (the
# values are then within about a tenth of their own 1-sigma uncertainty of the optimum).
CONVERGED_RESIDUAL = 0.1
# A fit with more targets than values ends when a full step would lower the cost (half the
# chi-square) by less than this: the values are then within about a tenth of a sigma of the
# least-squares minimum (cost change of a 0.1-sigma move: 0.1^2 / 2).
_MIN_GAIN = 0.5 * CONVERGED_RESIDUAL**2
# ... and when a step expected to gain less than this is refused: the gain is then within the
# residuals' noise (~0.2 sigma of a short run's capacity between neighbouring trial points).
_NOISE_GAIN = 0.05
_STEP_LOG10 = 0.01  # finite differences of 2.3 %: above the fast path's noise, below a sigma
# Stages 1 and 2 only bring the start near the optimum; the last stage converges fully.
_STAGE_RESIDUAL = 0.3
_MAX_STEP_LOG10 = 1.0  # at most a decade per iteration: the response is far from linear beyond
# A Jacobian measured within 7 % of the fitted values serves for their uncertainties.
_KEEP_JACOBIAN_LOG10 = 3 * _STEP_LOG10


class TrialProblem:
    """Residuals of some targets at trial values (log10), solved in batches through a runner."""

    def __init__(self, cell: str, parameters, targets, runner: TrialRunner, fixed=None,
                 electrode_overrides=None, mechanism=None, show_progress: bool = False):
        self.cell, self.parameters, self.targets = cell, parameters, targets
        self.runner, self.fixed = runner, fixed
        self.electrode_overrides, self.mechanism = electrode_overrides, mechanism
        self.show_progress, self.evaluations = show_progress, 0
        self.step_powers = np.array([p.step_power for p in parameters])

    def trial(self, log_values: np.ndarray) -> TrialCell:
        return TrialCell(self.cell, trial_overrides(self.parameters, log_values, self.fixed),
                         self.electrode_overrides, self.mechanism)

    def outputs(self, points: list[np.ndarray], subset: list[int]) -> list[list]:
        """Each point's run outputs for the targets in ``subset`` (solved together)."""
        runs = runs_needed([self.targets[i] for i in subset])
        pairs = [(self.trial(x), runs[j]) for x in points for j in range(len(subset))]
        flat = self.runner.solve(pairs)
        return [flat[k * len(subset):(k + 1) * len(subset)] for k in range(len(points))]

    def residuals(self, points: list[np.ndarray], subset: list[int]) -> list[np.ndarray]:
        chosen = [self.targets[i] for i in subset]
        vectors = [residual_vector(chosen, outputs) for outputs in self.outputs(points, subset)]
        self.evaluations += len(points)
        return vectors

    def residuals_and_jacobian(self, x: np.ndarray, free: list[int], subset: list[int],
                               lower: np.ndarray, upper: np.ndarray):
        """r(x) and dr/dlog10(value) for the ``free`` values, from one batch."""
        steps = [(_STEP_LOG10 if x[i] + _STEP_LOG10 <= upper[i] else -_STEP_LOG10)
                 for i in free]
        points = [x] + [x + step * np.eye(len(x))[i] for i, step in zip(free, steps,
                                                                        strict=True)]
        base, *shifted = self.residuals(points, subset)
        jacobian = np.column_stack([(r - base) / step for r, step in zip(shifted, steps,
                                                                         strict=True)])
        if self.show_progress:
            values = ", ".join(f"{10 ** v:.4g}" for v in x)
            print(f"fit {self.evaluations}: [{values}] cost {0.5 * base @ base:.4g} "
                  f"({len(subset)} targets)", file=sys.stderr, flush=True)
        return base, jacobian


def damped_gauss_newton(problem: TrialProblem, x: np.ndarray, free: list[int],
                        subset: list[int], lower: np.ndarray, upper: np.ndarray,
                        tolerance: float = CONVERGED_RESIDUAL, max_iterations: int = 20,
                        start_jacobian: np.ndarray | None = None, min_decrease: float = 0.0,
                        poor_step: float = 0.0):
    """Levenberg-Marquardt on the ``free`` values against the ``subset`` of targets, until
    every residual is within ``tolerance`` (or the cost stalls: a minimum, not a root).

    Where a point and its finite-difference neighbours fit on the workers at once, they are
    solved together (speculatively: the Jacobian is needed unless the point is the last).
    Otherwise the point is solved first; if it is the last and within 7 % of the previous
    point, it keeps that point's Jacobian.
    With ``start_jacobian`` (a stage's start, where no uncertainty is read from the Jacobian),
    every point is solved alone and the Jacobian only carried by Broyden's update, refreshed by
    finite differences after two rejected steps in a row; there, with more targets than values,
    ``min_decrease`` (in cost, half the chi-square) ends the fit at a least-squares minimum once
    a step is expected to gain less (a four-figure fit of three values never meets them all),
    and an accepted step that gains less than ``poor_step`` times what the Jacobian expected
    has it measured afresh (0: only after two rejected steps).
    Returns (x, residuals at x, Jacobian at x, converged).
    """
    if start_jacobian is not None:
        return _broyden_gauss_newton(problem, x, free, subset, lower, upper, tolerance,
                                     max_iterations, start_jacobian, min_decrease, poor_step)
    long_runs = sum(run.is_long for run in set(runs_needed(
        [problem.targets[i] for i in subset]).values()))
    speculative = (len(free) + 1) * long_runs <= problem.runner.workers
    r, jacobian = problem.residuals_and_jacobian(x, free, subset, lower, upper)
    damping = 1e-3
    overdetermined = len(r) > len(free)
    for _ in range(max_iterations):
        cost = 0.5 * r @ r
        if np.max(np.abs(r)) < tolerance:
            return x, r, jacobian, True
        gain = _expected_gain(x, r, jacobian, free, lower, upper) if overdetermined else 0.0
        if overdetermined and gain < _MIN_GAIN:
            # More targets than values: noisy targets are never all met, so the fit ends at
            # the least-squares minimum, where a full Gauss-Newton step would gain nothing
            # a tenth of a sigma could show (before this, it wandered in the solver's noise
            # for its 20 iterations: 6 minutes on a three-rate fit).
            return x, r, jacobian, True
        while True:
            trial = _damped_step(x, r, jacobian, damping, free, lower, upper)
            if trial is None:
                return x, r, jacobian, False
            if speculative:
                r_trial, jacobian_trial = problem.residuals_and_jacobian(trial, free, subset,
                                                                         lower, upper)
            else:
                r_trial, jacobian_trial = problem.residuals([trial], subset)[0], None
            if 0.5 * r_trial @ r_trial < cost:
                damping = max(damping / 10, 1e-7)
                break
            if overdetermined and gain < _NOISE_GAIN:
                # A step expected to gain this little was refused by the residuals' own
                # noise (solver tolerances): the minimum is as close as they can show.
                return x, r, jacobian, True
            damping *= 10
            if damping > 1e6:
                return x, r, jacobian, False
        decrease = cost - 0.5 * r_trial @ r_trial
        if jacobian_trial is None:
            short = np.max(np.abs(trial - x)) <= _KEEP_JACOBIAN_LOG10
            last = np.max(np.abs(r_trial)) < tolerance or (
                overdetermined
                and _expected_gain(trial, r_trial, jacobian, free, lower, upper) < _MIN_GAIN)
            if short and last:
                # The last step was short: the Jacobian just measured holds here to a few %
                # (a Broyden update over so short a step would only amplify the fast path's
                # noise into the uncertainties). With more targets than values the last step
                # is the one after which no step would gain (the test the loop makes next):
                # the 900 C carbon's cold start measured a Jacobian 2 % from the one before
                # only to stop there, in stage 1 and at the end (10 of its 34 long runs,
                # 14.2 s against 10.5 s to the same optimum, 2026-12-03).
                jacobian_trial = jacobian
            else:
                r_trial, jacobian_trial = problem.residuals_and_jacobian(trial, free, subset,
                                                                         lower, upper)
        x, r, jacobian = trial, r_trial, jacobian_trial
        if decrease < 1e-6 * max(cost, 1e-12):
            # Stalled: a least-squares minimum. Fine for more residuals than values; with
            # as many values as targets, a root was there to find unless a target is beyond
            # reach, so it counts only if every target is met within its uncertainty.
            return x, r, jacobian, len(r) > len(free) or np.max(np.abs(r)) < 1
    return x, r, jacobian, False


def _expected_gain(x, r, jacobian, free, lower, upper) -> float:
    """Cost decrease the linear model expects of a full Gauss-Newton step from ``x``."""
    trial = _damped_step(x, r, jacobian, 1e-12, free, lower, upper)
    if trial is None:
        return 0.0
    expected = r + jacobian @ (trial[free] - x[free])
    return float(0.5 * r @ r - 0.5 * expected @ expected)


def _damped_step(x, r, jacobian, damping, free, lower, upper) -> np.ndarray | None:
    """The Levenberg-Marquardt trial point from ``x``, at most a decade per value and inside
    the bounds; None if it does not move (pinned at a bound, or the step vanished)."""
    return _held_trial(x, _levenberg_marquardt(r, jacobian, damping), free, lower, upper)


def _levenberg_marquardt(r, jacobian, damping) -> np.ndarray:
    """The damped Gauss-Newton step in the coordinates ``jacobian`` is taken in."""
    curvature = jacobian.T @ jacobian
    return -np.linalg.solve(curvature + damping * np.diag(np.diag(curvature) + 1e-12),
                            jacobian.T @ r)


def _held_trial(x, moved, free, lower, upper) -> np.ndarray | None:
    """``x`` moved by ``moved`` (log10, the ``free`` values), at most a decade per value and
    inside the bounds; None if it does not move."""
    moved = moved * min(1.0, _MAX_STEP_LOG10 / max(np.max(np.abs(moved)), 1e-300))
    trial = x.copy()
    trial[free] = np.clip(x[free] + moved, lower[free], upper[free])
    return None if np.allclose(trial, x, rtol=0, atol=1e-6) else trial


class _StepCoordinates:
    """The coordinates Broyden's steps are taken in: log10 of a value (the fit's own), or for
    a value with a step power p > 0 (``FitParameter.step_power``), 10^(p log10 value) =
    value^p, where its targets are nearest linear. Converts points and Jacobian columns of
    the ``free`` values between the two. The optimum is the same in any coordinate; how many
    trial points reach it is not. A sample's refit under sei_dissolving_reforming
    (2026-12-02) met retention residuals of 7.7, 4.6, -4.9, 1.1, -0.06 sigma at LAM factors
    1.1, 2.8, 11.4, 5.3, 6.3e-5: their slope per decade steepened 2.5x over that decade, per
    unit square root it held within 20 %. For fade values of another kind (a film's
    resistivity, a mix's two LAM rates) the square root left the four-figure fit stopped at
    chi-square 705 where log10 reached 78: the power is each mechanism's own declaration."""

    def __init__(self, powers: np.ndarray, free: list[int]):
        self.powers = np.asarray(powers, dtype=float)[free]

    def to_step(self, x_free: np.ndarray) -> np.ndarray:
        p = self.powers
        return np.where(p > 0, 10.0 ** (p * x_free), x_free)

    def from_step(self, w: np.ndarray, lower: np.ndarray) -> np.ndarray:
        """log10 of the values at ``w``; a power coordinate at or below zero goes to ``lower``."""
        p = self.powers
        positive = np.where(w > 0, w, 1.0)
        return np.where(p > 0, np.where(w > 0, np.log10(positive) / np.where(p > 0, p, 1.0),
                                        lower), w)

    def slopes(self, x_free: np.ndarray) -> np.ndarray:
        """d(step coordinate)/d(log10 value) at ``x_free``."""
        p = self.powers
        return np.where(p > 0, p * np.log(10.0) * 10.0 ** (p * x_free), 1.0)


def _broyden_gauss_newton(problem, x, free, subset, lower, upper, tolerance, max_iterations,
                          jacobian, min_decrease: float = 0.0, poor_step: float = 0.0):
    # Broyden's updates carry the Jacobian in the step coordinates (where the residuals are
    # nearest linear); it is handed in and back per log10, at the point it holds for.
    # A problem without step powers (any object with residuals, as tests build) steps in log10.
    coordinates = _StepCoordinates(getattr(problem, "step_powers", np.zeros(len(x))), free)
    jacobian = jacobian / coordinates.slopes(x[free])
    r = problem.residuals([x], subset)[0]
    damping, rejected = 1e-3, 0
    overdetermined = len(r) > len(free)

    def measured(x):
        r, per_log10 = problem.residuals_and_jacobian(x, free, subset, lower, upper)
        return r, per_log10 / coordinates.slopes(x[free])

    for _ in range(max_iterations):
        cost = 0.5 * r @ r
        if np.max(np.abs(r)) < tolerance:
            break
        trial = _coordinate_step(x, r, jacobian, damping, free, lower, upper, coordinates)
        if trial is None:
            return x, r, jacobian * coordinates.slopes(x[free]), overdetermined
        moved = coordinates.to_step(trial[free]) - coordinates.to_step(x[free])
        expected = r + jacobian @ moved
        if overdetermined and cost - 0.5 * expected @ expected < min_decrease:
            break  # a least-squares minimum, as far as the model sees
        r_trial = problem.residuals([trial], subset)[0]
        # A rejected point still tells how the residuals move: update the Jacobian either way.
        jacobian = jacobian + np.outer(r_trial - r - jacobian @ moved, moved) / (moved @ moved)
        if 0.5 * r_trial @ r_trial < cost:
            gained = cost - 0.5 * r_trial @ r_trial
            x, r, damping, rejected = trial, r_trial, max(damping / 10, 1e-7), 0
            if gained < poor_step * (cost - 0.5 * expected @ expected):
                # Accepted, but far short of what the carried Jacobian promised: it has gone
                # stale over the step, and Broyden's rank-one updates mend it only slowly.
                r, jacobian = measured(x)
            continue
        damping, rejected = damping * 10, rejected + 1
        if rejected == 2:  # the carried Jacobian has gone stale: measure it afresh
            r, jacobian = measured(x)
            rejected = 0
    else:
        return x, r, jacobian * coordinates.slopes(x[free]), False
    return x, r, jacobian * coordinates.slopes(x[free]), True


def _coordinate_step(x, r, jacobian, damping, free, lower, upper, coordinates):
    """:func:`_damped_step` taken in the step coordinates (``jacobian`` per step coordinate),
    then held to a decade per value and the bounds as every step is."""
    w = coordinates.to_step(x[free])
    landed = coordinates.from_step(w + _levenberg_marquardt(r, jacobian, damping), lower[free])
    return _held_trial(x, landed - x[free], free, lower, upper)


def staged_solution(problem: TrialProblem, x0: np.ndarray, lower: np.ndarray,
                    upper: np.ndarray):
    """Stages 1-3 of the module docstring; returns (x, residuals, Jacobian, converged)."""
    targets = problem.targets
    everything, all_targets = list(range(len(x0))), list(range(len(targets)))
    short, long = _short_and_long(targets)
    x = x0.copy()
    if short and long and len(x0) > 1 and not problem.runner.exact:
        _, jacobian = problem.residuals_and_jacobian(x, everything, all_targets, lower, upper)
        short_rows = _rows(targets, short)
        first = _values_for_short_targets(jacobian, short_rows, _rows(targets, long))
        rest = [i for i in everything if i not in first]
        # Long first: a retention is a ratio, little moved by the capacity values, whereas a
        # fade value far off moves the 2nd-cycle capacities a lot (SEI of the first cycle).
        _say(problem, "stage 1: long-run targets", rest)
        x, *_ = damped_gauss_newton(problem, x, rest, long, lower, upper, _STAGE_RESIDUAL)
        _say(problem, "stage 2: short-run targets", first)
        # The first Jacobian's short-run rows start Broyden's updates: each iteration then
        # solves one point, not one per value.
        x, *_ = damped_gauss_newton(problem, x, first, short, lower, upper, _STAGE_RESIDUAL,
                                    start_jacobian=jacobian[np.ix_(short_rows, first)])
        _say(problem, "stage 3: all targets", everything)
    return damped_gauss_newton(problem, x, everything, all_targets, lower, upper)


def staged_from_jacobian(problem: TrialProblem, x0: np.ndarray, lower: np.ndarray,
                         upper: np.ndarray, jacobian: np.ndarray, max_iterations: int,
                         min_decrease: float, poor_step: float):
    """The stages of :func:`staged_solution` from a Jacobian measured before (at another
    point: an uncertainty sample's refit starts from the nominal one), every stage on Broyden's
    updates of its block: the short-run targets first, on their own cheap runs (two cycles,
    ~0.3 s, against ~3 s for a trial point of the long ones), then the long-run targets, then
    all. Returns what :func:`damped_gauss_newton` does for the last stage."""
    targets = problem.targets
    everything, all_targets = list(range(len(x0))), list(range(len(targets)))
    short, long = _short_and_long(targets)
    x, jacobian = x0.copy(), jacobian.copy()
    if short and long and len(x0) > 1 and not problem.runner.exact:
        short_rows, long_rows = _rows(targets, short), _rows(targets, long)
        first = _values_for_short_targets(jacobian, short_rows, long_rows)
        rest = [i for i in everything if i not in first]
        # Short first here: a sample's estimates move the 2nd-cycle capacities most (the
        # K metal's kinetics, the electrode's transport), and their runs cost a tenth.
        for free, subset, rows in ((first, short, short_rows), (rest, long, long_rows)):
            _say(problem, f"{'short' if subset is short else 'long'}-run targets", free)
            x, _, block, _ = damped_gauss_newton(
                problem, x, free, subset, lower, upper, _STAGE_RESIDUAL, max_iterations,
                jacobian[np.ix_(rows, free)], min_decrease, poor_step)
            jacobian[np.ix_(rows, free)] = block  # what the stage learnt, for the last one
    _say(problem, "all targets", everything)
    return damped_gauss_newton(problem, x, everything, all_targets, lower, upper,
                               CONVERGED_RESIDUAL, max_iterations, jacobian, min_decrease,
                               poor_step)


def _short_and_long(targets) -> tuple[list[int], list[int]]:
    """Indices of the short-run targets and of the long-run ones. A target is short if its own
    run is (a 2nd-cycle capacity), even where a longer run on the same current would also
    give it."""
    short = [i for i, t in enumerate(targets) if not runs_needed([t])[0].is_long]
    return short, [i for i in range(len(targets)) if i not in short]


def _say(problem: TrialProblem, stage: str, free: list[int]) -> None:
    if problem.show_progress:
        names = ", ".join(problem.parameters[i].key for i in free)
        print(f"{stage}, fitting {names}", file=sys.stderr, flush=True)


def _rows(targets, subset: list[int]) -> list[int]:
    """Rows of the residual vector that the targets in ``subset`` fill."""
    starts = np.cumsum([0] + [residual_size(t) for t in targets])
    return [row for i in subset for row in range(starts[i], starts[i + 1])]


def _values_for_short_targets(jacobian: np.ndarray, short_rows: list[int],
                              long_rows: list[int]) -> list[int]:
    """The values to fit to the short targets: the split of values between short and long
    targets whose two blocks of the Jacobian are best conditioned (the largest product of
    their smallest singular values), so each stage fits what its targets determine."""
    n = jacobian.shape[1]
    size = min(len(short_rows), n - 1)
    best, best_score = [], -1.0
    for first in itertools.combinations(range(n), size):
        rest = [i for i in range(n) if i not in first]
        score = (_smallest_singular_value(jacobian[np.ix_(short_rows, first)])
                 * _smallest_singular_value(jacobian[np.ix_(long_rows, rest)]))
        if score > best_score:
            best, best_score = list(first), score
    return best


def _smallest_singular_value(block: np.ndarray) -> float:
    return float(np.linalg.svd(block, compute_uv=False).min()) if block.size else 1.0
