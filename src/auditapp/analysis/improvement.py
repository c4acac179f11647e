"""Improvement of a benchmark model over a baseline model (pairwise page; docs/analysis.md, §3)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditapp.analysis.tables import check_pair_table, model_rows

__all__ = ["AVERAGE", "KINDS", "aggregated_improvement", "improvement", "subject_improvement"]

#: Kinds of improvement: ``m - b``, ``100 (m - b) / b``, ``m / b``.
KINDS = ("absolute", "relative", "ratio")
#: Label of the row that averages the regions.
AVERAGE = "Average"
_METHODS = ("of-means", "of-changes")


def improvement(baseline, benchmark, kind: str = "relative"):
    """Improvement of ``benchmark`` (m) over ``baseline`` (b), elementwise.

    Parameters
    ----------
    baseline, benchmark : float, array_like or Series
        Broadcast together.
    kind : {"absolute", "relative", "ratio"}, default "relative"
        ``m - b``, ``100 (m - b) / b`` (percent) or ``m / b``.

    Returns
    -------
    float, ndarray or Series
        The broadcast shape (a Series for a Series input, a float for scalars); ``+-inf`` becomes NaN.

    Raises
    ------
    ValueError
        If ``kind`` is unknown.

    Examples
    --------
    >>> round(improvement(0.8, 0.9, "absolute"), 6), round(improvement(0.8, 0.9, "relative"), 6)
    (0.1, 12.5)
    >>> improvement(np.array([0.0, 2.0]), np.array([1.0, 1.0]), "ratio").tolist()
    [nan, 0.5]
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    b = baseline.astype(float) if isinstance(baseline, pd.Series) else np.asarray(baseline, dtype=float)
    m = benchmark.astype(float) if isinstance(benchmark, pd.Series) else np.asarray(benchmark, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "absolute":
            out = m - b
        elif kind == "relative":
            out = 100.0 * (m - b) / b
        else:
            out = m / b
    if isinstance(out, pd.Series):
        return out.where(np.isfinite(out) | out.isna(), np.nan)
    out = np.where(np.isinf(out), np.nan, out)
    return float(out) if out.ndim == 0 else out


def _add_kinds(table: pd.DataFrame, b: str, m: str) -> pd.DataFrame:
    """``table`` with the absolute, relative and ratio improvement of column ``m`` over column ``b``."""
    for kind in KINDS:
        table[kind] = improvement(table[b], table[m], kind)
    return table


def _pivot(rows: pd.DataFrame, metric: str, baseline: str, benchmark: str) -> pd.DataFrame:
    """Mean ``metric`` per (ID, region), one column per model (baseline, benchmark)."""
    means = rows.groupby(["ID", "region", "model"])[metric].mean()
    return means.unstack("model").reindex(columns=[baseline, benchmark])


def aggregated_improvement(
    metrics: pd.DataFrame,
    metric: str,
    baseline: str,
    benchmark: str,
    *,
    method: str = "of-means",
) -> pd.DataFrame:
    """Per-region improvement of the benchmark's mean over the baseline's, plus an "Average" row.

    Parameters
    ----------
    metrics : DataFrame
        Metric table of **one** set (``ID, region, model`` and the metric column).
    metric : str
        Metric column, e.g. ``"dice"``.
    baseline, benchmark : str
        Model names.
    method : {"of-means", "of-changes"}, default "of-means"
        Improvements of the means (reference), or means over matched subjects of the per-subject improvements
        (ours). See docs/analysis.md, §3 (also for the Average row).

    Returns
    -------
    DataFrame
        One row per region (sorted) then ``"Average"``; columns ``region, baseline_mean, benchmark_mean,
        absolute, relative, ratio, n_baseline, n_benchmark, n_pairs`` (subjects with a value; with both).

    Raises
    ------
    ValueError
        If a column or model is missing, the table has several sets, the models are equal, or ``method`` is
        unknown.

    Examples
    --------
    >>> df = pd.DataFrame({"ID": ["a", "a", "b", "b"] * 2, "region": ["X", "Y"] * 4,
    ...     "model": ["m1"] * 4 + ["m2"] * 4, "dice": [0.5, 1.0, 0.7, 1.0, 0.6, 1.0, 0.8, 1.0]})
    >>> t = aggregated_improvement(df, "dice", "m1", "m2")
    >>> t[["region", "baseline_mean", "benchmark_mean"]].values.tolist()
    [['X', 0.6, 0.7], ['Y', 1.0, 1.0], ['Average', 0.8, 0.85]]
    >>> t["relative"].round(4).tolist()
    [16.6667, 0.0, 6.25]
    """
    check_pair_table(metrics, metric, baseline, benchmark)
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}")
    b_rows, m_rows = model_rows(metrics, baseline), model_rows(metrics, benchmark)
    stats = {}
    for name, rows in (("baseline", b_rows), ("benchmark", m_rows)):
        grouped = rows.groupby("region")[metric]
        stats[f"{name}_mean"] = grouped.mean()
        stats[f"n_{name}"] = grouped.count()
    table = pd.DataFrame(stats)
    table.index.name = "region"
    table = table.sort_index()
    complete = _pivot(pd.concat([b_rows, m_rows]), metric, baseline, benchmark).dropna()
    table["n_pairs"] = complete.groupby(level="region").size().reindex(table.index).fillna(0).astype(int)
    means = table[["baseline_mean", "benchmark_mean"]].mean(axis=0)
    by_subject = {baseline: b_rows.groupby("ID")[metric].mean(),
                  benchmark: m_rows.groupby("ID")[metric].mean()}
    subject_means = pd.DataFrame(by_subject).dropna()
    table.loc[AVERAGE] = pd.Series({
        "baseline_mean": means["baseline_mean"], "benchmark_mean": means["benchmark_mean"],
        "n_baseline": by_subject[baseline].count(), "n_benchmark": by_subject[benchmark].count(),
        "n_pairs": len(subject_means),
    })
    table = table.reset_index()
    if method == "of-means":
        table = _add_kinds(table, "baseline_mean", "benchmark_mean")
    else:
        for kind in KINDS:
            per_region = improvement(complete[baseline], complete[benchmark], kind).groupby(level="region").mean()
            per_subject = improvement(subject_means[baseline], subject_means[benchmark], kind).mean()
            table[kind] = table["region"].map(per_region.to_dict() | {AVERAGE: per_subject})
    for column in ("n_baseline", "n_benchmark", "n_pairs"):
        table[column] = table[column].astype(int)
    columns = ["region", "baseline_mean", "benchmark_mean", *KINDS, "n_baseline", "n_benchmark", "n_pairs"]
    return table[columns]


