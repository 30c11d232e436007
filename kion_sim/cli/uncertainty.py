"""Over the unknowns: ``sensitivity`` ranks them; ``table-s1`` and ``full-cell`` draw their
``--uncertainty`` intervals from here, combined over the carbon's fade mechanisms.
"""

from __future__ import annotations

import sys

from kion_sim.terminal import format_table


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


def _combined_interval(args, figures: dict[str, str], **cells) -> dict:
    """``{<key>_p05, <key>_p95}`` of each figure (figure name -> output key) over the carbon's
    mechanisms weighted by leave-one-out, as the mixture options of ``args`` ask, and how;
    ``cells``: the models, cycles and design the figures run on."""
    from kion_sim.uncertainty.mechanism_mixture import combined_intervals, combined_summary

    found = combined_intervals(list(figures), args.samples, args.seed,
                               post_reveal=not args.without_post_reveal,
                               recalibrate=args.recalibrate,
                               parameters=_parameter_names(args), execution=_execution(args),
                               loo_results=args.loo_results,
                               estimates=not args.hold_estimates, **cells)
    return combined_summary(found, figures, args.recalibrate, args.seed)


def blind_interval(args) -> dict:
    """The 500-cycle row's combined interval: mechanisms weighted by leave-one-out, estimates
    and fitted values sampled (kion_sim.uncertainty.mechanism_mixture)."""
    print(f"uncertainty: {args.samples} samples of the 500-cycle row over the weighted "
          f"mechanisms (seed {args.seed})", file=sys.stderr)
    figures = {"blind_capacity_mAh_g": "simulated_capacity_mAh_g",
               "blind_retention_pct": "simulated_retention_pct"}
    return _combined_interval(args, figures, model=args.model)


def full_cell_interval(args, figures: dict[str, str], design: dict) -> dict:
    """The full cell's combined interval: its carbon under the mechanisms weighted by the half
    cell's leave-one-out, estimates and fitted values (the cathode's fade too) sampled."""
    return _combined_interval(args, figures, model="SPM", full_cell_model=args.model,
                              full_cell_cycles=args.cycles, design=design)


def is_interval_row(record: dict) -> bool:
    """The 900 C carbon's 500 cycles at 500 mA/g (a prediction before the reveal, fitted to
    since): the row whose figures the interval samples."""
    from kion_sim.uncertainty.simulated import interval_row

    row = interval_row()
    return (record["material"], record["current_density_mA_g"], record["cycles"]) == (
        row.material, row.current_density_mA_g, row.cycles)


def print_combined_interval(interval: dict) -> None:
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


def command_sensitivity(args) -> int:
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
