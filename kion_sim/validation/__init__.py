"""Reported measurements, fits to them, and the Table S1 benchmark."""

from kion_sim.validation.calibrate import calibrate, calibration_plan, write_fitted_values
from kion_sim.validation.fitting import (
    CapacityTarget,
    FitParameter,
    FitResult,
    RetentionTarget,
    VoltageCurveTarget,
    fit,
)
from kion_sim.validation.reported import ReportedRow, prediction_record, table_s1_rows
from kion_sim.validation.table_s1 import JSON_KEYS, TableS1Result, run_table_s1

__all__ = [
    "JSON_KEYS",
    "CapacityTarget",
    "FitParameter",
    "FitResult",
    "ReportedRow",
    "RetentionTarget",
    "TableS1Result",
    "VoltageCurveTarget",
    "calibrate",
    "calibration_plan",
    "fit",
    "prediction_record",
    "run_table_s1",
    "table_s1_rows",
    "write_fitted_values",
]
