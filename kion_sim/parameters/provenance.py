"""The provenance table of a cell or material: every value, its unit and its source."""

from __future__ import annotations

import pandas as pd

from kion_sim.errors import ParameterSetError, UnknownNameError
from kion_sim.parameters.catalog import (
    Component,
    Quantity,
    cell_names,
    is_bpx_reference,
    is_file_reference,
    load_cell,
    load_material,
    material_names,
)


def _row(component: Component, group: str, q: Quantity) -> dict:
    low, high = q.range or (None, None)
    return dict(component=component.name, group=group, key=q.key, value=q.value, unit=q.unit,
                provenance=q.provenance, source=q.source, range_low=low, range_high=high,
                range_source=q.range_source or None, uncertainty_factor=q.uncertainty_factor)


def _rows(component: Component, group: str) -> list[dict]:
    rows = [_row(component, group, q) for q in component.quantities.values()]
    for role, recipe in component.electrodes.items():
        rows += [_row(component, role, q) for q in recipe.values()]
    rows += [dict(component=component.name, group=group, key=f"table: {t.name}",
                  value=f"{t.path.name} ({len(t.x)} points)", unit=f"{t.x_label} -> {t.y_label}",
                  provenance=t.provenance, source=t.source) for t in component.tables.values()]
    return rows


def provenance_table(name: str) -> pd.DataFrame:
    """Every value of the cell or material ``name`` with unit, provenance and source, an
    estimate's plausible range and a fitted value's 1-sigma factor.

    For a cell, the rows of the materials it uses follow its own.

    Examples
    --------
    >>> table = provenance_table("soft_carbon_900C")
    >>> set(table["provenance"]) <= {"literature", "reported", "fitted", "estimate"}
    True
    """
    if is_bpx_reference(name):  # a BPX file is always a cell (kion_sim.parameters.bpx_cell)
        is_cell = True
    elif is_file_reference(name):  # a user's file: a cell if its [uses] says so
        import tomllib

        from kion_sim.parameters.user_files import resolved_file

        path = resolved_file(name, "cell or material")
        try:
            is_cell = "uses" in tomllib.loads(path.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ParameterSetError(f"{path}: not valid TOML: {error}") from None
    else:
        is_cell = name in cell_names()
    if is_cell:
        cell = load_cell(name)
        rows = _rows(cell, "cell")
        for role, material_name in cell.references.items():
            rows += _rows(load_material(material_name), role)
    elif is_file_reference(name) or name in material_names():
        rows = _rows(load_material(name), "material")
    else:
        raise UnknownNameError("cell or material", name, cell_names() + material_names())
    return pd.DataFrame(rows)
