"""How big every degradation state has grown: the checks that tell a physical fade from a bug.

A mechanism can fit a retention with states no cell could hold (a film thicker than the
particle, more SEI than pore volume, K from nowhere). :func:`degradation_states` reads them
from the end of a run, electrode by electrode, so tests and users can see their size.
"""

from __future__ import annotations

import numpy as np
import pybamm

from kion_sim.parameters.assemble import FARADAY_C_MOL, CellParameters


def _first(solution, names: list[str]) -> np.ndarray | None:
    variables = solution.all_models[0].variables
    for name in names:
        if name in variables:
            return np.asarray(solution[name].entries, dtype=float)
    return None


def _last(solution, names: list[str], default: float = 0.0, largest: bool = False) -> float:
    """The last time's value of the first variable found; over the electrode (DFN), its
    smallest, or with ``largest`` its largest (the conservative end of each state)."""
    values = _first(solution, names)
    if values is None:
        return default
    if values.ndim <= 1:
        return float(np.ravel(values)[-1])
    return float(np.max(values[..., -1]) if largest else np.min(values[..., -1]))


def degradation_states(solution: pybamm.Solution, cell: CellParameters,
                       initial_K_mol: float | None = None) -> dict[str, float]:
    """Size of each degradation state at the end of ``solution``.

    Returns SEI thickness on the carbon (the largest over the electrode) and on the K metal
    [nm], the volume of SEI the carbon grew over its initial pore volume, the carbon
    electrode's lowest porosity, its active-material fraction left [%] (in a full cell the
    cathode's too), and the K balance error (K now held, lost and supplied, against K at the
    start) as a fraction of the K held.

    Examples
    --------
    >>> from kion_sim.simulation import simulate
    >>> result = simulate("soft_carbon_half_cell",
    ...                   "Discharge at 100 mA/g until 0.01 V; Charge at 100 mA/g until 1.5 V",
    ...                   model="SPM")
    >>> states = degradation_states(result.solution, result.cell)
    >>> 0 < states["carbon_SEI_thickness_nm"] < 100
    True
    """
    slot, Slot = cell.carbon.slot.lower(), cell.carbon.slot
    # The thickest film anywhere in the electrode (DFN: the separator side grows fastest).
    carbon_sei_m = _last(solution, [f"{Slot} primary SEI thickness [m]",
                                    f"{Slot} SEI thickness [m]"], largest=True)
    metal_sei_m = (_last(solution, ["X-averaged negative SEI thickness [m]"])
                   if cell.is_half_cell else 0.0)
    values = cell.values
    porosity0 = values[f"{cell.carbon.slot} electrode porosity"]
    fraction0 = values[f"{cell.carbon.slot} electrode active material volume fraction"]
    radius = values[f"{cell.carbon.slot} particle radius [m]"]
    fraction = _last(solution, [f"X-averaged {slot} electrode primary active material volume "
                                f"fraction", f"X-averaged {slot} electrode active material "
                                f"volume fraction"], fraction0)
    film_volume = _sei_volume_grown(solution, slot, values, 3 * fraction0 / radius)
    porosity = _last(solution, [f"{cell.carbon.slot} electrode porosity"], porosity0)
    found = {
        "carbon_SEI_thickness_nm": carbon_sei_m * 1e9,
        "metal_SEI_thickness_nm": metal_sei_m * 1e9,
        "SEI_volume_over_pore_volume": film_volume / porosity0,
        "carbon_porosity_min": porosity,
        "carbon_active_material_left_pct": 100 * fraction / fraction0,
        "K_balance_error": _k_balance_error(solution, cell, initial_K_mol),
    }
    if not cell.is_half_cell:  # the cathode's own fade (its current-driven loss of material)
        other = "Positive" if cell.carbon.slot == "Negative" else "Negative"
        other_fraction0 = values[f"{other} electrode active material volume fraction"]
        other_fraction = _last(solution, [f"X-averaged {other.lower()} electrode active "
                                          f"material volume fraction"], other_fraction0)
        found["cathode_active_material_left_pct"] = 100 * other_fraction / other_fraction0
    return found


def _sei_volume_grown(solution, slot: str, values, initial_area_m_1: float) -> float:
    """SEI volume grown per electrode volume: (c_SEI - c_SEI,0) V_SEI, electrode-averaged.

    PyBaMM's thickness is c_SEI V_SEI / a over the surface area *left* (a shrinks as sites
    are lost), so thickness times the initial area overstates the film; its concentration
    per electrode volume does not. At t = 0 the film is L0 on the initial area a0 = 3 eps/R.
    """
    concentration = _last(solution, [f"X-averaged {slot} primary SEI concentration [mol.m-3]",
                                     f"X-averaged {slot} SEI concentration [mol.m-3]"], 0.0)
    if concentration == 0.0:
        return 0.0
    molar_volume = values["SEI partial molar volume [m3.mol-1]"]
    initial = values.get("Initial SEI thickness [m]", 0.0) * initial_area_m_1
    return max(concentration * molar_volume - initial, 0.0)


def _k_balance_error(solution, cell: CellParameters, initial_K_mol: float | None) -> float:
    """(K held + K lost to side reactions - K the metal supplied) / K at the start - 1."""
    balance = k_balance_mol(solution, cell)
    if balance is None:
        return float("nan")
    start = balance[0] if initial_K_mol is None else initial_K_mol
    return float(balance[-1] / start - 1)


def k_balance_mol(solution, cell: CellParameters) -> np.ndarray | None:
    """K held + K lost to side reactions - K the metal supplied (a half cell's), mol, at each
    of ``solution``'s times: constant where K is conserved. None if the model has no such
    variables."""
    held = _first(solution, ["Total lithium [mol]"])
    lost = _first(solution, ["Total lithium lost to side reactions [mol]"])
    for electrode in ("negative", "positive"):  # K locked in material that was lost
        locked = _first(solution, [f"Loss of lithium due to loss of active material in "
                                   f"{electrode} electrode [mol]"])
        if lost is not None and locked is not None:
            lost = lost + locked
    charge = _first(solution, ["Discharge capacity [A.h]"])
    if held is None or lost is None or charge is None:
        return None
    # In a half cell, discharge drives K from the metal into the working electrode.
    supplied = charge * 3600 / FARADAY_C_MOL if cell.is_half_cell else 0 * charge
    return held + lost - supplied
