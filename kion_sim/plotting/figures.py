"""Figures a battery researcher reads first: voltage vs mAh/g, rate capability, cycling."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from kion_sim.analysis.cycles import voltage_curves
from kion_sim.plotting.labels import axis_label


def plot_voltage_curves(timeseries: pd.DataFrame, title: str = "", max_cycles: int = 12):
    """Voltage vs specific capacity of each step, coloured by cycle."""
    curves = voltage_curves(timeseries)
    cycles = sorted(curves["cycle"].unique())
    shown = cycles if len(cycles) <= max_cycles else cycles[:: max(1, len(cycles) // max_cycles)]
    colours = plt.get_cmap("viridis")
    fig, ax = plt.subplots(figsize=(6, 4.2))
    for index, cycle in enumerate(shown):
        colour = colours(index / max(1, len(shown) - 1))
        for _, step in curves[curves["cycle"] == cycle].groupby("step"):
            ax.plot(step["capacity_mAh_g"], step["voltage_V"], color=colour, lw=1.2,
                    label=f"cycle {cycle}" if step["step"].iloc[0] == 1 else None)
    ax.set(xlabel="Specific capacity [mAh/g]", ylabel="Voltage [V]", title=title)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def plot_rate_capability(table: pd.DataFrame, title: str = ""):
    """Charge and discharge capacity vs specific current (log axis)."""
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for kind, marker in (("discharge", "v"), ("charge", "^")):
        ax.plot(table["current_density_mA_g"], table[f"{kind}_capacity_mAh_g"], marker=marker,
                label=kind)
    ax.set_xscale("log")
    ax.set(xlabel="Specific current [mA/g]", ylabel="Specific capacity [mAh/g]", title=title)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_cycle_performance(summary: pd.DataFrame, title: str = ""):
    """Capacity and coulombic efficiency vs cycle number."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(summary["cycle"], summary["discharge_capacity_mAh_g"], "v-", ms=3, label="discharge")
    ax.plot(summary["cycle"], summary["charge_capacity_mAh_g"], "^-", ms=3, label="charge")
    ax.set(xlabel="Cycle", ylabel="Specific capacity [mAh/g]", title=title)
    efficiency = ax.twinx()
    efficiency.plot(summary["cycle"], summary["coulombic_efficiency_pct"], "o", ms=3,
                    color="tab:red", label="CE")
    efficiency.set_ylabel("Coulombic efficiency [%]", color="tab:red")
    ax.legend(loc="lower left")
    fig.tight_layout()
    return fig


def save_figure(fig, path: str | Path) -> Path:
    """Write ``fig`` as PNG atomically: the file appears whole or not at all."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(suffix=".png", dir=path.parent)
    os.close(handle)
    try:
        fig.savefig(temporary, dpi=150)
        os.replace(temporary, path)
    finally:
        plt.close(fig)
        if os.path.exists(temporary):
            os.remove(temporary)
    return path


def plot_fade_curves(curves: dict[str, pd.DataFrame], reported: dict[str, tuple], title: str = ""):
    """Simulated retention vs cycle per label, with each reported end point as a marker.

    ``curves[label]`` has columns ``cycle`` and ``retention_pct``; ``reported[label]`` is
    ``(cycles, retention_pct or None, role)``: a withheld value is drawn as an open circle
    at the prediction instead.
    """
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for index, (label, curve) in enumerate(curves.items()):
        colour = plt.get_cmap("tab10")(index)
        ax.plot(curve["cycle"], curve["retention_pct"], color=colour, lw=1.4, label=label)
        cycles, retention, role = reported[label]
        if retention is None:
            predicted = curve["retention_pct"].iloc[cycles - 1]
            ax.plot(cycles, predicted, "o", mfc="white", mec=colour, ms=9, mew=2)
            ax.annotate(f"blind prediction {predicted:.0f} %", (cycles, predicted),
                        textcoords="offset points", xytext=(-120, -18), color=colour, fontsize=8)
        else:
            ax.plot(cycles, retention, "*", color=colour, ms=12, mec="black")
    ax.set(xlabel="Cycle", ylabel="Capacity retention vs 2nd cycle [%]", title=title)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return fig


def plot_labelled_curves(curves: dict[str, pd.DataFrame], title: str = ""):
    """Voltage vs specific capacity of several runs (e.g. one per current), one colour each."""
    fig, ax = plt.subplots(figsize=(6, 4.2))
    for index, (label, curve) in enumerate(curves.items()):
        colour = plt.get_cmap("tab10")(index)
        for number, (_, step) in enumerate(curve.groupby("step")):
            ax.plot(step["capacity_mAh_g"], step["voltage_V"], color=colour,
                    label=label if number == 0 else None)
    ax.set(xlabel="Specific capacity [mAh/g]", ylabel="Voltage [V]", title=title)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_overpotentials(table: pd.DataFrame, title: str = ""):
    """Stacked overpotentials [V] per specific current (columns: current, mechanism, value)."""
    wide = table.pivot(index="current_density_mA_g", columns="mechanism", values="overpotential_V")
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    bottom = None
    positions = range(len(wide.index))
    for mechanism in wide.columns:
        ax.bar(positions, wide[mechanism], bottom=bottom, label=mechanism)
        bottom = wide[mechanism] if bottom is None else bottom + wide[mechanism]
    ax.set_xticks(list(positions), [f"{c:g}" for c in wide.index])
    ax.set(xlabel="Specific current [mA/g]", ylabel="Overpotential at the cut-off [V]",
           title=title)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_heatmap(table: pd.DataFrame, x: str, y: str, value: str, title: str = ""):
    """``value`` over a grid of ``x`` and ``y`` (one row of ``table`` per grid point)."""
    grid = table.pivot_table(index=y, columns=x, values=value)
    fig, ax = plt.subplots(figsize=(6, 4.2))
    image = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(grid.columns)), [f"{v:.3g}" for v in grid.columns])
    ax.set_yticks(range(len(grid.index)), [f"{v:.3g}" for v in grid.index])
    for (row, col), number in pd.DataFrame(grid.to_numpy()).stack().items():  # skips NaN
        ax.text(col, row, f"{number:.3g}", ha="center", va="center", color="white", fontsize=8)
    best = divmod(int(pd.Series(grid.to_numpy().ravel()).idxmax()), grid.shape[1])  # NaN-safe
    ax.add_patch(plt.Rectangle((best[1] - 0.5, best[0] - 0.5), 1, 1, fill=False, ec="red", lw=2))
    fig.colorbar(image, ax=ax, label=axis_label(value))
    ax.set(xlabel=axis_label(x), ylabel=axis_label(y), title=title)
    fig.tight_layout()
    return fig


def plot_sweep(table: pd.DataFrame, x: str, value: str, y: str | None = None, title: str = ""):
    """A line of ``value`` over ``x`` (one line per other swept setting), or a heat map over
    ``x`` and ``y``."""
    if y is not None:
        return plot_heatmap(table, x, y, value, title)
    others = [c for c in table.columns if c not in (x, value, "index", "error")
              and c in table.attrs.get("swept", ())]
    fig, ax = plt.subplots(figsize=(6, 4))
    groups = table.groupby(others) if others else [((), table)]
    for label, part in groups:
        part = part.sort_values(x)
        ax.plot(part[x], part[value], "o-", label=", ".join(f"{o}={v:g}" for o, v in
                                                            zip(others, np.atleast_1d(label),
                                                                strict=False)) or None)
    if table[x].min() > 0 and table[x].max() / table[x].min() > 50:
        ax.set_xscale("log")
    ax.set(xlabel=axis_label(x), ylabel=axis_label(value), title=title)
    if others:
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
