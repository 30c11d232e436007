"""Run cells: ``simulate`` (a protocol), ``rate`` (capacity per current), ``morphology``."""

from __future__ import annotations

import sys

from kion_sim.errors import SimulationError
from kion_sim.parameters import cell_parameters
from kion_sim.protocols import galvanostatic_cycles
from kion_sim.protocols.rate_test import NAMED_PROTOCOLS, named_protocol
from kion_sim.terminal import format_table


def _print_rate_test(result, cell, test) -> None:
    from kion_sim.simulation.rate import capacity_direction, rate_test_blocks

    column = f"{capacity_direction(cell)}_capacity_mAh_g"
    table, recovered = rate_test_blocks(result.steps, cell, test)
    print(f"\nrate test ({column}, mean of each block after its first cycle):")
    print(format_table(table[["block", "current_density_mA_g", "cycles", column]].round(1)))
    print(f"recovered on the return to {test.return_mA_g:g} mA/g: {recovered:.1f} %")


def _say_what_bpx_lacks(name: str) -> None:
    from kion_sim.parameters.bpx_cell import bpx_notice
    from kion_sim.parameters.catalog import is_bpx_reference

    if is_bpx_reference(name):
        print(bpx_notice(name), file=sys.stderr)


def command_simulate(args) -> int:
    from kion_sim.analysis import cycle_summary
    from kion_sim.output import check_writable_folder, write_simulation
    from kion_sim.protocols import parse_protocol, to_experiment
    from kion_sim.simulation import simulate

    # Everything that can be checked is checked before anything is printed or written.
    cell = cell_parameters(args.cell)
    _say_what_bpx_lacks(args.cell)
    text = named_protocol(args.protocol, cell) if args.protocol is not None \
        else galvanostatic_cycles(cell, args.current, args.cycles)
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
    if args.protocol is not None and args.protocol.strip().lower() in NAMED_PROTOCOLS:
        _print_rate_test(result, cell, NAMED_PROTOCOLS[args.protocol.strip().lower()])
    materials = [d.material.name for role, d in cell.electrodes.items()
                 if result.mass_basis in (role, "both")]
    print(f"wrote {len(paths)} files to {paths[0].parent} "
          f"(specific values per g of active {' + '.join(materials)})")
    return 0


def command_rate(args) -> int:
    from kion_sim.output import check_writable_folder, write_rate_capability
    from kion_sim.protocols import parse_protocol
    from kion_sim.simulation import rate_capability

    cell = cell_parameters(args.cell)
    _say_what_bpx_lacks(args.cell)
    for current in args.currents:  # refuse a bad current before the first run, not after
        parse_protocol(galvanostatic_cycles(cell, current, args.cycles))
    check_writable_folder(args.out)
    table = rate_capability(args.cell, args.currents, model=args.model,
                            cycles_per_rate=args.cycles, show_progress=True)
    print(format_table(table.round(2)))
    paths = write_rate_capability(table, args.out, f"{cell.label} ({args.model})")
    print(f"wrote {len(paths)} files to {paths[0].parent}")
    return 0


def command_morphology(args) -> int:
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
