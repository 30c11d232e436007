"""Model choice and options: PyBaMM's insertion models, half-cell slot, declared degradation."""

import pybamm
import pytest

from kion_sim.errors import UnknownNameError
from kion_sim.models import MODEL_NAMES, build_model, model_options
from kion_sim.parameters import cell_names, cell_parameters

LAM_KEY = "LAM constant proportional term [s-1]"


def _declares(sets, cell_name):
    """What the cell's files ask for: an SEI file, and a carbon that declares swelling damage."""
    uses = sets.cell(cell_name)["uses"]
    carbons = [uses[r] for r in ("working", "anode") if r in uses]
    lam = any(LAM_KEY in sets.material(m)["values"] for m in carbons)
    return "sei" in uses, lam


def test_the_three_models():
    assert MODEL_NAMES == ("SPM", "SPMe", "DFN")


@pytest.mark.parametrize("name, model_class", [
    ("SPM", pybamm.lithium_ion.SPM), ("spm", pybamm.lithium_ion.SPM),
    ("SPMe", pybamm.lithium_ion.SPMe), (" spme ", pybamm.lithium_ion.SPMe),
    ("DFN", pybamm.lithium_ion.DFN), ("dfn", pybamm.lithium_ion.DFN),
])
def test_names_are_case_and_space_insensitive(name, model_class):
    model = build_model(name, cell_parameters("soft_carbon_half_cell"))
    assert type(model) is model_class


@pytest.mark.parametrize("name", ["P2D", "SPMe2", "", "lithium"])
def test_an_unknown_model_lists_the_valid_ones(name):
    with pytest.raises(UnknownNameError) as error:
        build_model(name, cell_parameters("soft_carbon_half_cell"))
    assert repr(name) in str(error.value)
    assert all(valid in str(error.value) for valid in MODEL_NAMES)


def test_every_call_builds_a_fresh_model():
    cell = cell_parameters("soft_carbon_half_cell")
    assert build_model("SPM", cell) is not build_model("SPM", cell)


@pytest.mark.parametrize("cell_name", cell_names())
def test_options_follow_what_the_cell_files_declare(sets, cell_name):
    cell = cell_parameters(cell_name)
    has_sei, has_lam = _declares(sets, cell_name)
    options = model_options(cell)
    half = sets.cell(cell_name)["component"]["kind"] == "half_cell"
    # PyBaMM's half-cell models hold the working electrode in the positive slot.
    assert options.get("working electrode") == ("positive" if half else None)
    if has_sei:
        # The SEI grows on the carbon: the working electrode, or the full cell's negative.
        assert options["SEI"] == ("ec reaction limited" if half else
                                  ("ec reaction limited", "none"))
        assert options["SEI film resistance"] == "distributed"
    else:
        assert "SEI" not in options
    if has_lam:
        assert options["loss of active material"] == "stress-driven"
        assert options["particle mechanics"] == "swelling only"
    else:
        assert "loss of active material" not in options


@pytest.mark.parametrize("cell_name", cell_names())
def test_without_degradation_only_the_cell_geometry_remains(cell_name):
    options = model_options(cell_parameters(cell_name), degradation=False)
    assert set(options) <= {"working electrode"}


def test_the_options_reach_the_pybamm_model():
    half = build_model("SPMe", cell_parameters("soft_carbon_half_cell"))
    assert half.options["working electrode"] == "positive"
    assert half.options["SEI"] == "ec reaction limited"
    full = build_model("SPMe", cell_parameters("full_cell"), degradation=False)
    assert full.options["working electrode"] == "both"
    assert full.options["SEI"] == "none"


@pytest.mark.parametrize("model_name", MODEL_NAMES)
@pytest.mark.parametrize("cell_name", cell_names())
def test_every_parameter_the_model_needs_is_in_the_cell(cell_name, model_name):
    cell = cell_parameters(cell_name)
    needed = build_model(model_name, cell).get_parameter_info()
    assert sorted(key for key in needed if key not in cell.values) == []
