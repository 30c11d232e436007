"""Fitting and comparing a cell to the user's own cycler file.

Targets taken from the file (see :func:`data_targets`): the 2nd cycle's charge capacity at its
current, the 2nd cycle's first-direction voltage curve, and, for 10 cycles or more, the
retention of every cycle (:class:`kion_sim.validation.fade_curve.CapacityFadeTarget`, on the
fast fade path). Values fitted (see :func:`fit_parameters`, the one place to adapt): the
working material's capacity at full stoichiometry (sets the capacity) and its diffusivity (sets
the rate loss and the curve's overpotential), plus the fade value (or values) of the cell's
declared mechanism, or of the one asked for, when the file is long enough to show fade (fewer
than 10 cycles cannot tell film growth from noise). Only :func:`kion_sim.validation.fitting.fit`
and its target classes are used, so the degradation physics can change underneath.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kion_sim.analysis.cycles import capacity_retention, cycle_summary
from kion_sim.errors import InvalidInputError
from kion_sim.io.cycler import CyclerData
from kion_sim.parameters.assemble import build_cell_parameters, cell_parameters
from kion_sim.parameters.catalog import load_cell
from kion_sim.parameters.mechanisms import load_calibration, load_mechanism
from kion_sim.protocols.experiment import galvanostatic_cycles
from kion_sim.simulation.fade import FAST_FADE_FROM_CYCLES, fade_run
from kion_sim.simulation.runner import simulate
from kion_sim.validation.calibrate import cell_mechanism
from kion_sim.validation.fade_curve import CapacityFadeTarget, fade_target
from kion_sim.validation.fitting import (
    CapacityTarget,
    FitParameter,
    FitResult,
    VoltageCurveTarget,
    fit,
)

CAPACITY_KEY = "specific capacity at full stoichiometry [mAh.g-1]"
DIFFUSIVITY_KEY = "diffusivity [m2.s-1]"
SEI_RESISTIVITY_KEY = "SEI resistivity [Ohm.m]"
CURVE_POINTS = 25
# The fade run differs from the curve run by this much in its lower cut-off, so the
# fit evaluates it on the fast fade path while the curve keeps a short exact run.
_FADE_WINDOW_OFFSET_V = 1e-6


def working_material(cell: str) -> str:
    """The material a half cell's data measures; full cells are not fitted to one file."""
    component = load_cell(cell)
    if "working" not in component.references:
        raise InvalidInputError(f"fitting to a cycler file needs a half cell; {cell!r} is a "
                                f"{component.kind}: fit each electrode's half cell instead")
    return component.references["working"]


def fit_parameters(cell: str, fit_fade: bool, mechanism: str | None = None,
                   fade_only: bool = False) -> list[FitParameter]:
    """The values fitted to a user's file (module docstring says why these); ``fade_only``
    holds the capacity and diffusivity at the cell's values and fits only the fade."""
    material_name = working_material(cell)
    parameters = [] if fade_only else [
        FitParameter(material_name, CAPACITY_KEY, 20.0, 2000.0),
        FitParameter(material_name, DIFFUSIVITY_KEY, 1e-20, 1e-11)]
    if not fit_fade:
        return parameters
    chosen = load_mechanism(cell_mechanism(cell, mechanism))
    fades = [] if chosen.fit_key is None else [(chosen.fit_key, *chosen.fit_bounds)]
    if chosen.second_fit is not None:  # a mix of two laws: its second fade value
        fades.append(chosen.second_fit)
    for key, lower, upper in fades:  # the mechanism file's estimates start the fit
        start = chosen.values.get(chosen.fit_role, {}).get(key)
        parameters.append(FitParameter(chosen.name, key, lower, upper,
                                       initial=start.value if start else None))
    return parameters


def stored_start(cell: str, mechanism: str | None = None) -> dict[str, float]:
    """The cell's stored fit under ``mechanism`` (none for a user's cell): a start nearer the
    optimum than the files' estimates, which only bound the search."""
    stored = load_calibration(cell, cell_mechanism(cell, mechanism)).values
    return {key: q.value for values in stored.values() for key, q in values.items()}


