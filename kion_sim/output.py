"""Writes results to a folder: every file appears whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from kion_sim.analysis import cycle_summary, voltage_curves
from kion_sim.plotting import (
    plot_cycle_performance,
    plot_rate_capability,
    plot_voltage_curves,
    save_figure,
)
from kion_sim.simulation import SimulationResult


def write_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write ``table`` to ``path`` through a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".csv.part", dir=path.parent)
    try:
        with os.fdopen(handle, "w", newline="") as stream:
            table.to_csv(stream, index=False)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return path


def write_simulation(result: SimulationResult, folder: str | Path) -> list[Path]:
    """Time series, steps, cycle summary and voltage curves as CSV, and their figures as PNG."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    summary = cycle_summary(result.steps)
    title = f"{result.cell.label} ({result.model_name})"
    return [
        write_csv(result.timeseries, folder / "timeseries.csv"),
        write_csv(result.steps, folder / "steps.csv"),
        write_csv(summary, folder / "cycles.csv"),
        write_csv(voltage_curves(result.timeseries), folder / "voltage_curves.csv"),
        save_figure(plot_voltage_curves(result.timeseries, title), folder / "voltage_curves.png"),
        save_figure(plot_cycle_performance(summary, title), folder / "cycles.png"),
    ]


def write_rate_capability(table: pd.DataFrame, folder: str | Path, title: str) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [write_csv(table, folder / "rate_capability.csv"),
            save_figure(plot_rate_capability(table, title), folder / "rate_capability.png")]


def write_comparison(comparison, folder: str | Path, title: str) -> list[Path]:
    """Measured vs simulated (a ``kion_sim.validation.user_data.Comparison``): CSV and PNG."""
    from kion_sim.plotting.compare import plot_comparison

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [write_csv(comparison.curves, folder / "compare_curves.csv"),
            write_csv(comparison.fade, folder / "compare_fade.csv"),
            save_figure(plot_comparison(comparison.curves, comparison.fade, title),
                        folder / "compare.png")]
