"""The mixture evaluator against the leave-one-out run, and one cheap combined interval."""

import math

import pytest

from kion_sim.uncertainty.mechanism_mixture import (
    MECHANISM_INPUT,
    combined_intervals,
    mixture_figures,
    mixture_inputs,
    mixture_spec,
)
from kion_sim.uncertainty.mechanism_weights import load_loo_evidence
from kion_sim.uncertainty.simulated import describe_inputs, evaluator_options


@pytest.mark.parametrize("name", ["sei_site_blocking", "sei_dissolving_reforming"])
def test_a_mechanism_at_its_fit_gives_the_leave_one_out_runs_500_cycle_retention(name):
    # The reference is the LOO run's own four-figure simulation (its trial runner, not this
    # evaluator): within the fast path's error estimate, ~1 point.
    evidence = next(m for m in load_loo_evidence() if m.mechanism == name)
    stored = next(f for f in _loo_document(name)["figures"]
                  if f["figure"] == "retention_500_cycles")["simulated"]
    spec = mixture_spec([evidence], {name: 1.0})
    inputs = mixture_inputs(spec)
    options = evaluator_options(["blind_retention_pct"], [])
    options.update(inputs=describe_inputs(inputs), mixture=spec)
    point = {i.name: i.value for i in inputs}  # estimates at their values, every z = 0
    point[MECHANISM_INPUT] = 0.5
    assert mixture_figures(point, options)["blind_retention_pct"] == pytest.approx(stored, abs=1)


def _loo_document(name):
    import json

    from kion_sim.uncertainty.mechanism_weights import loo_results_path

    document = json.loads(loo_results_path().read_text())
    return next(m for m in document["mechanisms"] if m["mechanism"] == name)


def test_a_two_sample_combined_interval_holds_its_samples_and_weights(tmp_path):
    from kion_sim.uncertainty.report import Execution

    found = combined_intervals(["blind_retention_pct"], samples=2, seed=0, estimates=False,
                               mechanisms=["sei_site_blocking", "side_reaction_in_time"],
                               execution=Execution(workers=1, show_progress=False,
                                                   checkpoint=str(tmp_path / "c.jsonl")))
    assert math.isclose(sum(found.weights.values()), 1.0)
    assert sum(found.mechanism_counts().values()) == 2
    row = found.result.intervals.loc["blind_retention_pct"]
    assert row["failed"] == 0 and 50 < row["p05"] <= row["p95"] < 100
    assert [c.left_out for c in found.coverage] == ["retention_100_cycles",
                                                    "retention_500_cycles"]


def test_a_full_cell_sample_runs_its_carbon_under_the_mechanism_it_drew():
    # The reference is the public path a designer would take: the full cell designed under
    # that mechanism, the carbon at the same fitted values, its headline figures. The two
    # mechanisms' samples must differ: the pick reaches the full cell's carbon.
    from kion_sim.fullcell import full_cell_design
    from kion_sim.fullcell.predict import headline_figures
    from kion_sim.uncertainty.mechanism_mixture import _fitted_values

    names = ["sei_dissolving_reforming", "side_reaction_in_time"]
    evidence = [m for m in load_loo_evidence() if m.mechanism in names]
    spec = mixture_spec(evidence, {m.mechanism: 0.5 for m in evidence})
    inputs = mixture_inputs(spec, cells=("full_cell",))
    figures = ["full_cell_retention_pct", "full_cell_first_cycle_efficiency_pct"]
    options = evaluator_options(figures, [], full_cell_model="SPM", full_cell_cycles=6)
    options.update(inputs=describe_inputs(inputs), mixture=spec)
    retention = {}
    for u, (name, _, values) in zip((0.25, 0.75), spec, strict=True):
        point = {i.name: i.value for i in inputs} | {MECHANISM_INPUT: u}
        found = mixture_figures(point, options)
        design = full_cell_design(mechanism=name,
                                  material_overrides=_fitted_values(point, values, {}))
        direct = headline_figures(design, model="SPM", fade_cycles=6)
        assert found["full_cell_retention_pct"] == pytest.approx(direct["retention_pct"],
                                                                 rel=1e-6)
        assert found["full_cell_first_cycle_efficiency_pct"] == pytest.approx(
            direct["first_cycle_efficiency_pct"], rel=1e-6)
        retention[name] = found["full_cell_retention_pct"]
    assert retention[names[0]] != pytest.approx(retention[names[1]], abs=1e-3)
