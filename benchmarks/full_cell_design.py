"""Full-cell design sweep: which N/P and pre-potassiation give the most energy that lasts.

    python benchmarks/full_cell_design.py [--cycles 100] [--out benchmarks/results]

Writes full_cell_design.csv and heat maps of energy (Wh/kg of both active materials) and of
retention over cathode excess (N/P) and pre-potassiation; designs whose carbon would fall below
0 V vs K/K+ (K plating: the charge was ended by the carbon's 0 V limit) are left blank, and
the best remaining cell is outlined.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from kion_sim.fullcell import design_sweep
from kion_sim.output import write_csv
from kion_sim.plotting import plot_heatmap, save_figure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    out = Path(args.out)
    started = time.perf_counter()
    table = design_sweep(fade_cycles=args.cycles)
    write_csv(table, out / "full_cell_design.csv")
    retention = f"retention_after_{args.cycles}_cycles_pct"
    # A design whose carbon falls below 0 V vs K/K+ would plate K metal: not a usable cell.
    safe = table["anode_min_potential_V"] > 1e-3  # 0 V: the carbon guard ended the charge
    table["energy_Wh_kg_both_no_plating"] = table["energy_Wh_kg_both"].where(safe)
    table[f"{retention}_no_plating"] = table[retention].where(safe)
    for value, name in (("energy_Wh_kg_both_no_plating", "energy"),
                        (f"{retention}_no_plating", "retention")):
        save_figure(plot_heatmap(table, "cathode_excess_pct", "prepotassiation_mAh_g", value,
                                 f"Full cell (prediction): {value}"),
                    out / f"full_cell_design_{name}.png")
    print(table.round(3).to_string(index=False))
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
