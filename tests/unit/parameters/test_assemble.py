"""Declarative cell -> PyBaMM values: every derived number recomputed here from the files.

Reference arithmetic: active mass = loading x area; thickness = loading / (density x active
fraction); c_max = q x 3.6 x density / F; capacity [mAh] = q x stoichiometry range x mass.
"""

import shutil

import numpy as np
import pybamm
import pytest

from kion_sim.errors import ParameterSetError, UnknownNameError
from kion_sim.parameters import (
    CellParameters,
    assemble,
    build_cell_parameters,
    catalog,
    cell_names,
    cell_parameters,
    load_material,
)

CAPACITY_KEY = "specific capacity at full stoichiometry [mAh.g-1]"
ALL_ELECTRODES = [(cell, role) for cell in cell_names() for role in
                  (("anode", "cathode") if cell == "full_cell" else ("working",))]


def _ids(pairs):
    return [f"{cell}-{role}" for cell, role in pairs]


@pytest.fixture(params=ALL_ELECTRODES, ids=_ids(ALL_ELECTRODES))
def electrode(request, sets, slots):
    cell_name, role = request.param
    cell = cell_parameters(cell_name)
    return cell, cell.electrodes[role], sets.electrode(cell_name, role), slots[cell.kind][role]


def test_active_mass_is_loading_times_area(electrode):
    _, design, files, _ = electrode
    assert design.active_mass_g == pytest.approx(files["active mass [g]"], rel=1e-12)


def test_thickness_holds_the_loading_at_the_active_fraction(electrode):
    cell, design, files, slot = electrode
    loading_g_m2 = files["active mass loading [mg.cm-2]"] * 1e-3 / 1e-4
    expected_m = loading_g_m2 / (files["density [g.cm-3]"] * 1e6
                                 * files["active material volume fraction"])
    assert cell.values[f"{slot} electrode thickness [m]"] == pytest.approx(expected_m, rel=1e-12)
    assert 1e-6 < expected_m < 2e-4  # a coin-cell electrode: micrometres, not metres


def test_max_concentration_is_capacity_times_density_over_faraday(electrode, faraday):
    cell, design, files, slot = electrode
    expected = files[CAPACITY_KEY] * 3.6 * files["density [g.cm-3]"] * 1e6 / faraday
    assert design.max_concentration_mol_m3 == pytest.approx(expected, rel=1e-9)
    key = f"Maximum concentration in {slot.lower()} electrode [mol.m-3]"
    assert cell.values[key] == pytest.approx(expected, rel=1e-9)
    initial = cell.values[f"Initial concentration in {slot.lower()} electrode [mol.m-3]"]
    assert initial == pytest.approx(files["initial stoichiometry"] * expected, rel=1e-9)


def test_recipe_values_land_in_their_slot(electrode):
    cell, _, files, slot = electrode
    for key, pybamm_key in [("porosity", "porosity"),
                            ("active material volume fraction",
                             "active material volume fraction"),
                            ("Bruggeman coefficient", "Bruggeman coefficient (electrolyte)"),
                            ("electrode conductivity [S.m-1]", "conductivity [S.m-1]")]:
        assert cell.values[f"{slot} electrode {pybamm_key}"] == files[key]
    if "particle radius [m]" in files:  # a sphere
        assert cell.values[f"{slot} particle radius [m]"] == files["particle radius [m]"]
    else:  # an open hollow rod: R = 3 / (A/V) with A/V = 2 / (R_out - R_in)
        wall = files["particle outer radius [m]"] - files["particle inner radius [m]"]
        assert cell.values[f"{slot} particle radius [m]"] == pytest.approx(1.5 * wall)


