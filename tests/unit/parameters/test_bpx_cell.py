"""A BPX file as a cell: what it states, what kion_sim supplies, and the errors for bad files.

Reference values come from the JSON itself (read here with json alone) and from the cell
TOML files (tomllib), never from kion_sim's own output.
"""

from __future__ import annotations

import copy
import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest

from kion_sim.errors import ParameterSetError
from kion_sim.io.bpx_io import to_bpx
from kion_sim.parameters import build_cell_parameters, cell_parameters, provenance_table
from kion_sim.parameters.catalog import parameter_sets_dir

FARADAY = 96485.33212


@pytest.fixture(scope="module")
def exports() -> dict[str, dict]:
    return {name: to_bpx(name).document for name in ("soft_carbon_half_cell", "full_cell")}


def _write(tmp_path: Path, document: dict, name: str = "cell.bpx.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def _toml(kind: str, name: str) -> dict:
    return tomllib.loads((parameter_sets_dir() / kind / f"{name}.toml").read_text())


def test_a_kion_sim_half_cell_export_reads_back_with_its_mass_and_window(tmp_path, exports):
    cell = cell_parameters(str(_write(tmp_path, exports["soft_carbon_half_cell"])))
    declared = _toml("cells", "soft_carbon_half_cell")
    loading = declared["electrodes"]["working"]["active mass loading [mg.cm-2]"]["value"]
    area = declared["values"]["electrode area [cm2]"]["value"]
    assert cell.kind == "half_cell"
    assert cell.electrodes["working"].active_mass_g == pytest.approx(loading * area * 1e-3,
                                                                      rel=1e-9)
    from kion_sim.parameters import load_cell

    component = load_cell(str(tmp_path / "cell.bpx.json"))
    for side in ("lower", "upper"):
        key = f"default {side} voltage cut-off [V]"
        assert component.value(key) == declared["values"][key]["value"]
    assert component.protocol["first_step"] == declared["protocol"]["first_step"]
    assert cell.mechanism.name == "none" and not cell.trapping


def test_a_one_electrode_file_is_a_half_cell_against_the_catalogue_k_metal(tmp_path, exports):
    """A user's carbon as BPX's negative electrode, no kion_sim keys: a half cell against the
    catalogue's K metal, starting empty, discharging first, mass from the default density."""
    document = copy.deepcopy(exports["soft_carbon_half_cell"])
    electrode = document["Parameterisation"].pop("Positive electrode")
    document["Parameterisation"]["Negative electrode"] = electrode
    document["Parameterisation"].pop("User-defined")
    document["State"]["Initial conditions"].pop("Initial state-of-charge")
    name = str(_write(tmp_path, document))
    from kion_sim.parameters import load_cell

    component = load_cell(name)
    cell = cell_parameters(name)
    metal = _toml("materials", "potassium_metal")["values"]
    assert cell.values["Negative electrode thickness [m]"] == metal["foil thickness [m]"]["value"]
    assert component.protocol["first_step"] == "discharge"
    design = cell.electrodes["working"]
    assert design.initial_stoichiometry == pytest.approx(electrode["Minimum stoichiometry"])
    active = electrode["Surface area per unit volume [m-1]"] * electrode["Particle radius [m]"] / 3
    area_m2 = document["Parameterisation"]["Cell"]["Electrode area [m2]"]
    mass_g = electrode["Thickness [m]"] * active * area_m2 * 2.1e6  # the default 2.1 g/cm3
    assert design.active_mass_g == pytest.approx(mass_g, rel=1e-9)
    assert design.material.quantities["density [g.cm-3]"].provenance == "estimate"
    # the window is the OCP at the file's stoichiometry limits
    x, y = electrode["OCP [V]"]["x"], electrode["OCP [V]"]["y"]
    ends = np.interp([electrode["Maximum stoichiometry"], electrode["Minimum stoichiometry"]],
                     x, y)
    assert component.value("default lower voltage cut-off [V]") == pytest.approx(min(ends))
    assert component.value("default upper voltage cut-off [V]") == pytest.approx(max(ends))


def test_rate_constant_and_an_ocp_expression_are_converted(tmp_path, exports):
    document = copy.deepcopy(exports["soft_carbon_half_cell"])
    electrode = document["Parameterisation"]["Positive electrode"]
    electrode["OCP [V]"] = "1.5 - x"
    cell = cell_parameters(str(_write(tmp_path, document)))
    ocp = cell.electrodes["working"].ocp
    assert np.interp(0.5, ocp.stoichiometry, ocp.potential_V) == pytest.approx(1.0)
    j0 = cell.values["Positive electrode exchange-current density [A.m-2]"].reference_A_m2
    assert j0 == pytest.approx(FARADAY * electrode["Reaction rate constant [mol.m-2.s-1]"] / 2)


def test_a_full_cell_export_is_a_full_cell_and_splits_into_half_cells(tmp_path, exports):
    name = str(_write(tmp_path, exports["full_cell"]))
    declared = _toml("cells", "full_cell")
    cell = cell_parameters(name)
    assert cell.kind == "full_cell"
    for role in ("anode", "cathode"):
        loading = declared["electrodes"][role]["active mass loading [mg.cm-2]"]["value"]
        area = declared["values"]["electrode area [cm2]"]["value"]
        assert cell.electrodes[role].active_mass_g == pytest.approx(loading * area * 1e-3)
    negative = cell_parameters(name + "#negative")
    assert negative.kind == "half_cell"
    assert negative.electrodes["working"].initial_stoichiometry == pytest.approx(
        declared["electrodes"]["anode"]["initial stoichiometry"]["value"])


def test_the_provenance_table_names_the_file_and_key(tmp_path, exports):
    name = str(_write(tmp_path, exports["full_cell"]))
    table = provenance_table(name)
    row = table[table["key"] == "diffusivity [m2.s-1]"].iloc[0]
    assert name in row["source"] and "Diffusivity [m2.s-1]" in row["source"]
    assert set(table["provenance"]) <= {"reported", "estimate", "literature"}


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d["Parameterisation"]["Positive electrode"].pop("Thickness [m]"),
     r"Positive electrode > Thickness \[m\]: Field required"),
    (lambda d: d["Parameterisation"]["Positive electrode"].__setitem__(
        "Diffusivity [m2.s-1]", "1e-16 * (1 + x)"),
     r"Diffusivity \[m2.s-1\] varies with stoichiometry; valid: one number"),
    (lambda d: d["Parameterisation"].pop("Positive electrode"),
     r"Parameterisation holds no electrode; valid: a 'Negative electrode'"),
    (lambda d: d["State"]["Initial conditions"].pop(
        "Initial electrolyte concentration [mol.m-3]"),
     r"Initial electrolyte concentration \[mol.m-3\] is None; valid: a positive number"),
    (lambda d: d["Parameterisation"]["User-defined"].__setitem__(
        "kion_sim: first step is a charge", 2),
     r"first step is a charge is 2; valid: 1 \(the first step is a charge\) or 0"),
])
def test_a_bad_file_names_itself_the_key_and_what_is_valid(tmp_path, exports, change, expected):
    document = copy.deepcopy(exports["soft_carbon_half_cell"])
    change(document)
    path = _write(tmp_path, document)
    with pytest.raises(ParameterSetError, match=expected) as error:
        cell_parameters(str(path))
    assert str(path) in str(error.value)


