"""Design sweep of the full cell: N/P (via cathode loading), pre-potassiation, carbon loading."""

from __future__ import annotations

import itertools
import sys

import pandas as pd

from kion_sim.errors import KionSimError
from kion_sim.fullcell.balancing import balance, full_cell_design
from kion_sim.fullcell.predict import predict_full_cell


def design_sweep(cathode_excess_pct=(-30, -15, 0, 15, 30),
                 prepotassiation_mAh_g=(0, 60, 120, 180),
                 anode_loading_mg_cm2=(1.0,), fade_cycles: int = 100, model: str = "SPM",
                 show_progress: bool = True) -> pd.DataFrame:
    """One row per design: N/P, thicknesses, capacity, energy and retention (or its error)."""
    rows = []
    grid = list(itertools.product(cathode_excess_pct, prepotassiation_mAh_g,
                                  anode_loading_mg_cm2))
    for index, (excess, prepotassiation, anode_loading) in enumerate(grid, start=1):
        if show_progress:
            print(f"design {index}/{len(grid)}: cathode {excess:+g} %, pre-potassiation "
                  f"{prepotassiation:g} mAh/g, carbon {anode_loading:g} mg/cm2", file=sys.stderr)
        row = {"cathode_excess_pct": excess, "prepotassiation_mAh_g": prepotassiation,
               "anode_loading_mg_cm2": anode_loading}
        try:
            cell = full_cell_design(prepotassiation, excess, anode_loading_mg_cm2=anode_loading)
            row |= {"n_to_p": balance(cell).n_to_p,
                    "anode_thickness_um": cell.electrodes["anode"].thickness_m * 1e6,
                    "cathode_thickness_um": cell.electrodes["cathode"].thickness_m * 1e6}
            row |= predict_full_cell(cell, model=model, rates_mA_g=(), fade_cycles=fade_cycles,
                                     ).summary
        except KionSimError as error:  # a design that cannot run is a result, not a crash
            row["error"] = str(error)
        rows.append(row)
    return pd.DataFrame(rows)
