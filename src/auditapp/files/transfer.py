"""Copying, moving and deleting by extension or name pattern (docs/helpers.md, "Copying, moving...")."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Optional

from auditapp.files._common import (
    SAFE,
    PathLike,
    apply_each,
    children,
    print_summary,
    require_dir,
    run_plan,
    walk,
    walk_dirs,
)
from auditapp.io.paths import is_inside

__all__ = [
    "copy_files_by_extension",
    "delete_files_by_extension",
    "delete_dirs_by_pattern",
    "move_files_to_parent",
]

MATCH_TYPES = ["contains", "starts", "ends", "exact", "regex"]


def _delete_all(plan: list[str], remove, *, kind: str, nothing: str, verbose: bool, safe_mode: bool) -> list[str]:
    """Delete (``remove(path)``) or, in safe mode, list every path of ``plan``, then print the summary."""
    done = apply_each([(p,) for p in plan], remove, safe_mode=safe_mode, verbose=verbose, verb="delete",
                      label=f"Deleted {kind}", error="Error deleting {0}")
    print_summary(len(plan), safe_mode=safe_mode, verbose=verbose, nothing=nothing,
                  safe_line=f"{len(plan)} {kind}s would be deleted.",
                  real_line=f"Total {kind}s deleted: {len(done)}")
    return [path for (path,) in done]


def _remove_dir(path: str) -> None:
    """A link to a folder is unlinked (its target kept); a folder is removed with its content."""
    if os.path.islink(path):
        os.unlink(path)
    else:
        shutil.rmtree(path)


def copy_files_by_extension(src_dir: PathLike, dst_dir: PathLike, ext: str, safe_mode: bool = True,
                            overwrite: bool = False, verbose: bool = False) -> list[tuple[str, str]]:
    """Copy every file below ``src_dir`` whose name ends with ``ext`` flat into ``dst_dir`` (metadata kept).

    Existing destinations are skipped unless ``overwrite``; a second file with the same name is reported,
    never copied over the first; a failed copy prints ``Error copying <src> to <dst>: <e>`` (docs/helpers.md).

    Parameters
    ----------
    src_dir : str or Path
        Searched at all levels (``dst_dir`` left out when inside it).
    dst_dir : str or Path
        Created in real mode only.
    ext : str
        Name ending to match (``".nii.gz"``, ``"_seg.nii.gz"``).
    safe_mode, overwrite, verbose : bool, default True, False, False
        Dry run (``[SAFE MODE] Would copy: a -> b`` and the count); replace existing files; print ``Copied: a
        -> b``, ``Skipped (exists): ...`` and ``Total files copied: N``.

    Returns
    -------
    list of (str, str)
        The planned (safe mode) or performed copies.

    Raises
    ------
    ValueError
        ``Source directory '<p>' does not exist.``

    Examples
    --------
    >>> import tempfile, pathlib
    >>> src, dst = pathlib.Path(tempfile.mkdtemp()), pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> (src / "S1").mkdir()
    >>> _ = (src / "S1" / "S1_seg.nii.gz").write_text("x")
    >>> _ = copy_files_by_extension(src, dst, "_seg.nii.gz", safe_mode=False)
    >>> [p.name for p in dst.iterdir()]
    ['S1_seg.nii.gz']
    """
    src = require_dir(src_dir, "Source directory '{}' does not exist.")
    dst = os.fspath(dst_dir)
    dst_real = Path(dst).resolve()
    plan: list[tuple[str, str]] = []
    first_by_name: dict[str, str] = {}
    found = 0
    for entry in walk(src, prune=lambda e: Path(e.path).resolve() == dst_real):  # never copy the copies
        if entry.is_dir or not entry.name.endswith(ext):
            continue
        found += 1
        target = os.path.join(dst, entry.name)
        if entry.name in first_by_name:
            prefix = f"{SAFE} Would fail (target exists)" if safe_mode else \
                f"Skipped (same name as {first_by_name[entry.name]})"
            print(f"{prefix}: {entry.path} -> {target}")
            continue
        first_by_name[entry.name] = entry.path
        if os.path.lexists(target) and not overwrite:
            if safe_mode:
                print(f"{SAFE} Would skip (exists): {entry.path} -> {target}")
            elif verbose:
                print(f"Skipped (exists): {entry.path} -> {target}")
            continue
        plan.append((entry.path, target))
    if not safe_mode:
        os.makedirs(dst, exist_ok=True)
    done = apply_each(plan, shutil.copy2, safe_mode=safe_mode, verbose=verbose, verb="copy", label="Copied",
                      error="Error copying {0} to {1}")
    print_summary(found, safe_mode=safe_mode, verbose=verbose,
                  nothing=f"No files with the extension '{ext}' were found to copy.",
                  safe_line=f"{len(done)} files would be copied.",
                  real_line=f"Total files copied: {len(done)}")
    return done


def delete_files_by_extension(root_dir: PathLike, ext: str, verbose: bool = False,
                              safe_mode: bool = True) -> list[str]:
    """Delete every file below ``root_dir`` whose name ends with ``ext`` (a link itself, never its target).

    Parameters
    ----------
    root_dir : str or Path
    ext : str
        Any name ending: ``'CT1.nii.gz'`` also matches ``xCT1.nii.gz``, as the reference.
    verbose, safe_mode : bool, default False, True
        Print ``Deleted file: <p>`` and ``Total files deleted: N``; dry run (``[SAFE MODE] Would delete:
        <p>``).

    Returns
    -------
    list of str
        The planned or deleted files (a failure prints ``Error deleting <p>: <e>``).

    Raises
    ------
    ValueError
        ``Root directory '<p>' does not exist.``; an empty ``ext``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "a.tmp").write_text("x")
    >>> _ = delete_files_by_extension(root, ".tmp", safe_mode=False)
    >>> list(root.iterdir())
    []
    """
    root = require_dir(root_dir, "Root directory '{}' does not exist.")
    if not ext:
        raise ValueError("'ext' must be a non-empty string")
    plan = [e.path for e in walk(root) if not e.is_dir and e.name.endswith(ext)]
    nothing = f"No files with the extension '{ext}' were found to delete."
    return _delete_all(plan, os.unlink, kind="file", nothing=nothing, verbose=verbose, safe_mode=safe_mode)


def delete_dirs_by_pattern(root_dir: PathLike, pattern: str, match_type: str = "contains",
                           verbose: bool = False, safe_mode: bool = True) -> list[str]:
    """Delete every folder below ``root_dir`` whose name matches ``pattern`` (a link: unlinked, target kept).

    Parameters
    ----------
    root_dir : str or Path
        Never deleted itself.
    pattern : str
    match_type : {"contains", "starts", "ends", "exact", "regex"}, default "contains"
        ``regex``: ``re.search`` on the name.
    verbose, safe_mode : bool
        As :func:`delete_files_by_extension` (``Deleted folder: <p>``, ``Total folders deleted: N``).

    Returns
    -------
    list of str
        The outermost matching folders (planned or deleted).

    Raises
    ------
    ValueError
        ``match_type must be one of [...], got '<x>'``; ``Root directory '<p>' does not exist.``; a bad regex.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for d in ["P1/week-000", "P1/week-044", "P1/notes"]:
    ...     (root / d).mkdir(parents=True)
    >>> _ = delete_dirs_by_pattern(root, r"week-0[0-3]\\d", match_type="regex", safe_mode=False)
    >>> sorted(p.name for p in (root / "P1").iterdir())
    ['notes', 'week-044']
    """
    if match_type not in MATCH_TYPES:
        raise ValueError(f"match_type must be one of {MATCH_TYPES}, got '{match_type}'")
    root = require_dir(root_dir, "Root directory '{}' does not exist.")
    if match_type == "regex":
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"Invalid regular expression {pattern!r}: {exc}") from exc
        matches = lambda n: regex.search(n) is not None  # noqa: E731
    else:
        matches = {
            "contains": lambda n: pattern in n,
            "starts": lambda n: n.startswith(pattern),
            "ends": lambda n: n.endswith(pattern),
            "exact": lambda n: n == pattern,
        }[match_type]
    plan = [e.path for e in walk(root, prune=lambda e: matches(e.name)) if e.is_dir and matches(e.name)]
    nothing = f"No folders matching the pattern '{pattern}' were found to delete."
    return _delete_all(plan, _remove_dir, kind="folder", nothing=nothing, verbose=verbose,
                       safe_mode=safe_mode)


def move_files_to_parent(root_dir: PathLike, levels_up: int = 1, ext: Optional[str] = None,
                         verbose: bool = False, safe_mode: bool = True, overwrite: bool = False,
                         allow_outside_root: bool = False) -> list[tuple[str, str]]:
    """Move the files of every folder (``root_dir`` included) ``levels_up`` levels up, under the clash rule.

    The plan is made before any move, so a file moves once; emptied folders stay. Safe mode ends with ``Safe
    mode enabled: No files were moved.``; real mode (verbose) with ``Total files moved: N``.

    Parameters
    ----------
    root_dir : str or Path
    levels_up : int, default 1
        Counted on the resolved path.
    ext : str, optional
        Only names ending with ``ext``; all files when None.
    verbose, safe_mode, overwrite : bool
        As :func:`auditapp.files.rename_dirs` (``Moved: a -> b``, ``[SAFE MODE] Would move: a -> b``).
    allow_outside_root : bool, default False
        Allow targets above ``root_dir``; otherwise those folders are skipped with ``Skipping <dir>: target
        outside root_dir (use allow_outside_root=True).``

    Returns
    -------
    list of (str, str)
        The planned or performed moves.

    Raises
    ------
    FileNotFoundError
        ``Root directory '<p>' does not exist.``
    ValueError
        ``'levels_up' must be at least 1.``
    FileExistsError
        A target exists, or two files get the same target; nothing is moved.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "S1" / "anat").mkdir(parents=True)
    >>> _ = (root / "S1" / "anat" / "t1.nii.gz").write_text("x")
    >>> _ = move_files_to_parent(root, safe_mode=False)
    >>> sorted(p.name for p in (root / "S1").iterdir())
    ['anat', 't1.nii.gz']
    """
    root = require_dir(root_dir, "Root directory '{}' does not exist.", FileNotFoundError)
    if not isinstance(levels_up, int) or levels_up < 1:
        raise ValueError("'levels_up' must be at least 1.")
    root_real = Path(root).resolve()
    plan: list[tuple[str, str]] = []
    for folder in walk_dirs(root):
        files = [e for e in children(folder) if not e.is_dir and (ext is None or e.name.endswith(ext))]
        if not files:
            continue
        real = Path(folder).resolve()
        parents = [real, *real.parents]
        if levels_up >= len(parents):
            print(f"Skipping {folder}: no folder {levels_up} levels up.")
            continue
        target_real = parents[levels_up]
        if is_inside(target_real, root_real):
            rel = os.path.relpath(target_real, root_real)
            target = root if rel == "." else os.path.join(root, rel)
        elif allow_outside_root:
            target = str(target_real)
        else:
            print(f"Skipping {folder}: target outside root_dir (use allow_outside_root=True).")
            continue
        plan.extend((e.path, os.path.join(target, e.name)) for e in files)
    run_plan(plan, safe_mode=safe_mode, overwrite=overwrite, verbose=verbose, safe_verb="move", label="Moved",
             what="moved")
    if safe_mode:
        print("Safe mode enabled: No files were moved.")
    elif verbose:
        print(f"Total files moved: {len(plan)}" if plan else "No files were moved.")
    return plan
