"""Physics checks on real solves; every reference is an independent calculation."""

import numpy as np
import pytest

import kion_sim
from kion_sim.analysis import cycle_summary
from kion_sim.parameters import cell_parameters

FARADAY = 96485.33212
ANODE = "soft_carbon_half_cell"


def _cycle(cell_name, current, cycles=1, model="SPM", **options):
    cell = cell_parameters(cell_name)
    return kion_sim.simulate(cell, kion_sim.galvanostatic_cycles(cell, current, cycles),
                             model=model, **options)


def test_potassium_is_conserved_across_a_cycle_in_the_half_cell():
    series = _cycle(ANODE, 200, model="SPMe").timeseries
    t, amps = series["time_s"].to_numpy(), series["current_A"].to_numpy()
    # Discharge current (positive) drives K+ from the K metal into the carbon and its SEI.
    charge_C = np.concatenate([[0], np.cumsum(0.5 * (amps[1:] + amps[:-1]) * np.diff(t))])
    passed_mol = charge_C / FARADAY
    held = series["K_in_particles_mol"] + series["K_lost_to_SEI_mol"]
    assert np.allclose(held - held.iloc[0], passed_mol, rtol=0, atol=1e-3 * held.abs().max())
    electrolyte = series["K_in_electrolyte_mol"]
    assert electrolyte.max() - electrolyte.min() < 1e-6 * electrolyte.mean()


def test_slow_potassiation_fills_what_the_ocp_window_holds():
    cell = cell_parameters(ANODE)
    design = cell.electrodes["working"]
    table = np.loadtxt(design.material.table("ocp").path, delimiter=",", skiprows=1)
    sto_at = lambda volts: np.interp(volts, table[::-1, 1], table[::-1, 0])  # noqa: E731
    q_full = design.material.value("specific capacity at full stoichiometry [mAh.g-1]")
    window_mAh_g = (sto_at(0.01) - sto_at(1.5)) * q_full
    result = kion_sim.simulate(cell, "Charge at 2 mA/g for 1 s; Discharge at 2 mA/g until 1.5 V;"
                               " Discharge at 2 mA/g until 0.01 V", model="SPM",
                               degradation=False)
    assert result.steps["capacity_mAh_g"].iloc[-1] == pytest.approx(window_mAh_g, rel=0.02)


def test_capacity_falls_as_current_rises():
    table = kion_sim.rate_capability(ANODE, [50, 200, 1000], model="SPM")
    capacities = table["charge_capacity_mAh_g"].to_numpy()
    assert np.all(np.diff(capacities) < 0)


@pytest.mark.parametrize("cell_name", [ANODE, "full_cell"])
def test_voltage_at_rest_equals_the_ocp_difference(cell_name):
    cell = cell_parameters(cell_name)
    first = kion_sim.galvanostatic_cycles(cell, 100, 1).strip("() x1").split(";")[0]
    series = kion_sim.simulate(cell, f"{first}; Rest for 3 hours", model="SPMe").timeseries
    end = series.iloc[-1]
    expected = (end["working_ocp_V"] if cell.is_half_cell
                else end["cathode_ocp_V"] - end["anode_ocp_V"])
    assert end["voltage_V"] == pytest.approx(expected, abs=2e-3)


def test_doubling_the_mesh_changes_the_500_mA_g_capacity_by_under_one_percent():
    coarse = {"x_n": 20, "x_s": 20, "x_p": 20, "r_n": 20, "r_p": 20}
    fine = {key: 2 * value for key, value in coarse.items()}
    capacities = [cycle_summary(_cycle(ANODE, 500, model="DFN", mesh_points=mesh).steps)
                  ["charge_capacity_mAh_g"].iloc[0] for mesh in (coarse, fine)]
    assert capacities[1] == pytest.approx(capacities[0], rel=0.01)


def test_sei_makes_the_first_cycle_irreversible_and_without_it_nothing_is_lost():
    with_sei = cycle_summary(_cycle(ANODE, 100, cycles=2).steps)
    without = cycle_summary(_cycle(ANODE, 20, cycles=2, degradation=False).steps)
    assert with_sei["coulombic_efficiency_pct"].iloc[0] < 90
    assert with_sei["coulombic_efficiency_pct"].iloc[1] > with_sei[
        "coulombic_efficiency_pct"].iloc[0]
    # Without SEI only the K left in the carbon at 1.5 V (first cycle) is not returned.
    assert without["coulombic_efficiency_pct"].iloc[1] == pytest.approx(100, abs=0.3)


def test_full_cell_loses_k_to_the_sei_in_its_first_cycle():
    summary = cycle_summary(_cycle("full_cell", 20).steps)
    assert summary["coulombic_efficiency_pct"].iloc[0] < 100
