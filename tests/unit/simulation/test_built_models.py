"""The model cache's bookkeeping: which values move, when a lookup hits, what is an input.

No solves here (a simulation is built lazily, on its first solve); the cached runs against
fresh ones are in tests/integration/test_model_cache.py.
"""

import pybamm
import pytest

from kion_sim.models.builder import build_model, with_phase_keys
from kion_sim.parameters import functions
from kion_sim.parameters.assemble import build_cell_parameters
from kion_sim.protocols.experiment import galvanostatic_cycles, to_experiment
from kion_sim.protocols.language import parse_protocol
from kion_sim.simulation.built_models import (
    ModelCache,
    SymbolicSubMesh,
    compiling,
    enabled,
    moving_values,
    same_value,
)
from kion_sim.simulation.runner import run_structure
from kion_sim.validation.trial_runs import TrialCell

CELL, MECHANISM, MATERIAL = "soft_carbon_half_cell", "sei_site_blocking", "soft_carbon_900C"
CAPACITY, DIFFUSIVITY = "specific capacity at full stoichiometry [mAh.g-1]", "diffusivity [m2.s-1]"
FADE = "reaction-driven LAM factor [m3.mol-1]"


def _trial(capacity, diffusivity, fade, electrode=None) -> TrialCell:
    return TrialCell(CELL, {MATERIAL: {CAPACITY: capacity, DIFFUSIVITY: diffusivity},
                            MECHANISM: {FADE: fade}}, electrode, MECHANISM)


def _lookup(cache: ModelCache, trial: TrialCell):
    cell = trial.build()
    experiment = to_experiment(parse_protocol(galvanostatic_cycles(cell, 100.0, 2)), cell)
    return cache.simulation(run_structure("simulate", cell, "SPM"), experiment,
                            lambda: build_model("SPM", cell),
                            lambda model: with_phase_keys(dict(cell.values), model),
                            lambda model: model.default_var_pts, trial.moving)


def test_the_fitted_values_move_and_nothing_else():
    moving = _trial(370.0, 6e-17, 8e-5).moving()
    slot = "Positive"  # the half cell's carbon sits in PyBaMM's positive slot
    assert moving == {
        f"Maximum concentration in {slot.lower()} electrode [mol.m-3]": None,  # capacity
        f"Initial concentration in {slot.lower()} electrode [mol.m-3]": None,  # x0 * c_max
        "Nominal cell capacity [A.h]": None,
        f"{slot} particle diffusivity [m2.s-1]": ("reference_m2_s",),
        f"{slot} electrode reaction-driven LAM factor [m3.mol-1]": None,
    }


def test_a_function_moves_only_in_the_fields_that_differ():
    a = {"D": functions.ArrheniusDiffusivity(1e-16, 3e4), "table": (1.0, 2.0), "x": 1.0}
    b = {"D": functions.ArrheniusDiffusivity(2e-16, 3e4), "table": (1.0, 3.0), "x": 1.0}
    assert moving_values(a, b) == {"D": ("reference_m2_s",)}  # a table is never an input
    assert same_value(1, 1.0) and not same_value(1.0, 1.0 + 1e-15)


def test_other_trial_values_hit_and_come_as_inputs():
    cache = ModelCache()
    first = _lookup(cache, _trial(370.0, 6e-17, 8e-5))
    second = _lookup(cache, _trial(320.0, 3e-17, 2e-4))
    assert (first.fresh, second.fresh) == (True, False)
    assert second.simulation is first.simulation
    assert cache.stats() == {"hits": 1, "misses": 1, "entries": 1}
    assert second.inputs["Positive particle diffusivity [m2.s-1] | reference_m2_s"] == 3e-17
    assert second.inputs["Positive electrode reaction-driven LAM factor [m3.mol-1]"] == 2e-4
    c_max = "Maximum concentration in positive electrode [mol.m-3]"
    # c_max from the capacity and the density (mAh/g -> C/g -> mol/m3); the trap sites' own
    # maximum stays a value of the model, and is no input.
    density = build_cell_parameters(CELL, mechanism=MECHANISM).electrodes[
        "working"].material.value("density [g.cm-3]")
    assert second.inputs[c_max] == pytest.approx(320.0 * 3.6 * density * 1e6 / 96485.33212,
                                                 rel=1e-12)
    assert not any(name.startswith("Secondary: Maximum") for name in second.inputs)
    parameters = second.simulation.parameter_values
    assert isinstance(parameters[c_max], pybamm.InputParameter)


