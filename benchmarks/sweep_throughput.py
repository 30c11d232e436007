"""Sweep throughput: 1 vs 2 local workers, and reusing a built model vs rebuilding per point.

    python benchmarks/sweep_throughput.py [--points 16] [--cycles 10]

Every configuration runs in a fresh process (no model cache carried over) on the same points;
the script prints points per second and the ratios side by side.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

_CHILD = """
import json, sys, time
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
print(json.dumps({"seconds": time.perf_counter() - start, "failed": failed}))
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
              f"x{base / run['seconds']:5.2f} vs rebuild  ({run['failed']} failed)")
    one, two = runs["1 worker, reuse"]["seconds"], runs["2 workers, reuse"]["seconds"]
    print(f"2 workers vs 1: x{one / two:.2f} throughput")


if __name__ == "__main__":
    main()
