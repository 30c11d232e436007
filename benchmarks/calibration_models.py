"""How far the fit and the blind prediction move when the 900 C carbon is calibrated with the
DFN instead of the SPM (same mechanism, same three targets).

The SPM fit is the stored one (``parameter_sets/calibrations/``); the DFN fit starts from it.
Writes ``benchmarks/results/calibration_models.csv`` and ``.md``.

    python benchmarks/calibration_models.py [--mechanism NAME]

The mechanism defaults to the cell's own (its file's declared default). The prediction column
is the 500-cycle retention at 500 mA/g on each model's fit.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from kion_sim.analysis import capacity_retention
from kion_sim.output import staged_files
from kion_sim.parameters import build_cell_parameters
from kion_sim.parameters.mechanisms import load_calibration
from kion_sim.simulation import fade_run
from kion_sim.validation.calibrate import calibrate, cell_mechanism
from kion_sim.validation.mechanisms import STUDY_CELL, _withheld_row


def _prediction(fitted: dict, mechanism: str, model: str) -> float:
    overrides: dict = {}
    for component, values in load_calibration(STUDY_CELL, mechanism).values.items():
        overrides[component] = {key: fitted[key] for key in values}
    cell = build_cell_parameters(STUDY_CELL, overrides, mechanism=mechanism)
    row = _withheld_row()
    run = fade_run(cell, row.current_density_mA_g, row.cycles, model, row.voltage_min_V,
                   row.voltage_max_V)
    return float(capacity_retention(run.summary).iloc[row.cycles - 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mechanism", default=None,
                        help="the fade mechanism (default: the cell's own default)")
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    args.mechanism = cell_mechanism(STUDY_CELL, args.mechanism)
    stored = load_calibration(STUDY_CELL, args.mechanism).values
    spm = {key: q.value for values in stored.values() for key, q in values.items()}
    rows = [{"model": "SPM", **spm, "seconds": None,
             "predicted_retention_pct": _prediction(spm, args.mechanism, "SPM")}]
    started = time.perf_counter()
    result = calibrate(STUDY_CELL, model="DFN", mechanism=args.mechanism, warm_start=True,
                       show_progress=True)
    seconds = time.perf_counter() - started
    rows.append({"model": "DFN", **result.fitted, "seconds": round(seconds),
                 "predicted_retention_pct": _prediction(result.fitted, args.mechanism, "DFN")})
    table = pd.DataFrame(rows)
    out = Path(args.out)
    with staged_files(out) as files:  # both, or neither
        files.table(table, "calibration_models.csv")
        files.text(table.to_markdown(index=False, floatfmt=".4g"), "calibration_models.md")
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
