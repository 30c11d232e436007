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


def test_prepotassiation_adds_k_to_the_carbon_before_assembly(sets):
    q = _capacity(sets, "anode")
    plain, topped = full_cell_design(), full_cell_design(prepotassiation_mAh_g=50)
    added = (topped.electrodes["anode"].initial_stoichiometry
             - plain.electrodes["anode"].initial_stoichiometry)
    assert added == pytest.approx(50 / q)


def test_impossible_designs_are_refused():
    with pytest.raises(InvalidInputError, match="pre-potassiation"):
        full_cell_design(prepotassiation_mAh_g=-1)
    with pytest.raises(InvalidInputError, match="outside"):
        full_cell_design(cathode_initial_x=0.99)
    with pytest.raises(InvalidInputError, match="half cell"):
        balance(cell_parameters("soft_carbon_half_cell"))
