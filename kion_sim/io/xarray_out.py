"""Results as ``xarray.Dataset``: sweeps over their swept parameters, fade runs over cycles.

Every variable and coordinate carries ``units`` (UDUNITS-style text) and ``long_name``; the
dataset carries its provenance (kion_sim and PyBaMM versions, cell, model, protocol, time).
netCDF names cannot safely hold PyBaMM keys such as ``"SEI resistivity [Ohm.m]"``, so a swept
key becomes ``SEI_resistivity`` with the key kept in its ``pybamm_key`` attribute.
netCDF files are written as netCDF3 by scipy, which kion_sim already needs: no HDF5 library.
"""

from __future__ import annotations

import datetime
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from kion_sim.analysis.cycles import capacity_retention
from kion_sim.errors import InvalidInputError

# kion_sim's own column names -> (units, long name).
UNITS = {
    "capacity_mAh_g": ("mAh/g", "specific capacity of the 2nd cycle"),
    "retention_pct": ("%", "capacity of the last cycle as % of the 2nd cycle's"),
    "energy_mWh_g": ("mWh/g", "specific energy of the 2nd cycle"),
    "average_voltage_V": ("V", "average voltage of the 2nd cycle"),
    "first_cycle_efficiency_pct": ("%", "coulombic efficiency of the 1st cycle"),
    "current_density_mA_g": ("mA/g", "specific current"),
    "cycles": ("1", "number of cycles"),
    "cycle": ("1", "cycle number"),
    "discharge_capacity_mAh_g": ("mAh/g", "discharge capacity"),
    "charge_capacity_mAh_g": ("mAh/g", "charge capacity"),
    "discharge_energy_mWh_g": ("mWh/g", "discharge energy"),
    "charge_energy_mWh_g": ("mWh/g", "charge energy"),
    "coulombic_efficiency_pct": ("%", "coulombic efficiency"),
    "capacity_retention_pct": ("%", "charge capacity as % of the 2nd cycle's"),
    "index": ("1", "point number in the sweep file"),
    "error": ("1", "why the point failed (empty if it ran)"),
}
_PYBAMM_KEY = re.compile(r"^(?P<name>.*?)\s*\[(?P<units>[^\]]+)\]$")


def variable_name(key: str) -> tuple[str, str, str]:
    """(netCDF-safe name, units, long name) of a column or a PyBaMM key.

    Examples
    --------
    >>> variable_name("SEI resistivity [Ohm.m]")
    ('SEI_resistivity', 'Ohm.m', 'SEI resistivity')
    """
    if key in UNITS:
        return key, *UNITS[key]
    match = _PYBAMM_KEY.match(key)
    name, units = (match["name"], match["units"]) if match else (key, "1")
    return re.sub(r"\W+", "_", name).strip("_"), units, name


def provenance(**settings) -> dict:
    """Dataset attributes saying what made it; ``None`` and booleans become text for netCDF."""
    import pybamm

    from kion_sim import __version__

    attrs = {"source": f"kion_sim {__version__} on PyBaMM {pybamm.__version__}",
             "created_utc": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
             "Conventions": "CF-1.8 (units as text)"}
    for key, value in settings.items():
        attrs[key] = "default" if value is None else (str(value) if isinstance(value, bool)
                                                      else value)
    return attrs


def _label(dataset: xr.Dataset, renames: dict[str, str]) -> xr.Dataset:
    for key, name in renames.items():
        _, units, long_name = variable_name(key)
        dataset[name].attrs.update(units=units, long_name=long_name)
        if name != key:
            dataset[name].attrs["pybamm_key"] = key
    return dataset


def sweep_dataset(table: pd.DataFrame, spec) -> xr.Dataset:
    """A sweep's table as a dataset over its swept parameters.

    A full grid becomes one dimension per swept parameter; a sample (Latin hypercube) keeps
    one ``point`` dimension with the swept values as coordinates along it.

    Examples
    --------
    >>> from kion_sim.sweeps import SweepSpec, grid
    >>> spec = SweepSpec("soft_carbon_half_cell", grid(current_density_mA_g=[100, 500]),
    ...                  swept=("current_density_mA_g",))
    >>> table = pd.DataFrame({"index": [0, 1], "current_density_mA_g": [100, 500],
    ...                       "capacity_mAh_g": [300.0, 200.0], "error": [None, None]})
    >>> sweep_dataset(table, spec)["capacity_mAh_g"].attrs["units"]
    'mAh/g'
    """
    swept = list(spec.swept)
    missing = set(swept) - set(table.columns)
    if missing:
        raise InvalidInputError(f"the sweep table lacks its swept columns {sorted(missing)}")
    table = table.copy()
    table["error"] = table["error"].fillna("").astype(str) if "error" in table else ""
    renames = {key: variable_name(key)[0] for key in table.columns}
    table = table.rename(columns=renames)
    dims = [renames[key] for key in swept]
    combos = len(table.drop_duplicates(dims)) if dims else 0
    is_grid = bool(dims) and combos == len(table) == math.prod(table[d].nunique() for d in dims)
    if is_grid:
        dataset = table.set_index(dims).to_xarray()
    else:
        dataset = table.rename_axis("point").to_xarray().set_coords(dims)
        dataset["point"].attrs.update(units="1", long_name="sample point")
    dataset = _label(dataset, renames)
    dataset.attrs.update(provenance(
        kind="sweep", sweep=spec.name, cell=spec.cell, model=spec.model, cycles=spec.cycles,
        current_density_mA_g=spec.current_density_mA_g, lower_cut_off_V=spec.lower_V,
        upper_cut_off_V=spec.upper_V, exact=spec.exact, layout="grid" if is_grid else "sample"))
    return dataset


def fade_dataset(summary: pd.DataFrame, **settings) -> xr.Dataset:
    """A per-cycle summary (``cycle_summary`` or ``FadeRun.summary``) over dimension ``cycle``.

    ``settings`` (cell, model, current, method, ...) become provenance attributes.

    Examples
    --------
    >>> summary = pd.DataFrame({"cycle": [1, 2, 3], "charge_capacity_mAh_g": [300., 290., 280.]})
    >>> data = fade_dataset(summary, cell="soft_carbon_half_cell")
    >>> float(data["capacity_retention_pct"].sel(cycle=3).round(2))
    96.55
    """
    if "cycle" not in summary:
        raise InvalidInputError(f"a fade summary needs a 'cycle' column; it has "
                                f"{list(summary.columns)}")
    table = summary.copy()
    if "charge_capacity_mAh_g" in table and (table["cycle"] == 2).any():
        table["capacity_retention_pct"] = capacity_retention(table).to_numpy()
    dataset = table.set_index("cycle").to_xarray()
    dataset = _label(dataset, {key: key for key in table.columns})
    dataset.attrs.update(provenance(kind="fade run", **settings))
    return dataset


def write_netcdf(dataset: xr.Dataset, path: str | Path) -> Path:
    """Write ``dataset`` to netCDF (version 3, by scipy) whole or not at all."""
    from kion_sim.output import staged_files

    path = Path(path)
    with staged_files(path.parent) as files:
        return files.file(path.name, netcdf_writer(dataset))


def netcdf_writer(dataset: xr.Dataset):
    """A function that writes ``dataset`` as netCDF 3 to a path (for staged outputs)."""
    encoded = dataset.copy()
    for name, variable in encoded.variables.items():
        if variable.dtype == np.int64:  # netCDF3 has no 64-bit integers
            encoded[name] = variable.astype(np.int32)
    return lambda path: encoded.to_netcdf(path, engine="scipy")
