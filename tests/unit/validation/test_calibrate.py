"""What each calibration fits, and that writing a fit changes only its own line."""

import pytest

from kion_sim.errors import ParameterSetError, UnknownNameError
from kion_sim.validation import CapacityTarget, RetentionTarget, calibration_plan
from kion_sim.validation.calibrate import _replace_value_line


def test_the_900C_carbon_fits_three_values_to_three_targets_and_not_the_withheld_one():
    parameters, targets, rows = calibration_plan("soft_carbon_half_cell")
    keys = {p.key for p in parameters}
    assert keys == {"specific capacity at full stoichiometry [mAh.g-1]", "diffusivity [m2.s-1]",
                    "SEI resistivity [Ohm.m]"}
    retention_targets = [t for t in targets if isinstance(t, RetentionTarget)]
    assert [(t.current_density_mA_g, t.cycles) for t in retention_targets] == [(100.0, 100)]
    capacities = sorted(t.capacity_mAh_g for t in targets if isinstance(t, CapacityTarget))
    assert capacities == [214.0, 312.0]


def test_unknown_cell_lists_the_calibratable_ones():
    with pytest.raises(UnknownNameError, match="graphite_jian2015_half_cell"):
        calibration_plan("no_such_cell")


def test_writing_a_fit_replaces_exactly_one_line(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text('[values]\n"a [m]" = { value = 1.0, provenance = "estimate", source = "x" }\n'
                    '"b" = { value = 2.0, provenance = "estimate", source = "y" }\n')
    _replace_value_line(path, "a [m]", 3.5e-7, 'fit "quoted"')
    text = path.read_text()
    assert 'value = 3.5e-07, provenance = "fitted"' in text
    assert '"b" = { value = 2.0, provenance = "estimate", source = "y" }' in text
    with pytest.raises(ParameterSetError):
        _replace_value_line(path, "missing", 1.0, "z")
