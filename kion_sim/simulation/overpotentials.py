"""Where the voltage goes: every overpotential of a step, electrode by electrode.

The cell voltage is the open-circuit voltage plus the signed contribution of each loss; the
breakdown lists all of them, the counter electrode's included, and how far their sum is from
the voltage (``closure``), so a loss left out shows. At the end of a potassiation the carbon
has been pushed to the cut-off; whichever loss is largest then cost the capacity left unfilled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kion_sim.errors import InvalidInputError
from kion_sim.simulation.result import SimulationResult


def _terms(result: SimulationResult) -> list[tuple[str, tuple[str, ...], float]]:
    """(mechanism, PyBaMM variable names tried in turn, sign of its share of the voltage).

    PyBaMM's "battery" losses are positive-electrode minus negative-electrode values, so a
    negative-electrode loss enters the voltage with a minus sign; film overpotentials enter
    with the opposite sign to their electrode's reaction term (PyBaMM's convention).
    """
    cell = result.cell
    roles = {d.slot.lower(): "working electrode" if role == "working" else role
             for role, d in cell.electrodes.items()}
    if cell.is_half_cell:
        roles["negative"] = "K metal counter electrode"
    terms = []
    for slot, sign in (("positive", 1.0), ("negative", -1.0)):
        role = roles.get(slot)
        if role is None:
            continue
        terms.append((f"solid diffusion in the {role}",
                      (f"Battery {slot} particle concentration overpotential [V]",), sign))
        terms.append((f"charge transfer on the {role}",
                      (f"X-averaged battery {slot} reaction overpotential [V]",), sign))
        terms.append((f"SEI / interphase film on the {role}",
                      (f"X-averaged {slot} electrode primary SEI film overpotential [V]",
                       f"X-averaged {slot} electrode SEI film overpotential [V]",
                       f"{slot.capitalize()} electrode SEI film overpotential [V]"), -sign))
        terms.append((f"electronic conduction in the {role}",
                      (f"X-averaged battery {slot} solid phase ohmic losses [V]",), 1.0))
    terms.append(("electrolyte concentration", ("X-averaged battery concentration overpotential "
                                                "[V]",), 1.0))
    terms.append(("electrolyte ohmic", ("X-averaged battery electrolyte ohmic losses [V]",), 1.0))
    return terms


def _value_at(step_solution, names: tuple[str, ...]) -> float:
    variables = step_solution.all_models[0].variables
    for name in names:
        if name in variables:
            entries = np.asarray(step_solution[name].entries, dtype=float)
            return float(np.mean(entries[..., -1]) if entries.ndim > 1 else entries[-1])
    return 0.0


def overpotential_breakdown(result: SimulationResult, cycle: int, step: int) -> pd.DataFrame:
    """Every loss [V] at the end of step ``step`` of cycle ``cycle``.

    Columns: ``mechanism``, ``overpotential_V`` (magnitude) and ``share_of_voltage_V`` (signed:
    voltage = open-circuit voltage + the sum of the shares). The last row, ``closure``, is
    what the shares leave unexplained (under a millivolt when nothing is missing).
    """
    try:
        step_solution = result.solution.cycles[cycle - 1].steps[step - 1]
    except (IndexError, AttributeError, TypeError):
        raise InvalidInputError(
            f"no step {step} in cycle {cycle}: the run has {len(result.steps)} steps") from None
    rows, explained = [], 0.0
    for mechanism, names, sign in _terms(result):
        share = sign * _value_at(step_solution, names)
        explained += share
        rows.append({"mechanism": mechanism, "overpotential_V": abs(share),
                     "share_of_voltage_V": share})
    voltage = _value_at(step_solution, ("Voltage [V]",))
    ocv = _value_at(step_solution, ("Battery open-circuit voltage [V]",))
    rows.append({"mechanism": "closure", "overpotential_V": abs(voltage - ocv - explained),
                 "share_of_voltage_V": voltage - ocv - explained})
    return pd.DataFrame(rows)
