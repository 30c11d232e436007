"""Where a long jump of the two-cycle landings errs: at each landing, the capacity the run keeps
against the same cycle re-solved from the corrected state, and against brute force.

    python benchmarks/fast_fade_landings.py [--model SPM] [--cycles 500] [--share 1]

The soft carbon half cell at 500 mA/g on the two-cycle landings full cells use
(``kion_sim.simulation.fade.ONE_CYCLE_LANDINGS`` off; what half cells used before
2026-12-03). ``--share`` is the longest jump as a share of the run
(``kion_sim.simulation.fade._MAX_JUMP_SHARE``; 1: no cap). Each landing solves two cycles
from the predictor's state; the trapezoid corrector is not solved but added to the next
landing, and the landed capacities are moved by its share along the jump's path. Here each
landing's first cycle is also re-solved from the corrected state (those solves are not
counted, and the run goes on from its own state): if that lands on the brute force where
the kept capacity does not, the corrector is right and the capacity shift is what errs.
Writes ``benchmarks/results/fast_fade_landings.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import kion_sim
import kion_sim.simulation.fade as fade
from kion_sim.output import staged_files


def _probe_landings(cell, cycles: int, model: str) -> tuple[list[dict], object]:
    """The fast run, and per landing: predictor, kept and re-solved capacity (mAh/g)."""
    landings, last_land = [], {}
    land, judge = fade._land, fade._judge_landing

    def recording_land(stepper, state, y_now, y_landing):
        last_land.update(stepper=stepper, y_now=y_now.copy(), y_landing=y_landing.copy())
        return land(stepper, state, y_now, y_landing)

    def probing_judge(landed, steps_now, slope, jump, *args, **kwargs):
        accepted, judged = judge(landed, steps_now, slope, jump, *args, **kwargs)
        _, correction, lag, shift, estimate = judged
        predictor = fade._last_current_step(landed[1])
        corrected = last_land["stepper"].bounded(last_land["y_now"],
                                                 last_land["y_landing"] + correction)
        landings.append({"jump": jump, "accepted": bool(accepted), "lag_cycles": lag,
                         "estimate_pct": estimate, "predictor_mAh_g": predictor,
                         "kept_mAh_g": predictor + float(shift[-1, 0]),
                         "_re_solve": (last_land["stepper"], landed[0], corrected)})
        return accepted, judged

    fade._land, fade._judge_landing = recording_land, probing_judge
    try:
        run = fade.fade_run(cell, 500, cycles, model=model)
    finally:
        fade._land, fade._judge_landing = land, judge
    # Re-solved once the run is over, so the probe cannot move the run it probes.
    for landing in landings:
        stepper, carrier, corrected = landing.pop("_re_solve")
        _, steps = stepper(stepper.carrying(carrier, corrected))
        landing["re_solved_mAh_g"] = fade._last_current_step(steps)
    return landings, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="SPM")
    parser.add_argument("--cycles", type=int, default=500)
    parser.add_argument("--share", type=float, default=1.0)
    args = parser.parse_args()
    cell = kion_sim.cell_parameters("soft_carbon_half_cell")
    brute = fade.fade_run(cell, 500, args.cycles, model=args.model, exact=True).summary
    fade._MAX_JUMP_SHARE, fade.ONE_CYCLE_LANDINGS = args.share, False
    landings, run = _probe_landings(cell, args.cycles, args.model)
    # Which cycle each landing's first cycle is: the kept ones are in the run's summary.
    charge = run.summary["charge_capacity_mAh_g"].to_numpy()
    exact = brute["charge_capacity_mAh_g"].to_numpy()
    reference = exact[1]
    for landing in landings:
        # The landed first cycle is the summary's cycle whose capacity the run kept.
        kept = [k for k, q in enumerate(charge) if abs(q - landing["kept_mAh_g"]) < 1e-9]
        landing["cycle"] = kept[0] + 1 if kept and landing["accepted"] else None
        if landing["cycle"] is not None:
            brute_q = exact[landing["cycle"] - 1]
            landing["brute_mAh_g"] = float(brute_q)
            for key in ("predictor", "kept", "re_solved"):
                landing[f"{key}_error_points"] = 100 * (landing[f"{key}_mAh_g"] - brute_q) \
                    / reference
    print(f"{args.model}, {args.cycles} cycles at 500 mA/g, longest jump {args.share:g} of the "
          f"run: {run.cycles_solved} cycles solved")
    print(f"{'cycle':>5s} {'jump':>4s} {'estimate':>8s} {'error, points of cycle 2:':>26s} "
          f"{'predictor':>9s} {'kept':>6s} {'re-solved':>9s}")
    for landing in landings:
        if landing["cycle"] is None:
            print(f"{'-':>5s} {landing['jump']:4d} rejected")
            continue
        print(f"{landing['cycle']:5d} {landing['jump']:4d} {landing['estimate_pct']:7.3f}% "
              f"{'':26s} {landing['predictor_error_points']:+9.2f} "
              f"{landing['kept_error_points']:+6.2f} {landing['re_solved_error_points']:+9.2f}")
    results = Path(__file__).parent / "results" / "fast_fade_landings.json"
    with staged_files(results.parent) as files:
        files.text(json.dumps({"model": args.model, "cycles": args.cycles,
                               "longest_jump_share": args.share,
                               "cycles_solved": run.cycles_solved, "landings": landings},
                              indent=1) + "\n", results.name)


if __name__ == "__main__":
    main()
