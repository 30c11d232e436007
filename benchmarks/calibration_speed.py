"""Cold-start calibration of the 900 C carbon: the staged fit against the least-squares fit
it replaced, side by side, each in a fresh process.

    python benchmarks/calibration_speed.py [--json] [--mechanism M] [--dfn] [--workers 2]
        [--baseline-source DIR]
    python benchmarks/calibration_speed.py --model-cache [--repeats 2] [--json] ...

Both start from the parameter files' estimates (not from the stored fit) and fit the same three
values to the same Table S1 targets (the 900 C carbon's four figures) on the SPM. The
least-squares fit runs on today's fast fade path, so the ratio is the fit's own.
``--baseline-source`` also times the calibration as it was before the staged fit and the
two-cycle jumps, from a checkout of that code (e.g.
``git worktree add /tmp/kion_before c7f5fb4``), in a fresh process with its own sources and
parameter files. ``--dfn`` adds a staged cold start on the DFN. Prints a table, or with
``--json`` one JSON object: old and new seconds, their ratio, both optima, and whether they
agree within the fit's own 1-sigma uncertainty (and within 0.1 sigma); writes it to
``benchmarks/results/calibration_speed.json``.

``--model-cache`` instead times the staged fit with its workers' built models reused and not
(``KION_SIM_MODEL_CACHE=off``: every run built afresh), each in a fresh process, off and on
interleaved ``--repeats`` times, and writes ``benchmarks/results/calibration_cache.json``:
seconds, their ratio, the optima's distance in sigma, and how many runs reused a model.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path

from kion_sim.output import staged_files
from kion_sim.validation.calibrate import cell_mechanism

_CHILD = """
import json, sys, time
from kion_sim.validation.calibrate import calibrate, calibration_plan
cell, mechanism, model, strategy, workers = sys.argv[1:6]
start = time.perf_counter()
result = calibrate(cell, model=model, mechanism=mechanism, strategy=strategy,
                   workers=int(workers))
