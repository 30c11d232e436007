"""dQ/dV against analytic curves whose derivative is known, with and without noise, and on a
short simulated half cycle.

The analytic half cycle is a sum of logistic steps, Q(V) = sum Q_i / (1 + exp((V - V_i) / w_i)),
whose dQ/dV is a sum of sech^2 peaks: at V_i, of height Q_i / (4 w_i) and full width at half
maximum 4 w_i arccosh(sqrt 2). All references below come from those formulas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kion_sim
from kion_sim.analysis.dqdv import (
    DqdvSettings,
    compare_dqdv,
    compare_dqdv_sources,
    differential_capacity,
    half_cycle,
    match_peaks,
)
from kion_sim.errors import InvalidInputError

# (potential [V], capacity [mAh/g], spread [V]): a defect slope, a turbostratic and an ordered
# insertion peak, far enough apart that each stands on ~zero.
STEPS = [(0.85, 100.0, 0.04), (0.40, 150.0, 0.025), (0.10, 120.0, 0.015)]
WINDOW_V = (0.01, 1.5)


def _capacity(v, steps=STEPS):
    return sum(q / (1 + np.exp((v - centre) / w)) for centre, q, w in steps)


def _dqdv(v, steps=STEPS):
    return sum(q / (4 * w) / np.cosh((v - centre) / (2 * w)) ** 2 for centre, q, w in steps)


def _heights(steps=STEPS):
    return np.array([q / (4 * w) for _, q, w in steps])


def _fwhm(steps=STEPS):
    return np.array([4 * w * np.arccosh(np.sqrt(2)) for _, _, w in steps])


def _discharge(points=2000, steps=STEPS, shift_V=0.0):
    """A constant-current discharge logged at even capacity steps, as a cycler logs it."""
    fine_v = np.linspace(WINDOW_V[1], WINDOW_V[0], 200_001)
    fine_q = _capacity(fine_v, steps) - _capacity(WINDOW_V[1], steps)
    q = np.linspace(0.0, fine_q[-1], points)
    return q, np.interp(q, fine_q, fine_v) + shift_V


def _by_potential(steps=STEPS):
    return np.argsort([centre for centre, _, _ in steps])


def test_derivative_of_logistic_steps_matches_the_sech2_peaks():
    q, v = _discharge()
    result = differential_capacity(q, v)
    inner = slice(result.settings.window_points, -result.settings.window_points)
    error = np.abs(result.dqdv_mAh_g_V - _dqdv(result.voltage_V))[inner]
    # Within 1.5 % of the tallest peak everywhere: a cubic over 40 mV barely rounds a 53 mV peak.
    assert error.max() < 0.015 * _heights().max()
    order = _by_potential()
    peaks = result.peaks
    assert len(peaks) == 3
    assert peaks["potential_V"].to_numpy() == pytest.approx(
        [STEPS[i][0] for i in order], abs=result.settings.grid_step_V)
    assert peaks["height_mAh_g_V"].to_numpy() == pytest.approx(_heights()[order], rel=0.015)
    assert peaks["width_V"].to_numpy() == pytest.approx(_fwhm()[order], rel=0.03)
    assert result.direction == "discharge"


def test_charge_gives_the_same_positive_peaks():
    q, v = _discharge()
    charge = differential_capacity(q[-1] - q[::-1], v[::-1])  # the same curve walked back up
    assert charge.direction == "charge"
    assert charge.dqdv_mAh_g_V.min() > -0.01 * _heights().max()
    assert charge.peaks["height_mAh_g_V"].to_numpy() == pytest.approx(
        _heights()[_by_potential()], rel=0.015)


def test_integral_of_dqdv_is_the_half_cycles_capacity():
    q, v = _discharge()
    expected = _capacity(WINDOW_V[0]) - _capacity(WINDOW_V[1])
    assert differential_capacity(q, v).integral_mAh_g == pytest.approx(expected, rel=0.005)


def test_noisy_curve_finds_the_peaks_at_their_potentials():
    q, v = _discharge()
    rng = np.random.default_rng(7)
    noisy_v = v + rng.normal(0.0, 0.001, v.size)  # 1 mV voltage noise
    noisy_q = q * (1 + rng.normal(0.0, 0.001, q.size))  # 0.1 % capacity noise
    peaks = differential_capacity(noisy_q, noisy_v).peaks
    order = _by_potential()
    assert len(peaks) == 3  # no noise spike passes the prominence threshold
    # A tenth of each peak's width: the flat top of a broad peak lets noise move its maximum.
    found = peaks["potential_V"].to_numpy()
    assert np.all(np.abs(found - [STEPS[i][0] for i in order]) < 0.1 * _fwhm()[order])
    assert peaks["height_mAh_g_V"].to_numpy() == pytest.approx(_heights()[order], rel=0.08)


def test_dense_noisy_log_is_averaged_down_by_the_voltage_bins():
    # 5000 points with 2 mV noise: several points per 2 mV bin. Sorting the points or taking
    # their running envelope instead gives 2-3x this error and spurious peaks.
    q, v = _discharge(5000)
    rng = np.random.default_rng(3)
    result = differential_capacity(q * (1 + rng.normal(0.0, 0.001, q.size)),
                                   v + rng.normal(0.0, 0.002, v.size))
    inner = slice(result.settings.window_points, -result.settings.window_points)
    error = (result.dqdv_mAh_g_V - _dqdv(result.voltage_V))[inner]
    assert np.sqrt(np.mean(error**2)) < 0.01 * _heights().max()
    assert len(result.peaks) == 3


def test_the_prominence_threshold_decides_what_counts_as_a_peak():
    small = [*STEPS, (1.2, 3.0, 0.02)]  # 37.5 mAh/g/V: 1.9 % of the tallest peak
    q, v = _discharge(steps=small)
    assert len(differential_capacity(q, v).peaks) == 3
    peaks = differential_capacity(q, v, DqdvSettings(prominence_fraction=0.01)).peaks
    assert peaks["potential_V"].iloc[-1] == pytest.approx(1.2, abs=0.004)


def _table(q, v, direction="discharge", cycle=2):
    return pd.DataFrame({"cycle": cycle, "step_kind": direction, "capacity_mAh_g": q,
                         "voltage_V": v})


def test_side_by_side_reports_the_shift_and_height_ratio_of_each_peak():
    measured = _table(*_discharge())
    bigger = [(centre, 1.1 * q, w) for centre, q, w in STEPS]  # every height x 1.1
    simulated = _table(*_discharge(steps=bigger, shift_V=0.02))  # 20 mV higher
    comparison = compare_dqdv(measured, simulated, directions=("discharge",))
    peaks = comparison.peaks
    assert len(peaks) == 3 and peaks["step_kind"].eq("discharge").all()
    assert peaks["shift_V"].to_numpy() == pytest.approx([0.02] * 3, abs=0.0021)
    assert peaks["height_ratio"].to_numpy() == pytest.approx([1.1] * 3, rel=0.01)
    grid = comparison.curves["voltage_V"].to_numpy()
    assert np.diff(grid) == pytest.approx(np.full(grid.size - 1, 0.002))
    top = comparison.curves.dropna()  # both curves reach these nodes
    assert top["simulated_dqdv_mAh_g_V"].max() == pytest.approx(
        1.1 * top["measured_dqdv_mAh_g_V"].max(), rel=0.01)


def test_long_table_with_a_source_column_gives_the_same_comparison():
    q, v = _discharge()
    curves = pd.concat([_table(q, v).assign(source="measured"),
                        _table(q, v).assign(source="simulated")])
    peaks = compare_dqdv_sources(curves, directions=("discharge",)).peaks
    assert peaks["shift_V"].to_numpy() == pytest.approx([0.0] * 3, abs=1e-12)


def test_peaks_too_far_apart_stay_unmatched():
    measured = pd.DataFrame({"potential_V": [0.1, 0.8], "height_mAh_g_V": [100.0, 50.0],
                             "width_V": [0.05, 0.1]})
    simulated = pd.DataFrame({"potential_V": [0.12, 0.5], "height_mAh_g_V": [90.0, 40.0],
                              "width_V": [0.05, 0.1]})
    table = match_peaks(measured, simulated, max_shift_V=0.15)
    # 0.8 V measured and 0.5 V simulated are 0.3 V apart: each keeps its own row.
    assert table["measured_potential_V"].tolist() == pytest.approx([0.1, np.nan, 0.8],
                                                                   nan_ok=True)
    assert table["simulated_potential_V"].tolist() == pytest.approx([0.12, 0.5, np.nan],
                                                                    nan_ok=True)
    assert table["shift_V"].iloc[0] == pytest.approx(0.02)
    assert table["height_ratio"].iloc[0] == pytest.approx(0.9)


@pytest.fixture(scope="module")
def soft_carbon_discharge():
    return kion_sim.simulate("soft_carbon_half_cell", "Discharge at 50 mA/g until 0.01 V",
                             model="SPM", show_progress=False)


def test_simulated_soft_carbon_potassiation(soft_carbon_discharge):
    result = differential_capacity(*half_cycle(soft_carbon_discharge.timeseries, 1,
                                               "discharge"))
    assert result.direction == "discharge"
    assert len(result.peaks) >= 2
    assert result.peaks["potential_V"].between(0.01, 1.5).all()
    capacity = float(soft_carbon_discharge.steps["capacity_mAh_g"].iloc[0])
    assert result.integral_mAh_g == pytest.approx(capacity, rel=0.01)
    # Potassiation polarises the carbon below its OCP: the main peak of the cell voltage sits
    # below the main peak of the carbon's own OCP curve (logged independently), by < 50 mV.
    ocp = differential_capacity(*half_cycle(
        soft_carbon_discharge.timeseries.assign(voltage_V=lambda t: t["working_ocp_V"]), 1,
        "discharge"))
    main, main_ocp = (r.peaks.loc[r.peaks["height_mAh_g_V"].idxmax(), "potential_V"]
                      for r in (result, ocp))
    assert 0 < main_ocp - main < 0.05


@pytest.mark.parametrize(("q", "v", "match"), [
    (np.r_[np.nan, np.arange(29.0)], np.linspace(1, 0, 30), "capacity_mAh_g holds 1 NaN"),
    (np.arange(30.0), np.r_[np.linspace(1, 0, 29), np.inf], "voltage_V holds 1 NaN"),
    (np.arange(10.0), np.linspace(1, 0, 10), "at least 20 points"),
    (np.arange(30.0), np.linspace(1, 0, 29), "30 capacities and 29 voltages"),
    (np.arange(30.0), np.linspace(0.5, 0.48, 30), "shorter than the smoothing window"),
    (np.arange(30.0)[::-1], np.linspace(1, 0, 30), "count up"),
    (np.arange(60.0), np.r_[np.linspace(1, 0, 30), np.linspace(0, 1, 30)], "turns back"),
])
def test_bad_half_cycles_are_named(q, v, match):
    with pytest.raises(InvalidInputError, match=match):
        differential_capacity(q, v)


def test_bad_settings_are_named():
    q, v = _discharge(200)
    with pytest.raises(InvalidInputError, match="polyorder 9 needs"):
        differential_capacity(q, v, DqdvSettings(window_V=0.01, polyorder=9))
    with pytest.raises(InvalidInputError, match="grid_step_V must be positive"):
        differential_capacity(q, v, DqdvSettings(grid_step_V=0.0))


def test_half_cycle_names_what_the_table_holds():
    table = _table(*_discharge(50)).assign(step=1)
    with pytest.raises(InvalidInputError, match="no charge step in cycle 2; .*cycle 2 discharge"):
        half_cycle(table, 2, "charge")
    two_steps = pd.concat([table, table.assign(step=3)])
    with pytest.raises(InvalidInputError, match=r"discharge steps \[1, 3\]"):
        half_cycle(two_steps, 2, "discharge")
    assert len(half_cycle(two_steps, 2, "discharge", step=3)[0]) == 50
