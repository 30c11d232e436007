"""Writing results: a set of files appears whole or not at all; unwritable places are named.

Regression for issue 10: an unwritable --out folder or CSV path ended in FileNotFoundError from
output.py and plotting, and a figure that failed after the CSVs left the CSVs behind.
"""

import matplotlib
import pandas as pd
import pytest

from kion_sim.errors import KionSimError, OutputError
from kion_sim.output import check_writable_file, check_writable_folder, staged_files, write_csv

matplotlib.use("Agg")
TABLE = pd.DataFrame({"cycle": [1, 2], "capacity_mAh_g": [300.0, 290.0]})


def _unwritable_places(tmp_path):
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("x")
    # As root, permission bits do not stop a write; a path through a file always fails.
    return [a_file / "out", "/proc/kion_sim_cannot_be_here"]


def test_an_unwritable_folder_is_refused_by_name_and_nothing_is_created(tmp_path):
    for place in _unwritable_places(tmp_path):
        with pytest.raises(OutputError) as error:
            check_writable_folder(place)
        assert str(place) in str(error.value) and "writable folder" in str(error.value)
        assert isinstance(error.value, KionSimError) and isinstance(error.value, OSError)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file.txt"]


def test_checking_a_new_folder_leaves_no_trace(tmp_path):
    target = tmp_path / "new" / "deeper"
    assert check_writable_folder(target) == target
    assert list(tmp_path.iterdir()) == []  # the folders made to probe are removed again


def test_a_folder_given_as_an_output_file_is_refused(tmp_path):
    with pytest.raises(OutputError, match="is a folder"):
        check_writable_file(tmp_path)


def test_write_csv_to_an_unwritable_path_raises_output_error(tmp_path):
    for place in _unwritable_places(tmp_path):
        with pytest.raises(OutputError):
            write_csv(TABLE, f"{place}/table.csv")


def test_a_failure_after_the_tables_leaves_none_of_the_set(tmp_path):
    folder = tmp_path / "results"
    with pytest.raises(KeyError):
        with staged_files(folder) as files:
            files.table(TABLE, "cycles.csv")
            files.table(TABLE, "steps.csv")
            raise KeyError("nonsense")  # e.g. a figure of an output that does not exist
    assert not folder.exists()  # not even the folder it created


def test_a_finished_set_appears_whole_without_temporaries(tmp_path):
    import matplotlib.pyplot as plt

    with staged_files(tmp_path) as files:
        files.table(TABLE, "cycles.csv")
        figure, axes = plt.subplots()
        axes.plot([1, 2], [3, 4])
        files.figure(figure, "cycles.png")
        assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".part")) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cycles.csv", "cycles.png"]
    assert pd.read_csv(tmp_path / "cycles.csv").equals(TABLE)
    assert (tmp_path / "cycles.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
