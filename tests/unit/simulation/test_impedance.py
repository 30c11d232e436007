"""Impedance spectra against hand calculations from the parameter files (tests/conftest.py).

References: the separator's ionic resistance L / (kappa eps^b A); a flat metal interface's
linearised Butler-Volmer resistance R T / (F j0 A) with its double layer C = c_dl A (a
semicircle whose apex is at 1 / (2 pi R C)); a porous electrode's R T / (F j0 a L A); the
Warburg's 45 degree line. None of the numbers comes from kion_sim.
"""

from __future__ import annotations

import numpy as np
import pytest

import kion_sim
from kion_sim.errors import InvalidInputError

R_GAS, T = 8.314462618, 298.15
CATHODE_CELL = "k0p6coo2_half_cell"  # no trap sites, no fade mechanism: a clean insertion cell


def _thermal_V(faraday):
    return R_GAS * T / faraday


def _separator_ohm(sets, cell_name):
    cell = sets.cell(cell_name)
    values = {k: v["value"] for k, v in cell["values"].items()}
    electrolyte = sets.material(cell["uses"]["electrolyte"])
    c_e = electrolyte["values"]["salt concentration [mol.m-3]"]["value"]
    table = np.loadtxt(sets.root / "data" / electrolyte["tables"]["conductivity"]["file"],
                       delimiter=",", skiprows=1)
    kappa = np.interp(c_e, table[:, 0], table[:, 1])
    effective = kappa * values["separator porosity"] ** values["separator Bruggeman coefficient"]
    return values["separator thickness [m]"] / effective / (values["electrode area [cm2]"] * 1e-4)


@pytest.fixture(scope="module")
def cathode_spectrum():
    frequencies = np.logspace(6, -2, 60)
    return kion_sim.impedance(CATHODE_CELL, frequencies, soc=0.5, model="SPMe")


def test_parts_add_up_to_the_cell(cathode_spectrum):
    parts = cathode_spectrum.parts
    total = parts["working"] + parts["separator"] + parts["counter"]
    assert np.allclose(total, parts["cell"], rtol=1e-9, atol=1e-9)


def test_high_frequency_intercept_is_the_separator_resistance(cathode_spectrum, sets):
    expected = _separator_ohm(sets, CATHODE_CELL)
    z = cathode_spectrum.parts
    assert z["separator"][0].real == pytest.approx(expected, rel=0.02)
    # at 1 MHz the double layers short both interfaces: the cell's intercept is the
    # separator plus a small part of the porous working electrode (< 10 % here)
    assert expected < z["cell"][0].real < 1.1 * expected
    assert abs(z["cell"][0].imag) < 0.05 * expected


def test_k_metal_arc_width_and_apex(cathode_spectrum, sets, faraday):
    metal = {k: v["value"] for k, v in sets.material("potassium_metal")["values"].items()}
    area_m2 = sets.cell(CATHODE_CELL)["values"]["electrode area [cm2]"]["value"] * 1e-4
    r_ct = _thermal_V(faraday) / (metal["exchange-current density [A.m-2]"] * area_m2)
    c_dl = metal["double-layer capacitance [F.m-2]"] * area_m2
    counter = cathode_spectrum.parts["counter"]
    f = cathode_spectrum.frequency_Hz
    assert counter[-1].real == pytest.approx(r_ct, rel=0.01)  # arc's width at low frequency
    apex = f[np.argmax(-counter.imag)]
    expected_apex = 1 / (2 * np.pi * r_ct * c_dl)
    step = f[0] / f[1]  # the grid's spacing bounds how well the apex can be located
    assert expected_apex / step <= apex <= expected_apex * step


