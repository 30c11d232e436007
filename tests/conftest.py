"""Independent readers of the declarative parameter sets, for reference values in tests.

Tests compare kion_sim against numbers worked out here from the TOML and CSV files with
tomllib and numpy alone, never against kion_sim's own output.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest
from scipy.constants import physical_constants

FARADAY_C_MOL = physical_constants["Faraday constant"][0]
# The PyBaMM slot of each electrode role: half cells put the working electrode in "Positive".
SLOTS = {"half_cell": {"working": "Positive"},
         "full_cell": {"anode": "Negative", "cathode": "Positive"}}


def _sets_dir() -> Path:
    checkout = Path(__file__).resolve().parents[1] / "parameter_sets"
    if checkout.is_dir():
        return checkout
    from kion_sim.parameters.catalog import parameter_sets_dir  # tests run outside a checkout

    return parameter_sets_dir()


class ParameterSetFiles:
    """The parameter-set folder read with tomllib and numpy only."""

    def __init__(self, root: Path):
        self.root = root
        self._docs = {folder: {} for folder in ("cells", "materials", "mechanisms")}
        for folder, docs in self._docs.items():
            for path in sorted((root / folder).glob("*.toml")):
                document = tomllib.loads(path.read_text())
                docs[document["component"]["name"]] = document

    def cell(self, name: str) -> dict:
        return self._docs["cells"][name]

    def material(self, name: str) -> dict:
        return self._docs["materials"][name]

    def mechanism(self, name: str) -> dict:
        return self._docs["mechanisms"][name]

    def mechanism_names(self) -> list[str]:
        return sorted(self._docs["mechanisms"])

    def calibration(self, cell_name: str) -> dict:
        """The stored fits of a cell, per mechanism ({} if never calibrated)."""
        path = self.root / "calibrations" / f"{cell_name}.toml"
        return tomllib.loads(path.read_text()) if path.is_file() else {}

    def cell_names(self) -> list[str]:
        return sorted(self._docs["cells"])

    def material_names(self) -> list[str]:
        return sorted(self._docs["materials"])

    def ocp(self, material_name: str) -> tuple[np.ndarray, np.ndarray]:
        """(stoichiometry, OCP [V]) of a material, straight from its CSV."""
        file = self.material(material_name)["tables"]["ocp"]["file"]
        table = np.loadtxt(self.root / "data" / file, delimiter=",", skiprows=1)
        return table[:, 0], table[:, 1]

    def stoichiometry_at(self, material_name: str, volts):
        """Invert the tabulated OCP (it falls as stoichiometry rises) by linear interpolation."""
        sto, ocp = self.ocp(material_name)
        return np.interp(volts, ocp[::-1], sto[::-1])

    def ocp_at(self, material_name: str, stoichiometry):
        sto, ocp = self.ocp(material_name)
        return np.interp(stoichiometry, sto, ocp)

    def electrode(self, cell_name: str, role: str) -> dict[str, float]:
        """An electrode's recipe values, plus its material's, plus the cell's area."""
        cell = self.cell(cell_name)
        material = self.material(cell["uses"][role])
        values = {k: v["value"] for k, v in material["values"].items()}
        # The fit stored for the cell's declared mechanism replaces the material's estimates.
        mechanism = cell.get("degradation", {}).get("mechanism", "none")
        calibrated_in = cell.get("degradation", {}).get("calibrated in", cell_name)
        fitted = self.calibration(calibrated_in).get(mechanism, {}).get(cell["uses"][role], {})
        values.update({k: v["value"] for k, v in fitted.items()})
        values.update({k: v["value"] for k, v in cell["electrodes"][role].items()})
        values["material"] = cell["uses"][role]
        values["area [cm2]"] = cell["values"]["electrode area [cm2]"]["value"]
        # 1 mg/cm2 x 1 cm2 = 1e-3 g
        values["active mass [g]"] = (values["active mass loading [mg.cm-2]"]
                                     * values["area [cm2]"] * 1e-3)
        return values


@pytest.fixture(scope="session")
def sets() -> ParameterSetFiles:
    return ParameterSetFiles(_sets_dir())


@pytest.fixture(scope="session")
def faraday() -> float:
    return FARADAY_C_MOL


@pytest.fixture(scope="session")
def slots() -> dict:
    return SLOTS
