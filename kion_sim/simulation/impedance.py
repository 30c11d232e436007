"""Impedance spectra from the linearised model (PyBaMM's frequency-domain EIS, Hallemans 2025).

PyBaMM's ``EISSimulation`` solves ``(i w M - J) x = b`` at each frequency around a rest state,
with the double layers as states ("surface form": "differential"); no time stepping. The state
is set by an open-circuit voltage (a state of charge is turned into one through the fresh
cell's OCP window), so a fresh and an aged cell are compared at the same voltage. Aged states
come from a fade run's end state: its degradation states (films, lost material, trap sites,
hysteresis) are kept, while the particles are set to rest at that voltage.

Besides the whole cell, each electrode's own part is returned: the potential between its
current collector and the electrolyte at its face of the separator (what a three-electrode
cell with an ideal reference there measures), and the separator's electrolyte between them.
The three parts add up to the cell's impedance at every frequency.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pybamm
from scipy.optimize import brentq
from scipy.sparse import diags
from scipy.sparse.linalg import spsolve

from kion_sim.errors import InvalidInputError, SimulationError, require_positive
from kion_sim.models.builder import build_model, parameter_values
from kion_sim.parameters.assemble import CellParameters, cell_parameters
from kion_sim.parameters.catalog import load_cell

# The paper's range (Figs. S7, S8): 100 kHz down to 0.1 Hz, 50 points.
DEFAULT_FREQUENCIES_HZ = np.logspace(5, -1, 50)
# Rest-state variables an aged spectrum does not take from the fade run's end state: the
# particles (the trap sites excepted: their K is a degradation state), double layers and
# interfacial currents are set to rest at the chosen voltage, the electrolyte to uniform.
_RESET_STATES = ("particle concentration", "surface potential difference", "Current variable",
                 "Electrolyte concentration", "Electrolyte potential",
                 "interfacial current density variable", "Porosity times concentration")
# States held fixed over a small-signal period: degradation that evolves over hours (films,
# lost material and its K, charge counters), not over the seconds of one period.
_HELD_STATES = ("SEI", "active material volume fraction", "Loss of lithium", "plating",
                "Discharge capacity", "Throughput capacity")


@dataclass
class ImpedanceSpectrum:
    """Impedance [Ohm] of a cell and its parts at ``frequency_Hz``.

    ``parts`` maps ``"cell"`` and each part (``"working"``, ``"separator"``, ``"counter"`` in
    a half cell; ``"anode"``, ``"separator"``, ``"cathode"`` in a full cell) to complex Z.
    """

    cell_name: str
    label: str
    model_name: str
    voltage_V: float
    after_cycles: int
    area_cm2: float
    frequency_Hz: np.ndarray
    parts: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def impedance_ohm(self) -> np.ndarray:
        return self.parts["cell"]

    def table(self) -> pd.DataFrame:
        """Long table: part, frequency_Hz, re_Z_ohm, minus_im_Z_ohm and the same in Ohm cm2."""
        frames = []
        for part, z in self.parts.items():
            frames.append(pd.DataFrame({
                "part": part, "frequency_Hz": self.frequency_Hz,
                "re_Z_ohm": z.real, "minus_im_Z_ohm": -z.imag,
                "re_Z_ohm_cm2": z.real * self.area_cm2,
                "minus_im_Z_ohm_cm2": -z.imag * self.area_cm2}))
        table = pd.concat(frames, ignore_index=True)
        table.insert(0, "after_cycles", self.after_cycles)
        table.insert(1, "voltage_V", self.voltage_V)
        return table


def _inverse_ocp(design, voltage_V: float) -> float:
    """Stoichiometry at which ``design``'s OCP equals ``voltage_V`` (OCPs fall with filling)."""
    x, u = np.array(design.ocp.stoichiometry), np.array(design.ocp.potential_V)
    low, high = u.min(), u.max()
    if not low < voltage_V < high:
        raise InvalidInputError(f"voltage {voltage_V!r} V is outside the {design.role} "
                                f"electrode's OCP range {low:.3f}-{high:.3f} V")
    order = np.argsort(u)
    return float(np.interp(voltage_V, u[order], x[order]))


