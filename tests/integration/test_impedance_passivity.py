"""Every part of a spectrum is a passive impedance: Re Z >= 0 at every frequency.

A cell at rest, perturbed by a small current, dissipates energy in every part (electrolyte,
interfaces, particles), so the real part of each part's impedance cannot be negative. The
soft-carbon half cell has trap sites (a hysteretic second phase) and a degradation mechanism
(SEI growth, reaction-driven loss of active material): a spectrum linearised about a state
that still relaxes, or with the hours-long degradation states free to move, broke this
(the carbon's own part reached -10 Ohm near 20 Hz after 2 cycles, -6.3 Ohm after 100).

Tolerance: 1e-3 Ohm, far above the direct sparse solve's round-off (~1e-12 of |Z| ~ 250 Ohm)
and below 1 % of the smallest part that must stay positive here (the carbon's ~0.2 Ohm of
pore electrolyte at high frequency), so a sign error of any physical size fails.
"""

from __future__ import annotations

import numpy as np
import pytest

import kion_sim

CELL = "soft_carbon_half_cell"
# 1 kHz to 0.1 Hz, 3 per decade: spans the 4-30 Hz band where the unfixed aged part went negative
FREQUENCIES = np.logspace(3, -1, 13)
TOLERANCE_OHM = 1e-3


def _assert_passive(spectrum):
    for part, z in spectrum.parts.items():
        worst = int(np.argmin(z.real))
        assert z.real[worst] >= -TOLERANCE_OHM, (
            f"{spectrum.cell_name} after {spectrum.after_cycles} cycles: part {part!r} has "
            f"Re Z = {z.real[worst]:.4g} Ohm at {spectrum.frequency_Hz[worst]:.3g} Hz")


@pytest.fixture(scope="module")
def fresh():
    return kion_sim.impedance(CELL, FREQUENCIES, soc=0.5)


def test_fresh_half_cell_parts_are_passive(fresh):
    _assert_passive(fresh)


def test_aged_half_cell_parts_are_passive(fresh):
    # 2 cycles already gave the unfixed code its most negative carbon part
    aged = kion_sim.impedance(CELL, FREQUENCIES, voltage_V=fresh.voltage_V, after_cycles=2)
    _assert_passive(aged)


def test_fresh_full_cell_parts_are_passive():
    _assert_passive(kion_sim.impedance("full_cell", FREQUENCIES, soc=0.5))


def test_trap_sites_rest_on_their_filling_branch(sets):
    # Independent of kion_sim: at a rest voltage below the sites' filling branch the sites
    # fill on the way down until U_fill(x) = U0 - spread ln(x / (1 - x)) equals V (h = -1).
    import pybamm

    from kion_sim.models.builder import build_model, parameter_values
    from kion_sim.parameters.assemble import cell_parameters
    from kion_sim.simulation.impedance import _rest_trap_sites

    material = {k: v["value"] for k, v in sets.material("soft_carbon_900C")["values"].items()}
    voltage_V = 0.3  # below the 0.7 V filling potential
    expected = 1 / (1 + np.exp((voltage_V - material["trap filling potential [V]"])
                               / material["trap site spread [V]"]))
    cell = cell_parameters(CELL)
    model = build_model("SPMe", cell, True, {"surface form": "differential"})
    values = parameter_values(cell, model)
    _rest_trap_sites(model, values, voltage_V)
    states = {v.name: e for v, e in model.initial_conditions.items() if "secondary" in v.name}
    content = states["X-averaged positive secondary particle concentration [mol.m-3]"]
    c_max = values["Secondary: Maximum concentration in positive electrode [mol.m-3]"]
    assert isinstance(content, pybamm.Symbol)
    assert float(content.orphans[0].evaluate()) / c_max == pytest.approx(expected, rel=1e-9)
    h = states["X-averaged positive electrode secondary hysteresis state"]
    assert float(h.orphans[0].evaluate()) == -1.0
