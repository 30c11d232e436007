"""The user-data chain end to end: simulate a known cell, write it as a cycler file, read it
back, fit it from a start far from the truth, and land on the truth; then the two commands a
user runs (calibrate --data, compare --data) on the same file."""

import numpy as np
import pandas as pd
import pytest

from kion_sim.cli import main
from kion_sim.io import read_cycler
from kion_sim.parameters import cell_parameters
from kion_sim.protocols.experiment import galvanostatic_cycles
from kion_sim.simulation import simulate
from kion_sim.validation.user_data import (
    CAPACITY_KEY,
    DIFFUSIVITY_KEY,
    calibrate_to_data,
    data_protocol,
)

from ..unit.dataio.cycler_files import write_mpr, write_nda

CELL, MATERIAL = "soft_carbon_half_cell", "soft_carbon_900C"
CURRENT_mA_g = 300.0  # fast enough that the diffusivity shows in capacity and curve


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """3 SPM cycles of the set as published, with 2 mV of voltage noise, as .mpr and .nda."""
    cell = cell_parameters(CELL)
    result = simulate(cell, galvanostatic_cycles(cell, CURRENT_mA_g, 3), model="SPM")
    series = result.timeseries
    noisy = series["voltage_V"] + np.random.default_rng(3).normal(0, 0.002, len(series))
    # PyBaMM counts discharge current as positive; cyclers write it negative.
    columns = (series["time_s"], noisy, -series["current_A"] * 1000.0)
    folder = tmp_path_factory.mktemp("synthetic")
    return {"mass_mg": result.active_mass_g * 1000.0,
            "mpr": write_mpr(folder / "run.mpr", *columns),
            "nda": write_nda(folder / "run.nda", *columns)}


def test_the_file_s_protocol_is_the_simulated_one(synthetic):
    protocol = data_protocol(read_cycler(synthetic["nda"], synthetic["mass_mg"]))
    assert protocol.current_density_mA_g == pytest.approx(CURRENT_mA_g, rel=1e-3)
    assert (protocol.lower_V, protocol.upper_V) == pytest.approx((0.01, 1.5), abs=0.01)
    assert (protocol.cycles, protocol.first_step) == (3, "discharge")


def test_a_fit_from_far_away_recovers_capacity_and_diffusivity(synthetic):
    material = cell_parameters(CELL).carbon.material  # as simulated: with its stored fit
    assert material.name == MATERIAL
    truth = {key: material.value(key) for key in (CAPACITY_KEY, DIFFUSIVITY_KEY)}
    start = {CAPACITY_KEY: truth[CAPACITY_KEY] * 1.3, DIFFUSIVITY_KEY: truth[DIFFUSIVITY_KEY] * 8}
    # The start must be far from the truth, or the test proves nothing.
    assert abs(start[CAPACITY_KEY] / truth[CAPACITY_KEY] - 1) > 0.2
    assert abs(np.log10(start[DIFFUSIVITY_KEY] / truth[DIFFUSIVITY_KEY])) > 0.8

    data = read_cycler(synthetic["mpr"], synthetic["mass_mg"])
    result = calibrate_to_data(CELL, data, model="SPM", initial=start)

    assert result.fitted[CAPACITY_KEY] == pytest.approx(truth[CAPACITY_KEY], rel=0.02)
    assert result.fitted[DIFFUSIVITY_KEY] == pytest.approx(truth[DIFFUSIVITY_KEY], rel=0.25)
    # 2 mV noise on the curve: the fitted curve cannot be much better or worse than that.
    curve_rms = result.residuals.loc[1, "simulated"]
    assert 0.001 < curve_rms < 0.004


def test_calibrate_and_compare_commands_run_on_the_user_s_file(synthetic, tmp_path, capsys):
    args = ["--data", str(synthetic["mpr"]), "--mass", f"{synthetic['mass_mg']:.6f}"]
    assert main(["compare", CELL, *args, "--out", str(tmp_path), "--dqdv"]) == 0
    fade = pd.read_csv(tmp_path / "compare_fade.csv")
    # The same cell simulated again: the measured (noisy) and simulated capacities agree. The
    # window comes from step-end voltages carrying 2 mV noise, and 2 mV at the 0.01 V cut-off
    # is worth ~1 % of this carbon's capacity (its lowest gallery sits near 0.1 V, broad).
    np.testing.assert_allclose(fade["measured_charge_capacity_mAh_g"],
                               fade["simulated_charge_capacity_mAh_g"], rtol=1.5e-2)
    assert (tmp_path / "compare.png").stat().st_size > 10_000
    curves = pd.read_csv(tmp_path / "compare_curves.csv")
    assert set(curves["source"]) == {"measured", "simulated"}
    # dQ/dV of the same cell measured (2 mV noise) and simulated: the simulated curve's
    # tallest peak of each direction is found in the measured one too, at the same potential
    # within the 40 mV smoothing window.
    peaks = pd.read_csv(tmp_path / "compare_dqdv_peaks.csv")
    assert (tmp_path / "compare_dqdv.png").stat().st_size > 10_000
    assert set(pd.read_csv(tmp_path / "compare_dqdv.csv")["step_kind"]) == {"discharge",
                                                                              "charge"}
    for kind, found in peaks.groupby("step_kind"):
        tallest = found.loc[found["simulated_height_mAh_g_V"].idxmax()]
        assert abs(tallest["shift_V"]) < 0.04, (kind, tallest.to_dict())

    assert main(["calibrate", CELL, *args]) == 0
    assert "diffusivity [m2.s-1]" in capsys.readouterr().out


def test_calibrate_data_without_a_mass_is_an_error_naming_the_flag(synthetic, capsys):
    assert main(["calibrate", CELL, "--data", str(synthetic["mpr"])]) == 2
    assert "--data needs --mass" in capsys.readouterr().err


def test_a_one_current_file_is_no_rate_test_and_says_so(synthetic, capsys):
    args = ["--data", str(synthetic["mpr"]), "--mass", f"{synthetic['mass_mg']:.6f}"]
    assert main(["compare", CELL, *args, "--rate-test"]) == 2
    error = capsys.readouterr().err
    assert "runs at one current" in error and "not a rate test" in error
