"""What one recalibrated uncertainty sample costs: the staged fit from a warm start (before)
against Gauss-Newton on a Jacobian measured once per process (after), each with its models
compiled or on CasADi's virtual machine, each configuration in a fresh process. Writes
``benchmarks/results/recalibrated_sample.json``::

    python benchmarks/recalibrated_sample.py [--samples 3] [--model SPM] [--skip-before]

A sample here is one held estimate moved within its range (the K-metal exchange current, the
SEI solvent diffusivity, the carbon's exchange current, ...), refitted under the default
mechanism to the 900 C carbon's four figures. The first "after" sample of a process also pays
for the Jacobian (four trial points) and, compiled, for gcc on each model not yet on disk.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from kion_sim.output import staged_files

OUT = Path(__file__).parent / "results" / "recalibrated_sample.json"
# One held estimate moved per sample, each within the range its file gives.
SAMPLES = [
    {"potassium_metal": {"exchange-current density [A.m-2]": 0.9}},
    {"sei_dissolving_reforming": {"SEI solvent diffusivity [m2.s-1]": 4.0e-21}},
    {"soft_carbon_900C": {"exchange-current density [A.m-2]": 0.3}},
    {"kpf6_ec_dec": {"cation transference number": 0.25}},
]


def _one_process(variant: str, samples: int, model: str) -> dict:
    """Runs in the child: refit each sample, return seconds and fitted values."""
    from kion_sim.uncertainty.recalibration import HALF_CELL, nominal_jacobian, refit
    from kion_sim.validation.calibrate import calibrate, cell_mechanism

    mechanism = cell_mechanism(HALF_CELL, None)
    rows, started = [], time.perf_counter()
    if variant.startswith("after"):
        nominal_jacobian(mechanism, model)
    jacobian_seconds = time.perf_counter() - started
    for held in SAMPLES[:samples]:
        began = time.perf_counter()
        try:
            if variant.startswith("after"):
                fitted = {key: value for (_, key), value in
                          refit(mechanism, model, held, {}).items()}
            else:
                result = calibrate(HALF_CELL, model, warm_start=True, fixed=held, workers=1,
                                   mechanism=mechanism)
                fitted = dict(result.fitted) if result.success else None
        except Exception as error:  # noqa: BLE001 (a failed sample is a result here)
            fitted = f"{type(error).__name__}: {error}"
        rows.append({"held": held, "seconds": round(time.perf_counter() - began, 1),
                     "fitted": fitted})
    return {"variant": variant, "jacobian_seconds": round(jacobian_seconds, 1),
            "samples": rows, "total_seconds": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--model", default="SPM")
    parser.add_argument("--skip-before", action="store_true",
                        help="only the shared-Jacobian refits (the staged one takes minutes)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_one_process(args.child, args.samples, args.model)))
        return
    variants = [("after, compiled", "on"), ("after, virtual machine", "off")]
    if not args.skip_before:
        variants += [("before (staged warm start), compiled", "on"),
                     ("before (staged warm start), virtual machine", "off")]
    runs = []
    for variant, switch in variants:
        env = dict(os.environ, KION_SIM_COMPILE=switch)
        done = subprocess.run([sys.executable, __file__, "--child", variant, "--samples",
                               str(args.samples), "--model", args.model], env=env,
                              capture_output=True, text=True, check=True)
        run = json.loads(done.stdout.strip().splitlines()[-1])
        runs.append(run)
        seconds = [s["seconds"] for s in run["samples"]]
        print(f"{variant}: Jacobian {run['jacobian_seconds']} s, samples {seconds} s",
              flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=Path(__file__).parent).stdout.strip()
    report = {"produced_by": f"python benchmarks/recalibrated_sample.py "
                             f"{' '.join(sys.argv[1:])} (commit {commit})",
              "model": args.model, "runs": runs}
    with staged_files(OUT.parent) as files:
        files.text(json.dumps(report, indent=2) + "\n", OUT.name)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
