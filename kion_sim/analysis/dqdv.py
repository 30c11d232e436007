"""Differential capacity (dQ/dV) of one half cycle, measured or simulated, by one method.

1. **Uniform voltage grid by binning.** The half cycle's points fall into voltage bins
   ``grid_step_V`` wide (default 2 mV) centred on multiples of the step; each bin gives the mean
   voltage and mean capacity of its points, and capacity is interpolated linearly from those
   means onto the bin centres. Why bins: a noisy voltage goes back and forth, so sorting keeps
   the zig-zag, and a running-min/max envelope is biased by the noise extremes and turns
   plateaus into stairs; bin means average the noise down and stay centred.
2. **Savitzky-Golay derivative** (``scipy.signal.savgol_filter``, ``deriv=1``): cubic over a
   40 mV window (21 grid points) by default; the filter smooths and differentiates at once.
3. **Sign**: positive on charge and on discharge (capacity counted from the step's start, per
   volt the voltage moves in the step's own direction), as K-ion papers plot it; mAh g-1 V-1.
4. **Peaks**: ``scipy.signal.find_peaks`` with a prominence of at least 5 % of the curve's
   maximum; width is the full width at half prominence (``peak_widths``, ``rel_height=0.5``),
   which equals the full width at half maximum for a peak standing on zero.

Measured files (``kion_sim.io.read_cycler(...).curves``) and simulations
(``simulate(...).timeseries``) carry the same columns and go through the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.integrate import trapezoid

from kion_sim.errors import InvalidInputError, require_positive

MIN_POINTS = 20  # fewer points than this cannot show a peak and its two flanks
# A step whose voltage turns back by more than this holds both directions: cycler noise and
# the relaxation at a step's start stay below ~10 mV.
MAX_REVERSAL_V = 0.05
PEAK_COLUMNS = ["potential_V", "height_mAh_g_V", "width_V", "prominence_mAh_g_V"]


@dataclass(frozen=True)
class DqdvSettings:
    """The method's knobs; the defaults are those the module docstring states."""

    grid_step_V: float = 0.002
    window_V: float = 0.040
    polyorder: int = 3
    prominence_fraction: float = 0.05

    @property
    def window_points(self) -> int:
        """Savitzky-Golay window on the grid: odd, spanning ``window_V``."""
        return 2 * int(round(self.window_V / (2 * self.grid_step_V))) + 1

    def check(self) -> None:
        require_positive("grid_step_V", self.grid_step_V, "V")
        require_positive("window_V", self.window_V, "V")
        if not 0 <= self.prominence_fraction < 1:
            raise InvalidInputError(f"prominence_fraction must lie in [0, 1) (a share of the "
                                    f"curve's maximum), got {self.prominence_fraction!r}")
        if not 1 <= self.polyorder < self.window_points - 1:
            raise InvalidInputError(
                f"polyorder {self.polyorder!r} needs 1 <= polyorder < {self.window_points - 1} "
                f"for a window of {self.window_points} points ({self.window_V:g} V on a "
                f"{self.grid_step_V:g} V grid): lower it or widen window_V")

    def describe(self) -> str:
        """One line for reports and figure captions."""
        return (f"Savitzky-Golay order {self.polyorder}, {self.window_points} points "
                f"({1000 * (self.window_points - 1) * self.grid_step_V:.0f} mV) on a "
                f"{1000 * self.grid_step_V:g} mV grid; peaks of prominence >= "
                f"{100 * self.prominence_fraction:g} % of the maximum")


@dataclass(frozen=True)
class DifferentialCapacity:
    """dQ/dV of one half cycle on a uniform voltage grid, with its peaks and its method."""

    direction: str  # "discharge" (voltage falls) or "charge" (voltage rises)
    voltage_V: np.ndarray
    capacity_mAh_g: np.ndarray  # binned capacity on the grid, counted from the step's start
    dqdv_mAh_g_V: np.ndarray  # positive in either direction
    peaks: pd.DataFrame = field(repr=False)  # columns PEAK_COLUMNS, by rising potential
    settings: DqdvSettings

    @property
    def integral_mAh_g(self) -> float:
        """Capacity recovered by integrating dQ/dV over the grid (a check on the method)."""
        return float(trapezoid(self.dqdv_mAh_g_V, self.voltage_V))

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"step_kind": self.direction, "voltage_V": self.voltage_V,
                             "capacity_mAh_g": self.capacity_mAh_g,
                             "dqdv_mAh_g_V": self.dqdv_mAh_g_V})


