"""``full-cell``: predict a full cell (the K0.6CoO2 || soft carbon cell, a user's cell file or
a BPX file) from a design."""

from __future__ import annotations

import sys

from kion_sim.cli.uncertainty import full_cell_interval
from kion_sim.errors import InvalidInputError
from kion_sim.terminal import format_number_list


def command_full_cell(args) -> int:
    from kion_sim.fullcell import balance, full_cell_design, predict_full_cell
    from kion_sim.output import check_writable_folder

    if args.uncertainty and args.cell != "full_cell":
        raise InvalidInputError(f"--uncertainty samples the estimates and fits of the built-in "
                                f"full_cell only, not {args.cell}; run without --uncertainty, "
                                f"or on --cell full_cell")

    design = full_cell_design(prepotassiation_mAh_g=args.prepotassiation,
                              cathode_excess_pct=args.cathode_excess,
                              cathode_initial_x=args.cathode_x,
                              window_guards=not args.no_window_guards, name=args.cell)
    balanced = balance(design)
    check_writable_folder(args.out)
    print(f"N/P = {balanced.n_to_p:.2f} (anode {balanced.anode_window_mAh_cm2:.3f} vs cathode "
          f"{balanced.cathode_window_mAh_cm2:.3f} mAh/cm2 over their windows)", file=sys.stderr)
    prediction = predict_full_cell(design, model=args.model, fade_cycles=args.cycles,
                                   show_progress=True)
    summary = dict(prediction.summary)
    if args.uncertainty:
        print(f"uncertainty: {args.samples} samples of the full cell over the weighted "
              f"mechanisms of its carbon (seed {args.seed})", file=sys.stderr)
        retention = f"retention_after_{args.cycles}_cycles_pct"
        summary.update(full_cell_interval(
            args, {"full_cell_energy_Wh_kg": "energy_Wh_kg_both",
                   "full_cell_retention_pct": retention,
                   "full_cell_first_cycle_efficiency_pct": "first_cycle_efficiency_pct",
                   "full_cell_capacity_mAh_g": "capacity_mAh_g_cathode"},
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
