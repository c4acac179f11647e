"""Finding subjects in a dataset folder."""

from __future__ import annotations

from pathlib import Path

__all__ = ["list_subject_dirs"]


def list_subject_dirs(data_path: str | Path) -> tuple[list[str], list[str]]:
    """Immediate sub-folders of ``data_path`` (symlinks followed), sorted by code point.

    Returns
    -------
    subjects : list of str
        Folder names (the subject IDs), sorted with Python string order.
    hidden : list of str
        Folders skipped because their name starts with ``.``.
    """
    root = Path(data_path)
    subjects, hidden = [], []
    for entry in root.iterdir():
        if not entry.is_dir():
            continue
        (hidden if entry.name.startswith(".") else subjects).append(entry.name)
    return sorted(subjects), sorted(hidden)
