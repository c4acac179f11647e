"""Renaming folders and files in bulk: substring replacement, prefixes and suffixes.

Every function plans all renames first (sorted traversal), applies the clash rule to the
whole plan, then prints it (safe mode, the default) or performs it.
"""

from __future__ import annotations

import os
from typing import Optional

from auditapp.files._common import (
    SAFE,
    PathLike,
    as_str,
    check_root,
    emit,
    run_plan,
    split_extension,
    walk,
)

__all__ = ["rename_dirs", "rename_files", "add_string_dirs", "add_string_files", "add_suffix_to_files"]


def _dirs_deepest_first(root: str) -> list[tuple[str, str]]:
    """(path, name) of every folder below ``root``, children before parents, sorted."""
    return [(e.path, e.name) for e in walk(root, top_down=False) if e.is_dir]


def _files(root: str) -> list[tuple[str, str]]:
    return [(e.path, e.name) for e in walk(root) if not e.is_dir]


def _plan(items: list[tuple[str, str]], new_name) -> list[tuple[str, str]]:
    plan = []
    for path, name in items:
        target = new_name(name)
        if target is None or target == name:
            continue
        if target in ("", ".", "..") or "/" in target or os.sep in target:
            raise ValueError(f"Renaming '{path}' would give the invalid name '{target}'")
        plan.append((path, os.path.join(os.path.dirname(path), target)))
    return plan


def _replace_in_names(list_items, root_dir: PathLike, old_name: str, new_name: str, **run) -> list[tuple[str, str]]:
    """Rename every item ``list_items(root)`` gives whose name contains ``old_name`` (all occurrences replaced)."""
    root = check_root(root_dir)
    plan = _plan(list_items(root), lambda n: n.replace(old_name, new_name) if old_name in n else None)
    return run_plan(plan, **run)


def rename_dirs(root_dir: PathLike, old_name: str, new_name: str, verbose: bool = False,
                safe_mode: bool = True, overwrite: bool = False) -> list[tuple[str, str]]:
    """Replace ``old_name`` by ``new_name`` in the name of every folder below ``root_dir``.

    Parameters
    ----------
    root_dir : str or Path
        The tree to process; ``root_dir`` itself is never renamed.
    old_name : str
        Substring to replace (all occurrences). Must be non-empty.
    new_name : str
        Replacement; ``""`` deletes the substring.
    verbose : bool, default False
        In real mode, print ``Renamed: <src> -> <dst>`` per folder.
    safe_mode : bool, default True
        Print ``[SAFE MODE] Would rename: <src> -> <dst>`` per planned rename and change nothing.
    overwrite : bool, default False
        Allow replacing an existing *empty* folder. A non-empty one is never replaced.

    Returns
    -------
    list of (str, str)
        The planned (safe mode) or performed renames, deepest first (children before parents).

    Raises
    ------
    ValueError
        ``'old_name' must be a non-empty string``.
    FileNotFoundError, NotADirectoryError
        ``The specified root_dir does not exist / is not a directory: '<p>'``.
    FileExistsError
        A target exists or two folders get the same name; lists every clash, nothing renamed.
    PermissionError
        ``Permission denied: cannot rename '<old>'``.

    Notes
    -----
    Deviations from reference 0.2.0: an empty ``old_name`` inserted ``new_name`` between every
    character; an existing empty target folder was silently replaced and a non-empty one failed
    half-way (``OSError``); traversal order was unsorted.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "BraTS-GLI-00001-000").mkdir()
    >>> plan = rename_dirs(root, "BraTS-GLI", "Duke")   # doctest: +ELLIPSIS
    [SAFE MODE] Would rename: .../BraTS-GLI-00001-000 -> .../Duke-00001-000
    >>> _ = rename_dirs(root, "BraTS-GLI", "Duke", safe_mode=False)
    >>> sorted(p.name for p in root.iterdir())
    ['Duke-00001-000']
    """
    if not isinstance(old_name, str) or not old_name:
        raise ValueError("'old_name' must be a non-empty string")
    if not isinstance(new_name, str):
        raise ValueError(f"'new_name' must be a string, got {type(new_name).__name__}")
    return _replace_in_names(_dirs_deepest_first, root_dir, old_name, new_name, safe_mode=safe_mode,
                             overwrite=overwrite, verbose=verbose)


