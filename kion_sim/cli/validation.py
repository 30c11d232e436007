"""Against the reported data: ``table-s1``, ``calibrate`` (to Table S1), ``mechanisms``,
``discriminate``, ``audit``.
"""

from __future__ import annotations

import os
import sys

from kion_sim.cli.uncertainty import blind_interval, is_interval_row, print_combined_interval
from kion_sim.cli.user_data import command_calibrate_data
from kion_sim.errors import InvalidInputError
from kion_sim.terminal import format_table


def command_table_s1(args) -> int:
    import json

    from kion_sim.validation import run_table_s1

    result = run_table_s1(model=args.model, show_progress=not args.json, exact=args.exact)
    records = result.records()
    interval = blind_interval(args) if args.uncertainty else None
    if interval is not None:  # the row the interval simulates gets it beside its point value
        for record in records:
            if is_interval_row(record):
                record.update(interval)
    if args.json:
        print(json.dumps(records, indent=2))
        return 0
    if not args.exact:
        print("(fast path: adaptive inter-cycle extrapolation; --exact simulates every cycle)",
              file=sys.stderr)
    print(format_table(_readable_table_s1(result.table), text_width=22))
    table = result.table
    extrapolated = table[table["method"] == "extrapolated"]["fast_path_error_estimate_pct"]
    fast = (f"; fast-path error estimates {extrapolated.min():.2f}-{extrapolated.max():.2f} % "
            f"of the capacity" if len(extrapolated) else "")
    import textwrap

    print(textwrap.fill(
        f"reported / simulated (error): capacity of the 2nd cycle's depotassiation [mAh/g] "
        f"(error in %), retention of it after the cycles [%] (error in points); fade "
        f"mechanism {', '.join(table['mechanism'].unique())}{fast}", width=100))
    for row in result.table.itertuples():
        if row.role == "prediction":
            print(f"\nBLIND PREDICTION: {row.material}, retention after {row.cycles} cycles at "
                  f"{row.current_density_mA_g:g} mA/g = {row.simulated_retention_pct:.1f} % "
                  f"(measured value withheld; nothing was fitted to it)")
    if interval is not None:
        print_combined_interval(interval)
    print(f"({result.seconds:.0f} s, model {args.model})")
    return 0


def _signed(value, decimals: int = 1) -> str:
    """``+3.2``, ``-2.8``, ``0.0``: never ``-0``."""
    if value is None or value != value:
        return "-"
    rounded = round(float(value), decimals)
    return f"{0.0:.{decimals}f}" if rounded == 0 else f"{rounded:+.{decimals}f}"


def _readable_table_s1(table):
    """One row per Table S1 row, reported beside simulated, the way a reader compares them."""
    import pandas as pd

    def pair(reported, simulated, error):
        if reported is None or reported != reported:
            return f"- / {simulated:.1f}"
        return f"{reported:g} / {simulated:.1f} ({_signed(error)})"

    return pd.DataFrame({
        "material (source)": [f"{m} ({s})" for m, s in zip(table["material"], table["source"],
                                                           strict=True)],
        "window": table["window_V"],
        "mA/g": table["current_density_mA_g"].map("{:g}".format),
        "cycles": table["cycles"],
        "capacity": [
            pair(r, v, e) for r, v, e in zip(table["reported_capacity_mAh_g"],
                                             table["simulated_capacity_mAh_g"],
                                             table["capacity_error_pct"], strict=True)],
        "retention": [
            pair(r, v, e) for r, v, e in zip(table["reported_retention_pct"],
                                             table["simulated_retention_pct"],
                                             table["retention_error_points"], strict=True)],
        "role": table["role"],
    })


def command_calibrate(args) -> int:
    from kion_sim.parameters.catalog import (
        PARAMETER_SETS_ENV,
        is_installed_copy,
        parameter_sets_dir,
    )
    from kion_sim.validation import calibrate, calibration_plan, write_fitted_values

    if args.data:
        return command_calibrate_data(args)
    if args.mechanism == "all":
        raise InvalidInputError("--mechanism all ranks the mechanisms on a cycler file's "
                                "held-out cycles: give --data FILE --mass MG (for Table S1, "
                                "kion-sim mechanisms --loo compares them)")
    for cell in args.cells:  # an unknown cell or mechanism fails now, not after the first fit
        calibration_plan(cell, args.mechanism)
    if args.write_to:
        _use_parameter_copy(args.write_to)
    elif args.write and is_installed_copy(parameter_sets_dir()):
        raise InvalidInputError(
            f"--write would change the installed copy {parameter_sets_dir()} (a reinstall "
            f"replaces it, and nothing else would see the fit); use --write-to FOLDER for a "
            f"copy you keep, or run from a source checkout (pip install -e)")
    target = parameter_sets_dir()
    for cell in args.cells:
        print(f"calibrating {cell} ({args.model})", file=sys.stderr)
        result = calibrate(cell, model=args.model, show_progress=True, exact=args.exact,
                           mechanism=args.mechanism, strategy=args.strategy,
                           workers=args.workers)
        print(result.message, file=sys.stderr)
        print(format_table(result.summary()))
        print(format_table(result.residuals))
        print("sensitivity d(residual/uncertainty)/d log10(value):")
        print(format_table(result.sensitivity.round(2).reset_index()))
        if args.write or args.write_to:
            path = write_fitted_values(result, args.model)
            print(f"wrote the {result.mechanism} fit of {cell} to {path} (in {target})")
            _forget_cached_parameters()
    if args.write_to:
        print(f"use the fitted sets with {PARAMETER_SETS_ENV}={target}")
    return 0


