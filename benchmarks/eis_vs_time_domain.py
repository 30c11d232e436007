"""Frequency-domain EIS vs a time-domain sine sweep on the same cell, side by side.

The frequency-domain spectrum (PyBaMM's linearised model, 50 frequencies) against the
classical way: a small sinusoidal current applied in the time domain at each frequency, a few
periods simulated, and Z read from the voltage's Fourier component at that frequency. Prints
the wall time of each, their ratio, and how far the two spectra differ.

Run: PYTHONPATH=. python benchmarks/eis_vs_time_domain.py [--frequencies 50]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pybamm

from kion_sim.models.builder import build_model, parameter_values
from kion_sim.parameters import cell_parameters
from kion_sim.simulation.impedance import _rest_concentrations, impedance, rest_voltage

CELL, MODEL = "k0p6coo2_half_cell", "SPMe"
AMPLITUDE_A = 2e-6  # ~1 mV on the ~250 Ohm cell: linear
PERIODS, SAMPLES_PER_PERIOD = 4, 40  # the last 2 periods are analysed


def time_domain_spectrum(frequencies_Hz) -> np.ndarray:
    """Z at each frequency from a sinusoidal-current simulation (IDAKLU solver)."""
    cell = cell_parameters(CELL)
    updates = _rest_concentrations(cell, rest_voltage(cell, soc=0.5))
    model = build_model(MODEL, cell, extra_options={"surface form": "differential"})
    values = parameter_values(cell, model, updates)
    frequency = pybamm.InputParameter("Frequency [Hz]")
    values["Current function [A]"] = AMPLITUDE_A * pybamm.sin(2 * np.pi * frequency * pybamm.t)
    simulation = pybamm.Simulation(model, parameter_values=values, solver=pybamm.IDAKLUSolver(
        rtol=1e-8, atol=1e-10))
    z = []
    for f in frequencies_Hz:
        t = np.linspace(0, PERIODS / f, PERIODS * SAMPLES_PER_PERIOD + 1)
        solution = simulation.solve(t, inputs={"Frequency [Hz]": f})
        volts, current = solution["Voltage [V]"](t), solution["Current [A]"](t)
        last = t >= (PERIODS - 2) / f  # after the start-up transient
        t_last = t[last][:-1]  # whole periods, without repeating the end point
        phase = np.exp(-2j * np.pi * f * t_last)
        z.append(-np.sum((volts[last][:-1] - volts[last][:-1].mean()) * phase)
                 / np.sum(current[last][:-1] * phase))
    return np.array(z)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frequencies", type=int, default=50)
    count = parser.parse_args().frequencies
    frequencies = np.logspace(5, -1, count)

    start = time.perf_counter()
    spectrum = impedance(CELL, frequencies, soc=0.5, model=MODEL)
    frequency_domain_s = time.perf_counter() - start

    start = time.perf_counter()
    z_time = time_domain_spectrum(frequencies)
    time_domain_s = time.perf_counter() - start

    z = spectrum.impedance_ohm
    deviation = np.abs(z_time - z) / np.abs(z)
    print(f"cell {CELL}, {MODEL}, {count} frequencies 100 kHz - 0.1 Hz, at "
          f"{spectrum.voltage_V:.3f} V")
    print(f"frequency domain (EISSimulation): {frequency_domain_s:8.2f} s")
    print(f"time domain (sine sweep, {PERIODS} periods each): {time_domain_s:8.2f} s")
    print(f"ratio time / frequency domain: {time_domain_s / frequency_domain_s:8.1f}")
    print(f"|Z_time - Z_freq| / |Z|: median {np.median(deviation):.2%}, "
          f"max {deviation.max():.2%}")


if __name__ == "__main__":
    main()
