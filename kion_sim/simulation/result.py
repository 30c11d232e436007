"""What a simulation returns: tables in the field's units, K-named, plus the raw solution."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from kion_sim.parameters.assemble import CellParameters
from kion_sim.protocols.language import Protocol


@dataclass
class SimulationResult:
    """A finished (or partly finished) run.

    ``timeseries`` has one row per saved time point; ``steps`` one row per step with its
    specific capacity [mAh/g] and energy [mWh/g = Wh/kg]; :func:`kion_sim.analysis.cycle_summary`
    turns ``steps`` into per-cycle numbers. Specific values are per gram of the ``mass_basis``
    electrode's active material (``active_mass_g``).
    """

    cell: CellParameters
    model_name: str
    protocol: Protocol
    mass_basis: str
    active_mass_g: float
    timeseries: pd.DataFrame
    steps: pd.DataFrame
    solution: object = field(default=None, repr=False)
    error: str | None = None

    @property
    def completed(self) -> bool:
        return self.error is None

    def variable(self, name: str):
        """A PyBaMM variable by K name (``"Total potassium in particles [mol]"``) or PyBaMM's."""
        return self.solution[name.replace("Potassium", "Lithium").replace("potassium", "lithium")]
