"""Shared machinery of :mod:`auditapp.files`: sorted traversal, the clash rule, planned actions, messages.

Every helper builds its whole plan (a list of actions) before touching the disk, prints it in safe mode and
carries it out in real mode. Paths in plans and messages are the root as given joined with child names, never
resolved.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from typing import Callable, Iterator, Optional, Union

PathLike = Union[str, "os.PathLike[str]"]

#: Multi-part extensions recognised when a file name is split into stem and extension.
MULTI_PART_EXTENSIONS = (".nii.gz", ".tar.gz")

SAFE = "[SAFE MODE]"


def split_extension(name: str) -> tuple[str, str]:
    """Split a file name into (stem, extension), aware of ``.nii.gz`` and ``.tar.gz``; a dot-file has none.

    >>> split_extension("img.nii.gz"), split_extension("a.b.txt"), split_extension(".hidden")
    (('img', '.nii.gz'), ('a.b', '.txt'), ('.hidden', ''))
    """
    lower = name.lower()
    for ext in MULTI_PART_EXTENSIONS:
        if lower.endswith(ext) and len(name) > len(ext):
            return name[: -len(ext)], name[-len(ext):]
    return os.path.splitext(name)


def _is_dir(entry: os.DirEntry) -> bool:
    """Whether the entry is a folder (a link to a folder counts); False when it cannot be told."""
    try:
        return entry.is_dir()
    except OSError:
        return False


@dataclass(frozen=True)
class Entry:
    """One item of a traversal: ``path`` is the given root joined with the names below it."""

    path: str
    name: str
    is_dir: bool
    is_link: bool
    depth: int  # 1 for the root's children


def walk(root: str, *, top_down: bool = True, prune=None) -> Iterator[Entry]:
    """Every item below ``root`` (not ``root``), sorted per level; links yielded but never descended into."""

    def _visit(folder: str, depth: int) -> Iterator[Entry]:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        for de in entries:
            entry = Entry(os.path.join(folder, de.name), de.name, _is_dir(de), de.is_symlink(), depth)
            descend = entry.is_dir and not entry.is_link and not (prune is not None and prune(entry))
            if top_down:
                yield entry
            if descend:
                yield from _visit(entry.path, depth + 1)
            if not top_down:
                yield entry

    yield from _visit(root, 1)


def children(folder: str) -> list[Entry]:
    """The immediate items of ``folder``, sorted."""
    return list(walk(folder, prune=lambda e: True))


def walk_dirs(root: str) -> Iterator[str]:
    """``root`` itself, then every real (non-link) folder below it, sorted, top-down."""
    yield root
    for entry in walk(root):
        if entry.is_dir and not entry.is_link:
            yield entry.path


def find_clashes(plan: list[tuple[str, str]], *, overwrite: bool) -> list[tuple[str, str, str]]:
    """``(src, dst, reason)`` of every clash of a plan (docs/helpers.md, "Guarantees"), before any change."""
    sources = {os.path.normpath(src) for src, _ in plan}
    seen: dict[str, str] = {}
    clashes = []
    for src, dst in plan:
        key = os.path.normpath(dst)
        if key in seen:
            clashes.append((src, dst, f"also the target of '{seen[key]}'"))
            continue
        seen[key] = src
        if key in sources or not os.path.lexists(dst) or os.path.normpath(src) == key:
            continue
        real_dir = os.path.isdir(dst) and not os.path.islink(dst)
        if not overwrite:
            clashes.append((src, dst, "target exists"))
        elif real_dir and os.listdir(dst):
            clashes.append((src, dst, "target is a non-empty folder, never replaced"))
        elif real_dir and not os.path.isdir(src):
            clashes.append((src, dst, "target is a folder, cannot be replaced by a file"))
    return clashes


def clash_message(clashes: list[tuple[str, str, str]], verb: str = "renamed") -> str:
    """The ``FileExistsError`` text listing every clash."""
    lines = [f"Target already exists: '{dst}'" if reason == "target exists"
             else f"Target clash: '{dst}' ({reason})" for _src, dst, reason in clashes]
    return "; ".join(lines) + f". Nothing was {verb}. Pass overwrite=True to replace existing files."


def print_safe_plan(plan: list[tuple[str, str]], clashes, verb: str) -> None:
    """Print one ``[SAFE MODE]`` line per planned action, clashes as ``Would fail``."""
    bad = {(src, dst) for src, dst, _ in clashes}
    for src, dst in plan:
        print(f"{SAFE} Would fail (target exists): {src} -> {dst}" if (src, dst) in bad
              else f"{SAFE} Would {verb}: {src} -> {dst}")


def remove_target(dst: str) -> None:
    """Remove what ``overwrite`` replaces: a file, a link or an empty folder (find_clashes refuses others)."""
    if os.path.isdir(dst) and not os.path.islink(dst):
        os.rmdir(dst)
    else:
        os.unlink(dst)


def order_renames(plan: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The plan ordered so each target is freed first (``x -> xx`` after ``xx -> xxx``); cycles via a temp."""
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
            if norm(dst) not in sources or norm(dst) == norm(src):
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
    """Rename/move a checked plan (``<label>: src -> dst`` if verbose); OS errors re-raised naming ``src``."""
    parked: dict[str, str] = {}  # temporary name -> original source (cycles)
    for src, dst in order_renames(plan):
        try:
            if overwrite and os.path.lexists(dst) and os.path.normpath(src) != os.path.normpath(dst):
                remove_target(dst)
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
            print(f"{label}: {parked.pop(src, src)} -> {dst}")


