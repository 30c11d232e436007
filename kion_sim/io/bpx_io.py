"""Battery Parameter eXchange (BPX) out and in, through the ``bpx`` package's own schema.

What BPX carries: an isothermal-or-lumped porous-electrode cell (DFN/SPMe/SPM) with OCPs and
diffusivities as tables, Arrhenius activation energies, a Butler-Volmer rate constant, and
electrolyte transport as tables. kion_sim's OCPs (MSMR-derived) and electrolyte data are tables
already, so they travel exactly.

What BPX cannot carry, and how the export says so (``BPXExport.not_carried`` and a "Not
carried" sentence in the header's ``Description``):

- SEI growth, its film resistance and the SEI-forming solvent: BPX has no degradation
  mechanisms (its ``State.Degradation`` holds only LLI/LAM amounts, not rates).
- Stress-driven loss of active material (graphite's swelling damage): likewise, and a
  material's own fade (the cathode's loss of host per K cycled).
- The K metal counter electrode of a half cell: BPX describes two porous electrodes and has
  no metal electrode. A half cell is exported as a "Partial" BPX (valid under bpx's parser)
  holding the working electrode in the positive slot, as PyBaMM's half-cell models place it,
  with the K metal's values under "User-defined". :func:`read_bpx` rebuilds the half cell;
  a generic BPX tool sees a partial parameterisation it cannot run as a full cell.
- A material's density (kion_sim talks in mA/g), double-layer capacitance, potential limits
  vs K/K+ (where a full cell's steps end), and the cell's
  protocol window and first step: written under "User-defined" as ``kion_sim: ...`` keys, so
  ``--cell file.bpx.json`` (:mod:`kion_sim.parameters.bpx_cell`) reads the same cell back.
- A charge-transfer coefficient other than 0.5 and a thermodynamic factor other than 1
  (BPX assumes both); the export refuses a set that needs them.

Rate constant: kion_sim's exchange current is j0 = j0_ref sqrt(c_e/c_e_ref) sqrt(x(1-x))/0.5
and BPX's is F k sqrt(c_e/c_e0) sqrt(x(1-x)) with c_e0 the initial electrolyte concentration,
so k = 2 j0_ref sqrt(c_e0/c_e_ref) / F. Solid conductivity is given as effective (sigma
eps_s^b), as BPX defines it; transport efficiency is eps^b.
"""

from __future__ import annotations

import copy
import json
import math
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pybamm

from kion_sim.errors import DataFileError, ParameterSetError
from kion_sim.parameters.assemble import LIMIT_KEYS, CellParameters, cell_parameters
from kion_sim.parameters.functions import MetalExchangeCurrent
from kion_sim.parameters.mechanisms import material_fade

BPX_VERSION = "1.0.0"
FARADAY_C_MOL = 96485.33212
# A CR2032 coin cell can (20 mm x 3.2 mm): BPX requires a volume and a cooling area; an
# isothermal run never uses them.
_COIN_CELL = {"External surface area [m2]": 8.29e-4, "Volume [m3]": 1.005e-6}
_METAL_PREFIX = "K metal counter electrode: "
_METAL_KEYS = ("Lithium metal partial molar volume [m3.mol-1]",
               "Negative electrode conductivity [S.m-1]", "Negative electrode thickness [m]",
               "Negative electrode OCP [V]", "Negative electrode charge transfer coefficient")


