"""The combined interval of the half and full cells' figures: the carbon's fade mechanisms
weighted by how well they predicted left-out figures of its half cell, the held estimates
sampled, and each mechanism's fitted values within their misfit-aware uncertainty (issue 19,
item 5).

One sample is one draw of the mixture:

- the **mechanism** comes from one unit number u: the mechanism whose cumulative-weight slot
  holds u (:func:`mechanism_at`), so the Latin hypercube gives every mechanism its weight's
  share of the samples, stratified;
- the **fitted values** (capacity, diffusivity, the fade value) are the mechanism's four-figure
  fit times its own 1-sigma factor to the power z, one standard-normal z per fitted role
  (``"fitted deviation: <role>"``, drawn as a unit number), shared by every mechanism so that a
  role keeps its stratification whichever mechanism a sample picks. The fits' covariances are
  not stored, so the values are sampled independently: correlated values (the capacity against
  the diffusivity) make the sampled spread wider than the fit's;
- the **estimates** are those behind the cells under that mechanism (the cell, its
  materials, the mechanism's own file); another mechanism's estimates are drawn but unused.
  A full-cell figure also samples the cathode's fitted fade within its 1-sigma factor.

Without ``recalibrate`` (the measured path) the fitted values are not refitted to the sampled
estimates, so a sample far from the estimates the fit held no longer meets the four figures, and
the interval also holds "what if the calibration were not redone". With it, each sample refits
the three values under its mechanism with its estimates held (~25-50 s a sample here, one
process; ``benchmarks/combined_interval.py``) and applies the same deviations about the refit.

Weights and the interval's check over the leave-one-out folds: :mod:`.mechanism_weights`.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from kion_sim.errors import InvalidInputError
from kion_sim.uncertainty.inputs import UncertainInput, select_inputs
from kion_sim.uncertainty.mechanism_weights import (
    FoldCoverage,
    MechanismEvidence,
    load_loo_evidence,
    loo_coverage,
    pseudo_bma_weights,
    select_evidence,
)
from kion_sim.uncertainty.simulated import (
    FIGURES,
    HALF_CELL,
    _full_cell_figures,
    _half_cell_figures,
    _overrides,
    _refit,
    cell_inputs,
    check_figures,
    describe_inputs,
    evaluator_options,
)
from kion_sim.uncertainty.study import IntervalResult, run_intervals

MIXTURE_EVALUATOR = "kion_sim.uncertainty.mechanism_mixture:mixture_figures"
MECHANISM_INPUT = "fade mechanism (unit number; slots by cumulative weight)"
DEVIATION_PREFIX = "fitted deviation: "
# The fitted values in the order calibration_plan lists them (a mix's second fade value last).
FITTED_ROLES = ("capacity", "diffusivity", "fade value", "second fade value")


def fitted_plan(name: str) -> list[tuple[str, str]]:
    """(component, key) of each value fitted under mechanism ``name``, in fit order."""
    from kion_sim.validation.calibrate import calibration_plan

    return [(p.material, p.key) for p in calibration_plan(HALF_CELL, name)[0]]


def mixture_spec(evidence: list[MechanismEvidence], weights: dict[str, float]) -> list[list]:
    """JSON-friendly: [[mechanism, cumulative weight up to it, [[component, key, fitted value,
    1-sigma factor], ...]], ...] of the mechanisms with a weight above zero (one of 1e-20
    keeps its slot, and its estimates are drawn, though no sample will land there)."""
    spec, cumulative = [], 0.0
    for m in evidence:
        if weights[m.mechanism] <= 0:
            continue
        cumulative += weights[m.mechanism]
        values = []
        for component, key in fitted_plan(m.mechanism):
            if key not in m.fitted:
                raise InvalidInputError(f"{m.mechanism}: the leave-one-out results have no "
                                        f"fitted {key!r}")
            factor = m.uncertainty_factor.get(key, math.inf)
            if not (math.isfinite(factor) and factor >= 1):
                raise InvalidInputError(f"{m.mechanism}: {key!r} has no finite 1-sigma factor "
                                        f"({factor!r}) to sample it by")
            values.append([component, key, m.fitted[key], factor])
        spec.append([m.mechanism, cumulative, values])
    spec[-1][1] = 1.0  # rounding must not leave a slot of u uncovered
    return spec


def mechanism_at(u: float, spec: list[list]) -> list:
    """The entry of ``spec`` whose cumulative-weight slot holds the unit number ``u``."""
    index = bisect.bisect_right([entry[1] for entry in spec], u)
    return spec[min(index, len(spec) - 1)]


def mixture_inputs(spec: list[list], estimates: bool = True,
                   cells: tuple[str, ...] = (HALF_CELL,)) -> list[UncertainInput]:
    """The mechanism's unit number, one deviation per fitted role, and with ``estimates``
    every estimate behind ``cells`` under any mechanism of ``spec`` (each named once). The
    full cell also brings the values fitted outside the carbon's calibration (the cathode's
    fade, fitted to its own half cell and stored in its file), sampled within their 1-sigma
    factor whether or not the estimates are."""
    roles = max(len(values) for _, _, values in spec)
    found = [UncertainInput.estimate(MECHANISM_INPUT, 0.5, 0.0, 1.0, kind="mixture",
                                     reason="picks the mechanism by its weight")]
    found += [UncertainInput.estimate(DEVIATION_PREFIX + FITTED_ROLES[i], 0.5, 0.0, 1.0,
                                      kind="mixture", reason="standard normal z = Phi^-1(u)")
              for i in range(roles)]
    held: dict[str, UncertainInput] = {}
    for cell in cells:
        if cell == HALF_CELL and not estimates:
            continue  # every value the half cell fits is the mixture's own
        for name, _, values in spec:
            fitted = {(component, key) for component, key, _, _ in values}
            for item in cell_inputs(cell, fitted=cell != HALF_CELL, mechanism=name):
                if (item.component, item.key) not in fitted \
                        and (estimates or item.kind == "fitted"):
                    held.setdefault(item.name, item)
    return found + list(held.values())


def _fitted_values(point: dict, values: list[list], refit: dict) -> dict:
    """Material overrides of the fitted values: (refit or stored) x factor ** z."""
    from scipy.stats import norm

    found: dict[str, dict[str, float]] = {}
    for role, (component, key, value, factor) in zip(FITTED_ROLES, values, strict=False):
        unit = min(max(point.get(DEVIATION_PREFIX + role, 0.5), 1e-12), 1 - 1e-12)
        centre = refit.get((component, key), value)
        found.setdefault(component, {})[key] = centre * factor ** float(norm.ppf(unit))
    return found


def mixture_figures(point: dict, options: dict) -> dict:
    """The evaluator: one draw of the mixture (module docstring). ``options`` as
    :func:`~kion_sim.uncertainty.simulated.evaluator_options` gives, plus ``mixture``
    (:func:`mixture_spec`). Half-cell and full-cell figures of one sample share its
    mechanism, its carbon values and every estimate the two cells share."""
    spec, wanted = options["mixture"], set(options["figures"])
    name, _, values = mechanism_at(point[MECHANISM_INPUT], spec)
    others = {entry[0] for entry in spec} - {name}
    described = [d for d in options["inputs"] if d[4] in ("estimate", "fitted")
                 and d[1] not in others]
    # A refit starts from the four-figure fit the mixture samples about, not a stored one.
    start = {key: value for _, key, value, _ in values}
    refit = _refit(point, described, options["model"], name, start) \
        if options.get("recalibrate") else {}
    carbon = _fitted_values(point, values, refit)
    found: dict = {}
    for cell in dict.fromkeys(FIGURES[figure] for figure in options["figures"]):
        materials, electrodes = _overrides(point, described, cell, {})
        for component, entries in carbon.items():
            materials.setdefault(component, {}).update(entries)
        if cell == HALF_CELL:
            found.update(_half_cell_figures(materials, electrodes, name, wanted,
                                            options["model"]))
        else:
            found.update(_full_cell_figures(materials, electrodes, wanted, options, name))
    return {figure: found[figure] for figure in options["figures"]}


@dataclass
class CombinedInterval:
    """The sampled mixture, the weights it used and the interval's leave-one-out check."""

    result: IntervalResult
    evidence: list[MechanismEvidence]
    weights: dict[str, float]
    coverage: list[FoldCoverage]
    post_reveal: bool

    def spec(self) -> list[list]:
        """The mixture the samples were drawn from (:func:`mixture_spec`)."""
        return mixture_spec(self.evidence, self.weights)

    def picked(self) -> np.ndarray:
        """The mechanism each sample drew (by its slot of the unit number)."""
        spec = self.spec()
        return np.array([mechanism_at(u, spec)[0]
                         for u in self.result.samples[MECHANISM_INPUT]], dtype=object)

    def mechanism_counts(self) -> dict[str, int]:
        """How many samples each mechanism got."""
        picked = list(self.picked())
        return {m.mechanism: picked.count(m.mechanism) for m in self.evidence}

    def rank_correlations(self, figure: str):
        """The inputs ranked by their rank correlation with ``figure``, each over the samples
        that used it: a mechanism's own estimates over the samples that drew it, a fitted
        role's deviation over those whose mechanism fits that many values (a mix's second
        fade value), so an estimate of a mechanism few samples drew cannot top the ranking by
        chance."""
        picked = self.picked()
        mechanisms = {name: len(values) for name, _, values in self.spec()}
        used = {}
        for item in self.result.inputs:
            if item.component in mechanisms:
                used[item.name] = picked == item.component
            elif item.name.startswith(DEVIATION_PREFIX):
                role = FITTED_ROLES.index(item.name[len(DEVIATION_PREFIX):])
                used[item.name] = np.array([mechanisms[p] > role for p in picked], dtype=bool)
        return self.result.rank_correlations(figure, used)


