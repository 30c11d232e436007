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


def test_a_mechanism_whose_fit_fails_is_listed_with_its_error_and_the_ranking_goes_on(
        monkeypatch):
    from kion_sim.errors import SimulationError
    from kion_sim.io.cycler import CyclerData, tabulate
    from kion_sim.validation import fade_ranking

    t, v, i, clock = [], [], [], 0.0
    for cycle in range(20):
        for seconds, current, (v0, v1) in ((3600, -0.5, (1.5, 0.01)),
                                           (2880 * 0.99**cycle, 0.5, (0.01, 1.5))):
            t += list(np.linspace(clock, clock + seconds, 11))
            v += list(np.linspace(v0, v1, 11))
            i += [current] * 11
            clock += seconds + 1
    data = CyclerData("ramp", "csv", 0.002, *tabulate(
        pd.DataFrame({"time_s": t, "voltage_V": v, "current_mA": i}), 0.002))
    held_out = {"sei_site_blocking": 0.8, "carbon_film_resistance": 0.3}

    def fake_forecast(cell, data, name, fitted_cycles, model, fade_only, workers=None):
        if name == "swelling_damage":
            raise SimulationError("fade run failed: the solver stopped at cycle 4")
        assert fitted_cycles == 14
        curve = pd.DataFrame({"cycle": [15], "role": ["held out"]})
        return fade_ranking.MechanismForecast(name, {}, 0.1, held_out[name], 0.5, 0.2, 1.0,
                                              curve=curve)

    monkeypatch.setattr(fade_ranking, "forecast", fake_forecast)
    lines = []
    ranking = fade_ranking.rank_mechanisms(
        "soft_carbon_half_cell", data, mechanisms=["sei_site_blocking", "swelling_damage",
                                                   "carbon_film_resistance"],
        progress=lines.append)
    table = ranking.table()
    assert table["mechanism"].tolist() == ["carbon_film_resistance", "sei_site_blocking",
                                           "swelling_damage"]
    assert table["rank"].tolist()[:2] == [1, 2] and pd.isna(table["rank"].iloc[2])
    assert table["note"].iloc[2] == "failed: fade run failed: the solver stopped at cycle 4"
    assert lines[0].startswith("ranking 3 mechanisms on ramp: fit cycles 1-14, predict 15-20")
    assert lines[2].startswith("mechanism 2 of 3 swelling_damage: failed:")
    assert "elapsed" in lines[3] and "to go" in lines[3]
