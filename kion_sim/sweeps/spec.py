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
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kion_sim.errors import InvalidInputError, UnknownNameError
from kion_sim.models.builder import MODEL_NAMES
from kion_sim.parameters.assemble import cell_parameters
from kion_sim.protocols.language import MAX_CYCLES

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
    # A point evaluated by a named function instead ("package.module:function", called as
    # function(point, evaluator_options) -> {output: value}); swept names and outputs are then
    # the function's own, and the cell may be empty (kion_sim.uncertainty uses this).
    evaluator: str = ""
    evaluator_options: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.evaluator:
            _check_evaluator_spec(self)
            return
        if not isinstance(self.cell, str):
            raise InvalidInputError(f"a sweep's cell is a cell name, got {self.cell!r}")
        known = set(cell_parameters(self.cell).values)
        for name in self.swept:
            if name not in PROTOCOL_SETTINGS and name not in known:
                raise UnknownNameError("swept parameter", name,
                                       [*PROTOCOL_SETTINGS, "<a PyBaMM key of the cell>"])
        if not isinstance(self.model, str) or \
                self.model.upper() not in {m.upper() for m in MODEL_NAMES}:
            raise UnknownNameError("model", self.model, MODEL_NAMES)
        unknown = set(self.outputs) - set(OUTPUTS)
        if unknown:
            raise UnknownNameError("sweep output", sorted(unknown)[0], OUTPUTS)
        if not self.points:
            raise InvalidInputError("a sweep needs at least one point")
        _check_value("cycles", self.cycles, "sweep")
        _check_value("current_density_mA_g", self.current_density_mA_g, "sweep")
        for name in ("lower_V", "upper_V"):
            value = getattr(self, name)
            if value is not None and not _is_number(value):
                raise InvalidInputError(f"sweep {name} must be a finite number, got {value!r}")


MAX_POINTS = 100_000  # a sweep file asking for more is a typo, not a plan


def _check_evaluator_spec(spec: SweepSpec) -> None:
    if not isinstance(spec.evaluator, str) or spec.evaluator.count(":") != 1:
        raise InvalidInputError(f"a sweep's evaluator is 'package.module:function', got "
                                f"{spec.evaluator!r}")
    if not spec.points:
        raise InvalidInputError("a sweep needs at least one point")
    if not spec.outputs:
        raise InvalidInputError("a sweep with an evaluator must name its outputs")


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) \
        and math.isfinite(value)


def _check_value(name: str, value, where: str) -> float:
    """A swept value: a finite number; protocol settings within their own ranges."""
    if not _is_number(value):
        raise InvalidInputError(f"{where}: value {value!r} of {name!r} must be a finite number")
    if name == "cycles" and not (value == int(value) and 1 <= value <= MAX_CYCLES):
        raise InvalidInputError(f"{where}: cycles must be a whole number from 1 to "
                                f"{MAX_CYCLES}, got {value!r}")
    if name == "current_density_mA_g" and not value > 0:
        raise InvalidInputError(f"{where}: current_density_mA_g must be positive, got {value!r}")
    return value


def grid(**values: list) -> tuple[dict, ...]:
    """Every combination of the listed values, e.g. ``grid(current_density_mA_g=[100, 500])``."""
    names = list(values)
    for name, options in values.items():
        if not isinstance(options, list | tuple) or not options:
            raise InvalidInputError(f"grid values of {name!r} must be a non-empty list of "
                                    f"numbers, got {options!r}")
        for option in options:
            _check_value(name, option, "grid")
    if math.prod(len(options) for options in values.values()) > MAX_POINTS:
        raise InvalidInputError(f"grid of more than {MAX_POINTS} points; valid: up to "
                                f"{MAX_POINTS}")
    return tuple(dict(zip(names, combo, strict=True))
                 for combo in itertools.product(*(values[n] for n in names)))


