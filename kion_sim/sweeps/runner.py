"""Run a sweep: checkpointed, resumable, with progress, on the executor asked for."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pandas as pd

from kion_sim.errors import InvalidInputError
from kion_sim.sweeps.checkpoint import Checkpoint
from kion_sim.sweeps.executors import (
    connect_dask,
    run_dask,
    run_local_processes,
    run_serial,
)
from kion_sim.sweeps.spec import SweepSpec

EXECUTORS = ("serial", "local", "dask")


class _Progress:
    def __init__(self, total: int, already: int, show: bool):
        self.total, self.done, self.failed, self.show = total, already, 0, show
        self.started, self.start_done = time.monotonic(), already

    def update(self, record: dict) -> None:
        self.done += 1
        self.failed += record["error"] is not None
        if not self.show:
            return
        rate = (self.done - self.start_done) / max(time.monotonic() - self.started, 1e-9)
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        print(f"points {self.done}/{self.total} done, {self.failed} failed, ~{left:.0f} s left",
              file=sys.stderr, flush=True)


def run_sweep(spec: SweepSpec, executor: str = "local", workers: int | None = None,
              scheduler=None, checkpoint: str | Path | None = None, reuse: bool = True,
              show_progress: bool = True) -> pd.DataFrame:
    """Run every point of ``spec``; one row per point with its values, outputs and error.

    ``executor``: ``"serial"``, ``"local"`` (processes, all cores by default) or ``"dask"``
    (give ``scheduler``: an address or a ``distributed.Client``). With ``checkpoint``, points
    are recorded as they finish and a rerun computes only the points not yet recorded.
    """
    if executor not in EXECUTORS:
        raise InvalidInputError(f"unknown executor {executor!r}; valid: {', '.join(EXECUTORS)}")
    if executor == "dask" and scheduler is None:
        raise InvalidInputError("the dask executor needs a scheduler address or client")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise InvalidInputError(f"workers must be a whole number >= 1 (local processes), "
                                f"got {workers!r}")
    if executor == "dask":  # connect before anything is written, so a bad address leaves nothing
        client = connect_dask(scheduler)
        try:
            return _run(spec, executor, workers, client, checkpoint, reuse, show_progress)
        finally:
            if client is not scheduler:
                client.close()
    return _run(spec, executor, workers, scheduler, checkpoint, reuse, show_progress)


def _run(spec, executor, workers, scheduler, checkpoint, reuse, show_progress) -> pd.DataFrame:
    store = Checkpoint(checkpoint, spec) if checkpoint else None
    records = store.finished() if store else {}
    pending = [(i, p) for i, p in enumerate(spec.points) if i not in records]
    progress = _Progress(len(spec.points), len(records), show_progress)
    if executor == "serial" or (executor == "local" and (workers or os.cpu_count()) == 1):
        stream = run_serial(spec, pending, reuse)
    elif executor == "local":
        stream = run_local_processes(spec, pending, workers or os.cpu_count() or 1, reuse)
    else:
        stream = run_dask(spec, pending, scheduler, reuse)
    for record in stream:
        if store:
            store.append(record)
        records[record["index"]] = record
        progress.update(record)
    return sweep_table(spec, records)


def sweep_table(spec: SweepSpec, records: dict[int, dict]) -> pd.DataFrame:
    rows = [{"index": index, **record["point"], **record["outputs"], "error": record["error"]}
            for index, record in sorted(records.items())]
    table = pd.DataFrame(rows)
    table.attrs["swept"] = spec.swept
    return table
