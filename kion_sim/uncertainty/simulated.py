"""The simulator as an evaluator: kion_sim's headline figures for one sample of the unknowns.

Figures (``FIGURES``):

- ``blind_capacity_mAh_g``, ``blind_retention_pct``: the Table S1 row that was withheld until
  2026-12-01 (the 900 C soft carbon after 500 cycles at 500 mA/g; a calibration target since
  it was disclosed), as ``kion-sim table-s1`` simulates it;
- ``rate_capacity_mAh_g``: its 2nd-cycle capacity at ``RATE_CURRENT_mA_g``, beyond the
  500 mA/g the calibration saw;
- ``full_cell_energy_Wh_kg``, ``full_cell_retention_pct``,
  ``full_cell_first_cycle_efficiency_pct``, ``full_cell_capacity_mAh_g``: the K0.6CoO2 ||
  soft carbon prediction of ``kion-sim full-cell`` (its fade on the fast path).

What is sampled (:func:`uncertain_inputs`): every estimate of the cells behind the figures,
of the materials they use and of their declared fade mechanism, except those the figures do
not read (``NOT_READ``) and those a stored calibration replaces; plus every fitted value (a
calibration's, and one a material file stores with its 1-sigma factor: the cathode's fade).
With ``recalibrate``, each sample first refits the fitted values with its estimates held
(:mod:`kion_sim.uncertainty.recalibration`: from the stored fit, on a Jacobian measured once
per process), then
scales them by their sampled 1-sigma deviation (the targets' uncertainty); without it, the
fitted values are sampled about the stored fit within their fitted uncertainty only.
"""

from __future__ import annotations

import functools

from kion_sim.errors import InvalidInputError, UnknownNameError
from kion_sim.parameters.catalog import load_cell, load_material
from kion_sim.parameters.mechanisms import load_calibration, load_mechanism
from kion_sim.uncertainty.inputs import UncertainInput

HALF_CELL = "soft_carbon_half_cell"
FULL_CELL = "full_cell"
RATE_CURRENT_mA_g = 1000.0
FIGURES = {
    "blind_capacity_mAh_g": HALF_CELL, "blind_retention_pct": HALF_CELL,
    "rate_capacity_mAh_g": HALF_CELL,
    "full_cell_energy_Wh_kg": FULL_CELL, "full_cell_retention_pct": FULL_CELL,
    "full_cell_first_cycle_efficiency_pct": FULL_CELL, "full_cell_capacity_mAh_g": FULL_CELL,
}
# Estimates the figures do not read: impedance only, a shape check, and the protocol's own
# voltage window (what is asked, not an unknown of the cell).
NOT_READ = ("double-layer capacitance [F.m-2]", "particle length [m]",
            "default lower voltage cut-off [V]", "default upper voltage cut-off [V]")
EVALUATOR = "kion_sim.uncertainty.simulated:simulated_figures"


def check_figures(figures: list[str]) -> list[str]:
    if not figures:
        raise InvalidInputError(f"name at least one figure; valid: {', '.join(FIGURES)}")
    for figure in figures:
        if figure not in FIGURES:
            raise UnknownNameError("figure", figure, FIGURES)
    return list(figures)


def _estimates(component: str, quantities: dict, replaced: set, role: str = "",
               prefix: str = "") -> list[UncertainInput]:
    found = []
    for key, q in quantities.items():
        if q.provenance != "estimate" or q.range is None or key in NOT_READ \
                or (component, key) in replaced:
            continue
        found.append(UncertainInput.estimate(
            f"{prefix or component}: {key}", q.value, *q.range, component=component, key=key,
            role=role, reason=q.range_source))
    return found


def _fitted(calibration) -> list[UncertainInput]:
    return [UncertainInput.fitted(f"{component}: {key}", q.value, q.uncertainty_factor,
                                  component=component, key=key, reason=q.source)
            for component, values in calibration.values.items()
            for key, q in values.items() if q.uncertainty_factor]


