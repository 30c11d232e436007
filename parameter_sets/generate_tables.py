"""Writes the tabulated curves in data/ from the estimated shapes below.

Run ``python parameter_sets/generate_tables.py`` after changing a shape. The OCPs use the
multi-site, multi-reaction (MSMR) form of Verbrugge et al., J. Electrochem. Soc. 164 (2017)
E3243: filling x(U) = x_min + sum_j X_j / (1 + exp(F (U - U0_j) / (omega_j R T))), a sum of
site populations that each fill around U0_j, broadly (large omega: adsorption on disordered
carbon) or sharply (small omega: an ordered K+/vacancy plateau). Each gallery below says why.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

F_OVER_RT = 96485.33212 / (8.314462618 * 298.15)
DATA = Path(__file__).parent / "data"

# Soft carbon (900 C): a sloping profile with no flat plateau (Jian et al. JACS 2015; Wang
# et al. Nanoscale 2017). Galleries: (U0 [V], omega, share of the full stoichiometry).
SOFT_CARBON_GALLERIES = [
    (0.80, 9.0, 0.22),  # K+ adsorption on defects and edges: broad, above ~0.5 V
    (0.33, 3.5, 0.48),  # interlayer insertion into turbostratic domains, the sloping bulk
    (0.10, 1.6, 0.30),  # insertion into the most ordered domains near 0.1 V (KC8-like)
]

# Graphite: staged K intercalation C -> KC24 (stage 3) -> KC16 (stage 2) -> KC8 (stage 1),
# holding 1/3, 1/2 and all of KC8's 279 mAh/g (Jian et al. JACS 2015; Luo et al. Nano Lett.
# 2015 place the potassiation plateaus near 0.25, 0.2 and 0.1 V vs K/K+).
GRAPHITE_GALLERIES = [
    (0.75, 8.0, 0.03),  # sloping surface/edge storage above 0.5 V
    (0.26, 1.2, 0.30),  # stage 3 (KC24)
    (0.19, 1.0, 0.17),  # stage 2 (KC16)
    (0.10, 1.0, 0.50),  # stage 1 (KC8)
]
# Polynanocrystalline graphite (Xing et al. ACS AMI 2017): the same stages, broadened by its
# nanometre crystallites and with more defect (sloping) storage.
NANOGRAPHITE_GALLERIES = [
    (0.80, 9.0, 0.12),
    (0.28, 2.5, 0.28),
    (0.20, 2.0, 0.15),
    (0.11, 1.8, 0.45),
]
# Hard-soft composite carbon (Jian et al. Adv. Funct. Mater. 2017): a hard-carbon-like sloping
# region from defects and a low-potential region from pore filling/ordered domains.
HARD_SOFT_GALLERIES = [
    (0.85, 10.0, 0.30),
    (0.35, 4.0, 0.35),
    (0.09, 1.5, 0.35),
]

# P2-K0.6CoO2: steps from K+/vacancy ordering between ~2.0 and ~3.9 V (Kim et al. Adv.
# Energy Mater. 2017; Hironaka et al. Chem. Commun. 2017); x = K per CoO2 formula unit.
# Reversible x ~0.30-0.67 in 2.0-3.9 V: 87 mAh/g at 20 mA/g (Nano Lett. 2023) over 234 mAh/g
# per unit x.
KCOO_X_MIN = 0.30  # K left in the layers at the top of charge (~3.9-4.0 V)
KCOO_GALLERIES = [
    (3.72, 1.2, 0.042),
    (3.42, 1.0, 0.059),
    (3.13, 1.0, 0.068),
    (2.86, 1.2, 0.068),
    (2.55, 1.5, 0.076),
    (2.22, 2.0, 0.068),
]


def msmr_filling(potential_V: np.ndarray, galleries, x_min: float = 0.0) -> np.ndarray:
    filling = np.full_like(potential_V, x_min, dtype=float)
    for u0, omega, share in galleries:
        filling += share / (1.0 + np.exp(F_OVER_RT * (potential_V - u0) / omega))
    return filling


def write_ocp(name: str, potential_V: np.ndarray, galleries, x_min: float = 0.0) -> None:
    sto = msmr_filling(potential_V, galleries, x_min)
    order = np.argsort(sto)
    sto, potential_V = sto[order], potential_V[order]
    # Where every gallery is full or empty the filling barely moves: keep x strictly rising.
    keep = np.concatenate([[True], np.diff(sto) > 1e-6])
    table = np.column_stack([sto[keep], potential_V[keep]])
    np.savetxt(DATA / f"{name}_ocp.csv", table, delimiter=",", fmt="%.8g",
               header="stoichiometry,ocp_V", comments="")


def write_electrolyte(name: str, conductivity_S_m, diffusivity_m2_s) -> None:
    concentration = np.linspace(0.0, 2500.0, 51)
    for label, curve, unit in [("conductivity", conductivity_S_m, "S_m"),
                               ("diffusivity", diffusivity_m2_s, "m2_s")]:
        np.savetxt(DATA / f"{name}_{label}.csv",
                   np.column_stack([concentration, curve(concentration)]), delimiter=",",
                   fmt="%.8g", header=f"concentration_mol_m3,{label}_{unit}", comments="")


if __name__ == "__main__":
    DATA.mkdir(exist_ok=True)
    write_ocp("soft_carbon_900C", np.linspace(3.0, -0.02, 500), SOFT_CARBON_GALLERIES)
    write_ocp("graphite", np.linspace(2.1, -0.02, 500), GRAPHITE_GALLERIES)
    write_ocp("nanographite", np.linspace(2.1, -0.02, 500), NANOGRAPHITE_GALLERIES)
    write_ocp("hard_soft_carbon", np.linspace(2.1, -0.02, 500), HARD_SOFT_GALLERIES)
    write_ocp("k0p6coo2", np.linspace(4.3, 1.5, 400), KCOO_GALLERIES, KCOO_X_MIN)
    # KPF6 in EC:DEC: peak ~0.75 S/m near 0.8-1 M (estimate; see kpf6_ec_dec.toml).
    write_electrolyte(
        "kpf6_ec_dec",
        lambda c: 1e-4 + 0.75 * (c / 900.0) * np.exp(1.0 - c / 900.0),
        lambda c: 3.0e-10 * np.exp(-0.5 * c / 1000.0),
    )
