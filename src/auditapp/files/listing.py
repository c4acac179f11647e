"""Listing folders and files: :func:`list_dirs`, :func:`list_files`."""

from __future__ import annotations

import os
import re
from typing import Iterable, Optional

from auditapp.files._common import PathLike, as_str, walk

__all__ = ["list_dirs", "list_files"]


def _check_listable(path: PathLike) -> str:
    path_s = as_str(path)
    if not os.path.exists(path_s):
        raise FileNotFoundError(f"The specified path does not exist: '{path_s}'")
    if not os.path.isdir(path_s):
        raise NotADirectoryError(f"The specified path is not a directory: '{path_s}'")
    if not os.access(path_s, os.R_OK):
        raise PermissionError(f"No permission to access directory: '{path_s}'")
    return path_s


def _normalise_extensions(extensions: Optional[Iterable[str]]) -> Optional[tuple[str, ...]]:
    if isinstance(extensions, str):
        extensions = [extensions]
    if not extensions:  # None or empty: no filter
        return None
    out = []
    for ext in extensions:
        ext = str(ext).lower()
        out.append(ext if ext.startswith(".") else f".{ext}")
    return tuple(out)


def _list(path: PathLike, want_dirs: bool, recursive: bool, full_path: bool,
          pattern: Optional[str], extensions) -> list[str]:
    root = _check_listable(path)
    regex = re.compile(pattern) if pattern is not None else None
    exts = _normalise_extensions(extensions)
    found = []
    for entry in walk(root, prune=None if recursive else (lambda e: True)):
        if entry.is_dir != want_dirs:
            continue
        if regex is not None and not regex.search(entry.name):
            continue
        if exts is not None and not entry.name.lower().endswith(exts):
            continue
        if full_path:
            found.append(os.path.abspath(os.path.realpath(entry.path)) if not entry.is_link
                         else os.path.join(os.path.realpath(os.path.dirname(entry.path)), entry.name))
        elif recursive:
            found.append(os.path.relpath(entry.path, root))
        else:
            found.append(entry.name)
    return sorted(found)


def list_dirs(path: PathLike, recursive: bool = False, full_path: bool = False,
              pattern: Optional[str] = None) -> list[str]:
    """List the folders in ``path``, sorted.

    Parameters
    ----------
    path : str or Path
        The folder to list.
    recursive : bool, default False
        Include every folder below ``path``, not only its immediate children.
    full_path : bool, default False
        Return resolved absolute paths instead of names.
    pattern : str, optional
        Keep only names where ``re.search(pattern, name)`` matches.

    Returns
    -------
    list of str
        Names; with ``recursive=True`` paths relative to ``path`` (``P1/week-000``);
        with ``full_path=True`` resolved absolute paths. Sorted.

    Raises
    ------
    FileNotFoundError
        ``The specified path does not exist: '<p>'``.
    NotADirectoryError
        ``The specified path is not a directory: '<p>'``.
    PermissionError
        ``No permission to access directory: '<p>'`` (checked with ``os.access``).

    Notes
    -----
    Symbolic links to folders are listed but not descended into. Deviation from reference
    0.2.0: ``recursive=True`` returned bare names, which repeat across subjects.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for d in ["P2/week-001", "P1/week-000"]:
    ...     (root / d).mkdir(parents=True)
    >>> list_dirs(root)
    ['P1', 'P2']
    >>> list_dirs(root, recursive=True, pattern="week")
    ['P1/week-000', 'P2/week-001']
    """
    return _list(path, True, recursive, full_path, pattern, None)


def list_files(path: PathLike, recursive: bool = False, full_path: bool = False,
               pattern: Optional[str] = None, extensions: Optional[Iterable[str]] = None) -> list[str]:
    """List the files in ``path``, sorted.

    Parameters
    ----------
    path : str or Path
        The folder to list.
    recursive : bool, default False
        Include files in every sub-folder (paths relative to ``path`` then).
    full_path : bool, default False
        Return resolved absolute paths.
    pattern : str, optional
        Keep only names where ``re.search(pattern, name)`` matches.
    extensions : list of str, optional
        Keep a file when its lower-cased name ends with one of the lower-cased extensions;
        a missing leading dot is added (``'gz'`` means ``'.gz'``). None or empty: no filter.

    Returns
    -------
    list of str

    Raises
    ------
    FileNotFoundError, NotADirectoryError, PermissionError
        As :func:`list_dirs`.

    Notes
    -----
    Deviation from reference 0.2.0: only the last suffix was compared, so
    ``extensions=['.nii.gz']`` never matched anything; here it matches ``a.nii.gz``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for f in ["b_seg.nii.gz", "a_t1.nii.gz", "notes.txt"]:
    ...     _ = (root / f).write_text("x")
    >>> list_files(root, extensions=[".nii.gz"])
    ['a_t1.nii.gz', 'b_seg.nii.gz']
    >>> list_files(root, pattern="seg")
    ['b_seg.nii.gz']
    """
    return _list(path, False, recursive, full_path, pattern, extensions)
