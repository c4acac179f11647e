"""Data preparation shared by every analysis: region means, metadata join (metric direction: the catalogue)."""

from __future__ import annotations

import pandas as pd

from auditapp.io.metadata import join_metadata
from auditapp.metrics.registry import HIGHER_IS_BETTER, LOWER_IS_BETTER, metric_direction

__all__ = [
    "HIGHER_IS_BETTER",
    "LOWER_IS_BETTER",
    "attach_metadata",
    "check_pair_table",
    "metric_columns",
    "metric_direction",
    "region_mean",
]

_KEYS = ("ID", "region", "model", "set")


def metric_columns(metrics: pd.DataFrame) -> list[str]:
    """Numeric metric columns of a metric table (everything but ``ID, region, model, set``).

    Examples
    --------
    >>> df = pd.DataFrame({"ID": ["a"], "region": ["ET"], "model": ["m"], "dice": [1.0]})
    >>> metric_columns(df)
    ['dice']
    """
    return [
        column for column in metrics.columns
        if column not in _KEYS and pd.api.types.is_numeric_dtype(metrics[column])
    ]


def region_mean(metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per ``(ID, model, set)``: the mean over that subject's regions of each metric.

    Parameters
    ----------
    metrics : DataFrame
        Metric table with ``ID``, ``region``, ``model`` (and usually ``set``) columns and
        numeric metric columns (as returned by :func:`auditapp.analysis.load_metrics`).

    Returns
    -------
    DataFrame
        Columns ``ID, region, model[, set]`` then the metric columns; ``region`` is
        ``"ALL"``. Rows keep the order of first appearance.

    Raises
    ------
    ValueError
        If ``ID`` or ``model`` is missing.

    Notes
    -----
    NaN values are skipped (pandas ``mean``): a subject whose Hausdorff distance is NaN in
    one region gets the mean of the other regions; all regions NaN gives NaN. This is the
    sample of the "aggregated" views and of the default statistical tests, as in the
    reference.

    Examples
    --------
    >>> df = pd.DataFrame({"ID": ["a", "a", "b"], "region": ["ET", "TC", "ET"],
    ...                    "model": ["m"] * 3, "dice": [0.5, float("nan"), 1.0]})
    >>> region_mean(df).to_dict("records")
    [{'ID': 'a', 'region': 'ALL', 'model': 'm', 'dice': 0.5}, {'ID': 'b', 'region': 'ALL', 'model': 'm', 'dice': 1.0}]
    """
    missing = [key for key in ("ID", "model") if key not in metrics.columns]
    if missing:
        raise ValueError(f"metrics table is missing the column(s) {missing}; got {list(metrics.columns)}")
    keys = [key for key in ("ID", "model", "set") if key in metrics.columns]
    values = metric_columns(metrics)
    out = metrics.groupby(keys, sort=False, dropna=False)[values].mean().reset_index()
    out.insert(1, "region", "ALL")
    ordered = [key for key in _KEYS if key in out.columns]
    return out[ordered + values]


def attach_metadata(df: pd.DataFrame, meta: pd.DataFrame, *, on: str = "ID") -> pd.DataFrame:
    """Left-join metadata columns onto a feature or metric table by subject ID (IDs compared as text).

    The analysis form of :func:`auditapp.io.metadata.join_metadata`: duplicates raise, clashing columns keep
    the table's values.

    Parameters
    ----------
    df : DataFrame
        Feature or metric table with an ``on`` column.
    meta : DataFrame
        One row per subject with an ``on`` column (IDs already rewritten to dataset IDs).
    on : str, default "ID"
        Join column.

    Returns
    -------
    DataFrame
        ``df`` with the metadata columns appended; subjects without metadata get NaN.
        Row order and count of ``df`` are kept.

    Raises
    ------
    ValueError
        If ``on`` is missing from either table, or ``meta`` has duplicated IDs (the join
        would duplicate subjects).

    Warns
    -----
    AuditappWarning
        When metadata columns already exist in ``df``: ``df``'s columns are kept and the
        metadata's are ignored.

    Examples
    --------
    >>> df = pd.DataFrame({"ID": ["a", "b"], "x": [1, 2]})
    >>> meta = pd.DataFrame({"ID": ["b"], "age": [50]})
    >>> attach_metadata(df, meta).to_dict("records")
    [{'ID': 'a', 'x': 1, 'age': nan}, {'ID': 'b', 'x': 2, 'age': 50.0}]
    """
    return join_metadata(df, meta, on=on, clashes="keep", duplicates="raise")


def check_pair_table(metrics: pd.DataFrame, metric: str, baseline: str, benchmark: str) -> None:
    """Validate a one-set metric table and two distinct model names (shared by pairwise functions).

    Raises
    ------
    ValueError
        If a column is missing, the table holds several sets, or the models are equal.
    """
    missing = [c for c in ("ID", "region", "model", metric) if c not in metrics.columns]
    if missing:
        raise ValueError(f"metrics table is missing the column(s) {missing}; got {list(metrics.columns)}")
    if "set" in metrics.columns and metrics["set"].nunique() > 1:
        raise ValueError(
            f"metrics hold several sets {sorted(metrics['set'].unique())}; filter one set first"
        )
    if baseline == benchmark:
        raise ValueError(f"baseline and benchmark must be different models; got {baseline!r} twice")
