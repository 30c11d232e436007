"""Data in and out: cycler files, BPX parameter files, xarray datasets and netCDF.

Examples
--------
>>> from kion_sim.io import to_bpx
>>> "SEI" in to_bpx("soft_carbon_half_cell").not_carried[0]
True
"""

from kion_sim.io.bpx_io import BPXExport, read_bpx, to_bpx, write_bpx
from kion_sim.io.cycler import FORMATS, CyclerData, read_cycler, read_gitt_record
from kion_sim.io.xarray_out import fade_dataset, sweep_dataset, write_netcdf

__all__ = ["FORMATS", "BPXExport", "CyclerData", "fade_dataset", "read_bpx", "read_cycler",
           "read_gitt_record", "sweep_dataset", "to_bpx", "write_bpx", "write_netcdf"]
