"""Browse the catalogue: ``list``, ``params`` (provenance), ``bpx`` (export a cell)."""

from __future__ import annotations

import sys

from kion_sim.models import MODEL_NAMES
from kion_sim.parameters import (
    cell_names,
    load_cell,
    load_material,
    material_names,
    provenance_table,
)
from kion_sim.terminal import format_table


def command_list(args) -> None:
    print("Cells:")
    for name in cell_names():
        print(f"  {name:24s} {load_cell(name).label}")
    print("Materials:")
    for name in material_names():
        material = load_material(name)
        print(f"  {name:24s} {material.kind:12s} {material.label}")
    print("Models:", ", ".join(MODEL_NAMES))


def command_params(args) -> None:
    table = provenance_table(args.name)
    if args.csv:
        from kion_sim.output import check_writable_file, write_csv

        write_csv(table, check_writable_file(args.csv))
        print(f"wrote {args.csv}")
        return
    print(format_table(table, text_width=args.width))


def command_bpx(args) -> int:
    """Write a cell as a BPX file, validated by bpx's parser; say what BPX could not hold."""
    from kion_sim.io import write_bpx

    export = write_bpx(args.cell, args.out)
    for item in export.not_carried:
        print(f"not carried: {item}", file=sys.stderr)
    print(f"wrote {args.out} (BPX {export.document['Header']['Model']})")
    return 0
