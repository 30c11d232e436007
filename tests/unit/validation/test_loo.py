"""Leave-one-out machinery on cheap stand-ins: linear residuals whose fits and predictions are
computed here independently (least squares by hand), and the rule that picks the default."""

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest

from kion_sim.validation import loo

# A linear model of four figures in three log10 values: r(x) = A x - b (residuals in sigmas).
A = np.array([[1.0, 0.2, 0.1], [0.1, 0.3, -2.0], [0.5, 1.5, 0.1], [-0.3, 0.6, -1.0]])
TRUTH = np.array([0.3, -0.2, 0.1])
NOISE = np.array([0.2, -0.3, 0.1, 0.4])  # the misfit a mechanism cannot explain
B = A @ TRUTH + NOISE
SIGMAS = [6.24, 2.0, 4.28, 2.0]
MEASURED = [312.0, 80.0, 214.0, 82.0]


class _LinearProblem:
    """What the fits read from a problem, with r(x) = A x - b instead of simulations."""

    def __init__(self):
        self.targets = [SimpleNamespace(measured=m, sigma=s)
                        for m, s in zip(MEASURED, SIGMAS, strict=True)]
        self.parameters = [SimpleNamespace(key=k) for k in ("capacity", "D", "fade")]
        self.seen, self.evaluations = {}, 0
        self.runner = SimpleNamespace(workers=2, exact=False)
        self.show_progress = False

    def residuals(self, points, subset):
        out = []
        for x in points:
            vector = A @ x - B
            self.seen[tuple(np.round(x, 12))] = vector
            out.append(vector[subset])
        self.evaluations += len(points)
        return out

    def residuals_and_jacobian(self, x, free, subset, lower, upper):
        return self.residuals([x], subset)[0], A[np.ix_(subset, free)]


def test_prediction_spread_is_the_left_out_rows_variance_through_the_fold_fit():
    for k in range(4):
        kept = [i for i in range(4) if i != k]
        # Fit of three rows: x = A_f^-1 y_f, so y_k = a_k A_f^-1 y_f; unit noise on y_f.
        weights = np.linalg.solve(A[kept].T, A[k])
        assert loo.prediction_spread(A, k) == pytest.approx(np.linalg.norm(weights), rel=1e-9)


def test_a_value_no_figure_fixes_gives_an_infinite_spread():
    flat = A.copy()
    flat[:, 2] = 0.0
    flat[3, 2] = 1.0  # only the left-out row reads the third value
    assert math.isinf(loo.prediction_spread(flat, 3))


def test_misfit_scales_the_covariance_when_chi_square_exceeds_the_dof():
    parameters = [SimpleNamespace(key=k) for k in ("capacity", "D", "fade")]
    plain = np.sqrt(np.diag(np.linalg.inv(A.T @ A)))
    factors = loo._misfit_factors(parameters, A, chi_square=9.0, dof=1)
    assert [factors[k] for k in ("capacity", "D", "fade")] == pytest.approx(10 ** (3 * plain))
    unscaled = loo._misfit_factors(parameters, A, chi_square=0.25, dof=1)
    assert unscaled["fade"] == pytest.approx(10 ** plain[2])  # below 1: not shrunk


@pytest.mark.parametrize("k", range(4))
def test_a_fold_predicts_the_left_out_figure_from_the_exact_fit_of_the_others(k):
    problem = _LinearProblem()
    lower, upper = np.full(3, -5.0), np.full(3, 5.0)
    fold = loo._fold(problem, np.zeros(3), A, k, ["c100", "r100", "c500", "r500"], lower, upper)
    kept = [i for i in range(4) if i != k]
    x_fold = np.linalg.solve(A[kept], B[kept])  # three equations, three unknowns
    expected = MEASURED[k] + SIGMAS[k] * (A[k] @ x_fold - B[k])
    assert fold.converged
    assert fold.predicted == pytest.approx(expected, abs=0.1 * SIGMAS[k])
    half = loo.Z_05_95 * SIGMAS[k] * np.linalg.norm(np.linalg.solve(A[kept].T, A[k]))
    assert fold.p95 - fold.p05 == pytest.approx(2 * half, rel=1e-6)
    assert fold.predictive_p95 - fold.predictive_p05 > fold.p95 - fold.p05
    assert fold.inside_interval == (abs(fold.error) <= half)


def _result(name, score_errors, chi2=1.0, after=False, default=False, sei_nm=20.0,
            converged=True):
    folds = [SimpleNamespace(left_out=f, error=e, converged=converged) for f, e in
             zip(["capacity_100_mA_g", "retention_100_cycles", "capacity_500_mA_g",
                  "retention_500_cycles"], score_errors, strict=True)]
    states = {"carbon_SEI_thickness_nm": sei_nm, "SEI_volume_over_pore_volume": 0.1,
              "K_balance_error": 1e-4, "metal_SEI_thickness_nm": 0.0}
    return loo.MechanismLoo(name, after, default, {}, {}, [], chi2, 1, True, states, folds)


