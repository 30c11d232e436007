"""Model choice and options: PyBaMM's insertion models, half-cell slot, declared degradation."""

import pybamm
import pytest

from kion_sim.errors import ParameterSetError, UnknownNameError
from kion_sim.models import MODEL_NAMES, build_model, model_options, parameter_values
from kion_sim.parameters import cell_names, cell_parameters

# PyBaMM submodel class that each declared word must build (and "none" must not).
SEI_CLASSES = {"none": "NoSEI"}
LAM_CLASSES = {"none": "Constant"}


def _declared(sets, cell_name, mechanism=None):
    """What the cell and mechanism files declare, read with tomllib: role -> option -> word."""
    cell = sets.cell(cell_name)
    name = mechanism or cell.get("degradation", {}).get("mechanism", "none")
    if name == "none":
        return {}
    return sets.mechanism(name).get("declares", {})


def _slot_of(sets, cell_name, role):
    half = sets.cell(cell_name)["component"]["kind"] == "half_cell"
    if role == "metal":
        return "negative" if half else None
    return "positive" if half else "negative"


def test_the_three_models():
    assert MODEL_NAMES == ("SPM", "SPMe", "DFN")


@pytest.mark.parametrize("name, model_class", [
    ("SPM", pybamm.lithium_ion.SPM), ("spm", pybamm.lithium_ion.SPM),
    ("SPMe", pybamm.lithium_ion.SPMe), (" spme ", pybamm.lithium_ion.SPMe),
    ("DFN", pybamm.lithium_ion.DFN), ("dfn", pybamm.lithium_ion.DFN),
])
def test_names_are_case_and_space_insensitive(name, model_class):
    model = build_model(name, cell_parameters("soft_carbon_half_cell"))
    assert getattr(type(model), "_pybamm_base", type(model)) is model_class  # shaped: a subclass


@pytest.mark.parametrize("name", ["P2D", "SPMe2", "", "lithium"])
def test_an_unknown_model_lists_the_valid_ones(name):
    with pytest.raises(UnknownNameError) as error:
        build_model(name, cell_parameters("soft_carbon_half_cell"))
    assert repr(name) in str(error.value)
    assert all(valid in str(error.value) for valid in MODEL_NAMES)


def test_every_call_builds_a_fresh_model():
    cell = cell_parameters("soft_carbon_half_cell")
    assert build_model("SPM", cell) is not build_model("SPM", cell)


def _every_cell_and_mechanism():
    from kion_sim.parameters.mechanisms import mechanism_names

    cells = [(c, None) for c in cell_names()]
    return cells + [("soft_carbon_half_cell", m) for m in mechanism_names()]


@pytest.mark.parametrize("cell_name, mechanism", _every_cell_and_mechanism())
def test_the_built_model_degrades_exactly_the_electrodes_that_declare_it(
        sets, cell_name, mechanism):
    """model.submodels, electrode by electrode, against the files' declarations."""
    declared = _declared(sets, cell_name, mechanism)
    model = build_model("SPM", cell_parameters(cell_name, mechanism))
    submodels = {k: type(v).__name__ for k, v in model.submodels.items()}
    for role in ("carbon", "metal"):
        slot = _slot_of(sets, cell_name, role)
        if slot is None:
            continue
        sei = declared.get(role, {}).get("SEI", "none")
        built = submodels[f"{slot} primary sei"]
        assert (built == "NoSEI") == (sei == "none"), (role, sei, built)
        lam = declared.get(role, {}).get("loss of active material", "none")
        if role == "carbon" and lam == "none":  # the working material's own fade, if any
            lam = _own_fade(sets, sets.cell(cell_name)["uses"]["working" if slot == "positive"
                                                           else "anode"])
        if role == "carbon":
            built = submodels[f"{slot} primary active material"]
            assert (built == "Constant") == (lam == "none"), (role, lam, built)
    # The full cell's cathode grows no SEI; it loses active material only if its material
    # declares a fade of its own ([degradation] in its file).
    if sets.cell(cell_name)["component"]["kind"] == "full_cell":
        assert submodels["positive primary sei"] == "NoSEI"
        own = _own_fade(sets, sets.cell(cell_name)["uses"]["cathode"])
        assert (submodels["positive primary active material"] == "Constant") == (own == "none")


def _own_fade(sets, material_name):
    """The loss of active material a material file declares for itself (tomllib)."""
    return sets.material(material_name).get("degradation", {}).get(
        "loss of active material", "none")


