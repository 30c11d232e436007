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
    """Fit one cell to the user's cycler file (``calibrate CELL --data FILE --mass MG``); with
    ``--mechanism all``, rank the mechanisms by the cycles held out of the fit."""
    from kion_sim.errors import InvalidInputError
    from kion_sim.output import check_writable_folder

    if len(args.cells) != 1 or args.write or args.write_to:
        raise InvalidInputError("calibrate --data fits one cell and prints the fit (the "
                                "published sets are not overwritten): give one cell, no "
                                "--write or --write-to")
    data = _read_data(args)
    check_writable_folder(args.out)  # before minutes of fitting, not after
    if args.mechanism == "all":
        return _rank_mechanisms(args, data)
    return _fit_whole_file(args, data)


def _fit_whole_file(args, data) -> int:
    import json

    from kion_sim.output import write_fade_fit
    from kion_sim.validation.fade_curve import CapacityFadeTarget, fade_misfit
    from kion_sim.validation.user_data import calibrate_to_data, data_targets, fade_curve

    cell = args.cells[0]
    print(f"calibrating {cell} ({args.model}) to {data.source}", file=sys.stderr)
    result = calibrate_to_data(cell, data, model=args.model, show_progress=True,
                               mechanism=args.mechanism, fade_only=args.fade_only,
                               workers=args.workers)
    print(result.message, file=sys.stderr)
    target = next((t for t in data_targets(data, args.fade_only)
                   if isinstance(t, CapacityFadeTarget)), None)
    misfit = curve = None
    if target is not None:
        curve, _ = fade_curve(cell, data, result, args.model)
        fades = sum(p.material == result.mechanism for p in result.parameters)
        misfit = fade_misfit(curve, target, fades)
    if args.json:
        document = {"cell": cell, "source": data.source, "mechanism": result.mechanism,
                    "converged": result.success, "fit": result.summary().to_dict("records"),
                    "targets": result.residuals.to_dict("records")}
        if misfit is not None:
            document["fade_misfit"] = {
                "rms_points": misfit.rms_points, "chi_square_per_dof": misfit.chi_square_per_dof,
                "degrees_of_freedom": misfit.degrees_of_freedom,
                "uncertainty_points": misfit.uncertainty_points,
                "worst_cycles": misfit.worst.to_dict("records")}
    else:
        print(format_table(result.summary()))
        print(format_table(result.residuals))
        if misfit is not None:
            print(misfit.describe())
    if curve is not None:
        paths = write_fade_fit(curve, args.out, f"{cell} ({args.model}, {result.mechanism}) "
                                                f"fitted to {data.source}")
        if args.json:
            document["files"] = [str(p) for p in paths]
        else:
            print(f"wrote {', '.join(p.name for p in paths)} to {paths[0].parent}")
    if args.json:
        print(json.dumps(_json_safe(document), indent=2, default=str))
    return 0


def _rank_mechanisms(args, data) -> int:
    import json

    import pandas as pd

    from kion_sim.output import write_fade_ranking
    from kion_sim.validation.fade_ranking import held_out_split, rank_mechanisms
    from kion_sim.validation.user_data import data_protocol

    held_out_split(data_protocol(data).cycles, args.holdout, data.source)  # fail fast
    cell = args.cells[0]
    ranking = rank_mechanisms(cell, data, holdout=args.holdout, model=args.model,
                              fade_only=args.fade_only, budget_s=args.budget)
    paths = write_fade_ranking(ranking, args.out, f"{cell} ({args.model}): fitted to cycles "
                                                  f"1-{ranking.fitted_cycles} of {data.source}")
    if args.json:
        print(json.dumps(_json_safe({**ranking.to_dict(), "files": [str(p) for p in paths]}),
                         indent=2, default=str))
        return 0
    table = ranking.table()
    def points(column):  # a dash, not nan, where a mechanism gave no number
        return ["-" if pd.isna(v) else f"{float(v):+.2f}" if column.startswith("last")
                else f"{float(v):.2f}" for v in table[column]]

    readable = pd.DataFrame({
        "rank": table["rank"].map(lambda r: "-" if pd.isna(r) else str(int(r))),
        "mechanism": table["mechanism"],
        "held out\nRMS [points]": points("held_out_rms_points"),
        "last cycle\nerror [points]": points("last_cycle_error_points"),
        "fitted\nRMS [points]": points("fitted_rms_points"),
        "fast path\nerror [points]": points("fast_path_error_points")})
    print(f"{cell} ({args.model}) on {data.source}: each mechanism fitted to cycles "
          f"1-{ranking.fitted_cycles}, predicting {ranking.fitted_cycles + 1}-{ranking.cycles} "
          f"(retention in points of cycle 2's capacity)")
    print(format_table(readable))
    for row in table.itertuples():
        if row.note:
            print(f"  {row.mechanism}: {row.note} ({row.seconds:.0f} s)")
    print(f"Ranked by the held-out RMS. Differences below a cycle's uncertainty "
          f"({ranking.uncertainty_points:.2f} points: the file's scatter, at least the fast "
          f"path's 0.5) or the fast path's error do not separate mechanisms.")
    print(f"wrote {', '.join(p.name for p in paths)} to {paths[0].parent}")
    return 0


def _json_safe(value):
    """``value`` with NaN and infinities as null: JSON has no such numbers."""
    import math

    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


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