def _full_cell_line(cell: CellParameters, inventory_Ah: float | None = None):
    """(x_anode grid, x_cathode, OCV) along the full cell's K balance."""
    anode, cathode = cell.electrodes["anode"], cell.electrodes["cathode"]
    q_n, q_p = anode.capacity_Ah(1.0), cathode.capacity_Ah(1.0)
    if inventory_Ah is None:
        inventory_Ah = anode.initial_stoichiometry * q_n + cathode.initial_stoichiometry * q_p
    x_n = np.linspace(1e-4, 1 - 1e-4, 2000)
    x_p = (inventory_Ah - x_n * q_n) / q_p
    inside = (x_p > 1e-4) & (x_p < 1 - 1e-4)
    x_n, x_p = x_n[inside], x_p[inside]
    ocv = (np.interp(x_p, cathode.ocp.stoichiometry, cathode.ocp.potential_V)
           - np.interp(x_n, anode.ocp.stoichiometry, anode.ocp.potential_V))
    return x_n, x_p, ocv


def rest_voltage(cell: CellParameters, soc: float | None = None,
                 voltage_V: float | None = None) -> float:
    """Open-circuit voltage of the state asked for: ``voltage_V`` itself, or the voltage at
    ``soc`` (0 at the lower cut-off, 1 at the upper, linear in the working electrode's or, in
    a full cell, the anode's stoichiometry). Default: ``soc=0.5``."""
    if soc is not None and voltage_V is not None:
        raise InvalidInputError("give a state of charge (soc) or a voltage, not both")
    low_V, high_V = _window_V(cell)
    if voltage_V is not None:
        if not low_V <= float(voltage_V) <= high_V:
            raise InvalidInputError(f"voltage {voltage_V!r} V is outside the cell's window "
                                    f"{low_V}-{high_V} V")
        return float(voltage_V)
    soc = 0.5 if soc is None else soc
    if not 0 <= float(soc) <= 1:
        raise InvalidInputError(f"soc must lie in 0-1 (0 at {low_V} V, 1 at {high_V} V), "
                                f"got {soc!r}")
    if cell.is_half_cell:
        working = cell.electrodes["working"]
        x_low, x_high = _inverse_ocp(working, low_V), _inverse_ocp(working, high_V)
        x = x_low + soc * (x_high - x_low)
        return float(np.interp(x, working.ocp.stoichiometry, working.ocp.potential_V))
    x_n, _, ocv = _full_cell_line(cell)
    order = np.argsort(ocv)
    x_low, x_high = (float(np.interp(v, ocv[order], x_n[order])) for v in (low_V, high_V))
    return float(np.interp(x_low + soc * (x_high - x_low), x_n, ocv))


def _window_V(cell: CellParameters) -> tuple[float, float]:
    """The cell's standard cycling window (its parameter file's default cut-offs)."""
    spec = load_cell(cell.name)
    return (spec.value("default lower voltage cut-off [V]"),
            spec.value("default upper voltage cut-off [V]"))


def _rest_concentrations(cell: CellParameters, voltage_V: float) -> dict[str, float]:
    """Initial particle concentrations [mol.m-3] at rest at ``voltage_V``."""
    if cell.is_half_cell:
        working = cell.electrodes["working"]
        return {"Initial concentration in positive electrode [mol.m-3]":
                _inverse_ocp(working, voltage_V) * working.max_concentration_mol_m3}
    x_n, x_p, ocv = _full_cell_line(cell)
    order = np.argsort(ocv)
    if not ocv.min() < voltage_V < ocv.max():
        raise InvalidInputError(f"voltage {voltage_V!r} V is outside the full cell's OCV range "
                                f"{ocv.min():.3f}-{ocv.max():.3f} V")
    x_anode = float(np.interp(voltage_V, ocv[order], x_n[order]))
    x_cathode = float(np.interp(voltage_V, ocv[order], x_p[order]))
    anode, cathode = cell.electrodes["anode"], cell.electrodes["cathode"]
    return {"Initial concentration in negative electrode [mol.m-3]":
            x_anode * anode.max_concentration_mol_m3,
            "Initial concentration in positive electrode [mol.m-3]":
            x_cathode * cathode.max_concentration_mol_m3}