def _use_parameter_copy(folder: str) -> None:
    """Point the catalog at ``folder``, first copying the current sets there if it is empty."""
    import shutil
    from pathlib import Path

    from kion_sim.output import check_writable_folder
    from kion_sim.parameters.catalog import PARAMETER_SETS_ENV, parameter_sets_dir

    target = Path(folder).expanduser().resolve()
    if not (target / "materials").is_dir():
        if target.exists() and any(target.iterdir()):
            raise InvalidInputError(f"--write-to {folder!r} holds other files; give an empty "
                                    f"or new folder, or one with parameter sets")
        check_writable_folder(target)
        shutil.copytree(parameter_sets_dir(), target, dirs_exist_ok=True)
    os.environ[PARAMETER_SETS_ENV] = str(target)
    _forget_cached_parameters()


def _forget_cached_parameters() -> None:
    from kion_sim.parameters.assemble import forget_cached_parameters

    forget_cached_parameters()


def command_mechanisms(args) -> int:
    import json

    if args.loo:
        return _mechanisms_loo(args)
    if args.combined:
        return _mechanisms_combined(args)
    from kion_sim.validation.mechanisms import compare_mechanisms

    # progress on stderr even with --json: stdout stays the JSON document
    table = compare_mechanisms(model=args.model, mechanisms=args.only, show_progress=True)
    if args.json:
        print(json.dumps(table.to_dict(orient="records"), indent=2, default=str))
        return 0
    print(format_table(table.drop(columns=["label", "fitted"])))
    for row in table.itertuples():
        values = ", ".join(f"{k} = {v:.4g}" for k, v in row.fitted.items())
        print(f"  {row.mechanism}: {row.label}; fitted {values or 'nothing yet'}")
    print("Each stored calibration fits three figures exactly (three values, three targets); "
          "the 500-cycle retention, withheld from them, is their blind prediction. "
          "--loo fits all four figures and tests each mechanism out of sample.")
    return 0


def _mechanisms_loo(args) -> int:
    import json

    import pandas as pd

    from kion_sim.validation import loo

    if args.merge:
        from kion_sim.uncertainty.mechanism_weights import read_loo_document

        documents = [read_loo_document(path) for path in args.merge]
        results = loo.merged_results(documents)
        model = documents[0].get("model", args.model)
    else:
        results = loo.leave_one_out(args.only, model=args.model, workers=args.workers,
                                    folds=args.folds)
        model = args.model
    pick, why = loo.choose_default(results)
    if args.json:
        print(json.dumps({"rule_picks": pick, "why": why, "model": model,
                          "mechanisms": [m.to_dict() for m in results]}, indent=2, default=str))
        return 0
    print("Four-figure fits (residuals in units of each figure's stated uncertainty):")
    print(format_table(pd.DataFrame(loo.fit_rows(results))))
    print("Leave one out (fit three figures, predict the fourth; retention in %, capacity "
          "in mAh/g):")
    print(format_table(pd.DataFrame(loo.loo_rows(results))))
    print(f"The rule (docs/mechanisms.md, written before this table) picks: {pick or '-'} ({why})")
    return 0


def _mechanisms_combined(args) -> int:
    """Weights and the combined interval's leave-one-out coverage, from the stored table."""
    import json

    import pandas as pd

    from kion_sim.uncertainty import mechanism_weights as mw

    evidence = mw.select_evidence(mw.load_loo_evidence(args.loo_results), args.only)
    coverage = {label: mw.loo_coverage(chosen) for label, chosen in (
        ("all", evidence), ("pre-reveal only", [m for m in evidence
                                                if not m.defined_after_reveal]))
        if chosen}
    if args.json:
        print(json.dumps({"weights": mw.weight_rows(evidence),
                          "loo_coverage": {k: mw.coverage_dict(v) for k, v in
                                           coverage.items()}}, indent=2, default=str))
        return 0
    print("Pseudo-BMA weights from the leave-one-out predictive densities (errors in points):")
    print(format_table(pd.DataFrame(mw.weight_rows(evidence))))
    for label, found in coverage.items():
        print(f"\nCombined 5-95 % interval of each left-out figure, mechanisms: {label} "
              f"(coverage {mw.coverage_text(found)}):")
        print(format_table(pd.DataFrame(mw.coverage_rows(found))))
    print("Post-reveal mechanisms were shaped knowing 82 %: their fold for it is no prediction.")
    return 0


def command_discriminate(args) -> int:
    import json

    from kion_sim.validation.discriminate import discriminate

    given = {k: v for k, v in (("sigma_points", args.sigma), ("budget_s", args.budget),
                               ("min_separation_sigma", args.min_separation)) if v is not None}
    found = discriminate(only=args.only, include_falsified=args.include_falsified,
                         statistic=args.by, model=args.model,
                         progress=lambda line: print(line, file=sys.stderr), **given)
    if args.json:
        print(json.dumps({**found.to_dict(), "top": args.top}, indent=2, default=str))
        return 0
    print(format_table(found.top_table(args.top), floatfmt="g"))
    print(found.summary_text())
    return 0


def command_audit(args) -> int:
    from kion_sim.validation.audit import audit_cell
    from kion_sim.validation.audit_report import format_audit

    report = audit_cell(args.cell, sensitivity=not args.no_sensitivity, workers=args.workers,
                        only=args.only.split(",") if args.only else None)
    if args.json:
        import json

        print(json.dumps(report.as_dict(), indent=2, default=str))
    else:
        print(format_audit(report))
    return 0
