"""Measured cycling data in: cycler files -> kion_sim's step, cycle and curve tables in mAh/g.

Formats: BioLogic EC-Lab (.mpr binary, .mpt text), Neware BTS (.nda, .ndax), Arbin MITS Pro
CSV exports, and plain CSV with unit-named columns (``time_s``, ``voltage_V``, ``current_mA``).

Why these readers. navani (MIT) wraps exactly the back ends used here, but pins numpy<2 and
pandas<3, which cannot be installed beside PyBaMM 26.10's numpy 2 / pandas 3. cellpy (MIT)
brings ~30 dependencies (SQL drivers, Jupyter, polars, pyarrow, ...) and also pins pandas<3.
So kion_sim calls navani's two back ends directly: galvani (the maintained datalab-org fork,
numpy only) for BioLogic .mpr/.mpt, and NewareNDA (BSD-3, pandas + xmltodict) for Neware. Both
are optional (``pip install 'kion_sim[cycler]'``): galvani is GPL-3.0-or-later, so kion_sim
(BSD-3) only imports it when a BioLogic file is read and never ships it. Arbin's own .res
files are MS Access databases that need the mdbtools binary; read their CSV export instead.

Steps and cycles are found from the current itself, not from each cycler's own counters (they
disagree on when a cycle begins): a step is a run of points with one current sign, a cycle
starts at each step of the same direction as the first one, as kion_sim's simulations count.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kion_sim.analysis.cycles import cycle_summary, voltage_curves
from kion_sim.errors import DataFileError, require_positive
from kion_sim.io.cycler_formats import READERS, SUFFIXES

FORMATS = tuple(READERS)
# No K-ion electrode stores more than ~2000 mAh/g (K metal itself: 685 mAh/g); a larger or
# tiny value means the active mass or the current unit is wrong.
PLAUSIBLE_CAPACITY_mAh_g = (1.0, 2000.0)
_REST_FRACTION = 0.01  # |I| below 1 % of the typical current counts as rest


@dataclass
class CyclerData:
    """A measured run in kion_sim's tables (the same columns a simulation gives).

    ``timeseries``: cycle, step, step_kind, time_s, voltage_V, current_mA_g,
    step_capacity_mAh_g. ``steps``: cycle, step, kind, capacity_mAh_g, energy_mWh_g,
    duration_s, current_density_mA_g, end_voltage_V.
    """

    source: str
    file_format: str
    active_mass_g: float
    timeseries: pd.DataFrame
    steps: pd.DataFrame

    @property
    def summary(self) -> pd.DataFrame:
        """Per-cycle capacities [mAh/g] and coulombic efficiency (see ``cycle_summary``)."""
        return cycle_summary(self.steps)

    @property
    def curves(self) -> pd.DataFrame:
        """Voltage vs specific capacity of every current step."""
        return voltage_curves(self.timeseries)

    @property
    def first_step(self) -> str:
        return str(self.steps["kind"].iloc[0])

    def current_density_mA_g(self, cycle: int = 2) -> float:
        """Mean specific current of a cycle's current steps [mA/g]."""
        rows = self.steps[self.steps["cycle"] == cycle]
        if rows.empty:
            raise DataFileError(f"{self.source} has no cycle {cycle}; it holds cycles "
                                f"1-{int(self.steps['cycle'].max())}")
        return float(rows["current_density_mA_g"].mean())


def read_cycler(path: str | Path, mass_mg: float, file_format: str | None = None) -> CyclerData:
    """Read a cycler file and express it per gram of active material.

    Parameters
    ----------
    path
        The file (.mpr, .mpt, .nda, .ndax, .csv).
    mass_mg
        Active mass of the working electrode [mg] (of the cathode in a full cell).
    file_format
        One of ``FORMATS``; default from the suffix.

    Raises
    ------
    DataFileError
        If the file is missing or unreadable, lacks a column, or its capacities per gram are
        beyond any K-ion electrode (a wrong mass or current unit).

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "run.csv")
    >>> pd.DataFrame({"time_s": [0, 3600, 3601, 7201], "voltage_V": [1.0, 0.01, 0.01, 1.5],
    ...               "current_mA": [-0.3, -0.3, 0.3, 0.3]}).to_csv(path, index=False)
    >>> data = read_cycler(path, mass_mg=1.0)
    >>> round(float(data.summary["discharge_capacity_mAh_g"].iloc[0]), 1)
    300.0
    """
    path = Path(path)
    mass_g = require_positive("active mass", mass_mg, "mg") / 1000.0
    if not path.is_file():
        raise DataFileError(f"no cycler file at {path}")
    if file_format is None:
        file_format = SUFFIXES.get(path.suffix.lower())
        if file_format is None:
            raise DataFileError(f"{path}: unknown suffix {path.suffix!r}; known suffixes "
                                f"{', '.join(SUFFIXES)} (or give file_format, one of "
                                f"{', '.join(FORMATS)})")
    elif file_format not in READERS:
        raise DataFileError(f"unknown file format {file_format!r}; valid: {', '.join(FORMATS)}")
    raw = READERS[file_format](path)
    timeseries, steps = tabulate(raw, mass_g, str(path))
    return CyclerData(str(path), file_format, mass_g, timeseries, steps)


