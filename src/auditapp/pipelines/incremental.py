"""Incremental extraction: keep the results of subjects whose inputs and settings did not change.

Next to an output ``<dir>/<stem>.csv`` the store keeps

* ``<stem>.manifest.json`` -- one record per subject written by the last finished run: its key and
  its result (the row and what the table needs), written atomically once the CSV is written;
* ``<stem>.parts/part-<n>.json`` -- progress of the current run: every ``chunk_size`` finished
  subjects are written as one part, atomically, so a run stopped at subject 700 of 1,000 resumes
  from what was finished. The parts are folded into the manifest when the run completes.

A subject's key is a SHA-256 of auditapp's version, its task (paths, labels, families, metrics,
conventions: everything the per-subject computation depends on) and each input file's path, size
and modification time. A subject whose key matches is reused; new subjects and changed files are
computed; subjects no longer discovered are dropped from the manifest (and from the CSV, which is
rebuilt from the current subjects only). Only successful subjects are kept: a failure is retried.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import numpy as np

import auditapp
from auditapp.io.tables import write_text_atomic

__all__ = ["ResultStore", "file_stamp", "task_key"]

#: Bumped when the stored record layout changes (old manifests are then ignored).
RECORD_FORMAT = 1
#: Finished subjects per progress part: at most this many are recomputed after a hard kill.
CHUNK_SIZE = 20


def file_stamp(path: str | None) -> tuple:
    """``(path, size, mtime_ns)`` of an input file; ``(path, None, None)`` when it is absent."""
    if path is None:
        return (None, None, None)
    try:
        info = os.stat(path)
    except OSError:
        return (path, None, None)
    return (path, info.st_size, info.st_mtime_ns)


def task_key(task, files: Iterable[str | None]) -> str:
    """The key of one task: auditapp version, the task itself and the stamps of its input files.

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class T:
    ...     subject: str
    ...     labels: tuple
    >>> task_key(T("A", (1, 2)), [None]) == task_key(T("A", (1, 2)), [None]) != task_key(T("A", (1, 3)), [None])
    True
    """
    payload = repr((RECORD_FORMAT, auditapp.__version__, task, [file_stamp(f) for f in files]))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} in a manifest")


def _dumps(records: dict) -> str:
    # floats are written with repr (exact round trip); NaN/Infinity as JSON extensions Python reads back
    return json.dumps({"format": RECORD_FORMAT, "version": auditapp.__version__, "records": records},
                      default=_json_default, sort_keys=True)


def _read_records(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # absent, or a file from an interrupted write of another tool: recompute
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
        return {}
    records = data.get("records")
    return records if isinstance(records, dict) else {}


class ResultStore:
    """The stored results of one output file (see the module docstring).

    Parameters
    ----------
    output : Path
        The CSV the results end up in (``<stem>.csv``).
    force : bool
        Ignore what is stored: every subject is computed (the store is rewritten).
    chunk_size : int, optional
        Finished subjects per progress part (default :data:`CHUNK_SIZE`).
    """

    def __init__(self, output: Path, *, force: bool = False, chunk_size: int | None = None):
        output = Path(output)
        self.manifest = output.with_name(f"{output.stem}.manifest.json")
        self.parts = output.with_name(f"{output.stem}.parts")
        self.chunk_size = max(1, int(CHUNK_SIZE if chunk_size is None else chunk_size))
        self._previous: dict = {} if force else self._load()
        self._current: dict = {}
        self._pending: dict = {}
        existing = sorted(self.parts.glob("part-*.json")) if self.parts.is_dir() else []
        self._n_parts = int(existing[-1].stem.split("-")[1]) if existing else 0

    def _load(self) -> dict:
        records = _read_records(self.manifest)
        if self.parts.is_dir():
            for part in sorted(self.parts.glob("part-*.json")):
                records.update(_read_records(part))
        return records

    def lookup(self, subject: str, key: str):
        """The stored result of ``subject`` when its key matches, else None."""
        record = self._previous.get(subject)
        if record is None or record.get("key") != key:
            return None
        self._current[subject] = record
        return record["result"]

    def add(self, subject: str, key: str, result) -> None:
        """Record a newly computed result; every ``chunk_size`` of them are written as a part."""
        record = {"key": key, "result": result}
        self._current[subject] = record
        self._pending[subject] = record
        if len(self._pending) >= self.chunk_size:
            self.flush()

    def flush(self) -> None:
        """Write the pending results as one progress part (atomically)."""
        if not self._pending:
            return
        self.parts.mkdir(parents=True, exist_ok=True)
        self._n_parts += 1
        write_text_atomic(self.parts / f"part-{self._n_parts:05d}.json", _dumps(self._pending))
        self._pending = {}

    def finish(self) -> None:
        """After the CSV is written: the manifest holds this run's subjects only; parts are removed."""
        write_text_atomic(self.manifest, _dumps(self._current))
        self._pending = {}
        shutil.rmtree(self.parts, ignore_errors=True)
