"""Which measurement tells the candidate fade mechanisms apart (``kion-sim discriminate``).

Every candidate mechanism with a stored fit of the 900 C carbon reproduces the figures it was
fitted to, so those figures cannot choose between them. This module simulates each surviving
candidate under protocols a lab can run (constant currents of 50-2000 mA/g in the 0.01-1.5 V
window, rests of 0-24 h at either end of each cycle, storage at the potassiated state, 20-500
cycles) and ranks the protocols by how far apart the candidates' predicted outcomes lie, in
units of a measurement's uncertainty, per day of testing.

- **Outcome**: retention after the last cycle (% of cycle 2's depotassiation capacity), or for
  storage the capacity lost (% of cycle 2's, measured on the full cycle after storage).
- **Uncertainty** ``sigma``: 2 points of retention, the uncertainty Table S1's retention targets
  carry in the fits (:class:`~kion_sim.validation.fitting.RetentionTarget`).
- **Separation**: the smallest difference between any two candidates' outcomes, in sigma (the
  mean pairwise one is reported too); the pair hardest to tell apart decides.
- **Duration**: from the simulation: each current step lasts its capacity over its current,
  plus the rests and the storage; the longest candidate's, as the lab must wait for it.
- **Score**: separation / duration [sigma per day]. Protocols whose separation reaches
  ``RESOLVED_SIGMAS`` (one test tells the candidates apart) rank first, by score; the rest
  after them. The fast path's own error estimate is printed beside the separation.

Survivors: a candidate survives if its stored fit lands within ``FALSIFIED_SIGMAS`` sigma of
every measured retention of this carbon in Table S1 (80 % after 100 cycles at 100 mA/g, and
82 % after 500 at 500 mA/g once disclosed). The film-resistance mechanisms miss 82 % by ~50
points and drop out; ``include_falsified`` keeps them.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import multiprocessing
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kion_sim.analysis.cycles import capacity_retention, cycle_summary
from kion_sim.errors import (
    InvalidInputError,
    KionSimError,
    SimulationError,
    UnknownNameError,
    require_positive,
)
from kion_sim.parameters.assemble import build_cell_parameters
from kion_sim.parameters.mechanisms import load_calibration, mechanism_names
from kion_sim.simulation.fade import fade_run
from kion_sim.simulation.runner import simulate
from kion_sim.terminal import TERMINAL_WIDTH
from kion_sim.validation.fitting import RetentionTarget
from kion_sim.validation.mechanisms import STUDY_CELL
from kion_sim.validation.reported import table_s1_rows

# Table S1's retention targets are fitted with this uncertainty [points of retention].
SIGMA_POINTS = next(f.default for f in dataclasses.fields(RetentionTarget)
                    if f.name == "uncertainty_points")
# A gap one test resolves: the two outcomes' +-1 sigma bands do not overlap. Protocols below
# it rank after those that reach it, however short (a short test that cannot tell is no use).
RESOLVED_SIGMAS = 2.0
# A stored fit further than this many sigma from a measured retention is falsified by it: the
# film-resistance fits miss 82 % by ~25 sigma, the SEI ones by 2-3; 5 lies well between.
FALSIFIED_SIGMAS = 5.0
# What a lab can run on this carbon: the window of Table S1, and the ranges of issue 19.
LOWER_V, UPPER_V = 0.01, 1.5
CURRENT_RANGE_MA_G = (50.0, 2000.0)
CYCLE_RANGE = (20, 500)
REST_RANGE_H = (0.0, 24.0)
REST_ENDS = {"potassiated": LOWER_V, "depotassiated": UPPER_V}
STORAGE_MODES = ("hold", "open circuit")
STORAGE_CURRENT_MA_G = 100.0  # the cycles around a storage test, at Table S1's current
_FORMATION_CYCLES = 2  # storage starts after cycle 2, the reference of every retention
# One run longer than this is stopped and reported (swelling_damage's 500 cycles at 500 mA/g
# hang in one IDAKLU solve for over 10 minutes where the others take ~10 s).
RUN_BUDGET_S = 90.0


class RunOverBudget(KionSimError):
    """A run stopped because it took longer than its time budget."""


def run_within(budget_s: float | None, function: Callable, *args):
    """``function(*args)`` in a child process, stopped after ``budget_s`` of wall time.

    A solve can hang inside IDAKLU's C code for minutes, where no Python signal reaches it;
    a child process can always be stopped. ``None``: call it here, with no limit.
    """
    if budget_s is None:
        return function(*args)
    context = multiprocessing.get_context("fork")  # no re-import: the child starts at once
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, function, args), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(budget_s):
            raise RunOverBudget(f"stopped after its {budget_s:g} s budget")
        kind, value = receive.recv()
    except EOFError:
        raise SimulationError(f"the run's process ended without a result (exit code "
                              f"{child.exitcode})") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()
    if kind == "failed":
        raise SimulationError(value)
    if kind == "bug":
        raise RuntimeError(value)
    return value


def _child(send, function, args) -> None:
    try:
        send.send(("done", function(*args)))
    except KionSimError as error:  # a failed run: reported and counted
        send.send(("failed", str(error)))
    except Exception as error:  # a bug: raised in the parent, not counted as a failed run
        send.send(("bug", f"{type(error).__name__}: {error}"))
    finally:
        send.close()


@dataclass(frozen=True)
class LabProtocol:
    """One test a lab can run: constant-current cycling with an optional rest every cycle,
    or (``storage_h`` > 0) storage at the potassiated state between two reference cycles.

    Examples
    --------
    >>> LabProtocol(500, 50, rest_h=10).label
    '500 mA/g x 50, 10 h rest at 0.01 V'
    >>> LabProtocol(storage_h=168).label
    'storage 7 d, hold at 0.01 V'
    """

    current_mA_g: float = STORAGE_CURRENT_MA_G
    cycles: int = CYCLE_RANGE[0]
    rest_h: float = 0.0
    rest_at: str = "potassiated"
    storage_h: float = 0.0
    storage: str = "hold"

    def __post_init__(self):
        _check_range("current", self.current_mA_g, CURRENT_RANGE_MA_G, "mA/g")
        _check_range("rest", self.rest_h, REST_RANGE_H, "h")
        if self.rest_at not in REST_ENDS:
            raise UnknownNameError("rest end", self.rest_at, REST_ENDS)
        if self.storage not in STORAGE_MODES:
            raise UnknownNameError("storage mode", self.storage, STORAGE_MODES)
        if not (math.isfinite(self.storage_h) and self.storage_h >= 0):
            raise InvalidInputError(f"storage must last 0 h or more, got {self.storage_h!r} h")
        if not self.is_storage:
            _check_range("cycles", self.cycles, CYCLE_RANGE, "cycles")
            if int(self.cycles) != self.cycles:
                raise InvalidInputError(f"cycles must be a whole number, got {self.cycles!r}")

    @property
    def is_storage(self) -> bool:
        return self.storage_h > 0

    @property
    def label(self) -> str:
        if self.is_storage:
            where = "hold at 0.01 V" if self.storage == "hold" else "open circuit from 0.01 V"
            return f"storage {self.storage_h / 24:g} d, {where}"
        rest = f", {self.rest_h:g} h rest at {REST_ENDS[self.rest_at]:g} V" if self.rest_h else ""
        return f"{self.current_mA_g:g} mA/g x {self.cycles}{rest}"

    @property
    def outcome(self) -> str:
        return "capacity lost in storage [%]" if self.is_storage else \
            f"retention after {self.cycles} cycles [%]"

    def cycle_text(self) -> str:
        """One cycle in the protocol language (cycling protocols)."""
        steps = [f"Discharge at {self.current_mA_g:g} mA/g until {LOWER_V:g} V",
                 f"Charge at {self.current_mA_g:g} mA/g until {UPPER_V:g} V"]
        if self.rest_h:
            steps.insert(1 if self.rest_at == "potassiated" else 2, f"Rest for {self.rest_h:g} h")
        return "; ".join(steps)

    def storage_text(self) -> str:
        """Two reference cycles, potassiation, storage, depotassiation, one recovery cycle."""
        down = f"Discharge at {self.current_mA_g:g} mA/g until {LOWER_V:g} V"
        up = f"Charge at {self.current_mA_g:g} mA/g until {UPPER_V:g} V"
        store = (f"Hold at {LOWER_V:g} V for {self.storage_h:g} h" if self.storage == "hold"
                 else f"Rest for {self.storage_h:g} h")
        return "\n".join([f"({down}; {up}) x {_FORMATION_CYCLES}", f"{down}; {store}; {up}",
                          f"{down}; {up}"])

    def duration_h(self, summary: pd.DataFrame) -> float:
        """Test duration [h]: every current step's capacity over its current, plus rests."""
        charge_mAh_g = summary[["discharge_capacity_mAh_g", "charge_capacity_mAh_g"]].to_numpy()
        return float(charge_mAh_g.sum() / self.current_mA_g + self.rest_h * len(summary)
                     + self.storage_h)


