"""The protocol language: every step form, repeats, and bad text as a ProtocolError naming it.

Expected values are the text's own numbers converted by hand (1 mA/g = 1e-3 A/g, C/5 = 0.2 C).
"""

import pytest

from kion_sim.errors import ProtocolError
from kion_sim.protocols import Protocol, Step, parse_protocol, parse_step

CYCLE = "Discharge at 100 mA/g until 0.01 V; Charge at 100 mA/g until 1.5 V"


@pytest.mark.parametrize("text, kind, value, unit, voltage, seconds", [
    # specific currents
    ("Discharge at 100 mA/g until 0.01 V", "discharge", 0.1, "A/g", 0.01, None),
    ("Charge at 0.5 A/g until 1.5 V", "charge", 0.5, "A/g", 1.5, None),
    ("Discharge at 50 mA/g for 10 minutes", "discharge", 0.05, "A/g", None, 600.0),
    # absolute currents
    ("Discharge at 2 mA until 0.1 V", "discharge", 0.002, "A", 0.1, None),
    ("Charge at 1e-3 A for 30 s", "charge", 0.001, "A", None, 30.0),
    ("Charge at 0.25 A until 4.2 V", "charge", 0.25, "A", 4.2, None),
    # C-rates
    ("Charge at 2C for 1 hour", "charge", 2.0, "C", None, 3600.0),
    ("Discharge at C/5 until 0.01 V", "discharge", 0.2, "C", 0.01, None),
    ("Discharge at 0.5C until 2 V", "discharge", 0.5, "C", 2.0, None),
    ("Charge at 2 C until 3.9 V", "charge", 2.0, "C", 3.9, None),
    ("Charge at C / 10 for 2 h", "charge", 0.1, "C", None, 7200.0),
    # number forms, case and spacing
    ("discharge at .5 a/g until .01 v", "discharge", 0.5, "A/g", 0.01, None),
    ("  DISCHARGE   at 1e2 MA/G until 1e-2 V ", "discharge", 0.1, "A/g", 0.01, None),
    ("Charge at 100 mA/g until 1.5V", "charge", 0.1, "A/g", 1.5, None),
])
def test_current_steps(text, kind, value, unit, voltage, seconds):
    step = parse_step(text)
    assert step.kind == kind
    assert step.current.unit == unit
    assert step.current.value == pytest.approx(value, rel=1e-12)
    assert step.voltage_V == (pytest.approx(voltage) if voltage is not None else None)
    assert step.duration_s == seconds
    assert step.until_current is None
    assert step.text == text.strip()  # errors and tables quote the user's own words


@pytest.mark.parametrize("text, seconds", [
    ("Rest for 30 s", 30.0), ("Rest for 2 sec", 2.0), ("Rest for 10 seconds", 10.0),
    ("Rest for 1 second", 1.0), ("Rest for 10 min", 600.0), ("Rest for 1 minute", 60.0),
    ("Rest for 10 minutes", 600.0), ("Rest for 1.5 h", 5400.0), ("Rest for 1 hour", 3600.0),
    ("Rest for 2 hours", 7200.0),
])
def test_rest_in_every_time_unit(text, seconds):
    step = parse_step(text)
    assert (step.kind, step.duration_s, step.current, step.voltage_V) == (
        "rest", seconds, None, None)


def test_hold_until_a_specific_current():
    hold = parse_step("Hold at 1.5 V until 10 mA/g")
    assert (hold.kind, hold.voltage_V, hold.duration_s) == ("hold", 1.5, None)
    assert (hold.until_current.value, hold.until_current.unit) == (pytest.approx(0.01), "A/g")


def test_hold_until_a_c_rate_and_for_a_time():
    until_c = parse_step("Hold at 4.2 V until C/20")
    assert until_c.until_current.unit == "C"
    assert until_c.until_current.value == pytest.approx(0.05)
    timed = parse_step("Hold at 0.01 V for 2 h")
    assert (timed.voltage_V, timed.duration_s, timed.until_current) == (0.01, 7200.0, None)


@pytest.mark.parametrize("unit, value, mass_g, nominal_Ah, amperes", [
    ("A/g", 0.1, 2e-3, 1.0, 2e-4),  # 100 mA/g on 2 mg
    ("A", 0.002, 2e-3, 1.0, 0.002),  # absolute: neither mass nor capacity matters
    ("C", 0.2, 2e-3, 5e-4, 1e-4),  # C/5 of 0.5 mAh
])
def test_currents_convert_to_amperes(unit, value, mass_g, nominal_Ah, amperes):
    from kion_sim.protocols.language import Current

    current = Current(value, unit)
    assert current.to_amperes(active_mass_g=mass_g, nominal_capacity_Ah=nominal_Ah) == (
        pytest.approx(amperes, rel=1e-12))


def test_semicolons_separate_steps_and_a_line_is_one_cycle():
    protocol = parse_protocol(CYCLE)
    assert len(protocol.cycles) == 1
    assert [s.kind for s in protocol.steps] == ["discharge", "charge"]


def test_each_line_is_a_cycle_and_blank_lines_are_ignored():
    protocol = parse_protocol("Rest for 1 h\n\n  Discharge at 1 mA until 0.1 V; Rest for 5 min  \n")
    assert [[s.kind for s in cycle] for cycle in protocol.cycles] == [
        ["rest"], ["discharge", "rest"]]


