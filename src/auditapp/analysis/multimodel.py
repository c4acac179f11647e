"""Multi-model comparison: mean ± std table, Friedman test, mean ranks, Nemenyi post-hoc."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from auditapp.analysis.tables import metric_direction, region_mean

__all__ = ["ModelComparison", "compare_models", "nemenyi", "summary_table"]

#: Minimum number of complete subjects for the Friedman test.
MIN_SUBJECTS = 5
#: Minimum number of models for the Friedman test.
MIN_MODELS = 3

_RANK_BY = {1: "higher is better", -1: "lower is better", 0: "rank by value"}


@dataclass(frozen=True)
class ModelComparison:
    """Result of :func:`compare_models`.

    Attributes
    ----------
    metric : str
    models : tuple of str
        Models compared, in the order given (or sorted).
    summary : DataFrame
        :func:`summary_table` output.
    n : int
        Subjects with a value for every model (the Friedman blocks).
    n_dropped : int
        Subjects dropped because a model lacks them or their value is NaN.
    friedman_statistic, friedman_p : float
        Tie-corrected chi-square and p (``scipy.stats.friedmanchisquare``); NaN when not run.
    mean_ranks : Series
        Mean rank per model (rank 1 = best), sorted best first; empty when not run.
    nemenyi_p : DataFrame
        Models x models matrix of Nemenyi p-values (diagonal 1); empty when not run.
    critical_difference : float
        Nemenyi critical difference of mean ranks at ``alpha``.
    q_alpha : float
        ``studentized_range.ppf(1 - alpha, k, inf)`` (divide by sqrt(2) for Demšar's q).
    alpha : float
    direction : int
        +1 higher is better, -1 lower is better, 0 none (then rank 1 = largest value).
    rank_by : str
        ``"higher is better"``, ``"lower is better"`` or ``"rank by value"``.
    note : str
        Why the Friedman test was not run, if so.
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
    """Mean ± std (ddof 1) and n of a metric per model, or per model and region.

    Parameters
    ----------
    df : DataFrame
        Metric rows (already region means for the aggregated view, see :func:`compare_models`).
    metric : str
        Metric column.
    by_region : bool, default False
        Group by ``model, region`` instead of ``model``.

    Returns
    -------
    DataFrame
        Columns ``model[, region], mean, std, n, text`` with ``text`` =
        ``"{mean:.3f} ± {std:.3f}"`` (the reference's table cell); NaN values skipped.

    Raises
    ------
    ValueError
        If a column is missing.

    Examples
    --------
    >>> df = pd.DataFrame({"model": ["a", "a", "b", "b"], "dice": [0.5, 0.7, 0.9, float("nan")]})
    >>> summary_table(df, "dice").values.tolist()
    [['a', 0.6, 0.14142135623730948, 2, '0.600 ± 0.141'], ['b', 0.9, nan, 1, '0.900 ± nan']]
    """
    keys = ["model", "region"] if by_region else ["model"]
    missing = [c for c in [*keys, metric] if c not in df.columns]
    if missing:
        raise ValueError(f"table is missing the column(s) {missing}; got {list(df.columns)}")
    grouped = df.groupby(keys, sort=True)[metric]
    out = grouped.agg(mean="mean", std="std", n="count").reset_index()
    out["text"] = [f"{m:.3f} ± {s:.3f}" for m, s in zip(out["mean"], out["std"])]
    return out


def nemenyi(mean_ranks: pd.Series, n: int, alpha: float = 0.05) -> tuple[pd.DataFrame, float, float]:
    """Nemenyi post-hoc p-values and critical difference from mean ranks.

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
        k x k, ``p = studentized_range.sf(z * sqrt(2), k, inf)`` with
        ``z = |Ra - Rb| / se`` and ``se = sqrt(k (k + 1) / (6 n))``; diagonal 1.
    critical_difference : float
        ``CD = q_alpha / sqrt(2) * se``; two models differ significantly iff
        ``|Ra - Rb| > CD``.
    q_alpha : float
        ``studentized_range.ppf(1 - alpha, k, inf)``.

    Raises
    ------
    ValueError
        If fewer than 2 models, ``n < 1`` or ``alpha`` outside (0, 1).

    Notes
    -----
    Implemented from the studentized range distribution (``scipy.stats.studentized_range``
    with infinite degrees of freedom), as in Demšar (2006): ``q_alpha / sqrt(2)`` is his
    Table 5a (1.960, 2.343, 2.569, 2.728, 2.850 for k = 2..6 at alpha 0.05). Not in
    reference 0.2.0.

    References
    ----------
    Demšar, J. (2006). Statistical comparisons of classifiers over multiple data sets.
    Journal of Machine Learning Research, 7, 1-30.

    Examples
    --------
    >>> ranks = pd.Series({"A": 1.5, "B": 2.0, "C": 2.5})
    >>> p, cd, q = nemenyi(ranks, n=30)
    >>> round(cd, 4), round(float(q / np.sqrt(2)), 3)
    (0.6051, 2.344)
    """
    k = len(mean_ranks)
    if k < 2:
        raise ValueError(f"nemenyi needs at least 2 models; got {k}")
    if n < 1:
        raise ValueError(f"n must be >= 1; got {n}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}")
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
    """Compare k models on one set: mean ± std table, Friedman test, mean ranks, Nemenyi.

    Parameters
    ----------
    df : DataFrame
        Metric table of **one** set (``ID, region, model`` and ``metric``); filter regions
        first to compare on some regions only.
    metric : str
        Metric column.
    models : list of str, optional
        Models to compare (default: all, sorted).
    aggregated : bool, default True
        Summary per model over the subjects' region means; False = per model x region.
    alpha : float, default 0.05
        Level of the critical difference.

    Returns
    -------
    ModelComparison

    Raises
    ------
    ValueError
        If a column is missing, the table has several sets, a model has no rows or is
        repeated, no model is selected, or ``alpha`` is outside (0, 1).

    Notes
    -----
    Friedman (ours, for k >= 3 models): rows = subjects' region means with a value for
    every model (others dropped and counted in ``n_dropped``), columns = models; needs
    n >= 5, otherwise (or when every subject has the same value for all models) ``note``
    says why and the statistics are NaN. Ranks within each
    subject: 1 = best per the metric direction (average ranks for ties); metrics without
    direction rank the largest value first. Nemenyi: see :func:`nemenyi`.

    The summary's aggregated view uses the subjects' region means (Duke, BraTS25_1 Dice
    0.852 ± 0.128); reference 0.2.0 pooled the per-region rows (0.852 ± 0.263) and had no
    ranking or post-hoc test.

    References
    ----------
    Friedman, M. (1937). The use of ranks to avoid the assumption of normality implicit in
    the analysis of variance. JASA, 32(200), 675-701. doi:10.1080/01621459.1937.10503522
    Demšar, J. (2006). Statistical comparisons of classifiers over multiple data sets.
    Journal of Machine Learning Research, 7, 1-30.

    Examples
    --------
    >>> df = pd.DataFrame({"ID": [f"s{i}" for i in range(6) for _ in range(3)],
    ...     "region": "ALL", "model": ["a", "b", "c"] * 6,
    ...     "dice": [0.9, 0.8, 0.7, 0.8, 0.9, 0.6, 0.9, 0.7, 0.8,
    ...              0.95, 0.85, 0.75, 0.9, 0.8, 0.7, 0.7, 0.9, 0.6]})
    >>> r = compare_models(df, "dice")
    >>> r.mean_ranks.round(3).to_dict()
    {'a': 1.333, 'b': 1.833, 'c': 2.833}
    >>> round(r.friedman_statistic, 4), r.n
    (7.0, 6)
    """
    missing = [c for c in ("ID", "region", "model", metric) if c not in df.columns]
    if missing:
        raise ValueError(f"metrics table is missing the column(s) {missing}; got {list(df.columns)}")
    if "set" in df.columns and df["set"].nunique() > 1:
        raise ValueError(f"metrics hold several sets {sorted(df['set'].unique())}; filter one set first")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}")
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
    wide = wide.reindex(columns=models)
    complete = wide.dropna()
    n, n_dropped = len(complete), len(wide) - len(complete)
    nan = float("nan")
    empty = dict(friedman_statistic=nan, friedman_p=nan, mean_ranks=pd.Series(dtype=float),
                 nemenyi_p=pd.DataFrame(), critical_difference=nan, q_alpha=nan)
    common = dict(metric=metric, models=tuple(models), summary=summary, n=n, n_dropped=n_dropped,
                  alpha=alpha, direction=direction, rank_by=_RANK_BY[direction])
    if len(models) < MIN_MODELS:
        return ModelComparison(**common, **empty, note=f"Friedman test needs at least {MIN_MODELS} models")
    if n < MIN_SUBJECTS:
        return ModelComparison(
            **common, **empty,
            note=f"Friedman test needs at least {MIN_SUBJECTS} subjects with every model (n = {n})",
        )
    values = complete.to_numpy(dtype=float)
    if np.all(values == values[:, :1]):
        return ModelComparison(**common, **empty, note="every subject has the same value for all models")
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