def _check_range(what: str, value, bounds: tuple[float, float], unit: str) -> None:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or not low <= value <= high:
        raise InvalidInputError(f"{what} must lie between {low:g} and {high:g} {unit} (what a "
                                f"lab can run here), got {value!r}")


# Modest on purpose (the command runs in minutes): fast and slow cycling, where charge and
# time part ways; rests at either end, where time-driven growth shows; storage, time alone.
DEFAULT_PROTOCOLS = (
    LabProtocol(50, 20),
    LabProtocol(200, 50),
    LabProtocol(1000, 200),
    LabProtocol(2000, 100),
    LabProtocol(500, 50, rest_h=10),
    LabProtocol(500, 20, rest_h=24),
    LabProtocol(500, 20, rest_h=24, rest_at="depotassiated"),
    LabProtocol(100, 20, rest_h=24, rest_at="depotassiated"),
    LabProtocol(storage_h=72),
    LabProtocol(storage_h=168),
    LabProtocol(storage_h=168, storage="open circuit"),
)


def pairwise_separations(values: Sequence[float], sigma: float) -> tuple[float, float]:
    """(smallest, mean) absolute difference between any two of ``values``, in ``sigma``.

    Examples
    --------
    >>> pairwise_separations([70.0, 74.0, 80.0], 2.0)
    (2.0, 3.3333333333333335)
    """
    gaps = [abs(a - b) / sigma for a, b in itertools.combinations(values, 2)]
    return (min(gaps), float(np.mean(gaps))) if gaps else (math.nan, math.nan)


