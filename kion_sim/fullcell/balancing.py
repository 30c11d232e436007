"""Balancing a full cell from its two half cells, and the remedies for first-cycle K loss.

Every K+ a full cell cycles comes from the cathode (K0.6CoO2 is made with 0.6 K per Co). The
first potassiation of the carbon spends part of it on the SEI, and that K never returns: the
anode's first-cycle loss becomes the full cell's. Researchers compensate in three ways, each
an option of :func:`full_cell_design`:

- pre-potassiation: the carbon starts holding K (chemically or electrochemically added),
  given in mAh per g of anode; exactly that much, filling the trap sites first;
- cathode excess: more cathode per area, so its spare K pays for the SEI (the N/P ratio falls);
- a K-rich cathode start: K0.6CoO2 topped up to a higher x before assembly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kion_sim.errors import InvalidInputError
from kion_sim.parameters.assemble import (
    LIMIT_KEYS,
    CellParameters,
    ElectrodeDesign,
    build_cell_parameters,
    prepotassiated,
)
from kion_sim.parameters.catalog import Component, cell_names, load_cell, load_material

FULL_CELL = "full_cell"


def electrode_window_V(material: str | Component) -> tuple[float, float]:
    """The window the material is cycled in vs K/K+: that of its own built-in half cell, else
    (a user's or a BPX file's material) the potential limits its file states."""
    component = load_material(material) if isinstance(material, str) else material
    for name in cell_names():
        cell = load_cell(name)
        if cell.kind == "half_cell" and cell.references.get("working") == component.name:
            return (cell.value("default lower voltage cut-off [V]"),
                    cell.value("default upper voltage cut-off [V]"))
    if all(key in component.quantities for key in LIMIT_KEYS):
        return tuple(component.value(key) for key in LIMIT_KEYS)
    missing = " and no ".join(repr(k) for k in LIMIT_KEYS if k not in component.quantities)
    raise InvalidInputError(
        f"no built-in half cell of {component.name!r} ({component.path}) says its voltage "
        f"window, and its file states no {missing}; "
        f"state both, vs K/K+ (e.g. 0.0 and 1.5 V for a carbon), so the full cell can be "
        f"balanced over them: in a material TOML under [values], in a BPX file under "
        f"User-defined as 'kion_sim: Negative electrode lower potential limit [V]' (and upper, "
        f"and Positive)")


def stoichiometry_at(design: ElectrodeDesign, potential_V: float) -> float:
    """Equilibrium stoichiometry at ``potential_V`` vs K/K+ (inverse of the tabulated OCP)."""
    sto, ocp = np.array(design.ocp.stoichiometry), np.array(design.ocp.potential_V)
    return float(np.interp(potential_V, ocp[::-1], sto[::-1]))


@dataclass(frozen=True)
class Balance:
    """Areal capacities [mAh/cm2] of each electrode over its window, and what they imply."""

    anode_window_mAh_cm2: float
    cathode_window_mAh_cm2: float
    cathode_first_charge_mAh_cm2: float
    prepotassiation_mAh_cm2: float

    @property
    def n_to_p(self) -> float:
        """N/P: anode over cathode reversible capacity per area (each in its own window)."""
        return self.anode_window_mAh_cm2 / self.cathode_window_mAh_cm2


def balance(cell: CellParameters) -> Balance:
    """N/P ratio and K inventory of a full cell, from its loadings and the two OCP windows."""
    if cell.is_half_cell:
        raise InvalidInputError(f"{cell.name} is a half cell; balancing needs a full cell")
    anode, cathode = cell.electrodes["anode"], cell.electrodes["cathode"]
    area_cm2 = cell.values["Electrode height [m]"] * cell.values["Electrode width [m]"] * 1e4
    a_low, a_high = electrode_window_V(anode.material)
    c_low, c_high = electrode_window_V(cathode.material)
    anode_span = stoichiometry_at(anode, a_low) - stoichiometry_at(anode, a_high)
    cathode_span = stoichiometry_at(cathode, c_low) - stoichiometry_at(cathode, c_high)
    first_charge = cathode.initial_stoichiometry - stoichiometry_at(cathode, c_high)
    per_cm2 = lambda design, span: design.capacity_Ah(span) * 1e3 / area_cm2  # noqa: E731
    return Balance(per_cm2(anode, anode_span), per_cm2(cathode, cathode_span),
                   per_cm2(cathode, first_charge),
                   anode.prepotassiation_mAh_g * anode.active_mass_g / area_cm2)


def full_cell_design(prepotassiation_mAh_g: float = 0.0, cathode_excess_pct: float = 0.0,
                     cathode_initial_x: float | None = None,
                     anode_loading_mg_cm2: float | None = None,
                     name: str = FULL_CELL,
                     material_overrides: dict[str, dict[str, float]] | None = None,
                     electrode_overrides: dict[str, dict[str, float]] | None = None,
                     window_guards: bool = True,
                     mechanism: str | None = None,
                     ) -> CellParameters:
    """The full cell with the first-cycle remedies applied.

    Parameters
    ----------
    prepotassiation_mAh_g
        K put into the carbon before assembly, per g of carbon.
    cathode_excess_pct
        Extra cathode loading, % over the set's value.
    cathode_initial_x
        x in KxCoO2 at assembly (default: the as-made 0.6).
    anode_loading_mg_cm2
        Carbon loading (default: the set's value).
    material_overrides, electrode_overrides
        Values replaced before the remedies are applied
        (an uncertainty sample), as in :func:`~kion_sim.parameters.build_cell_parameters`.
    window_guards
        End each charge and discharge also where an electrode reaches a potential
        limit its material states (the cathode's 3.9 V, the carbon's 0 V and 1.5 V), not only
        at the cell's voltage cut-offs; False runs on the cut-offs alone and only reports.
    mechanism
        The carbon's fade mechanism (default: the one the cell declares), with its stored fit.
    """
    base = build_cell_parameters(name, material_overrides, electrode_overrides, mechanism)
    anode, cathode = base.electrodes["anode"], base.electrodes["cathode"]
    if prepotassiation_mAh_g < 0 or cathode_excess_pct <= -100:
        raise InvalidInputError("pre-potassiation must be >= 0 mAh/g and cathode excess "
                                f"> -100 %; got {prepotassiation_mAh_g}, {cathode_excess_pct}")
    cathode_x = cathode.initial_stoichiometry if cathode_initial_x is None else cathode_initial_x
    anode_sto = prepotassiated(anode, prepotassiation_mAh_g, base.trapping).initial_stoichiometry
    for label, value, design in (("anode", anode_sto, anode), ("cathode", cathode_x, cathode)):
        low, high = min(design.ocp.stoichiometry), max(design.ocp.stoichiometry)
        if not low <= value <= high:
            raise InvalidInputError(f"{label} would start at stoichiometry {value:.3f}, outside "
                                    f"its tabulated range {low:.3f}-{high:.3f}")
    recipe = load_cell(name).electrodes
    given = electrode_overrides or {}
    loading = given.get("cathode", {}).get(
        "active mass loading [mg.cm-2]", recipe["cathode"]["active mass loading [mg.cm-2]"].value)
    overrides = {role: dict(values) for role, values in given.items()}
    overrides.setdefault("cathode", {}).update({
        "initial stoichiometry": cathode_x,
        "active mass loading [mg.cm-2]": loading * (1 + cathode_excess_pct / 100)})
    if anode_loading_mg_cm2 is not None:
        overrides.setdefault("anode", {})["active mass loading [mg.cm-2]"] = anode_loading_mg_cm2
    return build_cell_parameters(name, material_overrides, overrides, mechanism,
                                 prepotassiation_mAh_g=prepotassiation_mAh_g,
                                 window_guards=window_guards)
