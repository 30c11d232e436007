"""PyBOP's optimisers on kion_sim's cells: the carbon's diffusivity from a short record.

PyBOP (pybop-team/PyBOP) is optional: ``pip install 'kion_sim[pybop]'``. It is imported only
when a function here is called; without it they raise :class:`~kion_sim.errors.KionSimError`
naming that command.

Which code does what
--------------------
:func:`fit_diffusivity`
    PyBOP's chain (``Dataset -> pybop.pybamm.Simulator -> cost -> Problem -> optimiser``) on
    **kion_sim's own model** (:func:`kion_sim.models.build_model`): the carbon's hollow-rod
    wall, its concentration-dependent Butler-Volmer kinetics and the K-metal counter
    electrode, with every value of the cell's set held but the carbon's diffusivity, fitted
    log-transformed (with ``exchange_currents=True`` the carbon's and the K metal's exchange
    currents too, which separates the counter electrode's kinetics from the carbon's
    diffusion). The record is a short discharge or rate step (fitted from the set's start)
    or one GITT pulse with the rest after it (fitted from the stoichiometry the rest before it
    reached). Seconds per fit.
:func:`pybop_gitt_fit`
    **PyBOP's own GITT application** (``pybop.GITTFit``): pulse by pulse, a single spherical
    particle (``pybop.lithium_ion.SPDiffusion``) whose voltage is the OCP at its surface minus
    a *linear* series resistance, fitting the diffusion time ``R^2/D`` and that resistance.
    The sphere is given the carbon's volume per area (``R = 3 V/S``), so its short-time response
    is the rod's. It cannot represent the K-metal counter electrode or the carbon's charge
    transfer except as one constant resistance, nor the rod's wall over a long rest: on a
    simulated GITT of the 900 C carbon it reads D 1.4-1.7x too high (docs/pybop.md), where
    :func:`fit_diffusivity` lands within 3 %. A screening of D(stoichiometry).
:mod:`kion_sim.analysis.gitt` (kion_sim's Weppner-Huggins analysis)
    the OCP from the rest ends and D from each pulse's sqrt(t) slope with the particle's own
    ``V/S`` (hollow rods included), excluding the step that the counter electrode and films
    add, with the drift of a half cell's SEI in the rests corrected. No optimiser.
kion_sim's staged calibration (:mod:`kion_sim.validation`)
    values that act over cycle life (fade), the half cell's counter electrode, several
    reported targets at once. PyBOP does not fit those.

Records are tables of ``time_s``, ``voltage_V`` and ``current_mA_g`` (discharge positive, the
sign of :func:`kion_sim.analysis.gitt.gitt_record`), optionally ``stoichiometry``.
"""

from __future__ import annotations

import dataclasses
import numbers
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kion_sim.analysis.gitt import sorted_record, split_pulses, volume_to_surface_m
from kion_sim.errors import InvalidInputError, KionSimError, require_positive

INSTALL_HINT = "pip install 'kion_sim[pybop]'"
BOUNDS_FACTOR = 100.0  # the fitted D may move two decades either way from its start
_STEP_S = 1e-3  # a logged step change (two points at one time) becomes a 1 ms ramp


def require_pybop():
    """The ``pybop`` module, or :class:`KionSimError` naming the install command."""
    try:
        import pybop
    except ImportError:
        raise KionSimError(f"this fit needs PyBOP, which is not installed: {INSTALL_HINT}"
                           ) from None
    return pybop


@dataclass(frozen=True)
class DiffusivityFit:
    """What :func:`fit_diffusivity` found: the diffusivity at 25 C, its start, the fit's
    root-mean-square voltage error, the wall time, PyBOP's own result, and every fitted value
    (the exchange currents too, when fitted) by its PyBaMM name."""

    diffusivity_m2_s: float
    initial_diffusivity_m2_s: float
    rmse_V: float
    seconds: float
    window: tuple[float, float]  # record time [s] fitted, start and end
    result: Any
    fitted: dict[str, float]  # PyBaMM name -> fitted value (a law's reference value)