@dataclass
class BPXExport:
    """A BPX document (JSON-ready dict) and the kion_sim features it could not carry."""

    document: dict
    not_carried: list[str] = field(default_factory=list)

    def write(self, path: str | Path) -> Path:
        """Write the document as JSON, whole or not at all."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(suffix=".json.part", dir=path.parent)
        try:
            with os.fdopen(handle, "w") as stream:
                json.dump(self.document, stream, indent=2)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)
        return path


def _table(function) -> dict:
    return {"x": list(function.stoichiometry), "y": list(function.potential_V)}


def _electrode(cell: CellParameters, role: str, sto_limits: tuple[float, float]) -> dict:
    design, values = cell.electrodes[role], cell.values
    slot = design.slot
    porosity = values[f"{slot} electrode porosity"]
    active = values[f"{slot} electrode active material volume fraction"]
    radius = values[f"{slot} particle radius [m]"]
    diffusivity = values[f"{slot} particle diffusivity [m2.s-1]"]
    exchange = values[f"{slot} electrode exchange-current density [A.m-2]"]
    c_e0 = values["Initial concentration in electrolyte [mol.m-3]"]
    if values[f"{slot} electrode charge transfer coefficient"] != 0.5:
        raise ParameterSetError(f"{cell.name}: BPX assumes a charge-transfer coefficient of "
                                f"0.5; the {role} has "
                                f"{values[f'{slot} electrode charge transfer coefficient']}")
    return {
        "Thickness [m]": values[f"{slot} electrode thickness [m]"],
        "Porosity": porosity,
        "Transport efficiency":
            porosity ** values[f"{slot} electrode Bruggeman coefficient (electrolyte)"],
        "Conductivity [S.m-1]": values[f"{slot} electrode conductivity [S.m-1]"]
            * active ** values[f"{slot} electrode Bruggeman coefficient (electrode)"],
        "Minimum stoichiometry": sto_limits[0],
        "Maximum stoichiometry": sto_limits[1],
        "Maximum concentration [mol.m-3]": design.max_concentration_mol_m3,
        "Particle radius [m]": radius,
        "Surface area per unit volume [m-1]": 3 * active / radius,
        "Diffusivity [m2.s-1]": diffusivity.reference_m2_s,
        "Diffusivity activation energy [J.mol-1]": diffusivity.activation_energy_J_mol,
        "OCP [V]": _table(design.ocp),
        "Entropic change coefficient [V.K-1]": 0.0,
        "Reaction rate constant [mol.m-2.s-1]": 2 * exchange.reference_A_m2
            * math.sqrt(c_e0 / exchange.reference_electrolyte_mol_m3) / FARADAY_C_MOL,
        "Reaction rate constant activation energy [J.mol-1]": exchange.activation_energy_J_mol,
    }


def _limits(cell: CellParameters) -> tuple[dict[str, tuple[float, float]], float]:
    """Stoichiometry limits per role and the initial SOC they give (BPX: linear in SOC).

    A half cell spans its working electrode's whole OCP table. A full cell's 0 % SOC is the
    state as assembled and its 100 % SOC that state after the nominal capacity has moved, so
    the initial state sits exactly at SOC 0 in both electrodes.
    """
    if cell.is_half_cell:
        design = cell.electrodes["working"]
        low, high = min(design.ocp.stoichiometry), max(design.ocp.stoichiometry)
        # Working electrode in the positive slot: charged (SOC 1) at its lowest stoichiometry.
        return {"working": (low, high)}, (high - design.initial_stoichiometry) / (high - low)
    nominal = cell.values["Nominal cell capacity [A.h]"]
    anode, cathode = cell.electrodes["anode"], cell.electrodes["cathode"]
    x0, y0 = anode.initial_stoichiometry, cathode.initial_stoichiometry
    return {"anode": (x0, x0 + nominal / anode.capacity_Ah(1.0)),
            "cathode": (y0 - nominal / cathode.capacity_Ah(1.0), y0)}, 0.0


def not_carried(cell: CellParameters) -> list[str]:
    """The kion_sim features of ``cell`` that a BPX file cannot hold."""
    missing = []
    if cell.mechanism.name != "none":
        missing.append(f"the fade mechanism {cell.mechanism.name} ({cell.mechanism.label}): "
                       f"BPX has no degradation mechanisms")
    for role, design in cell.electrodes.items():
        for option, word in material_fade(design.material).items():
            missing.append(f"the {role}'s own fade ({option}: {word}, declared by "
                           f"{design.material.name}): BPX has no degradation mechanisms")
        if design.geometry is not None and design.geometry.shape != "sphere":
            missing.append(f"the {role}'s particle shape ({design.geometry.describe()}): BPX "
                           f"has spheres only; the file holds the sphere with the same surface "
                           f"per volume")
    if cell.trapping:
        missing.append("the carbon's K-trapping sites (a second particle phase): BPX has one "
                       "phase per electrode")
    if cell.is_half_cell:
        missing.append("the K metal counter electrode: BPX has no metal electrode, so this is "
                       "a Partial BPX with the working electrode in the positive slot and the "
                       "K metal's values under User-defined (kion_sim.io.read_bpx rebuilds it)")
    return missing


def to_bpx(cell: str | CellParameters) -> BPXExport:
    """Export a cell as a BPX document, validated by ``bpx.parse_bpx_obj``.

    Examples
    --------
    >>> export = to_bpx("full_cell")
    >>> export.document["Header"]["Model"], len(export.not_carried)
    ('DFN', 4)
    """
    import bpx

    cell = cell_parameters(cell) if isinstance(cell, str) else cell
    values = cell.values
    if values["Thermodynamic factor"] != 1.0:
        raise ParameterSetError(f"{cell.name}: BPX assumes a thermodynamic factor of 1, the "
                                f"set has {values['Thermodynamic factor']}")
    limits, soc = _limits(cell)
    parameterisation = _parameterisation(cell, limits)
    missing = not_carried(cell)
    document = {
        "Header": {"BPX": BPX_VERSION, "Title": f"kion_sim {cell.name}: {cell.label}",
                   "Description": "Exported by kion_sim. Not carried: " + "; ".join(missing)
                   if missing else "Exported by kion_sim; every value of the set is carried.",
                   "References": "see the kion_sim parameter set's citations",
                   "Model": "Partial" if cell.is_half_cell else "DFN"},
        "Parameterisation": parameterisation,
        "State": {"Initial conditions": {
                      "Initial state-of-charge": soc,
                      "Initial temperature [K]": values["Initial temperature [K]"],
                      "Initial electrolyte concentration [mol.m-3]":
                          values["Initial concentration in electrolyte [mol.m-3]"]},
                  "Thermal environment": {
                      "Ambient temperature [K]": values["Ambient temperature [K]"],
                      "Heat transfer coefficient [W.m-2.K-1]":
                          values["Total heat transfer coefficient [W.m-2.K-1]"]}},
    }
    bpx.parse_bpx_obj(copy.deepcopy(document))  # bpx's own validator: raises if invalid
    return BPXExport(document, missing)


def _parameterisation(cell: CellParameters, limits: dict) -> dict:
    """BPX's Parameterisation block: cell, electrolyte, separator and electrodes."""
    values = cell.values
    electrolyte_D = values["Electrolyte diffusivity [m2.s-1]"]
    electrolyte_kappa = values["Electrolyte conductivity [S.m-1]"]
    parameterisation = {
        "Cell": {"Electrode area [m2]": values["Electrode height [m]"]
                 * values["Electrode width [m]"],
                 **_COIN_CELL,
                 "Number of electrode pairs connected in parallel to make a cell": 1,
                 "Lower voltage cut-off [V]": values["Lower voltage cut-off [V]"],
                 "Upper voltage cut-off [V]": values["Upper voltage cut-off [V]"],
                 "Nominal cell capacity [A.h]": values["Nominal cell capacity [A.h]"],
                 "Reference temperature [K]": values["Reference temperature [K]"]},
        "Electrolyte": {
            "Cation transference number": values["Cation transference number"],
            "Diffusivity [m2.s-1]": {"x": list(electrolyte_D.concentration_mol_m3),
                                     "y": list(electrolyte_D.values)},
            "Diffusivity activation energy [J.mol-1]": electrolyte_D.activation_energy_J_mol,
            "Conductivity [S.m-1]": {"x": list(electrolyte_kappa.concentration_mol_m3),
                                     "y": list(electrolyte_kappa.values)},
            "Conductivity activation energy [J.mol-1]":
                electrolyte_kappa.activation_energy_J_mol},
        "Separator": {"Thickness [m]": values["Separator thickness [m]"],
                      "Porosity": values["Separator porosity"],
                      "Transport efficiency": values["Separator porosity"]
                      ** values["Separator Bruggeman coefficient (electrolyte)"]},
    }
    for role, (low, high) in limits.items():
        slot = cell.electrodes[role].slot
        parameterisation[f"{slot} electrode"] = _electrode(cell, role, (low, high))
    user = _metal_values(values) if cell.is_half_cell else {
        "description": "kion_sim's own values (kion_sim.parameters.bpx_cell reads them)"}
    user.update(_kion_sim_values(cell))
    parameterisation["User-defined"] = user
    return parameterisation