def test_the_ocp_function_is_the_linear_interpolant_of_the_csv(electrode, sets):
    cell, _, files, slot = electrode
    sto, _ = sets.ocp(files["material"])
    probes = np.linspace(sto.min(), sto.max(), 37)[1:-1]
    function = cell.values[f"{slot} electrode OCP [V]"]
    evaluated = function(pybamm.Vector(probes)).evaluate().ravel()
    np.testing.assert_allclose(evaluated, sets.ocp_at(files["material"], probes), atol=1e-9)


def test_graphite_and_the_oxide_have_the_site_densities_of_their_formulas(faraday):
    # Independent chemistry: KC8 holds 1 K per 8 C; K0.6CoO2 has 1 Co site per formula unit.
    molar_mass = {"C": 12.011, "K": 39.098, "Co": 58.933, "O": 15.999}
    # Graphite's estimate (the calibration fits the capacity its row reaches from it).
    graphite = build_cell_parameters("graphite_jian2015_half_cell", mechanism="none")
    kc8_mol_m3 = 2.26e6 / (8 * molar_mass["C"])  # density of graphite 2.26 g/cm3 (CRC)
    assert graphite.electrodes["working"].max_concentration_mol_m3 == pytest.approx(
        kc8_mol_m3, rel=1e-3)
    oxide = load_material("k0p6coo2")
    formula_g_mol = 0.6 * molar_mass["K"] + molar_mass["Co"] + 2 * molar_mass["O"]
    assert oxide.value(CAPACITY_KEY) == pytest.approx(faraday / 3.6 / formula_g_mol, rel=1e-3)
    cobalt_sites = cell_parameters("k0p6coo2_half_cell").electrodes["working"]
    assert cobalt_sites.max_concentration_mol_m3 == pytest.approx(
        oxide.value("density [g.cm-3]") * 1e6 / formula_g_mol, rel=1e-3)


@pytest.mark.parametrize("cell_name", [n for n in cell_names() if n != "full_cell"])
def test_half_cell_nominal_capacity_is_the_whole_ocp_table(sets, cell_name):
    files = sets.electrode(cell_name, "working")
    sto, _ = sets.ocp(files["material"])
    mAh = files[CAPACITY_KEY] * (sto.max() - sto.min()) * files["active mass [g]"]
    assert cell_parameters(cell_name).values["Nominal cell capacity [A.h]"] == pytest.approx(
        mAh / 1000, rel=1e-9)


def test_full_cell_nominal_capacity_is_what_the_cathode_can_give_the_anode(sets):
    cathode, anode = sets.electrode("full_cell", "cathode"), sets.electrode("full_cell", "anode")
    x_lowest = sets.ocp(cathode["material"])[0].min()
    cathode_mAh = (cathode[CAPACITY_KEY] * (cathode["initial stoichiometry"] - x_lowest)
                   * cathode["active mass [g]"])
    anode_mAh = (anode[CAPACITY_KEY] * np.ptp(sets.ocp(anode["material"])[0])
                 * anode["active mass [g]"])
    nominal = cell_parameters("full_cell").values["Nominal cell capacity [A.h]"]
    assert nominal == pytest.approx(min(cathode_mAh, anode_mAh) / 1000, rel=1e-9)


def test_half_cell_counter_is_potassium_metal(sets):
    values = cell_parameters("soft_carbon_half_cell").values
    metal = {k: v["value"] for k, v in sets.material("potassium_metal")["values"].items()}
    assert values["Negative electrode OCP [V]"] == 0.0  # K/K+ is the reference
    assert values["Lithium metal partial molar volume [m3.mol-1]"] == pytest.approx(
        metal["molar mass [g.mol-1]"] / (metal["density [g.cm-3]"] * 1e6), rel=1e-12)
    assert values["Negative electrode thickness [m]"] == metal["foil thickness [m]"]
    assert not any(key.startswith("Negative particle") for key in values)


