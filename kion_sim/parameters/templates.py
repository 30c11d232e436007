"""Templates of a user's own material or cell: a built-in file whose every value is to replace.

The template is the source file's text with its comments kept; each value becomes an estimate
(so the catalogue's checks make the user give a range) and gains a comment line above it with
its unit, its range and what it was, so nothing of the source's provenance is lost.

Examples
--------
>>> text = material_template("my_carbon", "soft_carbon_900C")
>>> "# replace: g.cm-3, range 1.9 to 2.1, was estimate" in text
True
"""

from __future__ import annotations

import json
import re
import tomllib

from kion_sim.errors import InvalidInputError
from kion_sim.parameters.catalog import Component, Quantity, load_cell, load_material

_VALID_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_SECTION = re.compile(r"^\[([^\]]+)\]\s*(#.*)?$")
_VALUE_LINE = re.compile(r"^\s*(\"[^\"]+\"|[A-Za-z0-9_-]+)\s*=\s*\{\s*value\s*=")
_PLACEHOLDER_FACTOR = 2.0  # a value given without a range gets one of a factor 2 either side


def material_template(name: str, source: str) -> str:
    """TOML text of a new material ``name`` copied from the built-in material ``source``."""
    return _template(name, load_material(source), "material")


def cell_template(name: str, source: str) -> str:
    """TOML text of a new cell ``name`` copied from the built-in cell ``source``."""
    return _template(name, load_cell(source), "cell")


def _check_name(name: str, what: str) -> None:
    if not _VALID_NAME.match(name):
        raise InvalidInputError(f"{what} name {name!r} must start with a letter and hold only "
                                f"letters, digits, _ and - (it becomes {name}.toml)")


def _renamed_lines(component: Component, name: str, rewrite_value) -> list[str]:
    """The lines of ``component``'s file with its name set to ``name``; each value line of
    ``[values]`` or ``[electrodes.*]`` becomes ``rewrite_value(section, line)`` (a list of
    lines)."""
    lines, section = [], ""
    for line in component.path.read_text().splitlines():
        header = _SECTION.match(line)
        if header:
            section = header.group(1).strip()
        elif section == "component" and re.match(r"^\s*name\s*=", line):
            line = f"name = {json.dumps(name)}"
        elif _VALUE_LINE.match(line) and (section == "values"
                                          or section.startswith("electrodes.")):
            lines += rewrite_value(section, line)
            continue
        lines.append(line)
    return lines


def _template(name: str, component: Component, what: str) -> str:
    _check_name(name, what)
    lines = [f"# Template of {what} {name!r}, copied from the built-in {component.name!r} by "
             f"kion-sim new {what}.",
             "# Every value is marked as an estimate: replace it with yours, then say where it "
             "came from",
             "# (provenance literature, reported, fitted or estimate, and a source).", ""]
    lines += _renamed_lines(component, name, lambda _, line: _replaceable(line, component.path))
    return "\n".join(lines) + "\n"


def _replaceable(line: str, path) -> list[str]:
    """A value line as a comment (unit, range, provenance) and the value as an estimate."""
    ((key, entry),) = tomllib.loads(line).items()
    quantity = Quantity(key, float(entry["value"]), entry["provenance"], entry["source"])
    low, high = entry.get("range") or _placeholder_range(quantity.value)
    range_source = entry.get("range_source") or (
        f"placeholder of a factor {_PLACEHOLDER_FACTOR:g} either side of the template's value:"
        f" replace")
    comment = (f"# replace: {quantity.unit}, range {low:g} to {high:g}, was {quantity.provenance} "
               f"({' '.join(quantity.source.split())})")
    fields = {"value": quantity.value, "provenance": "estimate",
              "source": f"template value from {path.stem}: replace with yours",
              "range": [float(low), float(high)], "range_source": range_source}
    body = ", ".join(f"{field} = {_toml(value)}" for field, value in fields.items())
    return [comment, f"{json.dumps(key)} = {{ {body} }}"]


def _placeholder_range(value: float) -> tuple[float, float]:
    if value > 0:
        return value / _PLACEHOLDER_FACTOR, value * _PLACEHOLDER_FACTOR
    if value < 0:
        return value * _PLACEHOLDER_FACTOR, value / _PLACEHOLDER_FACTOR
    return 0.0, 1.0  # a zero (a potential vs K/K+): the catalogue wants low >= 0 here


def _toml(value) -> str:
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(float(value))


def fitted_material(name: str, source: str, key: str, value: float, uncertainty_factor: float,
                    how: str) -> str:
    """TOML text of material ``name``: the material ``source`` (a built-in name or a user's
    file) with its ``key`` replaced by a fitted ``value`` (provenance "fitted", source
    ``how``, 1-sigma multiplicative ``uncertainty_factor``); every other value as it was."""
    _check_name(name, "material")
    component = load_material(source)
    if key not in component.quantities:
        raise InvalidInputError(f"material {component.name!r} has no value {key!r}")
    fitted = (f"{json.dumps(key)} = {{ value = {_toml(value)}, provenance = \"fitted\", "
              f"source = {json.dumps(how)}, uncertainty_factor = "
              f"{_toml(max(float(uncertainty_factor), 1.0))} }}")
    this_key = re.compile(rf"^\s*{re.escape(json.dumps(key))}\s*=")
    replaced = []

    def rewrite(section: str, line: str) -> list[str]:
        if section == "values" and this_key.match(line):
            replaced.append(line)
            return [fitted]
        return [line]

    lines = [f"# {name}: {component.name} with {key} fitted ({how}).",
             *_renamed_lines(component, name, rewrite)]
    if len(replaced) != 1:  # a value spread over several lines: refuse rather than half-replace
        raise InvalidInputError(f"{component.path}: {key!r} is not on one line of [values]; "
                                f"edit it by hand")
    return "\n".join(lines) + "\n"
