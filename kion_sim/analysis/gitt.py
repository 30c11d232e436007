"""GITT: quasi-equilibrium OCP and solid diffusivity from a pulse-and-rest record.

A record is a table of ``time_s``, ``voltage_V`` and ``current_mA_g`` with **discharge
positive** (K+ into a half cell's working electrode, PyBaMM's and :func:`kion_sim.simulate`'s
sign); :func:`gitt_record` makes one from a simulation and
:func:`kion_sim.io.cycler.read_gitt_record` from a cycler file (whose discharge is negative).
Optional columns: ``capacity_mAh_g`` (K inserted since the start; integrated from the current
if absent) and ``stoichiometry`` (of the working electrode's main phase).

Method
------
1. **Pulses and rests.** A point is at rest when ``|current| <= rest_current_mA_g`` (default
   1 % of the median non-zero ``|current|``, as :mod:`kion_sim.io.cycler` counts rests). A
   *pulse* is a run of current points of one sign with a rest before and after it.
2. **OCP.** The voltage at the end of each rest, against the capacity and stoichiometry there.
3. **Diffusivity** (Weppner & Huggins 1977), per pulse of length ``tau``::

       D = 4 / (pi tau) * (V/S)^2 * (dE_s / dE_t)^2

   ``dE_s``: change of the rest-end voltage across the pulse. ``dE_t``: the transient's change
   ``slope * sqrt(tau)``, the slope of ``E`` against ``sqrt(t - t_pulse)`` fitted over
   ``fit_window`` (default 10-100 % of the pulse). The fit leaves out the instantaneous step at
   the pulse's start (ohmic drop, the carbon's and the K-metal counter electrode's charge
   transfer, films), which the raw end-minus-start difference would count as diffusion.
   ``V/S`` is the particle's volume per area K+ enters through: ``R/3`` for a sphere, half the
   wall for an open hollow rod (:func:`volume_to_surface_m`); the derivation uses ``V/S``
   (bulk change ``I tau / (F V)`` against the semi-infinite surface change
   ``2 I sqrt(t) / (F S sqrt(pi D))``), so it holds for any shape at short times.

Assumptions: a pulse short against diffusion through the particle, ``tau << (V/S)^2 / D``
(each pulse's ``short_time_ratio = tau D / (V/S)^2`` is reported and flagged above
:data:`SHORT_TIME_LIMIT`); ``E`` linear in ``sqrt(t)`` during the pulse (``fit_r2``);
``dE_s`` small, so ``dE/dc`` is one number over a pulse; every rest long enough to relax;
the counter electrode's and the films' polarisation constant during a pulse (it then falls in
the excluded step); all the current goes into the particles. A side reaction that goes on
during rests (SEI growth in a half cell) drains K and shrinks ``dE_s``; ``correct_drift``
subtracts the rest-end voltage drift (a steady self-discharge) extrapolated across the pulse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kion_sim.errors import InvalidInputError, require_positive

REQUIRED_COLUMNS = ("time_s", "voltage_V", "current_mA_g")
REST_FRACTION = 0.01  # |I| below 1 % of the typical pulse current counts as rest
MIN_FIT_POINTS = 5  # a line through fewer points of E vs sqrt(t) says nothing about its slope
# Planar diffusion from one face differs from the semi-infinite solution by < 0.01 % at
# tau D / L^2 = 0.1; a curved face adds ~sqrt(pi D tau)/(2 R), still small there.
SHORT_TIME_LIMIT = 0.1
_DRIFT_SHARE = 0.2  # the rest-end drift is fitted over the last 20 % of a rest


@dataclass(frozen=True)
class GittSettings:
    """The method's knobs; the defaults are those the module docstring states."""

    rest_current_mA_g: float | None = None  # None: REST_FRACTION of the median |current|
    fit_window: tuple[float, float] = (0.1, 1.0)  # share of the pulse fitted against sqrt(t)
    correct_drift: bool = False

    def check(self) -> None:
        low, high = self.fit_window
        if not 0 <= low < high <= 1:
            raise InvalidInputError(f"fit_window must be (start, end) shares of the pulse with "
                                    f"0 <= start < end <= 1, got {self.fit_window!r}")
        if self.rest_current_mA_g is not None:
            require_positive("rest_current_mA_g", self.rest_current_mA_g, "mA/g")