def test_cell_level_values(sets):
    for name in ("soft_carbon_half_cell", "full_cell"):
        values, files = cell_parameters(name).values, sets.cell(name)["values"]
        area_m2 = files["electrode area [cm2]"]["value"] * 1e-4
        assert values["Electrode height [m]"] * values["Electrode width [m]"] == (
            pytest.approx(area_m2, rel=1e-12))
        assert values["Separator thickness [m]"] == files["separator thickness [m]"]["value"]
        assert values["Ambient temperature [K]"] == files["temperature [K]"]["value"]
        salt = sets.material("kpf6_ec_dec")["values"]["salt concentration [mol.m-3]"]["value"]
        assert values["Initial concentration in electrolyte [mol.m-3]"] == salt


@pytest.mark.parametrize("cell_name", ["soft_carbon_half_cell", "k0p6coo2_half_cell",
                                       "full_cell"])
def test_pybamm_cut_offs_lie_outside_what_the_ocps_can_reach(sets, cell_name):
    uses = sets.cell(cell_name)["uses"]
    if "working" in uses:
        low, high = sets.ocp(uses["working"])[1].min(), sets.ocp(uses["working"])[1].max()
    else:
        anode, cathode = sets.ocp(uses["anode"])[1], sets.ocp(uses["cathode"])[1]
        low, high = cathode.min() - anode.max(), cathode.max() - anode.min()
    values = cell_parameters(cell_name).values
    assert values["Lower voltage cut-off [V]"] < low
    assert values["Upper voltage cut-off [V]"] > high


@pytest.mark.parametrize("mechanism", ["sei_site_blocking", "carbon_film_resistance",
                                       "k_metal_interphase"])
def test_sei_values_come_from_the_sei_file_then_the_carbon_then_the_mechanism(sets, mechanism):
    values = cell_parameters("soft_carbon_half_cell", mechanism).values
    sei = sets.material("kpf6_carbonate_sei")["values"]
    carbon = sets.material("soft_carbon_900C")["values"]
    declared = sets.mechanism(mechanism)
    own = {}
    for role_values in declared.get("values", {}).values():
        own.update({k: v["value"] for k, v in role_values.items()})
    own.update({k: v["value"] for k, v in sets.calibration("soft_carbon_half_cell")
                .get(mechanism, {}).get(mechanism, {}).items()})
    for key, entry in sei.items():
        expected = own.get(key, carbon[key]["value"] if key in carbon else entry["value"])
        assert values[key] == expected, key
    assert not any(key.startswith("SEI ") for key in cell_parameters("k0p6coo2_half_cell").values)


def test_citations_are_the_full_entries_of_every_component(sets):
    cell = sets.cell("full_cell")
    components = [cell] + [sets.material(name) for name in cell["uses"].values()]
    components.append(sets.mechanism(cell["degradation"]["mechanism"]))
    keys = {key for c in components for key in c["component"].get("citations", [])}
    bib = (sets.root / "citations.bib").read_text()
    citations = cell_parameters("full_cell").values["citations"]
    assert sorted(entry.split("{", 1)[1].split(",", 1)[0] for entry in citations) == sorted(keys)
    for entry in citations:
        assert entry.startswith("@") and entry in bib


def test_parameter_values_are_fresh_copies():
    cell = cell_parameters("soft_carbon_half_cell")
    first = cell.parameter_values()
    first["Current function [A]"] = 123.0
    assert cell.parameter_values()["Current function [A]"] != 123.0
    assert isinstance(first, pybamm.ParameterValues)


def test_overrides_replace_a_material_value_and_mark_it_fitted(faraday):
    base = cell_parameters("soft_carbon_half_cell").electrodes["working"]
    trial = build_cell_parameters("soft_carbon_half_cell",
                                  {"soft_carbon_900C": {CAPACITY_KEY: 300.0}})
    design = trial.electrodes["working"]
    assert design.max_concentration_mol_m3 == pytest.approx(
        300.0 * 3.6 * base.material.value("density [g.cm-3]") * 1e6 / faraday, rel=1e-9)
    assert design.material.quantities[CAPACITY_KEY].provenance == "fitted"
    assert design.active_mass_g == base.active_mass_g  # nothing else moved


