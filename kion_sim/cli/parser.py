"""The ``kion-sim`` argument parser: one function per subcommand, shared flags defined once.

Only argparse and the catalogue's names are needed here, so ``kion-sim --help`` stays fast.
"""

from __future__ import annotations

import argparse
import math
import sys

from kion_sim.models import MODEL_NAMES
from kion_sim.protocols import MASS_BASES
from kion_sim.uncertainty.report import SENSITIVITY_FIGURES
from kion_sim.uncertainty.simulated import FIGURES

DESCRIPTION = "``kion-sim``: thin command line over the package's layers."
DEFAULT_CELL = "soft_carbon_half_cell"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is the same single ``kion-sim: error:`` line as any other."""

    def error(self, message: str):
        print(f"kion-sim: error: {message} (see '{self.prog} --help')", file=sys.stderr)
        sys.exit(2)


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _positive_number(text: str) -> float:
    value = _number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be positive")
    return value


def _whole_number(minimum: int, why: str = ""):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} must be >= {minimum}{why}")
        return value
    return parse


def _model_name(text: str) -> str:
    for name in MODEL_NAMES:
        if text.strip().lower() == name.lower():
            return name
    raise argparse.ArgumentTypeError(f"unknown model {text!r}; valid models: "
                                     f"{', '.join(MODEL_NAMES)}")


def _parse_currents(text: str) -> list[float]:
    parts = [part for part in text.split(",") if part.strip()]
    try:
        currents = [_positive_number(part.strip()) for part in parts]
    except argparse.ArgumentTypeError:
        currents = []
    if not currents:
        raise argparse.ArgumentTypeError(
            f"currents must be comma-separated positive numbers in mA/g, e.g. 50,100,500; "
            f"got {text!r}")
    return currents


# One flag per meaning, defined once: every subcommand that has the meaning uses these.
def _add_model(sub, default: str) -> None:
    sub.add_argument("--model", type=_model_name, default=default,
                     help=f"one of {', '.join(MODEL_NAMES)} (default {default})")


def _add_out(sub, default: str) -> None:
    sub.add_argument("--out", default=default, help=f"output folder (default {default})")


def _add_cycles(sub, default: int, what: str, minimum: int = 1, why: str = "") -> None:
    sub.add_argument("--cycles", type=_whole_number(minimum, why), default=default,
                     help=f"{what} (default {default})")


def _add_uncertainty(sub, what: str, samples: int = 8) -> None:
    sub.add_argument("--uncertainty", action="store_true",
                     help=f"also the 5-95 %% interval of {what} over the unknowns "
                          f"(<figure>_p05, <figure>_p95)")
    sub.add_argument("--samples", type=_whole_number(2, ": an interval needs two or more"),
                     default=samples, help=f"Latin-hypercube samples (default {samples})")
    _add_sampling(sub)


def _add_sampling(sub) -> None:
    sub.add_argument("--seed", type=_whole_number(0), default=0, help="sampling seed (default 0)")
    sub.add_argument("--recalibrate", action="store_true",
                     help="refit the fitted values for every sample (slow: minutes per "
                          "sample); default: sample them within their fitted uncertainty")
    sub.add_argument("--parameters", default=None,
                     help="sample only these inputs, separated by ';' (names as in the "
                          "sensitivity table; default: every unknown behind the figures)")
    sub.add_argument("--workers", type=_whole_number(1), default=1,
                     help="local processes (default 1)")
    sub.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    sub.add_argument("--checkpoint", help="JSONL file: finished samples are kept there and a "
                                          "rerun with the same settings resumes")


def _add_loo_results(sub) -> None:
    sub.add_argument("--loo-results", metavar="FILE",
                     help="the kion-sim mechanisms --loo --json output the mechanism weights "
                          "come from (default: $KION_SIM_LOO_RESULTS, else "
                          "parameter_sets/calibrations/soft_carbon_half_cell_loo.json)")


def _add_cell(sub) -> None:
    sub.add_argument("--cell", default=DEFAULT_CELL,
                     help=f"a built-in cell (kion-sim list), your cell's .toml file, or a BPX "
                          f".json file: two electrodes make a full cell, one a half cell "
                          f"against the catalogue's K metal, FILE.json#negative (or #positive) "
                          f"a half cell of that electrode; BPX carries no fade, trap sites or "
                          f"particle shapes (default {DEFAULT_CELL})")


def _add_list_command(commands) -> None:
    commands.add_parser("list", help="cells, materials and models")


def _add_params_command(commands) -> None:
    params = commands.add_parser("params", help="provenance table of a cell or material")
    params.add_argument("name", help="a cell or material name (see 'kion-sim list')")
    params.add_argument("--csv", help="write the table to this CSV file instead")
    params.add_argument("--width", type=_whole_number(10), default=40,
                        help="wrap text columns at this width (default 40)")


def _add_simulate_command(commands) -> None:
    simulate = commands.add_parser("simulate", help="run a protocol; write CSV and PNG")
    _add_cell(simulate)
    _add_model(simulate, "SPMe")
    _add_out(simulate, "kion_sim_output")
    simulate.add_argument("--protocol", help="e.g. '(Discharge at 100 mA/g until 0.01 V; "
                          "Charge at 100 mA/g until 1.5 V) x 5', or a named one: 'rate-test' "
                          "(5 cycles each at 50-2000 mA/g, then 5 at 100); default: the cell's "
                          "standard cycle at --current")
    simulate.add_argument("--current", type=_positive_number, default=100.0,
                          help="mA/g (default 100)")
    _add_cycles(simulate, 3, "cycles")
    simulate.add_argument("--mass-basis", choices=MASS_BASES,
                          help="full cell: mA/g and mAh/g per g of this (default cathode)")
    simulate.add_argument("--no-degradation", action="store_true", help="switch SEI off")


def _add_rate_command(commands) -> None:
    rate = commands.add_parser("rate", help="capacity at a list of specific currents")
    _add_cell(rate)
    _add_model(rate, "SPMe")
    _add_out(rate, "kion_sim_output")
    rate.add_argument("--currents", type=_parse_currents, default=[50, 100, 200, 500, 1000, 2000],
                      help="comma-separated mA/g (default 50,100,200,500,1000,2000)")
    _add_cycles(rate, 2, "cycles per current, the last reported")


def _add_morphology_command(commands) -> None:
    morphology = commands.add_parser(
        "morphology", help="rate capability of the carbon as rods, hollow rods, spheres")
    _add_cell(morphology)
    _add_model(morphology, "SPM")
    _add_out(morphology, "kion_sim_output/morphology")
    morphology.add_argument("--currents", type=_parse_currents,
                            default=[50, 100, 200, 500, 1000, 2000, 5000],
                            help="comma-separated mA/g (default 50,...,5000)")
    morphology.add_argument("--geometry", action="append", default=[],
                            help="add a user geometry with no data behind it, e.g. "
                                 "'1000 C rods=hollow cylinder:outer=1.5,inner=0.8,core=open' "
                                 "(sizes in um; repeatable)")
    morphology.add_argument("--only-user", action="store_true",
                            help="study only the --geometry entries")
    morphology.add_argument("--json", action="store_true",
                            help="print the capacity kept per morphology as JSON")


def _add_table_s1_command(commands) -> None:
    table = commands.add_parser("table-s1", help="Table S1: reported vs simulated (main job)")
    _add_model(table, "SPM")
    table.add_argument("--json", action="store_true", help="print a JSON list instead")
    table.add_argument("--exact", action="store_true",
                       help="simulate every cycle (default: adaptive inter-cycle extrapolation)")
    _add_uncertainty(table, "the 500-cycle row's capacity and retention, combined over the "
                            "fade mechanisms weighted by leave-one-out")
    _add_mixture(table)


def _add_mixture(sub) -> None:
    """Options of an interval combined over the carbon's fade mechanisms."""
    sub.add_argument("--without-post-reveal", action="store_true",
                     help="with --uncertainty: leave out the mechanisms defined after the "
                          "reveal of 82 %% (default: weighted, flagged)")
    sub.add_argument("--hold-estimates", action="store_true",
                     help="with --uncertainty: sample only the mechanism and the fitted "
                          "values, estimates at their values")
    _add_loo_results(sub)


