"""Malformed command lines through the real ``kion-sim`` entry point, each in a subprocess.

Every one must exit non-zero with exactly one ``kion-sim: error: ...`` line on stderr, no
traceback, and no file left behind (issue 10). Cases are built from a table of flags and bad
values; a fixed sample of 10 runs in subprocesses (two at a time, ~12 s: each process pays
~1.7 s of imports), and the whole table (~90 lines) runs through ``main`` in this process.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

_BAD_NUMBERS = ["-1", "0", "nan", "inf", "-inf", "1e400", "", "abc", "1,5", "2.5.1"]
_BAD_WHOLE = ["-1", "0", "2.5", "nan", "", "two", "1e400"]
_SUBPROCESS_CASES = 10
_BAD_NAMES = ["nope", "", "../full_cell", "SPM SPMe", "🔋"]


def _entry_point() -> list[str]:
    script = Path(sys.executable).parent / "kion-sim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kion_sim.cli"]


def _cases(workspace: Path) -> list[list[str]]:
    """Every (flag, bad value) pair of the table, plus command lines malformed as a whole."""
    sweep = workspace / "inputs" / "s.toml"
    blocker = workspace / "inputs" / "a_file"
    unwritable = [str(blocker / "out"), "/proc/kion_sim_no"]
    per_flag = {
        ("simulate", "--cell"): _BAD_NAMES, ("simulate", "--model"): _BAD_NAMES,
        ("simulate", "--current"): _BAD_NUMBERS, ("simulate", "--cycles"): _BAD_WHOLE,
        ("simulate", "--out"): unwritable, ("simulate", "--mass-basis"): ["anode", "", "x"],
        ("simulate", "--protocol"): ["", "Discharge at 1e400 mA/g until 0.01 V",
                                     "Rest for 1e400 h", "Charge at 100 mA/g until 9 V",
                                     "(Rest for 1 s) x 0", "Discharge at nan mA/g until 1 V"],
        ("rate", "--currents"): ["", "100,nan", "-5", "inf", "a,b"],
        ("rate", "--cycles"): _BAD_WHOLE, ("rate", "--out"): unwritable,
        ("full-cell", "--cycles"): ["1", "0", "x"], ("full-cell", "--cathode-x"): ["nan", "-1"],
        ("full-cell", "--prepotassiation"): ["-1", "inf"], ("full-cell", "--out"): unwritable,
        ("table-s1", "--model"): _BAD_NAMES, ("params", "--width"): ["0", "x"],
        ("sweep", "--workers"): _BAD_WHOLE, ("sweep", "--scheduler"): ["nonsense",
                                                                       "tcp://127.0.0.1:1"],
        ("sweep", "--plot"): ["nonsense", ""], ("sweep", "--out"): unwritable,
        ("sweep", "--checkpoint"): [str(workspace / "inputs")],
        ("table-s1", "--samples"): ["1", "0", "x"], ("table-s1", "--seed"): ["-1", "x"],
        ("full-cell", "--samples"): ["1", "2.5"], ("sensitivity", "--base-samples"): ["3", "x"],
        ("sensitivity", "--figures"): ["nope", ""], ("sensitivity", "--parameters"): ["nope"],
        ("sensitivity", "--seed"): _BAD_WHOLE[:1], ("sensitivity", "--out"): unwritable,
    }
    cases = []
    for (command, flag), values in per_flag.items():
        head = {"sweep": [command, str(sweep)], "params": [command, "soft_carbon_900C"]}.get(
            command, [command])
        for value in values:  # "--flag=-1": argparse would read a separate "-1" as a flag
            cases.append([*head, f"{flag}={value}"] if value.startswith("-") else
                         [*head, flag, value])
    cases += [
        [], ["fly"], ["simulate", "--bogus"], ["params"], ["params", "unobtainium"],
        ["sweep", str(workspace / "missing.toml")], ["sweep", str(workspace / "inputs")],
        ["calibrate", "nope"], ["calibrate", "soft_carbon_half_cell", "--model", "x"],
        ["params", "soft_carbon_900C", "--csv", str(blocker / "t.csv")],
        ["audit"], ["audit", "nope"], ["audit", "../full_cell"], ["audit", "full_cell",
                                                                  "--workers", "0"],
    ]
    return cases


def _workspace(tmp_path: Path) -> Path:
    (tmp_path / "inputs").mkdir()
    (tmp_path / "cwd").mkdir()
    (tmp_path / "inputs" / "a_file").write_text("x")
    (tmp_path / "inputs" / "s.toml").write_text(
        'cell = "soft_carbon_half_cell"\nmodel = "SPM"\n[grid]\ncycles = [2]\n')
    return tmp_path


def _problem(command, code: int, stderr: str) -> str | None:
    lines = stderr.strip().splitlines()
    if code == 0 or "Traceback" in stderr or len(lines) != 1 \
            or not lines[0].startswith("kion-sim: error: "):
        return f"{command}: exit {code}, stderr {stderr!r}"
    return None


def _nothing_written(workspace: Path) -> None:
    left = sorted(str(p.relative_to(workspace)) for p in workspace.rglob("*") if p.is_file())
    assert left == ["inputs/a_file", "inputs/s.toml"]  # nothing written, nothing half-written
    assert list((workspace / "cwd").iterdir()) == []


def _run(command: list[str], workspace: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*_entry_point(), *command], cwd=workspace / "cwd",
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})


@pytest.mark.slow
def test_malformed_command_lines_fail_cleanly_through_the_real_entry_point(tmp_path):
    workspace = _workspace(tmp_path)
    cases = _cases(workspace)
    # Each process costs ~2 s of imports: a fixed sample keeps the run bounded and repeatable.
    sample = random.Random(10).sample(cases, _SUBPROCESS_CASES)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda c: _run(c, workspace), sample))
    problems = [_problem(c, r.returncode, r.stderr) for c, r in zip(sample, results, strict=True)]
    assert not any(problems), "\n".join(p for p in problems if p)
    _nothing_written(workspace)


def test_every_malformed_command_line_fails_cleanly_in_process(tmp_path, capsys, monkeypatch):
    """The whole table through ``main`` (what the entry point calls), without process costs."""
    from kion_sim.cli import main

    workspace = _workspace(tmp_path)
    monkeypatch.chdir(workspace / "cwd")
    cases = _cases(workspace)
    assert len(cases) > 80
    problems = []
    for command in cases:
        code = main(command)
        problems.append(_problem(command, code, capsys.readouterr().err))
    assert not any(problems), "\n".join(p for p in problems if p)
    _nothing_written(workspace)
