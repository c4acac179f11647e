"""Data preparation shared by every analysis: region means, metadata join, table checks."""

from __future__ import annotations

import pandas as pd

from auditapp.io.metadata import join_metadata
from auditapp.metrics.registry import HIGHER_IS_BETTER, LOWER_IS_BETTER, metric_direction

__all__ = [
    "HIGHER_IS_BETTER", "LOWER_IS_BETTER", "attach_metadata", "check_alpha", "check_pair_table",
    "metric_columns", "metric_direction", "model_rows", "region_mean", "require_columns"
]

_KEYS = ("ID", "region", "model", "set")


def require_columns(df: pd.DataFrame, columns, what: str = "metrics table") -> None:
    """Raise ``ValueError`` (``<what> is missing the column(s) [...]; got [...]``) when a column is absent."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what} is missing the column(s) {missing}; got {list(df.columns)}")


def check_alpha(alpha: float) -> None:
    """Raise ``ValueError`` unless ``0 < alpha < 1``."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}")


def check_one_set(metrics: pd.DataFrame) -> None:
    """Raise ``ValueError`` when the table holds several sets."""
    if "set" in metrics.columns and metrics["set"].nunique() > 1:
        raise ValueError(f"metrics hold several sets {sorted(metrics['set'].unique())}; filter one set first")


def model_rows(metrics: pd.DataFrame, model: str) -> pd.DataFrame:
    """The rows of ``model``; ``ValueError`` naming the models present when there is none."""
    rows = metrics[metrics["model"] == model]
    if rows.empty:
        raise ValueError(f"model {model!r} has no rows; models present: {sorted(metrics['model'].unique())}")
    return rows


def check_pair_table(metrics: pd.DataFrame, metric: str, baseline: str, benchmark: str) -> None:
    """Validate a one-set metric table and two distinct model names (the pairwise functions)."""
    require_columns(metrics, ("ID", "region", "model", metric))
    check_one_set(metrics)
    if baseline == benchmark:
        raise ValueError(f"baseline and benchmark must be different models; got {baseline!r} twice")


def metric_columns(metrics: pd.DataFrame) -> list[str]:
    """Numeric metric columns of a metric table (everything but ``ID, region, model, set``).

    Examples
    --------
    >>> df = pd.DataFrame({"ID": ["a"], "region": ["ET"], "model": ["m"], "dice": [1.0]})
    >>> metric_columns(df)
    ['dice']
    """
    return [c for c in metrics.columns if c not in _KEYS and pd.api.types.is_numeric_dtype(metrics[c])]


def region_mean(metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per ``(ID, model, set)``: the mean over that subject's regions of each metric (NaN skipped).

    Parameters
    ----------
    metrics : DataFrame
        Metric table with ``ID``, ``region``, ``model`` (and usually ``set``) and numeric metric columns.

    Returns
    -------
    DataFrame
        Columns ``ID, region, model[, set]`` then the metrics; ``region`` is ``"ALL"``; rows in order of first
        appearance. See docs/analysis.md, §1.

    Raises
    ------
    ValueError
        If ``ID`` or ``model`` is missing.

    Examples
    --------
    >>> df = pd.DataFrame({"ID": ["a", "a", "b"], "region": ["ET", "TC", "ET"],
    ...                    "model": ["m"] * 3, "dice": [0.5, float("nan"), 1.0]})
    >>> region_mean(df)["dice"].tolist()
    [0.5, 1.0]
    """
    require_columns(metrics, ("ID", "model"))
    keys = [key for key in ("ID", "model", "set") if key in metrics.columns]
    values = metric_columns(metrics)
    out = metrics.groupby(keys, sort=False, dropna=False)[values].mean().reset_index()
    out.insert(1, "region", "ALL")
    return out[[key for key in _KEYS if key in out.columns] + values]


def attach_metadata(df: pd.DataFrame, meta: pd.DataFrame, *, on: str = "ID") -> pd.DataFrame:
    """Left-join metadata columns onto a feature or metric table by subject ID (IDs compared as text).

    :func:`auditapp.io.metadata.join_metadata` with duplicated IDs refused and the table's own columns kept (an
    ``AuditappWarning`` names the metadata columns ignored); rows and order of ``df`` are kept.

    Parameters
    ----------
    df, meta : DataFrame
        The table, and one row per subject; both with an ``on`` column.
    on : str, default "ID"

    Returns
    -------
    DataFrame
        ``df`` with the metadata columns appended (NaN for subjects without metadata).

    Raises
    ------
    ValueError
        If ``on`` is missing from either table, or ``meta`` has duplicated IDs.

    Examples
    --------
    >>> df = pd.DataFrame({"ID": ["a", "b"], "x": [1, 2]})
    >>> attach_metadata(df, pd.DataFrame({"ID": ["b"], "age": [50]}))["age"].tolist()
    [nan, 50.0]
    """
    return join_metadata(df, meta, on=on, clashes="keep", duplicates="raise")