@dataclass(frozen=True)
class ContinuousCurveTarget(VoltageCurveTarget):
    """A voltage-curve target whose error stays continuous when the simulated step ends early.

    The base target counts every point past the simulated end as 0.5 V wrong, a jump that
    stalls the optimiser when a trial moves that end across a measured point; here the
    simulated curve is carried past its end along its final slope (steep at a cut-off).
    """

    def residuals(self, summary: pd.DataFrame, timeseries: pd.DataFrame) -> np.ndarray:
        step = timeseries[(timeseries["cycle"] == self.cycle)
                          & (timeseries["step_kind"] == self.direction)]
        q, v = step["step_capacity_mAh_g"].to_numpy(), step["voltage_V"].to_numpy()
        measured_q = np.asarray(self.capacity_mAh_g)
        simulated = np.interp(measured_q, q, v)
        tail = max(2, len(q) // 20)  # the final ~5 % of points set the end slope
        slope = (v[-1] - v[-tail]) / max(q[-1] - q[-tail], 1e-12)
        beyond = measured_q > q[-1]
        simulated[beyond] = v[-1] + slope * (measured_q[beyond] - q[-1])
        return (simulated - np.asarray(self.voltage_V)) / self.uncertainty_V


@dataclass(frozen=True)
class DataProtocol:
    """The galvanostatic protocol a file was measured with, as kion_sim will simulate it."""

    current_density_mA_g: float
    lower_V: float
    upper_V: float
    cycles: int
    first_step: str


def data_protocol(data: CyclerData) -> DataProtocol:
    """Current of cycle 2 and the voltage window the steps ended at (medians over the run)."""
    cycles = int(data.steps["cycle"].max())
    if cycles < 2:
        raise InvalidInputError(f"{data.source} holds {cycles} cycle; the field's numbers (and "
                                f"these fits) start at cycle 2, so give 2 cycles or more")
    ends = data.steps.groupby("kind")["end_voltage_V"].median()
    if not {"discharge", "charge"} <= set(ends.index):
        raise InvalidInputError(f"{data.source} needs both discharge and charge steps")
    return DataProtocol(round(data.current_density_mA_g(2), 3), round(float(ends["discharge"]), 3),
                        round(float(ends["charge"]), 3), cycles, data.first_step)


def data_targets(data: CyclerData, fade_only: bool = False) -> list:
    """Capacity, voltage-curve and (10 cycles or more) fade-curve targets from the file;
    ``fade_only``: the fade curve alone."""
    protocol = data_protocol(data)
    window = dict(lower_V=protocol.lower_V, upper_V=protocol.upper_V)
    summary = data.summary
    capacity = float(summary.loc[summary["cycle"] == 2, "charge_capacity_mAh_g"].iloc[0])
    curve = data.curves.query(f"cycle == 2 and step_kind == '{protocol.first_step}'")
    # Between 2 % and 95 % of the step: the ends sit on the cut-offs, where a small capacity
    # shift is a large voltage error that says nothing about the curve's shape.
    end = float(curve["capacity_mAh_g"].iloc[-1])
    grid = np.linspace(0.02 * end, 0.95 * end, CURVE_POINTS)
    voltage = np.interp(grid, curve["capacity_mAh_g"], curve["voltage_V"])
    targets: list = [] if fade_only else [
        CapacityTarget(protocol.current_density_mA_g, capacity, **window),
        ContinuousCurveTarget(protocol.current_density_mA_g, tuple(grid), tuple(voltage),
                              direction=protocol.first_step, **window)]
    if protocol.cycles >= FAST_FADE_FROM_CYCLES:
        targets.append(fade_target(summary, protocol.current_density_mA_g,
                                   protocol.lower_V + _FADE_WINDOW_OFFSET_V, protocol.upper_V))
    elif fade_only:
        raise InvalidInputError(f"{data.source} holds {protocol.cycles} cycles; a fade fit "
                                f"needs {FAST_FADE_FROM_CYCLES} or more (fewer cannot tell "
                                f"film growth from noise)")
    return targets


def calibrate_to_data(cell: str, data: CyclerData, model: str = "SPM",
                      initial: dict[str, float] | None = None, show_progress: bool = False,
                      max_evaluations: int = 60, mechanism: str | None = None,
                      fade_only: bool = False, workers: int | None = None) -> FitResult:
    """Fit ``cell``'s working material (and, for 10 cycles or more, the fade value(s) of
    ``mechanism``, default the cell's own) to the user's file. ``initial`` (key -> value)
    replaces the start, by default the cell's stored fit under the mechanism where it has one.

    Examples
    --------
    >>> from kion_sim.io import read_cycler
    >>> data = read_cycler("my_carbon.mpr", mass_mg=1.2)  # doctest: +SKIP
    >>> calibrate_to_data("soft_carbon_half_cell", data).summary()  # doctest: +SKIP
    """
    targets = data_targets(data, fade_only)
    parameters = fit_parameters(cell, any(isinstance(t, CapacityFadeTarget) for t in targets),
                                mechanism, fade_only)
    if not parameters:
        raise InvalidInputError(f"mechanism {cell_mechanism(cell, mechanism)!r} has no fade "
                                f"value to fit")
    start = {**stored_start(cell, mechanism), **(initial or {})}
    return fit(cell, parameters, targets, model=model, initial=start,
               show_progress=show_progress, max_evaluations=max_evaluations,
               mechanism=cell_mechanism(cell, mechanism), workers=workers)


def first_cycles(data: CyclerData, cycles: int) -> CyclerData:
    """The file's first ``cycles`` cycles (the part a held-out test fits)."""
    keep = data.steps["cycle"] <= cycles
    return CyclerData(f"{data.source} (cycles 1-{cycles})", data.file_format,
                      data.active_mass_g, data.timeseries[data.timeseries["cycle"] <= cycles],
                      data.steps[keep])


def fade_curve(cell: str, data: CyclerData, result: FitResult, model: str = "SPM",
               fitted_cycles: int | None = None) -> tuple[pd.DataFrame, float]:
    """Measured and fitted retention of every cycle of the file, from one fast-path run of
    the fit's values over the file's protocol; ``fitted_cycles``: how many the fit saw (the
    rest are ``held out``). Returns (table, the run's error estimate in points)."""
    protocol = data_protocol(data)
    overrides: dict[str, dict[str, float]] = {}
    for parameter in result.parameters:
        overrides.setdefault(parameter.material, {})[parameter.key] = result.fitted[parameter.key]
    design = build_cell_parameters(cell, overrides, mechanism=result.mechanism)
    run = fade_run(design, protocol.current_density_mA_g, protocol.cycles, model,
                   protocol.lower_V + _FADE_WINDOW_OFFSET_V, protocol.upper_V)
    simulated = capacity_retention(run.summary).set_axis(run.summary["cycle"].to_numpy())
    measured = capacity_retention(data.summary).set_axis(data.summary["cycle"].to_numpy())
    cycles = measured.index.to_numpy()
    fitted = simulated.reindex(cycles).to_numpy(float)
    last_fitted = fitted_cycles or protocol.cycles
    table = pd.DataFrame({
        "cycle": cycles, "measured_retention_pct": measured.to_numpy(float),
        "fitted_retention_pct": fitted, "error_points": fitted - measured.to_numpy(float),
        "role": np.where(cycles > last_fitted, "held out", "fitted")})
    return table, float(run.error_estimate_pct)


@dataclass
class Comparison:
    """Measured and simulated curves (cycle 2) and fade, in long tables for CSV and plots."""

    cell: str
    model: str
    curves: pd.DataFrame
    fade: pd.DataFrame


def compare_to_data(cell: str, data: CyclerData, model: str = "SPM") -> Comparison:
    """Simulate the file's protocol on ``cell`` and line the results up with the file's.

    Examples
    --------
    >>> comparison = compare_to_data("soft_carbon_half_cell", data)  # doctest: +SKIP
    >>> comparison.fade.columns[:3].tolist()  # doctest: +SKIP
    ['cycle', 'measured_charge_capacity_mAh_g', 'simulated_charge_capacity_mAh_g']
    """
    protocol = data_protocol(data)
    design = cell_parameters(cell)
    short = galvanostatic_cycles(design, protocol.current_density_mA_g, 2, protocol.lower_V,
                                 protocol.upper_V)
    result = simulate(design, short, model=model, show_progress=False)
    if protocol.cycles > 2:
        run = fade_run(design, protocol.current_density_mA_g, protocol.cycles, model,
                       protocol.lower_V, protocol.upper_V)
        simulated = run.summary
    else:
        simulated = cycle_summary(result.steps)
    curves = []
    for source, frame in (("measured", data.curves),
                          ("simulated", result.timeseries.rename(
                              columns={"step_capacity_mAh_g": "capacity_mAh_g"}))):
        part = frame[(frame["cycle"] == 2) & frame["step_kind"].isin(["discharge", "charge"])]
        curves.append(part[["cycle", "step_kind", "capacity_mAh_g", "voltage_V"]]
                      .assign(source=source))
    fade = pd.DataFrame({"cycle": data.summary["cycle"]})
    for source, summary in (("measured", data.summary), ("simulated", simulated)):
        merged = fade[["cycle"]].merge(summary, on="cycle", how="left")
        fade[f"{source}_charge_capacity_mAh_g"] = merged["charge_capacity_mAh_g"].to_numpy()
        fade[f"{source}_retention_pct"] = capacity_retention(merged).to_numpy()
    return Comparison(cell, model, pd.concat(curves, ignore_index=True), fade)
