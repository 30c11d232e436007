"""``kion-sim``: thin command line over the package's layers.

``parser`` builds every subcommand's arguments; each command module turns parsed arguments into
calls on the package and prints the result; :func:`main` dispatches and turns every failure into
one ``kion-sim: error: ...`` line.

- ``catalogue``: list, params, bpx
- ``simulate``: simulate, rate, morphology
- ``validation``: table-s1, calibrate, mechanisms, discriminate, audit
- ``user_data``: compare (and calibrate --data)
- ``uncertainty``: sensitivity (and the --uncertainty intervals)
- ``fullcell``: full-cell; ``sweep``: sweep; ``eis``: eis; ``new``: new material/cell
"""

from __future__ import annotations

import os
import sys

from kion_sim.cli import (
    catalogue,
    eis,
    fullcell,
    gitt,
    new,
    simulate,
    sweep,
    uncertainty,
    user_data,
    validation,
)
from kion_sim.cli.parser import build_parser
from kion_sim.errors import KionSimError

__all__ = ["build_parser", "main"]

DEBUG_ENV = "KION_SIM_DEBUG"  # set to 1 to see the traceback of an internal error

# subcommand -> the function that runs it (the parser lists them in the same order)
COMMANDS = {
    "list": catalogue.command_list, "params": catalogue.command_params,
    "simulate": simulate.command_simulate, "rate": simulate.command_rate,
    "morphology": simulate.command_morphology,
    "table-s1": validation.command_table_s1, "full-cell": fullcell.command_full_cell,
    "audit": validation.command_audit, "sensitivity": uncertainty.command_sensitivity,
    "sweep": sweep.command_sweep, "calibrate": validation.command_calibrate,
    "mechanisms": validation.command_mechanisms,
    "discriminate": validation.command_discriminate, "bpx": catalogue.command_bpx,
    "compare": user_data.command_compare, "eis": eis.command_eis,
    "gitt": gitt.command_gitt, "new": new.command_new,
}


def main(argv: list[str] | None = None) -> int:
    """Run ``kion-sim``; every failure is one ``kion-sim: error: ...`` line and exit code 2."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # --help, or a usage error already reported in one line
        return done.code if isinstance(done.code, int) else 2
    import matplotlib

    matplotlib.use("Agg")  # the command line writes figures to files; no screen is assumed
    try:
        return COMMANDS[args.command](args) or 0
    except KionSimError as error:
        _say(f"kion-sim: error: {error}")
        return 2
    except KeyboardInterrupt:
        _say("kion-sim: error: interrupted")
        return 130
    except OSError as error:  # the file system refused something we did not foresee
        _say(f"kion-sim: error: {error.strerror or error}: {error.filename or ''}")
        return 2
    except Exception as error:  # a bug: still one line, but marked so nobody mistakes it
        if os.environ.get(DEBUG_ENV):
            raise
        _say(f"kion-sim: internal error: {type(error).__name__}: {error} (please report it; "
             f"{DEBUG_ENV}=1 shows the traceback)")
        return 3


def _say(message: str) -> None:
    print(" ".join(message.split()), file=sys.stderr)  # one line, whatever the message holds
