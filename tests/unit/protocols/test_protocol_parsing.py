"""The protocol language: every step form, repeats, and bad input as ProtocolError."""

import pytest

from kion_sim.errors import ProtocolError
from kion_sim.protocols import parse_protocol, parse_step


@pytest.mark.parametrize("text, kind, value, unit, voltage, seconds", [
    ("Discharge at 100 mA/g until 0.01 V", "discharge", 0.1, "A/g", 0.01, None),
    ("Charge at 0.5 A/g until 1.5 V", "charge", 0.5, "A/g", 1.5, None),
    ("discharge at 2 mA until 0.1v", "discharge", 0.002, "A", 0.1, None),
    ("Charge at 1e-3 A for 30 s", "charge", 0.001, "A", None, 30.0),
    ("Discharge at C/5 until 0.01 V", "discharge", 0.2, "C", 0.01, None),
    ("Charge at 2C for 1 hour", "charge", 2.0, "C", None, 3600.0),
    ("Discharge at 50 mA/g for 10 minutes", "discharge", 0.05, "A/g", None, 600.0),
])
def test_current_steps(text, kind, value, unit, voltage, seconds):
    step = parse_step(text)
    assert (step.kind, step.current.unit, step.voltage_V, step.duration_s) == (
        kind, unit, voltage, seconds)
    assert step.current.value == pytest.approx(value)


def test_rest_and_hold():
    assert parse_step("Rest for 10 minutes").duration_s == 600.0
    hold = parse_step("Hold at 1.5 V until 10 mA/g")
    assert (hold.kind, hold.voltage_V, hold.until_current.value) == ("hold", 1.5, 0.01)


def test_repeats_in_both_orders_and_lines_as_cycles():
    a = parse_protocol("(Discharge at 100 mA/g until 0.01 V; Charge at 100 mA/g until 1.5 V) x 3")
    b = parse_protocol("3 x (Discharge at 100 mA/g until 0.01 V; Charge at 100 mA/g until 1.5 V)")
    assert a == b and len(a.cycles) == 3 and len(a.steps) == 6
    two_lines = parse_protocol("Rest for 1 h\nDischarge at 1 mA until 0.1 V; Rest for 5 min")
    assert [len(c) for c in two_lines.cycles] == [1, 2]


def test_specific_current_converts_with_the_active_mass():
    step = parse_step("Discharge at 100 mA/g until 0.01 V")
    assert step.current.to_amperes(active_mass_g=2e-3, nominal_capacity_Ah=1.0) == (
        pytest.approx(2e-4))


@pytest.mark.parametrize("text, words", [
    ("Dance at 1 mA/g", ["Dance at 1 mA/g", "valid steps"]),
    ("Discharge at 100 mA/kg until 0.01 V", ["mA/kg"]),
    ("Discharge at 0 mA/g until 0.01 V", ["positive"]),
    ("Rest for 0 s", ["positive"]),
    ("(Discharge at 1 mA until 0.1 V) x 0", ["repeat"]),
    ("", ["empty protocol"]),
])
def test_malformed_protocols_name_the_problem(text, words):
    with pytest.raises(ProtocolError) as error:
        parse_protocol(text)
    for word in words:
        assert word in str(error.value)
