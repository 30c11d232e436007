"""Writers of small cycler files for the tests, made here from each format's layout.

No real cycler file can be downloaded, so each writer lays out the bytes or text the way the
instrument's software does (as documented by the reader libraries' source): BioLogic .mpr
(a "BIO-LOGIC MODULAR FILE" with a settings and a version-2 data module), BioLogic .mpt
(EC-Lab's tab-separated text export), Neware .nda version 29 (86-byte records starting 0x55)
and Arbin's CSV export. Every writer takes time [s], voltage [V] and current [mA], negative
while reducing the working electrode, as the instruments write it.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pandas as pd

MPR_MAGIC = b"BIO-LOGIC MODULAR FILE\x1a".ljust(48) + b"\x00\x00\x00\x00"
_MPR_HEADER = np.dtype([("shortname", "S10"), ("longname", "S25"), ("length", "<u4"),
                        ("version", "<u4"), ("date", "S8")])


def _mpr_module(shortname: bytes, longname: bytes, version: int, data: bytes) -> bytes:
    header = np.zeros(1, dtype=_MPR_HEADER)
    header[0] = (shortname.ljust(10), longname.ljust(25), len(data), version, b"07/01/25")
    return b"MODULE" + header.tobytes() + data


def write_mpr(path: Path, time_s, voltage_V, current_mA) -> Path:
    """BioLogic .mpr: columns mode/ox-red flags (IDs 1, 2), time (4), Ewe (6), I (8)."""
    column_ids = [1, 2, 4, 6, 8]
    records = np.zeros(len(time_s), dtype=[("flags", "u1"), ("time/s", "<f8"),
                                           ("Ewe/V", "<f4"), ("I/mA", "<f4")])
    current = np.asarray(current_mA, float)
    records["flags"] = 1 | np.where(current > 0, 0x04, 0)  # mode 1 = galvanostatic
    records["time/s"], records["Ewe/V"], records["I/mA"] = time_s, voltage_V, current
    head = struct.pack("<IB", len(records), len(column_ids))
    head += struct.pack(f"<{len(column_ids)}H", *column_ids)
    data = head.ljust(405, b"\x00") + records.tobytes()
    content = (MPR_MAGIC + _mpr_module(b"VMP Set", b"VMP settings", 0, b"\x00" * 64)
               + _mpr_module(b"VMP data", b"VMP data", 2, data))
    Path(path).write_bytes(content)
    return Path(path)


def write_mpt(path: Path, time_s, voltage_V, current_mA, decimal_comma: bool = False) -> Path:
    """BioLogic .mpt (EC-Lab text export), optionally with European decimal commas."""
    lines = ["EC-Lab ASCII FILE", "Nb header lines : 4", "Galvanostatic Cycling (written by the "
             "kion_sim tests)", "mode\tox/red\ttime/s\tEwe/V\tI/mA"]
    for t, v, i in zip(time_s, voltage_V, current_mA, strict=True):
        row = f"1\t{int(i > 0)}\t{t:.6f}\t{v:.6f}\t{i:.8f}"
        lines.append(row.replace(".", ",") if decimal_comma else row)
    Path(path).write_bytes(("\r\n".join(lines) + "\r\n").encode("latin-1"))
    return Path(path)


def write_nda(path: Path, time_s, voltage_V, current_mA) -> Path:
    """Neware .nda version 29: a 'NEWARE' header, then 86-byte records (0x55 0x00 ...).

    Current is stored in range -100 units (1e-3 mA), voltage in 0.1 mV, time in ms since the
    start of the step; a new step index starts at every change of current direction.
    """
    time_s, current = np.asarray(time_s, float), np.asarray(current_mA, float)
    direction = np.sign(current)
    step = np.concatenate([[1], 1 + np.cumsum(direction[1:] != direction[:-1])])
    step_start = {s: time_s[np.argmax(step == s)] for s in np.unique(step)}
    header = b"NEWARE".ljust(14, b"\x00") + bytes([29])
    content = bytearray(header.ljust(100, b"\x00") + b"\x00\x00\x00\x00")
    for index, (t, v, i, s) in enumerate(zip(time_s, voltage_V, current, step, strict=True)):
        status = 1 if i > 0 else (2 if i < 0 else 4)  # CC_Chg, CC_DChg, Rest
        record = bytearray(86)
        record[0:2] = b"\x55\x00"
        record[2:13] = struct.pack("<IIHB", index + 1, 0, int(s), status)
        record[14:30] = struct.pack("<Qii", round((t - step_start[s]) * 1000),
                                    round(v * 10000), round(i / 1e-3))
        record[70:77] = struct.pack("<HBBBBB", 2025, 7, 1, 12, 0, 0)
        record[78:82] = struct.pack("<i", -100)
        content += record
    Path(path).write_bytes(bytes(content))
    return Path(path)


def write_arbin_csv(path: Path, time_s, voltage_V, current_mA) -> Path:
    """Arbin MITS Pro CSV export: current in A, cumulative times in s."""
    pd.DataFrame({"Data_Point": np.arange(1, len(time_s) + 1), "Test_Time(s)": time_s,
                  "Step_Index": 1, "Cycle_Index": 1,
                  "Current(A)": np.asarray(current_mA, float) / 1000.0,
                  "Voltage(V)": voltage_V}).to_csv(path, index=False)
    return Path(path)


def write_plain_csv(path: Path, time_s, voltage_V, current_mA) -> Path:
    pd.DataFrame({"time_s": time_s, "voltage_V": voltage_V,
                  "current_mA": current_mA}).to_csv(path, index=False)
    return Path(path)


WRITERS = {"run.mpr": write_mpr, "run.mpt": write_mpt, "run.nda": write_nda,
           "arbin.csv": write_arbin_csv, "plain.csv": write_plain_csv}
