"""Built, solver-ready PyBaMM simulations kept per process and solved again at other values.

Building and setting up a model (parameter processing, mesh, discretisation, IDAKLU's set-up)
is about 60 % of a two-cycle run and ~2 s of every fade run. A fit solves the same equations
at many trial values, so each process keeps the simulations it built, keyed on what fixes the
equations' structure and mesh (model, options, particle shapes, mesh sizes, the experiment's
steps), and passes the values that move between trials as PyBaMM inputs; a value that shapes
the mesh (a thickness, a rod's radii) moves on a symbolic mesh (:class:`SymbolicSubMesh`).

Which values move is said by the caller (:func:`moving_values`: the cell built at two trial
points, diffed). Those become :class:`pybamm.InputParameter` (a material function such as
:class:`~kion_sim.parameters.functions.ArrheniusDiffusivity` takes one in the field that
moved); every other value must equal the cached one exactly, or the lookup misses and a fresh
simulation is built: a hit never answers for other values than it was asked.
"""

from __future__ import annotations

import dataclasses
import functools
import numbers
import os
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pybamm

# Set by the experiment on every current-controlled step: not a value of the model then.
_EXPERIMENT_CONTROLLED = "Current function [A]"
# PyBaMM names a phase's copy of a value "Primary: <bare key>" (models.builder.with_phase_keys),
# and the trap sites' phase "Secondary: <bare key>": a value that moves moves in each copy (the
# mechanics' LAM constant has one on the trap phase; left fixed, every trial missed).
_PHASE_PREFIXES = ("Primary: ", "Secondary: ")
CACHE_SWITCH = "KION_SIM_MODEL_CACHE"  # "off" turns the cache off (e.g. to measure without)
# "off" solves cached models on CasADi's virtual machine instead of compiled C (see compiling)
COMPILE_SWITCH = "KION_SIM_COMPILE"
_OFF = ("off", "0", "false", "no")


def enabled() -> bool:
    """Whether fits reuse built models (default); ``KION_SIM_MODEL_CACHE=off`` turns it off."""
    return os.environ.get(CACHE_SWITCH, "on").strip().lower() not in _OFF


def compiling() -> bool:
    """Whether a cached model with inputs is solved as compiled C (default; ``KION_SIM_COMPILE
    =off`` turns it off). IDAKLU's ``compile`` option has gcc build the model's CasADi
    functions once (at :data:`COMPILER_FLAGS`, ~10 s a model here) and PyBaMM keeps the
    library on disk under a hash of the functions; with the moving values as inputs that hash
    holds for every trial, sample and later process, and a 500-cycle fade run solves ~3x faster
    (39 s against 13 s, SPM, 2026-12-02, at PyBaMM's -O3). Without inputs the values are
    constants in the code: every run would compile anew, so those runs are never compiled.
    Without a C compiler PyBaMM falls back to the virtual machine."""
    return os.environ.get(COMPILE_SWITCH, "on").strip().lower() not in _OFF


# gcc's optimisation of the generated C. PyBaMM 26.10 compiles at "-O3 -march=native" and takes
# no flags from IDAKLU's options. Measured on the 900 C half cell (SPM, 100 cycles at 500 mA/g,
# fresh disk cache, 2026-12-02, under load): compiling took ~26 s at -O3, ~11 s at -O1, ~6 s at
# -O0; a run then took 1.5, 1.7 and 3.2 s (5.5 s on the virtual machine). -O1 wins unless a
# structure is solved some 75 times (before radii could be inputs, an uncertainty sample that
# moved them built its own structure and solved it a few times). Its libraries are kept apart
# from PyBaMM's.
COMPILER_FLAGS = ("-O1", "-fPIC")


