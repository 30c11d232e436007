"""The whole-file fade target and the held-out split, without solving anything."""

import numpy as np
import pandas as pd
import pytest

from kion_sim.errors import InvalidInputError
from kion_sim.validation.fade_curve import (
    FADE_FLOOR_POINTS,
    CapacityFadeTarget,
    fade_misfit,
    fade_target,
    fade_uncertainty_points,
    thinned_cycles,
)
from kion_sim.validation.fade_ranking import held_out_split
from kion_sim.validation.trial_runs import residual_size


def _summary(capacities) -> pd.DataFrame:
    return pd.DataFrame({"cycle": np.arange(1, len(capacities) + 1),
                         "charge_capacity_mAh_g": capacities})


def test_a_long_file_is_thinned_to_forty_cycles_from_the_third_with_the_last_in():
    cycles = thinned_cycles(500)
    assert len(cycles) == 40 and cycles[0] == 3 and cycles[-1] == 500
    assert thinned_cycles(12) == tuple(range(3, 13))  # short files keep every cycle


def test_the_uncertainty_is_the_file_s_own_scatter_but_not_below_the_fast_path_s():
    rng = np.random.default_rng(11)
    cycles = np.arange(2, 402)
    smooth = 100 - 8 * np.sqrt(cycles / 400) - 0.01 * cycles  # a fade with curvature
    noisy = smooth + rng.normal(0, 1.2, len(cycles))
    assert fade_uncertainty_points(noisy) == pytest.approx(1.2, rel=0.15)
    assert fade_uncertainty_points(smooth) == FADE_FLOOR_POINTS


def test_residuals_are_the_retention_errors_in_units_of_the_uncertainty():
    target = CapacityFadeTarget(100.0, (3, 5), (99.0, 97.0), uncertainty_points=0.5)
    summary = _summary([310.0, 300.0, 296.0, 295.0, 292.0])  # retention 98.67 and 97.33 %
    np.testing.assert_allclose(target.residuals(summary, None),
                               [(296 / 3 - 99) / 0.5, (292 / 3 - 97) / 0.5])
    assert residual_size(target) == 2 and target.run.cycles == 5
    # A run that ended before cycle 5 counts that cycle as 0 % retention, not as missing.
    assert target.residuals(summary.iloc[:4], None)[1] == pytest.approx(-97 / 0.5)


def test_the_fade_target_of_a_file_and_its_misfit():
    capacities = 300 * 0.99 ** np.arange(20)
    target = fade_target(_summary(capacities), 100.0, 0.01, 1.5)
    assert target.cycles == tuple(range(3, 21)) and target.uncertainty_points == 0.5
    np.testing.assert_allclose(target.retention_pct, 100 * 0.99 ** np.arange(1, 19))
    errors = np.where(np.arange(1, 21) == 7, 1.5, 0.25)  # one bad cycle: 7
    curve = pd.DataFrame({"cycle": np.arange(1, 21), "error_points": errors})
    misfit = fade_misfit(curve, target, fade_values=1)
    fitted = errors[2:]  # cycles 3-20
    assert misfit.rms_points == pytest.approx(np.sqrt(np.mean(fitted**2)))
    assert misfit.degrees_of_freedom == 17
    assert misfit.chi_square_per_dof == pytest.approx(np.sum((fitted / 0.5) ** 2) / 17)
    assert misfit.worst["cycle"].iloc[0] == 7
    assert "worst cycles: cycle 7 +1.50" in misfit.describe()


def test_the_held_out_split_fits_seventy_percent_and_refuses_what_cannot_be_tested():
    assert held_out_split(100, 0.3) == 70
    assert held_out_split(15, 0.3) == 11  # 10.5 rounds up
    for bad in (0.0, 1.0, 1.5, -0.2, float("nan")):
        with pytest.raises(InvalidInputError, match="strictly between 0 and 1"):
            held_out_split(100, bad)
    with pytest.raises(InvalidInputError, match=r"run.csv holds 12 cycles: holding out 0.3 "
                                                r"fits 8 and predicts 4.*at least 14 cycles "
                                                r"at this fraction, or a held-out fraction "
                                                r"between 0.13 and 0.20"):
        held_out_split(12, 0.3, "run.csv")
    # Both ends of the range it names are valid: 12 x 0.87 = 10.4 -> 10; 12 x 0.8 = 9.6 -> 10.
    assert held_out_split(12, 0.13) == held_out_split(12, 0.20) == 10
    with pytest.raises(InvalidInputError, match="or a file of at least 12 cycles"):
        held_out_split(11, 0.3)