def cell_inputs(cell_name: str, fitted: bool = True,
                mechanism: str | None = None) -> list[UncertainInput]:
    """Every estimate behind the cell ``cell_name`` (its own values and electrode recipe, its
    materials, its fade ``mechanism``, default the declared one; not those a stored
    calibration replaces), and with ``fitted`` every value of that calibration."""
    cell = load_cell(cell_name)
    mechanism = load_mechanism(mechanism or cell.degradation.get("mechanism", "none"))
    calibration = load_calibration(cell.degradation.get("calibrated in", cell_name),
                                   mechanism.name)
    replaced = {(c, k) for c, values in calibration.values.items() for k in values}
    found = _estimates(cell_name, cell.quantities, replaced)
    for role, recipe in cell.electrodes.items():
        found += _estimates(cell_name, recipe, replaced, role, f"{cell_name}.{role}")
    in_files = []  # values fitted outside a calibration, stored in their material's file
    for material in dict.fromkeys(cell.references.values()):
        found += _estimates(material, load_material(material).quantities, replaced)
        in_files += [UncertainInput.fitted(f"{material}: {key}", q.value, q.uncertainty_factor,
                                           component=material, key=key, reason=q.source)
                     for key, q in load_material(material).quantities.items()
                     if q.provenance == "fitted" and q.uncertainty_factor
                     and (material, key) not in replaced]
    for role_values in mechanism.values.values():
        found += _estimates(mechanism.name, role_values, replaced)
    return found + ((_fitted(calibration) + in_files) if fitted else [])


def uncertain_inputs(figures: list[str]) -> list[UncertainInput]:
    """Every sampled input behind ``figures`` (module docstring), each named once."""
    inputs: dict[str, UncertainInput] = {}
    for cell_name in dict.fromkeys(FIGURES[f] for f in check_figures(figures)):
        inputs.update({item.name: item for item in cell_inputs(cell_name)})
    return list(inputs.values())


def describe_inputs(inputs: list[UncertainInput]) -> list[list]:
    """What the evaluator needs of each input, in a JSON-friendly form (sweep options)."""
    return [[i.name, i.component, i.key, i.role, i.kind, i.value] for i in inputs]


def _overrides(point: dict, described: list[list], cell_name: str, fitted: dict):
    """(material overrides, electrode overrides) of ``cell_name`` for one sample."""
    materials: dict[str, dict[str, float]] = {}
    electrodes: dict[str, dict[str, float]] = {}
    for name, component, key, role, kind, stored in described:
        value = point[name]
        if kind == "fitted":  # its sampled deviation, about the refit value if there is one
            value = fitted.get((component, key), stored) * value / stored
        if role:
            if component == cell_name:
                electrodes.setdefault(role, {})[key] = value
        elif component not in (HALF_CELL, FULL_CELL) or component == cell_name:
            materials.setdefault(component, {})[key] = value
    return materials, electrodes


def _refit(point: dict, described: list[list], model: str,
           mechanism: str | None = None, start: dict | None = None) -> dict:
    """The half cell's fitted values refitted with this sample's estimates held, under
    ``mechanism`` (default: the declared one), from ``start`` (default the stored calibration)
    on a Jacobian measured once per process (:mod:`kion_sim.uncertainty.recalibration`)."""
    from kion_sim.uncertainty.recalibration import refit
    from kion_sim.validation.calibrate import cell_mechanism

    estimates = [d for d in described if d[4] == "estimate"]
    materials, electrodes = _overrides(point, estimates, HALF_CELL, {})
    return refit(cell_mechanism(HALF_CELL, mechanism), model, materials, electrodes, start)


@functools.cache
def _withheld_row():
    from kion_sim.validation.mechanisms import _withheld_row as row

    return row()


def interval_row():
    """The Table S1 row the ``blind_*`` figures simulate (500 cycles at 500 mA/g)."""
    return _withheld_row()


