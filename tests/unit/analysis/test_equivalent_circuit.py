"""The equivalent-circuit fit recovers known R and C values from a synthetic, noisy
two-arc spectrum, starting from its own guess (not the truth)."""

from __future__ import annotations

import numpy as np
import pytest

from kion_sim.analysis.equivalent_circuit import fit_equivalent_circuit, read_spectrum
from kion_sim.errors import DataFileError, InvalidInputError

TRUTH = {"R_ohm": 4.0, "R_SEI": 30.0, "C_SEI": 2e-6, "R_ct": 120.0, "C_dl": 5e-4,
         "Warburg_sigma": 15.0}


def _randles(f):
    w = 2 * np.pi * f
    return (TRUTH["R_ohm"] + TRUTH["R_SEI"] / (1 + 1j * w * TRUTH["R_SEI"] * TRUTH["C_SEI"])
            + TRUTH["R_ct"] / (1 + 1j * w * TRUTH["R_ct"] * TRUTH["C_dl"])
            + TRUTH["Warburg_sigma"] * (1 - 1j) / np.sqrt(w))


def test_fit_recovers_a_noisy_two_arc_spectrum():
    f = np.logspace(5, -1, 50)
    rng = np.random.default_rng(11)
    z = _randles(f)
    noisy = z + 0.005 * np.abs(z) * (rng.standard_normal(f.size)
                                     + 1j * rng.standard_normal(f.size))
    table = fit_equivalent_circuit(f, noisy, arcs=2).set_index("parameter")["value"]
    for name, value in TRUTH.items():
        assert table[name] == pytest.approx(value, rel=0.05), name


def test_csv_round_trip_and_bad_files(tmp_path):
    f = np.logspace(4, -1, 20)
    z = _randles(f)
    path = tmp_path / "measured.csv"
    np.savetxt(path, np.column_stack([f, z.real, z.imag]), delimiter=",")
    frequency, read = read_spectrum(path)
    assert np.allclose(read, z) and np.allclose(frequency, f)
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n3,4\n")
    with pytest.raises(DataFileError, match="three unnamed columns"):
        read_spectrum(bad)
    with pytest.raises(InvalidInputError, match="arcs must be 1 or 2"):
        fit_equivalent_circuit(f, z, arcs=3)
