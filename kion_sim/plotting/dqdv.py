"""dQ/dV beside the voltage curves: measured solid, simulated dashed, peaks marked."""

from __future__ import annotations

import matplotlib.pyplot as plt

from kion_sim.analysis.dqdv import DifferentialCapacity

_COLOURS = {"discharge": "tab:blue", "charge": "tab:red"}  # as plot_comparison
_STYLES = {"measured": ("-", "o"), "simulated": ("--", "^")}


def plot_dqdv(results: dict[tuple[str, str], DifferentialCapacity], title: str = ""):
    """Left: voltage vs capacity (as binned for dQ/dV). Right: dQ/dV vs voltage, each peak
    marked and labelled with its potential.

    ``results`` maps (source, direction) to a result, as ``DqdvComparison.results`` does;
    any source name works (its line style falls back to solid).
    """
    fig, (curves, dqdv) = plt.subplots(1, 2, figsize=(10, 4.2))
    for series, ((source, direction), result) in enumerate(results.items()):
        line, marker = _STYLES.get(source, ("-", "o"))
        colour = _COLOURS.get(direction, "black")
        label = f"{source} {direction}"
        curves.plot(result.capacity_mAh_g, result.voltage_V, ls=line, color=colour, lw=1.4,
                    label=label)
        dqdv.plot(result.voltage_V, result.dqdv_mAh_g_V, ls=line, color=colour, lw=1.4,
                  label=label)
        peaks = result.peaks
        dqdv.plot(peaks["potential_V"], peaks["height_mAh_g_V"], marker, ls="none",
                  mfc="white", mec=colour, ms=6)
        for potential, height in zip(peaks["potential_V"], peaks["height_mAh_g_V"],
                                     strict=True):
            # Stacked by series so labels of peaks at one potential stay readable.
            dqdv.annotate(f"{potential:.2f} V", (potential, height), textcoords="offset points",
                          xytext=(0, 6 + 9 * series), ha="center", fontsize=7, color=colour)
    curves.set(xlabel="Specific capacity [mAh/g]", ylabel="Voltage [V]")
    curves.legend(fontsize=7)
    dqdv.set(xlabel="Voltage [V]", ylabel="dQ/dV [mAh g$^{-1}$ V$^{-1}$]")
    dqdv.set_ylim(bottom=0)
    dqdv.legend(fontsize=7)
    method = next(iter(results.values())).settings.describe() if results else ""
    fig.suptitle(f"{title}\n{method}" if title else method, fontsize=9)
    fig.tight_layout()
    return fig
