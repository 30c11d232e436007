"""Every registered set written to BPX and read back gives the same simulated curve.

BPX cannot hold SEI growth, the carbon's K-trapping sites or a particle shape other than a
sphere, so the reference run has spheres of the same surface per volume and no degradation or
trap sites (what BPX carries is compared).
Tolerance: the voltage curves agree within 0.2 mV RMS and 3 mV at most (the largest gap is the
first instant on the pristine carbon's steep OCP), and the step capacities within 0.01 %.
"""

import dataclasses

import numpy as np
import pybamm
import pytest

from kion_sim.io.bpx_io import read_bpx, write_bpx
from kion_sim.models.builder import build_model
from kion_sim.parameters import build_cell_parameters, cell_parameters
from kion_sim.parameters.geometry import ParticleGeometry
from kion_sim.parameters.registry import ENTRY_POINT_CELLS
from kion_sim.protocols.experiment import galvanostatic_cycles, to_experiment
from kion_sim.protocols.language import parse_protocol


def _run(cell, values, model="SPMe"):
    protocol = parse_protocol(galvanostatic_cycles(cell, 100.0, 1))
    simulation = pybamm.Simulation(build_model(model, cell, degradation=False),
                                   parameter_values=values,
                                   experiment=to_experiment(protocol, cell),
                                   solver=pybamm.IDAKLUSolver())
    solution = simulation.solve(calc_esoh=False)
    steps = [step["Discharge capacity [A.h]"].entries[-1] - step["Discharge capacity [A.h]"]
             .entries[0] for step in solution.cycles[0].steps]
    return solution["Time [s]"].entries, solution["Voltage [V]"].entries, np.abs(steps)


def _as_bpx_sees_it(name):
    """The cell with spheres of its particles' surface per volume: all a BPX file can hold."""
    spheres = {role: ParticleGeometry("sphere", design.geometry.equivalent_sphere_radius_m)
               for role, design in cell_parameters(name).electrodes.items()}
    return build_cell_parameters(name, particle_geometry=spheres)


@pytest.mark.parametrize("name", sorted(ENTRY_POINT_CELLS.values()))
def test_a_set_read_back_from_bpx_simulates_the_same_curve(tmp_path, name):
    cell = dataclasses.replace(_as_bpx_sees_it(name), trapping=False)
    write_bpx(name, tmp_path / f"{name}.json")
    t_ref, v_ref, q_ref = _run(cell, cell.parameter_values())
    t_bpx, v_bpx, q_bpx = _run(cell, read_bpx(tmp_path / f"{name}.json"))
    grid = np.linspace(0, min(t_ref[-1], t_bpx[-1]), 500)
    gap = np.interp(grid, t_ref, v_ref) - np.interp(grid, t_bpx, v_bpx)
    assert np.sqrt(np.mean(gap ** 2)) < 2e-4
    assert np.max(np.abs(gap)) < 3e-3
    np.testing.assert_allclose(q_bpx, q_ref, rtol=1e-4)
    assert min(q_ref) > 0  # both steps ran, so the comparison covers discharge and charge
