"""The conversion behind :mod:`kion_sim.parameters.bpx_cell`: one BPX document (already
checked by bpx's schema) into kion_sim components, a cell and the materials it uses.

Values are converted, not refitted (the rules are in :mod:`kion_sim.parameters.bpx_cell`);
each carries provenance "reported" and a source naming the file and the key, or "estimate"
with a range where BPX has no key for it (a density, the SEI-forming solvent).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from kion_sim.errors import ParameterSetError
from kion_sim.parameters.catalog import Component, Quantity, Table, load_material

BPX_SUFFIX = ".json"
USER_PREFIX = "kion_sim: "
METAL_PREFIX = "K metal counter electrode: "  # kion_sim's half-cell exports (io/bpx_io.py)
_GAS_CONSTANT = 8.314462618
_FARADAY = 96485.33212
_REFERENCE_T_K = 298.15  # kion_sim's material functions are referred to 25 C
_OCP_POINTS = 201
# BPX describes volumes, not masses: a density sets the mass behind every mA/g and mAh/g.
DEFAULT_DENSITY_G_CM3 = {
    "Negative": (2.1, (1.5, 2.3), "a carbon anode: hard and soft carbons 1.5-2.1 g/cm3, "
                                  "graphite 2.26"),
    "Positive": (3.5, (1.8, 5.0), "a K-ion cathode: Prussian-blue analogues ~1.8-2, layered "
                                  "oxides ~4-5 g/cm3; the middle taken"),
}
_SOLVENT = (7500.0, (3000.0, 12000.0),
            "BPX has no SEI-forming solvent; only a fade mechanism reads it and a BPX cell has "
            "none (EC at half the volume of a carbonate blend taken)")


class BpxReader:
    """Turns one validated BPX document into kion_sim components: ``components()`` holds the
    cell the file describes (``"cell"``), its half cells (``"negative"``, ``"positive"``) and
    its materials (``"Negative electrode"``, ``"electrolyte"``, ``"counter"``...)."""

    def __init__(self, path: Path, document: dict):
        self.path, self.document = path, document
        self.stem = path.name.removesuffix(BPX_SUFFIX).removesuffix(".bpx")
        self.parameterisation = document["Parameterisation"]
        self.user = self.parameterisation.get("User-defined") or {}
        state = document.get("State") or {}
        self.initial = state.get("Initial conditions") or {}
        cell = self.parameterisation.get("Cell") or {}
        self.cell = cell
        self.reference_T = float(cell.get("Reference temperature [K]", _REFERENCE_T_K))
        self.slots = [slot for slot in ("Negative", "Positive")
                      if f"{slot} electrode" in self.parameterisation]
        if not self.slots:
            raise self.error("Parameterisation", "holds no electrode",
                             "a 'Negative electrode', a 'Positive electrode' or both")
        for section in ("Cell", "Electrolyte", "Separator"):
            if section not in self.parameterisation:
                raise self.error(f"Parameterisation > {section}", "is missing",
                                 f"a {section} section (a kion_sim cell needs it even in a "
                                 f"Partial BPX)")
        self.c_e0 = self.number(("State", "Initial conditions",
                                 "Initial electrolyte concentration [mol.m-3]"),
                                self.initial.get("Initial electrolyte concentration [mol.m-3]"))

    # --- helpers -----------------------------------------------------------------------
    def error(self, where: str, problem: str, valid: str) -> ParameterSetError:
        return ParameterSetError(f"{self.path}: {where} {problem}; valid: {valid}")

    def number(self, where: tuple[str, ...], value, positive: bool = True) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or \
                not math.isfinite(value) or (positive and not value > 0):
            raise self.error(" > ".join(where), f"is {value!r}",
                             "a positive number" if positive else "a finite number")
        return float(value)

    def quantity(self, key: str, value: float, where: str) -> Quantity:
        return Quantity(key, float(value), "reported", f"BPX file {self.path}: {where}")

    def to_25C(self, value: float, activation_J_mol: float) -> float:
        """A value at the file's reference temperature, referred to 25 C instead."""
        return value * math.exp(activation_J_mol / _GAS_CONSTANT
                                * (1 / self.reference_T - 1 / _REFERENCE_T_K))

    def curve(self, where: str, entry, grid: np.ndarray, what: str) -> tuple[np.ndarray, ...]:
        """(x, y) of a BPX number, table or expression in x."""
        if isinstance(entry, dict):
            x, y = np.asarray(entry.get("x", []), float), np.asarray(entry.get("y", []), float)
        elif isinstance(entry, str):
            from bpx import Function

            function = Function(entry).to_python_function()
            x = grid
            try:
                y = np.array([function(float(value)) for value in grid], float)
            except (ArithmeticError, ValueError) as error:
                raise self.error(where, f"cannot be evaluated on {what} ({error})",
                                 "an expression in x finite over that range, or a table"
                                 ) from None
        elif isinstance(entry, int | float) and not isinstance(entry, bool):
            x, y = np.array([grid[0], grid[-1]]), np.array([float(entry)] * 2)
        else:
            raise self.error(where, f"is {entry!r}", "a number, a table {x, y} or an "
                             "expression in x")
        if len(x) < 2 or len(x) != len(y) or not np.all(np.isfinite(y)) or \
                not np.all(np.diff(x) > 0):
            raise self.error(where, "is not a curve kion_sim can tabulate",
                             "two or more finite points with x increasing")
        return x, y

    def table(self, name: str, x_label: str, y_label: str, xy, where: str) -> Table:
        return Table(name, xy[0], xy[1], x_label, y_label, "reported",
                     f"BPX file {self.path}: {where}", self.path)

    # --- components --------------------------------------------------------------------
    def components(self) -> dict[str, Component]:
        materials = {f"{slot} electrode": self.electrode_material(slot) for slot in self.slots}
        materials["electrolyte"] = self.electrolyte()
        materials["counter"] = self.counter()
        cells = {}
        if len(self.slots) == 2:
            cells["cell"] = self.full_cell()
            for slot in self.slots:
                cells[slot.lower()] = self.half_cell(slot, assembled=True)
        else:
            cells["cell"] = self.half_cell(self.slots[0], assembled=False)
        return {**materials, **cells}

    def electrode(self, slot: str) -> dict:
        electrode = self.parameterisation[f"{slot} electrode"]
        where = f"Parameterisation > {slot} electrode"
        if "Particle" in electrode:
            raise self.error(where, "is a blended electrode (Particle)",
                             "one active material per electrode: kion_sim has no blends")
        for key in ("Porosity", "Transport efficiency", "Conductivity [S.m-1]"):
            if key not in electrode:
                raise self.error(f"{where} > {key}", "is missing (an SPM-only BPX)",
                                 "the DFN/SPMe form of BPX, with Porosity, Transport "
                                 "efficiency and Conductivity [S.m-1] for each electrode")
        if "OCP [V]" not in electrode or isinstance(electrode["OCP [V]"], int | float):
            raise self.error(f"{where} > OCP [V]", f"is {electrode.get('OCP [V]')!r}",
                             "a table {x, y} of OCP vs stoichiometry or an expression in x "
                             "(kion_sim has no OCP hysteresis: OCP (lithiation) and "
                             "(delithiation) are not read)")
        return electrode

    def density(self, slot: str) -> Quantity:
        key = f"{USER_PREFIX}{slot} electrode density [g.cm-3]"
        if key in self.user:
            value = self.number(("User-defined", key), self.user[key])
            return self.quantity("density [g.cm-3]", value, f"User-defined '{key}'")
        value, span, reason = DEFAULT_DENSITY_G_CM3[slot]
        return Quantity("density [g.cm-3]", value, "estimate",
                        f"BPX carries no density (file {self.path}): {reason}; state yours as "
                        f"User-defined '{key}'", span,
                        "the densities of the K-ion materials of this slot")

    def electrode_material(self, slot: str) -> Component:
        electrode, where = self.electrode(slot), f"Parameterisation > {slot} electrode"
        diffusivity = electrode["Diffusivity [m2.s-1]"]
        if isinstance(diffusivity, bool) or not isinstance(diffusivity, int | float):
            raise self.error(f"{where} > Diffusivity [m2.s-1]", "varies with stoichiometry",
                             "one number [m2/s]: kion_sim's materials take one diffusivity "
                             "with an Arrhenius activation energy")
        density = self.density(slot)
        c_max = self.number((where, "Maximum concentration [mol.m-3]"),
                            electrode["Maximum concentration [mol.m-3]"])
        capacity = c_max * _FARADAY / (density.value * 1e6) / 3.6
        e_d = float(electrode.get("Diffusivity activation energy [J.mol-1]", 0.0))
        e_k = float(electrode.get("Reaction rate constant activation energy [J.mol-1]", 0.0))
        k = self.number((where, "Reaction rate constant [mol.m-2.s-1]"),
                        electrode["Reaction rate constant [mol.m-2.s-1]"])
        span = density.range and tuple(sorted(c_max * _FARADAY / (d * 1e6) / 3.6
                                              for d in density.range))
        values = {
            "density [g.cm-3]": density,
            "specific capacity at full stoichiometry [mAh.g-1]": Quantity(
                "specific capacity at full stoichiometry [mAh.g-1]", capacity,
                density.provenance, f"BPX file {self.path}: {where} > Maximum concentration "
                f"{c_max:g} mol/m3 over the density {density.value:g} g/cm3", span,
                "the density's range" if span else ""),
            "particle radius [m]": self.quantity(
                "particle radius [m]", self.number((where, "Particle radius [m]"),
                                                   electrode["Particle radius [m]"]),
                f"{where} > Particle radius [m]"),
            "diffusivity [m2.s-1]": self.quantity(
                "diffusivity [m2.s-1]", self.to_25C(self.number(
                    (where, "Diffusivity [m2.s-1]"), diffusivity), e_d),
                f"{where} > Diffusivity [m2.s-1] (referred to 25 C)"),
            "diffusivity activation energy [J.mol-1]": self.quantity(
                "diffusivity activation energy [J.mol-1]", e_d,
                f"{where} > Diffusivity activation energy [J.mol-1] (0 if absent)"),
            "exchange-current density [A.m-2]": self.quantity(
                "exchange-current density [A.m-2]", self.to_25C(_FARADAY * k / 2, e_k),
                f"{where} > Reaction rate constant {k:g} mol/m2/s as F k / 2 at the initial "
                f"electrolyte concentration and half filling (referred to 25 C)"),
            "exchange-current activation energy [J.mol-1]": self.quantity(
                "exchange-current activation energy [J.mol-1]", e_k,
                f"{where} > Reaction rate constant activation energy [J.mol-1] (0 if absent)"),
            "charge transfer coefficient": self.quantity(
                "charge transfer coefficient", 0.5, "BPX's Butler-Volmer is symmetric"),
        }
        values.update(self.user_material_values(slot))
        low, high = electrode["Minimum stoichiometry"], electrode["Maximum stoichiometry"]
        ocp = self.curve(f"{where} > OCP [V]", electrode["OCP [V]"],
                         np.linspace(low, high, _OCP_POINTS), f"stoichiometry {low:g}-{high:g}")
        return Component(
            f"{self.stem} {slot.lower()} electrode", "insertion",
            f"{slot} electrode of BPX file {self.path.name}", values,
            {"ocp": self.table("ocp", "stoichiometry", "ocp_V", ocp, f"{where} > OCP [V]")},
            path=self.path)

    def user_material_values(self, slot: str) -> dict[str, Quantity]:
        """The impedance models' capacitance and the limits where a full cell's steps end,
        where the file states them under User-defined."""
        values = {}
        for key, positive in (("double-layer capacitance [F.m-2]", True),
                              ("lower potential limit [V]", False),
                              ("upper potential limit [V]", False)):
            user_key = f"{USER_PREFIX}{slot} electrode {key}"
            if user_key in self.user:
                values[key] = self.quantity(key, self.number(
                    ("User-defined", user_key), self.user[user_key], positive),
                    f"User-defined '{user_key}'")
        return values

    def electrolyte(self) -> Component:
        electrolyte, where = self.parameterisation["Electrolyte"], "Parameterisation > Electrolyte"
        grid = np.linspace(0.01, 3.0, 150) * self.c_e0
        tables, values = {}, {}
        for name, key in (("conductivity", "Conductivity [S.m-1]"),
                          ("diffusivity", "Diffusivity [m2.s-1]")):
            energy_key = f"{key.split(' [')[0]} activation energy [J.mol-1]"
            energy = float(electrolyte.get(energy_key, 0.0))
            x, y = self.curve(f"{where} > {key}", electrolyte[key], grid,
                              "0.01-3 times the initial concentration")
            tables[name] = self.table(name, "concentration_mol_m3", name,
                                      (x, self.to_25C(y, energy)),
                                      f"{where} > {key} (referred to 25 C)")
            values[f"{name} activation energy [J.mol-1]"] = self.quantity(
                f"{name} activation energy [J.mol-1]", energy,
                f"{where} > {energy_key} (0 if absent)")
        values.update({
            "salt concentration [mol.m-3]": self.quantity(
                "salt concentration [mol.m-3]", self.c_e0,
                "State > Initial conditions > Initial electrolyte concentration [mol.m-3]"),
            "cation transference number": self.quantity(
                "cation transference number", self.number(
                    (where, "Cation transference number"),
                    electrolyte["Cation transference number"]),
                f"{where} > Cation transference number"),
            "thermodynamic factor": self.quantity("thermodynamic factor", 1.0,
                                                  "BPX assumes an ideal electrolyte"),
            "transport activation energy [J.mol-1]": values[
                "conductivity activation energy [J.mol-1]"],
            "SEI-forming solvent concentration [mol.m-3]": Quantity(
                "SEI-forming solvent concentration [mol.m-3]", _SOLVENT[0], "estimate",
                _SOLVENT[2], _SOLVENT[1], "EC at a quarter to all of a carbonate blend"),
        })
        return Component(f"{self.stem} electrolyte", "electrolyte",
                         f"electrolyte of BPX file {self.path.name}", values, tables,
                         path=self.path)

    def counter(self) -> Component:
        """The catalogue's K metal, with the values a kion_sim export put under User-defined."""
        metal = load_material("potassium_metal")
        given = {key.removeprefix(METAL_PREFIX): value for key, value in self.user.items()
                 if key.startswith(METAL_PREFIX)}
        if not given:
            return metal
        read = {"conductivity [S.m-1]": "Negative electrode conductivity [S.m-1]",
                "foil thickness [m]": "Negative electrode thickness [m]",
                "charge transfer coefficient": "Negative electrode charge transfer coefficient",
                "exchange-current activation energy [J.mol-1]":
                    "exchange-current activation energy [J.mol-1]"}
        quantities = dict(metal.quantities)
        for key, user_key in read.items():
            if user_key in given:
                quantities[key] = self.quantity(key, given[user_key],
                                                f"User-defined '{METAL_PREFIX}{user_key}'")
        volume_key = "Lithium metal partial molar volume [m3.mol-1]"
        if volume_key in given:
            density = metal.value("molar mass [g.mol-1]") / (given[volume_key] * 1e6)
            quantities["density [g.cm-3]"] = self.quantity(
                "density [g.cm-3]", density, f"User-defined '{METAL_PREFIX}{volume_key}' "
                f"with the molar mass of K")
        j0_key = "exchange-current density [A.m-2]"
        if j0_key in given:  # kion_sim refers it to the cell's initial electrolyte
            reference = given.get("exchange-current reference electrolyte [mol.m-3]",
                                  self.c_e0)
            quantities[j0_key] = self.quantity(
                j0_key, given[j0_key] * math.sqrt(self.c_e0 / reference),
                f"User-defined '{METAL_PREFIX}{j0_key}' at the initial electrolyte")
        return Component(metal.name, metal.kind, metal.label, quantities, metal.tables,
                         citations=metal.citations, path=metal.path)

    def recipe(self, slot: str, stoichiometry: float, density: float) -> dict[str, Quantity]:
        electrode, where = self.parameterisation[f"{slot} electrode"], \
            f"Parameterisation > {slot} electrode"
        porosity = self.number((where, "Porosity"), electrode["Porosity"])
        bruggeman = math.log(self.number((where, "Transport efficiency"),
                                         electrode["Transport efficiency"])) / math.log(porosity)
        active = electrode["Surface area per unit volume [m-1]"] * \
            electrode["Particle radius [m]"] / 3
        if not 0 < active < 1 - porosity + 1e-9:
            raise self.error(f"{where} > Surface area per unit volume [m-1]",
                             f"gives an active volume fraction a R / 3 = {active:.3g} beside "
                             f"the porosity {porosity:g}",
                             "a fraction between 0 and 1 - porosity")
        thickness = self.number((where, "Thickness [m]"), electrode["Thickness [m]"])
        conductivity = electrode["Conductivity [S.m-1]"] / active ** bruggeman
        entries = {
            "active mass loading [mg.cm-2]": (
                thickness * density * 1e6 * active * 0.1,
                f"{where} > Thickness [m] x active fraction x the density {density:g} g/cm3"),
            "active material volume fraction": (
                active, f"{where} > Surface area per unit volume [m-1] x Particle radius / 3"),
            "porosity": (porosity, f"{where} > Porosity"),
            "Bruggeman coefficient": (
                bruggeman, f"{where} > ln(Transport efficiency) / ln(Porosity)"),
            "electrode conductivity [S.m-1]": (
                conductivity, f"{where} > Conductivity [S.m-1] (effective) over the active "
                              f"fraction to the Bruggeman coefficient"),
            "initial stoichiometry": (
                stoichiometry, f"{where} > stoichiometry limits at the initial state"),
        }
        return {key: self.quantity(key, value, source)
                for key, (value, source) in entries.items()}

    def cell_values(self, window: tuple[float, float], what: str) -> dict[str, Quantity]:
        separator, where = self.parameterisation["Separator"], "Parameterisation > Separator"
        porosity = self.number((where, "Porosity"), separator["Porosity"])
        cell = self.cell
        pairs = cell.get("Number of electrode pairs connected in parallel to make a cell", 1)
        temperature = self.initial.get("Initial temperature [K]", self.reference_T)
        entries = {
            "electrode area [cm2]": (cell["Electrode area [m2]"] * pairs * 1e4,
                                     "Cell > Electrode area [m2] x electrode pairs"),
            "separator thickness [m]": (separator["Thickness [m]"], f"{where} > Thickness [m]"),
            "separator porosity": (porosity, f"{where} > Porosity"),
            "separator Bruggeman coefficient": (
                math.log(separator["Transport efficiency"]) / math.log(porosity),
                f"{where} > ln(Transport efficiency) / ln(Porosity)"),
            "default lower voltage cut-off [V]": (window[0], what),
            "default upper voltage cut-off [V]": (window[1], what),
            "temperature [K]": (temperature, "State > Initial conditions > Initial "
                                             "temperature [K] (else the reference temperature)"),
        }
        return {key: self.quantity(key, value, source)
                for key, (value, source) in entries.items()}

    def window(self, default: tuple[float, float], what: str,
               own: bool = True) -> tuple[tuple[float, float], str]:
        """The protocol's window: the file's kion_sim keys for the cell it describes (``own``),
        else ``default``."""
        keys = [f"{USER_PREFIX}default {side} voltage cut-off [V]" for side in ("lower", "upper")]
        if own and all(key in self.user for key in keys):
            return tuple(self.number(("User-defined", key), self.user[key], positive=False)
                         for key in keys), f"User-defined '{keys[0]}' and '... upper ...'"
        return default, what

    def first_step(self, default: str, own: bool = True) -> dict[str, str]:
        key = f"{USER_PREFIX}first step is a charge"
        if not own or key not in self.user:
            return {"first_step": default}
        if self.user[key] not in (0, 1):
            raise self.error(f"User-defined > {key}", f"is {self.user[key]!r}",
                             "1 (the first step is a charge) or 0 (a discharge)")
        return {"first_step": "charge" if self.user[key] == 1 else "discharge"}

    def soc(self, assembled: bool) -> float:
        if assembled or "Initial state-of-charge" not in self.initial:
            return 0.0
        soc = self.initial["Initial state-of-charge"]
        if not 0 <= soc <= 1:
            raise self.error("State > Initial conditions > Initial state-of-charge",
                             f"is {soc!r}", "a number from 0 to 1")
        return float(soc)

    def stoichiometry(self, slot: str, soc: float) -> float:
        electrode = self.parameterisation[f"{slot} electrode"]
        low, high = electrode["Minimum stoichiometry"], electrode["Maximum stoichiometry"]
        # BPX: SOC 1 has the negative at its maximum and the positive at its minimum.
        return low + soc * (high - low) if slot == "Negative" else high - soc * (high - low)

    def references(self, roles: dict[str, str]) -> dict[str, str]:
        return {role: f"{self.path}#{part}" for role, part in roles.items()}

    def header_label(self, suffix: str) -> str:
        title = (self.document.get("Header") or {}).get("Title", self.path.name)
        return f"{title} (BPX{suffix})"

    def half_cell(self, slot: str, assembled: bool) -> Component:
        material = self.electrode_material(slot)
        x0 = self.stoichiometry(slot, self.soc(assembled))
        ocp = material.tables["ocp"]
        electrode = self.parameterisation[f"{slot} electrode"]
        ends = np.interp([electrode["Maximum stoichiometry"], electrode["Minimum stoichiometry"]],
                         ocp.x, ocp.y)
        window, what = self.window((float(min(ends)), float(max(ends))),
                                   "the OCP at the file's stoichiometry limits (BPX's cut-offs "
                                   "are a full cell's)", own=not assembled)
        references = self.references({"working": f"{slot} electrode", "counter": "counter",
                                      "electrolyte": "electrolyte"})
        return Component(
            f"{material.name} half cell", "half_cell",
            self.header_label(f": {slot.lower()} electrode vs K metal"),
            self.cell_values(window, what), references=references,
            electrodes={"working": self.recipe(slot, x0, material.value("density [g.cm-3]"))},
            protocol=self.first_step("discharge" if slot == "Negative" else "charge",
                                     own=not assembled),
            path=self.path, degradation={"mechanism": "none", "trapping": False})

    def full_cell(self) -> Component:
        soc = self.soc(assembled=False)
        window, what = self.window(
            (self.number(("Cell", "Lower voltage cut-off [V]"),
                         self.cell["Lower voltage cut-off [V]"], positive=False),
             self.number(("Cell", "Upper voltage cut-off [V]"),
                         self.cell["Upper voltage cut-off [V]"], positive=False)),
            "Cell > Lower and Upper voltage cut-off [V]")
        electrodes = {}
        for role, slot in (("anode", "Negative"), ("cathode", "Positive")):
            density = self.density(slot).value
            electrodes[role] = self.recipe(slot, self.stoichiometry(slot, soc), density)
        references = self.references({"anode": "Negative electrode",
                                      "cathode": "Positive electrode",
                                      "electrolyte": "electrolyte"})
        return Component(
            f"{self.stem} full cell", "full_cell", self.header_label(""),
            self.cell_values(window, what), references=references, electrodes=electrodes,
            protocol=self.first_step("charge"), path=self.path,
            degradation={"mechanism": "none", "trapping": False})
