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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {"list": _command_list, "params": _command_params,
                "simulate": _command_simulate, "rate": _command_rate}
    try:
        return handlers[args.command](args) or 0
    except KionSimError as error:
        print(f"kion-sim: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
