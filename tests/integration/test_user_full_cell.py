"""A user's full cell from ``kion-sim new cell NAME --from full_cell``, with the user's own
carbon: balanced, predicted, audited and its impedance computed, from Python and the CLI.

Reference values come from the TOML and CSV files (tomllib and numpy), never from kion_sim:
N/P = (anode loading x capacity x stoichiometry span over its window) / (the same for the
cathode), each window being the built-in half cell's or, for the user's own carbon, the
potential limits its file states.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from kion_sim.cli import main
from kion_sim.errors import InvalidInputError
from kion_sim.fullcell import balance, full_cell_design, predict_full_cell
from kion_sim.parameters.catalog import parameter_sets_dir

CAPACITY_KEY = "specific capacity at full stoichiometry [mAh.g-1]"


@pytest.fixture(scope="module")
def user_cell(tmp_path_factory) -> Path:
    """my_full.toml from the full cell's template, its anode the user's my_carbon."""
    folder = tmp_path_factory.mktemp("my_cells")
    assert main(["new", "material", "my_carbon", "--from", "soft_carbon_900C",
                 "--out", str(folder / "materials")]) == 0
    assert main(["new", "cell", "my_full", "--from", "full_cell", "--out", str(folder)]) == 0
    path = folder / "my_full.toml"
    text, count = re.subn(r'^anode = "soft_carbon_900C"', 'anode = "my_carbon"',
                          path.read_text(), flags=re.M)
    assert count == 1
    path.write_text(text)
    return path


def _span(csv: Path, low_V: float, high_V: float) -> float:
    sto, ocp = np.loadtxt(csv, delimiter=",", skiprows=1, unpack=True)
    at = lambda v: np.interp(v, ocp[::-1], sto[::-1])  # noqa: E731
    return float(at(low_V) - at(high_V))


def test_the_user_full_cell_balances_over_its_own_carbons_limits(user_cell):
    cell = tomllib.loads(user_cell.read_text())
    carbon = tomllib.loads((user_cell.parent / "materials" / "my_carbon.toml").read_text())
    oxide = tomllib.loads((parameter_sets_dir() / "materials" / "k0p6coo2.toml").read_text())
    oxide_cell = tomllib.loads((parameter_sets_dir() / "cells" / "k0p6coo2_half_cell.toml")
                               .read_text())["values"]
    data = parameter_sets_dir() / "data"
    limits = [carbon["values"][f"{side} potential limit [V]"]["value"]
              for side in ("lower", "upper")]
    anode = (cell["electrodes"]["anode"]["active mass loading [mg.cm-2]"]["value"]
             * carbon["values"][CAPACITY_KEY]["value"]
             * _span(data / carbon["tables"]["ocp"]["file"], *limits))
    window = [oxide_cell[f"default {side} voltage cut-off [V]"]["value"]
              for side in ("lower", "upper")]
    cathode = (cell["electrodes"]["cathode"]["active mass loading [mg.cm-2]"]["value"]
               * oxide["values"][CAPACITY_KEY]["value"]
               * _span(data / oxide["tables"]["ocp"]["file"], *window))
    assert balance(full_cell_design(name=str(user_cell))).n_to_p == pytest.approx(
        anode / cathode, rel=1e-3)


def test_the_user_full_cell_predicts_inside_its_electrodes_limits(user_cell):
    prediction = predict_full_cell(full_cell_design(name=str(user_cell)), model="SPM",
                                   rates_mA_g=(), fade_cycles=2)
    summary = prediction.summary
    assert 0 < summary["first_cycle_efficiency_pct"] < 100  # trap sites and SEI keep some K
    assert summary["anode_min_potential_V"] >= -1e-3  # no K plating on the user's carbon
    assert summary["cathode_max_potential_V"] <= 3.9 + 1e-3
    assert summary["limit_warnings"] == []


def test_full_cell_audit_and_eis_run_on_the_user_file_from_the_cli(user_cell, tmp_path,
                                                                   capsys):
    assert main(["full-cell", "--cell", str(user_cell), "--cycles", "2", "--model", "SPM",
                 "--json", "--out", str(tmp_path / "full")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["n_to_p"] > 0 and (tmp_path / "full").is_dir()
    assert main(["audit", str(user_cell), "--no-sensitivity", "--json"]) == 0
    audit = json.loads(capsys.readouterr().out)
    assert audit  # the ledger, windows and end states of the user's cell
    assert main(["eis", str(user_cell), "--after-cycles", "0", "--out",
                 str(tmp_path / "eis")]) == 0
    assert (tmp_path / "eis" / "nyquist.png").is_file()


def test_a_material_with_no_window_is_refused_with_what_to_add(user_cell, tmp_path):
    carbon = (user_cell.parent / "materials" / "my_carbon.toml").read_text()
    stripped = "\n".join(line for line in carbon.splitlines()
                         if "potential limit [V]" not in line)
    (tmp_path / "materials").mkdir()
    (tmp_path / "materials" / "my_carbon.toml").write_text(stripped)
    (tmp_path / "my_full.toml").write_text(user_cell.read_text())
    with pytest.raises(InvalidInputError, match=r"no built-in half cell of 'my_carbon'.*states "
                                                r"no 'lower potential limit \[V\]'.*under "
                                                r"\[values\]"):
        balance(full_cell_design(name=str(tmp_path / "my_full.toml")))


def test_uncertainty_on_a_user_full_cell_is_refused_before_anything_runs(user_cell, tmp_path,
                                                                         capsys):
    assert main(["full-cell", "--cell", str(user_cell), "--uncertainty",
                 "--out", str(tmp_path / "u")]) == 2
    assert "samples the estimates and fits of the built-in full_cell only" in \
        capsys.readouterr().err
