"""Reported half-cell measurements (Table S1 of Wang et al. 2017) and the cells modelling them."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from kion_sim.parameters.catalog import parameter_sets_dir

# (material, source) in Table S1 -> kion_sim cell that models it.
TABLE_S1_CELLS = {
    ("semi-hollow microrod soft carbon (sintered 900 C)", "this work"): "soft_carbon_half_cell",
    ("graphite", "ref 23"): "graphite_jian2015_half_cell",
    ("soft carbon", "ref 23"): "soft_carbon_jian2015_half_cell",
    ("polynanocrystalline graphite", "ref 25"): "png_xing2017_half_cell",
    ("hard-soft composite carbon", "ref 26"): "hard_soft_carbon_jian2017_half_cell",
}


@dataclass(frozen=True)
class ReportedRow:
    """One row of Table S1 with its kion_sim cell and its role in the benchmark.

    ``role``: ``calibration`` (fitted to), ``prediction`` (its retention is withheld and
    predicted) or ``comparison`` (another carbon, calibrated to its own row).
    """

    material: str
    source: str
    cell: str
    voltage_min_V: float
    voltage_max_V: float
    current_density_mA_g: float
    second_cycle_capacity_mAh_g: float
    cycles: int
    capacity_retention_pct: float | None
    role: str


def _role(index: int, row: pd.Series) -> str:
    if row["source"] != "this work":
        return "comparison"
    return "prediction" if math.isnan(row["capacity_retention_pct"]) else "calibration"


def table_s1_rows() -> list[ReportedRow]:
    """Every row of Table S1, in the table's order."""
    table = pd.read_csv(parameter_sets_dir() / "reported" / "table_s1_reported.csv")
    rows = []
    for index, row in table.iterrows():
        retention = row["capacity_retention_pct"]
        rows.append(ReportedRow(
            material=row["material"], source=row["source"],
            cell=TABLE_S1_CELLS[(row["material"], row["source"])],
            voltage_min_V=float(row["voltage_min_V"]), voltage_max_V=float(row["voltage_max_V"]),
            current_density_mA_g=float(row["current_density_mA_g"]),
            second_cycle_capacity_mAh_g=float(row["second_cycle_capacity_mAh_g"]),
            cycles=int(row["cycles"]),
            capacity_retention_pct=None if math.isnan(retention) else float(retention),
            role=_role(index, row)))
    return rows
