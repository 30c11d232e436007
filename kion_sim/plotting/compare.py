"""Measured vs simulated, side by side: the 2nd cycle's voltage curves and the fade."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd


def plot_comparison(curves: pd.DataFrame, fade: pd.DataFrame, title: str = ""):
    """Left: voltage vs mAh/g of cycle 2 (measured solid, simulated dashed). Right: charge
    capacity vs cycle (measured markers, simulated line)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    colours = {"discharge": "tab:blue", "charge": "tab:red"}
    for (source, kind), part in curves.groupby(["source", "step_kind"], sort=True):
        left.plot(part["capacity_mAh_g"], part["voltage_V"], color=colours[kind],
                  ls="-" if source == "measured" else "--", lw=1.4, label=f"{source} {kind}")
    left.set(xlabel="Specific capacity [mAh/g]", ylabel="Voltage [V]", title="cycle 2")
    left.legend(fontsize=7)
    right.plot(fade["cycle"], fade["measured_charge_capacity_mAh_g"], "o", ms=3,
               color="black", label="measured")
    right.plot(fade["cycle"], fade["simulated_charge_capacity_mAh_g"], "-", color="tab:orange",
               label="simulated")
    right.set(xlabel="Cycle", ylabel="Charge capacity [mAh/g]", title="fade")
    right.xaxis.get_major_locator().set_params(integer=True)
    right.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
