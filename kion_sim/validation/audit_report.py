"""The audit as text for people: one short table per question."""

from __future__ import annotations

import pandas as pd

from kion_sim.terminal import format_number_list, format_table
from kion_sim.validation.audit import Audit

_TOP = 8  # estimates shown in the ranking (--json has them all)


def _ledger(report: Audit) -> str:
    start, end = report.ledger_start, report.ledger_end
    sources = pd.DataFrame({"declared source": list(start["declared_mol"]),
                            "K [umol]": [v * 1e6 for v in start["declared_mol"].values()]})
    found = pd.DataFrame({"K found in": list(end["found_mol"]),
                          "at t = 0 [umol]": [start["found_mol"][k] * 1e6
                                              for k in end["found_mol"]],
                          "at the end [umol]": [v * 1e6 for v in end["found_mol"].values()]})
    return "\n".join([
        "K ledger (reference: the declared sources, not the state at t = 0)",
        format_table(sources, floatfmt=".5g"), "", format_table(found, floatfmt=".5g"),
        f"found / declared - 1: {start['relative_error']:+.2e} at t = 0, "
        f"{end['relative_error']:+.2e} at the end (the fast path's error estimate: "
        f"{report.long_run['error_estimate_pct']:.2g} % of a capacity)"])


def _ranking(report: Audit) -> str:
    rows = []
    for row in report.sensitivity[:_TOP]:
        swings = {k.removesuffix("_swing_pct"): v for k, v in row.items()
                  if k.endswith("_swing_pct")}
        figure = max(swings, key=lambda k: swings[k] if swings[k] == swings[k] else -1)
        rows.append({"estimate": row["estimate"], "moves most": figure,
                     "by [%]": swings[figure]})
    return "\n".join(["Estimates the headline figures hinge on (each alone at its range ends)",
                      format_table(pd.DataFrame(rows))])


def format_audit(report: Audit) -> str:
    """Every part of the audit, headed by the question it answers."""
    parts = [f"audit of {report.cell}", "", _ledger(report), "",
             "Electrode potentials vs K/K+ in the standard cycle [V]",
             format_table(pd.DataFrame(report.potentials))]
    parts += [f"warning: {line}" for line in report.crossings] or [
        "every electrode stayed inside the limits its material states"]
    states = {k: v for k, v in report.end_states.items() if k != "stoichiometry_bounds"}
    parts += ["", f"End states after {report.long_run['cycles']} cycles at "
                  f"{report.long_run['current_mA_g']:g} mA/g", format_number_list(states)]
    for name, (low, high) in report.end_states["stoichiometry_bounds"].items():
        parts.append(f"{name}: {low:.4f} - {high:.4f}")
    if report.sensitivity:
        parts += ["", _ranking(report)]
    return "\n".join(parts)
