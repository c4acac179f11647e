"""Atomic writing of output files: a temporary file in the same folder, then a rename.

The one place auditapp replaces files (CSV tables, config files, rewritten NIfTI volumes):
a reader sees either the old file or the complete new one, never a partial file; a failed
write (disk full, permission denied) leaves the previous file untouched. The new file gets
the previous file's permissions, or, for a new file, what ``open`` would give (0666 minus
the umask), never the 0600 of a bare temporary file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported by the caller that built the frame
    import pandas as pd

__all__ = ["atomic_target", "write_csv_atomic", "write_text_atomic"]


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


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8, line ends as given) to ``path`` atomically; the folder must exist.

    Raises
    ------
    OSError
        Its ``strerror`` names the file: ``No space left on device while writing <path>``.
    """
    try:
        with atomic_target(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise OSError(exc.errno, f"{exc.strerror or exc} while writing {path}") from exc
    return Path(path)


def write_csv_atomic(frame: pd.DataFrame, path: str | Path, **to_csv_kwargs) -> Path:
    """Write a DataFrame as CSV atomically (``index=False``, ``\\n`` line ends by default)."""
    kwargs = {"index": False, "lineterminator": "\n"}
    kwargs.update(to_csv_kwargs)
    return write_text_atomic(path, frame.to_csv(**kwargs))
