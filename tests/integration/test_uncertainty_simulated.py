"""A real (PyBaMM) uncertainty run on a cheap figure, without recalibration."""

import numpy as np

from kion_sim.uncertainty.report import Execution, figure_intervals
from kion_sim.uncertainty.simulated import RATE_CURRENT_mA_g, uncertain_inputs


def test_the_rate_capacity_gets_an_interval_from_real_simulations(tmp_path):
    names = ["soft_carbon_900C: diffusivity [m2.s-1]",
             "soft_carbon_half_cell.working: active mass loading [mg.cm-2]"]
    result = figure_intervals(["rate_capacity_mAh_g"], samples=2, seed=0, parameters=names,
                              execution=Execution(workers=1, checkpoint=str(tmp_path / "c.jsonl"),
                                                  show_progress=False))
    row = result.intervals.loc["rate_capacity_mAh_g"]
    assert (row["n"], row["failed"]) == (2, 0)
    values = result.samples["rate_capacity_mAh_g"].to_numpy()
    # A K-ion carbon at 1 A/g keeps some capacity, never more than its full stoichiometry.
    assert np.all((values > 0) & (values < 600)) and RATE_CURRENT_mA_g == 1000.0
    assert row["p05"] <= row["p50"] <= row["p95"] and row["p05"] < row["p95"]


def test_the_blind_prediction_samples_every_estimate_behind_it_and_the_fitted_values():
    inputs = uncertain_inputs(["blind_retention_pct"])
    kinds = {i.kind for i in inputs}
    assert kinds == {"estimate", "fitted"}
    names = {i.name for i in inputs}
    assert "potassium_metal: exchange-current density [A.m-2]" in names
    assert "soft_carbon_900C: particle inner radius [m]" in names  # the wall thickness
    # The calibration replaces the material's starting guesses: those are not sampled twice.
    assert sum(n.endswith("soft_carbon_900C: diffusivity [m2.s-1]") for n in names) == 1
    assert next(i for i in inputs if i.name == "soft_carbon_900C: diffusivity [m2.s-1]"
                ).kind == "fitted"
