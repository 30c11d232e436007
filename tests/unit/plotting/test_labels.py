"""Figures show labels a person reads: the words of a column name and its unit in brackets."""

import pytest

from kion_sim.plotting.labels import axis_label


@pytest.mark.parametrize(("name", "label"), [
    ("prepotassiation_mAh_g", "Pre-potassiation of the carbon [mAh per g of carbon]"),
    ("energy_Wh_kg_both_no_plating", "Energy, designs that do not plate K [Wh per kg of both]"),
    ("retention_pct", "Retention [%]"),
    ("capacity_mAh_g_cathode", "Capacity [mAh per g of cathode]"),
    ("average_discharge_voltage_V", "Average discharge voltage [V]"),
    ("SEI resistivity [Ohm.m]", "SEI resistivity [Ohm.m]"),  # a PyBaMM key keeps its own
    ("cycles", "Cycles"),
])
def test_a_column_name_reads_as_words_with_its_unit(name, label):
    assert axis_label(name) == label


def test_the_design_map_shows_no_column_names(tmp_path):
    import pandas as pd

    from kion_sim.plotting import plot_heatmap

    table = pd.DataFrame({"cathode_excess_pct": [0, 0, 20, 20],
                          "prepotassiation_mAh_g": [0, 60, 0, 60],
                          "energy_Wh_kg_both": [50.0, 80.0, 55.0, 90.0]})
    figure = plot_heatmap(table, "cathode_excess_pct", "prepotassiation_mAh_g",
                          "energy_Wh_kg_both")
    axis, colour_bar = figure.axes
    texts = [axis.get_xlabel(), axis.get_ylabel(), colour_bar.get_ylabel()]
    assert not any("_" in text for text in texts), texts
