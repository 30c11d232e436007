"""What a sweep asks: a cell, a model, a standard cycling protocol, and the values to vary.

Swept names are either protocol settings (``current_density_mA_g``, ``cycles``) or PyBaMM
parameter keys of the cell (``"SEI resistivity [Ohm.m]"``, ``"Ambient temperature [K]"``).
A sweep file (TOML)::

    cell = "soft_carbon_half_cell"
    model = "SPM"
    cycles = 20
    current_density_mA_g = 100
    [grid]
    "SEI resistivity [Ohm.m]" = [1e5, 3e5, 1e6]
    current_density_mA_g = [100, 500]
    # or [sample] with n = 16 and ranges {"name" = [low, high]} (Latin hypercube)
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.stats import qmc

from kion_sim.errors import InvalidInputError, UnknownNameError
from kion_sim.models.builder import MODEL_NAMES
from kion_sim.parameters.assemble import cell_parameters

PROTOCOL_SETTINGS = ("current_density_mA_g", "cycles")
OUTPUTS = ("capacity_mAh_g", "retention_pct", "energy_mWh_g", "average_voltage_V",
           "first_cycle_efficiency_pct")


@dataclass(frozen=True)
class SweepSpec:
    """A sweep: fixed settings plus one dict of swept values per point."""

    cell: str
    points: tuple[dict, ...]
    model: str = "SPM"
    cycles: int = 2
    current_density_mA_g: float = 100.0
    outputs: tuple[str, ...] = OUTPUTS
    lower_V: float | None = None
    upper_V: float | None = None
    name: str = "sweep"
    swept: tuple[str, ...] = field(default=())
    exact: bool = False  # long runs take the fast fade path unless this is set

    def __post_init__(self):
        known = set(cell_parameters(self.cell).values)
        for name in self.swept:
            if name not in PROTOCOL_SETTINGS and name not in known:
                raise UnknownNameError("swept parameter", name,
                                       [*PROTOCOL_SETTINGS, "<a PyBaMM key of the cell>"])
        if self.model.upper() not in {m.upper() for m in MODEL_NAMES}:
            raise UnknownNameError("model", self.model, MODEL_NAMES)
        unknown = set(self.outputs) - set(OUTPUTS)
        if unknown:
            raise UnknownNameError("sweep output", sorted(unknown)[0], OUTPUTS)
        if not self.points:
            raise InvalidInputError("a sweep needs at least one point")


def grid(**values: list) -> tuple[dict, ...]:
    """Every combination of the listed values, e.g. ``grid(current_density_mA_g=[100, 500])``."""
    names = list(values)
    for name, options in values.items():
        if not isinstance(options, list | tuple) or not options:
            raise InvalidInputError(f"grid values of {name!r} must be a non-empty list")
    return tuple(dict(zip(names, combo, strict=True))
                 for combo in itertools.product(*(values[n] for n in names)))


def latin_hypercube(n: int, seed: int = 0, log: bool = False, **ranges) -> tuple[dict, ...]:
    """``n`` points spread over ``ranges`` ({name: (low, high)}); ``log`` samples in log10."""
    if n < 1 or not ranges:
        raise InvalidInputError("a sample needs n >= 1 and at least one range")
    unit = qmc.LatinHypercube(d=len(ranges), seed=seed).random(n)
    points = []
    for row in unit:
        point = {}
        for (name, (low, high)), u in zip(ranges.items(), row, strict=True):
            if not low < high:
                raise InvalidInputError(f"range of {name!r} must have low < high")
            point[name] = float(10 ** (np.log10(low) + u * np.log10(high / low)) if log
                                else low + u * (high - low))
        points.append(point)
    return tuple(points)


def load_sweep(path: str | Path) -> SweepSpec:
    """Read a sweep file (TOML); see the module docstring for its shape."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise InvalidInputError(f"cannot read sweep file {path}: {error}") from None
    if ("grid" in document) == ("sample" in document):
        raise InvalidInputError(f"{path}: give exactly one of [grid] or [sample]")
    if "grid" in document:
        points = grid(**document.pop("grid"))
    else:
        sample = document.pop("sample")
        points = latin_hypercube(int(sample.pop("n", 8)), int(sample.pop("seed", 0)),
                                 bool(sample.pop("log", False)), **sample.pop("ranges", {}))
    swept = tuple(points[0]) if points else ()
    if "outputs" in document:
        document["outputs"] = tuple(document["outputs"])
    return SweepSpec(points=points, swept=swept, name=path.stem, **document)