def test_a_list_of_lines_is_the_same_protocol_as_the_text():
    assert parse_protocol(["Rest for 1 h", CYCLE]) == parse_protocol(f"Rest for 1 h\n{CYCLE}")


@pytest.mark.parametrize("text", [f"({CYCLE}) x 3", f"3 x ({CYCLE})", f"({CYCLE})x3",
                                  f"({CYCLE}) * 3", f"({CYCLE}) × 3"])
def test_repeats_in_both_orders(text):
    protocol = parse_protocol(text)
    assert len(protocol.cycles) == 3 and len(protocol.steps) == 6
    assert all(cycle == protocol.cycles[0] for cycle in protocol.cycles)
    assert protocol == parse_protocol("\n".join([CYCLE] * 3))


def test_repeats_combine_with_other_lines():
    protocol = parse_protocol(f"Rest for 10 min\n({CYCLE}) x 2\n2 x (Rest for 1 s)")
    assert [len(cycle) for cycle in protocol.cycles] == [1, 2, 2, 1, 1]


def test_protocols_repeat_and_add():
    one = parse_protocol(CYCLE)
    assert one.repeated(4) == parse_protocol(f"({CYCLE}) x 4")
    rest = parse_protocol("Rest for 1 h")
    assert (rest + one).cycles == rest.cycles + one.cycles
    with pytest.raises(ProtocolError, match="whole number"):
        one.repeated(0)
    with pytest.raises(ProtocolError, match="whole number"):
        one.repeated(1.5)


def test_a_protocol_passes_through_unchanged():
    protocol = Protocol(((Step("rest", "Rest for 1 s", duration_s=1.0),),))
    assert parse_protocol(protocol) is protocol


@pytest.mark.parametrize("text", [
    "Dance at 1 mA/g until 0.1 V",  # unknown verb
    "Discharge at 100 mA/kg until 0.01 V",  # unknown unit
    "Discharge at 100 mAh/g until 0.01 V",  # a capacity, not a current
    "Discharge at -100 mA/g until 0.01 V",  # the verb gives the sign, not the number
    "Charge at -2C until 1.5 V",
    "Discharge at 100 mA/g",  # no end
    "Discharge at 100 mA/g until 0.01",  # voltage without its unit
    "Discharge at 100 mA/g until 0.01 V for 1 h",  # two ends
    "Charge at 100 mA/g for 10 fortnights",
    "Rest 10 min",
    "Rest for -5 min",
    "Hold at 1.5 V",  # a hold needs an end
    "Hold at 1.5 V until 0.01 V",
    "(Discharge at 1 mA until 0.1 V) x 2.5",  # non-integer repeat
    "(Discharge at 1 mA until 0.1 V x 2",  # unbalanced bracket
])
def test_unreadable_steps_name_the_text_and_the_grammar(text):
    with pytest.raises(ProtocolError) as error:
        parse_protocol(f"Rest for 1 s; {text}")
    message = str(error.value)
    bad_part = text.split(";")[-1].strip()
    assert bad_part in message or text in message
    assert "valid steps" in message and "Discharge|Charge at" in message


@pytest.mark.parametrize("text", [
    "Discharge at 0 mA/g until 0.01 V", "Charge at 0 A for 10 s", "Charge at 0C until 1.5 V",
    "Charge at 0.0 mA until 1.5 V", "Hold at 1.5 V until 0 mA/g",
])
def test_zero_current_is_refused(text):
    with pytest.raises(ProtocolError, match="positive"):
        parse_step(text)


@pytest.mark.parametrize("text", ["Rest for 0 s", "Charge at 100 mA/g for 0 min",
                                  "Hold at 1.5 V for 0 h"])
def test_zero_duration_is_refused(text):
    with pytest.raises(ProtocolError, match="positive"):
        parse_step(text)


@pytest.mark.parametrize("text, words", [
    ("", ["empty protocol"]),
    ("  \n \n", ["empty protocol"]),
    ("() x 3", ["() x 3", "no step"]),
    ("2 x ()", ["2 x ()", "no step"]),
    ("(Rest for 1 s) x 0", ["repeat count", "(Rest for 1 s) x 0"]),
    ("0 x (Rest for 1 s)", ["repeat count", "0 x (Rest for 1 s)"]),
])
def test_empty_or_zero_times_repeated_protocols_are_refused(text, words):
    with pytest.raises(ProtocolError) as error:
        parse_protocol(text)
    for word in words:
        assert word in str(error.value)


def test_a_list_with_something_else_than_text_is_refused():
    with pytest.raises(ProtocolError, match="list of strings"):
        parse_protocol(["Rest for 1 s", 3])


def test_a_c_rate_over_zero_is_a_protocol_error():
    with pytest.raises(ProtocolError):
        parse_step("Charge at C/0 until 1.5 V")


@pytest.mark.parametrize("text", ["Discharge at 0 mA/g until 0.01 V", "Rest for 0 s"])
def test_a_zero_current_or_duration_error_names_its_step(text):
    with pytest.raises(ProtocolError) as error:
        parse_protocol(f"({CYCLE}; {text}) x 2")
    assert text in str(error.value)