def subject_improvement(metrics: pd.DataFrame, metric: str, baseline: str, benchmark: str) -> pd.DataFrame:
    """Per-subject, per-region improvement plus a per-subject "Average" row (its region means).

    Parameters
    ----------
    metrics : DataFrame
        Metric table of **one** set.
    metric, baseline, benchmark : str
        As :func:`aggregated_improvement`.

    Returns
    -------
    DataFrame
        Columns ``ID, region, baseline, benchmark, absolute, relative, ratio``; per subject (sorted) its
        regions (sorted) then ``"Average"``; NaN where a model lacks the subject.

    Raises
    ------
    ValueError
        As :func:`aggregated_improvement`.

    Examples
    --------
    >>> df = pd.DataFrame({"ID": ["a", "a"] * 2, "region": ["X", "Y"] * 2,
    ...     "model": ["m1", "m1", "m2", "m2"], "dice": [0.5, 1.0, 0.6, 1.0]})
    >>> t = subject_improvement(df, "dice", "m1", "m2")
    >>> t[["region", "baseline", "benchmark"]].values.tolist()
    [['X', 0.5, 0.6], ['Y', 1.0, 1.0], ['Average', 0.75, 0.8]]
    """
    check_pair_table(metrics, metric, baseline, benchmark)
    rows = pd.concat([model_rows(metrics, baseline), model_rows(metrics, benchmark)])
    pivot = _pivot(rows, metric, baseline, benchmark)
    pivot = pivot.rename(columns={baseline: "baseline", benchmark: "benchmark"})
    pivot.columns.name = None
    averages = pivot.groupby(level="ID").mean()
    averages.index = pd.MultiIndex.from_product([averages.index, [AVERAGE]], names=["ID", "region"])
    table = pd.concat([pivot, averages]).reset_index()
    table["_average"] = table["region"] == AVERAGE
    table = table.sort_values(["ID", "_average", "region"], kind="stable").drop(columns="_average")
    table = _add_kinds(table.reset_index(drop=True), "baseline", "benchmark")
    return table[["ID", "region", "baseline", "benchmark", *KINDS]]
