"""Degradation states read from a solution, against geometry computed by hand (issue 19).

PyBaMM's SEI thickness is c_SEI V_SEI / a over the surface area left after sites are lost; the
film's volume per electrode volume is c_SEI V_SEI. These fakes hold what PyBaMM would, built
from a chosen geometry, so the references below are independent of kion_sim's code.
"""

from types import SimpleNamespace

import numpy as np
import pytest

from kion_sim.simulation.states import degradation_states

RADIUS_M, FRACTION0, POROSITY0 = 6e-7, 0.45, 0.35
MOLAR_VOLUME, L0_M = 1.1e-4, 1e-9
FRACTION_END = 0.82 * FRACTION0  # 18 % of the sites blocked
THICKNESS_END_M = np.array([30e-9, 34e-9, 40e-9])  # three DFN nodes, thickest by the separator


class _FakeSolution:
    def __init__(self, variables: dict[str, np.ndarray]):
        self._variables = variables
        self.all_models = [SimpleNamespace(variables=variables)]

    def __getitem__(self, name):
        return SimpleNamespace(entries=self._variables[name])


def _cell():
    values = {"Positive electrode porosity": POROSITY0,
              "Positive electrode active material volume fraction": FRACTION0,
              "Positive particle radius [m]": RADIUS_M,
              "SEI partial molar volume [m3.mol-1]": MOLAR_VOLUME,
              "Initial SEI thickness [m]": L0_M}
    return SimpleNamespace(carbon=SimpleNamespace(slot="Positive"), values=values,
                           is_half_cell=True)


def _solution():
    area_end = 3 * FRACTION_END / RADIUS_M  # what is left of the sphere-equivalent surface
    concentration_end = THICKNESS_END_M * area_end / MOLAR_VOLUME  # mol SEI per m3 electrode
    start = L0_M * 3 * FRACTION0 / RADIUS_M / MOLAR_VOLUME
    two_times = lambda end, first: np.column_stack([np.full_like(end, first), end])  # noqa: E731
    return _FakeSolution({
        "Positive primary SEI thickness [m]": two_times(THICKNESS_END_M, L0_M),
        "X-averaged positive primary SEI concentration [mol.m-3]":
            np.array([start, concentration_end.mean()]),
        "X-averaged positive electrode primary active material volume fraction":
            np.array([FRACTION0, FRACTION_END]),
        "Positive electrode porosity": two_times(np.array([0.30, 0.31, 0.32]), POROSITY0),
        "X-averaged negative SEI thickness [m]": np.array([0.0, 0.0]),
    })


def test_the_film_volume_is_what_the_sei_holds_not_thickness_times_the_first_area():
    states = degradation_states(_solution(), _cell())
    # By hand: volume per electrode volume = mean(L a_end) - L0 a0, a = 3 eps / R.
    grown = (np.mean(THICKNESS_END_M) * 3 * FRACTION_END / RADIUS_M
             - L0_M * 3 * FRACTION0 / RADIUS_M)
    assert states["SEI_volume_over_pore_volume"] == pytest.approx(grown / POROSITY0, rel=1e-9)
    # the old reading, thickness (over the area left) times the first area, overstates it
    # by a0 / a_end = 1 / 0.82
    old = 3 * FRACTION0 / RADIUS_M * (np.mean(THICKNESS_END_M) - L0_M) / POROSITY0
    assert old > 1.2 * states["SEI_volume_over_pore_volume"]


def test_the_reported_thickness_is_the_largest_in_the_electrode_and_porosity_the_smallest():
    states = degradation_states(_solution(), _cell())
    assert states["carbon_SEI_thickness_nm"] == pytest.approx(40.0)
    assert states["carbon_porosity_min"] == pytest.approx(0.30)
    assert states["carbon_active_material_left_pct"] == pytest.approx(82.0)
    assert states["metal_SEI_thickness_nm"] == 0.0
