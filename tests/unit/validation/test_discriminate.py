"""Ranking lab protocols by how far apart the candidate mechanisms' predictions lie.

Every expected value here is worked out by hand in the comments, not read from the code.
"""

import math

import pandas as pd
import pytest

from kion_sim.cli import main
from kion_sim.errors import InvalidInputError, UnknownNameError
from kion_sim.protocols import parse_protocol
from kion_sim.validation.discriminate import (
    FALSIFIED_SIGMAS,
    SIGMA_POINTS,
    LabProtocol,
    Screening,
    calibrated_mechanisms,
    pairwise_separations,
    rank_protocols,
)

# Fake outcomes of three mechanisms under four protocols [% retention] and durations [d].
PREDICTIONS = {
    "A": {"m1": 80.0, "m2": 70.0, "m3": 74.0},  # gaps 10, 4, 6 -> min 4 = 2 sigma, mean 10/3
    "B": {"m1": 90.0, "m2": 89.0, "m3": 95.0},  # gaps 1, 5, 6 -> min 0.5 sigma, mean 2 sigma
    "C": {"m1": 60.0, "m2": 80.0, "m3": 100.0},  # gaps 20, 20, 40 -> min 10, mean 40/3 sigma
    "D": {"m1": 50.0, "m2": math.nan, "m3": 50.0},  # m2 failed: one gap, 0
}
DAYS = {"A": 4.0, "B": 0.5, "C": 20.0, "D": 1.0}


def test_smallest_pairwise_gap_per_day_ranks_with_ties_broken_by_separation():
    table = rank_protocols(PREDICTIONS, DAYS, sigma=2.0, min_separation_sigma=0)
    # scores: A 2/4 = 0.5, B 0.5/0.5 = 1, C 10/20 = 0.5 (ties A, larger separation), D 0
    assert list(table["protocol"]) == ["B", "C", "A", "D"]
    assert table.set_index("protocol")["score_sigma_per_d"].to_dict() == pytest.approx(
        {"A": 0.5, "B": 1.0, "C": 0.5, "D": 0.0})
    assert table.set_index("protocol").loc["A", "separation_sigma"] == pytest.approx(2.0)
    assert table.set_index("protocol").loc["A", "predicted m2"] == 70.0


def test_protocols_that_resolve_the_candidates_rank_before_shorter_ones_that_do_not():
    table = rank_protocols(PREDICTIONS, DAYS, sigma=2.0, min_separation_sigma=2.0,
                           errors_points={"A": 0.7})
    # min separations: A 2 (resolves), B 0.5, C 10 (resolves), D 0: C and A (0.5/d each, C
    # the larger gap), then B (1/d) and D
    assert list(table["protocol"]) == ["C", "A", "B", "D"]
    assert list(table["resolves"]) == [True, True, False, False]
    errors = table.set_index("protocol")["error_estimate_points"]
    assert errors["A"] == 0.7 and math.isnan(errors["B"])


def test_mean_pairwise_gap_ranks_differently():
    table = rank_protocols(PREDICTIONS, DAYS, sigma=2.0, statistic="mean",
                           min_separation_sigma=0)
    # scores: A (10/3)/4 = 0.833, B 2/0.5 = 4, C (40/3)/20 = 0.667, D 0
    assert list(table["protocol"]) == ["B", "A", "C", "D"]
    assert table.set_index("protocol").loc["C", "mean_separation_sigma"] == pytest.approx(40 / 3)


def test_separations_of_two_values_and_of_one():
    assert pairwise_separations([82.0, 76.0], 2.0) == (3.0, 3.0)
    assert all(math.isnan(v) for v in pairwise_separations([82.0], 2.0))


@pytest.mark.parametrize("sigma", [0.0, -1.0, math.inf, "two"])
def test_a_non_positive_uncertainty_is_refused(sigma):
    with pytest.raises(InvalidInputError, match="sigma"):
        rank_protocols(PREDICTIONS, DAYS, sigma=sigma)


def test_a_protocol_of_no_duration_and_an_unknown_statistic_are_refused():
    with pytest.raises(InvalidInputError, match="lasts 0"):
        rank_protocols(PREDICTIONS, {**DAYS, "A": 0.0}, sigma=2.0)
    with pytest.raises(UnknownNameError, match="min"):
        rank_protocols(PREDICTIONS, DAYS, sigma=2.0, statistic="median")
    with pytest.raises(InvalidInputError, match="0 sigma or more"):
        rank_protocols(PREDICTIONS, DAYS, sigma=2.0, min_separation_sigma=-1)


