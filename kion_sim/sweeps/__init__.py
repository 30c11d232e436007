"""Many runs: grids and samples over parameters, on local processes or a Dask cluster."""

from kion_sim.sweeps.runner import EXECUTORS, run_sweep
from kion_sim.sweeps.spec import OUTPUTS, SweepSpec, grid, latin_hypercube, load_sweep

__all__ = ["EXECUTORS", "OUTPUTS", "SweepSpec", "grid", "latin_hypercube", "load_sweep",
           "run_sweep"]
