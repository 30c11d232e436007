"""How much to believe each fade mechanism, from the leave-one-out table; the mixture interval
that belief gives; and how often that interval held the left-out figure (issue 19, item 5).

**Weighting: pseudo-BMA** (Yao, Vehtari, Simpson & Gelman 2018, "Using stacking to average
Bayesian predictive distributions"): a mechanism's weight is proportional to exp(elpd), where
elpd is the sum over the leave-one-out folds of the log predictive density of the left-out
figure, a normal about the fold's prediction whose 5-95 % span is the fold's predictive
interval (the fold fit's uncertainty and the figure's own). Why this one:

- it scores what a mechanism predicted for a figure it was not fitted to, which is the only
  test that separates them now that nothing is withheld;
- Akaike weights from the four-figure fits would score the fit to figures each mechanism has
  seen, and so reward whatever was shaped after the reveal of 82 %;
- stacking optimises the mixture's own leave-one-out score, which with two folds puts all
  weight on one mechanism (a degenerate optimum), and pseudo-BMA+'s Bayesian bootstrap over
  two folds adds little but noise.

**Mechanisms defined after the reveal** (``defined_after_reveal``) were shaped knowing 82 %,
so their fold that predicts 82 % is not a prediction. They are weighted like the others but
flagged, and every function takes ``post_reveal=False`` to leave them out: the caller reports
both, and the coverage without them is the honest one.

The left-out figures are compared only over the folds every mechanism has (the stored table
has the two retention folds), so that elpds are sums over the same figures.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import brentq
from scipy.stats import norm

from kion_sim.errors import InvalidInputError, UnknownNameError

Z_05_95 = float(norm.ppf(0.95))
LOO_RESULTS_ENV = "KION_SIM_LOO_RESULTS"
# Written by `kion-sim mechanisms --loo --json`; stored beside the fits it tests, so that an
# installed package (not only a checkout) has it.
LOO_RESULTS_FILE = "soft_carbon_half_cell_loo.json"


class LooResultsMissingError(InvalidInputError):
    """The leave-one-out table the weights come from is missing or unreadable."""


@dataclass(frozen=True)
class FoldPrediction:
    """One mechanism's prediction of one left-out figure, as a normal distribution."""

    left_out: str
    measured: float
    predicted: float
    sd: float  # from the fold's predictive 5-95 % interval
    converged: bool

    def log_density(self) -> float:
        """Log predictive density of the measured figure (-inf if the spread is not finite)."""
        if not (math.isfinite(self.sd) and self.sd > 0):
            return -math.inf
        return float(norm.logpdf(self.measured, self.predicted, self.sd))


@dataclass(frozen=True)
class MechanismEvidence:
    """What the leave-one-out table says of one mechanism."""

    mechanism: str
    defined_after_reveal: bool
    fitted: dict[str, float]  # the four-figure fit, by value key
    uncertainty_factor: dict[str, float]  # 1-sigma, multiplicative, misfit included
    chi_square: float
    folds: tuple[FoldPrediction, ...]

    @property
    def label(self) -> str:
        return self.mechanism + (" (after reveal)" if self.defined_after_reveal else "")

    def fold(self, left_out: str) -> FoldPrediction:
        return next(f for f in self.folds if f.left_out == left_out)


def _fold_from_json(entry: dict) -> FoldPrediction:
    low, high = float(entry["predictive_p05"]), float(entry["predictive_p95"])
    return FoldPrediction(entry["left_out"], float(entry["measured"]),
                          float(entry["predicted"]), (high - low) / (2 * Z_05_95),
                          bool(entry.get("converged", True)))


def evidence_from_loo(document: dict) -> list[MechanismEvidence]:
    """Each mechanism of a ``kion-sim mechanisms --loo --json`` document."""
    try:
        return [MechanismEvidence(m["mechanism"], bool(m["defined_after_reveal"]),
                                  dict(m["fitted"]), dict(m["uncertainty_factor"]),
                                  float(m["chi_square"]),
                                  tuple(_fold_from_json(f) for f in m["folds"]))
                for m in document["mechanisms"]]
    except (KeyError, TypeError, ValueError) as error:
        raise LooResultsMissingError(f"the leave-one-out results lack {error} (expected the "
                                     f"output of kion-sim mechanisms --loo --json)") from None


