"""Reading metadata tables (CSV, TSV, XLSX, XLS) for feature extraction and the dashboard."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["METADATA_EXTENSIONS", "read_metadata_table"]

METADATA_EXTENSIONS = (".csv", ".tsv", ".xlsx", ".xls")


def read_metadata_table(path: str | Path, *, sheet: int | str = 0, id_column: str | None = "ID") -> pd.DataFrame:
    """Read a metadata table; the ID column is read as text (leading zeros kept).

    Parameters
    ----------
    path : str or Path
        ``.csv`` (comma), ``.tsv`` (tab), ``.xlsx`` / ``.xls`` (sheet ``sheet``;
        xlsx needs openpyxl).
    sheet : int or str, optional
        Sheet index or name for spreadsheets; ignored for text files.
    id_column : str or None, optional
        Column read as strings. Matched exactly, then ignoring surrounding spaces
        (the column is then renamed to ``id_column``).

    Returns
    -------
    DataFrame

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        For another extension, or when the file cannot be parsed (message names the file).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"metadata file not found: {path}")
    suffix = path.suffix.lower()
    if suffix not in METADATA_EXTENSIONS:
        raise ValueError(f"metadata file {path}: unsupported extension '{path.suffix}'; "
                         f"expected one of {', '.join(METADATA_EXTENSIONS)}")
    try:
        if suffix in (".csv", ".tsv"):
            sep = "," if suffix == ".csv" else "\t"
            header = pd.read_csv(path, sep=sep, nrows=0).columns
            actual = _match_column(header, id_column)
            frame = pd.read_csv(path, sep=sep, dtype={actual: str} if actual is not None else None)
        else:
            header = pd.read_excel(path, sheet_name=sheet, nrows=0).columns
            actual = _match_column(header, id_column)
            frame = pd.read_excel(path, sheet_name=sheet,
                                  converters={actual: _as_text} if actual is not None else None)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read metadata file {path}: {exc}") from exc
    if actual is not None and actual != id_column:
        frame = frame.rename(columns={actual: id_column})
    return frame


def _as_text(value) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _match_column(columns, id_column: str | None):
    """The column named ``id_column``, exactly or ignoring surrounding spaces; None if absent."""
    if not id_column:
        return None
    if id_column in columns:
        return id_column
    for col in columns:
        if str(col).strip() == id_column.strip():
            return col
    return None
