"""Atomic writing of output files: a temporary file in the same folder, then a rename.

The one place auditapp replaces files (CSV tables, config files, rewritten NIfTI volumes):
a reader sees either the old file or the complete new one, never a partial file; a failed
write (disk full, permission denied) leaves the previous file untouched. The new file gets
the previous file's permissions, or, for a new file, what ``open`` would give (0666 minus
the umask), never the 0600 of a bare temporary file.
"""

from __future__ import annotations

import contextlib
import csv
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported by the caller that built the frame
    import pandas as pd

__all__ = ["atomic_target", "write_columns_atomic", "write_csv_atomic", "write_text_atomic"]


def _target_mode(path: Path) -> int:
    """The previous file's permission bits, else 0666 minus the process umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)  # the only portable way to read it; restored at once
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_target(path: str | Path, *, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; when the block succeeds, it replaces ``path``.

    Parameters
    ----------
    path : str or Path
        The file to (re)write; its folder must exist.
    suffix : str
        End of the temporary name (writers that choose a format by extension, such as
        nibabel's ``.nii.gz``, need it).

    Examples
    --------
    >>> folder = Path(tempfile.mkdtemp())
    >>> with atomic_target(folder / "a.txt") as tmp:
    ...     _ = tmp.write_text("new")
    >>> (folder / "a.txt").read_text(), sorted(p.name for p in folder.iterdir())
    ('new', ['a.txt'])
    """
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, _target_mode(path))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _open_atomic(path: str | Path) -> Iterator:
    """A text handle (UTF-8, line ends as written) on a temporary file that replaces ``path`` when the block
    succeeds; an OSError's ``strerror`` then names the file."""
    try:
        with atomic_target(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise OSError(exc.errno, f"{exc.strerror or exc} while writing {path}") from exc


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8, line ends as given) to ``path`` atomically; the folder must exist.

    Raises
    ------
    OSError
        Its ``strerror`` names the file: ``No space left on device while writing <path>``.
    """
    with _open_atomic(path) as handle:
        handle.write(text)
    return Path(path)


def write_csv_atomic(frame: pd.DataFrame, path: str | Path, **to_csv_kwargs) -> Path:
    """Write a DataFrame as CSV atomically (``index=False``, ``\\n`` line ends by default)."""
    kwargs = {"index": False, "lineterminator": "\n"}
    kwargs.update(to_csv_kwargs)
    return write_text_atomic(path, frame.to_csv(**kwargs))


def write_columns_atomic(columns: Mapping[str, Sequence], path: str | Path, *, na_rep: str = "",
                         chunk_rows: int = 1024) -> Path:
    """Write columns (name -> values, all of one length) as CSV atomically, without pandas.

    The bytes are those of ``DataFrame(columns).to_csv(path, index=False, lineterminator="\\n",
    na_rep=na_rep)``, as pandas writes them: float arrays as NumPy's shortest round-trip text with
    NaN as ``na_rep``, other values as ``str``, fields quoted by :mod:`csv` only when needed.
    Metric extraction writes its tables this way, so a run never imports pandas (~0.6 s CPU).
    Rows are converted and written ``chunk_rows`` at a time: the text of the whole table is never
    in memory (the parent's memory stays flat in the number of subjects).

    Examples
    --------
    >>> import numpy as np
    >>> folder = Path(tempfile.mkdtemp())
    >>> out = write_columns_atomic({"ID": ["a", "b,c"], "x": np.array([0.1, np.nan]), "n": np.array([1, 2])},
    ...                            folder / "t.csv")
    >>> out.read_text()
    'ID,x,n\\na,0.1,1\\n"b,c",,2\\n'
    """
    n_rows = len(next(iter(columns.values()))) if columns else 0
    with _open_atomic(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for start in range(0, n_rows, max(1, int(chunk_rows))):
            stop = start + chunk_rows
            writer.writerows(zip(*(_csv_cells(values[start:stop], na_rep) for values in columns.values())))
    return Path(path)


def _csv_cells(values: Sequence, na_rep: str) -> Sequence:
    """Float arrays as pandas writes them (NumPy's ``astype(str)``, NaN as ``na_rep``); anything else as is."""
    import numpy as np

    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        text = values.astype(str).astype(object)
        text[np.isnan(values)] = na_rep
        return text
    return values
