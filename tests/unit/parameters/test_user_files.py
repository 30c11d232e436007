"""A user's own cell file: materials resolve from its folder first, then the catalogue."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest

import kion_sim
from kion_sim.errors import ParameterSetError
from kion_sim.parameters import cell_parameters, load_cell, load_material
from kion_sim.parameters.catalog import parameter_sets_dir

CAPACITY_KEY = "specific capacity at full stoichiometry [mAh.g-1]"
USER_CAPACITY_mAh_g = 250.0  # far from the built-in's estimate and every stored fit


def _builtin(kind: str, name: str) -> Path:
    return parameter_sets_dir() / kind / f"{name}.toml"


def _with_capacity(text: str, capacity: float) -> str:
    """The material file text with its specific capacity's value replaced (one line)."""
    line = re.compile(r'^("specific capacity at full stoichiometry \[mAh\.g-1\]" = \{ value = )'
                      r'[0-9.eE+-]+', re.M)
    changed, count = line.subn(rf"\g<1>{capacity}", text)
    assert count == 1
    return changed


@pytest.fixture
def user_folder(tmp_path: Path) -> Path:
    """my_cell.toml (a copy of the soft-carbon half cell) and materials/my_carbon.toml."""
    (tmp_path / "materials").mkdir()
    carbon = _with_capacity(_builtin("materials", "soft_carbon_900C").read_text(),
                            USER_CAPACITY_mAh_g)
    (tmp_path / "materials" / "my_carbon.toml").write_text(
        carbon.replace('name = "soft_carbon_900C"', 'name = "my_carbon"'))
    cell = _builtin("cells", "soft_carbon_half_cell").read_text()
    (tmp_path / "my_cell.toml").write_text(
        cell.replace('working = "soft_carbon_900C"', 'working = "my_carbon"'))
    return tmp_path


def _capacity_from_built(cell) -> float:
    """mAh/g at full stoichiometry, back from c_max [mol.m-3] and the density."""
    design = cell.electrodes["working"]
    density_g_m3 = design.material.value("density [g.cm-3]") * 1e6
    return design.max_concentration_mol_m3 * 96485.33212 / 3.6 / density_g_m3


def test_user_material_is_used_and_builtins_fill_the_rest(user_folder):
    cell = kion_sim.cell_parameters(str(user_folder / "my_cell.toml"))
    declared = tomllib.loads((user_folder / "materials" / "my_carbon.toml").read_text())
    assert _capacity_from_built(cell) == pytest.approx(
        declared["values"][CAPACITY_KEY]["value"], rel=1e-9)
    assert cell.electrodes["working"].material.name == "my_carbon"
    spec = load_cell(cell.name)
    assert spec.references["electrolyte"] == "kpf6_ec_dec"
    assert spec.references["counter"] == "potassium_metal"
    electrolyte = tomllib.loads(_builtin("materials", "kpf6_ec_dec").read_text())
    concentration = electrolyte["values"]["salt concentration [mol.m-3]"]["value"]
    assert cell.values["Initial concentration in electrolyte [mol.m-3]"] == pytest.approx(
        concentration)


def test_relative_path_and_cache_key_on_the_resolved_file(user_folder, monkeypatch):
    monkeypatch.chdir(user_folder)
    by_relative = cell_parameters("my_cell.toml")
    assert by_relative is cell_parameters(str(user_folder / "my_cell.toml"))
    # the file calls itself soft_carbon_half_cell: the built-in of that name is untouched
    builtin = cell_parameters("soft_carbon_half_cell")
    assert builtin is not by_relative
    assert _capacity_from_built(builtin) != pytest.approx(USER_CAPACITY_mAh_g, rel=0.05)


def test_material_beside_the_cell_file_and_csv_from_user_data(user_folder):
    material = user_folder / "materials" / "my_carbon.toml"
    shutil.move(material, user_folder / "my_carbon.toml")
    (user_folder / "data").mkdir()
    ocp = _builtin("data", "soft_carbon_900C_ocp").with_suffix(".csv")
    shutil.copy(ocp, user_folder / "data" / "my_ocp.csv")
    text = (user_folder / "my_carbon.toml").read_text()
    (user_folder / "my_carbon.toml").write_text(
        text.replace('file = "soft_carbon_900C_ocp.csv"', 'file = "my_ocp.csv"'))
    cell = cell_parameters(str(user_folder / "my_cell.toml"))
    assert cell.electrodes["working"].material.table("ocp").path == user_folder / "data" / \
        "my_ocp.csv"


def test_missing_file_names_it_and_the_builtins(tmp_path):
    with pytest.raises(ParameterSetError, match=r"nowhere\.toml.*soft_carbon_half_cell"):
        cell_parameters(str(tmp_path / "nowhere.toml"))


def test_invalid_toml_names_the_file(tmp_path):
    (tmp_path / "bad.toml").write_text("[component\nname = 1\n")
    with pytest.raises(ParameterSetError, match=r"bad\.toml: not valid TOML"):
        cell_parameters(str(tmp_path / "bad.toml"))


def test_unknown_material_says_where_it_looked(user_folder):
    (user_folder / "materials" / "my_carbon.toml").unlink()
    with pytest.raises(ParameterSetError) as error:
        cell_parameters(str(user_folder / "my_cell.toml"))
    message = str(error.value)
    assert "my_cell.toml" in message and "working = 'my_carbon'" in message
    assert str(user_folder / "materials" / "my_carbon.toml") in message
    assert "soft_carbon_900C" in message  # a built-in name to choose instead


def test_bad_value_reuses_the_catalogue_check(user_folder):
    path = user_folder / "materials" / "my_carbon.toml"
    path.write_text(path.read_text().replace('provenance = "estimate", source = "true density',
                                             'provenance = "guess", source = "true density'))
    with pytest.raises(ParameterSetError, match=r"my_carbon\.toml: 'density \[g\.cm-3\]' has "
                                                r"provenance 'guess'; valid: literature"):
        cell_parameters(str(user_folder / "my_cell.toml"))


def test_unknown_mechanism_lists_the_builtins(user_folder):
    path = user_folder / "my_cell.toml"
    path.write_text(path.read_text().replace('mechanism = "sei_dissolving_reforming"',
                                             'mechanism = "my_fade"'))
    with pytest.raises(ParameterSetError, match=r"mechanism = 'my_fade'.*sei_site_blocking"):
        cell_parameters(str(path))


def test_material_path_loads_by_file():
    path = _builtin("materials", "soft_carbon_900C")
    assert load_material(str(path)).value(CAPACITY_KEY) == pytest.approx(
        tomllib.loads(path.read_text())["values"][CAPACITY_KEY]["value"])


def test_a_trial_value_keyed_by_a_user_materials_file_reaches_it(user_folder):
    """What ``calibrate --data`` on a user's cell passes: the material as its cell's [uses]
    resolves it (a file), not its name; the value must still replace the file's."""
    from kion_sim.parameters import build_cell_parameters

    cell = str(user_folder / "my_cell.toml")
    reference = load_cell(cell).references["working"]
    assert reference.endswith(".toml")
    trial = build_cell_parameters(cell, material_overrides={
        reference: {"diffusivity [m2.s-1]": 1.0e-18}})
    diffusivity = trial.values["Positive particle diffusivity [m2.s-1]"]
    assert diffusivity.reference_m2_s == 1.0e-18
