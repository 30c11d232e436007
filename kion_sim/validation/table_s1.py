"""The Table S1 benchmark: every reported row simulated under its own protocol."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

import pandas as pd

from kion_sim.analysis.cycles import capacity_retention
from kion_sim.parameters.assemble import cell_parameters
from kion_sim.simulation.fade import fade_run
from kion_sim.validation.reported import ReportedRow, table_s1_rows

# The reported capacity of an anode half cell is its reversible (depotassiation) capacity.
CAPACITY_DIRECTION = "charge"
JSON_KEYS = ("material", "source", "current_density_mA_g", "cycles", "reported_capacity_mAh_g",
             "simulated_capacity_mAh_g", "reported_retention_pct", "simulated_retention_pct",
             "role", "fast_path_error_estimate_pct", "mechanism")


@dataclass
class TableS1Result:
    """The side-by-side table and each row's simulated per-cycle summary (the fade curves)."""

    table: pd.DataFrame
    fade_curves: dict[int, pd.DataFrame]
    seconds: float

    def records(self) -> list[dict]:
        """The rows as JSON-ready dicts with ``JSON_KEYS`` (None where not reported)."""
        records = []
        for row in self.table[list(JSON_KEYS)].to_dict(orient="records"):
            records.append({k: (None if isinstance(v, float) and v != v else v)
                            for k, v in row.items()})
        return records


def simulate_row(row: ReportedRow, model: str = "SPM", exact: bool = False):
    """Simulate one row: ``row.cycles`` cycles at its current in its window.

    Fast (adaptive inter-cycle extrapolation) unless ``exact``; the summary's ``attrs`` carry
    the method and its error estimate.
    """
    run = fade_run(cell_parameters(row.cell), row.current_density_mA_g, row.cycles, model,
                   row.voltage_min_V, row.voltage_max_V, exact=exact)
    summary = run.summary
    summary["retention_pct"] = capacity_retention(summary, 2, CAPACITY_DIRECTION)
    summary.attrs.update(method=run.method, error_estimate_pct=run.error_estimate_pct,
                         simulated_cycles=run.simulated_cycles, cycles_solved=run.cycles_solved)
    return summary


def run_table_s1(model: str = "SPM", show_progress: bool = True,
                 exact: bool = False) -> TableS1Result:
    """Simulate every row of Table S1 and put reported and simulated values side by side."""
    started = time.perf_counter()
    rows, curves = [], {}
    table_rows = table_s1_rows()
    for index, row in enumerate(table_rows):
        if show_progress:
            print(f"[{index + 1}/{len(table_rows)}] {row.material} ({row.source}): "
                  f"{row.cycles} cycles at {row.current_density_mA_g:g} mA/g", file=sys.stderr)
        summary = simulate_row(row, model, exact)
        curves[index] = summary
        capacity = float(summary[f"{CAPACITY_DIRECTION}_capacity_mAh_g"].iloc[1])
        retention = float(summary["retention_pct"].iloc[row.cycles - 1])
        reported_retention = row.capacity_retention_pct
        rows.append({
            "material": row.material, "source": row.source, "cell": row.cell,
            "window_V": f"{row.voltage_min_V:g}-{row.voltage_max_V:g}",
            "current_density_mA_g": row.current_density_mA_g, "cycles": row.cycles,
            "reported_capacity_mAh_g": row.second_cycle_capacity_mAh_g,
            "simulated_capacity_mAh_g": round(capacity, 1),
            "capacity_error_pct": round(100 * (capacity / row.second_cycle_capacity_mAh_g - 1), 1),
            "reported_retention_pct": reported_retention,
            "simulated_retention_pct": round(retention, 1),
            "retention_error_points": (None if reported_retention is None
                                       else round(retention - reported_retention, 1)),
            "role": row.role,
            "mechanism": cell_parameters(row.cell).mechanism.name,
            "method": summary.attrs["method"],
            "fast_path_error_estimate_pct": round(summary.attrs["error_estimate_pct"], 2),
            "simulated_cycles": summary.attrs["simulated_cycles"],  # solved and kept
            "cycles_solved": summary.attrs["cycles_solved"],  # a rejected jump's too
        })
    return TableS1Result(pd.DataFrame(rows), curves, time.perf_counter() - started)
