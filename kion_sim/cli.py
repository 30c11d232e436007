"""``kion-sim``: thin command line over the package's layers."""

from __future__ import annotations

import argparse
import math
import os
import sys

from kion_sim.errors import InvalidInputError, KionSimError, SimulationError, UnknownNameError
from kion_sim.models import MODEL_NAMES
from kion_sim.parameters import (
    cell_names,
    cell_parameters,
    load_cell,
    load_material,
    material_names,
    provenance_table,
)
from kion_sim.protocols import MASS_BASES, galvanostatic_cycles
from kion_sim.terminal import format_number_list, format_table
from kion_sim.uncertainty.report import SENSITIVITY_FIGURES
from kion_sim.uncertainty.simulated import FIGURES

DEFAULT_CELL = "soft_carbon_half_cell"
DEBUG_ENV = "KION_SIM_DEBUG"  # set to 1 to see the traceback of an internal error


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is the same single ``kion-sim: error:`` line as any other."""

    def error(self, message: str):
        print(f"kion-sim: error: {message} (see '{self.prog} --help')", file=sys.stderr)
        sys.exit(2)


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _positive_number(text: str) -> float:
    value = _number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be positive")
    return value


def _whole_number(minimum: int, why: str = ""):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} must be >= {minimum}{why}")
        return value
    return parse


def _model_name(text: str) -> str:
    for name in MODEL_NAMES:
        if text.strip().lower() == name.lower():
            return name
    raise argparse.ArgumentTypeError(f"unknown model {text!r}; valid models: "
                                     f"{', '.join(MODEL_NAMES)}")


def _parse_currents(text: str) -> list[float]:
    parts = [part for part in text.split(",") if part.strip()]
    try:
        currents = [_positive_number(part.strip()) for part in parts]
    except argparse.ArgumentTypeError:
        currents = []
    if not currents:
        raise argparse.ArgumentTypeError(
            f"currents must be comma-separated positive numbers in mA/g, e.g. 50,100,500; "
            f"got {text!r}")
    return currents


def _command_list(args) -> None:
    print("Cells:")
    for name in cell_names():
        print(f"  {name:24s} {load_cell(name).label}")
    print("Materials:")
    for name in material_names():
        material = load_material(name)
        print(f"  {name:24s} {material.kind:12s} {material.label}")
    print("Models:", ", ".join(MODEL_NAMES))


def _command_params(args) -> None:
    table = provenance_table(args.name)
    if args.csv:
        from kion_sim.output import check_writable_file, write_csv

        write_csv(table, check_writable_file(args.csv))
        print(f"wrote {args.csv}")
        return
    print(format_table(table, text_width=args.width))


def _command_simulate(args) -> int:
    from kion_sim.analysis import cycle_summary
    from kion_sim.output import check_writable_folder, write_simulation
    from kion_sim.protocols import parse_protocol, to_experiment
    from kion_sim.simulation import simulate

    # Everything that can be checked is checked before anything is printed or written.
    cell = cell_parameters(args.cell)
    text = args.protocol if args.protocol is not None else galvanostatic_cycles(
        cell, args.current, args.cycles)
    protocol = parse_protocol(text)
    to_experiment(protocol, cell, args.mass_basis)
    check_writable_folder(args.out)
    print(f"simulating {cell.label} with {args.model}: {text}", file=sys.stderr)
    try:
        result = simulate(cell, protocol, model=args.model, mass_basis=args.mass_basis,
                          degradation=not args.no_degradation, show_progress=True)
    except SimulationError as error:
        partial = getattr(error, "partial_result", None)
        if partial is not None and len(partial.steps):
            paths = write_simulation(partial, args.out)
            print(f"kept the {len(partial.steps)} finished steps in {paths[0].parent}",
                  file=sys.stderr)
        raise
    paths = write_simulation(result, args.out)
    print(format_table(cycle_summary(result.steps).round(2)))
    materials = [d.material.name for role, d in cell.electrodes.items()
                 if result.mass_basis in (role, "both")]
    print(f"wrote {len(paths)} files to {paths[0].parent} "
          f"(specific values per g of active {' + '.join(materials)})")
    return 0


def _command_rate(args) -> int:
    from kion_sim.output import check_writable_folder, write_rate_capability
    from kion_sim.protocols import parse_protocol
    from kion_sim.simulation import rate_capability

    cell = cell_parameters(args.cell)
    for current in args.currents:  # refuse a bad current before the first run, not after
        parse_protocol(galvanostatic_cycles(cell, current, args.cycles))
    check_writable_folder(args.out)
    table = rate_capability(args.cell, args.currents, model=args.model,
                            cycles_per_rate=args.cycles, show_progress=True)
    print(format_table(table.round(2)))
    paths = write_rate_capability(table, args.out, f"{cell.label} ({args.model})")
    print(f"wrote {len(paths)} files to {paths[0].parent}")
    return 0


def _command_morphology(args) -> int:
    import json

    from kion_sim.output import check_writable_folder, staged_files
    from kion_sim.plotting.morphology import plot_morphology
    from kion_sim.simulation.morphology import (
        capacity_kept,
        morphology_study,
        parse_geometry,
        standard_morphologies,
    )

    morphologies = standard_morphologies(args.cell) if not args.only_user else []
    morphologies += [parse_geometry(text) for text in args.geometry]
    check_writable_folder(args.out)
    table = morphology_study(args.cell, morphologies, tuple(args.currents), model=args.model,
                             show_progress=not args.json)
    kept = capacity_kept(table)
    with staged_files(args.out) as files:
        files.table(table, "morphology_rate_capability.csv")
        files.table(kept, "morphology_capacity_kept.csv")
        figure = plot_morphology(table, f"{cell_parameters(args.cell).label} ({args.model}): "
                                        f"same mass, same material")
        files.figure(figure, "morphology_rate_capability.png")
    if args.json:
        records = kept.astype(object).where(kept.notna(), None).to_dict(orient="records")
        print(json.dumps(records, indent=2))
        return 0
    print(format_table(kept.drop(columns=["geometry"]).round(1)))
    print(f"wrote 3 files to {args.out}; user geometries are marked 'no data'")
    return 0


def _command_table_s1(args) -> int:
    import json

    from kion_sim.validation import run_table_s1

    result = run_table_s1(model=args.model, show_progress=not args.json, exact=args.exact)
    records = result.records()
    interval = _blind_interval(args) if args.uncertainty else None
    if interval is not None:  # the row the interval simulates gets it beside its point value
        for record in records:
            if _is_interval_row(record):
                record.update(interval)
    if args.json:
        print(json.dumps(records, indent=2))
        return 0
    shown = result.table.drop(columns=["cell", "source"])
    if not args.exact:
        print("(fast path: adaptive inter-cycle extrapolation; --exact simulates every cycle)",
              file=sys.stderr)
    print(format_table(shown))
    for row in result.table.itertuples():
        if row.role == "prediction":
            print(f"\nBLIND PREDICTION: {row.material}, retention after {row.cycles} cycles at "
                  f"{row.current_density_mA_g:g} mA/g = {row.simulated_retention_pct:.1f} % "
                  f"(measured value withheld; nothing was fitted to it)")
    if interval is not None:
        _print_combined(interval)
    print(f"({result.seconds:.0f} s, model {args.model})")
    return 0


def _execution(args):
    from kion_sim.output import check_writable_file
    from kion_sim.sweeps.executors import check_scheduler_address
    from kion_sim.uncertainty.report import Execution

    if args.scheduler:
        check_scheduler_address(args.scheduler)
    checkpoint = check_writable_file(args.checkpoint) if args.checkpoint else None
    return Execution(args.workers, args.scheduler, checkpoint, show_progress=True)


def _parameter_names(args) -> list[str] | None:
    return [n.strip() for n in args.parameters.split(";") if n.strip()] \
        if args.parameters else None


def _intervals(args, figures: dict[str, str], **evaluator) -> dict:
    """``{<key>_p05, <key>_p95}`` of each figure (figure name -> output key) and how."""
    from kion_sim.uncertainty.report import describe, figure_intervals

    result = figure_intervals(list(figures), args.samples, args.seed, args.recalibrate,
                              _parameter_names(args), _execution(args), **evaluator)
    found = {}
    for figure, key in figures.items():
        found.update(result.keys(figure, key))
    found["uncertainty"] = describe(result, args.samples, args.seed, args.recalibrate)
    # what each figure hinges on: the inputs whose samples track it most closely
    found["uncertainty"]["hinges_on"] = {
        key: result.rank_correlations(figure).head(3).to_dict(orient="records")
        for figure, key in figures.items()}
    return found


def _blind_interval(args) -> dict:
    """The 500-cycle row's combined interval: mechanisms weighted by leave-one-out, estimates
    and fitted values sampled (kion_sim.uncertainty.mechanism_mixture)."""
    from kion_sim.uncertainty.mechanism_mixture import combined_intervals, combined_summary

    print(f"uncertainty: {args.samples} samples of the 500-cycle row over the weighted "
          f"mechanisms (seed {args.seed})", file=sys.stderr)
    figures = {"blind_capacity_mAh_g": "simulated_capacity_mAh_g",
               "blind_retention_pct": "simulated_retention_pct"}
    found = combined_intervals(list(figures), args.samples, args.seed,
                               post_reveal=not args.without_post_reveal,
                               recalibrate=args.recalibrate,
                               parameters=_parameter_names(args), execution=_execution(args),
                               loo_results=args.loo_results, model=args.model,
                               estimates=not args.hold_estimates)
    return combined_summary(found, figures, args.recalibrate, args.seed)


def _is_interval_row(record: dict) -> bool:
    """The 900 C carbon's 500 cycles at 500 mA/g (a prediction before the reveal, fitted to
    since): the row whose figures the interval samples."""
    from kion_sim.uncertainty.simulated import interval_row

    row = interval_row()
    return (record["material"], record["current_density_mA_g"], record["cycles"]) == (
        row.material, row.current_density_mA_g, row.cycles)


def _print_combined(interval: dict) -> None:
    from kion_sim.uncertainty.simulated import interval_row

    about, row = interval["uncertainty"], interval_row()
    print(f"\n{row.material}, {row.cycles} cycles at {row.current_density_mA_g:g} mA/g "
          f"(reported retention {row.capacity_retention_pct} %):")
    print(f"  combined 5-95 % interval: {interval['simulated_retention_pct_p05']:.1f}-"
          f"{interval['simulated_retention_pct_p95']:.1f} % retention, "
          f"{interval['simulated_capacity_mAh_g_p05']:.0f}-"
          f"{interval['simulated_capacity_mAh_g_p95']:.0f} mAh/g ({about['samples']} samples; "
          f"estimates {about['estimates']}; fitted values {about['fitted_values']})")
    weights = ", ".join(f"{name} {m['weight']:.2f} ({m['samples']} samples)"
                        for name, m in about["mechanisms"].items() if m["weight"] >= 0.005)
    print(f"  mechanism weights ({about['weights']}; post-reveal mechanisms "
          f"{about['post_reveal_mechanisms']}): {weights}")
    coverage = about["loo_coverage"]
    folds = "; ".join(f"{f['left_out']} {f['measured']:g} in {f['p05']:.1f}-{f['p95']:.1f}: "
                      f"{'yes' if f['inside'] else 'no'}" for f in coverage["folds"])
    print(f"  leave-one-out coverage of the combined interval (weights without the fold): "
          f"{coverage['coverage']} ({folds})")


def _command_sensitivity(args) -> int:
    import json

    from kion_sim.output import check_writable_folder, staged_files
    from kion_sim.uncertainty.report import plot_ranking, sensitivity

    figures = [f.strip() for f in args.figures.split(",") if f.strip()]
    check_writable_folder(args.out)
    result = sensitivity(figures, args.base_samples, args.seed, args.recalibrate,
                         _parameter_names(args), _execution(args), by=args.by,
                         model=args.model, full_cell_model=args.full_cell_model)
    with staged_files(args.out) as files:
        paths = [files.table(result.indices, "sensitivity_indices.csv"),
                 files.table(result.samples, "sensitivity_samples.csv"),
                 files.figure(plot_ranking(result), "sensitivity_ranking.png")]
    if args.json:
        print(json.dumps(result.indices.to_dict(orient="records"), indent=2, default=str))
        return 0
    for figure in figures:
        ranked = result.ranking(figure).head(args.top)
        print(f"\n{figure}: which unknown moves it most (Sobol, 95 % confidence half-widths)")
        print(format_table(ranked.drop(columns=["figure"]).round(3)))
    ranked_count = result.indices["input"].nunique()
    print(f"\n{len(result.samples)} simulations ({args.base_samples} base samples x "
          f"({ranked_count} {'inputs' if args.by == 'input' else 'components'} + 2)); "
          f"wrote {len(paths)} files to {args.out}")
    return 0


def _command_calibrate(args) -> int:
    from kion_sim.parameters.catalog import (
        PARAMETER_SETS_ENV,
        is_installed_copy,
        parameter_sets_dir,
    )
    from kion_sim.validation import calibrate, calibration_plan, write_fitted_values

    if args.data:
        return _command_calibrate_data(args)
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


def _command_mechanisms(args) -> int:
    import json

    if args.loo:
        return _command_mechanisms_loo(args)
    if args.combined:
        return _command_mechanisms_combined(args)
    from kion_sim.validation.mechanisms import compare_mechanisms

    table = compare_mechanisms(model=args.model, mechanisms=args.only,
                               show_progress=not args.json)
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


def _command_mechanisms_loo(args) -> int:
    import json

    import pandas as pd

    from kion_sim.validation import loo

    results = loo.leave_one_out(args.only, model=args.model, workers=args.workers,
                                folds=args.folds)
    pick, why = loo.choose_default(results)
    if args.json:
        print(json.dumps({"rule_picks": pick, "why": why, "model": args.model,
                          "mechanisms": [m.to_dict() for m in results]}, indent=2, default=str))
        return 0
    print("Four-figure fits (residuals in units of each figure's stated uncertainty):")
    print(format_table(pd.DataFrame(loo.fit_rows(results))))
    print("Leave one out (fit three figures, predict the fourth; retention in %, capacity "
          "in mAh/g):")
    print(format_table(pd.DataFrame(loo.loo_rows(results))))
    print(f"The rule (README, written before this table) picks: {pick or '-'} ({why})")
    return 0


def _command_mechanisms_combined(args) -> int:
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


def _command_discriminate(args) -> int:
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


def _read_data(args):
    from kion_sim.errors import InvalidInputError
    from kion_sim.io import read_cycler

    if args.mass is None:
        raise InvalidInputError("--data needs --mass: the active mass of the working electrode "
                                "in mg")
    return read_cycler(args.data, args.mass, args.data_format)


def _command_calibrate_data(args) -> int:
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


def _command_compare(args) -> int:
    """Measured vs simulated curves and fade (``compare CELL --data FILE --mass MG``)."""
    from kion_sim.output import write_comparison
    from kion_sim.validation.user_data import compare_to_data

    data = _read_data(args)
    comparison = compare_to_data(args.cell, data, model=args.model)
    print(format_table(comparison.fade.round(2)))
    paths = write_comparison(comparison, args.out,
                             f"{args.cell} ({args.model}) vs {data.source}")
    print(f"wrote {len(paths)} files to {paths[0].parent}")
    return 0


def _command_bpx(args) -> int:
    """Write a cell as a BPX file, validated by bpx's parser; say what BPX could not hold."""
    from kion_sim.io import write_bpx

    export = write_bpx(args.cell, args.out)
    for item in export.not_carried:
        print(f"not carried: {item}", file=sys.stderr)
    print(f"wrote {args.out} (BPX {export.document['Header']['Model']})")
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


