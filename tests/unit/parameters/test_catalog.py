"""Reading the declarative files: names, values with units and provenance, tables, bad files."""

import re

import numpy as np
import pytest

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
GOOD_VALUE = '"density [g.cm-3]" = { value = 2.0, provenance = "estimate", source = "a guess" }\n'


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
