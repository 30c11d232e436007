"""The combined 5-95 % interval of the 500-cycle retention at 500 mA/g (issue 19, item 5), with
two seeds, with and without the mechanisms defined after the reveal; its coverage over the
leave-one-out folds. Writes ``benchmarks/results/combined_interval.json``::

    python benchmarks/combined_interval.py [--samples 64] [--seeds 0 1] [--pre-reveal]
        [--hold-estimates] [--recalibrate] [--workers 2] [--checkpoints DIR]

Each call adds its runs to the file (replacing one of the same settings).

One sample is one 500-cycle fast-path run (~5 s here, SPM); with ``--recalibrate`` each sample
first refits its mechanism's fitted values to the four figures with its estimates held
(``kion_sim.uncertainty.recalibration``): a few two-cycle runs, then some five trial points
of a 100- and a 500-cycle run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from kion_sim.output import staged_files
from kion_sim.uncertainty.mechanism_mixture import (
    MECHANISM_INPUT,
    combined_intervals,
    mechanism_at,
    mixture_spec,
)
from kion_sim.uncertainty.mechanism_weights import (
    load_loo_evidence,
    pseudo_bma_weights,
    select_evidence,
)
from kion_sim.uncertainty.report import Execution

FIGURES = ["blind_retention_pct", "blind_capacity_mAh_g"]
OUT = Path(__file__).parent / "results" / "combined_interval.json"


def _tag(samples: int, seed: int, post_reveal: bool, estimates: bool, recalibrate: bool) -> str:
    return (f"{'all' if post_reveal else 'pre_reveal'}_{'estimates' if estimates else 'held'}"
            f"{'_recalibrated' if recalibrate else ''}_seed{seed}_n{samples}")


def _settings(samples: int, seed: int, post_reveal: bool, estimates: bool,
              recalibrate: bool) -> dict:
    return {"mechanisms": "all, post-reveal ones flagged" if post_reveal else "pre-reveal only",
            "estimates": ("sampled, fits redone per sample" if recalibrate else "sampled")
            if estimates else "held at their values", "seed": seed, "samples": samples}


def _records(path: Path) -> list[dict]:
    """The samples a checkpoint holds (its first line is the sweep's fingerprint)."""
    return [json.loads(line) for line in path.read_text().splitlines()[1:] if line.strip()]


def _finished(samples: int, seed: int, post_reveal: bool, estimates: bool, checkpoints: Path,
              recalibrate: bool = False) -> dict:
    """The samples a run's checkpoint holds so far, summarised without running more: the
    first k of the design's draws (each draws its mechanism from the mixture), so their
    percentiles estimate the interval's, no more (``partial``)."""
    tag = _tag(samples, seed, post_reveal, estimates, recalibrate)
    records = _records(checkpoints / f"{tag}.jsonl")
    done = [r for r in records if r.get("error") is None]
    evidence = select_evidence(load_loo_evidence(), None, post_reveal)
    weights = pseudo_bma_weights(evidence)
    spec = mixture_spec(evidence, weights)
    drawn = Counter(mechanism_at(r["point"][MECHANISM_INPUT], spec)[0] for r in done)
    intervals = {}
    for figure in FIGURES:
        values = np.array([r["outputs"][figure] for r in done], dtype=float)
        values = values[np.isfinite(values)]
        p05, p50, p95 = np.percentile(values, [5, 50, 95]) if len(values) else [np.nan] * 3
        intervals[figure] = {"p05": float(p05), "p50": float(p50), "p95": float(p95),
                             "failed": len(records) - len(values)}
    return _settings(samples, seed, post_reveal, estimates, recalibrate) | {
        "partial": f"{len(records)} of {samples} samples finished ({len(records) - len(done)} "
                   f"failed); percentiles of the finished ones, not the run's interval",
        "seconds_per_sample_median": float(np.median([r["seconds"] for r in records])),
        "weights": weights, "samples_per_mechanism": dict(drawn),
        "intervals": intervals}


def _run(samples: int, seed: int, post_reveal: bool, estimates: bool, checkpoints: Path,
         recalibrate: bool = False, workers: int = 1) -> dict:
    tag = _tag(samples, seed, post_reveal, estimates, recalibrate)
    execution = Execution(workers=workers, checkpoint=str(checkpoints / f"{tag}.jsonl"),
                          show_progress=True)
    started = time.perf_counter()
    found = combined_intervals(FIGURES, samples, seed, post_reveal=post_reveal,
                               execution=execution, estimates=estimates,
                               recalibrate=recalibrate)
    seconds = time.perf_counter() - started
    table = found.result.intervals
    each = [r["seconds"] for r in _records(Path(execution.checkpoint))]
    return _settings(samples, seed, post_reveal, estimates, recalibrate) | {
        "seconds": round(seconds, 1), "workers": workers,
        "seconds_per_sample_median": round(float(np.median(each)), 1),
        "seconds_per_sample_range": [round(min(each), 1), round(max(each), 1)],
        "weights": found.weights, "samples_per_mechanism": found.mechanism_counts(),
        "intervals": {f: {k: float(table.loc[f, k]) for k in ("p05", "p50", "p95")}
                      | {"failed": int(table.loc[f, "failed"])} for f in FIGURES},
        "loo_coverage": [{"left_out": c.left_out, "measured": c.measured, "p05": c.p05,
                          "p95": c.p95, "inside": c.inside, "weights": c.weights}
                         for c in found.coverage],
        "hinges_on": found.rank_correlations("blind_retention_pct").dropna().head(5)
        .to_dict(orient="records")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--pre-reveal", action="store_true",
                        help="leave out the mechanisms defined after the reveal")
    parser.add_argument("--hold-estimates", action="store_true",
                        help="sample only the mechanism and the fitted values")
    parser.add_argument("--recalibrate", action="store_true",
                        help="refit each sample's fitted values with its estimates held")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--finished-only", action="store_true",
                        help="summarise the samples each seed's checkpoint holds, run no more")
    parser.add_argument("--checkpoints", default="/tmp/combined_interval")
    args = parser.parse_args()
    checkpoints = Path(args.checkpoints)
    checkpoints.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=Path(__file__).parent).stdout.strip()
    command = " ".join(["python benchmarks/combined_interval.py", *sys.argv[1:]])
    runs = json.loads(OUT.read_text())["runs"] if OUT.is_file() else []
    for seed in args.seeds:  # a run replaces an earlier one of the same settings
        if args.finished_only:
            run = _finished(args.samples, seed, not args.pre_reveal, not args.hold_estimates,
                            checkpoints, args.recalibrate)
        else:
            run = _run(args.samples, seed, not args.pre_reveal, not args.hold_estimates,
                       checkpoints, args.recalibrate, args.workers)
        run["produced_by"] = (f"{command} (commit {commit}, SPM, {args.workers} process(es), "
                              f"{'recalibrated' if args.recalibrate else 'not recalibrated'})")
        same = ("mechanisms", "estimates", "seed", "samples")
        runs = [r for r in runs if any(r[k] != run[k] for k in same)] + [run]
        with staged_files(OUT.parent) as files:  # whole, or the last file stays
            files.text(json.dumps({"runs": runs}, indent=2) + "\n", OUT.name)
        row = run["intervals"]["blind_retention_pct"]
        print(f"{run['mechanisms']}, estimates {run['estimates']}, seed {seed}: retention "
              f"5-95 % {row['p05']:.1f}-{row['p95']:.1f} (median {row['p50']:.1f}), "
              + (f"{run['seconds']:.0f} s" if "seconds" in run else run["partial"]))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
