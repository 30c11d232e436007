"""Runs a cell under a protocol: the only layer that solves."""

from kion_sim.simulation.fade import FadeRun, fade_run
from kion_sim.simulation.impedance import ImpedanceSpectrum, impedance
from kion_sim.simulation.overpotentials import overpotential_breakdown
from kion_sim.simulation.rate import rate_capability, rate_test
from kion_sim.simulation.result import SimulationResult
from kion_sim.simulation.runner import simulate
from kion_sim.simulation.states import degradation_states

__all__ = [
    "FadeRun",
    "ImpedanceSpectrum",
    "SimulationResult",
    "degradation_states",
    "fade_run",
    "impedance",
    "overpotential_breakdown",
    "rate_capability",
    "rate_test",
    "simulate",
]
