"""``kion-sim sweep --format netcdf``: the sweep opens in xarray with units on every variable."""

import pandas as pd
import xarray as xr

from kion_sim.cli import main

SWEEP = """
cell = "soft_carbon_half_cell"
model = "SPM"
cycles = 2
current_density_mA_g = 100
outputs = ["capacity_mAh_g", "retention_pct"]
[grid]
current_density_mA_g = [100, 1000]
"""


def test_a_sweep_written_as_netcdf_and_csv_holds_the_same_numbers_with_units(tmp_path):
    (tmp_path / "rates.toml").write_text(SWEEP)
    argv = ["sweep", str(tmp_path / "rates.toml"), "--workers", "1", "--format", "both",
            "--out", str(tmp_path / "out")]
    assert main(argv) == 0
    table = pd.read_csv(tmp_path / "out" / "rates.csv").set_index("current_density_mA_g")
    with xr.open_dataset(tmp_path / "out" / "rates.nc") as data:
        assert dict(data.sizes) == {"current_density_mA_g": 2}
        for name in [*data.data_vars, *data.coords]:
            assert data[name].attrs.get("units"), f"{name} has no units"
        for current in (100, 1000):
            assert float(data["capacity_mAh_g"].sel(current_density_mA_g=current)) == (
                table.loc[current, "capacity_mAh_g"])
        # Physics, not bookkeeping: ten times the current gives less capacity.
        capacity = data["capacity_mAh_g"]
        assert float(capacity.sel(current_density_mA_g=1000)) < float(
            capacity.sel(current_density_mA_g=100))
