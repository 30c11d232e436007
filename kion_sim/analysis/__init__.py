"""Pure functions on results: per-cycle capacity, efficiency, energy, retention, dQ/dV, GITT."""

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
from kion_sim.analysis.gitt import GittAnalysis, GittSettings, analyse_gitt, gitt_record

__all__ = ["DifferentialCapacity", "DqdvComparison", "DqdvSettings", "GittAnalysis",
           "GittSettings", "analyse_gitt", "capacity_retention", "compare_dqdv",
           "compare_dqdv_sources", "cycle_summary", "differential_capacity", "gitt_record",
           "half_cycle", "voltage_curves"]
