"""The measured capacity of every cycle as one fit target, and how well a fit meets it.

:class:`CapacityFadeTarget` compares the measured retention (the depotassiation capacity of
each cycle as % of cycle 2's, as the field reports it) with the fast path's per-cycle summary:

- retention, not capacity: the capacity and the diffusivity are fitted to cycle 2's capacity
  and curve; a ratio leaves to the fade value what it alone sets, the curve's shape (the staged
  fit's stage 1 relies on this);
- a thinned set of cycles (cycles 3 to the last, at most :data:`MAX_FADE_POINTS`, evenly
  spaced, the last always in): the fast path solves some 10-25 cycles and interpolates the rest,
  so a residual per cycle of a 500-cycle file would add hundreds of nearly dependent rows and
  weigh the fade 500 to 1 against cycle 2's capacity;
- each residual in units of :func:`fade_uncertainty_points`: the file's own cycle-to-cycle
  scatter, but never below the fast path's tolerance per jump (0.5 points of cycle 2's
  capacity), below which a residual would measure the extrapolation, not the cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kion_sim.analysis.cycles import capacity_retention
from kion_sim.errors import InvalidInputError
from kion_sim.validation.fitting import Run

MAX_FADE_POINTS = 40
# A cycle's retention is not read finer than the fast path's errors against every cycle
# solved (0.01-0.6 points at the half cells' tolerances, docs/performance.md).
FADE_FLOOR_POINTS = 0.5
FIRST_FADE_CYCLE = 3  # cycle 1 is formation, cycle 2 the reference (100 % by definition)


def fade_uncertainty_points(retention_pct: np.ndarray) -> float:
    """1-sigma of one cycle's measured retention [points]: the scatter of the file's second
    differences (a smooth fade has almost none; noise of sigma gives sqrt(6) sigma), by the
    median absolute deviation so a few odd cycles do not set it, floored at
    :data:`FADE_FLOOR_POINTS`."""
    second = np.diff(np.asarray(retention_pct, float), n=2)
    if len(second) < 3:
        return FADE_FLOOR_POINTS
    scatter = 1.4826 * np.median(np.abs(second - np.median(second))) / np.sqrt(6.0)
    return float(max(FADE_FLOOR_POINTS, scatter))


def thinned_cycles(last_cycle: int, max_points: int = MAX_FADE_POINTS) -> tuple[int, ...]:
    """Cycles 3..``last_cycle``, at most ``max_points`` of them evenly spaced, the last in."""
    if last_cycle < FIRST_FADE_CYCLE:
        raise InvalidInputError(f"a fade curve needs cycles {FIRST_FADE_CYCLE} or later (cycle "
                                f"2 is the reference); got {last_cycle} cycles")
    count = min(max_points, last_cycle - FIRST_FADE_CYCLE + 1)
    return tuple(int(c) for c in np.unique(np.round(np.linspace(FIRST_FADE_CYCLE, last_cycle,
                                                                count))))


@dataclass(frozen=True)
class CapacityFadeTarget:
    """The measured retention [% of cycle 2's charge capacity] of ``cycles``, at one current.

    One residual per listed cycle, (simulated - measured) / ``uncertainty_points``; the
    run is as long as the last listed cycle (the fast fade path from 10 cycles).

    Examples
    --------
    >>> target = CapacityFadeTarget(100.0, (3, 4), (99.0, 98.0), uncertainty_points=0.5)
    >>> summary = pd.DataFrame({"cycle": [1, 2, 3, 4],
    ...                         "charge_capacity_mAh_g": [300.0, 300.0, 297.0, 294.0]})
    >>> target.residuals(summary, None).tolist()
    [0.0, 0.0]
    """

    current_density_mA_g: float
    cycles: tuple[int, ...]
    retention_pct: tuple[float, ...]
    lower_V: float | None = None
    upper_V: float | None = None
    uncertainty_points: float = FADE_FLOOR_POINTS

    def __post_init__(self):
        if len(self.cycles) != len(self.retention_pct) or not self.cycles:
            raise InvalidInputError("a fade target needs one measured retention per cycle, "
                                    f"got {len(self.cycles)} cycles and "
                                    f"{len(self.retention_pct)} retentions")
        if not self.uncertainty_points > 0:
            raise InvalidInputError(f"uncertainty_points must be > 0, got "
                                    f"{self.uncertainty_points}")

    @property
    def run(self) -> Run:
        return Run(self.current_density_mA_g, max(self.cycles), self.lower_V, self.upper_V)

    @property
    def residual_count(self) -> int:
        return len(self.cycles)

    @property
    def label(self) -> str:
        return (f"retention of {len(self.cycles)} cycles {min(self.cycles)}-{max(self.cycles)} "
                f"at {self.current_density_mA_g:g} mA/g, RMS error [points]")

    @property
    def measured(self) -> float:  # reported as an RMS error, measured against zero
        return 0.0

    def simulated_retention(self, summary: pd.DataFrame) -> np.ndarray:
        retention = capacity_retention(summary).set_axis(summary["cycle"].to_numpy())
        return retention.reindex(list(self.cycles)).to_numpy(float)

    def simulated(self, summary: pd.DataFrame, timeseries: pd.DataFrame) -> float:
        """RMS retention error [points] over the listed cycles."""
        errors = self.residuals(summary, timeseries) * self.uncertainty_points
        return float(np.sqrt(np.mean(errors**2)))

    def residuals(self, summary: pd.DataFrame, timeseries: pd.DataFrame) -> np.ndarray:
        simulated = self.simulated_retention(summary)
        # A run that stopped early (the cell ran out of capacity) missed its later cycles: 0 %.
        simulated = np.where(np.isnan(simulated), 0.0, simulated)
        return (simulated - np.asarray(self.retention_pct)) / self.uncertainty_points


def fade_target(summary: pd.DataFrame, current_density_mA_g: float, lower_V: float | None,
                upper_V: float | None, last_cycle: int | None = None,
                max_points: int = MAX_FADE_POINTS) -> CapacityFadeTarget:
    """The fade target of a measured per-cycle summary, up to ``last_cycle`` (default: all)."""
    retention = capacity_retention(summary).set_axis(summary["cycle"].to_numpy())
    last = int(last_cycle or summary["cycle"].max())
    cycles = thinned_cycles(last, max_points)
    measured = retention.reindex(list(cycles))
    if measured.isna().any():
        missing = [int(c) for c in measured[measured.isna()].index]
        raise InvalidInputError(f"the file has no charge capacity for cycles {missing}; a fade "
                                f"fit needs every cycle from {FIRST_FADE_CYCLE} to {last}")
    sigma = fade_uncertainty_points(retention.loc[FIRST_FADE_CYCLE - 1:last].to_numpy())
    return CapacityFadeTarget(current_density_mA_g, cycles, tuple(measured.to_numpy(float)),
                              lower_V, upper_V, sigma)


@dataclass(frozen=True)
class FadeMisfit:
    """How far a fitted fade curve is from the measured one, over the cycles fitted."""

    rms_points: float
    chi_square_per_dof: float
    degrees_of_freedom: int
    uncertainty_points: float
    worst: pd.DataFrame  # cycle, error_points: the largest errors first

    def describe(self) -> str:
        worst = ", ".join(f"cycle {int(c)} {e:+.2f}" for c, e in
                          zip(self.worst["cycle"], self.worst["error_points"], strict=True))
        return (f"fade misfit: RMS {self.rms_points:.2f} points over the fitted cycles, "
                f"chi-square per degree of freedom {self.chi_square_per_dof:.2f} "
                f"({self.degrees_of_freedom} dof, sigma {self.uncertainty_points:.2f} points "
                f"a cycle); worst cycles: {worst}")


def fade_misfit(curve: pd.DataFrame, target: CapacityFadeTarget, fade_values: int,
                worst: int = 3) -> FadeMisfit:
    """Misfit of ``curve`` (a :func:`kion_sim.validation.user_data.fade_curve` table) on
    ``target``'s cycles; ``fade_values``: how many values the fit had to meet them."""
    rows = curve.set_index("cycle").reindex(list(target.cycles))
    errors = rows["error_points"].to_numpy(float)
    dof = max(1, len(errors) - fade_values)
    chi_square = float(np.sum((errors / target.uncertainty_points) ** 2))
    fitted = curve[curve["cycle"].between(FIRST_FADE_CYCLE, max(target.cycles))]
    order = fitted["error_points"].abs().sort_values(ascending=False).index[:worst]
    return FadeMisfit(float(np.sqrt(np.mean(errors**2))), chi_square / dof, dof,
                      target.uncertainty_points,
                      fitted.loc[order, ["cycle", "error_points"]].reset_index(drop=True))