@pytest.fixture
def _known_mechanisms(monkeypatch):
    monkeypatch.setattr(loo, "load_mechanism", lambda name: SimpleNamespace(
        declared=lambda role, option: "none"))


def test_the_rule_picks_the_lowest_retention_score_before_the_reveal(_known_mechanisms):
    results = [_result("a", [9, 3, 9, 5]), _result("b", [0, 1, 0, 2], chi2=5.0),
               _result("late", [0, 0.1, 0, 0.1], after=True)]  # 0.1 beats 1.5 by 1.4 < 2
    pick, why = loo.choose_default(results)
    assert pick == "b" and "1.5 points" in why


def test_near_ties_go_to_the_lower_chi_square_and_late_mechanisms_need_a_margin(
        _known_mechanisms):
    tied = [_result("a", [0, 2, 0, 4], chi2=3.0, default=True), _result("b", [0, 2.5, 0, 4.4],
                                                                        chi2=0.5)]
    assert loo.choose_default(tied)[0] == "b"  # 3.45 within 1 point of 3.0
    late = _result("late", [0, 0.2, 0, 0.6], after=True)  # 0.4 beats 3.0 by 2.6 > 2
    assert loo.choose_default([*tied, late])[0] == "late"


def test_unphysical_end_states_are_not_eligible(_known_mechanisms):
    results = [_result("thick", [0, 0, 0, 0], sei_nm=150.0), _result("ok", [0, 3, 0, 3])]
    assert loo.choose_default(results)[0] == "ok"


def test_a_mechanism_whose_retention_folds_stopped_short_is_not_eligible(_known_mechanisms):
    results = [_result("stopped", [0, 0, 0, 0], after=False, converged=False),
               _result("ok", [0, 3, 0, 3])]
    assert loo.choose_default(results)[0] == "ok"


def _stored_result(name):
    fold = loo.Fold("retention_500_cycles", 82.0, 80.0, -2.0, 77.0, 83.0, 76.0, 84.0, True,
                    True, True, {"x": 1.0})
    other = loo.Fold("retention_100_cycles", 80.0, 81.0, 1.0, 78.0, 84.0, 77.0, 85.0, True,
                     True, True, {"x": 1.0})
    states = {"carbon_SEI_thickness_nm": 10.0, "SEI_volume_over_pore_volume": 0.1,
              "K_balance_error": 1e-4, "metal_SEI_thickness_nm": 0.0}
    return loo.MechanismLoo(name, False, False, {"x": 1.0}, {"x": 1.1},
                            [loo.Figure("retention_500_cycles", 82.0, 2.0, 81.0)], 0.5, 1,
                            True, states, [other, fold], 3.0)


def test_a_stored_result_reads_back_as_it_was_written():
    result = _stored_result("a")
    again = loo.MechanismLoo.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result and again.loo_retention_score == pytest.approx(1.5)


def test_merging_refuses_a_mechanism_run_twice_or_runs_of_two_models():
    document = {"model": "SPM", "mechanisms": [_stored_result("a").to_dict()]}
    with pytest.raises(loo.InvalidInputError, match="more than one document"):
        loo.merged_results([document, document])
    with pytest.raises(loo.InvalidInputError, match="different models"):
        loo.merged_results([document, {"model": "DFN", "mechanisms": []}])