def test_an_override_of_a_value_the_material_lacks_is_refused():
    with pytest.raises(ParameterSetError) as error:
        build_cell_parameters("soft_carbon_half_cell", {"soft_carbon_900C": {"colour": 1.0}})
    assert "colour" in str(error.value) and "density [g.cm-3]" in str(error.value)


def test_an_unknown_cell_lists_the_valid_ones():
    with pytest.raises(UnknownNameError) as error:
        cell_parameters("soft_carbon")
    assert all(name in str(error.value) for name in cell_names())


# --- malformed cells, on a private copy of the parameter sets --------------------------


@pytest.fixture
def sets_copy(tmp_path, monkeypatch):
    """A writable copy of parameter_sets that kion_sim reads instead of the real one."""
    copy = tmp_path / "parameter_sets"
    shutil.copytree(catalog.parameter_sets_dir(), copy)
    monkeypatch.setattr(catalog, "parameter_sets_dir", lambda: copy)
    catalog._components.cache_clear()
    catalog.bibtex_entries.cache_clear()
    yield copy
    catalog._components.cache_clear()
    catalog.bibtex_entries.cache_clear()


def _edit(path, old, new):
    """Replace ``old`` by ``new`` (each a text, or a list of texts edited in turn)."""
    text = path.read_text()
    pairs = zip(old, new, strict=True) if isinstance(old, list) else [(old, new)]
    for before, after in pairs:
        assert text.count(before) == 1, f"{before!r} is not unique in {path}"
        text = text.replace(before, after)
    path.write_text(text)


def test_the_copy_builds_like_the_original(sets_copy):
    built = build_cell_parameters("soft_carbon_half_cell")
    assert isinstance(built, CellParameters)
    assert built.electrodes["working"].material.path.is_relative_to(sets_copy)


@pytest.mark.parametrize("file, old, new, error_type, words", [
    # Each broken value keeps a range that holds it, so the cell check, not the range, speaks.
    ("cells/soft_carbon_half_cell.toml",
     ['\n"porosity" = { value = 0.35', '0.3-0.4", range = [0.28, 0.42]'],
     ['\n"porosity" = { value = 0.60', '0.3-0.4", range = [0.28, 0.7]'], ParameterSetError,
     ["porosity + active fraction > 1"]),
    ("cells/soft_carbon_half_cell.toml", '"initial stoichiometry"', '"initial sto"',
     ParameterSetError, ["'initial stoichiometry'"]),
    ("cells/soft_carbon_half_cell.toml", 'working = "soft_carbon_900C"',
     'working = "soft_carbon_901C"', UnknownNameError, ["soft_carbon_901C", "soft_carbon_900C"]),
    ("cells/soft_carbon_half_cell.toml", 'citations = ["Wang2017"]',
     'citations = ["Nobody1999"]', ParameterSetError, ["Nobody1999"]),
    ("cells/soft_carbon_half_cell.toml", 'kind = "half_cell"', 'kind = "quarter_cell"',
     ParameterSetError, ["quarter_cell", "half_cell"]),
    ("materials/soft_carbon_900C.toml", '"density [g.cm-3]"', '"dens [g.cm-3]"',
     ParameterSetError, ["'density [g.cm-3]'"]),
    ("cells/soft_carbon_half_cell.toml",
     ['"active mass loading [mg.cm-2]" = { value = 1.0,', 'range = [0.5, 2.0], range_source = "K'],
     ['"active mass loading [mg.cm-2]" = { value = 0.0,', 'range = [0.0, 2.0], range_source = "K'],
     ParameterSetError,
     ["loading", "must be positive"]),
    ("cells/soft_carbon_half_cell.toml",
     ['"electrode area [cm2]" = { value = 1.131,', 'range = [0.785, 1.539]'],
     ['"electrode area [cm2]" = { value = -1.131,', 'range = [-2.0, 1.539]'], ParameterSetError,
     ["area", "must be positive"]),
])
def test_a_broken_cell_is_refused_naming_what_is_wrong(sets_copy, file, old, new, error_type,
                                                       words):
    _edit(sets_copy / file, old, new)
    catalog._components.cache_clear()
    with pytest.raises(error_type) as error:
        build_cell_parameters("soft_carbon_half_cell")
    for word in words:
        assert word in str(error.value)


