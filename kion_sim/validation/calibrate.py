"""Calibration recipes: which values each reported row constrains, and writing fits back.

Why a half cell fades: its K metal refills any K the SEI takes, so loss of K inventory costs
nothing. What costs capacity is the SEI film itself: it thickens every potassiation, its
ionic resistance adds an overpotential, and the potassiation reaches its 0.01 V cut-off
earlier while the low-potential capacity (below ~0.15 V) stays unfilled; the EC reduced on the
way also takes part of the potassiation current. The film resistivity (a property of each
carbon's SEI) therefore sets the retention.

900 C soft carbon (three targets, three values):
- 312 mAh/g at 100 mA/g (2nd cycle) -> the capacity of the full stoichiometry range;
- 214 mAh/g at 500 mA/g (2nd cycle) -> the solid diffusivity (the rate loss);
- 80 % after 100 cycles at 100 mA/g -> its SEI resistivity.
The retention after 500 cycles at 500 mA/g is withheld and fitted to nothing.
Comparison carbons: capacity -> diffusivity (or, for the PTCDA soft carbon whose capacity a
fit shows does not depend on diffusivity, the capacity of its full stoichiometry range);
retention -> SEI resistivity. Graphite is the exception: its staged plateau at ~0.1 V loses
capacity to any film resistance at once, so a resistive film cannot give its 45 % after 50
cycles while keeping 245 mAh/g; graphite swells ~60 % on forming KC8, and its fade is
stress-driven loss of active material (O'Kane et al. 2022 form): capacity -> SEI resistivity,
retention -> the LAM rate. The SEI growth kinetics are shared estimates (first-
cycle efficiency ~65 %, see kpf6_carbonate_sei.toml); everything else stays an estimate.
"""

from __future__ import annotations

import re

from kion_sim.errors import ParameterSetError, UnknownNameError
from kion_sim.parameters.catalog import load_cell, load_material
from kion_sim.validation.fitting import (
    CapacityTarget,
    FitParameter,
    FitResult,
    RetentionTarget,
    fit,
)
from kion_sim.validation.reported import ReportedRow, table_s1_rows

_CAPACITY = "specific capacity at full stoichiometry [mAh.g-1]"
_DIFFUSIVITY = "diffusivity [m2.s-1]"
_SEI_RESISTIVITY = "SEI resistivity [Ohm.m]"
# Graphite fades by swelling damage, not by its film: fit its stress-driven LAM rate instead.
_FADE_PARAMETER = {"graphite_jian2015_half_cell": ("LAM constant proportional term [s-1]",
                                                   1e-10, 1e-1)}
# Cells whose capacity target is fitted by another value than diffusivity (module docstring).
_CAPACITY_PARAMETER = {
    "graphite_jian2015_half_cell": ("SEI resistivity [Ohm.m]", 1e2, 1e8),
    "soft_carbon_jian2015_half_cell": (_CAPACITY, 150.0, 600.0),
}


def calibration_plan(cell: str) -> tuple[list[FitParameter], list, list[ReportedRow]]:
    """The values to fit for ``cell`` and the Table S1 targets they are fitted to."""
    rows = [r for r in table_s1_rows() if r.cell == cell]
    if not rows:
        valid = sorted({r.cell for r in table_s1_rows()})
        raise UnknownNameError("calibratable cell", cell, valid)
    material = load_cell(cell).references["working"]
    fade = _FADE_PARAMETER.get(cell, (_SEI_RESISTIVITY, 1e2, 1e8))
    parameters = [FitParameter(material, *fade)]
    capacity_parameter = _CAPACITY_PARAMETER.get(cell, (_DIFFUSIVITY, 1e-19, 1e-12))
    if capacity_parameter is not None:
        parameters.insert(0, FitParameter(material, *capacity_parameter))
    targets: list = []
    for row in rows:
        window = dict(lower_V=row.voltage_min_V, upper_V=row.voltage_max_V)
        targets.append(CapacityTarget(row.current_density_mA_g, row.second_cycle_capacity_mAh_g,
                                      **window))
        if row.capacity_retention_pct is not None:
            targets.append(RetentionTarget(row.current_density_mA_g, row.cycles,
                                           row.capacity_retention_pct, **window))
    if sum(isinstance(t, CapacityTarget) for t in targets) > 1:
        parameters.insert(0, FitParameter(material, _CAPACITY, 150.0, 600.0))
    return parameters, targets, rows


def calibrate(cell: str, model: str = "SPM", show_progress: bool = False,
              exact: bool = False) -> FitResult:
    """Fit ``cell`` to its Table S1 rows (see the module docstring for what fits what)."""
    parameters, targets, _ = calibration_plan(cell)
    return fit(cell, parameters, targets, model=model, show_progress=show_progress, exact=exact)


def write_fitted_values(result: FitResult, model: str) -> list[str]:
    """Write the fitted values into their material files with provenance ``fitted``."""
    targets = "; ".join(result.residuals["target"])
    changed = []
    for parameter in result.parameters:
        material = load_material(parameter.material)
        value = result.fitted[parameter.key]
        factor = result.uncertainty_factor[parameter.key]
        source = (f"least-squares fit ({model}, kion-sim calibrate {result.cell}) to table_s1: "
                  f"{targets}; 1-sigma factor {factor:.3g}")
        _replace_value_line(material.path, parameter.key, value, source)
        changed.append(f"{parameter.material}: {parameter.key} = {value:.4g}")
    return changed


def _replace_value_line(path, key: str, value: float, source: str) -> None:
    text = path.read_text()
    pattern = re.compile(rf'^"{re.escape(key)}" = \{{.*\}}$', flags=re.M)
    if len(pattern.findall(text)) != 1:
        raise ParameterSetError(f"{path}: expected one line for {key!r} to update")
    line = (f'"{key}" = {{ value = {value:.6g}, provenance = "fitted", '
            f'source = "{source.replace(chr(34), chr(39))}" }}')
    path.write_text(pattern.sub(lambda _: line, text))
