"""What the semi-hollow microrod buys: rate capability of the same carbon in other shapes.

Every morphology holds the same active mass, loading and volume fraction and the same
material properties (OCP, diffusivity, kinetics, SEI); only the particle geometry changes,
and with it the reaction area per volume and the diffusion length.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from kion_sim.errors import InvalidInputError
from kion_sim.parameters.assemble import build_cell_parameters, cell_parameters
from kion_sim.parameters.geometry import ParticleGeometry
from kion_sim.simulation.rate import rate_capability

DEFAULT_CURRENTS_MA_G = (50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0)
KEPT_AT_MA_G = (1000.0, 2000.0)
DEFAULT_WALLS_M = (0.1e-6, 0.2e-6, 0.6e-6, 0.8e-6)


@dataclass(frozen=True)
class Morphology:
    """A labelled particle geometry; ``no_data`` marks one a user set without measurements."""

    label: str
    geometry: ParticleGeometry
    no_data: bool = False


def standard_morphologies(cell: str = "soft_carbon_half_cell",
                          walls_m: tuple[float, ...] = DEFAULT_WALLS_M) -> list[Morphology]:
    """The declared semi-hollow rod, a closed-core rod, a solid rod of the same outer radius,
    spheres of the rod's volume, and rods whose wall is each of ``walls_m`` (outer radius kept).

    Raises :class:`InvalidInputError` if the cell's carbon is not declared a hollow cylinder or
    a wall is not thinner than the outer radius.
    """
    material = cell_parameters(cell).carbon.material
    rod = cell_parameters(cell).carbon.geometry
    if rod is None or rod.shape != "hollow cylinder":
        raise InvalidInputError(f"{material.name} is not declared a hollow cylinder; the "
                                f"morphology study starts from its rod")
    length_m = material.value("particle length [m]")
    outer, inner = rod.outer_m, rod.inner_m
    sphere_radius = (0.75 * (outer ** 2 - inner ** 2) * length_m) ** (1 / 3)
    found = [Morphology("semi-hollow rod (as declared)", rod),
             Morphology("hollow rod, closed core", ParticleGeometry(
                 "hollow cylinder", outer, inner, open_core=False)),
             Morphology("solid rod, same outer diameter", ParticleGeometry("solid cylinder",
                                                                           outer)),
             Morphology("spheres of the rod's volume", ParticleGeometry("sphere", sphere_radius))]
    for wall in walls_m:
        if not 0 < wall < outer:
            raise InvalidInputError(f"a wall of {wall:g} m does not fit in a rod of outer radius "
                                    f"{outer:g} m; give walls between 0 and it")
        found.append(Morphology(f"open rod, wall {wall * 1e6:.2g} um", ParticleGeometry(
            "hollow cylinder", outer, outer - wall, open_core=True)))
    return found


def morphology_study(cell: str = "soft_carbon_half_cell",
                     morphologies: list[Morphology] | None = None,
                     currents_mA_g: tuple[float, ...] = DEFAULT_CURRENTS_MA_G,
                     model: str = "SPM", cycles_per_rate: int = 2,
                     show_progress: bool = False) -> pd.DataFrame:
    """Rate capability of each morphology (default :func:`standard_morphologies`).

    Returns one row per morphology and current: charge capacity of the last cycle [mAh/g],
    the geometry, its area per volume [um-1] and its diffusion length [um].

    Examples
    --------
    >>> rod = Morphology("thin wall", ParticleGeometry("hollow cylinder", 1e-6, 0.9e-6, True))
    >>> table = morphology_study(morphologies=[rod], currents_mA_g=(100.0,))
    >>> bool(table["charge_capacity_mAh_g"].iloc[0] > 200)
    True
    """
    morphologies = morphologies if morphologies is not None else standard_morphologies(cell)
    if not morphologies:
        raise InvalidInputError("the morphology study needs at least one morphology")
    role = "working" if cell_parameters(cell).is_half_cell else "anode"
    tables = []
    for index, morphology in enumerate(morphologies, start=1):
        if show_progress:
            print(f"morphology {index}/{len(morphologies)}: {morphology.label}", flush=True)
        design = build_cell_parameters(cell, particle_geometry={role: morphology.geometry})
        table = rate_capability(design, list(currents_mA_g), model=model,
                                cycles_per_rate=cycles_per_rate)
        shape = morphology.geometry
        table.insert(0, "morphology", morphology.label)
        table.insert(1, "geometry", shape.describe())
        table.insert(2, "no_data", morphology.no_data)
        table.insert(3, "area_per_volume_um-1", shape.surface_area_per_volume_m * 1e-6)
        table.insert(4, "diffusion_length_um", shape.diffusion_length_m * 1e6)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def capacity_kept(table: pd.DataFrame, at_mA_g: tuple[float, ...] = KEPT_AT_MA_G) -> pd.DataFrame:
    """Per morphology: charge capacity at each of ``at_mA_g`` [mAh/g] and as % of its
    capacity at the lowest current studied."""
    rows = []
    for label, group in table.groupby("morphology", sort=False):
        group = group.sort_values("current_density_mA_g")
        lowest = group["charge_capacity_mAh_g"].iloc[0]
        row = {"morphology": label, "geometry": group["geometry"].iloc[0],
               "no_data": bool(group["no_data"].iloc[0]),
               f"capacity_at_{group['current_density_mA_g'].iloc[0]:g}_mA_g": lowest}
        for current in at_mA_g:
            match = group[group["current_density_mA_g"] == current]
            value = float(match["charge_capacity_mAh_g"].iloc[0]) if len(match) else math.nan
            row[f"capacity_at_{current:g}_mA_g"] = value
            row[f"kept_at_{current:g}_mA_g_pct"] = 100 * value / lowest
        rows.append(row)
    return pd.DataFrame(rows)


def parse_geometry(text: str) -> Morphology:
    """A user's geometry, ``"LABEL=SHAPE:key=value,..."`` with sizes in um, e.g.
    ``"1000 C rods=hollow cylinder:outer=1.5,inner=0.8,core=open"`` or
    ``"800 C platelets=slab:half_thickness=0.15"``; marked as having no data behind it.

    Raises :class:`InvalidInputError` naming what is wrong and what is valid.
    """
    usage = ("give 'LABEL=SHAPE:key=value,...' with SHAPE one of sphere, solid cylinder, "
             "hollow cylinder, slab and sizes in um: radius= (sphere, solid cylinder), outer=, "
             "inner=, core=open|closed (hollow cylinder), half_thickness= (slab)")
    label, _, rest = text.partition("=")
    shape, _, fields = rest.partition(":")
    if not label.strip() or not shape.strip():
        raise InvalidInputError(f"cannot read geometry {text!r}; {usage}")
    options = {}
    for item in filter(None, (part.strip() for part in fields.split(","))):
        key, _, value = item.partition("=")
        options[key.strip()] = value.strip()
    try:
        sizes = {k: float(v) * 1e-6 for k, v in options.items() if k != "core"}
    except ValueError:
        raise InvalidInputError(f"cannot read geometry {text!r}: sizes must be numbers; "
                                f"{usage}") from None
    known = {"sphere": ("radius",), "solid cylinder": ("radius",),
             "hollow cylinder": ("outer", "inner"), "slab": ("half_thickness",)}
    shape = shape.strip()
    if shape not in known or set(sizes) != set(known[shape]):
        raise InvalidInputError(f"cannot read geometry {text!r}; {usage}")
    core = options.get("core", "closed")
    if core not in ("open", "closed"):
        raise InvalidInputError(f"geometry {text!r}: core must be open or closed, got {core!r}")
    dims = [sizes[k] for k in known[shape]]
    geometry = ParticleGeometry(shape, dims[0], dims[1] if len(dims) > 1 else 0.0,
                                open_core=core == "open" and shape == "hollow cylinder")
    return Morphology(f"{label.strip()} (user input, no data)", geometry, no_data=True)
