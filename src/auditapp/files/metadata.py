"""Organising subject folders by a metadata column (the BraTS 2024 tutorial's ``organize_patients``)."""

from __future__ import annotations

import os
import shutil
import warnings
from typing import Optional, Sequence, Union

import pandas as pd

from auditapp.errors import AuditappWarning
from auditapp.files._common import SAFE, PathLike, clash_message, find_clashes, print_safe_plan, remove_target
from auditapp.io import metadata as io_metadata
from auditapp.io.layout import UnsafeSubjectID, check_subject_id
from auditapp.io.paths import is_inside

__all__ = ["organize_by_metadata", "read_metadata_table", "resolve_column", "select_metadata_rows"]

MODES = ["copy", "move", "symlink"]


def read_metadata_table(metadata: Union[pd.DataFrame, PathLike],
                        id_column: Optional[str] = None) -> pd.DataFrame:
    """A metadata table: a DataFrame as is, or read by :func:`auditapp.io.metadata.read_metadata_table`.

    Raises
    ------
    FileNotFoundError
        ``Metadata file '<p>' does not exist.``
    ValueError
        The file name does not end with ``.csv``, ``.tsv``, ``.xlsx`` or ``.xls``.
    TypeError
        ``metadata`` is neither a DataFrame nor a path.
    """
    try:
        return io_metadata.read_metadata_table(metadata, id_column=id_column)
    except FileNotFoundError:
        raise FileNotFoundError(f"Metadata file '{os.fspath(metadata)}' does not exist.") from None


def resolve_column(frame: pd.DataFrame, column: str, parameter: str = "column") -> str:
    """The frame's column called ``column``: exact match, else ignoring surrounding spaces.

    Raises
    ------
    KeyError
        No column matches (the message lists the available columns), or several match once spaces are ignored.

    Examples
    --------
    >>> frame = pd.DataFrame(columns=["BraTS Subject ID", "Train/Test/Validation "])
    >>> resolve_column(frame, "Train/Test/Validation")
    'Train/Test/Validation '
    """
    if column in frame.columns:
        return column
    found = [c for c in frame.columns if str(c).strip() == str(column).strip()]
    if len(found) == 1:
        return found[0]
    if found:
        raise KeyError(f"{parameter} '{column}' matches several columns once spaces are ignored: "
                       f"{[str(c) for c in found]}")
    available = ", ".join(repr(str(c)) for c in frame.columns)
    raise KeyError(f"{parameter} '{column}' is not a column of the metadata. Available columns: {available}")


