"""Restructuring folder trees (one folder per file, flattening ``<parent>/<child>``) and the project skeleton.

See docs/helpers.md, "Restructuring".
"""

from __future__ import annotations

import os
from pathlib import Path

from auditapp.files._common import (
    SAFE,
    PathLike,
    children,
    clash_message,
    execute_moves,
    find_clashes,
    print_safe_plan,
    print_summary,
    require_dir,
    split_extension,
)

__all__ = ["create_project_structure", "organize_files_into_dirs", "organize_subdirs_into_named_dirs"]

NO_DIR = "The directory '{}' does not exist."


def organize_files_into_dirs(root_dir: PathLike, extension: str = ".nii.gz", verbose: bool = False,
                             safe_mode: bool = True) -> list[tuple[str, str]]:
    """Move each top-level file ending with ``extension`` into a folder named after it.

    ``root/S1.nii.gz`` -> ``root/S1/S1.nii.gz``. A file whose target exists, or whose folder name is a file,
    stays: ``Error organizing <file>: <reason>`` (safe mode: ``[SAFE MODE] Would fail (target exists): ...``).

    Parameters
    ----------
    root_dir : str or Path
    extension : str, default ``".nii.gz"``
        ``""`` takes every file, the folder being the stem of :func:`auditapp.files.split_extension`.
    verbose, safe_mode : bool, default False, True
        Print ``Created folder: ...``, ``Moved: ...``, ``Total files organized: N``; dry run
        (``[SAFE MODE] Would create: <dir>``, ``[SAFE MODE] Would move: a -> b``).

    Returns
    -------
    list of (str, str)
        The planned or performed moves.

    Raises
    ------
    ValueError
        ``The directory '<p>' does not exist.``

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
    files = [e for e in children(root) if not e.is_dir and e.name.endswith(extension)]
    done: list[tuple[str, str]] = []
    announced: set[str] = set()
    for entry in files:
        stem = entry.name[: -len(extension)] if extension else split_extension(entry.name)[0]
        folder = os.path.join(root, stem)
        target = os.path.join(folder, entry.name)
        if not stem or stem in (".", ".."):
            problem = "the file name gives no folder name"
        elif os.path.lexists(folder) and not os.path.isdir(folder):
            problem = f"'{folder}' exists and is not a folder"
        elif os.path.lexists(target):
            problem = f"'{target}' already exists"
        else:
            problem = None
        if problem:
            print(f"{SAFE} Would fail (target exists): {entry.path} -> {target}" if safe_mode
                  else f"Error organizing {entry.path}: {problem}")
            continue
        if safe_mode:
            if not os.path.isdir(folder) and folder not in announced:
                print(f"{SAFE} Would create: {folder}")
                announced.add(folder)
            print(f"{SAFE} Would move: {entry.path} -> {target}")
            done.append((entry.path, target))
            continue
        try:
            if not os.path.isdir(folder):
                os.makedirs(folder)
                if verbose:
                    print(f"Created folder: {folder}")
            os.rename(entry.path, target)
        except OSError as exc:
            print(f"Error organizing {entry.path}: {exc}")
            continue
        done.append((entry.path, target))
        if verbose:
            print(f"Moved: {entry.path} -> {target}")
    print_summary(len(files), safe_mode=safe_mode, verbose=verbose, safe_line=None,
                  nothing=f"No files with the extension '{extension}' were found to organize.",
                  real_line=f"Total files organized: {len(done)}")
    return done


def organize_subdirs_into_named_dirs(root_dir: PathLike, join_char: str = "-", verbose: bool = False,
                                     safe_mode: bool = True, overwrite: bool = False) -> dict[str, list[str]]:
    """Flatten ``root/<parent>/<child>/`` into ``root/<parent><join_char><child>/`` (docs/helpers.md).

    Parameters
    ----------
    root_dir : str or Path
    join_char : str, default ``"-"``
    verbose, safe_mode, overwrite : bool, default False, True, False
        Print ``Created folder``, ``Moved``, ``Deleted folder`` lines; dry run printing the plan; replace
        same-named items of an existing merged folder.

    Returns
    -------
    dict
        ``{"created_folders": [...], "moved_items": ["<src> -> <dst>", ...], "removed_folders": [...]}``: the
        plan in safe mode, what was done in real mode.

    Raises
    ------
    ValueError
        ``The directory '<p>' does not exist.``
    FileExistsError
        Item-name clashes in a merged folder (all listed; nothing changed).

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
    created: list[str] = []
    moves: list[tuple[str, str]] = []
    removed_children: list[str] = []
    flattened_parents: list[str] = []
    for parent in (e for e in children(root) if e.is_dir and not e.is_link):
        entries = children(parent.path)
        subdirs = [e for e in entries if e.is_dir and not e.is_link]
        if not subdirs:
            continue
        for child in subdirs:
            new = os.path.join(root, f"{parent.name}{join_char}{child.name}")
            if not os.path.isdir(new) and new not in created:
                created.append(new)
            moves.extend((item.path, os.path.join(new, item.name)) for item in children(child.path))
            removed_children.append(child.path)
        if len(subdirs) == len(entries):
            flattened_parents.append(parent.path)
    # A parent that is also a merge target keeps what is merged into it.
    targets = {os.path.normpath(c) for c in created} | {os.path.normpath(os.path.dirname(d)) for _, d in moves}
    removed = removed_children + [p for p in flattened_parents if os.path.normpath(p) not in targets]

    clashes = find_clashes(moves, overwrite=overwrite)
    occupied = [c for c in created if os.path.lexists(c)]  # a file where a new folder should go
    result = {"created_folders": list(created), "moved_items": [f"{s} -> {d}" for s, d in moves],
              "removed_folders": removed}
    if safe_mode:
        for folder in created:
            verb = "Would fail (target exists)" if folder in occupied else "Would create"
            print(f"{SAFE} {verb}: {folder}")
        print_safe_plan(moves, clashes, "move")
        for folder in removed:
            print(f"{SAFE} Would delete: {folder}")
        return result
    if clashes or occupied:
        raise FileExistsError(clash_message(clashes + [(c, c, "target exists") for c in occupied], "moved"))
    for folder in created:
        os.makedirs(folder)
        if verbose:
            print(f"Created folder: {folder}")
    execute_moves(moves, overwrite=overwrite, verbose=verbose, label="Moved")
    for folder in removed:
        os.rmdir(folder)
        if verbose:
            print(f"Deleted folder: {folder}")
    return result


