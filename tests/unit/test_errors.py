"""kion_sim's exceptions: one family, each naming the bad input and what would be valid."""

import math

import pytest

from kion_sim import errors
from kion_sim.errors import (
    InvalidInputError,
    KionSimError,
    OutputError,
    ParameterSetError,
    ProtocolError,
    SimulationError,
    UnknownNameError,
    require_positive,
)


@pytest.mark.parametrize("error_type, builtin", [
    (UnknownNameError, KeyError),
    (InvalidInputError, ValueError),
    (ParameterSetError, ValueError),
    (ProtocolError, ValueError),
    (SimulationError, RuntimeError),
    (OutputError, OSError),
])
def test_every_error_is_a_kion_sim_error_and_the_matching_builtin(error_type, builtin):
    # Callers may catch either the family or the builtin they would expect from Python.
    assert issubclass(error_type, KionSimError) and issubclass(error_type, builtin)


def test_the_package_exports_every_error():
    import kion_sim

    for name in ("KionSimError", "UnknownNameError", "InvalidInputError", "ParameterSetError",
                 "ProtocolError", "SimulationError", "OutputError"):
        assert getattr(kion_sim, name) is getattr(errors, name)
        assert name in kion_sim.__all__


def test_unknown_name_lists_every_valid_name_sorted():
    error = UnknownNameError("cell", "nope", ["zeta", "alpha", "mid"])
    assert str(error) == "unknown cell 'nope'; valid cells: alpha, mid, zeta"
    assert (error.kind, error.name, error.valid) == ("cell", "nope", ["alpha", "mid", "zeta"])


def test_unknown_name_message_is_not_quoted_like_a_plain_key_error():
    # KeyError's str() wraps its argument in quotes; the message must read as a sentence.
    text = str(UnknownNameError("model", "P2D", ("SPM", "DFN")))
    assert text.startswith("unknown model 'P2D'") and not text.startswith('"')


@pytest.mark.parametrize("value, expected", [(1, 1.0), (2.5, 2.5), ("3", 3.0), (1e-12, 1e-12)])
def test_require_positive_returns_a_float(value, expected):
    result = require_positive("current density", value, "mA/g")
    assert isinstance(result, float) and result == expected


@pytest.mark.parametrize("value", [0, -1.0, math.nan, math.inf, -math.inf, "abc", None, [1]])
def test_require_positive_refuses_non_positive_or_non_finite_and_names_the_value(value):
    with pytest.raises(InvalidInputError) as error:
        require_positive("current density", value, "mA/g")
    message = str(error.value)
    assert "current density" in message and repr(value) in message
    assert "positive" in message