def _cell_text(value) -> str:
    """A cell as text, stripped: missing -> ``""``, integral floats without ``.0`` (``1.0`` -> ``"1"``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    try:
        if value is None or pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value).strip()


def select_metadata_rows(metadata: Union[pd.DataFrame, PathLike], column: str,
                         values: Sequence[str]) -> pd.DataFrame:
    """Rows whose ``column`` (spaces ignored in the name and the cell) is one of ``values``.

    ``select_metadata_rows(meta, "Train/Test/Validation", ["Train", "Train-additional"])`` is the tutorial's
    ``meta[meta["Train/Test/Validation "].isin(["Train", "Train-additional"])]``.

    Examples
    --------
    >>> meta = pd.DataFrame({"ID": ["a", "b", "c"], "Split ": ["Train", "Test", " Train"]})
    >>> select_metadata_rows(meta, "Split", ["Train"])["ID"].tolist()
    ['a', 'c']
    """
    frame = read_metadata_table(metadata)
    wanted = {str(v).strip() for v in values}
    return frame[frame[resolve_column(frame, column)].map(_cell_text).isin(wanted)]


def _is_plain(name: str) -> bool:
    """Whether ``name`` is one plain folder name (:func:`auditapp.io.layout.check_subject_id`)."""
    try:
        check_subject_id(name)
    except UnsafeSubjectID:
        return False
    return True


def _row_problem(subject: str, category: str, column: str, dst: str, out_dir: str) -> Optional[str]:
    """Why a row is refused (printed, skipped), or None: nothing goes outside ``out_dir``."""
    if not category:
        return f"Subject {subject} skipped: no '{column}' value"
    if not _is_plain(subject):
        return (f"Subject {subject!r} refused: an ID must be a single folder name "
                "(not '.', '..', no '/' or '\\')")
    if not _is_plain(category):
        return (f"Subject {subject} refused: '{column}' value {category!r} is not a usable folder name "
                "(not '.', '..', no '/' or '\\')")
    if not is_inside(os.path.dirname(dst), out_dir):  # the entry itself may be a link we made before
        return f"Subject {subject} refused: its destination {dst} would be outside {out_dir}"
    return None


def organize_by_metadata(metadata: Union[pd.DataFrame, PathLike], column: str, input_dir: PathLike,
                         output_dir: PathLike, id_column: str = "BraTS Subject ID", subdir: Optional[str] = None,
                         mode: str = "copy", verbose: bool = False, safe_mode: bool = True,
                         overwrite: bool = False) -> dict:
    """Copy, move or link ``<input_dir>/<ID>`` into ``<output_dir>/<category>[/<subdir>]/<ID>``, one category per
    value of a metadata column (docs/helpers.md, "Organising subjects by a metadata column").

    Parameters
    ----------
    metadata : DataFrame or str or Path
        The table, or a ``.csv``, ``.tsv``, ``.xlsx`` or ``.xls`` file (first sheet).
    column, id_column : str
        Category and subject-ID (default ``"BraTS Subject ID"``) columns, surrounding spaces ignored.
    input_dir, output_dir : str or Path
    subdir : str, optional
        Extra level below the category, formatted with ``{category}`` (``"{category}_images"``).
    mode : {"copy", "move", "symlink"}, default "copy"
        ``copy`` merges a folder into an existing destination; the others follow the clash rule.
    verbose, safe_mode, overwrite : bool, default False, True, False
        Print ``Created folder`` and ``Copied`` / ``Moved`` / ``Linked`` lines; dry run printing the plan;
        replace an existing destination.

    Returns
    -------
    dict
        ``{"organized": {category: [IDs]}, "missing": [IDs], "skipped": [IDs]}`` (safe mode: what would be).

    Raises
    ------
    KeyError
        ``column`` or ``id_column`` is not a column (the message lists the available ones).
    ValueError
        Unknown ``mode``; ``subdir`` with a placeholder other than ``{category}``; unsupported metadata file.
    FileNotFoundError
        ``input_dir`` or the metadata file does not exist.
    FileExistsError
        ``move``/``symlink`` onto existing destinations without ``overwrite`` (all listed; nothing changed).

    Warns
    -----
    AuditappWarning
        Duplicate IDs: only the first row of each ID is used.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> (tmp / "in" / "BraTS-GLI-00001-000").mkdir(parents=True)
    >>> meta = pd.DataFrame({"BraTS Subject ID": ["BraTS-GLI-00001-000", "BraTS-GLI-00002-000"],
    ...                      "Site": ["Duke", "UCSF"]})
    >>> out = organize_by_metadata(meta, "Site", tmp / "in", tmp / "out", safe_mode=False)   # doctest: +ELLIPSIS
    Subject BraTS-GLI-00002-000 not found in .../in
    Organization completed in .../out
    >>> out["organized"], out["missing"]
    ({'Duke': ['BraTS-GLI-00001-000']}, ['BraTS-GLI-00002-000'])
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got '{mode}'")
    frame = read_metadata_table(metadata, id_column)
    category_col = resolve_column(frame, column, "column")
    id_col = resolve_column(frame, id_column, "id_column")
    in_dir, out_dir = os.fspath(input_dir), os.fspath(output_dir)
    if not os.path.isdir(in_dir):
        raise FileNotFoundError(f"Input directory '{in_dir}' does not exist.")
    if subdir is not None:
        try:
            subdir.format(category="x")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"subdir '{subdir}' may only use the placeholder {{category}}: {exc}") from exc

    plan, missing, skipped = _plan(frame, id_col, category_col, column, in_dir, out_dir, subdir)
    pairs = [(src, dst) for _, _, src, dst in plan]
    if mode == "copy":  # folders merge into existing folders; anything else is a clash
        pairs = [(s, d) for s, d in pairs if not _merges(s, d)]
    clashes = find_clashes(pairs, overwrite=overwrite)
    folders = sorted({os.path.dirname(dst) for _, _, _, dst in plan})
    if safe_mode:
        organized = _report_plan(plan, folders, clashes, mode)
        return {"organized": organized, "missing": missing, "skipped": skipped}
    if clashes:
        raise FileExistsError(clash_message(clashes, "organized"))
    organized = _carry_out(plan, folders, mode, overwrite, verbose)
    print(f"Organization completed in {out_dir}")
    return {"organized": organized, "missing": missing, "skipped": skipped}


