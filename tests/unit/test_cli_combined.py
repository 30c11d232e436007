"""The command line's combined interval: weights and coverage from a given LOO table, and the
table's --json intervals taken from the combined interval (no solve)."""

import json
import math

import pandas as pd
import pytest

from kion_sim.cli import main
from kion_sim.uncertainty.mechanism_weights import Z_05_95


def _fold(left_out, measured, predicted, sd):
    return {"left_out": left_out, "measured": measured, "predicted": predicted,
            "predictive_p05": predicted - Z_05_95 * sd, "predictive_p95": predicted + Z_05_95 * sd}


def _mechanism(name, after, folds):
    return {"mechanism": name, "defined_after_reveal": after, "chi_square": 1.0,
            "fitted": {}, "uncertainty_factor": {}, "folds": folds}


@pytest.fixture
def loo_file(tmp_path):
    document = {"mechanisms": [
        _mechanism("a", False, [_fold("r1", 80, 80, 2), _fold("r2", 82, 82, 2)]),
        _mechanism("b", True, [_fold("r1", 80, 82, 2), _fold("r2", 82, 78, 2)])]}
    path = tmp_path / "loo.json"
    path.write_text(json.dumps(document))
    return path


def test_mechanisms_combined_prints_pseudo_bma_weights_and_both_coverages(loo_file, capsys):
    assert main(["mechanisms", "--combined", "--json", "--loo-results", str(loo_file)]) == 0
    found = json.loads(capsys.readouterr().out)
    ratio = math.exp(-(1 + 4) / 2)  # b's z are 1 and 2, a's 0: by hand
    weights = {row["mechanism"]: row["weight (all)"] for row in found["weights"]}
    assert weights == {"a": round(1 / (1 + ratio), 3), "b (after reveal)": round(
        ratio / (1 + ratio), 3)}
    assert set(found["loo_coverage"]) == {"all", "pre-reveal only"}
    assert found["loo_coverage"]["pre-reveal only"]["coverage"] == "2 of 2 folds"


