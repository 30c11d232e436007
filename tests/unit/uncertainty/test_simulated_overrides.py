"""How one sample becomes the overrides of each cell (no solve)."""

from kion_sim.uncertainty.simulated import FULL_CELL, HALF_CELL, _overrides

DESCRIBED = [
    ["kpf6_ec_dec: cation transference number", "kpf6_ec_dec", "cation transference number",
     "", "estimate", 0.35],
    [f"{HALF_CELL}.working: porosity", HALF_CELL, "porosity", "working", "estimate", 0.35],
    [f"{HALF_CELL}: temperature [K]", HALF_CELL, "temperature [K]", "", "estimate", 298.15],
    [f"{FULL_CELL}.anode: porosity", FULL_CELL, "porosity", "anode", "estimate", 0.35],
    ["m: k", "m", "k", "", "fitted", 2.0],
]
POINT = {DESCRIBED[0][0]: 0.3, DESCRIBED[1][0]: 0.4, DESCRIBED[2][0]: 300.0,
         DESCRIBED[3][0]: 0.3, "m: k": 3.0}


def test_a_sample_goes_to_the_cell_it_belongs_to_and_shared_materials_to_both():
    materials, electrodes = _overrides(POINT, DESCRIBED, HALF_CELL, {})
    assert materials == {"kpf6_ec_dec": {"cation transference number": 0.3},
                         HALF_CELL: {"temperature [K]": 300.0}, "m": {"k": 3.0}}
    assert electrodes == {"working": {"porosity": 0.4}}
    materials, electrodes = _overrides(POINT, DESCRIBED, FULL_CELL, {})
    assert materials == {"kpf6_ec_dec": {"cation transference number": 0.3}, "m": {"k": 3.0}}
    assert electrodes == {"anode": {"porosity": 0.3}}


def test_a_recalibrated_value_keeps_the_sampled_deviation_about_the_refit():
    materials, _ = _overrides(POINT, DESCRIBED, HALF_CELL, {("m", "k"): 5.0})
    assert materials["m"]["k"] == 5.0 * 3.0 / 2.0
