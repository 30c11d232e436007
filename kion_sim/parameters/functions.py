"""PyBaMM material functions built from declarative values and tables.

Each is a small picklable callable with the signature the PyBaMM key implies, so a parameter
set can be rebuilt in another process (sweeps) and printed with a readable name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pybamm

from kion_sim.parameters.catalog import Table

_REFERENCE_TEMPERATURE_K = 298.15


def arrhenius(activation_energy_J_mol: float, T):
    """Factor exp(Ea/R (1/T_ref - 1/T)): 1 at 25 C, larger when hotter."""
    return pybamm.exp(activation_energy_J_mol / pybamm.constants.R
                      * (1 / _REFERENCE_TEMPERATURE_K - 1 / T))


@dataclass(frozen=True)
class TabulatedOCP:
    """Open-circuit potential [V] vs stoichiometry, linear between tabulated points."""

    name: str
    stoichiometry: tuple[float, ...]
    potential_V: tuple[float, ...]

    @classmethod
    def from_table(cls, name: str, table: Table) -> TabulatedOCP:
        return cls(name, tuple(table.x), tuple(table.y))

    def __call__(self, sto):
        return pybamm.Interpolant(np.array(self.stoichiometry), np.array(self.potential_V),
                                  sto, name=self.name)


@dataclass(frozen=True)
class ArrheniusDiffusivity:
    """Solid diffusivity [m2.s-1], constant in stoichiometry, Arrhenius in temperature."""

    reference_m2_s: float
    activation_energy_J_mol: float

    def __call__(self, sto, T):
        return self.reference_m2_s * arrhenius(self.activation_energy_J_mol, T)


@dataclass(frozen=True)
class ButlerVolmerExchangeCurrent:
    """Exchange-current density [A.m-2] of an insertion electrode.

    ``reference_A_m2`` is the value at the reference electrolyte concentration and half
    filling; the usual square-root dependences (PyBaMM's ``m c_e^0.5 c_s^0.5 (c_max-c_s)^0.5``)
    scale it elsewhere.
    """

    reference_A_m2: float
    reference_electrolyte_mol_m3: float
    activation_energy_J_mol: float

    def __call__(self, c_e, c_s_surf, c_s_max, T):
        filling = c_s_surf / c_s_max
        # A Newton iterate can step a nearly full (or empty) particle just past its bound; the
        # floor keeps the square root real there without changing any physical value.
        occupancy = pybamm.maximum(filling * (1 - filling), 1e-12)
        return (self.reference_A_m2 * (pybamm.maximum(c_e, 1e-6)
                                       / self.reference_electrolyte_mol_m3) ** 0.5
                * occupancy ** 0.5 / 0.5
                * arrhenius(self.activation_energy_J_mol, T))


@dataclass(frozen=True)
class MetalExchangeCurrent:
    """Exchange-current density [A.m-2] of the K metal counter electrode."""

    reference_A_m2: float
    reference_electrolyte_mol_m3: float
    activation_energy_J_mol: float

    def __call__(self, c_e, c_metal, T):
        return (self.reference_A_m2 * (c_e / self.reference_electrolyte_mol_m3) ** 0.5
                * arrhenius(self.activation_energy_J_mol, T))


@dataclass(frozen=True)
class ElectrolyteProperty:
    """Electrolyte property vs salt concentration [mol.m-3], tabulated, Arrhenius in T."""

    name: str
    concentration_mol_m3: tuple[float, ...]
    values: tuple[float, ...]
    activation_energy_J_mol: float

    @classmethod
    def from_table(cls, name: str, table: Table, activation_energy_J_mol: float):
        return cls(name, tuple(table.x), tuple(table.y), activation_energy_J_mol)

    def __call__(self, c_e, T):
        curve = pybamm.Interpolant(np.array(self.concentration_mol_m3), np.array(self.values),
                                   c_e, name=self.name)
        return curve * arrhenius(self.activation_energy_J_mol, T)


@dataclass(frozen=True)
class LinearSwelling:
    """Volume change of a particle (fraction) vs stoichiometry: partial molar volume x c."""

    partial_molar_volume_m3_mol: float

    def __call__(self, sto, c_s_max):
        return self.partial_molar_volume_m3_mol * c_s_max * sto


@dataclass(frozen=True)
class ThroughputLAM:
    """PyBaMM's current-driven LAM rate [s-1]: the host lost in proportion to the K that passes
    through it, whichever the direction (fatigue per cycle, not per hour).

    ``lost_per_K_cycled`` is mol of host lost per mol of K inserted or extracted; the active
    volume fraction then falls at beta |i| / (F c_max L), with |i| the cell's current density.
    """

    lost_per_K_cycled: float
    max_concentration_mol_m3: float
    thickness_m: float

    def __call__(self, i, T):
        faraday = pybamm.constants.F.value
        rate = self.lost_per_K_cycled / (faraday * self.max_concentration_mol_m3
                                         * self.thickness_m)
        return -rate * pybamm.AbsoluteValue(i)


@dataclass(frozen=True)
class SiteOCP:
    """OCP [V] of one population of identical sites (a single MSMR gallery, Verbrugge 2017):
    U = U0 - spread ln(x / (1 - x)); ``spread`` is omega R T / F."""

    center_V: float
    spread_V: float

    def __call__(self, sto):
        return self.center_V - self.spread_V * pybamm.log(sto / (1 - sto))