def _slot_potentials_V(cell: CellParameters, voltage_V: float,
                       concentrations: dict[str, float]) -> dict[str, float]:
    """Each slot's electrode potential vs K/K+ at rest at cell voltage ``voltage_V`` (with the
    particles at ``concentrations``, :func:`_rest_concentrations`): in a half cell the working
    electrode (positive slot) sits at the cell voltage; in a full cell each electrode sits at
    its OCP on the K balance (the trap sites rest at the anode's potential, not the cell's)."""
    if cell.is_half_cell:
        return {"Positive": voltage_V, "Negative": 0.0}
    potentials = {}
    for slot, role in (("Negative", "anode"), ("Positive", "cathode")):
        design = cell.electrodes[role]
        x = concentrations[f"Initial concentration in {slot.lower()} electrode [mol.m-3]"] \
            / design.max_concentration_mol_m3
        potentials[slot] = float(np.interp(x, design.ocp.stoichiometry, design.ocp.potential_V))
    return potentials


def _is_trap_state(name: str) -> bool:
    return "secondary" in name.lower() and ("particle concentration" in name
                                            or "hysteresis state" in name)


def _keep_aged_states(model: pybamm.BaseModel, end_state) -> None:
    """Take every degradation state of ``model`` from a fade run's ``end_state``: films,
    lost material, the trap sites' K and hysteresis state (set to rest by
    :func:`_rest_trap_sites`); not the particles, double layers, currents, electrolyte."""
    for variable in list(model.initial_conditions):
        name = variable.name
        if not isinstance(variable, pybamm.Variable) or any(
                word in name for word in _RESET_STATES) and not _is_trap_state(name):
            continue
        try:
            data = np.asarray(end_state[name].data)
        except KeyError:
            continue  # a state the fade model does not have (the EIS model's own)
        values = data[..., -1].flatten(order="F") if data.ndim > 1 else data[-1:]
        model.initial_conditions[variable] = pybamm.Vector(values)
    # the electrolyte at rest: uniform at the declared salt concentration in the aged pores
    porosity_times_c = next((v for v in model.initial_conditions
                             if v.name == "Porosity times concentration [mol.m-3]"), None)
    if porosity_times_c is not None:
        porosity = np.asarray(end_state["Porosity"].data)[..., -1].flatten(order="F")
        model.initial_conditions[porosity_times_c] = pybamm.Vector(porosity) * pybamm.Parameter(
            "Initial concentration in electrolyte [mol.m-3]")


def _site_stoichiometry(ocp, voltage_V: float) -> float:
    """Stoichiometry at which a decreasing site OCP ``ocp(sto)`` equals ``voltage_V``."""
    def excess(logit):
        sto = 1 / (1 + np.exp(-logit))
        return float(ocp(pybamm.Scalar(sto)).evaluate()) - voltage_V
    return float(1 / (1 + np.exp(-brentq(excess, -30.0, 30.0, xtol=1e-12))))


