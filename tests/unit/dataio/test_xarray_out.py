"""Sweeps and fade runs as xarray datasets: the right dimensions, units everywhere, netCDF."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from kion_sim.errors import InvalidInputError
from kion_sim.io.xarray_out import fade_dataset, sweep_dataset, variable_name, write_netcdf
from kion_sim.sweeps import SweepSpec, grid, latin_hypercube

SEI = "SEI resistivity [Ohm.m]"


def _table(spec):
    # Outputs made up from the point values, so each cell's place in the grid can be checked.
    rows = []
    for index, point in enumerate(spec.points):
        current = point.get("current_density_mA_g", 100.0)
        rows.append({"index": index, **point, "capacity_mAh_g": 1000.0 / current + point[SEI],
                     "retention_pct": 90.0, "error": "SolverError: x" if index == 1 else None})
    return pd.DataFrame(rows)


def _grid_spec():
    points = grid(**{SEI: [1e5, 1e6], "current_density_mA_g": [100, 200, 500]})
    return SweepSpec("soft_carbon_half_cell", points, swept=(SEI, "current_density_mA_g"),
                     name="grid_sweep")


def test_a_grid_becomes_one_dimension_per_swept_parameter_with_values_in_place():
    data = sweep_dataset(_table(_grid_spec()), _grid_spec())
    assert dict(data.sizes) == {"SEI_resistivity": 2, "current_density_mA_g": 3}
    value = data["capacity_mAh_g"].sel(SEI_resistivity=1e6, current_density_mA_g=500)
    assert float(value) == pytest.approx(1000.0 / 500 + 1e6)
    assert data["SEI_resistivity"].attrs["pybamm_key"] == SEI
    assert data.attrs["layout"] == "grid" and data.attrs["cell"] == "soft_carbon_half_cell"


def test_a_sample_keeps_one_point_dimension_with_the_swept_values_as_coordinates():
    points = latin_hypercube(5, **{SEI: (1e5, 1e6), "current_density_mA_g": (100, 500)})
    spec = SweepSpec("soft_carbon_half_cell", points, swept=(SEI, "current_density_mA_g"))
    data = sweep_dataset(_table(spec), spec)
    assert dict(data.sizes) == {"point": 5}
    assert set(data.coords) >= {"SEI_resistivity", "current_density_mA_g"}
    assert data.attrs["layout"] == "sample"


def test_every_variable_and_coordinate_has_units_after_a_netcdf_round_trip(tmp_path):
    spec = _grid_spec()
    path = write_netcdf(sweep_dataset(_table(spec), spec), tmp_path / "out" / "sweep.nc")
    with xr.open_dataset(path) as data:
        for name in [*data.data_vars, *data.coords]:
            assert data[name].attrs.get("units"), name
        assert data["capacity_mAh_g"].attrs["units"] == "mAh/g"
        assert data["SEI_resistivity"].attrs["units"] == "Ohm.m"
        failed = data["error"].sel(SEI_resistivity=1e5, current_density_mA_g=200)
        assert str(failed.values) == "SolverError: x"
        assert "kion_sim" in data.attrs["source"] and "PyBaMM" in data.attrs["source"]
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["sweep.nc"]  # no temporary left


def test_a_fade_run_is_indexed_by_cycle_with_retention_against_cycle_two():
    summary = pd.DataFrame({"cycle": [1, 2, 3, 4],
                            "charge_capacity_mAh_g": [310.0, 300.0, 297.0, 291.0]})
    data = fade_dataset(summary, cell="soft_carbon_half_cell", model="SPM", method="exact")
    # 291 / 300 = 97 %; computed by hand from the numbers above.
    assert float(data["capacity_retention_pct"].sel(cycle=4)) == pytest.approx(97.0)
    assert data["cycle"].attrs["units"] == "1" and data.attrs["method"] == "exact"
    np.testing.assert_array_equal(data["cycle"].values, [1, 2, 3, 4])


def test_names_and_units_come_from_pybamm_keys_and_kion_sim_columns():
    assert variable_name("Ambient temperature [K]") == ("Ambient_temperature", "K",
                                                        "Ambient temperature")
    assert variable_name("retention_pct")[1] == "%"


def test_missing_columns_are_named():
    with pytest.raises(InvalidInputError, match="lacks its swept columns"):
        sweep_dataset(pd.DataFrame({"index": [0], "error": [None]}), _grid_spec())
    with pytest.raises(InvalidInputError, match="needs a 'cycle' column"):
        fade_dataset(pd.DataFrame({"capacity": [1.0]}))
