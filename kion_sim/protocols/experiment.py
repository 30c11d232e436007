"""Protocol + cell -> ``pybamm.Experiment``: specific currents become amperes; cut-offs checked."""

from __future__ import annotations

import math

import pybamm

from kion_sim.errors import (
    InvalidInputError,
    ProtocolError,
    UnknownNameError,
    require_positive,
)
from kion_sim.parameters.assemble import CellParameters, electrode_limits_V, voltage_window_V
from kion_sim.parameters.catalog import load_cell
from kion_sim.protocols.language import MASS_BASES, MAX_CYCLES, Protocol, Step

# A step with no stated duration gets this many times the time the whole window would take.
_DURATION_SAFETY_FACTOR = 3.0
# Output points over the time a current step would take to sweep the whole OCP window.
_POINTS_PER_WINDOW = 200
# A step never saves more points than this: a long step at a high current would otherwise ask
# for a grid of ~1e9 points and exhaust memory.
MAX_POINTS_PER_STEP = 20_000


def default_mass_basis(cell: CellParameters) -> str:
    """Half cells: the working electrode. Full cells: the cathode, as K-ion papers usually do."""
    return "working" if cell.is_half_cell else "cathode"


def active_mass_g(cell: CellParameters, mass_basis: str | None = None) -> float:
    """Active mass [g] that specific currents and capacities refer to."""
    basis = mass_basis or default_mass_basis(cell)
    if cell.is_half_cell:
        if basis != "working":  # a half cell has one active material: its working electrode
            raise UnknownNameError("mass basis", basis, ["working"])
        return cell.electrodes["working"].active_mass_g
    if basis == "both":
        return sum(design.active_mass_g for design in cell.electrodes.values())
    if basis not in MASS_BASES:
        raise UnknownNameError("mass basis", basis, MASS_BASES)
    return cell.electrodes[basis].active_mass_g


def check_cut_off(cell: CellParameters, step: Step) -> None:
    """Raise if a step's voltage lies outside what the cell's OCPs can reach."""
    if step.voltage_V is None:
        return
    low, high = voltage_window_V(cell.electrodes)
    if not low < step.voltage_V < high:
        raise ProtocolError(
            f"step {step.text!r}: {step.voltage_V} V lies outside what cell {cell.name!r} can "
            f"reach; valid voltages are between {low:.3f} V and {high:.3f} V"
        )


def check_step_order(protocol: Protocol) -> None:
    """Raise if a current step directly follows one that leaves the cell past its cut-off.

    A discharge to 0.5 V right after a discharge to 0.01 V could never start.
    """
    steps = protocol.steps
    for before, step in zip(steps, steps[1:], strict=False):
        if step.kind != before.kind or step.kind not in ("discharge", "charge") \
                or step.voltage_V is None or before.voltage_V is None:
            continue
        falling = step.kind == "discharge"
        if (step.voltage_V >= before.voltage_V) if falling else (
                step.voltage_V <= before.voltage_V):
            side = "above" if falling else "below"
            raise ProtocolError(
                f"step {step.text!r} cannot start: the step before it ({before.text!r}) ends "
                f"at {before.voltage_V:g} V, already past its {step.voltage_V:g} V cut-off; a "
                f"{step.kind} must start {side} its cut-off voltage")


# Each electrode's potential vs a K reference in the separator (what a three-electrode cell
# reads); the electrolyte's own K+ gradients are small beside the limits' margins.
ELECTRODE_POTENTIAL = "{slot} electrode surface potential difference at separator interface [V]"


def _limit_event(slot: str, limit_V: float, above: bool):
    name = ELECTRODE_POTENTIAL.format(slot=slot)
    if above:  # positive until the potential rises to the limit
        return lambda variables: limit_V - variables[name]
    return lambda variables: variables[name] - limit_V


def window_guards(cell: CellParameters) -> dict[str, list]:
    """Per step kind, the terminations that end it where an electrode reaches a limit its
    material states (none unless ``cell.window_guards``). Made once per experiment so PyBaMM
    builds one model per kind of step, not one per step."""
    guards: dict[str, list] = {"charge": [], "discharge": []}
    if not cell.window_guards:
        return guards
    for role, design in cell.electrodes.items():
        low, high = electrode_limits_V(design)
        # Charge moves K from the cathode into the carbon: the cathode rises, the carbon falls.
        rising_on = "charge" if role == "cathode" else "discharge"
        falling_on = "discharge" if rising_on == "charge" else "charge"
        for kind, limit, above in ((rising_on, high, True), (falling_on, low, False)):
            if limit is None:
                continue
            side = "upper" if above else "lower"
            guards[kind].append(pybamm.step.CustomTermination(
                f"{role} at its {side} limit {limit:g} V vs K",
                _limit_event(design.slot, limit, above)))
    return guards


