"""kion_sim.analysis.pybop_fit without PyBOP: its errors and how it finds GITT pulses."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from kion_sim.analysis.gitt import split_pulses
from kion_sim.analysis.pybop_fit import fit_diffusivity, pulse_windows, pybop_gitt_fit
from kion_sim.errors import InvalidInputError, KionSimError


def _record(currents_mA_g, seconds_each=60.0, points_each=4):
    """Steps of constant current, each logged at ``points_each`` times, its ends included."""
    rows, start = [], 0.0
    for current in currents_mA_g:
        for t in np.linspace(start, start + seconds_each, points_each):
            rows.append((t, 1.0 - 1e-4 * t, current))
        start += seconds_each
    return pd.DataFrame(rows, columns=["time_s", "voltage_V", "current_mA_g"])


GITT = _record([0, 50, 0, 50, 0, 50])  # the last step has no rest after it: not a pulse


def test_a_pulse_is_the_rest_point_before_it_the_pulse_and_the_rest_after_it():
    record = split_pulses(GITT)
    windows = pulse_windows(record)
    assert len(windows) == 2
    first = record.iloc[windows[0]]
    assert first["phase"].tolist() == ["rest"] + ["pulse"] * 4 + ["rest"] * 4
    assert first["time_s"].iloc[0] == 60.0 and first["time_s"].iloc[-1] == 180.0


def test_without_pybop_the_error_names_the_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pybop", None)  # import pybop now raises ImportError
    with pytest.raises(KionSimError, match=r"pip install 'kion_sim\[pybop\]'"):
        fit_diffusivity(GITT, pulse=0)
    with pytest.raises(KionSimError, match=r"pip install 'kion_sim\[pybop\]'"):
        pybop_gitt_fit(GITT)


def test_a_record_with_no_pulse_says_so_and_what_to_give_instead():
    discharge = _record([50, 50, 50])  # current throughout: no rest, no pulse
    with pytest.raises(InvalidInputError, match="no rest"):
        fit_diffusivity(discharge, pulse=0)
    one_step_then_rest = _record([50, 0])  # the step has no rest before it
    with pytest.raises(InvalidInputError, match="no GITT pulse.*pulse=None"):
        fit_diffusivity(one_step_then_rest, pulse=0)
    with pytest.raises(InvalidInputError, match="no GITT pulse"):
        pybop_gitt_fit(one_step_then_rest)


def test_a_pulse_number_beyond_the_record_names_the_valid_range():
    with pytest.raises(InvalidInputError, match=r"pulse must be 0-1 .*got 2"):
        fit_diffusivity(GITT, pulse=2)


def test_a_start_that_is_not_a_positive_diffusivity_is_refused():
    with pytest.raises(InvalidInputError, match="initial_diffusivity_m2_s must be positive"):
        fit_diffusivity(GITT, pulse=0, initial_diffusivity_m2_s=-1e-16)


def test_a_whole_record_needs_its_columns_and_some_current():
    with pytest.raises(InvalidInputError, match="missing current_mA_g"):
        fit_diffusivity(GITT.drop(columns="current_mA_g"))
    with pytest.raises(InvalidInputError, match="no current"):
        fit_diffusivity(_record([0, 0]))