def tabulate(raw: pd.DataFrame, mass_g: float, source: str = "data"
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(time series, step table) in mAh/g from raw ``time_s``, ``voltage_V``, ``current_mA``."""
    raw = raw.dropna(subset=["time_s", "voltage_V", "current_mA"]).sort_values(
        "time_s", kind="stable").reset_index(drop=True)
    _check_values(raw, source)
    current = raw["current_mA"].to_numpy(float)
    typical = float(np.median(np.abs(current[np.abs(current) > 0])))
    sign = np.where(np.abs(current) > _REST_FRACTION * typical, np.sign(current), 0.0)
    boundaries = np.flatnonzero(np.diff(sign) != 0) + 1
    frames, rows, first_kind, cycle = [], [], None, 0
    for segment in np.split(np.arange(len(raw)), boundaries):
        if sign[segment[0]] == 0 or len(segment) < 2:
            continue  # rests and single-point blips carry no capacity
        kind = "discharge" if sign[segment[0]] < 0 else "charge"
        first_kind = first_kind or kind
        cycle += kind == first_kind
        if cycle == 0:
            continue
        part = raw.iloc[segment]
        t = part["time_s"].to_numpy(float)
        amps = np.abs(part["current_mA"].to_numpy(float))
        volts = part["voltage_V"].to_numpy(float)
        charge = np.concatenate([[0.0], np.cumsum(0.5 * (amps[1:] + amps[:-1]) * np.diff(t))])
        energy = np.concatenate([[0.0], np.cumsum(0.5 * (amps[1:] * volts[1:] + amps[:-1]
                                                         * volts[:-1]) * np.diff(t))])
        step = 1 + sum(1 for r in rows if r["cycle"] == cycle)
        capacity = charge / 3600.0 / mass_g  # mA.s -> mAh, per g
        frames.append(pd.DataFrame({
            "cycle": cycle, "step": step, "step_kind": kind, "time_s": t, "voltage_V": volts,
            "current_mA_g": part["current_mA"].to_numpy(float) / mass_g,
            "step_capacity_mAh_g": capacity}))
        rows.append({"cycle": cycle, "step": step, "kind": kind, "capacity_mAh_g": capacity[-1],
                     "energy_mWh_g": energy[-1] / 3600.0 / mass_g, "duration_s": t[-1] - t[0],
                     "current_density_mA_g": float(np.mean(amps)) / mass_g,
                     "end_voltage_V": volts[-1]})
    if not rows:
        raise DataFileError(f"{source} holds no current step (every point is at rest)")
    steps = pd.DataFrame(rows)
    _check_capacities(steps, mass_g, source)
    return pd.concat(frames, ignore_index=True), steps


def _check_values(raw: pd.DataFrame, source: str) -> None:
    if len(raw) < 2:
        raise DataFileError(f"{source} holds fewer than two data points")
    largest = float(raw["voltage_V"].abs().max())
    if largest > 10:  # no K-ion cell exceeds ~5 V: this is millivolts or another quantity
        raise DataFileError(f"{source}: voltages up to {largest:g} V; a K-ion cell stays "
                            f"below 5 V: is the voltage column in mV?")
    if not (raw["current_mA"].abs() > 0).any():
        raise DataFileError(f"{source} holds no current step (every point is at rest)")


def _check_capacities(steps: pd.DataFrame, mass_g: float, source: str) -> None:
    largest = float(steps["capacity_mAh_g"].max())
    low, high = PLAUSIBLE_CAPACITY_mAh_g
    if not low <= largest <= high:
        raise DataFileError(
            f"{source}: the largest step holds {largest:.4g} mAh/g for an active mass of "
            f"{mass_g * 1000:g} mg; K-ion electrodes hold {low:g}-{high:g} mAh/g: check the "
            f"mass is the active material's in mg and the current's unit")


def read_gitt_record(path: str | Path, mass_mg: float, file_format: str | None = None
                     ) -> pd.DataFrame:
    """A cycler file as a GITT record for :func:`kion_sim.analysis.gitt.analyse_gitt`: every
    point, rests included, as ``time_s``, ``voltage_V`` and ``current_mA_g``, discharge
    positive (the cycler's discharge is negative, the simulation's positive).

    Raises :class:`DataFileError` as :func:`read_cycler` does.
    """
    path = Path(path)
    mass_g = require_positive("active mass", mass_mg, "mg") / 1000.0
    if not path.is_file():
        raise DataFileError(f"no cycler file at {path}")
    file_format = file_format or SUFFIXES.get(path.suffix.lower())
    if file_format not in READERS:
        raise DataFileError(f"cannot tell the format of {path}; give file_format, one of "
                            f"{', '.join(FORMATS)}")
    raw = READERS[file_format](path).dropna(subset=["time_s", "voltage_V", "current_mA"])
    raw = raw.sort_values("time_s", kind="stable").reset_index(drop=True)
    _check_values(raw, str(path))
    return pd.DataFrame({"time_s": raw["time_s"].to_numpy(float),
                         "voltage_V": raw["voltage_V"].to_numpy(float),
                         "current_mA_g": -raw["current_mA"].to_numpy(float) / mass_g})
