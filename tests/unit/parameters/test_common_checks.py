"""One suite of checks run over every parameter set kion_sim registers with PyBaMM.

Parametrised over the installed ``pybamm_parameter_sets`` entry points whose name starts with
"KionSim", so a set added to pyproject.toml is checked without touching this file. Needs kion_sim
installed (``pip install -e .``).
"""

import re
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import numpy as np
import pybamm
import pytest

from kion_sim.models import build_model
from kion_sim.parameters import cell_names, cell_parameters
from kion_sim.parameters.registry import ENTRY_POINT_CELLS

ENTRY_POINTS = {ep.name: ep for ep in entry_points(group="pybamm_parameter_sets")
                if ep.name.startswith("KionSim")}
NAMES = sorted(ENTRY_POINTS)
PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"


def test_the_installed_sets_are_the_ones_pyproject_declares():
    assert NAMES, "no KionSim entry point: install kion_sim (pip install -e .)"
    if not PYPROJECT.exists():
        pytest.skip("not run from a checkout")
    declared = tomllib.loads(PYPROJECT.read_text())["project"]["entry-points"][
        "pybamm_parameter_sets"]
    assert NAMES == sorted(name for name in declared if name.startswith("KionSim"))
    assert {name: ENTRY_POINTS[name].value for name in NAMES} == {
        name: declared[name] for name in NAMES}  # a stale install points elsewhere


@pytest.fixture(params=NAMES)
def name(request):
    return request.param


@pytest.fixture
def cell_name(name):
    cell = ENTRY_POINT_CELLS[name]
    assert cell in cell_names()
    return cell


@pytest.fixture
def values(name):
    return pybamm.ParameterValues(name)


def test_entry_point_loads_to_a_fresh_dict(name):
    function = ENTRY_POINTS[name].load()  # an entry point naming a missing module fails here
    first, second = function(), function()
    assert isinstance(first, dict) and first is not second
    first["Nominal cell capacity [A.h]"] = -1.0
    assert second["Nominal cell capacity [A.h]"] > 0  # callers may edit their copy


def test_pybamm_finds_it_by_name(name, values):
    assert values["Nominal cell capacity [A.h]"] > 0
    metadata = {"chemistry", "citations"}  # PyBaMM keeps these aside, not as values
    assert set(values.keys()) >= set(ENTRY_POINTS[name].load()()) - metadata


@pytest.mark.parametrize("model_name", ["SPM", "SPMe", "DFN"])
def test_every_key_the_model_needs_is_present(values, cell_name, model_name):
    model = build_model(model_name, cell_parameters(cell_name))
    assert sorted(set(model.get_parameter_info()) - set(values.keys())) == []


def _electrodes(sets, slots, cell_name):
    """(slot, material name, initial stoichiometry) of each electrode, from the files."""
    cell = sets.cell(cell_name)
    return [(slot, cell["uses"][role], cell["electrodes"][role]["initial stoichiometry"]["value"])
            for role, slot in slots[cell["component"]["kind"]].items()]


def test_ocps_are_finite_and_fall_as_the_electrode_fills(sets, slots, cell_name, values):
    for slot, material, _ in _electrodes(sets, slots, cell_name):
        sto, volts = sets.ocp(material)
        assert np.all(np.isfinite(sto)) and np.all(np.isfinite(volts))
        assert 0 <= sto.min() and sto.max() <= 1
        assert np.all(np.diff(sto) > 0) and np.all(np.diff(volts) < 0)
        # ...and the registered OCP is that table, not another curve.
        probes = 0.5 * (sto[1:] + sto[:-1])
        registered = values[f"{slot} electrode OCP [V]"](pybamm.Vector(probes)).evaluate()
        np.testing.assert_allclose(registered.ravel(), np.interp(probes, sto, volts), atol=1e-9)


def test_initial_state_lies_inside_the_tabulated_range(sets, slots, cell_name, values):
    for slot, material, declared in _electrodes(sets, slots, cell_name):
        lower = slot.lower()
        initial = (values[f"Initial concentration in {lower} electrode [mol.m-3]"]
                   / values[f"Maximum concentration in {lower} electrode [mol.m-3]"])
        assert initial == pytest.approx(declared, rel=1e-12)
        sto, _ = sets.ocp(material)
        assert 0 < initial < 1
        assert sto.min() <= initial <= sto.max()


