"""Stored brute-force fade runs, for the tests that judge the fast path against them.

A brute-force run (``fade_run(..., exact=True)``: every cycle solved) is an independent
calculation of what the fast path extrapolates, and the longest part of the suite: 500 cycles of
the full cell take minutes. Its numbers are fixed by what it is given (IDAKLU is deterministic:
solved again in another process, a stored run came back to the last digit), so it is stored
here, keyed on a digest of all of that:

- the run: cell, mechanism, model, current, cycles, the one-cycle protocol text;
- the values PyBaMM is given (every parameter value, functions by their dataclass repr, which
  holds every number they use; the bibliography left out), the model's class, options,
  particle geometries and mesh, the experiment's steps, and the active mass capacities are
  given per gram of;
- the source of every kion_sim module that the per-cycle solve imports, followed through the
  imports of :mod:`kion_sim.simulation.fade` (statically: a module imported anywhere in it
  counts, so nothing it can run is missed), and of this module;
- the versions of Python, PyBaMM, its solvers, CasADi, NumPy, SciPy and pandas, and the CPU.

A stored run whose key does not match today's is never used: the test solves the brute force
again (and warns that the store is stale), so a reference cannot go stale silently; only the
time saved is lost until ``python tests/reference_runs/refresh.py`` rewrites it (CI on other
versions solves every run, as before). The fast path is always solved afresh, so each test can
fail exactly as before.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import json
import os
import platform
import sys
import warnings
from pathlib import Path

import pandas as pd

import kion_sim
from kion_sim.models.builder import build_model, parameter_values, particle_geometries
from kion_sim.parameters.assemble import CellParameters
from kion_sim.protocols.experiment import active_mass_g, galvanostatic_cycles, to_experiment
from kion_sim.protocols.language import parse_protocol
from kion_sim.simulation.fade import fade_run

STORE = Path(__file__).parent
WRITE = "KION_SIM_WRITE_REFERENCES"  # set by refresh.py: rewrite the stale runs
REFRESH = "python tests/reference_runs/refresh.py"
_SOLVE_MODULE = "kion_sim.simulation.fade"
_VERSIONS = ("pybamm", "pybammsolvers", "casadi", "numpy", "scipy", "pandas")
_UNKEYED = ("citations",)  # bibliography only: no solve reads it


def brute_force_summary(cell: CellParameters, current_density_mA_g: float, cycles: int,
                        model: str = "SPM", lower_V: float | None = None,
                        upper_V: float | None = None, cycle_protocol: str | None = None,
                        name: str | None = None) -> pd.DataFrame:
    """``fade_run(cell, ..., exact=True).summary``: stored if its key matches, else solved.

    ``name``: the stored file's (default: from the cell, mechanism, model, current, cycles);
    give one to a cell whose values differ from its name's (one file per run, else two runs
    would overwrite each other's).
    """
    protocol = cycle_protocol or galvanostatic_cycles(cell, current_density_mA_g, 1, lower_V,
                                                      upper_V)
    parts = key_parts(cell, protocol, cycles, model)
    key = _digest(parts)
    name = name or _name(cell, current_density_mA_g, cycles, model, cycle_protocol)
    path = STORE / f"{name}.json"
    stored = json.loads(path.read_text()) if path.is_file() else None
    if stored is not None and stored["key"] == key:
        return pd.DataFrame(stored["summary"])
    summary = fade_run(cell, current_density_mA_g, cycles, model, lower_V, upper_V, exact=True,
                       cycle_protocol=cycle_protocol).summary
    if os.environ.get(WRITE):
        path.write_text(json.dumps({"key": key, "parts": _part_digests(parts),
                                    "summary": summary.to_dict(orient="list")}, indent=1) + "\n")
    else:
        changed = stale_parts(stored, parts) if stored else ["no stored run"]
        warnings.warn(f"{path.name}: stored brute force is stale ({', '.join(changed)}), solved "
                      f"again; `{REFRESH}` rewrites it", stacklevel=2)
    return summary


def key_parts(cell: CellParameters, protocol: str, cycles: int, model: str) -> dict:
    """Everything the brute-force run's numbers depend on, as text (see the module docstring)."""
    pybamm_model = build_model(model, cell)
    values = parameter_values(cell, pybamm_model)
    value_text = {key: repr(value) for key, value in values.items() if key not in _UNKEYED}
    experiment = to_experiment(parse_protocol(protocol), cell)
    described = {
        "parameter values": value_text,
        "model": [type(pybamm_model).__qualname__,
                  repr(sorted(pybamm_model.options.items(), key=str)),
                  repr(particle_geometries(cell)), repr(pybamm_model.default_var_pts),
                  repr(pybamm_model.default_submesh_types),
                  repr({domain: (type(method).__qualname__, getattr(method, "options", None))
                        for domain, method in pybamm_model.default_spatial_methods.items()})],
        "experiment": [repr(step) + repr(step.to_dict()) for step in experiment.steps],
    }
    unkeyable = [part for part, text in described.items() if " at 0x" in repr(text)]
    if unkeyable:  # an object printed by its address is not described by its text
        raise ValueError(f"cannot key a stored run on {unkeyable}: a value prints by address")
    return {
        "run": {"cell": cell.name, "mechanism": cell.mechanism.name, "model": model,
                "protocol": protocol, "cycles": int(cycles),
                "mass [g]": repr(active_mass_g(cell))},
        **described,
        "source": source_digests(),
        "versions": {"python": sys.version, "machine": platform.machine(),
                     **{name: importlib.metadata.version(name) for name in _VERSIONS}},
    }


