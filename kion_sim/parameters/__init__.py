"""Parameter sets: declarative files -> PyBaMM parameter values, with provenance."""

from kion_sim.parameters.assemble import (
    CellParameters,
    ElectrodeDesign,
    build_cell_parameters,
    cell_parameters,
)
from kion_sim.parameters.catalog import (
    PROVENANCE_KINDS,
    Component,
    Quantity,
    cell_names,
    load_cell,
    load_material,
    material_names,
)
from kion_sim.parameters.provenance import provenance_table

__all__ = [
    "PROVENANCE_KINDS",
    "CellParameters",
    "Component",
    "ElectrodeDesign",
    "Quantity",
    "build_cell_parameters",
    "cell_names",
    "cell_parameters",
    "load_cell",
    "load_material",
    "material_names",
    "provenance_table",
]
