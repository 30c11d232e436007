"""PyBaMM's lithium-ion models reused for K-ion: the equations are the ion's, not lithium's.

The single-particle (SPM), single-particle with electrolyte (SPMe) and Doyle-Fuller-Newman
(DFN) models hold for any insertion chemistry; K+ enters only through the parameter values.
"""

from __future__ import annotations

import pybamm

from kion_sim.errors import UnknownNameError
from kion_sim.parameters.assemble import CellParameters

MODEL_NAMES = ("SPM", "SPMe", "DFN")
_MODEL_CLASSES = {
    "SPM": pybamm.lithium_ion.SPM,
    "SPMe": pybamm.lithium_ion.SPMe,
    "DFN": pybamm.lithium_ion.DFN,
}
# SEI on the carbon: solvent diffusion through the film limits growth (thickness ~ sqrt(t)),
# and the film's ionic resistance adds to the carbon's overpotential.
SEI_OPTIONS = {"SEI": "solvent-diffusion limited", "SEI film resistance": "distributed"}
# Loss of active material in proportion to the K cycled through it: the large volume change
# of K+ insertion in carbon isolates a little carbon every cycle.
LAM_OPTION = "reaction-driven"


def _normalise(name: str) -> str:
    for known in MODEL_NAMES:
        if name.strip().lower() == known.lower():
            return known
    raise UnknownNameError("model", name, MODEL_NAMES)


def _has_sei(cell: CellParameters) -> bool:
    return any(key.startswith("SEI ") for key in cell.values)


def _lam_slots(cell: CellParameters) -> list[str]:
    return [d.slot for d in cell.electrodes.values()
            if "reaction-driven LAM factor [m3.mol-1]" in d.material.quantities]


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
        options["loss of active material"] = (
            LAM_OPTION if cell.is_half_cell else
            tuple(LAM_OPTION if slot in lam_slots else "none" for slot in ("Negative", "Positive")))
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
