"""``gitt``: a pulse-and-rest record, simulated or the user's, analysed by Weppner-Huggins."""

from __future__ import annotations

import sys

from kion_sim.terminal import format_table

# A GITT of the 900 C carbon that samples stoichiometry 0.1-0.7 with short pulses (tau D /
# (V/S)^2 ~ 0.08): a 20 min move, 40 min rest, a 60 s pulse, 40 min rest; after one full
# cycle, so the first potassiation's trap filling is over.
DEFAULT_GITT = ("Discharge at 100 mA/g until 0.01 V; Charge at 100 mA/g until 1.5 V; "
                "Rest for 1 h\n(Discharge at 100 mA/g for 20 min; Rest for 40 min; "
                "Discharge at 50 mA/g for 60 s; Rest for 40 min) x 7")
# The wall's mesh: with PyBaMM's default 20 cells the 55 nm a 60 s pulse reaches spans under
# three cells and the solved transient is off by up to 15 %.
WALL_CELLS = 80


def command_gitt(args) -> int:
    """GITT: the quasi-equilibrium OCP and D(stoichiometry) of ``CELL``, simulated, or of the
    user's record (``--data FILE --mass MG``) with ``CELL``'s particle size."""
    from kion_sim.analysis.gitt import (
        GittSettings,
        analyse_gitt,
        gitt_record,
        volume_to_surface_m,
    )
    from kion_sim.io import read_gitt_record
    from kion_sim.output import check_writable_folder, staged_files
    from kion_sim.parameters import cell_parameters
    from kion_sim.plotting.gitt import plot_gitt
    from kion_sim.simulation import simulate

    cell = cell_parameters(args.cell)
    check_writable_folder(args.out)
    if args.write_material:  # refused before the minutes of simulating, not after
        _fitted_material_path(args)
    settings = GittSettings(correct_drift=args.correct_drift)
    if args.data:
        if args.mass is None:
            from kion_sim.errors import InvalidInputError

            raise InvalidInputError("--data needs --mass: the active mass of the working "
                                    "electrode in mg")
        record, source = read_gitt_record(args.data, args.mass, args.data_format), args.data
        # the stoichiometry counted from the charge passed, from the cell's declared start
        working = cell.carbon
        extra = {"initial_stoichiometry": working.initial_stoichiometry,
                 "capacity_full_mAh_g": working.capacity_Ah(1.0) * 1e3 / working.active_mass_g}
        reference = None
    else:
        protocol = args.protocol or DEFAULT_GITT
        print(f"simulating a GITT of {cell.label} ({args.model}): {protocol}", file=sys.stderr)
        result = simulate(cell, protocol, model=args.model, mesh_points={"r_p": WALL_CELLS})
        record, source, extra = gitt_record(result), f"simulated {args.model}", {}
        reference = cell.carbon.material.value("diffusivity [m2.s-1]")
    analysis = analyse_gitt(record, volume_to_surface_m(cell), settings, **extra)
    title = f"GITT of {cell.label} ({source})"
    with staged_files(args.out) as files:
        paths = [files.table(analysis.pulses, "gitt_pulses.csv"),
                 files.table(analysis.ocp, "gitt_ocp.csv"),
                 files.figure(plot_gitt(analysis, title, reference), "gitt.png")]
    shown = analysis.pulses[["pulse", "stoichiometry", "duration_s", "diffusivity_m2_s",
                             "short_time_ratio", "short_time_ok"]]
    print(format_table(shown.rename(columns={"short_time_ok": "short"}), floatfmt=".3g"))
    print("short: tau D / (V/S)^2 <= 0.1, where the short-time formula holds; the long "
          "pulses move the stoichiometry between the short ones")
    print(f"V/S = {1e6 * analysis.volume_to_surface_m:.3g} um; drift correction "
          f"{'on' if args.correct_drift else 'off'}"
          + (f"; the set's D = {reference:.3g} m2/s (dashed)" if reference else ""))
    if args.write_material:
        paths.append(_write_fitted_material(args, cell, analysis, source))
    print(f"wrote {len(paths)} files to {paths[0].parent}")
    return 0


