"""Nyquist and Bode figures of impedance spectra (``kion_sim.impedance`` results)."""

from __future__ import annotations

import numpy as np


def plot_nyquist(spectra, title: str, per_area: bool = False):
    """Nyquist plot (-Im Z vs Re Z, equal axes) of each spectrum's cell and electrode parts.

    ``spectra``: a list of (label, ImpedanceSpectrum); the cell's curve is solid, the
    electrodes' own parts (three-electrode view) dashed and dotted.
    """
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6.5, 5))
    styles = {"cell": "-", "working": "--", "anode": "--", "counter": ":", "cathode": ":"}
    for index, (label, spectrum) in enumerate(spectra):
        scale = spectrum.area_cm2 if per_area else 1.0
        for part, z in spectrum.parts.items():
            if part == "separator":
                continue
            axis.plot(z.real * scale, -z.imag * scale, styles.get(part, "-"), marker=".",
                      color=f"C{index}", label=f"{label}: {part}")
    unit = "Ohm cm2" if per_area else "Ohm"
    axis.set(xlabel=f"Re Z [{unit}]", ylabel=f"-Im Z [{unit}]", title=title)
    axis.set_aspect("equal", adjustable="datalim")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=7)
    figure.tight_layout()
    return figure


def plot_bode(spectra, title: str):
    """Bode plot: ``|Z|`` and phase vs frequency of each spectrum's whole cell."""
    import matplotlib.pyplot as plt

    figure, (magnitude, phase) = plt.subplots(2, 1, figsize=(6.5, 6), sharex=True)
    for index, (label, spectrum) in enumerate(spectra):
        z = spectrum.impedance_ohm
        magnitude.loglog(spectrum.frequency_Hz, np.abs(z), color=f"C{index}", label=label)
        phase.semilogx(spectrum.frequency_Hz, -np.degrees(np.angle(z)), color=f"C{index}")
    magnitude.set(ylabel="|Z| [Ohm]", title=title)
    phase.set(xlabel="frequency [Hz]", ylabel="-phase [deg]")
    for axis in (magnitude, phase):
        axis.grid(alpha=0.3, which="both")
    magnitude.legend(fontsize=8)
    figure.tight_layout()
    return figure
