"""Reading the declarative files: names, values with units and provenance, tables, bad files."""

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kion_sim.errors import ParameterSetError, UnknownNameError
from kion_sim.parameters import (
    PROVENANCE_KINDS,
    Quantity,
    cell_names,
    load_cell,
    load_material,
    material_names,
)
from kion_sim.parameters.catalog import _read_component, bibtex_entries

HEADER = '[component]\nname = "x"\nkind = "insertion"\nlabel = "X"\n'
GOOD_VALUE = ('"density [g.cm-3]" = { value = 2.0, provenance = "estimate", source = "a guess", '
              'range = [1.8, 2.2], range_source = "a guess too" }\n')


def test_provenance_kinds_are_the_four_the_house_style_names():
    assert set(PROVENANCE_KINDS) == {"literature", "reported", "fitted", "estimate"}


def test_every_file_is_listed_by_its_own_name(sets):
    assert cell_names() == sets.cell_names()
    assert material_names() == sets.material_names()
    assert {"soft_carbon_half_cell", "k0p6coo2_half_cell", "full_cell"} <= set(cell_names())


@pytest.mark.parametrize("name", ["soft_carbon_900C", "k0p6coo2", "kpf6_ec_dec",
                                  "potassium_metal", "kpf6_carbonate_sei"])
def test_a_material_holds_the_values_of_its_file(sets, name):
    material, document = load_material(name), sets.material(name)
    assert (material.name, material.kind, material.label) == (
        name, document["component"]["kind"], document["component"]["label"])
    assert set(material.quantities) == set(document["values"])
    for key, entry in document["values"].items():
        quantity = material.quantities[key]
        assert (quantity.value, quantity.provenance) == (entry["value"], entry["provenance"])
        assert quantity.source == entry["source"].strip()
    assert material.citations == tuple(document["component"].get("citations", ()))


def test_a_cell_holds_its_references_electrodes_and_protocol(sets):
    cell, document = load_cell("full_cell"), sets.cell("full_cell")
    assert cell.references == document["uses"]
    assert set(cell.electrodes) == {"anode", "cathode"}
    for role, recipe in document["electrodes"].items():
        assert {k: q.value for k, q in cell.electrode(role).items()} == {
            k: v["value"] for k, v in recipe.items()}
    assert cell.protocol["first_step"] == document["protocol"]["first_step"]


def test_an_ocp_table_is_its_csv(sets):
    table = load_material("soft_carbon_900C").table("ocp")
    sto, volts = sets.ocp("soft_carbon_900C")
    np.testing.assert_array_equal(table.x, sto)
    np.testing.assert_array_equal(table.y, volts)
    assert (table.x_label, table.y_label) == ("stoichiometry", "ocp_V")
    assert table.provenance in PROVENANCE_KINDS and table.source


@pytest.mark.parametrize("key, unit", [("density [g.cm-3]", "g.cm-3"),
                                       ("diffusivity [m2.s-1]", "m2.s-1"),
                                       ("charge transfer coefficient", "-"),
                                       ("LAM constant proportional term [s-1]", "s-1")])
def test_the_unit_is_read_from_the_key_brackets(key, unit):
    assert Quantity(key, 1.0, "estimate", "s").unit == unit


def test_unknown_names_raise_and_list_every_valid_name():
    with pytest.raises(UnknownNameError) as error:
        load_cell("soft_carbon")
    assert all(name in str(error.value) for name in cell_names())
    with pytest.raises(UnknownNameError) as error:
        load_material("LiCoO2")
    assert "LiCoO2" in str(error.value)
    assert all(name in str(error.value) for name in material_names())


def test_missing_values_tables_and_electrodes_name_what_there_is():
    material = load_material("potassium_metal")
    with pytest.raises(ParameterSetError, match="density"):  # lists what it does have
        material.value("viscosity [Pa.s]")
    with pytest.raises(ParameterSetError, match="'ocp'.*none"):
        material.table("ocp")
    with pytest.raises(ParameterSetError, match="anode, cathode"):
        load_cell("full_cell").electrode("working")


def test_every_citation_key_of_every_file_has_a_bibtex_entry(sets):
    entries = bibtex_entries()
    used = {key for name in sets.cell_names() for key in sets.cell(name)["component"].get(
        "citations", [])}
    used |= {key for name in sets.material_names() for key in sets.material(name)[
        "component"].get("citations", [])}
    assert used - set(entries) == set()
    for key, entry in entries.items():
        assert re.match(rf"@\w+\{{{re.escape(key)},", entry)


