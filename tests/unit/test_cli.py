"""The command line: listing, provenance, bad input as clear errors with exit code 2."""

import json

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
