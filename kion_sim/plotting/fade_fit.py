"""Measured against fitted fade: one fit's curve, or every mechanism's held-out prediction."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # figures go to files; no screen is assumed
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def _shade_held_out(axes, curve: pd.DataFrame) -> None:
    held = curve.loc[curve["role"] == "held out", "cycle"]
    if len(held):
        for ax in axes:
            ax.axvspan(held.min() - 0.5, held.max() + 0.5, color="0.9", zorder=0,
                       label="held out" if ax is axes[0] else None)


def plot_fade_fit(curve: pd.DataFrame, title: str = ""):
    """Top: retention vs cycle, measured markers and fitted line; bottom: the error [points].

    ``curve``: a :func:`kion_sim.validation.user_data.fade_curve` table.
    """
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 5.5), sharex=True,
                                      height_ratios=(2, 1))
    _shade_held_out((top, bottom), curve)
    top.plot(curve["cycle"], curve["measured_retention_pct"], "o", ms=3, color="black",
             label="measured")
    top.plot(curve["cycle"], curve["fitted_retention_pct"], "-", color="tab:orange",
             label="fitted (fast fade path)")
    top.set(ylabel="Retention [% of cycle 2]")
    top.legend(fontsize=8)
    bottom.axhline(0.0, color="0.5", lw=0.8)
    bottom.plot(curve["cycle"], curve["error_points"], ".-", color="tab:orange", ms=3)
    bottom.set(xlabel="Cycle", ylabel="Fitted - measured [points]")
    bottom.xaxis.get_major_locator().set_params(integer=True)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_fade_ranking(curves: pd.DataFrame, title: str = ""):
    """Retention vs cycle: measured markers, each mechanism's prediction a line, the
    held-out cycles shaded. ``curves``: :meth:`FadeRanking.curves`."""
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    first = curves[curves["mechanism"] == curves["mechanism"].iloc[0]]
    _shade_held_out((ax,), first)
    ax.plot(first["cycle"], first["measured_retention_pct"], "o", ms=3, color="black",
            label="measured")
    for mechanism, part in curves.groupby("mechanism", sort=False):
        ax.plot(part["cycle"], part["fitted_retention_pct"], "-", lw=1.3, label=mechanism)
    ax.set(xlabel="Cycle", ylabel="Retention [% of cycle 2]")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