def _command_full_cell(args) -> int:
    from kion_sim.fullcell import balance, full_cell_design, predict_full_cell
    from kion_sim.output import check_writable_folder

    design = full_cell_design(prepotassiation_mAh_g=args.prepotassiation,
                              cathode_excess_pct=args.cathode_excess,
                              cathode_initial_x=args.cathode_x,
                              window_guards=not args.no_window_guards)
    balanced = balance(design)
    check_writable_folder(args.out)
    print(f"N/P = {balanced.n_to_p:.2f} (anode {balanced.anode_window_mAh_cm2:.3f} vs cathode "
          f"{balanced.cathode_window_mAh_cm2:.3f} mAh/cm2 over their windows)", file=sys.stderr)
    prediction = predict_full_cell(design, model=args.model, fade_cycles=args.cycles,
                                   show_progress=True)
    summary = dict(prediction.summary)
    if args.uncertainty:
        print(f"uncertainty: {args.samples} samples of the full cell (seed {args.seed})",
              file=sys.stderr)
        retention = f"retention_after_{args.cycles}_cycles_pct"
        summary.update(_intervals(
            args, {"full_cell_energy_Wh_kg": "energy_Wh_kg_both",
                   "full_cell_retention_pct": retention,
                   "full_cell_first_cycle_efficiency_pct": "first_cycle_efficiency_pct",
                   "full_cell_capacity_mAh_g": "capacity_mAh_g_cathode"},
            model="SPM", full_cell_model=args.model, full_cell_cycles=args.cycles,
            design=dict(prepotassiation_mAh_g=args.prepotassiation,
                        cathode_excess_pct=args.cathode_excess,
                        cathode_initial_x=args.cathode_x)))
    if args.json:
        import json

        prediction.write(args.out)
        print(json.dumps(summary, indent=2, default=str))
        return 0
    for warning in summary["limit_warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    print(format_number_list({k: v for k, v in summary.items()
                              if k not in ("uncertainty", "limit_warnings")}))
    if args.uncertainty:
        print(f"fitted values {summary['uncertainty']['fitted_values']}")
    paths = prediction.write(args.out)
    print(f"PREDICTION without a measured counterpart; wrote {len(paths)} files to "
          f"{paths[0].parent} (currents per g of cathode)")
    return 0


