"""K0.6CoO2 || soft carbon full cell: real (SPM/SPMe) solves against independent references.

References are Faraday's law, the cells' masses and specific capacities from the TOML files,
and the OCP tables read with numpy.
"""

import numpy as np
import pytest

import kion_sim
from kion_sim.analysis import cycle_summary

CELL = "full_cell"
CAPACITY_KEY = "specific capacity at full stoichiometry [mAh.g-1]"
CYCLE = "Charge at 20 mA/g until 3.8 V; Discharge at 20 mA/g until 1.0 V"


@pytest.fixture(scope="module")
def first_cycle():
    """One standard cycle with SEI on, and the same without, both SPM at 20 mA/g (cathode)."""
    return (kion_sim.simulate(CELL, CYCLE, model="SPM"),
            kion_sim.simulate(CELL, CYCLE, model="SPM", degradation=False))


def test_charge_then_discharge_runs_from_the_as_made_state_to_its_cut_offs(sets, first_cycle):
    with_sei, _ = first_cycle
    assert with_sei.completed
    assert list(with_sei.steps["kind"]) == ["charge", "discharge"]
    series = with_sei.timeseries
    # Each step ends at the cell's cut-off or where an electrode reaches a limit its material
    # file states (the charge: cathode up, carbon down; the discharge: the reverse).
    limit = lambda role, side: sets.material(sets.electrode(CELL, role)["material"])[  # noqa: E731
        "values"][f"{side} potential limit [V]"]["value"]
    ends = {"charge": (3.8, ("cathode", "upper"), ("anode", "lower")),
            "discharge": (1.0, ("anode", "upper"), ("cathode", "lower"))}
    for kind, (cut_off, *limits) in ends.items():
        end = series[series["step_kind"] == kind].iloc[-1]
        reached = [abs(end["voltage_V"] - cut_off) < 1e-6] + [
            abs(end[f"{role}_potential_vs_K_V"] - limit(role, side)) < 1e-6
            for role, side in limits]
        assert sum(reached) == 1, (kind, end)
    # As made: K0.6CoO2 against empty carbon, ~0.6 V, below the 1.0 V lower cut-off.
    for role in ("anode", "cathode"):
        files = sets.electrode(CELL, role)
        assert series[f"{role}_ocp_V"].iloc[0] == pytest.approx(
            sets.ocp_at(files["material"], files["initial stoichiometry"]), abs=1e-6)
    assert series["voltage_V"].max() <= 3.8 + 1e-6
    discharge = series[series["step_kind"] == "discharge"]
    assert discharge["voltage_V"].min() >= 1.0 - 1e-6


def test_first_cycle_coulombic_efficiency_is_below_one_with_sei(first_cycle):
    with_sei, without = first_cycle
    efficiency = cycle_summary(with_sei.steps)["coulombic_efficiency_pct"].iloc[0]
    clean = cycle_summary(without.steps)["coulombic_efficiency_pct"].iloc[0]
    assert efficiency < 100
    # the SEI and the trap sites, not the cut-offs, cost most of the loss
    assert efficiency < clean - 5


def test_the_capacity_not_returned_is_what_the_sei_took_plus_what_stays_in_the_carbon(
        sets, faraday, first_cycle):
    for result in first_cycle:
        series, steps = result.timeseries, result.steps
        charged_mAh, discharged_mAh = steps["capacity_mAh_g"] * result.active_mass_g
        sei_mAh = (series["K_lost_to_SEI_mol"].iloc[-1] - series["K_lost_to_SEI_mol"].iloc[0]
                   ) * faraday / 3.6
        # K left in the carbon: its stoichiometry from its OCP at the end, by the OCP table.
        anode = sets.electrode(CELL, "anode")
        sto_end = sets.stoichiometry_at(anode["material"], series["anode_ocp_V"].iloc[-1])
        kept_mAh = ((sto_end - anode["initial stoichiometry"]) * anode[CAPACITY_KEY]
                    * anode["active mass [g]"])
        # K in material the SEI cut off, and in the carbon's trap sites (never given back)
        zero = 0 * series["K_lost_to_SEI_mol"]
        locked = (series.get("K_locked_in_lost_material_mol", zero)
                  + series.get("K_in_trap_sites_mol", zero))
        locked_mAh = (locked.iloc[-1] - locked.iloc[0]) * faraday / 3.6
        lost_mAh = charged_mAh - discharged_mAh
        assert lost_mAh == pytest.approx(sei_mAh + kept_mAh + locked_mAh, rel=1e-3,
                                         abs=1e-4 * charged_mAh)


