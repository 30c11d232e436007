"""Fickian diffusion in rods, hollow rods and platelets, on PyBaMM's own finite volumes.

PyBaMM's particle domains run over ``r in [0, R]`` in spherical polar coordinates. A
non-spherical particle changes three things and nothing else, so the rest of PyBaMM's model
(kinetics, SEI, loss of active material, electrolyte) is reused unchanged:

* the particle domain's coordinate: cylindrical polar (``r in [R_in, R_out]`` for a hollow
  rod) or cartesian (``x in [0, L]`` for a platelet of half-thickness ``L``); PyBaMM's
  finite-volume divergence and volume integrals follow the coordinate of the mesh, so
  averages, K inventories and the surface flux are the shape's;
* PyBaMM's particle radius parameter is the equivalent radius ``3 / (A/V)``, so its
  reaction area ``a = 3 eps_s / R`` is the shape's area per volume;
* an open-core hollow rod takes K+ through its inner face too, at the same interfacial current
  density as the outer face (the kinetics read the outer face's concentration; for walls thin
  against the radius the two faces are mirror images, and a slab is exact).

Spheres keep PyBaMM's own particle model. Only the main phase of an electrode gets a shape;
a second phase (the carbon's K-trapping sites) stays spherical.
"""

from __future__ import annotations

import pybamm

from kion_sim.errors import InvalidInputError
from kion_sim.parameters.geometry import ParticleGeometry


class ParticleGeometryError(InvalidInputError):
    """A particle geometry the chosen PyBaMM model options cannot take."""


def inner_radius_name(domain: str) -> str:
    """Parameter name of where the diffusion coordinate of ``domain``'s particles starts."""
    return f"{domain.capitalize()} particle inner radius [m]"


def outer_radius_name(domain: str) -> str:
    """Parameter name of where the diffusion coordinate of ``domain``'s particles ends."""
    return f"{domain.capitalize()} particle outer radius [m]"


class GeometricFickianDiffusion(pybamm.particle.FickianDiffusion):
    """PyBaMM's Fickian particle with a flux through the inner face of an open hollow rod.

    The coordinate system itself comes from the mesh (:class:`GeometricParticlesMixin`);
    with a closed core or a solid shape this is PyBaMM's submodel unchanged.
    """

    def __init__(self, param, domain, options, geometry: ParticleGeometry, phase="primary",
                 x_average=False):
        super().__init__(param, domain, options, phase=phase, x_average=x_average)
        self.particle_geometry = geometry

    def _concentration(self, variables):
        Domain, phase_name = self.domain.capitalize(), self.phase_name
        if self.x_average:
            return variables[f"X-averaged {self.domain} {phase_name}particle "
                             f"concentration [mol.m-3]"]
        return variables[f"{Domain} {phase_name}particle concentration [mol.m-3]"]

    def get_coupled_variables(self, variables):
        variables = super().get_coupled_variables(variables)
        if not self.particle_geometry.open_core:
            return variables
        domain, Domain, phase_name = self.domain, self.domain.capitalize(), self.phase_name
        prefix = "X-averaged " if self.x_average else ""
        where = domain if self.x_average else Domain
        c_s = self._concentration(variables)
        T = pybamm.PrimaryBroadcast(
            variables[f"{prefix}{where} electrode temperature [K]"],
            [f"{domain} {phase_name}particle"])
        D_eff = self._get_effective_diffusivity(c_s, T, variables["Total current density [A.m-2]"])
        j = variables[f"{prefix}{where} electrode {phase_name}interfacial current density [A.m-2]"]
        # K+ leaving through the inner face moves towards -r: dc/dr = +j / (F D) there
        variables[f"{Domain} {phase_name}particle inner bc [mol.m-4]"] = (
            j / self.param.F / pybamm.boundary_value(D_eff, "left"))
        return variables

    def set_boundary_conditions(self, variables):
        super().set_boundary_conditions(variables)
        if self.particle_geometry.open_core:
            Domain, phase_name = self.domain.capitalize(), self.phase_name
            c_s = self._concentration(variables)
            inner = variables[f"{Domain} {phase_name}particle inner bc [mol.m-4]"]
            self.boundary_conditions[c_s]["left"] = (inner, "Neumann")


