"""Which fade mechanism predicts the user's own file: fit the first cycles, predict the rest.

For every candidate mechanism (``parameter_sets/mechanisms/`` with a fade value to fit), the
file's first ``1 - holdout`` of cycles are fitted as ``calibrate --data`` fits a whole file
(capacity, diffusivity and the fade value(s), or the fade alone), then the fitted cell is run
over every cycle of the file and its retention compared with the measured one on the held-out
cycles. Mechanisms are ranked by the RMS of that error [points of cycle 2's capacity]: a fit
of the cycles it saw says little (every mechanism bends to them), a prediction of the cycles it
did not see is the test. A mechanism whose fit or run fails is listed with the failure.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kion_sim.errors import InvalidInputError, KionSimError
from kion_sim.io.cycler import CyclerData
from kion_sim.parameters.mechanisms import load_mechanism, mechanism_names
from kion_sim.simulation.fade import FAST_FADE_FROM_CYCLES
from kion_sim.validation.user_data import (
    calibrate_to_data,
    data_protocol,
    data_targets,
    fade_curve,
    first_cycles,
)

DEFAULT_HOLDOUT = 0.3
MIN_FITTED_CYCLES = FAST_FADE_FROM_CYCLES  # fewer cannot tell film growth from noise
MIN_HELD_OUT_CYCLES = 2


def held_out_split(cycles: int, holdout: float, source: str = "the file") -> int:
    """How many of ``cycles`` are fitted when the last ``holdout`` of them are held out;
    an error naming what would be valid if the split leaves too few on either side."""
    if isinstance(holdout, bool) or not isinstance(holdout, int | float) or not (
            0 < holdout < 1):
        raise InvalidInputError(f"the held-out fraction must lie strictly between 0 and 1 "
                                f"(e.g. {DEFAULT_HOLDOUT}: fit the first 70 % of cycles, "
                                f"predict the rest); got {holdout!r}")
    fitted = _fitted_cycles(cycles, holdout)
    if not _testable(cycles, fitted):
        needed = next(n for n in range(cycles, 100 * cycles + 100)
                      if _testable(n, _fitted_cycles(n, holdout)))
        # round(n (1 - h)) >= MIN_FITTED for h <= (n - MIN_FITTED + 0.5) / n, and leaves
        # MIN_HELD_OUT for h > (MIN_HELD_OUT - 0.5) / n.
        largest = math.floor(100 * (cycles - MIN_FITTED_CYCLES + 0.5) / cycles) / 100
        smallest = math.floor(100 * (MIN_HELD_OUT_CYCLES - 0.5) / cycles) / 100 + 0.01
        fix = (f"a held-out fraction between {smallest:.2f} and {largest:.2f}"
               if smallest <= largest else
               f"a file of at least {MIN_FITTED_CYCLES + MIN_HELD_OUT_CYCLES} cycles")
        raise InvalidInputError(
            f"{source} holds {cycles} cycles: holding out {holdout:g} fits {fitted} and "
            f"predicts {cycles - fitted}, but a held-out test needs at least "
            f"{MIN_FITTED_CYCLES} fitted and {MIN_HELD_OUT_CYCLES} held-out cycles; give a "
            f"file of at least {needed} cycles at this fraction, or {fix}")
    return fitted


def _fitted_cycles(cycles: int, holdout: float) -> int:
    return int(math.floor(cycles * (1 - holdout) + 0.5))


def _testable(cycles: int, fitted: int) -> bool:
    return fitted >= MIN_FITTED_CYCLES and cycles - fitted >= MIN_HELD_OUT_CYCLES


def fadeable_mechanisms() -> list[str]:
    """The candidate mechanisms: those that name a fade value to fit."""
    return [name for name in mechanism_names() if load_mechanism(name).fit_key is not None]


@dataclass
class MechanismForecast:
    """One mechanism fitted to the first cycles and run over all of them."""

    mechanism: str
    fitted: dict[str, float] = field(default_factory=dict)
    fitted_rms_points: float = math.nan
    held_out_rms_points: float = math.nan
    last_cycle_error_points: float = math.nan
    error_estimate_points: float = math.nan
    seconds: float = math.nan
    note: str = ""
    curve: pd.DataFrame | None = None

    def row(self) -> dict:
        return {"mechanism": self.mechanism, "held_out_rms_points": self.held_out_rms_points,
                "last_cycle_error_points": self.last_cycle_error_points,
                "fitted_rms_points": self.fitted_rms_points,
                "fast_path_error_points": self.error_estimate_points,
                "seconds": self.seconds, "fitted": self.fitted, "note": self.note}


@dataclass
class FadeRanking:
    """The candidates ranked by their held-out error, best first (failures last)."""

    source: str
    cell: str
    model: str
    cycles: int
    fitted_cycles: int
    uncertainty_points: float
    forecasts: list[MechanismForecast]

    def table(self) -> pd.DataFrame:
        rows = pd.DataFrame([f.row() for f in self.forecasts])
        ranked = [not math.isnan(f.held_out_rms_points) for f in self.forecasts]
        rows.insert(0, "rank", pd.array([i + 1 if ok else None for i, ok in enumerate(ranked)],
                                        dtype="Int64"))
        return rows

    def curves(self) -> pd.DataFrame:
        """Every ranked mechanism's measured and predicted retention, one long table."""
        parts = [f.curve.assign(mechanism=f.mechanism) for f in self.forecasts
                 if f.curve is not None]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def to_dict(self) -> dict:
        return {"source": self.source, "cell": self.cell, "model": self.model,
                "cycles": self.cycles, "fitted_cycles": self.fitted_cycles,
                "uncertainty_points": self.uncertainty_points,
                "mechanisms": [f.row() for f in self.forecasts]}


