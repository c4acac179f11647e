"""Listing folders and files: :func:`list_dirs`, :func:`list_files`."""

from __future__ import annotations

import os
import re
from typing import Iterable, Optional

from auditapp.files._common import PathLike, check_root, walk

__all__ = ["list_dirs", "list_files"]


def _list(path: PathLike, want_dirs: bool, recursive: bool, full_path: bool,
          pattern: Optional[str], extensions) -> list[str]:
    """The sorted folders or files of ``path`` kept by ``pattern`` and ``extensions``."""
    root = check_root(path, "path")
    if not os.access(root, os.R_OK):
        raise PermissionError(f"No permission to access directory: '{root}'")
    regex = re.compile(pattern) if pattern is not None else None
    if isinstance(extensions, str):
        extensions = [extensions]
    exts = tuple(e if e.startswith(".") else f".{e}" for e in (str(x).lower() for x in extensions or ()))
    found = []
    for entry in walk(root, prune=None if recursive else (lambda e: True)):
        if entry.is_dir != want_dirs or (regex is not None and not regex.search(entry.name)):
            continue
        if exts and not entry.name.lower().endswith(exts):
            continue
        if full_path and entry.is_link:  # a link is named in its resolved folder, not resolved itself
            found.append(os.path.join(os.path.realpath(os.path.dirname(entry.path)), entry.name))
        elif full_path:
            found.append(os.path.realpath(entry.path))
        else:
            found.append(os.path.relpath(entry.path, root) if recursive else entry.name)
    return sorted(found)


def list_dirs(path: PathLike, recursive: bool = False, full_path: bool = False,
              pattern: Optional[str] = None) -> list[str]:
    """List the folders in ``path``, sorted.

    Parameters
    ----------
    path : str or Path
    recursive : bool, default False
        Every folder below ``path``, as paths relative to it (``P1/week-000``).
    full_path : bool, default False
        Resolved absolute paths instead of names.
    pattern : str, optional
        Keep only names where ``re.search(pattern, name)`` matches.

    Returns
    -------
    list of str

    Raises
    ------
    FileNotFoundError, NotADirectoryError
        ``The specified path does not exist / is not a directory: '<p>'``.
    PermissionError
        ``No permission to access directory: '<p>'`` (checked with ``os.access``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for d in ["P2/week-001", "P1/week-000"]:
    ...     (root / d).mkdir(parents=True)
    >>> list_dirs(root), list_dirs(root, recursive=True, pattern="week")
    (['P1', 'P2'], ['P1/week-000', 'P2/week-001'])
    """
    return _list(path, True, recursive, full_path, pattern, None)


def list_files(path: PathLike, recursive: bool = False, full_path: bool = False,
               pattern: Optional[str] = None, extensions: Optional[Iterable[str]] = None) -> list[str]:
    """List the files in ``path``, sorted.

    Parameters
    ----------
    path, recursive, full_path, pattern
        As :func:`list_dirs`.
    extensions : list of str, optional
        Keep names ending with one of them, case-insensitively; ``'gz'`` means ``'.gz'``. None or empty: all.

    Returns
    -------
    list of str

    Raises
    ------
    FileNotFoundError, NotADirectoryError, PermissionError
        As :func:`list_dirs`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for f in ["b_seg.nii.gz", "a_t1.nii.gz", "notes.txt"]:
    ...     _ = (root / f).write_text("x")
    >>> list_files(root, extensions=[".nii.gz"]), list_files(root, pattern="seg")
    (['a_t1.nii.gz', 'b_seg.nii.gz'], ['b_seg.nii.gz'])
    """
    return _list(path, False, recursive, full_path, pattern, extensions)
