"""BPX export: valid under bpx's own parser, values converted as BPX defines them, and the
features BPX cannot hold listed in the file itself. Reference values come from the TOML files
(read by tests/conftest.py), not from kion_sim's assembly."""

import json
import math

import bpx
import pytest

from kion_sim.errors import DataFileError
from kion_sim.io.bpx_io import read_bpx, to_bpx, write_bpx
from kion_sim.parameters.catalog import load_cell
from kion_sim.parameters.registry import ENTRY_POINT_CELLS


@pytest.mark.parametrize("cell", sorted(ENTRY_POINT_CELLS.values()))
def test_every_registered_set_passes_bpx_s_own_validator_from_the_written_file(tmp_path, cell):
    path = tmp_path / f"{cell}.json"
    export = write_bpx(cell, path)
    parsed = bpx.parse_bpx_file(str(path))
    assert parsed.header.model == ("Partial" if "half" in cell else "DFN")
    for missing in export.not_carried:  # the file itself says what it lacks
        assert missing in parsed.header.description


def test_half_cells_say_the_metal_electrode_is_missing_and_carbon_says_sei_is():
    carbon = to_bpx("soft_carbon_half_cell").not_carried
    oxide = to_bpx("k0p6coo2_half_cell").not_carried
    assert any("SEI" in item for item in carbon) and not any("SEI" in item for item in oxide)
    assert all(any("K metal counter electrode" in item for item in items)
               for items in (carbon, oxide))
    assert not any("metal" in item for item in to_bpx("full_cell").not_carried)


def test_rate_constant_transport_and_conductivity_follow_bpx_definitions(sets, faraday):
    recipe = sets.electrode("k0p6coo2_half_cell", "working")
    electrode = to_bpx("k0p6coo2_half_cell").document["Parameterisation"]["Positive electrode"]
    # BPX: j0 = F k sqrt(x(1-x)) at the reference electrolyte; kion_sim: j0_ref at half filling
    # is j0_ref, so k = j0_ref / (F * 0.5).
    assert electrode["Reaction rate constant [mol.m-2.s-1]"] == pytest.approx(
        recipe["exchange-current density [A.m-2]"] / (0.5 * faraday), rel=1e-6)
    brugg, porosity = recipe["Bruggeman coefficient"], recipe["porosity"]
    active = recipe["active material volume fraction"]
    assert electrode["Transport efficiency"] == pytest.approx(porosity ** brugg)
    assert electrode["Conductivity [S.m-1]"] == pytest.approx(
        recipe["electrode conductivity [S.m-1]"] * active ** brugg)
    assert electrode["Surface area per unit volume [m-1]"] == pytest.approx(
        3 * active / recipe["particle radius [m]"])


def test_the_full_cell_starts_at_zero_soc_with_the_as_assembled_stoichiometries(sets):
    document = to_bpx("full_cell").document
    anode = document["Parameterisation"]["Negative electrode"]
    cathode = document["Parameterisation"]["Positive electrode"]
    assert document["State"]["Initial conditions"]["Initial state-of-charge"] == 0.0
    assert anode["Minimum stoichiometry"] == sets.electrode("full_cell", "anode")[
        "initial stoichiometry"]
    assert cathode["Maximum stoichiometry"] == sets.electrode("full_cell", "cathode")[
        "initial stoichiometry"]
    # 100 % SOC moves the same charge out of the cathode as into the anode.
    def moved(electrode):
        span = electrode["Maximum stoichiometry"] - electrode["Minimum stoichiometry"]
        volume = electrode["Thickness [m]"] * electrode["Surface area per unit volume [m-1]"] \
            * electrode["Particle radius [m]"] / 3
        return span * electrode["Maximum concentration [mol.m-3]"] * volume
    assert moved(anode) == pytest.approx(moved(cathode), rel=1e-9)


def test_a_file_that_is_not_bpx_is_refused_by_name(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"Header": {"BPX": "1.0.0", "Model": "DFN"}}))
    with pytest.raises(DataFileError, match="bad.json is not a valid BPX file"):
        read_bpx(path)


def test_a_half_cell_read_back_has_the_k_metal_and_no_negative_porous_electrode(tmp_path):
    path = tmp_path / "carbon.json"
    write_bpx("soft_carbon_half_cell", path)
    values = read_bpx(path)
    assert "Negative electrode porosity" not in values.keys()
    assert values["Negative electrode OCP [V]"] == 0.0
    assert math.isclose(values["Lithium metal partial molar volume [m3.mol-1]"],
                        39.0983 / (0.862 * 1e6), rel_tol=2e-3)  # K: 39.1 g/mol, 0.862 g/cm3


def test_the_bpx_command_writes_a_valid_file_and_names_what_it_left_out(tmp_path, capsys):
    from kion_sim.cli import main

    assert main(["bpx", "soft_carbon_half_cell", "--out", str(tmp_path / "c.json")]) == 0
    declared = load_cell("soft_carbon_half_cell").degradation["mechanism"]
    assert f"not carried: the fade mechanism {declared}" in capsys.readouterr().err
    assert bpx.parse_bpx_file(str(tmp_path / "c.json")).header.model == "Partial"
