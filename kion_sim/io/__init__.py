"""Data in and out: cycler files, BPX parameter files, xarray datasets and netCDF."""

from kion_sim.io.cycler import FORMATS, CyclerData, read_cycler

__all__ = ["FORMATS", "CyclerData", "read_cycler"]