def test_not_json_missing_file_and_bad_part(tmp_path, exports):
    broken = tmp_path / "broken.bpx.json"
    broken.write_text("{ not json")
    with pytest.raises(ParameterSetError, match=r"broken.bpx.json: not valid JSON \(line 1"):
        cell_parameters(str(broken))
    with pytest.raises(ParameterSetError, match=r"does not exist .*#negative or #positive"):
        cell_parameters(str(tmp_path / "absent.bpx.json"))
    path = _write(tmp_path, exports["full_cell"])
    with pytest.raises(ParameterSetError, match=r"#middle is not a part.*valid: #negative or "
                                                r"#positive"):
        cell_parameters(f"{path}#middle")
    half = _write(tmp_path, exports["soft_carbon_half_cell"], "half.bpx.json")
    with pytest.raises(ParameterSetError, match=r"holds one electrode: it is a half cell "
                                                r"against K metal already; give it without "
                                                r"#negative"):
        cell_parameters(f"{half}#negative")


def test_a_fade_mechanism_on_a_bpx_cell_says_what_bpx_cannot_carry(tmp_path, exports):
    path = _write(tmp_path, exports["soft_carbon_half_cell"])
    with pytest.raises(ParameterSetError) as error:
        build_cell_parameters(str(path), mechanism="sei_site_blocking")
    message = str(error.value)
    for words in ("BPX cannot carry the fade mechanism 'sei_site_blocking'", "K-trapping sites: "
                  "none", "spheres of the file's particle radius", "kion-sim new cell"):
        assert words in message


def test_a_reference_temperature_other_than_25C_is_referred_to_25C(tmp_path, exports):
    document = copy.deepcopy(exports["soft_carbon_half_cell"])
    document["Parameterisation"]["Cell"]["Reference temperature [K]"] = 308.15
    electrode = document["Parameterisation"]["Positive electrode"]
    cell = cell_parameters(str(_write(tmp_path, document)))
    energy = electrode["Diffusivity activation energy [J.mol-1]"]
    expected = electrode["Diffusivity [m2.s-1]"] * math.exp(
        energy / 8.314462618 * (1 / 308.15 - 1 / 298.15))
    assert cell.values["Positive particle diffusivity [m2.s-1]"].reference_m2_s == \
        pytest.approx(expected)


def test_a_file_without_kion_sim_keys_builds_a_full_cell_from_bpx_alone(tmp_path, exports):
    """As another tool writes BPX: no User-defined, an electrolyte conductivity as a number
    and its diffusivity as an expression; the densities are the estimates per slot."""
    document = copy.deepcopy(exports["full_cell"])
    document["Parameterisation"].pop("User-defined")
    electrolyte = document["Parameterisation"]["Electrolyte"]
    electrolyte["Conductivity [S.m-1]"] = 0.7
    electrolyte["Diffusivity [m2.s-1]"] = "3e-10 * exp(-x / 2000)"
    cell = cell_parameters(str(_write(tmp_path, document)))
    c_e0 = document["State"]["Initial conditions"]["Initial electrolyte concentration [mol.m-3]"]
    diffusivity = cell.values["Electrolyte diffusivity [m2.s-1]"]
    assert np.interp(c_e0, diffusivity.concentration_mol_m3, diffusivity.values) == \
        pytest.approx(3e-10 * math.exp(-c_e0 / 2000), rel=1e-3)
    assert set(cell.values["Electrolyte conductivity [S.m-1]"].values) == {0.7}
    densities = {role: design.material.quantities["density [g.cm-3]"]
                 for role, design in cell.electrodes.items()}
    assert {q.provenance for q in densities.values()} == {"estimate"}
    assert cell.window_guards and all(
        "lower potential limit [V]" not in d.material.quantities for d in cell.electrodes.values())
