"""Turns a declarative cell (cell file + the materials it uses) into PyBaMM parameter values.

PyBaMM's half-cell models put the working electrode in the "Positive" slot and the metal
counter electrode in the "Negative" one; this module is the only place that chooses slots
(:mod:`kion_sim.parameters.declared_values` puts a mechanism's K-metal values in "Negative").

The base cell (electrodes, electrolyte, counter electrode, cell) is built here; what the files
declare beyond it (a fade mechanism, a material's own fade, trap sites) comes from
:mod:`kion_sim.parameters.declared_values`.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

import pybamm

from kion_sim.errors import ParameterSetError
from kion_sim.parameters import functions
from kion_sim.parameters.bpx_cell import bpx_cannot_carry
from kion_sim.parameters.catalog import (
    Component,
    Quantity,
    bibtex_entries,
    clear_caches,
    is_bpx_reference,
    is_file_reference,
    load_cell,
    load_material,
)
from kion_sim.parameters.declared_values import (
    material_fade_values,
    mechanism_values,
    trap_site_values,
)
from kion_sim.parameters.geometry import ParticleGeometry, material_geometry, with_geometry
from kion_sim.parameters.mechanisms import (
    NO_MECHANISM,
    Mechanism,
    clear_mechanism_caches,
    load_calibration,
    load_mechanism,
)
from kion_sim.parameters.user_files import canonical_cell_name, clear_user_caches

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
    active_fraction: float = 1.0
    geometry: ParticleGeometry | None = None  # None: a sphere of the material's radius
    # K added before assembly [mAh per g of this electrode] and the trap sites' filling it
    # leaves (None: the sites start at the pristine stoichiometry, as the main phase does).
    prepotassiation_mAh_g: float = 0.0
    trap_initial_stoichiometry: float | None = None
    pristine_stoichiometry: float | None = None  # as declared, before pre-potassiation

    @property
    def declared_stoichiometry(self) -> float:
        """The stoichiometry its cell file (or a design option) declares at assembly."""
        if self.pristine_stoichiometry is None:
            return self.initial_stoichiometry
        return self.pristine_stoichiometry

    @property
    def ocp_range_V(self) -> tuple[float, float]:
        return min(self.ocp.potential_V), max(self.ocp.potential_V)

    def sites_concentration_mol_m3(self, capacity_key: str) -> float:
        """c_max [mol.m-3] of sites holding the material's ``capacity_key`` [mAh/g]."""
        return _max_concentration(self.material, capacity_key)

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
    mechanism: Mechanism = load_mechanism(NO_MECHANISM)
    trapping: bool = False  # the carbon holds K-trapping sites (a second particle phase)
    # A full cell's current steps also end where an electrode reaches a limit its material
    # states (what a three-electrode formation would set the cut-offs from); see
    # :func:`electrode_limits_V`. False: the cell's voltage cut-offs alone, limits only reported.
    window_guards: bool = False

    @property
    def is_half_cell(self) -> bool:
        return self.kind == "half_cell"

    @property
    def carbon(self) -> ElectrodeDesign:
        """The electrode a mechanism's ``carbon`` declarations act on (working, or anode)."""
        return self.electrodes["working" if self.is_half_cell else "anode"]

    def parameter_values(self) -> pybamm.ParameterValues:
        """A fresh ``pybamm.ParameterValues`` (safe to modify)."""
        return pybamm.ParameterValues(dict(self.values))


def _max_concentration(material: Component,
                       capacity_key: str = "specific capacity at full stoichiometry [mAh.g-1]",
                       ) -> float:
    """c_max [mol.m-3] of the sites holding ``capacity_key`` [mAh/g], from the density."""
    capacity_C_g = material.value(capacity_key) * 3.6
    density_g_m3 = material.value("density [g.cm-3]") * 1e6
    return capacity_C_g * density_g_m3 / FARADAY_C_MOL


