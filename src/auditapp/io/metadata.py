"""Metadata tables (CSV, TSV, XLSX, XLS): the one reader and the one join by subject ID, used by the feature
pipeline, the dashboard, the analysis functions and the file helpers."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
import warnings
from pathlib import Path

import pandas as pd

from auditapp.errors import AuditappWarning, MetadataWarning
from auditapp.io.tables import read_table

__all__ = ["METADATA_EXTENSIONS", "join_metadata", "match_column", "prepare_metadata", "read_metadata_table"]

METADATA_EXTENSIONS = (".csv", ".tsv", ".xlsx", ".xls")


def read_metadata_table(path: pd.DataFrame | str | os.PathLike, *, sheet: int | str = 0,
                        id_column: str | None = "ID", dtype=None) -> pd.DataFrame:
    """Read a metadata table; the ID column is read as text (leading zeros kept).

    Parameters
    ----------
    path : DataFrame or str or Path
        ``.csv`` (comma), ``.tsv`` (tab), ``.xlsx`` / ``.xls`` (sheet ``sheet``;
        xlsx needs openpyxl). A DataFrame is returned as is.
    sheet : int or str, optional
        Sheet index or name for spreadsheets; ignored for text files.
    id_column : str or None, optional
        Column read as text exactly as written (``NA``, ``None``, ``nan``, empty are IDs, not missing values).
        Matched exactly, then ignoring surrounding spaces (the column is then renamed to ``id_column``).
        None: no ID column.
    dtype : optional
        Type of the other columns (``object``: every cell as read, nothing converted);
        None infers it per column.

    Returns
    -------
    DataFrame

    Raises
    ------
    TypeError
        If ``path`` is neither a DataFrame nor a path.
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        For another extension, or when the file cannot be parsed (message names the file).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> csv = pathlib.Path(tempfile.mkdtemp()) / "meta.csv"
    >>> _ = csv.write_text(" ID ,age\\n007,40\\n")
    >>> read_metadata_table(csv).to_dict("records")
    [{'ID': '007', 'age': 40}]
    """
    if isinstance(path, pd.DataFrame):
        return path
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"'metadata' must be a pandas DataFrame or a file path, got {type(path).__name__}")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"metadata file not found: {path}")
    suffix = path.suffix.lower()
    if suffix not in METADATA_EXTENSIONS:
        raise ValueError(f"Metadata file '{path}' has an unsupported extension '{path.suffix}': it must end with "
                         f"one of {list(METADATA_EXTENSIONS)}, got '{path.suffix}'")
    try:
        frame = read_table(path, text_columns=(id_column,) if id_column else (), sheet=sheet, dtype=dtype)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read metadata file {path}: {exc}") from exc
    actual = match_column(frame.columns, id_column)
    if actual is not None and actual != id_column:
        frame = frame.rename(columns={actual: id_column})
    return frame


def match_column(columns, wanted: str | None):
    """The column named ``wanted``, exactly or ignoring surrounding spaces; None if absent (or ``wanted`` empty).

    >>> match_column(["Age ", "ID"], "Age")
    'Age '
    """
    if not wanted:
        return None
    if wanted in columns:
        return wanted
    for col in columns:
        if str(col).strip() == wanted.strip():
            return col
    return None


def _rewrite_ids(ids: pd.Series, raw: pd.DataFrame, old: str, new: str) -> pd.Series:
    """``old`` -> ``new`` in every ID; ``{Column}`` in ``new`` is that row's value of the column ("" if absent)."""
    fields = re.findall(r"\{([^{}]+)\}", new)
    if not fields:
        return ids.str.replace(old, new, regex=False)
    values = {f: raw[col].astype(str) if (col := match_column(raw.columns, f)) is not None else None for f in fields}
    rewritten = []
    for i, value in enumerate(ids):
        repl = new
        for f, column in values.items():
            repl = repl.replace("{" + f + "}", "" if column is None else column.iloc[i])
        rewritten.append(value.replace(old, repl))
    return pd.Series(rewritten, index=ids.index)