# --- malformed files -------------------------------------------------------------------


def _write(tmp_path, body, csv=None):
    (tmp_path / "materials").mkdir(exist_ok=True)
    (tmp_path / "data").mkdir(exist_ok=True)
    if csv is not None:
        (tmp_path / "data" / "curve.csv").write_text(csv)
    path = tmp_path / "materials" / "x.toml"
    path.write_text(body)
    return path


def test_a_well_formed_file_reads(tmp_path):
    path = _write(tmp_path, HEADER + 'citations = ["Wang2017"]\n[values]\n' + GOOD_VALUE
                  + '[tables.ocp]\nfile = "curve.csv"\nprovenance = "fitted"\nsource = "a fit"\n',
                  csv="stoichiometry,ocp_V\n0.1,1.0\n0.9,0.1\n")
    component = _read_component(path)
    assert component.value("density [g.cm-3]") == 2.0
    assert component.citations == ("Wang2017",)
    np.testing.assert_array_equal(component.table("ocp").y, [1.0, 0.1])
    assert component.path == path


@pytest.mark.parametrize("body, words", [
    ("[component\n", ["not valid TOML"]),
    ('[component]\nname = "x"\n', ["lacks", "kind", "label"]),
    ("[values]\n" + GOOD_VALUE, ["lacks", "name"]),
    (HEADER + '[values]\n"a [m]" = { value = 1.0, provenance = "guess", source = "s" }\n',
     ["'a [m]'", "'guess'", "literature, reported, fitted, estimate"]),
    (HEADER + '[values]\n"a [m]" = { value = 1.0, source = "s" }\n', ["'a [m]'", "None"]),
    (HEADER + '[values]\n"a [m]" = { value = 1.0, provenance = "estimate", source = " " }\n',
     ["'a [m]'", "source"]),
    (HEADER + '[values]\n"a [m]" = { value = 1.0, provenance = "estimate" }\n',
     ["'a [m]'", "source"]),
    (HEADER + '[values]\n"a [m]" = { value = "1.0", provenance = "estimate", source = "s" }\n',
     ["'a [m]'", "number", "'1.0'"]),
    (HEADER + '[values]\n"a [m]" = { value = true, provenance = "estimate", source = "s" }\n',
     ["'a [m]'", "number"]),
    (HEADER + '[values]\n"a [m]" = 1.0\n', ["'a [m]'", "value, provenance, source"]),
    (HEADER + '[values]\n"a [m]" = { provenance = "estimate", source = "s" }\n',
     ["'a [m]'", "value"]),
    (HEADER + '[electrodes.working]\n'
     '"porosity" = { value = 0.3, provenance = "?", source = "s" }\n',
     ["working: porosity", "'?'"]),
])
def test_malformed_files_are_refused_naming_file_and_key(tmp_path, body, words):
    path = _write(tmp_path, body)
    with pytest.raises(ParameterSetError) as error:
        _read_component(path)
    message = str(error.value)
    assert str(path) in message
    for word in words:
        assert word in message


TABLE = '[tables.ocp]\nfile = "{file}"\nprovenance = "{provenance}"\nsource = "s"\n'


@pytest.mark.parametrize("file, provenance, csv, words", [
    ("missing.csv", "estimate", None, ["'ocp'", "cannot be read", "missing.csv"]),
    ("curve.csv", "estimate", "sto,ocp\n0.1,abc\n", ["'ocp'", "cannot be read"]),
    ("curve.csv", "estimate", "sto,ocp,extra\n0.1,1.0,2\n0.2,0.9,2\n", ["two finite numeric"]),
    ("curve.csv", "estimate", "sto,ocp\n0.1,nan\n0.2,0.9\n", ["two finite numeric"]),
    ("curve.csv", "made up", "sto,ocp\n0.1,1.0\n0.2,0.9\n", ["table ocp", "'made up'"]),
])
def test_malformed_tables_are_refused(tmp_path, file, provenance, csv, words):
    path = _write(tmp_path, HEADER + TABLE.format(file=file, provenance=provenance), csv=csv)
    with pytest.raises(ParameterSetError) as error:
        _read_component(path)
    for word in words:
        assert word in str(error.value)


