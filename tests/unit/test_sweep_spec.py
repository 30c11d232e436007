"""Sweep specifications: grids, samples, files, and bad input."""

import pytest

from kion_sim.errors import InvalidInputError, UnknownNameError
from kion_sim.sweeps import SweepSpec, grid, latin_hypercube, load_sweep


def test_grid_is_every_combination():
    points = grid(a=[1, 2], b=[10, 20, 30])
    assert len(points) == 6 and {"a": 2, "b": 30} in points


def test_latin_hypercube_puts_one_point_in_every_stratum():
    points = latin_hypercube(8, seed=1, x=(0.0, 8.0))
    strata = sorted(int(p["x"]) for p in points)
    assert strata == list(range(8))


def test_log_sampling_stays_inside_the_range():
    values = [p["r"] for p in latin_hypercube(20, log=True, r=(1e5, 1e7))]
    assert all(1e5 <= v <= 1e7 for v in values)


def test_a_sweep_file_is_read(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('cell = "soft_carbon_half_cell"\ncycles = 4\n[grid]\n'
                    '"SEI resistivity [Ohm.m]" = [1e5, 1e6]\ncurrent_density_mA_g = [100]\n')
    spec = load_sweep(path)
    assert spec.cycles == 4 and len(spec.points) == 2 and spec.name == "s"
    assert spec.swept == ("SEI resistivity [Ohm.m]", "current_density_mA_g")


@pytest.mark.parametrize("body, error", [
    ('cell = "soft_carbon_half_cell"\n', InvalidInputError),  # neither grid nor sample
    ('cell = "soft_carbon_half_cell"\n[grid]\n"Not a key [m]" = [1.0]\n', UnknownNameError),
    ('cell = "nope"\n[grid]\ncycles = [2]\n', UnknownNameError),
    ('cell = "soft_carbon_half_cell"\nmodel = "P2D"\n[grid]\ncycles = [2]\n', UnknownNameError),
    ('cell = "soft_carbon_half_cell"\n[grid]\ncycles = []\n', InvalidInputError),
])
def test_bad_sweep_files_are_refused(tmp_path, body, error):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(error):
        load_sweep(path)


def test_unknown_outputs_are_refused():
    with pytest.raises(UnknownNameError, match="capacity_mAh_g"):
        SweepSpec("soft_carbon_half_cell", ({"cycles": 2},), outputs=("happiness",),
                  swept=("cycles",))
