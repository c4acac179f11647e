"""Multi-model comparison: mean ± std table, Friedman test, mean ranks, Nemenyi (docs/analysis.md, §5)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from auditapp.analysis.tables import (
    check_alpha,
    check_one_set,
    metric_direction,
    region_mean,
    require_columns,
)

__all__ = ["ModelComparison", "compare_models", "nemenyi", "summary_table"]

#: Minimum number of complete subjects for the Friedman test.
MIN_SUBJECTS = 5
#: Minimum number of models for the Friedman test.
MIN_MODELS = 3

_RANK_BY = {1: "higher is better", -1: "lower is better", 0: "rank by value"}


@dataclass(frozen=True)
class ModelComparison:
    """Result of :func:`compare_models` (docs/analysis.md, §5).

    ``summary`` is :func:`summary_table`; ``n`` the subjects with a value for every model (``n_dropped`` the
    others); ``mean_ranks`` (1 = best, best first), ``nemenyi_p`` (models x models) and
    ``critical_difference`` are empty / NaN when the Friedman test did not run, and ``note`` says why;
    ``direction`` +1, -1 or 0 and ``rank_by`` its words.
    """

    metric: str
    models: tuple[str, ...]
    summary: pd.DataFrame
    n: int
    n_dropped: int
    friedman_statistic: float
    friedman_p: float
    mean_ranks: pd.Series
    nemenyi_p: pd.DataFrame
    critical_difference: float
    q_alpha: float
    alpha: float
    direction: int
    rank_by: str
    note: str = ""
    ranks: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)


def summary_table(df: pd.DataFrame, metric: str, *, by_region: bool = False) -> pd.DataFrame:
    """Mean ± std (ddof 1) and n of a metric per model, or per model and region (NaN skipped).

    Parameters
    ----------
    df : DataFrame
        Metric rows (region means for the aggregated view, see :func:`compare_models`).
    metric : str
    by_region : bool, default False
        Group by ``model, region`` instead of ``model``.

    Returns
    -------
    DataFrame
        Columns ``model[, region], mean, std, n, text`` with ``text = "{mean:.3f} ± {std:.3f}"``.

    Raises
    ------
    ValueError
        If a column is missing.

    Examples
    --------
    >>> df = pd.DataFrame({"model": ["a", "a", "b", "b"], "dice": [0.5, 0.7, 0.9, float("nan")]})
    >>> summary_table(df, "dice")["text"].tolist()
    ['0.600 ± 0.141', '0.900 ± nan']
    """
    keys = ["model", "region"] if by_region else ["model"]
    require_columns(df, [*keys, metric], "table")
    out = df.groupby(keys, sort=True)[metric].agg(mean="mean", std="std", n="count").reset_index()
    out["text"] = [f"{m:.3f} ± {s:.3f}" for m, s in zip(out["mean"], out["std"])]
    return out


def nemenyi(mean_ranks: pd.Series, n: int, alpha: float = 0.05) -> tuple[pd.DataFrame, float, float]:
    """Nemenyi post-hoc p-values and critical difference from mean ranks (formulas: docs/analysis.md, §5).

    Parameters
    ----------
    mean_ranks : Series
        Mean rank per model (index = model), k >= 2 models.
    n : int
        Number of subjects (blocks) the ranks come from, >= 1.
    alpha : float, default 0.05

    Returns
    -------
    p_values : DataFrame
        k x k, diagonal 1.
    critical_difference : float
        Two models differ significantly iff ``|Ra - Rb| > CD``.
    q_alpha : float
        ``studentized_range.ppf(1 - alpha, k, inf)``.

    Raises
    ------
    ValueError
        If fewer than 2 models, ``n < 1`` or ``alpha`` outside (0, 1).

    Examples
    --------
    >>> p, cd, q = nemenyi(pd.Series({"A": 1.5, "B": 2.0, "C": 2.5}), n=30)
    >>> round(cd, 4), round(float(q / np.sqrt(2)), 3)
    (0.6051, 2.344)
    """
    k = len(mean_ranks)
    if k < 2:
        raise ValueError(f"nemenyi needs at least 2 models; got {k}")
    if n < 1:
        raise ValueError(f"n must be >= 1; got {n}")
    check_alpha(alpha)
    se = np.sqrt(k * (k + 1) / (6.0 * n))
    values = mean_ranks.to_numpy(dtype=float)
    z = np.abs(values[:, None] - values[None, :]) / se
    p = stats.studentized_range.sf(z * np.sqrt(2), k, np.inf)
    np.fill_diagonal(p, 1.0)
    q_alpha = float(stats.studentized_range.ppf(1 - alpha, k, np.inf))
    frame = pd.DataFrame(p, index=mean_ranks.index, columns=mean_ranks.index)
    return frame, float(q_alpha / np.sqrt(2) * se), q_alpha


def compare_models(
    df: pd.DataFrame,
    metric: str,
    models: list[str] | None = None,
    *,
    aggregated: bool = True,
    alpha: float = 0.05,
) -> ModelComparison:
    """Compare k models on one set: mean ± std table, Friedman test, mean ranks, Nemenyi (analysis.md §5).

    Parameters
    ----------
    df : DataFrame
        Metric table of **one** set (``ID, region, model`` and ``metric``); filter regions first if needed.
    metric : str
    models : list of str, optional
        Models to compare (default: all, sorted).
    aggregated : bool, default True
        Summary per model over the subjects' region means; False = per model x region.
    alpha : float, default 0.05
        Level of the critical difference.

    Returns
    -------
    ModelComparison
        Friedman needs k >= 3 models and n >= 5 complete subjects; otherwise ``note`` says why and the
        statistics are NaN.

    Raises
    ------
    ValueError
        If a column is missing, the table has several sets, a model has no rows or is repeated, no model is
        selected, or ``alpha`` is outside (0, 1).

    Examples
    --------
    >>> df = pd.DataFrame({"ID": [f"s{i}" for i in range(6) for _ in range(3)],
    ...     "region": "ALL", "model": ["a", "b", "c"] * 6,
    ...     "dice": [0.9, 0.8, 0.7, 0.8, 0.9, 0.6, 0.9, 0.7, 0.8,
    ...              0.95, 0.85, 0.75, 0.9, 0.8, 0.7, 0.7, 0.9, 0.6]})
    >>> r = compare_models(df, "dice")
    >>> r.mean_ranks.round(3).to_dict(), round(r.friedman_statistic, 4), r.n
    ({'a': 1.333, 'b': 1.833, 'c': 2.833}, 7.0, 6)
    """
    require_columns(df, ("ID", "region", "model", metric))
    check_one_set(df)
    check_alpha(alpha)
    present = sorted(df["model"].dropna().unique())
    models = present if models is None else list(models)
    if not models:
        raise ValueError("models is empty: select at least one model")
    if len(set(models)) != len(models):
        raise ValueError(f"models must be distinct; got {models}")
    absent = [m for m in models if m not in present]
    if absent:
        raise ValueError(f"model(s) {absent} have no rows; models present: {present}")
    rows = df[df["model"].isin(models)]
    means = region_mean(rows)
    summary = summary_table(means if aggregated else rows, metric, by_region=not aggregated)
    direction = metric_direction(metric)
    wide = means.pivot_table(index="ID", columns="model", values=metric, aggfunc="first", dropna=False)
    complete = wide.reindex(columns=models).dropna()
    n = len(complete)
    values = complete.to_numpy(dtype=float)
    common = dict(metric=metric, models=tuple(models), summary=summary, n=n, n_dropped=len(wide) - n,
                  alpha=alpha, direction=direction, rank_by=_RANK_BY[direction])
    if len(models) < MIN_MODELS:
        note = f"Friedman test needs at least {MIN_MODELS} models"
    elif n < MIN_SUBJECTS:
        note = f"Friedman test needs at least {MIN_SUBJECTS} subjects with every model (n = {n})"
    elif np.all(values == values[:, :1]):
        note = "every subject has the same value for all models"
    else:
        note = ""
    if note:
        nan = float("nan")
        return ModelComparison(**common, friedman_statistic=nan, friedman_p=nan,
                               mean_ranks=pd.Series(dtype=float), nemenyi_p=pd.DataFrame(),
                               critical_difference=nan, q_alpha=nan, note=note)
    signed = -values if direction >= 0 else values  # rank 1 = best
    ranks = pd.DataFrame(stats.rankdata(signed, axis=1), index=complete.index, columns=models)
    mean_ranks = ranks.mean(axis=0).sort_values(kind="stable")
    mean_ranks.name = "mean_rank"
    friedman = stats.friedmanchisquare(*values.T)
    p_matrix, cd, q_alpha = nemenyi(mean_ranks, n, alpha)
    return ModelComparison(
        **common,
        friedman_statistic=float(friedman.statistic), friedman_p=float(friedman.pvalue),
        mean_ranks=mean_ranks, nemenyi_p=p_matrix, critical_difference=cd, q_alpha=q_alpha, ranks=ranks,
    )
