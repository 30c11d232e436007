"""Protocol + cell -> pybamm.Experiment: amperes from the TOML masses, cut-offs from the CSVs.

Masses are loading x area from the cell files; the 1C current and the valid voltage window are
worked out from the specific capacity and the OCP tables with numpy.
"""

import numpy as np
import pytest

from kion_sim.errors import InvalidInputError, ProtocolError, UnknownNameError
from kion_sim.parameters import cell_parameters
from kion_sim.protocols import (
    MASS_BASES,
    active_mass_g,
    default_mass_basis,
    galvanostatic_cycles,
    parse_protocol,
    to_experiment,
)

ANODE = "soft_carbon_half_cell"
CATHODE = "k0p6coo2_half_cell"
FULL = "full_cell"
CAPACITY_KEY = "specific capacity at full stoichiometry [mAh.g-1]"


def _experiment(cell_name, text, mass_basis=None):
    return to_experiment(parse_protocol(text), cell_parameters(cell_name), mass_basis)


def _one_c_A(sets, cell_name):
    """1C of a half cell: the whole OCP table's stoichiometry range, in amperes."""
    electrode = sets.electrode(cell_name, "working")
    sto, _ = sets.ocp(electrode["material"])
    mAh = electrode[CAPACITY_KEY] * (sto.max() - sto.min()) * electrode["active mass [g]"]
    return mAh / 1000.0


@pytest.mark.parametrize("cell_name", [ANODE, CATHODE, "graphite_jian2015_half_cell"])
def test_half_cell_mass_is_the_working_loading_times_area(sets, cell_name):
    cell = cell_parameters(cell_name)
    expected_g = sets.electrode(cell_name, "working")["active mass [g]"]
    assert default_mass_basis(cell) == "working"
    assert active_mass_g(cell) == pytest.approx(expected_g, rel=1e-12)
    assert active_mass_g(cell, "working") == pytest.approx(expected_g, rel=1e-12)


def test_full_cell_mass_bases(sets):
    cell = cell_parameters(FULL)
    anode_g = sets.electrode(FULL, "anode")["active mass [g]"]
    cathode_g = sets.electrode(FULL, "cathode")["active mass [g]"]
    assert default_mass_basis(cell) == "cathode"  # as K-ion full-cell papers report
    assert active_mass_g(cell) == pytest.approx(cathode_g, rel=1e-12)
    assert active_mass_g(cell, "cathode") == pytest.approx(cathode_g, rel=1e-12)
    assert active_mass_g(cell, "anode") == pytest.approx(anode_g, rel=1e-12)
    assert active_mass_g(cell, "both") == pytest.approx(anode_g + cathode_g, rel=1e-12)


@pytest.mark.parametrize("basis", ["working", "separator", "Anode"])
def test_full_cell_refuses_an_unknown_mass_basis_and_lists_the_valid_ones(basis):
    with pytest.raises(UnknownNameError) as error:
        active_mass_g(cell_parameters(FULL), basis)
    assert basis in str(error.value)
    for valid in MASS_BASES:
        assert valid in str(error.value)


def test_half_cell_refuses_a_mass_basis_it_has_no_electrode_for():
    with pytest.raises(UnknownNameError, match="working"):
        active_mass_g(cell_parameters(ANODE), "separator")


def test_specific_current_becomes_amperes_on_the_mass_basis(sets):
    mass_g = sets.electrode(ANODE, "working")["active mass [g]"]
    discharge, charge = _experiment(ANODE, "Discharge at 100 mA/g until 0.01 V; "
                                           "Charge at 0.5 A/g until 1.5 V").steps
    # PyBaMM's sign: discharge current is positive.
    assert discharge.value == pytest.approx(0.1 * mass_g, rel=1e-12)
    assert charge.value == pytest.approx(-0.5 * mass_g, rel=1e-12)
    assert (discharge.direction, charge.direction) == ("discharge", "charge")


@pytest.mark.parametrize("basis, roles", [("anode", ["anode"]), ("cathode", ["cathode"]),
                                          ("both", ["anode", "cathode"])])
def test_full_cell_specific_current_follows_the_mass_basis(sets, basis, roles):
    mass_g = sum(sets.electrode(FULL, role)["active mass [g]"] for role in roles)
    (step,) = _experiment(FULL, "Charge at 20 mA/g until 3.8 V", basis).steps
    assert step.value == pytest.approx(-0.02 * mass_g, rel=1e-12)


