"""Protocols on real cells: mass basis, cut-offs checked against the OCP range."""

import numpy as np
import pytest

from kion_sim.errors import ProtocolError, UnknownNameError
from kion_sim.parameters import cell_parameters, load_cell
from kion_sim.protocols import active_mass_g, galvanostatic_cycles, parse_protocol, to_experiment


def _loading_times_area_g(cell_name, role):
    cell = load_cell(cell_name)
    loading_mg_cm2 = cell.electrodes[role]["active mass loading [mg.cm-2]"].value
    return loading_mg_cm2 * cell.value("electrode area [cm2]") * 1e-3


def test_half_cell_mass_is_the_working_electrode_loading_times_area():
    cell = cell_parameters("soft_carbon_half_cell")
    assert active_mass_g(cell) == pytest.approx(_loading_times_area_g(cell.name, "working"))


def test_full_cell_mass_bases():
    cell = cell_parameters("full_cell")
    anode, cathode = (_loading_times_area_g("full_cell", r) for r in ("anode", "cathode"))
    assert active_mass_g(cell, "anode") == pytest.approx(anode)
    assert active_mass_g(cell) == pytest.approx(cathode)  # default: per g of cathode
    assert active_mass_g(cell, "both") == pytest.approx(anode + cathode)
    with pytest.raises(UnknownNameError, match="cathode"):
        active_mass_g(cell, "separator")


def test_cut_off_outside_the_ocp_range_is_refused_with_the_valid_range():
    cell = cell_parameters("soft_carbon_half_cell")
    table = np.loadtxt(cell.electrodes["working"].material.table("ocp").path, delimiter=",",
                       skiprows=1)
    too_high = table[:, 1].max() + 0.5
    with pytest.raises(ProtocolError, match="valid voltages are between"):
        to_experiment(parse_protocol(f"Charge at 100 mA/g until {too_high} V"), cell)


def test_standard_cycle_follows_the_cell_first_step_and_window():
    anode = galvanostatic_cycles(cell_parameters("soft_carbon_half_cell"), 100, 2)
    assert anode == ("(Discharge at 100 mA/g until 0.01 V; Charge at 100 mA/g until 1.5 V) x 2")
    cathode = galvanostatic_cycles(cell_parameters("k0p6coo2_half_cell"), 20, 1)
    assert cathode.startswith("(Charge at 20 mA/g until 3.9 V")
    with pytest.raises(ProtocolError, match="below"):
        galvanostatic_cycles(cell_parameters("soft_carbon_half_cell"), 100, 1, 1.5, 0.01)
