"""Writes results to a folder: a set of files appears whole or not at all.

Every file is first written to a temporary beside its destination; only when all of a set
(tables and figures) are written are they renamed into place, so a failure on the way (a
figure that cannot be drawn, a full disk) leaves none of them behind.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from kion_sim.analysis import cycle_summary, voltage_curves
from kion_sim.errors import OutputError
from kion_sim.plotting import plot_cycle_performance, plot_rate_capability, plot_voltage_curves
from kion_sim.simulation import SimulationResult


def check_writable_folder(folder: str | Path) -> Path:
    """Raise :class:`OutputError` unless files can be written in ``folder``.

    Call it before a long computation. Folders it has to create to find out are removed again.
    """
    folder = Path(folder)
    created = [parent for parent in (folder, *folder.parents) if not parent.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise OutputError(f"cannot write to output folder {str(folder)!r}: "
                          f"{error.strerror or error}; choose a writable folder") from None
    finally:
        for path in created:  # deepest first
            try:
                path.rmdir()
            except OSError:
                pass
    return folder


def check_writable_file(path: str | Path) -> Path:
    """Raise :class:`OutputError` unless a file can be written at ``path``."""
    path = Path(path)
    if path.is_dir() or not path.name:
        raise OutputError(f"output file {str(path)!r} is a folder; give a file name, e.g. "
                          f"{str(path / 'table.csv')!r}")
    check_writable_folder(path.parent)
    return path


class StagedFiles:
    """Files written to temporaries; :meth:`commit` renames them all into place."""

    def __init__(self, folder: Path):
        self.folder, self._staged = folder, []

    def _temporary(self, name: str) -> str:
        handle, temporary = tempfile.mkstemp(suffix=f".{name}.part", dir=self.folder)
        os.close(handle)
        self._staged.append((temporary, self.folder / name))
        return temporary

    def table(self, table: pd.DataFrame, name: str) -> Path:
        table.to_csv(self._temporary(name), index=False)
        return self.folder / name

    def figure(self, figure, name: str) -> Path:
        import matplotlib.pyplot as plt

        try:
            figure.savefig(self._temporary(name), dpi=150, format="png")
        finally:
            plt.close(figure)
        return self.folder / name

    def file(self, name: str, write) -> Path:
        """Stage any file: ``write(temporary_path)`` writes it."""
        write(self._temporary(name))
        return self.folder / name

    def text(self, text: str, name: str) -> Path:
        """Stage a text file (TOML, JSON, CSV written by hand)."""
        Path(self._temporary(name)).write_text(text)
        return self.folder / name

    def commit(self) -> list[Path]:
        for temporary, path in self._staged:
            os.replace(temporary, path)
        paths, self._staged = [path for _, path in self._staged], []
        return paths

    def discard(self) -> None:
        for temporary, _ in self._staged:
            if os.path.exists(temporary):
                os.remove(temporary)
        self._staged = []


@contextmanager
def staged_files(folder: str | Path):
    """``with staged_files(folder) as files: files.table(...); files.figure(...)``.

    The files appear when the block ends without an error, and not at all otherwise; an
    unwritable folder raises :class:`OutputError`.
    """
    folder = Path(folder)
    created = [parent for parent in (folder, *folder.parents) if not parent.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create output folder {str(folder)!r}: "
                          f"{error.strerror or error}; choose a writable folder") from None
    files, written = StagedFiles(folder), False
    try:
        yield files
        files.commit()
        written = True
    except OSError as error:
        raise OutputError(f"cannot write to {str(folder)!r}: {error.strerror or error}; "
                          f"nothing was written") from None
    finally:
        files.discard()
        for path in created if not written else ():  # leave no empty folders behind either
            try:
                path.rmdir()
            except OSError:
                pass


def write_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write ``table`` to ``path`` through a temporary file and an atomic rename."""
    path = Path(path)
    with staged_files(path.parent) as files:
        files.table(table, path.name)
    return path


def write_simulation(result: SimulationResult, folder: str | Path) -> list[Path]:
    """Time series, steps, cycle summary and voltage curves as CSV, and their figures as PNG."""
    summary = cycle_summary(result.steps)
    title = f"{result.cell.label} ({result.model_name})"
    with staged_files(folder) as files:
        paths = [
            files.table(result.timeseries, "timeseries.csv"),
            files.table(result.steps, "steps.csv"),
            files.table(summary, "cycles.csv"),
            files.table(voltage_curves(result.timeseries), "voltage_curves.csv"),
            files.figure(plot_voltage_curves(result.timeseries, title), "voltage_curves.png"),
            files.figure(plot_cycle_performance(summary, title), "cycles.png"),
        ]
    return paths


def write_rate_capability(table: pd.DataFrame, folder: str | Path, title: str) -> list[Path]:
    """The rate table as CSV and its figure as PNG, both or neither."""
    with staged_files(folder) as files:
        paths = [files.table(table, "rate_capability.csv"),
                 files.figure(plot_rate_capability(table, title), "rate_capability.png")]
    return paths


def write_comparison(comparison, folder: str | Path, title: str, dqdv=None) -> list[Path]:
    """Measured vs simulated (a ``kion_sim.validation.user_data.Comparison``): CSV and PNG,
    all or none; with ``dqdv`` (a ``kion_sim.analysis.dqdv.DqdvComparison``) also both
    differential capacities, their peaks and their figure."""
    from kion_sim.plotting.compare import plot_comparison

    with staged_files(folder) as files:
        paths = [files.table(comparison.curves, "compare_curves.csv"),
                 files.table(comparison.fade, "compare_fade.csv"),
                 files.figure(plot_comparison(comparison.curves, comparison.fade, title),
                              "compare.png")]
        if dqdv is not None:
            from kion_sim.plotting import plot_dqdv

            paths += [files.table(dqdv.curves, "compare_dqdv.csv"),
                      files.table(dqdv.peaks, "compare_dqdv_peaks.csv"),
                      files.figure(plot_dqdv(dqdv.results, f"{title}: dQ/dV"),
                                   "compare_dqdv.png")]
    return paths


def write_fade_fit(curve: pd.DataFrame, folder: str | Path, title: str) -> list[Path]:
    """A fade fit's measured and fitted retention per cycle (a ``fade_curve`` table): CSV and
    PNG, both or neither."""
    from kion_sim.plotting.fade_fit import plot_fade_fit

    with staged_files(folder) as files:
        paths = [files.table(curve, "fade_fit.csv"),
                 files.figure(plot_fade_fit(curve, title), "fade_fit.png")]
    return paths


def write_fade_ranking(ranking, folder: str | Path, title: str) -> list[Path]:
    """A ``FadeRanking``: its table, every mechanism's predicted curve and their figure, all
    or none (the figure only if some mechanism ran)."""
    from kion_sim.plotting.fade_fit import plot_fade_ranking

    curves = ranking.curves()
    with staged_files(folder) as files:
        paths = [files.table(ranking.table().drop(columns=["fitted"]), "fade_ranking.csv")]
        if not curves.empty:
            paths += [files.table(curves, "fade_ranking_curves.csv"),
                      files.figure(plot_fade_ranking(curves, title), "fade_ranking.png")]
    return paths
