"""The user's cycler file: ``compare CELL --data FILE --mass MG`` and ``calibrate --data``."""

from __future__ import annotations

import sys

from kion_sim.terminal import format_table


def _read_data(args):
    from kion_sim.errors import InvalidInputError
    from kion_sim.io import read_cycler

    if args.mass is None:
        raise InvalidInputError("--data needs --mass: the active mass of the working electrode "
                                "in mg")
    return read_cycler(args.data, args.mass, args.data_format)


def command_calibrate_data(args) -> int:
    """Fit one cell to the user's cycler file (``calibrate CELL --data FILE --mass MG``)."""
    from kion_sim.errors import InvalidInputError
    from kion_sim.validation.user_data import calibrate_to_data

    if len(args.cells) != 1 or args.write:
        raise InvalidInputError("calibrate --data fits one cell and prints the fit (the "
                                "published sets are not overwritten): give one cell, no --write")
    data = _read_data(args)
    print(f"calibrating {args.cells[0]} ({args.model}) to {data.source}", file=sys.stderr)
    result = calibrate_to_data(args.cells[0], data, model=args.model, show_progress=True)
    print(format_table(result.summary()))
    print(format_table(result.residuals))
    return 0


def command_compare(args) -> int:
    """Measured vs simulated curves and fade (``compare CELL --data FILE --mass MG``)."""
    from kion_sim.output import write_comparison
    from kion_sim.validation.user_data import compare_to_data

    data = _read_data(args)
    if args.rate_test:
        return _compare_rate_test(args, data)
    comparison = compare_to_data(args.cell, data, model=args.model)
    print(format_table(comparison.fade.round(2)))
    dqdv = None
    if args.dqdv:
        from kion_sim.analysis.dqdv import compare_dqdv_sources

        dqdv = compare_dqdv_sources(comparison.curves, cycle=args.dqdv_cycle)
        print(f"\ndQ/dV of cycle {args.dqdv_cycle} ({dqdv.settings.describe()}); peaks, "
              f"measured beside simulated:")
        print(format_table(dqdv.peaks.round(3)))
    paths = write_comparison(comparison, args.out,
                             f"{args.cell} ({args.model}) vs {data.source}", dqdv)
    print(f"wrote {len(paths)} files to {paths[0].parent}")
    return 0


def _compare_rate_test(args, data) -> int:
    """``compare --rate-test``: the file's blocks of currents simulated on the cell."""
    from kion_sim.output import staged_files
    from kion_sim.validation.rate_test_data import compare_rate_test

    table, recovery = compare_rate_test(args.cell, data, model=args.model)
    print(f"rate test of {data.source}, simulated on {args.cell} ({args.model}); capacity: "
          f"the mean of each block after its first cycle")
    print(format_table(table.round(1)))
    if recovery:
        print(f"recovered on the return to {table['current_density_mA_g'].iloc[-1]:g} mA/g: "
              f"measured {recovery['measured']:.1f} %, simulated {recovery['simulated']:.1f} %")
    with staged_files(args.out) as files:
        path = files.table(table, "compare_rate_test.csv")
    print(f"wrote {path}")
    return 0