def _check_ranking(sigma, statistic: str, min_separation_sigma) -> None:
    if statistic not in ("min", "mean"):
        raise UnknownNameError("separation statistic", statistic, ["min", "mean"])
    require_positive("the measurement uncertainty sigma", sigma, "points")
    if not (isinstance(min_separation_sigma, int | float) and min_separation_sigma >= 0):
        raise InvalidInputError(f"the separation that resolves candidates must be 0 sigma or "
                                f"more, got {min_separation_sigma!r}")


def rank_protocols(predictions: dict[str, dict[str, float]], durations_days: dict[str, float],
                   sigma: float, statistic: str = "min",
                   min_separation_sigma: float = RESOLVED_SIGMAS,
                   errors_points: dict[str, float] | None = None) -> pd.DataFrame:
    """Protocols ranked by separation (``statistic``: ``min`` or ``mean`` pairwise, in sigma)
    per day of testing, best first; those whose separation reaches ``min_separation_sigma``
    (one test resolves the candidates) before those that do not (0: by score alone).

    ``predictions``: protocol -> mechanism -> outcome; a mechanism whose run failed is NaN and
    left out of that protocol's separation. ``errors_points``: protocol -> the simulation's
    own error estimate, reported beside the separation.
    """
    _check_ranking(sigma, statistic, min_separation_sigma)
    rows = []
    for protocol, outcomes in predictions.items():
        days = durations_days[protocol]
        if days <= 0:  # NaN (every run failed) passes: its score is NaN, ranked last
            raise InvalidInputError(f"protocol {protocol!r} lasts {days!r} days; it must be > 0")
        ran = [v for v in outcomes.values() if math.isfinite(v)]
        smallest, mean = pairwise_separations(ran, sigma)
        separation = smallest if statistic == "min" else mean
        rows.append({"protocol": protocol, "duration_d": days, "separation_sigma": smallest,
                     "mean_separation_sigma": mean, "score_sigma_per_d": separation / days,
                     "resolves": bool(separation >= min_separation_sigma),
                     "error_estimate_points": (errors_points or {}).get(protocol, math.nan),
                     **{f"predicted {m}": v for m, v in outcomes.items()}})
    table = pd.DataFrame(rows)
    order = table.sort_values(["resolves", "score_sigma_per_d", "separation_sigma"],
                              ascending=False, na_position="last", kind="stable")
    return order.reset_index(drop=True)