@dataclass(frozen=True)
class GittAnalysis:
    """What :func:`analyse_gitt` found.

    ``record``: the input with ``capacity_mAh_g``, ``phase`` ("pulse" or "rest") and
    ``segment`` (running number of each pulse or rest). ``ocp``: one row per rest end.
    ``pulses``: one row per pulse (see :data:`PULSE_COLUMNS`).
    """

    record: pd.DataFrame
    ocp: pd.DataFrame
    pulses: pd.DataFrame
    volume_to_surface_m: float
    settings: GittSettings

    @property
    def valid_pulses(self) -> pd.DataFrame:
        """The pulses short enough for the Weppner-Huggins formula."""
        return self.pulses[self.pulses["short_time_ok"]]


PULSE_COLUMNS = ["pulse", "start_s", "duration_s", "current_mA_g", "capacity_mAh_g",
                 "stoichiometry", "rest_before_V", "rest_after_V", "step_V", "delta_Es_V",
                 "delta_Et_V", "delta_Et_raw_V", "sqrt_t_slope_V_s05", "fit_r2",
                 "drift_V_s", "diffusivity_m2_s", "short_time_ratio", "short_time_ok"]


def weppner_huggins_diffusivity(duration_s: float, volume_to_surface_m: float,
                                delta_Es_V: float, delta_Et_V: float) -> float:
    """``D = 4/(pi tau) (V/S)^2 (dE_s/dE_t)^2`` [m2/s] (assumptions: module docstring).

    Examples
    --------
    >>> d = weppner_huggins_diffusivity(60.0, 0.2e-6, 0.002, 0.009)
    >>> f"{d:.3g}"
    '4.19e-17'
    """
    if delta_Et_V == 0:
        raise InvalidInputError("the pulse's transient dE_t is zero: the voltage did not move "
                                "during the pulse, so no diffusivity can be read from it")
    ratio = delta_Es_V / delta_Et_V
    return 4.0 / (np.pi * duration_s) * volume_to_surface_m ** 2 * ratio ** 2


def volume_to_surface_m(cell) -> float:
    """Volume per entry area, ``V/S`` [m], of a cell's carbon particles (the working electrode
    of a half cell, the anode of a full cell): ``R/3`` for a sphere, half the wall for an open
    hollow rod. ``cell`` is a name or :class:`~kion_sim.parameters.assemble.CellParameters`.

    Examples
    --------
    >>> round(volume_to_surface_m("soft_carbon_half_cell") * 1e6, 3)  # 0.4 um wall, open core
    0.2
    """
    from kion_sim.parameters.assemble import cell_parameters
    from kion_sim.parameters.geometry import material_geometry

    cell = cell_parameters(cell) if isinstance(cell, str) else cell
    carbon = cell.carbon
    geometry = carbon.geometry or material_geometry(carbon.material)
    return 1.0 / geometry.surface_area_per_volume_m


def gitt_record(result) -> pd.DataFrame:
    """The GITT record of a :func:`kion_sim.simulate` result: its time series plus the carbon's
    mean main-phase ``stoichiometry`` read from the solution."""
    frame = result.timeseries
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if frame.empty or missing:
        raise InvalidInputError(f"the result holds no time series with {', '.join(missing)}; "
                                f"give a finished simulate() result")
    slot = result.cell.carbon.slot.lower()
    names = [f"Average {slot} primary particle stoichiometry",
             f"Average {slot} particle stoichiometry"]  # with trap sites, or without
    variables = result.solution.all_models[0].variables
    name = next(n for n in names if n in variables)
    entries = np.concatenate([step[name].entries for cycle in result.solution.cycles
                              for step in cycle.steps])
    record = frame[list(REQUIRED_COLUMNS)].copy()
    record["stoichiometry"] = entries[:len(record)]
    return record


def sorted_record(record: pd.DataFrame, what: str) -> pd.DataFrame:
    """``record`` sorted by time, or :class:`InvalidInputError` naming ``what`` and the columns
    or rows it lacks."""
    missing = [c for c in REQUIRED_COLUMNS if c not in record.columns]
    if missing:
        raise InvalidInputError(f"{what} needs columns {', '.join(REQUIRED_COLUMNS)}; "
                                f"missing {', '.join(missing)}")
    record = record.sort_values("time_s", kind="stable").reset_index(drop=True)
    values = record[list(REQUIRED_COLUMNS)].to_numpy(float)
    if len(record) < 2 or not np.isfinite(values).all():
        raise InvalidInputError(f"{what} needs at least two rows of finite time_s, "
                                "voltage_V and current_mA_g")
    return record


