"""A built-in cell exported to BPX and read back as a cell (``--cell file.bpx.json``)
simulates the capacity of the built-in cell as BPX sees it.

BPX cannot hold a fade mechanism, the carbon's trap sites or the hollow rods, so the
reference is the built-in cell (its default mechanism's calibration, the values the export
writes) run without fade, without trap sites and with spheres of the same
surface per volume (the file's particles). Both runs go through kion_sim.simulate in mA/g, so
the comparison also covers the mass the BPX cell derives from the file (thickness x active
fraction x the density kion_sim's export writes under User-defined).
Tolerance: 1e-6 relative on every step's capacity in mAh/g: the conversion is exact algebra
(measured: 2e-13 for the full cell, 8e-14 for the half cells).
"""

import dataclasses

import pytest

from kion_sim.io.bpx_io import write_bpx
from kion_sim.parameters import build_cell_parameters, cell_parameters
from kion_sim.parameters.geometry import ParticleGeometry
from kion_sim.simulation import simulate

RTOL = 1e-6


def _as_bpx_sees_it(name):
    spheres = {role: ParticleGeometry("sphere", design.geometry.equivalent_sphere_radius_m)
               for role, design in cell_parameters(name).electrodes.items()}
    cell = build_cell_parameters(name, particle_geometry=spheres)  # its own calibration
    return dataclasses.replace(cell, trapping=False)


def _capacities(cell, protocol):
    """Step capacities [mAh/g] without fade (a BPX cell has none to switch off)."""
    return list(simulate(cell, protocol, model="SPMe", degradation=False)
                .steps["capacity_mAh_g"])


@pytest.mark.parametrize(("name", "protocol"), [
    ("soft_carbon_half_cell", "Discharge at 100 mA/g until 0.01 V; Charge at 100 mA/g until 1.5 V"),
    ("full_cell", "Charge at 50 mA/g until 3.8 V; Discharge at 50 mA/g until 1.0 V"),
])
def test_a_bpx_export_read_back_as_a_cell_simulates_the_same_capacity(tmp_path, name, protocol):
    path = tmp_path / f"{name}.bpx.json"
    write_bpx(name, path)
    from_bpx = _capacities(cell_parameters(str(path)), protocol)
    reference = _capacities(_as_bpx_sees_it(name), protocol)
    assert min(reference) > 10  # both steps ran
    assert from_bpx == pytest.approx(reference, rel=RTOL)


def test_the_negative_electrode_of_a_full_cell_file_as_a_half_cell(tmp_path):
    """``file.bpx.json#negative``: the full cell's carbon against the catalogue's K metal, the
    same carbon, recipe, separator and electrolyte as the built-in soft-carbon half cell."""
    path = tmp_path / "full_cell.bpx.json"
    write_bpx("full_cell", path)
    protocol = "Discharge at 100 mA/g until 0.01 V; Charge at 100 mA/g until 1.5 V"
    half = cell_parameters(f"{path}#negative")
    assert half.values["Negative electrode thickness [m]"] == pytest.approx(3.0e-4)  # K foil
    from_bpx = _capacities(half, protocol)
    reference = _capacities(_as_bpx_sees_it("soft_carbon_half_cell"), protocol)
    assert from_bpx == pytest.approx(reference, rel=RTOL)