@functools.cache
def _compile_with_our_flags() -> None:
    """Point IDAKLU's ahead-of-time compile (the solver and its output variables) at
    :data:`COMPILER_FLAGS`, with a disk cache of its own; only solvers that ask to compile
    (the cache's) reach it."""
    from pybamm.codegen import compilation
    from pybamm.solvers import idaklu_solver, solution

    folder = Path(compilation._default_cache_dir()) / f"kion_sim{COMPILER_FLAGS[0]}"
    folder.mkdir(parents=True, exist_ok=True)
    compile_ = functools.partial(compilation.aot_compile, flags=COMPILER_FLAGS,
                                 cache_dir=str(folder))
    for module in (idaklu_solver, solution):
        if not hasattr(module, "aot_compile"):  # a PyBaMM outside the pinned series
            raise ImportError(f"{module.__name__} has no aot_compile to give compiler flags to")
        module.aot_compile = compile_


def moving_values(values: dict, other: dict) -> dict[str, tuple[str, ...] | None]:
    """PyBaMM key -> how its value can move between ``values`` and ``other`` (a cell's values at
    two trial points): ``None`` for a number, the names of the fields that differ for a material
    function (a frozen dataclass whose differing fields are numbers). Values that differ in any
    other way (a table, a type) are left out: a change in them is a miss, never an input."""
    moving: dict[str, tuple[str, ...] | None] = {}
    for key, value in values.items():
        if key == _EXPERIMENT_CONTROLLED or key not in other or same_value(value, other[key]):
            continue
        changed = other[key]
        if _is_number(value) and _is_number(changed):
            moving[key] = None
        elif dataclasses.is_dataclass(value) and type(value) is type(changed):
            fields = [f.name for f in dataclasses.fields(value)
                      if not same_value(getattr(value, f.name), getattr(changed, f.name))]
            if all(_is_number(getattr(value, f)) and _is_number(getattr(changed, f))
                   for f in fields):
                moving[key] = tuple(fields)
    return moving


