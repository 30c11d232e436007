"""``eis``: impedance spectra, fresh and aged, and their equivalent-circuit fit."""

from __future__ import annotations

import sys

from kion_sim.errors import InvalidInputError, UnknownNameError
from kion_sim.parameters import cell_names, load_cell
from kion_sim.parameters.catalog import is_file_reference
from kion_sim.terminal import format_table


def command_eis(args) -> int:
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
    if args.cell not in cell_names() and not is_file_reference(args.cell):
        raise UnknownNameError("cell", args.cell, cell_names())
    state = {"soc": args.soc, "voltage_V": args.voltage}
    if args.after_cycles is None:  # the paper's Fig. S8: fresh vs after 100 cycles
        args.after_cycles = 0 if load_cell(args.cell).kind == "full_cell" else 100
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
        paths = [files.table(_concat(tables), "impedance.csv"),
                 files.table(_concat(fits), "equivalent_circuit.csv"),
                 files.figure(plot_nyquist(spectra, title), "nyquist.png"),
                 files.figure(plot_bode(spectra, title), "bode.png")]
    print(f"wrote {len(paths)} files to {paths[0].parent}")
    return 0


def _concat(tables):
    import pandas as pd

    return pd.concat(tables, ignore_index=True)