def test_a_value_that_is_no_input_misses():
    cache = ModelCache()
    _lookup(cache, _trial(370.0, 6e-17, 8e-5))
    # The porosity is no fitted value here: a change builds a new simulation.
    other = _lookup(cache, _trial(370.0, 6e-17, 8e-5, {"working": {"porosity": 0.38}}))
    assert other.fresh and cache.stats()["misses"] == 2


def _run_at(cache: ModelCache, trial: TrialCell, current_mA_g: float, lower_V=None):
    cell = trial.build()
    experiment = to_experiment(parse_protocol(galvanostatic_cycles(
        cell, current_mA_g, 2, lower_V)), cell)
    return cache.simulation(run_structure("simulate", cell, "SPM"), experiment,
                            lambda: build_model("SPM", cell),
                            lambda model: with_phase_keys(dict(cell.values), model),
                            lambda model: model.default_var_pts, trial.moving)


def test_an_electrodes_recipe_moves_as_an_input_when_the_trial_overrides_it():
    # An uncertainty sample draws the electrode's porosity and conductivity too.
    cache = ModelCache()
    first = _lookup(cache, _trial(370.0, 6e-17, 8e-5, {"working": {"porosity": 0.38}}))
    second = _lookup(cache, _trial(370.0, 6e-17, 8e-5, {"working": {"porosity": 0.41}}))
    assert first.fresh and not second.fresh
    assert second.inputs["Positive electrode porosity"] == pytest.approx(0.41)


def test_another_run_misses_and_the_oldest_goes_first():
    cache = ModelCache(max_entries=1)
    trial = _trial(370.0, 6e-17, 8e-5)
    _lookup(cache, trial)
    _run_at(cache, trial, 100.0, lower_V=0.05)  # another cut-off: other steps
    assert cache.stats() == {"hits": 0, "misses": 2, "entries": 1}
    assert _lookup(cache, trial).fresh  # the one to 0.01 V was dropped


def test_another_current_is_an_input_of_the_same_steps():
    # An uncertainty sample that moves the electrode's mass moves every current in amperes.
    cache = ModelCache()
    trial = _trial(370.0, 6e-17, 8e-5)
    slow, fast = _run_at(cache, trial, 100.0), _run_at(cache, trial, 500.0)
    assert not fast.fresh and fast.simulation is slow.simulation
    names = [name for name in fast.inputs if name.startswith("Current of step")]
    assert len(names) == 2  # the discharge and the charge
    assert sorted(fast.inputs[n] / slow.inputs[n] for n in names) == pytest.approx([5.0, 5.0])
    # PyBaMM reads a cut-off's side from the current's sign; with an input it is written out.
    step = fast.simulation.experiment.steps[0]
    assert [t.operator for t in step.termination if type(t) is pybamm.step.VoltageTermination
            ] == ["<"]


def test_the_switch(monkeypatch):
    monkeypatch.setenv("KION_SIM_MODEL_CACHE", "off")
    assert not enabled()
    monkeypatch.setenv("KION_SIM_MODEL_CACHE", "on")
    assert enabled()


def test_the_compile_switch(monkeypatch):
    monkeypatch.delenv("KION_SIM_COMPILE", raising=False)
    assert compiling()
    monkeypatch.setenv("KION_SIM_COMPILE", "off")
    assert not compiling()


