"""Cycler files in every supported format read into the same mAh/g tables, or fail clearly.

Reference values are worked out by hand from the constant currents the files are written with:
capacity [mAh/g] = current [mA] x duration [h] / active mass [g].
"""

import numpy as np
import pandas as pd
import pytest

from kion_sim.errors import DataFileError, InvalidInputError
from kion_sim.io.cycler import read_cycler

from .cycler_files import WRITERS, write_mpt, write_plain_csv

MASS_MG = 2.0


def three_cycles(first="discharge"):
    """0.5 mA for 1 h (discharge), 10 min rest, 0.5 mA for 0.8 h (charge), three times.

    Expected per cycle: 0.5 mAh / 2 mg = 250 mAh/g in, 0.4 mAh / 2 mg = 200 mAh/g out.
    """
    sign = -1.0 if first == "discharge" else 1.0
    t, v, i, clock = [], [], [], 0.0
    segments = ((3600, sign * 0.5, (1.5, 0.01)), (600, 0.0, (0.3, 0.3)),
                (2880, -sign * 0.5, (0.01, 1.5)), (600, 0.0, (1.2, 1.2)))
    for _ in range(3):
        for seconds, current, (v0, v1) in segments:
            points = np.linspace(clock, clock + seconds, 31)
            t += list(points)
            v += list(np.linspace(v0, v1, 31))
            i += [current] * 31
            clock += seconds + 1.0
    return np.array(t), np.array(v), np.array(i)


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_every_format_gives_the_hand_computed_capacities(tmp_path, name):
    path = WRITERS[name](tmp_path / name, *three_cycles())
    data = read_cycler(path, MASS_MG)
    summary = data.summary
    assert list(summary["cycle"]) == [1, 2, 3]
    assert np.allclose(summary["discharge_capacity_mAh_g"], 250.0, rtol=1e-4)
    assert np.allclose(summary["charge_capacity_mAh_g"], 200.0, rtol=1e-4)
    assert np.allclose(summary["coulombic_efficiency_pct"], 80.0, rtol=1e-4)
    assert data.current_density_mA_g(2) == pytest.approx(0.5 / 0.002, rel=1e-4)  # 250 mA/g


def test_curves_run_from_zero_to_the_step_capacity_with_the_written_voltages(tmp_path):
    data = read_cycler(WRITERS["run.mpr"](tmp_path / "run.mpr", *three_cycles()), MASS_MG)
    curve = data.curves.query("cycle == 2 and step_kind == 'discharge'")
    assert curve["capacity_mAh_g"].iloc[0] == 0.0
    assert curve["capacity_mAh_g"].iloc[-1] == pytest.approx(250.0, rel=1e-4)
    # Halfway through the step (125 mAh/g) the linear ramp 1.5 -> 0.01 V is at 0.755 V.
    assert np.interp(125.0, curve["capacity_mAh_g"], curve["voltage_V"]) == pytest.approx(
        0.755, abs=1e-3)


def test_a_cell_that_starts_on_charge_counts_cycles_from_its_first_charge(tmp_path):
    path = write_plain_csv(tmp_path / "cathode.csv", *three_cycles(first="charge"))
    data = read_cycler(path, MASS_MG)
    assert data.first_step == "charge"
    assert np.allclose(data.summary["charge_capacity_mAh_g"], 250.0, rtol=1e-4)


def test_european_decimal_commas_in_an_mpt_file_are_read(tmp_path):
    path = write_mpt(tmp_path / "comma.mpt", *three_cycles(), decimal_comma=True)
    assert read_cycler(path, MASS_MG).summary["discharge_capacity_mAh_g"].iloc[0] == (
        pytest.approx(250.0, rel=1e-4))


