"""Full cell: no fade without SEI growth; the first-cycle remedies do what they promise."""

import pytest

import kion_sim
from kion_sim.fullcell import balance, full_cell_design
from kion_sim.parameters import cell_parameters


def test_without_sei_growth_the_full_cell_does_not_fade():
    cell = cell_parameters("full_cell")
    summary = kion_sim.cycle_summary(kion_sim.simulate(
        cell, kion_sim.galvanostatic_cycles(cell, 50, 15), model="SPM",
        degradation=False).steps)
    retention = kion_sim.capacity_retention(summary, direction="discharge")
    assert retention.iloc[-1] == pytest.approx(100.0, abs=0.3)


def test_remedies_raise_the_capacity_the_sei_would_cost():
    plain = full_cell_design()
    prepotassiated = full_cell_design(prepotassiation_mAh_g=60)
    excess = full_cell_design(cathode_excess_pct=30)
    assert balance(excess).n_to_p == pytest.approx(balance(plain).n_to_p / 1.3, rel=1e-9)
    def second_discharge(cell):
        summary = kion_sim.cycle_summary(kion_sim.simulate(
            cell, kion_sim.galvanostatic_cycles(cell, 20, 2), model="SPM").steps)
        return summary["discharge_capacity_mAh_g"].iloc[1]
    assert second_discharge(prepotassiated) > second_discharge(plain)
