"""Atomic writing of output files (temporary file in the same folder, then rename)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

__all__ = ["write_csv_atomic", "write_text_atomic"]


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically; the folder must exist.

    A reader sees either the old file or the complete new one, never a partial file.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def write_csv_atomic(frame: pd.DataFrame, path: str | Path, **to_csv_kwargs) -> Path:
    """Write a DataFrame as CSV atomically (``index=False``, ``\\n`` line ends by default)."""
    kwargs = {"index": False, "lineterminator": "\n"}
    kwargs.update(to_csv_kwargs)
    return write_text_atomic(path, frame.to_csv(**kwargs))
