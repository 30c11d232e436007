"""The fast fade path's bookkeeping between solved cycles, without solving anything."""

import numpy as np
import pytest

from kion_sim.simulation.fade import (
    _interpolated,
    _shifted,
    _slope_parabola_integral,
    _step_slopes,
)


def _steps(cycle: int):
    """A fade that is exactly quadratic in the cycle number (the parabola must reproduce it);
    a straight line between cycles 10 and 110 would sag by 100^2/8 * 2 * 1e-4 = 0.25."""
    charge = 200.0 - 0.05 * cycle + 1e-4 * cycle**2
    return [("discharge", charge + 1.0, 50.0), ("charge", charge, 3.0 * charge)]


def test_skipped_cycles_lie_on_the_parabola_through_three_solved_ones():
    ends = {cycle: (None, _steps(cycle)) for cycle in (8, 10, 110)}
    rows, parted = _interpolated(ends, 8, 10, 110)
    assert parted == pytest.approx(0.25, abs=1e-9)  # the line's sag at cycle 60 (docstring)
    assert [row["cycle"] for row in rows[::2]] == list(range(11, 110))
    for row in rows:
        kind, capacity, energy = _steps(row["cycle"])[row["step"] - 1]
        assert row["kind"] == kind
        assert row["capacity_mAh_g"] == pytest.approx(capacity, abs=1e-9)
        assert row["energy_mWh_g"] == pytest.approx(energy, abs=1e-9)


def test_a_parabola_that_turns_back_inside_the_jump_gives_way_to_the_straight_line():
    # Fast fade that slows: the parabola through cycles 2, 3 and 13 has its vertex inside the
    # jump and would rise again before cycle 13; every cycle solved keeps falling.
    def steps(cycle):
        charge = 300.0 - 30.0 * (1 - np.exp(-cycle / 2.0)) - 0.05 * cycle
        return [("discharge", charge + 1.0, 50.0), ("charge", charge, 3.0 * charge)]

    ends = {cycle: (None, steps(cycle)) for cycle in (2, 3, 13)}
    rows, _ = _interpolated(ends, 2, 3, 13)
    charges = [row["capacity_mAh_g"] for row in rows if row["kind"] == "charge"]
    assert np.all(np.diff([steps(3)[1][1], *charges, steps(13)[1][1]]) < 0)
    line = np.linspace(steps(3)[1][1], steps(13)[1][1], 11)[1:-1]
    np.testing.assert_allclose(charges, line)


def test_a_capacity_shift_moves_every_step_by_its_share():
    before, after = _steps(10), _steps(20)
    slopes = _step_slopes(before, after)
    np.testing.assert_allclose(slopes[:, 0], [after[0][1] - before[0][1],
                                              after[1][1] - before[1][1]])
    moved = _shifted(after, -0.5 * slopes)  # half way back to cycle 10
    assert [kind for kind, _, _ in moved] == ["discharge", "charge"]
    assert moved[1][1] == pytest.approx((before[1][1] + after[1][1]) / 2)


@pytest.mark.parametrize("previous_at", [2.5, 6.5, None])
def test_the_corrector_adds_the_integral_of_the_slopes_parabola_less_the_line(previous_at):
    # A slope that is exactly quadratic in the cycle: measured at previous_at and n - 1/2
    # (what the jump extrapolated along a line), and at the landing, n + jump + 1/2. Reference:
    # numpy's polynomial integral of the parabola through the three, less the line the jump
    # assumed (a constant if there was no earlier slope).
    n, jump = 9, 27
    slope = np.poly1d([3e-4, -2e-2, 1.0])
    if previous_at is None:  # the jump held the one slope; the corrector's is the line on
        assumed = np.poly1d([slope(n - 0.5)])
        slope = np.poly1d(np.polyfit([n - 0.5, n + jump + 0.5],
                                     slope([n - 0.5, n + jump + 0.5]), 1))
    else:
        assumed = np.poly1d(np.polyfit([previous_at, n - 0.5],
                                       slope([previous_at, n - 0.5]), 1))
    miss = np.array([slope(n + jump + 0.5) - assumed(n + jump + 0.5)])
    difference = np.polyint(slope - assumed)
    expected = difference(n + jump) - difference(n)
    found = _slope_parabola_integral(miss, jump, n, previous_at)
    assert found[0] == pytest.approx(expected, rel=1e-9)
