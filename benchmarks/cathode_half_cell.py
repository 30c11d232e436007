"""The K0.6CoO2 half cell behind the full-cell prediction: voltage curves, rate, fade.

    python benchmarks/cathode_half_cell.py [--model SPMe] [--out benchmarks/results]

Window 2.0-3.9 V vs K/K+ (Kim et al. 2017): above ~4 V the carbonate electrolyte oxidises
and P2-KxCoO2 loses its structure; below 2 V little more K enters. The oxide fades by its own
declared loss of host per K cycled (``[degradation]`` of materials/k0p6coo2.toml), fitted to
the reported 86.9 % after 1000 cycles at 40 mA/g (benchmarks/cathode_fade_fit.py): ~0.014 % a
cycle, invisible over these few cycles.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import kion_sim
from kion_sim.output import write_csv
from kion_sim.plotting import plot_rate_capability, plot_voltage_curves, save_figure

CELL = "k0p6coo2_half_cell"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="SPMe")
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    out = Path(args.out)
    cell = kion_sim.cell_parameters(CELL)
    result = kion_sim.simulate(cell, kion_sim.galvanostatic_cycles(cell, 20, 3), model=args.model)
    rate = kion_sim.rate_capability(cell, [10, 20, 50, 100, 200, 500], model=args.model)
    write_csv(kion_sim.voltage_curves(result.timeseries), out / "cathode_voltage_curves.csv")
    write_csv(rate, out / "cathode_rate_capability.csv")
    title = f"K0.6CoO2 vs K ({args.model})"
    save_figure(plot_voltage_curves(result.timeseries, f"{title}, 20 mA/g"),
                out / "cathode_voltage_curves.png")
    save_figure(plot_rate_capability(rate, title), out / "cathode_rate_capability.png")
    print(kion_sim.cycle_summary(result.steps).round(2).to_string(index=False))
    shown = rate[["current_density_mA_g", "discharge_capacity_mAh_g"]].round(1)
    print(shown.to_string(index=False))


if __name__ == "__main__":
    main()
