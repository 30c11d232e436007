"""Calibration recipes: which values each reported row constrains, and storing the fits.

A half cell's K metal refills any K the SEI takes, so loss of K inventory costs nothing: what
costs capacity is whatever the cell's fade mechanism makes of the SEI (a film resistance,
blocked sites, ...) or the carbon's own damage. Each candidate mechanism
(``parameter_sets/mechanisms/``) names the one value a retention target fits.

900 C soft carbon (three values under any mechanism; a mix of two laws has a fourth):
- 312 mAh/g at 100 mA/g (2nd cycle) -> the capacity of the full stoichiometry range;
- 214 mAh/g at 500 mA/g (2nd cycle) -> the solid diffusivity (the rate loss);
- 80 % after 100 cycles at 100 mA/g -> the mechanism's fade value;
- 82 % after 500 cycles at 500 mA/g, withheld until 2026-12-01 (the stored fits predate it):
  a fourth target for three values, so the residuals now measure a misfit
  (:mod:`kion_sim.validation.loo` fits all four and leaves each out in turn).
Comparison carbons: capacity -> diffusivity (or, where a fit shows the capacity does not depend
on it, the capacity of the full stoichiometry range); retention -> the fade value.
Fits are stored per cell and mechanism in ``parameter_sets/calibrations/CELL.toml``; the
material files keep the estimates a cold-start calibration begins from.
"""

from __future__ import annotations

from pathlib import Path

from kion_sim.errors import InvalidInputError, UnknownNameError
from kion_sim.parameters.assemble import forget_cached_parameters
from kion_sim.parameters.catalog import load_cell
from kion_sim.parameters.mechanisms import (
    NO_MECHANISM,
    calibrations_dir,
    load_calibration,
    load_mechanism,
)
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
# Cells whose capacity target is fitted by another value than diffusivity (module docstring).
_CAPACITY_PARAMETER = {
    "graphite_jian2015_half_cell": (_CAPACITY, 150.0, 600.0),
    "soft_carbon_jian2015_half_cell": (_CAPACITY, 150.0, 600.0),
}


def cell_mechanism(cell: str, mechanism: str | None) -> str:
    """``mechanism``, or the one ``cell``'s file declares."""
    return mechanism or load_cell(cell).degradation.get("mechanism", NO_MECHANISM)


def calibration_plan(cell: str, mechanism: str | None = None,
                     ) -> tuple[list[FitParameter], list, list[ReportedRow]]:
    """The values to fit for ``cell`` under ``mechanism`` and the Table S1 targets."""
    rows = [r for r in table_s1_rows() if r.cell == cell]
    if not rows:
        valid = sorted({r.cell for r in table_s1_rows()})
        raise UnknownNameError("calibratable cell", cell, valid)
    material = load_cell(cell).references["working"]
    chosen = load_mechanism(cell_mechanism(cell, mechanism))
    if chosen.fit_key is None:
        raise InvalidInputError(f"mechanism {chosen.name!r} has no fade value to fit")
    start = chosen.values.get(chosen.fit_role, {}).get(chosen.fit_key)
    parameters = [FitParameter(chosen.name, chosen.fit_key, *chosen.fit_bounds,
                               initial=start.value if start else None,
                               step_power=chosen.fit_step_power)]
    if chosen.second_fit is not None:  # a mix of two laws: its second fade value, after
        key, lower, upper = chosen.second_fit
        second = chosen.values.get(chosen.fit_role, {}).get(key)
        parameters.append(FitParameter(chosen.name, key, lower, upper,
                                       initial=second.value if second else None))
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
              exact: bool = False, mechanism: str | None = None,
              warm_start: bool = False, fixed: dict[str, dict[str, float]] | None = None,
              electrode_overrides: dict[str, dict[str, float]] | None = None,
              strategy: str = "staged", workers: int | None = None) -> FitResult:
    """Fit ``cell`` under ``mechanism`` to its Table S1 rows (module docstring: what fits
    what), from the estimates in the parameter files (a cold start) or, with ``warm_start``,
    from the stored fit of the same mechanism (to refit with another model, or with other
    estimates). ``fixed`` (material -> {key: value}) and ``electrode_overrides`` replace
    estimates held during the fit, e.g. one sample of an uncertainty study. ``strategy`` and
    ``workers``: see :func:`kion_sim.validation.fitting.fit`."""
    mechanism = cell_mechanism(cell, mechanism)
    parameters, targets, _ = calibration_plan(cell, mechanism)
    initial = None
    if warm_start:
        stored = load_calibration(cell, mechanism).values
        initial = {key: q.value for values in stored.values() for key, q in values.items()}
    return fit(cell, parameters, targets, model=model, show_progress=show_progress, exact=exact,
               mechanism=mechanism, initial=initial, fixed=fixed,
               electrode_overrides=electrode_overrides, strategy=strategy, workers=workers)


def write_fitted_values(result: FitResult, model: str, folder: Path | None = None) -> Path:
    """Store the fit in ``folder/CELL.toml`` (default: the parameter sets' calibrations/),
    under the fit's mechanism, replacing that mechanism's earlier fit; returns the path."""
    folder = Path(folder) if folder is not None else calibrations_dir()
    path = folder / f"{result.cell}.toml"
    targets = "; ".join(result.residuals["target"])
    entries: dict[str, dict[str, str]] = {}
    for parameter in result.parameters:
        factor = result.uncertainty_factor[parameter.key]
        source = (f"least-squares fit ({model}, kion-sim calibrate {result.cell} --mechanism "
                  f"{result.mechanism}) to table_s1: {targets}; 1-sigma factor {factor:.3g}")
        entries.setdefault(parameter.material, {})[parameter.key] = (
            f'"{parameter.key}" = {{ value = {result.fitted[parameter.key]:.6g}, '
            f'provenance = "fitted", source = "{source.replace(chr(34), chr(39))}", '
            f'uncertainty_factor = {factor:.3g} }}')
    sections = _read_sections(path)
    sections = {name: text for name, text in sections.items()
                if name.split(".")[0] != result.mechanism}
    for component, lines in entries.items():
        sections[f"{result.mechanism}.{component}"] = "\n".join(lines.values())
    body = "\n\n".join(f"[{name}]\n{text}" for name, text in sorted(sections.items()))
    header = (f"# Fitted values of {result.cell}, per fade mechanism ([MECHANISM.COMPONENT]);"
              f"\n# written by kion-sim calibrate --write. Estimates stay in the material files.\n")
    from kion_sim.output import staged_files  # the file appears whole or not at all

    with staged_files(folder) as files:
        files.text(header + "\n" + body + "\n", path.name)
    forget_cached_parameters()
    return path


def _read_sections(path: Path) -> dict[str, str]:
    """The file's ``[section]`` blocks as raw text, to keep the other mechanisms' fits."""
    if not path.is_file():
        return {}
    sections, name = {}, None
    for line in path.read_text().splitlines():
        if line.startswith("[") and line.endswith("]"):
            name = line[1:-1]
            sections[name] = []
        elif name is not None and line.strip() and not line.startswith("#"):
            sections[name].append(line)
    return {name: "\n".join(lines) for name, lines in sections.items()}

