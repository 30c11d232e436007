"""The audit a careful modeller runs before trusting a cell: ``kion-sim audit CELL``.

For any cell (a half cell, the full cell, a user's design) it reports:

1. the K ledger: the declared sources against the K found in every phase, SEI and lost
   material, at t = 0 and at the end of the long run (:mod:`kion_sim.analysis.ledger`);
2. each electrode's potential range vs K/K+ in a standard cycle, against the limits its
   material states, and every limit crossed (:mod:`kion_sim.analysis.windows`);
3. the end states of the long run: SEI thickness against the particle, SEI volume against
   the pores, active material left, every phase's stoichiometry inside [0, 1];
4. the estimates the headline figures are most sensitive to: each estimate moved alone to
   either end of its range (one at a time, from the stored fit), the figure's change.
"""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from kion_sim.analysis.cycles import cycle_summary
from kion_sim.analysis.ledger import K_ledger
from kion_sim.analysis.windows import (
    describe_crossing,
    electrode_extremes,
    electrode_limits,
    limit_crossings,
)
from kion_sim.parameters.assemble import CellParameters, build_cell_parameters
from kion_sim.parameters.catalog import load_cell
from kion_sim.protocols.experiment import galvanostatic_cycles
from kion_sim.simulation.fade import fade_run
from kion_sim.simulation.runner import simulate
from kion_sim.simulation.states import degradation_states

# The standard cycle and long run: Table S1's longest row for the 900 C carbon, the full
# cell's own fade protocol for a full cell.
STANDARD = {"half_cell": (100.0, 500.0, 500), "full_cell": (20.0, 100.0, 200)}


@dataclass
class Audit:
    """What :func:`audit_cell` found; ``as_dict`` is what ``--json`` prints."""

    cell: str
    ledger_start: dict
    ledger_end: dict
    potentials: list[dict]
    limits: list[dict]
    crossings: list[str]
    end_states: dict
    long_run: dict
    sensitivity: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _build(cell_name: str, materials: dict | None = None, electrodes: dict | None = None,
           ) -> CellParameters:
    return build_cell_parameters(cell_name, materials, electrodes)


def _headline(cell: CellParameters, current_mA_g: float) -> dict[str, float]:
    """First-cycle efficiency, 2nd-cycle capacity and energy of the standard cycle."""
    run = simulate(cell, galvanostatic_cycles(cell, current_mA_g, 2), model="SPM",
                   show_progress=False)
    summary = cycle_summary(run.steps)
    direction = "charge" if cell.is_half_cell else "discharge"  # depotassiation / discharge
    return {"first_cycle_efficiency_pct": float(summary["coulombic_efficiency_pct"].iloc[0]),
            "capacity_mAh_g": float(summary[f"{direction}_capacity_mAh_g"].iloc[1]),
            "energy_mWh_g": float(summary[f"{direction}_energy_mWh_g"].iloc[1])}


def _moved(task) -> dict:
    """One estimate at one end of its range: the headline figures (worker processes)."""
    cell_name, item, value, current = task
    where = {item.key: value}
    materials = {} if item.role else {item.component: where}
    electrodes = {item.role: where} if item.role else {}
    try:
        return _headline(_build(cell_name, materials, electrodes), current)
    except Exception as error:  # noqa: BLE001 (a range end that cannot run is a finding)
        return {"error": f"{type(error).__name__}: {str(error).splitlines()[0]}"}


