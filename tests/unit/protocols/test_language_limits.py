"""Numbers a protocol may hold: finite and within sane ranges, refused as ProtocolError.

Regression for issue 10: ``1e400 mA/g`` reached PyBaMM as an infinite current (ValueError) and
``for 1e400 h`` as an infinite duration (OverflowError); any text at all must either parse or
raise ProtocolError (property-based, with hypothesis).
"""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kion_sim.errors import ProtocolError
from kion_sim.protocols import Protocol, parse_protocol
from kion_sim.protocols.language import MAX_CYCLES, Step


@pytest.mark.parametrize("text, words", [
    ("Discharge at 1e400 mA/g until 0.01 V", ["1e400", "not a finite number"]),
    ("Charge at 1e400 A until 1.5 V", ["1e400", "not a finite number"]),
    ("Discharge at 1e400C until 0.01 V", ["cannot read", "C-rate"]),  # no exponent in C-rates
    ("Discharge at C/1e400 until 0.01 V", ["C/1e400"]),
    ("Rest for 1e400 h", ["1e400", "not a finite number"]),
    ("Discharge at 100 mA/g for 1e400 h", ["1e400", "not a finite number"]),
    ("Discharge at 100 mA/g until 1e400 V", ["1e400", "not a finite number"]),
    ("Hold at 1e400 V until 10 mA/g", ["1e400", "not a finite number"]),
    # finite but absurd: 1e9 A/g, a 10^5-year rest, 10^4 C, 1e-12 mA/g, 50 V
    ("Discharge at 1e12 mA/g until 0.01 V", ["out of range", "1000 A/g"]),
    ("Rest for 1e9 h", ["out of range", "1 year"]),
    ("Charge at 10000C until 1.5 V", ["out of range", "1000C"]),
    ("Discharge at 1e-12 mA/g until 0.01 V", ["out of range", "0.01 mA/g"]),
    ("Discharge at 100 mA/g until 50 V", ["out of range", "10 V"]),
    ("Rest for 1e-9 s", ["out of range", "1 ms"]),
])
def test_non_finite_and_absurd_numbers_are_refused_by_name(text, words):
    with pytest.raises(ProtocolError) as error:
        parse_protocol(text)
    for word in words:
        assert word in str(error.value)


@pytest.mark.parametrize("text", [
    "(Rest for 1 s) x 100001",  # one over the limit
    "(Rest for 1 s) x 99999999999999999999999",  # would exhaust memory as a list of cycles
    "\n".join(["(Rest for 1 s) x 60000"] * 2),  # each line fits, together they do not
])
def test_repeats_beyond_the_cycle_limit_are_refused(text):
    with pytest.raises(ProtocolError, match=str(MAX_CYCLES)):
        parse_protocol(text)


def test_the_largest_allowed_values_still_parse():
    protocol = parse_protocol(f"(Discharge at 1000 A/g until 0.01 V; Rest for 8784 h) x "
                              f"{MAX_CYCLES}")
    assert len(protocol.cycles) == MAX_CYCLES
    assert protocol.steps[1].duration_s == 8784 * 3600


@pytest.mark.parametrize("times", [0, -1, 1.5, math.inf, math.nan, "2", True, MAX_CYCLES + 1])
def test_repeated_refuses_what_is_not_a_sane_whole_number(times):
    with pytest.raises(ProtocolError):
        parse_protocol("Rest for 1 s").repeated(times)


def _check_valid(protocol: Protocol) -> None:
    """What 'parses to something valid' means: finite, positive, within the ranges."""
    assert 1 <= len(protocol.cycles) <= MAX_CYCLES
    for step in protocol.steps:
        assert isinstance(step, Step) and step.kind in ("discharge", "charge", "rest", "hold")
        for current in (step.current, step.until_current):
            if current is not None:
                assert math.isfinite(current.value) and current.value > 0
        if step.duration_s is not None:
            assert 0 < step.duration_s < math.inf
        if step.voltage_V is not None:
            assert math.isfinite(step.voltage_V)


_WORDS = ["Discharge", "Charge", "Rest", "Hold", "at", "until", "for", "V", "mA/g", "A/g", "mA",
          "A", "C", "C/", "h", "min", "s", "hours", ";", "(", ")", "x", "*", "\n", "-", ".", "e"]
_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**30, 10**30).map(str),
    st.sampled_from(["1e400", "-0", "0", ".5", "1e-400", "nan", "inf", "99999999999", "٣"]))
_TOKENS = st.one_of(st.sampled_from(_WORDS), _NUMBERS, st.text(max_size=4))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TOKENS, max_size=14).map(" ".join))
def test_any_text_parses_to_a_valid_protocol_or_raises_protocol_error(text):
    try:
        protocol = parse_protocol(text)
    except ProtocolError:
        return
    _check_valid(protocol)


_STEP = st.builds(
    lambda verb, number, unit, end: f"{verb} at {number} {unit} {end}",
    st.sampled_from(["Discharge", "Charge"]), _NUMBERS, st.sampled_from(["mA/g", "A/g", "mA",
                                                                          "A", "C"]),
    st.one_of(_NUMBERS.map(lambda n: f"until {n} V"), _NUMBERS.map(lambda n: f"for {n} h")))


@settings(max_examples=300, deadline=None)
@given(st.lists(_STEP, min_size=1, max_size=4).map("; ".join), _NUMBERS)
def test_well_formed_steps_with_any_numbers_parse_validly_or_raise_protocol_error(steps, times):
    try:
        protocol = parse_protocol(f"({steps}) x {times}")
    except ProtocolError:
        return
    _check_valid(protocol)