# Issue 10: NaN and infinite values were accepted; a cell file without a counter electrode
# ended in a KeyError when it was built.
@pytest.mark.parametrize("number", ["nan", "inf", "-inf", "+nan"])
def test_non_finite_values_are_refused_by_key(tmp_path, number):
    body = HEADER + "[values]\n" + GOOD_VALUE.replace("value = 2.0", f"value = {number}")
    with pytest.raises(ParameterSetError, match=r"'density \[g.cm-3\]' must be a finite"):
        _read_component(_write(tmp_path, body))


def _cell(tmp_path, uses: str, electrodes: str = "[electrodes.working]\n"):
    (tmp_path / "cells").mkdir(exist_ok=True)
    path = tmp_path / "cells" / "c.toml"
    path.write_text('[component]\nname = "c"\nkind = "half_cell"\nlabel = "C"\n'
                    f"[uses]\n{uses}\n{electrodes}")
    return path


def test_a_half_cell_without_a_counter_electrode_is_refused_naming_it(tmp_path):
    path = _cell(tmp_path, 'working = "soft_carbon_900C"\nelectrolyte = "kpf6_ec_dec"')
    with pytest.raises(ParameterSetError, match="needs \\[uses\\] counter"):
        _read_component(path)


def test_a_cell_without_its_working_electrode_recipe_is_refused(tmp_path):
    path = _cell(tmp_path, 'working = "a"\ncounter = "b"\nelectrolyte = "c"', electrodes="")
    with pytest.raises(ParameterSetError, match=r"\[electrodes.working\]"):
        _read_component(path)


@pytest.mark.parametrize("text, words", [
    ("values = 3\n" + HEADER, ["[values] must be a table"]),
    (HEADER + '[values]\n"k" = 3\n', ["'k' must be a table"]),
    (HEADER + '[tables.ocp]\nprovenance = "estimate"\nsource = "s"\n', ["must name its CSV"]),
    (HEADER + 'citations = "Wang2017"\n', ["citations must be a list"]),
])
def test_malformed_structure_is_a_parameter_set_error(tmp_path, text, words):
    with pytest.raises(ParameterSetError) as error:
        _read_component(_write(tmp_path, text))
    for word in words:
        assert word in str(error.value)


_SCALARS = st.one_of(st.floats(), st.integers(-10**20, 10**20), st.booleans(),
                     st.text(max_size=6))


def _toml_scalar(value) -> str:
    import json
    import math

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    return json.dumps(value) if isinstance(value, str) else str(value)


_ENTRY = st.one_of(
    _SCALARS.map(_toml_scalar),
    st.fixed_dictionaries({}, optional={
        "value": _SCALARS, "provenance": st.sampled_from([*PROVENANCE_KINDS, "guess", ""]),
        "source": st.one_of(st.text(max_size=5), st.integers(0, 3)),
        "file": st.sampled_from(["curve.csv", "missing.csv", ""])}).map(
        lambda d: "{ " + ", ".join(f"{k} = {_toml_scalar(v)}" for k, v in d.items()) + " }"))
_CSVS = st.sampled_from([None, "sto,ocp\n0.1,1.0\n0.9,0.1\n", "sto,ocp\n0.1,nan\n",
                         "a\n1\n", "", "sto,ocp\n0.1,1.0\n", "x,y\n\xff,1\n"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(section=st.sampled_from(["values", "tables", "uses", "electrodes.working", "protocol"]),
       entries=st.dictionaries(st.sampled_from(["density [g.cm-3]", "ocp", "x", "working"]),
                               _ENTRY, max_size=3),
       kind=st.sampled_from(['"insertion"', '"half_cell"', "3"]), csv=_CSVS,
       folder=st.sampled_from(["materials", "cells"]))
def test_any_parameter_file_reads_or_raises_parameter_set_error(tmp_path, section, entries, kind,
                                                                 csv, folder):
    (tmp_path / folder).mkdir(exist_ok=True)
    (tmp_path / "data").mkdir(exist_ok=True)
    if csv is not None:
        (tmp_path / "data" / "curve.csv").write_text(csv, encoding="latin-1")
    path = tmp_path / folder / "x.toml"
    body = "\n".join(f'"{key}" = {entry}' for key, entry in entries.items())
    path.write_text(f'[component]\nname = "x"\nkind = {kind}\nlabel = "X"\n[{section}]\n{body}\n')
    try:
        component = _read_component(path)
    except ParameterSetError:
        return
    for quantity in component.quantities.values():
        assert np.isfinite(quantity.value) and quantity.provenance in PROVENANCE_KINDS
    for table in component.tables.values():
        assert np.all(np.isfinite(table.x)) and np.all(np.isfinite(table.y))
