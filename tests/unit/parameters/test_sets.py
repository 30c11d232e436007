"""Parameter sets: derived quantities computed independently, provenance, bad files."""

import pytest

from kion_sim.errors import ParameterSetError, UnknownNameError
from kion_sim.parameters import (
    PROVENANCE_KINDS,
    cell_names,
    cell_parameters,
    load_material,
    material_names,
    provenance_table,
)
from kion_sim.parameters.catalog import _read_component

FARADAY = 96485.33212


@pytest.mark.parametrize("cell_name", ["soft_carbon_half_cell", "full_cell"])
def test_max_concentration_follows_from_capacity_and_density(cell_name):
    for design in cell_parameters(cell_name).electrodes.values():
        q_mAh_g = design.material.value("specific capacity at full stoichiometry [mAh.g-1]")
        rho_g_cm3 = design.material.value("density [g.cm-3]")
        expected = q_mAh_g * 3.6 * rho_g_cm3 * 1e6 / FARADAY
        assert design.max_concentration_mol_m3 == pytest.approx(expected, rel=1e-12)


def test_k0p6coo2_capacity_per_unit_x_is_faradays_law_on_its_formula_mass():
    formula_mass = 0.6 * 39.098 + 58.933 + 2 * 15.999  # K0.6CoO2, g/mol
    q = load_material("k0p6coo2").value("specific capacity at full stoichiometry [mAh.g-1]")
    assert q == pytest.approx(FARADAY / 3.6 / formula_mass, rel=2e-3)


@pytest.mark.parametrize("name", cell_names() + material_names())
def test_every_value_has_a_known_provenance_and_a_source(name):
    table = provenance_table(name)
    assert set(table["provenance"]) <= set(PROVENANCE_KINDS)
    assert table["source"].str.strip().str.len().min() > 0


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(UnknownNameError, match="soft_carbon_half_cell"):
        cell_parameters("soft_carbon")
    with pytest.raises(UnknownNameError, match="k0p6coo2"):
        load_material("LiCoO2")


@pytest.mark.parametrize("body, words", [
    ('[component]\nname="x"\nkind="insertion"\nlabel="x"\n[values]\n'
     '"a [m]" = { value = 1.0, provenance = "guess", source = "s" }\n', ["guess", "estimate"]),
    ('[component]\nname="x"\nkind="insertion"\nlabel="x"\n[values]\n'
     '"a [m]" = { value = 1.0, provenance = "estimate", source = " " }\n', ["source"]),
    ('[component]\nname="x"\n', ["lacks"]),
    ('[component\n', ["not valid TOML"]),
])
def test_malformed_files_are_refused(tmp_path, body, words):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(ParameterSetError) as error:
        _read_component(path)
    for word in words:
        assert word in str(error.value)


def test_non_positive_loading_is_refused(monkeypatch):
    from dataclasses import replace

    from kion_sim.parameters import assemble, catalog

    cell = catalog.load_cell("soft_carbon_half_cell")
    recipe = dict(cell.electrodes["working"])
    key = "active mass loading [mg.cm-2]"
    recipe[key] = replace(recipe[key], value=0.0)
    broken = replace(cell, electrodes={"working": recipe})
    monkeypatch.setattr(assemble, "load_cell", lambda name: broken)
    with pytest.raises(ParameterSetError, match="loading .* must be positive"):
        assemble.build_cell_parameters("soft_carbon_half_cell")