class GeometricParticlesMixin:
    """Gives the main phase of chosen electrodes a non-spherical particle.

    ``particle_geometries`` maps ``"negative"``/``"positive"`` to a :class:`ParticleGeometry`;
    the parameter values must then hold :func:`inner_radius_name` and :func:`outer_radius_name`
    of that electrode (kion_sim's assembled cells do).
    """

    def __init__(self, options=None, particle_geometries=None, build=True):
        self.particle_geometries = dict(particle_geometries or {})  # a sphere: PyBaMM's own
        options = dict(options or {})
        base = self._pybamm_base
        if base is pybamm.lithium_ion.SPM:  # PyBaMM sets this only for SPM itself
            options.setdefault("x-average side reactions", "true")
        super().__init__(options=options, build=build)

    def set_particle_submodel(self):
        super().set_particle_submodel()
        for domain, geometry in self.particle_geometries.items():
            options = getattr(self.options, domain)
            if options["particle"] != "Fickian diffusion" or options["particle size"] != "single":
                raise ParticleGeometryError(
                    f"a {geometry.shape} {domain} particle needs Fickian diffusion in particles "
                    f"of a single size; the model has {options['particle']!r}, "
                    f"{options['particle size']!r} size")
            key = f"{domain} primary particle"
            self.submodels[key] = GeometricFickianDiffusion(
                self.param, domain, self.options, geometry, phase="primary",
                x_average=self.submodels[key].x_average)

    @property
    def default_geometry(self):
        geometry = super().default_geometry
        for domain, shape in self.particle_geometries.items():
            limits = {"min": pybamm.Parameter(inner_radius_name(domain)),
                      "max": pybamm.Parameter(outer_radius_name(domain))}
            phased = f"{domain} primary particle" in geometry
            for particle in [f"{domain} particle"] + ([f"{domain} primary particle"]
                                                      if phased else []):
                (name, _), = geometry[particle].items()
                standard = getattr(pybamm.standard_spatial_vars, name)
                coordinate = pybamm.SpatialVariable(
                    name, domains=standard.domains,
                    coord_sys=shape.coordinate_system)
                geometry[particle] = {coordinate: dict(limits)}
        return geometry


class GeometricSPM(GeometricParticlesMixin, pybamm.lithium_ion.SPM):
    """PyBaMM's SPM with shaped particles (see :class:`GeometricParticlesMixin`)."""

    _pybamm_base = pybamm.lithium_ion.SPM


class GeometricSPMe(GeometricParticlesMixin, pybamm.lithium_ion.SPMe):
    """PyBaMM's SPMe with shaped particles (see :class:`GeometricParticlesMixin`)."""

    _pybamm_base = pybamm.lithium_ion.SPMe


class GeometricDFN(GeometricParticlesMixin, pybamm.lithium_ion.DFN):
    """PyBaMM's DFN with shaped particles (see :class:`GeometricParticlesMixin`)."""

    _pybamm_base = pybamm.lithium_ion.DFN


GEOMETRIC_MODELS = {pybamm.lithium_ion.SPM: GeometricSPM, pybamm.lithium_ion.SPMe: GeometricSPMe,
                    pybamm.lithium_ion.DFN: GeometricDFN}


def particle_values(domain: str, geometry: ParticleGeometry) -> dict[str, float]:
    """PyBaMM values a shaped ``domain`` particle needs: its radius parameter is the
    equivalent sphere's (so ``a = 3 eps / R`` is right) and its coordinate's limits."""
    inner, outer = geometry.domain_m
    return {f"{domain.capitalize()} particle radius [m]": geometry.equivalent_sphere_radius_m,
            inner_radius_name(domain): inner, outer_radius_name(domain): outer}