def _add_full_cell_command(commands) -> None:
    full = commands.add_parser("full-cell", help="predict a full cell (default the K0.6CoO2 "
                                                 "|| soft carbon cell) with its remedies")
    full.add_argument("--cell", default="full_cell",
                      help="a built-in full cell (kion-sim list), your full cell's .toml file "
                           "(kion-sim new cell NAME --from full_cell) or a two-electrode BPX "
                           ".json file (default full_cell)")
    _add_model(full, "SPMe")
    _add_out(full, "kion_sim_output/full_cell")
    _add_cycles(full, 200, "fade cycles, at least 2", minimum=2,
                why=": retention needs at least 2 cycles (it is measured against cycle 2)")
    full.add_argument("--prepotassiation", type=_number, default=0.0,
                      help="K put into the carbon before assembly [mAh per g of carbon]")
    full.add_argument("--cathode-excess", type=_number, default=0.0,
                      help="extra cathode loading [%% over the set's value]")
    full.add_argument("--cathode-x", type=_number, default=None,
                      help="x in KxCoO2 at assembly (default 0.6, as made)")
    full.add_argument("--no-window-guards", action="store_true",
                      help="end steps at the cell's cut-offs only (default: also where an "
                           "electrode reaches its stated limit vs K); crossings are warned")
    full.add_argument("--json", action="store_true", help="print the summary as JSON")
    _add_uncertainty(full, "the first-cycle efficiency, capacity, energy and retention, "
                           "combined over the carbon's fade mechanisms weighted by "
                           "leave-one-out", samples=4)
    _add_mixture(full)