def split_pulses(record: pd.DataFrame, rest_current_mA_g: float | None = None) -> pd.DataFrame:
    """``record`` checked and sorted, with ``capacity_mAh_g``, ``phase`` and ``segment``.

    Raises :class:`InvalidInputError` for missing columns, non-finite values, or a record
    without both current and rest points.
    """
    record = sorted_record(record, "a GITT record")
    current = record["current_mA_g"].to_numpy(float)
    flowing = np.abs(current) > 0
    if not flowing.any():
        raise InvalidInputError("the record holds no current: every point is at rest, so "
                                "there is no pulse to analyse")
    threshold = (REST_FRACTION * float(np.median(np.abs(current[flowing])))
                 if rest_current_mA_g is None else rest_current_mA_g)
    at_rest = np.abs(current) <= threshold
    if not at_rest.any():
        raise InvalidInputError(f"the record holds no rest (|current| <= {threshold:.3g} mA/g):"
                                f" GITT needs a rest after each pulse to read the OCP from")
    record["phase"] = np.where(at_rest, "rest", "pulse")
    # A discharge running straight into a charge is two steps, not one pulse.
    state = np.where(at_rest, 0.0, np.sign(current))
    changes = state[1:] != state[:-1]
    record["segment"] = np.concatenate([[0], np.cumsum(changes)])
    if "capacity_mAh_g" not in record.columns:
        # A step's current flows from its first logged point to its last: nothing is counted
        # between a rest's point and a pulse's.
        t = record["time_s"].to_numpy(float)
        increments = np.where(changes, 0.0, 0.5 * (current[1:] + current[:-1]) * np.diff(t))
        record["capacity_mAh_g"] = np.concatenate([[0.0], np.cumsum(increments / 3600.0)])
    return record


def _rest_drift_V_s(rest: pd.DataFrame) -> float:
    """Slope of the voltage over the last :data:`_DRIFT_SHARE` of a rest [V/s]."""
    t = rest["time_s"].to_numpy(float)
    tail = t >= t[-1] - _DRIFT_SHARE * (t[-1] - t[0])
    if tail.sum() < 2 or t[-1] == t[0]:
        return 0.0
    return float(np.polyfit(t[tail], rest["voltage_V"].to_numpy(float)[tail], 1)[0])


def _sqrt_t_fit(pulse: pd.DataFrame, window: tuple[float, float], number: int):
    """(slope [V/s^0.5], r^2) of ``E`` against ``sqrt(t - t_start)`` over ``window``."""
    t = pulse["time_s"].to_numpy(float) - pulse["time_s"].iloc[0]
    volts = pulse["voltage_V"].to_numpy(float)
    inside = (t >= window[0] * t[-1]) & (t <= window[1] * t[-1])
    if inside.sum() < MIN_FIT_POINTS:
        raise InvalidInputError(
            f"pulse {number} ({t[-1]:.3g} s) has {int(inside.sum())} points in its fit window "
            f"{window[0]:.0%}-{window[1]:.0%}; the sqrt(t) fit needs {MIN_FIT_POINTS}: record "
            f"more often or pulse longer")
    root = np.sqrt(t[inside])
    slope, intercept = np.polyfit(root, volts[inside], 1)
    residual = volts[inside] - (slope * root + intercept)
    spread = float(np.sum((volts[inside] - volts[inside].mean()) ** 2))
    r2 = 1.0 - float(np.sum(residual ** 2)) / spread if spread > 0 else 0.0
    return float(slope), r2


def _stoichiometry_at(record: pd.DataFrame, rows, initial_stoichiometry, capacity_full_mAh_g):
    """The working electrode's stoichiometry at ``rows``: the record's own column, else
    counted from the charge passed, else NaN."""
    if "stoichiometry" in record.columns:
        return record["stoichiometry"].to_numpy(float)[rows]
    if initial_stoichiometry is None or capacity_full_mAh_g is None:
        return np.full(np.size(rows), np.nan)
    capacity = record["capacity_mAh_g"].to_numpy(float)[rows]
    return initial_stoichiometry + capacity / require_positive(
        "capacity_full_mAh_g", capacity_full_mAh_g, "mAh/g")


