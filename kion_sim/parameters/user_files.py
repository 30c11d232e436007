"""A user's own cell and material files, in the catalogue's format, beside the catalogue.

A cell given as a path (``my_cell.toml``) is read from that file. What its ``[uses]`` and
``[degradation] mechanism`` name resolves first from the user's folder, then from the built-in
catalogue, so changing one material needs one file:

- a material ``NAME``: ``<folder>/materials/NAME.toml``, then ``<folder>/NAME.toml``, then the
  catalogue's material of that name (a name ending in ``.toml`` is a path from ``<folder>``);
- a mechanism ``NAME``: ``<folder>/mechanisms/NAME.toml``, then the catalogue's;
- a table's CSV: the material file's ``data/``, its folder's parent's ``data/`` (for
  ``materials/``), its own folder, then the catalogue's ``data/``.

The resolved files replace the names in the returned cell (absolute paths), so everything
downstream that loads ``cell.references[role]`` finds the user's file again. Files are cached on
their resolved path and modification time: a user's file never collides with a built-in of the
same name, and an edited file is read again.

A BPX file (``file.bpx.json``, ``file.bpx.json#negative``) is a cell too: see
:mod:`kion_sim.parameters.bpx_cell` for how it states a half or full cell.

Examples
--------
>>> from kion_sim.parameters import cell_parameters
>>> cell = cell_parameters("my_folder/my_cell.toml")  # doctest: +SKIP
"""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

from kion_sim.errors import ParameterSetError
from kion_sim.parameters.bpx_cell import (
    canonical_reference,
    clear_bpx_caches,
    load_bpx_cell,
    load_bpx_material,
)
from kion_sim.parameters.catalog import (
    Component,
    cell_names,
    is_bpx_reference,
    is_file_reference,
    material_names,
    parameter_sets_dir,
    read_component,
)
from kion_sim.parameters.mechanisms import NO_MECHANISM, mechanism_names


def resolved_file(name: str, what: str) -> Path:
    """The absolute path of the user's ``what`` file ``name``, which must exist."""
    path = Path(name).expanduser().resolve()
    if path.is_file():
        return path
    valid = cell_names() if what == "cell" else material_names() if what == "material" \
        else cell_names() + material_names()
    raise ParameterSetError(
        f"{what} file {path} does not exist (given as {name!r}); give the path of a .toml "
        f"{what} file, or a built-in {what}: {', '.join(valid)}")


def canonical_cell_name(name: str) -> str:
    """``name`` itself for a built-in cell; the resolved absolute path for a user's file."""
    if is_bpx_reference(name):
        return canonical_reference(name)
    return str(resolved_file(name, "cell")) if is_file_reference(name) else name


def load_user_cell(name: str) -> Component:
    """The cell in the file ``name``, its materials and mechanism resolved (module docstring);
    a BPX file (``*.json``) through :mod:`kion_sim.parameters.bpx_cell`."""
    if is_bpx_reference(name):
        return load_bpx_cell(name)
    path = resolved_file(name, "cell")
    return _user_cell(str(path), path.stat().st_mtime_ns)


def load_user_material(name: str) -> Component:
    """The material (electrolyte, counter electrode, SEI) in the file ``name``."""
    if is_bpx_reference(name):
        return load_bpx_material(name)
    path = resolved_file(name, "material")
    return _user_material(str(path), path.stat().st_mtime_ns)


def clear_user_caches() -> None:
    """Forget the user's files read so far."""
    _user_cell.cache_clear()
    _user_material.cache_clear()
    clear_bpx_caches()


@functools.cache
def _user_cell(path_text: str, _mtime_ns: int) -> Component:
    path = Path(path_text)
    cell = read_component(path, folder_kind="cells", data_dirs=data_folders(path))
    references = {role: _resolved_material(path, role, reference)
                  for role, reference in cell.references.items()}
    degradation = dict(cell.degradation)
    if "mechanism" in degradation:
        degradation["mechanism"] = _resolved_mechanism(path, degradation["mechanism"])
    return replace(cell, references=references, degradation=degradation)


@functools.cache
def _user_material(path_text: str, _mtime_ns: int) -> Component:
    path = Path(path_text)
    material = read_component(path, folder_kind="materials", data_dirs=data_folders(path))
    if material.kind in ("half_cell", "full_cell"):
        raise ParameterSetError(f"{path} holds a cell ({material.kind}), not a material; "
                                f"name a material file in the cell's [uses]")
    return material


def data_folders(path: Path) -> tuple[Path, ...]:
    """Where the CSV tables of the user's file ``path`` are looked for, in turn."""
    folder = path.parent
    folders = [folder / "data"]
    if folder.name in ("materials", "cells"):
        folders.append(folder.parent / "data")
    folders += [folder, parameter_sets_dir() / "data"]
    return tuple(dict.fromkeys(folders))  # once each, order kept


def _resolved_material(cell_path: Path, role: str, reference: str) -> str:
    """The user's file a cell's ``[uses] role = reference`` means, else the built-in name."""
    folder = cell_path.parent
    if is_file_reference(reference):
        candidates = [folder / reference]
    else:
        candidates = [folder / "materials" / f"{reference}.toml", folder / f"{reference}.toml"]
    for candidate in candidates:
        if candidate.is_file() and candidate.resolve() != cell_path:
            return str(candidate.resolve())
    if not is_file_reference(reference) and reference in material_names():
        return reference
    raise ParameterSetError(
        f"{cell_path}: [uses] {role} = {reference!r} is neither a file of the user's folder "
        f"(looked for {', '.join(str(c) for c in candidates)}) nor a built-in material; "
        f"built-in materials: {', '.join(material_names())}")


def _resolved_mechanism(cell_path: Path, reference: str) -> str:
    """The user's mechanism file ``[degradation] mechanism`` means, else the built-in name."""
    folder = cell_path.parent
    candidate = folder / (reference if is_file_reference(reference)
                          else f"mechanisms/{reference}.toml")
    if candidate.is_file():
        return str(candidate.resolve())
    valid = [NO_MECHANISM, *mechanism_names()]
    if reference in valid:
        return reference
    raise ParameterSetError(
        f"{cell_path}: [degradation] mechanism = {reference!r} is neither a file of the user's "
        f"folder (looked for {candidate}) nor a built-in mechanism; built-in mechanisms: "
        f"{', '.join(valid)}")