def test_porous_electrode_charge_transfer_resistance(sets, faraday):
    # fast solid diffusion (no diffusion arc) and SPM (no electrolyte): only R_ct || C_dl
    working = sets.electrode(CATHODE_CELL, "working")
    x = 0.5
    volts = float(sets.ocp_at(working["material"], x))
    fast = {"Positive particle diffusivity [m2.s-1]": 1e-12}
    spectrum = kion_sim.impedance(CATHODE_CELL, np.logspace(5, -3, 50), voltage_V=volts,
                                  model="SPM", parameter_updates=fast)
    eps = working["active material volume fraction"]
    thickness_m = working["active mass loading [mg.cm-2]"] * 10 / (
        working["density [g.cm-3]"] * 1e6 * eps)
    surface_m2 = 3 * eps / working["particle radius [m]"] * thickness_m * working[
        "area [cm2]"] * 1e-4
    j0 = working["exchange-current density [A.m-2]"] * np.sqrt(x * (1 - x)) / 0.5
    r_ct = _thermal_V(faraday) / (j0 * surface_m2)
    z = spectrum.parts["working"]
    f = spectrum.frequency_Hz
    semicircle = f > 1e-1  # below this the particle's capacity (a vertical line) takes over
    assert z[semicircle].real.max() == pytest.approx(r_ct, rel=0.03)
    apex = f[np.argmax(np.where(semicircle, -z.imag, 0))]
    expected_apex = 1 / (2 * np.pi * r_ct * working["double-layer capacitance [F.m-2]"]
                         * surface_m2)
    assert expected_apex / 1.5 < apex < expected_apex * 1.5


def test_low_frequency_tail_is_45_degrees_then_bends_up():
    slow = {"Positive particle diffusivity [m2.s-1]": 1e-18}  # tau = R^2/D = 1e4 s
    f = np.logspace(0, -6, 61)
    z = kion_sim.impedance(CATHODE_CELL, f, soc=0.5, model="SPM",
                           parameter_updates=slow).parts["working"]
    slopes = np.diff(-z.imag) / np.diff(z.real)
    omega_tau = 2 * np.pi * np.sqrt(f[1:] * f[:-1]) * (1e-7) ** 2 / 1e-18
    # after the arc and before the particle's finite size shows: a 45 degree line (within
    # 3 degrees, the sphere's curvature and the particle mesh) over half a decade or more
    tail = (omega_tau > 10) & (f[1:] < 0.1)
    near_45 = (slopes > np.tan(np.radians(42))) & (slopes < np.tan(np.radians(48)))
    assert (tail & near_45).sum() >= 5
    assert np.all(slopes[omega_tau < 0.1] > 3)  # finite particle: bends towards vertical


def test_table_units_and_parts(cathode_spectrum):
    table = cathode_spectrum.table()
    cell = table[table["part"] == "cell"]
    area = cathode_spectrum.area_cm2
    assert area == pytest.approx(1.131)
    assert np.allclose(cell["re_Z_ohm_cm2"], cell["re_Z_ohm"] * area)
    assert set(table["part"]) == {"cell", "working", "separator", "counter"}
    assert (cell["minus_im_Z_ohm"] > 0).all()  # capacitive everywhere


def test_full_cell_parts_are_anode_and_cathode():
    spectrum = kion_sim.impedance("full_cell", [1e3, 1.0], soc=0.5, model="SPMe")
    assert set(spectrum.parts) == {"cell", "anode", "separator", "cathode"}
    assert 2.0 < spectrum.voltage_V < 4.2


@pytest.mark.parametrize("kwargs, words", [
    ({"soc": 1.5}, "soc must lie in 0-1"),
    ({"soc": 0.5, "voltage_V": 3.0}, "not both"),
    ({"voltage_V": 5.0}, "outside the cell's window"),
    ({"after_cycles": 1}, "after_cycles must be"),
    ({"frequencies_Hz": [-1.0]}, "frequencies must be positive"),
])
def test_bad_inputs_name_what_is_valid(kwargs, words):
    with pytest.raises(InvalidInputError, match=words):
        kion_sim.impedance(CATHODE_CELL, **kwargs)
