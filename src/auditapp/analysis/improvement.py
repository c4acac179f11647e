"""Improvement of a benchmark model over a baseline model (pairwise page)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditapp.analysis.tables import check_pair_table as _check

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
        Values of the baseline and benchmark model (broadcast together).
    kind : {"absolute", "relative", "ratio"}, default "relative"
        ``absolute = m - b``; ``relative = 100 (m - b) / b`` (percent); ``ratio = m / b``.

    Returns
    -------
    float, ndarray or Series
        Same shape as the broadcast inputs (a Series when an input is a Series, a float for
        scalars). ``+-inf`` becomes NaN (so ``b = 0`` gives NaN, never inf).

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


def _model_rows(metrics: pd.DataFrame, metric: str, model: str) -> pd.DataFrame:
    rows = metrics[metrics["model"] == model]
    if rows.empty:
        raise ValueError(f"model {model!r} has no rows; models present: {sorted(metrics['model'].unique())}")
    return rows


def _add_kinds(table: pd.DataFrame, b: str, m: str) -> pd.DataFrame:
    for kind in KINDS:
        table[kind] = improvement(table[b], table[m], kind)
    return table


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
        ``"of-means"`` (reference): improvements computed from the means. ``"of-changes"``
        (ours): the mean over matched subjects of the per-subject improvements (NaN
        changes, e.g. a 0 baseline, skipped); the Average row uses each subject's region
        means (as :func:`auditapp.analysis.paired_samples`).

    Returns
    -------
    DataFrame
        One row per region (sorted) then ``"Average"``; columns ``region, baseline_mean,
        benchmark_mean, absolute, relative, ratio, n_baseline, n_benchmark, n_pairs``
        (``n_*`` = subjects with a non-NaN value; ``n_pairs`` = subjects with both; for the
        Average row, subjects with a non-NaN region mean).

    Raises
    ------
    ValueError
        If a column or model is missing, the table has several sets, the models are equal,
        or ``method`` is unknown.

    Notes
    -----
    Means skip NaN and use all rows of each model, as the reference (the page warns when
    the two models' subject sets differ: compare ``n_baseline`` and ``n_benchmark``). The
    ``"Average"`` row's means are the **plain mean of the region means** (each region
    weighs the same), and its improvements are computed from those two numbers: "Average
    relative" is the relative change of the mean, not the mean of relative changes.

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
    _check(metrics, metric, baseline, benchmark)
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}")
    b_rows = _model_rows(metrics, metric, baseline)
    m_rows = _model_rows(metrics, metric, benchmark)
    stats = {}
    for name, rows in (("baseline", b_rows), ("benchmark", m_rows)):
        grouped = rows.groupby("region")[metric]
        stats[f"{name}_mean"] = grouped.mean()
        stats[f"n_{name}"] = grouped.count()
    table = pd.DataFrame(stats)
    table.index.name = "region"
    table = table.sort_index()
    paired = (
        pd.concat([b_rows, m_rows])
        .groupby(["ID", "region", "model"])[metric].mean()
        .unstack("model")
        .reindex(columns=[baseline, benchmark])
    )
    complete = paired.dropna()
    table["n_pairs"] = complete.groupby(level="region").size().reindex(table.index).fillna(0).astype(int)
    means = table[["baseline_mean", "benchmark_mean"]].mean(axis=0)
    subject_means = pd.DataFrame({
        baseline: b_rows.groupby("ID")[metric].mean(),
        benchmark: m_rows.groupby("ID")[metric].mean(),
    }).dropna()
    average = {
        "baseline_mean": means["baseline_mean"],
        "benchmark_mean": means["benchmark_mean"],
        "n_baseline": b_rows.groupby("ID")[metric].mean().count(),
        "n_benchmark": m_rows.groupby("ID")[metric].mean().count(),
        "n_pairs": len(subject_means),
    }
    table.loc[AVERAGE] = pd.Series(average)
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
    """Per-subject, per-region improvement plus a per-subject "Average" row (mean over regions).

    Parameters
    ----------
    metrics : DataFrame
        Metric table of **one** set.
    metric, baseline, benchmark : str
        As :func:`aggregated_improvement`.

    Returns
    -------
    DataFrame
        Columns ``ID, region, baseline, benchmark, absolute, relative, ratio``; per subject
        (sorted by ID) its regions (sorted) then ``"Average"``. A subject missing in one
        model has NaN values for it. The Average row's values are the subject's region
        means (skipping NaN) and its improvements are computed from them.

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
    _check(metrics, metric, baseline, benchmark)
    rows = pd.concat([_model_rows(metrics, metric, baseline), _model_rows(metrics, metric, benchmark)])
    pivot = (
        rows.groupby(["ID", "region", "model"])[metric].mean()
        .unstack("model")
        .reindex(columns=[baseline, benchmark])
        .rename(columns={baseline: "baseline", benchmark: "benchmark"})
    )
    pivot.columns.name = None
    averages = pivot.groupby(level="ID").mean()
    averages.index = pd.MultiIndex.from_product([averages.index, [AVERAGE]], names=["ID", "region"])
    table = pd.concat([pivot, averages]).reset_index()
    table["_average"] = table["region"] == AVERAGE
    table = table.sort_values(["ID", "_average", "region"], kind="stable").drop(columns="_average")
    table = _add_kinds(table.reset_index(drop=True), "baseline", "benchmark")
    return table[["ID", "region", "baseline", "benchmark", *KINDS]]