def stale_parts(stored: dict, parts: dict) -> list[str]:
    """What changed since ``stored`` was written: part names, or the source files."""
    then, now = stored.get("parts", {}), _part_digests(parts)
    changed = [name for name in now if name != "source" and then.get(name) != now[name]]
    sources = then.get("source", {})
    changed += [f"{file} changed" for file in sorted(set(sources) | set(now["source"]))
                if sources.get(file) != now["source"].get(file)]
    return changed or ["key"]


def source_digests() -> dict[str, str]:
    """sha256 of every kion_sim file the per-cycle solve can import, and of this one."""
    root = Path(kion_sim.__file__).parent
    files = {f"kion_sim/{path.relative_to(root)}": path for path in _imported(root, _SOLVE_MODULE)}
    files["tests/reference_runs/__init__.py"] = Path(__file__)
    return {name: hashlib.sha256(path.read_bytes()).hexdigest()
            for name, path in sorted(files.items())}


def _imported(root: Path, start: str) -> set[Path]:
    """Files of ``start`` and of every kion_sim module it imports, at any depth, wherever in
    a file the import stands, with the packages each one's import runs."""
    seen, todo, files = set(), [start], set()
    while todo:
        module = todo.pop()
        path = _module_file(root, module)
        if module in seen or path is None:
            continue
        seen.add(module)
        files.add(path)
        parts = module.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # its parent packages
        package = module if path.name == "__init__.py" else ".".join(parts[:-1])
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                todo += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the package, up level - 1
                    up = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                todo += [base] + [f"{base}.{alias.name}" for alias in node.names]
    return files


def _module_file(root: Path, module: str) -> Path | None:
    if module != "kion_sim" and not module.startswith("kion_sim."):
        return None
    path = root.parent.joinpath(*module.split("."))
    for candidate in (path / "__init__.py", path.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None  # a name imported from a module, not a module


def _name(cell, current_density_mA_g, cycles, model, cycle_protocol) -> str:
    name = f"{cell.name}-{cell.mechanism.name}-{model}-{current_density_mA_g:g}mA_g-{cycles}"
    if cycle_protocol:
        name += "-" + hashlib.sha256(cycle_protocol.encode()).hexdigest()[:8]
    return name


def _part_digests(parts: dict) -> dict:
    """Each part's digest (the source file by file), so a stale run can say what changed."""
    return {name: value if name == "source" else _digest(value)
            for name, value in parts.items()}


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()
