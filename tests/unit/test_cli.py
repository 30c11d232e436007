"""The command line: listing, provenance, bad input as clear errors with exit code 2."""

import json
import re

import pytest

from kion_sim.cli import main


def test_list_names_cells_materials_and_models(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("soft_carbon_half_cell", "k0p6coo2_half_cell", "full_cell", "DFN"):
        assert name in out


def test_params_prints_every_value_with_its_provenance(capsys):
    assert main(["params", "soft_carbon_900C"]) == 0
    out = capsys.readouterr().out
    assert "diffusivity [m2.s-1]" in out and "provenance" in out


@pytest.mark.parametrize("argv, words", [
    (["simulate", "--cell", "nope"], ["unknown cell 'nope'", "soft_carbon_half_cell"]),
    (["simulate", "--model", "P2D-ish"], ["unknown model", "SPMe"]),
    (["simulate", "--current", "0"], ["--current", "must be positive"]),
    (["simulate", "--protocol", "Dance at 1 mA/g"], ["cannot read protocol step", "Discharge"]),
    (["simulate", "--protocol", "Discharge at 100 mA/g until 3.5 V"], ["3.5 V", "valid voltages"]),
    (["params", "unobtainium"], ["unknown cell or material"]),
])
def test_bad_input_exits_2_and_names_the_problem(argv, words, capsys, tmp_path):
    assert main([*argv, *(["--out", str(tmp_path)] if argv[0] == "simulate" else [])]) == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err


def test_simulate_writes_whole_tables_and_figures(tmp_path, capsys):
    assert main(["simulate", "--model", "SPM", "--cycles", "1", "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["cycles.csv", "cycles.png", "steps.csv", "timeseries.csv",
                     "voltage_curves.csv", "voltage_curves.png"]  # no temporary files left


def test_table_s1_json_has_the_agreed_keys(monkeypatch, capsys):
    import pandas as pd

    from kion_sim.validation import JSON_KEYS
    from kion_sim.validation import table_s1 as module

    fake = pd.DataFrame([{k: None for k in JSON_KEYS} | {"material": "m", "role": "prediction",
                                                        "reported_retention_pct": float("nan")}])
    monkeypatch.setattr(module, "run_table_s1",
                        lambda **_: module.TableS1Result(fake, {}, 0.0), raising=True)
    import kion_sim.validation as validation

    monkeypatch.setattr(validation, "run_table_s1", module.run_table_s1)
    assert main(["table-s1", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert list(records[0]) == list(JSON_KEYS)
    assert records[0]["reported_retention_pct"] is None


def test_table_s1_prints_one_table_reported_beside_simulated(monkeypatch, capsys):
    import pandas as pd

    import kion_sim.validation as validation
    from kion_sim.validation import table_s1 as module

    rows = [dict(material="carbon A", source="this work", cell="c", window_V="0.01-1.5",
                 current_density_mA_g=100.0, cycles=100, reported_capacity_mAh_g=312.0,
                 simulated_capacity_mAh_g=311.3, capacity_error_pct=-0.2,
                 reported_retention_pct=80.0, simulated_retention_pct=83.2,
                 retention_error_points=3.2, role="calibration", mechanism="sei_site_blocking",
                 method="extrapolated", fast_path_error_estimate_pct=0.56, simulated_cycles=13),
            dict(material="carbon B", source="ref 23", cell="c", window_V="0.01-2",
                 current_density_mA_g=500.0, cycles=20, reported_capacity_mAh_g=210.0,
                 simulated_capacity_mAh_g=210.0, capacity_error_pct=-0.0,
                 reported_retention_pct=None, simulated_retention_pct=74.0,
                 retention_error_points=None, role="comparison", mechanism="sei_site_blocking",
                 method="extrapolated", fast_path_error_estimate_pct=1.66, simulated_cycles=9)]
    fake = module.TableS1Result(pd.DataFrame(rows), {}, 0.0)
    monkeypatch.setattr(validation, "run_table_s1", lambda **_: fake)
    assert main(["table-s1"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    assert "capacity" in header and "retention" in header and "role" in header  # one table
    assert "312 / 311.3 (-0.2)" in out and "80 / 83.2 (+3.2)" in out
    assert "210 / 210.0 (0.0)" in out and "-0 " not in out and "nan" not in out
    assert "- / 74.0" in out  # a retention not reported
    assert "0.56-1.66 %" in out
    assert max(len(line) for line in out.splitlines()) <= 100


# ---- Issue 10: failures as one line, nothing half-written, flags and tables consistent ----

def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _sweep_file(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('cell = "soft_carbon_half_cell"\nmodel = "SPM"\n[grid]\ncycles = [2]\n')
    return path


def test_sweep_plot_of_an_unknown_output_fails_before_anything_is_written(tmp_path, capsys):
    sweep = _sweep_file(tmp_path)
    out = tmp_path / "out"
    assert main(["sweep", str(sweep), "--plot", "nonsense", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--plot 'nonsense'" in err[0] and "retention_pct" in err[0]
    assert not out.exists()  # once the CSV was written before the figure failed


@pytest.mark.parametrize("argv, words", [
    (["full-cell", "--cycles", "1"], ["--cycles", "retention needs at least 2 cycles"]),
    (["simulate", "--cycles", "0"], ["--cycles", ">= 1"]),
    (["simulate", "--current", "nan"], ["--current", "not a finite number"]),
    (["simulate", "--current", "1e400"], ["--current", "not a finite number"]),
    (["rate", "--currents", "100,inf"], ["--currents", "comma-separated positive"]),
    (["sweep", "x.toml", "--workers", "-1"], ["--workers", ">= 1"]),
    (["simulate", "--protocol", "Discharge at 1e400 mA/g until 0.01 V"], ["not a finite"]),
    (["simulate", "--protocol", "Rest for 1e400 h"], ["not a finite"]),
    (["simulate", "--protocol",
      "Discharge at 100 mA/g until 0.01 V; Discharge at 100 mA/g until 0.5 V"],
     ["cannot start", "above its cut-off"]),
    (["simulate", "--protocol", ""], ["empty protocol"]),
])
def test_bad_input_is_one_line_naming_it_and_leaves_no_files(argv, words, tmp_path, capsys,
                                                             monkeypatch):
    monkeypatch.chdir(tmp_path)
    if argv[0] in ("simulate", "rate", "full-cell"):
        argv = [*argv, "--out", str(tmp_path / "out")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("kion-sim: error: ")
    for word in words:
        assert word in err[0]
    assert _files(tmp_path) == []


@pytest.mark.parametrize("command", [["simulate", "--cycles", "1"], ["rate"],
                                     ["full-cell", "--cycles", "2"]])
def test_an_unwritable_output_folder_is_refused_before_computing(command, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    assert main([*command, "--out", str(blocker / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write to output folder" in err[0]
    assert _files(tmp_path) == ["a_file"]


def test_params_csv_to_an_unwritable_path_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    assert main(["params", "soft_carbon_900C", "--csv", str(blocker / "t.csv")]) == 2
    assert "cannot write" in capsys.readouterr().err


def _installed_copy(tmp_path, monkeypatch):
    """The parameter sets as an installed wheel holds them (a folder named _parameter_sets)."""
    import shutil

    from kion_sim.parameters.catalog import PARAMETER_SETS_ENV, parameter_sets_dir

    copy = tmp_path / "site-packages" / "kion_sim" / "_parameter_sets"
    shutil.copytree(parameter_sets_dir(), copy)
    monkeypatch.setenv(PARAMETER_SETS_ENV, str(copy))
    return copy


@pytest.fixture
def fresh_catalog():
    import os

    from kion_sim.cli.validation import _forget_cached_parameters
    from kion_sim.parameters.catalog import PARAMETER_SETS_ENV

    saved = os.environ.get(PARAMETER_SETS_ENV)
    yield
    if saved is None:
        os.environ.pop(PARAMETER_SETS_ENV, None)
    else:
        os.environ[PARAMETER_SETS_ENV] = saved
    _forget_cached_parameters()


def _fake_fit(monkeypatch, value=2.5e-16):
    import pandas as pd

    import kion_sim.validation as validation
    from kion_sim.parameters.catalog import load_cell
    from kion_sim.validation import FitParameter, FitResult

    key = "diffusivity [m2.s-1]"
    result = FitResult(
        cell="soft_carbon_half_cell", parameters=[FitParameter("soft_carbon_900C", key, 1e-19,
                                                               1e-12)],
        initial={key: 1e-16}, fitted={key: value},
        residuals=pd.DataFrame({"target": ["capacity at 100 mA/g"], "residual": [0.1]}),
        sensitivity=pd.DataFrame({key: [1.0]}, index=["capacity at 100 mA/g"]),
        uncertainty_factor={key: 1.1}, success=True, evaluations=3, message="ok",
        mechanism=load_cell("soft_carbon_half_cell").degradation["mechanism"])
    monkeypatch.setattr(validation, "calibrate", lambda *a, **k: result)
    return key


def test_calibrate_write_refuses_an_installed_copy_before_fitting(tmp_path, monkeypatch, capsys,
                                                                 fresh_catalog):
    import kion_sim.validation as validation

    copy = _installed_copy(tmp_path, monkeypatch)
    before = (copy / "materials" / "soft_carbon_900C.toml").read_text()
    monkeypatch.setattr(validation, "calibrate", lambda *a, **k: pytest.fail("fitted anyway"))
    assert main(["calibrate", "soft_carbon_half_cell", "--write"]) == 2
    err = capsys.readouterr().err
    assert "installed copy" in err and "--write-to" in err
    assert (copy / "materials" / "soft_carbon_900C.toml").read_text() == before


def test_calibrate_write_to_puts_the_fit_in_the_chosen_folder_and_says_where(
        tmp_path, monkeypatch, capsys, fresh_catalog):
    from kion_sim.parameters import cell_parameters
    from kion_sim.parameters.catalog import load_material, parameter_sets_dir

    stored = parameter_sets_dir() / "calibrations" / "soft_carbon_half_cell.toml"
    source = stored.read_text()
    key = _fake_fit(monkeypatch, value=2.5e-16)
    target = tmp_path / "my_sets"
    assert main(["calibrate", "soft_carbon_half_cell", "--write-to", str(target)]) == 0
    out = capsys.readouterr().out
    assert str(target) in out and "KION_SIM_PARAMETER_SETS" in out
    written = (target / "calibrations" / "soft_carbon_half_cell.toml").read_text()
    assert "value = 2.5e-16" in written and 'provenance = "fitted"' in written
    # the sets in use before are untouched, and this process now simulates with the new value
    assert cell_parameters("soft_carbon_half_cell").carbon.material.value(key) == 2.5e-16
    assert load_material("soft_carbon_900C").path.parent.parent == target.resolve()
    import os

    os.environ.pop("KION_SIM_PARAMETER_SETS")
    from kion_sim.cli.validation import _forget_cached_parameters

    _forget_cached_parameters()
    assert stored.read_text() == source


def test_every_subcommand_spells_each_meaning_with_one_flag():
    """Output folder --out, JSON --json, model --model, cycles --cycles: same flag everywhere,
    and no other flag for those meanings."""
    from kion_sim.cli import build_parser

    parser = build_parser()
    subcommands = parser._subparsers._group_actions[0].choices
    meanings = {"out": "--out", "json": "--json", "model": "--model", "cycles": "--cycles"}
    for name, sub in subcommands.items():
        for action in sub._actions:
            if action.dest in meanings:
                assert action.option_strings == [meanings[action.dest]], (name, action.dest)
            for option in action.option_strings:
                assert option not in ("--output", "--outdir", "--folder", "--n-cycles",
                                      "--model-name", "--as-json"), (name, option)
        models = [a for a in sub._actions if a.dest == "model"]
        for action in models:
            assert action.type("dfn") == "DFN"  # one parser, case-insensitive


def test_printed_tables_fit_a_100_column_terminal(capsys):
    import pandas as pd

    from kion_sim.terminal import format_table

    assert main(["params", "soft_carbon_half_cell"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and max(map(len, lines)) <= 100
    wide = pd.DataFrame({f"a_rather_long_column_name_{i}_mAh_g": [1.23456789e3, 2.0]
                         for i in range(12)})
    text = format_table(wide)
    assert max(map(len, text.splitlines())) <= 100
    for i in range(12):  # nothing dropped: every column is still there, in some block
        assert re.search(rf"column_name_{i}\b", text)
