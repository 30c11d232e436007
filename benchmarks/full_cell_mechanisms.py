"""The default full cell under each carbon fade mechanism, mixed by the leave-one-out weights.

    python benchmarks/full_cell_mechanisms.py [--cycles 200] [--out benchmarks/results]

The full cell's intervals (full_cell_uncertainty.py) sample the carbon's mechanism with
everything else, so they cannot say what each mechanism alone predicts. This does: the same
cell (SPM, every cycle solved) under each mechanism with a stored fit of the 900 C carbon and
a physical leave-one-out entry, each with its pseudo-BMA weight (all candidates, and the
pre-reveal ones only). The spread between the mechanisms is not an interval: each
mechanism's own parameter spread is left out here. Writes full_cell_mechanisms.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from kion_sim.fullcell import predict_full_cell
from kion_sim.output import staged_files
from kion_sim.parameters import cell_parameters
from kion_sim.uncertainty import mechanism_weights as mw

# The falsified film laws get weights below 1e-24: no run of theirs could move the mixture.
_NEGLIGIBLE_WEIGHT = 1e-6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    evidence = mw.load_loo_evidence()
    weights = {"all": mw.pseudo_bma_weights(evidence),
               "pre_reveal": mw.pseudo_bma_weights(mw.select_evidence(evidence,
                                                                      post_reveal=False))}
    runs = {}
    for mechanism in evidence:
        if max(w.get(mechanism.mechanism, 0.0) for w in weights.values()) < _NEGLIGIBLE_WEIGHT:
            continue
        started = time.perf_counter()
        cell = cell_parameters("full_cell", mechanism.mechanism)
        summary = predict_full_cell(cell, model="SPM", rates_mA_g=(),
                                    fade_cycles=args.cycles).summary
        runs[mechanism.mechanism] = {
            "defined_after_reveal": mechanism.defined_after_reveal,
            "weight_all": weights["all"][mechanism.mechanism],
            "weight_pre_reveal": weights["pre_reveal"].get(mechanism.mechanism),
            "first_cycle_efficiency_pct": summary["first_cycle_efficiency_pct"],
            "capacity_mAh_g_cathode": summary["capacity_mAh_g_cathode"],
            "energy_Wh_kg_both": summary["energy_Wh_kg_both"],
            "retention_pct": summary[f"retention_after_{args.cycles}_cycles_pct"],
            "seconds": time.perf_counter() - started,
        }
        print(f"{mechanism.mechanism}: {runs[mechanism.mechanism]}", flush=True)
    mixture = {}
    for label, chosen in weights.items():
        kept = {m: w for m, w in chosen.items() if m in runs}
        total = sum(kept.values())
        mixture[label] = {"weighted_mean_retention_pct":
                          sum(w * runs[m]["retention_pct"] for m, w in kept.items()) / total,
                          "retention_range_pct": [min(runs[m]["retention_pct"] for m in kept),
                                                  max(runs[m]["retention_pct"] for m in kept)]}
    report = {"settings": vars(args), "runs": runs, "mixture": mixture}
    with staged_files(Path(args.out)) as files:
        files.text(json.dumps(report, indent=2), "full_cell_mechanisms.json")
    print(json.dumps(mixture, indent=2))


if __name__ == "__main__":
    main()