def _add_audit_command(commands) -> None:
    audit = commands.add_parser(
        "audit", help="K ledger, electrode windows, end states, what the figures hinge on")
    audit.add_argument("cell", help="a cell (kion-sim list)")
    audit.add_argument("--json", action="store_true", help="print the audit as JSON")
    audit.add_argument("--no-sensitivity", action="store_true",
                       help="skip the one-at-a-time ranking of the estimates (the slow part)")
    audit.add_argument("--only", default=None,
                       help="rank only estimates whose name holds one of these words (a,b)")
    audit.add_argument("--workers", type=_whole_number(1), default=2,
                       help="processes for the ranking's runs (default 2)")


def _add_sensitivity_command(commands) -> None:
    sensitivity = commands.add_parser(
        "sensitivity", help="rank the unknowns by how much they move the headline figures")
    sensitivity.add_argument(
        "--figures", default=",".join(SENSITIVITY_FIGURES),
        help=f"comma-separated, of: {', '.join(FIGURES)} (default "
             f"{','.join(SENSITIVITY_FIGURES)})")
    sensitivity.add_argument("--base-samples", type=_whole_number(2), default=4,
                             help="Sobol base samples N, a power of 2; N x (inputs + 2) "
                                  "simulations (default 4)")
    sensitivity.add_argument("--by", choices=("input", "component"), default="input",
                             help="rank single inputs (default) or parameter files (a "
                                  "material, the cell recipe, the fitted values): far fewer "
                                  "simulations, for the slow figures")
    sensitivity.add_argument("--top", type=_whole_number(1), default=10,
                             help="inputs listed per figure (default 10)")
    sensitivity.add_argument("--json", action="store_true", help="print every index as JSON")
    sensitivity.add_argument("--full-cell-model", type=_model_name, default="SPM",
                             help="model of the full-cell figures (default SPM)")
    _add_model(sensitivity, "SPM")
    _add_out(sensitivity, "kion_sim_output/sensitivity")
    _add_sampling(sensitivity)


