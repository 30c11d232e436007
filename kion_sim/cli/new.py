"""``new``: a template of one's own material or cell, copied from a built-in one."""

from __future__ import annotations

from pathlib import Path

from kion_sim.errors import OutputError


def command_new(args) -> int:
    from kion_sim.output import staged_files
    from kion_sim.parameters.templates import cell_template, material_template

    template = material_template if args.what == "material" else cell_template
    text = template(args.name, args.source)
    path = Path(args.out) / f"{args.name}.toml"
    if path.exists():
        raise OutputError(f"{path} exists; nothing was written (choose another name or --out, "
                          f"or remove it first)")
    with staged_files(args.out) as files:  # whole or not at all
        files.text(text, path.name)
    print(f"wrote {path}: replace each value marked '# replace:' (unit and range beside it)")
    return 0