def pulse_windows(record: pd.DataFrame) -> list[np.ndarray]:
    """Row numbers of each GITT pulse of ``split_pulses(record)``: the last rest point before
    it, the pulse, and the rest after it. A run of current without a rest on both sides (the
    record's first or last step) is not a pulse."""
    segments = record["segment"].to_numpy()
    rest = record["phase"].to_numpy() == "rest"
    windows = []
    for number in np.unique(segments[~rest]):
        rows = np.flatnonzero(segments == number)
        after = np.flatnonzero(segments == number + 1)
        if rows[0] == 0 or not after.size or not rest[after[0]]:
            continue
        windows.append(np.arange(rows[0] - 1, after[-1] + 1))
    return windows


def _checked(record: pd.DataFrame) -> pd.DataFrame:
    """``record`` sorted by time, or :class:`InvalidInputError` naming what it lacks."""
    record = sorted_record(record, "a record")
    if not (record["current_mA_g"] != 0).any():
        raise InvalidInputError("the record holds no current: every point is at rest, so "
                                "nothing in it depends on the diffusivity")
    return record


def _duration_s(window: pd.DataFrame) -> float:
    pulse = window[window["phase"] == "pulse"]["time_s"]
    return float(pulse.iloc[-1] - pulse.iloc[0])


def _pulse_rows(record: pd.DataFrame, pulse: int) -> np.ndarray:
    windows = pulse_windows(record)
    if not windows:
        raise InvalidInputError("the record holds no GITT pulse (a current step with a rest "
                                "before and after it); give one, or pulse=None to fit the "
                                "whole record from the set's start")
    if not 0 <= pulse < len(windows):
        raise InvalidInputError(f"pulse must be 0-{len(windows) - 1} (the record's "
                                f"{len(windows)} pulses), got {pulse!r}")
    return windows[pulse]


def _dataset(pybop, record: pd.DataFrame, mass_g: float):
    """A ``pybop.Dataset`` in A and s from zero; a step logged twice at one time keeps its
    second point 1 ms later, so the interpolated current steps rather than ramps."""
    t = record["time_s"].to_numpy(float).copy()
    t -= t[0]
    for i in range(1, len(t)):
        t[i] = max(t[i], t[i - 1] + _STEP_S)
    current_A = record["current_mA_g"].to_numpy(float) * mass_g / 1000.0
    return pybop.Dataset({"Time [s]": t, "Current function [A]": current_A,
                          "Current [A]": current_A,
                          "Voltage [V]": record["voltage_V"].to_numpy(float)})


def _stop_at_current_steps(simulator, dataset) -> None:
    """Make the solver stop at every change of the current, not only at the record's ends.

    PyBOP 26.3 solves a dataset's protocol with ``t_eval = [start, end]``; after a long rest
    the adaptive step then jumps over the 1 ms step of the next pulse, and the solution misses
    a whole step (0.3 V off in a GITT record). ``t_eval`` points are where PyBaMM's solvers
    restart, so every step's two ends are added (``_t_eval`` is private: PyBOP is pinned).
    PyBOP's pull request #967 (merged July 2026, after 26.3) adds the discontinuities itself;
    with a release that has it, this goes.
    """
    t = np.asarray(dataset["Time [s]"], float)
    current = np.asarray(dataset["Current [A]"], float)
    changes = np.flatnonzero(np.diff(current) != 0)
    stops = np.unique(np.concatenate([t[[0, -1]], t[changes], t[changes + 1]]))
    if getattr(simulator, "_t_eval", None) is not None:
        simulator._t_eval = stops  # an array: PyBaMM stops at each; a list must be [t0, tf]


def _start_stoichiometry(record: pd.DataFrame, cell) -> float:
    """The carbon's stoichiometry at the record's first row: its ``stoichiometry`` column, or
    the carbon's OCP table inverted at that (rest) voltage, a half cell's K metal at 0 V."""
    if "stoichiometry" in record.columns:
        return float(record["stoichiometry"].iloc[0])
    if not cell.is_half_cell:
        raise InvalidInputError("a full cell's record needs a 'stoichiometry' column: its rest "
                                "voltage alone does not give the carbon's stoichiometry")
    sto = np.asarray(cell.carbon.ocp.stoichiometry, float)
    ocp = np.asarray(cell.carbon.ocp.potential_V, float)
    order = np.argsort(ocp)
    return float(np.interp(record["voltage_V"].iloc[0], ocp[order], sto[order]))