def _add_sweep_command(commands) -> None:
    sweep = commands.add_parser("sweep", help="run a parameter sweep from a TOML file")
    sweep.add_argument("file", help="sweep file (see kion_sim.sweeps.spec)")
    _add_out(sweep, "kion_sim_output/sweep")
    sweep.add_argument("--workers", type=_whole_number(1), default=None,
                       help="local processes (default: all cores)")
    sweep.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    sweep.add_argument("--checkpoint", help="JSONL checkpoint file (default: in --out)")
    sweep.add_argument("--plot", default="capacity_mAh_g", help="output to plot")
    sweep.add_argument("--format", choices=("csv", "netcdf", "both"), default="csv",
                       help="table as CSV (default), netCDF (xarray dataset with units) or both")


def _add_calibrate_command(commands) -> None:
    calibration = commands.add_parser("calibrate", help="fit carbons to their Table S1 rows")
    calibration.add_argument("cells", nargs="+", help="cells to calibrate")
    _add_model(calibration, "SPM")
    calibration.add_argument("--exact", action="store_true",
                             help="simulate every cycle (default: fast fade path)")
    calibration.add_argument("--mechanism", help="fade mechanism (default: the cell's own; "
                             "kion-sim mechanisms lists them); with --data, 'all' ranks "
                             "them by held-out cycles")
    calibration.add_argument("--strategy", choices=("staged", "least-squares"),
                             default="staged", help="staged (default: short-run targets "
                             "apart from long ones, runs in parallel) or least-squares (the "
                             "older single-process trust region)")
    calibration.add_argument("--workers", type=int, help="processes for the staged fit's "
                             "runs (default: every core, at most 4)")
    writing = calibration.add_mutually_exclusive_group()
    writing.add_argument("--write", action="store_true",
                         help="write the fits into the parameter sets in use (a source "
                              "checkout or $KION_SIM_PARAMETER_SETS; never an installed copy)")
    writing.add_argument("--write-to", metavar="FOLDER",
                         help="copy the parameter sets to FOLDER (if new) and write the fits "
                              "there; use them with KION_SIM_PARAMETER_SETS=FOLDER")
    calibration.add_argument("--data", help="fit to this cycler file instead of Table S1 "
                             "(.mpr, .mpt, .nda, .ndax, .csv)")
    calibration.add_argument("--mass", type=float, help="with --data: active mass [mg]")
    calibration.add_argument("--data-format", help="with --data: override the format the "
                             "suffix implies")
    calibration.add_argument("--holdout", type=float, default=0.3, metavar="FRACTION",
                             help="with --data and --mechanism all: the last FRACTION of "
                                  "cycles is predicted, not fitted (default 0.3)")
    calibration.add_argument("--fade-only", action="store_true",
                             help="with --data: hold the capacity and diffusivity at the "
                                  "cell's values and fit only the fade value(s) (faster)")
    calibration.add_argument("--budget", type=_positive_number, metavar="SECONDS",
                             help="with --data and --mechanism all: wall time per mechanism "
                                  "(its fit then runs on one core; default: no limit)")
    calibration.add_argument("--json", action="store_true",
                             help="with --data: print the fit (or ranking) as JSON")
    _add_out(calibration, "kion_sim_output")


