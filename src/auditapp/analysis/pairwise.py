"""Paired samples of two models from a metric table, and the per-region table of paired tests with Holm."""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditapp.analysis.stats import holm, paired_test
from auditapp.analysis.tables import check_pair_table, model_rows

__all__ = ["paired_samples", "paired_tests"]


def paired_samples(
    metrics: pd.DataFrame, metric: str, baseline: str, benchmark: str, *, region: str | None = None
) -> pd.DataFrame:
    """Per-subject paired values of two models: the samples of :func:`paired_test`.

    Parameters
    ----------
    metrics : DataFrame
        Metric table of **one** set (``ID, region, model`` and ``metric``).
    metric, baseline, benchmark : str
        Metric column and the two model names.
    region : str, optional
        One region's values; default the subjects' region means.

    Returns
    -------
    DataFrame
        Columns ``ID, baseline, benchmark, difference`` (``benchmark - baseline``), one row per subject of
        either model (sorted by ID); NaN where a model lacks the subject or the value.

    Raises
    ------
    ValueError
        If a column or model is missing, the table has several sets, or the models are equal.

    Examples
    --------
    >>> df = pd.DataFrame({"ID": ["a", "a", "b", "b"], "region": ["X", "Y"] * 2,
    ...                    "model": ["m1", "m1", "m2", "m2"], "dice": [0.2, 0.4, 0.5, 0.7]})
    >>> paired_samples(df, "dice", "m1", "m2").values.tolist()
    [['a', 0.30000000000000004, nan, nan], ['b', nan, 0.6, nan]]
    """
    check_pair_table(metrics, metric, baseline, benchmark)
    for model in (baseline, benchmark):
        model_rows(metrics, model)
    rows = metrics[metrics["model"].isin([baseline, benchmark])]
    if region is not None:
        rows = rows[rows["region"] == region]
        if rows.empty:
            raise ValueError(f"region {region!r} has no rows for these models")
    wide = rows.groupby(["ID", "model"])[metric].mean().unstack("model").reindex(columns=[baseline, benchmark])
    out = pd.DataFrame({
        "ID": wide.index.astype(str),
        "baseline": wide[baseline].to_numpy(dtype=float),
        "benchmark": wide[benchmark].to_numpy(dtype=float),
    })
    out["difference"] = out["benchmark"] - out["baseline"]
    return out


def paired_tests(
    metrics: pd.DataFrame,
    metric: str | list[str],
    baseline: str,
    benchmark: str,
    *,
    per_region: bool = True,
    rule: str = "paired-differences",
    alpha: float = 0.05,
    n_boot: int = 10000,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Run :func:`paired_test` per region (and per metric) and add Holm-adjusted p-values over the table.

    Parameters
    ----------
    metrics : DataFrame
        Metric table of **one** set.
    metric : str or list of str
        One or several metric columns.
    baseline, benchmark : str
        Model names.
    per_region : bool, default True
        One test per region (sorted); False = one test on the region means per metric.
    rule, alpha, n_boot, seed
        As :func:`paired_test`.

    Returns
    -------
    DataFrame
        One row per (metric, region): ``metric, region``, the fields of :meth:`PairedTestResult.to_dict`,
        ``p_holm`` (NaN p-values stay NaN and do not count) and ``reject_holm`` (``p_holm <= alpha``).

    Raises
    ------
    ValueError
        As :func:`paired_samples` and :func:`paired_test`; an empty ``metric`` list.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"ID": np.repeat([f"s{i}" for i in range(8)], 2).tolist() * 2,
    ...     "region": ["X", "Y"] * 16, "model": ["m1"] * 16 + ["m2"] * 16,
    ...     "dice": np.r_[rng.uniform(0.5, 0.9, 16), rng.uniform(0.6, 1.0, 16)]})
    >>> t = paired_tests(df, "dice", "m1", "m2", n_boot=0)
    >>> t[["metric", "region", "n"]].values.tolist()
    [['dice', 'X', 8], ['dice', 'Y', 8]]
    """
    names = [metric] if isinstance(metric, str) else list(metric)
    if not names:
        raise ValueError("metric is empty: give at least one metric column")
    rows = []
    for name in names:
        regions = sorted(metrics["region"].dropna().unique()) if per_region else [None]
        for region in regions:
            sample = paired_samples(metrics, name, baseline, benchmark, region=region)
            result = paired_test(sample["baseline"], sample["benchmark"], alpha=alpha, rule=rule,
                                 n_boot=n_boot, seed=seed)
            rows.append({"metric": name, "region": region if region is not None else "ALL", **result.to_dict()})
    table = pd.DataFrame(rows)
    table["p_holm"] = holm(table["p_value"])
    table["reject_holm"] = table["p_holm"] <= alpha
    return table
