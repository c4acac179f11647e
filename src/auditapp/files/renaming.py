"""Renaming folders and files in bulk: substring replacement, prefixes and suffixes.

Every function plans all renames (sorted traversal), applies the clash rule to the whole plan, then prints it
(safe mode, the default) or performs it. See docs/helpers.md, "Renaming" and "Differences from AUDIT 0.2.0".
"""

from __future__ import annotations

import os
from typing import Callable, Optional

from auditapp.files._common import SAFE, PathLike, check_root, run_plan, split_extension, walk

__all__ = ["rename_dirs", "rename_files", "add_string_dirs", "add_string_files", "add_suffix_to_files"]


def _items(root: str, dirs: bool) -> list[tuple[str, str]]:
    """(path, name) of every folder (deepest first) or file (top-down) below ``root``, sorted."""
    return [(e.path, e.name) for e in walk(root, top_down=not dirs) if e.is_dir == dirs]


def _rename(root: str, dirs: bool, new_name: Callable[[str], Optional[str]], safe_mode: bool, overwrite: bool,
            verbose: bool, items: Optional[list[tuple[str, str]]] = None) -> list[tuple[str, str]]:
    """Rename every item to ``new_name(name)`` (None or the same name: left alone) under the clash rule."""
    plan = []
    for path, name in _items(root, dirs) if items is None else items:
        target = new_name(name)
        if target is None or target == name:
            continue
        if target in ("", ".", "..") or "/" in target or os.sep in target:
            raise ValueError(f"Renaming '{path}' would give the invalid name '{target}'")
        plan.append((path, os.path.join(os.path.dirname(path), target)))
    return run_plan(plan, safe_mode=safe_mode, overwrite=overwrite, verbose=verbose)


def _replacing(old: str, new: str) -> Callable[[str], Optional[str]]:
    """The new name of an item whose name contains ``old`` (every occurrence replaced), else None."""
    return lambda name: name.replace(old, new) if old in name else None


def rename_dirs(root_dir: PathLike, old_name: str, new_name: str, verbose: bool = False,
                safe_mode: bool = True, overwrite: bool = False) -> list[tuple[str, str]]:
    """Replace ``old_name`` by ``new_name`` in the name of every folder below ``root_dir``, deepest first.

    Parameters
    ----------
    root_dir : str or Path
        The tree to process; ``root_dir`` itself is never renamed.
    old_name, new_name : str
        Every occurrence of ``old_name`` (non-empty) is replaced; ``new_name=""`` deletes it.
    verbose, safe_mode, overwrite : bool, default False, True, False
        Print ``Renamed: a -> b`` (real mode); dry run printing ``[SAFE MODE] Would rename: a -> b``; replace
        an existing empty folder (never a non-empty one). See docs/helpers.md, "Safe mode" and "Guarantees".

    Returns
    -------
    list of (str, str)
        The planned (safe mode) or performed renames.

    Raises
    ------
    ValueError
        ``'old_name' must be a non-empty string``.
    FileNotFoundError, NotADirectoryError
        ``The specified root_dir does not exist / is not a directory: '<p>'``.
    FileExistsError
        A target exists or two folders get the same name: every clash listed, nothing renamed.
    PermissionError
        ``Permission denied: cannot rename '<old>'``.

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
    return _rename(check_root(root_dir), True, _replacing(old_name, new_name), safe_mode, overwrite, verbose)


def rename_files(root_dir: PathLike, old_name: str = "", new_name: str = "", verbose: bool = False,
                 safe_mode: bool = True, overwrite: bool = False) -> list[tuple[str, str]]:
    """Replace ``old_name`` by ``new_name`` in the name of every file below ``root_dir``.

    Parameters
    ----------
    root_dir : str or Path
    old_name, new_name : str
        Both non-empty; every occurrence of ``old_name`` is replaced.
    verbose, safe_mode, overwrite : bool
        As :func:`rename_dirs`; ``overwrite=True`` replaces existing files.

    Returns
    -------
    list of (str, str)

    Raises
    ------
    ValueError
        ``Both 'old_name' and 'new_name' must be non-empty strings`` (checked first: the defaults raise).
    FileNotFoundError, NotADirectoryError, FileExistsError, PermissionError
        As :func:`rename_dirs`.

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
    return _rename(check_root(root_dir), False, _replacing(old_name, new_name), safe_mode, overwrite, verbose)


