"""Runs on a reused model against the same runs built afresh, at two trial points in a row
(so the second is a hit with other inputs), for a two-cycle run and a fade run."""

from pathlib import Path

import numpy as np
import pytest

from kion_sim.simulation.built_models import (
    COMPILE_SWITCH,
    COMPILER_FLAGS,
    ModelCache,
    process_cache,
)
from kion_sim.validation.trial_runs import RunKey, TrialCell, TrialRunner, solve_run

CELL, MECHANISM, MATERIAL = "soft_carbon_half_cell", "sei_site_blocking", "soft_carbon_900C"
CAPACITY, DIFFUSIVITY = "specific capacity at full stoichiometry [mAh.g-1]", "diffusivity [m2.s-1]"
FADE = "reaction-driven LAM factor [m3.mol-1]"
# Two trial points a fit could visit: every fitted value (the capacity too) differs.
POINTS = [(370.0, 6.2e-17, 7.5e-5), (330.0, 4.0e-17, 1.5e-4)]
COLUMNS = ["discharge_capacity_mAh_g", "charge_capacity_mAh_g"]


def _trial(capacity, diffusivity, fade) -> TrialCell:
    return TrialCell(CELL, {MATERIAL: {CAPACITY: capacity, DIFFUSIVITY: diffusivity},
                            MECHANISM: {FADE: fade}}, None, MECHANISM)


@pytest.mark.parametrize("cycles", [2, 12])  # 12: the fast fade path (extrapolated jumps)
def test_reused_model_gives_the_fresh_models_capacities(cycles):
    run, cache, capacities = RunKey(500.0, 0.01, 1.5, cycles), ModelCache(), []
    for point in POINTS:
        trial = _trial(*point)
        fresh, _ = solve_run(trial.build(), run, "SPM", False, False, ModelCache(0), trial.moving)
        reused, _ = solve_run(trial.build(), run, "SPM", False, False, cache, trial.moving)
        assert len(reused) == len(fresh) == cycles
        np.testing.assert_allclose(reused[COLUMNS].to_numpy(), fresh[COLUMNS].to_numpy(),
                                   rtol=1e-9, atol=0)
        capacities.append(reused["charge_capacity_mAh_g"].iloc[1])
    assert cache.stats() == {"hits": 1, "misses": 1, "entries": 1}
    # The inputs reached the solve: a 11 % smaller capacity and a slower diffusion give less.
    assert capacities[1] < 0.95 * capacities[0]


def test_reused_model_agrees_with_the_plain_build_within_the_solver_tolerance():
    # PyBaMM's constants and inputs compile to different expressions, so IDAKLU (rtol 1e-4)
    # takes other steps: the same capacity to a few times its tolerance, not to the last digit.
    run, trial = RunKey(500.0, 0.01, 1.5, 2), _trial(*POINTS[1])
    plain, _ = solve_run(trial.build(), run, "SPM", False, False)
    reused, _ = solve_run(trial.build(), run, "SPM", False, False, ModelCache(), trial.moving)
    np.testing.assert_allclose(reused[COLUMNS].to_numpy(), plain[COLUMNS].to_numpy(), rtol=1e-3)


def test_a_compiled_model_gives_the_virtual_machines_capacities(monkeypatch):
    # Compiled C and CasADi's virtual machine evaluate the same expressions; IDAKLU may still
    # step apart by rounding, so the same capacities within its tolerance (rtol 1e-4).
    run, trial, found = RunKey(500.0, 0.01, 1.5, 2), _trial(*POINTS[0]), {}
    for switch in ("on", "off"):
        monkeypatch.setenv(COMPILE_SWITCH, switch)
        cache = ModelCache()
        found[switch], _ = solve_run(trial.build(), run, "SPM", False, False, cache,
                                     trial.moving)
        (entry,) = cache._entries.values()
        assert entry.simulation._solver._options["compile"] is (switch == "on")
    # Compiled at kion_sim's flags (PyBaMM's own are -O3 -march=native), into a folder of its own
    from pybamm.solvers import idaklu_solver

    assert idaklu_solver.aot_compile.keywords["flags"] == COMPILER_FLAGS
    assert any(Path(idaklu_solver.aot_compile.keywords["cache_dir"]).glob("pybamm_*"))
    np.testing.assert_allclose(found["on"][COLUMNS].to_numpy(), found["off"][COLUMNS].to_numpy(),
                               rtol=1e-3)


