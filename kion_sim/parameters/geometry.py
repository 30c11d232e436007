"""Particle geometry of an active material: the shape K+ diffuses through.

A material file may declare its particle shape in a ``[geometry]`` table; without one the
particles are spheres (PyBaMM's own particle model). The dimensions are ordinary values with
provenance in ``[values]``:

===================  ================================================  ======================
shape                dimensions in ``[values]``                        K+ enters through
===================  ================================================  ======================
``sphere``           ``particle radius [m]``                           the surface
``solid cylinder``   ``particle radius [m]``                           the mantle (long rod)
``hollow cylinder``  ``particle outer radius [m]``,                    the outer face, and
                     ``particle inner radius [m]``, ``core``           the inner one if
                     (``"open"`` or ``"closed"``)                      ``core = "open"``
``slab``             ``particle half-thickness [m]``                   both faces (platelet)
===================  ================================================  ======================

Cylinders are long against their radius: the end faces are left out of the surface area.
The surface area per particle volume, and with it PyBaMM's reaction area ``a = 3 eps / R``
through the equivalent radius ``R = 3 / (A/V)``, follow from the shape; the solid diffusion
is solved on the shape's own coordinate (see :mod:`kion_sim.models.particle_geometry`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kion_sim.errors import InvalidInputError, ParameterSetError

SHAPES = ("sphere", "solid cylinder", "hollow cylinder", "slab")
CORES = ("open", "closed")
# Value keys each shape reads from a material's [values].
SHAPE_KEYS = {
    "sphere": ("particle radius [m]",),
    "solid cylinder": ("particle radius [m]",),
    "hollow cylinder": ("particle outer radius [m]", "particle inner radius [m]"),
    "slab": ("particle half-thickness [m]",),
}
_COORDINATES = {"sphere": "spherical polar", "solid cylinder": "cylindrical polar",
                "hollow cylinder": "cylindrical polar", "slab": "cartesian"}


class GeometryError(InvalidInputError):
    """A particle geometry that is not one of :data:`SHAPES` or has impossible dimensions."""


@dataclass(frozen=True)
class ParticleGeometry:
    """Shape and size of the particles K+ diffuses through.

    Parameters
    ----------
    shape
        One of :data:`SHAPES`.
    outer_m
        Radius of a sphere or solid cylinder, outer radius of a hollow cylinder,
        half-thickness of a slab [m].
    inner_m
        Inner radius of a hollow cylinder [m] (0 for the other shapes).
    open_core
        Whether K+ also enters a hollow cylinder through its inner face.

    Examples
    --------
    >>> rod = ParticleGeometry("hollow cylinder", 1.0e-6, 0.6e-6, open_core=True)
    >>> round(rod.surface_area_per_volume_m ** -1 * 1e6, 3)  # volume/surface = half the wall
    0.2
    """

    shape: str
    outer_m: float
    inner_m: float = 0.0
    open_core: bool = False

    def __post_init__(self):
        if self.shape not in SHAPES:
            raise GeometryError(f"particle shape {self.shape!r}; valid: {', '.join(SHAPES)}")
        if not (math.isfinite(self.outer_m) and self.outer_m > 0):
            raise GeometryError(f"{self.shape}: outer size must be positive, got {self.outer_m}")
        if self.shape == "hollow cylinder":
            if not 0 < self.inner_m < self.outer_m:
                raise GeometryError(f"hollow cylinder: inner radius must lie between 0 and the "
                                    f"outer radius {self.outer_m:g} m, got {self.inner_m:g} m")
        elif self.inner_m != 0 or self.open_core:
            raise GeometryError(f"{self.shape}: only a hollow cylinder has an inner radius "
                                f"or an open core")

    @property
    def coordinate_system(self) -> str:
        """PyBaMM's coordinate system of the diffusion coordinate."""
        return _COORDINATES[self.shape]

    @property
    def domain_m(self) -> tuple[float, float]:
        """Where the diffusion coordinate runs from and to [m]."""
        return self.inner_m, self.outer_m

    @property
    def surface_area_per_volume_m(self) -> float:
        """Area K+ enters through per particle volume [m-1] (end faces of rods left out)."""
        if self.shape == "sphere":
            return 3.0 / self.outer_m
        if self.shape == "solid cylinder":
            return 2.0 / self.outer_m
        if self.shape == "slab":
            return 1.0 / self.outer_m
        faces = self.outer_m + (self.inner_m if self.open_core else 0.0)
        return 2.0 * faces / (self.outer_m ** 2 - self.inner_m ** 2)

    @property
    def equivalent_sphere_radius_m(self) -> float:
        """Radius of the sphere with the same area per volume: PyBaMM's ``R`` in
        ``a = 3 eps / R``, so the reaction area is the shape's."""
        return 3.0 / self.surface_area_per_volume_m

    @property
    def diffusion_length_m(self) -> float:
        """Longest distance from an entry face to the farthest point [m]."""
        if self.shape == "hollow cylinder":
            wall = self.outer_m - self.inner_m
            return wall / 2 if self.open_core else wall
        return self.outer_m

    def describe(self) -> str:
        """One line, e.g. ``hollow cylinder, r 0.6-1 um, open core``."""
        if self.shape == "hollow cylinder":
            core = "open" if self.open_core else "closed"
            return (f"hollow cylinder, r {self.inner_m * 1e6:.3g}-{self.outer_m * 1e6:.3g} um, "
                    f"{core} core")
        size = "half-thickness" if self.shape == "slab" else "radius"
        return f"{self.shape}, {size} {self.outer_m * 1e6:.3g} um"


