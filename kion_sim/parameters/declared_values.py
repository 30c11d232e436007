"""PyBaMM values of what a cell declares beyond its electrodes, electrolyte and counter
electrode: its fade mechanism, a material's own fade, particle mechanics, and the carbon's
K-trapping sites (a second particle phase).

:mod:`kion_sim.parameters.assemble` builds the base cell and adds these blocks, each only when
the cell's files declare it (:mod:`kion_sim.parameters.mechanisms` reads the declarations);
nothing here infers a mechanism from which values happen to exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kion_sim.errors import ParameterSetError
from kion_sim.parameters import functions
from kion_sim.parameters.catalog import Component, Quantity
from kion_sim.parameters.mechanisms import (
    SHARED_PREFIXES,
    THROUGHPUT_LAM_KEY,
    Mechanism,
    material_fade,
)

if TYPE_CHECKING:  # assemble builds on this module
    from kion_sim.parameters.assemble import ElectrodeDesign


def mechanism_values(mechanism: Mechanism, sei: Component | None, carbon: ElectrodeDesign,
                     overrides: dict[str, dict[str, Quantity]]) -> dict:
    """PyBaMM values of what ``mechanism`` declares, and only of that.

    SEI values start from the cell's SEI component ``sei`` (with its fitted values; needed
    when the mechanism grows an SEI), then the carbon's own (its surface differs), then the
    mechanism's (fitted ones last, from ``overrides``); an electrode's values get its prefix.
    """
    values: dict = {}
    slots = {"carbon": carbon.slot, "metal": "Negative"}
    role_values = {role: dict(entries) for role, entries in mechanism.values.items()}
    for key, quantity in overrides.get(mechanism.name, {}).items():
        role_values.setdefault(mechanism.fit_role, {})[key] = quantity
    if mechanism.sei_role is not None:
        values.update({k: q.value for k, q in sei.quantities.items()})
        if mechanism.sei_role == "carbon":
            values.update({k: q.value for k, q in carbon.material.quantities.items()
                           if k.startswith(SHARED_PREFIXES)})
        values.update({k: q.value for k, q in role_values.get(mechanism.sei_role, {}).items()
                       if k.startswith(SHARED_PREFIXES)})
    for role, entries in role_values.items():
        slot = slots[role]
        values.update({f"{slot} electrode {k}": q.value for k, q in entries.items()
                       if not k.startswith(SHARED_PREFIXES)})
    if mechanism.declared("carbon", "particle mechanics") != "none":
        values.update(_mechanics_values(carbon, role_values.get("carbon", {})))
    return values


def material_fade_values(design: ElectrodeDesign) -> dict:
    """PyBaMM values of the fade ``design``'s material declares for itself (the cathode's)."""
    if material_fade(design.material).get("loss of active material") != "current-driven":
        return {}
    return {f"{design.slot} electrode current-driven LAM rate": functions.ThroughputLAM(
        design.material.value(THROUGHPUT_LAM_KEY), design.max_concentration_mol_m3,
        design.thickness_m)}


_MECHANICS_KEYS = ("partial molar volume [m3.mol-1]", "Young's modulus [Pa]", "Poisson's ratio",
                   "critical stress [Pa]")


def _mechanics_values(carbon: ElectrodeDesign, declared: dict[str, Quantity]) -> dict:
    """Swelling of a carbon whose mechanism declares particle mechanics; a carbon's own
    mechanical values (graphite's 60 % swelling) win over the mechanism's generic ones."""
    slot, material = carbon.slot, carbon.material
    merged = {k: q.value for k, q in declared.items()}
    merged.update({k: material.value(k) for k in _MECHANICS_KEYS if k in material.quantities})
    missing = [k for k in _MECHANICS_KEYS if k not in merged]
    if missing:
        raise ParameterSetError(f"{material.name}: its mechanism declares particle mechanics "
                                f"but neither it nor the mechanism gives {missing}")
    values = {f"{slot} electrode {key}": merged[key] for key in _MECHANICS_KEYS}
    values[f"{slot} electrode reference concentration for free of deformation [mol.m-3]"] = 0.0
    values[f"{slot} electrode volume change"] = functions.LinearSwelling(
        merged["partial molar volume [m3.mol-1]"])
    return values


# The trap sites' filling is fast: their diffusion never limits it.
_TRAP_DIFFUSIVITY_M2_S = 1e-14
_TRAP_KEYS = ("trap capacity [mAh.g-1]", "trap filling potential [V]",
              "trap release potential [V]", "trap site spread [V]", "trap branch switching rate",
              "trap volume share")


def _trap_start(carbon: ElectrodeDesign) -> float:
    """Filling of the trap sites at t = 0: pristine unless pre-potassiation filled some."""
    if carbon.trap_initial_stoichiometry is None:
        return carbon.initial_stoichiometry
    return carbon.trap_initial_stoichiometry


def trap_site_values(carbon: ElectrodeDesign, c_e_ref: float) -> dict:
    """K-trapping sites as PyBaMM's secondary particle phase of the carbon.

    The sites fill on potassiation around the filling potential and would release K only
    above the release potential, outside the window: the first cycle's irreversible loss.
    Their capacity per g of carbon is what is declared; their volume share only sets their
    surface area (how fast they fill), and is an estimate with a range like any other.
    """
    material, slot = carbon.material, carbon.slot
    missing = [k for k in _TRAP_KEYS if k not in material.quantities]
    if missing:
        raise ParameterSetError(f"{material.name}: the cell declares trapping but the "
                                f"material lacks {missing}")
    share = material.value("trap volume share")  # sets the sites' surface area, not their K
    fraction = share * carbon.active_fraction
    # c_max so that the sites' volume share holds the declared capacity per g of carbon
    c_max = carbon.sites_concentration_mol_m3("trap capacity [mAh.g-1]") / share
    spread = material.value("trap site spread [V]")
    prefix = f"Secondary: {slot}"
    return {
        f"{prefix} electrode active material volume fraction": fraction,
        f"Secondary: Maximum concentration in {slot.lower()} electrode [mol.m-3]": c_max,
        f"Secondary: Initial concentration in {slot.lower()} electrode [mol.m-3]":
            _trap_start(carbon) * c_max,
        f"{prefix} particle radius [m]": carbon.geometry.equivalent_sphere_radius_m,
        f"{prefix} particle diffusivity [m2.s-1]": _TRAP_DIFFUSIVITY_M2_S,
        f"{prefix} electrode exchange-current density [A.m-2]":
            functions.ButlerVolmerExchangeCurrent(
                material.value("exchange-current density [A.m-2]"), c_e_ref,
                material.value("exchange-current activation energy [J.mol-1]")),
        f"{prefix} electrode OCP entropic change [V.K-1]": 0.0,
        f"{prefix} electrode lithiation OCP [V]": functions.SiteOCP(
            material.value("trap filling potential [V]"), spread),
        f"{prefix} electrode delithiation OCP [V]": functions.SiteOCP(
            material.value("trap release potential [V]"), spread),
        f"{prefix} electrode OCP [V]": functions.SiteOCP(
            0.5 * (material.value("trap filling potential [V]")
                   + material.value("trap release potential [V]")), spread),
        # Pristine sites sit on their filling branch; "switching" is Axen's decay rate.
        f"Secondary: Initial hysteresis state in {slot.lower()} electrode": -1.0,
        f"{prefix} particle lithiation hysteresis decay rate":
            material.value("trap branch switching rate"),
        f"{prefix} particle delithiation hysteresis decay rate":
            material.value("trap branch switching rate"),
    }
