"""When a sample's refit counts: converged, and not ruled out by the four figures (no solves:
the fit itself is replaced by what it would return)."""

import numpy as np
import pytest

from kion_sim.errors import SimulationError
from kion_sim.uncertainty import recalibration

MECHANISM = "sei_dissolving_reforming"


def _refit_returning(monkeypatch, residuals, converged=True, nominal=(0.5, 0.5, 0.3, 0.1)):
    nominal = np.array(nominal)
    monkeypatch.setattr(recalibration, "_nominal",
                        lambda *args: (nominal, np.eye(len(nominal), 3)))

    def fit(problem, x0, lower, upper, jacobian, *settings):
        return x0, np.array(residuals, dtype=float), jacobian, converged

    monkeypatch.setattr("kion_sim.validation.staged_fit.staged_from_jacobian", fit)
    return recalibration.refit(MECHANISM, "SPM", {}, {})


def test_a_minimum_within_the_allowed_rise_is_kept(monkeypatch):
    # chi-square 0.6 at the nominal point; 0.6 + 8 is within the rise of 9.
    fitted = _refit_returning(monkeypatch, [2.0, 1.0, 1.5, 1.0])
    assert len(fitted) == 3 and all(value > 0 for value in fitted.values())


def test_a_minimum_the_figures_rule_out_is_rejected(monkeypatch):
    with pytest.raises(SimulationError, match="rule the sample's estimates out.*6.20 sigma"):
        _refit_returning(monkeypatch, [6.2, 0.5, 0.3, 0.1])


def test_a_refit_that_did_not_converge_is_rejected(monkeypatch):
    with pytest.raises(SimulationError, match="cannot meet the calibration targets"):
        _refit_returning(monkeypatch, [0.5, 0.5, 0.3, 0.1], converged=False)
