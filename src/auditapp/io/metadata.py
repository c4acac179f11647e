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
    converters = {id_column: str} if id_column else None
    try:
        if suffix in (".csv", ".tsv"):
            sep = "," if suffix == ".csv" else "\t"
            frame = pd.read_csv(path, sep=sep, dtype={id_column: str} if id_column else None)
            if id_column and id_column not in frame.columns:
                frame = pd.read_csv(path, sep=sep)
        elif suffix in (".xlsx", ".xls"):
            frame = pd.read_excel(path, sheet_name=sheet, converters=converters)
        else:
            raise ValueError(f"metadata file {path}: unsupported extension '{path.suffix}'; "
                             f"expected one of {', '.join(METADATA_EXTENSIONS)}")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read metadata file {path}: {exc}") from exc
    if id_column and id_column not in frame.columns:
        stripped = {str(c).strip(): c for c in frame.columns}
        if id_column.strip() in stripped:
            frame = frame.rename(columns={stripped[id_column.strip()]: id_column})
            frame[id_column] = frame[id_column].map(lambda v: v if pd.isna(v) else str(v))
    return frame
