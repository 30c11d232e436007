"""The K ledger: every mole of K a cell holds, checked against what was declared.

A conservation check that takes the state at t = 0 as its reference inherits every error of
the initial conditions (pre-potassiation once filled the trap sites on top of what was
declared, and no such check saw it). Here the reference is written from the declarations
alone, in mAh per g times grams, never from PyBaMM's concentrations:

- the cathode's K content at assembly (x in KxCoO2 times its capacity at full stoichiometry),
- the carbon's pristine stoichiometry (a numerical floor: pristine carbon holds no K), in its
  main phase and, with trapping, in its trap sites,
- a declared pre-potassiation of the carbon [mAh per g of carbon],
- in a half cell, the K the K-metal counter electrode has delivered through the circuit.

What is found is read from the solution: K in every particle phase, K bound in the SEI and
its cracks, K plated, and K locked in lost active material. PyBaMM counts the K of the
initial SEI film as outside the inventory (its losses start at zero), and so does the
ledger. The electrolyte's K+ belongs to the salt; it is conserved on its own and left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from kion_sim.parameters.assemble import FARADAY_C_MOL, CellParameters

_C_PER_MAH = 3.6
# Where K leaves the particles of an electrode, by PyBaMM's names ({slot} is "negative"...).
_LOSSES = ("Loss of lithium to {slot} SEI [mol]", "Loss of lithium to {slot} SEI on cracks [mol]",
           "Loss of lithium to {slot} lithium plating [mol]",
           "Loss of lithium due to loss of active material in {slot} electrode [mol]")


_LOSS_LABELS = dict(zip(_LOSSES, ("SEI", "SEI on cracks", "K plated",
                                  "K locked in lost active material"), strict=True))


def _mol(capacity_mAh_g: float, mass_g: float) -> float:
    return capacity_mAh_g * mass_g * _C_PER_MAH / FARADAY_C_MOL


def declared_K_sources(cell: CellParameters) -> dict[str, float]:
    """K [mol] of each declared source at assembly, from the declarations alone."""
    sources: dict[str, float] = {}
    for role, design in cell.electrodes.items():
        material, declared = design.material, design.declared_stoichiometry
        full = material.value("specific capacity at full stoichiometry [mAh.g-1]")
        label = "cathode content" if role == "cathode" else f"{role} pristine content"
        sources[label] = _mol(declared * full, design.active_mass_g)
        if design is cell.carbon and cell.trapping:  # the sites share the pristine floor
            sources[f"{role} trap sites, pristine"] = _mol(
                declared * material.value("trap capacity [mAh.g-1]"), design.active_mass_g)
        if design.prepotassiation_mAh_g:
            sources[f"{role} pre-potassiation"] = _mol(design.prepotassiation_mAh_g,
                                                       design.active_mass_g)
    return sources


@dataclass(frozen=True)
class KLedger:
    """Declared K sources against the K found in every phase, at one time of a run [mol]."""

    time_s: float
    declared_mol: dict[str, float]
    found_mol: dict[str, float]

    @property
    def declared_total_mol(self) -> float:
        return sum(self.declared_mol.values())

    @property
    def found_total_mol(self) -> float:
        return sum(self.found_mol.values())

    @property
    def relative_error(self) -> float:
        """(found - declared) / declared: K created (> 0) or destroyed (< 0)."""
        return self.found_total_mol / self.declared_total_mol - 1.0

    def as_dict(self) -> dict:
        return {"time_s": self.time_s, "declared_mol": self.declared_mol,
                "found_mol": self.found_mol, "declared_total_mol": self.declared_total_mol,
                "found_total_mol": self.found_total_mol, "relative_error": self.relative_error}


def K_ledger(cell: CellParameters, solution, index: int = -1) -> KLedger:
    """The ledger at time point ``index`` of a PyBaMM ``solution`` of ``cell``.

    Examples
    --------
    >>> from kion_sim.simulation import simulate
    >>> result = simulate("full_cell", "Charge at 20 mA/g until 3.8 V", model="SPM")
    >>> abs(K_ledger(result.cell, result.solution, 0).relative_error) < 1e-3
    True
    """
    variables = solution.all_models[0].variables
    read = lambda name: float(solution[name].entries[index])  # noqa: E731
    declared = declared_K_sources(cell)
    found: dict[str, float] = {}
    for role, design in cell.electrodes.items():
        slot = design.slot.lower()
        found[f"{role} particles"] = read(f"Total lithium in {slot} electrode [mol]")
        for template in _LOSSES:
            name = template.format(slot=slot)
            if name in variables:
                found[f"{role} {_LOSS_LABELS[template]}"] = read(name)
    if cell.is_half_cell:  # the K metal is a reservoir: count what it sent through the circuit
        declared["delivered by the K-metal counter electrode"] = (
            read("Discharge capacity [A.h]") * 3600.0 / FARADAY_C_MOL)
    return KLedger(read("Time [s]"), declared, found)