def differential_capacity(capacity_mAh_g, voltage_V,
                          settings: DqdvSettings | None = None) -> DifferentialCapacity:
    """dQ/dV [mAh g-1 V-1] of one charge or one discharge step, and its peaks.

    Parameters
    ----------
    capacity_mAh_g
        Capacity counted from the step's start, in the order recorded.
    voltage_V
        The voltage at each point; noise and small back-and-forth are fine.
    settings
        Grid step, window, polynomial order, peak prominence (see ``DqdvSettings``).

    Raises
    ------
    InvalidInputError
        On NaNs, fewer than ``MIN_POINTS`` points, a capacity that does not count up, a
        voltage that turns back (more than one half cycle) or spans less than the window.

    Examples
    --------
    >>> v = np.linspace(1.0, 0.0, 500)
    >>> q = 300 / (1 + np.exp((v - 0.5) / 0.05))  # one step at 0.5 V: peak 300 / 0.2 = 1500
    >>> result = differential_capacity(q, v)
    >>> peak = result.peaks.iloc[0]
    >>> round(float(peak["potential_V"]), 3), round(float(peak["height_mAh_g_V"]), -1)
    (0.5, 1500.0)
    """
    settings = settings or DqdvSettings()
    settings.check()
    q, v, direction = _checked_half_cycle(capacity_mAh_g, voltage_V)
    grid, q_grid = _capacity_on_grid(q, v, settings.grid_step_V)
    if len(grid) < settings.window_points:
        raise InvalidInputError(
            f"the voltage spans {np.ptp(v):.3g} V, shorter than the smoothing window "
            f"({settings.window_V:g} V = {settings.window_points} points of "
            f"{settings.grid_step_V:g} V): give a longer half cycle or a smaller window_V")
    sign = -1.0 if direction == "discharge" else 1.0  # capacity rises as voltage falls
    # Imported here: scipy.signal (and scipy.stats under it) is ~1 s of every `import kion_sim`.
    from scipy.signal import savgol_filter

    dqdv = sign * savgol_filter(q_grid, settings.window_points, settings.polyorder, deriv=1,
                                delta=settings.grid_step_V, mode="interp")
    peaks = find_dqdv_peaks(grid, dqdv, settings.prominence_fraction)
    return DifferentialCapacity(direction, grid, q_grid, dqdv, peaks, settings)


def find_dqdv_peaks(voltage_V: np.ndarray, dqdv_mAh_g_V: np.ndarray,
                    prominence_fraction: float = 0.05) -> pd.DataFrame:
    """Peaks of a dQ/dV curve on a uniform grid: potential, height, width at half prominence."""
    from scipy.signal import find_peaks, peak_widths  # not at import: see differential_capacity

    top = float(np.max(dqdv_mAh_g_V))
    if not top > 0:
        return pd.DataFrame(columns=PEAK_COLUMNS, dtype=float)
    index, properties = find_peaks(dqdv_mAh_g_V, prominence=prominence_fraction * top)
    widths = peak_widths(dqdv_mAh_g_V, index, rel_height=0.5, prominence_data=(
        properties["prominences"], properties["left_bases"], properties["right_bases"]))[0]
    step = float(voltage_V[1] - voltage_V[0])
    return pd.DataFrame({"potential_V": voltage_V[index], "height_mAh_g_V": dqdv_mAh_g_V[index],
                         "width_V": widths * step,
                         "prominence_mAh_g_V": properties["prominences"]})


