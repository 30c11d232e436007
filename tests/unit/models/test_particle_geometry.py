"""Shaped particles against Crank's constant-flux solutions and PyBaMM's own sphere.

References are worked out here with numpy/scipy (Crank, The Mathematics of Diffusion, 2nd ed.:
eqs. 4.? slab, 5.? cylinder, 6.? sphere, constant flux at the surface; the hollow cylinder's
long-time profile from its quasi-steady ODE), never from kion_sim's output. In an SPM with
constant current and no degradation every particle sees the same constant flux
j = I / (A_cc L a), a = eps_s (A/V) of the shape.
"""

from __future__ import annotations

import numpy as np
import pybamm
import pytest
from scipy.optimize import brentq
from scipy.special import j1

from kion_sim.errors import ParameterSetError
from kion_sim.models.builder import build_model, parameter_values
from kion_sim.models.particle_geometry import GeometricSPM
from kion_sim.parameters.assemble import build_cell_parameters
from kion_sim.parameters.geometry import GeometryError, ParticleGeometry

F = 96485.33212
CELL = "soft_carbon_half_cell"
CURRENT_A = 2e-4  # ~0.18 A/g on the cell's ~1.1 mg: stays well inside the stoichiometry range
T_END_S = 900.0


def _roots(function, count):
    grid = np.linspace(1e-6, (count + 1) * np.pi, 4000 * (count + 1))
    values = function(grid)
    brackets = np.nonzero(np.sign(values[:-1]) != np.sign(values[1:]))[0]
    roots = [brentq(function, grid[i], grid[i + 1]) for i in brackets]
    return np.array([r for r in roots if abs(function(r)) < 1e-6][:count])


def crank_surface_rise(shape, size_m, flux_mol_m2_s, diffusivity, t_s, terms=200):
    """c_surface - c_0 under a constant flux into a slab (half-thickness), cylinder or sphere."""
    tau = diffusivity * np.asarray(t_s) / size_m ** 2
    scale = flux_mol_m2_s * size_m / diffusivity
    if shape == "slab":
        n = np.arange(1, terms + 1)[:, None]
        series = (2 / np.pi ** 2) * np.sum(np.exp(-(n * np.pi) ** 2 * tau) / n ** 2, axis=0)
        return scale * (tau + 1 / 3 - series)
    if shape == "solid cylinder":  # roots of J1
        beta = _roots(j1, terms)[:, None]
        return scale * (2 * tau + 1 / 4 - 2 * np.sum(np.exp(-beta ** 2 * tau) / beta ** 2, 0))
    alpha = _roots(lambda a: a * np.cos(a) - np.sin(a), terms)[:, None]  # tan a = a
    return scale * (3 * tau + 1 / 5 - 2 * np.sum(np.exp(-alpha ** 2 * tau) / alpha ** 2, 0))


def hollow_long_time_offset(inner, outer, open_core, flux, diffusivity):
    """c_surface(outer) - c_mean once the start has decayed: D (r c')'/r = S,
    D c'(outer) = flux, D c'(inner) = -flux (open) or 0."""
    area = 2 * (outer + (inner if open_core else 0.0)) / (outer ** 2 - inner ** 2)
    source = flux * area
    a_coef = (flux * outer - source * outer ** 2 / 2) / diffusivity  # c' = S r/(2D) + A/r
    r = np.linspace(inner, outer, 20001)
    c = source * r ** 2 / (4 * diffusivity) + a_coef * np.log(r)
    mean = np.trapezoid(c * r, r) / np.trapezoid(r, r)
    return c[-1] - mean, source


# The tests' own diffusivity: the analytical long-time regime needs t >> wall^2 / D, which must
# not hang on whatever value the carbon's latest calibration holds.
DIFFUSIVITY = {"soft_carbon_900C": {"diffusivity [m2.s-1]": 1.5e-16}}