def create_project_structure(base_path: PathLike = "./") -> list[str]:
    """Create ``datasets/ configs/ outputs/ logs/`` and the config templates under ``base_path``.

    As ``auditapp init``: templates are written only when no file of that name (``.yaml`` or ``.yml``) exists.
    Prints ``Folder created or already exists: <base>/<name>`` per folder and ``Project structure created
    under '<base>' with default config templates.``

    Parameters
    ----------
    base_path : str or Path, default ``"./"``
        Project folder, created when missing.

    Returns
    -------
    list of str
        The template files written (empty when all existed).

    Raises
    ------
    NotADirectoryError
        ``The path '<base>' exists but is not a directory`` (also for a sub-folder that exists as a file).
    OSError
        Any failure to create a folder or write a file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> base = pathlib.Path(tempfile.mkdtemp()) / "proj"
    >>> written = create_project_structure(base)   # doctest: +ELLIPSIS
    Folder created or already exists: .../proj/datasets
    Folder created or already exists: .../proj/configs
    Folder created or already exists: .../proj/outputs
    Folder created or already exists: .../proj/logs
    Project structure created under '.../proj' with default config templates.
    >>> [pathlib.Path(p).name for p in written]
    ['feature_extraction.yaml', 'metric_extraction.yaml', 'app.yaml']
    """
    from auditapp.config.project import PROJECT_DIRS, init_project

    base = os.fspath(base_path)
    for path in (base, *(os.path.join(base, name) for name in PROJECT_DIRS)):
        if os.path.exists(path) and not os.path.isdir(path):  # the reference's exception, before any change
            raise NotADirectoryError(f"The path '{path}' exists but is not a directory")
    report = init_project(Path(base))
    for name in PROJECT_DIRS:
        print(f"Folder created or already exists: {os.path.join(base, name)}")
    print(f"Project structure created under '{base}' with default config templates.")
    return [os.path.join(base, "configs", p.name) for p in report.created if p.suffix == ".yaml"]
