"""Cycler file back ends: each turns one file format into raw records in common units.

Every back end returns a table with ``time_s``, ``voltage_V`` and ``current_mA`` (negative
while the working electrode is reduced, i.e. a half cell's potassiation or a full cell's
discharge: the sign BioLogic, Neware and Arbin all write). Binary formats go through the reader
libraries (see :mod:`kion_sim.io.cycler` for why these); text exports are read with pandas.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from kion_sim.errors import DataFileError

RAW_COLUMNS = ("time_s", "voltage_V", "current_mA")
# Plain CSV: the accepted names of each quantity and the factor to the common unit.
PLAIN_COLUMNS = {
    "time_s": {"time_s": 1.0, "time_min": 60.0, "time_h": 3600.0},
    "voltage_V": {"voltage_V": 1.0, "voltage_mV": 1e-3},
    "current_mA": {"current_mA": 1.0, "current_A": 1e3, "current_uA": 1e-3},
}
# Arbin MITS Pro export (CSV) column names.
ARBIN_COLUMNS = {"time_s": "Test_Time(s)", "voltage_V": "Voltage(V)", "current_mA": "Current(A)"}


def _need_library(module: str, package: str, file_format: str):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        raise DataFileError(
            f"reading {file_format} files needs the '{package}' package: "
            f"pip install 'kion_sim[cycler]' (or pip install {package})") from None


def _missing(path: Path, file_format: str, missing, present) -> DataFileError:
    return DataFileError(f"{path}: this {file_format} file lacks {sorted(missing)}; "
                         f"its columns are {list(present)}")


def read_biologic_mpr(path: Path) -> pd.DataFrame:
    """BioLogic EC-Lab binary (.mpr) through galvani's ``MPRfile``."""
    galvani = _need_library("galvani", "datalab-org-galvani", "BioLogic .mpr")
    try:
        with open(path, "rb") as stream:  # galvani leaves a path it opened unclosed
            data = galvani.MPRfile(stream).data
    except Exception as error:  # galvani raises bare ValueError/AssertionError/IOError
        raise DataFileError(f"{path} is not a readable BioLogic .mpr file: {error}") from None
    return _biologic_columns(path, ".mpr", pd.DataFrame(data))


def read_biologic_mpt(path: Path) -> pd.DataFrame:
    """BioLogic EC-Lab text export (.mpt) through galvani's ``MPTfile``."""
    galvani = _need_library("galvani", "datalab-org-galvani", "BioLogic .mpt")
    try:
        with open(path, "rb") as stream:
            data, _ = galvani.MPTfile(stream, encoding="latin-1")
    except Exception as error:
        raise DataFileError(f"{path} is not a readable BioLogic .mpt file: {error}") from None
    return _biologic_columns(path, ".mpt", pd.DataFrame(data))


def _biologic_columns(path: Path, file_format: str, table: pd.DataFrame) -> pd.DataFrame:
    current = next((c for c in ("I/mA", "<I>/mA", "control/mA") if c in table), None)
    missing = {"time/s", "Ewe/V"} - set(table.columns) | ({"I/mA"} if current is None else set())
    if missing:
        raise _missing(path, f"BioLogic {file_format}", missing, table.columns)
    return pd.DataFrame({"time_s": table["time/s"].astype(float),
                         "voltage_V": table["Ewe/V"].astype(float),
                         "current_mA": table[current].astype(float)})


def read_neware(path: Path) -> pd.DataFrame:
    """Neware BTS binary (.nda, .ndax) through NewareNDA."""
    newarenda = _need_library("NewareNDA", "NewareNDA", "Neware .nda/.ndax")
    try:
        with warnings.catch_warnings():  # its pandas deprecations are not the user's concern
            warnings.simplefilter("ignore")
            table = newarenda.read(str(path), log_level="ERROR")
    except Exception as error:  # NewareNDA raises ValueError, EOFError, NotImplementedError
        raise DataFileError(f"{path} is not a readable Neware file: {error}") from None
    missing = {"Time", "Voltage", "Current(mA)"} - set(table.columns)
    if missing:
        raise _missing(path, "Neware", missing, table.columns)
    # NewareNDA's "Time" restarts at every step; the running time is its cumulative sum.
    step_time = table["Time"].to_numpy(dtype=float)
    new_step = np.r_[True, table["Step"].to_numpy()[1:] != table["Step"].to_numpy()[:-1]]
    time_s = _running_time(step_time, new_step)
    return pd.DataFrame({"time_s": time_s, "voltage_V": table["Voltage"].astype(float),
                         "current_mA": table["Current(mA)"].astype(float)})


def _running_time(step_time: np.ndarray, new_step: np.ndarray) -> np.ndarray:
    """Test time from a step time that restarts at each step (steps follow back to back)."""
    offsets = np.zeros_like(step_time)
    elapsed = 0.0
    for index in range(len(step_time)):
        if new_step[index] and index > 0:
            elapsed += step_time[index - 1]
        offsets[index] = elapsed
    return offsets + step_time


def read_arbin_csv(path: Path, table: pd.DataFrame) -> pd.DataFrame:
    """Arbin MITS Pro CSV export (``Test_Time(s)``, ``Current(A)``, ``Voltage(V)``, ...)."""
    missing = set(ARBIN_COLUMNS.values()) - set(table.columns)
    if missing:
        raise _missing(path, "Arbin CSV", missing, table.columns)
    return pd.DataFrame({"time_s": table["Test_Time(s)"].astype(float),
                         "voltage_V": table["Voltage(V)"].astype(float),
                         "current_mA": table["Current(A)"].astype(float) * 1e3})


def read_plain_csv(path: Path, table: pd.DataFrame) -> pd.DataFrame:
    """A CSV whose column names carry their units (``time_s``, ``voltage_V``, ``current_mA``)."""
    raw = {}
    for quantity, names in PLAIN_COLUMNS.items():
        found = [name for name in names if name in table.columns]
        if len(found) != 1:
            problem = "lacks" if not found else "has more than one of"
            raise DataFileError(
                f"{path} {problem} a {quantity.split('_')[0]} column: give exactly one of "
                f"{', '.join(names)} (its columns are {list(table.columns)})")
        try:
            raw[quantity] = pd.to_numeric(table[found[0]]).to_numpy(float) * names[found[0]]
        except (ValueError, TypeError):
            raise DataFileError(f"{path}: column {found[0]!r} holds values that are not "
                                f"numbers") from None
    return pd.DataFrame(raw)


def read_csv(path: Path) -> pd.DataFrame:
    """A CSV: an Arbin export if it has Arbin's columns, else a plain unit-named CSV."""
    try:
        table = pd.read_csv(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as error:
        raise DataFileError(f"{path} is not a readable CSV file: {error}") from None
    if "Test_Time(s)" in table.columns or "Current(A)" in table.columns:
        return read_arbin_csv(path, table)
    return read_plain_csv(path, table)


READERS = {
    "biologic_mpr": read_biologic_mpr,
    "biologic_mpt": read_biologic_mpt,
    "neware": read_neware,
    "csv": read_csv,
}
SUFFIXES = {".mpr": "biologic_mpr", ".mpt": "biologic_mpt", ".nda": "neware",
            ".ndax": "neware", ".csv": "csv", ".txt": "csv"}
