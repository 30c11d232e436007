"""provenance_table: every value of a cell or material, its unit, and where it came from."""

import re

import pytest

from kion_sim.errors import UnknownNameError
from kion_sim.parameters import PROVENANCE_KINDS, cell_names, material_names, provenance_table

COLUMNS = ["component", "group", "key", "value", "unit", "provenance", "source", "range_low",
           "range_high", "range_source", "uncertainty_factor"]


def _entries(document):
    """(key, value, provenance, source) of every value, electrode value and table of a file."""
    rows = [(k, v["value"], v["provenance"], v["source"])
            for k, v in document.get("values", {}).items()]
    rows += [(k, v["value"], v["provenance"], v["source"])
             for recipe in document.get("electrodes", {}).values() for k, v in recipe.items()]
    rows += [(f"table: {k}", None, v["provenance"], v["source"])
             for k, v in document.get("tables", {}).items()]
    return rows


@pytest.mark.parametrize("name", cell_names() + material_names())
def test_every_value_has_one_of_the_four_provenances_and_a_source(name):
    table = provenance_table(name)
    assert list(table.columns) == COLUMNS
    assert len(table) > 0
    assert set(table["provenance"]) <= set(PROVENANCE_KINDS)
    assert table["source"].map(lambda s: isinstance(s, str) and len(s.strip()) > 0).all()


@pytest.mark.parametrize("name", material_names())
def test_a_material_lists_exactly_the_entries_of_its_file(sets, name):
    table = provenance_table(name)
    expected = _entries(sets.material(name))
    assert sorted(table["key"]) == sorted(key for key, *_ in expected)
    by_key = table.set_index("key")
    for key, value, provenance, source in expected:
        assert by_key.loc[key, "provenance"] == provenance
        assert by_key.loc[key, "source"] == source.strip()
        if value is not None:
            assert by_key.loc[key, "value"] == value


@pytest.mark.parametrize("name", cell_names())
def test_a_cell_lists_its_own_entries_then_those_of_every_material_it_uses(sets, name):
    table = provenance_table(name)
    cell = sets.cell(name)
    own = table[table["component"] == name]
    assert len(own) == len(_entries(cell))
    for role, material in cell["uses"].items():
        rows = table[table["component"] == material]
        assert len(rows) == len(_entries(sets.material(material)))
        assert set(rows["group"]) == {role}
    assert set(table["component"]) == {name, *cell["uses"].values()}


def test_units_are_the_brackets_of_the_key():
    table = provenance_table("soft_carbon_900C")
    for key, unit in zip(table["key"], table["unit"], strict=True):
        if key.startswith("table: "):
            continue
        match = re.search(r"\[([^\]]+)\]\s*$", key)
        assert unit == (match.group(1) if match else "-")


def test_tables_name_their_csv_and_axes():
    row = provenance_table("soft_carbon_900C").set_index("key").loc["table: ocp"]
    assert row["value"].startswith("soft_carbon_900C_ocp.csv")
    assert row["unit"] == "stoichiometry -> ocp_V"


def test_an_unknown_name_lists_cells_and_materials():
    with pytest.raises(UnknownNameError) as error:
        provenance_table("unobtainium")
    message = str(error.value)
    assert "unobtainium" in message
    assert all(name in message for name in cell_names() + material_names())
