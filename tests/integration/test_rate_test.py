"""The rate test on one cell: capacity falls with current and comes back at low current, less
only what the SEI took meanwhile."""

import pytest

from kion_sim.protocols.rate_test import RateTest
from kion_sim.simulation import rate_test


def test_a_short_rate_test_recovers_almost_all_of_its_low_rate_capacity():
    test = RateTest(currents_mA_g=(100.0, 1000.0), cycles_each=2, return_mA_g=100.0)
    result, table, recovered = rate_test("soft_carbon_half_cell", model="SPM", test=test)
    charge = table["charge_capacity_mAh_g"].tolist()
    assert len(result.steps) == 2 * 6
    # 1000 mA/g loses capacity to transport and kinetics (Table S1: 312 -> 214 already at 500)
    assert charge[1] < 0.8 * charge[0]
    # Nothing in the cell creates capacity; two cycles at 1000 mA/g cost only the SEI of four
    # cycles (~0.1 % a cycle after the first at this fade rate), so nearly all comes back.
    assert 97.0 < recovered <= 100.0 + 1e-6
    assert recovered == pytest.approx(100 * charge[2] / charge[0])


def test_a_measured_rate_test_file_is_read_block_by_block_and_compared(tmp_path, capsys):
    """A synthetic rate-test file (the cell simulated through 100, 1000, 100 mA/g blocks, 2 mV
    of voltage noise, written as a BioLogic .mpr): its blocks are found from the currents, and
    the same cell simulated again meets each block's capacity (within the ~1 % the noise at
    the cut-offs is worth, as in the user-data round trip)."""
    import numpy as np
    import pandas as pd

    from kion_sim.cli import main
    from kion_sim.io import read_cycler
    from kion_sim.parameters import cell_parameters
    from kion_sim.protocols.rate_test import blocks_protocol
    from kion_sim.simulation import simulate
    from kion_sim.validation.rate_test_data import rate_test_blocks

    from ..unit.dataio.cycler_files import write_mpr

    cell = cell_parameters("soft_carbon_half_cell")
    blocks = [(100.0, 1, 2), (1000.0, 3, 4), (100.0, 5, 6)]
    result = simulate(cell, blocks_protocol(cell, blocks), model="SPM")
    series = result.timeseries
    noisy = series["voltage_V"] + np.random.default_rng(5).normal(0, 0.002, len(series))
    path = write_mpr(tmp_path / "rate.mpr", series["time_s"], noisy,
                     -series["current_A"] * 1000.0)
    mass_mg = result.active_mass_g * 1000.0
    found = rate_test_blocks(read_cycler(path, mass_mg))
    assert [(first, last) for _, first, last in found] == [(1, 2), (3, 4), (5, 6)]
    assert [c for c, _, _ in found] == pytest.approx([100.0, 1000.0, 100.0], rel=1e-3)

    out = tmp_path / "out"
    assert main(["compare", "soft_carbon_half_cell", "--data", str(path), "--mass",
                 f"{mass_mg:.6f}", "--rate-test", "--out", str(out)]) == 0
    table = pd.read_csv(out / "compare_rate_test.csv")
    assert len(table) == 3 and table["error_pct"].abs().max() < 1.5
    printed = capsys.readouterr().out
    assert "recovered on the return to 100 mA/g: measured" in printed
