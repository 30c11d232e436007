"""PyBaMM's lithium-ion models reused for K-ion: the equations are the ion's, not lithium's.

The single-particle (SPM), single-particle with electrolyte (SPMe) and Doyle-Fuller-Newman
(DFN) models hold for any insertion chemistry; K+ enters only through the parameter values.
Degradation comes only from what the cell's mechanism declares, electrode by electrode
(``parameter_sets/mechanisms/``), and from what a material declares for itself (its file's
``[degradation]``: the cathode's own fade, on the slot that holds it): :func:`model_options`
turns the declarations into PyBaMM's per-electrode option tuples, so a mechanism never lands
on an electrode that did not declare it (a single option string would put it on both, the
K-metal counter electrode included).
"""

from __future__ import annotations

import warnings

import pybamm

from kion_sim.errors import ParameterSetError, UnknownNameError
from kion_sim.models.particle_geometry import GEOMETRIC_MODELS
from kion_sim.parameters.assemble import CellParameters
from kion_sim.parameters.mechanisms import DECLARABLE, material_fade

MODEL_NAMES = ("SPM", "SPMe", "DFN")
_MODEL_CLASSES = {
    "SPM": pybamm.lithium_ion.SPM,
    "SPMe": pybamm.lithium_ion.SPMe,
    "DFN": pybamm.lithium_ion.DFN,
}
# Options PyBaMM takes once for the whole cell rather than per electrode.
_CELL_WIDE = {"SEI film resistance": "distributed", "SEI porosity change": "true"}
_PER_ELECTRODE = ("SEI", "loss of active material", "particle mechanics")
_PHASE_KEY_CACHE: dict[tuple, list[str]] = {}


def _normalise(name: str) -> str:
    for known in MODEL_NAMES:
        if name.strip().lower() == known.lower():
            return known
    raise UnknownNameError("model", name, MODEL_NAMES)


def normalised_model_name(name: str) -> str:
    """``name`` as kion_sim spells it (``"spm"`` -> ``"SPM"``); raises for an unknown model."""
    return _normalise(name)


def _slot_roles(cell: CellParameters) -> tuple[str | None, str | None]:
    """Mechanism role held by PyBaMM's (negative, positive) slots."""
    return ("metal", "carbon") if cell.is_half_cell else ("carbon", None)


def slot_declarations(cell: CellParameters) -> tuple[dict[str, str], dict[str, str]]:
    """Option -> word declared for PyBaMM's (negative, positive) slots: the mechanism's, by
    the role each slot holds, and each electrode's material's own on top (only words other
    than the default). A material may not redeclare what the mechanism already puts there."""
    mechanism = cell.mechanism
    slots = tuple({option: mechanism.declared(role, option) for option in DECLARABLE
                   if mechanism.declared(role, option) != DECLARABLE[option][0]} if role else {}
                  for role in _slot_roles(cell))
    for design in cell.electrodes.values():
        declared = slots[0 if design.slot == "Negative" else 1]
        for option, word in material_fade(design.material).items():
            if declared.get(option, word) != word:
                raise ParameterSetError(
                    f"{design.material.name} declares {option} = {word!r} for itself, but "
                    f"mechanism {mechanism.name!r} puts {declared[option]!r} on the same "
                    f"electrode; PyBaMM takes one word per electrode")
            declared[option] = word
    return slots