def add_string_dirs(root_dir: PathLike, prefix: str = "", suffix: str = "", verbose: bool = False,
                    safe_mode: bool = True, overwrite: bool = False) -> list[tuple[str, str]]:
    """Rename every folder below ``root_dir`` to ``prefix + name + suffix``, deepest first.

    Parameters
    ----------
    root_dir : str or Path
    prefix, suffix : str
        Both empty: nothing to do, ``[]``.
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
    return _rename(root, True, lambda n: f"{prefix}{n}{suffix}", safe_mode, overwrite, verbose)


def add_string_files(root_dir: PathLike, prefix: str = "", suffix: str = "", ext: Optional[str] = None,
                     verbose: bool = False, safe_mode: bool = True,
                     overwrite: bool = False) -> list[tuple[str, str]]:
    """Rename every file below ``root_dir`` to ``prefix + stem + suffix + extension``.

    Parameters
    ----------
    root_dir : str or Path
    prefix, suffix : str
        Both empty: nothing to do, ``[]``.
    ext : str, optional
        Only names ending with ``ext``, the stem being the rest. Without it the extension is given by
        :func:`split_extension` (``.nii.gz`` is one extension).
    verbose, safe_mode, overwrite : bool
        As :func:`rename_dirs`.

    Returns
    -------
    list of (str, str)

    Raises
    ------
    FileExistsError
        ``Target already exists: '<new>'`` for every clash; nothing is renamed.
    FileNotFoundError, NotADirectoryError, PermissionError, OSError
        As :func:`rename_dirs`; ``Failed to rename '<old>' to '<new>': <e>``.

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
        if ext is None:
            stem, extension = split_extension(name)
        elif name.endswith(ext) and len(name) > len(ext):
            stem, extension = name[: -len(ext)], ext
        else:
            return None
        return f"{prefix}{stem}{suffix}{extension}"

    return _rename(root, False, new_name, safe_mode, overwrite, verbose)


def _suffixed(suffix: str, ext: str) -> Callable[[str], Optional[str]]:
    """``name`` with ``suffix`` before its trailing ``ext``; None when it ends with ``suffix + ext``."""
    return lambda name: None if name.endswith(suffix + ext) else name[: -len(ext)] + suffix + ext


def add_suffix_to_files(root_dir: PathLike, suffix: str = "_pred", ext: str = ".nii.gz", verbose: bool = False,
                        safe_mode: bool = True, overwrite: bool = False) -> list[tuple[str, str]]:
    """Add ``suffix`` before the trailing ``ext`` of every matching file below ``root_dir`` (idempotent).

    Files already ending with ``suffix + ext`` are left alone. The summary is always printed: ``Total files
    renamed: N``, ``[SAFE MODE] N files would be renamed.`` or ``No files with the extension '<ext>' were
    found to rename.``

    Parameters
    ----------
    root_dir : str or Path
    suffix, ext : str, default ``"_pred"``, ``".nii.gz"``
    verbose, safe_mode, overwrite : bool
        As :func:`rename_dirs`.

    Returns
    -------
    list of (str, str)

    Raises
    ------
    ValueError
        ``The directory '<p>' does not exist.`` (or ``... is not a directory.``); an empty ``ext``.
    FileExistsError, PermissionError, OSError
        As :func:`add_string_files`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "a.nii.gz").write_text("x")
    >>> _ = add_suffix_to_files(root, safe_mode=False)
    Total files renamed: 1
    >>> _ = add_suffix_to_files(root, safe_mode=False)
    Total files renamed: 0
    """
    root = os.fspath(root_dir)
    if not os.path.isdir(root):
        if os.path.exists(root):
            raise ValueError(f"The path '{root}' is not a directory.")
        raise ValueError(f"The directory '{root}' does not exist.")
    if not ext:
        raise ValueError("'ext' must be a non-empty string")
    matching = [(p, n) for p, n in _items(root, False) if n.endswith(ext) and len(n) > len(ext)]
    result = _rename(root, False, _suffixed(suffix, ext),
                     safe_mode, overwrite, verbose, items=matching)
    if not matching:
        print(f"No files with the extension '{ext}' were found to rename.")
    elif safe_mode:
        print(f"{SAFE} {len(result)} files would be renamed.")
    else:
        print(f"Total files renamed: {len(result)}")
    return result