def rename_files(root_dir: PathLike, old_name: str = "", new_name: str = "", verbose: bool = False,
                 safe_mode: bool = True, overwrite: bool = False) -> list[tuple[str, str]]:
    """Replace ``old_name`` by ``new_name`` in the name of every file below ``root_dir``.

    Parameters
    ----------
    root_dir : str or Path
        The tree to process (all levels).
    old_name, new_name : str
        Both must be non-empty; every occurrence of ``old_name`` is replaced.
    verbose, safe_mode, overwrite : bool
        As :func:`rename_dirs`; with ``overwrite=True`` existing files are replaced.

    Returns
    -------
    list of (str, str)
        The planned or performed renames, in sorted traversal order.

    Raises
    ------
    ValueError
        ``Both 'old_name' and 'new_name' must be non-empty strings`` (checked first, so the
        defaults always raise, as in the reference).
    FileNotFoundError, NotADirectoryError, FileExistsError, PermissionError
        As :func:`rename_dirs`.

    Notes
    -----
    Deviation from reference 0.2.0: a rename onto an existing file silently destroyed it
    (``a-b-c.txt`` -> ``a_b_c.txt`` overwrote an existing ``a_b_c.txt``); here the whole plan
    is refused and nothing changes unless ``overwrite=True``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "S1").mkdir()
    >>> _ = (root / "S1" / "S1-t1c.nii.gz").write_text("x")
    >>> _ = rename_files(root, "-t1c.nii.gz", "_t1ce.nii.gz", safe_mode=False)
    >>> [p.name for p in (root / "S1").iterdir()]
    ['S1_t1ce.nii.gz']
    """
    if not (isinstance(old_name, str) and old_name and isinstance(new_name, str) and new_name):
        raise ValueError("Both 'old_name' and 'new_name' must be non-empty strings")
    return _replace_in_names(_files, root_dir, old_name, new_name, safe_mode=safe_mode, overwrite=overwrite,
                             verbose=verbose)


def add_string_dirs(root_dir: PathLike, prefix: str = "", suffix: str = "", verbose: bool = False,
                    safe_mode: bool = True, overwrite: bool = False) -> list[tuple[str, str]]:
    """Rename every folder below ``root_dir`` to ``prefix + name + suffix``, deepest first.

    Parameters
    ----------
    root_dir : str or Path
    prefix, suffix : str
        Both empty: nothing to do, returns ``[]``.
    verbose, safe_mode, overwrite : bool
        As :func:`rename_dirs`.

    Returns
    -------
    list of (str, str)

    Raises
    ------
    FileNotFoundError, NotADirectoryError, FileExistsError, PermissionError
        As :func:`rename_dirs`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "a" / "b").mkdir(parents=True)
    >>> [(pathlib.Path(s).name, pathlib.Path(d).name)
    ...  for s, d in add_string_dirs(root, prefix="x_", safe_mode=False)]
    [('b', 'x_b'), ('a', 'x_a')]
    """
    root = check_root(root_dir)
    if not prefix and not suffix:
        return []
    plan = _plan(_dirs_deepest_first(root), lambda n: f"{prefix}{n}{suffix}")
    return run_plan(plan, safe_mode=safe_mode, overwrite=overwrite, verbose=verbose)


