"""The full cell's headline figures with 5-95 % intervals, and whether two seeds agree.

    python benchmarks/full_cell_uncertainty.py [--samples 64] [--retention-samples 32]
        [--cycles 200] [--workers 2] [--out benchmarks/results]

Every estimate behind the full cell is sampled (the trap release potential, the trap volume
share and the cathode's limits among them; fitted values within their fitted uncertainty, not
recalibrated). First-cycle efficiency, capacity and energy need two cycles a sample; retention
needs a fade run (fast path, 0.1 %), so it gets its own, smaller sample size. Each set runs
with seeds 0 and 1: the bounds' shift between the seeds, in % of the interval's width, says
whether the sample size is enough. Writes full_cell_uncertainty.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from kion_sim.output import staged_files
from kion_sim.uncertainty.report import Execution, figure_intervals

CHEAP = ["full_cell_first_cycle_efficiency_pct", "full_cell_capacity_mAh_g",
         "full_cell_energy_Wh_kg"]
RETENTION = ["full_cell_retention_pct"]


def _study(figures, samples, seed, cycles, workers, checkpoint) -> dict:
    started = time.perf_counter()
    result = figure_intervals(figures, samples, seed,
                              execution=Execution(workers, checkpoint=checkpoint),
                              model="SPM", full_cell_model="SPM", full_cell_cycles=cycles)
    return {"seconds": time.perf_counter() - started, "samples": samples, "seed": seed,
            "intervals": result.intervals.reset_index().to_dict(orient="records"),
            "hinges_on": {f: result.rank_correlations(f).dropna().head(5).to_dict(orient="records")
                          for f in figures}}


def _agreement(runs: list[dict]) -> dict:
    """Each bound's shift between the two seeds, in % of the first seed's interval width."""
    first, second = ({row["figure"]: row for row in run["intervals"]} for run in runs)
    shifts = {}
    for figure, row in first.items():
        width = row["p95"] - row["p05"]
        shifts[figure] = {bound: 100 * abs(second[figure][bound] - row[bound]) / width
                          for bound in ("p05", "p95")} if width > 0 else {}
    return shifts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--retention-samples", type=int, default=32)
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    out = Path(args.out)
    report = {"settings": vars(args)}
    for name, figures, samples in (("cheap", CHEAP, args.samples),
                                   ("retention", RETENTION, args.retention_samples)):
        runs = [_study(figures, samples, seed, args.cycles, args.workers,
                       str(out / f"full_cell_uncertainty_{name}_seed{seed}.jsonl"))
                for seed in (0, 1)]
        report[name] = {"runs": runs, "bound_shift_pct_of_width": _agreement(runs)}
        print(json.dumps(report[name]["bound_shift_pct_of_width"], indent=1), flush=True)
        _write(out, report)  # what is finished is kept


def _write(out: Path, report: dict) -> None:
    text = json.dumps(report, indent=2, default=str)
    with staged_files(out) as files:  # whole or not at all
        path = files.text(text, "full_cell_uncertainty.json")
    print(f"wrote {path}", flush=True)

if __name__ == "__main__":
    main()
