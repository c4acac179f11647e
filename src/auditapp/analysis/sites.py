"""Cross-site performance: which site is hardest for each model (docs/analysis.md, "Cross-site comparison").

Median and IQR per model x site (x region), and per model (and region) a test of whether the metric differs
across sites (Kruskal-Wallis, or Friedman when every site holds the same subjects), Holm-adjusted together.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from auditapp.analysis.stats import holm
from auditapp.analysis.tables import check_alpha, region_mean, require_columns

__all__ = ["MIN_PER_SITE", "SITE_SUMMARY_COLUMNS", "SITE_TEST_COLUMNS", "site_summary", "site_tests"]

#: Fewest values a site needs to enter the test.
MIN_PER_SITE = 3
SITE_SUMMARY_COLUMNS = ["model", "region", "set", "n", "median", "q1", "q3", "iqr", "mean"]
SITE_TEST_COLUMNS = ["model", "region", "test", "paired", "n_sites", "n", "statistic", "p_value", "p_holm",
                     "reject_holm", "effect_size_name", "effect_size", "hardest_set", "easiest_set", "note"]


def _rows(metrics: pd.DataFrame, metric: str, by_region: bool) -> pd.DataFrame:
    """The checked metric rows, per region or as the subjects' region means."""
    require_columns(metrics, ("ID", "region", "model", "set", metric))
    if not pd.api.types.is_numeric_dtype(metrics[metric]):
        raise ValueError(f"metric column {metric!r} is not numeric")
    rows = metrics[["ID", "region", "model", "set", metric]]
    return rows if by_region else region_mean(rows)


def site_summary(metrics: pd.DataFrame, metric: str, *, by_region: bool = False) -> pd.DataFrame:
    """Median, quartiles and mean of one metric per model x site (x region).

    Parameters
    ----------
    metrics : DataFrame
        Metric rows of several sets (``ID, region, model, set`` and ``metric``).
    metric : str
    by_region : bool, default False
        False: one value per subject (its region mean, ``region = "ALL"``); True: per region.

    Returns
    -------
    DataFrame
        Columns :data:`SITE_SUMMARY_COLUMNS` (linear quantiles, NaN skipped), sorted by model, region, set
        (sets in order of first appearance).

    Raises
    ------
    ValueError
        If a column is missing or the metric is not numeric.

    Examples
    --------
    >>> df = pd.DataFrame({"ID": list("abcd"), "region": "ET", "model": "m", "set": ["A", "A", "B", "B"],
    ...                    "dice": [0.8, 0.9, 0.5, 0.7]})
    >>> site_summary(df, "dice")[["set", "n", "median", "iqr"]].round(3).values.tolist()
    [['A', 2, 0.85, 0.05], ['B', 2, 0.6, 0.1]]
    """
    rows = _rows(metrics, metric, by_region)
    sets = list(pd.unique(rows["set"]))
    grouped = rows.groupby(["model", "region", "set"], sort=False)[metric]
    q = grouped.quantile([0.25, 0.5, 0.75]).unstack()
    out = pd.DataFrame({"n": grouped.count(), "median": q[0.5], "q1": q[0.25], "q3": q[0.75],
                        "mean": grouped.mean()}).reset_index()
    out["iqr"] = out["q3"] - out["q1"]
    out["n"] = out["n"].astype(int)
    out["_s"] = out["set"].map({s: i for i, s in enumerate(sets)})
    out = out.sort_values(["model", "region", "_s"], kind="stable")
    return out[SITE_SUMMARY_COLUMNS].reset_index(drop=True)


def _paired_block(part: pd.DataFrame, metric: str) -> pd.DataFrame | None:
    """Subjects x sites when every site holds exactly the same subjects (a travelling-subject design)."""
    ids = [frozenset(g["ID"]) for _, g in part.groupby("set", sort=False)]
    if len(ids) < 2 or any(s != ids[0] for s in ids[1:]) or part.duplicated(["ID", "set"]).any():
        return None
    return part.pivot(index="ID", columns="set", values=metric).dropna()