def test_a_moving_value_moves_in_its_trap_phase_copy_too():
    # The mechanics' LAM constant has a copy on the trap sites' phase ("Secondary: ..."): held
    # fixed, every trial of the two mechanics mechanisms missed (and compiled anew).
    key = "LAM constant proportional term [s-1]"
    trial = TrialCell(CELL, {"swelling_damage": {key: 2e-6}}, None, "swelling_damage")
    built = _lookup(ModelCache(), trial)
    assert f"Positive electrode {key}" in built.inputs
    assert f"Secondary: Positive electrode {key}" in built.inputs


def test_values_that_shape_the_mesh_are_inputs_on_a_symbolic_mesh():
    # The density sets the electrode's thickness (from its loading), a length of the mesh; the
    # rod's radii are the limits of its particle's coordinate.
    trial = TrialCell(CELL, {MATERIAL: {"density [g.cm-3]": 1.9,
                                        "particle outer radius [m]": 1.1e-6}}, None, MECHANISM)
    moved = {"Positive electrode thickness [m]", "Positive particle outer radius [m]"}
    assert moved <= set(trial.moving())
    built = _lookup(ModelCache(), trial)
    assert moved <= set(built.inputs)
    assert "Maximum concentration in positive electrode [mol.m-3]" in built.inputs
    types = built.simulation.submesh_types
    assert types["positive electrode"] is SymbolicSubMesh
    assert types["positive particle"] is SymbolicSubMesh
    assert types["negative particle"] is pybamm.Uniform1DSubMesh  # nothing moved there
    # Another size of the same shape is the same structure: a hit, its sizes as inputs.
    other = _lookup(built_cache := ModelCache(), trial)
    again = _lookup(built_cache, TrialCell(CELL, {MATERIAL: {
        "density [g.cm-3]": 2.0, "particle outer radius [m]": 1.2e-6}}, None, MECHANISM))
    assert not again.fresh and again.simulation is other.simulation
    assert again.inputs["Positive particle outer radius [m]"] == pytest.approx(1.2e-6)


def test_a_run_whose_inputs_were_refused_is_built_without_them():
    cache, trial = ModelCache(), _trial(370.0, 6e-17, 8e-5)
    cache.forget(_lookup(cache, trial), refused=True)  # as simulate does after the plain build
    again = _lookup(cache, trial)
    assert again.fresh and again.inputs == {}
    assert not _lookup(cache, _trial(320.0, 6e-17, 8e-5)).inputs  # a miss: no inputs to move
    assert cache.stats()["misses"] == 3


def test_a_full_cells_window_limits_are_part_of_the_key():
    # The guards end steps at each electrode's stated limits, which are no PyBaMM value.
    cell = build_cell_parameters("full_cell")
    material = cell.electrodes["cathode"].material.name
    limit = "upper potential limit [V]"
    moved = build_cell_parameters("full_cell", {material: {
        limit: cell.electrodes["cathode"].material.value(limit) + 1e-9}})
    assert run_structure("simulate", cell, "SPM") != run_structure("simulate", moved, "SPM")
    assert run_structure("simulate", cell, "SPM") == run_structure(
        "simulate", build_cell_parameters("full_cell"), "SPM")


def test_the_cells_temperature_moves_as_an_input_under_a_name_no_step_sets():
    # PyBaMM refuses an input named "Ambient temperature [K]" in an experiment (a step may set
    # it); an uncertainty sample moves the cell's temperature, so it must still be an input.
    cache = ModelCache()
    warm = _trial(370.0, 6e-17, 8e-5)
    warm = TrialCell(warm.cell, warm.material_overrides | {CELL: {"temperature [K]": 303.0}},
                     None, MECHANISM)
    built = _lookup(cache, warm)
    names = {"Ambient temperature [K] (the cell's)", "Initial temperature [K] (the cell's)"}
    assert names <= set(built.inputs) and built.inputs["Ambient temperature [K] (the cell's)"] \
        == 303.0
    assert not {"Ambient temperature [K]", "Initial temperature [K]"} & set(built.inputs)
    built.simulation.build_for_experiment(inputs=built.inputs)  # PyBaMM's check passes
