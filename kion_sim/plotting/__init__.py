"""Matplotlib figures of results; each function returns the figure and can save it whole."""

from kion_sim.plotting.dqdv import plot_dqdv
from kion_sim.plotting.figures import (
    plot_cycle_performance,
    plot_fade_curves,
    plot_heatmap,
    plot_labelled_curves,
    plot_overpotentials,
    plot_rate_capability,
    plot_sweep,
    plot_voltage_curves,
    save_figure,
)
from kion_sim.plotting.gitt import plot_gitt
from kion_sim.plotting.impedance import plot_bode, plot_nyquist

__all__ = [
    "plot_bode",
    "plot_cycle_performance",
    "plot_dqdv",
    "plot_fade_curves",
    "plot_gitt",
    "plot_heatmap",
    "plot_labelled_curves",
    "plot_nyquist",
    "plot_overpotentials",
    "plot_rate_capability",
    "plot_sweep",
    "plot_voltage_curves",
    "save_figure",
]