def _parse_bibtex(text: str) -> tuple[str, str, dict[str, str]]:
    """A small BibTeX reader: one ``@type{key, field = {..} | ".." | word, ...}``, nothing after."""
    header = re.match(r"\s*@(\w+)\s*\{\s*([^,\s{}]+)\s*,", text)
    if header is None:
        raise ValueError(f"no '@type{{key,' at the start of {text[:40]!r}")
    position, fields = header.end(), {}
    while True:
        position += len(text[position:]) - len(text[position:].lstrip())
        if text.startswith("}", position):
            break
        field = re.compile(r"([A-Za-z][\w-]*)\s*=\s*").match(text, position)
        if field is None:
            raise ValueError(f"no field at {text[position:position + 30]!r}")
        position = field.end()
        if text[position] in "{\"":
            closing, depth, start = ("}" if text[position] == "{" else '"'), 0, position
            for position in range(start, len(text)):
                char = text[position]
                if char == closing and depth == (1 if closing == "}" else 0) and position > start:
                    break
                depth += (char == "{") - (char == "}")
            else:
                raise ValueError(f"unterminated value of {field.group(1)}")
            value, position = text[start + 1:position], position + 1
        else:
            bare = re.compile(r"\w+").match(text, position)
            if bare is None:
                raise ValueError(f"no value for {field.group(1)}")
            value, position = bare.group(), bare.end()
        fields[field.group(1).lower()] = value.strip()
        position += len(text[position:]) - len(text[position:].lstrip())
        if text.startswith(",", position):
            position += 1
        elif not text.startswith("}", position):
            raise ValueError(f"expected ',' or '}}' after {field.group(1)}")
    if text[position + 1:].strip():
        raise ValueError("text after the closing brace")
    return header.group(1).lower(), header.group(2), fields


def test_the_bibtex_reader_refuses_what_is_not_bibtex():
    assert _parse_bibtex("@book{K, title = {A {B} c}, year = 2016,}") == (
        "book", "K", {"title": "A {B} c", "year": "2016"})
    for bad in ["Wang2017", "@article{Wang2017 title = {x}}", "@article{K, title = {x}",
                "@article{K, title = {x}} trailing"]:
        with pytest.raises(ValueError):
            _parse_bibtex(bad)


def test_citations_are_full_bibtex_with_a_key_and_a_title(values, cell_name, sets):
    citations = values["citations"]
    assert isinstance(citations, list) and citations
    keys = []
    for entry in citations:
        kind, key, fields = _parse_bibtex(entry)
        keys.append(key)
        assert kind in {"article", "book", "inproceedings", "misc", "techreport", "phdthesis"}
        assert fields.get("title") and fields.get("year")
    # every key the cell file names is among them (the materials add theirs)
    assert set(sets.cell(cell_name)["component"]["citations"]) <= set(keys)
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("model_name", ["SPM", "DFN"])
def test_a_short_solve_runs_and_stays_physical(sets, slots, name, cell_name, model_name):
    values = pybamm.ParameterValues(name)
    first_step = sets.cell(cell_name)["protocol"]["first_step"]
    sign = 1 if first_step == "discharge" else -1  # PyBaMM: discharge current is positive
    values["Current function [A]"] = sign * values["Nominal cell capacity [A.h]"] / 5
    model = build_model(model_name, cell_parameters(cell_name))
    solution = pybamm.Simulation(model, parameter_values=values,
                                 solver=pybamm.IDAKLUSolver()).solve([0, 600])  # 10 min at C/5
    assert solution.t[-1] == pytest.approx(600)
    volts = solution["Voltage [V]"].entries
    assert np.all(np.isfinite(volts))
    assert values["Lower voltage cut-off [V]"] < volts.min()
    assert volts.max() < values["Upper voltage cut-off [V]"]
    assert np.sign(volts[0] - volts[-1]) == sign  # voltage falls on discharge, rises on charge
    for slot, _, _ in _electrodes(sets, slots, cell_name):
        c_max = values[f"Maximum concentration in {slot.lower()} electrode [mol.m-3]"]
        # With K-trapping sites the carbon's main particles are PyBaMM's primary phase.
        name = f"{slot} particle concentration [mol.m-3]"
        primary = f"{slot} primary particle concentration [mol.m-3]"
        c_s = solution[name if name in model.variables else primary].entries
        assert 0 <= c_s.min() and c_s.max() <= c_max
    assert solution["Electrolyte concentration [mol.m-3]"].entries.min() > 0