def _run(geometry, points, model_name="SPM", t_end=T_END_S):
    cell = build_cell_parameters(CELL, DIFFUSIVITY, particle_geometry={"working": geometry})
    model = build_model(model_name, cell, degradation=False)
    values = parameter_values(cell, model, {"Current function [A]": CURRENT_A})
    var_pts = {**model.default_var_pts, "r_p": points}
    sim = pybamm.Simulation(model, parameter_values=values, var_pts=var_pts,
                            solver=pybamm.IDAKLUSolver(rtol=1e-8, atol=1e-8))
    t = np.linspace(0, t_end, 31)
    solution = sim.solve(t, t_interp=t)
    return cell, values, solution, t


def _flux_and_diffusivity(cell, values, geometry):
    slot = "Positive"
    area = values["Electrode height [m]"] * values["Electrode width [m]"]
    eps = values[f"{slot} electrode active material volume fraction"]
    a = eps * geometry.surface_area_per_volume_m  # worked out here, not read from PyBaMM
    flux = CURRENT_A / (F * area * values[f"{slot} electrode thickness [m]"] * a)
    # at the reference temperature the Arrhenius factor is 1
    assert values["Ambient temperature [K]"] == values["Reference temperature [K]"]
    return flux, cell.carbon.material.value("diffusivity [m2.s-1]")


def _surface(solution):
    return solution["X-averaged positive particle surface concentration [mol.m-3]"].entries


SHAPES = [ParticleGeometry("slab", 0.2e-6), ParticleGeometry("solid cylinder", 0.4e-6),
          ParticleGeometry("sphere", 0.6e-6)]


@pytest.mark.parametrize("geometry", SHAPES, ids=lambda g: g.shape)
def test_surface_concentration_matches_crank_and_converges(geometry):
    errors = []
    for points in (10, 40):
        cell, values, solution, t = _run(geometry, points)
        flux, diffusivity = _flux_and_diffusivity(cell, values, geometry)
        rise = _surface(solution) - _surface(solution)[0]
        exact = crank_surface_rise(geometry.shape, geometry.outer_m, flux, diffusivity, t)
        errors.append(np.max(np.abs(rise[3:] - exact[3:]) / exact[3:]))
    assert errors[1] < 0.01  # within 1 % of the rise on the refined mesh
    assert errors[1] < errors[0]  # and refining the mesh brings it closer


@pytest.mark.parametrize("open_core", [True, False], ids=["open", "closed"])
def test_hollow_cylinder_long_time_profile_and_k_balance(open_core):
    geometry = ParticleGeometry("hollow cylinder", 1.0e-6, 0.6e-6, open_core=open_core)
    cell, values, solution, t = _run(geometry, 40)
    flux, diffusivity = _flux_and_diffusivity(cell, values, geometry)
    offset, source = hollow_long_time_offset(0.6e-6, 1.0e-6, open_core, flux, diffusivity)
    c0 = values["Initial concentration in positive electrode [mol.m-3]"]
    late = t > 0.6 * T_END_S  # wall time scale (0.4 um)^2 / D is ~1600 s / pi^2
    expected = c0 + source * t[late] + offset
    rise = _surface(solution)[late] - c0
    assert np.max(np.abs(_surface(solution)[late] - expected) / rise) < 0.01
    # K conserved: the cylinder-weighted integral of c (weights worked out here) grows by I t / F
    c = solution["X-averaged positive particle concentration [mol.m-3]"].entries
    edges = np.linspace(0.6e-6, 1.0e-6, 41)
    weights = np.diff(edges ** 2) / (edges[-1] ** 2 - edges[0] ** 2)
    mean = weights @ c
    volume = (values["Electrode height [m]"] * values["Electrode width [m]"]
              * values["Positive electrode thickness [m]"]
              * values["Positive electrode active material volume fraction"])
    np.testing.assert_allclose((mean - c0) * volume, CURRENT_A * t / F, rtol=1e-6, atol=1e-14)


def test_thin_hollow_wall_behaves_as_a_slab():
    wall = ParticleGeometry("hollow cylinder", 50.4e-6, 50.0e-6, open_core=True)
    slab = ParticleGeometry("slab", 0.2e-6)
    rod, flat = _surface(_run(wall, 40)[2]), _surface(_run(slab, 40)[2])
    np.testing.assert_allclose(rod - rod[0], flat - flat[0], rtol=0.01, atol=1e-9)


