"""Sweep checkpoints: one JSON line per finished point, flushed to disk as it finishes.

A line is written whole with one ``write`` and ``fsync``; a run killed mid-write leaves at most
a torn last line, which reading skips (that point is simply computed again).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from kion_sim.errors import InvalidInputError, OutputError
from kion_sim.parameters.catalog import parameter_set_digest


def fingerprint(spec) -> str:
    """Identifies a sweep's settings, points and parameter-set contents, so a checkpoint is
    never mixed with another sweep nor reused after the cell's files changed (a recalibration)."""
    settings = [spec.cell, spec.model, spec.cycles, spec.current_density_mA_g,
                spec.lower_V, spec.upper_V, list(spec.outputs), list(spec.points),
                spec.exact, parameter_set_digest(spec.cell) if spec.cell else ""]
    if getattr(spec, "evaluator", ""):  # a named evaluator's options say what it computes
        settings += [spec.evaluator, spec.evaluator_options]
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Checkpoint:
    """Append-only record of finished points of one sweep."""

    def __init__(self, path: str | Path, spec):
        self.path, self.fingerprint = Path(path), fingerprint(spec)
        if self.path.is_dir():
            raise OutputError(f"checkpoint {str(self.path)!r} is a folder; give a file path")
        if not self.path.exists():
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._write_line({"sweep": spec.name, "fingerprint": self.fingerprint})
            except OSError as error:
                raise OutputError(f"cannot write checkpoint {str(self.path)!r}: "
                                  f"{error.strerror or error}; choose a writable path") from None

    def _write_line(self, record: dict) -> None:
        line = json.dumps(record, default=str) + "\n"
        with open(self.path, "a") as stream:
            stream.write(line)
            stream.flush()
            os.fsync(stream.fileno())

    def finished(self) -> dict[int, dict]:
        """Index -> record of every point already done (torn lines are skipped)."""
        records: dict[int, dict] = {}
        try:
            with open(self.path) as stream:
                lines = stream.read().splitlines()
            header = json.loads(lines[0]) if lines else {}
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise InvalidInputError(f"checkpoint {self.path} cannot be read ({error}); it is "
                                    f"not a kion-sim checkpoint: use a new path") from None
        if not isinstance(header, dict):
            header = {}
        if header.get("fingerprint") != self.fingerprint:
            raise InvalidInputError(
                f"checkpoint {self.path} belongs to another sweep (fingerprint "
                f"{header.get('fingerprint')}, this one {self.fingerprint}); use a new path")
        for line in lines[1:]:
            try:
                record = json.loads(line)
                records[int(record["index"])] = record
            except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                continue  # a torn or foreign line: that point is computed again
        return records

    def append(self, record: dict) -> None:
        self._write_line(record)
