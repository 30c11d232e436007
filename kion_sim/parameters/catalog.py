"""Reads the declarative parameter sets (TOML + CSV) that ship with kion_sim.

Every value in a set is a table ``{value, provenance, source}``; the unit sits in the key's
brackets as in PyBaMM (``"density [g.cm-3]"``). Provenance is one of ``PROVENANCE_KINDS``.
An estimate also gives the span it could plausibly take, ``range = [low, high]``, and why
(``range_source``); a fitted value carries its 1-sigma multiplicative uncertainty
(``uncertainty_factor``, or "1-sigma factor X" in its source). kion_sim.uncertainty samples both.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from kion_sim.errors import ParameterSetError, UnknownNameError

PROVENANCE_KINDS = ("literature", "reported", "fitted", "estimate")
# Cell kind -> (roles its [uses] must name, roles its [electrodes] must describe).
CELL_ROLES = {
    "half_cell": (("working", "counter", "electrolyte"), ("working",)),
    "full_cell": (("anode", "cathode", "electrolyte"), ("anode", "cathode")),
}
_UNIT_IN_KEY = re.compile(r"\[([^\]]+)\]\s*$")
_SIGMA_IN_SOURCE = re.compile(r"1-sigma factor ([0-9.eE+-]+|inf)")


# A folder of parameter sets to use instead of the packaged ones (e.g. a recalibrated copy).
PARAMETER_SETS_ENV = "KION_SIM_PARAMETER_SETS"


def parameter_sets_dir() -> Path:
    """Folder of the parameter sets: ``$KION_SIM_PARAMETER_SETS`` if set, else the wheel's
    copy once installed, else the repository's."""
    chosen = os.environ.get(PARAMETER_SETS_ENV)
    if chosen:
        folder = Path(chosen).expanduser()
        if not (folder / "materials").is_dir():
            raise ParameterSetError(f"{PARAMETER_SETS_ENV}={chosen!r} is not a parameter-set "
                                    f"folder (it needs materials/, cells/ and data/)")
        return folder
    installed = resources.files("kion_sim") / "_parameter_sets"
    if installed.is_dir():
        return Path(str(installed))
    return Path(__file__).resolve().parents[2] / "parameter_sets"


def is_installed_copy(folder: Path) -> bool:
    """Whether ``folder`` is the copy inside an installed package (a reinstall replaces it)."""
    return folder.name == "_parameter_sets"


def clear_caches() -> None:
    """Forget the files read so far, so the next read sees them as they are on disk now."""
    _components.cache_clear()
    bibtex_entries.cache_clear()


@dataclass(frozen=True)
class Quantity:
    """One parameter value with its unit and where it came from."""

    key: str
    value: float
    provenance: str
    source: str
    range: tuple[float, float] | None = None  # an estimate's plausible span (low, high)
    range_source: str = ""  # why those bounds
    uncertainty_factor: float | None = None  # a fitted value's 1-sigma multiplicative factor

    @property
    def unit(self) -> str:
        match = _UNIT_IN_KEY.search(self.key)
        return match.group(1) if match else "-"


@dataclass(frozen=True)
class Table:
    """A tabulated curve (two CSV columns) with its provenance."""

    name: str
    x: np.ndarray
    y: np.ndarray
    x_label: str
    y_label: str
    provenance: str
    source: str
    path: Path


@dataclass(frozen=True)
class Component:
    """A material, electrolyte, counter electrode or cell read from one TOML file."""

    name: str
    kind: str
    label: str
    quantities: dict[str, Quantity]
    tables: dict[str, Table] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)
    electrodes: dict[str, dict[str, Quantity]] = field(default_factory=dict)
    citations: tuple[str, ...] = ()
    protocol: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    # a cell's declared mechanism and trapping; a material's own fade (its option words)
    degradation: dict = field(default_factory=dict)
    geometry: dict = field(default_factory=dict)  # a material's particle shape (geometry.py)

    def value(self, key: str) -> float:
        try:
            return self.quantities[key].value
        except KeyError:
            raise ParameterSetError(
                f"{self.path}: {self.kind} {self.name!r} has no value for {key!r}; "
                f"it has: {', '.join(sorted(self.quantities))}"
            ) from None

    def electrode(self, role: str) -> dict[str, Quantity]:
        try:
            return self.electrodes[role]
        except KeyError:
            raise ParameterSetError(
                f"{self.path}: cell {self.name!r} has no [electrodes.{role}]; "
                f"it has: {', '.join(sorted(self.electrodes)) or 'none'}"
            ) from None

    def table(self, name: str) -> Table:
        try:
            return self.tables[name]
        except KeyError:
            raise ParameterSetError(
                f"{self.path}: {self.kind} {self.name!r} has no table {name!r}; "
                f"it has: {', '.join(sorted(self.tables)) or 'none'}"
            ) from None


