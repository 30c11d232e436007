"""Turns a declarative cell (cell file + the materials it uses) into PyBaMM parameter values.

PyBaMM's half-cell models put the working electrode in the "Positive" slot and the metal
counter electrode in the "Negative" one; this module is the only place that knows it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

import pybamm

from kion_sim.errors import ParameterSetError
from kion_sim.parameters import functions
from kion_sim.parameters.catalog import (
    Component,
    Quantity,
    bibtex_entries,
    load_cell,
    load_material,
)

FARADAY_C_MOL = 96485.33212
_CUT_OFF_MARGIN_V = 0.2
CELL_KINDS = ("half_cell", "full_cell")
# Roles of the electrodes a cell holds, and the PyBaMM slot of each.
_SLOTS = {
    "half_cell": {"working": "Positive"},
    "full_cell": {"anode": "Negative", "cathode": "Positive"},
}


@dataclass(frozen=True)
class ElectrodeDesign:
    """One porous electrode of a cell: its material, mass and the derived PyBaMM geometry."""

    role: str
    slot: str
    material: Component
    active_mass_g: float
    thickness_m: float
    max_concentration_mol_m3: float
    initial_stoichiometry: float
    ocp: functions.TabulatedOCP

    @property
    def ocp_range_V(self) -> tuple[float, float]:
        return min(self.ocp.potential_V), max(self.ocp.potential_V)

    def capacity_Ah(self, stoichiometry_span: float) -> float:
        """Charge [A.h] this electrode holds over a stoichiometry span."""
        volume_m3 = self.active_mass_g / (self.material.value("density [g.cm-3]") * 1e6)
        moles = self.max_concentration_mol_m3 * abs(stoichiometry_span) * volume_m3
        return moles * FARADAY_C_MOL / 3600


@dataclass(frozen=True)
class CellParameters:
    """A cell ready to simulate: PyBaMM values plus what kion_sim needs to talk in mAh/g."""

    name: str
    kind: str
    label: str
    electrodes: dict[str, ElectrodeDesign]
    values: dict

    @property
    def is_half_cell(self) -> bool:
        return self.kind == "half_cell"

    def parameter_values(self) -> pybamm.ParameterValues:
        """A fresh ``pybamm.ParameterValues`` (safe to modify)."""
        return pybamm.ParameterValues(dict(self.values))


def _max_concentration(material: Component) -> float:
    """c_max [mol.m-3] from the specific capacity of the full stoichiometry range and density."""
    capacity_C_g = material.value("specific capacity at full stoichiometry [mAh.g-1]") * 3.6
    density_g_m3 = material.value("density [g.cm-3]") * 1e6
    return capacity_C_g * density_g_m3 / FARADAY_C_MOL


def with_values(component: Component, values: dict[str, float], provenance: str,
                source: str) -> Component:
    """A copy of ``component`` with ``values`` replaced (for fits and sweeps)."""
    unknown = set(values) - set(component.quantities)
    if unknown:
        raise ParameterSetError(f"{component.name} has no value {sorted(unknown)}; it has: "
                                f"{', '.join(sorted(component.quantities))}")
    quantities = dict(component.quantities)
    quantities.update({k: Quantity(k, float(v), provenance, source) for k, v in values.items()})
    return replace(component, quantities=quantities)


def _electrode_design(role: str, slot: str, cell: Component, area_m2: float,
                      overrides: dict[str, dict[str, float]]) -> ElectrodeDesign:
    recipe = cell.electrode(role)
    material = load_material(cell.references[role])
    if material.name in overrides:
        material = with_values(material, overrides[material.name], "fitted", "trial value")
    get = lambda key: _value(cell, recipe, key)  # noqa: E731
    loading_g_m2 = _positive(cell, role, "active mass loading [mg.cm-2]", get) * 10.0
    active_fraction = _positive(cell, role, "active material volume fraction", get)
    thickness = loading_g_m2 / (material.value("density [g.cm-3]") * 1e6 * active_fraction)
    return ElectrodeDesign(
        role=role, slot=slot, material=material, active_mass_g=loading_g_m2 * area_m2,
        thickness_m=thickness, max_concentration_mol_m3=_max_concentration(material),
        initial_stoichiometry=get("initial stoichiometry"),
        ocp=functions.TabulatedOCP.from_table(f"{material.name} OCP", material.table("ocp")),
    )


def _with_electrode_values(cell: Component, overrides: dict[str, dict[str, float]]) -> Component:
    electrodes = dict(cell.electrodes)
    for role, values in overrides.items():
        recipe = dict(cell.electrode(role))
        unknown = set(values) - set(recipe)
        if unknown:
            raise ParameterSetError(f"{cell.name} {role} has no value {sorted(unknown)}; it has: "
                                    f"{', '.join(sorted(recipe))}")
        recipe.update({k: Quantity(k, float(v), "estimate", "design option")
                       for k, v in values.items()})
        electrodes[role] = recipe
    return replace(cell, electrodes=electrodes)


def _positive(cell: Component, role: str, key: str, get) -> float:
    value = get(key)
    if not value > 0:
        raise ParameterSetError(f"{cell.path}: {role} {key} must be positive, got {value}")
    return value


def _value(cell: Component, recipe: dict, key: str) -> float:
    if key not in recipe:
        raise ParameterSetError(f"{cell.path}: an electrode of {cell.name!r} lacks {key!r}")
    return recipe[key].value


def _electrode_values(design: ElectrodeDesign, cell: Component, c_e_ref: float) -> dict:
    material, slot, recipe = design.material, design.slot, cell.electrode(design.role)
    lower = slot.lower()
    porosity = _value(cell, recipe, "porosity")
    if porosity + _value(cell, recipe, "active material volume fraction") > 1:
        raise ParameterSetError(f"{cell.path}: {design.role} porosity + active fraction > 1")
    values = {
        f"{slot} electrode thickness [m]": design.thickness_m,
        f"{slot} electrode porosity": porosity,
        f"{slot} electrode active material volume fraction":
            _value(cell, recipe, "active material volume fraction"),
        f"{slot} electrode Bruggeman coefficient (electrolyte)":
            _value(cell, recipe, "Bruggeman coefficient"),
        f"{slot} electrode Bruggeman coefficient (electrode)":
            _value(cell, recipe, "Bruggeman coefficient"),
        f"{slot} electrode conductivity [S.m-1]":
            _value(cell, recipe, "electrode conductivity [S.m-1]"),
        f"{slot} particle radius [m]": material.value("particle radius [m]"),
        f"Maximum concentration in {lower} electrode [mol.m-3]":
            design.max_concentration_mol_m3,
        f"Initial concentration in {lower} electrode [mol.m-3]":
            design.initial_stoichiometry * design.max_concentration_mol_m3,
        f"{slot} electrode OCP [V]": design.ocp,
        f"{slot} electrode OCP entropic change [V.K-1]": 0.0,
        f"{slot} particle diffusivity [m2.s-1]": functions.ArrheniusDiffusivity(
            material.value("diffusivity [m2.s-1]"),
            material.value("diffusivity activation energy [J.mol-1]")),
        f"{slot} electrode exchange-current density [A.m-2]":
            functions.ButlerVolmerExchangeCurrent(
                material.value("exchange-current density [A.m-2]"), c_e_ref,
                material.value("exchange-current activation energy [J.mol-1]")),
        f"{slot} electrode charge transfer coefficient":
            material.value("charge transfer coefficient"),
    }
    if STRESS_LAM_KEY in material.quantities:
        values.update(_mechanics_values(material, slot))
    return values


STRESS_LAM_KEY = "LAM constant proportional term [s-1]"
_MECHANICS_KEYS = ("partial molar volume [m3.mol-1]", "Young's modulus [Pa]", "Poisson's ratio",
                   "critical stress [Pa]", "LAM constant exponential term", STRESS_LAM_KEY)


def _mechanics_values(material: Component, slot: str) -> dict:
    """Swelling and stress-driven loss of active material, for a carbon that declares them."""
    values = {f"{slot} electrode {key}": material.value(key) for key in _MECHANICS_KEYS}
    values[f"{slot} electrode reference concentration for free of deformation [mol.m-3]"] = 0.0
    values[f"{slot} electrode volume change"] = functions.LinearSwelling(
        material.value("partial molar volume [m3.mol-1]"))
    return values




def _electrolyte_values(electrolyte: Component) -> dict:
    activation = electrolyte.value("transport activation energy [J.mol-1]")
    return {
        "Initial concentration in electrolyte [mol.m-3]":
            electrolyte.value("salt concentration [mol.m-3]"),
        "Electrolyte conductivity [S.m-1]": functions.ElectrolyteProperty.from_table(
            f"{electrolyte.name} conductivity", electrolyte.table("conductivity"), activation),
        "Electrolyte diffusivity [m2.s-1]": functions.ElectrolyteProperty.from_table(
            f"{electrolyte.name} diffusivity", electrolyte.table("diffusivity"), activation),
        "Cation transference number": electrolyte.value("cation transference number"),
        "Thermodynamic factor": electrolyte.value("thermodynamic factor"),
        "EC initial concentration in electrolyte [mol.m-3]":
            electrolyte.value("SEI-forming solvent concentration [mol.m-3]"),
    }


def _metal_counter_values(metal: Component, c_e_ref: float) -> dict:
    """K metal in PyBaMM's lithium-metal slot (the names say lithium; the values are K's)."""
    return {
        "Exchange-current density for lithium metal electrode [A.m-2]":
            functions.MetalExchangeCurrent(
                metal.value("exchange-current density [A.m-2]"), c_e_ref,
                metal.value("exchange-current activation energy [J.mol-1]")),
        "Lithium metal partial molar volume [m3.mol-1]":
            metal.value("molar mass [g.mol-1]") / (metal.value("density [g.cm-3]") * 1e6),
        "Negative electrode conductivity [S.m-1]": metal.value("conductivity [S.m-1]"),
        "Negative electrode thickness [m]": metal.value("foil thickness [m]"),
        "Negative electrode OCP [V]": 0.0,
        "Negative electrode charge transfer coefficient":
            metal.value("charge transfer coefficient"),
    }


def _cell_values(cell: Component, area_m2: float, nominal_capacity_Ah: float) -> dict:
    side_m = math.sqrt(area_m2)
    temperature = cell.value("temperature [K]")
    return {
        "chemistry": "lithium_ion",  # PyBaMM's insertion-cell models; the ion here is K+
        "Electrode height [m]": side_m,
        "Electrode width [m]": side_m,
        "Number of electrodes connected in parallel to make a cell": 1.0,
        "Number of cells connected in series to make a battery": 1.0,
        "Nominal cell capacity [A.h]": nominal_capacity_Ah,
        "Current function [A]": nominal_capacity_Ah,
        "Contact resistance [Ohm]": 0.0,
        "Separator thickness [m]": cell.value("separator thickness [m]"),
        "Separator porosity": cell.value("separator porosity"),
        "Separator Bruggeman coefficient (electrolyte)":
            cell.value("separator Bruggeman coefficient"),
        "Reference temperature [K]": temperature,
        "Ambient temperature [K]": temperature,
        "Initial temperature [K]": temperature,
        "Total heat transfer coefficient [W.m-2.K-1]": 10.0,
    }


def _nominal_capacity_Ah(designs: dict[str, ElectrodeDesign]) -> float:
    """The 1C basis: a half cell's whole OCP table; a full cell's K the cathode can give up."""
    if "working" in designs:
        sto = designs["working"].ocp.stoichiometry
        return designs["working"].capacity_Ah(max(sto) - min(sto))
    anode, cathode = designs["anode"], designs["cathode"]
    lowest = min(cathode.ocp.stoichiometry)
    extractable = cathode.capacity_Ah(cathode.initial_stoichiometry - lowest)
    anode_sto = anode.ocp.stoichiometry
    return min(extractable, anode.capacity_Ah(max(anode_sto) - min(anode_sto)))


@functools.cache
def cell_parameters(name: str) -> CellParameters:
    """Everything needed to simulate the cell called ``name`` (see ``kion-sim list``)."""
    return build_cell_parameters(name)


def build_cell_parameters(name: str,
                          material_overrides: dict[str, dict[str, float]] | None = None,
                          electrode_overrides: dict[str, dict[str, float]] | None = None,
                          ) -> CellParameters:
    """Like :func:`cell_parameters`, with some material or electrode values replaced.

    ``material_overrides`` maps a material name to ``{value key: new value}``, e.g.
    ``{"soft_carbon_900C": {"diffusivity [m2.s-1]": 3e-16}}``; ``electrode_overrides`` maps
    an electrode role to values of the cell's recipe, e.g.
    ``{"cathode": {"active mass loading [mg.cm-2]": 4.0}}``.
    """
    overrides = material_overrides or {}
    cell = _with_electrode_values(load_cell(name), electrode_overrides or {})
    if cell.kind not in CELL_KINDS:
        raise ParameterSetError(f"{cell.path}: kind {cell.kind!r}; valid: {CELL_KINDS}")
    area_m2 = cell.value("electrode area [cm2]") * 1e-4
    if not area_m2 > 0:
        raise ParameterSetError(f"{cell.path}: electrode area must be positive, got {area_m2}")
    designs = {role: _electrode_design(role, slot, cell, area_m2, overrides)
               for role, slot in _SLOTS[cell.kind].items()}
    electrolyte = load_material(cell.references["electrolyte"])
    c_e_ref = electrolyte.value("salt concentration [mol.m-3]")
    values: dict = {}
    for design in designs.values():
        values.update(_electrode_values(design, cell, c_e_ref))
    values.update(_electrolyte_values(electrolyte))
    if "sei" in cell.references:  # PyBaMM's SEI names; on the carbon, the only SEI modelled
        sei = load_material(cell.references["sei"])
        if sei.name in overrides:
            sei = with_values(sei, overrides[sei.name], "fitted", "trial value")
        values.update({key: quantity.value for key, quantity in sei.quantities.items()})
        for design in designs.values():  # a carbon's own SEI values win over the shared ones
            values.update({key: quantity.value for key, quantity in
                           design.material.quantities.items() if key.startswith("SEI ")})
    if cell.kind == "half_cell":
        values.update(_metal_counter_values(load_material(cell.references["counter"]), c_e_ref))
    nominal = _nominal_capacity_Ah(designs)
    values.update(_cell_values(cell, area_m2, nominal))
    # PyBaMM's own cut-offs sit just outside what the OCPs reach; protocol steps stop inside.
    low, high = voltage_window_V(designs)
    values["Lower voltage cut-off [V]"] = low - _CUT_OFF_MARGIN_V
    values["Upper voltage cut-off [V]"] = high + _CUT_OFF_MARGIN_V
    values["citations"] = _citations(cell, designs, electrolyte)
    return CellParameters(name, cell.kind, cell.label, designs, values)


def voltage_window_V(designs: dict[str, ElectrodeDesign]) -> tuple[float, float]:
    """Widest cell voltage the tabulated OCPs can reach at rest."""
    if "working" in designs:
        return designs["working"].ocp_range_V
    (a_low, a_high), (c_low, c_high) = designs["anode"].ocp_range_V, designs["cathode"].ocp_range_V
    return c_low - a_high, c_high - a_low


def _citations(cell: Component, designs: dict, electrolyte: Component) -> list[str]:
    components = [cell, electrolyte, *(d.material for d in designs.values())]
    components += [load_material(cell.references[role]) for role in ("counter", "sei")
                   if role in cell.references]
    keys = sorted({key for component in components for key in component.citations})
    entries = bibtex_entries()
    missing = [key for key in keys if key not in entries]
    if missing:
        raise ParameterSetError(f"citations.bib lacks {', '.join(missing)}")
    return [entries[key] for key in keys]
