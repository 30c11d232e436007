"""The GITT figure: the pulse train's voltage transient and D(stoichiometry) from it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from kion_sim.analysis.gitt import GittAnalysis


def plot_gitt(analysis: GittAnalysis, title: str = "", reference_m2_s: float | None = None):
    """Left: voltage against time [h] with the rest-end (quasi-equilibrium OCP) points marked.
    Right: Weppner-Huggins D against stoichiometry (against capacity [mAh/g] if the record
    has no stoichiometry) on a log axis; pulses too long for the short-time formula hollow.
    ``reference_m2_s`` draws a known diffusivity (a parameter set's) as a dashed line.
    """
    record, ocp, pulses = analysis.record, analysis.ocp, analysis.pulses
    fig, (transient, diffusion) = plt.subplots(1, 2, figsize=(10, 4.2))
    transient.plot(record["time_s"] / 3600, record["voltage_V"], color="tab:blue", lw=1.0,
                   label="voltage")
    transient.plot(ocp["time_s"] / 3600, ocp["voltage_V"], "o", ms=4, mfc="white",
                   mec="black", label="end of rest (OCP)")
    transient.set(xlabel="Time [h]", ylabel="Voltage [V]")
    transient.legend(fontsize=8)
    by_stoichiometry = bool(np.isfinite(pulses["stoichiometry"]).any())
    x = pulses["stoichiometry"] if by_stoichiometry else pulses["capacity_mAh_g"]
    short = pulses["short_time_ok"].to_numpy(bool)
    diffusion.semilogy(x[short], pulses["diffusivity_m2_s"][short], "o-", color="tab:red",
                       label="Weppner-Huggins")
    if (~short).any():
        diffusion.semilogy(x[~short], pulses["diffusivity_m2_s"][~short], "o", mfc="white",
                           mec="tab:red", label="pulse not short (tau D/(V/S)^2 > 0.1)")
    if reference_m2_s is not None:
        diffusion.axhline(reference_m2_s, ls="--", color="black", lw=1, label="reference")
    diffusion.set(xlabel="Stoichiometry" if by_stoichiometry else "Capacity [mAh/g]",
                  ylabel="Diffusivity [m$^2$/s]")
    diffusion.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
