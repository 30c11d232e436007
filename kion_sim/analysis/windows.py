"""Each electrode's potential vs K/K+ against the limits its material states.

A full cell's voltage is the difference of two electrode potentials: a cell kept inside its
voltage cut-offs can still drive the carbon below 0 V vs K (K plating), the carbon above its
trap sites' release branch (trapped K cycling out), or the cathode past the electrolyte's
oxidation limit. This module reads each electrode's potential in every cycle (what a
three-electrode cell shows) and names every limit crossed: which, in which cycle, how far.
"""

from __future__ import annotations

import math

import pandas as pd

from kion_sim.parameters.assemble import CellParameters, electrode_limits_V

# Trap sites hold K until the carbon reaches their release branch; at 99 % filling that
# branch lies spread x ln(99) below the release potential (one MSMR site population).
_TRAP_FILLING_CHECKED = 0.99


def trap_release_onset_V(cell: CellParameters) -> float | None:
    """Potential vs K/K+ above which nearly full trap sites start to give K back."""
    if not cell.trapping:
        return None
    material = cell.carbon.material
    filling = _TRAP_FILLING_CHECKED
    return (material.value("trap release potential [V]")
            - material.value("trap site spread [V]") * math.log(filling / (1 - filling)))


def electrode_limits(cell: CellParameters) -> pd.DataFrame:
    """One row per stated limit: electrode, side, limit [V] and its source."""
    rows = []
    for role, design in cell.electrodes.items():
        low, high = electrode_limits_V(design)
        for side, value in (("lower", low), ("upper", high)):
            if value is not None:
                source = design.material.quantities[f"{side} potential limit [V]"].source
                rows.append(dict(electrode=role, side=side, name=f"{side} limit",
                                 limit_V=value, source=source))
    onset = trap_release_onset_V(cell)
    if onset is not None and not cell.is_half_cell:
        rows.append(dict(electrode=cell.carbon.role, side="upper",
                         name="trap release branch (99 % filled)", limit_V=onset,
                         source="trap sites' release branch at 99 % filling"))
    return pd.DataFrame(rows)


def electrode_extremes(timeseries: pd.DataFrame, cell: CellParameters) -> pd.DataFrame:
    """Per cycle, each electrode's lowest and highest potential vs K/K+ [V].

    The state at assembly (the run's first point) is left out: pristine carbon sits above its
    window with no K to give, and reaches its window on the first charge.
    """
    columns = {role: f"{role}_potential_vs_K_V" for role in cell.electrodes}
    missing = [c for c in columns.values() if c not in timeseries]
    if missing:
        raise ValueError(f"the time series lacks {missing}: electrode potentials are only "
                         f"tabulated for full cells")
    cycled = timeseries.iloc[1:]
    grouped = cycled.groupby("cycle")
    table = pd.DataFrame({"cycle": sorted(cycled["cycle"].unique())})
    for role, column in columns.items():
        table[f"{role}_min_V"] = grouped[column].min().to_numpy()
        table[f"{role}_max_V"] = grouped[column].max().to_numpy()
    return table


# Potentials within this of a limit count as on it (a step ended by a guard stops there).
_ON_THE_LIMIT_V = 1e-3


def limit_crossings(extremes: pd.DataFrame, cell: CellParameters) -> list[dict]:
    """Every limit an electrode crossed: the first cycle it did, how far, how many cycles."""
    crossings = []
    for limit in electrode_limits(cell).itertuples():
        if limit.side == "upper":
            beyond = extremes[f"{limit.electrode}_max_V"] - limit.limit_V
        else:
            beyond = limit.limit_V - extremes[f"{limit.electrode}_min_V"]
        crossed = extremes[beyond > _ON_THE_LIMIT_V]
        if crossed.empty:
            continue
        worst = beyond.loc[crossed.index].idxmax()
        column = f"{limit.electrode}_{'max' if limit.side == 'upper' else 'min'}_V"
        crossings.append(dict(
            electrode=limit.electrode, limit=f"{limit.name} {limit.limit_V:.3g} V",
            source=limit.source, first_cycle=int(crossed["cycle"].iloc[0]),
            cycles_crossed=len(crossed), worst_cycle=int(extremes.loc[worst, "cycle"]),
            worst_potential_V=float(extremes.loc[worst, column])))
    return crossings


def describe_crossing(crossing: dict) -> str:
    """One warning line a designer can act on."""
    return (f"the {crossing['electrode']} crosses its {crossing['limit']}: from cycle "
            f"{crossing['first_cycle']}, in {crossing['cycles_crossed']} cycles, reaching "
            f"{crossing['worst_potential_V']:.3f} V vs K in cycle {crossing['worst_cycle']}")
