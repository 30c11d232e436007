"""`discriminate` on the real thing: two calibrated mechanisms, a short cycling test and a day
of storage, each solved (SPM, fast fade path). Bounds come from Table S1 and arithmetic."""

import json
import math

import pytest

from kion_sim.validation import table_s1_rows
from kion_sim.validation.discriminate import LabProtocol, discriminate

MECHANISMS = ["sei_site_blocking", "side_reaction_in_time"]


@pytest.fixture(scope="module")
def found():
    lines = []
    result = discriminate(MECHANISMS, [LabProtocol(500, 20), LabProtocol(storage_h=24)],
                          screen_against=[], progress=lines.append)
    return result, lines


def test_each_mechanism_predicts_a_physical_outcome_of_each_protocol(found):
    result, _ = found
    table = result.ranking.set_index("protocol")
    for mechanism in MECHANISMS:
        assert 50 < table.loc["500 mA/g x 20", f"predicted {mechanism}"] < 100
        # a day held at 0.01 V costs capacity, but less than the 20 % 100 cycles cost
        assert 0 < table.loc["storage 1 d, hold at 0.01 V", f"predicted {mechanism}"] < 20
    assert result.failures == []


def test_durations_follow_from_the_reported_capacities(found):
    result, _ = found
    days = result.ranking.set_index("protocol")["duration_d"]
    rows = {r.current_density_mA_g: r.second_cycle_capacity_mAh_g for r in table_s1_rows()
            if r.cell == "soft_carbon_half_cell"}
    # 20 cycles of 214 mAh/g each way at 500 mA/g (the first potassiation more, fade less)
    cycling_h = 2 * 20 * rows[500] / 500
    assert 0.85 * cycling_h / 24 < days["500 mA/g x 20"] < 1.15 * cycling_h / 24
    storage_h = 24 + 4 * 2 * rows[100] / 100  # 4 cycles of 312 mAh/g at 100 mA/g, and 24 h
    assert 0.85 * storage_h / 24 < days["storage 1 d, hold at 0.01 V"] < 1.15 * storage_h / 24


def test_the_ranking_is_the_separation_per_day(found):
    result, lines = found
    for row in result.ranking.to_dict(orient="records"):
        a, b = (row[f"predicted {m}"] for m in MECHANISMS)
        assert row["separation_sigma"] == pytest.approx(abs(a - b) / 2.0)
        assert row["score_sigma_per_d"] == pytest.approx(abs(a - b) / 2.0 / row["duration_d"])
    scores = list(result.ranking["score_sigma_per_d"])
    assert scores == sorted(scores, reverse=True)
    assert "4 runs" in lines[1] and len(lines) == 2 + 4  # the plan, then one line per run
    top = result.top_table(1)
    assert list(top.columns[2:4]) == [f"{m} [%]" for m in MECHANISMS]
    document = json.loads(json.dumps(result.to_dict()))
    assert len(document["ranking"]) == 2 and not math.isnan(document["elapsed_s"])