def _electrode_design(role: str, slot: str, cell: Component, area_m2: float,
                      overrides: dict[str, dict[str, float]],
                      geometry: ParticleGeometry | None = None) -> ElectrodeDesign:
    recipe = cell.electrode(role)
    material = _overridden(load_material(cell.references[role]), overrides)
    if geometry is not None:
        material = with_geometry(material, geometry, "estimate",
                                 "particle geometry set by the user (no data behind it)")
    get = lambda key: _value(cell, recipe, key)  # noqa: E731
    loading_g_m2 = _positive(cell, role, "active mass loading [mg.cm-2]", get) * 10.0
    active_fraction = _positive(cell, role, "active material volume fraction", get)
    thickness = loading_g_m2 / (material.value("density [g.cm-3]") * 1e6 * active_fraction)
    return ElectrodeDesign(
        role=role, slot=slot, material=material, active_mass_g=loading_g_m2 * area_m2,
        thickness_m=thickness, max_concentration_mol_m3=_max_concentration(material),
        initial_stoichiometry=get("initial stoichiometry"),
        ocp=functions.TabulatedOCP.from_table(f"{material.name} OCP", material.table("ocp")),
        active_fraction=active_fraction, geometry=material_geometry(material),
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
        f"{slot} particle radius [m]": design.geometry.equivalent_sphere_radius_m,
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
    if design.geometry.shape != "sphere":  # the coordinate's limits (models/particle_geometry)
        inner, outer = design.geometry.domain_m
        values[f"{slot} particle inner radius [m]"] = inner
        values[f"{slot} particle outer radius [m]"] = outer
    if "double-layer capacitance [F.m-2]" in material.quantities:  # read only by EIS models
        values[f"{slot} electrode double-layer capacity [F.m-2]"] = material.value(
            "double-layer capacitance [F.m-2]")
    return values


def prepotassiated(carbon: ElectrodeDesign, prepotassiation_mAh_g: float,
                   trapping: bool) -> ElectrodeDesign:
    """``carbon`` holding exactly ``prepotassiation_mAh_g`` more K, placed where a first
    potassiation puts it: the trap sites fill first (they fill near 0.7 V, above the main
    phase's plateau), then the main phase. Nothing else is added."""
    if not prepotassiation_mAh_g >= 0 or not math.isfinite(prepotassiation_mAh_g):
        raise ParameterSetError(f"pre-potassiation must be a finite number >= 0 mAh/g, got "
                                f"{prepotassiation_mAh_g!r}")
    material, pristine = carbon.material, carbon.initial_stoichiometry
    into_traps = 0.0
    if trapping:
        # full sites keep the floor's margin from 1 too: the site OCP is infinite there
        room = material.value("trap capacity [mAh.g-1]") * (1 - 2 * pristine)
        into_traps = min(prepotassiation_mAh_g, room)
    trap_capacity = material.value("trap capacity [mAh.g-1]") if trapping else 1.0
    main_capacity = material.value("specific capacity at full stoichiometry [mAh.g-1]")
    return replace(
        carbon, prepotassiation_mAh_g=float(prepotassiation_mAh_g),
        pristine_stoichiometry=pristine,
        initial_stoichiometry=pristine + (prepotassiation_mAh_g - into_traps) / main_capacity,
        trap_initial_stoichiometry=pristine + into_traps / trap_capacity if trapping else None)


def _electrolyte_values(electrolyte: Component) -> dict:
    # one activation energy for both, unless the file gives each its own (a BPX file does)
    activation = {name: electrolyte.value(key if key in electrolyte.quantities
                                          else "transport activation energy [J.mol-1]")
                  for name, key in (("conductivity", "conductivity activation energy [J.mol-1]"),
                                    ("diffusivity", "diffusivity activation energy [J.mol-1]"))}
    return {
        "Initial concentration in electrolyte [mol.m-3]":
            electrolyte.value("salt concentration [mol.m-3]"),
        "Electrolyte conductivity [S.m-1]": functions.ElectrolyteProperty.from_table(
            f"{electrolyte.name} conductivity", electrolyte.table("conductivity"),
            activation["conductivity"]),
        "Electrolyte diffusivity [m2.s-1]": functions.ElectrolyteProperty.from_table(
            f"{electrolyte.name} diffusivity", electrolyte.table("diffusivity"),
            activation["diffusivity"]),
        "Cation transference number": electrolyte.value("cation transference number"),
        "Thermodynamic factor": electrolyte.value("thermodynamic factor"),
        # One solvent, one value: Yang2017's EC law and Ploehn2004's solvent-diffusion law
        # (a mechanism's "Bulk solvent concentration") both read the electrolyte's.
        "EC initial concentration in electrolyte [mol.m-3]":
            electrolyte.value("SEI-forming solvent concentration [mol.m-3]"),
        "Bulk solvent concentration [mol.m-3]":
            electrolyte.value("SEI-forming solvent concentration [mol.m-3]"),
    }


def _metal_counter_values(metal: Component, c_e_ref: float) -> dict:
    """K metal in PyBaMM's lithium-metal slot (the names say lithium; the values are K's)."""
    values = {
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
    if "double-layer capacitance [F.m-2]" in metal.quantities:  # read only by EIS models
        values["Negative electrode double-layer capacity [F.m-2]"] = metal.value(
            "double-layer capacitance [F.m-2]")
    return values


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


def cell_parameters(name: str, mechanism: str | None = None) -> CellParameters:
    """Everything needed to simulate the cell called ``name`` (see ``kion-sim list``) or held
    in the file ``name`` (``"my_cell.toml"``, see :mod:`kion_sim.parameters.user_files`),
    degrading by ``mechanism`` (default: the one its file declares).

    Examples
    --------
    >>> cell = cell_parameters("soft_carbon_half_cell")
    >>> round(cell.electrodes["working"].active_mass_g * 1e3, 3)  # mg on the 12 mm disc
    1.131
    """
    return _cached_cell_parameters(canonical_cell_name(name), mechanism)


@functools.cache  # keyed on a user file's resolved path, never on what it calls itself
def _cached_cell_parameters(name: str, mechanism: str | None) -> CellParameters:
    return build_cell_parameters(name, mechanism=mechanism)


def forget_cached_parameters() -> None:
    """Forget every parameter file read so far (after a fit is stored, or the folder moves)."""
    clear_caches()
    clear_mechanism_caches()
    clear_user_caches()
    _cached_cell_parameters.cache_clear()


def _calibrated(cell: str, mechanism: str) -> dict[str, dict[str, Quantity]]:
    """The stored fit of ``cell`` under ``mechanism``, as component -> {key: Quantity}."""
    return {component: dict(values)
            for component, values in load_calibration(cell, mechanism).values.items()}


def _overridden(component: Component, overrides: dict[str, dict[str, Quantity]]) -> Component:
    """``component`` with any values ``overrides`` holds for it (fits, trial values)."""
    replaced = overrides.get(component.name)
    if not replaced:
        return component
    unknown = set(replaced) - set(component.quantities)
    if unknown:
        raise ParameterSetError(f"{component.name} has no value {sorted(unknown)}; it has: "
                                f"{', '.join(sorted(component.quantities))}")
    return replace(component, quantities={**component.quantities, **replaced})


def build_cell_parameters(name: str,
                          material_overrides: dict[str, dict[str, float]] | None = None,
                          electrode_overrides: dict[str, dict[str, float]] | None = None,
                          mechanism: str | None = None,
                          particle_geometry: dict[str, ParticleGeometry] | None = None,
                          prepotassiation_mAh_g: float = 0.0,
                          window_guards: bool = True,
                          ) -> CellParameters:
    """Like :func:`cell_parameters`, with some material or electrode values replaced.

    ``material_overrides`` maps a material name (or the file of a user's material, as a user's
    cell's ``[uses]`` resolves to, or the mechanism's, or the cell's own name for its
    ``[values]``) to ``{value key: new value}``, e.g.
    ``{"soft_carbon_900C": {"diffusivity [m2.s-1]": 3e-16}}``; ``electrode_overrides`` maps
    an electrode role to values of the cell's recipe, e.g.
    ``{"cathode": {"active mass loading [mg.cm-2]": 4.0}}``. ``mechanism`` names the fade
    mechanism (``kion-sim mechanisms``; default: the one the cell file declares); its stored
    calibration for this cell, if any, replaces the estimates it was fitted from.
    ``particle_geometry`` maps an electrode role to a
    :class:`~kion_sim.parameters.geometry.ParticleGeometry` that replaces its material's
    declared one (a morphology study, or a variant with no data behind it).
    ``prepotassiation_mAh_g`` (full cells) is K put into the carbon before assembly, per g of
    carbon: exactly that much is added, trap sites first (:func:`prepotassiated`).
    ``window_guards`` (full cells): current steps also end at each electrode's stated
    potential limits (:func:`electrode_limits_V`); False leaves only the voltage cut-offs.
    """
    name = canonical_cell_name(name)  # a user's file by its absolute path, whatever the cwd
    cell = _with_electrode_values(load_cell(name), electrode_overrides or {})
    mechanism = load_mechanism(mechanism or cell.degradation.get("mechanism", NO_MECHANISM))
    if is_bpx_reference(name) and mechanism.name != NO_MECHANISM:
        raise ParameterSetError(bpx_cannot_carry(name, f"the fade mechanism {mechanism.name!r}"))
    # A full cell takes its carbon's fit from the half cell it was calibrated in; a user's
    # cell has no stored fit unless it names one, so its own values are what it simulates.
    calibrated_in = cell.degradation.get("calibrated in",
                                         None if is_file_reference(name) else name)
    overrides = _calibrated(calibrated_in, mechanism.name) if calibrated_in else {}
    for reference in cell.references.values():  # a fit of a built-in never hides a user's file
        if is_file_reference(reference):
            overrides.pop(load_material(reference).name, None)
    for component, values in (material_overrides or {}).items():
        if is_file_reference(component):  # a user's material by its file: values go by name
            component = load_material(component).name
        overrides.setdefault(component, {}).update(
            {k: Quantity(k, float(v), "fitted", "trial value") for k, v in values.items()})
    cell = _overridden(cell, overrides)  # the cell's own [values] (an uncertainty sample)
    if cell.kind not in CELL_KINDS:
        raise ParameterSetError(f"{cell.path}: kind {cell.kind!r}; valid: {CELL_KINDS}")
    area_m2 = cell.value("electrode area [cm2]") * 1e-4
    if not area_m2 > 0:
        raise ParameterSetError(f"{cell.path}: electrode area must be positive, got {area_m2}")
    shapes = particle_geometry or {}
    unknown = set(shapes) - set(_SLOTS[cell.kind])
    if unknown:
        raise ParameterSetError(f"{cell.name} has no electrode {sorted(unknown)}; it has: "
                                f"{', '.join(_SLOTS[cell.kind])}")
    designs = {role: _electrode_design(role, slot, cell, area_m2, overrides, shapes.get(role))
               for role, slot in _SLOTS[cell.kind].items()}
    trapping = bool(cell.degradation.get("trapping", False))
    if prepotassiation_mAh_g:
        if cell.kind != "full_cell":
            raise ParameterSetError(f"{cell.name} is a half cell: pre-potassiation is a "
                                    f"full-cell remedy (its counter electrode is K metal)")
        designs["anode"] = prepotassiated(designs["anode"], prepotassiation_mAh_g, trapping)
    electrolyte = _overridden(load_material(cell.references["electrolyte"]), overrides)
    c_e_ref = electrolyte.value("salt concentration [mol.m-3]")
    values: dict = {}
    for design in designs.values():
        values.update(_electrode_values(design, cell, c_e_ref))
        values.update(material_fade_values(design))
    values.update(_electrolyte_values(electrolyte))
    carbon = designs["working" if cell.kind == "half_cell" else "anode"]
    sei = (_overridden(load_material(cell.references["sei"]), overrides)
           if mechanism.sei_role is not None else None)
    values.update(mechanism_values(mechanism, sei, carbon, overrides))
    if trapping:
        values.update(trap_site_values(carbon, c_e_ref))
    if cell.kind == "half_cell":
        values.update(_metal_counter_values(
            _overridden(load_material(cell.references["counter"]), overrides), c_e_ref))
    nominal = _nominal_capacity_Ah(designs)
    values.update(_cell_values(cell, area_m2, nominal))
    # PyBaMM's own cut-offs sit just outside what the OCPs reach; protocol steps stop inside.
    low, high = voltage_window_V(designs)
    values["Lower voltage cut-off [V]"] = low - _CUT_OFF_MARGIN_V
    values["Upper voltage cut-off [V]"] = high + _CUT_OFF_MARGIN_V
    values["citations"] = _citations(cell, designs, electrolyte, mechanism)
    return CellParameters(name, cell.kind, cell.label, designs, values, mechanism, trapping,
                          window_guards=cell.kind == "full_cell" and window_guards)


LIMIT_KEYS = ("lower potential limit [V]", "upper potential limit [V]")


def electrode_limits_V(design: ElectrodeDesign) -> tuple[float | None, float | None]:
    """(lower, upper) potential vs K/K+ the electrode's material says it must stay within
    (K plating, trap release, electrolyte oxidation...); None where it states none."""
    quantities = design.material.quantities
    return tuple(quantities[key].value if key in quantities else None for key in LIMIT_KEYS)


def voltage_window_V(designs: dict[str, ElectrodeDesign]) -> tuple[float, float]:
    """Widest cell voltage the tabulated OCPs can reach at rest."""
    if "working" in designs:
        return designs["working"].ocp_range_V
    (a_low, a_high), (c_low, c_high) = designs["anode"].ocp_range_V, designs["cathode"].ocp_range_V
    return c_low - a_high, c_high - a_low


def _citations(cell: Component, designs: dict, electrolyte: Component,
               mechanism: Mechanism) -> list[str]:
    components = [cell, electrolyte, *(d.material for d in designs.values())]
    components += [load_material(cell.references[role]) for role in ("counter", "sei")
                   if role in cell.references]
    keys = sorted({key for component in components for key in component.citations}
                  | set(mechanism.citations))
    entries = bibtex_entries()
    missing = [key for key in keys if key not in entries]
    if missing:
        raise ParameterSetError(f"citations.bib lacks {', '.join(missing)}")
    return [entries[key] for key in keys]
