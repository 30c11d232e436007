"""Balancing arithmetic from the TOML loadings and the OCP tables, computed independently."""

import numpy as np
import pytest

from kion_sim.errors import InvalidInputError
from kion_sim.fullcell import balance, electrode_window_V, full_cell_design
from kion_sim.parameters import cell_parameters, load_cell, load_material


def _capacity(sets, role):
    """Capacity of the full stoichiometry range from the files (the stored fit where the
    cell's carbon was calibrated), read with tomllib by the test fixture."""
    return sets.electrode("full_cell", role)["specific capacity at full stoichiometry [mAh.g-1]"]


def _window_mAh_cm2(cell_file, role, material, window, q):
    table = np.loadtxt(load_material(material).table("ocp").path, delimiter=",", skiprows=1)
    sto = np.interp(window, table[::-1, 1], table[::-1, 0])
    loading_g_cm2 = cell_file.electrodes[role]["active mass loading [mg.cm-2]"].value / 1e3
    return loading_g_cm2 * q * abs(sto[0] - sto[1])


def test_n_to_p_is_the_ratio_of_window_capacities_per_area(sets):
    cell_file = load_cell("full_cell")
    anode = _window_mAh_cm2(cell_file, "anode", "soft_carbon_900C", [0.01, 1.5],
                            _capacity(sets, "anode"))
    cathode = _window_mAh_cm2(cell_file, "cathode", "k0p6coo2", [2.0, 3.9],
                              _capacity(sets, "cathode"))
    assert balance(cell_parameters("full_cell")).n_to_p == pytest.approx(anode / cathode, rel=1e-6)


def test_windows_come_from_the_half_cells():
    assert electrode_window_V("soft_carbon_900C") == (0.01, 1.5)
    assert electrode_window_V("k0p6coo2") == (2.0, 3.9)


def _prepotassiated_mAh_g(cell, sets):
    """K held by the carbon's main phase and trap sites above the pristine floor [mAh/g],
    from the PyBaMM initial concentrations and the capacities in the files."""
    values, anode = cell.values, sets.electrode("full_cell", "anode")
    pristine = anode["initial stoichiometry"]
    main = values["Initial concentration in negative electrode [mol.m-3]"] / values[
        "Maximum concentration in negative electrode [mol.m-3]"]
    traps = values["Secondary: Initial concentration in negative electrode [mol.m-3]"] / values[
        "Secondary: Maximum concentration in negative electrode [mol.m-3]"]
    return ((main - pristine) * _capacity(sets, "anode"),
            (traps - pristine) * anode["trap capacity [mAh.g-1]"])


@pytest.mark.parametrize("declared", [0.0, 60.0, 120.0, 180.0, 250.0])
def test_prepotassiation_adds_exactly_what_was_declared_trap_sites_first(sets, declared):
    main, traps = _prepotassiated_mAh_g(full_cell_design(prepotassiation_mAh_g=declared), sets)
    anode = sets.electrode("full_cell", "anode")
    # the sites fill to 1 minus the pristine floor: their OCP is infinite at 1
    room = anode["trap capacity [mAh.g-1]"] * (1 - 2 * anode["initial stoichiometry"])
    assert main + traps == pytest.approx(declared, abs=1e-9)
    assert traps == pytest.approx(min(declared, room), abs=1e-9)


def test_impossible_designs_are_refused():
    with pytest.raises(InvalidInputError, match="pre-potassiation"):
        full_cell_design(prepotassiation_mAh_g=-1)
    with pytest.raises(InvalidInputError, match="outside"):
        full_cell_design(cathode_initial_x=0.99)
    with pytest.raises(InvalidInputError, match="half cell"):
        balance(cell_parameters("soft_carbon_half_cell"))
