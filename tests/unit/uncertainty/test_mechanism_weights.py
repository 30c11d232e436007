"""Mechanism weights, mixture quantiles and leave-one-out coverage against hand calculations."""

import json
import math

import pytest

from kion_sim.errors import InvalidInputError, UnknownNameError
from kion_sim.uncertainty.mechanism_weights import (
    Z_05_95,
    FoldPrediction,
    LooResultsMissingError,
    MechanismEvidence,
    evidence_from_loo,
    load_loo_evidence,
    loo_coverage,
    mixture_quantile,
    pseudo_bma_weights,
    select_evidence,
)


def _mechanism(name, folds, after=False):
    return MechanismEvidence(name, after, {}, {}, 0.0,
                             tuple(FoldPrediction(f, m, p, sd, True) for f, m, p, sd in folds))


def test_weights_are_the_normalised_exponentials_of_the_summed_log_densities():
    # Same sd: weights go as exp(-z^2 / 2) summed over the folds; a: z = 0, 0; b: z = 1, 2.
    a = _mechanism("a", [("r1", 80, 80, 2), ("r2", 82, 82, 2)])
    b = _mechanism("b", [("r1", 80, 82, 2), ("r2", 82, 78, 2)])
    ratio = math.exp(-(1 + 4) / 2)  # by hand
    weights = pseudo_bma_weights([a, b])
    assert weights["a"] == pytest.approx(1 / (1 + ratio), rel=1e-12)
    assert weights["b"] == pytest.approx(ratio / (1 + ratio), rel=1e-12)


def test_a_wider_prediction_costs_density_even_when_centred_the_same():
    # Both exact, sd 1 and 3: the density ratio is 3 per fold (the normal's 1/sd).
    a = _mechanism("a", [("r1", 0, 0, 1)])
    b = _mechanism("b", [("r1", 0, 0, 3)])
    assert pseudo_bma_weights([a, b])["a"] == pytest.approx(0.75, rel=1e-12)


def test_weights_compare_only_the_folds_every_mechanism_has():
    a = _mechanism("a", [("r1", 0, 0, 1), ("c1", 0, 50, 1)])
    b = _mechanism("b", [("r1", 0, 0, 1)])
    assert pseudo_bma_weights([a, b]) == pytest.approx({"a": 0.5, "b": 0.5})


def test_far_worse_mechanisms_get_no_weight_without_underflowing_the_others():
    a = _mechanism("a", [("r1", 0, 0, 1)])
    b = _mechanism("b", [("r1", 0, 60, 1)])  # exp(-1800): below any float
    weights = pseudo_bma_weights([a, b])
    assert weights == {"a": 1.0, "b": 0.0}


def test_one_normal_gives_its_own_quantiles():
    assert mixture_quantile(0.95, [1.0], [75.0], [2.0]) == pytest.approx(75 + 2 * 1.6448536,
                                                                         abs=1e-6)


def test_two_far_apart_normals_split_their_quantiles_by_weight():
    # Half the mass at 0, half at 100 (sd 1): the 5 % quantile is where Phi(x) = 0.1.
    assert mixture_quantile(0.05, [0.5, 0.5], [0, 100], [1, 1]) == pytest.approx(-1.2815516,
                                                                                 abs=1e-6)
    # With weight 0.8 on 100: 0.2 Phi(x) = 0.05 -> Phi(x) = 0.25 -> x = -0.6744898.
    assert mixture_quantile(0.05, [0.2, 0.8], [0, 100], [1, 1]) == pytest.approx(-0.6744898,
                                                                                 abs=1e-6)


def test_symmetric_mixture_has_its_median_at_the_centre():
    assert mixture_quantile(0.5, [0.5, 0.5], [-1, 1], [1, 1]) == pytest.approx(0, abs=1e-9)


def test_mixture_weights_must_sum_to_one():
    with pytest.raises(InvalidInputError, match="sum to 1"):
        mixture_quantile(0.5, [0.5, 0.2], [0, 1], [1, 1])


def test_coverage_weights_each_fold_without_it():
    # a is exact on r1 and far off on r2; b the reverse. Checked honestly, r2's interval
    # comes from r1's weights (all on a) and misses; r1's from r2's (all on b) and misses too.
    a = _mechanism("a", [("r1", 80, 80, 1), ("r2", 82, 70, 1)])
    b = _mechanism("b", [("r1", 80, 92, 1), ("r2", 82, 82, 1)])
    coverage = {c.left_out: c for c in loo_coverage([a, b])}
    assert coverage["r2"].weights["a"] == pytest.approx(1.0)
    assert coverage["r2"].p05 == pytest.approx(70 - Z_05_95, abs=1e-6)
    assert coverage["r2"].p95 == pytest.approx(70 + Z_05_95, abs=1e-6)
    assert not coverage["r2"].inside and not coverage["r1"].inside


def test_coverage_holds_a_figure_a_well_weighted_mechanism_predicts():
    a = _mechanism("a", [("r1", 80, 81, 2), ("r2", 82, 80, 2)])
    b = _mechanism("b", [("r1", 80, 95, 2), ("r2", 82, 60, 2)])
    assert all(c.inside for c in loo_coverage([a, b]))


def test_post_reveal_mechanisms_can_be_left_out_and_unknown_names_are_refused():
    a, b = _mechanism("a", [("r1", 0, 0, 1)]), _mechanism("b", [("r1", 0, 0, 1)], after=True)
    assert [m.mechanism for m in select_evidence([a, b], post_reveal=False)] == ["a"]
    with pytest.raises(UnknownNameError, match="valid"):
        select_evidence([a, b], ["c"])
    with pytest.raises(InvalidInputError, match="after the reveal"):
        select_evidence([a, b], ["b"], post_reveal=False)


def test_a_fold_spread_is_read_from_its_predictive_interval(tmp_path):
    document = {"mechanisms": [{
        "mechanism": "a", "defined_after_reveal": True, "fitted": {"k": 1.0},
        "uncertainty_factor": {"k": 1.1}, "chi_square": 0.5,
        "folds": [{"left_out": "r1", "measured": 80, "predicted": 81,
                   "predictive_p05": 81 - 2 * Z_05_95, "predictive_p95": 81 + 2 * Z_05_95}]}]}
    path = tmp_path / "loo.json"
    path.write_text(json.dumps(document))
    (mechanism,) = load_loo_evidence(path)
    assert mechanism.fold("r1").sd == pytest.approx(2.0)
    assert mechanism.label == "a (after reveal)"


def test_missing_or_malformed_results_say_how_to_make_them(tmp_path):
    with pytest.raises(LooResultsMissingError, match="kion-sim mechanisms --loo --json"):
        load_loo_evidence(tmp_path / "absent.json")
    with pytest.raises(LooResultsMissingError, match="lack"):
        evidence_from_loo({"mechanisms": [{"mechanism": "a"}]})
    for text, says in (("{not json", "cannot read"), ('{"mechanisms": 3}', "no 'mechanisms'"),
                       ("[1, 2]", "no 'mechanisms'")):
        (tmp_path / "bad.json").write_text(text)
        with pytest.raises(LooResultsMissingError, match=says):
            load_loo_evidence(tmp_path / "bad.json")