def _cell(cell):
    from kion_sim.parameters import cell_parameters

    return cell_parameters(cell) if isinstance(cell, str) else cell


def fit_diffusivity(record: pd.DataFrame, cell="soft_carbon_half_cell",
                    initial_diffusivity_m2_s: float | None = None, pulse: int | None = None,
                    model: str = "SPM", mesh_points: dict[str, int] | None = None,
                    optimiser=None, exchange_currents: bool = False) -> DiffusivityFit:
    """Fit the carbon's diffusivity of ``cell`` to ``record`` with PyBOP on kion_sim's model.

    Parameters
    ----------
    record
        ``time_s``, ``voltage_V``, ``current_mA_g`` (discharge positive); a short discharge
        or rate step that starts where the cell's set starts (as :func:`kion_sim.simulate`
        does), or a GITT record with ``pulse`` chosen.
    cell
        A cell name or :class:`~kion_sim.parameters.assemble.CellParameters`.
    initial_diffusivity_m2_s
        The optimiser's start (default: the set's value); bounds are 100x either way.
    pulse
        Fit only this GITT pulse (0 = the first) and the rest after it, from the
        stoichiometry at its start (the ``stoichiometry`` column, else the OCP table at the
        rest voltage). ``None``: the whole record.
    model
        ``"SPM"``, ``"SPMe"`` or ``"DFN"``, built without degradation.
    mesh_points
        PyBaMM ``var_pts`` overrides, e.g. ``{"r_p": 30}`` for a half cell's carbon.
    optimiser
        A PyBOP optimiser class (default ``pybop.SciPyMinimize``).
    exchange_currents
        Also fit the carbon's exchange current and, in a half cell, the K-metal counter
        electrode's (their reference values, log-transformed), so that neither is absorbed
        into the diffusivity. Needs pulses at several stoichiometries: the carbon's depends on
        its surface concentration, the K metal's does not.

    Examples
    --------
    >>> import kion_sim
    >>> result = kion_sim.simulate("soft_carbon_half_cell", "Discharge at 100 mA/g for 20 min",
    ...                            model="SPM", degradation=False)
    >>> fit = fit_diffusivity(result.timeseries, initial_diffusivity_m2_s=1.5e-16)
    >>> f"{fit.diffusivity_m2_s:.2g}"  # the set's own value, 4.9e-17
    '4.9e-17'
    """
    # the record's faults first, before any solve; a rate curve need not hold a rest
    if pulse is None:
        record = _checked(record)
    else:
        record = split_pulses(record)
        record = record.iloc[_pulse_rows(record, pulse)].reset_index(drop=True)
    start = (None if initial_diffusivity_m2_s is None else
             require_positive("initial_diffusivity_m2_s", initial_diffusivity_m2_s, "m2/s"))
    pybop = require_pybop()
    from kion_sim.models.builder import build_model, parameter_values
    from kion_sim.protocols import active_mass_g

    cell = _cell(cell)
    built = build_model(model, cell, degradation=False)
    values = parameter_values(cell, built)
    slot = cell.carbon.slot
    key = _carbon_key(values, f"{slot} particle diffusivity [m2.s-1]")
    if pulse is not None or "stoichiometry" in record.columns:
        concentration = _carbon_key(values, f"Initial concentration in {slot.lower()} "
                                            f"electrode [mol.m-3]")
        maximum = values[_carbon_key(values, f"Maximum concentration in {slot.lower()} "
                                             f"electrode [mol.m-3]")]
        values[concentration] = _start_stoichiometry(record, cell) * maximum
    names = {key: _free(pybop, values, key, start)}
    if exchange_currents:
        for kinetics in _exchange_current_keys(values, cell):
            names[kinetics] = _free(pybop, values, kinetics)
    dataset = _dataset(pybop, record, active_mass_g(cell))
    simulator = pybop.pybamm.Simulator(built, parameter_values=values, protocol=dataset,
                                       var_pts={**built.default_var_pts, **(mesh_points or {})})
    _stop_at_current_steps(simulator, dataset)
    # weighting by time step: a pulse is logged every 0.3 s, its rest every ~50 s
    cost = pybop.RootMeanSquaredError(dataset, weighting="domain")
    clock = time.perf_counter()
    result = (optimiser or pybop.SciPyMinimize)(pybop.Problem(simulator, cost)).run()
    fitted = {k: float(result.best_inputs[name]) for k, name in names.items()}
    return DiffusivityFit(fitted[key], float(values[names[key]].initial_value), float(
        result.best_cost), time.perf_counter() - clock, (float(record["time_s"].iloc[0]),
                                                         float(record["time_s"].iloc[-1])),
        result, fitted)


