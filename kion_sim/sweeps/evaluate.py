"""One sweep point -> its outputs. Builds each PyBaMM simulation once per protocol and varies
the swept parameters as PyBaMM inputs (:mod:`kion_sim.simulation.built_models`: radii and
thicknesses too, on a symbolic mesh), fade runs on the fast path included.
"""

from __future__ import annotations

import math

from kion_sim.analysis.cycles import cycle_summary, output_direction
from kion_sim.parameters.assemble import cell_parameters, load_cell
from kion_sim.protocols.experiment import galvanostatic_cycles
from kion_sim.simulation.built_models import process_cache
from kion_sim.simulation.fade import FAST_FADE_FROM_CYCLES, fade_run
from kion_sim.simulation.runner import simulate
from kion_sim.sweeps.spec import PROTOCOL_SETTINGS, SweepSpec


def summarise_cycles(summary, first_step: str, outputs) -> dict:
    """Sweep outputs from a per-cycle summary: the cycle's second direction is what came out."""
    out = output_direction(first_step)
    second = summary.iloc[min(1, len(summary) - 1)]
    capacity = float(second[f"{out}_capacity_mAh_g"])
    values = {
        "capacity_mAh_g": capacity,
        "retention_pct": 100 * float(summary[f"{out}_capacity_mAh_g"].iloc[-1]) / capacity,
        "energy_mWh_g": float(second[f"{out}_energy_mWh_g"]),
        "average_voltage_V": float(second[f"{out}_energy_mWh_g"]) / capacity,
        "first_cycle_efficiency_pct": float(summary["coulombic_efficiency_pct"].iloc[0]),
    }
    return {name: values[name] for name in outputs}


class PointEvaluator:
    """Evaluates points of one sweep on this process's built models (the swept values as
    PyBaMM inputs, :mod:`kion_sim.simulation.built_models`), or with ``reuse`` False on a model
    built per point; ``builds`` counts the models built."""

    def __init__(self, spec: SweepSpec, reuse: bool = True):
        self.spec, self.reuse = spec, reuse
        self.cell = cell_parameters(spec.cell)
        self.first_step = load_cell(spec.cell).protocol.get("first_step", "discharge")
        self.builds = 0

    def _settings(self, point: dict) -> tuple[float, int]:
        current = float(point.get("current_density_mA_g", self.spec.current_density_mA_g))
        return current, int(point.get("cycles", self.spec.cycles))

    def __call__(self, point: dict) -> dict:
        current, cycles = self._settings(point)
        parameters = {k: float(v) for k, v in point.items() if k not in PROTOCOL_SETTINGS}
        # A swept radius or thickness moves too: on a symbolic mesh (a value PyBaMM refuses as
        # an input is built without inputs by the cache, as before).
        cache = process_cache() if self.reuse else None  # None: values as constants
        moving = {name: None for name in parameters}
        misses = cache.misses if cache else 0
        if cycles >= FAST_FADE_FROM_CYCLES and not self.spec.exact:
            summary = fade_run(self.cell, current, cycles, self.spec.model, self.spec.lower_V,
                               self.spec.upper_V, parameter_updates=parameters,
                               model_cache=cache, moving=moving).summary
        else:
            protocol = galvanostatic_cycles(self.cell, current, cycles, self.spec.lower_V,
                                            self.spec.upper_V)
            summary = cycle_summary(simulate(self.cell, protocol, model=self.spec.model,
                                             show_progress=False, parameter_updates=parameters,
                                             model_cache=cache, moving=moving).steps)
        self.builds += cache.misses - misses if cache else 1
        return summarise_cycles(summary, self.first_step, self.spec.outputs)


def failed_outputs(spec: SweepSpec) -> dict:
    return {name: math.nan for name in spec.outputs}
