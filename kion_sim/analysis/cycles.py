"""Per-cycle numbers computed from the step table (PyBaMM's summary assumes a full cell).

Coulombic efficiency is what came out over what went in within one cycle: the second current
direction's capacity over the first's. A soft-carbon half cell starts with discharge
(potassiation), so its CE is depotassiation/potassiation; a full cell starts with charge.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kion_sim.errors import InvalidInputError


def cycle_summary(steps: pd.DataFrame) -> pd.DataFrame:
    """One row per cycle: discharge and charge capacity [mAh/g], CE [%], energies [mWh/g].

    Examples
    --------
    >>> steps = pd.DataFrame(dict(cycle=[1, 1], kind=["discharge", "charge"],
    ...                           capacity_mAh_g=[400.0, 300.0], energy_mWh_g=[100.0, 120.0]))
    >>> float(cycle_summary(steps)["coulombic_efficiency_pct"].iloc[0])
    75.0
    """
    # Column sums over the whole table at once: a loop over cycles took seconds on long runs.
    cycles = np.sort(steps["cycle"].unique())
    current = steps[steps["kind"].isin(["discharge", "charge"])]
    sums = current.groupby(["cycle", "kind"])[["capacity_mAh_g", "energy_mWh_g"]].sum()
    summary = pd.DataFrame({"cycle": cycles.astype(int)})
    for kind in ("discharge", "charge"):
        part = sums.xs(kind, level="kind") if kind in sums.index.get_level_values("kind") \
            else pd.DataFrame(columns=["capacity_mAh_g", "energy_mWh_g"], dtype=float)
        for column in ("capacity_mAh_g", "energy_mWh_g"):
            summary[f"{kind}_{column}"] = part[column].reindex(cycles, fill_value=0.0).to_numpy(
                dtype=float)
    first = current.groupby("cycle")["kind"].first().reindex(cycles).to_numpy()
    discharge, charge = (summary[f"{k}_capacity_mAh_g"].to_numpy() for k in ("discharge",
                                                                               "charge"))
    into = np.where(first == "discharge", discharge, charge)
    out = np.where(first == "discharge", charge, discharge)
    with np.errstate(divide="ignore", invalid="ignore"):
        efficiency = 100.0 * out / into
    summary["coulombic_efficiency_pct"] = np.where(
        (into != 0) & (out != 0) & pd.notna(first), efficiency, np.nan)
    return summary


def output_direction(first_step: str) -> str:
    """The step whose capacity a cycle reports, given the cycle's first: the second one, which
    empties the working electrode of K (charge after a first discharge, and the reverse)."""
    return "charge" if first_step == "discharge" else "discharge"


def capacity_retention(summary: pd.DataFrame, reference_cycle: int = 2,
                       direction: str = "charge") -> pd.Series:
    """Capacity of each cycle as % of ``reference_cycle`` (the field uses the 2nd cycle)."""
    column = f"{direction}_capacity_mAh_g"
    if column not in summary:
        raise InvalidInputError(f"direction must be 'charge' or 'discharge', got {direction!r}")
    reference = summary.loc[summary["cycle"] == reference_cycle, column]
    if reference.empty and summary["cycle"].max() < reference_cycle:
        raise InvalidInputError(
            f"retention needs at least {reference_cycle} cycles (it is measured against "
            f"reference cycle {reference_cycle}); only {int(summary['cycle'].max())} ran")
    if reference.empty or not reference.iloc[0] > 0:
        raise InvalidInputError(
            f"reference cycle {reference_cycle} has no {direction} capacity; cycles run: "
            f"{summary['cycle'].min()}-{summary['cycle'].max()}")
    return 100.0 * summary[column] / reference.iloc[0]


def voltage_curves(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Voltage vs specific capacity of every current step (columns cycle, step, kind, ...)."""
    current = timeseries[timeseries["step_kind"].isin(["discharge", "charge"])]
    return current[["cycle", "step", "step_kind", "step_capacity_mAh_g", "voltage_V"]].rename(
        columns={"step_capacity_mAh_g": "capacity_mAh_g"}).reset_index(drop=True)
