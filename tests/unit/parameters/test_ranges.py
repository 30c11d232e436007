"""Plausible ranges of estimates and fitted values' 1-sigma factors: parsed, checked, required."""

import tomllib

import pytest

from kion_sim.errors import ParameterSetError
from kion_sim.parameters.catalog import _read_component, parameter_sets_dir
from kion_sim.parameters.mechanisms import load_calibration

HEADER = '[component]\nname = "x"\nkind = "insertion"\nlabel = "X"\n[values]\n'


def _entries(document: dict, path) -> list[tuple[str, dict]]:
    """Every value entry of a parameter file, wherever it sits ([values], [electrodes.*],
    a mechanism's [values.ROLE], a calibration's [MECHANISM.COMPONENT])."""
    found = []

    def walk(table: dict, where: str):
        for key, entry in table.items():
            if isinstance(entry, dict) and "value" in entry and "provenance" in entry:
                found.append((f"{path.name}: {where}{key}", entry))
            elif isinstance(entry, dict):
                walk(entry, f"{where}{key}.")

    walk({k: v for k, v in document.items() if k not in ("component", "tables")}, "")
    return found


def _every_parameter_file():
    folder = parameter_sets_dir()
    return sorted(p for sub in ("materials", "cells", "mechanisms", "calibrations")
                  for p in (folder / sub).glob("*.toml"))


def test_the_walk_finds_estimates_and_fitted_values():
    entries = [e for p in _every_parameter_file()
               for e in _entries(tomllib.loads(p.read_text()), p)]
    kinds = {entry["provenance"] for _, entry in entries}
    assert {"estimate", "fitted", "literature"} <= kinds
    assert sum(entry["provenance"] == "estimate" for _, entry in entries) > 100


@pytest.mark.parametrize("path", _every_parameter_file(), ids=lambda p: p.name)
def test_every_estimate_has_a_range_around_its_value_and_a_reason(path):
    for where, entry in _entries(tomllib.loads(path.read_text()), path):
        if entry["provenance"] != "estimate":
            continue
        assert "range" in entry, f"{where} is an estimate without a range"
        low, high = entry["range"]
        assert low <= entry["value"] <= high and low < high, where
        assert entry.get("range_source", "").strip(), f"{where} does not say why its range"


@pytest.mark.parametrize("path", _every_parameter_file(), ids=lambda p: p.name)
def test_every_fitted_value_states_its_1_sigma_factor(path):
    for where, entry in _entries(tomllib.loads(path.read_text()), path):
        if entry["provenance"] == "fitted":
            assert "uncertainty_factor" in entry or "1-sigma factor" in entry["source"], where


def test_a_fitted_value_carries_the_factor_its_source_states():
    stored = load_calibration("soft_carbon_half_cell", "sei_site_blocking").values
    quantities = [q for values in stored.values() for q in values.values()]
    assert quantities
    for quantity in quantities:
        stated = float(quantity.source.rsplit("1-sigma factor", 1)[1].split()[0])
        assert quantity.uncertainty_factor == stated >= 1


def _value(extra: str, value: str = "1.0", provenance: str = "estimate") -> str:
    return (HEADER + f'"a [m]" = {{ value = {value}, provenance = "{provenance}", '
            f'source = "s"{extra} }}\n')


@pytest.mark.parametrize("body, words", [
    (_value(""), ["'a [m]'", "range = [low, high]"]),
    (_value(', range = [2.0, 3.0], range_source = "r"'), ["'a [m]'", "must hold its value 1"]),
    (_value(', range = [3.0, 0.5], range_source = "r"'), ["'a [m]'", "low < high"]),
    (_value(', range = [1.0, 1.0], range_source = "r"'), ["'a [m]'", "low < high"]),
    (_value(', range = [0.5], range_source = "r"'), ["'a [m]'", "[low, high]"]),
    (_value(', range = [0.5, "2"], range_source = "r"'), ["'a [m]'", "two finite numbers"]),
    (_value(', range = [0.5, inf], range_source = "r"'), ["'a [m]'", "two finite numbers"]),
    (_value(', range = [-1.0, 2.0], range_source = "r"'), ["'a [m]'", "sign", "low > 0"]),
    (_value(', range = [0.0, 2.0], range_source = "r"'), ["'a [m]'", "sign", "low > 0"]),
    (_value(', range = [0.5, 2.0]'), ["'a [m]'", "range_source"]),
    (_value(', range = [0.5, 2.0], range_source = " "'), ["'a [m]'", "range_source"]),
    (_value(', uncertainty_factor = 0.5', provenance="fitted"), ["'a [m]'", ">= 1"]),
    (_value(', uncertainty_factor = nan', provenance="fitted"), ["'a [m]'", ">= 1"]),
])
def test_a_bad_range_is_refused_naming_file_and_key(tmp_path, body, words):
    path = tmp_path / "x.toml"
    path.write_text(body)
    with pytest.raises(ParameterSetError) as error:
        _read_component(path)
    message = str(error.value)
    assert str(path) in message
    for word in words:
        assert word in message


def test_a_good_range_and_factor_are_read(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text(_value(', range = [0.1, 10.0], range_source = " why "')
                    + '"b [m]" = { value = 3.0, provenance = "fitted", source = "fit; '
                      '1-sigma factor 1.5" }\n'
                    + '"c [m]" = { value = 3.0, provenance = "fitted", source = "fit", '
                      'uncertainty_factor = 2.0 }\n'
                    + '"d [m]" = { value = 0.0, provenance = "estimate", source = "s", '
                      'range = [0.0, 5.0], range_source = "r" }\n')
    quantities = _read_component(path).quantities
    assert quantities["a [m]"].range == (0.1, 10.0)
    assert quantities["a [m]"].range_source == "why"
    assert quantities["b [m]"].uncertainty_factor == 1.5
    assert quantities["c [m]"].uncertainty_factor == 2.0
    assert quantities["d [m]"].range == (0.0, 5.0)
    assert quantities["a [m]"].uncertainty_factor is None