def _exchange_current_keys(values, cell) -> list[str]:
    """The carbon's exchange current, and a half cell's K-metal counter electrode's."""
    slot = cell.carbon.slot
    keys = [_carbon_key(values, f"{slot} electrode exchange-current density [A.m-2]")]
    metal = "Exchange-current density for lithium metal electrode [A.m-2]"
    return keys + [metal] if cell.is_half_cell and metal in values.keys() else keys


def _free(pybop, values, key: str, start: float | None = None) -> str:
    """Make ``values[key]`` a PyBOP parameter, log-transformed, 100x either way from its start
    (default: the set's value); returns its input name. A kion_sim law (Arrhenius diffusivity,
    Butler-Volmer exchange current) keeps its form: its reference value (25 C) is fitted."""
    import pybamm

    law = values[key]
    fields = ([f.name for f in dataclasses.fields(law) if f.name.startswith("reference_")]
              if dataclasses.is_dataclass(law) else [])
    if fields:
        name = f"{key} (reference)"
        initial = getattr(law, fields[0]) if start is None else start
        values[key] = dataclasses.replace(law, **{fields[0]: pybamm.Parameter(name)})
    elif isinstance(law, numbers.Real):
        name, initial = key, float(law) if start is None else start
    else:
        raise InvalidInputError(f"{key} is {law!r}: PyBOP can fit a number or a kion_sim law "
                                f"with a reference value here, not this")
    values[name] = pybop.Parameter(initial_value=initial,
                                   bounds=[initial / BOUNDS_FACTOR, initial * BOUNDS_FACTOR],
                                   transformation=pybop.LogTransformation())
    return name


def _at_25C(diffusivity) -> float:
    """A diffusivity value or ``(sto, T)`` function of the set, at 25 C [m2/s]."""
    value = diffusivity(0.5, 298.15) if callable(diffusivity) else diffusivity
    return float(value.evaluate() if hasattr(value, "evaluate") else value)


def _carbon_key(values, name: str) -> str:
    """With trap sites PyBaMM names the carbon's main phase ``Primary: ...``."""
    return f"Primary: {name}" if f"Primary: {name}" in values.keys() else name


class _NumericOCP:
    """The carbon's OCP for PyBOP's GITT: a PyBaMM expression of a symbol, a float of a
    number (``pybop.InverseOCV`` calls it with plain numbers)."""

    def __init__(self, ocp):
        self.ocp = ocp

    def __call__(self, sto):
        import pybamm

        if isinstance(sto, pybamm.Symbol):
            return self.ocp(sto)
        return self.ocp(pybamm.Scalar(float(np.asarray(sto).item()))).evaluate().item()


