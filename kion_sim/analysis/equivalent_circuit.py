"""Equivalent-circuit fits of impedance spectra (the ``impedance`` package, impedance.py).

The field reads a spectrum as R_ohm in series with one or two RC arcs (SEI film, charge
transfer) and a Warburg tail; :func:`fit_equivalent_circuit` fits that circuit to any
spectrum, simulated or measured (:func:`read_spectrum` reads a CSV), and returns a table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kion_sim.errors import DataFileError, InvalidInputError, KionSimError

# circuit string (impedance.py syntax) -> names of its parameters, in order
_CIRCUITS = {
    (1, "C"): ("R0-p(R1,C1)-W1", ("R_ohm", "R_ct", "C_dl", "Warburg_sigma")),
    (2, "C"): ("R0-p(R1,C1)-p(R2,C2)-W1",
               ("R_ohm", "R_SEI", "C_SEI", "R_ct", "C_dl", "Warburg_sigma")),
    (1, "CPE"): ("R0-p(R1,CPE1)-W1", ("R_ohm", "R_ct", "Q_dl", "n_dl", "Warburg_sigma")),
    (2, "CPE"): ("R0-p(R1,CPE1)-p(R2,CPE2)-W1",
                 ("R_ohm", "R_SEI", "Q_SEI", "n_SEI", "R_ct", "Q_dl", "n_dl", "Warburg_sigma")),
}
_UNITS = {"R": "Ohm", "C": "F", "Q": "F.s^(n-1)", "n": "-", "W": "Ohm.s^-0.5"}


def _initial_guess(frequency_Hz, z, arcs: int, element: str) -> list[float]:
    r_ohm = max(float(z.real[np.argmax(frequency_Hz)]), 1e-6)
    r_arcs = max(float(np.max(z.real)) - r_ohm, 1e-3) / 2
    apex = frequency_Hz[np.argmax(-z.imag)]
    c = 1 / (2 * np.pi * apex * r_arcs)
    sigma = max(r_arcs / 10, 1e-3)
    arc = [r_arcs, c] if element == "C" else [r_arcs, c, 0.9]
    if arcs == 1:
        return [r_ohm, *arc, sigma]
    fast = [r_arcs / 2, c / 100] if element == "C" else [r_arcs / 2, c / 100, 0.9]
    return [r_ohm, *fast, *arc, sigma]


def fit_equivalent_circuit(frequency_Hz, impedance_ohm, arcs: int = 2, element: str = "C",
                           initial_guess: list[float] | None = None) -> pd.DataFrame:
    """Fit R_ohm + ``arcs`` x (R || C or CPE) + Warburg to a spectrum; one row per parameter.

    Examples
    --------
    >>> import numpy as np
    >>> f = np.logspace(5, -2, 60)
    >>> z = 2 + 10 / (1 + 2j * np.pi * f * 10 * 1e-4) + 1 / np.sqrt(2j * np.pi * f)
    >>> table = fit_equivalent_circuit(f, z, arcs=1)
    >>> round(table.set_index("parameter").loc["R_ct", "value"], 2)
    10.0
    """
    try:
        from impedance.models.circuits import CustomCircuit
    except ImportError:
        raise KionSimError("equivalent-circuit fits need the 'impedance' package: "
                           "pip install 'kion_sim[eis]'") from None
    if (arcs, element) not in _CIRCUITS:
        raise InvalidInputError(f"arcs must be 1 or 2 and element 'C' or 'CPE', got "
                                f"arcs={arcs!r}, element={element!r}")
    frequency = np.asarray(frequency_Hz, dtype=float)
    z = np.asarray(impedance_ohm, dtype=complex)
    if frequency.shape != z.shape or frequency.size < 5:
        raise InvalidInputError(f"need matching frequency and impedance arrays of 5 or more "
                                f"points, got {frequency.size} and {z.size}")
    circuit_text, names = _CIRCUITS[(arcs, element)]
    guess = initial_guess or _initial_guess(frequency, z, arcs, element)
    circuit = CustomCircuit(circuit_text, initial_guess=guess)
    circuit.fit(frequency, z, bounds=(np.zeros(len(guess)),
                                      [1.0 if n.startswith("n_") else np.inf for n in names]))
    errors = circuit.conf_ if circuit.conf_ is not None else [np.nan] * len(names)
    residual = np.abs(circuit.predict(frequency) - z) / np.abs(z)
    table = pd.DataFrame({"parameter": names, "value": circuit.parameters_,
                          "std_error": errors,
                          "unit": [_UNITS[n[0]] if not n.startswith("Warburg") else _UNITS["W"]
                                   for n in names]})
    table.attrs["circuit"] = circuit_text
    table.attrs["rms_relative_residual"] = float(np.sqrt(np.mean(residual ** 2)))
    return table


def read_spectrum(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(frequency [Hz], Z [Ohm]) from a CSV: kion-sim's own columns (``frequency_Hz``,
    ``re_Z_ohm``, ``minus_im_Z_ohm``; the ``cell`` part if there are parts) or three unnamed
    columns frequency, Re Z, Im Z (impedance.py's convention, Im Z negative on arcs)."""
    path = Path(path)
    try:
        table = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError, ValueError) as error:
        raise DataFileError(f"cannot read spectrum {str(path)!r}: {error}") from None
    if {"frequency_Hz", "re_Z_ohm", "minus_im_Z_ohm"} <= set(table.columns):
        if "part" in table.columns:
            table = table[table["part"] == "cell"]
        frequency = table["frequency_Hz"].to_numpy(float)
        z = table["re_Z_ohm"].to_numpy(float) - 1j * table["minus_im_Z_ohm"].to_numpy(float)
    else:
        table = pd.read_csv(path, header=None)
        if table.shape[1] != 3:
            raise DataFileError(f"{str(path)!r} needs columns frequency_Hz, re_Z_ohm, "
                                f"minus_im_Z_ohm or three unnamed columns (f, Re Z, Im Z); "
                                f"found {table.shape[1]} columns")
        try:
            values = table.to_numpy(float)
        except ValueError:
            raise DataFileError(f"{str(path)!r}: non-numeric values in the three "
                                f"columns f, Re Z, Im Z") from None
        frequency, z = values[:, 0], values[:, 1] + 1j * values[:, 2]
    if frequency.size < 5 or not np.all(np.isfinite(frequency) & (frequency > 0)):
        raise DataFileError(f"{str(path)!r}: need 5 or more positive finite frequencies")
    return frequency, z