def loo_results_path(path: str | os.PathLike | None = None) -> Path:
    """``path``, else ``$KION_SIM_LOO_RESULTS``, else the stored table beside the fits."""
    from kion_sim.parameters.mechanisms import calibrations_dir

    return Path(path or os.environ.get(LOO_RESULTS_ENV) or calibrations_dir() / LOO_RESULTS_FILE)


def load_loo_evidence(path: str | os.PathLike | None = None) -> list[MechanismEvidence]:
    """The mechanisms of a stored leave-one-out table (:func:`loo_results_path`)."""
    found = loo_results_path(path)
    if not found.is_file():
        raise LooResultsMissingError(
            f"no leave-one-out results at {found}: run `kion-sim mechanisms --loo --json > "
            f"FILE` and pass it (--loo-results FILE or {LOO_RESULTS_ENV}=FILE)")
    evidence = evidence_from_loo(read_loo_document(found))
    if not evidence:
        raise LooResultsMissingError(f"{found}: lists no mechanism")
    return evidence


def read_loo_document(path: str | os.PathLike) -> dict:
    """A ``kion-sim mechanisms --loo --json`` document, or an error naming what is wrong."""
    try:
        document = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LooResultsMissingError(f"cannot read {path} as a kion-sim mechanisms --loo "
                                     f"--json document: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("mechanisms"), list):
        raise LooResultsMissingError(f"{path} is not a kion-sim mechanisms --loo --json "
                                     f"document (it has no 'mechanisms' list)")
    return document


def select_evidence(evidence: list[MechanismEvidence], names: list[str] | None = None,
                    post_reveal: bool = True) -> list[MechanismEvidence]:
    """The mechanisms called ``names`` (all when None), without the post-reveal ones unless
    ``post_reveal``; an unknown name lists the valid ones."""
    by_name = {m.mechanism: m for m in evidence}
    for name in names or []:
        if name not in by_name:
            raise UnknownNameError("mechanism", name, by_name)  # those the table lists
    chosen = [by_name[n] for n in names] if names else list(evidence)
    chosen = [m for m in chosen if post_reveal or not m.defined_after_reveal]
    if not chosen:
        raise InvalidInputError("no mechanism left to weight (every one named was defined "
                                "after the reveal, and those were left out)")
    return chosen


def common_folds(evidence: list[MechanismEvidence]) -> list[str]:
    """The left-out figures every mechanism has a fold for, in the first one's order."""
    names = [f.left_out for f in evidence[0].folds]
    common = [n for n in names if all(any(f.left_out == n for f in m.folds) for m in evidence)]
    if not common:
        raise InvalidInputError("the mechanisms share no leave-one-out fold to compare")
    return common


def elpd(mechanism: MechanismEvidence, folds: list[str]) -> float:
    """Sum of the log predictive densities of the left-out figures ``folds``."""
    return float(sum(mechanism.fold(name).log_density() for name in folds))


def pseudo_bma_weights(evidence: list[MechanismEvidence],
                       exclude_fold: str | None = None) -> dict[str, float]:
    """Pseudo-BMA weights over the common folds, without ``exclude_fold`` (for an honest
    check of that fold).

    Examples
    --------
    >>> a = MechanismEvidence("a", False, {}, {}, 0.0, (FoldPrediction("r", 0, 0, 1, True),))
    >>> b = MechanismEvidence("b", False, {}, {}, 0.0, (FoldPrediction("r", 0, 1, 1, True),))
    >>> {k: round(v, 3) for k, v in pseudo_bma_weights([a, b]).items()}  # exp(0) : exp(-1/2)
    {'a': 0.622, 'b': 0.378}
    """
    folds = [f for f in common_folds(evidence) if f != exclude_fold]
    if not folds:
        raise InvalidInputError(f"no fold left to weight by once {exclude_fold!r} is left out")
    scores = np.array([elpd(m, folds) for m in evidence])
    if not np.isfinite(scores).any():
        raise InvalidInputError("no mechanism gives the left-out figures a finite density")
    shifted = np.exp(scores - scores[np.isfinite(scores)].max())  # log-sum-exp, no underflow
    return {m.mechanism: float(w) for m, w in zip(evidence, shifted / shifted.sum(),
                                                  strict=True)}


def mixture_cdf(x: float, weights, means, sds) -> float:
    """CDF at ``x`` of the mixture of normals N(means, sds) with ``weights``."""
    weights, means, sds = (np.asarray(v, dtype=float) for v in (weights, means, sds))
    kept = weights > 0
    return float(np.sum(weights[kept] * norm.cdf(x, means[kept], sds[kept])))


def mixture_quantile(q: float, weights, means, sds) -> float:
    """The ``q``-quantile (0 < q < 1) of the mixture of normals (root of its CDF)."""
    if not 0 < q < 1:
        raise InvalidInputError(f"a quantile needs 0 < q < 1, got {q!r}")
    weights = np.asarray(weights, dtype=float)
    means, sds = np.asarray(means, dtype=float), np.asarray(sds, dtype=float)
    kept = (weights > 0) & np.isfinite(sds)
    if not kept.any() or not math.isclose(weights[kept].sum(), 1.0, rel_tol=1e-9):
        raise InvalidInputError("mixture weights of finite components must sum to 1")
    span = 10 * sds[kept].max()  # the CDF is within 1e-23 of 0 and 1 beyond this
    low, high = means[kept].min() - span, means[kept].max() + span
    return float(brentq(lambda x: mixture_cdf(x, weights[kept], means[kept], sds[kept]) - q,
                        low, high, xtol=1e-10))


@dataclass(frozen=True)
class FoldCoverage:
    """The combined interval of one left-out figure, weights fitted without that fold."""

    left_out: str
    measured: float
    p05: float
    p95: float
    weights: dict[str, float]

    @property
    def inside(self) -> bool:
        return self.p05 <= self.measured <= self.p95


def loo_coverage(evidence: list[MechanismEvidence]) -> list[FoldCoverage]:
    """For each common fold: weights from the other folds only, the mixture of every
    mechanism's predictive distribution of the left-out figure, and its 5-95 % interval."""
    found = []
    for name in common_folds(evidence):
        weights = pseudo_bma_weights(evidence, exclude_fold=name)
        folds = [m.fold(name) for m in evidence]
        w = [weights[m.mechanism] for m in evidence]
        means, sds = [f.predicted for f in folds], [f.sd for f in folds]
        found.append(FoldCoverage(name, folds[0].measured, mixture_quantile(0.05, w, means, sds),
                                  mixture_quantile(0.95, w, means, sds), weights))
    return found


def coverage_text(coverage: list[FoldCoverage]) -> str:
    """``"k of n folds"`` inside their combined 5-95 % interval."""
    return f"{sum(c.inside for c in coverage)} of {len(coverage)} folds"


def weight_rows(evidence: list[MechanismEvidence]) -> list[dict]:
    """One row per mechanism: its fold errors, elpd and weight with and without the
    post-reveal mechanisms (for a table; a dash where a mechanism is not weighted)."""
    folds = common_folds(evidence)
    with_all = pseudo_bma_weights(evidence)
    before = [m for m in evidence if not m.defined_after_reveal]
    without = pseudo_bma_weights(before) if before else {}
    rows = []
    for m in evidence:
        row = {"mechanism": m.label}
        row.update({f"{name} error": round(m.fold(name).predicted - m.fold(name).measured, 1)
                    for name in folds})
        row["elpd"] = round(elpd(m, folds), 2)
        row["weight (all)"] = round(with_all[m.mechanism], 3)
        row["weight (pre-reveal only)"] = round(without[m.mechanism], 3) \
            if m.mechanism in without else "-"
        rows.append(row)
    return rows


def coverage_rows(coverage: list[FoldCoverage]) -> list[dict]:
    """One row per left-out figure: its combined interval, weighted without it."""
    return [{"left out": c.left_out, "measured": c.measured,
             "combined 5-95 %": f"{c.p05:.1f}-{c.p95:.1f}", "inside": "yes" if c.inside else "no",
             "weights without this fold": ", ".join(f"{k} {v:.2f}" for k, v in c.weights.items()
                                                    if v >= 0.005)}
            for c in coverage]


def coverage_dict(coverage: list[FoldCoverage]) -> dict:
    """JSON-friendly coverage: ``k of n`` and each fold."""
    return {"coverage": coverage_text(coverage),
            "folds": [{"left_out": c.left_out, "measured": c.measured, "p05": c.p05,
                       "p95": c.p95, "inside": c.inside, "weights": c.weights}
                      for c in coverage]}
