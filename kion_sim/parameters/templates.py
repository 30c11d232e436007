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
                    how: str, ocp: tuple[str, str] | None = None,
                    carried: dict[str, Quantity] | None = None) -> str:
    """TOML text of material ``name``: the material ``source`` (a built-in name or a user's
    file) with its ``key`` replaced by a fitted ``value`` (provenance "fitted", source
    ``how``, 1-sigma multiplicative ``uncertainty_factor``); every other value as it was.

    ``carried`` replaces other values by the given quantities, provenance and all (the stored
    fit a cell simulated with, which the source file holds only as a starting guess).
    ``ocp = (csv_file, how_fitted)`` also replaces its ``[tables.ocp]`` by that CSV with
    provenance "fitted" and source ``how_fitted``."""
    fitted = Quantity(key, float(value), "fitted", how,
                      uncertainty_factor=max(float(uncertainty_factor), 1.0))
    text = _fitted_values(name, source, {**(carried or {}), key: fitted}, key, how)
    return text if ocp is None else _with_fitted_ocp(text, load_material(source), *ocp)


def _quantity_line(key: str, quantity: Quantity) -> str:
    """The ``[values]`` line of ``key`` holding ``quantity`` with its provenance, range and
    factor (a stored fit's quantity names its calibration in its own ``key``)."""
    fields = {"value": quantity.value, "provenance": quantity.provenance,
              "source": quantity.source}
    if quantity.range is not None:
        fields |= {"range": list(quantity.range), "range_source": quantity.range_source}
    if quantity.uncertainty_factor is not None:
        fields["uncertainty_factor"] = quantity.uncertainty_factor
    body = ", ".join(f"{field} = {_toml(v)}" for field, v in fields.items())
    return f"{json.dumps(key)} = {{ {body} }}"


def _with_fitted_ocp(text: str, component: Component, csv_file: str, how: str) -> str:
    """``text`` with its ``[tables.ocp]`` section replaced by the fitted CSV ``csv_file``."""
    kept, section = [], ""
    for line in text.splitlines():
        header = _SECTION.match(line)
        if header:
            section = header.group(1).strip()
        if section != "tables.ocp":
            kept.append(line)
    kept += ["", "[tables.ocp]", f"file = {json.dumps(csv_file)}", 'provenance = "fitted"',
             f"source = {json.dumps(how)}"]
    result = "\n".join(kept) + "\n"
    # what was dropped must be the OCP table alone (a string holding "[...]" lines would not be)
    before, after = tomllib.loads(text), tomllib.loads(result)
    before["tables"]["ocp"] = after.get("tables", {}).get("ocp")
    if before != after:
        raise InvalidInputError(f"{component.path}: its [tables.ocp] could not be replaced on "
                                f"its own; edit the OCP table by hand")
    return result


def _fitted_values(name: str, source: str, replacements: dict[str, Quantity], key: str,
                   how: str) -> str:
    _check_name(name, "material")
    component = load_material(source)
    unknown = sorted(set(replacements) - set(component.quantities))
    if unknown:
        raise InvalidInputError(f"material {component.name!r} has no value {unknown[0]!r}")
    patterns = {k: re.compile(rf"^\s*{re.escape(json.dumps(k))}\s*=") for k in replacements}
    replaced = []

    def rewrite(section: str, line: str) -> list[str]:
        for other, pattern in patterns.items():
            if section == "values" and pattern.match(line):
                replaced.append(other)
                return [_quantity_line(other, replacements[other])]
        return [line]

    lines = [f"# {name}: {component.name} with {key} fitted ({how}).",
             *_renamed_lines(component, name, rewrite)]
    missing = sorted(set(replacements) - set(replaced))
    if missing or len(replaced) != len(replacements):  # refuse rather than half-replace
        raise InvalidInputError(f"{component.path}: {(missing or replaced)[0]!r} is not on one "
                                f"line of [values]; edit it by hand")
    return "\n".join(lines) + "\n"
