"""Reading metadata tables (CSV, TSV, XLSX, XLS): the one reader of the feature pipeline, the dashboard and the
file helpers."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

__all__ = ["METADATA_EXTENSIONS", "match_column", "read_metadata_table"]

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
        Column read as strings. Matched exactly, then ignoring surrounding spaces
        (the column is then renamed to ``id_column``). None: no ID column.
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
        if suffix in (".csv", ".tsv"):
            sep = "," if suffix == ".csv" else "\t"
            header = pd.read_csv(path, sep=sep, nrows=0).columns
            actual = match_column(header, id_column)
            frame = pd.read_csv(path, sep=sep, dtype=_types(header, dtype, actual, str))
        else:
            header = pd.read_excel(path, sheet_name=sheet, nrows=0).columns
            actual = match_column(header, id_column)
            frame = pd.read_excel(path, sheet_name=sheet, dtype=_types(header, dtype, actual, None),
                                  converters={actual: _as_text} if actual is not None else None)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read metadata file {path}: {exc}") from exc
    if actual is not None and actual != id_column:
        frame = frame.rename(columns={actual: id_column})
    return frame


def _types(header, dtype, id_col, id_type) -> dict | None:
    """Per-column dtypes: ``dtype`` for every column but ``id_col`` (``id_type``, or left to a converter)."""
    types = {} if dtype is None else {col: dtype for col in header if col != id_col}
    if id_col is not None and id_type is not None:
        types[id_col] = id_type
    return types or None


def _as_text(value) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
