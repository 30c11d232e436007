"""Soft carbon vs K metal: physics checks on real (SPM/SPMe) solves.

Every reference is independent of kion_sim: Faraday's law on the current it reports, or the OCP
table and specific capacity read from parameter_sets/ with numpy and tomllib.
"""

import numpy as np
import pytest

import kion_sim
from kion_sim.analysis import cycle_summary
from kion_sim.models import build_model
from kion_sim.parameters import cell_parameters

CELL = "soft_carbon_half_cell"
CARBON = "soft_carbon_900C"
CAPACITY_KEY = "specific capacity at full stoichiometry [mAh.g-1]"


def _cycle_text(current_mA_g, cycles=1):
    return (f"(Discharge at {current_mA_g} mA/g until 0.01 V; "
            f"Charge at {current_mA_g} mA/g until 1.5 V) x {cycles}")


def _passed_mol(series, faraday):
    """K moved through the external circuit since the start: trapezoid integral of I / F."""
    t, amps = series["time_s"].to_numpy(), series["current_A"].to_numpy()
    coulombs = np.concatenate([[0.0], np.cumsum(0.5 * (amps[1:] + amps[:-1]) * np.diff(t))])
    return coulombs / faraday


def test_potassium_is_conserved_across_a_cycle(faraday):
    # The bookkeeping is the same under every fade law; sei_site_blocking's SEI takes the most
    # K in one cycle (the default's time law takes ~0.2 % of it, too little to test against).
    cell = cell_parameters(CELL, mechanism="sei_site_blocking")
    series = kion_sim.simulate(cell, _cycle_text(200), model="SPMe").timeseries
    passed = _passed_mol(series, faraday)
    # Discharge (positive current) drives K from the metal into the carbon (its trap sites
    # included), its SEI, and the carbon the SEI cut off (site blocking locks its K away).
    held = (series["K_in_particles_mol"] + series["K_lost_to_SEI_mol"]
            + series["K_locked_in_lost_material_mol"]).to_numpy()
    throughput = np.abs(passed).max()
    np.testing.assert_allclose(held - held[0], passed, rtol=0, atol=1e-3 * throughput)
    # The test means something only if the SEI took well above the 0.1 % tolerance...
    assert series["K_lost_to_SEI_mol"].iloc[-1] > 0.005 * throughput
    # ...and the metal replaces every K+ the electrolyte gives the carbon.
    electrolyte = series["K_in_electrolyte_mol"].to_numpy()
    assert np.abs(electrolyte - electrolyte[0]).max() < 1e-3 * throughput


def test_slow_potassiation_fills_what_the_ocp_window_holds(sets):
    # Capacity between 1.5 V and 0.01 V at rest: the OCP table's stoichiometries there, times
    # the capacity of the whole stoichiometry range.
    # the capacity the cell simulates: its declared mechanism's fit, not the file's estimate
    q_full = sets.electrode(CELL, "working")[CAPACITY_KEY]
    sto_high_V, sto_low_V = sets.stoichiometry_at(CARBON, [1.5, 0.01])
    window_mAh_g = (sto_low_V - sto_high_V) * q_full
    result = kion_sim.simulate(CELL, "Discharge at 5 mA/g until 1.5 V; "
                                     "Discharge at 5 mA/g until 0.01 V",
                               model="SPM", degradation=False)
    # 5 mA/g is ~C/75: overpotentials of a few mV shift both ends alike; 2 % allows for them.
    assert result.steps["capacity_mAh_g"].iloc[1] == pytest.approx(window_mAh_g, rel=0.02)


def test_capacity_falls_as_current_rises(sets):
    currents = [50, 200, 1000]
    results = [kion_sim.simulate(CELL, _cycle_text(i), model="SPM", degradation=False)
               for i in currents]
    potassiation = np.array([r.steps["capacity_mAh_g"].iloc[0] for r in results])
    depotassiation = np.array([r.steps["capacity_mAh_g"].iloc[1] for r in results])
    assert np.all(np.diff(potassiation) < 0) and np.all(np.diff(depotassiation) < 0)
    # Without side reactions nothing exceeds what the OCP table holds from the start to 0.01 V.
    files = sets.electrode(CELL, "working")
    ceiling = (sets.stoichiometry_at(CARBON, 0.01) - files["initial stoichiometry"]) * (
        files[CAPACITY_KEY])
    assert potassiation.max() < ceiling
    # The public rate table, with SEI, agrees on the trend.
    table = kion_sim.rate_capability(CELL, currents, model="SPM", cycles_per_rate=1)
    assert np.all(np.diff(table["charge_capacity_mAh_g"].to_numpy()) < 0)


def test_voltage_after_a_long_rest_is_the_open_circuit_potential(sets):
    # SEI off: with SEI on, EC reduction keeps drawing a small current through the carbon at
    # rest, which is not equilibrium (it shifts the voltage by ~1 mV).
    result = kion_sim.simulate(CELL, "Discharge at 100 mA/g for 1 hour; Rest for 3 hours",
                               model="SPMe", degradation=False)
    end = result.timeseries.iloc[-1]
    assert end["step_kind"] == "rest"
    assert end["voltage_V"] == pytest.approx(end["working_ocp_V"], abs=2e-3)  # K metal: 0 V
    # The same OCP from the table: 100 mAh/g moved the stoichiometry by 100 / q_full.
    files = sets.electrode(CELL, "working")
    sto = files["initial stoichiometry"] + 100.0 / files[CAPACITY_KEY]
    assert end["voltage_V"] == pytest.approx(sets.ocp_at(CARBON, sto), abs=2e-3)


def test_doubling_the_mesh_changes_the_500_mA_g_capacity_by_under_one_percent():
    default = build_model("SPMe", cell_parameters(CELL)).default_var_pts
    capacities, shapes = [], []
    for factor in (1, 2):
        mesh = {key: points * factor for key, points in default.items()}
        result = kion_sim.simulate(CELL, _cycle_text(500), model="SPMe", mesh_points=mesh)
        capacities.append(result.steps["capacity_mAh_g"].to_numpy()[:2])
        concentration = result.solution["Positive primary particle concentration [mol.m-3]"]
        shapes.append(concentration.entries.shape[:2])  # (radial, through-electrode) points
    (coarse, fine), (coarse_shape, fine_shape) = capacities, shapes
    # The finer mesh really was used: twice the radial and through-electrode points.
    assert fine_shape == (2 * coarse_shape[0], 2 * coarse_shape[1])
    np.testing.assert_allclose(fine, coarse, rtol=0.01)


def test_a_partial_mesh_override_refines_only_what_it_names():
    result = kion_sim.simulate(CELL, "Discharge at 500 mA/g for 10 min", model="SPM",
                               mesh_points={"r_p": 40})
    concentration = result.solution["Positive primary particle concentration [mol.m-3]"]
    assert concentration.entries.shape[0] == 40


def test_sei_costs_the_first_cycle_and_without_it_a_cycle_returns_everything():
    with_sei = cycle_summary(kion_sim.simulate(CELL, _cycle_text(100, 2), model="SPM").steps)
    without = cycle_summary(kion_sim.simulate(CELL, _cycle_text(100, 2), model="SPM",
                                              degradation=False).steps)
    efficiency = with_sei["coulombic_efficiency_pct"]
    assert efficiency.iloc[0] < 100 and efficiency.iloc[1] > efficiency.iloc[0]
    # Cycle 2 starts and ends at 1.5 V with the same current: with no side reaction, all the K
    # that went in comes out (the overpotential is the same at both ends).
    assert without["coulombic_efficiency_pct"].iloc[1] == pytest.approx(100, abs=0.3)