def test_sphere_through_the_submodel_reproduces_pybamms_particle():
    sphere = ParticleGeometry("sphere", 0.6e-6)
    cell = build_cell_parameters(CELL, particle_geometry={"working": sphere})
    own = build_model("SPM", cell, degradation=False)
    assert type(own) is pybamm.lithium_ion.SPM  # spheres keep PyBaMM's own model
    shaped = GeometricSPM(dict(own.options), particle_geometries={"positive": sphere})
    t = np.linspace(0, T_END_S, 31)
    outputs = []
    for model in (own, shaped):
        values = parameter_values(cell, model, {"Current function [A]": CURRENT_A})
        values.update({"Positive particle inner radius [m]": 0.0,
                       "Positive particle outer radius [m]": 0.6e-6}, check_already_exists=False)
        solver = pybamm.IDAKLUSolver(rtol=1e-9, atol=1e-9)
        solution = pybamm.Simulation(model, parameter_values=values, solver=solver).solve(
            t, t_interp=t)
        outputs.append((_surface(solution), solution["Voltage [V]"].entries))
    np.testing.assert_allclose(outputs[0][0], outputs[1][0], rtol=1e-6)
    np.testing.assert_allclose(outputs[0][1], outputs[1][1], rtol=1e-6)


@pytest.mark.parametrize("model_name", ["SPMe", "DFN"])
def test_other_models_conserve_k_in_a_hollow_rod(model_name):
    geometry = ParticleGeometry("hollow cylinder", 1.0e-6, 0.6e-6, open_core=True)
    cell, values, solution, t = _run(geometry, 20, model_name, t_end=600.0)
    total = solution["Total lithium in positive electrode [mol]"].entries
    np.testing.assert_allclose(total - total[0], CURRENT_A * t / F, rtol=1e-4, atol=1e-13)


def test_surface_area_per_volume_of_each_shape():
    assert ParticleGeometry("solid cylinder", 2e-6).surface_area_per_volume_m == \
        pytest.approx(2 / 2e-6)
    assert ParticleGeometry("slab", 1e-6).surface_area_per_volume_m == pytest.approx(1e6)
    # open hollow rod: both faces over the annulus, 2 pi (Ro + Ri) / (pi (Ro^2 - Ri^2))
    rod = ParticleGeometry("hollow cylinder", 1e-6, 0.6e-6, open_core=True)
    assert rod.surface_area_per_volume_m == pytest.approx(2 / 0.4e-6)
    closed = ParticleGeometry("hollow cylinder", 1e-6, 0.6e-6)
    assert closed.surface_area_per_volume_m == pytest.approx(2e-6 / (1e-12 - 0.36e-12))


def test_impossible_geometries_are_named():
    with pytest.raises(GeometryError, match="inner radius"):
        ParticleGeometry("hollow cylinder", 1e-6, 2e-6)
    with pytest.raises(GeometryError, match="valid: sphere"):
        ParticleGeometry("cube", 1e-6)
    with pytest.raises(ParameterSetError, match="no electrode"):
        build_cell_parameters(CELL, particle_geometry={"anode": ParticleGeometry("slab", 1e-6)})


def test_user_geometries_parse_and_are_marked_as_having_no_data():
    from kion_sim.errors import InvalidInputError
    from kion_sim.simulation.morphology import parse_geometry

    rod = parse_geometry("1000 C rods=hollow cylinder:outer=1.5,inner=0.8,core=open")
    assert rod.no_data and "no data" in rod.label
    assert rod.geometry == ParticleGeometry("hollow cylinder", 1.5e-6, 0.8e-6, open_core=True)
    with pytest.raises(InvalidInputError, match="SHAPE one of"):
        parse_geometry("x=slab:radius=1")


def test_a_thinner_wall_keeps_more_capacity_at_2_a_per_g():
    from kion_sim.simulation.morphology import Morphology, morphology_study

    walls = [Morphology(f"wall {w}", ParticleGeometry("hollow cylinder", 1e-6, 1e-6 - w, True))
             for w in (0.2e-6, 0.8e-6)]
    table = morphology_study(morphologies=walls, currents_mA_g=(2000.0,))
    thin, thick = table["charge_capacity_mAh_g"]
    assert thin > thick
