"""Path rules of writers: containment after links, writable output folders, OS errors in words."""

from __future__ import annotations

import os
from pathlib import Path

from auditapp.errors import os_problem

__all__ = ["is_inside", "folder_problem", "os_error_text"]


def is_inside(path: str | Path, root: str | Path) -> bool:
    """Whether ``path`` is ``root`` or below it once both are resolved (links followed)."""
    path, root = Path(path).resolve(), Path(root).resolve()
    return path == root or root in path.parents


def os_error_text(exc: OSError) -> str:
    """The error in words, without the ``[Errno N]`` prefix, naming its file.

    >>> os_error_text(PermissionError(13, "Permission denied", "/data/out"))
    'permission denied: /data/out'
    """
    text = exc.strerror or str(exc)
    if exc.filename is not None and str(exc.filename) not in text:
        return os_problem(exc, exc.filename)  # the one wording of OS errors (errors.py)
    return text[:1].lower() + text[1:]


def folder_problem(path: str | Path) -> str | None:
    """Why a folder could not be created or written to, or None when it can.

    Checks without creating anything: ``path`` itself when it exists, else its nearest
    existing ancestor (where the folders would be created) must be a writable folder.

    >>> folder_problem(os.devnull)
    "exists and is not a folder: '/dev/null'"
    """
    path = Path(path)
    existing = path
    while not os.path.lexists(existing) and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        return (f"exists and is not a folder: '{existing}'" if existing == path
                else f"cannot be created: '{existing}' is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        return (f"permission denied: '{existing}' is not writable" if existing == path
                else f"permission denied: cannot create folders in '{existing}'")
    return None
