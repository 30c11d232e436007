"""Figures with known intervals and Sobol indices, to check the machinery without PyBaMM.

Each is an evaluator: ``f(point, options) -> {figure: value}``.
"""

from __future__ import annotations

import math


def linear(point: dict, options: dict) -> dict:
    """``y = a + b * x``: for x ~ U(lo, hi) the p-quantile is a + b (lo + p (hi - lo))."""
    return {"y": options.get("a", 0.0) + options.get("b", 1.0) * point["x"]}


def ishigami(point: dict, options: dict) -> dict:
    """Ishigami & Homma's function on x1..x3 ~ U(-pi, pi), the usual Sobol test case."""
    a, b = options.get("a", 7.0), options.get("b", 0.1)
    x1, x2, x3 = point["x1"], point["x2"], point["x3"]
    return {"y": math.sin(x1) + a * math.sin(x2) ** 2 + b * x3 ** 4 * math.sin(x1)}