def _check_provenance(path: Path, key: str, entry: object) -> None:
    if not isinstance(entry, dict):
        raise ParameterSetError(f"{path}: {key!r} must be a table with provenance and source")
    provenance = entry.get("provenance")
    if provenance not in PROVENANCE_KINDS:
        raise ParameterSetError(
            f"{path}: {key!r} has provenance {provenance!r}; valid: {', '.join(PROVENANCE_KINDS)}"
        )
    source = entry.get("source", "")
    if not isinstance(source, str) or not source.strip():
        raise ParameterSetError(f"{path}: {key!r} must say where it came from: source = "
                                f"\"<citation, measurement, fit or estimate>\", got {source!r}")


def _read_quantity(path: Path, key: str, entry: object) -> Quantity:
    if not isinstance(entry, dict) or "value" not in entry:
        raise ParameterSetError(f"{path}: {key!r} must be a table with value, provenance, source")
    _check_provenance(path, key, entry)
    value = entry["value"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterSetError(f"{path}: {key!r} must hold a number, got {value!r}")
    if not math.isfinite(value):  # TOML allows nan and inf; no physical value is either
        raise ParameterSetError(f"{path}: {key!r} must be a finite number, got {value!r}")
    source = entry["source"].strip()
    span = _read_range(path, key, float(value), entry)
    factor = _read_uncertainty_factor(path, key, entry, source)
    return Quantity(key, float(value), entry["provenance"], source, span,
                    str(entry.get("range_source", "")).strip(), factor)


def _read_range(path: Path, key: str, value: float, entry: dict) -> tuple[float, float] | None:
    """An entry's ``range = [low, high]``: required of estimates, checked against the value."""
    if "range" not in entry:
        if entry["provenance"] == "estimate":
            raise ParameterSetError(
                f"{path}: estimate {key!r} needs a plausible span: range = [low, high], "
                f"range_source = \"<why those bounds>\"")
        return None
    span = entry["range"]
    if not isinstance(span, list) or len(span) != 2 or not all(
            isinstance(b, int | float) and not isinstance(b, bool) and math.isfinite(b)
            for b in span):
        raise ParameterSetError(f"{path}: {key!r} range must be [low, high] with two finite "
                                f"numbers, got {span!r}")
    low, high = float(span[0]), float(span[1])
    if not low < high:
        raise ParameterSetError(f"{path}: {key!r} range [{low:g}, {high:g}] needs low < high")
    if not low <= value <= high:
        raise ParameterSetError(f"{path}: {key!r} range [{low:g}, {high:g}] must hold its "
                                f"value {value:g}")
    if (value > 0 and not low > 0) or (value >= 0 and low < 0):
        raise ParameterSetError(f"{path}: {key!r} range [{low:g}, {high:g}] must keep the sign "
                                f"of its value {value:g} (low {'> 0' if value > 0 else '>= 0'})")
    reason = entry.get("range_source", "")
    if not isinstance(reason, str) or not reason.strip():
        raise ParameterSetError(f"{path}: {key!r} range must say why: range_source = "
                                f"\"<reasoning for the bounds>\", got {reason!r}")
    return low, high


def _read_uncertainty_factor(path: Path, key: str, entry: dict, source: str) -> float | None:
    """A value's 1-sigma multiplicative factor (>= 1): its own key, else its fit's source."""
    factor = entry.get("uncertainty_factor")
    if factor is None:
        match = _SIGMA_IN_SOURCE.search(source)
        if match is None:
            return None
        factor = float(match.group(1))
    if isinstance(factor, bool) or not isinstance(factor, int | float) or \
            math.isnan(factor) or not factor >= 1:
        raise ParameterSetError(f"{path}: {key!r} uncertainty_factor must be a number >= 1 "
                                f"(a 1-sigma multiplicative factor), got {factor!r}")
    return float(factor)


def _read_table(path: Path, name: str, entry: dict,
                data_dirs: tuple[Path, ...] | None = None) -> Table:
    _check_provenance(path, f"table {name}", entry)
    if not isinstance(entry.get("file"), str) or not entry["file"].strip():
        raise ParameterSetError(f"{path}: table {name!r} must name its CSV: file = \"x.csv\"")
    candidates = [folder / entry["file"] for folder in data_dirs or (path.parent.parent / "data",)]
    csv_path = next((c for c in candidates if c.is_file()), candidates[0])
    if len(candidates) > 1 and not csv_path.is_file():  # a user's file: say where we looked
        raise ParameterSetError(f"{path}: table {name!r} file {entry['file']!r} is in none of: "
                                f"{', '.join(str(c.parent) for c in candidates)}")
    try:
        with open(csv_path) as handle:
            header = handle.readline().strip().split(",")
        data = np.loadtxt(csv_path, delimiter=",", skiprows=1, ndmin=2)
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise ParameterSetError(
            f"{path}: table {name!r} cannot be read from {csv_path}: {error}") from None
    if data.ndim != 2 or data.shape[1] != 2 or len(header) != 2 or len(data) < 2 \
            or not np.all(np.isfinite(data)):
        raise ParameterSetError(f"{csv_path}: expected two finite numeric columns with a header "
                                f"and two or more rows")
    return Table(name, data[:, 0], data[:, 1], header[0], header[1],
                 entry["provenance"], entry["source"].strip(), csv_path)


def _section(path: Path, document: dict, name: str) -> dict:
    section = document.get(name, {})
    if not isinstance(section, dict):
        raise ParameterSetError(f"{path}: [{name}] must be a table, got {section!r}")
    return section


def _check_cell_roles(path: Path, kind: str, references: dict, electrodes: dict) -> None:
    """A cell file must say which component fills every role its kind needs."""
    if kind not in CELL_ROLES:
        raise ParameterSetError(f"{path}: cell kind {kind!r}; valid: {', '.join(CELL_ROLES)}")
    uses, recipes = CELL_ROLES[kind]
    missing = [role for role in uses if role not in references]
    if missing:
        raise ParameterSetError(f"{path}: a {kind} needs [uses] {', '.join(missing)} "
                                f"(it has: {', '.join(sorted(references)) or 'none'})")
    missing = [role for role in recipes if role not in electrodes]
    if missing:
        raise ParameterSetError(f"{path}: a {kind} needs [electrodes.{missing[0]}]")


def read_component(path: Path, folder_kind: str | None = None,
                   data_dirs: tuple[Path, ...] | None = None) -> Component:
    """The component in the TOML file ``path``.

    ``folder_kind`` ("cells" or "materials") says what the file holds (default: the name of
    its folder, as in the catalogue); ``data_dirs`` are where its tables' CSVs are looked for
    in turn (default: the catalogue's ``data/`` beside its folder).
    """
    folder_kind = folder_kind or path.parent.name
    try:
        document = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ParameterSetError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise ParameterSetError(f"cannot read {path}: {error.strerror or error}") from None
    header = _section(path, document, "component")
    missing = {"name", "kind", "label"} - set(header)
    if missing:
        raise ParameterSetError(f"{path}: [component] lacks {', '.join(sorted(missing))}")
    if not all(isinstance(header[key], str) for key in ("name", "kind", "label")):
        raise ParameterSetError(f"{path}: [component] name, kind and label must be text")
    citations = header.get("citations", [])
    if not isinstance(citations, list) or not all(isinstance(c, str) for c in citations):
        raise ParameterSetError(f"{path}: citations must be a list of BibTeX keys")
    quantities = {k: _read_quantity(path, k, v)
                  for k, v in _section(path, document, "values").items()}
    tables = {k: _read_table(path, k, v, data_dirs)
              for k, v in _section(path, document, "tables").items()}
    references = {k: str(v) for k, v in _section(path, document, "uses").items()}
    electrodes = {}
    for role, recipe in _section(path, document, "electrodes").items():
        if not isinstance(recipe, dict):
            raise ParameterSetError(f"{path}: [electrodes.{role}] must be a table of values")
        electrodes[role] = {k: _read_quantity(path, f"{role}: {k}", v) for k, v in recipe.items()}
    if folder_kind == "cells":
        _check_cell_roles(path, header["kind"], references, electrodes)
    protocol = {k: str(v) for k, v in _section(path, document, "protocol").items()}
    return Component(header["name"], header["kind"], header["label"], quantities, tables,
                     references, electrodes, tuple(citations), protocol, path,
                     _typed(path, _degradation_settings(folder_kind),
                            _section(path, document, "degradation")),
                     _geometry(path, _section(path, document, "geometry")))


_read_component = read_component  # the name the tests and older callers know


# The settings tables of a file: each key, and the type its value must have.
_SETTINGS = {
    "degradation": {"mechanism": str, "trapping": bool, "calibrated in": str},  # cells
    # a material's own fade, on whichever electrode holds it (mechanisms.material_fade)
    "material degradation": {"loss of active material": str},
    "geometry": {"shape": str, "core": str, "source": str},  # materials
}
_TYPE_NAMES = {str: "text", bool: "true or false"}


def _degradation_settings(folder_kind: str) -> str:
    return "material degradation" if folder_kind == "materials" else "degradation"


def _typed(path: Path, name: str, section: dict) -> dict:
    """A settings table (``[degradation]``, ``[geometry]``) with only known keys of their type."""
    allowed = _SETTINGS[name]
    name = name.split()[-1]  # "material degradation" is the file's [degradation]
    for key, value in section.items():
        if key not in allowed:
            raise ParameterSetError(f"{path}: [{name}] has {key!r}; valid: "
                                    f"{', '.join(allowed)}")
        if not isinstance(value, allowed[key]):
            raise ParameterSetError(f"{path}: [{name}] {key} must be "
                                    f"{_TYPE_NAMES[allowed[key]]}, got {value!r}")
    return dict(section)


def _geometry(path: Path, section: dict) -> dict:
    """A material's ``[geometry]``: particle shape, core of a hollow rod, where it came from."""
    section = _typed(path, "geometry", section)
    if section and "shape" not in section:
        raise ParameterSetError(f"{path}: [geometry] must name its shape")
    return section


# A BPX file as a cell (``PATH.json``, ``PATH.json#negative``) or one of its materials.
BPX_REFERENCE = re.compile(r"^(?P<path>.+\.json)(?:#(?P<part>[^#]+))?$", re.IGNORECASE)


def is_bpx_reference(name: str) -> bool:
    """Whether ``name`` names a BPX file or a part of one (:mod:`kion_sim.parameters.bpx_cell`)."""
    return BPX_REFERENCE.match(str(name)) is not None


def is_file_reference(name: str) -> bool:
    """Whether a cell, material or mechanism ``name`` is a path to a user's TOML or BPX file."""
    return name.lower().endswith(".toml") or is_bpx_reference(name)


@functools.cache
def _components(folder: str) -> dict[str, Component]:
    paths = sorted((parameter_sets_dir() / folder).glob("*.toml"))
    return {component.name: component for component in map(read_component, paths)}


def material_names() -> list[str]:
    """Names of every material, electrolyte and counter electrode."""
    return sorted(_components("materials"))


def cell_names() -> list[str]:
    """Names of every cell (half and full)."""
    return sorted(_components("cells"))


def load_material(name: str) -> Component:
    """The material (or electrolyte, or counter electrode) called ``name``, or in the file
    ``name`` if it ends in ``.toml`` (a user's own, see :mod:`kion_sim.parameters.user_files`)."""
    if is_file_reference(name):
        from kion_sim.parameters.user_files import load_user_material  # it builds on this module

        return load_user_material(name)
    try:
        return _components("materials")[name]
    except KeyError:
        raise UnknownNameError("material", name, material_names()) from None


def load_cell(name: str) -> Component:
    """The cell called ``name``, or in the file ``name`` if it ends in ``.toml`` (a user's
    own, whose materials resolve from its folder first, :mod:`kion_sim.parameters.user_files`)."""
    if is_file_reference(name):
        from kion_sim.parameters.user_files import load_user_cell  # it builds on this module

        return load_user_cell(name)
    try:
        return _components("cells")[name]
    except KeyError:
        raise UnknownNameError("cell", name, cell_names()) from None


def parameter_set_digest(cell_name: str) -> str:
    """SHA-256 of the files a cell is built from, as they are on disk now.

    The cell file, every component it uses and their tables: a change to any value (a
    recalibration) changes the digest.
    """
    cell = load_cell(cell_name)
    components = [cell, *(load_material(name) for name in sorted(set(cell.references.values())))]
    paths = sorted({path for component in components
                    for path in (component.path, *(t.path for t in component.tables.values()))})
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        try:
            digest.update(path.read_bytes())
        except OSError as error:
            raise ParameterSetError(f"cannot read {path}: {error.strerror or error}") from None
    return digest.hexdigest()


@functools.cache
def bibtex_entries() -> dict[str, str]:
    """Full BibTeX of every citation key used by the parameter sets."""
    text = (parameter_sets_dir() / "citations.bib").read_text()
    starts = [m.start() for m in re.finditer(r"^@\w+\{", text, flags=re.M)] + [len(text)]
    entries = {}
    for begin, end in zip(starts, starts[1:], strict=False):
        entry = text[begin:end].strip()
        key = re.match(r"@\w+\{([^,\s]+),", entry)
        if key is None:
            raise ParameterSetError(f"citations.bib: cannot read the key of {entry[:60]!r}")
        entries[key.group(1)] = entry
    return entries
