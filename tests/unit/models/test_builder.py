"""Model choice and options: half-cell slot, SEI on the carbon only."""

import pytest

from kion_sim.errors import UnknownNameError
from kion_sim.models import build_model, model_options
from kion_sim.parameters import cell_parameters


def test_half_cell_puts_the_working_electrode_in_the_positive_slot_with_sei():
    options = model_options(cell_parameters("soft_carbon_half_cell"))
    assert options["working electrode"] == "positive"
    assert options["SEI"] == "ec reaction limited"


def test_full_cell_grows_sei_on_the_carbon_only():
    options = model_options(cell_parameters("full_cell"))
    assert "working electrode" not in options
    assert options["SEI"] == ("ec reaction limited", "none")


def test_no_sei_without_carbon_or_when_switched_off():
    assert "SEI" not in model_options(cell_parameters("k0p6coo2_half_cell"))
    assert "SEI" not in model_options(cell_parameters("soft_carbon_half_cell"), degradation=False)


def test_model_names_are_case_insensitive_and_unknown_ones_listed():
    cell = cell_parameters("soft_carbon_half_cell")
    assert build_model("dfn", cell).name == "Doyle-Fuller-Newman model"
    with pytest.raises(UnknownNameError, match="SPM, SPMe"):
        build_model("P2D", cell)
