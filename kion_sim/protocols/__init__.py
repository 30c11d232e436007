"""Protocols in the field's units (mA/g, mAh/g) -> ``pybamm.Experiment``."""

from kion_sim.protocols.experiment import (
    active_mass_g,
    default_mass_basis,
    galvanostatic_cycles,
    to_experiment,
)
from kion_sim.protocols.language import MASS_BASES, Protocol, Step, parse_protocol, parse_step

__all__ = [
    "active_mass_g",
    "default_mass_basis",
    "galvanostatic_cycles",
    "to_experiment","MASS_BASES", "Protocol", "Step", "parse_protocol", "parse_step"]
