"""Full-cell predictions from the two calibrated half cells (no full-cell data exists to fit).

Currents and capacities are per g of cathode (K0.6CoO2), the field's habit for full cells;
energies are given per kg of both active materials as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kion_sim.analysis.cycles import capacity_retention, cycle_summary, voltage_curves
from kion_sim.analysis.windows import (
    describe_crossing,
    electrode_extremes,
    electrode_limits,
    limit_crossings,
)
from kion_sim.errors import InvalidInputError
from kion_sim.fullcell.balancing import balance, full_cell_design
from kion_sim.parameters.assemble import CellParameters
from kion_sim.protocols.experiment import galvanostatic_cycles
from kion_sim.simulation.rate import rate_capability
from kion_sim.simulation.runner import simulate

DEFAULT_RATES_mA_g = (20, 50, 100, 200, 500)


@dataclass
class FullCellPrediction:
    """Headline numbers, 2nd-cycle voltage curve, rate capability and fade of one design."""

    cell: CellParameters
    summary: dict
    curves: pd.DataFrame
    rate: pd.DataFrame
    fade: pd.DataFrame
    # each electrode's lowest and highest potential vs K/K+ per cycle of the fade run, and
    # the limits it crossed (empty: every electrode stayed inside what its material states)
    electrode_potentials: pd.DataFrame = None
    limit_warnings: list = None
    cycle2_timeseries: pd.DataFrame = None

    def write(self, folder: str | Path) -> list[Path]:
        """CSV tables and PNG figures, each written whole or not at all."""
        from kion_sim.output import staged_files
        from kion_sim.plotting import (
            plot_cycle_performance,
            plot_labelled_curves,
            plot_rate_capability,
        )
        from kion_sim.plotting.electrodes import plot_electrode_potentials

        title = "K0.6CoO2 || soft carbon (prediction)"
        with staged_files(folder) as files:
            paths = [
                files.table(pd.DataFrame([self.summary]), "full_cell_summary.csv"),
                files.table(self.curves, "full_cell_voltage_curve_cycle2.csv"),
                files.table(self.rate, "full_cell_rate_capability.csv"),
                files.table(self.fade, "full_cell_fade.csv"),
                files.figure(plot_labelled_curves({"cycle 2": self.curves},
                                                  f"{title}, 2nd cycle"),
                             "full_cell_voltage_curve_cycle2.png"),
                files.figure(plot_rate_capability(self.rate, title),
                             "full_cell_rate_capability.png"),
                files.figure(plot_cycle_performance(self.fade, title), "full_cell_fade.png"),
                files.table(self.electrode_potentials, "full_cell_electrode_potentials.csv"),
                files.figure(plot_electrode_potentials(
                    self.cycle2_timeseries, self.electrode_potentials,
                    electrode_limits(self.cell), title), "full_cell_electrode_potentials.png"),
            ]
        return paths


def _formation(cell: CellParameters, formation_mA_g: float, model: str):
    """The two formation cycles: the run, its 1st and 2nd cycle rows, and the cathode's share
    of both active masses (energy per kg of both)."""
    formation = simulate(cell, galvanostatic_cycles(cell, formation_mA_g, 2), model=model,
                         show_progress=False)
    first, second = cycle_summary(formation.steps).iloc[:2].to_dict(orient="records")
    masses_g = {role: d.active_mass_g for role, d in cell.electrodes.items()}
    return formation, first, second, masses_g["cathode"] / sum(masses_g.values())


def headline_figures(cell: CellParameters, model: str = "SPM", formation_mA_g: float = 20.0,
                     fade_mA_g: float = 100.0, fade_cycles: int | None = 200
                     ) -> dict[str, float]:
    """First-cycle efficiency, 2nd-cycle capacity [mAh/g of cathode], energy [Wh/kg of both]
    and retention, the fade on the fast path (an uncertainty sample's figures); with
    ``fade_cycles=None`` no fade is run and retention is NaN."""
    from kion_sim.simulation.fade import fade_run

    formation, first, second, both_per_cathode = _formation(cell, formation_mA_g, model)
    retention = float("nan")
    if fade_cycles is not None:
        fade = fade_run(cell, fade_mA_g, fade_cycles, model=model).summary  # 0.1 % (full cell)
        retention = float(capacity_retention(fade, 2, "discharge").iloc[fade_cycles - 1])
    return {"first_cycle_efficiency_pct": first["coulombic_efficiency_pct"],
            "capacity_mAh_g_cathode": second["discharge_capacity_mAh_g"],
            "energy_Wh_kg_both": second["discharge_energy_mWh_g"] * both_per_cathode,
            "retention_pct": retention}


def predict_full_cell(cell: CellParameters | None = None, model: str = "SPMe",
                      formation_mA_g: float = 20.0, rates_mA_g=DEFAULT_RATES_mA_g,
                      fade_mA_g: float = 100.0, fade_cycles: int = 200,
                      show_progress: bool = False) -> FullCellPrediction:
    """Predict the full cell: first-cycle loss, voltage curve, energy, rate and fade.

    ``fade_cycles`` must be 2 or more: retention is measured against the 2nd cycle.
    """
    if isinstance(fade_cycles, bool) or not isinstance(fade_cycles, int) or fade_cycles < 2:
        raise InvalidInputError(f"retention needs at least 2 fade cycles (it is measured "
                                f"against cycle 2); give a whole number >= 2, got "
                                f"{fade_cycles!r}")
    cell = cell or full_cell_design()
    formation, first, second, both_per_cathode = _formation(cell, formation_mA_g, model)
    curves = voltage_curves(formation.timeseries)
    fade_run = simulate(cell, galvanostatic_cycles(cell, fade_mA_g, fade_cycles), model=model,
                        show_progress=show_progress)
    fade = cycle_summary(fade_run.steps)
    fade["retention_pct"] = capacity_retention(fade, 2, "discharge")
    balanced = balance(cell)
    extremes = electrode_extremes(fade_run.timeseries, cell)
    crossings = limit_crossings(extremes, cell)
    summary = {
        "n_to_p": balanced.n_to_p,
        "first_cycle_efficiency_pct": first["coulombic_efficiency_pct"],
        "capacity_mAh_g_cathode": second["discharge_capacity_mAh_g"],
        "capacity_mAh_g_both": second["discharge_capacity_mAh_g"] * both_per_cathode,
        "average_discharge_voltage_V":
            second["discharge_energy_mWh_g"] / second["discharge_capacity_mAh_g"],
        "energy_Wh_kg_both": second["discharge_energy_mWh_g"] * both_per_cathode,
        f"retention_after_{fade_cycles}_cycles_pct": float(fade["retention_pct"].iloc[-1]),
        # Each electrode's extremes vs K/K+ at the separator, the assembly state left out
        # (pristine carbon sits above its window): below 0 V on the carbon, K would plate.
        **_extreme_potentials(formation, extremes, cell),
        "window_guards": cell.window_guards,
        "limit_warnings": [describe_crossing(c) for c in crossings],
        "formation_current_mA_g_cathode": formation_mA_g,
        "fade_current_mA_g_cathode": fade_mA_g,
    }
    rate = rate_capability(cell, list(rates_mA_g), model=model) if rates_mA_g else pd.DataFrame()
    second_cycle = formation.timeseries[formation.timeseries["cycle"] == 2]
    return FullCellPrediction(cell, summary, curves[curves["cycle"] == 2], rate, fade,
                              extremes, crossings, second_cycle)


def _extreme_potentials(formation, fade_extremes: pd.DataFrame, cell: CellParameters
                        ) -> dict[str, float]:
    both = pd.concat([electrode_extremes(formation.timeseries, cell), fade_extremes])
    return {f"{column.replace('_V', '')}_potential_V": float(
        both[column].min() if column.endswith("min_V") else both[column].max())
        for column in both.columns if column != "cycle"}