seconds = time.perf_counter() - start
# The cost both fits minimise, at the optimum each reached: which one got lower.
_, targets, _ = calibration_plan(cell, mechanism)
simulated = dict(zip(result.residuals["target"], result.residuals["simulated"]))
chi_square = sum(((simulated[t.label] - t.measured) / t.sigma) ** 2 for t in targets)
# How far the least-squares minimum still lies, per value in its own 1-sigma, as the fit's
# Jacobian sees it (the Gauss-Newton step left): the distance to "the optimum" itself, where
# two fits' optima differ also by each one's own remainder.
import numpy as np
r = np.array([(simulated[t.label] - t.measured) / t.sigma for t in targets])
jacobian = result.sensitivity.loc[[t.label for t in targets]].to_numpy()
step = np.linalg.lstsq(jacobian, -r, rcond=None)[0]
sigma = np.sqrt(np.diag(np.linalg.inv(jacobian.T @ jacobian)))
to_minimum = dict(zip(result.sensitivity.columns, (abs(step) / sigma).tolist()))
print(json.dumps({"seconds": seconds, "fitted": result.fitted, "chi_square": chi_square,
                  "to_minimum_in_sigma": to_minimum,
                  "uncertainty_factor": result.uncertainty_factor,
                  "evaluations": result.evaluations, "message": str(result.message),
                  "models": getattr(result, "models", None),
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


def _calibrate(mechanism: str, model: str, strategy: str, workers: int,
               reuse_models: bool = True) -> dict:
    environment = {**os.environ, "KION_SIM_MODEL_CACHE": "on" if reuse_models else "off"}
    output = subprocess.run([sys.executable, "-c", _CHILD, CELL, mechanism, model, strategy,
                             str(workers)], capture_output=True, text=True, check=True,
                            env=environment)
    return json.loads(output.stdout.strip().splitlines()[-1])


def _model_cache_report(mechanism: str, model: str, workers: int, repeats: int) -> dict:
    """The staged fit without and with reused models, interleaved, each in a fresh process."""
    runs = {"off": [], "on": []}
    for _ in range(repeats):
        for setting in ("off", "on"):
            runs[setting].append(_calibrate(mechanism, model, "staged", workers,
                                            setting == "on"))
            print(f"reuse {setting}: {json.dumps(runs[setting][-1])}", file=sys.stderr,
                  flush=True)  # each run as it ends: a long benchmark keeps what it measured
    off, on = (min(runs[s], key=lambda r: r["seconds"]) for s in ("off", "on"))
    optima = agreement(off, on)
    reused = [r["models"] for r in runs["on"]]
    return {"cell": CELL, "mechanism": mechanism, "model": model, "workers": workers,
            "conditions": f"2-core machine shared with other jobs (load {_load()})",
            "seconds_off": [round(r["seconds"], 1) for r in runs["off"]],
            "seconds_on": [round(r["seconds"], 1) for r in runs["on"]],
            "ratio_best": round(off["seconds"] / on["seconds"], 2),
            "ratio_per_pair": [round(a["seconds"] / b["seconds"], 2)
                               for a, b in zip(runs["off"], runs["on"], strict=True)],
            "models_on": reused,
            "hit_rate_on": [round(m["reused"] / max(1, m["reused"] + m["built"]), 3)
                            for m in reused],
            "optimum_off": off["fitted"], "optimum_on": on["fitted"],
            "optimum_apart_in_sigma": {k: round(v["apart_in_sigma"], 4)
                                       for k, v in optima.items()},
            "same_optimum_within_0.1_sigma": all(v["apart_in_sigma"] <= 0.1
                                                 for v in optima.values()),
            "evaluations_off": off["evaluations"], "evaluations_on": on["evaluations"],
            "message_on": on["message"]}


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


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
    parser.add_argument("--mechanism", default=None,
                        help="the fade mechanism (default: the cell's own default)")
    parser.add_argument("--workers", type=int, default=2, help="processes of the staged fit")
    parser.add_argument("--dfn", action="store_true", help="also a staged cold start, DFN")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--baseline-source", metavar="DIR",
                        help="a checkout of the code before the staged fit, to time too")
    parser.add_argument("--model-cache", action="store_true",
                        help="time the staged fit with reused models off and on instead")
    parser.add_argument("--repeats", type=int, default=2, help="pairs of --model-cache runs")
    args = parser.parse_args()
    args.mechanism = cell_mechanism(CELL, args.mechanism)
    if args.model_cache:
        report = _model_cache_report(args.mechanism, "DFN" if args.dfn else "SPM",
                                     args.workers, args.repeats)
        results = Path(__file__).parent / "results" / "calibration_cache.json"
        with staged_files(results.parent) as files:
            files.text(json.dumps(report, indent=1) + "\n", results.name)
        print(json.dumps(report) if args.json else "\n".join(
            f"{key}: {value}" for key, value in report.items()))
        return
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
              "same_optimum_within_0.1_sigma": all(v["apart_in_sigma"] <= 0.1 for v in
                                                   optima.values()),
              "conditions": f"2-core machine (load {_load()} at the end)",
              "optimum_apart_in_sigma": {k: round(v["apart_in_sigma"], 3)
                                         for k, v in optima.items()},
              "old_chi_square": round(old["chi_square"], 3),
              "new_chi_square": round(new["chi_square"], 3),
              "old_to_minimum_in_sigma": {k: round(v, 3) for k, v in
                                          old["to_minimum_in_sigma"].items()},
              "new_to_minimum_in_sigma": {k: round(v, 3) for k, v in
                                          new["to_minimum_in_sigma"].items()},
              "new_at_the_minimum_within_0.1_sigma": all(
                  v <= 0.1 for v in new["to_minimum_in_sigma"].values()),
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
    results = Path(__file__).parent / "results" / "calibration_speed.json"
    with staged_files(results.parent) as files:
        files.text(json.dumps(report, indent=1) + "\n", results.name)
    if args.json:
        print(json.dumps(report))
        return
    print(f"cold-start calibration of {CELL} ({args.mechanism}, SPM)")
    print(f"least-squares: {old['seconds']:7.1f} s, {old['evaluations']} evaluations")
    print(f"staged:        {new['seconds']:7.1f} s, {new['evaluations']} evaluations "
          f"({new['message']})")
    print(f"speed-up: x{report['ratio']:.2f}; chi-square at the optimum: least-squares "
          f"{report['old_chi_square']}, staged {report['new_chi_square']}")
    for key, value in optima.items():
        print(f"  {key}: {value['old']:.4g} vs {value['new']:.4g} "
              f"({value['apart_in_sigma']:.2f} sigma apart; the least-squares minimum "
              f"{old['to_minimum_in_sigma'][key]:.2f} and "
              f"{new['to_minimum_in_sigma'][key]:.2f} sigma away)")
    if args.baseline_source:
        print(f"before the staged fit ({args.baseline_source}): {report['baseline_seconds']} s, "
              f"x{report['baseline_ratio']:.2f} the staged fit's time")
    if args.dfn:
        print(f"staged, DFN:   {report['dfn_seconds']:7.1f} s ({report['dfn_message']})")


if __name__ == "__main__":
    main()