def spdiffusion_values(cell="soft_carbon_half_cell"):
    """PyBOP's grouped values of ``pybop.lithium_ion.SPDiffusion`` for a half cell's carbon,
    from its registered PyBaMM set: diffusion time ``R^2/D`` with the sphere ``R = 3 V/S``
    whose volume per area is the carbon's, and the diffusivity at 25 C."""
    pybop = require_pybop()
    import pybamm

    from kion_sim.parameters.registry import pybamm_values

    cell = _cell(cell)
    if not cell.is_half_cell:
        raise InvalidInputError(f"PyBOP's GITT fit models a half cell's working electrode; "
                                f"{cell.name!r} is a full cell: give a half cell")
    values = pybamm.ParameterValues(pybamm_values(cell.name))
    radius_m = 3.0 * volume_to_surface_m(cell)
    slot = cell.carbon.slot
    diffusivity = values[f"{slot} particle diffusivity [m2.s-1]"]
    if callable(diffusivity):  # kion_sim's Arrhenius law; PyBOP's grouping wants a number
        diffusivity = _at_25C(diffusivity)
    values.update({f"{slot} particle diffusivity [m2.s-1]": diffusivity,
                   f"{slot} particle radius [m]": radius_m})
    grouped = pybop.lithium_ion.SPDiffusion.create_grouped_parameters(values)
    grouped["Electrode OCP [V]"] = _NumericOCP(grouped["Electrode OCP [V]"])
    return grouped, radius_m


def pybop_gitt_fit(record: pd.DataFrame, cell="soft_carbon_half_cell",
                   initial_diffusivity_m2_s: float | None = None,
                   radial_points: int = 20) -> pd.DataFrame:
    """PyBOP's pulse-by-pulse GITT fit (``pybop.GITTFit``) of a half cell's record.

    One row per pulse, by stoichiometry: ``stoichiometry`` (PyBOP's, from the OCP at the rest
    before), ``diffusion_time_s`` (``R^2/D``), ``diffusivity_m2_s`` with ``R = 3 V/S``,
    ``series_resistance_ohm`` (everything but diffusion, as one linear resistance),
    ``rmse_V`` and the pulse's ``duration_s`` (every current step between two rests counts;
    kion_sim's :func:`~kion_sim.analysis.gitt.analyse_gitt` flags those too long for GITT).
    ``radial_points``: the sphere's mesh (PyBOP's default 20).
    """
    record = split_pulses(record)
    windows = pulse_windows(record)
    if not windows:
        raise InvalidInputError("the record holds no GITT pulse (a current step with a rest "
                                "before and after it)")
    points = int(require_positive("radial_points", radial_points))
    pybop = require_pybop()
    import pybamm

    from kion_sim.protocols import active_mass_g

    cell = _cell(cell)
    grouped, radius_m = spdiffusion_values(cell)
    if initial_diffusivity_m2_s is not None:
        start = require_positive("initial_diffusivity_m2_s", initial_diffusivity_m2_s, "m2/s")
        grouped["Particle diffusion time scale [s]"] = radius_m ** 2 / start
    grouped["Series resistance [Ohm]"] = 1.0
    fit = pybop.GITTFit(_dataset(pybop, record, active_mass_g(cell)), windows, grouped)

    class _Meshed(pybop.lithium_ion.SPDiffusion):
        @property
        def default_var_pts(self):
            r = pybamm.SpatialVariable("r", domain=["particle"], coord_sys="spherical polar")
            return {r: points}

    fit.pulse_fit.model = _Meshed()  # GITTFit builds its sphere with PyBOP's default mesh
    data = fit()
    tau = np.asarray(data["Particle diffusion time scale [s]"], float)
    rmse = next(k for k in data.data if k.endswith("[V]"))
    durations = np.array([_duration_s(record.iloc[rows]) for rows in windows])
    # PyBOP reverses its table unless the pulses' stoichiometry rises from first to last
    first, last = (_start_stoichiometry(record.iloc[windows[i]], cell) for i in (0, -1))
    if not (len(windows) > 1 and last > first):
        durations = durations[::-1]
    return pd.DataFrame({"stoichiometry": np.asarray(data["Stoichiometry"], float),
                         "duration_s": durations,
                         "diffusion_time_s": tau, "diffusivity_m2_s": radius_m ** 2 / tau,
                         "series_resistance_ohm": np.asarray(data["Series resistance [Ohm]"]),
                         "rmse_V": np.asarray(data[rmse], float)})
