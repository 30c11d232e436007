"""GITT analysis on synthetic records whose diffusivity is known.

The transients are the exact solution of Fick's law in a slab of half-thickness L (V/S = L)
under a constant flux through its face (Crank, The Mathematics of Diffusion, 2nd ed., eq.
2.67 family), switched on for each pulse and off for each rest by superposition, seen through
a linear OCP: an independent calculation, not the Weppner-Huggins formula the code applies.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

from kion_sim.analysis.gitt import (
    SHORT_TIME_LIMIT,
    GittSettings,
    analyse_gitt,
    split_pulses,
    volume_to_surface_m,
    weppner_huggins_diffusivity,
)
from kion_sim.errors import InvalidInputError
from kion_sim.io.cycler import read_gitt_record
from kion_sim.plotting.gitt import plot_gitt

HALF_THICKNESS_M = 0.2e-6
DIFFUSIVITY_M2_S = 5e-17
CURRENT_MA_G = 50.0
CAPACITY_FULL_MAH_G = 360.0
OCP_SLOPE_V = 0.5  # dE/d(stoichiometry): a sloping carbon's ~0.5 V over its span
IR_STEP_V = 0.01  # ohmic drop plus both electrodes' charge transfer, instant


def _surface_rise(t_s: np.ndarray) -> np.ndarray:
    """Surface stoichiometry rise of a slab fed at constant flux from t = 0, per unit of the
    bulk rise per second (so the bulk rise after tau is tau): Crank's series."""
    t = np.clip(t_s, 0.0, None)
    theta = DIFFUSIVITY_M2_S * t / HALF_THICKNESS_M ** 2
    n = np.arange(1, 200)[:, None]
    series = np.sum(np.exp(-(n * math.pi) ** 2 * theta) / n ** 2, axis=0)
    return HALF_THICKNESS_M ** 2 / DIFFUSIVITY_M2_S * (theta + 1 / 3 - 2 / math.pi ** 2
                                                       * series)


def synthetic_gitt(pulse_s: float = 60.0, rest_s: float = 2400.0, pulses: int = 4,
                   dt_s: float = 1.0, drift_V_s: float = 0.0,
                   settle_s: float = 0.0) -> pd.DataFrame:
    """Rest, then ``pulses`` x (pulse, rest) of discharge at CURRENT_MA_G."""
    period = pulse_s + rest_s
    t = np.arange(0.0, rest_s + pulses * period + dt_s / 2, dt_s)
    on = np.zeros_like(t, dtype=bool)
    stoichiometry = np.full_like(t, 0.3)
    rate = CURRENT_MA_G / 3600.0 / CAPACITY_FULL_MAH_G  # bulk stoichiometry per second
    # A pulse's first and last points carry the current, as a cycler logs a step.
    for k in range(pulses):
        start = rest_s + k * period
        on |= (t >= start) & (t <= start + pulse_s)
        stoichiometry += rate * (_surface_rise(t - start) - _surface_rise(t - start - pulse_s))
    settling = 1.0 - np.exp(-np.clip(t - np.floor((t - rest_s) / period) * period - rest_s,
                                     0, None) / settle_s) if settle_s else 1.0
    volts = 1.0 - OCP_SLOPE_V * stoichiometry - IR_STEP_V * on * settling + drift_V_s * t
    return pd.DataFrame({"time_s": t, "voltage_V": volts, "current_mA_g": CURRENT_MA_G * on})


def test_recovers_the_diffusivity_of_the_exact_slab_transient():
    result = analyse_gitt(synthetic_gitt(), HALF_THICKNESS_M)
    assert len(result.pulses) == 4
    # tau D / L^2 = 0.075: the short-time solution is exact to < 0.1 % here.
    np.testing.assert_allclose(result.pulses["diffusivity_m2_s"], DIFFUSIVITY_M2_S, rtol=0.02)
    assert result.pulses["short_time_ok"].all()
    assert (result.pulses["fit_r2"] > 0.999).all()


def test_the_instant_step_is_left_out_of_the_transient():
    pulses = analyse_gitt(synthetic_gitt(), HALF_THICKNESS_M).pulses
    np.testing.assert_allclose(pulses["step_V"], -IR_STEP_V, atol=2e-3)
    # the sqrt(t) slope times sqrt(tau): the diffusion part only, 2 L / sqrt(pi tau D) times
    # the bulk change (dE_s), whatever the step.
    expected = pulses["delta_Es_V"] * 2 * HALF_THICKNESS_M / np.sqrt(
        math.pi * pulses["duration_s"] * DIFFUSIVITY_M2_S)
    np.testing.assert_allclose(pulses["delta_Et_V"], expected, rtol=0.01)


