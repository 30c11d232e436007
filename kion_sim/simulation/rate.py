"""Rate capability: the same cell cycled at a list of specific currents."""

from __future__ import annotations

import pandas as pd

from kion_sim.analysis.cycles import cycle_summary, output_direction
from kion_sim.errors import InvalidInputError
from kion_sim.parameters.assemble import CellParameters, cell_parameters
from kion_sim.protocols.experiment import galvanostatic_cycles
from kion_sim.protocols.rate_test import RateTest
from kion_sim.simulation.runner import SimulationResult, simulate


def rate_capability(cell: str | CellParameters, currents_mA_g: list[float], model: str = "SPMe",
                    cycles_per_rate: int = 2, lower_V: float | None = None,
                    upper_V: float | None = None, degradation: bool = True,
                    show_progress: bool = False) -> pd.DataFrame:
    """Capacity at each specific current, from fresh cells (one run per current).

    Each run repeats the cell's standard cycle ``cycles_per_rate`` times and reports the last
    cycle, so the first cycle's irreversible SEI loss is not counted (as the field reports
    2nd-cycle capacities).

    Examples
    --------
    >>> table = rate_capability("soft_carbon_half_cell", [100, 1000], model="SPM")
    >>> bool(table["charge_capacity_mAh_g"].is_monotonic_decreasing)
    True
    """
    if not currents_mA_g:
        raise InvalidInputError("rate capability needs at least one current density in mA/g")
    design = cell_parameters(cell) if isinstance(cell, str) else cell
    rows = []
    for index, current in enumerate(currents_mA_g, start=1):
        if show_progress:
            print(f"rate {index}/{len(currents_mA_g)}: {current:g} mA/g", flush=True)
        protocol = galvanostatic_cycles(design, current, cycles_per_rate, lower_V, upper_V)
        result = simulate(design, protocol, model=model, degradation=degradation,
                          show_progress=False)
        last = cycle_summary(result.steps).iloc[-1]
        rows.append({"current_density_mA_g": float(current), **last.drop("cycle").to_dict()})
    return pd.DataFrame(rows)


def rate_test(cell: str | CellParameters, model: str = "SPMe", test: RateTest | None = None,
              show_progress: bool = False) -> tuple[SimulationResult, pd.DataFrame, float]:
    """The standard rate test on one cell (:class:`RateTest`): its run, its block table
    (:func:`kion_sim.analysis.rate_test.rate_test_table`, charge and discharge capacity) and
    the capacity recovered on the return block [%], read from the cell's capacity direction
    (the depotassiation of a carbon half cell: its charge)."""
    design = cell_parameters(cell) if isinstance(cell, str) else cell
    test = test or RateTest()
    result = simulate(design, test.protocol(design), model=model, show_progress=show_progress)
    return (result, *rate_test_blocks(result.steps, design, test))


def rate_test_blocks(steps: pd.DataFrame, cell: CellParameters,
                     test: RateTest) -> tuple[pd.DataFrame, float]:
    """The block table of a run of ``test`` (``steps`` of its result: charge and discharge
    capacity per block) and the recovery [%] in the cell's capacity direction."""
    from kion_sim.analysis.rate_test import rate_test_table, recovery_pct

    columns = ["discharge_capacity_mAh_g", "charge_capacity_mAh_g"]
    table = rate_test_table(cycle_summary(steps), test.blocks(), columns)
    return table, recovery_pct(table, f"{capacity_direction(cell)}_capacity_mAh_g")


def capacity_direction(cell: CellParameters) -> str:
    """The step whose capacity a cell's rate test reports: the one that empties the working
    electrode of K (charge of an anode half cell; discharge of a cathode half or full cell)."""
    from kion_sim.parameters.catalog import load_cell

    return output_direction(load_cell(cell.name).protocol.get("first_step", "discharge"))