def _rest_trap_sites(model: pybamm.BaseModel, values: pybamm.ParameterValues,
                     potentials_V: dict[str, float] | float) -> None:
    """Put the trap sites (a hysteretic secondary phase) at rest at their electrode's
    potential vs K/K+ (``potentials_V`` by slot, as :func:`_slot_potentials_V` gives; a
    single number is the positive slot's, as in a half cell).

    A hysteretic phase rests wherever its OCP, between its filling and release branches
    by its hysteresis state h, equals the electrode's potential: the sites keep their K and
    take the h that puts them there; below their filling branch they fill on the way down
    (h = -1), above their release branch they release (h = +1).
    """
    states = {("hysteresis" if "hysteresis" in v.name else "K"): v
              for v in model.initial_conditions if _is_trap_state(v.name)}
    if set(states) != {"hysteresis", "K"}:
        return
    slot = "Positive" if "positive" in states["K"].name else "Negative"
    if not isinstance(potentials_V, dict):
        potentials_V = {"Positive": float(potentials_V)}
    voltage_V = potentials_V[slot]
    c_max = values[f"Secondary: Maximum concentration in {slot.lower()} electrode [mol.m-3]"]
    filling = values[f"Secondary: {slot} electrode lithiation OCP [V]"]
    release = values[f"Secondary: {slot} electrode delithiation OCP [V]"]
    content = values.process_symbol(model.initial_conditions[states["K"]])
    while isinstance(content, pybamm.Broadcast):  # a fresh cell's uniform initial content
        content = content.orphans[0]
    sto = float(np.mean(content.evaluate())) / c_max
    sto = min(max(sto, 1e-12), 1 - 1e-12)
    low_V, high_V = (float(branch(pybamm.Scalar(sto)).evaluate())
                     for branch in (filling, release))
    if voltage_V < low_V:
        sto, h = _site_stoichiometry(filling, voltage_V), -1.0
    elif voltage_V > high_V:
        sto, h = _site_stoichiometry(release, voltage_V), 1.0
    else:  # U = (1 + h) / 2 U_release + (1 - h) / 2 U_filling (PyBaMM's one-state model)
        h = (2 * voltage_V - high_V - low_V) / (high_V - low_V)
    model.initial_conditions[states["K"]] = pybamm.Scalar(sto * c_max) * pybamm.ones_like(
        states["K"])
    model.initial_conditions[states["hysteresis"]] = pybamm.Scalar(h) * pybamm.ones_like(
        states["hysteresis"])


def _part_names(cell: CellParameters) -> tuple[str, str]:
    return ("counter", "working") if cell.is_half_cell else ("anode", "cathode")


def _hold_slow_states(model, mass, neg_jacobian):
    """``neg_jacobian`` with the rows of the slow degradation states zeroed: their equations
    become i w dx = 0, so they stay at their rest values over a small-signal period."""
    rows = np.concatenate([np.arange(s.start, s.stop) for variable, slices in
                           model.y_slices.items() for s in slices
                           if any(word in variable.name for word in _HELD_STATES)]
                          or [np.zeros(0, dtype=int)])
    if rows.size and not np.all(mass.diagonal()[rows] != 0):
        raise SimulationError("a held degradation state is algebraic: cannot hold it fixed")
    keep = np.ones(neg_jacobian.shape[0])
    keep[rows] = 0.0
    return (diags(keep) @ neg_jacobian).tocsc()


def solve_spectrum(simulation: pybamm.EISSimulation, frequencies_Hz: np.ndarray):
    """Cell, negative-side, separator and positive-side impedances [Ohm] of a built
    ``EISSimulation`` (PyBaMM's own linear system, with more outputs read from its solution)."""
    from casadi import MX, Function, jacobian

    simulation.build()
    mass, neg_jacobian, forcing = simulation._build_matrix_problem()  # noqa: SLF001
    model = simulation.built_model
    neg_jacobian = _hold_slow_states(model, mass, neg_jacobian)
    y0 = model.concatenated_initial_conditions.evaluate(0)
    outputs = pybamm.numpy_concatenation(*(model.get_processed_variable(name) for name in (
        "Voltage [V]", "Current [A]", "Negative current collector potential [V]",
        "Separator electrolyte potential [V]")))
    y = MX.sym("y", y0.size)
    rows = Function("parts", [y], [jacobian(outputs.to_casadi(t=0, y=y), y)])(y0).sparse()
    parts = []
    for frequency in frequencies_Hz:
        x = spsolve(1j * 2 * np.pi * frequency * mass + neg_jacobian, forcing)
        voltage, current, phi_cc_n, *phi_sep = rows @ x
        # electrolyte potential at the separator's faces, extrapolated from the cell centres
        phi_n_face = 1.5 * phi_sep[0] - 0.5 * phi_sep[1]
        phi_p_face = 1.5 * phi_sep[-1] - 0.5 * phi_sep[-2]
        negative = -(phi_n_face - phi_cc_n) / current
        separator = -(phi_p_face - phi_n_face) / current
        cell = -voltage / current
        parts.append((cell, negative, separator, cell - negative - separator))
    return np.array(parts).T