def test_a_settling_step_biases_the_raw_difference_but_not_the_slope():
    """A double-layer-like step settling over 1 s: the raw end-minus-start change counts it,
    the sqrt(t) slope over 10-100 % of the pulse does not."""
    pulses = analyse_gitt(synthetic_gitt(settle_s=1.0), HALF_THICKNESS_M).pulses
    np.testing.assert_allclose(pulses["diffusivity_m2_s"], DIFFUSIVITY_M2_S, rtol=0.03)
    raw = weppner_huggins_diffusivity(60.0, HALF_THICKNESS_M, pulses["delta_Es_V"].iloc[0],
                                      pulses["delta_Et_raw_V"].iloc[0])
    assert raw < 0.7 * DIFFUSIVITY_M2_S


def test_rest_voltages_give_the_ocp_and_stoichiometry_counted_from_charge():
    result = analyse_gitt(synthetic_gitt(), HALF_THICKNESS_M, initial_stoichiometry=0.3,
                          capacity_full_mAh_g=CAPACITY_FULL_MAH_G)
    ocp = result.ocp
    assert len(ocp) == 5  # the first rest and one after each pulse
    per_pulse = CURRENT_MA_G * 60.0 / 3600.0  # mAh/g
    np.testing.assert_allclose(np.diff(ocp["capacity_mAh_g"]), per_pulse, rtol=0.03)
    # relaxed after 40 min (40 L^2/D time constants): the OCP itself, 1 - 0.5 x
    np.testing.assert_allclose(ocp["voltage_V"], 1.0 - OCP_SLOPE_V * ocp["stoichiometry"],
                               atol=2e-5)
    assert result.pulses["stoichiometry"].between(0.3, 0.31).all()


def test_a_long_pulse_is_flagged_not_short():
    pulses = analyse_gitt(synthetic_gitt(pulse_s=1200.0, pulses=2), HALF_THICKNESS_M).pulses
    assert (pulses["short_time_ratio"] > SHORT_TIME_LIMIT).all()
    assert not pulses["short_time_ok"].any()


def test_drift_correction_removes_a_steady_self_discharge():
    drift = 2e-7  # V/s, the SEI self-discharge seen in the simulated half cell's rests
    record = synthetic_gitt(drift_V_s=drift)
    plain = analyse_gitt(record, HALF_THICKNESS_M).pulses["diffusivity_m2_s"]
    corrected = analyse_gitt(record, HALF_THICKNESS_M,
                             GittSettings(correct_drift=True)).pulses["diffusivity_m2_s"]
    assert (plain < 0.5 * DIFFUSIVITY_M2_S).all()
    np.testing.assert_allclose(corrected, DIFFUSIVITY_M2_S, rtol=0.03)


def test_charge_pulses_and_either_current_sign_give_the_same_diffusivity():
    record = synthetic_gitt()
    record["current_mA_g"] *= -1  # a cycler's sign: the same magnitudes
    record["voltage_V"] = 2.0 - record["voltage_V"]
    np.testing.assert_allclose(analyse_gitt(record, HALF_THICKNESS_M).pulses[
        "diffusivity_m2_s"], DIFFUSIVITY_M2_S, rtol=0.02)


def test_a_pulse_straight_into_another_step_is_not_a_gitt_pulse():
    record = synthetic_gitt(pulses=2)
    t = record["time_s"]
    record.loc[(t > 2460) & (t < 2520), "current_mA_g"] = -CURRENT_MA_G  # charge right after
    # rest, discharge, charge, rest, discharge, rest
    assert split_pulses(record)["segment"].nunique() == 6
    assert len(analyse_gitt(record, HALF_THICKNESS_M).pulses) == 1


@pytest.mark.parametrize("record, message", [
    (pd.DataFrame({"time_s": [0.0, 1.0], "voltage_V": [1.0, 0.9]}), "current_mA_g"),
    (pd.DataFrame({"time_s": np.arange(10.0), "voltage_V": 1.0, "current_mA_g": 50.0}),
     "no rest"),
    (pd.DataFrame({"time_s": np.arange(10.0), "voltage_V": 1.0, "current_mA_g": 0.0}),
     "no current"),
    (pd.DataFrame({"time_s": np.arange(10.0), "voltage_V": 1.0,
                   "current_mA_g": [50.0] * 5 + [0.0] * 5}), "between two rests"),
    (pd.DataFrame({"time_s": [0.0, 1.0, 2.0, np.nan], "voltage_V": 1.0,
                   "current_mA_g": 0.0}), "finite"),
])
def test_records_that_are_not_gitt_are_refused(record, message):
    with pytest.raises(InvalidInputError, match=message):
        analyse_gitt(record, HALF_THICKNESS_M)


