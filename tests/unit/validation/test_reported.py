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


# Issue 10: a missing or renamed reported-data CSV gave a KeyError or FileNotFoundError.
@pytest.fixture(autouse=True)
def _fresh_catalog():
    """Tests here point the catalog at a copy; later tests must read the real sets again."""
    from kion_sim.parameters.catalog import clear_caches

    yield
    clear_caches()


def _sets_with_reported(tmp_path, monkeypatch, csv_text):
    import shutil

    from kion_sim.parameters.catalog import PARAMETER_SETS_ENV, clear_caches, parameter_sets_dir

    copy = tmp_path / "sets"
    shutil.copytree(parameter_sets_dir(), copy)
    target = copy / "reported" / "table_s1_reported.csv"
    if csv_text is None:
        target.unlink()
    else:
        target.write_text(csv_text)
    monkeypatch.setenv(PARAMETER_SETS_ENV, str(copy))
    clear_caches()
    return target


@pytest.mark.parametrize("change, words", [
    (None, ["cannot read the reported data", "table_s1_reported.csv"]),
    ("rename", ["lacks the column(s) cycles", "capacity_retention_pct"]),
    ("material", ["no cell models 'wood'", "graphite (ref 23)"]),
    ("number", ["row 2", "not a number"]),
])
def test_a_missing_or_changed_reported_csv_is_a_parameter_set_error(tmp_path, monkeypatch,
                                                                    change, words):
    from kion_sim.errors import ParameterSetError
    from kion_sim.parameters.catalog import parameter_sets_dir

    text = (parameter_sets_dir() / "reported" / "table_s1_reported.csv").read_text()
    header, first, *rest = text.splitlines()
    if change == "rename":
        text = text.replace(",cycles,", ",n_cycles,", 1)
    elif change == "material":
        text = "\n".join([header, "wood," + first.split(",", 1)[1], *rest])
    elif change == "number":
        text = text.replace(first, first.replace(first.split(",")[2], "abc", 1), 1)
    _sets_with_reported(tmp_path, monkeypatch, None if change is None else text)
    with pytest.raises(ParameterSetError) as error:
        table_s1_rows()
    for word in words:
        assert word in str(error.value)