def test_the_command_merges_documents_and_applies_the_rule_to_them_all(
        tmp_path, capsys, _known_mechanisms):
    from kion_sim.cli import main

    paths = []
    for name, error in (("a", -2.0), ("b", -6.0)):
        result = _stored_result(name)
        result.folds[1].error = error
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"model": "SPM", "mechanisms": [result.to_dict()]}))
        paths.append(str(path))
    assert main(["mechanisms", "--loo", "--merge", *paths, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rule_picks"] == "a" and [m["mechanism"] for m in out["mechanisms"]] == ["a", "b"]
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    assert main(["mechanisms", "--loo", "--merge", str(bad)]) == 2
    assert "no 'mechanisms' list" in capsys.readouterr().err


def test_the_command_prints_json_with_the_rules_pick(monkeypatch, capsys, _known_mechanisms):
    from kion_sim.cli import main

    fold = loo.Fold("retention_500_cycles", 82.0, 80.0, -2.0, 77.0, 83.0, 76.0, 84.0, True,
                    True, True, {})
    result = _result("b", [0, 1, 0, 2])
    result.folds = [fold]
    result.figures = [loo.Figure("retention_500_cycles", 82.0, 2.0, 81.0)]
    monkeypatch.setattr(loo, "leave_one_out", lambda *a, **k: [result])
    assert main(["mechanisms", "--loo", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mechanisms"][0]["folds"][0]["predicted"] == 80.0
    assert out["mechanisms"][0]["figures"][0]["residual"] == pytest.approx(-0.5)
    assert "rule_picks" in out


def test_an_unknown_mechanism_fails_before_any_run(capsys):
    from kion_sim.cli import main

    assert main(["mechanisms", "--loo", "--only", "nope"]) == 2
    assert "unknown mechanism 'nope'" in capsys.readouterr().err


def test_a_mix_s_second_fade_value_gets_a_prior_of_its_range_as_two_sigma():
    import tomllib

    from kion_sim.parameters.catalog import parameter_sets_dir
    from kion_sim.validation.calibrate import calibration_plan

    path = parameter_sets_dir() / "mechanisms" / "time_and_cycling_mix.toml"
    document = tomllib.loads(path.read_text())
    key = document["fit"]["second"]["key"]
    entry = document["values"]["carbon"][key]
    parameters, targets, _ = calibration_plan(loo.STUDY_CELL, "time_and_cycling_mix")
    assert len(parameters) == 4 and len(targets) == 4 and parameters[3].key == key
    ((index, centre, sigma),) = loo._priors("time_and_cycling_mix", parameters)
    low, high = entry["range"]
    assert index == 3 and centre == pytest.approx(math.log10(entry["value"]))
    assert sigma == pytest.approx((math.log10(high) - math.log10(low)) / 4)


def test_a_fold_whose_cell_gives_out_is_solved_again_to_its_left_out_cycle(monkeypatch):
    """A fit's trials stop at the end of life; the prediction is the run to cycle 500, or,
    if a cycle past the end of life cannot be solved, the last one's retention as a bound."""
    import pandas as pd

    from kion_sim.errors import SimulationError
    from kion_sim.validation.fitting import RetentionTarget

    target = RetentionTarget(500.0, 500, 82.0)
    problem = SimpleNamespace(runner=SimpleNamespace(model="SPM"), trial=lambda x: SimpleNamespace(
        build=lambda: "cell", moving=None))
    charge = [300.0, 200.0] + [20.0] * 497 + [9.0]  # 4.5 % at cycle 500
    summary = pd.DataFrame({"cycle": range(1, 501), "charge_capacity_mAh_g": charge,
                            "discharge_capacity_mAh_g": charge})
    asked = {}

    def run_to_the_end(*args, stop_at_end_of_life=True, **kwargs):
        asked["stop"] = stop_at_end_of_life
        return summary, None

    monkeypatch.setattr(loo, "solve_run", run_to_the_end)
    assert loo._run_past_end_of_life(problem, [0.0], target, 19.0) == (4.5, False)
    assert asked["stop"] is False

    def cannot_run(*args, **kwargs):
        raise SimulationError("fade run stopped at cycle 180")

    monkeypatch.setattr(loo, "solve_run", cannot_run)
    assert loo._run_past_end_of_life(problem, [0.0], target, 19.0) == (19.0, True)
    bound = loo.Fold("retention_500_cycles", 82.0, 19.0, -63.0, 15.0, 23.0, 14.0, 24.0, False,
                     False, True, {}, predicted_is_upper_bound=True)
    result = _stored_result("a")
    result.folds = [bound]
    assert loo.loo_rows([result])[0]["predicted"] == "<= 19.0"


def test_the_time_estimate_reads_each_mechanisms_last_run_from_the_stored_table(
        tmp_path, monkeypatch):
    from kion_sim.uncertainty.mechanism_weights import LOO_RESULTS_ENV

    stored, unrecorded = _stored_result("a"), _stored_result("c")  # two folds, 3 s each
    stored.workers = 2
    table = tmp_path / "loo.json"
    table.write_text(json.dumps({"model": "SPM", "mechanisms": [stored.to_dict(),
                                                                unrecorded.to_dict()]}))
    monkeypatch.setenv(LOO_RESULTS_ENV, str(table))
    assert loo.estimated_seconds(["a"], "SPM", 2, "retention") == pytest.approx(3.0)
    assert loo.estimated_seconds(["a"], "SPM", 2, "all") == pytest.approx(4.5)
    assert loo.estimated_seconds(["a"], "SPM", 1, "retention") == pytest.approx(6.0)
    assert loo.estimated_seconds(["c"], "SPM", 2, "retention") == pytest.approx(1.5)  # ran on 1
    points = loo.POINTS_PER_MECHANISM * loo.SECONDS_PER_POINT["SPM"]
    assert loo.estimated_seconds(["a", "b"], "SPM", 2, "retention") == pytest.approx(3 + points)
    assert loo.estimated_seconds(["a"], "DFN", 2) == pytest.approx(  # the table is of SPM
        loo.POINTS_PER_MECHANISM * loo.SECONDS_PER_POINT["DFN"])
