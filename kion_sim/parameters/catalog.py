"""Reads the declarative parameter sets (TOML + CSV) that ship with kion_sim.

Every value in a set is a table ``{value, provenance, source}``; the unit sits in the key's
brackets as in PyBaMM (``"density [g.cm-3]"``). Provenance is one of ``PROVENANCE_KINDS``.
"""

from __future__ import annotations

import functools
import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from kion_sim.errors import ParameterSetError, UnknownNameError

PROVENANCE_KINDS = ("literature", "reported", "fitted", "estimate")
_UNIT_IN_KEY = re.compile(r"\[([^\]]+)\]\s*$")


def parameter_sets_dir() -> Path:
    """Folder of the parameter sets: inside the wheel once installed, else the repository's."""
    installed = resources.files("kion_sim") / "_parameter_sets"
    if installed.is_dir():
        return Path(str(installed))
    return Path(__file__).resolve().parents[2] / "parameter_sets"


@dataclass(frozen=True)
class Quantity:
    """One parameter value with its unit and where it came from."""

    key: str
    value: float
    provenance: str
    source: str

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


def _check_provenance(path: Path, key: str, entry: dict) -> None:
    provenance = entry.get("provenance")
    if provenance not in PROVENANCE_KINDS:
        raise ParameterSetError(
            f"{path}: {key!r} has provenance {provenance!r}; valid: {', '.join(PROVENANCE_KINDS)}"
        )
    if not str(entry.get("source", "")).strip():
        raise ParameterSetError(f"{path}: {key!r} says nothing of its source")


def _read_quantity(path: Path, key: str, entry: object) -> Quantity:
    if not isinstance(entry, dict) or "value" not in entry:
        raise ParameterSetError(f"{path}: {key!r} must be a table with value, provenance, source")
    _check_provenance(path, key, entry)
    value = entry["value"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterSetError(f"{path}: {key!r} must hold a number, got {value!r}")
    return Quantity(key, float(value), entry["provenance"], entry["source"].strip())


def _read_table(path: Path, name: str, entry: dict) -> Table:
    _check_provenance(path, f"table {name}", entry)
    csv_path = path.parent.parent / "data" / entry["file"]
    try:
        with open(csv_path) as handle:
            header = handle.readline().strip().split(",")
        data = np.loadtxt(csv_path, delimiter=",", skiprows=1, ndmin=2)
    except (OSError, ValueError) as error:
        raise ParameterSetError(
            f"{path}: table {name!r} cannot be read from {csv_path}: {error}") from None
    if data.shape[1] != 2 or len(header) != 2 or not np.all(np.isfinite(data)):
        raise ParameterSetError(f"{csv_path}: expected two finite numeric columns with a header")
    return Table(name, data[:, 0], data[:, 1], header[0], header[1],
                 entry["provenance"], entry["source"].strip(), csv_path)


def _read_component(path: Path) -> Component:
    try:
        document = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ParameterSetError(f"{path}: not valid TOML: {error}") from None
    header = document.get("component", {})
    missing = {"name", "kind", "label"} - set(header)
    if missing:
        raise ParameterSetError(f"{path}: [component] lacks {', '.join(sorted(missing))}")
    quantities = {k: _read_quantity(path, k, v) for k, v in document.get("values", {}).items()}
    tables = {k: _read_table(path, k, v) for k, v in document.get("tables", {}).items()}
    references = {k: str(v) for k, v in document.get("uses", {}).items()}
    electrodes = {
        role: {k: _read_quantity(path, f"{role}: {k}", v) for k, v in recipe.items()}
        for role, recipe in document.get("electrodes", {}).items()
    }
    return Component(header["name"], header["kind"], header["label"], quantities, tables,
                     references, electrodes, tuple(header.get("citations", ())),
                     dict(document.get("protocol", {})), path)


@functools.cache
def _components(folder: str) -> dict[str, Component]:
    paths = sorted((parameter_sets_dir() / folder).glob("*.toml"))
    return {component.name: component for component in map(_read_component, paths)}


def material_names() -> list[str]:
    """Names of every material, electrolyte and counter electrode."""
    return sorted(_components("materials"))


def cell_names() -> list[str]:
    """Names of every cell (half and full)."""
    return sorted(_components("cells"))


def load_material(name: str) -> Component:
    """The material (or electrolyte, or counter electrode) called ``name``."""
    try:
        return _components("materials")[name]
    except KeyError:
        raise UnknownNameError("material", name, material_names()) from None


def load_cell(name: str) -> Component:
    """The cell called ``name``."""
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
