"""Metadata tables (CSV, TSV, XLSX, XLS): the one reader and the one join by subject ID, used by the feature
pipeline, the dashboard, the analysis functions and the file helpers."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pandas as pd

from auditapp.errors import AuditappWarning, MetadataWarning
from auditapp.io.tables import read_table

__all__ = ["METADATA_EXTENSIONS", "join_metadata", "match_column", "read_metadata_table"]

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
