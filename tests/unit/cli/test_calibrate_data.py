"""``calibrate --data`` refuses what a fade fit or a held-out ranking cannot do, before any
solve, and says what would be valid."""

import numpy as np
import pytest

from kion_sim.cli import main

from ..dataio.cycler_files import write_plain_csv

CELL, MASS_MG = "soft_carbon_half_cell", 2.0


def _file(path, cycles: int):
    """``cycles`` cycles at 0.5 mA: a 1 h discharge to 0.01 V, a fading charge back to 1.5 V."""
    t, v, i, clock = [], [], [], 0.0
    for cycle in range(cycles):
        for seconds, current, (v0, v1) in ((3600, -0.5, (1.5, 0.01)),
                                           (2880 * 0.99**cycle, 0.5, (0.01, 1.5))):
            t += list(np.linspace(clock, clock + seconds, 21))
            v += list(np.linspace(v0, v1, 21))
            i += [current] * 21
            clock += seconds + 1
    return write_plain_csv(path, t, v, i)


def _calibrate(path, tmp_path, *extra):
    return main(["calibrate", CELL, "--data", str(path), "--mass", str(MASS_MG),
                 "--out", str(tmp_path / "out"), *extra])


def test_a_file_too_short_for_a_hold_out_names_the_cycles_and_what_would_do(tmp_path, capsys):
    path = _file(tmp_path / "short.csv", 12)
    assert _calibrate(path, tmp_path, "--mechanism", "all") == 2
    error = capsys.readouterr().err
    assert "holds 12 cycles: holding out 0.3 fits 8 and predicts 4" in error
    assert "at least 14 cycles at this fraction, or a held-out fraction between 0.13 and 0.20" \
        in error
    assert not (tmp_path / "out").exists()  # nothing written for a refused run


@pytest.mark.parametrize("fraction", ["0", "1", "1.5", "-0.3", "nan"])
def test_a_held_out_fraction_outside_zero_to_one_is_refused(tmp_path, capsys, fraction):
    path = _file(tmp_path / "long.csv", 30)
    assert _calibrate(path, tmp_path, "--mechanism", "all", f"--holdout={fraction}") == 2
    error = capsys.readouterr().err
    assert "strictly between 0 and 1" in error and "e.g. 0.3" in error


def test_mechanism_all_needs_a_cycler_file(capsys):
    assert main(["calibrate", CELL, "--mechanism", "all"]) == 2
    assert "give --data FILE --mass MG" in capsys.readouterr().err


def test_a_fade_only_fit_of_a_short_file_says_how_many_cycles_it_needs(tmp_path, capsys):
    path = _file(tmp_path / "short.csv", 6)
    assert _calibrate(path, tmp_path, "--fade-only") == 2
    assert "holds 6 cycles; a fade fit needs 10 or more" in capsys.readouterr().err
