"""Every prediction with an interval, and which unknown matters most.

Estimates are sampled over their plausible ranges and fitted values within their fitted
uncertainty (:mod:`kion_sim.uncertainty.inputs` says how); any figure's 5-95 % interval comes
from a Latin hypercube, and Sobol indices (SALib) rank the unknowns. The model is one named
evaluator (:mod:`kion_sim.uncertainty.simulated` for the simulator), run through the sweep
machinery: local processes or Dask, with a checkpoint that resumes.

The half cell's figures also get a combined interval over the fade mechanisms, weighted by
their leave-one-out predictions (:mod:`kion_sim.uncertainty.mechanism_mixture`, weights and
coverage in :mod:`kion_sim.uncertainty.mechanism_weights`).
"""

from kion_sim.uncertainty.inputs import (
    LOG_SPAN_FACTOR,
    UncertainInput,
    latin_hypercube_points,
    select_inputs,
)
from kion_sim.uncertainty.study import (
    IntervalResult,
    SobolResult,
    interval_table,
    run_intervals,
    run_sobol,
    sobol_indices,
)

__all__ = ["LOG_SPAN_FACTOR", "IntervalResult", "SobolResult", "UncertainInput",
           "interval_table", "latin_hypercube_points", "run_intervals", "run_sobol",
           "select_inputs", "sobol_indices"]
