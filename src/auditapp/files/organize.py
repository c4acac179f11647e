"""Restructuring folder trees: one folder per file, and flattening ``<parent>/<child>`` folders."""

from __future__ import annotations

import os

from auditapp.files._common import (
    SAFE,
    PathLike,
    clash_message,
    emit,
    execute_moves,
    find_clashes,
    require_dir,
    split_extension,
    walk,
)

__all__ = ["organize_files_into_dirs", "organize_subdirs_into_named_dirs"]

NO_DIR = "The directory '{}' does not exist."


def organize_files_into_dirs(root_dir: PathLike, extension: str = ".nii.gz", verbose: bool = False,
                             safe_mode: bool = True) -> list[tuple[str, str]]:
    """Move each top-level file ending with ``extension`` into a folder named after it.

    ``root/S1.nii.gz`` -> ``root/S1/S1.nii.gz``.

    Parameters
    ----------
    root_dir : str or Path
        Only its immediate files are considered.
    extension : str, default ``".nii.gz"``
        ``""`` takes every file; the folder name is then the stem, multi-part aware
        (``s1.nii.gz`` -> ``s1``).
    verbose : bool, default False
        Real mode: print ``Created folder: ...``, ``Moved: ...`` and the summary.
    safe_mode : bool, default True
        Print ``[SAFE MODE] Would create: <dir>`` / ``[SAFE MODE] Would move: <src> -> <dst>``.

    Returns
    -------
    list of (str, str)
        The planned or performed moves.

    Raises
    ------
    ValueError
        ``The directory '<p>' does not exist.``

    Notes
    -----
    A file whose target folder name is taken by a file, or whose target already exists, is not
    moved: ``Error organizing <file>: <reason>`` (printed always; safe mode prints
    ``[SAFE MODE] Would fail (target exists): ...``). Summary (real mode, verbose):
    ``Total files organized: N`` / ``No files with the extension '<ext>' were found to organize.``
    Deviation from reference 0.2.0: ``Created folder`` was printed in safe mode, where nothing was
    created; ``extension=""`` gave ``s1.nii`` for ``s1.nii.gz``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "S1.nii.gz").write_text("x")
    >>> _ = organize_files_into_dirs(root, safe_mode=False)
    >>> [str(p.relative_to(root)) for p in sorted(root.rglob("*"))]
    ['S1', 'S1/S1.nii.gz']
    """
    root = require_dir(root_dir, NO_DIR)
    files = [e for e in walk(root, prune=lambda e: True)
             if not e.is_dir and e.name.endswith(extension)]
    plan: list[tuple[str, str]] = []
    problems: dict[str, str] = {}
    to_create: list[str] = []
    for entry in files:
        stem = entry.name[: -len(extension)] if extension else split_extension(entry.name)[0]
        folder = os.path.join(root, stem)
        target = os.path.join(folder, entry.name)
        if not stem or stem in (".", ".."):
            problems[entry.path] = "the file name gives no folder name"
        elif os.path.lexists(folder) and not os.path.isdir(folder):
            problems[entry.path] = f"'{folder}' exists and is not a folder"
        elif os.path.lexists(target):
            problems[entry.path] = f"'{target}' already exists"
        elif not os.path.isdir(folder) and folder not in to_create:
            to_create.append(folder)
        plan.append((entry.path, target))

    done: list[tuple[str, str]] = []
    created: set[str] = set()
    for src, dst in plan:
        folder = os.path.dirname(dst)
        if src in problems:
            if safe_mode:
                emit(f"{SAFE} Would fail (target exists): {src} -> {dst}")
            else:
                emit(f"Error organizing {src}: {problems[src]}")
            continue
        if safe_mode:
            if folder in to_create and folder not in created:
                emit(f"{SAFE} Would create: {folder}")
                created.add(folder)
            emit(f"{SAFE} Would move: {src} -> {dst}")
            done.append((src, dst))
            continue
        try:
            if not os.path.isdir(folder):
                os.makedirs(folder)
                if verbose:
                    emit(f"Created folder: {folder}")
            os.rename(src, dst)
        except OSError as exc:
            emit(f"Error organizing {src}: {exc}")
            continue
        done.append((src, dst))
        if verbose:
            emit(f"Moved: {src} -> {dst}")
    if not files:
        if safe_mode or verbose:
            emit(f"No files with the extension '{extension}' were found to organize.")
    elif verbose and not safe_mode:
        emit(f"Total files organized: {len(done)}")
    return done


