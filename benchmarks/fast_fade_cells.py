"""The fast fade path against brute force over the half cells and fade mechanisms: one-cycle
landings (the half cells' default) and two-cycle ones (the full cell's), side by side.

    python benchmarks/fast_fade_cells.py [--cases CELL:MECHANISM:MODEL:mA_g:CYCLES ...]

Each case runs the brute force (``fade_run(..., exact=True)``) once and the fast path with
each landing, every run in one process for the case (the ratio of times is not the point
here: ``benchmarks/fast_fade.py`` measures speed in fresh processes). A cell that gives out
stops at its end of life (``stop_at_end_of_life``) and is compared over the cycles both ran.
Prints per case and landing: cycles solved, the retention error against brute force (points
of cycle 2's charge capacity, at the last cycle both ran and the largest) and the reported
bound (nan for a run that stopped at its end of life); writes
``benchmarks/results/fast_fade_cells.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

import kion_sim.simulation.fade as fade
from kion_sim.analysis import capacity_retention
from kion_sim.output import staged_files
from kion_sim.parameters.assemble import build_cell_parameters

DEFAULT_CASES = [
    "soft_carbon_half_cell:default:SPM:500:500",
    "soft_carbon_half_cell:default:DFN:500:500",
    "soft_carbon_half_cell:default:SPM:100:100",
    "soft_carbon_half_cell:sei_site_blocking:SPM:500:500",
    "soft_carbon_half_cell:side_reaction_in_time:SPM:500:500",
    "soft_carbon_half_cell:swelling_damage:SPM:500:500",
    "soft_carbon_half_cell:time_and_cycling_mix:SPM:500:500",
    "soft_carbon_half_cell:default:SPM:100:2000",
    "soft_carbon_half_cell:default:DFN:500:2000",
    "graphite_jian2015_half_cell:default:SPM:100:300",
    "hard_soft_carbon_jian2017_half_cell:default:SPM:100:300",
    "png_xing2017_half_cell:default:SPM:100:300",
    "soft_carbon_jian2015_half_cell:default:SPM:100:300",
    "k0p6coo2_half_cell:default:SPM:100:300",
]


def _case(text: str) -> dict:
    cell_name, mechanism, model, current, cycles = text.split(":")
    cell = build_cell_parameters(cell_name, mechanism=None if mechanism == "default"
                                 else mechanism)
    current, cycles = float(current), int(cycles)
    start = time.perf_counter()
    exact = capacity_retention(fade.fade_run(cell, current, cycles, model=model, exact=True,
                                             stop_at_end_of_life=True).summary).to_numpy()
    found = {"case": text, "brute_seconds": round(time.perf_counter() - start, 1),
             "brute_cycles": len(exact)}
    for landings, one in (("one", True), ("two", False)):
        fade.ONE_CYCLE_LANDINGS = one
        start = time.perf_counter()
        run = fade.fade_run(cell, current, cycles, model=model, stop_at_end_of_life=True)
        seconds = time.perf_counter() - start
        fast = capacity_retention(run.summary).to_numpy()
        both = min(len(fast), len(exact))
        error = fast[:both] - exact[:both]
        found[landings] = {"seconds": round(seconds, 2), "solved": run.cycles_solved,
                           "cycles": len(fast), "error_last": round(float(error[-1]), 3),
                           "error_largest": round(float(np.max(np.abs(error))), 3),
                           "bound": round(run.error_estimate_pct, 3)}
    fade.ONE_CYCLE_LANDINGS = True
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="+", default=DEFAULT_CASES)
    args = parser.parse_args()
    print(f"{'case':58s} {'landing':>7s} {'solved':>6s} {'last':>7s} {'largest':>7s} "
          f"{'bound':>6s}", flush=True)
    rows = []
    for text in args.cases:
        rows.append(_case(text))
        for landings in ("one", "two"):
            run = rows[-1][landings]
            print(f"{text:58s} {landings:>7s} {run['solved']:6d} {run['error_last']:+7.3f} "
                  f"{run['error_largest']:7.3f} {run['bound']:6.3f}", flush=True)
    results = Path(__file__).parent / "results"
    with staged_files(results) as files:
        files.text(json.dumps({"cases": rows}, indent=1) + "\n", "fast_fade_cells.json")


if __name__ == "__main__":
    main()
