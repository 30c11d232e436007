"""A BPX file read as a kion_sim cell: ``--cell file.bpx.json``, ``cell_parameters(PATH)``.

How a BPX file states its cell
------------------------------
- **Both electrodes** ("Negative electrode" and "Positive electrode"): a full cell, the
  negative electrode its anode and the positive its cathode.
- **One electrode** (a "Partial" BPX holding only one of them): a half cell of that electrode
  against K metal. BPX has no metal electrode, so kion_sim supplies the K metal counter from
  its catalogue (``potassium_metal``); a file that holds the K metal's values under
  "User-defined" (kion_sim's own half-cell exports) has those instead.
- **``PATH#negative`` or ``PATH#positive``**: a half cell of that electrode of a two-electrode
  file against the catalogue's K metal, the electrode as the full cell was assembled (its
  state at 0 % SOC: the negative at its minimum stoichiometry, the positive at its maximum).

What BPX cannot carry, and what a BPX cell has instead (:data:`NOT_CARRIED`): no fade
mechanism (the cell does not fade: ``mechanism = "none"``), no K-trapping sites, spheres of
the file's particle radius (no rods or hollow rods), no material fade of its own,
symmetric Butler-Volmer kinetics and a thermodynamic factor of 1 (BPX's own assumptions).
BPX describes volumes and kion_sim talks in mA/g and mAh/g, so each electrode needs a
material density: a file states it under "User-defined" (below; kion_sim's exports do),
else an estimate per slot (:data:`DEFAULT_DENSITY_G_CM3`) sets the mass, and so every mA/g
and mAh/g, though not the simulated currents in A or the capacity in A.h.

Optional "User-defined" keys kion_sim reads (``SLOT`` is ``Negative`` or ``Positive``):

- ``kion_sim: SLOT electrode density [g.cm-3]``;
- ``kion_sim: SLOT electrode double-layer capacitance [F.m-2]`` (only ``kion-sim eis``);
- ``kion_sim: SLOT electrode lower potential limit [V]`` and ``... upper ...`` (vs K/K+,
  where a full cell's steps end: :func:`kion_sim.parameters.assemble.electrode_limits_V`;
  else none);
- ``kion_sim: default lower voltage cut-off [V]`` and ``... upper ...`` (the protocol's
  window; else BPX's cut-offs for a full cell, and for a half cell the OCP at the file's
  stoichiometry limits);
- ``kion_sim: first step is a charge`` (1 or 0; else a half cell of a negative electrode
  starts with a discharge, one of a positive electrode with a charge, a full cell with a
  charge).

The window and first step keys describe the cell the file holds, so ``#negative`` and
``#positive`` half cells ignore them.

Values are converted, not refitted: the rate constant k to kion_sim's exchange current
j0 = F k / 2 at the initial electrolyte concentration (see :mod:`kion_sim.io.bpx_io`), the
effective conductivity to the bulk one through the file's Bruggeman exponent
(ln transport efficiency / ln porosity), the volume fraction to a s R / 3, and a value at a
reference temperature other than 25 C to 25 C by its activation energy. Every value carries
provenance "reported", source the file and the key.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from kion_sim.errors import ParameterSetError
from kion_sim.parameters.bpx_reader import (  # noqa: F401 (the names its users know)
    DEFAULT_DENSITY_G_CM3,
    USER_PREFIX,
    BpxReader,
)
from kion_sim.parameters.catalog import BPX_REFERENCE, Component

HALF_CELL_SELECTORS = ("negative", "positive")
NOT_CARRIED = (
    "fade mechanism (SEI growth, film resistance, swelling damage): none, the cell does not fade",
    "K-trapping sites: none",
    "particle shape: spheres of the file's particle radius (no rods, no hollow rods)",
    "a material's own fade: none",
    "electrode potential limits vs K/K+: only those under the file's 'User-defined'",
    "material density: the file's 'User-defined' kion_sim density, else an estimate per slot",
)


def bpx_cannot_carry(name: str, asked: str) -> str:
    """The message for ``asked`` (a mechanism, trap sites...) on the BPX cell ``name``."""
    return (f"{name} is a BPX file, and BPX cannot carry {asked}. A BPX cell has instead: "
            f"{'; '.join(NOT_CARRIED)}. To simulate fade, write a cell TOML (kion-sim new "
            f"cell NAME --from soft_carbon_half_cell) whose [degradation] names a mechanism, "
            f"or run the BPX cell with mechanism 'none'")


def bpx_notice(name: str) -> str:
    """One paragraph for a person running the BPX cell ``name``: what it has instead."""
    return (f"{name} is a BPX file: BPX cannot carry a fade mechanism, trap sites, particle "
            f"shapes or material densities, so this cell has {'; '.join(NOT_CARRIED)} "
            f"(kion_sim.parameters.bpx_cell)")


def split_reference(name: str) -> tuple[str, str | None] | None:
    """(path, part) of a BPX reference ``PATH.json`` or ``PATH.json#part``; None otherwise."""
    match = BPX_REFERENCE.match(str(name))
    return None if match is None else (match.group("path"), match.group("part"))


