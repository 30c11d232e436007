"""A protocol language battery researchers already speak, in mass-specific units.

Steps::

    Discharge at 100 mA/g until 0.01 V      Charge at 0.5 A/g until 1.5 V
    Discharge at 1 mA for 2 hours           Charge at C/5 until 4.0 V
    Rest for 10 minutes                     Hold at 1.5 V until 10 mA/g

A protocol is lines of steps; ``;`` separates steps in a line and ``(...) x N`` or
``N x (...)`` repeats a cycle. Sign convention: *discharge* drives K+ into the working
electrode of a half cell (potassiation of the soft carbon, or of K0.6CoO2) and out of the
anode into the cathode of a full cell; *charge* is the reverse. Voltage falls on discharge.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from kion_sim.errors import ProtocolError

# Per gram of which active material a full-cell specific current is meant.
MASS_BASES = ("anode", "cathode", "both")
_CURRENT_UNITS = {"ma/g": 1e-3, "a/g": 1.0, "ma": 1e-3, "a": 1.0}  # -> A/g or A
_TIME_UNITS = {"s": 1, "sec": 1, "second": 1, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
_NUMBER = r"(\d+(?:\.\d*)?(?:e[-+]?\d+)?|\.\d+(?:e[-+]?\d+)?)"
_CURRENT = rf"(?:{_NUMBER}\s*(ma/g|a/g|ma|a)\b|(\d*(?:\.\d+)?)\s*c\b|c\s*/\s*{_NUMBER})"
_VOLTAGE = rf"(-?(?:{_NUMBER[1:-1]}))"
_TIME = rf"{_NUMBER}\s*(s|sec|seconds?|min|minutes?|h|hours?)"
_STEP_PATTERNS = {
    "current": re.compile(rf"^(discharge|charge)\s+at\s+{_CURRENT}\s+"
                          rf"(?:until\s+{_VOLTAGE}\s*v|for\s+{_TIME})$"),
    "rest": re.compile(rf"^rest\s+for\s+{_TIME}$"),
    "hold": re.compile(rf"^hold\s+at\s+{_VOLTAGE}\s*v\s+(?:until\s+{_CURRENT}|for\s+{_TIME})$"),
}
_REPEAT = [re.compile(r"^\((.*)\)\s*[x*×]\s*(\d+)$", re.I),
           re.compile(r"^(\d+)\s*[x*×]\s*\((.*)\)$", re.I)]
_GRAMMAR = ("valid steps: 'Discharge|Charge at <I> until <V> V', 'Discharge|Charge at <I> for "
            "<t> <s|min|h>', 'Rest for <t> <s|min|h>', 'Hold at <V> V until <I>'; <I> in "
            "mA/g, A/g, mA, A or C-rate (2C, C/5); repeat with '(step; step) x N'")


@dataclass(frozen=True)
class Current:
    """A current magnitude in one of: ``A/g`` (specific), ``A`` or ``C`` (C-rate)."""

    value: float
    unit: str

    def to_amperes(self, active_mass_g: float, nominal_capacity_Ah: float) -> float:
        if self.unit == "A/g":
            return self.value * active_mass_g
        if self.unit == "C":
            return self.value * nominal_capacity_Ah
        return self.value


@dataclass(frozen=True)
class Step:
    """One step: ``kind`` is discharge, charge, rest or hold."""

    kind: str
    text: str
    current: Current | None = None
    voltage_V: float | None = None  # cut-off (current steps) or held voltage (hold)
    duration_s: float | None = None
    until_current: Current | None = None  # hold: stop when |I| falls below this


@dataclass(frozen=True)
class Protocol:
    """Cycles of steps; ``cycles[i]`` is the list of steps of cycle ``i + 1``."""

    cycles: tuple[tuple[Step, ...], ...]

    @property
    def steps(self) -> list[Step]:
        return [step for cycle in self.cycles for step in cycle]

    def repeated(self, times: int) -> Protocol:
        valid = isinstance(times, int | float) and not isinstance(times, bool)
        if not (valid and math.isfinite(times) and int(times) == times
                and 1 <= times * len(self.cycles) <= MAX_CYCLES):
            raise ProtocolError(f"a protocol repeats a whole number of times, from 1 to "
                                f"{MAX_CYCLES} cycles in all; got {times!r}")
        return replace(self, cycles=self.cycles * int(times))

    def __add__(self, other: Protocol) -> Protocol:
        return Protocol(self.cycles + other.cycles)


# What a protocol may ask for: wide enough for any real experiment, narrow enough that a typo
# (1e400, 1e9 A/g) is refused here rather than as an overflow or an out-of-memory deep in PyBaMM.
CURRENT_RANGES = {"A/g": (1e-5, 1000.0), "A": (1e-9, 100.0), "C": (1e-4, 1000.0)}
_CURRENT_RANGE_TEXT = "0.01 mA/g to 1000 A/g, 1 nA to 100 A, or C/10000 to 1000C"
DURATION_RANGE_S = (1e-3, 366 * 24 * 3600.0)  # 1 ms to a year
VOLTAGE_RANGE_V = (-10.0, 10.0)
MAX_CYCLES = 100_000


def _number(text: str, what: str) -> float:
    """``text`` as a float; a value that overflows to infinity is refused, not used."""
    value = float(text)
    if not math.isfinite(value):
        raise ProtocolError(f"{what} {text} is not a finite number")
    return value


def _current(number: str | None, unit: str | None, c_multiple: str | None,
             c_divisor: str | None) -> Current:
    if c_divisor is not None:
        divisor = _number(c_divisor, "C-rate divisor")
        if not divisor > 0:
            raise ProtocolError(f"a C-rate divides by a positive number, got C/{c_divisor}")
        value, unit_name = 1.0 / divisor, "C"
    elif unit is None:
        value = _number(c_multiple, "C-rate") if c_multiple else 1.0
        unit_name = "C"
    else:
        value = _number(number, "current") * _CURRENT_UNITS[unit]
        unit_name = "A/g" if unit.endswith("/g") else "A"
    if not value > 0:
        raise ProtocolError(f"a current must be positive (the verb gives its sign), got {value}")
    low, high = CURRENT_RANGES[unit_name]
    if not low <= value <= high:
        raise ProtocolError(f"current {value:g} {unit_name} is out of range; valid currents: "
                            f"{_CURRENT_RANGE_TEXT}")
    return Current(value, unit_name)


def _seconds(number: str, unit: str) -> float:
    seconds = _number(number, "duration") * _TIME_UNITS[unit.rstrip("s") or "s"]
    if not seconds > 0:
        raise ProtocolError(f"a duration must be positive, got {number} {unit}")
    low, high = DURATION_RANGE_S
    if not low <= seconds <= high:
        raise ProtocolError(f"duration {number} {unit} is out of range; valid durations: "
                            f"1 ms to 1 year (8784 h)")
    return seconds


def _voltage(text: str) -> float:
    volts = _number(text, "voltage")
    low, high = VOLTAGE_RANGE_V
    if not low <= volts <= high:
        raise ProtocolError(f"voltage {text} V is out of range; valid: {low:g} V to {high:g} V "
                            f"(the cell's own window is checked when it runs)")
    return volts


def _repeat_count(text: str, line: str) -> int:
    if len(text) > 6 or not 1 <= int(text) <= MAX_CYCLES:  # a long digit string never fits
        raise ProtocolError(f"repeat count {text} in {line!r} is out of range; valid: "
                            f"1 to {MAX_CYCLES}")
    return int(text)


def parse_step(text: str) -> Step:
    """Parse one step; errors name the step they come from (see :func:`_parse_step`)."""
    try:
        return _parse_step(text)
    except ProtocolError as error:
        if text.strip() and text.strip() not in str(error):
            raise ProtocolError(f"step {text.strip()!r}: {error}") from None
        raise


def _parse_step(text: str) -> Step:
    """Parse one step, e.g. ``"Discharge at 100 mA/g until 0.01 V"``.

    Examples
    --------
    >>> parse_step("Charge at 500 mA/g until 1.5 V").current
    Current(value=0.5, unit='A/g')
    """
    clean = " ".join(text.strip().lower().split())
    if match := _STEP_PATTERNS["current"].match(clean):
        g = match.groups()
        current = _current(*g[1:5])
        duration = _seconds(g[6], g[7]) if g[6] else None
        return Step(g[0], text.strip(), current, _voltage(g[5]) if g[5] else None,
                    duration)
    if match := _STEP_PATTERNS["rest"].match(clean):
        return Step("rest", text.strip(), duration_s=_seconds(*match.groups()))
    if match := _STEP_PATTERNS["hold"].match(clean):
        g = match.groups()
        until = _current(*g[1:5]) if g[5] is None else None
        duration = _seconds(g[5], g[6]) if g[5] else None
        return Step("hold", text.strip(), voltage_V=_voltage(g[0]), duration_s=duration,
                    until_current=until)
    raise ProtocolError(f"cannot read protocol step {text.strip()!r}; {_GRAMMAR}")


def _parse_line(line: str) -> list[tuple[Step, ...]]:
    for pattern in _REPEAT:
        if match := pattern.match(line):
            body, times = match.groups() if pattern is _REPEAT[0] else match.groups()[::-1]
            cycle = tuple(parse_step(part) for part in body.split(";") if part.strip())
            if not cycle:
                raise ProtocolError(f"repeated cycle {line!r} holds no step; {_GRAMMAR}")
            return [cycle] * _repeat_count(times, line)
    return [tuple(parse_step(part) for part in line.split(";") if part.strip())]


def parse_protocol(text: str | list[str] | Protocol) -> Protocol:
    """Parse a protocol: a string of lines (or a list of lines) of steps.

    Each line is one cycle (its steps separated by ``;``) or a repeated cycle ``(...) x N``.

    Examples
    --------
    >>> protocol = parse_protocol("(Discharge at 100 mA/g until 0.01 V; "
    ...                           "Charge at 100 mA/g until 1.5 V) x 3")
    >>> len(protocol.cycles), len(protocol.steps)
    (3, 6)
    """
    if isinstance(text, Protocol):
        return text
    if not isinstance(text, str | list):
        raise ProtocolError(f"a protocol is a string or a list of strings, got {text!r}")
    lines = text if isinstance(text, list) else text.replace("\r", "").split("\n")
    if isinstance(text, list) and not all(isinstance(line, str) for line in text):
        raise ProtocolError(f"a protocol is a string or a list of strings, got {text!r}")
    cycles: list[tuple[Step, ...]] = []
    for line in (line.strip() for line in lines):
        cycles += [cycle for cycle in _parse_line(line) if cycle] if line else []
        if len(cycles) > MAX_CYCLES:  # checked as it grows: repeats could exhaust memory
            raise ProtocolError(f"protocol of more than {MAX_CYCLES} cycles is too long; "
                                f"valid: up to {MAX_CYCLES} cycles")
    if not cycles:
        raise ProtocolError(f"empty protocol; {_GRAMMAR}")
    return Protocol(tuple(cycles))