def test_the_uncertainty_is_the_two_points_of_the_retention_targets():
    assert SIGMA_POINTS == 2.0  # Table S1's retention targets: +-2 points (issue 19)


def test_falsified_means_beyond_the_stated_number_of_sigma():
    limit = FALSIFIED_SIGMAS * SIGMA_POINTS
    assert Screening("near", {"a": 0.3, "b": -(limit - 0.1)}).survives
    assert not Screening("far", {"a": 0.3, "b": -(limit + 0.1)}).survives
    assert not Screening("broke", {}, failure="solver").survives


@pytest.mark.parametrize("kwargs, words", [
    ({"current_mA_g": 10}, ["current", "50", "2000"]),
    ({"current_mA_g": 500, "cycles": 5}, ["cycles", "20", "500"]),
    ({"current_mA_g": 500, "cycles": 20.5}, ["whole"]),
    ({"current_mA_g": 500, "rest_h": 30}, ["rest", "24"]),
    ({"current_mA_g": 500, "rest_h": -1}, ["rest"]),
    ({"rest_at": "middle"}, ["rest end", "potassiated"]),
    ({"storage_h": 24, "storage": "freezer"}, ["storage mode", "hold"]),
    ({"storage_h": -3}, ["storage", "0 h or more"]),
])
def test_protocols_a_lab_cannot_run_are_refused_by_name(kwargs, words):
    with pytest.raises((InvalidInputError, UnknownNameError)) as error:
        LabProtocol(**kwargs)
    for word in words:
        assert word in str(error.value)


def test_rests_sit_at_the_end_they_name():
    potassiated = parse_protocol(LabProtocol(500, 20, rest_h=10).cycle_text()).steps
    assert [s.kind for s in potassiated] == ["discharge", "rest", "charge"]
    assert potassiated[1].duration_s == 10 * 3600
    depotassiated = parse_protocol(LabProtocol(500, 20, rest_h=24,
                                               rest_at="depotassiated").cycle_text()).steps
    assert [s.kind for s in depotassiated] == ["discharge", "charge", "rest"]


def test_storage_sits_between_the_reference_cycle_two_and_a_recovery_cycle():
    protocol = parse_protocol(LabProtocol(storage_h=72).storage_text())
    assert len(protocol.cycles) == 4
    stored = protocol.cycles[2]
    assert [s.kind for s in stored] == ["discharge", "hold", "charge"]
    assert stored[1].voltage_V == 0.01 and stored[1].duration_s == 72 * 3600
    open_circuit = parse_protocol(LabProtocol(storage_h=24, storage="open circuit")
                                  .storage_text()).cycles[2]
    assert [s.kind for s in open_circuit] == ["discharge", "rest", "charge"]


def test_duration_is_capacity_over_current_plus_rests():
    summary = pd.DataFrame({"discharge_capacity_mAh_g": [300.0, 250.0],
                            "charge_capacity_mAh_g": [200.0, 250.0]})
    # 1000 mAh/g at 500 mA/g = 2 h, plus two 10 h rests
    assert LabProtocol(500, 20, rest_h=10).duration_h(summary) == pytest.approx(22.0)
    # 1000 mAh/g at 100 mA/g = 10 h, plus 72 h of storage
    assert LabProtocol(storage_h=72).duration_h(summary) == pytest.approx(82.0)


def test_only_names_must_be_known_and_calibrated():
    with pytest.raises(UnknownNameError, match="sei_site_blocking"):
        calibrated_mechanisms(["no_such_mechanism"])
    assert set(calibrated_mechanisms(["side_reaction_in_time", "sei_site_blocking"])) == {
        "side_reaction_in_time", "sei_site_blocking"}


@pytest.mark.parametrize("argv, words", [
    (["--only", "nope,sei_site_blocking"], ["unknown mechanism 'nope'"]),
    (["--only", "sei_site_blocking"], ["two or more"]),
    (["--sigma", "0"], ["--sigma", "must be positive"]),
    (["--top", "0"], ["--top", ">= 1"]),
    (["--budget", "-5"], ["--budget", "must be positive"]),
    (["--min-separation", "-1"], ["0 sigma or more"]),
])
def test_bad_input_exits_2_before_any_run(argv, words, capsys):
    assert main(["discriminate", *argv]) == 2
    err = capsys.readouterr().err
    for word in words:
        assert word in err