def impedance(cell: str | CellParameters = "soft_carbon_half_cell",
              frequencies_Hz=None, *, soc: float | None = None, voltage_V: float | None = None,
              model: str = "SPMe", after_cycles: int = 0, current_density_mA_g: float = 100.0,
              degradation: bool = True, parameter_updates: dict | None = None,
              ) -> ImpedanceSpectrum:
    """Impedance spectrum of ``cell`` at rest at a state of charge or voltage.

    Parameters
    ----------
    cell
        A cell name or :class:`CellParameters`.
    frequencies_Hz
        Frequencies (default 50 from 100 kHz to 0.1 Hz, as in the paper).
    soc, voltage_V
        The state (see :func:`rest_voltage`); default ``soc=0.5``.
    model
        SPM (no electrolyte resistance), SPMe or DFN.
    after_cycles
        0 for the fresh cell; N for the state after N cycles of the cell's
        standard cycle at ``current_density_mA_g`` (fast fade path, Table S1's protocol),
        taken at the same voltage as the fresh one.

    Examples
    --------
    >>> import kion_sim
    >>> spectrum = kion_sim.impedance("soft_carbon_half_cell", [1e4, 1.0], soc=0.5)
    >>> sorted(spectrum.parts)
    ['cell', 'counter', 'separator', 'working']
    """
    cell = cell_parameters(cell) if isinstance(cell, str) else cell
    frequencies = np.atleast_1d(np.asarray(
        DEFAULT_FREQUENCIES_HZ if frequencies_Hz is None else frequencies_Hz, dtype=float))
    if frequencies.size == 0 or not np.all(np.isfinite(frequencies) & (frequencies > 0)):
        raise InvalidInputError(f"frequencies must be positive finite numbers in Hz, got "
                                f"{frequencies_Hz!r}")
    if int(after_cycles) != after_cycles or after_cycles < 0 or after_cycles == 1:
        raise InvalidInputError(f"after_cycles must be 0 (fresh) or a whole number >= 2 "
                                f"(a fade run), got {after_cycles!r}")
    if after_cycles and not cell.is_half_cell:
        raise InvalidInputError("after_cycles is available for half cells only; the full "
                                "cell's aged K balance is not yet mapped to a rest state")
    require_positive("current_density_mA_g", current_density_mA_g, "mA/g")
    voltage = rest_voltage(cell, soc, voltage_V)
    updates = dict(parameter_updates or {})
    at_rest = _rest_concentrations(cell, voltage)
    updates.update(at_rest)
    pybamm_model = build_model(model, cell, degradation, {"surface form": "differential"})
    try:
        values = parameter_values(cell, pybamm_model, updates)
        simulation = pybamm.EISSimulation(pybamm_model, values)
        if after_cycles:
            from kion_sim.simulation.fade import fade_run

            run = fade_run(cell, current_density_mA_g, int(after_cycles), model=model,
                           parameter_updates=parameter_updates)
            _keep_aged_states(simulation.model, run.end_state)
        _rest_trap_sites(simulation.model, values, _slot_potentials_V(cell, voltage, at_rest))
        cell_z, negative, separator, positive = solve_spectrum(simulation, frequencies)
    except (pybamm.SolverError, pybamm.ModelError, KeyError, ValueError, RuntimeError) as error:
        if isinstance(error, InvalidInputError):
            raise
        raise SimulationError(f"impedance of {cell.name} at {voltage:.3f} V failed: "
                              f"{str(error).splitlines()[0]}") from error
    negative_name, positive_name = _part_names(cell)
    area_cm2 = cell.values["Electrode height [m]"] * cell.values["Electrode width [m]"] * 1e4
    return ImpedanceSpectrum(cell.name, cell.label, model, voltage, int(after_cycles), area_cm2,
                             frequencies, {"cell": cell_z, negative_name: negative,
                                           "separator": separator, positive_name: positive})

