"""Incremental extraction: keep the results of subjects whose inputs and settings did not change.

Next to an output ``<dir>/<stem>.csv`` the store keeps

* ``<stem>.manifest.json`` -- one record per subject written by the last finished run: its key and
  its result (the row and what the table needs), written atomically once the CSV is written;
* ``<stem>.parts/part-<n>.json`` -- progress of the current run: every ``chunk_size`` finished
  subjects are written as one part, atomically, so a run stopped at subject 700 of 1,000 resumes
  from what was finished. The parts are folded into the manifest when the run completes.

Memory stays flat in the number of subjects: a computed result goes to a part and only its key
stays in memory; :meth:`ResultStore.records` reads the run's records back one part at a time for
the final table, and :meth:`ResultStore.finish` streams them into the manifest.

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
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

import auditapp
from auditapp.io.atomic import write_text_atomic

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


def _write_records_atomic(path: Path, records: Iterable[tuple[str, dict]]) -> None:
    """Stream ``records`` into the layout of :func:`_dumps` (one record in memory at a time), atomically."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(f'{{"format": {RECORD_FORMAT}, "records": {{')
            for i, (subject, record) in enumerate(records):
                handle.write(", " if i else "")
                handle.write(f"{json.dumps(subject)}: {json.dumps(record, default=_json_default, sort_keys=True)}")
            handle.write(f'}}, "version": {json.dumps(auditapp.__version__)}}}')
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


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
        #: this run's subjects -> key; a reused subject's record is in _previous, a computed one in a part
        self._current: dict[str, str] = {}
        self._reused: set[str] = set()
        self._pending: dict = {}
        existing = sorted(self.parts.glob("part-*.json")) if self.parts.is_dir() else []
        self._first_part = self._n_parts = int(existing[-1].stem.split("-")[1]) if existing else 0

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
        self._current[subject] = key
        self._reused.add(subject)
        return record["result"]

    def add(self, subject: str, key: str, result) -> None:
        """Record a newly computed result; every ``chunk_size`` of them are written as a part."""
        self._current[subject] = key
        self._reused.discard(subject)
        self._pending[subject] = {"key": key, "result": result}
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

    def _records(self) -> Iterator[tuple[str, dict]]:
        for subject in sorted(self._reused):
            yield subject, self._previous[subject]
        self.flush()
        for n in range(self._first_part + 1, self._n_parts + 1):  # this run's parts, one in memory at a time
            for subject, record in _read_records(self.parts / f"part-{n:05d}.json").items():
                if subject not in self._reused and self._current.get(subject) == record.get("key"):
                    yield subject, record

    def records(self) -> Iterator[tuple[str, object]]:
        """``(subject, result)`` of every subject of this run (reused and computed), read back part by part."""
        for subject, record in self._records():
            yield subject, record["result"]

    def finish(self) -> None:
        """After the CSV is written: the manifest holds this run's subjects only; parts are removed."""
        _write_records_atomic(self.manifest, self._records())
        self._pending = {}
        shutil.rmtree(self.parts, ignore_errors=True)