def analyse_gitt(record: pd.DataFrame, volume_to_surface_m: float,
                 settings: GittSettings | None = None,
                 initial_stoichiometry: float | None = None,
                 capacity_full_mAh_g: float | None = None) -> GittAnalysis:
    """Quasi-equilibrium OCP and Weppner-Huggins diffusivity of each pulse of ``record``.

    Parameters
    ----------
    record
        time_s, voltage_V, current_mA_g (discharge positive); see the module docstring.
    volume_to_surface_m
        The particles' ``V/S`` [m] (:func:`volume_to_surface_m` of a cell).
    settings
        Rest threshold, sqrt(t) fit window, drift correction (:class:`GittSettings`).
    initial_stoichiometry, capacity_full_mAh_g
        Without a ``stoichiometry`` column, the
        stoichiometry at the start and the capacity of the full 0-1 span, to count it from.

    Raises
    ------
    InvalidInputError
        A record without rests or without a pulse between two rests, or a pulse with too
        few points to fit.

    Examples
    --------
    >>> t = np.arange(0.0, 3000.0, 2.0)
    >>> on = (t >= 1000) & (t < 1060)
    >>> volts = 1.0 - 0.002 * (t >= 1060) - 0.001 * np.sqrt(np.clip(t - 1000, 0, None)) * on
    >>> record = pd.DataFrame({"time_s": t, "voltage_V": volts, "current_mA_g": 50.0 * on})
    >>> result = analyse_gitt(record, volume_to_surface_m=0.2e-6)
    >>> f"{result.pulses['diffusivity_m2_s'].iloc[0]:.3g}"  # 4/(pi 58 s) (0.2 um)^2 (2/7.62)^2
    '6.06e-17'
    """
    settings = settings or GittSettings()
    settings.check()
    require_positive("volume_to_surface_m", volume_to_surface_m, "m")
    record = split_pulses(record, settings.rest_current_mA_g)
    segments = [part for _, part in record.groupby("segment", sort=True)]
    rests = [part for part in segments if part["phase"].iloc[0] == "rest"]
    rest_ends = [int(part.index[-1]) for part in rests]
    ocp = pd.DataFrame({
        "time_s": record["time_s"].to_numpy(float)[rest_ends],
        "capacity_mAh_g": record["capacity_mAh_g"].to_numpy(float)[rest_ends],
        "stoichiometry": _stoichiometry_at(record, rest_ends, initial_stoichiometry,
                                           capacity_full_mAh_g),
        "voltage_V": record["voltage_V"].to_numpy(float)[rest_ends],
        "drift_V_s": [_rest_drift_V_s(part) for part in rests]})
    rows = []
    for index in range(1, len(segments) - 1):
        before, pulse, after = segments[index - 1: index + 2]
        if [part["phase"].iloc[0] for part in (before, pulse, after)] != ["rest", "pulse",
                                                                          "rest"]:
            continue
        rows.append(_pulse_row(len(rows) + 1, before, pulse, after, volume_to_surface_m,
                               settings))
    if not rows:
        raise InvalidInputError("no pulse lies between two rests: a GITT record is rest, "
                                "pulse, rest, pulse, ..., rest")
    pulses = pd.DataFrame(rows, columns=PULSE_COLUMNS)
    middles = [int(np.searchsorted(record["time_s"].to_numpy(float), t))
               for t in pulses["start_s"] + pulses["duration_s"] / 2]
    pulses["stoichiometry"] = _stoichiometry_at(record, middles, initial_stoichiometry,
                                                capacity_full_mAh_g)
    return GittAnalysis(record, ocp, pulses, volume_to_surface_m, settings)


def _pulse_row(number: int, before: pd.DataFrame, pulse: pd.DataFrame, after: pd.DataFrame,
               volume_to_surface_m: float, settings: GittSettings) -> dict:
    # The rest's last point and the pulse's first share a time in a simulation; a cycler
    # logs the pulse's first point once the current is on: either way the pulse starts there.
    start_s = float(pulse["time_s"].iloc[0])
    duration_s = float(pulse["time_s"].iloc[-1]) - start_s
    if duration_s <= 0:
        raise InvalidInputError(f"pulse {number} at {start_s:g} s lasts no time: a pulse needs "
                                f"at least {MIN_FIT_POINTS} points over a positive duration")
    slope, r2 = _sqrt_t_fit(pulse, settings.fit_window, number)
    rest_before, rest_after = float(before["voltage_V"].iloc[-1]), float(
        after["voltage_V"].iloc[-1])
    delta_Es = rest_after - rest_before
    drift = 0.5 * (_rest_drift_V_s(before) + _rest_drift_V_s(after))
    if settings.correct_drift:  # a steady self-discharge would have moved E this much anyway
        delta_Es -= drift * (float(after["time_s"].iloc[-1]) - float(before["time_s"].iloc[-1]))
    delta_Et = slope * np.sqrt(duration_s)
    diffusivity = weppner_huggins_diffusivity(duration_s, volume_to_surface_m, delta_Es,
                                              delta_Et)
    ratio = duration_s * diffusivity / volume_to_surface_m ** 2
    return {"pulse": number, "start_s": start_s, "duration_s": duration_s,
            "current_mA_g": float(pulse["current_mA_g"].median()),
            "capacity_mAh_g": 0.5 * float(pulse["capacity_mAh_g"].iloc[0]
                                          + pulse["capacity_mAh_g"].iloc[-1]),
            "stoichiometry": np.nan, "rest_before_V": rest_before, "rest_after_V": rest_after,
            "step_V": float(pulse["voltage_V"].iloc[0]) - rest_before, "delta_Es_V": delta_Es,
            "delta_Et_V": delta_Et,
            "delta_Et_raw_V": float(pulse["voltage_V"].iloc[-1] - pulse["voltage_V"].iloc[0]),
            "sqrt_t_slope_V_s05": slope, "fit_r2": r2, "drift_V_s": drift,
            "diffusivity_m2_s": diffusivity, "short_time_ratio": ratio,
            "short_time_ok": bool(ratio <= SHORT_TIME_LIMIT)}


