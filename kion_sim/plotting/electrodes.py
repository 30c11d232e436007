"""What a three-electrode cell shows: each electrode's potential vs K/K+ beside its limits."""

from __future__ import annotations

import pandas as pd

from kion_sim.plotting.figures import plt


def plot_electrode_potentials(timeseries: pd.DataFrame, extremes: pd.DataFrame,
                              limits: pd.DataFrame, title: str = ""):
    """Left: both electrodes' potentials over one cycle's time. Right: their extremes in every
    cycle. Dashed lines are the limits the materials state."""
    fig, (curve, cycles) = plt.subplots(1, 2, figsize=(10, 4.2))
    hours = (timeseries["time_s"] - timeseries["time_s"].iloc[0]) / 3600
    colours = {"anode": "tab:blue", "cathode": "tab:red"}
    for role, colour in colours.items():
        curve.plot(hours, timeseries[f"{role}_potential_vs_K_V"], color=colour, label=role)
        for side, style in (("min", "v-"), ("max", "^-")):
            cycles.plot(extremes["cycle"], extremes[f"{role}_{side}_V"], style, ms=3,
                        color=colour, label=f"{role} {side}")
    for limit in limits.itertuples():
        for ax in (curve, cycles):
            ax.axhline(limit.limit_V, ls="--", lw=0.8, color=colours.get(limit.electrode, "k"))
        cycles.annotate(limit.name, (1, limit.limit_V), fontsize=6, va="bottom")
    curve.set(xlabel="Time [h]", ylabel="Potential vs K/K+ [V]", title=f"{title}, cycle 2")
    cycles.set(xlabel="Cycle", ylabel="Potential vs K/K+ [V]", title="extremes per cycle")
    curve.legend(fontsize=7)
    cycles.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    return fig
