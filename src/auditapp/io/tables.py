"""Tables on disk: the one table reader (:func:`read_table`); writing is :mod:`auditapp.io.atomic`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

__all__ = ["ID_COLUMNS", "NA_STRINGS", "read_table"]


#: Identifier columns of auditapp's tables: text exactly as written, never missing (issue 11 item 7: a subject
#: called ``NA``, ``None``, ``null``, ``nan``, ``N/A`` or empty is a subject, not a missing value).
ID_COLUMNS = ("ID", "longitudinal_id", "region", "model", "set")
#: Cells read as missing in every other column (pandas' default list).
NA_STRINGS = ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
              "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null")


def read_table(path: str | Path, *, text_columns: Iterable[str] = ID_COLUMNS, sheet: int | str = 0,
               dtype=None) -> pd.DataFrame:
    """Read a CSV, TSV, XLSX or XLS table: the one table reader of auditapp (extraction outputs, metadata).

    Parse errors propagate (``pandas.errors.ParserError``, ``EmptyDataError``, ``UnicodeDecodeError``).

    Parameters
    ----------
    path : str or Path
        ``.xlsx``/``.xls``: sheet ``sheet``; ``.tsv``: tab-separated; any other name: comma-separated.
    text_columns : iterable of str
        Columns (names compared ignoring surrounding spaces) read as text exactly as written: ``NA``, ``None``, ``nan`` and empty cells stay strings
        (an empty cell is ``""``; an integral spreadsheet number ``7.0`` is ``"7"``).
    sheet : int or str
        Sheet of a spreadsheet; ignored for text files.
    dtype : optional
        Type of the other columns (``object``: as read); None infers it. Their cells in :data:`NA_STRINGS` are NaN.

    Returns
    -------
    DataFrame
        Floats of text files parsed with exact round-trip precision.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> csv = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = csv.write_text("ID,x\\nNA,1.5\\nnull,NA\\n,2\\n")
    >>> read_table(csv).to_dict("list")
    {'ID': ['NA', 'null', ''], 'x': [1.5, nan, 2.0]}
    """
    path = Path(path)
    suffix = path.suffix.lower()
    wanted = {str(c).strip() for c in text_columns}
    if suffix not in (".xlsx", ".xls"):
        sep = "\t" if suffix == ".tsv" else ","
        header = pd.read_csv(path, sep=sep, nrows=0).columns
        texts = [c for c in header if str(c).strip() in wanted]
        options = _options(header, texts, dtype, str)
        if int(pd.__version__.split(".")[0]) < 3:  # pandas 3 parses floats exactly by default
            options["float_precision"] = "round_trip"
        return pd.read_csv(path, sep=sep, **options)
    header = pd.read_excel(path, sheet_name=sheet, nrows=0).columns
    texts = [c for c in header if str(c).strip() in wanted]
    return pd.read_excel(path, sheet_name=sheet, converters={c: _cell_text for c in texts},
                         **_options(header, texts, dtype, None))


def _options(header, texts: list, dtype, text_type) -> dict:
    """``dtype``/``na_values`` per column: text columns keep every cell, the others use :data:`NA_STRINGS`."""
    types = {} if dtype is None else {c: dtype for c in header if c not in texts}
    if text_type is not None:
        types.update({c: text_type for c in texts})
    return {"dtype": types or None, "keep_default_na": False,
            "na_values": {c: list(NA_STRINGS) for c in header if c not in texts}}


def _cell_text(value) -> str:
    """A spreadsheet cell as text: empty -> ``""``, integral numbers without ``.0``."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