def _kion_sim_values(cell: CellParameters) -> dict:
    """What kion_sim needs to read the file back as this cell and BPX has no key for: each
    material's density (mA/g), double-layer capacitance (EIS), the protocol's window and
    first step (:mod:`kion_sim.parameters.bpx_cell`)."""
    from kion_sim.parameters import load_cell
    from kion_sim.parameters.bpx_cell import USER_PREFIX

    component = load_cell(cell.name)
    user = {}
    for design in cell.electrodes.values():
        prefix = f"{USER_PREFIX}{design.slot} electrode "
        user[prefix + "density [g.cm-3]"] = design.material.value("density [g.cm-3]")
        for key in ("double-layer capacitance [F.m-2]", *LIMIT_KEYS):
            if key in design.material.quantities:
                user[prefix + key] = design.material.value(key)
    for side in ("lower", "upper"):
        user[f"{USER_PREFIX}default {side} voltage cut-off [V]"] = component.value(
            f"default {side} voltage cut-off [V]")
    user[f"{USER_PREFIX}first step is a charge"] = int(
        component.protocol.get("first_step", "discharge") == "charge")
    return user


def _metal_values(values: dict) -> dict:
    metal = values["Exchange-current density for lithium metal electrode [A.m-2]"]
    user = {"description": "K metal counter electrode of a kion_sim half cell (PyBaMM keys; "
                           "BPX has no metal electrode)"}
    user.update({_METAL_PREFIX + key: float(values[key]) for key in _METAL_KEYS})
    user[_METAL_PREFIX + "exchange-current density [A.m-2]"] = metal.reference_A_m2
    user[_METAL_PREFIX + "exchange-current reference electrolyte [mol.m-3]"] = (
        metal.reference_electrolyte_mol_m3)
    user[_METAL_PREFIX + "exchange-current activation energy [J.mol-1]"] = (
        metal.activation_energy_J_mol)
    return user


