"""Rewrite the stored brute-force runs whose key no longer matches (tests/reference_runs).

    python tests/reference_runs/refresh.py [pytest options, e.g. -n 2]

Runs the tests that read them with the store writable: each stale run is solved and written,
the fast path is judged against it as always. Commit the changed JSON files.
"""

import os
import subprocess
import sys
from pathlib import Path

# The test modules that call brute_force_summary.
USERS = ["tests/integration/test_fast_fade.py",
         "tests/integration/test_fade_fit_recovers_truth.py::test_the_file_holds_the_simulated_fade"]

if __name__ == "__main__":
    checkout = Path(__file__).resolve().parents[2]
    environment = {**os.environ, "KION_SIM_WRITE_REFERENCES": "1",
                   "PYTHONPATH": os.pathsep.join([str(checkout), os.environ.get("PYTHONPATH",
                                                                                "")])}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *USERS,
               *sys.argv[1:]]
    sys.exit(subprocess.call(command, cwd=checkout, env=environment))
