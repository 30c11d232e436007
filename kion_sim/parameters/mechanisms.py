"""Degradation mechanisms declared as data, electrode by electrode, and their fitted values.

A mechanism file (``parameter_sets/mechanisms/NAME.toml``) says which electrode carries what:
``[declares.carbon]`` for the carbon under test (a half cell's working electrode, the full
cell's anode) and ``[declares.metal]`` for a half cell's K-metal counter electrode, in PyBaMM's
option words (``SEI``, ``loss of active material``, ...). Its ``[values.ROLE]`` hold the
values the mechanism needs, with provenance, and ``[fit]`` names the value that a retention
target calibrates. A mechanism never reaches an electrode that does not declare it.

Fitted values live apart from the estimates they start from: ``parameter_sets/calibrations/
CELL.toml`` holds, per mechanism, each component's fitted values (``kion-sim calibrate``).

A material may also declare its own fade (``[degradation]`` in its file, e.g. the cathode's
fatigue): it acts on whichever electrode holds that material, in every cell and under every
mechanism, and :func:`material_fade` reads it. Only ``MATERIAL_DECLARABLE`` is allowed there.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from kion_sim.errors import ParameterSetError, UnknownNameError
from kion_sim.parameters.catalog import (
    Quantity,
    _read_quantity,
    is_file_reference,
    parameter_sets_dir,
)

# Electrode roles a mechanism can declare for, and the option words each may use.
MECHANISM_ROLES = ("carbon", "metal")
DECLARABLE = {
    "SEI": ("none", "ec reaction limited", "solvent-diffusion limited", "reaction limited",
            "electron-migration limited", "interstitial-diffusion limited"),
    "SEI film resistance": ("none", "distributed"),
    "SEI porosity change": ("false", "true"),
    "loss of active material": ("none", "reaction-driven", "stress-driven",
                                "stress and reaction-driven"),
    "particle mechanics": ("none", "swelling only"),
}
# What a material may declare for itself, and the value each word needs from its [values]:
# "current-driven" is a loss per K cycled through the host (functions.ThroughputLAM).
MATERIAL_DECLARABLE = {"loss of active material": ("none", "current-driven")}
THROUGHPUT_LAM_KEY = "active material lost per K cycled [mol.mol-1]"
_MATERIAL_NEEDS = {"current-driven": THROUGHPUT_LAM_KEY}
# PyBaMM shares these names between electrodes; every other value is the electrode's own.
SHARED_PREFIXES = ("SEI ", "EC ", "Initial SEI", "Ratio of lithium", "Bulk solvent",
                   "Lithium interstitial")
NO_MECHANISM = "none"


@dataclass(frozen=True)
class Mechanism:
    """A named candidate fade mechanism: per-electrode declarations, values, fitted value."""

    name: str
    label: str
    summary: str
    declares: dict[str, dict[str, str]]
    values: dict[str, dict[str, Quantity]]
    fit_key: str | None = None
    fit_role: str = "carbon"
    fit_bounds: tuple[float, float] = (0.0, 0.0)
    fit_step_power: float = 0.0  # [fit] step_power: the coordinate a fit steps it in (0: log10)
    citations: tuple[str, ...] = ()
    path: Path | None = None
    # Shaped after the withheld 82 % was disclosed (2026-12-01): it has not predicted it.
    defined_after_reveal: bool = False
    defined_on: str = ""
    # A second fade value ([fit.second]: key, lower, upper), for a mechanism mixing two laws.
    second_fit: tuple[str, float, float] | None = None

    def declared(self, role: str, option: str) -> str:
        """What ``role`` declares for ``option`` (``"none"``/``"false"`` if silent)."""
        return self.declares.get(role, {}).get(option, DECLARABLE[option][0])

    @property
    def sei_role(self) -> str | None:
        """The one electrode that grows an SEI, if any."""
        growing = [r for r in MECHANISM_ROLES if self.declared(r, "SEI") != "none"]
        return growing[0] if growing else None


def material_fade(material) -> dict[str, str]:
    """The options ``material`` (a catalog Component) declares for itself, checked: option ->
    word, only those other than "none" (``{}`` for a material that does not fade)."""
    declared = {}
    for option, word in material.degradation.items():
        valid = MATERIAL_DECLARABLE.get(option)
        if valid is None or word not in valid:
            raise ParameterSetError(
                f"{material.path}: [degradation] {option} = {word!r}; a material may declare "
                + "; ".join(f"{o}: {', '.join(w)}" for o, w in MATERIAL_DECLARABLE.items()))
        needed = _MATERIAL_NEEDS.get(word)
        if needed is not None and needed not in material.quantities:
            raise ParameterSetError(f"{material.path}: [degradation] {option} = {word!r} needs "
                                    f"{needed!r} in its [values]")
        if word != valid[0]:
            declared[option] = word
    return declared


_NONE = Mechanism(NO_MECHANISM, "no degradation", "No mechanism: nothing degrades.", {}, {})


def _read_mechanism(path: Path) -> Mechanism:
    try:
        document = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ParameterSetError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise ParameterSetError(f"cannot read mechanism file {path}: "
                                f"{error.strerror or error}") from None
    header = document.get("component", {})
    declares = document.get("declares", {})
    unknown_roles = set(declares) - set(MECHANISM_ROLES)
    if unknown_roles:
        raise ParameterSetError(f"{path}: [declares] for {sorted(unknown_roles)}; valid roles: "
                                f"{', '.join(MECHANISM_ROLES)}")
    for role, options in declares.items():
        for option, word in options.items():
            if option not in DECLARABLE:
                raise ParameterSetError(f"{path}: {role} declares {option!r}; declarable: "
                                        f"{', '.join(DECLARABLE)}")
            if word not in DECLARABLE[option]:
                raise ParameterSetError(f"{path}: {role} {option} = {word!r}; valid: "
                                        f"{', '.join(DECLARABLE[option])}")
    growing = [r for r in declares if declares[r].get("SEI", "none") != "none"]
    if len(growing) > 1:  # PyBaMM's SEI parameter names carry no electrode prefix
        raise ParameterSetError(f"{path}: only one electrode can grow an SEI (PyBaMM shares "
                                f"the SEI parameter names); {growing} both declare one")
    values = {role: {k: _read_quantity(path, f"{role}: {k}", v) for k, v in table.items()}
              for role, table in document.get("values", {}).items()}
    fit = document.get("fit", {})
    after = header.get("defined_after_reveal", False)
    if not isinstance(after, bool):
        raise ParameterSetError(f"{path}: defined_after_reveal must be true or false, got "
                                f"{after!r}")
    if after and not header.get("defined_on"):
        raise ParameterSetError(f"{path}: a mechanism defined after the reveal must say when "
                                f"(defined_on = \"YYYY-MM-DD\")")
    second = fit.get("second")
    if second is not None:
        try:
            second = (str(second["key"]), float(second["lower"]), float(second["upper"]))
        except (KeyError, TypeError, ValueError):
            raise ParameterSetError(f"{path}: [fit.second] needs key, lower and upper") from None
    return Mechanism(
        name=header.get("name", path.stem), label=header.get("label", path.stem),
        summary=" ".join(str(header.get("summary", "")).split()), declares=declares,
        values=values, fit_key=fit.get("key"), fit_role=fit.get("role", "carbon"),
        fit_bounds=(float(fit.get("lower", 0.0)), float(fit.get("upper", 0.0))),
        fit_step_power=_step_power(path, fit.get("step_power", 0.0)),
        citations=tuple(header.get("citations", ())), path=path, defined_after_reveal=after,
        defined_on=str(header.get("defined_on", "")), second_fit=second)


def _step_power(path: Path, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ParameterSetError(f"{path}: [fit] step_power must be a number within [0, 1] "
                                f"(0: steps in log10 of the value), got {value!r}")
    return float(value)


@functools.cache
def _mechanisms() -> dict[str, Mechanism]:
    paths = sorted((parameter_sets_dir() / "mechanisms").glob("*.toml"))
    return {m.name: m for m in map(_read_mechanism, paths)}


@functools.cache
def _user_mechanism(path: str, _mtime_ns: int) -> Mechanism:
    """A user's mechanism file, keyed on its resolved path and when it last changed."""
    return _read_mechanism(Path(path))