Plan = list[tuple[str, str, str, str]]  # (ID, category, source, destination)


def _plan(frame: pd.DataFrame, id_col: str, category_col: str, column: str, in_dir: str, out_dir: str,
          subdir: Optional[str]) -> tuple[Plan, list[str], list[str]]:
    """The moves of the table's rows in order, and the IDs missing in ``in_dir`` or refused (printed)."""
    plan: Plan = []
    missing: list[str] = []
    skipped: list[str] = []
    seen: set[str] = set()
    duplicates: list[str] = []
    for ids, cats in zip(frame[id_col].tolist(), frame[category_col].tolist()):
        subject = _cell_text(ids)
        if not subject:
            continue
        if subject in seen:
            duplicates.append(subject)
            continue
        seen.add(subject)
        category = _cell_text(cats).replace("/", "_").replace("\\", "_")
        levels = [category] + ([subdir.format(category=category)] if subdir is not None else [])
        dst = os.path.join(out_dir, *levels, subject)
        problem = _row_problem(subject, category, column, dst, out_dir)
        src = os.path.join(in_dir, subject)
        if problem:
            print(problem)
            skipped.append(subject)
        elif not os.path.lexists(src):
            print(f"Subject {subject} not found in {in_dir}")
            missing.append(subject)
        else:
            plan.append((subject, category, src, dst))
    if duplicates:
        warnings.warn(f"Duplicate IDs in column '{id_col}', only the first row of each is used: "
                      f"{sorted(set(duplicates))}", AuditappWarning, stacklevel=3)
    return plan, missing, skipped


def _merges(src: str, dst: str) -> bool:
    """A copied folder merges into an existing (real) folder instead of clashing with it."""
    return os.path.isdir(src) and os.path.isdir(dst) and not os.path.islink(dst)


def _report_plan(plan: Plan, folders: list[str], clashes: list, mode: str) -> dict[str, list[str]]:
    """Safe mode: print what would be done; the subjects that would be organised, by category."""
    organized: dict[str, list[str]] = {}
    bad = {(s, d) for s, d, _ in clashes}
    for folder in folders:
        if not os.path.isdir(folder):
            print(f"{SAFE} Would create: {folder}")
    print_safe_plan([(src, dst) for _, _, src, dst in plan], clashes, "link" if mode == "symlink" else mode)
    for subject, category, src, dst in plan:
        if (src, dst) not in bad:
            organized.setdefault(category, []).append(subject)
    count = sum(map(len, organized.values()))
    print(f"{SAFE} {count} subjects would be organized into {len(organized)} folders.")
    return organized


def _carry_out(plan: Plan, folders: list[str], mode: str, overwrite: bool, verbose: bool) -> dict[str, list[str]]:
    """Real mode: create the folders, then copy, move or link every subject of the checked plan."""
    organized: dict[str, list[str]] = {}
    for folder in folders:
        if not os.path.isdir(folder):
            os.makedirs(folder)
            if verbose:
                print(f"Created folder: {folder}")
    label = {"copy": "Copied", "move": "Moved", "symlink": "Linked"}[mode]
    for subject, category, src, dst in plan:
        merge = mode == "copy" and _merges(src, dst)
        if overwrite and not merge and os.path.lexists(dst):
            remove_target(dst)
        if mode == "copy" and os.path.isdir(src):
            shutil.copytree(src, dst, dirs_exist_ok=True)
        elif mode == "copy":
            shutil.copy2(src, dst)
        elif mode == "move":
            shutil.move(src, dst)
        else:
            os.symlink(os.path.abspath(src), dst, target_is_directory=os.path.isdir(src))
        organized.setdefault(category, []).append(subject)
        if verbose:
            print(f"{label}: {src} -> {dst}")
    return organized
