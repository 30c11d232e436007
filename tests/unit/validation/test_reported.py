"""Table S1 as shipped: the same rows as the shared data, each with a cell and a role."""

from pathlib import Path

import pandas as pd
import pytest

from kion_sim.parameters import cell_names
from kion_sim.validation import table_s1_rows

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "table_s1_reported.csv"


def test_every_row_maps_to_a_registered_cell_with_its_role():
    rows = table_s1_rows()
    assert len(rows) == 6
    assert all(row.cell in cell_names() for row in rows)
    roles = [row.role for row in rows]
    assert roles.count("calibration") == 1 and roles.count("prediction") == 1
    prediction = next(row for row in rows if row.role == "prediction")
    assert prediction.capacity_retention_pct is None  # withheld: nothing to fit to
    assert (prediction.current_density_mA_g, prediction.cycles) == (500.0, 500)


@pytest.mark.skipif(not SHARED.exists(), reason="shared/data is not beside this checkout")
def test_shipped_copy_equals_the_shared_data():
    from kion_sim.parameters.catalog import parameter_sets_dir

    shipped = pd.read_csv(parameter_sets_dir() / "reported" / "table_s1_reported.csv")
    pd.testing.assert_frame_equal(shipped, pd.read_csv(SHARED))
