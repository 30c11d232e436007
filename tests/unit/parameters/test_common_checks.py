"""One suite of checks run over every parameter set kion_sim registers with PyBaMM."""

import re
from importlib.metadata import entry_points

import numpy as np
import pybamm
import pytest

from kion_sim.models import build_model
from kion_sim.parameters import cell_parameters
from kion_sim.parameters.registry import ENTRY_POINT_CELLS

OURS = sorted(ep.name for ep in entry_points(group="pybamm_parameter_sets")
              if ep.name.startswith("KionSim"))


def test_every_cell_with_an_entry_point_is_registered_and_no_more():
    assert OURS == sorted(ENTRY_POINT_CELLS)


@pytest.fixture(params=OURS)
def entry(request):
    return request.param, cell_parameters(ENTRY_POINT_CELLS[request.param])


def test_entry_point_loads_to_a_fresh_dict(entry):
    name, _ = entry
    (ep,) = [e for e in entry_points(group="pybamm_parameter_sets") if e.name == name]
    first, second = ep.load()(), ep.load()()
    assert isinstance(first, dict) and first is not second
    assert pybamm.ParameterValues(name)["Nominal cell capacity [A.h]"] > 0


@pytest.mark.parametrize("model_name", ["SPM", "SPMe", "DFN"])
def test_every_key_the_model_needs_is_present(entry, model_name):
    _, cell = entry
    needed = build_model(model_name, cell).get_parameter_info()
    missing = [key for key in needed if key not in cell.values]
    assert missing == []


def test_ocps_are_finite_and_fall_as_the_electrode_fills(entry):
    _, cell = entry
    for design in cell.electrodes.values():
        sto, ocp = np.array(design.ocp.stoichiometry), np.array(design.ocp.potential_V)
        assert np.all(np.isfinite(ocp)) and np.all(np.diff(sto) > 0)
        assert np.all(np.diff(ocp) < 0)


def test_initial_state_lies_inside_the_tabulated_range(entry):
    _, cell = entry
    for design in cell.electrodes.values():
        sto = design.ocp.stoichiometry
        assert min(sto) <= design.initial_stoichiometry <= max(sto)
        assert 0 < design.initial_stoichiometry < 1


def test_citations_are_full_bibtex(entry):
    _, cell = entry
    for entry_text in cell.values["citations"]:
        assert re.match(r"@\w+\{\w+,", entry_text)
        assert "title" in entry_text and entry_text.rstrip().endswith("}")
        pybamm.citations.register(entry_text)  # PyBaMM parses it or raises


def _starts_full_of_k(cell) -> bool:
    """Cells whose working electrode (or cathode) holds the K first: they start on charge."""
    working = cell.electrodes.get("working")
    return working is None or working.initial_stoichiometry > 0.5


@pytest.mark.parametrize("model_name", ["SPM", "DFN"])
def test_a_short_solve_runs(entry, model_name):
    name, cell = entry
    values = pybamm.ParameterValues(name)
    c_rate_fifth_A = values["Nominal cell capacity [A.h]"] / 5
    values["Current function [A]"] = -c_rate_fifth_A if _starts_full_of_k(cell) else c_rate_fifth_A
    simulation = pybamm.Simulation(build_model(model_name, cell), parameter_values=values,
                                   solver=pybamm.IDAKLUSolver())
    solution = simulation.solve([0, 600])  # ten minutes at C/5
    assert np.all(np.isfinite(solution["Voltage [V]"].entries))
    assert solution.t[-1] == pytest.approx(600)