def _command_audit(args) -> int:
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


def _command_sweep(args) -> int:
    from kion_sim.output import check_writable_file, check_writable_folder, staged_files
    from kion_sim.plotting import plot_sweep
    from kion_sim.sweeps import load_sweep, run_sweep
    from kion_sim.sweeps.executors import check_scheduler_address

    spec = load_sweep(args.file)
    if args.plot not in spec.outputs:  # checked now: a bad name must not cost the whole sweep
        raise InvalidInputError(f"--plot {args.plot!r} is not an output of this sweep; valid: "
                                f"{', '.join(spec.outputs)}")
    executor = "dask" if args.scheduler else ("serial" if args.workers == 1 else "local")
    if args.scheduler:
        check_scheduler_address(args.scheduler)
    check_writable_folder(args.out)
    checkpoint = check_writable_file(args.checkpoint or
                                     f"{args.out}/{spec.name}.checkpoint.jsonl")
    print(f"sweep {spec.name}: {len(spec.points)} points on {executor} "
          f"(checkpoint {checkpoint})", file=sys.stderr)
    table = run_sweep(spec, executor=executor, workers=args.workers, scheduler=args.scheduler,
                      checkpoint=checkpoint)
    with staged_files(args.out) as files:  # the tables and the figure, all or none
        written = _stage_sweep_tables(files, table, spec, args.format)
        if spec.swept:
            x = spec.swept[0]
            y = spec.swept[1] if len(spec.swept) == 2 else None
            files.figure(plot_sweep(table, x, args.plot, y, f"{spec.name}: {args.plot}"),
                         f"{spec.name}_{args.plot}.png")
    print(format_table(table.round(4)))
    print(f"wrote {' and '.join(map(str, written))} and its figure; "
          f"{table['error'].notna().sum()} points failed")
    return 0


