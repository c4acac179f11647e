"""Shared machinery of :mod:`auditapp.files`: sorted traversal, printing, the clash rule, renaming.

Every helper builds a complete *plan* (a list of actions) before touching the disk, prints
it in safe mode, and executes it in real mode. Paths in plans and messages are strings: the
root exactly as the caller gave it, joined with child names (``os.path.join``), never resolved.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Union

PathLike = Union[str, "os.PathLike[str]"]

#: Multi-part extensions recognised when a file name is split into stem and extension.
MULTI_PART_EXTENSIONS = (".nii.gz", ".tar.gz")

SAFE = "[SAFE MODE]"


def as_str(path: PathLike) -> str:
    """``path`` as a string, as given (no resolution)."""
    return os.fspath(path)


def split_extension(name: str) -> tuple[str, str]:
    """Split a file name into (stem, extension), aware of ``.nii.gz`` and ``.tar.gz``.

    A dot-file (``.hidden``) has no extension; otherwise the last suffix is the extension.

    >>> split_extension("img.nii.gz"), split_extension("a.b.txt"), split_extension(".hidden")
    (('img', '.nii.gz'), ('a.b', '.txt'), ('.hidden', ''))
    """
    lower = name.lower()
    for ext in MULTI_PART_EXTENSIONS:
        if lower.endswith(ext) and len(name) > len(ext):
            return name[: -len(ext)], name[-len(ext):]
    return os.path.splitext(name)


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()  # follows symlinks: a link to a folder counts as a folder
    except OSError:
        return False


def _sorted_entries(folder: str) -> list[os.DirEntry]:
    with os.scandir(folder) as it:
        return sorted(it, key=lambda e: e.name)


@dataclass(frozen=True)
class Entry:
    """One item of a traversal: ``path`` is the given root joined with the names below it."""

    path: str
    name: str
    is_dir: bool
    is_link: bool
    depth: int  # 1 for the root's children


def walk(root: str, *, top_down: bool = True, prune=None) -> Iterator[Entry]:
    """Yield every item below ``root`` (never ``root`` itself), sorted by name at every level.

    Symbolic links to folders are yielded as folders but never descended into, so nothing
    outside ``root`` is visited. ``top_down=False`` yields a folder after its contents
    (children before parents). ``prune(entry) -> bool`` stops the descent into a folder.
    """

    def _visit(folder: str, depth: int) -> Iterator[Entry]:
        for de in _sorted_entries(folder):
            entry = Entry(os.path.join(folder, de.name), de.name, _is_dir(de), de.is_symlink(), depth)
            descend = entry.is_dir and not entry.is_link and not (prune is not None and prune(entry))
            if top_down:
                yield entry
            if descend:
                yield from _visit(entry.path, depth + 1)
            if not top_down:
                yield entry

    yield from _visit(root, 1)


def walk_dirs(root: str) -> Iterator[str]:
    """``root`` itself, then every real (non-link) folder below it, sorted, top-down."""
    yield root
    for entry in walk(root):
        if entry.is_dir and not entry.is_link:
            yield entry.path


def emit(line: str) -> None:
    """Print one user message (stdout, as the reference; its tests capture stdout)."""
    print(line)


def report(safe_mode: bool, verbose: bool, safe_line: str, real_line: str) -> None:
    """Safe mode: always print ``safe_line``; real mode: print ``real_line`` only when verbose."""
    if safe_mode:
        emit(f"{SAFE} {safe_line}")
    elif verbose:
        emit(real_line)


# --------------------------------------------------------------------------------------------
# The clash rule
# --------------------------------------------------------------------------------------------

def _lexists(path: str) -> bool:
    return os.path.lexists(path)


def find_clashes(plan: list[tuple[str, str]], *, overwrite: bool) -> list[tuple[str, str, str]]:
    """Check a rename/move plan before anything changes.

    A clash is a target that already exists on disk and is not itself a source of the plan
    (renamed away first), or a target shared by two sources. With ``overwrite`` an existing
    target is allowed unless it is a non-empty folder; two sources with one target are never
    allowed (one result would silently replace the other).

    Returns
    -------
    list of (src, dst, reason)
    """
    sources = {os.path.normpath(src) for src, _ in plan}
    seen: dict[str, str] = {}
    clashes = []
    for src, dst in plan:
        key = os.path.normpath(dst)
        if key in seen:
            clashes.append((src, dst, f"also the target of '{seen[key]}'"))
            continue
        seen[key] = src
        if key in sources or not _lexists(dst):
            continue
        if os.path.normpath(src) == key:
            continue
        if not overwrite:
            clashes.append((src, dst, "target exists"))
        elif os.path.isdir(dst) and not os.path.islink(dst) and os.listdir(dst):
            clashes.append((src, dst, "target is a non-empty folder, never replaced"))
        elif os.path.isdir(dst) and not os.path.islink(dst) and not os.path.isdir(src):
            clashes.append((src, dst, "target is a folder, cannot be replaced by a file"))
    return clashes


def clash_message(clashes: list[tuple[str, str, str]], verb: str = "renamed") -> str:
    lines = [f"Target already exists: '{dst}'" if reason == "target exists"
             else f"Target clash: '{dst}' ({reason})" for _src, dst, reason in clashes]
    hint = f"Nothing was {verb}. Pass overwrite=True to replace existing files."
    return "; ".join(lines) + f". {hint}"


def print_safe_plan(plan: list[tuple[str, str]], clashes, verb: str) -> None:
    """Print one ``[SAFE MODE]`` line per planned action, clashes as ``Would fail``."""
    bad = {(src, dst) for src, dst, _ in clashes}
    for src, dst in plan:
        if (src, dst) in bad:
            emit(f"{SAFE} Would fail (target exists): {src} -> {dst}")
        else:
            emit(f"{SAFE} Would {verb}: {src} -> {dst}")


def _remove_target(dst: str) -> None:
    if os.path.isdir(dst) and not os.path.islink(dst):
        os.rmdir(dst)  # only empty folders reach here (find_clashes refuses the others)
    else:
        os.unlink(dst)


def order_renames(plan: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Order actions so a target occupied by another pending source is freed first.

    The plan order is kept except where an action must wait for the one that frees its target
    (``x -> xx`` waits for ``xx -> xxx``); the first action that can run always runs first, so
    children still go before parents. Cycles (``a -> b``, ``b -> a``) are broken through a
    temporary name in the same folder. Plans without such chains (the usual case) are returned
    unchanged in O(n).
    """
    norm = os.path.normpath
    sources: dict[str, int] = {}
    for src, _ in plan:
        sources[norm(src)] = sources.get(norm(src), 0) + 1
    if not any(norm(dst) in sources and norm(dst) != norm(src) for src, dst in plan):
        return list(plan)
    pending = list(plan)
    ordered: list[tuple[str, str]] = []
    while pending:
        for i, (src, dst) in enumerate(pending):
            key = norm(dst)
            if key not in sources or key == norm(src):
                break
        else:  # a cycle: park the first source under a temporary name
            i = -1
        if i >= 0:
            src, dst = pending.pop(i)
            ordered.append((src, dst))
        else:
            src, dst = pending.pop(0)
            tmp = os.path.join(os.path.dirname(src), f".auditapp-tmp-{uuid.uuid4().hex}")
            ordered.append((src, tmp))
            pending.insert(0, (tmp, dst))
            sources[norm(tmp)] = 1
        sources[norm(src)] -= 1
        if not sources[norm(src)]:
            del sources[norm(src)]
    return ordered