def canonical_reference(name: str) -> str:
    """``name`` with its file's absolute path; the file must exist."""
    path_text, part = split_reference(name)
    path = Path(path_text).expanduser().resolve()
    if not path.is_file():
        raise ParameterSetError(
            f"BPX file {path} does not exist (given as {name!r}); give the path of a BPX .json "
            f"file, with #negative or #positive for a half cell of one of its electrodes "
            f"against K metal")
    if part is not None and part not in HALF_CELL_SELECTORS:
        raise ParameterSetError(
            f"{path}: #{part} is not a part of a BPX cell; valid: #negative or #positive (a "
            f"half cell of that electrode against K metal), or no # for the cell the file "
            f"describes")
    return str(path) if part is None else f"{path}#{part}"


def load_bpx_cell(name: str) -> Component:
    """The cell a BPX reference names (module docstring), its materials in memory."""
    path_text, part = split_reference(canonical_reference(name))
    path = Path(path_text)
    components = _read(path_text, path.stat().st_mtime_ns)
    if (part or "cell") not in components:
        raise ParameterSetError(
            f"{path}: #{part} names a half cell of one electrode of a two-electrode file, but "
            f"this file holds one electrode: it is a half cell against K metal already; give "
            f"it without #{part}")
    return components[part or "cell"]


def load_bpx_material(name: str) -> Component:
    """A material of a BPX cell: ``PATH#Negative electrode``, ``PATH#electrolyte``..."""
    path_text, part = split_reference(name)
    path = Path(path_text).expanduser().resolve()
    components = _read(str(path), path.stat().st_mtime_ns)
    if part not in components or part in ("cell", *HALF_CELL_SELECTORS):
        raise ParameterSetError(f"{path}: BPX file has no material {part!r}")
    return components[part]


def clear_bpx_caches() -> None:
    """Forget the BPX files read so far."""
    _read.cache_clear()


@functools.cache
def _read(path_text: str, _mtime_ns: int) -> dict[str, Component]:
    path = Path(path_text)
    document = _validated(path)
    return BpxReader(path, document).components()


def _validated(path: Path) -> dict:
    """The file's JSON, checked by bpx's own schema; errors name the file and the key."""
    import bpx
    import pydantic

    try:
        document = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as error:
        raise ParameterSetError(f"cannot read BPX file {path}: {error}") from None
    except json.JSONDecodeError as error:
        raise ParameterSetError(f"{path}: not valid JSON (line {error.lineno}, column "
                                f"{error.colno}: {error.msg}); a BPX file is a JSON document "
                                f"with Header, Parameterisation and State") from None
    if not isinstance(document, dict):
        raise ParameterSetError(f"{path}: a BPX file is a JSON object with Header, "
                                f"Parameterisation and State, got {type(document).__name__}")
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*model_fields.*")
            bpx.parse_bpx_obj(json.loads(json.dumps(document)))
    except pydantic.ValidationError as error:
        problems = "; ".join(f"{' > '.join(str(part) for part in item['loc'])}: {item['msg']}"
                             for item in error.errors()[:6])
        raise ParameterSetError(f"{path} is not a valid BPX file (checked by bpx "
                                f"{bpx.__version__}; the key, then what is wrong): "
                                f"{problems}") from None
    except (ValueError, TypeError, KeyError) as error:
        raise ParameterSetError(f"{path} is not a valid BPX file: {error}") from None
    return document