def write_bpx(cell: str | CellParameters, path: str | Path) -> BPXExport:
    """Export ``cell`` (see :func:`to_bpx`) and write it as JSON at ``path``."""
    export = to_bpx(cell)
    export.write(path)
    return export


def read_bpx(path: str | Path) -> pybamm.ParameterValues:
    """PyBaMM parameter values from a BPX file, through ``pybamm.ParameterValues``' importer.

    The initial concentrations follow the file's initial state of charge, linear in SOC
    between the stoichiometry limits (BPX's definition). A kion_sim half cell (a Partial BPX
    with K metal values under User-defined) comes back as PyBaMM's half-cell set.
    """
    import bpx

    try:
        document = json.loads(Path(path).read_text())
        parsed = bpx.parse_bpx_obj(copy.deepcopy(document))
    except (OSError, ValueError, KeyError, TypeError) as error:  # pydantic: ValueError
        raise DataFileError(f"{path} is not a valid BPX file: {error}") from None
    soc = parsed.state.initial_conditions.initial_soc if parsed.state else None
    soc = 1.0 if soc is None else soc
    document["State"]["Initial conditions"].pop("Initial state-of-charge", None)
    half_cell = parsed.parameterisation.negative_electrode is None
    if half_cell:  # PyBaMM's importer needs two electrodes: borrow the working one, then drop it
        document["Header"]["Model"] = "DFN"
        document["Parameterisation"]["Negative electrode"] = copy.deepcopy(
            document["Parameterisation"]["Positive electrode"])
    user = document["Parameterisation"].pop("User-defined", None)
    with warnings.catch_warnings():
        # PyBaMM's importer trips pydantic deprecations, and warns that the OCV limits are
        # missing: they only place a SOC, and the concentrations are placed below instead.
        warnings.filterwarnings("ignore", message=".*model_fields.*")
        warnings.filterwarnings("ignore", message=".*Open-circuit voltage at.*")
        values = pybamm.ParameterValues.create_from_bpx_obj(document)
    positive = parsed.parameterisation.positive_electrode
    sto_p = positive.minimum_stoichiometry + (1 - soc) * (
        positive.maximum_stoichiometry - positive.minimum_stoichiometry)
    values["Initial concentration in positive electrode [mol.m-3]"] = (
        sto_p * positive.maximum_concentration)
    if half_cell:
        return _as_half_cell(values, user or {})
    negative = parsed.parameterisation.negative_electrode
    sto_n = negative.minimum_stoichiometry + soc * (
        negative.maximum_stoichiometry - negative.minimum_stoichiometry)
    values["Initial concentration in negative electrode [mol.m-3]"] = (
        sto_n * negative.maximum_concentration)
    return values


def _as_half_cell(values: pybamm.ParameterValues, user: dict) -> pybamm.ParameterValues:
    kept = {key: value for key, value in values.items()
            if not key.startswith(("Negative electrode", "Negative particle"))
            and "negative electrode" not in key}
    try:
        for key in _METAL_KEYS:
            kept[key] = user[_METAL_PREFIX + key]
        kept["Exchange-current density for lithium metal electrode [A.m-2]"] = (
            MetalExchangeCurrent(
                user[_METAL_PREFIX + "exchange-current density [A.m-2]"],
                user[_METAL_PREFIX + "exchange-current reference electrolyte [mol.m-3]"],
                user[_METAL_PREFIX + "exchange-current activation energy [J.mol-1]"]))
    except KeyError as missing:
        raise DataFileError(f"this Partial BPX lacks the K metal value {missing} under "
                            f"User-defined; only kion_sim half-cell exports can be read back "
                            f"as half cells") from None
    kept["Positive electrode charge transfer coefficient"] = 0.5  # BPX's symmetric kinetics
    return pybamm.ParameterValues(kept)