def _pybamm_step(step: Step, mass_g: float, nominal_Ah: float, guards: dict | None = None):
    if step.kind == "rest":
        return pybamm.step.rest(duration=step.duration_s, period=step.duration_s / 50,
                                skip_ok=False)
    if step.kind == "hold":
        termination = None
        if step.until_current is not None:
            termination = f"{step.until_current.to_amperes(mass_g, nominal_Ah)} A"
        duration = step.duration_s or 24 * 3600.0
        return pybamm.step.voltage(step.voltage_V, duration=duration, termination=termination,
                                   period=max(min(duration / 100, 60.0),
                                              duration / MAX_POINTS_PER_STEP), skip_ok=False)
    amperes = step.current.to_amperes(mass_g, nominal_Ah)
    seconds_for_window = nominal_Ah / amperes * 3600.0  # the nominal capacity is the window
    duration = step.duration_s
    if duration is None:  # long enough that only the voltage cut-off can end the step
        duration = max(_DURATION_SAFETY_FACTOR * seconds_for_window, 600.0)
    termination = [f"{step.voltage_V} V"] if step.voltage_V is not None else []
    termination = termination + list((guards or {}).get(step.kind, [])) or None
    signed = amperes if step.kind == "discharge" else -amperes
    period = max(min(seconds_for_window, duration) / _POINTS_PER_WINDOW,
                 duration / MAX_POINTS_PER_STEP)
    # A step that cannot start must say so, not be skipped in silence.
    return pybamm.step.current(signed, duration=duration, termination=termination,
                               direction=step.kind, period=period, skip_ok=False)


def to_experiment(protocol: Protocol, cell: CellParameters,
                  mass_basis: str | None = None) -> pybamm.Experiment:
    """Translate ``protocol`` into a PyBaMM experiment for ``cell``."""
    for step in protocol.steps:
        check_cut_off(cell, step)
    check_step_order(protocol)
    nominal_Ah = cell.values["Nominal cell capacity [A.h]"]
    mass_g = active_mass_g(cell, mass_basis)
    guards = window_guards(cell)
    try:
        cycles = [tuple(_pybamm_step(step, mass_g, nominal_Ah, guards) for step in cycle)
                  for cycle in protocol.cycles]
        return pybamm.Experiment(cycles)
    except (ValueError, OverflowError, pybamm.ModelError) as error:  # PyBaMM refused a step
        raise ProtocolError(f"PyBaMM cannot run this protocol on {cell.name!r}: {error}") from None


def galvanostatic_cycles(cell: CellParameters, current_density_mA_g: float, cycles: int = 1,
                         lower_V: float | None = None, upper_V: float | None = None) -> str:
    """The cell's standard cycle at one specific current, as protocol text.

    The first step (discharge for an anode half cell, charge for a cathode half cell or a full
    cell) and the default window come from the cell's parameter file.
    """
    require_positive("current density", current_density_mA_g, "mA/g")
    if isinstance(cycles, bool) or not isinstance(cycles, int | float) \
            or not math.isfinite(cycles) or cycles != int(cycles) or not 1 <= cycles <= MAX_CYCLES:
        raise InvalidInputError(f"cycles must be a whole number from 1 to {MAX_CYCLES}, "
                                f"got {cycles!r}")
    spec = load_cell(cell.name)
    lower = spec.value("default lower voltage cut-off [V]") if lower_V is None else lower_V
    upper = spec.value("default upper voltage cut-off [V]") if upper_V is None else upper_V
    if not lower < upper:
        raise ProtocolError(f"lower cut-off {lower} V must lie below upper cut-off {upper} V")
    down = f"Discharge at {current_density_mA_g:g} mA/g until {lower:g} V"
    up = f"Charge at {current_density_mA_g:g} mA/g until {upper:g} V"
    first = spec.protocol.get("first_step", "discharge")
    steps = f"{down}; {up}" if first == "discharge" else f"{up}; {down}"
    return f"({steps}) x {int(cycles)}"
