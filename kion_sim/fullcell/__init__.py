"""The K0.6CoO2 || soft carbon full cell: balancing, first-cycle remedies, predictions, design."""

from kion_sim.fullcell.balancing import Balance, balance, electrode_window_V, full_cell_design
from kion_sim.fullcell.design_sweep import design_sweep
from kion_sim.fullcell.predict import FullCellPrediction, predict_full_cell

__all__ = [
    "Balance",
    "FullCellPrediction",
    "balance",
    "design_sweep",
    "electrode_window_V",
    "full_cell_design",
    "predict_full_cell",
]
