"""Electrode limits and their crossings, on tables whose answer is known by inspection."""

import math

import pandas as pd
import pytest

from kion_sim.analysis.windows import (
    describe_crossing,
    electrode_limits,
    limit_crossings,
    trap_release_onset_V,
)
from kion_sim.parameters import cell_parameters


def _material(sets, role):
    return sets.material(sets.electrode("full_cell", role)["material"])["values"]


def test_limits_are_the_material_files_and_the_trap_release_branch(sets):
    cell = cell_parameters("full_cell")
    limits = electrode_limits(cell).set_index(["electrode", "name"])["limit_V"]
    for role in ("anode", "cathode"):
        for side in ("lower", "upper"):
            assert limits[(role, f"{side} limit")] == _material(sets, role)[
                f"{side} potential limit [V]"]["value"]
    carbon = _material(sets, "anode")
    # one MSMR site population at 99 % filling: U0 - spread ln(0.99 / 0.01)
    expected = (carbon["trap release potential [V]"]["value"]
                - carbon["trap site spread [V]"]["value"] * math.log(99))
    assert trap_release_onset_V(cell) == pytest.approx(expected)
    assert limits[("anode", "trap release branch (99 % filled)")] == pytest.approx(expected)
    # the window top stays below the branch (the model's premise: trapped K stays trapped)
    assert limits[("anode", "upper limit")] < expected


def test_crossings_name_the_limit_the_first_and_worst_cycle():
    cell = cell_parameters("full_cell")
    extremes = pd.DataFrame({"cycle": [1, 2, 3], "anode_min_V": [0.2, -0.01, 0.1],
                             "anode_max_V": [1.2, 1.4, 1.49],
                             "cathode_min_V": [2.5, 2.6, 2.7],
                             "cathode_max_V": [3.95, 4.1, 3.9005]})
    found = {c["limit"]: c for c in limit_crossings(extremes, cell)}
    assert set(found) == {"lower limit 0 V", "upper limit 3.9 V"}
    plating = found["lower limit 0 V"]
    assert (plating["first_cycle"], plating["cycles_crossed"], plating["worst_cycle"]) == (2, 1, 2)
    oxidation = found["upper limit 3.9 V"]  # 3.9005 V is on the limit (a guard stops there)
    assert (oxidation["first_cycle"], oxidation["cycles_crossed"]) == (1, 2)
    assert oxidation["worst_potential_V"] == pytest.approx(4.1)
    assert "cycle 2" in describe_crossing(oxidation) and "cathode" in describe_crossing(oxidation)
