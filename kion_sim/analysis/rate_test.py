"""A rate test read block by block: the capacity at each current and what came back at the end.

The field reports a rate test as one capacity per current (here the mean over the block's
cycles, its first cycle excluded where the block has more than one: the first cycle at a new
current still carries the previous block's state of charge) and the **recovery**: the return
block's capacity over the first block's at the same current, in %. Below 100 % is loss that
a rest at low current did not undo (SEI, lost material); what a higher current cost beyond
that was kinetic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kion_sim.errors import InvalidInputError


def rate_test_table(per_cycle: pd.DataFrame, blocks: list[tuple[float, int, int]],
                    columns: list[str]) -> pd.DataFrame:
    """One row per block: current, cycles, the mean of each capacity column over the block.

    ``per_cycle`` has a ``cycle`` column and the ``columns`` (per-cycle capacities, e.g.
    ``cycle_summary``'s or a comparison's measured and simulated ones); ``blocks`` come from
    :meth:`kion_sim.protocols.rate_test.RateTest.blocks`.
    """
    missing = [c for c in ["cycle", *columns] if c not in per_cycle]
    if missing:
        raise InvalidInputError(f"the per-cycle table lacks {missing}; it has "
                                f"{list(per_cycle.columns)}")
    last_needed = blocks[-1][2]
    if per_cycle["cycle"].max() < last_needed:
        raise InvalidInputError(f"a rate test of {len(blocks)} blocks needs {last_needed} "
                                f"cycles; the table has {int(per_cycle['cycle'].max())}")
    rows = []
    for block, (current, first, last) in enumerate(blocks, start=1):
        counted_from = first + 1 if last > first else first
        inside = per_cycle[(per_cycle["cycle"] >= counted_from) & (per_cycle["cycle"] <= last)]
        rows.append({"block": block, "current_density_mA_g": current,
                     "cycles": f"{first}-{last}",
                     **{column: float(inside[column].mean()) for column in columns}})
    return pd.DataFrame(rows)


def recovery_pct(table: pd.DataFrame, column: str) -> float:
    """The last block's ``column`` over the first block's at the same current, in %."""
    current = table["current_density_mA_g"].iloc[-1]
    same = table[table["current_density_mA_g"] == current]
    if len(same) < 2:
        raise InvalidInputError(f"the return current {current:g} mA/g appears in no earlier "
                                f"block: no recovery to read")
    first, last = same[column].iloc[0], same[column].iloc[-1]
    return float(100 * last / first) if first > 0 else float(np.nan)
