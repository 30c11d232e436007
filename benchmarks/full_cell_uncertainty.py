"""The full cell's headline figures with 5-95 % intervals over the carbon's fade mechanisms, and
whether two seeds agree.

    python benchmarks/full_cell_uncertainty.py [--samples 32] [--cycles 200] [--recalibrate]
        [--workers 2] [--seeds 0 1] [--out benchmarks/results] [--checkpoints DIR]

One combined interval per seed (:mod:`kion_sim.uncertainty.mechanism_mixture`): each sample
draws the carbon's mechanism by its pseudo-BMA weight from the half cell's leave-one-out
table, that mechanism's fitted values within their misfit-aware 1-sigma factors (with
``--recalibrate`` refitted first to the half cell's four figures with the sample's estimates
held), every estimate behind the full cell, and the cathode's fitted fade. First-cycle
efficiency, capacity, energy and the retention after ``--cycles`` at 100 mA/g (fast path,
0.1 %) come from the same sample. The bounds' shift between the seeds, in % of the interval's
width, says whether the sample size is enough. Writes full_cell_uncertainty.json; finished
samples stay in the checkpoints, so a rerun resumes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

import numpy as np

from kion_sim.output import staged_files
from kion_sim.uncertainty.mechanism_mixture import combined_intervals
from kion_sim.uncertainty.report import Execution

FIGURES = ["full_cell_first_cycle_efficiency_pct", "full_cell_capacity_mAh_g",
           "full_cell_energy_Wh_kg", "full_cell_retention_pct"]


def _study(samples: int, seed: int, cycles: int, recalibrate: bool, workers: int,
           checkpoint: Path) -> dict:
    started = time.perf_counter()
    found = combined_intervals(FIGURES, samples, seed, recalibrate=recalibrate,
                               execution=Execution(workers, checkpoint=str(checkpoint),
                                                   show_progress=True),
                               full_cell_model="SPM", full_cell_cycles=cycles)
    each = [json.loads(line).get("seconds") for line in checkpoint.read_text().splitlines()
            if line.strip()]
    each = [s for s in each if isinstance(s, int | float)]
    picked = found.picked()
    retention = found.result.samples["full_cell_retention_pct"].to_numpy(dtype=float)
    return {
        "seconds": round(time.perf_counter() - started, 1), "samples": samples, "seed": seed,
        "seconds_per_sample_median": round(float(np.median(each)), 1) if each else None,
        "weights": found.weights, "samples_per_mechanism": found.mechanism_counts(),
        # each mechanism's own spread of the retention: how much of the interval is which law
        "retention_by_mechanism": {
            name: [round(float(np.nanmin(retention[picked == name])), 1),
                   round(float(np.nanmax(retention[picked == name])), 1)]
            for name in dict.fromkeys(picked)},
        "intervals": found.result.intervals.reset_index().to_dict(orient="records"),
        "hinges_on": {f: found.rank_correlations(f).dropna().head(5).to_dict(orient="records")
                      for f in FIGURES}}


def _agreement(runs: list[dict]) -> dict:
    """Each bound's shift between the two seeds, in % of the first seed's interval width."""
    first, second = ({row["figure"]: row for row in run["intervals"]} for run in runs)
    shifts = {}
    for figure, row in first.items():
        width = row["p95"] - row["p05"]
        shifts[figure] = {bound: round(100 * abs(second[figure][bound] - row[bound]) / width, 1)
                          for bound in ("p05", "p95")} if width > 0 else {}
    return shifts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=32)
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--recalibrate", action="store_true",
                        help="refit the carbon's values per sample with its estimates held")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument("--checkpoints", default="/tmp/full_cell_uncertainty")
    args = parser.parse_args()
    out, checkpoints = Path(args.out), Path(args.checkpoints)
    checkpoints.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=Path(__file__).parent).stdout.strip()
    report = {"settings": vars(args), "commit": commit, "runs": []}
    tag = "recalibrated" if args.recalibrate else "fitted"
    for seed in args.seeds:
        checkpoint = checkpoints / f"{tag}_seed{seed}_n{args.samples}_c{args.cycles}.jsonl"
        report["runs"].append(_study(args.samples, seed, args.cycles, args.recalibrate,
                                     args.workers, checkpoint))
        if len(report["runs"]) == 2:
            report["bound_shift_pct_of_width"] = _agreement(report["runs"])
        _write(out, report)  # what is finished is kept


def _write(out: Path, report: dict) -> None:
    text = json.dumps(report, indent=2, default=str)
    with staged_files(out) as files:  # whole or not at all
        path = files.text(text, "full_cell_uncertainty.json")
    print(f"wrote {path}", flush=True)


if __name__ == "__main__":
    main()
