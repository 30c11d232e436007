"""``kion-sim``: thin command line over the package's layers."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from kion_sim.errors import KionSimError, SimulationError
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

DEFAULT_CELL = "soft_carbon_half_cell"


def _parse_currents(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"currents must be comma-separated numbers in mA/g, e.g. 50,100,500; got {text!r}"
        ) from None


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
        from kion_sim.output import write_csv

        write_csv(table, args.csv)
        print(f"wrote {args.csv}")
        return
    with pd.option_context("display.max_colwidth", args.width, "display.width", 250,
                           "display.max_rows", None):
        print(table.to_string(index=False))


def _command_simulate(args) -> int:
    from kion_sim.output import write_simulation
    from kion_sim.simulation import simulate

    cell = cell_parameters(args.cell)
    protocol = args.protocol or galvanostatic_cycles(cell, args.current, args.cycles)
    print(f"simulating {cell.label} with {args.model}: {protocol}", file=sys.stderr)
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
    from kion_sim.analysis import cycle_summary

    print(cycle_summary(result.steps).round(2).to_string(index=False))
    materials = [d.material.name for role, d in cell.electrodes.items()
                 if result.mass_basis in (role, "both")]
    print(f"wrote {len(paths)} files to {paths[0].parent} "
          f"(specific values per g of active {' + '.join(materials)})")
    return 0


def _command_rate(args) -> int:
    from kion_sim.output import write_rate_capability
    from kion_sim.simulation import rate_capability

    cell = cell_parameters(args.cell)
    table = rate_capability(args.cell, args.currents, model=args.model,
                            cycles_per_rate=args.cycles, show_progress=True)
    print(table.round(2).to_string(index=False))
    paths = write_rate_capability(table, args.out, f"{cell.label} ({args.model})")
    print(f"wrote {len(paths)} files to {paths[0].parent}")
    return 0


def _command_table_s1(args) -> int:
    import json

    from kion_sim.validation import run_table_s1

    result = run_table_s1(model=args.model, show_progress=not args.json, exact=args.exact)
    if args.json:
        print(json.dumps(result.records(), indent=2))
        return 0
    shown = result.table.drop(columns=["cell", "source"])
    if not args.exact:
        print("(fast path: adaptive inter-cycle extrapolation; --exact simulates every cycle)",
              file=sys.stderr)
    with pd.option_context("display.width", 250, "display.max_columns", None):
        print(shown.to_string(index=False))
    for row in result.table.itertuples():
        if row.role == "prediction":
            print(f"\nBLIND PREDICTION: {row.material}, retention after {row.cycles} cycles at "
                  f"{row.current_density_mA_g:g} mA/g = {row.simulated_retention_pct:.1f} % "
                  f"(measured value withheld; nothing was fitted to it)")
    print(f"({result.seconds:.0f} s, model {args.model})")
    return 0


def _command_calibrate(args) -> int:
    from kion_sim.validation import calibrate, write_fitted_values

    if args.data:
        return _command_calibrate_data(args)
    for cell in args.cells:
        print(f"calibrating {cell} ({args.model})", file=sys.stderr)
        result = calibrate(cell, model=args.model, show_progress=True, exact=args.exact,
                           mechanism=args.mechanism)
        with pd.option_context("display.width", 250, "display.max_columns", None):
            print(result.summary().to_string(index=False))
            print(result.residuals.to_string(index=False))
            print("sensitivity d(residual/uncertainty)/d log10(value):")
            print(result.sensitivity.round(2).to_string())
        if args.write:
            path = write_fitted_values(result, args.model, args.calibrations)
            print(f"wrote the {result.mechanism} fit of {cell} to {path}")
    return 0


def _command_mechanisms(args) -> int:
    import json

    from kion_sim.validation.mechanisms import compare_mechanisms

    table = compare_mechanisms(model=args.model, show_progress=not args.json)
    if args.json:
        print(json.dumps(table.to_dict(orient="records"), indent=2, default=str))
        return 0
    shown = table.drop(columns=["label", "fitted"])
    with pd.option_context("display.width", 250, "display.max_columns", None):
        print(shown.to_string(index=False))
    for row in table.itertuples():
        values = ", ".join(f"{k} = {v:.4g}" for k, v in row.fitted.items())
        print(f"  {row.mechanism}: {row.label}; fitted {values or 'nothing yet'}")
    print("Each mechanism fits the three known figures exactly (three values, three targets): "
          "the fit cannot choose; the default was chosen on physics and literature "
          "(README, kion_sim/validation/mechanisms.py).")
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
    with pd.option_context("display.width", 250, "display.max_columns", None):
        print(result.summary().to_string(index=False))
        print(result.residuals.to_string(index=False))
    return 0


def _command_compare(args) -> int:
    """Measured vs simulated curves and fade (``compare CELL --data FILE --mass MG``)."""
    from kion_sim.output import write_comparison
    from kion_sim.validation.user_data import compare_to_data

    data = _read_data(args)
    comparison = compare_to_data(args.cell, data, model=args.model)
    with pd.option_context("display.width", 250, "display.max_columns", None):
        print(comparison.fade.round(2).to_string(index=False))
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


def _command_full_cell(args) -> int:
    from kion_sim.fullcell import balance, full_cell_design, predict_full_cell

    design = full_cell_design(prepotassiation_mAh_g=args.prepotassiation,
                              cathode_excess_pct=args.cathode_excess,
                              cathode_initial_x=args.cathode_x)
    balanced = balance(design)
    print(f"N/P = {balanced.n_to_p:.2f} (anode {balanced.anode_window_mAh_cm2:.3f} vs cathode "
          f"{balanced.cathode_window_mAh_cm2:.3f} mAh/cm2 over their windows)", file=sys.stderr)
    prediction = predict_full_cell(design, model=args.model, fade_cycles=args.cycles,
                                   show_progress=True)
    for key, value in prediction.summary.items():
        print(f"{key:40s} {value:10.3f}")
    paths = prediction.write(args.out)
    print(f"PREDICTION without a measured counterpart; wrote {len(paths)} files to "
          f"{paths[0].parent} (currents per g of cathode)")
    return 0


def _command_sweep(args) -> int:
    from kion_sim.plotting import plot_sweep, save_figure
    from kion_sim.sweeps import load_sweep, run_sweep

    spec = load_sweep(args.file)
    executor = "dask" if args.scheduler else ("serial" if args.workers == 1 else "local")
    checkpoint = args.checkpoint or f"{args.out}/{spec.name}.checkpoint.jsonl"
    print(f"sweep {spec.name}: {len(spec.points)} points on {executor} "
          f"(checkpoint {checkpoint})", file=sys.stderr)
    table = run_sweep(spec, executor=executor, workers=args.workers, scheduler=args.scheduler,
                      checkpoint=checkpoint)
    written = _write_sweep_table(table, spec, args.out, args.format)
    with pd.option_context("display.width", 250, "display.max_columns", None):
        print(table.round(4).to_string(index=False))
    if spec.swept:
        x = spec.swept[0]
        y = spec.swept[1] if len(spec.swept) == 2 else None
        save_figure(plot_sweep(table, x, args.plot, y, f"{spec.name}: {args.plot}"),
                    f"{args.out}/{spec.name}_{args.plot}.png")
    print(f"wrote {' and '.join(map(str, written))} and its figure; "
          f"{table['error'].notna().sum()} points failed")
    return 0


def _write_sweep_table(table, spec, out: str, file_format: str) -> list:
    """The sweep table as CSV, as netCDF (an xarray dataset with units), or both."""
    from kion_sim.output import write_csv

    written = []
    if file_format in ("csv", "both"):
        written.append(write_csv(table, f"{out}/{spec.name}.csv"))
    if file_format in ("netcdf", "both"):
        from kion_sim.io.xarray_out import sweep_dataset, write_netcdf

        written.append(write_netcdf(sweep_dataset(table, spec), f"{out}/{spec.name}.nc"))
    return written


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kion-sim", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("list", help="cells, materials and models")

    params = commands.add_parser("params", help="provenance table of a cell or material")
    params.add_argument("name", help="a cell or material name (see 'kion-sim list')")
    params.add_argument("--csv", help="write the table to this CSV file instead")
    params.add_argument("--width", type=int, default=70, help="source column width")

    def common(sub):
        sub.add_argument("--cell", default=DEFAULT_CELL, help=f"default {DEFAULT_CELL}")
        sub.add_argument("--model", default="SPMe", help=f"one of {', '.join(MODEL_NAMES)}")
        sub.add_argument("--out", default="kion_sim_output", help="output folder")

    simulate = commands.add_parser("simulate", help="run a protocol; write CSV and PNG")
    common(simulate)
    simulate.add_argument("--protocol", help="e.g. '(Discharge at 100 mA/g until 0.01 V; "
                          "Charge at 100 mA/g until 1.5 V) x 5'; default: the cell's standard "
                          "cycle at --current")
    simulate.add_argument("--current", type=float, default=100.0, help="mA/g (default 100)")
    simulate.add_argument("--cycles", type=int, default=3, help="cycles (default 3)")
    simulate.add_argument("--mass-basis", choices=MASS_BASES,
                          help="full cell: mA/g and mAh/g per g of this (default cathode)")
    simulate.add_argument("--no-degradation", action="store_true", help="switch SEI off")

    rate = commands.add_parser("rate", help="capacity at a list of specific currents")
    common(rate)
    rate.add_argument("--currents", type=_parse_currents, default=[50, 100, 200, 500, 1000, 2000],
                      help="comma-separated mA/g (default 50,100,200,500,1000,2000)")
    rate.add_argument("--cycles", type=int, default=2, help="cycles per current (last reported)")

    table = commands.add_parser("table-s1", help="Table S1: reported vs simulated (main job)")
    table.add_argument("--model", default="SPM", help=f"one of {', '.join(MODEL_NAMES)}")
    table.add_argument("--json", action="store_true", help="print a JSON list instead")
    table.add_argument("--exact", action="store_true",
                       help="simulate every cycle (default: adaptive inter-cycle extrapolation)")

    full = commands.add_parser("full-cell", help="predict the K0.6CoO2 || soft carbon cell")
    full.add_argument("--model", default="SPMe", help=f"one of {', '.join(MODEL_NAMES)}")
    full.add_argument("--out", default="kion_sim_output/full_cell", help="output folder")
    full.add_argument("--cycles", type=int, default=200, help="fade cycles (default 200)")
    full.add_argument("--prepotassiation", type=float, default=0.0,
                      help="K put into the carbon before assembly [mAh per g of carbon]")
    full.add_argument("--cathode-excess", type=float, default=0.0,
                      help="extra cathode loading [%% over the set's value]")
    full.add_argument("--cathode-x", type=float, default=None,
                      help="x in KxCoO2 at assembly (default 0.6, as made)")

    sweep = commands.add_parser("sweep", help="run a parameter sweep from a TOML file")
    sweep.add_argument("file", help="sweep file (see kion_sim.sweeps.spec)")
    sweep.add_argument("--workers", type=int, default=None, help="local processes (all cores)")
    sweep.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    sweep.add_argument("--checkpoint", help="JSONL checkpoint (default: in --out)")
    sweep.add_argument("--out", default="kion_sim_output/sweep", help="output folder")
    sweep.add_argument("--plot", default="capacity_mAh_g", help="output to plot")
    sweep.add_argument("--format", choices=("csv", "netcdf", "both"), default="csv",
                       help="table as CSV (default), netCDF (xarray dataset with units) or both")

    calibration = commands.add_parser("calibrate", help="fit carbons to their Table S1 rows")
    calibration.add_argument("cells", nargs="+", help="cells to calibrate")
    calibration.add_argument("--model", default="SPM", help=f"one of {', '.join(MODEL_NAMES)}")
    calibration.add_argument("--exact", action="store_true",
                             help="simulate every cycle (default: fast fade path)")
    calibration.add_argument("--mechanism", help="fade mechanism (default: the cell's own; "
                             "kion-sim mechanisms lists them)")
    calibration.add_argument("--write", action="store_true",
                             help="store the fit (provenance fitted) in parameter_sets/"
                                  "calibrations/ or in --calibrations")
    calibration.add_argument("--calibrations", help="folder for the stored fit")

    mechanisms = commands.add_parser(
        "mechanisms", help="candidate fade mechanisms: fits, state sizes, blind predictions")
    mechanisms.add_argument("--model", default="SPM", help=f"one of {', '.join(MODEL_NAMES)}")
    mechanisms.add_argument("--json", action="store_true", help="print JSON")
    calibration.add_argument("--data", help="fit to this cycler file instead of Table S1 "
                             "(.mpr, .mpt, .nda, .ndax, .csv)")
    calibration.add_argument("--mass", type=float, help="with --data: active mass [mg]")
    calibration.add_argument("--data-format", help="with --data: override the format the "
                             "suffix implies")

    bpx_export = commands.add_parser("bpx", help="write a cell as a BPX parameter file")
    bpx_export.add_argument("cell", help="the cell to export (see 'kion-sim list')")
    bpx_export.add_argument("--out", required=True, help="BPX JSON file to write")

    compare = commands.add_parser("compare", help="measured vs simulated curves and fade")
    compare.add_argument("cell", help="the cell to simulate (see 'kion-sim list')")
    compare.add_argument("--data", required=True, help="cycler file (.mpr, .mpt, .nda, .ndax, "
                         ".csv)")
    compare.add_argument("--mass", type=float, required=True, help="active mass [mg]")
    compare.add_argument("--data-format", help="override the format the suffix implies")
    compare.add_argument("--model", default="SPM", help=f"one of {', '.join(MODEL_NAMES)}")
    compare.add_argument("--out", default="kion_sim_output/compare", help="output folder")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"list": _command_list, "params": _command_params,
                "simulate": _command_simulate, "rate": _command_rate,
                "table-s1": _command_table_s1, "calibrate": _command_calibrate,
                "full-cell": _command_full_cell, "sweep": _command_sweep,
                "mechanisms": _command_mechanisms,
                "compare": _command_compare, "bpx": _command_bpx}
    try:
        return handlers[args.command](args) or 0
    except KionSimError as error:
        print(f"kion-sim: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
