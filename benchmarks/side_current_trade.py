"""What Table S1 cannot pin under sei_dissolving_reforming: its side current, and the full cell.

    python benchmarks/side_current_trade.py [--factors 0.1 0.5 1 2] [--out benchmarks/results]

In a half cell the K metal replaces every K the side reaction takes, so the carbon's fade is
set by the sites its products block: the LAM factor times the side current. Scaling the side
current (its SEI solvent diffusivity) by f and the LAM factor by 1/f should leave the half-cell
figures where the fit put them; in the full cell the K the side reaction takes comes from the
cathode and is not replaced, so its retention moves. This measures both, per f (SPM; half cells
on the fast path, the full cell every cycle solved). Writes side_current_trade.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from kion_sim.analysis import capacity_retention
from kion_sim.fullcell import predict_full_cell
from kion_sim.output import staged_files
from kion_sim.parameters import build_cell_parameters
from kion_sim.parameters.mechanisms import load_calibration, load_mechanism
from kion_sim.simulation import fade_run

MECHANISM = "sei_dissolving_reforming"
DIFFUSIVITY, LAM = "SEI solvent diffusivity [m2.s-1]", "reaction-driven LAM factor [m3.mol-1]"


def _overrides(factor: float) -> dict:
    """The side current scaled by ``factor``, the fitted LAM factor by its inverse."""
    diffusivity = load_mechanism(MECHANISM).values["carbon"][DIFFUSIVITY].value
    lam = load_calibration("soft_carbon_half_cell", MECHANISM).values[MECHANISM][LAM].value
    return {MECHANISM: {DIFFUSIVITY: diffusivity * factor, LAM: lam / factor}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--factors", type=float, nargs="+", default=[0.1, 0.5, 1.0, 2.0])
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    rows = []
    for factor in args.factors:
        started = time.perf_counter()
        overrides = _overrides(factor)
        half = build_cell_parameters("soft_carbon_half_cell", overrides, mechanism=MECHANISM)
        row = {"side_current_factor": factor, **{k: v for v in overrides.values()
                                                  for k, v in v.items()}}
        for current, cycles in ((100, 100), (500, 500)):
            run = fade_run(half, current, cycles)
            row[f"half_cell_retention_{cycles}_at_{current}_pct"] = float(
                capacity_retention(run.summary, 2, "charge").iloc[-1])
        full = build_cell_parameters("full_cell", overrides, mechanism=MECHANISM)
        summary = predict_full_cell(full, model="SPM", rates_mA_g=()).summary
        row["full_cell_retention_200_pct"] = summary["retention_after_200_cycles_pct"]
        row["seconds"] = time.perf_counter() - started
        print(row, flush=True)
        rows.append(row)
    with staged_files(Path(args.out)) as files:
        files.text(json.dumps({"settings": vars(args), "rows": rows}, indent=2),
                   "side_current_trade.json")


if __name__ == "__main__":
    main()
