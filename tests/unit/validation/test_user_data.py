"""Targets and fitted values chosen from a user's file, without solving anything."""

import numpy as np
import pytest

from kion_sim.errors import InvalidInputError
from kion_sim.io.cycler import CyclerData, tabulate
from kion_sim.parameters.catalog import load_cell
from kion_sim.validation.fade_curve import CapacityFadeTarget
from kion_sim.validation.fitting import CapacityTarget, RetentionTarget, VoltageCurveTarget
from kion_sim.validation.user_data import (
    ContinuousCurveTarget,
    data_protocol,
    data_targets,
    first_cycles,
    fit_parameters,
)

MASS_G = 0.002


def _data(cycles: int, fade_per_cycle: float = 0.0) -> CyclerData:
    """Cycles of 0.5 mA (250 mA/g): discharge 1 h to 0.01 V, charge to 1.5 V, fading."""
    import pandas as pd

    t, v, i, clock = [], [], [], 0.0
    for cycle in range(cycles):
        charge_s = 2880 * (1 - fade_per_cycle) ** cycle
        for seconds, current, (v0, v1) in ((3600, -0.5, (1.5, 0.01)),
                                           (charge_s, 0.5, (0.01, 1.5))):
            t += list(np.linspace(clock, clock + seconds, 21))
            v += list(np.linspace(v0, v1, 21))
            i += [current] * 21
            clock += seconds + 1
    raw = pd.DataFrame({"time_s": t, "voltage_V": v, "current_mA": i})
    series, steps = tabulate(raw, MASS_G)
    return CyclerData("synthetic", "csv", MASS_G, series, steps)


def test_a_short_file_gives_capacity_and_curve_targets_at_its_own_current_and_window():
    protocol = data_protocol(_data(3))
    assert (protocol.current_density_mA_g, protocol.lower_V, protocol.upper_V) == (
        250.0, 0.01, 1.5)
    capacity, curve = data_targets(_data(3))
    assert isinstance(capacity, CapacityTarget) and isinstance(curve, VoltageCurveTarget)
    assert capacity.capacity_mAh_g == pytest.approx(200.0)  # 0.5 mA x 0.8 h / 2 mg
    # The curve spans 2-95 % of the 250 mAh/g discharge on its linear 1.5 -> 0.01 V ramp.
    assert curve.capacity_mAh_g[0] == pytest.approx(5.0)
    assert curve.voltage_V[-1] == pytest.approx(1.5 - 1.49 * 0.95)


def test_ten_cycles_or_more_add_the_retention_of_every_cycle_from_the_third():
    targets = data_targets(_data(10, fade_per_cycle=0.01))
    fade = [t for t in targets if isinstance(t, CapacityFadeTarget)]
    assert len(fade) == 1 and fade[0].cycles == tuple(range(3, 11))
    # The charge lasts 2880 s x 0.99^(cycle - 1): retention 100 x 0.99^(cycle - 2).
    np.testing.assert_allclose(fade[0].retention_pct, 100 * 0.99 ** np.arange(1, 9),
                               rtol=1e-6)
    assert fade[0].run.cycles == 10 and fade[0].residual_count == 8
    assert not any(isinstance(t, RetentionTarget) for t in targets)


def test_a_fade_only_fit_has_the_fade_curve_alone_and_needs_ten_cycles():
    (fade,) = data_targets(_data(12, fade_per_cycle=0.01), fade_only=True)
    assert isinstance(fade, CapacityFadeTarget)
    with pytest.raises(InvalidInputError, match="holds 9 cycles; a fade fit needs 10"):
        data_targets(_data(9), fade_only=True)
    only = fit_parameters("soft_carbon_half_cell", fit_fade=True, fade_only=True)
    assert [p.key for p in only] == ["reaction-driven LAM factor [m3.mol-1]"]


def test_the_mechanism_asked_for_is_fitted_with_every_fade_value_it_names():
    film = fit_parameters("soft_carbon_half_cell", True, mechanism="carbon_film_resistance")
    assert film[-1].key == "SEI resistivity [Ohm.m]"
    assert film[-1].material == "carbon_film_resistance"
    mix = fit_parameters("soft_carbon_half_cell", True, mechanism="time_and_cycling_mix",
                         fade_only=True)
    assert len(mix) == 2 and {p.material for p in mix} == {"time_and_cycling_mix"}


def test_the_first_cycles_of_a_file_are_a_file_of_their_own():
    part = first_cycles(_data(12, fade_per_cycle=0.01), 10)
    assert data_protocol(part).cycles == 10
    assert part.timeseries["cycle"].max() == 10


def test_the_fade_value_is_fitted_only_for_a_long_file_and_only_on_the_working_material():
    short = fit_parameters("soft_carbon_half_cell", fit_fade=False)
    long = fit_parameters("soft_carbon_half_cell", fit_fade=True)
    assert [p.key for p in long[len(short):]] == ["reaction-driven LAM factor [m3.mol-1]"]
    assert {p.material for p in short} == {"soft_carbon_900C"}
    assert long[-1].material == load_cell("soft_carbon_half_cell").degradation["mechanism"]
    assert len(fit_parameters("k0p6coo2_half_cell", fit_fade=True)) == 2  # declares no fade


def test_full_cells_and_one_cycle_files_are_refused_with_the_reason():
    with pytest.raises(InvalidInputError, match="needs a half cell"):
        fit_parameters("full_cell", fit_fade=False)
    with pytest.raises(InvalidInputError, match="holds 1 cycle"):
        data_protocol(_data(1))


def test_the_curve_error_stays_continuous_when_the_simulated_step_ends_early():
    import pandas as pd

    target = ContinuousCurveTarget(100.0, (50.0, 150.0), (0.5, 0.1))
    # A simulated step ending at 100 mAh/g on a slope of -0.004 V per mAh/g.
    q = np.linspace(0, 100, 21)
    series = pd.DataFrame({"cycle": 2, "step_kind": "discharge", "step_capacity_mAh_g": q,
                           "voltage_V": 0.6 - 0.004 * q})
    residuals = target.residuals(None, series) * target.uncertainty_V
    # Inside: 0.6 - 0.2 = 0.4 V vs 0.5 measured; beyond: 0.2 - 0.004 x 50 = 0 V vs 0.1.
    np.testing.assert_allclose(residuals, [-0.1, -0.1], atol=1e-12)
