"""How many samples an interval needs, and what they cost.

Runs the same interval twice with two seeds at each sample size and says whether the two agree
within a stated tolerance (each bound moves by less than ``--tolerance`` of the interval's
width), and the smallest size at which they do; then the cost per sample on this machine and
the projected wall time of a study on a Dask cluster of N workers (a projection from the
per-sample cost, assuming no scheduling overhead)::

    python benchmarks/uncertainty_cost.py [--figure rate_capacity_mAh_g] [--samples 8 16 32 64]
        [--seeds 0 1] [--tolerance 0.1] [--cluster 8 32 128]

The default figure (2nd-cycle capacity at 1 A/g) costs about a second a sample; the blind
prediction (``--figure blind_retention_pct``) about ten.
"""

from __future__ import annotations

import argparse
import time

from kion_sim.uncertainty.report import Execution, figure_intervals
from kion_sim.uncertainty.simulated import FIGURES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figure", default="rate_capacity_mAh_g", choices=list(FIGURES))
    parser.add_argument("--samples", type=int, nargs="+", default=[8, 16, 32, 64])
    parser.add_argument("--seeds", type=int, nargs=2, default=[0, 1])
    parser.add_argument("--tolerance", type=float, default=0.1,
                        help="largest move of a bound, as a fraction of the interval width")
    parser.add_argument("--cluster", type=int, nargs="+", default=[8, 32, 128],
                        help="Dask worker counts to project the cost to")
    parser.add_argument("--study-samples", type=int, default=256,
                        help="samples of the study whose cluster cost is projected")
    args = parser.parse_args()

    seconds, simulated, stable_at = 0.0, 0, None
    for samples in args.samples:
        intervals = []
        for seed in args.seeds:
            started = time.perf_counter()
            result = figure_intervals([args.figure], samples, seed,
                                      execution=Execution(workers=1, show_progress=False))
            seconds += time.perf_counter() - started
            simulated += samples
            row = result.intervals.loc[args.figure]
            intervals.append(row)
            print(f"{samples:4d} samples, seed {seed}: {args.figure} 5-95 % = {row['p05']:.2f}"
                  f" - {row['p95']:.2f} (median {row['p50']:.2f}; {int(row['failed'])} failed)")
        first, second = intervals
        width = max(first["p95"] - first["p05"], second["p95"] - second["p05"])
        moves = [abs(first[b] - second[b]) / width if width > 0 else 0.0 for b in ("p05", "p95")]
        agree = max(moves) <= args.tolerance
        stable_at = stable_at or (samples if agree else None)
        print(f"     bounds move by {moves[0]:.0%} and {moves[1]:.0%} of the width between "
              f"seeds: {'agree' if agree else 'do NOT agree'} within {args.tolerance:.0%}")
    print(f"smallest sample size whose two seeds agree within {args.tolerance:.0%}: "
          f"{stable_at if stable_at else 'none tried; take more samples'}")
    per_sample = seconds / simulated
    print(f"cost: {per_sample:.2f} s per sample on this machine (one process, model SPM)")
    for workers in args.cluster:
        projected = per_sample * args.study_samples / workers
        print(f"projected: {args.study_samples} samples on {workers} Dask workers "
              f"~ {projected:.0f} s (per-sample cost / workers; no scheduling overhead)")


if __name__ == "__main__":
    main()
