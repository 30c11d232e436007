"""Sphinx directive ``provenance-tables``: every value of the packaged parameter sets, read at
build time from their TOML files, so the published tables cannot drift from the data.

``.. provenance-tables:: materials`` (or ``cells``) emits one section per material (or cell),
with its label, its file, what it uses and the fade it declares, and one table row per value:
key, value, unit, provenance, source. A cell's table holds its own values only; its materials
have their own sections.
"""

from __future__ import annotations

import math

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from kion_sim.parameters import cell_names, load_cell, load_material, material_names
from kion_sim.parameters.catalog import parameter_sets_dir

COLUMNS = ("key", "value", "unit", "provenance", "source")
COLUMN_WIDTHS = (22, 10, 10, 10, 48)  # relative; the source is the long one
KINDS = {"materials": (material_names, load_material), "cells": (cell_names, load_cell)}


def value_text(value) -> str:
    """A value as a reader wants it: four significant figures, a dash for none."""
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def component_rows(component) -> list[tuple[str, ...]]:
    """One row per value: the component's own, then each electrode's (a cell's design)."""
    groups = [("", component.quantities)]
    groups += [(f"{role}: ", values) for role, values in component.electrodes.items()]
    rows = [(prefix + q.key, value_text(q.value), q.unit, q.provenance, q.source)
            for prefix, quantities in groups for q in quantities.values()]
    rows += [(f"table: {t.name}", f"{t.path.name} ({len(t.x)} points)",
              f"{t.x_label} -> {t.y_label}", t.provenance, t.source)
             for t in component.tables.values()]
    return rows


def table_node(rows: list[tuple[str, ...]]) -> nodes.table:
    table = nodes.table(classes=["provenance-table"])
    group = nodes.tgroup(cols=len(COLUMNS))
    table += group
    group += [nodes.colspec(colwidth=width) for width in COLUMN_WIDTHS]
    group += nodes.thead("", _row(COLUMNS))
    group += nodes.tbody("", *[_row(cells) for cells in rows])
    return table


def _row(cells) -> nodes.row:
    row = nodes.row()
    for text in cells:
        row += nodes.entry("", nodes.paragraph(text=" ".join(str(text).split())))
    return row


class ProvenanceTables(SphinxDirective):
    required_arguments = 1  # "materials" or "cells"

    def run(self) -> list[nodes.Node]:
        kind = self.arguments[0]
        if kind not in KINDS:
            raise self.error(f"provenance-tables: {kind!r} is not one of {', '.join(KINDS)}")
        names, load = KINDS[kind]
        folder = parameter_sets_dir()
        sections = []
        for name in names():
            component = load(name)
            if component.path:  # a changed TOML file rebuilds its page
                self.env.note_dependency(str(component.path))
            section = nodes.section(ids=[nodes.make_id(f"{kind}-{name}")], names=[name])
            section += nodes.title(text=name)
            relative = component.path.relative_to(folder) if component.path else name
            section += nodes.paragraph(text=f"{component.label} (parameter_sets/{relative})")
            declared = [f"{role}: {value}" for role, value in component.references.items()]
            declared += [f"{key}: {value}" for key, value in component.degradation.items()]
            if declared:  # what a cell uses, and the fade its file declares
                section += nodes.paragraph(text="; ".join(declared))
            section += table_node(component_rows(component))
            self.state.document.note_implicit_target(section)
            sections.append(section)
        return sections


def setup(app: Sphinx) -> dict:
    app.add_directive("provenance-tables", ProvenanceTables)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
