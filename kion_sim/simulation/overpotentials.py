"""Where the voltage goes: the overpotentials of a step, split by mechanism.

At the end of a potassiation the carbon's potential has been pushed to the cut-off; whichever
overpotential is largest then is what cost the capacity left unfilled.
"""

from __future__ import annotations

import pandas as pd

from kion_sim.errors import InvalidInputError
from kion_sim.simulation.result import SimulationResult

# Mechanism -> PyBaMM variable, per cell kind (slot of the carbon).
_HALF_CELL = {
    "solid diffusion in the carbon": "Battery particle concentration overpotential [V]",
    "charge transfer on the carbon": "X-averaged positive electrode reaction overpotential [V]",
    "SEI film resistance": "X-averaged positive electrode SEI film overpotential [V]",
    "K metal counter electrode": "Lithium metal interface reaction overpotential [V]",
    "electrolyte (ohmic + concentration)": ("X-averaged battery electrolyte ohmic losses [V]",
                                            "X-averaged battery concentration overpotential [V]"),
    "electrode ohmic": "X-averaged battery solid phase ohmic losses [V]",
}
_FULL_CELL = {
    "solid diffusion (both electrodes)": "Battery particle concentration overpotential [V]",
    "charge transfer (both electrodes)": "X-averaged battery reaction overpotential [V]",
    "SEI film resistance": "X-averaged negative electrode SEI film overpotential [V]",
    "electrolyte (ohmic + concentration)": ("X-averaged battery electrolyte ohmic losses [V]",
                                            "X-averaged battery concentration overpotential [V]"),
    "electrode ohmic": "X-averaged battery solid phase ohmic losses [V]",
}


def overpotential_breakdown(result: SimulationResult, cycle: int, step: int) -> pd.DataFrame:
    """Magnitude [V] of each overpotential at the end of step ``step`` of cycle ``cycle``."""
    try:
        step_solution = result.solution.cycles[cycle - 1].steps[step - 1]
    except (IndexError, AttributeError):
        raise InvalidInputError(
            f"no step {step} in cycle {cycle}: the run has {len(result.steps)} steps") from None
    variables = _HALF_CELL if result.cell.is_half_cell else _FULL_CELL
    rows = []
    for mechanism, names in variables.items():
        names = names if isinstance(names, tuple) else (names,)
        value = sum(float(step_solution[name].entries[-1]) for name in names)
        rows.append({"mechanism": mechanism, "overpotential_V": abs(value)})
    return pd.DataFrame(rows)
