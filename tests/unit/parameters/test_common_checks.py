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
from kion_sim.parameters.registry import ENTRY_POINT_CELLS, PYBAMM_OPTIONS

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


def _window(sets, cell_name) -> tuple[float, float]:
    values = sets.cell(cell_name)["values"]
    return (values["default lower voltage cut-off [V]"]["value"],
            values["default upper voltage cut-off [V]"]["value"])


def test_cut_offs_are_the_cells_operating_window_not_the_ocp_extremes(sets, cell_name, values):
    # Regression: the full cell once carried -1.45 V and 4.52 V, the OCP tables' extremes.
    lower, upper = _window(sets, cell_name)
    assert values["Lower voltage cut-off [V]"] == lower
    assert values["Upper voltage cut-off [V]"] == upper
    assert 0 < lower < upper < 5


def test_initial_state_is_charged_to_the_upper_cut_off(sets, slots, cell_name, values):
    """At rest at the upper cut-off; in a full cell with the K the cathode gave to the anode."""
    _, upper = _window(sets, cell_name)
    initial = {}
    for slot, material, declared in _electrodes(sets, slots, cell_name):
        lower = slot.lower()
        sto = (values[f"Initial concentration in {lower} electrode [mol.m-3]"]
               / values[f"Maximum concentration in {lower} electrode [mol.m-3]"])
        table_sto, _ = sets.ocp(material)
        assert table_sto.min() <= sto <= table_sto.max()
        initial[slot] = (material, declared, sto)
    if "Negative" not in initial:  # half cell: the working electrode sits at the cut-off
        material, _, sto = initial["Positive"]
        assert sets.ocp_at(material, sto) == pytest.approx(upper, abs=1e-6)
        return
    (c_material, c_declared, c_sto), (a_material, a_declared, a_sto) = (
        initial["Positive"], initial["Negative"])
    ocv = sets.ocp_at(c_material, c_sto) - sets.ocp_at(a_material, a_sto)
    assert ocv == pytest.approx(upper, abs=1e-6)
    # K conservation: moles = stoichiometry x full-range capacity [mAh/g] x active mass
    full = {role: sets.electrode(cell_name, role) for role in ("anode", "cathode")}
    capacity = {role: e["specific capacity at full stoichiometry [mAh.g-1]"]
                * e["active mass [g]"] for role, e in full.items()}
    given = (c_declared - c_sto) * capacity["cathode"]
    taken = (a_sto - a_declared) * capacity["anode"]
    assert given > 0 and taken == pytest.approx(given, rel=1e-6)


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


@pytest.mark.parametrize("model_class", [pybamm.lithium_ion.SPM, pybamm.lithium_ion.SPMe,
                                         pybamm.lithium_ion.DFN], ids=["SPM", "SPMe", "DFN"])
def test_a_default_pybamm_discharge_runs_inside_the_cut_offs(name, model_class):
    """Exactly what a PyBaMM user writes: the set by name, a model with the documented
    options, the default 1C discharge for an hour."""
    values = pybamm.ParameterValues(name)
    model = model_class(PYBAMM_OPTIONS[name])
    solution = pybamm.Simulation(model, parameter_values=values).solve(np.linspace(0, 3600, 61))
    volts = solution["Voltage [V]"].entries
    lower, upper = values["Lower voltage cut-off [V]"], values["Upper voltage cut-off [V]"]
    assert np.all(np.isfinite(volts))
    assert lower - 1e-3 <= volts.min() and volts.max() <= upper
    assert np.all(np.diff(volts) < 1e-6)  # a discharge: the voltage only falls
    # 1C for up to an hour from the top of the window: most of the nominal capacity comes out
    delivered = solution["Discharge capacity [A.h]"].entries[-1]
    assert delivered > 0.5 * values["Nominal cell capacity [A.h]"]
    for slot in ("Negative", "Positive"):
        key = f"{slot} particle concentration [mol.m-3]"
        if key not in model.variables:  # with K-trapping sites: the carbon's main phase
            key = f"{slot} primary particle concentration [mol.m-3]"
        if key in model.variables:
            c_max = values[f"Maximum concentration in {slot.lower()} electrode [mol.m-3]"]
            c_s = solution[key].entries
            assert 0 <= c_s.min() and c_s.max() <= c_max
    assert solution["Electrolyte concentration [mol.m-3]"].entries.min() > 0


def test_the_documented_initial_soc_path_starts_part_way(name):
    values = pybamm.ParameterValues(name)
    simulation = pybamm.Simulation(pybamm.lithium_ion.SPM(PYBAMM_OPTIONS[name]),
                                   parameter_values=values)
    half = simulation.solve([0, 3600], initial_soc=0.5)["Discharge capacity [A.h]"].entries[-1]
    full = pybamm.Simulation(pybamm.lithium_ion.SPM(PYBAMM_OPTIONS[name]),
                             parameter_values=pybamm.ParameterValues(name)).solve(
        [0, 3600])["Discharge capacity [A.h]"].entries[-1]
    assert 0.3 * full < half < 0.7 * full
