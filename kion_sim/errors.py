"""Exceptions of kion_sim: each names the bad input and what would be valid."""

from __future__ import annotations

from collections.abc import Iterable


class KionSimError(Exception):
    """Base class of every error kion_sim raises on purpose."""


class UnknownNameError(KionSimError, KeyError):
    """A cell, material, model or quantity name that kion_sim does not know."""

    def __init__(self, kind: str, name: str, valid: Iterable[str]):
        self.kind, self.name, self.valid = kind, name, sorted(valid)
        super().__init__(f"unknown {kind} {name!r}; valid {kind}s: {', '.join(self.valid)}")

    def __str__(self) -> str:  # KeyError would otherwise quote the whole message
        return self.args[0]


class InvalidInputError(KionSimError, ValueError):
    """A value outside what is physically or logically allowed."""


class ParameterSetError(KionSimError, ValueError):
    """A parameter-set file that is malformed or lacks a value or its provenance."""


class ProtocolError(KionSimError, ValueError):
    """A protocol step that cannot be parsed or cannot run on the chosen cell."""


class SimulationError(KionSimError, RuntimeError):
    """A solve that failed; the message says which step and what to try."""


class OutputError(KionSimError, OSError):
    """An output file or folder that cannot be written; nothing of the set was written."""


def require_positive(name: str, value: float, unit: str = "") -> float:
    """Return ``value`` as float, or raise if it is not a finite positive number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be a positive number, got {value!r}") from None
    if not number > 0 or number == float("inf"):
        unit_text = f" {unit}" if unit else ""
        raise InvalidInputError(f"{name} must be positive and finite, got {value!r}{unit_text}")
    return number


class DataFileError(InvalidInputError):
    """A measurement file that cannot be read, lacks a column, or holds implausible values."""