def execute_moves(plan: list[tuple[str, str]], *, overwrite: bool, verbose: bool, label: str) -> None:
    """Rename/move every ``(src, dst)`` of a checked plan, printing ``<label>: src -> dst`` if verbose.

    Raises
    ------
    PermissionError
        ``Permission denied: cannot rename '<src>'``.
    OSError
        ``Failed to rename '<src>' to '<dst>': <e>``.
    """
    parked: dict[str, str] = {}  # temporary name -> original source (cycles)
    for src, dst in order_renames(plan):
        try:
            if overwrite and _lexists(dst) and os.path.normpath(src) != os.path.normpath(dst):
                _remove_target(dst)
            if os.path.dirname(src) == os.path.dirname(dst):
                os.rename(src, dst)
            else:
                shutil.move(src, dst)
        except PermissionError as exc:
            raise PermissionError(f"Permission denied: cannot rename '{src}'") from exc
        except OSError as exc:
            raise OSError(f"Failed to rename '{src}' to '{dst}': {exc}") from exc
        if os.path.basename(dst).startswith(".auditapp-tmp-"):
            parked[dst] = src
        elif verbose:
            emit(f"{label}: {parked.pop(src, src)} -> {dst}")


def run_plan(plan: list[tuple[str, str]], *, safe_mode: bool, overwrite: bool, verbose: bool,
             safe_verb: str = "rename", label: str = "Renamed", what: str = "renamed") -> list[tuple[str, str]]:
    """Check the clash rule, then print (safe mode) or execute (real mode) a rename/move plan."""
    clashes = find_clashes(plan, overwrite=overwrite)
    if safe_mode:
        print_safe_plan(plan, clashes, safe_verb)
        return plan
    if clashes:
        raise FileExistsError(clash_message(clashes, what))
    execute_moves(plan, overwrite=overwrite, verbose=verbose, label=label)
    return plan


def require_dir(path: PathLike, message: str, exc: type[Exception] = ValueError) -> str:
    """``path`` as text; raises ``exc(message.format(path))`` when it is not a folder."""
    path_s = as_str(path)
    if not os.path.isdir(path_s):
        raise exc(message.format(path_s))
    return path_s


def check_root(root: PathLike, name: str = "root_dir") -> str:
    """The rename functions' root checks (FileNotFoundError / NotADirectoryError)."""
    root_s = as_str(root)
    if not os.path.exists(root_s):
        raise FileNotFoundError(f"The specified {name} does not exist: '{root_s}'")
    if not os.path.isdir(root_s):
        raise NotADirectoryError(f"The specified {name} is not a directory: '{root_s}'")
    return root_s


def is_inside(path: Path, root: Path) -> bool:
    """Whether resolved ``path`` is ``root`` or below it (both already resolved)."""
    return path == root or root in path.parents
