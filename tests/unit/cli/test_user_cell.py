"""``--cell PATH.toml`` and ``new material``/``new cell`` from the command line."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest

from kion_sim.cli import main
from kion_sim.parameters import load_cell, load_material
from kion_sim.parameters.catalog import parameter_sets_dir


def _source(kind: str, name: str) -> dict:
    return tomllib.loads((parameter_sets_dir() / kind / f"{name}.toml").read_text())


def test_simulate_a_user_cell_file(tmp_path):
    cell = tmp_path / "my_cell.toml"
    cell.write_text((parameter_sets_dir() / "cells" / "soft_carbon_half_cell.toml").read_text())
    out = tmp_path / "out"
    assert main(["simulate", "--cell", str(cell), "--protocol",
                 "Discharge at 100 mA/g until 0.01 V", "--model", "SPM", "--out", str(out)]) == 0
    cycles = pd.read_csv(out / "cycles.csv")
    assert len(cycles) == 1 and cycles["discharge_capacity_mAh_g"].iloc[0] > 0


def test_a_missing_cell_file_is_one_error_line(tmp_path, capsys):
    assert main(["simulate", "--cell", str(tmp_path / "none.toml"), "--out",
                 str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert "none.toml does not exist" in error and "soft_carbon_half_cell" in error
    assert not (tmp_path / "out").exists()


def test_new_material_loads_back_with_every_value_to_replace(tmp_path, capsys):
    assert main(["new", "material", "my_carbon", "--from", "soft_carbon_900C",
                 "--out", str(tmp_path)]) == 0
    path = tmp_path / "my_carbon.toml"
    written, source = tomllib.loads(path.read_text()), _source("materials", "soft_carbon_900C")
    assert written["component"]["name"] == "my_carbon"
    assert set(written["values"]) == set(source["values"])
    for key, entry in source["values"].items():
        assert written["values"][key]["value"] == entry["value"]
        assert written["values"][key]["provenance"] == "estimate"
    text = path.read_text()
    assert text.count("# replace: ") == len(source["values"])
    assert "# replace: g.cm-3, range 1.9 to 2.1, was estimate" in text
    material = load_material(str(path))  # the catalogue's own checks pass
    assert material.name == "my_carbon" and len(material.tables["ocp"].x) > 1
    assert main(["new", "material", "my_carbon", "--from", "soft_carbon_900C",
                 "--out", str(tmp_path)]) == 2  # never overwrites
    assert "exists" in capsys.readouterr().err
    assert path.read_text() == text


def test_new_cell_loads_back(tmp_path):
    assert main(["new", "cell", "my_cell", "--from", "soft_carbon_half_cell",
                 "--out", str(tmp_path)]) == 0
    cell = load_cell(str(tmp_path / "my_cell.toml"))
    source = _source("cells", "soft_carbon_half_cell")
    assert cell.name == "my_cell" and cell.references == source["uses"]
    assert {q.provenance for q in cell.quantities.values()} == {"estimate"}


@pytest.mark.parametrize("name", ["1bad", "a/b", "x.toml"])
def test_new_refuses_a_bad_name(tmp_path, name):
    assert main(["new", "material", name, "--from", "soft_carbon_900C",
                 "--out", str(tmp_path)]) == 2
    assert not list(Path(tmp_path).iterdir())


def test_params_of_a_user_file(tmp_path, capsys):
    assert main(["new", "cell", "my_cell", "--from", "soft_carbon_half_cell",
                 "--out", str(tmp_path)]) == 0
    assert main(["params", str(tmp_path / "my_cell.toml")]) == 0
    assert "soft_carbon_900C" in capsys.readouterr().out
