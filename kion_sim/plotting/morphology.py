"""Figure of the morphology study: capacity vs specific current, one line per geometry."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd


def plot_morphology(table: pd.DataFrame, title: str = ""):
    """Charge capacity [mAh/g] vs specific current [mA/g] (log axis) of each morphology of
    :func:`kion_sim.simulation.morphology.morphology_study`; user geometries dashed."""
    fig, ax = plt.subplots(figsize=(7, 4.6))
    for index, (label, group) in enumerate(table.groupby("morphology", sort=False)):
        group = group.sort_values("current_density_mA_g")
        ax.plot(group["current_density_mA_g"], group["charge_capacity_mAh_g"], marker="o",
                ms=3, color=plt.get_cmap("tab10")(index % 10),
                ls="--" if bool(group["no_data"].iloc[0]) else "-", label=label)
    ax.set_xscale("log")
    ax.set(xlabel="Specific current [mA/g]", ylabel="Charge capacity [mAh/g]", title=title)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
