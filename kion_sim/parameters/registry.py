"""Entry points of the ``pybamm_parameter_sets`` group.

Once kion_sim is installed, ``pybamm.ParameterValues("KionSim_soft_carbon_half_cell")``
finds these; each returns a fresh dict, as PyBaMM's own sets do.
"""

from __future__ import annotations

from kion_sim.parameters.assemble import cell_parameters


def _complete(cell_name: str) -> dict:
    """The cell's values plus the phase-prefixed names its K-trapping sites need, so the set
    also serves the model kion_sim builds (``kion_sim.models.build_model``)."""
    from kion_sim.models.builder import build_model, parameter_values

    cell = cell_parameters(cell_name)
    return dict(parameter_values(cell, build_model("DFN", cell)).items())

# Entry-point name -> kion_sim cell name (keep in step with pyproject.toml).
ENTRY_POINT_CELLS = {
    "KionSim_soft_carbon_half_cell": "soft_carbon_half_cell",
    "KionSim_K0p6CoO2_half_cell": "k0p6coo2_half_cell",
    "KionSim_full_cell": "full_cell",
}


def soft_carbon_half_cell() -> dict:
    """Soft carbon (900 C microrods) vs K metal; working electrode in the positive slot."""
    return _complete("soft_carbon_half_cell")


def kcoo_half_cell() -> dict:
    """P2-K0.6CoO2 vs K metal, working electrode in the positive slot."""
    return dict(cell_parameters("k0p6coo2_half_cell").values)


def full_cell() -> dict:
    """K0.6CoO2 (positive) || soft carbon 900 C (negative) full cell."""
    return _complete("full_cell")
