"""Reported half-cell measurements (Table S1 of Wang et al. 2017) and the cells modelling them."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from kion_sim.errors import ParameterSetError
from kion_sim.parameters.catalog import parameter_sets_dir

# (material, source) in Table S1 -> kion_sim cell that models it.
TABLE_S1_CELLS = {
    ("semi-hollow microrod soft carbon (sintered 900 C)", "this work"): "soft_carbon_half_cell",
    ("graphite", "ref 23"): "graphite_jian2015_half_cell",
    ("soft carbon", "ref 23"): "soft_carbon_jian2015_half_cell",
    ("polynanocrystalline graphite", "ref 25"): "png_xing2017_half_cell",
    ("hard-soft composite carbon", "ref 26"): "hard_soft_carbon_jian2017_half_cell",
}


REPORTED_COLUMNS = ("material", "source", "voltage_min_V", "voltage_max_V",
                    "current_density_mA_g", "second_cycle_capacity_mAh_g", "cycles",
                    "capacity_retention_pct")


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
    path = parameter_sets_dir() / "reported" / "table_s1_reported.csv"
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise ParameterSetError(f"cannot read the reported data {path}: {error}") from None
    missing = [column for column in REPORTED_COLUMNS if column not in table.columns]
    if missing:
        raise ParameterSetError(f"{path} lacks the column(s) {', '.join(missing)}; it needs: "
                                f"{', '.join(REPORTED_COLUMNS)}")
    rows = []
    for index, row in table.iterrows():
        if (row["material"], row["source"]) not in TABLE_S1_CELLS:
            valid = "; ".join(f"{m} ({s})" for m, s in TABLE_S1_CELLS)
            raise ParameterSetError(f"{path} row {index + 2}: no cell models "
                                    f"{row['material']!r} ({row['source']}); known: {valid}")
        try:
            rows.append(_reported_row(index, row))
        except (TypeError, ValueError) as error:
            raise ParameterSetError(f"{path} row {index + 2}: not a number where one is "
                                    f"needed ({error})") from None
    return rows


def _reported_row(index: int, row: pd.Series) -> ReportedRow:
    retention = float(row["capacity_retention_pct"])
    return ReportedRow(
        material=row["material"], source=row["source"],
        cell=TABLE_S1_CELLS[(row["material"], row["source"])],
        voltage_min_V=float(row["voltage_min_V"]), voltage_max_V=float(row["voltage_max_V"]),
        current_density_mA_g=float(row["current_density_mA_g"]),
        second_cycle_capacity_mAh_g=float(row["second_cycle_capacity_mAh_g"]),
        cycles=int(row["cycles"]),
        capacity_retention_pct=None if math.isnan(retention) else retention,
        role=_role(index, row))


# The record's columns: the prediction as made (never rewritten), then its check.
PREDICTION_COLUMNS = ("date", "commit", "row", "mechanism", "predicted_retention_pct", "reasons")
CHECK_COLUMNS = ("measured_retention_pct", "error_points", "tolerance_points", "inside_tolerance",
                 "interval_p05_pct", "interval_p95_pct", "inside_interval", "checked_on")


def prediction_record() -> pd.DataFrame:
    """Every blind prediction of the withheld retention, as made, with its check against the
    measurement disclosed afterwards (``parameter_sets/reported/prediction_record.csv``).

    ``error_points`` is predicted minus measured; ``inside_interval`` is empty where the
    prediction stated no interval.

    Examples
    --------
    >>> record = prediction_record()
    >>> list(record["predicted_retention_pct"])
    [26.3, 76.2]
    """
    path = parameter_sets_dir() / "reported" / "prediction_record.csv"
    try:
        record = pd.read_csv(path, dtype={"commit": str})
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise ParameterSetError(f"cannot read the prediction record {path}: {error}") from None
    missing = [c for c in PREDICTION_COLUMNS + CHECK_COLUMNS if c not in record.columns]
    if missing:
        raise ParameterSetError(f"{path} lacks the column(s) {', '.join(missing)}; it needs: "
                                f"{', '.join(PREDICTION_COLUMNS + CHECK_COLUMNS)}")
    return record