@dataclass
class Screening:
    """A candidate's stored fit against every measured retention of the carbon."""

    mechanism: str
    errors_points: dict[str, float] = field(default_factory=dict)  # row label -> sim - measured
    failure: str | None = None

    @property
    def survives(self) -> bool:
        return self.failure is None and all(
            abs(e) <= FALSIFIED_SIGMAS * SIGMA_POINTS for e in self.errors_points.values())


def calibrated_mechanisms(only: Sequence[str] | None = None) -> list[str]:
    """Mechanisms with a stored fit of the study carbon (``only``: a subset, checked)."""
    calibrated = [m for m in mechanism_names() if load_calibration(STUDY_CELL, m).values]
    if not only:
        return calibrated
    for name in only:
        if name not in mechanism_names():
            raise UnknownNameError("mechanism", name, mechanism_names())
        if name not in calibrated:
            raise InvalidInputError(f"mechanism {name!r} has no stored fit of {STUDY_CELL}; "
                                    f"calibrated: {', '.join(calibrated)} (or run kion-sim "
                                    f"calibrate {STUDY_CELL} --mechanism {name} --write)")
    return list(dict.fromkeys(only))


def _measured_rows():
    return [r for r in table_s1_rows() if r.cell == STUDY_CELL
            and r.capacity_retention_pct is not None]


def screen(mechanism: str, model: str = "SPM", progress: Callable | None = None,
           budget_s: float | None = RUN_BUDGET_S, rows=None) -> Screening:
    """Simulate ``mechanism``'s stored fit under every measured retention row of the carbon
    (or ``rows``); a run that fails or exceeds ``budget_s`` leaves the candidate unscreened."""
    result = Screening(mechanism)
    for row in _measured_rows() if rows is None else rows:
        label = f"{row.cycles} cycles at {row.current_density_mA_g:g} mA/g"
        started = time.perf_counter()
        try:
            predicted = run_within(budget_s, _retention, mechanism, row, model)
        except KionSimError as error:
            result.failure = f"{label}: {error}"
            _report(progress, mechanism, f"screen {label}", started, "failed")
            return result
        result.errors_points[label] = predicted - row.capacity_retention_pct
        _report(progress, mechanism, f"screen {label}", started,
                f"{predicted:.1f} % (measured {row.capacity_retention_pct:g} %)")
    return result


def _retention(mechanism: str, row, model: str) -> float:
    """Retention after the reported row's cycles under ``mechanism``'s stored fit [%]."""
    cell = build_cell_parameters(STUDY_CELL, mechanism=mechanism)
    run = fade_run(cell, row.current_density_mA_g, row.cycles, model, row.voltage_min_V,
                   row.voltage_max_V)
    return float(capacity_retention(run.summary).iloc[row.cycles - 1])


def predict(mechanism: str, protocol: LabProtocol, model: str = "SPM"):
    """(outcome [%], duration [h], error estimate [points]) of ``protocol`` under
    ``mechanism``'s stored fit; storage is solved cycle by cycle (error 0)."""
    cell = build_cell_parameters(STUDY_CELL, mechanism=mechanism)
    if protocol.is_storage:
        summary = cycle_summary(simulate(cell, protocol.storage_text(), model=model,
                                         show_progress=False).steps)
        retention = capacity_retention(summary)
        outcome = 100.0 - float(retention.iloc[-1])  # the recovery cycle after storage
        error = 0.0
    else:
        run = fade_run(cell, protocol.current_mA_g, protocol.cycles, model,
                       cycle_protocol=protocol.cycle_text())
        summary = run.summary
        outcome = float(capacity_retention(summary).iloc[protocol.cycles - 1])
        error = run.error_estimate_pct  # % of cycle 2's capacity: points of retention
    return outcome, protocol.duration_h(summary), error