def _stage_sweep_tables(files, table, spec, file_format: str) -> list:
    """The sweep table as CSV, as netCDF (an xarray dataset with units), or both."""
    written = []
    if file_format in ("csv", "both"):
        written.append(files.table(table, f"{spec.name}.csv"))
    if file_format in ("netcdf", "both"):
        from kion_sim.io.xarray_out import netcdf_writer, sweep_dataset

        written.append(files.file(f"{spec.name}.nc", netcdf_writer(sweep_dataset(table, spec))))
    return written


def _command_eis(args) -> int:
    from kion_sim.analysis.equivalent_circuit import fit_equivalent_circuit, read_spectrum
    from kion_sim.output import check_writable_folder, staged_files
    from kion_sim.plotting.impedance import plot_bode, plot_nyquist
    from kion_sim.simulation.impedance import impedance

    check_writable_folder(args.out)
    if args.fit_csv:  # a measured spectrum: fit it, nothing simulated
        frequency, z = read_spectrum(args.fit_csv)
        fit = fit_equivalent_circuit(frequency, z, arcs=args.arcs)
        print(format_table(fit))
        return 0
    if args.cell not in cell_names():
        raise UnknownNameError("cell", args.cell, cell_names())
    state = {"soc": args.soc, "voltage_V": args.voltage}
    if args.after_cycles is None:  # the paper's Fig. S8: fresh vs after 100 cycles
        args.after_cycles = 0 if args.cell == "full_cell" else 100
    if args.after_cycles == 1:
        raise InvalidInputError("--after-cycles must be 0 (fresh only) or 2 or more")
    spectra = [("fresh", impedance(args.cell, model=args.model, **state))]
    if args.after_cycles:
        print(f"fade run: {args.after_cycles} cycles at {args.current:g} mA/g ...",
              file=sys.stderr)
        spectra.append((f"after {args.after_cycles} cycles", impedance(
            args.cell, model=args.model, after_cycles=args.after_cycles,
            current_density_mA_g=args.current, voltage_V=spectra[0][1].voltage_V)))
    title = f"{spectra[0][1].label} at {spectra[0][1].voltage_V:.3f} V ({args.model})"
    tables = [spectrum.table() for _, spectrum in spectra]
    fits = []
    for label, spectrum in spectra:
        fit = fit_equivalent_circuit(spectrum.frequency_Hz, spectrum.impedance_ohm, args.arcs)
        fits.append(fit.assign(spectrum=label))
        print(f"{label}: equivalent circuit {fit.attrs['circuit']}")
        print(format_table(fit))
    with staged_files(args.out) as files:
        paths = [files.table(pd_concat(tables), "impedance.csv"),
                 files.table(pd_concat(fits), "equivalent_circuit.csv"),
                 files.figure(plot_nyquist(spectra, title), "nyquist.png"),
                 files.figure(plot_bode(spectra, title), "bode.png")]
    print(f"wrote {len(paths)} files to {paths[0].parent}")
    return 0


