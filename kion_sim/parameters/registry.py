"""Entry points of the ``pybamm_parameter_sets`` group: the cells as PyBaMM users expect them.

Once kion_sim is installed, ``pybamm.ParameterValues("KionSim_soft_carbon_half_cell")`` finds
these; each returns a fresh dict, as PyBaMM's own sets do. A PyBaMM user gets what any
published set gives:

- ``Lower/Upper voltage cut-off [V]``: the cell's own operating window (its cell file's
  default cut-offs), not the OCP tables' extremes that kion_sim keeps internally;
- an initial state charged to the upper cut-off (at rest, K conserved in a full cell), so the
  default ``Current function [A]`` (1C, positive = discharge) discharges it through its window;
  ``simulation.solve(t_eval, initial_soc=0.5)`` starts part-way instead (PyBaMM's own path,
  between the two cut-offs).

Options a PyBaMM model needs (pass them to the model, e.g. ``pybamm.lithium_ion.DFN(options)``):

- half cells (``KionSim_soft_carbon_half_cell``, ``KionSim_K0p6CoO2_half_cell``):
  ``{"working electrode": "positive"}``; the working electrode sits in PyBaMM's positive slot
  and the K metal counter electrode in the negative one;
- the full cell (``KionSim_full_cell``): none;
- SEI growth on the carbon, optional: kion_sim's ``kion_sim.models.model_options(cell)`` gives
  the options the sets' SEI values are meant for.

Examples
--------
>>> import pybamm
>>> values = pybamm.ParameterValues("KionSim_full_cell")
>>> solution = pybamm.Simulation(pybamm.lithium_ion.SPM(), parameter_values=values).solve(
...     [0, 3600])
>>> bool(solution["Voltage [V]"].entries.min() >= values["Lower voltage cut-off [V]"] - 0.01)
True
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from kion_sim.errors import ParameterSetError
from kion_sim.parameters.assemble import CellParameters, ElectrodeDesign, cell_parameters
from kion_sim.parameters.catalog import load_cell

# Entry-point name -> kion_sim cell name (keep in step with pyproject.toml).
ENTRY_POINT_CELLS = {
    "KionSim_soft_carbon_half_cell": "soft_carbon_half_cell",
    "KionSim_K0p6CoO2_half_cell": "k0p6coo2_half_cell",
    "KionSim_full_cell": "full_cell",
}
# PyBaMM model options each registered set needs.
PYBAMM_OPTIONS = {
    "KionSim_soft_carbon_half_cell": {"working electrode": "positive"},
    "KionSim_K0p6CoO2_half_cell": {"working electrode": "positive"},
    "KionSim_full_cell": {},
}


def _ocp_V(design: ElectrodeDesign, stoichiometry: float) -> float:
    sto, ocp = np.array(design.ocp.stoichiometry), np.array(design.ocp.potential_V)
    return float(np.interp(stoichiometry, sto, ocp))


def _sto_range(design: ElectrodeDesign) -> tuple[float, float]:
    return min(design.ocp.stoichiometry), max(design.ocp.stoichiometry)


def charged_stoichiometries(cell: CellParameters, upper_V: float) -> dict[str, float]:
    """Stoichiometry of each electrode when the cell rests at ``upper_V`` (charged).

    A half cell's working electrode sits at the potential ``upper_V`` vs K/K+. A full cell's
    first charge moves K from the cathode into the anode, mole for mole, from the as-assembled
    state until the open-circuit voltage reaches ``upper_V``.
    """
    if cell.is_half_cell:
        working = cell.electrodes["working"]
        low, high = _sto_range(working)
        return {"working": brentq(lambda s: _ocp_V(working, s) - upper_V, low, high)}
    anode, cathode = cell.electrodes["anode"], cell.electrodes["cathode"]
    ratio = cathode.capacity_Ah(1.0) / anode.capacity_Ah(1.0)  # anode sto per cathode sto
    anode_at = lambda s_c: anode.initial_stoichiometry + (  # noqa: E731
        cathode.initial_stoichiometry - s_c) * ratio
    ocv = lambda s_c: _ocp_V(cathode, s_c) - _ocp_V(anode, anode_at(s_c))  # noqa: E731
    lowest = max(_sto_range(cathode)[0],
                 cathode.initial_stoichiometry - (_sto_range(anode)[1]
                                                  - anode.initial_stoichiometry) / ratio)
    highest = cathode.initial_stoichiometry
    if not ocv(highest) < upper_V <= ocv(lowest):
        raise ParameterSetError(f"{cell.name}: charging cannot reach {upper_V} V (open-circuit "
                                f"{ocv(highest):.3f}-{ocv(lowest):.3f} V)")
    cathode_sto = brentq(lambda s: ocv(s) - upper_V, lowest, highest)
    return {"cathode": cathode_sto, "anode": anode_at(cathode_sto)}


def pybamm_values(cell_name: str) -> dict:
    """The cell's PyBaMM values with its operating window as cut-offs, charged to the top."""
    cell, spec = cell_parameters(cell_name), load_cell(cell_name)
    lower = spec.value("default lower voltage cut-off [V]")
    upper = spec.value("default upper voltage cut-off [V]")
    values = dict(cell.values)
    values["Lower voltage cut-off [V]"] = lower
    values["Upper voltage cut-off [V]"] = upper
    values["Open-circuit voltage at 0% SOC [V]"] = lower
    values["Open-circuit voltage at 100% SOC [V]"] = upper
    for role, sto in charged_stoichiometries(cell, upper).items():
        design = cell.electrodes[role]
        key = f"Initial concentration in {design.slot.lower()} electrode [mol.m-3]"
        values[key] = sto * design.max_concentration_mol_m3
    if cell.trapping:  # kion_sim's model names the carbon's main phase "Primary: ..."
        from kion_sim.models.builder import build_model, with_phase_keys

        values = with_phase_keys(values, build_model("DFN", cell))
    return values


def soft_carbon_half_cell() -> dict:
    """Soft carbon (900 C microrods) vs K metal; working electrode in the positive slot.

    Needs ``{"working electrode": "positive"}``; starts depotassiated at its 1.5 V cut-off.
    """
    return pybamm_values("soft_carbon_half_cell")


def kcoo_half_cell() -> dict:
    """P2-K0.6CoO2 vs K metal, working electrode in the positive slot.

    Needs ``{"working electrode": "positive"}``; starts charged (depotassiated) at 3.9 V.
    """
    return pybamm_values("k0p6coo2_half_cell")


def full_cell() -> dict:
    """K0.6CoO2 (positive) || soft carbon 900 C (negative) full cell, charged to 3.8 V.

    Needs no special options.
    """
    return pybamm_values("full_cell")