def prepare_metadata(raw: pd.DataFrame, *, id_column: str = "ID", id_rewrite: Sequence[tuple[str, str]] = (),
                     columns: Sequence[str] | None = None, source: object = "metadata") -> tuple[pd.DataFrame, tuple]:
    """The dashboard's metadata rows: IDs rewritten, columns chosen, numbers converted, one row per ID.

    Parameters
    ----------
    raw : DataFrame
        As read by :func:`read_metadata_table` with ``dtype=object``.
    id_column : str
        The ID column of ``raw``.
    id_rewrite : sequence of (old, new)
        Applied in order to every (stripped) ID; ``{Column}`` in ``new`` is replaced by that row's value.
    columns : sequence of str, optional
        Columns kept (matched ignoring surrounding spaces); None keeps all.
    source : object
        The file, named in the problems.

    Returns
    -------
    (DataFrame, tuple of str)
        ``ID`` first, then the kept columns (numeric where every non-empty value is a number); the problems
        (columns not found, duplicate IDs: the first row is kept).

    Raises
    ------
    ValueError
        When ``raw`` has no ``id_column``.

    Examples
    --------
    >>> raw = pd.DataFrame({"ID": ["00001", "00001", "00002"], "Site": ["A", "A", "B"], "age": ["40", "40", "x"]})
    >>> meta, problems = prepare_metadata(raw, id_rewrite=[("000", "S-{Site}-")], columns=["age", "sex"])
    >>> meta.to_dict("list"), problems
    ({'ID': ['S-A-01', 'S-B-02'], 'age': ['40', 'x']}, ("metadata column 'sex' not found in metadata", \
'1 duplicate IDs in metadata; first row kept'))
    """
    if id_column not in raw.columns:
        raise ValueError(f"no ID column {id_column!r}")
    ids = raw[id_column].astype(str).str.strip()
    for old, new in id_rewrite:
        ids = _rewrite_ids(ids, raw, old, new)
    problems: list[str] = []
    keep = [c for c in raw.columns if c != id_column] if columns is None else []
    for wanted in columns or ():
        col = match_column(raw.columns, wanted)
        if col is None:
            problems.append(f"metadata column {wanted!r} not found in {source}")
        else:
            keep.append(col)
    out = raw[keep].copy()
    out.columns = [str(c).strip() for c in keep]
    for col in out.columns:
        converted = pd.to_numeric(out[col], errors="coerce")
        if converted.notna().sum() == out[col].notna().sum():
            out[col] = converted
    out.insert(0, "ID", ids.values)
    dupes = out["ID"].duplicated()
    if dupes.any():
        problems.append(f"{int(dupes.sum())} duplicate IDs in {source}; first row kept")
        out = out[~dupes]
    return out.reset_index(drop=True), tuple(problems)


def join_metadata(table: pd.DataFrame, meta: pd.DataFrame, *, on: str = "ID", meta_on: str | None = None,
                  clashes: str = "rename", duplicates: str = "first", name: str = "metadata") -> pd.DataFrame:
    """Left-join the columns of ``meta`` onto ``table`` by subject ID: the one metadata join.

    Parameters
    ----------
    table : DataFrame
        Feature or metric table with an ``on`` column.
    meta : DataFrame
        Metadata with a ``meta_on`` column (default ``on``). IDs are compared as text on both sides.
    on, meta_on : str
        ID columns of ``table`` and ``meta``.
    clashes : {"rename", "keep"}
        A metadata column whose name is already in ``table``: ``"rename"`` appends ``_meta`` (the feature CSVs,
        features.md §11); ``"keep"`` keeps the table's column and drops the metadata's. Both warn.
    duplicates : {"first", "raise"}
        Duplicate metadata IDs: keep the first row (warning), or raise.
    name : str
        Name of the metadata in messages.

    Returns
    -------
    DataFrame
        ``table`` (rows, order and index unchanged) with the metadata columns appended in their order (the ID
        column itself not repeated); a subject without metadata gets NaN.

    Raises
    ------
    ValueError
        ``on`` missing from ``table`` or ``meta_on`` from ``meta``; duplicate IDs with ``duplicates="raise"``.

    Warns
    -----
    AuditappWarning
        Renamed or dropped clashing columns; duplicate IDs with ``duplicates="first"``.

    Examples
    --------
    >>> feats = pd.DataFrame({"ID": ["a", "b"], "x": [1, 2]})
    >>> meta = pd.DataFrame({"ID": ["b", "c"], "age": [40, 50]})
    >>> out = join_metadata(feats, meta)
    >>> list(out.columns), out["age"].tolist()
    (['ID', 'x', 'age'], [nan, 40.0])
    """
    meta_on = on if meta_on is None else meta_on
    for label, frame, column in (("df", table, on), ("meta", meta, meta_on)):
        if column not in frame.columns:
            raise ValueError(f"{label} has no join column {column!r}; got {list(frame.columns)}")
    ids = meta[meta_on].map(lambda v: "" if pd.isna(v) else str(v))
    duplicated = ids.duplicated(keep="first")
    if duplicated.any():
        dups = list(dict.fromkeys(ids[duplicated]))
        if duplicates == "raise":
            raise ValueError(f"meta has duplicated {meta_on} values {dups[:5]}; one row per subject expected")
        warnings.warn(f"metadata '{name}' has duplicate IDs {sorted(dups)[:10]}: the first row of each is kept",
                      MetadataWarning, stacklevel=2)
    meta = meta.loc[~duplicated.to_numpy()].drop(columns=[meta_on]).set_axis(ids[~duplicated], axis=0)
    meta = _resolve_clashes(meta, set(table.columns), clashes, name)
    joined = meta.reindex(table[on].map(lambda v: "" if pd.isna(v) else str(v)).tolist())
    joined.index = table.index
    return pd.concat([table, joined], axis=1)


def _resolve_clashes(meta: pd.DataFrame, taken: set, clashes: str, name: str) -> pd.DataFrame:
    clashing = [col for col in meta.columns if col in taken]
    if not clashing:
        return meta
    if clashes == "keep":
        warnings.warn(f"metadata columns {clashing} already exist in the table; the table's values are kept",
                      AuditappWarning, stacklevel=3)
        return meta.drop(columns=clashing)
    renames = {}
    taken = set(taken)
    for col in meta.columns:
        new = str(col)
        while new in taken:
            new = f"{new}_meta"
        if new != col:
            renames[col] = new
        taken.add(new)
    warnings.warn(f"metadata '{name}' columns {list(renames)} already exist: renamed {list(renames.values())}",
                  MetadataWarning, stacklevel=3)
    return meta.rename(columns=renames)