def combined_intervals(figures: list[str], samples: int = 32, seed: int = 0,
                       post_reveal: bool = True, recalibrate: bool = False,
                       parameters: list[str] | None = None, execution=None,
                       loo_results: str | None = None, model: str = "SPM",
                       mechanisms: list[str] | None = None,
                       estimates: bool = True, full_cell_model: str = "SPMe",
                       full_cell_cycles: int = 200,
                       design: dict | None = None) -> CombinedInterval:
    """5-95 % intervals of ``figures`` (the half cell's, the full cell's or both) over the
    mixture of the carbon's mechanisms.

    ``post_reveal``: weight the mechanisms defined after the reveal too (flagged); ``parameters``
    restricts the sampled inputs as in :func:`~kion_sim.uncertainty.report.figure_intervals`
    (the mechanism's unit number is always sampled); ``loo_results`` a ``kion-sim mechanisms
    --loo --json`` file (default :func:`~.mechanism_weights.loo_results_path`); ``estimates``
    False holds every estimate at its value (only the mechanism and the fitted values vary:
    the part of the interval that does not undo the calibration). The full cell's figures
    (``full_cell_model``, retention after ``full_cell_cycles``, the remedies of ``design`` as
    :func:`~kion_sim.fullcell.full_cell_design` takes them) run its carbon under the sampled
    mechanism: the weights are the half cell's, the only place the carbon's fade was measured.
    """
    from kion_sim.uncertainty.report import Execution

    cells = tuple(dict.fromkeys(FIGURES[figure] for figure in check_figures(figures)))
    evidence = select_evidence(load_loo_evidence(loo_results), mechanisms, post_reveal)
    weights = pseudo_bma_weights(evidence)
    spec = mixture_spec(evidence, weights)
    inputs = mixture_inputs(spec, estimates, cells)
    if parameters:
        inputs = [inputs[0]] + [i for i in select_inputs(inputs, parameters) if i is not
                                inputs[0]]
    options = evaluator_options(figures, [], recalibrate=recalibrate, model=model,
                                full_cell_model=full_cell_model,
                                full_cell_cycles=full_cell_cycles, design=design)
    options.update(inputs=describe_inputs(inputs), mixture=spec)
    execution = execution or Execution(show_progress=False)
    result = run_intervals(MIXTURE_EVALUATOR, inputs, figures, samples, seed, options,
                           **execution.settings())
    return CombinedInterval(result, evidence, weights, loo_coverage(evidence), post_reveal)