def model_options(cell: CellParameters, degradation: bool = True) -> dict:
    """PyBaMM options for ``cell``: half-cell slot, trap sites and declared degradation.

    ``degradation=False`` leaves out both the fade mechanism and the K-trapping sites.
    """
    options: dict = {}
    if cell.is_half_cell:
        options["working electrode"] = "positive"
    carbon_slot = 1 if cell.is_half_cell else 0
    trapping = cell.trapping and degradation  # without degradation: the ideal reversible cell
    if trapping:  # trap sites: a second phase with a hysteretic OCP (Axen's one-state model:
        # the branch switches smoothly with the sites' own current, not at once with the sign
        # of the cell's, which would kick them by the whole 1.5 V window at each reversal)
        phases, ocp = ["1", "1"], ["single", "single"]
        phases[carbon_slot], ocp[carbon_slot] = "2", ("single", "one-state hysteresis")
        options["particle phases"], options["open-circuit potential"] = tuple(phases), tuple(ocp)
    if not degradation:
        return options
    declared = slot_declarations(cell)
    for option in _PER_ELECTRODE:
        words = tuple(slot.get(option, DECLARABLE[option][0]) for slot in declared)
        if any(word != DECLARABLE[option][0] for word in words):
            if trapping and option == "SEI":  # the SEI grows on the main phase only
                words = tuple((w, DECLARABLE[option][0]) if i == carbon_slot else w
                              for i, w in enumerate(words))
            options[option] = words
    for option, word in _CELL_WIDE.items():
        if any(slot.get(option) == word for slot in declared):
            options[option] = word
    return options


def build_model(name: str, cell: CellParameters, degradation: bool = True,
                extra_options: dict | None = None) -> pybamm.BaseModel:
    """A fresh PyBaMM model ``name`` (SPM, SPMe or DFN) set up for ``cell``.

    ``extra_options`` are cell-wide PyBaMM options added on top (e.g. ``{"surface form":
    "differential"}`` for impedance).

    Examples
    --------
    >>> from kion_sim.parameters import cell_parameters
    >>> build_model("spm", cell_parameters("soft_carbon_half_cell")).name
    'Single Particle Model'
    """
    model_class = _MODEL_CLASSES[_normalise(name)]
    shaped = particle_geometries(cell)
    options = {**model_options(cell, degradation), **(extra_options or {})}
    with warnings.catch_warnings():  # PyBaMM 25.10 redefined the rate; our value uses the new one
        warnings.filterwarnings("ignore", message="The definition of the hysteresis decay rate")
        if not shaped:  # spheres: PyBaMM's own particle model
            return model_class(options)
        return GEOMETRIC_MODELS[model_class](options, particle_geometries=shaped)


def particle_geometries(cell: CellParameters) -> dict:
    """PyBaMM domain (``"negative"``/``"positive"``) -> geometry of each electrode whose
    material declares non-spherical particles (``[geometry]`` in its file)."""
    return {design.slot.lower(): design.geometry for design in cell.electrodes.values()
            if design.geometry is not None and design.geometry.shape != "sphere"}


def parameter_values(cell: CellParameters, model: pybamm.BaseModel,
                     updates: dict | None = None) -> pybamm.ParameterValues:
    """``cell``'s values completed for ``model``: with trap sites, PyBaMM names the carbon's
    main-phase values ``"Primary: ..."``; they are the cell's unprefixed ones."""
    values = cell.parameter_values()
    if updates:
        values.update(updates)
    return with_phase_keys(values, model)


def with_phase_keys(values, model: pybamm.BaseModel):
    """``values`` (a dict or ParameterValues) plus the ``"Primary: ..."`` names ``model``
    reads, taken from the same unprefixed values."""
    phases = model.options["particle phases"]
    if all(count == "1" for count in (phases if isinstance(phases, tuple) else (phases,))):
        return values  # one phase per electrode: PyBaMM reads the unprefixed names
    for key in _phase_keys(model):
        bare = key.split(": ", 1)[1]
        if key not in values and bare in values:
            values[key] = values[bare]
    return values


def _phase_keys(model: pybamm.BaseModel) -> list[str]:
    """Phase-prefixed parameter names the model reads (walking its tree costs ~0.1 s: cached)."""
    key = (type(model), repr(sorted(model.options.items(), key=str)))
    if key not in _PHASE_KEY_CACHE:
        _PHASE_KEY_CACHE[key] = [k for k in model.get_parameter_info()
                                 if k.startswith(("Primary: ", "Secondary: "))]
    return _PHASE_KEY_CACHE[key]