def test_the_runner_counts_models_reused_and_built():
    run = RunKey(100.0, 0.01, 1.5, 2)
    process_cache().clear()  # nothing built by an earlier test of this process
    with TrialRunner("SPM", exact=False, workers=1, keep_timeseries=False,
                     reuse_models=True) as runner:
        outputs = runner.solve([(_trial(*point), run) for point in POINTS])
    assert not any(isinstance(output, str) for output in outputs)
    assert runner.models == {"reused": 1, "built": 1}
    with TrialRunner("SPM", exact=False, workers=1, keep_timeseries=False,
                     reuse_models=False) as runner:
        again = runner.solve([(_trial(*point), run) for point in POINTS])
    assert runner.models == {"reused": 0, "built": 2}
    for (summary, _), (summary_again, _) in zip(outputs, again, strict=True):
        np.testing.assert_allclose(summary[COLUMNS].to_numpy(),
                                   summary_again[COLUMNS].to_numpy(), rtol=1e-9, atol=0)


def test_a_new_model_that_refuses_its_inputs_is_built_without_them(monkeypatch):
    import pybamm

    solve = pybamm.Simulation.solve

    def refuse_inputs(self, *args, inputs=None, **kwargs):
        if inputs:  # as PyBaMM would for a value it cannot take as an input
            raise pybamm.ModelError("cannot use an input here")
        return solve(self, *args, inputs=inputs, **kwargs)

    monkeypatch.setattr(pybamm.Simulation, "solve", refuse_inputs)
    trial = _trial(*POINTS[0])
    for cycles in (2, 12):  # a two-cycle run (simulate) and a fade run (its cycle stepper)
        run, cache = RunKey(500.0, 0.01, 1.5, cycles), ModelCache()
        summary, _ = solve_run(trial.build(), run, "SPM", False, False, cache, trial.moving)
        plain, _ = solve_run(trial.build(), run, "SPM", False, False)
        np.testing.assert_array_equal(summary[COLUMNS].to_numpy(), plain[COLUMNS].to_numpy())
        again, _ = solve_run(trial.build(), run, "SPM", False, False, cache, trial.moving)
        assert cache.stats()["misses"] == 2  # built again, now without inputs, and kept
        assert cache.stats()["entries"] == 1
        np.testing.assert_array_equal(again[COLUMNS].to_numpy(), plain[COLUMNS].to_numpy())


def test_other_radii_and_thicknesses_solve_on_one_model_as_the_numeric_mesh_does():
    # Two uncertainty samples' geometries (the rod's radii, the carbon's density, which sets
    # its thickness, the foil and the separator): the second solves on the first's symbolic
    # mesh with its sizes as inputs, and gives the capacities of a model built on a numeric
    # mesh for its own sizes (within IDAKLU's tolerance, as a reused model does).
    run, cache = RunKey(500.0, 0.01, 1.5, 2), ModelCache()
    for outer, inner, density in [(1.1e-6, 0.55e-6, 1.9), (0.9e-6, 0.62e-6, 2.05)]:
        trial = TrialCell(CELL, {MATERIAL: {"particle outer radius [m]": outer,
                                            "particle inner radius [m]": inner,
                                            "density [g.cm-3]": density},
                                 "potassium_metal": {"foil thickness [m]": 3.2e-4},
                                 CELL: {"separator thickness [m]": 2.5e-4}}, None, MECHANISM)
        symbolic, _ = solve_run(trial.build(), run, "SPM", False, False, cache, trial.moving)
        numeric, _ = solve_run(trial.build(), run, "SPM", False, False)
        np.testing.assert_allclose(symbolic[COLUMNS].to_numpy(), numeric[COLUMNS].to_numpy(),
                                   rtol=1e-3)
    assert cache.stats() == {"hits": 1, "misses": 1, "entries": 1}


def test_another_current_solves_on_the_same_model_as_its_own_build_does():
    # The steps' currents are inputs: 500 mA/g on the model built at 100 gives the capacities
    # of a model built for 500 (and a voltage cut-off still ends each step).
    cache, trial = ModelCache(), _trial(*POINTS[0])
    for current in (100.0, 500.0):
        run = RunKey(current, 0.01, 1.5, 2)
        cached, _ = solve_run(trial.build(), run, "SPM", False, False, cache, trial.moving)
        plain, _ = solve_run(trial.build(), run, "SPM", False, False)
        np.testing.assert_allclose(cached[COLUMNS].to_numpy(), plain[COLUMNS].to_numpy(),
                                   rtol=1e-3)
    assert cache.stats() == {"hits": 1, "misses": 1, "entries": 1}