def pd_concat(tables):
    import pandas as pd

    return pd.concat(tables, ignore_index=True)


# One flag per meaning, defined once: every subcommand that has the meaning uses these.
def _add_model(sub, default: str) -> None:
    sub.add_argument("--model", type=_model_name, default=default,
                     help=f"one of {', '.join(MODEL_NAMES)} (default {default})")


def _add_out(sub, default: str) -> None:
    sub.add_argument("--out", default=default, help=f"output folder (default {default})")


def _add_cycles(sub, default: int, what: str, minimum: int = 1, why: str = "") -> None:
    sub.add_argument("--cycles", type=_whole_number(minimum, why), default=default,
                     help=f"{what} (default {default})")


def _add_uncertainty(sub, what: str, samples: int = 8) -> None:
    sub.add_argument("--uncertainty", action="store_true",
                     help=f"also the 5-95 %% interval of {what} over the unknowns "
                          f"(<figure>_p05, <figure>_p95)")
    sub.add_argument("--samples", type=_whole_number(2, ": an interval needs two or more"),
                     default=samples, help=f"Latin-hypercube samples (default {samples})")
    _add_sampling(sub)


def _add_sampling(sub) -> None:
    sub.add_argument("--seed", type=_whole_number(0), default=0, help="sampling seed (default 0)")
    sub.add_argument("--recalibrate", action="store_true",
                     help="refit the fitted values for every sample (slow: minutes per "
                          "sample); default: sample them within their fitted uncertainty")
    sub.add_argument("--parameters", default=None,
                     help="sample only these inputs, separated by ';' (names as in the "
                          "sensitivity table; default: every unknown behind the figures)")
    sub.add_argument("--workers", type=_whole_number(1), default=1,
                     help="local processes (default 1)")
    sub.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    sub.add_argument("--checkpoint", help="JSONL file: finished samples are kept there and a "
                                          "rerun with the same settings resumes")