def test_plain_csv_units_in_column_names_are_converted(tmp_path):
    t, v, i = three_cycles()
    path = tmp_path / "units.csv"
    pd.DataFrame({"time_h": t / 3600, "voltage_mV": v * 1000, "current_A": i / 1000}).to_csv(
        path, index=False)
    assert read_cycler(path, MASS_MG).summary["charge_capacity_mAh_g"].iloc[0] == (
        pytest.approx(200.0, rel=1e-4))


@pytest.mark.parametrize("mass_mg, words", [
    (2000.0, ["0.25 mAh/g", "2000 mg", "1-2000 mAh/g"]),     # grams typed as milligrams
    (0.0002, ["2.5e+06 mAh/g", "check the mass"]),
])
def test_a_wrong_mass_is_named_with_the_capacity_it_implies(tmp_path, mass_mg, words):
    path = write_plain_csv(tmp_path / "run.csv", *three_cycles())
    with pytest.raises(DataFileError) as error:
        read_cycler(path, mass_mg)
    assert all(word in str(error.value) for word in words)


def test_a_non_positive_mass_is_refused(tmp_path):
    path = write_plain_csv(tmp_path / "run.csv", *three_cycles())
    with pytest.raises(InvalidInputError, match="active mass must be positive"):
        read_cycler(path, -1)


def test_millivolts_in_a_volt_column_are_caught(tmp_path):
    t, v, i = three_cycles()
    path = write_plain_csv(tmp_path / "mv.csv", t, v * 1000, i)
    with pytest.raises(DataFileError, match="is the voltage column in mV"):
        read_cycler(path, MASS_MG)


def test_missing_and_ambiguous_columns_name_what_is_accepted(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"time_s": [0, 1], "voltage_V": [1, 1], "I": [1, 1]}).to_csv(path, index=False)
    with pytest.raises(DataFileError, match="lacks a current column.*current_mA, current_A"):
        read_cycler(path, MASS_MG)
    pd.DataFrame({"time_s": [0, 1], "voltage_V": [1, 1], "current_mA": [1, 1],
                  "current_A": [1, 1]}).to_csv(path, index=False)
    with pytest.raises(DataFileError, match="more than one of a current column"):
        read_cycler(path, MASS_MG)


def test_arbin_export_without_its_current_column_is_named(tmp_path):
    path = tmp_path / "arbin.csv"
    pd.DataFrame({"Test_Time(s)": [0, 1], "Voltage(V)": [1, 1]}).to_csv(path, index=False)
    with pytest.raises(DataFileError, match=r"Arbin CSV file lacks \['Current\(A\)'\]"):
        read_cycler(path, MASS_MG)


@pytest.mark.parametrize("name, content, words", [
    ("junk.mpr", b"not a biologic file", ["not a readable BioLogic .mpr"]),
    ("junk.nda", b"NOTNEWARE", ["not a readable Neware file"]),
    ("junk.mpt", b"hello\r\n", ["not a readable BioLogic .mpt"]),
    ("run.xyz", b"1,2,3", ["unknown suffix '.xyz'", ".mpr", ".nda"]),
])
def test_unreadable_files_are_named(tmp_path, name, content, words):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(DataFileError) as error:
        read_cycler(tmp_path / name, MASS_MG)
    assert all(word in str(error.value) for word in words)


def test_a_missing_file_and_an_unknown_format_are_refused(tmp_path):
    with pytest.raises(DataFileError, match="no cycler file at"):
        read_cycler(tmp_path / "absent.mpr", MASS_MG)
    path = write_plain_csv(tmp_path / "run.csv", *three_cycles())
    with pytest.raises(DataFileError, match="unknown file format 'maccor'; valid: biologic_mpr"):
        read_cycler(path, MASS_MG, file_format="maccor")


def test_a_file_at_rest_throughout_has_no_steps(tmp_path):
    path = write_plain_csv(tmp_path / "rest.csv", [0, 1, 2], [3.0, 3.0, 3.0], [0, 0, 0])
    with pytest.raises(DataFileError, match="no current step"):
        read_cycler(path, MASS_MG)
