"""The store of brute-force runs (tests/reference_runs): its key moves with whatever fixes a
run's numbers, and a run whose key does not match is solved again, never read."""

import json

import pandas as pd
import pytest

from kion_sim.parameters import build_cell_parameters, cell_parameters
from kion_sim.protocols.experiment import galvanostatic_cycles

from .. import reference_runs
from ..reference_runs import _digest, brute_force_summary, key_parts, source_digests

CELL = "soft_carbon_half_cell"


def _key(cell, current=100.0, cycles=500, model="SPM"):
    return _digest(key_parts(cell, galvanostatic_cycles(cell, current, 1), cycles, model))


def test_the_key_moves_with_a_value_the_model_the_protocol_and_the_length():
    cell = cell_parameters(CELL)
    key = _key(cell)
    assert _key(cell) == key  # the same run, the same key
    diffusivity = cell.values["Positive particle diffusivity [m2.s-1]"].reference_m2_s
    changed = build_cell_parameters(
        CELL, {cell.carbon.material.name: {"diffusivity [m2.s-1]": diffusivity * 1.01}})
    assert _key(changed) != key
    assert _key(cell_parameters(CELL, "carbon_film_resistance")) != key
    assert len({_key(cell, model="SPMe"), _key(cell, current=200.0), _key(cell, cycles=499),
                key}) == 4


def test_the_key_holds_the_per_cycle_solve_s_source():
    files = source_digests()
    for solving in ("kion_sim/simulation/fade.py", "kion_sim/simulation/runner.py",
                    "kion_sim/models/builder.py", "kion_sim/parameters/functions.py",
                    "kion_sim/analysis/cycles.py", "tests/reference_runs/__init__.py"):
        assert solving in files
    assert "kion_sim/cli/__init__.py" not in files  # only what the solve imports


def test_a_run_stored_under_another_key_is_solved_again(tmp_path, monkeypatch):
    monkeypatch.setattr(reference_runs, "STORE", tmp_path)
    monkeypatch.setenv(reference_runs.WRITE, "1")
    cell = cell_parameters(CELL)
    solved = brute_force_summary(cell, 500, 2)  # none stored: solved, and written when asked
    (path,) = tmp_path.iterdir()
    stored = json.loads(path.read_text())
    pd.testing.assert_frame_equal(pd.DataFrame(stored["summary"]), solved)
    # A stored run that no longer matches its key is never read, whatever it holds; solved
    # again, it is not written unless asked.
    stored["summary"]["charge_capacity_mAh_g"] = [0.0, 0.0]
    stored["key"], stored["parts"]["parameter values"] = "another", "other"
    path.write_text(json.dumps(stored))
    monkeypatch.delenv(reference_runs.WRITE)
    with pytest.warns(UserWarning, match="parameter values"):
        again = brute_force_summary(cell, 500, 2)
    pd.testing.assert_frame_equal(again, solved)
    assert json.loads(path.read_text())["key"] == "another"
    # One that matches is read as stored.
    stored["key"] = _digest(key_parts(cell, galvanostatic_cycles(cell, 500, 1), 2, "SPM"))
    path.write_text(json.dumps(stored))
    assert brute_force_summary(cell, 500, 2)["charge_capacity_mAh_g"].tolist() == [0.0, 0.0]