def _add_loo_results(sub) -> None:
    sub.add_argument("--loo-results", metavar="FILE",
                     help="the kion-sim mechanisms --loo --json output the mechanism weights "
                          "come from (default: $KION_SIM_LOO_RESULTS, else "
                          "benchmarks/results/mechanisms_loo.json)")


def _add_cell(sub) -> None:
    sub.add_argument("--cell", default=DEFAULT_CELL, help=f"default {DEFAULT_CELL}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kion-sim", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("list", help="cells, materials and models")

    params = commands.add_parser("params", help="provenance table of a cell or material")
    params.add_argument("name", help="a cell or material name (see 'kion-sim list')")
    params.add_argument("--csv", help="write the table to this CSV file instead")
    params.add_argument("--width", type=_whole_number(10), default=40,
                        help="wrap text columns at this width (default 40)")

    simulate = commands.add_parser("simulate", help="run a protocol; write CSV and PNG")
    _add_cell(simulate)
    _add_model(simulate, "SPMe")
    _add_out(simulate, "kion_sim_output")
    simulate.add_argument("--protocol", help="e.g. '(Discharge at 100 mA/g until 0.01 V; "
                          "Charge at 100 mA/g until 1.5 V) x 5'; default: the cell's standard "
                          "cycle at --current")
    simulate.add_argument("--current", type=_positive_number, default=100.0,
                          help="mA/g (default 100)")
    _add_cycles(simulate, 3, "cycles")
    simulate.add_argument("--mass-basis", choices=MASS_BASES,
                          help="full cell: mA/g and mAh/g per g of this (default cathode)")
    simulate.add_argument("--no-degradation", action="store_true", help="switch SEI off")

    rate = commands.add_parser("rate", help="capacity at a list of specific currents")
    _add_cell(rate)
    _add_model(rate, "SPMe")
    _add_out(rate, "kion_sim_output")
    rate.add_argument("--currents", type=_parse_currents, default=[50, 100, 200, 500, 1000, 2000],
                      help="comma-separated mA/g (default 50,100,200,500,1000,2000)")
    _add_cycles(rate, 2, "cycles per current, the last reported")

    morphology = commands.add_parser(
        "morphology", help="rate capability of the carbon as rods, hollow rods, spheres")
    _add_cell(morphology)
    _add_model(morphology, "SPM")
    _add_out(morphology, "kion_sim_output/morphology")
    morphology.add_argument("--currents", type=_parse_currents,
                            default=[50, 100, 200, 500, 1000, 2000, 5000],
                            help="comma-separated mA/g (default 50,...,5000)")
    morphology.add_argument("--geometry", action="append", default=[],
                            help="add a user geometry with no data behind it, e.g. "
                                 "'1000 C rods=hollow cylinder:outer=1.5,inner=0.8,core=open' "
                                 "(sizes in um; repeatable)")
    morphology.add_argument("--only-user", action="store_true",
                            help="study only the --geometry entries")
    morphology.add_argument("--json", action="store_true",
                            help="print the capacity kept per morphology as JSON")

    table = commands.add_parser("table-s1", help="Table S1: reported vs simulated (main job)")
    _add_model(table, "SPM")
    table.add_argument("--json", action="store_true", help="print a JSON list instead")
    table.add_argument("--exact", action="store_true",
                       help="simulate every cycle (default: adaptive inter-cycle extrapolation)")
    _add_uncertainty(table, "the 500-cycle row's capacity and retention, combined over the "
                            "fade mechanisms weighted by leave-one-out")
    table.add_argument("--without-post-reveal", action="store_true",
                       help="with --uncertainty: leave out the mechanisms defined after the "
                            "reveal of 82 %% (default: weighted, flagged)")
    table.add_argument("--hold-estimates", action="store_true",
                       help="with --uncertainty: sample only the mechanism and the fitted "
                            "values, estimates at their values")
    _add_loo_results(table)

    full = commands.add_parser("full-cell", help="predict the K0.6CoO2 || soft carbon cell")
    _add_model(full, "SPMe")
    _add_out(full, "kion_sim_output/full_cell")
    _add_cycles(full, 200, "fade cycles, at least 2", minimum=2,
                why=": retention needs at least 2 cycles (it is measured against cycle 2)")
    full.add_argument("--prepotassiation", type=_number, default=0.0,
                      help="K put into the carbon before assembly [mAh per g of carbon]")
    full.add_argument("--cathode-excess", type=_number, default=0.0,
                      help="extra cathode loading [%% over the set's value]")
    full.add_argument("--cathode-x", type=_number, default=None,
                      help="x in KxCoO2 at assembly (default 0.6, as made)")
    full.add_argument("--no-window-guards", action="store_true",
                      help="end steps at the cell's cut-offs only (default: also where an "
                           "electrode reaches its stated limit vs K); crossings are warned")
    full.add_argument("--json", action="store_true", help="print the summary as JSON")
    _add_uncertainty(full, "the energy and retention", samples=4)

    audit = commands.add_parser(
        "audit", help="K ledger, electrode windows, end states, what the figures hinge on")
    audit.add_argument("cell", help="a cell (kion-sim list)")
    audit.add_argument("--json", action="store_true", help="print the audit as JSON")
    audit.add_argument("--no-sensitivity", action="store_true",
                       help="skip the one-at-a-time ranking of the estimates (the slow part)")
    audit.add_argument("--only", default=None,
                       help="rank only estimates whose name holds one of these words (a,b)")
    audit.add_argument("--workers", type=_whole_number(1), default=2,
                       help="processes for the ranking's runs (default 2)")

    sensitivity = commands.add_parser(
        "sensitivity", help="rank the unknowns by how much they move the headline figures")
    sensitivity.add_argument(
        "--figures", default=",".join(SENSITIVITY_FIGURES),
        help=f"comma-separated, of: {', '.join(FIGURES)} (default "
             f"{','.join(SENSITIVITY_FIGURES)})")
    sensitivity.add_argument("--base-samples", type=_whole_number(2), default=4,
                             help="Sobol base samples N, a power of 2; N x (inputs + 2) "
                                  "simulations (default 4)")
    sensitivity.add_argument("--by", choices=("input", "component"), default="input",
                             help="rank single inputs (default) or parameter files (a "
                                  "material, the cell recipe, the fitted values): far fewer "
                                  "simulations, for the slow figures")
    sensitivity.add_argument("--top", type=_whole_number(1), default=10,
                             help="inputs listed per figure (default 10)")
    sensitivity.add_argument("--json", action="store_true", help="print every index as JSON")
    sensitivity.add_argument("--full-cell-model", type=_model_name, default="SPM",
                             help="model of the full-cell figures (default SPM)")
    _add_model(sensitivity, "SPM")
    _add_out(sensitivity, "kion_sim_output/sensitivity")
    _add_sampling(sensitivity)

    sweep = commands.add_parser("sweep", help="run a parameter sweep from a TOML file")
    sweep.add_argument("file", help="sweep file (see kion_sim.sweeps.spec)")
    _add_out(sweep, "kion_sim_output/sweep")
    sweep.add_argument("--workers", type=_whole_number(1), default=None,
                       help="local processes (default: all cores)")
    sweep.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    sweep.add_argument("--checkpoint", help="JSONL checkpoint file (default: in --out)")
    sweep.add_argument("--plot", default="capacity_mAh_g", help="output to plot")
    sweep.add_argument("--format", choices=("csv", "netcdf", "both"), default="csv",
                       help="table as CSV (default), netCDF (xarray dataset with units) or both")

    calibration = commands.add_parser("calibrate", help="fit carbons to their Table S1 rows")
    calibration.add_argument("cells", nargs="+", help="cells to calibrate")
    _add_model(calibration, "SPM")
    calibration.add_argument("--exact", action="store_true",
                             help="simulate every cycle (default: fast fade path)")
    calibration.add_argument("--mechanism", help="fade mechanism (default: the cell's own; "
                             "kion-sim mechanisms lists them)")
    calibration.add_argument("--strategy", choices=("staged", "least-squares"),
                             default="staged", help="staged (default: short-run targets "
                             "apart from long ones, runs in parallel) or least-squares (the "
                             "older single-process trust region)")
    calibration.add_argument("--workers", type=int, help="processes for the staged fit's "
                             "runs (default: every core, at most 4)")
    writing = calibration.add_mutually_exclusive_group()
    writing.add_argument("--write", action="store_true",
                         help="write the fits into the parameter sets in use (a source "
                              "checkout or $KION_SIM_PARAMETER_SETS; never an installed copy)")
    writing.add_argument("--write-to", metavar="FOLDER",
                         help="copy the parameter sets to FOLDER (if new) and write the fits "
                              "there; use them with KION_SIM_PARAMETER_SETS=FOLDER")
    calibration.add_argument("--data", help="fit to this cycler file instead of Table S1 "
                             "(.mpr, .mpt, .nda, .ndax, .csv)")
    calibration.add_argument("--mass", type=float, help="with --data: active mass [mg]")
    calibration.add_argument("--data-format", help="with --data: override the format the "
                             "suffix implies")


    mechanisms = commands.add_parser(
        "mechanisms", help="candidate fade mechanisms: fits, state sizes, blind predictions")
    _add_model(mechanisms, "SPM")
    mechanisms.add_argument("--json", action="store_true", help="print JSON")
    mechanisms.add_argument("--only", action="append", metavar="MECHANISM",
                            help="study only this mechanism (repeatable; default: all, several "
                                 "minutes, swelling_damage the slowest)")
    mechanisms.add_argument("--loo", action="store_true",
                            help="fit each mechanism to the 900 C carbon's four figures, then "
                                 "leave each out in turn and predict it (progress on stderr)")
    mechanisms.add_argument("--workers", type=int, help="with --loo: worker processes "
                            "(default: every core)")
    mechanisms.add_argument("--folds", choices=("all", "retention"), default="all",
                            help="with --loo: leave out every figure, or only the retentions "
                                 "(the rule's score; about a third cheaper)")
    mechanisms.add_argument("--combined", action="store_true",
                            help="weights of the mechanisms from a stored leave-one-out table "
                                 "and the combined interval's coverage over its folds (no "
                                 "solves)")
    _add_loo_results(mechanisms)

    which = commands.add_parser(
        "discriminate", help="which lab protocol tells the candidate fade mechanisms apart")
    _add_model(which, "SPM")
    which.add_argument("--json", action="store_true", help="print JSON")
    which.add_argument("--only", type=lambda text: [n.strip() for n in text.split(",")],
                       metavar="NAME,...", help="only these calibrated mechanisms")
    which.add_argument("--top", type=_whole_number(1), default=3,
                       help="protocols to print (default 3)")
    which.add_argument("--sigma", type=_positive_number,
                       help="a measurement's uncertainty [points of retention] (default: "
                            "that of Table S1's retention targets, 2)")
    which.add_argument("--by", choices=("min", "mean"), default="min",
                       help="pairwise separation that scores a protocol (default min)")
    which.add_argument("--min-separation", type=_number, default=None, metavar="SIGMAS",
                       help="separation one test must reach to rank first (default 2; 0: "
                            "rank by score alone)")
    which.add_argument("--include-falsified", action="store_true",
                       help="keep candidates the measured retentions falsified")
    which.add_argument("--budget", type=_positive_number,
                       help="wall time one run may take [s] (default 90)")

    bpx_export = commands.add_parser("bpx", help="write a cell as a BPX parameter file")
    bpx_export.add_argument("cell", help="the cell to export (see 'kion-sim list')")
    bpx_export.add_argument("--out", required=True, help="BPX JSON file to write")

    compare = commands.add_parser("compare", help="measured vs simulated curves and fade")
    compare.add_argument("cell", help="the cell to simulate (see 'kion-sim list')")
    compare.add_argument("--data", required=True, help="cycler file (.mpr, .mpt, .nda, .ndax, "
                         ".csv)")
    compare.add_argument("--mass", type=float, required=True, help="active mass [mg]")
    compare.add_argument("--data-format", help="override the format the suffix implies")
    _add_model(compare, "SPM")
    _add_out(compare, "kion_sim_output/compare")
    eis = commands.add_parser("eis", help="impedance spectra (Nyquist, Bode, CSV, circuit fit)")
    eis.add_argument("cell", nargs="?", default=DEFAULT_CELL,
                     help=f"the cell (see 'kion-sim list'; default {DEFAULT_CELL})")
    state = eis.add_mutually_exclusive_group()
    state.add_argument("--soc", type=_number, help="state of charge 0-1 (0 at the lower "
                       "cut-off, 1 at the upper; default 0.5)")
    state.add_argument("--voltage", type=_number, help="rest (open-circuit) voltage [V]")
    eis.add_argument("--after-cycles", type=_whole_number(0), default=None,
                     help="also the spectrum after N >= 2 cycles of the cell's standard cycle "
                          "(Table S1 protocol, fast fade path), at the same voltage; 0 for "
                          "the fresh cell only (default: 100 for half cells, 0 for the full "
                          "cell)")
    eis.add_argument("--current", type=_positive_number, default=100.0,
                     help="mA/g of the fade run (default 100)")
    eis.add_argument("--arcs", type=int, choices=(1, 2), default=2,
                     help="RC arcs of the fitted circuit (default 2: SEI and charge transfer)")
    eis.add_argument("--fit-csv", help="fit this measured spectrum (CSV) instead of simulating")
    _add_model(eis, "SPMe")
    _add_out(eis, "kion_sim_output/eis")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``kion-sim``; every failure is one ``kion-sim: error: ...`` line and exit code 2."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # --help, or a usage error already reported in one line
        return done.code if isinstance(done.code, int) else 2
    handlers = {"list": _command_list, "params": _command_params,
                "simulate": _command_simulate, "rate": _command_rate,
                "table-s1": _command_table_s1, "calibrate": _command_calibrate,
                "full-cell": _command_full_cell, "sweep": _command_sweep,
                "mechanisms": _command_mechanisms, "morphology": _command_morphology,
                "discriminate": _command_discriminate,
                "compare": _command_compare, "bpx": _command_bpx, "eis": _command_eis,
                "sensitivity": _command_sensitivity, "audit": _command_audit}
    try:
        return handlers[args.command](args) or 0
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


if __name__ == "__main__":
    sys.exit(main())