def _one_test(part: pd.DataFrame, metric: str, direction: int) -> dict:
    """One row of :func:`site_tests` (without the Holm columns) for one model (and region)."""
    nan = float("nan")
    out = dict(test="none", paired=False, n_sites=0, n=0, statistic=nan, p_value=nan, effect_size_name="",
               effect_size=nan, hardest_set="", easiest_set="", note="")
    part = part[np.isfinite(part[metric].to_numpy(dtype=float))]
    medians = part.groupby("set", sort=False)[metric].median()
    if len(medians) and direction != 0:
        ordered = medians.sort_values(ascending=direction > 0, kind="stable")
        out.update(hardest_set=str(ordered.index[0]), easiest_set=str(ordered.index[-1]))
    block = _paired_block(part, metric)
    if block is not None and len(block) >= MIN_PER_SITE:
        n, k = block.shape
        out.update(paired=True, n_sites=k, n=n)
        if np.all(block.to_numpy() == block.to_numpy()[:, :1]):
            out.update(note="every subject has the same value at every site")
            return out
        res = stats.friedmanchisquare(*block.to_numpy(dtype=float).T)
        return {**out, "test": "Friedman", "statistic": float(res.statistic), "p_value": float(res.pvalue),
                "effect_size_name": "kendall_w", "effect_size": float(res.statistic / (n * (k - 1)))}
    counts = part.groupby("set", sort=False)[metric].count()
    used = counts[counts >= MIN_PER_SITE].index
    samples = [g[metric].to_numpy(dtype=float) for s, g in part.groupby("set", sort=False) if s in used]
    n = int(sum(len(s) for s in samples))
    out.update(n_sites=len(samples), n=n)
    skipped = [str(s) for s in counts.index if s not in used]
    if skipped:
        out["note"] = f"fewer than {MIN_PER_SITE} values: {', '.join(skipped)} left out"
    if len(samples) < 2:
        out["note"] = f"needs at least 2 sites with {MIN_PER_SITE} or more values"
        return out
    pooled = np.concatenate(samples)
    if np.all(pooled == pooled[0]):
        out["note"] = "every value is equal"
        return out
    res = stats.kruskal(*samples)
    h = float(res.statistic)
    return {**out, "test": "Kruskal-Wallis", "statistic": h, "p_value": float(res.pvalue),
            "effect_size_name": "epsilon_squared", "effect_size": h / (n - 1)}


def site_tests(metrics: pd.DataFrame, metric: str, *, by_region: bool = False, direction: int = 0,
               alpha: float = 0.05) -> pd.DataFrame:
    """Does the metric differ across sites? One test per model (and region), Holm-adjusted together.

    Parameters
    ----------
    metrics : DataFrame
        Metric rows of several sets (``ID, region, model, set`` and ``metric``).
    metric : str
    by_region : bool, default False
        False: one value per subject (region mean); True: one test per model x region.
    direction : int, default 0
        The metric's direction (+1, -1; 0 none): names the hardest and easiest site by median (empty for 0).
    alpha : float, default 0.05
        Level of the Holm decisions.

    Returns
    -------
    DataFrame
        Columns :data:`SITE_TEST_COLUMNS`; ``test`` is ``"Kruskal-Wallis"`` (effect size ``epsilon_squared``),
        ``"Friedman"`` (``kendall_w``) or ``"none"`` with the reason in ``note``; sites with fewer than
        :data:`MIN_PER_SITE` values are left out and named in ``note`` (docs/analysis.md).

    Raises
    ------
    ValueError
        If a column is missing, the metric is not numeric, or ``alpha`` is outside (0, 1).

    Examples
    --------
    >>> df = pd.DataFrame({"ID": [f"s{i}" for i in range(9)], "region": "ET", "model": "m",
    ...                    "set": ["A"] * 3 + ["B"] * 3 + ["C"] * 3,
    ...                    "dice": [0.9, 0.91, 0.92, 0.5, 0.51, 0.52, 0.7, 0.71, 0.72]})
    >>> r = site_tests(df, "dice", direction=1).iloc[0]
    >>> r["test"], round(float(r["statistic"]), 3), round(float(r["effect_size"]), 3), r["hardest_set"]
    ('Kruskal-Wallis', 7.2, 0.9, 'B')
    """
    check_alpha(alpha)
    rows = _rows(metrics, metric, by_region)
    records = []
    for (model, region), part in rows.groupby(["model", "region"], sort=True):
        records.append({"model": model, "region": region, **_one_test(part, metric, direction)})
    out = pd.DataFrame.from_records(records, columns=[c for c in SITE_TEST_COLUMNS
                                                      if c not in ("p_holm", "reject_holm")])
    out["p_holm"] = holm(out["p_value"].to_numpy(dtype=float)) if len(out) else []
    out["reject_holm"] = out["p_holm"] <= alpha
    return out[SITE_TEST_COLUMNS]