def _report(progress, mechanism, what, started, outcome) -> None:
    if progress is not None:
        progress(f"{mechanism}: {what}: {outcome} ({time.perf_counter() - started:.1f} s)")


@dataclass
class Discrimination:
    """What ``kion-sim discriminate`` found: the screening, and the protocols ranked."""

    sigma_points: float
    statistic: str
    min_separation_sigma: float
    screenings: list[Screening]
    candidates: list[str]
    ranking: pd.DataFrame
    outcomes: dict[str, str]  # protocol label -> what is measured
    failures: list[str]
    runs: int
    elapsed_s: float

    def top_table(self, top: int = 3) -> pd.DataFrame:
        """The best ``top`` protocols for people: one row each, units in brackets."""
        table = self.ranking.head(top)
        separation = "separation_sigma" if self.statistic == "min" else "mean_separation_sigma"
        columns = {"protocol": "protocol", "outcome": "outcome",
                   **{f"predicted {m}": f"{m} [%]" for m in self.candidates},
                   "duration_d": "duration [d]", separation: f"{self.statistic} separation "
                   "[sigma]", "resolves": f"resolves (>= {self.min_separation_sigma:g} sigma)",
                   "score_sigma_per_d": "score [sigma/d]",
                   "error_estimate_points": "fast-path error [points]"}
        table = table.assign(outcome=table["protocol"].map(self.outcomes).str.replace(
            " [%]", ""), resolves=table["resolves"].map({True: "yes", False: "no"}))
        digits = {f"predicted {m}": 1 for m in self.candidates} | {"duration_d": 1}
        return table[list(columns)].round(digits).round(2).rename(columns=columns)

    def summary_text(self, width: int = TERMINAL_WIDTH) -> str:
        """What the table means, who was screened out, what failed, and how long it took."""
        lines = [f"separation: the {self.statistic} pairwise difference of the candidates' "
                 f"outcomes in sigma = {self.sigma_points:g} points; score: separation per "
                 f"day of testing (the longest candidate's duration); protocols that reach "
                 f"{self.min_separation_sigma:g} sigma rank first."]
        for s in self.screenings:
            errors = ", ".join(f"{k}: {v:+.1f} points" for k, v in s.errors_points.items())
            verdict = "candidate" if s.mechanism in self.candidates else "left out"
            why = s.failure or ("within" if s.survives else "beyond")
            if s.failure is None:
                why = f"{why} {FALSIFIED_SIGMAS:g} sigma of the measured retentions"
            lines.append(f"  {s.mechanism}: {verdict} ({errors or 'not run'}; {why})")
        lines += [f"  failed: {failure}" for failure in self.failures]
        lines.append(f"{self.runs} runs in {self.elapsed_s:.0f} s")
        return "\n".join(textwrap.fill(line, width, subsequent_indent="    ")
                         for line in lines)

    def to_dict(self) -> dict:
        return {
            "cell": STUDY_CELL, "sigma_points": self.sigma_points, "statistic": self.statistic,
            "min_separation_sigma": self.min_separation_sigma,
            "falsified_beyond_sigmas": FALSIFIED_SIGMAS, "candidates": self.candidates,
            "screening": [{"mechanism": s.mechanism, "errors_points": s.errors_points,
                           "failure": s.failure, "survives": s.survives}
                          for s in self.screenings],
            "ranking": [{**row, "outcome": self.outcomes[row["protocol"]]}
                        for row in _finite_or_none(self.ranking)],
            "failures": self.failures, "runs": self.runs, "elapsed_s": round(self.elapsed_s, 1),
        }


def _finite_or_none(table: pd.DataFrame) -> list[dict]:
    return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
             for k, v in row.items()} for row in table.to_dict(orient="records")]


