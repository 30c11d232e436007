"""A measured rate test against the same test simulated: its blocks read from the file, one
capacity per block side by side, and the recovery of each (issue 21, item 3)."""

from __future__ import annotations

import pandas as pd

from kion_sim.analysis.cycles import cycle_summary
from kion_sim.analysis.rate_test import rate_test_table, recovery_pct
from kion_sim.errors import InvalidInputError
from kion_sim.io.cycler import CyclerData
from kion_sim.parameters.assemble import cell_parameters
from kion_sim.protocols.rate_test import blocks_protocol
from kion_sim.simulation.rate import capacity_direction
from kion_sim.simulation.runner import simulate
from kion_sim.validation.user_data import data_protocol

# Cycles whose mean currents differ by less than this share are one block: a cycler's current
# scatters by well under 1 %, a rate test's steps are a factor of 2 or more apart.
SAME_CURRENT_SHARE = 0.05


def rate_test_blocks(data: CyclerData) -> list[tuple[float, int, int]]:
    """(current [mA/g], first cycle, last cycle) of each run of cycles at one current."""
    blocks: list[list] = []
    for cycle in sorted(int(c) for c in data.steps["cycle"].unique()):
        current = abs(data.current_density_mA_g(cycle))
        if blocks and abs(current - blocks[-1][0]) <= SAME_CURRENT_SHARE * blocks[-1][0]:
            blocks[-1][2] = cycle
        else:
            blocks.append([current, cycle, cycle])
    if len(blocks) < 2:
        raise InvalidInputError(f"{data.source} runs at one current ({blocks[0][0]:.4g} mA/g): "
                                f"not a rate test; use compare without --rate-test")
    # a block's current: the mean of its cycles, rounded as a protocol would state it
    return [(round(float(data.steps[data.steps["cycle"].between(first, last)]
                         ["current_density_mA_g"].abs().mean()), 3), first, last)
            for _, first, last in blocks]


def compare_rate_test(cell: str, data: CyclerData, model: str = "SPM") -> tuple[pd.DataFrame,
                                                                                  dict]:
    """Per block: current, cycles, measured and simulated capacity [mAh/g] and the error [%];
    and the recovery on the last block of each ({"measured": %, "simulated": %}, present when
    the last block's current also ran earlier)."""
    design = cell_parameters(cell)
    window = data_protocol(data)
    blocks = rate_test_blocks(data)
    result = simulate(design, blocks_protocol(design, blocks, window.lower_V, window.upper_V),
                      model=model, show_progress=False)
    column = f"{capacity_direction(design)}_capacity_mAh_g"
    measured = rate_test_table(data.summary, blocks, [column])
    simulated = rate_test_table(cycle_summary(result.steps), blocks, [column])
    table = measured.rename(columns={column: f"measured_{column}"})
    table[f"simulated_{column}"] = simulated[column].to_numpy()
    table["error_pct"] = 100 * (table[f"simulated_{column}"] / table[f"measured_{column}"] - 1)
    recovery = {}
    if blocks[-1][0] in [current for current, _, _ in blocks[:-1]]:
        recovery = {source: recovery_pct(table.rename(columns={f"{source}_{column}": "q"}), "q")
                    for source in ("measured", "simulated")}
    return table, recovery