def sensitivity_ranking(cell_name: str, current_mA_g: float, workers: int = 2,
                        only: list[str] | None = None, show_progress: bool = True
                        ) -> list[dict]:
    """Each estimate moved alone to both ends of its range; ranked by the largest relative
    change of any headline figure. ``only`` limits it to estimates whose name contains one
    of the given words."""
    from kion_sim.uncertainty.simulated import cell_inputs

    base = _headline(_build(cell_name), current_mA_g)
    inputs = [i for i in cell_inputs(cell_name, fitted=False)
              if not only or any(word in i.name for word in only)]
    tasks = [(cell_name, item, end, current_mA_g) for item in inputs
             for end in (item.low, item.high)]
    if show_progress:
        print(f"audit: {len(tasks)} runs ({len(inputs)} estimates at both range ends) on "
              f"{workers} processes", file=sys.stderr)
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(_moved, tasks))
    rows = []
    for index, item in enumerate(inputs):
        low, high = results[2 * index], results[2 * index + 1]
        row = {"estimate": item.name, "value": item.value, "range": [item.low, item.high]}
        for figure, reference in base.items():
            ends = [r.get(figure, np.nan) for r in (low, high)]
            row[f"{figure}_at_range_ends"] = ends
            row[f"{figure}_swing_pct"] = float(100 * np.nanmax(np.abs(
                np.subtract(ends, reference))) / abs(reference)) if reference else np.nan
        row["errors"] = [r["error"] for r in (low, high) if "error" in r]
        rows.append(row)
    swing = lambda r: max((v for k, v in r.items() if k.endswith("_swing_pct")  # noqa: E731
                           and np.isfinite(v)), default=0.0)
    return sorted(rows, key=swing, reverse=True)


def _stoichiometry_bounds(solution) -> dict[str, list[float]]:
    """Lowest and highest stoichiometry of every particle phase at the end of a run."""
    bounds = {}
    for name in solution.all_models[0].variables:
        if name.endswith("particle stoichiometry") and not name.startswith(
                ("X-averaged", "Average", "R-averaged", "Minimum", "Maximum")):
            values = np.asarray(solution[name].entries)[..., -1]
            bounds[name] = [float(values.min()), float(values.max())]
    return bounds


def audit_cell(cell_name: str, sensitivity: bool = True, workers: int = 2,
               only: list[str] | None = None, show_progress: bool = True) -> Audit:
    """Run the audit of the cell called ``cell_name`` (module docstring).

    Examples
    --------
    >>> report = audit_cell("soft_carbon_half_cell", sensitivity=False, show_progress=False)
    >>> abs(report.ledger_end["relative_error"]) < 5e-3
    True
    """
    kind = load_cell(cell_name).kind
    standard_mA_g, long_mA_g, long_cycles = STANDARD[kind]
    cell = _build(cell_name)
    standard = simulate(cell, galvanostatic_cycles(cell, standard_mA_g, 2), model="SPM",
                        show_progress=False)
    potentials, limits, crossings = [], [], []
    if not cell.is_half_cell:
        extremes = electrode_extremes(standard.timeseries, cell)
        potentials = extremes.to_dict(orient="records")
        limits = electrode_limits(cell).to_dict(orient="records")
        crossings = [describe_crossing(c) for c in limit_crossings(extremes, cell)]
    else:
        voltage = standard.timeseries["voltage_V"]
        potentials = [{"working_vs_K_metal_min_V": float(voltage.min()),
                       "working_vs_K_metal_max_V": float(voltage.max())}]
    if show_progress:
        print(f"audit: {long_cycles} cycles at {long_mA_g:g} mA/g (fast path)", file=sys.stderr)
    run = fade_run(cell, long_mA_g, long_cycles, model="SPM")  # its tolerance per cell kind
    states = degradation_states(run.end_state, cell)
    states.pop("K_balance_error", None)  # referred to t = 0: the ledger replaces it
    radius = cell.values[f"{cell.carbon.slot} particle radius [m]"]
    states["carbon_SEI_thickness_over_particle_radius"] = (
        states["carbon_SEI_thickness_nm"] * 1e-9 / radius)
    states["stoichiometry_bounds"] = _stoichiometry_bounds(run.end_state)
    return Audit(
        cell=cell_name,
        ledger_start=K_ledger(cell, standard.solution, 0).as_dict(),
        ledger_end=K_ledger(cell, run.end_state, -1).as_dict(),
        potentials=potentials, limits=limits, crossings=crossings, end_states=states,
        long_run={"current_mA_g": long_mA_g, "cycles": long_cycles,
                  "simulated_cycles": run.simulated_cycles,
                  "error_estimate_pct": run.error_estimate_pct},
        sensitivity=sensitivity_ranking(cell_name, standard_mA_g, workers, only,
                                        show_progress) if sensitivity else [])
