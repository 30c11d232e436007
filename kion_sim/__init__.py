"""kion_sim: physics-based simulation of potassium-ion batteries on PyBaMM.

Soft-carbon (900 C semi-hollow microrod) anode, P2-K0.6CoO2 cathode, KPF6 carbonate
electrolyte and K metal counter electrode; half and full cells; protocols in mA/g.

Examples
--------
>>> import kion_sim
>>> result = kion_sim.simulate("soft_carbon_half_cell",
...                            "Discharge at 100 mA/g until 0.01 V; Charge at 100 mA/g until 1.5 V",
...                            model="SPM")
>>> summary = kion_sim.cycle_summary(result.steps)
"""

from kion_sim.analysis import capacity_retention, cycle_summary, voltage_curves
from kion_sim.errors import (
    InvalidInputError,
    KionSimError,
    OutputError,
    ParameterSetError,
    ProtocolError,
    SimulationError,
    UnknownNameError,
)
from kion_sim.models import MODEL_NAMES
from kion_sim.parameters import cell_names, cell_parameters, material_names, provenance_table
from kion_sim.protocols import galvanostatic_cycles, parse_protocol
from kion_sim.simulation import (
    ImpedanceSpectrum,
    SimulationResult,
    fade_run,
    impedance,
    rate_capability,
    simulate,
)

__version__ = "0.1.0"
__all__ = [
    "MODEL_NAMES",
    "ImpedanceSpectrum",
    "InvalidInputError",
    "KionSimError",
    "OutputError",
    "ParameterSetError",
    "ProtocolError",
    "SimulationError",
    "SimulationResult",
    "UnknownNameError",
    "capacity_retention",
    "cell_names",
    "cell_parameters",
    "cycle_summary",
    "fade_run",
    "galvanostatic_cycles",
    "impedance",
    "material_names",
    "parse_protocol",
    "provenance_table",
    "rate_capability",
    "simulate",
    "voltage_curves",
]