def forecast(cell: str, data: CyclerData, mechanism: str, fitted_cycles: int,
             model: str = "SPM", fade_only: bool = False,
             workers: int | None = None) -> MechanismForecast:
    """Fit ``mechanism`` to the first ``fitted_cycles`` and predict every cycle of ``data``."""
    started = time.perf_counter()
    result = calibrate_to_data(cell, first_cycles(data, fitted_cycles), model=model,
                               mechanism=mechanism, fade_only=fade_only, workers=workers)
    curve, error_estimate = fade_curve(cell, data, result, model, fitted_cycles)
    seen = curve[(curve["role"] == "fitted") & (curve["cycle"] >= 3)]
    unseen = curve[curve["role"] == "held out"]
    return MechanismForecast(
        mechanism, dict(result.fitted), _rms(seen["error_points"]),
        _rms(unseen["error_points"]), float(unseen["error_points"].iloc[-1]),
        error_estimate, time.perf_counter() - started,
        "" if result.success else f"fit stopped before converging ({result.message})", curve)


def rank_mechanisms(cell: str, data: CyclerData, mechanisms: list[str] | None = None,
                    holdout: float = DEFAULT_HOLDOUT, model: str = "SPM",
                    fade_only: bool = False, budget_s: float | None = None,
                    progress: Callable[[str], None] | None = None) -> FadeRanking:
    """Rank ``mechanisms`` (default: every one with a fade value) by their held-out error.

    ``budget_s``: wall time allowed to each mechanism (its fit then runs in a child process
    on one core, so a solve that hangs can be stopped); None: no limit, every core.

    Examples
    --------
    >>> ranking = rank_mechanisms("soft_carbon_half_cell", data)  # doctest: +SKIP
    >>> ranking.table()[["rank", "mechanism", "held_out_rms_points"]]  # doctest: +SKIP
    """
    protocol = data_protocol(data)
    fitted_cycles = held_out_split(protocol.cycles, holdout, data.source)
    names = mechanisms or fadeable_mechanisms()
    for name in names:  # an unknown name, or one with nothing to fit, fails before any fit
        if load_mechanism(name).fit_key is None:
            raise InvalidInputError(f"mechanism {name!r} has no fade value to fit; candidates: "
                                    f"{', '.join(fadeable_mechanisms())}")
    sigma = next(t for t in data_targets(data, fade_only=True)).uncertainty_points
    say = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    say(f"ranking {len(names)} mechanisms on {data.source}: fit cycles 1-{fitted_cycles}, "
        f"predict {fitted_cycles + 1}-{protocol.cycles}")
    forecasts, started = [], time.perf_counter()
    for index, name in enumerate(names, start=1):
        forecasts.append(_forecast_or_failure(cell, data, name, fitted_cycles, model,
                                              fade_only, budget_s))
        elapsed = time.perf_counter() - started
        left = elapsed / index * (len(names) - index)
        done = forecasts[-1]
        outcome = (f"held-out RMS {done.held_out_rms_points:.2f} points"
                   if done.curve is not None else done.note)
        say(f"mechanism {index} of {len(names)} {name}: {outcome}; elapsed {elapsed:.0f} s, "
            f"about {left:.0f} s to go")
    forecasts.sort(key=lambda f: (math.isnan(f.held_out_rms_points),
                                  f.held_out_rms_points if not math.isnan(
                                      f.held_out_rms_points) else 0.0))
    return FadeRanking(data.source, cell, model, protocol.cycles, fitted_cycles, sigma,
                       forecasts)


def _forecast_or_failure(cell, data, name, fitted_cycles, model, fade_only,
                         budget_s) -> MechanismForecast:
    from kion_sim.validation.discriminate import run_within

    started = time.perf_counter()
    try:
        if budget_s is None:
            return forecast(cell, data, name, fitted_cycles, model, fade_only)
        # A child process may not start workers of its own: its fit runs on one core.
        return run_within(budget_s, forecast, cell, data, name, fitted_cycles, model,
                          fade_only, 1)
    except KionSimError as error:  # a failed fit is a result of the ranking, not its end
        return MechanismForecast(name, seconds=time.perf_counter() - started,
                                 note=f"failed: {' '.join(str(error).split())}")


def _rms(errors: pd.Series) -> float:
    values = errors.to_numpy(float)
    return float(np.sqrt(np.mean(values**2))) if len(values) else math.nan
