"""Calibrated carbons reproduce their Table S1 rows (reported values as the reference)."""

import pytest

from kion_sim.validation import table_s1_rows
from kion_sim.validation.table_s1 import CAPACITY_DIRECTION, simulate_row

ROWS = table_s1_rows()
# Target of issue 3: within 3 % (capacity) and 3 percentage points (retention).
CAPACITY_TOLERANCE_PCT = 3.0
RETENTION_TOLERANCE_POINTS = 3.0


# The two pre-reveal SEI laws, fitted to all four figures of the 900 C carbon with three
# values, miss the 100-cycle retention by 3.2-3.3 points: they cannot hold both retentions.
# The default since 2026-12-01, sei_dissolving_reforming (defined after 82 % was disclosed),
# holds all four within 0.6 sigma, so every calibrated row is checked plainly (the strict
# xfail that stood here until then now passes; docs/mechanisms.md, leave one out).
def _params():
    for index, row in enumerate(ROWS):
        if row.role == "prediction":
            continue
        yield pytest.param(row, id=f"{index}-{row.cell}")


@pytest.mark.parametrize("row", list(_params()))
def test_calibrated_row_matches_its_report(row):
    summary = simulate_row(row)
    capacity = summary[f"{CAPACITY_DIRECTION}_capacity_mAh_g"].iloc[1]
    retention = summary["retention_pct"].iloc[row.cycles - 1]
    assert capacity == pytest.approx(row.second_cycle_capacity_mAh_g,
                                     rel=CAPACITY_TOLERANCE_PCT / 100)
    assert retention == pytest.approx(row.capacity_retention_pct,
                                      abs=RETENTION_TOLERANCE_POINTS)


def test_the_500_cycle_row_fades_physically():
    # Disclosed (82 %) and now a target; what a fit cannot force: fade never reverses.
    row = next(r for r in ROWS if r.cell == "soft_carbon_half_cell" and r.cycles == 500)
    retention = simulate_row(row)["retention_pct"]
    assert 0 < retention.iloc[-1] < 100
    # Not by more than two runs' solver tolerances make (0.05 points, tests/integration/
    # test_fast_fade.py): every cycle solved, this row's cycle-to-cycle fade itself scatters
    # by 0.01-0.02 points about its 0.05-point mean, and a landed pair differs by 0.003.
    assert (retention.diff().iloc[2:] <= 0.05).all()
    # ... while it falls over any ten cycles: the fade, not the noise, sets the trend.
    assert (retention.diff(10).iloc[12:] < 0).all()
