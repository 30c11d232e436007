"""Pure functions on results: per-cycle capacity, efficiency, energy, retention, dQ/dV."""

from kion_sim.analysis.cycles import capacity_retention, cycle_summary, voltage_curves
from kion_sim.analysis.dqdv import (
    DifferentialCapacity,
    DqdvComparison,
    DqdvSettings,
    compare_dqdv,
    compare_dqdv_sources,
    differential_capacity,
    half_cycle,
)

__all__ = ["DifferentialCapacity", "DqdvComparison", "DqdvSettings", "capacity_retention",
           "compare_dqdv", "compare_dqdv_sources", "cycle_summary", "differential_capacity",
           "half_cycle", "voltage_curves"]