def combined_summary(found: CombinedInterval, figures: dict[str, str], recalibrate: bool,
                     seed: int) -> dict:
    """``{<key>_p05, <key>_p95}`` of each figure (figure name -> output key) and how they were
    made: weights, samples per mechanism, the leave-one-out coverage, what was sampled."""
    from kion_sim.uncertainty.mechanism_weights import coverage_dict

    result, out = found.result, {}
    for figure, key in figures.items():
        out.update(result.keys(figure, key))
    held = not any(i.kind == "estimate" for i in result.inputs)
    counts = found.mechanism_counts()
    out["uncertainty"] = {
        "interval": "5-95 % percentiles over a Latin hypercube of the mixture of mechanisms",
        "samples": len(result.samples), "seed": seed,
        "failed_samples": int(result.intervals["failed"].max()),
        "sampled_inputs": len(result.inputs),
        "weights": "pseudo-BMA from the leave-one-out predictive densities",
        "mechanisms": {m.label: {"weight": found.weights[m.mechanism],
                                 "samples": counts[m.mechanism]}
                       for m in found.evidence},
        "post_reveal_mechanisms": "weighted, flagged" if found.post_reveal else "left out",
        "estimates": "held at their values" if held else "sampled",
        "fitted_values": ("recalibrated per sample under its mechanism, then scaled within "
                          "their misfit-aware 1-sigma factor" if recalibrate else
                          "each mechanism's four-figure fit, sampled within its misfit-aware "
                          "1-sigma factor (not recalibrated)"),
        "loo_coverage": coverage_dict(found.coverage),
        "hinges_on": {key: found.rank_correlations(figure).dropna().head(3)
                      .to_dict(orient="records") for figure, key in figures.items()}}
    return out