def organize_subdirs_into_named_dirs(root_dir: PathLike, join_char: str = "-", verbose: bool = False,
                                     safe_mode: bool = True, overwrite: bool = False) -> dict[str, list[str]]:
    """Flatten ``root/<parent>/<child>/`` into ``root/<parent><join_char><child>/``.

    ``Patient-002/week-000`` -> ``Patient-002-week-000``. The items of each child are moved into
    the new folder (merged when it exists), the emptied child is removed, then the parent once
    it is empty. Loose files in a parent keep it; files directly in ``root_dir`` are untouched.

    Parameters
    ----------
    root_dir : str or Path
    join_char : str, default ``"-"``
    verbose : bool, default False
        Real mode: print ``Created folder``, ``Moved``, ``Deleted folder`` lines.
    safe_mode : bool, default True
        Print the plan (``[SAFE MODE] Would create / Would move / Would delete``); change nothing.
    overwrite : bool, default False
        Replace items of an existing merged folder that have the same name (clash rule).

    Returns
    -------
    dict
        ``{"created_folders": [...], "moved_items": ["<src> -> <dst>", ...],
        "removed_folders": [...]}``: the plan in safe mode, what was done in real mode.

    Raises
    ------
    ValueError
        ``The directory '<p>' does not exist.``
    FileExistsError
        Item-name clashes in a merged folder (all listed; nothing changed).

    Notes
    -----
    Deviation from reference 0.2.0: safe mode returned a mix of planned and performed actions.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "Patient-002" / "week-000").mkdir(parents=True)
    >>> _ = (root / "Patient-002" / "week-000" / "t1.nii.gz").write_text("x")
    >>> out = organize_subdirs_into_named_dirs(root, safe_mode=False)
    >>> [str(p.relative_to(root)) for p in sorted(root.rglob("*"))]
    ['Patient-002-week-000', 'Patient-002-week-000/t1.nii.gz']
    """
    root = require_dir(root_dir, NO_DIR)
    parents = [e for e in walk(root, prune=lambda e: True) if e.is_dir and not e.is_link]
    created: list[str] = []
    moves: list[tuple[str, str]] = []
    removed_children: list[str] = []
    flattened_parents: list[str] = []
    for parent in parents:
        entries = list(walk(parent.path, prune=lambda e: True))
        children = [e for e in entries if e.is_dir and not e.is_link]
        if not children:
            continue
        for child in children:
            new = os.path.join(root, f"{parent.name}{join_char}{child.name}")
            if not os.path.isdir(new) and new not in created:
                created.append(new)
            moves.extend((item.path, os.path.join(new, item.name))
                         for item in walk(child.path, prune=lambda e: True))
            removed_children.append(child.path)
        if len(children) == len(entries):
            flattened_parents.append(parent.path)
    # A parent that is also a merge target keeps what is merged into it.
    targets = {os.path.normpath(c) for c in created} | {os.path.normpath(os.path.dirname(d)) for _, d in moves}
    removed = removed_children + [p for p in flattened_parents if os.path.normpath(p) not in targets]

    clashes = find_clashes(moves, overwrite=overwrite)
    occupied = [c for c in created if os.path.lexists(c)]  # a file where a new folder should go
    result = {"created_folders": list(created),
              "moved_items": [f"{s} -> {d}" for s, d in moves],
              "removed_folders": removed}
    if safe_mode:
        bad = {(s, d) for s, d, _ in clashes}
        for folder in created:
            emit(f"{SAFE} {'Would fail (target exists)' if folder in occupied else 'Would create'}: {folder}")
        for s, d in moves:
            emit(f"{SAFE} {'Would fail (target exists)' if (s, d) in bad else 'Would move'}: {s} -> {d}")
        for folder in removed:
            emit(f"{SAFE} Would delete: {folder}")
        return result
    if clashes or occupied:
        raise FileExistsError(clash_message(clashes + [(c, c, "target exists") for c in occupied], "moved"))
    for folder in created:
        os.makedirs(folder)
        if verbose:
            emit(f"Created folder: {folder}")
    execute_moves(moves, overwrite=overwrite, verbose=verbose, label="Moved")
    for folder in removed:
        os.rmdir(folder)
        if verbose:
            emit(f"Deleted folder: {folder}")
    return result