def latin_hypercube(n: int, seed: int = 0, log: bool = False, **ranges) -> tuple[dict, ...]:
    """``n`` points spread over ``ranges`` ({name: (low, high)}); ``log`` samples in log10."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_POINTS:
        raise InvalidInputError(f"sample n must be a whole number from 1 to {MAX_POINTS}, "
                                f"got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidInputError(f"sample seed must be a whole number >= 0, got {seed!r}")
    if not ranges:
        raise InvalidInputError("a sample needs at least one range: [sample.ranges] "
                                "name = [low, high]")
    for name, bounds in ranges.items():
        if not isinstance(bounds, list | tuple) or len(bounds) != 2 \
                or not all(_is_number(b) for b in bounds) or not bounds[0] < bounds[1]:
            raise InvalidInputError(f"range of {name!r} must be [low, high] with finite "
                                    f"numbers low < high, got {bounds!r}")
        if log and not bounds[0] > 0:
            raise InvalidInputError(f"log sampling needs a positive range for {name!r}, "
                                    f"got {bounds!r}")
    from scipy.stats import qmc  # not at import: scipy.stats is ~1 s of the CLI's start

    unit = qmc.LatinHypercube(d=len(ranges), seed=seed).random(n)
    points = []
    for row in unit:
        point = {}
        for (name, (low, high)), u in zip(ranges.items(), row, strict=True):
            value = float(10 ** (np.log10(low) + u * np.log10(high / low)) if log
                          else low + u * (high - low))
            point[name] = round(value) if name == "cycles" else value
            _check_value(name, point[name], "sample")
        points.append(point)
    return tuple(points)


# Top-level keys of a sweep file and what each must hold.
_FILE_SETTINGS = {
    "cell": (str, "a cell name"), "model": (str, "a model name"),
    "cycles": (int, "a whole number >= 1"), "current_density_mA_g": (float, "a number in mA/g"),
    "outputs": (list, "a list of output names"), "lower_V": (float, "a number in V"),
    "upper_V": (float, "a number in V"), "exact": (bool, "true or false"),
}
_SAMPLE_SETTINGS = {"n": (int, "a whole number"), "seed": (int, "a whole number"),
                    "log": (bool, "true or false"), "ranges": (dict, "a table of [low, high]")}


def _check_settings(path: Path, table: dict, allowed: dict, section: str) -> None:
    for key, value in table.items():
        if key not in allowed:
            raise UnknownNameError(f"{section} key", key, allowed)
        kind, text = allowed[key]
        number = kind in (int, float) and _is_number(value)
        fits = (number and (kind is float or value == int(value))) if kind in (int, float) \
            else isinstance(value, kind)
        if not fits:
            raise InvalidInputError(f"{path}: {key} must be {text}, got {value!r}")


def load_sweep(path: str | Path) -> SweepSpec:
    """Read a sweep file (TOML); see the module docstring for its shape."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text())
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InvalidInputError(f"cannot read sweep file {path}: {error}") from None
    if ("grid" in document) == ("sample" in document):
        raise InvalidInputError(f"{path}: give exactly one of [grid] or [sample]")
    if "grid" in document:
        if not isinstance(document["grid"], dict):
            raise InvalidInputError(f"{path}: [grid] must be a table of name = [values]")
        points = grid(**document.pop("grid"))
    else:
        sample = document.pop("sample")
        if not isinstance(sample, dict):
            raise InvalidInputError(f"{path}: [sample] must be a table with n and ranges")
        _check_settings(path, sample, _SAMPLE_SETTINGS, "[sample]")
        points = latin_hypercube(int(sample.get("n", 8)), int(sample.get("seed", 0)),
                                 bool(sample.get("log", False)), **sample.get("ranges", {}))
    _check_settings(path, document, _FILE_SETTINGS, "sweep file")
    if "outputs" in document:
        document["outputs"] = tuple(str(name) for name in document["outputs"])
    for key in ("cycles",):
        if key in document:
            document[key] = int(document[key])
    swept = tuple(points[0]) if points else ()
    return SweepSpec(points=points, swept=swept, name=path.stem, **document)