def _add_mechanisms_command(commands) -> None:
    mechanisms = commands.add_parser(
        "mechanisms", help="candidate fade mechanisms: fits, state sizes, blind predictions")
    _add_model(mechanisms, "SPM")
    mechanisms.add_argument("--json", action="store_true", help="print JSON")
    mechanisms.add_argument("--only", action="append", metavar="MECHANISM",
                            help="study only this mechanism (repeatable; default: all, several "
                                 "minutes, swelling_damage the slowest)")
    mechanisms.add_argument("--loo", action="store_true",
                            help="fit each mechanism to the 900 C carbon's four figures, then "
                                 "leave each out in turn and predict it (progress on stderr)")
    mechanisms.add_argument("--workers", type=int, help="with --loo: worker processes "
                            "(default: every core)")
    mechanisms.add_argument("--folds", choices=("all", "retention"), default="all",
                            help="with --loo: leave out every figure, or only the retentions "
                                 "(the rule's score; about a third cheaper)")
    mechanisms.add_argument("--merge", nargs="+", metavar="FILE",
                            help="with --loo: no solves; merge these --loo --json documents "
                                 "(one per mechanism, say) and apply the rule to them all")
    mechanisms.add_argument("--combined", action="store_true",
                            help="weights of the mechanisms from a stored leave-one-out table "
                                 "and the combined interval's coverage over its folds (no "
                                 "solves)")
    _add_loo_results(mechanisms)


def _add_discriminate_command(commands) -> None:
    which = commands.add_parser(
        "discriminate", help="which lab protocol tells the candidate fade mechanisms apart")
    _add_model(which, "SPM")
    which.add_argument("--json", action="store_true", help="print JSON")
    which.add_argument("--only", type=lambda text: [n.strip() for n in text.split(",")],
                       metavar="NAME,...", help="only these calibrated mechanisms")
    which.add_argument("--top", type=_whole_number(1), default=3,
                       help="protocols to print (default 3)")
    which.add_argument("--sigma", type=_positive_number,
                       help="a measurement's uncertainty [points of retention] (default: "
                            "that of Table S1's retention targets, 2)")
    which.add_argument("--by", choices=("min", "mean"), default="min",
                       help="pairwise separation that scores a protocol (default min)")
    which.add_argument("--min-separation", type=_number, default=None, metavar="SIGMAS",
                       help="separation one test must reach to rank first (default 2; 0: "
                            "rank by score alone)")
    which.add_argument("--include-falsified", action="store_true",
                       help="keep candidates the measured retentions falsified")
    which.add_argument("--budget", type=_positive_number,
                       help="wall time one run may take [s] (default 90)")


def _add_bpx_command(commands) -> None:
    bpx_export = commands.add_parser("bpx", help="write a cell as a BPX parameter file")
    bpx_export.add_argument("cell", help="the cell to export (see 'kion-sim list')")
    bpx_export.add_argument("--out", required=True, help="BPX JSON file to write")


def _add_compare_command(commands) -> None:
    compare = commands.add_parser("compare", help="measured vs simulated curves and fade")
    compare.add_argument("cell", help="the cell to simulate (see 'kion-sim list')")
    compare.add_argument("--data", required=True, help="cycler file (.mpr, .mpt, .nda, .ndax, "
                         ".csv)")
    compare.add_argument("--mass", type=float, required=True, help="active mass [mg]")
    compare.add_argument("--data-format", help="override the format the suffix implies")
    compare.add_argument("--dqdv", action="store_true",
                         help="also measured and simulated dQ/dV with their peaks "
                              "(compare_dqdv.csv, compare_dqdv_peaks.csv, compare_dqdv.png)")
    compare.add_argument("--dqdv-cycle", type=_whole_number(1), default=2,
                         help="the cycle whose dQ/dV is compared (default 2)")
    compare.add_argument("--rate-test", action="store_true",
                         help="the file is a rate test: its blocks of currents simulated on "
                              "the cell, one capacity per block and the recovery "
                              "(compare_rate_test.csv)")
    _add_model(compare, "SPM")
    _add_out(compare, "kion_sim_output/compare")