def half_cycle(table: pd.DataFrame, cycle: int, direction: str,
               step: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(capacity [mAh/g], voltage [V]) of one step from a curve or timeseries table.

    Takes ``voltage_curves(...)``, ``CyclerData.curves``, ``simulate(...).timeseries`` or
    ``Comparison.curves`` (capacity as ``capacity_mAh_g`` or ``step_capacity_mAh_g``).
    """
    capacity = "capacity_mAh_g" if "capacity_mAh_g" in table else "step_capacity_mAh_g"
    missing = {"cycle", "step_kind", "voltage_V", capacity} - set(table.columns)
    if missing:
        raise InvalidInputError(f"a curve table needs columns cycle, step_kind, voltage_V and "
                                f"capacity_mAh_g; missing {', '.join(sorted(missing))}")
    rows = table[(table["cycle"] == cycle) & (table["step_kind"] == direction)]
    if rows.empty:
        held = table[table["step_kind"].isin(["discharge", "charge"])]
        pairs = sorted({(int(c), str(k)) for c, k in zip(held["cycle"], held["step_kind"],
                                                           strict=True)})
        raise InvalidInputError(f"no {direction} step in cycle {cycle}; the table holds "
                                f"{', '.join(f'cycle {c} {k}' for c, k in pairs[:8]) or 'none'}")
    if "step" in rows:
        steps = sorted(int(s) for s in rows["step"].unique())
        if (step is None and len(steps) > 1) or (step is not None and step not in steps):
            raise InvalidInputError(f"cycle {cycle} holds {direction} steps {steps}: pass one "
                                    f"of them as step= (dQ/dV takes one step)")
        rows = rows[rows["step"] == (steps[0] if step is None else step)]
    return rows[capacity].to_numpy(float), rows["voltage_V"].to_numpy(float)


def _checked_half_cycle(capacity_mAh_g, voltage_V) -> tuple[np.ndarray, np.ndarray, str]:
    """The arrays, validated, and the step's direction from the voltage trend."""
    q = np.asarray(capacity_mAh_g, dtype=float).ravel()
    v = np.asarray(voltage_V, dtype=float).ravel()
    if q.shape != v.shape:
        raise InvalidInputError(f"capacity and voltage need one value per point; got "
                                f"{q.size} capacities and {v.size} voltages")
    for name, values in (("capacity_mAh_g", q), ("voltage_V", v)):
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise InvalidInputError(f"{name} holds {bad.size} NaN or infinite values (first at "
                                    f"point {bad[0]}): drop those points before dQ/dV")
    if q.size < MIN_POINTS:
        raise InvalidInputError(f"dQ/dV needs at least {MIN_POINTS} points of one half cycle; "
                                f"got {q.size}")
    if not q[-1] > q[0]:
        raise InvalidInputError(f"capacity must count up from the step's start (the step "
                                f"capacity); it goes from {q[0]:g} to {q[-1]:g} mAh/g")
    direction = "discharge" if np.polyfit(q, v, 1)[0] < 0 else "charge"
    if direction == "discharge":
        reversal = float(np.max(v - np.minimum.accumulate(v)))
    else:
        reversal = float(np.max(np.maximum.accumulate(v) - v))
    if reversal > MAX_REVERSAL_V:
        raise InvalidInputError(
            f"the voltage of this {direction} turns back by {reversal:.3f} V (more than "
            f"{MAX_REVERSAL_V} V of noise or relaxation): it holds more than one half cycle; "
            f"pass one charge or one discharge step (see half_cycle)")
    return q, v, direction


def _capacity_on_grid(q: np.ndarray, v: np.ndarray, step_V: float
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Bin means of (voltage, capacity), interpolated onto bin centres at multiples of step."""
    index = np.rint(v / step_V).astype(np.int64)
    offset = index - index.min()
    counts = np.bincount(offset)
    filled = counts > 0
    mean_v = np.bincount(offset, weights=v)[filled] / counts[filled]
    mean_q = np.bincount(offset, weights=q)[filled] / counts[filled]
    # Grid nodes at whole multiples of the step, so two curves share nodes exactly.
    grid = (index.min() + np.arange(counts.size)) * step_V
    return grid, np.interp(grid, mean_v, mean_q)


@dataclass
class DqdvComparison:
    """Measured and simulated dQ/dV on one grid, and their peaks matched by potential.

    ``curves``: step_kind, voltage_V, measured_dqdv_mAh_g_V, simulated_dqdv_mAh_g_V (NaN
    where one curve does not reach). ``peaks``: one row per peak pair or lone peak, with
    shift_V = simulated - measured potential and height_ratio = simulated / measured.
    """

    results: dict[tuple[str, str], DifferentialCapacity]  # (source, direction) -> result
    curves: pd.DataFrame
    peaks: pd.DataFrame
    settings: DqdvSettings


def compare_dqdv(measured: pd.DataFrame, simulated: pd.DataFrame, cycle: int = 2,
                 directions: tuple[str, ...] = ("discharge", "charge"),
                 settings: DqdvSettings | None = None,
                 max_shift_V: float = 0.15) -> DqdvComparison:
    """dQ/dV of one cycle of a measured and a simulated run, side by side.

    Each table is any that ``half_cycle`` takes. Peaks further apart than ``max_shift_V``
    stay unmatched (a row with the other side empty).

    Examples
    --------
    >>> from kion_sim.io import read_cycler
    >>> data = read_cycler("my_carbon.mpr", mass_mg=1.2)  # doctest: +SKIP
    >>> result = simulate("soft_carbon_half_cell", ...)  # doctest: +SKIP
    >>> compare_dqdv(data.curves, result.timeseries).peaks  # doctest: +SKIP
    """
    settings = settings or DqdvSettings()
    results, curves, peaks = {}, [], []
    for direction in directions:
        for source, table in (("measured", measured), ("simulated", simulated)):
            result = differential_capacity(*half_cycle(table, cycle, direction), settings)
            if result.direction != direction:
                raise InvalidInputError(
                    f"the {source} {direction} step of cycle {cycle} has a voltage that "
                    f"{'falls' if result.direction == 'discharge' else 'rises'}, as in a "
                    f"{result.direction}: check the current's sign convention of the file")
            results[source, direction] = result
        pair = [results[source, direction] for source in ("measured", "simulated")]
        curves.append(_on_one_grid(*pair))
        peaks.append(match_peaks(pair[0].peaks, pair[1].peaks, max_shift_V)
                     .assign(step_kind=direction))
    peak_table = pd.concat(peaks, ignore_index=True)
    peak_table = peak_table[["step_kind", *peak_table.columns.drop("step_kind")]]
    return DqdvComparison(results, pd.concat(curves, ignore_index=True), peak_table, settings)


def compare_dqdv_sources(curves: pd.DataFrame, cycle: int = 2, **options) -> DqdvComparison:
    """``compare_dqdv`` on a long table whose ``source`` column says measured or simulated
    (``kion_sim.validation.user_data.Comparison.curves``)."""
    if "source" not in curves:
        raise InvalidInputError("the curve table needs a 'source' column (measured/simulated)")
    return compare_dqdv(curves[curves["source"] == "measured"],
                        curves[curves["source"] == "simulated"], cycle, **options)


def match_peaks(measured: pd.DataFrame, simulated: pd.DataFrame,
                max_shift_V: float = 0.15) -> pd.DataFrame:
    """Pair peaks one to one, nearest potentials first; lone peaks keep their own row."""
    distance = np.abs(measured["potential_V"].to_numpy()[:, None]
                      - simulated["potential_V"].to_numpy()[None, :])
    pairs, used_m, used_s = [], set(), set()
    for i, j in zip(*np.unravel_index(np.argsort(distance, axis=None), distance.shape),
                    strict=True):
        if distance[i, j] <= max_shift_V and i not in used_m and j not in used_s:
            pairs.append((i, j))
            used_m.add(i)
            used_s.add(j)
    pairs += [(i, None) for i in range(len(measured)) if i not in used_m]
    pairs += [(None, j) for j in range(len(simulated)) if j not in used_s]
    rows = []
    for i, j in pairs:
        row = {}
        for source, frame, k in (("measured", measured, i), ("simulated", simulated, j)):
            for column in ("potential_V", "height_mAh_g_V", "width_V"):
                row[f"{source}_{column}"] = np.nan if k is None else frame[column].iloc[k]
        rows.append(row)
    table = pd.DataFrame(rows, columns=[f"{s}_{c}" for s in ("measured", "simulated")
                                        for c in ("potential_V", "height_mAh_g_V", "width_V")])
    table["shift_V"] = table["simulated_potential_V"] - table["measured_potential_V"]
    table["height_ratio"] = table["simulated_height_mAh_g_V"] / table["measured_height_mAh_g_V"]
    order = table["measured_potential_V"].fillna(table["simulated_potential_V"])
    return table.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


def _on_one_grid(measured: DifferentialCapacity, simulated: DifferentialCapacity
                 ) -> pd.DataFrame:
    """Both curves on the shared grid nodes (whole multiples of the grid step)."""
    step = measured.settings.grid_step_V
    frames = [pd.DataFrame({"node": np.rint(r.voltage_V / step).astype(np.int64),
                            f"{source}_dqdv_mAh_g_V": r.dqdv_mAh_g_V})
              for source, r in (("measured", measured), ("simulated", simulated))]
    joined = frames[0].merge(frames[1], on="node", how="outer").sort_values("node")
    joined.insert(0, "voltage_V", joined.pop("node") * step)
    joined.insert(0, "step_kind", measured.direction)
    return joined.reset_index(drop=True)
