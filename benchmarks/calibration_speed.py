"""Cold-start calibration of the 900 C carbon: the staged fit against the least-squares fit
it replaced, side by side, each in a fresh process.

    python benchmarks/calibration_speed.py [--json] [--mechanism M] [--dfn] [--workers 2]
        [--baseline-source DIR]

Both start from the parameter files' estimates (not from the stored fit) and fit the same three
values to the same three Table S1 targets on the SPM. The least-squares fit runs on today's fast
fade path, so the ratio is the fit's own. ``--baseline-source`` also times the calibration as it
was before the staged fit and the two-cycle jumps, from a checkout of that code (e.g.
``git worktree add /tmp/kion_before c7f5fb4``), in a fresh process with its own sources and
parameter files. ``--dfn`` adds a staged cold start on the DFN. Prints a table, or with
``--json`` one JSON object: old and new seconds, their ratio, both optima, and whether they
agree within the fit's own 1-sigma uncertainty.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path

_CHILD = """
import json, sys, time
from kion_sim.validation.calibrate import calibrate
cell, mechanism, model, strategy, workers = sys.argv[1:6]
start = time.perf_counter()
result = calibrate(cell, model=model, mechanism=mechanism, strategy=strategy,
                   workers=int(workers))
print(json.dumps({"seconds": time.perf_counter() - start, "fitted": result.fitted,
                  "uncertainty_factor": result.uncertainty_factor,
                  "evaluations": result.evaluations, "message": str(result.message),
                  "worst_error_pct": float(result.residuals["error_pct"].abs().max())}))
"""

# The calibration before the staged fit: no strategy or workers to choose.
_BASELINE_CHILD = """
import json, sys, time
from kion_sim.validation.calibrate import calibrate
start = time.perf_counter()
result = calibrate(sys.argv[1], model="SPM", mechanism=sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - start, "fitted": result.fitted,
                  "uncertainty_factor": result.uncertainty_factor,
                  "evaluations": result.evaluations}))
"""

CELL = "soft_carbon_half_cell"


def _calibrate(mechanism: str, model: str, strategy: str, workers: int) -> dict:
    output = subprocess.run([sys.executable, "-c", _CHILD, CELL, mechanism, model, strategy,
                             str(workers)], capture_output=True, text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def _baseline(source: str, mechanism: str) -> dict:
    source_dir = Path(source).resolve()
    environment = {**os.environ, "PYTHONPATH": str(source_dir),
                   "KION_SIM_PARAMETER_SETS": str(source_dir / "parameter_sets")}
    output = subprocess.run([sys.executable, "-c", _BASELINE_CHILD, CELL, mechanism],
                            capture_output=True, text=True, check=True, env=environment,
                            cwd=source_dir)
    return json.loads(output.stdout.strip().splitlines()[-1])


def agreement(old: dict, new: dict) -> dict[str, dict]:
    """Per value: the optima's ratio in units of the old fit's 1-sigma (log10) uncertainty."""
    report = {}
    for key, value in old["fitted"].items():
        sigma = math.log10(old["uncertainty_factor"][key])
        apart = abs(math.log10(new["fitted"][key] / value))
        report[key] = {"old": value, "new": new["fitted"][key],
                       "apart_in_sigma": apart / sigma if sigma > 0 else math.inf}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mechanism", default="sei_site_blocking")
    parser.add_argument("--workers", type=int, default=2, help="processes of the staged fit")
    parser.add_argument("--dfn", action="store_true", help="also a staged cold start, DFN")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--baseline-source", metavar="DIR",
                        help="a checkout of the code before the staged fit, to time too")
    args = parser.parse_args()
    old = _calibrate(args.mechanism, "SPM", "least-squares", 1)
    new = _calibrate(args.mechanism, "SPM", "staged", args.workers)
    optima = agreement(old, new)
    report = {"cell": CELL, "mechanism": args.mechanism, "model": "SPM",
              "old_method": "least-squares (scipy trust region, 1 process)",
              "new_method": f"staged ({args.workers} processes)",
              "old_seconds": round(old["seconds"], 1), "new_seconds": round(new["seconds"], 1),
              "ratio": round(old["seconds"] / new["seconds"], 2),
              "old_optimum": old["fitted"], "new_optimum": new["fitted"],
              "same_optimum_within_1_sigma": all(v["apart_in_sigma"] <= 1 for v in
                                                 optima.values()),
              "optimum_apart_in_sigma": {k: round(v["apart_in_sigma"], 3)
                                         for k, v in optima.items()},
              "old_evaluations": old["evaluations"], "new_evaluations": new["evaluations"],
              "new_message": new["message"]}
    if args.baseline_source:
        baseline = _baseline(args.baseline_source, args.mechanism)
        report.update(baseline_seconds=round(baseline["seconds"], 1),
                      baseline_ratio=round(baseline["seconds"] / new["seconds"], 2),
                      baseline_optimum=baseline["fitted"],
                      baseline_optimum_apart_in_sigma={
                          k: round(v["apart_in_sigma"], 3)
                          for k, v in agreement(baseline, new).items()},
                      baseline_evaluations=baseline["evaluations"])
    if args.dfn:
        dfn = _calibrate(args.mechanism, "DFN", "staged", args.workers)
        report.update(dfn_seconds=round(dfn["seconds"], 1), dfn_optimum=dfn["fitted"],
                      dfn_worst_error_pct=dfn["worst_error_pct"], dfn_message=dfn["message"])
    if args.json:
        print(json.dumps(report))
        return
    print(f"cold-start calibration of {CELL} ({args.mechanism}, SPM)")
    print(f"least-squares: {old['seconds']:7.1f} s, {old['evaluations']} evaluations")
    print(f"staged:        {new['seconds']:7.1f} s, {new['evaluations']} evaluations "
          f"({new['message']})")
    print(f"speed-up: x{report['ratio']:.2f}")
    for key, value in optima.items():
        print(f"  {key}: {value['old']:.4g} vs {value['new']:.4g} "
              f"({value['apart_in_sigma']:.2f} sigma apart)")
    if args.baseline_source:
        print(f"before the staged fit ({args.baseline_source}): {report['baseline_seconds']} s, "
              f"x{report['baseline_ratio']:.2f} the staged fit's time")
    if args.dfn:
        print(f"staged, DFN:   {report['dfn_seconds']:7.1f} s ({report['dfn_message']})")


if __name__ == "__main__":
    main()