def _add_eis_command(commands) -> None:
    eis = commands.add_parser("eis", help="impedance spectra (Nyquist, Bode, CSV, circuit fit)")
    eis.add_argument("cell", nargs="?", default=DEFAULT_CELL,
                     help=f"the cell (see 'kion-sim list'; default {DEFAULT_CELL})")
    state = eis.add_mutually_exclusive_group()
    state.add_argument("--soc", type=_number, help="state of charge 0-1 (0 at the lower "
                       "cut-off, 1 at the upper; default 0.5)")
    state.add_argument("--voltage", type=_number, help="rest (open-circuit) voltage [V]")
    eis.add_argument("--after-cycles", type=_whole_number(0), default=None,
                     help="also the spectrum after N >= 2 cycles of the cell's standard cycle "
                          "(Table S1 protocol, fast fade path), at the same voltage; 0 for "
                          "the fresh cell only (default: 100 for half cells, 0 for the full "
                          "cell)")
    eis.add_argument("--current", type=_positive_number, default=100.0,
                     help="mA/g of the fade run (default 100)")
    eis.add_argument("--arcs", type=int, choices=(1, 2), default=2,
                     help="RC arcs of the fitted circuit (default 2: SEI and charge transfer)")
    eis.add_argument("--fit-csv", help="fit this measured spectrum (CSV) instead of simulating")
    _add_model(eis, "SPMe")
    _add_out(eis, "kion_sim_output/eis")


def _add_gitt_command(commands) -> None:
    gitt = commands.add_parser("gitt", help="GITT: rest-end OCP and Weppner-Huggins "
                                            "D(stoichiometry), simulated or your file")
    _add_cell(gitt)
    gitt.add_argument("--data", help="your pulse-and-rest cycler file (rests kept); without "
                                     "it, a GITT of the cell is simulated")
    gitt.add_argument("--mass", type=_positive_number, help="active mass [mg] (with --data)")
    gitt.add_argument("--data-format", help="override the format the suffix implies")
    gitt.add_argument("--protocol", help="the simulated GITT (default: one full cycle, then "
                                         "7 x (20 min at 100 mA/g, 40 min rest, 60 s at "
                                         "50 mA/g, 40 min rest))")
    gitt.add_argument("--correct-drift", action="store_true",
                      help="subtract each rest's end drift (a side reaction such as SEI "
                           "growth draining K) across the next pulse")
    gitt.add_argument("--write-material", metavar="NAME",
                      help="also write OUT/materials/NAME.toml: the cell's carbon with the "
                           "GITT's diffusivity as a fitted value and the rest ends' OCP as "
                           "its OCP table (OUT/materials/NAME_ocp.csv), for --cell files")
    _add_model(gitt, "SPM")
    _add_out(gitt, "kion_sim_output/gitt")


def _add_new_command(commands) -> None:
    new = commands.add_parser("new", help="a template of your own material or cell, from a "
                                          "built-in one (every value marked to replace)")
    new.add_argument("what", choices=("material", "cell"), help="what the template is of")
    new.add_argument("name", help="its name; the file is NAME.toml")
    new.add_argument("--from", dest="source", required=True,
                     help="the built-in material or cell to copy (see 'kion-sim list')")
    new.add_argument("--out", default=".", help="folder to write it in (default: here); an "
                                                "existing file is never overwritten")


def build_parser() -> argparse.ArgumentParser:
    """The whole ``kion-sim`` parser; its subcommands are listed in ``--help`` in this order."""
    parser = _Parser(prog="kion-sim", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", required=True)
    for add_command in (_add_list_command, _add_params_command, _add_simulate_command,
                        _add_rate_command, _add_morphology_command, _add_table_s1_command,
                        _add_full_cell_command, _add_audit_command, _add_sensitivity_command,
                        _add_sweep_command, _add_calibrate_command, _add_mechanisms_command,
                        _add_discriminate_command, _add_bpx_command, _add_compare_command,
                        _add_eis_command, _add_gitt_command, _add_new_command):
        add_command(commands)
    return parser