def test_the_cell_voltage_window_of_a_full_cell_spans_both_ocps(sets):
    designs = cell_parameters("full_cell").electrodes
    anode, cathode = sets.ocp("soft_carbon_900C")[1], sets.ocp("k0p6coo2")[1]
    assert assemble.voltage_window_V(designs) == pytest.approx(
        (cathode.min() - anode.max(), cathode.max() - anode.min()), abs=1e-12)


# Issue 19 review: the solvent-diffusion law read 2636 mol/m3 of EC while the electrolyte file
# says 7500; and its diffusivity's source claimed a growth the law does not give.
EC_DENSITY_KG_M3, EC_MOLAR_MASS_KG_MOL = 1320.0, 88.06e-3  # ethylene carbonate (CRC Handbook)


@pytest.mark.parametrize("mechanism", ["side_reaction_in_time", "k_metal_interphase"])
def test_both_sei_laws_read_the_electrolytes_one_ec_concentration(mechanism):
    values = cell_parameters("soft_carbon_half_cell", mechanism).values
    ec_in_one_to_one_ec_dec = 0.5 * EC_DENSITY_KG_M3 / EC_MOLAR_MASS_KG_MOL  # 1:1 by volume
    assert values["Bulk solvent concentration [mol.m-3]"] == pytest.approx(
        ec_in_one_to_one_ec_dec, rel=0.01)
    assert (values["Bulk solvent concentration [mol.m-3]"]
            == values["EC initial concentration in electrolyte [mol.m-3]"])


def test_the_time_law_grows_the_film_its_source_says():
    """Ploehn2004 as PyBaMM writes it (j = -D c F / L, L = c_SEI V / a): L dL/dt = V D c / z,
    so L^2 = L0^2 + 2 V D c t / z. The source says ~16 nm after the 624 h of 100 cycles at
    100 mA/g (312 mAh/g each way: 6.24 h a cycle), inside the tens of nm of K SEIs."""
    values = cell_parameters("soft_carbon_half_cell", "side_reaction_in_time").values
    hours = 100 * 2 * 312 / 100
    squared = (values["Initial SEI thickness [m]"] ** 2
               + 2 * values["SEI partial molar volume [m3.mol-1]"]
               * values["SEI solvent diffusivity [m2.s-1]"]
               * values["Bulk solvent concentration [mol.m-3]"] * hours * 3600
               / values["Ratio of lithium moles to SEI moles"])
    assert np.sqrt(squared) * 1e9 == pytest.approx(16.0, abs=0.5)


def test_the_k_metal_exchange_current_is_what_its_symmetric_cell_reading_gives(faraday):
    """~0.1 V at 0.5 mA/cm2 in a symmetric K|K cell, linearised Butler-Volmer per electrode
    (eta = R T i / (F j0)): 2.6 A/m2 if each electrode takes half, 1.3 A/m2 if one takes all."""

    thermal_V = 8.314462618 * 298.15 / faraday
    current_A_m2, polarisation_V = 5.0, 0.1
    split = [thermal_V * current_A_m2 / eta for eta in (polarisation_V / 2, polarisation_V)]
    quantity = load_material("potassium_metal").quantities["exchange-current density [A.m-2]"]
    low, high = quantity.range
    assert low <= min(split) and max(split) <= high
    assert min(split) <= quantity.value <= max(split)