def _half_cell_figures(materials: dict, electrodes: dict, mechanism: str | None, wanted: set,
                       model: str) -> dict:
    """The half cell's figures with these overrides, on this process's built models (the
    overridden values as inputs: the next sample of the same structure solves on them)."""
    from kion_sim.analysis.cycles import capacity_retention
    from kion_sim.simulation.built_models import process_cache
    from kion_sim.validation.table_s1 import CAPACITY_DIRECTION
    from kion_sim.validation.trial_runs import RunKey, TrialCell, solve_run

    row, found = _withheld_row(), {}
    trial = TrialCell(HALF_CELL, materials, electrodes, mechanism)
    cell = trial.build()
    column = f"{CAPACITY_DIRECTION}_capacity_mAh_g"

    def summary(current_mA_g: float, cycles: int):
        run = RunKey(current_mA_g, row.voltage_min_V, row.voltage_max_V, cycles)
        table, _ = solve_run(cell, run, model, False, False, process_cache(), trial.moving,
                             stop_at_end_of_life=False)
        return table

    if wanted & {"blind_capacity_mAh_g", "blind_retention_pct"}:
        table = summary(row.current_density_mA_g, row.cycles)
        retention = capacity_retention(table, 2, CAPACITY_DIRECTION)
        found["blind_capacity_mAh_g"] = float(table[column].iloc[1])
        found["blind_retention_pct"] = float(retention.iloc[row.cycles - 1])
    if "rate_capacity_mAh_g" in wanted:
        found["rate_capacity_mAh_g"] = float(summary(RATE_CURRENT_mA_g, 2)[column].iloc[1])
    return found


def _full_cell_figures(materials: dict, electrodes: dict, wanted: set, options: dict,
                       mechanism: str | None = None) -> dict:
    """The full cell's figures with these overrides, its carbon under ``mechanism`` (default:
    the declared one)."""
    from kion_sim.fullcell import full_cell_design
    from kion_sim.fullcell.predict import headline_figures

    design = full_cell_design(material_overrides=materials, electrode_overrides=electrodes,
                              mechanism=mechanism, **options.get("design", {}))
    # Without retention asked, no fade is run (the other figures are the formation's).
    cycles = options["full_cell_cycles"] if "full_cell_retention_pct" in wanted else None
    found = headline_figures(design, model=options["full_cell_model"], fade_cycles=cycles)
    return {"full_cell_energy_Wh_kg": found["energy_Wh_kg_both"],
            "full_cell_retention_pct": found["retention_pct"],
            "full_cell_first_cycle_efficiency_pct": found["first_cycle_efficiency_pct"],
            "full_cell_capacity_mAh_g": found["capacity_mAh_g_cathode"]}


def simulated_figures(point: dict, options: dict) -> dict:
    """The evaluator: ``options`` holds ``figures``, ``inputs`` (:func:`describe_inputs`),
    ``model``, ``recalibrate``, ``full_cell_model``, ``full_cell_cycles`` and ``design``."""
    wanted, described = set(options["figures"]), options["inputs"]
    fitted = _refit(point, described, options["model"]) if options.get("recalibrate") else {}
    found: dict = {}
    if wanted & {f for f, cell in FIGURES.items() if cell == HALF_CELL}:
        materials, electrodes = _overrides(point, described, HALF_CELL, fitted)
        found.update(_half_cell_figures(materials, electrodes, None, wanted, options["model"]))
    if wanted & {f for f, cell in FIGURES.items() if cell == FULL_CELL}:
        materials, electrodes = _overrides(point, described, FULL_CELL, fitted)
        found.update(_full_cell_figures(materials, electrodes, wanted, options))
    return {figure: found[figure] for figure in options["figures"]}


def evaluator_options(figures: list[str], inputs: list[UncertainInput], model: str = "SPM",
                      recalibrate: bool = False, full_cell_model: str = "SPMe",
                      full_cell_cycles: int = 200, design: dict | None = None) -> dict:
    """The options :func:`simulated_figures` reads, all JSON-friendly (they fingerprint a
    checkpoint, so a run resumes only with the same settings)."""
    from kion_sim.parameters.catalog import parameter_sets_dir

    return {"figures": check_figures(figures), "inputs": describe_inputs(inputs),
            "model": model, "recalibrate": bool(recalibrate),
            "full_cell_model": full_cell_model, "full_cell_cycles": int(full_cell_cycles),
            "design": dict(design or {}), "parameter_sets": _digest(parameter_sets_dir())}


def _digest(folder) -> str:
    """SHA-256 of every parameter file: a recalibration or new estimate starts a new run."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in (".toml", ".csv"):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