def geometry_from_values(shape: str, values: dict[str, float], core: str = "closed"
                         ) -> ParticleGeometry:
    """The geometry ``shape`` with its dimensions taken from ``values`` (value key -> m).

    Raises :class:`GeometryError` for an unknown shape or core, or a missing dimension.
    """
    if shape not in SHAPES:
        raise GeometryError(f"particle shape {shape!r}; valid: {', '.join(SHAPES)}")
    if core not in CORES:
        raise GeometryError(f"core {core!r}; valid: {', '.join(CORES)}")
    missing = [key for key in SHAPE_KEYS[shape] if key not in values]
    if missing:
        raise GeometryError(f"a {shape} needs {', '.join(missing)} in [values]")
    dims = [values[key] for key in SHAPE_KEYS[shape]]
    if shape == "hollow cylinder":
        return ParticleGeometry(shape, dims[0], dims[1], open_core=core == "open")
    return ParticleGeometry(shape, dims[0])


def material_geometry(material) -> ParticleGeometry:
    """The particle geometry ``material`` (a :class:`~kion_sim.parameters.catalog.Component`)
    declares in ``[geometry]``; a sphere of its ``particle radius [m]`` without one."""
    declared = material.geometry or {"shape": "sphere"}
    values = {key: quantity.value for key, quantity in material.quantities.items()}
    try:
        return geometry_from_values(declared["shape"], values, declared.get("core", "closed"))
    except GeometryError as error:
        raise ParameterSetError(f"{material.path}: {error}") from None


def with_geometry(material, geometry: ParticleGeometry, provenance: str, source: str):
    """A copy of ``material`` whose particles have ``geometry`` (for morphology studies and
    user-given variants); the dimensions get ``provenance`` and ``source``."""
    from dataclasses import replace

    from kion_sim.parameters.catalog import Quantity

    dims = {"sphere": (geometry.outer_m,), "solid cylinder": (geometry.outer_m,),
            "hollow cylinder": (geometry.outer_m, geometry.inner_m),
            "slab": (geometry.outer_m,)}[geometry.shape]
    quantities = {k: q for k, q in material.quantities.items()
                  if k not in {key for keys in SHAPE_KEYS.values() for key in keys}}
    quantities.update({key: Quantity(key, value, provenance, source)
                       for key, value in zip(SHAPE_KEYS[geometry.shape], dims, strict=True)})
    declared = {"shape": geometry.shape, "source": source}
    if geometry.shape == "hollow cylinder":
        declared["core"] = "open" if geometry.open_core else "closed"
    return replace(material, quantities=quantities, geometry=declared)