def discriminate(only: Sequence[str] | None = None,
                 protocols: Sequence[LabProtocol] = DEFAULT_PROTOCOLS,
                 sigma_points: float = SIGMA_POINTS, include_falsified: bool = False,
                 statistic: str = "min", min_separation_sigma: float = RESOLVED_SIGMAS,
                 model: str = "SPM",
                 progress: Callable[[str], None] | None = None,
                 budget_s: float | None = RUN_BUDGET_S,
                 screen_against: Sequence | None = None) -> Discrimination:
    """Screen the calibrated candidates, simulate the survivors under ``protocols``, rank them.

    ``progress`` receives one line per run (the CLI prints them on stderr), first the plan.
    ``budget_s``: wall time one run may take; a longer one is stopped and counted as failed.
    ``screen_against``: the reported rows a survivor must meet (default: every measured
    retention of the carbon in Table S1; ``[]`` screens nothing).

    Examples
    --------
    >>> found = discriminate(["sei_site_blocking", "side_reaction_in_time"],
    ...                      [LabProtocol(500, 20)])  # doctest: +SKIP
    >>> found.top_table(1)  # doctest: +SKIP
    """
    started = time.perf_counter()
    _check_ranking(sigma_points, statistic, min_separation_sigma)
    if not protocols:
        raise InvalidInputError("no protocol to rank; give one or more LabProtocol")
    names = calibrated_mechanisms(only)
    if len(names) < 2:
        raise InvalidInputError(f"telling mechanisms apart needs two or more calibrated "
                                f"candidates, got {names}; calibrated: "
                                f"{', '.join(calibrated_mechanisms())}")
    say = progress or (lambda _: None)
    rows = _measured_rows() if screen_against is None else list(screen_against)
    say(f"screening {len(names)} candidate(s) against {len(rows)} measured retention(s): "
        f"{len(names) * len(rows)} runs")
    screenings = [screen(name, model, progress, budget_s, rows) for name in names]
    candidates = [s.mechanism for s in screenings if include_falsified or s.survives]
    if len(candidates) < 2:
        raise InvalidInputError(
            f"telling mechanisms apart needs two or more candidates; surviving: "
            f"{candidates or 'none'} of {names} (use --include-falsified or --only)")
    predictions, durations, errors, failures = _simulate_all(candidates, protocols, model,
                                                             progress, budget_s)
    ranking = rank_protocols(predictions, durations, sigma_points, statistic,
                             min_separation_sigma, errors)
    return Discrimination(float(sigma_points), statistic, min_separation_sigma, screenings,
                          candidates, ranking,
                          {p.label: p.outcome for p in protocols}, failures,
                          len(names) * len(rows) + len(candidates) * len(protocols),
                          time.perf_counter() - started)


def _simulate_all(candidates, protocols, model, progress, budget_s):
    say = progress or (lambda _: None)
    say(f"simulating {len(candidates)} candidate(s) x {len(protocols)} protocol(s): "
        f"{len(candidates) * len(protocols)} runs ({model}, fast fade path)")
    predictions: dict[str, dict[str, float]] = {}
    durations: dict[str, float] = {}
    errors: dict[str, float] = {}
    failures: list[str] = []
    for index, protocol in enumerate(protocols, start=1):
        label, longest_h = protocol.label, 0.0
        predictions[label], errors[label] = {}, 0.0
        for mechanism in candidates:
            started = time.perf_counter()
            try:
                outcome, hours, error = run_within(budget_s, predict, mechanism, protocol, model)
            except KionSimError as failure:
                outcome, hours, error = math.nan, protocol.storage_h, 0.0
                failures.append(f"{mechanism}, {label}: {failure}")
            predictions[label][mechanism] = outcome
            longest_h, errors[label] = max(longest_h, hours), max(errors[label], error)
            _report(progress, mechanism, f"[{index}/{len(protocols)}] {label}", started,
                    f"{outcome:.2f} % ({hours / 24:.1f} d)")
        durations[label] = longest_h / 24 if longest_h > 0 else math.nan
    return predictions, durations, errors, failures
