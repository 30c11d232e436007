"""A sample's recalibration on the Jacobian measured once: it meets the four figures again after
a held estimate moved (issue 22, item 1)."""

import numpy as np

from kion_sim.uncertainty.recalibration import HALF_CELL, _plan, refit
from kion_sim.validation.staged_fit import TrialProblem
from kion_sim.validation.trial_runs import TrialRunner

MECHANISM, MODEL = "sei_dissolving_reforming", "SPM"
# The K-metal exchange current at the low end of its range (potassium_metal.toml: 0.6-6 A/m2)
# instead of 1.8: more overpotential at 500 mA/g, so less capacity there until refitted.
HELD = {"potassium_metal": {"exchange-current density [A.m-2]": 0.6}}


def test_a_moved_estimate_is_refitted_to_meet_the_figures_again():
    parameters, targets, x0, _, _ = _plan(MECHANISM)
    fitted = refit(MECHANISM, MODEL, HELD, {})
    x = np.log10([fitted[(p.material, p.key)] for p in parameters])
    with TrialRunner(MODEL, False, 2, False) as runner:
        problem = TrialProblem(HALF_CELL, parameters, targets, runner, fixed=HELD,
                               mechanism=MECHANISM)
        before, after = problem.residuals([x0, x], list(range(len(targets))))
    # The stored values miss the 500 mA/g capacity with the slower K metal; the refit meets
    # all four figures within their stated uncertainties (chi-square under 4 for one dof).
    assert before @ before > 2 * (after @ after)
    assert after @ after < 4.0
    assert not np.allclose(x, x0)
