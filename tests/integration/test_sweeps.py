"""Sweeps: the same numbers on every executor, resumable after a kill, failures recorded."""

import json
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from kion_sim.sweeps import SweepSpec, grid, run_sweep

SEI = "SEI resistivity [Ohm.m]"
OUTPUTS = ["capacity_mAh_g", "retention_pct"]


def _spec(points=None, cycles=3):
    points = points or grid(**{SEI: [1e5, 1e6], "current_density_mA_g": [100, 500]})
    return SweepSpec("soft_carbon_half_cell", points, cycles=cycles, swept=tuple(points[0]))


def _numbers(table):
    return table.sort_values("index")[OUTPUTS].to_numpy()


def test_reusing_the_built_model_gives_the_numbers_of_a_rebuild():
    spec = _spec()
    fast = run_sweep(spec, executor="serial", show_progress=False)
    rebuilt = run_sweep(spec, executor="serial", reuse=False, show_progress=False)
    # An input stays symbolic, so the solver takes other steps (the trap sites' hysteresis is
    # stiff): 0.1 % of a capacity or a retention is below any difference the sweep resolves.
    np.testing.assert_allclose(_numbers(fast), _numbers(rebuilt), rtol=1e-3)


def test_local_processes_and_a_dask_cluster_give_the_serial_numbers():
    distributed = pytest.importorskip("distributed")
    spec = _spec()
    serial = run_sweep(spec, executor="serial", show_progress=False)
    local = run_sweep(spec, executor="local", workers=2, show_progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            dask = run_sweep(spec, executor="dask", scheduler=client, show_progress=False)
    np.testing.assert_allclose(_numbers(local), _numbers(serial), rtol=1e-9)
    np.testing.assert_allclose(_numbers(dask), _numbers(serial), rtol=1e-9)


def test_a_failing_point_is_recorded_and_the_sweep_goes_on():
    spec = _spec(grid(**{"current_density_mA_g": [100, 1e6]}), cycles=2)  # 1 kA/g fails
    table = run_sweep(spec, executor="serial", show_progress=False)
    assert table["error"].isna().tolist() == [True, False]
    assert "SimulationError" in table["error"].iloc[1]
    assert table["capacity_mAh_g"].iloc[0] > 0 and np.isnan(table["capacity_mAh_g"].iloc[1])


# Four points: the kill lands after two, two are left for the resumed run, and the ends (32x
# apart) order the retention; two more in between (six before) only cost ~10 s each.
# Up to the resistivity that fades the carbon through its film alone (carbon_film_resistance's
# fit, ~9e7 Ohm m): under the default's thin steady film, 3.2e6 moved 30 cycles by 0.04 points.
RESISTIVITIES = [1e5, 1e6, 1e7, 1e8]
_CHILD = f"""
import sys
from kion_sim.sweeps import SweepSpec, grid, run_sweep
points = grid(**{{"SEI resistivity [Ohm.m]": {RESISTIVITIES}}})
spec = SweepSpec("soft_carbon_half_cell", points, cycles=30, swept=tuple(points[0]), exact=True)
run_sweep(spec, executor="serial", checkpoint=sys.argv[1], reuse=False, show_progress=False)
"""


def test_a_killed_sweep_resumes_without_recomputing_or_losing_points(tmp_path):
    checkpoint = tmp_path / "sweep.jsonl"
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(checkpoint)])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if checkpoint.exists() and len(checkpoint.read_text().splitlines()) >= 3:
            break  # header + at least two finished points
        time.sleep(0.05)
    child.kill()
    child.wait()
    before = checkpoint.read_text().splitlines()
    done_before = {json.loads(line)["index"] for line in before[1:] if line.endswith("}")}
    assert 2 <= len(done_before) < len(RESISTIVITIES), \
        "the kill must land mid-sweep for this test to mean much"

    points = [dict(p) for p in grid(**{SEI: RESISTIVITIES})]
    spec = SweepSpec("soft_carbon_half_cell", tuple(points), cycles=30, swept=(SEI,), exact=True)
    table = run_sweep(spec, executor="serial", checkpoint=checkpoint, reuse=False,
                      show_progress=False)

    after = checkpoint.read_text().splitlines()
    assert after[:len(before)] == before  # nothing finished was lost or rewritten
    indices = [json.loads(line)["index"] for line in after[1:]]
    # each point exactly once: nothing recomputed
    assert sorted(indices) == list(range(len(RESISTIVITIES)))
    assert isinstance(table, pd.DataFrame) and table["error"].isna().all()
    # More resistive film, more fade; the default's film is thin and steady, so only the ends
    # of the sweep (1000x apart) are far enough apart to order beyond the solver's noise.
    retention = table.sort_values(SEI)["retention_pct"]
    assert retention.iloc[-1] < retention.iloc[0] - 0.1
