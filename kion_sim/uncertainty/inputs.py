"""The uncertain inputs of a study: what is sampled, over which span, with which distribution.

Distributions (the one rule every sample follows):

- an **estimate** is sampled over its ``range``: log-uniform when the range is positive and
  spans more than a factor ``LOG_SPAN_FACTOR`` (3), since "an order of magnitude either way"
  means every decade is as likely; uniform otherwise (a narrow or sign-free span);
- a **fitted** value is log-normal about its stored fit with the 1-sigma multiplicative factor
  of the fit (``uncertainty_factor``): the fit's Jacobian uncertainty, from the targets' own.

Every input maps a unit number u in (0, 1) to a value (:meth:`UncertainInput.from_unit`), so the
Latin hypercube here and SALib's Sobol sequences share one transform.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kion_sim.errors import InvalidInputError, UnknownNameError

LOG_SPAN_FACTOR = 3.0
DISTRIBUTIONS = ("uniform", "log-uniform", "log-normal")
_UNIT_MARGIN = 1e-12  # keeps the log-normal's inverse CDF finite at u = 0 or 1


@dataclass(frozen=True)
class UncertainInput:
    """One sampled quantity.

    ``name`` is how samples, tables and rankings call it; ``component`` and ``key`` say where
    it goes (a material, mechanism or cell name, and its value key), ``role`` an electrode of a
    cell recipe when the value sits there. For a log-normal input ``low`` and ``high`` are its
    5-95 % span, for the others the sampled bounds.
    """

    name: str
    value: float
    low: float
    high: float
    distribution: str
    component: str = ""
    key: str = ""
    role: str = ""
    kind: str = "estimate"  # or "fitted"
    reason: str = ""

    def __post_init__(self):
        if self.distribution not in DISTRIBUTIONS:
            raise UnknownNameError("distribution", self.distribution, DISTRIBUTIONS)
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise InvalidInputError(f"{self.name}: span [{self.low}, {self.high}] needs finite "
                                    f"low < high")
        if self.distribution != "uniform" and not self.low > 0:
            raise InvalidInputError(f"{self.name}: a {self.distribution} input needs a positive "
                                    f"span, got [{self.low}, {self.high}]")

    @classmethod
    def estimate(cls, name: str, value: float, low: float, high: float, **where) -> UncertainInput:
        """An estimate over ``[low, high]``: log-uniform if positive and wider than a factor
        ``LOG_SPAN_FACTOR``, else uniform."""
        wide = low > 0 and high / low > LOG_SPAN_FACTOR
        return cls(name, value, low, high, "log-uniform" if wide else "uniform", **where)

    @classmethod
    def fitted(cls, name: str, value: float, factor: float, **where) -> UncertainInput:
        """A fitted value, log-normal about ``value`` with 1-sigma factor ``factor`` (> 1)."""
        if not (math.isfinite(factor) and factor > 1):
            raise InvalidInputError(f"{name}: a fitted value's 1-sigma factor must be finite and "
                                    f"> 1 to sample it, got {factor!r}")
        from scipy.stats import norm  # not at import: scipy.stats is ~1 s of the CLI's start

        spread = norm.ppf(0.95) * math.log(factor)
        return cls(name, value, value * math.exp(-spread), value * math.exp(spread),
                   "log-normal", kind="fitted", **where)

    def from_unit(self, u: np.ndarray | float) -> np.ndarray:
        """Values at unit numbers ``u`` in [0, 1] (the inverse CDF of the distribution)."""
        u = np.asarray(u, dtype=float)
        if self.distribution == "uniform":
            return self.low + u * (self.high - self.low)
        if self.distribution == "log-uniform":
            return np.exp(np.log(self.low) + u * np.log(self.high / self.low))
        from scipy.stats import norm

        sigma = math.log(self.high / self.value) / norm.ppf(0.95)
        u = np.clip(u, _UNIT_MARGIN, 1 - _UNIT_MARGIN)
        return self.value * np.exp(sigma * norm.ppf(u))


def check_sample_settings(samples, seed) -> None:
    """``samples`` a whole number >= 2 and ``seed`` a whole number >= 0, or a one-line error."""
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 2:
        raise InvalidInputError(f"samples must be a whole number >= 2 (an interval needs two "
                                f"or more), got {samples!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidInputError(f"seed must be a whole number >= 0, got {seed!r}")


def latin_hypercube_points(inputs: list[UncertainInput], samples: int,
                           seed: int = 0) -> tuple[dict, ...]:
    """``samples`` points ({input name: value}) from a Latin hypercube over ``inputs``.

    Examples
    --------
    >>> x = UncertainInput.estimate("x", 1.0, 0.5, 1.5)
    >>> points = latin_hypercube_points([x], 4, seed=1)
    >>> len(points), all(0.5 <= p["x"] <= 1.5 for p in points)
    (4, True)
    """
    check_sample_settings(samples, seed)
    if not inputs:
        raise InvalidInputError("an uncertainty study needs at least one uncertain input")
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(inputs), seed=seed).random(samples)
    return points_from_unit(inputs, unit)


def points_from_unit(inputs: list[UncertainInput], unit: np.ndarray) -> tuple[dict, ...]:
    """Map rows of unit numbers (one column per input) to points of physical values."""
    columns = [item.from_unit(unit[:, j]) for j, item in enumerate(inputs)]
    return tuple({item.name: float(column[i]) for item, column in zip(inputs, columns,
                                                                      strict=True)}
                 for i in range(len(unit)))


def select_inputs(inputs: list[UncertainInput], names: list[str] | None) -> list[UncertainInput]:
    """The inputs called ``names`` (all when None); an unknown name lists the valid ones."""
    if not names:
        return list(inputs)
    by_name = {item.name: item for item in inputs}
    for name in names:
        if name not in by_name:
            raise UnknownNameError("uncertain input", name, list(by_name))
    return [by_name[name] for name in names]
