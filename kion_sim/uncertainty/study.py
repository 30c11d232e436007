"""Intervals and Sobol indices of any figure, with the model plugged in as one named evaluator.

The evaluator is a plain function ``f(point, options) -> {figure: value}`` named as
``"package.module:function"`` (so local processes and Dask workers can import it). Samples run
through :func:`kion_sim.sweeps.run_sweep`, so they go to the same executors and a JSONL
checkpoint resumes a run where it stopped. Nothing here imports PyBaMM.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kion_sim.errors import InvalidInputError
from kion_sim.sweeps import SweepSpec, run_sweep
from kion_sim.uncertainty.inputs import (
    UncertainInput,
    check_sample_settings,
    latin_hypercube_points,
    points_from_unit,
)

PERCENTILES = (5.0, 50.0, 95.0)


@dataclass
class IntervalResult:
    """Samples and the 5-50-95 % percentiles of each figure over them."""

    inputs: list[UncertainInput]
    samples: pd.DataFrame  # one row per sample: inputs, figures, error
    intervals: pd.DataFrame  # one row per figure: p05, p50, p95, n, failed

    def rank_correlations(self, figure: str, used: dict[str, np.ndarray] | None = None,
                          min_samples: int = 10) -> pd.DataFrame:
        """Spearman's rank correlation of each input with ``figure`` over these samples, the
        strongest first: a ranking from the interval's own runs (monotone effects only).

        ``used`` maps an input's name to a mask of the samples whose figures it entered (a
        mixture draws every mechanism's estimates, but a sample uses only its mechanism's):
        its correlation is taken over those samples, and an input fewer than ``min_samples``
        used ranks last with no correlation (NaN), since a handful of points correlate by
        chance. Each row says how many samples it rests on and its chance level: the abs(rho)
        that one of the k ranked inputs, all unrelated to the figure, would pass with 5 %
        probability (two-sided, Bonferroni over k; rho ~ normal with sd 1/sqrt(n - 1)). With
        60 inputs and 64 samples that is 0.42: an input below it may be noise."""
        from scipy.stats import norm, spearmanr

        values = pd.to_numeric(self.samples[figure], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(values)
        rows = []
        for item in self.inputs:
            mask = ok & np.asarray(used.get(item.name, True) if used else True, dtype=bool)
            n = int(mask.sum())
            rho = spearmanr(self.samples[item.name].to_numpy(dtype=float)[mask],
                            values[mask]).statistic if n >= max(min_samples, 3) else math.nan
            rows.append({"input": item.name, "spearman": float(rho), "samples": n})
        table = pd.DataFrame(rows, columns=["input", "spearman", "samples"])
        ranked = max(int(table["spearman"].notna().sum()), 1)
        z = float(norm.ppf(1 - 0.025 / ranked))
        table["chance_level"] = [z / math.sqrt(n - 1) if n > 1 else math.nan
                                 for n in table["samples"]]
        return table.reindex(table["spearman"].abs().sort_values(ascending=False).index
                             ).reset_index(drop=True)

    def keys(self, figure: str, prefix: str | None = None) -> dict[str, float]:
        """``{<prefix>_p05: ..., <prefix>_p95: ...}`` of ``figure`` (prefix: the figure)."""
        row = self.intervals.loc[figure]
        name = prefix or figure
        return {f"{name}_p05": float(row["p05"]), f"{name}_p95": float(row["p95"])}


def _sweep(evaluator: str, options: dict, figures: list[str], points: tuple[dict, ...],
           name: str, executor: str, workers, scheduler, checkpoint,
           show_progress: bool) -> pd.DataFrame:
    spec = SweepSpec(cell="", points=points, outputs=tuple(figures), name=name,
                     swept=tuple(points[0]), evaluator=evaluator, evaluator_options=options)
    return run_sweep(spec, executor=executor, workers=workers, scheduler=scheduler,
                     checkpoint=checkpoint, show_progress=show_progress)


def interval_table(samples: pd.DataFrame, figures: list[str]) -> pd.DataFrame:
    """5, 50 and 95 % percentiles of each figure over the samples that did not fail."""
    rows = []
    for figure in figures:
        values = pd.to_numeric(samples[figure], errors="coerce").to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        p05, p50, p95 = (np.percentile(finite, PERCENTILES) if len(finite)
                         else (math.nan,) * 3)
        rows.append({"figure": figure, "p05": p05, "p50": p50, "p95": p95,
                     "n": len(finite), "failed": len(values) - len(finite)})
    return pd.DataFrame(rows).set_index("figure")


def run_intervals(evaluator: str, inputs: list[UncertainInput], figures: list[str],
                  samples: int = 8, seed: int = 0, options: dict | None = None,
                  executor: str = "serial", workers: int | None = None, scheduler=None,
                  checkpoint=None, show_progress: bool = False) -> IntervalResult:
    """Latin-hypercube samples of ``inputs`` through ``evaluator``; the 5-95 % interval of
    every figure.

    Examples
    --------
    >>> x = UncertainInput.estimate("x", 0.5, 0.0, 1.0)
    >>> result = run_intervals("kion_sim.uncertainty.synthetic:linear", [x], ["y"],
    ...                        samples=100, options={"a": 0.0, "b": 1.0})
    >>> [round(float(result.intervals.loc["y", p]), 2) for p in ("p05", "p95")]
    [0.05, 0.95]
    """
    points = latin_hypercube_points(inputs, samples, seed)
    table = _sweep(evaluator, {**(options or {}), "seed": seed}, figures, points,
                   "uncertainty", executor, workers, scheduler, checkpoint, show_progress)
    return IntervalResult(inputs, table, interval_table(table, figures))


@dataclass
class SobolResult:
    """First-order and total Sobol indices (with SALib's 95 % confidence half-widths)."""

    inputs: list[UncertainInput]
    samples: pd.DataFrame
    indices: pd.DataFrame  # rows: figure, input, S1, S1_conf, ST, ST_conf

    def ranking(self, figure: str) -> pd.DataFrame:
        """The inputs of ``figure`` from the largest total index down."""
        rows = self.indices[self.indices["figure"] == figure]
        return rows.sort_values("ST", ascending=False).reset_index(drop=True)


def _problem(inputs: list[UncertainInput], groups: list[str] | None = None) -> dict:
    # Sampled in the unit cube; each input's own transform maps to its distribution.
    problem = {"num_vars": len(inputs), "names": [i.name for i in inputs],
               "bounds": [[0.0, 1.0]] * len(inputs)}
    if groups is not None:  # indices per group: N x (groups + 2) runs instead of inputs + 2
        if len(groups) != len(inputs):
            raise InvalidInputError(f"{len(groups)} group names for {len(inputs)} inputs")
        problem["groups"] = list(groups)
    return problem


def _index_names(inputs: list[UncertainInput], groups: list[str] | None) -> list[str]:
    return list(dict.fromkeys(groups)) if groups is not None else [i.name for i in inputs]


def sobol_unit_samples(inputs: list[UncertainInput], base_samples: int,
                       seed: int, groups: list[str] | None = None) -> np.ndarray:
    """SALib's Saltelli/Sobol design in the unit cube: ``base_samples * (inputs + 2)`` rows
    (first-order and total indices; no second-order ones, which would double the cost), or
    ``base_samples * (groups + 2)`` with ``groups`` (one group name per input)."""
    from SALib.sample import sobol as sobol_sample

    check_sample_settings(base_samples, seed)
    if base_samples & (base_samples - 1):
        raise InvalidInputError(f"Sobol base samples must be a power of 2 (their balance "
                                f"property), got {base_samples}; e.g. 8, 16, 32")
    if not inputs:
        raise InvalidInputError("a sensitivity study needs at least one uncertain input")
    return sobol_sample.sample(_problem(inputs, groups), base_samples,
                               calc_second_order=False, scramble=True, seed=seed)


def sobol_indices(inputs: list[UncertainInput], outputs: np.ndarray, seed: int,
                  figure: str = "y", groups: list[str] | None = None) -> pd.DataFrame:
    """S1 and ST of one figure (per input, or per group) from its values on
    :func:`sobol_unit_samples`' rows."""
    from SALib.analyze import sobol as sobol_analyze

    outputs = np.asarray(outputs, dtype=float)
    names = _index_names(inputs, groups)
    if not np.all(np.isfinite(outputs)):  # Saltelli's estimators need every row
        nan = [math.nan] * len(names)
        found = {"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
    else:
        with warnings.catch_warnings():  # a constant figure: SALib divides 0 by 0
            warnings.simplefilter("ignore", RuntimeWarning)
            found = sobol_analyze.analyze(_problem(inputs, groups), outputs,
                                          calc_second_order=False, num_resamples=200,
                                          conf_level=0.95, seed=seed)
    return pd.DataFrame({"figure": figure, "input": names,
                         "S1": found["S1"], "S1_conf": found["S1_conf"],
                         "ST": found["ST"], "ST_conf": found["ST_conf"]})


def run_sobol(evaluator: str, inputs: list[UncertainInput], figures: list[str],
              base_samples: int = 8, seed: int = 0, options: dict | None = None,
              executor: str = "serial", workers: int | None = None, scheduler=None,
              checkpoint=None, show_progress: bool = False,
              groups: list[str] | None = None) -> SobolResult:
    """Sobol indices of every figure over ``inputs`` (``base_samples * (inputs + 2)`` runs),
    or over groups of them (``groups``: one name per input; ``base_samples * (groups + 2)``).

    A figure with a failed run gets NaN indices (the estimators need every row).
    """
    unit = sobol_unit_samples(inputs, base_samples, seed, groups)
    points = points_from_unit(inputs, unit)
    table = _sweep(evaluator, {**(options or {}), "seed": seed, "sobol": base_samples,
                               "groups": groups}, figures, points, "sensitivity", executor,
                   workers, scheduler, checkpoint, show_progress)
    indices = pd.concat([sobol_indices(inputs, table[f].to_numpy(dtype=float), seed, f,
                                       groups) for f in figures], ignore_index=True)
    return SobolResult(inputs, table, indices)
