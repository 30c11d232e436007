"""How the fast fade path's jump settings trade solved cycles against error, against one brute
force, each run in a fresh process.

    python benchmarks/fast_fade_jumps.py [--model DFN] [--cycles 500]
        [--settings 1/6,3,3,0.1,one 1/6,3,3,0.1,two ...]

Each setting is ``longest jump as a share of the run, first jump, growth per good jump,
tolerance %, landings`` (``kion_sim.simulation.fade``'s ``_ONE_CYCLE_MAX_JUMP_SHARE`` or
``_MAX_JUMP_SHARE``, ``_FIRST_JUMP``, ``_MAX_GROWTH``, the tolerance, and "one" or "two"
solved cycles a landing: ``ONE_CYCLE_LANDINGS``). The soft carbon half cell at 500 mA/g;
the brute force is ``fade_run(..., exact=True)``, run once. Prints, per setting: seconds,
cycles solved (every solve) and kept, the retention's error against the brute force (points
of cycle 2's charge capacity, at the last cycle and the largest) and the run's reported bound;
writes ``fast_fade_jumps.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

from kion_sim.output import staged_files

_CHILD = """
import json, sys, time
import kion_sim
import kion_sim.simulation.fade as fade
from kion_sim.analysis import capacity_retention
model, cycles, exact = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "exact"
share, first, growth, tolerance, landings = sys.argv[4:9]
fade._MAX_JUMP_SHARE = fade._ONE_CYCLE_MAX_JUMP_SHARE = float(share)
fade._FIRST_JUMP, fade.ONE_CYCLE_LANDINGS = int(first), landings == "one"
fade._MAX_GROWTH = float(growth)
cell = kion_sim.cell_parameters("soft_carbon_half_cell")
start = time.perf_counter()
run = fade.fade_run(cell, 500, cycles, model=model, exact=exact,
                    tolerance_pct=float(tolerance))
print(json.dumps({"seconds": time.perf_counter() - start, "solved": run.cycles_solved,
                  "kept": run.simulated_cycles,
                  "bound": run.error_estimate_pct,
                  "retention": capacity_retention(run.summary, 2, "charge").tolist()}))
"""

DEFAULT_SETTINGS = ["1/6,3,3,0.1,one", "1/4,3,3,0.1,one", "1/3,3,3,0.1,one",
                    "1/6,3,3,0.2,one", "1/6,3,3,0.1,two", "1/3,3,3,0.1,two"]


def _run(model: str, cycles: int, exact: bool, setting: str) -> dict:
    share, first, growth, tolerance, landings = setting.split(",")
    if landings not in ("one", "two"):
        raise SystemExit(f"a setting's landings are 'one' or 'two', got {landings!r}")
    arguments = [model, str(cycles), "exact" if exact else "fast",
                 str(float(Fraction(share))), first, growth, tolerance, landings]
    output = subprocess.run([sys.executable, "-c", _CHILD, *arguments], capture_output=True,
                            text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="DFN")
    parser.add_argument("--cycles", type=int, default=500)
    parser.add_argument("--settings", nargs="+", default=DEFAULT_SETTINGS)
    args = parser.parse_args()
    brute = _run(args.model, args.cycles, True, DEFAULT_SETTINGS[0])
    print(f"brute force: {brute['seconds']:.2f} s", flush=True)
    rows = []
    for setting in args.settings:
        fast = _run(args.model, args.cycles, False, setting)
        error = [f - b for f, b in zip(fast["retention"], brute["retention"], strict=True)]
        rows.append({"setting": setting, "seconds": round(fast["seconds"], 2),
                     "solved": fast["solved"], "kept": fast["kept"],
                     "speed_up": round(brute["seconds"] / fast["seconds"], 1),
                     "error_last": round(error[-1], 2),
                     "error_largest": round(max(map(abs, error)), 2),
                     "bound": round(fast["bound"], 2)})
        print("  ".join(f"{k} {v}" for k, v in rows[-1].items()), flush=True)
    results = Path(__file__).parent / "results"
    report = {"model": args.model, "cycles": args.cycles,
              "brute_seconds": round(brute["seconds"], 2), "runs": rows}
    with staged_files(results) as files:
        files.text(json.dumps(report, indent=1) + "\n", "fast_fade_jumps.json")


if __name__ == "__main__":
    main()
