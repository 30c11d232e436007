"""The calibrated 900 C soft carbon: 2nd-cycle voltage curves, rate capability, and why.

    python benchmarks/soft_carbon_rate.py [--model SPMe] [--out benchmarks/results]

Writes CSV and PNG: voltage curves of the 2nd cycle at 100 and 500 mA/g, the rate capability
over 50-2000 mA/g, and the overpotentials at the end of each 2nd-cycle potassiation (which
mechanism pushes the carbon to its 0.01 V cut-off first).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import kion_sim
from kion_sim.output import write_csv
from kion_sim.plotting import (
    plot_labelled_curves,
    plot_overpotentials,
    plot_rate_capability,
    save_figure,
)
from kion_sim.simulation import overpotential_breakdown

CELL = "soft_carbon_half_cell"
CURRENTS_mA_g = [50, 100, 200, 500, 1000, 2000]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="SPMe")
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    out = Path(args.out)
    cell = kion_sim.cell_parameters(CELL)
    curves, rates, losses = {}, [], []
    for current in CURRENTS_mA_g:
        result = kion_sim.simulate(cell, kion_sim.galvanostatic_cycles(cell, current, 2),
                                   model=args.model, show_progress=False)
        second = kion_sim.cycle_summary(result.steps).iloc[1]
        rates.append({"current_density_mA_g": current, **second.drop("cycle").to_dict()})
        breakdown = overpotential_breakdown(result, cycle=2, step=1)
        losses.append(breakdown.assign(current_density_mA_g=current))
        if current in (100, 500):
            all_curves = kion_sim.voltage_curves(result.timeseries)
            curves[f"{current} mA/g"] = all_curves[all_curves["cycle"] == 2]
    rate_table, loss_table = pd.DataFrame(rates), pd.concat(losses, ignore_index=True)
    closure = loss_table[loss_table["mechanism"] == "closure"]["overpotential_V"].max()
    loss_table = loss_table[loss_table["mechanism"] != "closure"]  # sums to the voltage
    write_csv(rate_table, out / "soft_carbon_rate_capability.csv")
    write_csv(loss_table, out / "soft_carbon_overpotentials.csv")
    write_csv(pd.concat([c.assign(current=label) for label, c in curves.items()]),
              out / "soft_carbon_voltage_curves_cycle2.csv")
    title = f"900 C soft carbon vs K ({args.model})"
    save_figure(plot_labelled_curves(curves, f"{title}, 2nd cycle"),
                out / "soft_carbon_voltage_curves_cycle2.png")
    save_figure(plot_rate_capability(rate_table, title), out / "soft_carbon_rate_capability.png")
    save_figure(plot_overpotentials(loss_table, f"{title}: end of 2nd potassiation"),
                out / "soft_carbon_overpotentials.png")
    print(rate_table[["current_density_mA_g", "discharge_capacity_mAh_g",
                      "charge_capacity_mAh_g"]].round(1).to_string(index=False))
    print(loss_table.pivot(index="current_density_mA_g", columns="mechanism",
                           values="overpotential_V").round(3).to_string())
    print(f"largest voltage the losses leave unexplained: {closure * 1e3:.3f} mV")


if __name__ == "__main__":
    main()
