"""The uncertainty studies the command line runs: intervals of the headline figures, and the
Sobol ranking of which unknown moves them most."""

from __future__ import annotations

from dataclasses import dataclass

from kion_sim.errors import InvalidInputError
from kion_sim.uncertainty.inputs import select_inputs
from kion_sim.uncertainty.simulated import (
    EVALUATOR,
    check_figures,
    evaluator_options,
    uncertain_inputs,
)
from kion_sim.uncertainty.study import IntervalResult, SobolResult, run_intervals, run_sobol

SENSITIVITY_FIGURES = ("blind_retention_pct", "rate_capacity_mAh_g", "full_cell_energy_Wh_kg")


@dataclass(frozen=True)
class Execution:
    """Where and how samples run: ``executor`` serial, local or dask, and a checkpoint."""

    workers: int | None = None
    scheduler: str | None = None
    checkpoint: str | None = None
    show_progress: bool = True

    @property
    def executor(self) -> str:  # run_sweep runs "local" with one worker in this process
        return "dask" if self.scheduler else "local"

    def settings(self) -> dict:
        return dict(executor=self.executor, workers=self.workers, scheduler=self.scheduler,
                    checkpoint=self.checkpoint, show_progress=self.show_progress)


def figure_intervals(figures: list[str], samples: int = 8, seed: int = 0,
                     recalibrate: bool = False, parameters: list[str] | None = None,
                     execution: Execution = Execution(), **evaluator) -> IntervalResult:
    """5-95 % intervals of ``figures`` (:data:`~kion_sim.uncertainty.simulated.FIGURES`)
    over ``samples`` Latin-hypercube samples; ``parameters`` restricts the sampled inputs
    (default: every one behind the figures); ``evaluator`` goes to
    :func:`~kion_sim.uncertainty.simulated.evaluator_options` (model, full-cell settings)."""
    inputs = select_inputs(uncertain_inputs(check_figures(figures)), parameters)
    options = evaluator_options(figures, inputs, recalibrate=recalibrate, **evaluator)
    return run_intervals(EVALUATOR, inputs, figures, samples, seed, options,
                         **execution.settings())


GROUPINGS = ("input", "component")


def component_groups(inputs) -> list[str]:
    """One group per parameter file (a material, the cell's recipe, a mechanism) and one for
    the fitted values: which file's unknowns are worth measuring."""
    return ["fitted values" if i.kind == "fitted" else i.name.split(": ")[0] for i in inputs]


def sensitivity(figures: list[str] = SENSITIVITY_FIGURES, base_samples: int = 4, seed: int = 0,
                recalibrate: bool = False, parameters: list[str] | None = None,
                execution: Execution = Execution(), by: str = "input",
                **evaluator) -> SobolResult:
    """Sobol indices of ``figures`` over the unknowns behind them, ``by`` input
    (``base_samples * (inputs + 2)`` simulations) or by component (one group per parameter
    file: ``base_samples * (groups + 2)``, affordable for the long figures)."""
    if by not in GROUPINGS:
        raise InvalidInputError(f"unknown grouping {by!r}; valid: {', '.join(GROUPINGS)}")
    inputs = select_inputs(uncertain_inputs(check_figures(figures)), parameters)
    options = evaluator_options(figures, inputs, recalibrate=recalibrate, **evaluator)
    groups = component_groups(inputs) if by == "component" else None
    return run_sobol(EVALUATOR, inputs, list(figures), base_samples, seed, options,
                     **execution.settings(), groups=groups)


def plot_ranking(result: SobolResult, top: int = 12):
    """One bar chart per figure: S1 and ST of its ``top`` inputs with their 95 % bars."""
    import matplotlib.pyplot as plt
    import numpy as np

    figures = list(dict.fromkeys(result.indices["figure"]))
    figure, axes = plt.subplots(1, len(figures), figsize=(6.5 * len(figures), 0.4 * top + 2),
                                squeeze=False)
    for axis, name in zip(axes[0], figures, strict=True):
        ranked = result.ranking(name).head(top)[::-1]
        rows = np.arange(len(ranked))
        axis.barh(rows + 0.2, ranked["ST"], 0.4, xerr=ranked["ST_conf"], label="total (ST)")
        axis.barh(rows - 0.2, ranked["S1"], 0.4, xerr=ranked["S1_conf"],
                  label="first order (S1)")
        axis.set_yticks(rows, [label.replace(": ", ":\n", 1) for label in ranked["input"]],
                        fontsize=7)
        axis.set_xlabel("Sobol index (share of the figure's variance)")
        axis.set_title(name)
        axis.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    return figure