def same_value(a, b) -> bool:
    """Exact equality of two parameter values (numbers, arrays, functions, tables, text)."""
    if a is b:
        return True
    if _is_number(a) and _is_number(b):
        return float(a) == float(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and bool(np.all(a == b))
    try:
        equal = a == b
    except Exception:  # noqa: BLE001 (a value whose == raises is not known to be equal)
        return False
    return equal if isinstance(equal, bool | np.bool_) else repr(a) == repr(b)


def _same_but_rounding(a, b) -> bool:
    """Two numbers that differ only in their last bits: the same value reached by another
    path (the cell's nominal capacity, mass x capacity, moves by one ulp when the density
    moves the thickness it is computed through). Nothing a solve could tell apart."""
    return _is_number(a) and _is_number(b) and abs(float(a) - float(b)) <= _ROUNDING * abs(
        float(a))


_ROUNDING = 1e-13  # ~500 ulps: the rounding of a few dozen operations, far below any tolerance


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


# PyBaMM refuses, by name, an input called as a value an experiment's step may set (a step's
# temperature). kion_sim's steps set none, so under another name the cell's temperature moves
# as an input; under its own, every uncertainty sample that moved it (each one) was refused and
# built afresh on CasADi's virtual machine (5 s a fade run against ~2 s, 2026-12-02).
_STEP_SET_VALUES = ("Ambient temperature [K]", "Initial temperature [K]")


def _input_name(key: str, field: str | None) -> str:
    name = key if field is None else f"{key} | {field}"
    return f"{name} (the cell's)" if key in _STEP_SET_VALUES else name


@dataclass
class BuiltRun:
    """A simulation to solve with ``inputs``; ``fresh`` if it was built for this run."""

    simulation: pybamm.Simulation
    inputs: dict[str, float]
    fresh: bool
    key: tuple = ()


@dataclass
class _Entry:
    simulation: pybamm.Simulation
    model: pybamm.BaseModel  # the unbuilt model, to complete the next trial's values
    values: dict  # the values it was built for (inputs at the first trial's numbers)
    inputs: dict[str, tuple[str, ...] | None]  # which values are inputs (moving_values)
    currents: dict[str, float] | None = None  # the steps' currents if numbers, not inputs


class ModelCache:
    """Built simulations of one process, at most ``max_entries`` (the least recently used one
    goes first; 0 builds every run afresh, as the cache would, and keeps none); ``hits`` and
    ``misses`` count lookups.

    Examples
    --------
    >>> cache = ModelCache()
    >>> cache.stats()
    {'hits': 0, 'misses': 0, 'entries': 0}
    """

    # 12: a mixture's three weighted mechanisms, each a fade and a two-cycle run, twice over
    # (~40 MB an entry here).
    def __init__(self, max_entries: int = 12):
        self.max_entries = max_entries
        self.hits = self.misses = 0
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._refused: set[tuple] = set()  # runs whose inputs PyBaMM refused: built without

    def stats(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses, "entries": len(self._entries)}

    def clear(self) -> None:
        self._entries.clear()

    def simulation(self, structure: tuple, experiment: pybamm.Experiment,
                   make_model: Callable[[], pybamm.BaseModel],
                   values_for: Callable[[pybamm.BaseModel], dict],
                   mesh_for: Callable[[pybamm.BaseModel], dict],
                   moving: dict[str, tuple[str, ...] | None] | Callable[[], dict]) -> BuiltRun:
        """The simulation for one run and its inputs: the cached one if ``structure`` and every
        value that is not an input match, else a new one (cached in place of any before it).

        ``values_for(model)`` gives the run's PyBaMM values, ``mesh_for(model)`` its var_pts;
        ``moving`` (or a function giving it, called only on a miss) says which values may move
        (:func:`moving_values`). The simulation runs ``experiment``: its steps are part of the
        key (what a step does is built into its model), their durations and output periods not.
        """
        # The current is the experiment's on current steps (and rests); other steps may read it.
        ignored = {_EXPERIMENT_CONTROLLED} if all(
            isinstance(step, pybamm.step.Current) for step in experiment.steps) else set()
        original, (experiment, currents) = experiment, _currents_as_inputs(experiment)
        key = (structure, tuple(step.basic_repr() for step in experiment.steps))
        entry = self._entries.get(key)
        if entry is not None and entry.currents in (None, currents):
            values = values_for(entry.model)
            inputs = _inputs_if_same(entry, values, ignored)
            if inputs is not None:
                self.hits += 1
                self._entries.move_to_end(key)
                # this run's currents, durations and output periods
                entry.simulation.experiment = (experiment if entry.currents is None
                                               else original).copy()
                return BuiltRun(entry.simulation, inputs | (currents if entry.currents is None
                                                            else {}), fresh=False, key=key)
        self.misses += 1
        model = make_model()
        values = values_for(model)
        refused = key in self._refused
        chosen = {} if refused else _usable(
            moving() if callable(moving) else moving, values, _fixed_mesh(model))
        parameters, inputs = _with_inputs(values, chosen)
        compile_ = bool(chosen) and compiling()
        if compile_:
            _compile_with_our_flags()
        solver = pybamm.IDAKLUSolver(options={"compile": compile_})
        # Built without inputs, a run keeps its own experiment (its currents numbers).
        built_for = original if refused else experiment
        simulation = pybamm.Simulation(model, parameter_values=pybamm.ParameterValues(parameters),
                                       experiment=built_for, solver=solver,
                                       var_pts=mesh_for(model),
                                       submesh_types=_submesh_types(model, chosen))
        self._entries[key] = _Entry(simulation, model, dict(values), chosen,
                                    currents if refused else None)
        if not refused:
            inputs |= currents
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return BuiltRun(simulation, inputs, fresh=True, key=key)

    def forget(self, built: BuiltRun, refused: bool = False) -> None:
        """Drop ``built`` (a run on it failed and may have left it half built); ``refused``:
        the same run built without inputs did solve, so build that run without them again."""
        for key, entry in list(self._entries.items()):
            if entry.simulation is built.simulation:
                del self._entries[key]
        if refused and built.inputs:
            self._refused.add(built.key)


def _mesh_parameters(model: pybamm.BaseModel) -> dict[str, set[str]]:
    """Domain -> names of the parameters its geometry reads (thicknesses, a rod's radii): they
    shape the mesh, so they can be inputs only on a symbolic mesh (:class:`SymbolicSubMesh`)."""
    found: dict[str, set[str]] = {}
    for domain, limits in model.default_geometry.items():
        names, pending = found.setdefault(domain, set()), list(limits.values())
        while pending:
            item = pending.pop()
            if isinstance(item, dict):
                pending.extend(item.values())
            elif isinstance(item, pybamm.Symbol):
                names.update(symbol.name for symbol in item.pre_order()
                             if isinstance(symbol, pybamm.Parameter | pybamm.FunctionParameter))
    return found


class SymbolicSubMesh(pybamm.SymbolicUniform1DSubMesh):
    """A uniform mesh over [0, 1], scaled by its limits as symbols: a thickness or a particle's
    radii can then be inputs, and an uncertainty sample that moves them solves on the model
    built (and compiled) for the first. PyBaMM's own refuses a polar coordinate that starts
    off the origin (a hollow rod's wall), though its finite volumes scale the start as they
    scale the length (``edges * length + min``); this one takes it (checked against the
    numeric mesh in tests/integration/test_model_cache.py)."""

    def __init__(self, lims, npts, tabs=None):
        spatial_var, spatial_lims, tabs = self.read_lims(lims)
        if tabs is not None:
            raise NotImplementedError("a symbolic submesh has no tabs")
        self.edges = np.linspace(0, 1, npts[spatial_var.name] + 1)
        self.length = spatial_lims["max"] - spatial_lims["min"]
        self.min = spatial_lims["min"]
        self.nodes = (self.edges[1:] + self.edges[:-1]) / 2
        self.d_edges, self.d_nodes = np.diff(self.edges), np.diff(self.nodes)
        self.npts, self.coord_sys = self.nodes.size, spatial_var.coord_sys
        self.internal_boundaries, self.dimension = [], 1


def _currents_as_inputs(experiment: pybamm.Experiment
                        ) -> tuple[pybamm.Experiment, dict[str, float]]:
    """``experiment`` with each constant current an input (one per distinct step), and their
    values. PyBaMM builds a step's current into the step's model, and a sample that moves the
    electrode's mass (its loading, its area) moves every current in amperes: before, each
    such sample built, and set up, its own models (2026-12-02: ~2.5 s a run, 4 runs a sample).
    Voltage cut-offs get their operator written out: PyBaMM reads it from the current's sign,
    which an input does not have at build time."""
    names: dict[str, str] = {}
    currents: dict[str, float] = {}

    def symbolic(step):
        if type(step) is not pybamm.step.Current or isinstance(step.value, pybamm.Symbol):
            return step
        name = names.setdefault(step.basic_repr(), _STEP_CURRENT.format(len(names) + 1))
        currents[name] = float(step.value)
        operator = "<" if step.value > 0 else ">"  # a discharge falls to its cut-off
        termination = [pybamm.step.VoltageTermination(term.value, operator)
                       if type(term) is pybamm.step.VoltageTermination and term.operator is None
                       else term for term in step.termination]
        return pybamm.step.Current(pybamm.InputParameter(name), duration=step.input_duration,
                                   termination=termination, period=step.period,
                                   temperature=step.temperature, tags=step.tags,
                                   start_time=step.start_time, description=step.description,
                                   direction=step.direction, skip_ok=step.skip_ok)

    if not any(type(step) is pybamm.step.Current for step in experiment.steps):
        return experiment, {}
    cycles = [tuple(symbolic(step) for step in cycle) for cycle in experiment.cycles]
    return pybamm.Experiment(cycles, *experiment.args[1:]), currents


_STEP_CURRENT = "Current of step {} [A] (the experiment's)"


def _fixed_mesh(model: pybamm.BaseModel) -> set[str]:
    """Parameters that shape a domain whose mesh is not uniform (no symbolic form): no inputs."""
    types = model.default_submesh_types
    return {name for domain, names in _mesh_parameters(model).items()
            if types.get(domain) is not pybamm.Uniform1DSubMesh for name in names}


def _submesh_types(model: pybamm.BaseModel, chosen: dict) -> dict:
    """The model's submesh types, symbolic in each domain whose limits read a chosen input."""
    types = dict(model.default_submesh_types)
    for domain, names in _mesh_parameters(model).items():
        if names & chosen.keys() and types.get(domain) is pybamm.Uniform1DSubMesh:
            types[domain] = SymbolicSubMesh
    return types


def _usable(moving: dict, values: dict, mesh: set[str]) -> dict[str, tuple[str, ...] | None]:
    """``moving`` restricted to keys of ``values`` whose value has that form and that are not
    in ``mesh`` (values that must stay numbers), with the phase copies (``"Primary: ..."``,
    ``"Secondary: ..."``) of moving values too (a copy: the same value; the trap sites' own
    maximum concentration is no copy of the carbon's)."""
    chosen = {}
    for key, value in values.items():
        bare = key.split(": ", 1)[1] if key.startswith(_PHASE_PREFIXES) else key
        copy = bare == key or same_value(value, values.get(bare, values.get(
            _PHASE_PREFIXES[0] + bare)))
        spec = moving.get(key, moving.get(bare, "fixed") if copy else "fixed")
        if spec == "fixed" or key == _EXPERIMENT_CONTROLLED or key in mesh:
            continue
        if spec is None and _is_number(value):
            chosen[key] = None
        elif spec is not None and dataclasses.is_dataclass(value) and all(
                _is_number(getattr(value, field, None)) for field in spec):
            chosen[key] = tuple(spec)
    return chosen


def _with_inputs(values: dict, chosen: dict) -> tuple[dict, dict[str, float]]:
    """(``values`` with the chosen ones replaced by input parameters, the inputs' numbers)."""
    parameters, inputs = dict(values), {}
    for key, fields in chosen.items():
        if fields is None:
            parameters[key] = pybamm.InputParameter(_input_name(key, None))
            inputs[_input_name(key, None)] = float(values[key])
            continue
        symbols = {field: pybamm.InputParameter(_input_name(key, field)) for field in fields}
        parameters[key] = dataclasses.replace(values[key], **symbols)
        inputs.update({_input_name(key, f): float(getattr(values[key], f)) for f in fields})
    return parameters, inputs


def _inputs_if_same(entry: _Entry, values: dict, ignored: set) -> dict[str, float] | None:
    """The inputs of ``values`` on ``entry``'s simulation; None if any other value differs."""
    if values.keys() != entry.values.keys():
        return None
    inputs: dict[str, float] = {}
    for key, value in values.items():
        cached, fields = entry.values[key], entry.inputs.get(key, "fixed")
        if key in ignored:
            continue
        if fields == "fixed":
            if not (same_value(value, cached) or _same_but_rounding(value, cached)):
                return None
        elif fields is None:
            if not _is_number(value):
                return None
            inputs[_input_name(key, None)] = float(value)
        else:
            if type(value) is not type(cached) or any(
                    not same_value(getattr(value, f.name), getattr(cached, f.name))
                    for f in dataclasses.fields(value) if f.name not in fields):
                return None
            if not all(_is_number(getattr(value, f)) for f in fields):
                return None
            inputs.update({_input_name(key, f): float(getattr(value, f)) for f in fields})
    return inputs


_PROCESS_CACHE = ModelCache()


def process_cache() -> ModelCache:
    """This process's cache (each worker of a fit has its own)."""
    return _PROCESS_CACHE
