"""One sweep point -> its outputs. Builds each PyBaMM simulation once per protocol and varies
the swept parameters as PyBaMM inputs; parameters that shape the mesh (radii, thicknesses)
cannot be inputs, and those sweeps rebuild per point instead.
"""

from __future__ import annotations

import math

import pybamm

from kion_sim.analysis.cycles import cycle_summary, output_direction
from kion_sim.models.builder import build_model, parameter_values
from kion_sim.parameters.assemble import cell_parameters, load_cell
from kion_sim.protocols.experiment import active_mass_g, galvanostatic_cycles, to_experiment
from kion_sim.protocols.language import parse_protocol
from kion_sim.simulation.fade import FAST_FADE_FROM_CYCLES, fade_run
from kion_sim.simulation.runner import simulate, step_tables
from kion_sim.sweeps.spec import PROTOCOL_SETTINGS, SweepSpec


def summarise(steps, first_step: str, outputs) -> dict:
    """Sweep outputs from a step table: the cycle's second direction is what came out."""
    return summarise_cycles(cycle_summary(steps), first_step, outputs)


def summarise_cycles(summary, first_step: str, outputs) -> dict:
    """Sweep outputs from a per-cycle summary."""
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
    """Evaluates points of one sweep, reusing built simulations (fast) unless told not to."""

    def __init__(self, spec: SweepSpec, reuse: bool = True):
        self.spec, self.reuse = spec, reuse
        self.cell = cell_parameters(spec.cell)
        self.first_step = load_cell(spec.cell).protocol.get("first_step", "discharge")
        self._built: dict[tuple, pybamm.Simulation] = {}
        self.builds = 0

    def _settings(self, point: dict) -> tuple[float, int]:
        current = float(point.get("current_density_mA_g", self.spec.current_density_mA_g))
        return current, int(point.get("cycles", self.spec.cycles))

    def _protocol(self, current: float, cycles: int):
        return parse_protocol(galvanostatic_cycles(self.cell, current, cycles,
                                                   self.spec.lower_V, self.spec.upper_V))

    def __call__(self, point: dict) -> dict:
        current, cycles = self._settings(point)
        parameters = {k: float(v) for k, v in point.items() if k not in PROTOCOL_SETTINGS}
        protocol = self._protocol(current, cycles)
        if cycles >= FAST_FADE_FROM_CYCLES and not self.spec.exact:
            run = fade_run(self.cell, current, cycles, self.spec.model, self.spec.lower_V,
                           self.spec.upper_V, parameter_updates=parameters)
            self.builds += 1
            return summarise_cycles(run.summary, self.first_step, self.spec.outputs)
        if self.reuse and parameters:
            try:
                return self._solve_with_inputs(protocol, (current, cycles), parameters)
            except (pybamm.ModelError, pybamm.DiscretisationError, IndexError, TypeError):
                self.reuse = False  # a swept value shapes the mesh: rebuild per point
        result = simulate(self.cell, protocol, model=self.spec.model, show_progress=False,
                          parameter_updates=parameters)
        self.builds += 1
        return summarise(result.steps, self.first_step, self.spec.outputs)

    def _solve_with_inputs(self, protocol, key: tuple, parameters: dict) -> dict:
        if key not in self._built:
            model = build_model(self.spec.model, self.cell)
            values = parameter_values(self.cell, model,
                                      {name: "[input]" for name in parameters})
            self._built[key] = pybamm.Simulation(
                model, parameter_values=values,
                experiment=to_experiment(protocol, self.cell), solver=pybamm.IDAKLUSolver())
            self.builds += 1
        solution = self._built[key].solve(inputs=parameters, calc_esoh=False)
        _, steps = step_tables(solution, protocol, self.cell, active_mass_g(self.cell))
        return summarise(steps, self.first_step, self.spec.outputs)


def failed_outputs(spec: SweepSpec) -> dict:
    return {name: math.nan for name in spec.outputs}