def test_a_pulse_too_short_to_fit_is_refused_by_name():
    with pytest.raises(InvalidInputError, match="pulse 1 .* points in its fit window"):
        analyse_gitt(synthetic_gitt(pulse_s=3.0), HALF_THICKNESS_M)


@pytest.mark.parametrize("settings", [GittSettings(fit_window=(0.5, 0.2)),
                                      GittSettings(rest_current_mA_g=-1.0)])
def test_bad_settings_are_refused(settings):
    with pytest.raises(InvalidInputError):
        analyse_gitt(synthetic_gitt(pulses=1), HALF_THICKNESS_M, settings)


def test_volume_to_surface_of_the_hollow_rod_is_half_its_wall(sets):
    values = sets.material("soft_carbon_900C")["values"]
    outer = values["particle outer radius [m]"]["value"]
    inner = values["particle inner radius [m]"]["value"]
    assert sets.material("soft_carbon_900C")["geometry"]["core"] == "open"
    # both faces open: V/S = (Ro^2 - Ri^2) / (2 (Ro + Ri)) = half the wall, not Ro/3
    assert volume_to_surface_m("soft_carbon_half_cell") == pytest.approx((outer - inner) / 2)


def test_a_cycler_file_keeps_its_rests_and_turns_discharge_positive(tmp_path):
    record = synthetic_gitt(pulses=2)
    path = tmp_path / "gitt.csv"
    mass_mg = 1.2
    pd.DataFrame({"time_s": record["time_s"], "voltage_V": record["voltage_V"],
                  "current_mA": -record["current_mA_g"] * mass_mg / 1000}).to_csv(path,
                                                                                  index=False)
    read = read_gitt_record(path, mass_mg=mass_mg)
    assert len(read) == len(record)
    np.testing.assert_allclose(read["current_mA_g"], record["current_mA_g"])
    np.testing.assert_allclose(analyse_gitt(read, HALF_THICKNESS_M).pulses[
        "diffusivity_m2_s"], DIFFUSIVITY_M2_S, rtol=0.02)


def test_the_figure_shows_the_transient_and_d_on_a_log_axis():
    result = analyse_gitt(synthetic_gitt(), HALF_THICKNESS_M, initial_stoichiometry=0.3,
                          capacity_full_mAh_g=CAPACITY_FULL_MAH_G)
    figure = plot_gitt(result, reference_m2_s=DIFFUSIVITY_M2_S)
    transient, diffusion = figure.axes
    assert diffusion.get_yscale() == "log"
    assert transient.get_xlabel() == "Time [h]"
    assert diffusion.get_xlabel() == "Stoichiometry"
    matplotlib.pyplot.close(figure)


def test_rest_ends_become_a_monotone_ocp_table_spliced_into_the_old_one():
    """Two neighbours that cross (0.50 V then 0.52 V) are pooled to their mean; the old
    table's points outside the span are kept where they continue it monotonically."""
    from kion_sim.analysis.gitt import GittAnalysis, GittSettings, quasi_equilibrium_ocp

    rests = pd.DataFrame({"stoichiometry": [0.2, 0.3, 0.4, 0.4],
                          "voltage_V": [0.50, 0.52, 0.39, 0.41]})
    analysis = GittAnalysis(pd.DataFrame(), rests, pd.DataFrame(), 1e-7, GittSettings())
    table = quasi_equilibrium_ocp(analysis, [0.0, 0.1, 0.15, 0.5, 0.6, 1.0],
                                  [1.5, 0.8, 0.45, 0.45, 0.3, 0.0])
    assert table["stoichiometry"].tolist() == [0.0, 0.1, 0.2, 0.3, 0.4, 0.6, 1.0]
    assert table["ocp_V"].tolist() == pytest.approx([1.5, 0.8, 0.51, 0.51, 0.40, 0.3, 0.0])
    assert table["measured"].tolist() == [False, False, True, True, True, False, False]
    assert table.attrs["measured_span"] == (0.2, 0.4)


def test_rest_ends_without_a_stoichiometry_are_refused():
    from kion_sim.analysis.gitt import GittAnalysis, GittSettings, quasi_equilibrium_ocp

    rests = pd.DataFrame({"stoichiometry": [np.nan, np.nan], "voltage_V": [0.5, 0.4]})
    analysis = GittAnalysis(pd.DataFrame(), rests, pd.DataFrame(), 1e-7, GittSettings())
    with pytest.raises(InvalidInputError, match="have no stoichiometry"):
        quasi_equilibrium_ocp(analysis)
