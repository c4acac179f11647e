"""Readers of the extraction outputs: feature and metric CSVs of several datasets in one table.

The dashboard and notebook users read every configured CSV with :func:`load_features` /
:func:`load_metrics`; both add a ``set`` column (the dataset name) and return one tidy table.
Metric files written by older versions (upper-case ``DICE ... SIZE`` columns) are renamed to
the canonical metric names (metrics.md §11).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from auditapp.io.tables import read_table
from auditapp.metrics.registry import LEGACY_METRIC_COLUMNS

__all__ = [
    "LEGACY_METRIC_COLUMNS",
    "METRIC_KEY_COLUMNS",
    "coerce_numeric",
    "canonical_metric_columns",
    "has_legacy_columns",
    "load_features",
    "load_metrics",
    "load_tables",
]

#: Key columns of a metric table, in order; every other numeric column is a metric.
METRIC_KEY_COLUMNS = ("ID", "region", "model", "set")

_KINDS = ("features", "metrics")


#: Columns that hold numbers whatever their cells contain (besides the metric names).
_NUMERIC_COLUMNS = {"time_point"}
_TEXT_COLUMNS = {"ID", "set", "region", "model", "longitudinal_id"}


def coerce_numeric(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[int]]]:
    """Turn the numeric columns that contain stray text into numbers, cell by cell.

    A column is numeric when it is a metric (canonical or legacy name), ``time_point``, or when most of its
    non-empty cells are numbers; its cells that are not numbers become NaN. Identifier columns and text columns
    (most cells not numbers) are left alone.

    Returns
    -------
    df : DataFrame
        A copy with those columns numeric (the input when nothing changed).
    bad : dict
        Column -> row positions (0-based) whose cell was not a number.

    Examples
    --------
    >>> df, bad = coerce_numeric(pd.DataFrame({"ID": ["a", "b"], "dice": ["0.5", "oops"], "site": ["x", "y"]}))
    >>> df["dice"].tolist(), bad
    ([0.5, nan], {'dice': [1]})
    """
    from auditapp.metrics.registry import METRICS

    known = set(METRICS) | set(LEGACY_METRIC_COLUMNS) | _NUMERIC_COLUMNS
    changed, bad = {}, {}
    for col in df.columns:
        if col in _TEXT_COLUMNS or pd.api.types.is_numeric_dtype(df[col]):
            continue
        present = df[col].notna() & (df[col].astype(str).str.strip() != "")
        numbers = pd.to_numeric(df[col].where(present), errors="coerce")
        wrong = present & numbers.isna()
        if col not in known and int(wrong.sum()) * 2 >= int(present.sum()):
            continue  # a text column
        changed[col] = numbers
        if wrong.any():
            bad[str(col)] = [int(i) for i in wrong.to_numpy().nonzero()[0]]
    if not changed:
        return df, bad
    numbers = pd.DataFrame(changed, index=df.index)
    return pd.concat([df.drop(columns=list(changed)), numbers], axis=1)[list(df.columns)].copy(), bad


def has_legacy_columns(columns) -> bool:
    """Whether ``columns`` contain any legacy upper-case metric column (``DICE``, ..., ``SIZE``).

    The dashboard shows a one-line notice about legacy semantics when this is true.

    Examples
    --------
    >>> has_legacy_columns(["ID", "region", "DICE", "model"])
    True
    >>> has_legacy_columns(["ID", "region", "dice", "model"])
    False
    """
    return any(column in LEGACY_METRIC_COLUMNS for column in columns)


def canonical_metric_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Rename legacy metric columns to canonical names and keep keys + numeric metric columns.

    Parameters
    ----------
    df : DataFrame
        A metric table with ``ID``, ``region`` and ``model`` columns (``set`` optional).

    Returns
    -------
    DataFrame
        Columns ``ID, region, model[, set]`` then the metric columns in their original
        order. Each legacy column is renamed only when its canonical name is not already
        present (otherwise the legacy column is dropped). Non-numeric, non-key columns and
        unnamed index columns are dropped (a header-only table keeps every column, as float).

    Raises
    ------
    ValueError
        If a key column ``ID``, ``region`` or ``model`` is missing.

    Examples
    --------
    >>> df = pd.DataFrame({"ID": ["a"], "region": ["ET"], "DICE": [0.5], "HAUS": [2.0],
    ...                    "model": ["m"]})
    >>> list(canonical_metric_columns(df).columns)
    ['ID', 'region', 'model', 'dice', 'hausdorff_distance']
    """
    missing = [key for key in ("ID", "region", "model") if key not in df.columns]
    if missing:
        raise ValueError(f"metric table is missing the key column(s) {missing}; got columns {list(df.columns)}")
    renames = {}
    drops = []
    for legacy, canonical in LEGACY_METRIC_COLUMNS.items():
        if legacy in df.columns:
            if canonical in df.columns:
                drops.append(legacy)
            else:
                renames[legacy] = canonical
    out = df.drop(columns=drops).rename(columns=renames)
    keys = [key for key in METRIC_KEY_COLUMNS if key in out.columns]
    candidates = [c for c in out.columns if c not in keys and not str(c).startswith("Unnamed:")]
    if out.empty:  # a header-only file: no values to tell metrics from text, keep every column as float
        return out[keys + candidates].astype({c: float for c in candidates})
    metrics = [c for c in candidates if pd.api.types.is_numeric_dtype(out[c])]
    return out[keys + metrics]


