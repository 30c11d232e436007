"""The dQ/dV figure draws each curve beside its voltage curve and marks every listed peak."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from kion_sim.analysis.dqdv import compare_dqdv
from kion_sim.plotting import plot_dqdv, save_figure


def _table(centre_V):
    v = np.linspace(1.0, 0.0, 400)
    q = 200 / (1 + np.exp((v - centre_V) / 0.03))
    return pd.DataFrame({"cycle": 2, "step_kind": "discharge", "capacity_mAh_g": q - q[0],
                         "voltage_V": v})


def test_figure_marks_each_peak_and_saves(tmp_path):
    comparison = compare_dqdv(_table(0.40), _table(0.45), directions=("discharge",))
    fig = plot_dqdv(comparison.results, "test")
    curves, dqdv = fig.axes
    labels = [text.get_text() for text in dqdv.texts]
    assert labels == ["0.40 V", "0.45 V"]  # one peak each, at its potential
    assert curves.get_xlabel() == "Specific capacity [mAh/g]"
    assert save_figure(fig, tmp_path / "dqdv.png").stat().st_size > 0
    assert not plt.get_fignums()
