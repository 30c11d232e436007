"""The staged fit on an analytical stand-in for the 900 C carbon's calibration: two 2nd-cycle
capacities (short runs) and a retention (a long run), three values, a known root."""

import math

import numpy as np
import pytest

from kion_sim.validation.fitting import CapacityTarget, FitParameter, RetentionTarget
from kion_sim.validation.staged_fit import (
    TrialProblem,
    _values_for_short_targets,
    damped_gauss_newton,
    staged_solution,
)

TRUTH = np.log10([370.0, 6.2e-17, 7.5e-5])


def _figures(x: np.ndarray) -> list[float]:
    """Capacity at low and high current, retention: shaped like the simulator's dependence
    (capacity scales the first two, diffusivity the rate loss, the fade value all three)."""
    capacity, diffusivity, fade = 10.0 ** x[0], 10.0 ** (x[1] + 16), 10.0 ** (x[2] + 4)
    blocked = 1 - 0.02 * fade  # sites the first cycle's SEI blocks
    return [capacity * blocked, capacity * diffusivity / (1 + diffusivity) * blocked,
            100 * math.exp(-0.3 * fade) * (1 + 0.01 * math.log(diffusivity))]


class _Runner:
    workers, exact = 2, False


class _AnalyticalProblem(TrialProblem):
    """A TrialProblem whose figures come from :func:`_figures`; counts long evaluations."""

    def __init__(self):
        measured = _figures(TRUTH)
        targets = [CapacityTarget(100.0, measured[0]), CapacityTarget(500.0, measured[1]),
                   RetentionTarget(100.0, 100, measured[2])]
        targets = [targets[0], targets[2], targets[1]]  # Table S1's order: 100 mA/g rows first
        parameters = [FitParameter("carbon", "capacity", 150, 600),
                      FitParameter("carbon", "diffusivity", 1e-19, 1e-12),
                      FitParameter("mechanism", "fade", 1e-7, 10.0)]
        super().__init__("cell", parameters, targets, _Runner())
        self.long_evaluations = 0

    def residuals(self, points, subset):
        order = [0, 2, 1]  # target index -> figure index
        vectors = []
        for x in points:
            figures = _figures(x)
            vectors.append(np.array([(figures[order[i]] - self.targets[i].measured)
                                     / self.targets[i].sigma for i in subset]))
            self.long_evaluations += 1 in subset
        self.evaluations += len(points)
        return vectors


def _bounds(problem):
    return (np.log10([p.lower for p in problem.parameters]),
            np.log10([p.upper for p in problem.parameters]))


def test_the_staged_fit_finds_the_root_from_the_cold_start_with_fewer_long_runs():
    start = np.log10([369.7, 1.36e-16, 1e-3])  # the material files' estimates
    staged = _AnalyticalProblem()
    x, residuals, _, converged = staged_solution(staged, start, *_bounds(staged))
    assert converged and np.max(np.abs(residuals)) < 0.05
    assert x == pytest.approx(TRUTH, abs=0.01)
    together = _AnalyticalProblem()
    x_together, *_ = damped_gauss_newton(together, start, [0, 1, 2], [0, 1, 2],
                                         *_bounds(together))
    assert x_together == pytest.approx(TRUTH, abs=0.01)
    assert staged.long_evaluations < together.long_evaluations


def test_the_jacobian_returned_for_the_uncertainties_is_close_to_the_true_one_at_the_fit():
    problem = _AnalyticalProblem()
    problem.runner = type("OneWorker", (), {"workers": 1, "exact": False})()  # lazy batches
    start = TRUTH + np.array([0.01, -0.05, 0.05])
    x, _, jacobian, converged = damped_gauss_newton(problem, start, [0, 1, 2], [0, 1, 2],
                                                    *_bounds(problem))
    _, exact = problem.residuals_and_jacobian(x, [0, 1, 2], [0, 1, 2], *_bounds(problem))
    assert converged
    assert np.abs(jacobian - exact).max() < 0.1 * np.abs(exact).max()


def test_values_go_to_the_targets_that_determine_them():
    # Rows: capacity at 100, retention, capacity at 500; columns: capacity, diffusivity, fade.
    jacobian = np.array([[100.0, 0.5, -40.0],
                         [0.1, 0.3, -30.0],
                         [100.0, 30.0, -40.0]])
    assert _values_for_short_targets(jacobian, [0, 2], [1]) == [0, 1]


def test_broyden_updates_from_a_rough_start_reach_the_root_with_fewer_evaluations():
    start = TRUTH + np.array([0.05, -0.3, 0.0])
    short = [0, 2]  # the two capacities; fit capacity and diffusivity to them
    measured = _AnalyticalProblem()
    _, exact = measured.residuals_and_jacobian(start, [0, 1], short, *_bounds(measured))
    rough = exact * np.array([[1.3, 0.7], [0.8, 1.4]])  # a Jacobian from somewhere else
    broyden = _AnalyticalProblem()
    x, residuals, _, converged = damped_gauss_newton(broyden, start, [0, 1], short,
                                                     *_bounds(broyden), start_jacobian=rough)
    assert converged and np.max(np.abs(residuals)) < 0.1
    assert x[:2] == pytest.approx(TRUTH[:2], abs=0.01)
    finite_differences = _AnalyticalProblem()
    damped_gauss_newton(finite_differences, start, [0, 1], short, *_bounds(finite_differences))
    assert broyden.evaluations < finite_differences.evaluations


class _LinearOverdetermined(TrialProblem):
    """Three retentions (long runs), two values, residuals linear in log10: the least-squares
    minimum is numpy's, and a finite-difference Jacobian is exact."""

    A = 10 * np.array([[3.0, 1.0], [1.0, 2.0], [-1.0, 4.0]])  # a 0.01 step gains ~0.1
    b = np.array([1.0, -2.0, 0.5])

    def __init__(self):
        targets = [RetentionTarget(current, 100, 80.0) for current in (100.0, 200.0, 500.0)]
        parameters = [FitParameter("carbon", "a", 1e-6, 1e6), FitParameter("carbon", "b",
                                                                           1e-6, 1e6)]
        super().__init__("cell", parameters, targets,
                         type("OneWorker", (), {"workers": 1, "exact": False})())
        self.solved = 0

    def residuals(self, points, subset):
        self.solved += len(points)
        return [(self.A @ x - self.b)[subset] for x in points]


def test_a_short_last_step_of_an_overdetermined_fit_keeps_the_jacobian_it_measured():
    problem = _LinearOverdetermined()
    minimum = np.linalg.lstsq(problem.A, problem.b, rcond=None)[0]
    start = minimum + np.array([0.01, -0.01])  # one short step from the minimum
    x, r, jacobian, converged = damped_gauss_newton(problem, start, [0, 1], [0, 1, 2],
                                                    np.full(2, -6.0), np.full(2, 6.0))
    assert converged and x == pytest.approx(minimum, abs=1e-4)
    assert r == pytest.approx(problem.A @ x - problem.b, abs=1e-12)
    assert jacobian == pytest.approx(problem.A, rel=1e-6)  # linear: the same everywhere
    # The start and its two neighbours, then the step's point alone: the step gains nothing
    # further, so its Jacobian is not measured again (that would be two more points).
    assert problem.solved == 4
