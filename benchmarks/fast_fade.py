"""Brute force vs the fast fade path (adaptive inter-cycle extrapolation), side by side.

    python benchmarks/fast_fade.py [--cycles 500 2000] [--models SPM DFN]
                                   [--brute stepper simulate]

Soft carbon half cell at 500 mA/g. Each run is a fresh process; the script prints wall time,
peak memory, the speed-up, the retention difference (fast minus brute force, percentage points
of cycle 2's charge capacity, at the last cycle and the largest over all cycles), the fast
path's error estimate and how many cycles it solved (every solve, a rejected jump's discarded
landing included).

Two brute forces, ``--brute``:

- ``stepper`` (the default): ``fade_run(..., exact=True)``, every cycle solved by the same
  per-cycle stepper the fast path uses (one built model, each cycle started from the last
  one's end state), so the speed-up is the extrapolation's alone. It is the faster and leaner
  baseline: 500 DFN cycles took 83 s and 517 MiB against ``simulate``'s 107 s and 5.6 GB, and
  it runs 2000 DFN cycles in about 1 GB.
- ``simulate``: ``kion_sim.simulate`` over the whole experiment (what every long run did before
  the fast path). It keeps every cycle's solution: 5.6 GB at 500 DFN cycles, so 2000 would need
  about four times that (not run).
- ``pybamm``: the anchor a PyBaMM user would reach for: the same built model and parameter
  values through ``pybamm.Simulation`` with the whole experiment and IDAKLU, keeping only the
  variables the retention needs (IDAKLU's ``output_variables``, PyBaMM's leanest long run; with
  it every cycle's capacity is still read, which ``save_at_cycles`` would drop), in the unified
  experiment model mode where PyBaMM accepts it (else one model per step, "legacy"; the child
  prints which).
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
if method == "pybamm":
    import pybamm
    from kion_sim.models.builder import build_model, with_phase_keys
    from kion_sim.protocols.experiment import to_experiment
    from kion_sim.protocols.language import parse_protocol
    built = build_model(model, cell)
    values = with_phase_keys(cell.parameter_values(), built)
    experiment = to_experiment(parse_protocol(kion_sim.galvanostatic_cycles(cell, 500, cycles)),
                               cell)
    kept = ["Discharge capacity [A.h]", "Voltage [V]"]
    for mode in ("unified", "legacy"):
        try:
            simulation = pybamm.Simulation(
                built, parameter_values=values, experiment=experiment,
                solver=pybamm.IDAKLUSolver(output_variables=kept), experiment_model_mode=mode)
            solution = simulation.solve(calc_esoh=False)
            break
        except pybamm.ModelError as error:
            print(f"unified mode refused: {error}", file=sys.stderr)
    charged = [abs(float(c.steps[1]["Discharge capacity [A.h]"].entries[-1]
                         - c.steps[1]["Discharge capacity [A.h]"].entries[0]))
               for c in solution.cycles]
    import pandas as pd
    summary = pd.DataFrame({"cycle": range(1, len(charged) + 1),
                            "charge_capacity_mAh_g": charged})
    simulated, estimate = cycles, 0.0
    print(f"experiment model mode: {mode}", file=sys.stderr)
elif method == "simulate":
    result = kion_sim.simulate(cell, kion_sim.galvanostatic_cycles(cell, 500, cycles),
                               model=model, show_progress=False)
    summary, simulated, estimate = cycle_summary(result.steps), cycles, 0.0
else:
    run = fade_run(cell, 500, cycles, model=model, exact=method == "stepper")
    # Every cycle solved, a rejected jump's discarded landing included (the work done), not
    # simulated_cycles (the solved cycles the summary keeps).
    summary, simulated, estimate = run.summary, run.cycles_solved, run.error_estimate_pct
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "simulated": simulated, "estimate": estimate,
                  "retention": capacity_retention(summary, 2, "charge").tolist(),
                  "peak_MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(model: str, cycles: int, method: str) -> dict:
    output = subprocess.run([sys.executable, "-c", _CHILD, model, str(cycles), method],
                            capture_output=True, text=True, check=True)
    notes = [line for line in output.stderr.splitlines() if "mode" in line]
    if notes:
        print(f"  ({method}: {'; '.join(notes)})", flush=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--models", nargs="+", default=["SPM", "DFN"])
    parser.add_argument("--brute", nargs="+", choices=["stepper", "simulate", "pybamm"],
                        default=["stepper"])
    args = parser.parse_args()
    print(f"{'model':5s} {'cycles':>6s} {'brute':>8s} {'brute [s]':>9s} {'fast [s]':>8s} "
          f"{'speed-up':>8s} {'solved':>6s} {'brute MiB':>9s} {'fast MiB':>8s} "
          f"{'diff last':>9s} {'diff max':>8s} {'estimate':>8s}", flush=True)
    for model in args.models:
        for cycles in args.cycles:
            for brute_method in args.brute:
                brute, fast = _run(model, cycles, brute_method), _run(model, cycles, "fast")
                difference = [f - b for f, b in zip(fast["retention"], brute["retention"],
                                                    strict=True)]
                print(f"{model:5s} {cycles:6d} {brute_method:>8s} {brute['seconds']:9.2f} "
                      f"{fast['seconds']:8.2f} {brute['seconds'] / fast['seconds']:7.1f}x "
                      f"{fast['simulated']:6d} {brute['peak_MiB']:9.0f} {fast['peak_MiB']:8.0f} "
                      f"{difference[-1]:+8.2f}p {max(map(abs, difference)):7.2f}p "
                      f"{fast['estimate']:7.2f}p", flush=True)


if __name__ == "__main__":
    main()