def _lam_submodels(model):
    return {k: type(v).__name__ for k, v in model.submodels.items() if "active material" in k}


@pytest.mark.parametrize("cell_name", ["full_cell", "k0p6coo2_half_cell"])
def test_the_cathode_fade_sits_on_the_cathode_slot_only(sets, cell_name):
    """K0.6CoO2 declares a current-driven LAM for itself: built on the positive slot (the
    full cell's cathode, the half cell's working electrode), nothing new on the carbon or
    the K metal (the same submodels as with the oxide's fade left out)."""
    assert _own_fade(sets, "k0p6coo2") == "current-driven"
    cell = cell_parameters(cell_name)
    built = _lam_submodels(build_model("SPM", cell))
    assert built["positive primary active material"] == "LossActiveMaterial"
    lam = build_model("SPM", cell).options["loss of active material"]
    assert lam[1] == "current-driven"
    without = _without_own_fade(cell)
    assert _lam_submodels(build_model("SPM", without))["positive primary active material"] \
        == "Constant"
    negative = {k: v for k, v in built.items() if k.startswith("negative")}
    assert negative == {k: v for k, v in _lam_submodels(build_model("SPM", without)).items()
                        if k.startswith("negative")}
    if cell.is_half_cell:  # the K metal is no insertion electrode: it never loses material
        assert negative == {}
        assert type(build_model("SPM", cell).submodels["negative primary sei"]).__name__ \
            == "NoSEI"


def _without_own_fade(cell):
    from dataclasses import replace

    electrodes = {role: replace(d, material=replace(d.material, degradation={}))
                  for role, d in cell.electrodes.items()}
    return replace(cell, electrodes=electrodes)


def test_a_cathode_fade_on_top_of_a_mechanism_on_the_same_electrode_is_refused():
    # A mechanism putting its own LAM on the "carbon" role, which in this half cell is the
    # oxide: PyBaMM takes one word per electrode, so the clash is named.
    from dataclasses import replace

    from kion_sim.parameters.mechanisms import Mechanism

    clash = Mechanism("clash", "clash", "", {"carbon": {"loss of active material":
                                                        "stress-driven"}}, {})
    cell = replace(cell_parameters("k0p6coo2_half_cell"), mechanism=clash)
    with pytest.raises(ParameterSetError, match="k0p6coo2 declares loss of active material"):
        model_options(cell)


def test_the_900C_half_cell_grows_no_sei_on_the_k_metal():
    """The bug of prediction 1: an SEI string option put the carbon's SEI on the K metal."""
    model = build_model("SPM", cell_parameters("soft_carbon_half_cell"))
    assert type(model.submodels["negative primary sei"]).__name__ == "NoSEI"
    assert type(model.submodels["positive primary sei"]).__name__ == "SEIGrowth"


def test_trap_sites_are_a_second_phase_of_the_carbon_only_where_declared(sets):
    for cell_name in cell_names():
        trapping = sets.cell(cell_name).get("degradation", {}).get("trapping", False)
        model = build_model("SPM", cell_parameters(cell_name))
        slot = _slot_of(sets, cell_name, "carbon")
        assert (f"{slot} secondary particle" in model.submodels) == trapping


@pytest.mark.parametrize("cell_name", cell_names())
def test_without_degradation_only_the_cell_geometry_remains(cell_name):
    options = model_options(cell_parameters(cell_name), degradation=False)
    assert set(options) <= {"working electrode", "particle phases", "open-circuit potential"}


def test_the_options_reach_the_pybamm_model():
    half = build_model("SPMe", cell_parameters("soft_carbon_half_cell"))
    assert half.options["working electrode"] == "positive"
    assert half.options["SEI"][0] == "none"  # the K metal
    full = build_model("SPMe", cell_parameters("full_cell"), degradation=False)
    assert full.options["working electrode"] == "both"
    assert full.options["SEI"] == "none"


@pytest.mark.parametrize("model_name", MODEL_NAMES)
@pytest.mark.parametrize("cell_name", cell_names())
def test_every_parameter_the_model_needs_is_in_the_cell(cell_name, model_name):
    cell = cell_parameters(cell_name)
    model = build_model(model_name, cell)
    values = parameter_values(cell, model)
    assert sorted(key for key in model.get_parameter_info() if key not in values) == []