def mechanism_names() -> list[str]:
    """Every candidate fade mechanism (``kion-sim mechanisms`` compares them)."""
    return sorted(_mechanisms())


def load_mechanism(name: str) -> Mechanism:
    """The mechanism called ``name``, or in the file ``name`` if it ends in ``.toml`` (a
    user's own); ``"none"`` is the mechanism-free cell."""
    if name == NO_MECHANISM:
        return _NONE
    if is_file_reference(name):
        path = Path(name).expanduser().resolve()
        if not path.is_file():
            raise ParameterSetError(f"mechanism file {path} does not exist; built-in "
                                    f"mechanisms: {', '.join([NO_MECHANISM, *mechanism_names()])}")
        return _user_mechanism(str(path), path.stat().st_mtime_ns)
    try:
        return _mechanisms()[name]
    except KeyError:
        raise UnknownNameError("mechanism", name, [NO_MECHANISM, *mechanism_names()]) from None


@dataclass(frozen=True)
class Calibration:
    """Fitted values of one cell under one mechanism: component name -> {key: Quantity}."""

    cell: str
    mechanism: str
    values: dict[str, dict[str, Quantity]] = field(default_factory=dict)


def calibrations_dir() -> Path:
    return parameter_sets_dir() / "calibrations"


@functools.cache
def load_calibration(cell: str, mechanism: str) -> Calibration:
    """The stored fit of ``cell`` under ``mechanism`` (empty if it was never calibrated)."""
    path = calibrations_dir() / f"{cell}.toml"
    if not path.is_file():
        return Calibration(cell, mechanism)
    try:
        document = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ParameterSetError(f"{path}: not valid TOML: {error}") from None
    tables = document.get(mechanism, {})
    values = {component: {k: _read_quantity(path, f"{mechanism}.{component}: {k}", v)
                          for k, v in entries.items()}
              for component, entries in tables.items()}
    return Calibration(cell, mechanism, values)


def clear_mechanism_caches() -> None:
    """Forget mechanisms and fits read so far (after a fit is written, or the folder moves)."""
    _mechanisms.cache_clear()
    _user_mechanism.cache_clear()
    load_calibration.cache_clear()
