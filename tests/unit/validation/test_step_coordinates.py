"""Broyden's steps in the coordinate a value's residuals are nearest linear in (staged_fit)."""

import numpy as np
import pytest

from kion_sim.validation.staged_fit import _StepCoordinates, damped_gauss_newton


class _SquareRootResponse:
    """Two retention-like residuals linear in the square root of one value v (x = log10 v),
    as a sample's refit met them; every point solved is counted."""

    def __init__(self, powers):
        self.step_powers, self.solved = np.array(powers, dtype=float), 0

    @staticmethod
    def exact(x):
        root = 10.0 ** (0.5 * x[0])
        return np.array([8.0 - 1500.0 * (root - 10**-2.48), 7.0 - 1400.0 * (root - 10**-2.48)])

    def residuals(self, points, subset):
        self.solved += len(points)
        return [self.exact(x) for x in points]

    def residuals_and_jacobian(self, x, free, subset, lower, upper):
        raise AssertionError("the carried Jacobian should serve")


def _fit(powers):
    problem = _SquareRootResponse(powers)
    x0 = np.array([-4.96])
    step = 1e-6  # the Jacobian at the start, per log10, by a finite difference
    jacobian = ((problem.exact(x0 + step) - problem.exact(x0)) / step)[:, None]
    x, r, _, converged = damped_gauss_newton(
        problem, x0, [0], [0, 1], np.array([-8.0]), np.array([-2.0]), 0.1, 12,
        start_jacobian=jacobian, min_decrease=1e-4)
    return x, r, converged, problem.solved


def test_a_square_root_coordinate_reaches_the_minimum_in_one_step_where_log_takes_more():
    x_root, r_root, converged_root, solved_root = _fit([0.5])
    x_log, r_log, converged_log, solved_log = _fit([0.0])
    assert converged_root and converged_log
    # Both reach the same least-squares minimum; linear in the coordinate, one step gets there.
    assert x_root[0] == pytest.approx(x_log[0], abs=2e-3)
    assert 0.5 * r_root @ r_root <= 0.5 * r_log @ r_log + 1e-3
    assert solved_root == 2  # the start and the step's point
    assert solved_log > solved_root


def test_coordinates_convert_points_and_slopes_both_ways():
    coordinates = _StepCoordinates(np.array([0.0, 0.5]), [0, 1])
    x = np.array([2.5, -4.0])
    w = coordinates.to_step(x)
    assert w == pytest.approx([2.5, 1e-2])
    assert coordinates.from_step(w, np.array([0.0, -8.0])) == pytest.approx(x)
    # d(v^0.5)/d(log10 v) = 0.5 ln10 v^0.5, against a finite difference
    h = 1e-7
    numeric = (coordinates.to_step(x + h) - coordinates.to_step(x)) / h
    assert coordinates.slopes(x) == pytest.approx(numeric, rel=1e-5)
    # a square root stepped to or below zero lands on the lower bound
    assert coordinates.from_step(np.array([1.0, -1e-3]), np.array([0.0, -8.0]))[1] == -8.0


def test_each_mechanism_declares_the_coordinate_its_fade_value_steps_in():
    from kion_sim.validation.calibrate import calibration_plan

    def powers(mechanism):
        return {p.key: p.step_power for p in calibration_plan("soft_carbon_half_cell",
                                                               mechanism)[0]}

    # the SEI laws' LAM factor in its square root; a film's resistivity and the capacity,
    # diffusivity in log10
    default = powers("sei_dissolving_reforming")
    assert default["reaction-driven LAM factor [m3.mol-1]"] == 0.5
    assert default["diffusivity [m2.s-1]"] == 0.0
    assert set(powers("carbon_film_resistance").values()) == {0.0}
