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
    cells = {name: load_cell(name) for name in cell_names()}
    materials = {name: load_material(name) for name in material_names()}
    # one name column for both sections, as wide as the longest name, so every label lines up
    name_width = max(map(len, [*cells, *materials]), default=0)
    kind_width = max((len(material.kind) for material in materials.values()), default=0)
    print("Cells:")
    for name, cell in cells.items():
        print(f"  {name:{name_width}}  {cell.label}")
    print("Materials:")
    for name, material in materials.items():
        print(f"  {name:{name_width}}  {material.kind:{kind_width}}  {material.label}")
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