def test_a_mechanism_without_a_stored_fit_is_named_with_the_calibrated_ones(monkeypatch):
    import kion_sim.validation.discriminate as module

    names = module.mechanism_names()
    monkeypatch.setattr(module, "mechanism_names", lambda: [*names, "uncalibrated_one"])
    with pytest.raises(InvalidInputError, match="no stored fit.*sei_site_blocking"):
        calibrated_mechanisms(["uncalibrated_one", "sei_site_blocking"])
    assert "uncalibrated_one" not in calibrated_mechanisms()


def _fails():
    raise InvalidInputError("this run cannot be done")


def test_a_run_over_its_budget_is_stopped_and_failures_come_back_by_name():
    import time

    from kion_sim.errors import SimulationError
    from kion_sim.validation.discriminate import RunOverBudget, run_within

    started = time.perf_counter()
    with pytest.raises(RunOverBudget, match="0.5 s"):
        run_within(0.5, time.sleep, 30)
    assert time.perf_counter() - started < 5
    assert run_within(10, divmod, 7, 2) == (3, 1)  # a result comes back from the child
    assert run_within(None, divmod, 7, 2) == (3, 1)
    with pytest.raises(SimulationError, match="cannot be done"):
        run_within(10, _fails)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        run_within(10, divmod, 1, 0)


def test_the_command_ranks_fake_runs_and_reports_a_failed_one(monkeypatch):
    import kion_sim.validation.discriminate as module
    from kion_sim.errors import SimulationError

    fast, long = LabProtocol(500, 20), LabProtocol(1000, 100)
    outcomes = {("sei_site_blocking", fast): (80.0, 48.0, 0.1),
                ("side_reaction_in_time", fast): (76.0, 50.0, 0.3),
                ("sei_site_blocking", long): (90.0, 24.0, 0.2)}

    def fake_predict(mechanism, protocol, model):
        if (mechanism, protocol) not in outcomes:
            raise SimulationError("the solver gave up")
        return outcomes[(mechanism, protocol)]

    monkeypatch.setattr(module, "predict", fake_predict)
    lines = []
    found = module.discriminate(["sei_site_blocking", "side_reaction_in_time"], [long, fast],
                                screen_against=[], progress=lines.append, budget_s=None)
    table = found.ranking.set_index("protocol")
    assert list(table.index) == [fast.label, long.label]  # the failed one has no separation
    # 4 points apart = 2 sigma, over the longer run's 50 h
    assert table.loc[fast.label, "separation_sigma"] == pytest.approx(2.0)
    assert table.loc[fast.label, "duration_d"] == pytest.approx(50 / 24)
    assert table.loc[fast.label, "score_sigma_per_d"] == pytest.approx(2.0 * 24 / 50)
    assert table.loc[fast.label, "error_estimate_points"] == pytest.approx(0.3)
    assert math.isnan(table.loc[long.label, "separation_sigma"])
    assert len(found.failures) == 1 and "side_reaction_in_time" in found.failures[0]
    assert found.runs == 4 and len(lines) == 2 + 4
    assert "side_reaction_in_time [%]" in found.top_table(1).columns
    assert "failed" in found.summary_text()


def test_the_command_prints_a_table_for_people_within_100_columns(monkeypatch, capsys):
    import kion_sim.validation.discriminate as module

    def fake_predict(mechanism, protocol, model):  # runs in the child process (forked)
        return (80.0 if mechanism == "sei_site_blocking" else 70.0), 24.0 * protocol.cycles, 0.1

    monkeypatch.setattr(module, "predict", fake_predict)
    monkeypatch.setattr(module, "_measured_rows", lambda: [])
    assert main(["discriminate", "--only", "sei_site_blocking,side_reaction_in_time",
                 "--top", "1"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert max(map(len, lines)) <= 100
    assert "score [sigma/d]" in captured.out and "duration [d]" in captured.out
    # 10 points = 5 sigma everywhere; the shortest (20 cycles: 20 fake days) win, the first
    # of those in the list first; --top 1 prints only that one
    assert "50 mA/g x 20" in captured.out and "200 mA/g x 50" not in captured.out
    protocols = len(module.DEFAULT_PROTOCOLS)
    assert f"simulating 2 candidate(s) x {protocols} protocol(s)" in captured.err