def test_mechanisms_combined_without_results_says_how_to_make_them(tmp_path, capsys):
    assert main(["mechanisms", "--combined", "--loo-results", str(tmp_path / "none.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "kion-sim mechanisms --loo --json" in err[0]


def test_table_s1_json_intervals_come_from_the_combined_interval(monkeypatch, capsys, loo_file):
    from kion_sim.uncertainty import mechanism_mixture as mixture
    from kion_sim.uncertainty.mechanism_weights import load_loo_evidence, loo_coverage
    from kion_sim.uncertainty.simulated import interval_row
    from kion_sim.uncertainty.study import IntervalResult
    from kion_sim.validation import JSON_KEYS
    from kion_sim.validation import table_s1 as module

    row = interval_row()  # the 500-cycle row gets the interval, whatever its role
    other = {k: None for k in JSON_KEYS} | {"material": "m", "role": "comparison",
                                            "current_density_mA_g": 100.0, "cycles": 50}
    fake = pd.DataFrame([other, other | {"material": row.material, "role": "calibration",
                                         "current_density_mA_g": row.current_density_mA_g,
                                         "cycles": row.cycles}])
    monkeypatch.setattr(module, "run_table_s1", lambda **_: module.TableS1Result(fake, {}, 0.0))
    import kion_sim.validation as validation

    monkeypatch.setattr(validation, "run_table_s1", module.run_table_s1)
    evidence = load_loo_evidence(loo_file)
    seen = {}

    def combined(figures, samples, seed, **options):
        seen.update(options, samples=samples)
        inputs = [mixture.mixture_inputs([["a", 1.0, []]], estimates=False)[0]]
        samples_table = pd.DataFrame({inputs[0].name: [0.2, 0.7],
                                      "blind_retention_pct": [70.0, 90.0],
                                      "blind_capacity_mAh_g": [200.0, 220.0]})
        intervals = pd.DataFrame({"p05": [71.0, 201.0], "p50": [80.0, 210.0],
                                  "p95": [89.0, 219.0], "n": [2, 2], "failed": [0, 0]},
                                 index=["blind_retention_pct", "blind_capacity_mAh_g"])
        result = IntervalResult(inputs, samples_table, intervals)
        weights = {"a": 0.9, "b": 0.1}
        found = mixture.CombinedInterval(result, evidence, weights, loo_coverage(evidence), True)
        monkeypatch.setattr(found, "spec", lambda: [["a", 0.9, []], ["b", 1.0, []]])
        return found

    monkeypatch.setattr(mixture, "combined_intervals", combined)
    assert main(["table-s1", "--json", "--uncertainty", "--samples", "2",
                 "--without-post-reveal", "--loo-results", str(loo_file)]) == 0
    first, record = json.loads(capsys.readouterr().out)
    assert "simulated_retention_pct_p05" not in first
    assert (record["simulated_retention_pct_p05"], record["simulated_retention_pct_p95"]) == (
        71.0, 89.0)
    assert record["simulated_capacity_mAh_g_p95"] == 219.0
    assert record["uncertainty"]["mechanisms"]["b (after reveal)"]["weight"] == 0.1
    assert record["uncertainty"]["loo_coverage"]["coverage"].endswith("of 2 folds")
    assert seen["post_reveal"] is False and seen["loo_results"] == str(loo_file)
    # two samples are too few for a rank correlation: nothing is said to be hinged on
    assert record["uncertainty"]["hinges_on"]["simulated_retention_pct"] == []


def test_full_cell_json_intervals_come_from_the_mechanism_mixture(monkeypatch, capsys, loo_file,
                                                                  tmp_path):
    import kion_sim.fullcell as fullcell
    from kion_sim.uncertainty import mechanism_mixture as mixture
    from kion_sim.uncertainty.mechanism_weights import load_loo_evidence, loo_coverage
    from kion_sim.uncertainty.study import IntervalResult

    class Prediction:
        summary = {"limit_warnings": [], "retention_after_30_cycles_pct": 60.0}

        def write(self, out):
            return [tmp_path / "summary.json"]

    monkeypatch.setattr(fullcell, "predict_full_cell", lambda *a, **k: Prediction())
    evidence, seen = load_loo_evidence(loo_file), {}
    figures = ["full_cell_energy_Wh_kg", "full_cell_retention_pct",
               "full_cell_first_cycle_efficiency_pct", "full_cell_capacity_mAh_g"]

    def combined(asked, samples, seed, **options):
        seen.update(options, figures=asked)
        intervals = pd.DataFrame({"p05": [1.0, 2.0, 3.0, 4.0], "p50": [5.0] * 4,
                                  "p95": [9.0] * 4, "n": [2] * 4, "failed": [0] * 4},
                                 index=figures)
        result = IntervalResult([], pd.DataFrame({f: [1.0, 2.0] for f in figures}), intervals)
        found = mixture.CombinedInterval(result, evidence, {"a": 0.9, "b": 0.1},
                                         loo_coverage(evidence), True)
        monkeypatch.setattr(found, "spec", lambda: [["a", 0.9, []], ["b", 1.0, []]])
        monkeypatch.setattr(found, "picked", lambda: ["a", "a"])
        return found

    monkeypatch.setattr(mixture, "combined_intervals", combined)
    assert main(["full-cell", "--json", "--uncertainty", "--samples", "2", "--cycles", "30",
                 "--model", "SPM", "--prepotassiation", "40", "--hold-estimates",
                 "--out", str(tmp_path / "out"), "--loo-results", str(loo_file)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["retention_after_30_cycles_pct_p05"] == 2.0
    assert record["energy_Wh_kg_both_p95"] == 9.0
    assert record["uncertainty"]["weights"].startswith("pseudo-BMA")
    assert sorted(seen["figures"]) == sorted(figures)
    assert (seen["full_cell_model"], seen["full_cell_cycles"], seen["estimates"]) == (
        "SPM", 30, False)
    assert seen["design"]["prepotassiation_mAh_g"] == 40.0