def _fitted_material_path(args):
    """``OUT/materials/NAME.toml`` (and its OCP ``NAME_ocp.csv`` beside it, where a user's
    material finds its tables), neither of which may exist yet."""
    from pathlib import Path

    from kion_sim.errors import OutputError

    path = Path(args.out) / "materials" / f"{args.write_material}.toml"
    for taken in (path, path.with_name(f"{args.write_material}_ocp.csv")):
        if taken.exists():
            raise OutputError(f"{taken} exists; nothing was written (choose another name or "
                              f"--out)")
    return path


def _measured_ocp(analysis, cell, source: str, origin: str):
    """The OCP table of the GITT's rest ends (the carbon's own outside them) and its source."""
    import pandas as pd

    from kion_sim.analysis.gitt import quasi_equilibrium_ocp

    previous = cell.carbon.ocp
    table = quasi_equilibrium_ocp(analysis, previous.stoichiometry, previous.potential_V)
    low, high = table.attrs["measured_span"]
    measured = int(table["measured"].sum())
    kind = cell.carbon.material.table("ocp").provenance
    how = (f"fitted to {source}: the voltage at the end of each rest of the GITT against the "
           f"stoichiometry ({measured} stoichiometries, {low:.3f}-{high:.3f}; made "
           f"non-increasing by least squares where neighbours cross; kion-sim gitt); outside "
           f"that span the OCP of {origin} ({kind})")
    return pd.DataFrame({"stoichiometry": table["stoichiometry"], "ocp_V": table["ocp_V"]}), how


def _write_fitted_material(args, cell, analysis, source: str):
    """The cell's carbon with its diffusivity replaced by the GITT's (median of the short
    pulses; the 1-sigma factor from their spread) and its OCP by the rest ends' (beside it,
    ``NAME_ocp.csv``), as ``OUT/materials/NAME.toml``."""

    import numpy as np

    from kion_sim.errors import InvalidInputError
    from kion_sim.output import staged_files
    from kion_sim.parameters.templates import fitted_material

    short = analysis.valid_pulses["diffusivity_m2_s"].dropna()
    short = short[short > 0]
    if len(short) < 2:
        raise InvalidInputError(f"--write-material needs 2 or more short pulses with a "
                                f"diffusivity; this record has {len(short)}")
    logs = np.log(short.to_numpy())
    value, factor = float(np.exp(np.median(logs))), float(np.exp(np.std(logs, ddof=1)))
    stoichiometry = analysis.valid_pulses["stoichiometry"]
    how = (f"Weppner-Huggins GITT of {source}: median of {len(short)} short pulses at "
           f"stoichiometry {stoichiometry.min():.2f}-{stoichiometry.max():.2f}, V/S "
           f"{1e6 * analysis.volume_to_surface_m:.3g} um, drift correction "
           f"{'on' if args.correct_drift else 'off'} (kion-sim gitt); 1-sigma factor from "
           f"the pulses' spread")
    from kion_sim.parameters.catalog import load_material, material_names

    material = cell.carbon.material  # a built-in by name, a user's material by its file
    origin = material.name if material.name in material_names() else str(material.path)
    ocp, ocp_how = _measured_ocp(analysis, cell, source, origin)
    path = _fitted_material_path(args)
    csv_name = f"{args.write_material}_ocp.csv"
    # the values the cell simulated with where they differ from the file (its stored fit):
    # the OCP's stoichiometry was counted with them
    written = load_material(origin).quantities
    carried = {k: q for k, q in material.quantities.items()
               if k in written and q != written[k] and k != "diffusivity [m2.s-1]"}
    text = fitted_material(args.write_material, origin, "diffusivity [m2.s-1]", value,
                           factor, how, ocp=(csv_name, ocp_how), carried=carried)
    with staged_files(path.parent) as files:  # the TOML and its OCP: both or neither
        files.table(ocp, csv_name)
        files.text(text, path.name)
    print(f"fitted diffusivity {value:.3g} m2/s (x{factor:.2f}) and the OCP of the rest ends "
          f"written to {path} and {csv_name}")
    return path