def test_potassium_stays_in_the_closed_cell():
    # The bookkeeping is the same under every fade law; sei_site_blocking's SEI takes the most
    # K in the first cycle, the scale the solver's drift is judged against (under the default
    # time law it takes a tenth of that, and the drift, 2e-6 of the K held, reads 0.1 % of it).
    cell = kion_sim.cell_parameters(CELL, mechanism="sei_site_blocking")
    series = kion_sim.simulate(cell, CYCLE, model="SPM").timeseries
    held = (series["K_in_particles_mol"] + series["K_lost_to_SEI_mol"]
            + series["K_locked_in_lost_material_mol"]
            + series["cathode_K_locked_in_lost_material_mol"]).to_numpy()
    moved_mol = series["K_lost_to_SEI_mol"].iloc[-1]  # a scale: what the SEI took
    assert moved_mol > 0
    assert np.abs(held - held[0]).max() < 1e-3 * moved_mol
    electrolyte = series["K_in_electrolyte_mol"].to_numpy()
    assert np.abs(electrolyte - electrolyte[0]).max() < 1e-3 * moved_mol


def test_voltage_after_a_long_rest_is_the_ocp_difference(sets):
    # SEI off: growing SEI draws current through the carbon even at rest (not equilibrium).
    result = kion_sim.simulate(CELL, "Charge at 20 mA/g for 2 hours; Rest for 3 hours",
                               model="SPMe", degradation=False)
    end = result.timeseries.iloc[-1]
    assert end["voltage_V"] == pytest.approx(end["cathode_ocp_V"] - end["anode_ocp_V"], abs=2e-3)
    # Independently: 40 mAh per g of cathode left the oxide and entered the carbon.
    cathode, anode = sets.electrode(CELL, "cathode"), sets.electrode(CELL, "anode")
    moved_mAh = 20 * 2 * cathode["active mass [g]"]
    x = cathode["initial stoichiometry"] - moved_mAh / (cathode[CAPACITY_KEY]
                                                        * cathode["active mass [g]"])
    y = anode["initial stoichiometry"] + moved_mAh / (anode[CAPACITY_KEY]
                                                      * anode["active mass [g]"])
    expected = sets.ocp_at(cathode["material"], x) - sets.ocp_at(anode["material"], y)
    assert end["voltage_V"] == pytest.approx(expected, abs=2e-3)


def test_specific_capacities_follow_the_mass_basis(sets):
    # A fixed current in mA: the cell does the same thing whatever grams it is reported per.
    masses = {"anode": sets.electrode(CELL, "anode")["active mass [g]"],
              "cathode": sets.electrode(CELL, "cathode")["active mass [g]"]}
    masses["both"] = masses["anode"] + masses["cathode"]
    charged_mAh = {}
    for basis, mass_g in masses.items():
        result = kion_sim.simulate(CELL, "Charge at 0.1 mA until 3.8 V", model="SPM",
                                   mass_basis=basis, degradation=False)
        assert result.active_mass_g == pytest.approx(mass_g, rel=1e-12)
        charged_mAh[basis] = result.steps["capacity_mAh_g"].iloc[0] * mass_g
    assert charged_mAh["anode"] == pytest.approx(charged_mAh["cathode"], rel=1e-9)
    assert charged_mAh["both"] == pytest.approx(charged_mAh["cathode"], rel=1e-9)