def add_string_files(root_dir: PathLike, prefix: str = "", suffix: str = "", ext: Optional[str] = None,
                     verbose: bool = False, safe_mode: bool = True,
                     overwrite: bool = False) -> list[tuple[str, str]]:
    """Rename every file below ``root_dir`` to ``prefix + stem + suffix + extension``.

    Parameters
    ----------
    root_dir : str or Path
    prefix, suffix : str
        Both empty: nothing to do, returns ``[]``.
    ext : str, optional
        Only files whose name ends with ``ext``; the stem is the name minus ``ext``. Without it
        the extension is ``.nii.gz`` / ``.tar.gz`` when present, else the last suffix (a dot-file
        such as ``.hidden`` has none).
    verbose, safe_mode, overwrite : bool
        As :func:`rename_files`.

    Returns
    -------
    list of (str, str)

    Raises
    ------
    FileExistsError
        ``Target already exists: '<new>'`` for every clash; nothing is renamed.
    PermissionError
        ``Permission denied: cannot rename '<old>'``.
    OSError
        ``Failed to rename '<old>' to '<new>': <e>``.
    FileNotFoundError, NotADirectoryError
        As :func:`rename_dirs`.

    Notes
    -----
    Deviations from reference 0.2.0: ``img.nii.gz`` + ``_S`` gave ``img.nii_S.gz`` (here
    ``img_S.nii.gz``); the clash check raised at the first clash met in unsorted order and
    kept the renames done before it (here all-or-nothing).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "img.nii.gz").write_text("x")
    >>> _ = add_string_files(root, suffix="_S", safe_mode=False)
    >>> [p.name for p in root.iterdir()]
    ['img_S.nii.gz']
    """
    root = check_root(root_dir)
    if not prefix and not suffix:
        return []

    def new_name(name: str) -> Optional[str]:
        if ext is not None:
            if not name.endswith(ext) or len(name) == len(ext):
                return None
            stem, extension = name[: -len(ext)], ext
        else:
            stem, extension = split_extension(name)
        return f"{prefix}{stem}{suffix}{extension}"

    plan = _plan(_files(root), new_name)
    return run_plan(plan, safe_mode=safe_mode, overwrite=overwrite, verbose=verbose)


def add_suffix_to_files(root_dir: PathLike, suffix: str = "_pred", ext: str = ".nii.gz", verbose: bool = False,
                        safe_mode: bool = True, overwrite: bool = False) -> list[tuple[str, str]]:
    """Add ``suffix`` before the trailing ``ext`` of every matching file below ``root_dir``.

    ``a.nii.gz`` -> ``a_pred.nii.gz``. Files already ending with ``suffix + ext`` are left
    alone, so a second run changes nothing.

    Parameters
    ----------
    root_dir : str or Path
    suffix : str, default ``"_pred"``
    ext : str, default ``".nii.gz"``
    verbose, safe_mode, overwrite : bool
        As :func:`rename_files`.

    Returns
    -------
    list of (str, str)

    Raises
    ------
    ValueError
        ``The directory '<p>' does not exist.`` (also when it is not a directory).
    FileExistsError, PermissionError, OSError
        As :func:`add_string_files`.

    Notes
    -----
    The summary is always printed: ``Total files renamed: N``, ``[SAFE MODE] N files would be
    renamed.``, or ``No files with the extension '<ext>' were found to rename.``
    Deviation from reference 0.2.0: every occurrence of ``ext`` was replaced
    (``b.nii.gz.nii.gz`` -> ``b_pred.nii.gz_pred.nii.gz``) and a second run gave
    ``a_pred_pred.nii.gz``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "a.nii.gz").write_text("x")
    >>> _ = add_suffix_to_files(root, safe_mode=False)
    Total files renamed: 1
    >>> _ = add_suffix_to_files(root, safe_mode=False)
    Total files renamed: 0
    >>> [p.name for p in root.iterdir()]
    ['a_pred.nii.gz']
    """
    root = as_str(root_dir)
    if not os.path.isdir(root):
        if os.path.exists(root):
            raise ValueError(f"The path '{root}' is not a directory.")
        raise ValueError(f"The directory '{root}' does not exist.")
    if not ext:
        raise ValueError("'ext' must be a non-empty string")
    matching = [(p, n) for p, n in _files(root) if n.endswith(ext) and len(n) > len(ext)]
    plan = _plan(matching, lambda n: None if n.endswith(suffix + ext) else n[: -len(ext)] + suffix + ext)
    result = run_plan(plan, safe_mode=safe_mode, overwrite=overwrite, verbose=verbose)
    if not matching:
        emit(f"No files with the extension '{ext}' were found to rename.")
    elif safe_mode:
        emit(f"{SAFE} {len(result)} files would be renamed.")
    else:
        emit(f"Total files renamed: {len(result)}")
    return result