def load_tables(mapping: Mapping[str, str | Path], kind: str) -> pd.DataFrame:
    """Read several feature or metric CSVs into one table with a ``set`` column.

    Parameters
    ----------
    mapping : mapping of str to path
        Dataset name -> CSV file (``app.yaml`` ``features:`` or ``metrics:``).
    kind : {"features", "metrics"}
        ``"metrics"`` renames legacy columns and keeps ``ID, region, model, set`` plus the
        numeric metric columns (:func:`canonical_metric_columns`).

    Returns
    -------
    DataFrame
        The files concatenated in mapping order with a fresh ``RangeIndex``; ``set`` is the
        mapping key. ``ID``, ``longitudinal_id``, ``region`` and ``model`` are text as written
        (leading zeros kept; ``NA``, ``None``, ``nan`` or empty are IDs, not missing values:
        :func:`auditapp.io.tables.read_table`); floats are read with exact round-trip precision. An empty
        mapping gives an empty DataFrame.

    Raises
    ------
    ValueError
        If ``kind`` is not ``"features"`` or ``"metrics"``, or a metric file lacks a key column.
    FileNotFoundError
        If a file does not exist (the message names the dataset and the path).

    Notes
    -----
    Reference 0.2.0 kept each file's index (repeated 0..n-1 per file) and read
    ``longitudinal_id`` ``'002'`` back as the integer 2.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}; got {kind!r}")
    frames = []
    for name, path in mapping.items():
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{kind} CSV of dataset '{name}' not found: {path}")
        df = coerce_numeric(read_table(path))[0].copy()  # copy: one consolidated block before adding a column
        df["set"] = str(name)
        if kind == "metrics":
            df = canonical_metric_columns(df)
        frames.append(df)
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def load_features(mapping: Mapping[str, str | Path]) -> pd.DataFrame:
    """Read feature CSVs (``{set: csv}``) into one table with a ``set`` column.

    See :func:`load_tables` (``kind="features"``).

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "a.csv")
    >>> _ = open(path, "w").write("ID,lesion_size_whole,longitudinal_id,time_point\\nP1,10.5,002,0\\n")
    >>> load_features({"siteA": path}).to_dict("records")
    [{'ID': 'P1', 'lesion_size_whole': 10.5, 'longitudinal_id': '002', 'time_point': 0, 'set': 'siteA'}]
    """
    return load_tables(mapping, "features")


def load_metrics(mapping: Mapping[str, str | Path]) -> pd.DataFrame:
    """Read metric CSVs (``{set: csv}``) into one table, legacy columns renamed.

    See :func:`load_tables` (``kind="metrics"``).

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "m.csv")
    >>> _ = open(path, "w").write("ID,region,DICE,SIZE,model\\nP1,ET,0.9,12.0,m1\\n")
    >>> load_metrics({"siteA": path}).to_dict("records")
    [{'ID': 'P1', 'region': 'ET', 'model': 'm1', 'set': 'siteA', 'dice': 0.9, 'predicted_size': 12.0}]
    """
    return load_tables(mapping, "metrics")