def run_plan(plan: list[tuple[str, str]], *, safe_mode: bool, overwrite: bool, verbose: bool,
             safe_verb: str = "rename", label: str = "Renamed",
             what: str = "renamed") -> list[tuple[str, str]]:
    """Check the clash rule, then print (safe mode) or carry out a rename/move plan; returns the plan."""
    clashes = find_clashes(plan, overwrite=overwrite)
    if safe_mode:
        print_safe_plan(plan, clashes, safe_verb)
        return plan
    if clashes:
        raise FileExistsError(clash_message(clashes, what))
    execute_moves(plan, overwrite=overwrite, verbose=verbose, label=label)
    return plan


def apply_each(plan: list[tuple[str, ...]], action: Callable, *, safe_mode: bool, verbose: bool, verb: str,
               label: str, error: str) -> list[tuple[str, ...]]:
    """Print ``Would <verb>``, or call ``action(*item)`` (``<label>`` if verbose; ``<error>: <e>``)."""
    done = []
    for item in plan:
        shown = " -> ".join(item)
        if safe_mode:
            print(f"{SAFE} Would {verb}: {shown}")
        else:
            try:
                action(*item)
            except OSError as exc:
                print(f"{error.format(*item)}: {exc}")
                continue
            if verbose:
                print(f"{label}: {shown}")
        done.append(item)
    return done


def print_summary(found: int, *, safe_mode: bool, verbose: bool, nothing: str, safe_line: Optional[str],
                  real_line: str) -> None:
    """The closing line: ``nothing`` when nothing matched, else the safe-mode or (verbose) the real count."""
    if not found:
        line = nothing if safe_mode or verbose else None
    elif safe_mode:
        line = safe_line and f"{SAFE} {safe_line}"
    else:
        line = real_line if verbose else None
    if line:
        print(line)


def require_dir(path: PathLike, message: str, exc: type[Exception] = ValueError) -> str:
    """``path`` as text; raises ``exc(message.format(path))`` when it is not a folder."""
    path_s = os.fspath(path)
    if not os.path.isdir(path_s):
        raise exc(message.format(path_s))
    return path_s


def check_root(root: PathLike, name: str = "root_dir") -> str:
    """Root checks of the rename and listing functions (``FileNotFoundError``, ``NotADirectoryError``)."""
    root_s = os.fspath(root)
    if not os.path.exists(root_s):
        raise FileNotFoundError(f"The specified {name} does not exist: '{root_s}'")
    if not os.path.isdir(root_s):
        raise NotADirectoryError(f"The specified {name} is not a directory: '{root_s}'")
    return root_s
