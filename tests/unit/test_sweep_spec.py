"""Sweep specifications: grids, samples, files, and bad input."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kion_sim.errors import InvalidInputError, KionSimError, UnknownNameError
from kion_sim.sweeps import SweepSpec, grid, latin_hypercube, load_sweep, run_sweep


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


# Issue 10: an unknown key was a TypeError, n = "four" a ValueError, --workers -1 a ValueError
# and an unreachable Dask scheduler an OSError.
@pytest.mark.parametrize("body, words", [
    ('cell = "soft_carbon_half_cell"\ncycels = 3\n[grid]\ncycles = [2]\n',
     ["unknown sweep file key 'cycels'", "cycles"]),
    ('cell = "soft_carbon_half_cell"\n[sample]\nn = "four"\nranges = {cycles = [2, 4]}\n',
     ["n must be a whole number", "'four'"]),
    ('cell = "soft_carbon_half_cell"\n[sample]\nn = 4\nsize = 2\nranges = {cycles = [2, 4]}\n',
     ["unknown [sample] key 'size'"]),
    ('cell = "soft_carbon_half_cell"\n[sample]\nn = 4\nranges = {cycles = [4, 2]}\n',
     ["low < high"]),
    ('cell = "soft_carbon_half_cell"\n[sample]\nn = 4\nlog = true\n'
     'ranges = {"SEI resistivity [Ohm.m]" = [0, 1e6]}\n', ["positive range"]),
    ('cell = "soft_carbon_half_cell"\ncycles = 2.5\n[grid]\ncycles = [2]\n',
     ["cycles must be a whole number"]),
    ('cell = "soft_carbon_half_cell"\ncurrent_density_mA_g = nan\n[grid]\ncycles = [2]\n',
     ["current_density_mA_g must be a number"]),
    ('cell = "soft_carbon_half_cell"\n[grid]\ncurrent_density_mA_g = [100, inf]\n',
     ["inf", "finite number"]),
    ('cell = "soft_carbon_half_cell"\n[grid]\ncycles = [0]\n', ["cycles must be a whole"]),
    ('cell = "soft_carbon_half_cell"\n[grid]\n"SEI resistivity [Ohm.m]" = ["high"]\n',
     ["'high'", "finite number"]),
    ('cell = 3\n[grid]\ncycles = [2]\n', ["cell must be a cell name"]),
    ('cell = "soft_carbon_half_cell"\ngrid = 3\n', ["[grid] must be a table"]),
    ("cell = \"soft_carbon_half_cell\"\n[grid]\na = [1, 2]\nb = [1, 2]\n"
     + "".join(f"k{i} = [{', '.join(['1'] * 10)}]\n" for i in range(5)), ["100000"]),
])
def test_malformed_sweep_files_name_the_bad_value(tmp_path, body, words):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(KionSimError) as error:
        load_sweep(path)
    for word in words:
        assert word in str(error.value)


@pytest.mark.parametrize("workers", [-1, 0, 1.5, True, "2"])
def test_workers_must_be_a_whole_number_of_at_least_one(workers):
    spec = SweepSpec("soft_carbon_half_cell", ({"cycles": 2},), swept=("cycles",))
    with pytest.raises(InvalidInputError, match="workers"):
        run_sweep(spec, workers=workers, show_progress=False)


@pytest.mark.parametrize("address, words", [
    ("tcp://127.0.0.1:1", ["cannot reach the Dask scheduler", "tcp://127.0.0.1:1"]),
    ("nonsense", ["not valid", "tcp://host:8786"]),
    ("http://example:8786", ["not valid", "scheme"]),
])
def test_an_unusable_dask_scheduler_is_refused_before_anything_is_written(tmp_path, address,
                                                                          words):
    spec = SweepSpec("soft_carbon_half_cell", ({"cycles": 2},), swept=("cycles",))
    checkpoint = tmp_path / "sweep.checkpoint.jsonl"
    with pytest.raises(InvalidInputError) as error:
        run_sweep(spec, executor="dask", scheduler=address, checkpoint=checkpoint,
                  show_progress=False)
    for word in words:
        assert word in str(error.value)
    assert not checkpoint.exists()


def test_the_checkpoint_fingerprint_changes_when_the_parameter_set_does(tmp_path, monkeypatch):
    """A checkpoint made before a recalibration is never reused."""
    import shutil

    from kion_sim.parameters.catalog import (
        PARAMETER_SETS_ENV,
        clear_caches,
        load_material,
        parameter_sets_dir,
    )
    from kion_sim.sweeps.checkpoint import fingerprint

    spec = SweepSpec("soft_carbon_half_cell", ({"cycles": 2},), swept=("cycles",))
    copy = tmp_path / "sets"
    shutil.copytree(parameter_sets_dir(), copy)
    monkeypatch.setenv(PARAMETER_SETS_ENV, str(copy))
    clear_caches()
    try:
        before = fingerprint(spec)
        assert fingerprint(spec) == before  # stable while nothing changes
        material = load_material("soft_carbon_900C").path
        material.write_text(material.read_text().replace("value = 2.0,", "value = 2.01,", 1))
        assert fingerprint(spec) != before
    finally:
        monkeypatch.delenv(PARAMETER_SETS_ENV)
        clear_caches()


_TOML_VALUES = st.one_of(
    st.integers(-5, 10**6), st.floats(), st.booleans(), st.text(max_size=8),
    st.lists(st.one_of(st.integers(-3, 50), st.floats(), st.text(max_size=3)), max_size=3))
_KEYS = st.sampled_from(["cell", "model", "cycles", "current_density_mA_g", "outputs", "lower_V",
                         "upper_V", "exact", "name", "points", "bogus"])


def _toml_value(value) -> str:
    import json
    import math

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") \
            if math.isinf(value) else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(settings_=st.dictionaries(_KEYS, _TOML_VALUES, max_size=4),
       section=st.sampled_from(["grid", "sample", "both", "none"]),
       body=st.dictionaries(st.sampled_from(["cycles", "current_density_mA_g", "n", "seed",
                                             "log", "SEI resistivity [Ohm.m]", "zzz"]),
                            _TOML_VALUES, max_size=3),
       cell=st.sampled_from(['"soft_carbon_half_cell"', '"nope"', "3"]))
def test_any_sweep_file_reads_to_a_valid_spec_or_raises_our_error(tmp_path_factory, settings_,
                                                                   section, body, cell):
    lines = [f"cell = {cell}"] + [f'"{k}" = {_toml_value(v)}' for k, v in settings_.items()
                                  if k != "cell"]
    tables = {"grid": ["grid"], "sample": ["sample"], "both": ["grid", "sample"],
              "none": []}[section]
    for table in tables:
        lines.append(f"[{table}]")
        lines += [f'"{k}" = {_toml_value(v)}' for k, v in body.items()]
    path = tmp_path_factory.mktemp("sweep") / "s.toml"
    path.write_text("\n".join(lines) + "\n")
    try:
        spec = load_sweep(path)
    except KionSimError:
        return
    assert spec.points and all(isinstance(p, dict) for p in spec.points)
    assert spec.cycles >= 1 and spec.current_density_mA_g > 0
    for point in spec.points:
        for value in point.values():
            assert isinstance(value, int | float) and value == value  # finite numbers only
