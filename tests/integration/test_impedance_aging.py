"""Aged spectra: a cell without a fade mechanism does not change; a film mechanism grows
the carbon's own resistance (three-electrode view) and leaves the K metal's alone."""

from __future__ import annotations

import numpy as np
import pytest

import kion_sim
from kion_sim.parameters import build_cell_parameters

FREQUENCIES = np.logspace(5, -1, 25)


def test_no_degradation_means_the_aged_spectrum_is_the_fresh_one():
    # K0.6CoO2 half cell: no mechanism, no trap sites; cycling only moves K back and forth
    fresh = kion_sim.impedance("k0p6coo2_half_cell", FREQUENCIES, soc=0.5, model="SPM")
    aged = kion_sim.impedance("k0p6coo2_half_cell", FREQUENCIES, model="SPM",
                              voltage_V=fresh.voltage_V, after_cycles=2)
    assert np.allclose(aged.impedance_ohm, fresh.impedance_ohm, rtol=1e-3)


def test_film_mechanism_grows_the_carbon_resistance_only():
    # A resistive film of the test's own choosing (not whatever the latest fit holds).
    cell = build_cell_parameters(
        "soft_carbon_half_cell", {"carbon_film_resistance": {"SEI resistivity [Ohm.m]": 5e7}},
        mechanism="carbon_film_resistance")
    fresh = kion_sim.impedance(cell, FREQUENCIES, soc=0.5, model="SPM")
    aged = kion_sim.impedance(cell, FREQUENCIES, model="SPM", voltage_V=fresh.voltage_V,
                              after_cycles=3)
    # the working electrode's resistance below its arcs (0.1 Hz) grows with the film
    assert aged.parts["working"][-1].real > 1.3 * fresh.parts["working"][-1].real
    # the film is declared on the carbon only: the K metal's part is unchanged
    assert np.allclose(aged.parts["counter"], fresh.parts["counter"], rtol=1e-3)


def test_aged_full_cell_is_refused_with_the_reason():
    with pytest.raises(kion_sim.InvalidInputError, match="half cells only"):
        kion_sim.impedance("full_cell", FREQUENCIES, after_cycles=2)
