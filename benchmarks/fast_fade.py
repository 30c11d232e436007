"""Brute force vs the fast fade path (adaptive inter-cycle extrapolation), side by side.

    python benchmarks/fast_fade.py [--cycles 100 500] [--models SPM DFN]

Soft carbon half cell at 500 mA/g. Each run is a fresh process; the script prints wall time,
peak memory, the speed-up and the retention difference. Brute force is ``kion_sim.simulate``
over the whole experiment (what every long run did before the fast path).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

_CHILD = """
import json, resource, sys, time
import kion_sim
from kion_sim.analysis import capacity_retention, cycle_summary
from kion_sim.simulation import fade_run
model, cycles, method = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cell = kion_sim.cell_parameters("soft_carbon_half_cell")
start = time.perf_counter()
if method == "brute":
    result = kion_sim.simulate(cell, kion_sim.galvanostatic_cycles(cell, 500, cycles),
                               model=model, show_progress=False)
    summary, simulated, estimate = cycle_summary(result.steps), cycles, 0.0
else:
    run = fade_run(cell, 500, cycles, model=model)
    summary, simulated, estimate = run.summary, run.simulated_cycles, run.error_estimate_pct
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "simulated": simulated, "estimate": estimate,
                  "retention": float(capacity_retention(summary, 2, "charge").iloc[-1]),
                  "peak_MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(model: str, cycles: int, method: str) -> dict:
    output = subprocess.run([sys.executable, "-c", _CHILD, model, str(cycles), method],
                            capture_output=True, text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--models", nargs="+", default=["SPM", "DFN"])
    args = parser.parse_args()
    print(f"{'model':5s} {'cycles':>6s} {'brute [s]':>9s} {'fast [s]':>8s} {'speed-up':>8s} "
          f"{'solved':>6s} {'brute MiB':>9s} {'fast MiB':>8s} {'retention diff':>14s} "
          f"{'estimate':>8s}")
    for model in args.models:
        for cycles in args.cycles:
            brute, fast = _run(model, cycles, "brute"), _run(model, cycles, "fast")
            print(f"{model:5s} {cycles:6d} {brute['seconds']:9.2f} {fast['seconds']:8.2f} "
                  f"{brute['seconds'] / fast['seconds']:7.1f}x {fast['simulated']:6d} "
                  f"{brute['peak_MiB']:9.0f} {fast['peak_MiB']:8.0f} "
                  f"{fast['retention'] - brute['retention']:+13.2f}p {fast['estimate']:7.2f}p")


if __name__ == "__main__":
    main()
