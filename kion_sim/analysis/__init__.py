"""Pure functions on simulation results: per-cycle capacity, efficiency, energy, retention."""

from kion_sim.analysis.cycles import capacity_retention, cycle_summary, voltage_curves

__all__ = ["capacity_retention", "cycle_summary", "voltage_curves"]
