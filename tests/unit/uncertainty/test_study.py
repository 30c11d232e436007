"""Intervals and Sobol indices through kion_sim's own wrapper, on figures with known answers."""

import math

import numpy as np
import pytest

import kion_sim.uncertainty.synthetic as synthetic
from kion_sim.errors import InvalidInputError, UnknownNameError
from kion_sim.uncertainty import UncertainInput, run_intervals, run_sobol, select_inputs
from kion_sim.uncertainty.inputs import latin_hypercube_points

LINEAR = "kion_sim.uncertainty.synthetic:linear"
ISHIGAMI = "kion_sim.uncertainty.synthetic:ishigami"


def _x(low=2.0, high=6.0):
    return UncertainInput.estimate("x", (low + high) / 2, low, high)


def test_a_linear_figure_has_the_analytical_interval_of_its_uniform_input():
    a, b, low, high = 1.5, -3.0, 2.0, 2.5  # a span under 3x: sampled uniform
    result = run_intervals(LINEAR, [_x(low, high)], ["y"], samples=200, seed=3,
                           options={"a": a, "b": b})
    row = result.intervals.loc["y"]
    quantile = lambda p: a + b * (low + p * (high - low))  # noqa: E731
    tolerance = abs(b) * (high - low) * 0.01  # LHS strata of 1/200 of the span
    assert row["p05"] == pytest.approx(quantile(0.95), abs=tolerance)  # b < 0 flips them
    assert row["p95"] == pytest.approx(quantile(0.05), abs=tolerance)
    assert row["p50"] == pytest.approx(quantile(0.5), abs=tolerance)
    assert (row["n"], row["failed"]) == (200, 0)


def test_a_wide_positive_range_is_sampled_log_uniform():
    wide = UncertainInput.estimate("x", 1.0, 0.01, 100.0)
    assert wide.distribution == "log-uniform"
    values = np.array([p["x"] for p in latin_hypercube_points([wide], 400, seed=1)])
    # Each decade holds a quarter of the samples.
    counts = np.histogram(np.log10(values), bins=[-2, -1, 0, 1, 2])[0]
    assert np.all(np.abs(counts - 100) <= 2)
    assert UncertainInput.estimate("x", 1.0, 0.5, 1.4).distribution == "uniform"
    assert UncertainInput.estimate("x", 0.0, -1.0, 1.0).distribution == "uniform"


def test_a_fitted_value_is_log_normal_with_its_1_sigma_factor():
    fitted = UncertainInput.fitted("k", 2.0, 1.5)
    values = np.array([p["k"] for p in latin_hypercube_points([fitted], 2000, seed=2)])
    assert np.std(np.log(values)) == pytest.approx(math.log(1.5), rel=0.03)
    assert np.median(values) == pytest.approx(2.0, rel=0.01)
    assert fitted.low == pytest.approx(2.0 / 1.5 ** 1.6449, rel=1e-3)


def test_sobol_indices_of_the_ishigami_function_match_the_analytical_ones():
    inputs = [UncertainInput.estimate(f"x{i}", 0.0, -math.pi, math.pi) for i in (1, 2, 3)]
    result = run_sobol(ISHIGAMI, inputs, ["y"], base_samples=2048, seed=4,
                       options={"a": 7.0, "b": 0.1})
    found = result.indices.set_index("input")
    np.testing.assert_allclose(found["S1"], [0.3139, 0.4424, 0.0], atol=0.04)
    np.testing.assert_allclose(found["ST"], [0.5576, 0.4424, 0.2437], atol=0.04)
    assert (found["ST_conf"] > 0).all() and (found["ST_conf"] < 0.1).all()
    assert list(result.ranking("y")["input"]) == ["x1", "x2", "x3"]
    assert len(result.samples) == 2048 * (3 + 2)


def test_grouped_sobol_indices_of_the_ishigami_function_match_the_analytical_ones():
    # x2 enters alone; x1 and x3 only with each other: the group {x1, x3} carries all the
    # rest of the variance, 1 - S2 (Ishigami & Homma), first order and total alike.
    inputs = [UncertainInput.estimate(f"x{i}", 0.0, -math.pi, math.pi) for i in (1, 2, 3)]
    result = run_sobol(ISHIGAMI, inputs, ["y"], base_samples=2048, seed=5,
                       options={"a": 7.0, "b": 0.1}, groups=["x1 and x3", "x2", "x1 and x3"])
    found = result.indices.set_index("input")
    assert list(found.index) == ["x1 and x3", "x2"]
    np.testing.assert_allclose(found["S1"], [0.5576, 0.4424], atol=0.04)
    np.testing.assert_allclose(found["ST"], [0.5576, 0.4424], atol=0.04)
    assert len(result.samples) == 2048 * (2 + 2)


def test_intervals_are_reproducible_with_a_fixed_seed_and_move_with_another():
    run = lambda seed: run_intervals(LINEAR, [_x()], ["y"], samples=16,  # noqa: E731
                                     seed=seed).intervals
    assert run(7).equals(run(7))
    assert not run(7).equals(run(8))


def test_a_checkpointed_run_resumes_with_only_the_missing_points(tmp_path, monkeypatch):
    checkpoint, samples, stop_after = tmp_path / "run.jsonl", 10, 4
    calls = []

    def interrupted(point, options):
        if len(calls) == stop_after:
            raise KeyboardInterrupt  # as if the run were killed here
        calls.append(point["x"])
        return {"y": point["x"]}

    monkeypatch.setattr(synthetic, "linear", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_intervals(LINEAR, [_x()], ["y"], samples=samples, seed=1, checkpoint=checkpoint)
    assert len(checkpoint.read_text().splitlines()) == 1 + stop_after  # header + points
    done_first, calls[:] = list(calls), []

    monkeypatch.setattr(synthetic, "linear", lambda point, options: (
        calls.append(point["x"]) or {"y": point["x"]}))
    resumed = run_intervals(LINEAR, [_x()], ["y"], samples=samples, seed=1,
                            checkpoint=checkpoint)
    assert len(calls) == samples - stop_after
    assert not set(calls) & set(done_first)
    fresh = run_intervals(LINEAR, [_x()], ["y"], samples=samples, seed=1)
    assert resumed.intervals.equals(fresh.intervals)


@pytest.mark.parametrize("samples, seed, words", [
    (1, 0, ["samples", ">= 2", "1"]), (2.5, 0, ["samples"]), (True, 0, ["samples"]),
    (4, -1, ["seed", ">= 0"]), (4, "x", ["seed"]),
])
def test_bad_sample_settings_are_refused_in_one_line(samples, seed, words):
    with pytest.raises(InvalidInputError) as error:
        run_intervals(LINEAR, [_x()], ["y"], samples=samples, seed=seed)
    assert "\n" not in str(error.value)
    for word in words:
        assert word in str(error.value)


def test_sobol_needs_a_power_of_two_and_an_unknown_input_lists_the_valid_ones():
    with pytest.raises(InvalidInputError, match="power of 2"):
        run_sobol(LINEAR, [_x()], ["y"], base_samples=6)
    with pytest.raises(UnknownNameError, match="valid uncertain inputs: x"):
        select_inputs([_x()], ["nope"])
    with pytest.raises(InvalidInputError, match="low < high"):
        UncertainInput.estimate("x", 1.0, 2.0, 1.0)


def test_intervals_run_the_same_on_local_processes(tmp_path):
    serial = run_intervals(LINEAR, [_x()], ["y"], samples=6, seed=2)
    local = run_intervals(LINEAR, [_x()], ["y"], samples=6, seed=2, executor="local",
                          workers=2)
    assert serial.intervals.equals(local.intervals)