def test_absolute_current_is_used_as_given():
    steps = _experiment(ANODE, "Discharge at 2 mA until 0.1 V; Charge at 1e-3 A for 30 s").steps
    assert steps[0].value == pytest.approx(2e-3, rel=1e-12)
    assert steps[1].value == pytest.approx(-1e-3, rel=1e-12)


@pytest.mark.parametrize("cell_name", [ANODE, CATHODE])
def test_c_rate_is_the_ocp_table_capacity_per_hour(sets, cell_name):
    one_c = _one_c_A(sets, cell_name)
    fast, slow = _experiment(cell_name, "Charge at 2C for 10 s; Discharge at C/5 for 10 s").steps
    assert fast.value == pytest.approx(-2 * one_c, rel=1e-9)
    assert slow.value == pytest.approx(one_c / 5, rel=1e-9)


def test_full_cell_one_c_is_the_smaller_of_extractable_cathode_k_and_the_anode_table(sets):
    cathode, anode = sets.electrode(FULL, "cathode"), sets.electrode(FULL, "anode")
    x_min = sets.ocp(cathode["material"])[0].min()
    extractable_mAh = (cathode[CAPACITY_KEY] * (cathode["initial stoichiometry"] - x_min)
                       * cathode["active mass [g]"])
    anode_sto, _ = sets.ocp(anode["material"])
    anode_mAh = anode[CAPACITY_KEY] * np.ptp(anode_sto) * anode["active mass [g]"]
    (step,) = _experiment(FULL, "Charge at 1C for 10 s").steps
    assert step.value == pytest.approx(-min(extractable_mAh, anode_mAh) / 1000, rel=1e-9)


def test_times_rest_and_hold_reach_pybamm_in_seconds_and_amperes(sets):
    mass_g = sets.electrode(ANODE, "working")["active mass [g]"]
    timed, rest, hold, timed_hold = _experiment(
        ANODE, "Discharge at 50 mA/g for 10 minutes; Rest for 2 hours; "
               "Hold at 1.0 V until 10 mA/g; Hold at 1.2 V for 30 min").steps
    assert timed.duration == 600.0 and timed.termination == []
    assert rest.value == 0 and rest.duration == 7200.0
    assert hold.value == 1.0
    (until,) = hold.termination
    assert until.value == pytest.approx(0.01 * mass_g, rel=1e-12)
    assert timed_hold.value == 1.2 and timed_hold.duration == 1800.0


@pytest.mark.parametrize("text", ["Discharge at 100 mA/g until 0.01 V",
                                  "Discharge at 2C until 0.01 V", "Charge at 1 mA until 1.5 V"])
def test_a_step_ended_by_voltage_is_long_enough_to_sweep_the_whole_window(sets, text):
    # Only the cut-off may end it: its time limit exceeds what the whole OCP table holds.
    (step,) = _experiment(ANODE, text).steps
    (cut_off,) = step.termination
    assert cut_off.value == float(text.split("until ")[1].rstrip(" V"))
    window_s = _one_c_A(sets, ANODE) / abs(step.value) * 3600
    assert step.duration > window_s


def test_every_cycle_of_the_protocol_reaches_the_experiment():
    experiment = _experiment(ANODE, "(Discharge at 100 mA/g until 0.01 V; "
                                    "Charge at 100 mA/g until 1.5 V) x 3\nRest for 1 h")
    assert experiment.cycle_lengths == [2, 2, 2, 1]


def _window_V(sets, cell_name):
    cell = sets.cell(cell_name)
    if "working" in cell["uses"]:
        _, ocp = sets.ocp(cell["uses"]["working"])
        return ocp.min(), ocp.max()
    _, anode = sets.ocp(cell["uses"]["anode"])
    _, cathode = sets.ocp(cell["uses"]["cathode"])
    return cathode.min() - anode.max(), cathode.max() - anode.min()


@pytest.mark.parametrize("cell_name", [ANODE, CATHODE, FULL])
@pytest.mark.parametrize("side", ["below", "above"])
def test_a_cut_off_outside_the_ocp_range_names_the_valid_range(sets, cell_name, side):
    low, high = _window_V(sets, cell_name)
    volts = round(low - 0.3, 2) if side == "below" else round(high + 0.3, 2)
    text = f"Discharge at 10 mA/g until {volts} V"
    with pytest.raises(ProtocolError) as error:
        _experiment(cell_name, f"Rest for 1 s; {text}")
    message = str(error.value)
    assert text in message and "valid voltages" in message
    assert f"{low:.3f} V" in message and f"{high:.3f} V" in message


