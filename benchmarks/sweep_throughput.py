"""Sweep throughput: 1 vs 2 local workers, and reusing a built model vs rebuilding per point.

    python benchmarks/sweep_throughput.py [--points 16] [--cycles 10]

Every configuration runs in a fresh process (no model cache carried over) on the same points;
the script prints points per second, the ratios side by side and the peak memory (the sweep's
process, and its largest worker process), and writes ``sweep_throughput.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from kion_sim.output import staged_files

_CHILD = """
import json, resource, sys, time
import numpy as np
from kion_sim.sweeps import SweepSpec, run_sweep
points, cycles, workers = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
reuse = sys.argv[4] == "1"
key = "SEI resistivity [Ohm.m]"
values = np.geomspace(1e5, 3e6, points)
spec = SweepSpec("soft_carbon_half_cell", tuple({key: float(v)} for v in values),
                 cycles=cycles, swept=(key,))
start = time.perf_counter()
table = run_sweep(spec, executor="local" if workers > 1 else "serial", workers=workers,
                  reuse=reuse, show_progress=False)
failed = int(table["error"].notna().sum())
print(json.dumps({"seconds": time.perf_counter() - start, "failed": failed,
                  "peak_MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_peak_MiB": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
                  / 1024}))
"""


def _run(points: int, cycles: int, workers: int, reuse: bool) -> dict:
    output = subprocess.run([sys.executable, "-c", _CHILD, str(points), str(cycles), str(workers),
                             "1" if reuse else "0"], capture_output=True, text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=16)
    parser.add_argument("--cycles", type=int, default=10)
    args = parser.parse_args()
    runs = {name: _run(args.points, args.cycles, workers, reuse) for name, workers, reuse in
            [("1 worker, rebuild", 1, False), ("1 worker, reuse", 1, True),
             ("2 workers, reuse", 2, True)]}
    print(f"{args.points} points, {args.cycles} cycles each (soft carbon half cell, SPM)")
    base = runs["1 worker, rebuild"]["seconds"]
    for name, run in runs.items():
        print(f"{name:20s} {run['seconds']:7.2f} s  {args.points / run['seconds']:6.2f} points/s  "
              f"x{base / run['seconds']:5.2f} vs rebuild  peak {run['peak_MiB']:.0f} MiB "
              f"(worker {run['worker_peak_MiB']:.0f})  ({run['failed']} failed)")
    one, two = runs["1 worker, reuse"]["seconds"], runs["2 workers, reuse"]["seconds"]
    print(f"2 workers vs 1: x{one / two:.2f} throughput")
    report = {"points": args.points, "cycles": args.cycles, "runs": runs,
              "reuse_vs_rebuild": round(base / one, 2), "two_workers_vs_one": round(one / two, 2)}
    with staged_files(Path(__file__).parent / "results") as files:
        files.text(json.dumps(report, indent=1) + "\n", "sweep_throughput.json")


if __name__ == "__main__":
    main()
