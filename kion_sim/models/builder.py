"""PyBaMM's lithium-ion models reused for K-ion: the equations are the ion's, not lithium's.

The single-particle (SPM), single-particle with electrolyte (SPMe) and Doyle-Fuller-Newman
(DFN) models hold for any insertion chemistry; K+ enters only through the parameter values.
"""

from __future__ import annotations

import pybamm

from kion_sim.errors import UnknownNameError
from kion_sim.parameters.assemble import STRESS_LAM_KEY, CellParameters

MODEL_NAMES = ("SPM", "SPMe", "DFN")
_MODEL_CLASSES = {
    "SPM": pybamm.lithium_ion.SPM,
    "SPMe": pybamm.lithium_ion.SPMe,
    "DFN": pybamm.lithium_ion.DFN,
}
# SEI on the carbon (Yang et al. 2017): EC is reduced below the SEI onset potential at a rate
# limited by kinetics and by EC diffusion through the film, so most of it forms on the first
# potassiation; the film's ionic resistance adds to the carbon's overpotential, which is what
# costs capacity in a half cell (the K metal refills any K the SEI takes).
SEI_OPTIONS = {"SEI": "ec reaction limited", "SEI film resistance": "distributed"}
# Loss of active material from the stress of swelling (a carbon that declares mechanics):
# graphite swells ~60 % on forming KC8 and cracks/exfoliates as it cycles.
LAM_OPTIONS = {"loss of active material": "stress-driven", "particle mechanics": "swelling only"}


def _normalise(name: str) -> str:
    for known in MODEL_NAMES:
        if name.strip().lower() == known.lower():
            return known
    raise UnknownNameError("model", name, MODEL_NAMES)


def _has_sei(cell: CellParameters) -> bool:
    return any(key.startswith("SEI ") for key in cell.values)


def _lam_slots(cell: CellParameters) -> list[str]:
    return [d.slot for d in cell.electrodes.values()
            if STRESS_LAM_KEY in d.material.quantities]


def model_options(cell: CellParameters, degradation: bool = True) -> dict:
    """PyBaMM options for ``cell``: the half-cell flag and, on carbon, the SEI submodels."""
    options: dict = {}
    if cell.is_half_cell:
        options["working electrode"] = "positive"
    if degradation and _has_sei(cell):
        options.update(SEI_OPTIONS)
        if not cell.is_half_cell:  # the carbon is the negative electrode of the full cell
            options["SEI"] = (SEI_OPTIONS["SEI"], "none")
    lam_slots = _lam_slots(cell)
    if degradation and lam_slots:
        for option, value in LAM_OPTIONS.items():
            options[option] = value if cell.is_half_cell else tuple(
                value if slot in lam_slots else "none" for slot in ("Negative", "Positive"))
    return options


def build_model(name: str, cell: CellParameters, degradation: bool = True) -> pybamm.BaseModel:
    """A fresh PyBaMM model ``name`` (SPM, SPMe or DFN) set up for ``cell``.

    Examples
    --------
    >>> from kion_sim.parameters import cell_parameters
    >>> build_model("spm", cell_parameters("soft_carbon_half_cell")).name
    'Single Particle Model'
    """
    model_class = _MODEL_CLASSES[_normalise(name)]
    return model_class(model_options(cell, degradation))
