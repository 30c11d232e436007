"""One place that turns an output's column name into the label a person reads, unit in brackets.

Outputs are named for code (``energy_Wh_kg_both_no_plating``); figures and tables show
``Energy, both active materials, no plating [Wh/kg]``. Names this module does not know keep
their words, their unit read from the suffix; PyBaMM keys (``"SEI resistivity [Ohm.m]"``)
already carry their unit and are left as they are.
"""

from __future__ import annotations

# Words a name is built from, as a reader says them (checked in order: longer first).
_UNITS = (
    ("_mAh_g_cathode", "mAh per g of cathode"), ("_mAh_g_both", "mAh per g of both"),
    ("_Wh_kg_both", "Wh per kg of both"), ("_mAh_g", "mAh/g"), ("_mWh_g", "mWh/g"),
    ("_mA_g", "mA/g"), ("_Wh_kg", "Wh/kg"), ("_mg_cm2", "mg/cm2"), ("_m2_s", "m2/s"),
    ("_pct", "%"), ("_nm", "nm"), ("_mV", "mV"), ("_V", "V"), ("_s", "s"), ("_h", "h"),
    ("_ohm", "Ohm"), ("_Hz", "Hz"),
)
# Names whose words alone would mislead or read badly.
_KNOWN = {
    "prepotassiation_mAh_g": "Pre-potassiation of the carbon [mAh per g of carbon]",
    "cathode_excess_pct": "Cathode excess over the set's loading [%]",
    "energy_Wh_kg_both_no_plating": "Energy, designs that do not plate K [Wh per kg of both]",
    "n_to_p": "N/P (carbon over oxide capacity per area)",
    "first_cycle_efficiency_pct": "First-cycle coulombic efficiency [%]",
    "current_density_mA_g": "Specific current [mA/g]",
}


def axis_label(name: str) -> str:
    """The label a person reads for the output column ``name``.

    Examples
    --------
    >>> axis_label("cathode_excess_pct")
    "Cathode excess over the set's loading [%]"
    >>> axis_label("retention_after_100_cycles_pct")
    'Retention after 100 cycles [%]'
    >>> axis_label("SEI resistivity [Ohm.m]")
    'SEI resistivity [Ohm.m]'
    """
    if name in _KNOWN:
        return _KNOWN[name]
    if "[" in name or " " in name:  # a PyBaMM key or a label already
        return name
    unit = ""
    for suffix, said in _UNITS:
        if name.endswith(suffix) and len(name) > len(suffix):
            name, unit = name[: -len(suffix)], f" [{said}]"
            break
    words = name.replace("_", " ").strip()
    return f"{words[:1].upper()}{words[1:]}{unit}"
