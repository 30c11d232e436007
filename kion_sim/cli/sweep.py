"""``sweep``: many runs from a TOML file, on local processes or a Dask cluster."""

from __future__ import annotations

import sys

from kion_sim.errors import InvalidInputError
from kion_sim.terminal import format_table


def command_sweep(args) -> int:
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
