"""The project's main job: Table S1, reported vs simulated, as Markdown and a figure.

    python benchmarks/table_s1.py [--model SPM] [--out benchmarks/results]

Writes table_s1.md (the side-by-side table, the blind predictions as checked, and how long the
whole benchmark took) and table_s1_fade.png (simulated fade curves with the reported end points).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from kion_sim.plotting import plot_fade_curves, save_figure
from kion_sim.validation import prediction_record, run_table_s1

_COLUMNS = {
    "material": "material", "source": "source", "window_V": "window [V]",
    "current_density_mA_g": "mA/g", "cycles": "cycles",
    "reported_capacity_mAh_g": "reported mAh/g", "simulated_capacity_mAh_g": "simulated mAh/g",
    "capacity_error_pct": "error %", "reported_retention_pct": "reported retention %",
    "simulated_retention_pct": "simulated retention %",
    "retention_error_points": "error (points)", "role": "role",
}


def markdown_table(table) -> str:
    shown = table[list(_COLUMNS)].rename(columns=_COLUMNS)
    lines = ["| " + " | ".join(shown.columns) + " |", "|" + "---|" * len(shown.columns)]
    for row in shown.itertuples(index=False):
        cells = ["" if v is None or v != v else f"{v + 0.0:g}" if isinstance(v, float) else str(v)
                 for name, v in zip(shown.columns, row, strict=True)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def prediction_lines() -> str:
    """One Markdown row per blind prediction: what was predicted, measured, and the error."""
    lines = ["| date | mechanism | predicted % | measured % | error (points) |",
             "|---|---|---|---|---|"]
    for entry in prediction_record().itertuples():
        lines.append(f"| {entry.date} | {entry.mechanism.split(' (')[0]} | "
                     f"{entry.predicted_retention_pct:g} | {entry.measured_retention_pct:g} | "
                     f"{entry.error_points:+g} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="SPM")
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result = run_table_s1(model=args.model)
    table = result.table
    labels = [f"{r.material} ({r.source}), {r.current_density_mA_g:g} mA/g"
              for r in table.itertuples()]
    curves = {label: result.fade_curves[i] for i, label in enumerate(labels)}
    reported = {label: (int(r.cycles), None if r.reported_retention_pct != r.reported_retention_pct
                        or r.reported_retention_pct is None else r.reported_retention_pct, r.role)
                for label, r in zip(labels, table.itertuples(), strict=True)}
    title = f"Table S1 carbons in K half cells ({args.model})"
    save_figure(plot_fade_curves(curves, reported, title), out / "table_s1_fade.png")
    mechanisms = ", ".join(f"`{name}`" for name in dict.fromkeys(table["mechanism"]))
    text = (f"# Table S1: reported vs simulated ({args.model})\n\n{markdown_table(table)}\n\n"
            f"Fade mechanism: {mechanisms}. Nothing is withheld since 2026-12-01: each row "
            f"is a fit (the 900 C carbon's three values to its four figures, every other "
            f"carbon's two values to its two), so no row here is a prediction.\n\n"
            f"The blind predictions, as made and as checked "
            f"(parameter_sets/reported/prediction_record.csv):\n\n"
            f"{prediction_lines()}\n\nWhole benchmark: {result.seconds:.0f} s on this "
            f"machine.\n")
    handle, temporary = tempfile.mkstemp(dir=out, suffix=".md.part")
    with os.fdopen(handle, "w") as stream:
        stream.write(text)
    os.replace(temporary, out / "table_s1.md")
    print(text)


if __name__ == "__main__":
    main()
