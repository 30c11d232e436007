"""Cost of the three models on the same run, side by side, as ratios to the SPM.

    python benchmarks/model_cost.py [--cycles 5] [--current 100]

Each model runs in a fresh process (so build caches and peak memory do not leak between them);
the script prints wall time, peak resident memory and the ratio of each to the SPM's, plus the
2nd-cycle capacity so the cost can be weighed against what the extra physics changes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

_CHILD = """
import json, resource, sys, time
import kion_sim
cycles, current, model = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
cell = kion_sim.cell_parameters("soft_carbon_half_cell")
protocol = kion_sim.galvanostatic_cycles(cell, current, cycles)
start = time.perf_counter()
result = kion_sim.simulate(cell, protocol, model=model, show_progress=False)
seconds = time.perf_counter() - start
summary = kion_sim.cycle_summary(result.steps)
print(json.dumps({"model": model, "seconds": seconds,
                  "peak_MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "capacity_mAh_g":
                      float(summary["charge_capacity_mAh_g"].iloc[min(1, len(summary) - 1)])}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=5)
    parser.add_argument("--current", type=float, default=100.0, help="mA/g")
    args = parser.parse_args()
    rows = []
    for model in ("SPM", "SPMe", "DFN"):
        output = subprocess.run([sys.executable, "-c", _CHILD, str(args.cycles),
                                 str(args.current), model], capture_output=True, text=True,
                                check=True)
        rows.append(json.loads(output.stdout.strip().splitlines()[-1]))
    base = rows[0]
    print(f"soft carbon half cell, {args.cycles} cycles at {args.current:g} mA/g")
    print(f"{'model':6s} {'time [s]':>9s} {'x SPM':>6s} {'peak [MiB]':>11s} {'x SPM':>6s} "
          f"{'2nd-cycle mAh/g':>16s}")
    for row in rows:
        print(f"{row['model']:6s} {row['seconds']:9.2f} {row['seconds'] / base['seconds']:6.2f} "
              f"{row['peak_MiB']:11.0f} {row['peak_MiB'] / base['peak_MiB']:6.2f} "
              f"{row['capacity_mAh_g']:16.1f}")


if __name__ == "__main__":
    main()