@pytest.mark.parametrize("cell_name", [ANODE, CATHODE, FULL])
def test_cut_offs_just_inside_the_ocp_range_are_accepted(sets, cell_name):
    low, high = _window_V(sets, cell_name)
    experiment = _experiment(cell_name, f"Discharge at 10 mA/g until {low + 0.01} V; "
                                        f"Charge at 10 mA/g until {high - 0.01} V")
    assert len(experiment.steps) == 2


def test_a_held_voltage_outside_the_ocp_range_is_refused():
    with pytest.raises(ProtocolError, match="valid voltages"):
        _experiment(ANODE, "Hold at 3.5 V for 1 h")


@pytest.mark.parametrize("cell_name, first", [(ANODE, "Discharge"), (CATHODE, "Charge"),
                                              (FULL, "Charge")])
def test_standard_cycle_starts_as_the_cell_file_says_within_its_default_window(
        sets, cell_name, first):
    values = sets.cell(cell_name)["values"]
    low = values["default lower voltage cut-off [V]"]["value"]
    high = values["default upper voltage cut-off [V]"]["value"]
    down = f"Discharge at 100 mA/g until {low:g} V"
    up = f"Charge at 100 mA/g until {high:g} V"
    steps = f"{down}; {up}" if first == "Discharge" else f"{up}; {down}"
    text = galvanostatic_cycles(cell_parameters(cell_name), 100, 4)
    assert text == f"({steps}) x 4"
    assert len(parse_protocol(text).cycles) == 4


def test_standard_cycle_takes_a_window_and_refuses_an_inverted_one():
    cell = cell_parameters(ANODE)
    assert "until 0.1 V" in galvanostatic_cycles(cell, 100, 1, lower_V=0.1)
    with pytest.raises(ProtocolError, match="below"):
        galvanostatic_cycles(cell, 100, 1, lower_V=1.5, upper_V=0.01)


@pytest.mark.parametrize("current", [0, -100])
def test_standard_cycle_refuses_a_non_positive_current(current):
    with pytest.raises(InvalidInputError, match="mA/g"):
        galvanostatic_cycles(cell_parameters(ANODE), current, 1)


# Issue 10: a step that starts past its own cut-off inside a cycle ended in an AttributeError
# deep in the runner; a long step at a high current asked PyBaMM for a ~1e9-point output grid.
@pytest.mark.parametrize("text, words", [
    ("Discharge at 100 mA/g until 0.01 V; Discharge at 100 mA/g until 0.5 V",
     ["'Discharge at 100 mA/g until 0.5 V' cannot start", "0.01 V", "above its cut-off"]),
    ("Charge at 100 mA/g until 1.5 V; Charge at 100 mA/g until 1.0 V",
     ["'Charge at 100 mA/g until 1.0 V' cannot start", "1.5 V", "below its cut-off"]),
    # across the end of a repeated cycle: the last step of one and the first of the next
    ("(Charge at 100 mA/g until 1.0 V; Discharge at 100 mA/g until 0.01 V) x 2\n"
     "Discharge at 100 mA/g until 0.2 V", ["until 0.2 V' cannot start"]),
])
def test_a_step_that_starts_past_its_own_cut_off_is_refused_before_solving(text, words):
    with pytest.raises(ProtocolError) as error:
        _experiment(ANODE, text)
    for word in words:
        assert word in str(error.value)


def test_consecutive_steps_in_one_direction_that_can_run_are_accepted():
    experiment = _experiment(ANODE, "Discharge at 100 mA/g until 0.5 V; "
                                    "Discharge at 20 mA/g until 0.01 V")
    assert len(experiment.steps) == 2


@pytest.mark.parametrize("text", [
    "Discharge at 1000 A/g for 8784 h",  # the largest current for the longest time
    "Hold at 1.0 V for 8784 h",
    "Rest for 8784 h",
])
def test_no_step_asks_for_more_output_points_than_the_cap(text):
    from kion_sim.protocols.experiment import MAX_POINTS_PER_STEP

    (step,) = _experiment(ANODE, text).steps
    points = step.duration / step.period
    assert points <= MAX_POINTS_PER_STEP * (1 + 1e-9)
    assert MAX_POINTS_PER_STEP <= 1e5  # the cap itself is small enough for memory


@pytest.mark.parametrize("cycles", [0, -3, 2.5, float("nan"), float("inf"), "3", True])
def test_standard_cycle_refuses_a_cycle_count_that_is_not_a_sane_whole_number(cycles):
    with pytest.raises(InvalidInputError, match="cycles must be a whole number"):
        galvanostatic_cycles(cell_parameters(ANODE), 100.0, cycles)