def _non_increasing(values: np.ndarray) -> np.ndarray:
    """The closest non-increasing sequence (least squares, pool-adjacent-violators)."""
    blocks: list[list[float]] = []  # [mean, count]
    for value in values:
        blocks.append([float(value), 1.0])
        while len(blocks) > 1 and blocks[-2][0] < blocks[-1][0]:
            mean, count = blocks.pop()
            blocks[-1] = [(blocks[-1][0] * blocks[-1][1] + mean * count)
                          / (blocks[-1][1] + count), blocks[-1][1] + count]
    return np.concatenate([np.full(int(count), mean) for mean, count in blocks])


def quasi_equilibrium_ocp(analysis: GittAnalysis, outside_stoichiometry=None,
                          outside_potential_V=None) -> pd.DataFrame:
    """The OCP table a GITT measures: the voltage at each rest end against stoichiometry.

    Rest ends are sorted by stoichiometry and made non-increasing in potential by
    least squares (pool-adjacent-violators: noise, or a rest too short to relax, can make two
    neighbours cross); rest ends at the same stoichiometry are averaged. Outside the measured
    span the table takes ``outside_*`` (the material's previous OCP), keeping only the points
    that continue the measured curve monotonically, so the table still spans the whole window.
    Columns ``stoichiometry``, ``ocp_V`` and ``measured``; ``attrs["measured_span"]``.

    Examples
    --------
    >>> ocp = pd.DataFrame({"stoichiometry": [0.3, 0.1, 0.2], "voltage_V": [0.2, 0.5, 0.31]})
    >>> analysis = GittAnalysis(pd.DataFrame(), ocp, pd.DataFrame(), 1e-7, GittSettings())
    >>> quasi_equilibrium_ocp(analysis, [0.0, 0.15, 1.0], [1.0, 0.4, 0.0])["ocp_V"].tolist()
    [1.0, 0.5, 0.31, 0.2, 0.0]
    """
    rests = analysis.ocp[["stoichiometry", "voltage_V"]].astype(float)
    if rests["stoichiometry"].isna().any() or not np.isfinite(rests["voltage_V"]).all():
        raise InvalidInputError("the GITT's rest ends have no stoichiometry (give the record a "
                                "stoichiometry column, or the analysis the initial "
                                "stoichiometry and the full capacity to count it from)")
    rests = rests.groupby("stoichiometry", as_index=False)["voltage_V"].mean()
    if len(rests) < 2:
        raise InvalidInputError(f"an OCP table needs rest ends at 2 or more stoichiometries; "
                                f"this record has {len(rests)}")
    sto = rests["stoichiometry"].to_numpy()
    ocp = _non_increasing(rests["voltage_V"].to_numpy())
    low_side, high_side = [], []
    if outside_stoichiometry is not None:
        x = np.asarray(outside_stoichiometry, float)
        y = np.asarray(outside_potential_V, float)
        floor = ocp[0]
        for xi, yi in sorted(zip(x[x < sto[0]], y[x < sto[0]], strict=True), reverse=True):
            if yi >= floor:  # walking down in stoichiometry, the OCP must not fall
                low_side.append((xi, yi))
                floor = yi
        ceiling = ocp[-1]
        for xi, yi in sorted(zip(x[x > sto[-1]], y[x > sto[-1]], strict=True)):
            if yi <= ceiling:
                high_side.append((xi, yi))
                ceiling = yi
    rows = [(xi, yi, False) for xi, yi in reversed(low_side)]
    rows += [(xi, yi, True) for xi, yi in zip(sto, ocp, strict=True)]
    rows += [(xi, yi, False) for xi, yi in high_side]
    table = pd.DataFrame(rows, columns=["stoichiometry", "ocp_V", "measured"])
    table.attrs["measured_span"] = (float(sto[0]), float(sto[-1]))
    return table
