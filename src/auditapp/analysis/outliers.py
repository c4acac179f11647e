"""IQR (Tukey) rule, one home: box-plot statistics (:func:`tukey_box`), the outlier table of the same points
(:func:`iqr_outlier_table`), and one subject against the rest of its dataset (:func:`iqr_outliers`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["NON_FEATURE_COLUMNS", "OUTLIER_TABLE_COLUMNS", "TukeyBox", "iqr_outlier_table", "iqr_outliers",
           "tukey_box"]

#: Columns never treated as features even when numeric.
NON_FEATURE_COLUMNS = ("ID", "set", "longitudinal_id", "time_point")

_COLUMNS = ["feature", "value", "median", "mean", "std", "q1", "q3", "iqr", "lower", "upper",
            "n", "outlier", "side"]


def _check_k(k: float) -> None:
    """Raise ``ValueError`` unless the fence multiplier is positive."""
    if not k > 0:
        raise ValueError(f"k must be positive (1.5 or 3); got {k!r}")


def _fences(q1, q3, k: float):
    """Tukey's fences ``q1 - k iqr`` and ``q3 + k iqr``."""
    return q1 - k * (q3 - q1), q3 + k * (q3 - q1)


def iqr_outliers(
    df: pd.DataFrame,
    subject: str,
    k: float = 1.5,
    *,
    dataset: str | None = None,
    features: list[str] | None = None,
) -> pd.DataFrame:
    """Flag the features for which a subject is an IQR outlier within its dataset, the subject left out.

    Parameters
    ----------
    df : DataFrame
        Feature table (``ID``; ``set`` when it holds several datasets), metadata columns allowed.
    subject : str
    k : float, default 1.5
        Fence multiplier: 1.5 = outlier, 3 = "Extreme outlier".
    dataset : str, optional
        The subject's set, needed only when the ID exists in several sets.
    features : list of str, optional
        Columns to check (default: every numeric column except ``ID, set, longitudinal_id, time_point``).

    Returns
    -------
    DataFrame
        One row per feature: ``feature, value, median, mean, std, q1, q3, iqr, lower, upper, n, outlier,
        side``, statistics over the dataset without the subject (docs/analysis.md, §6); ``side`` is
        ``"low"``, ``"high"`` or ``""``; a NaN value is never an outlier.

    Raises
    ------
    ValueError
        If ``k`` is not positive, the subject is absent, duplicated in its set or found in several sets
        without ``dataset``, or a requested feature is missing or not numeric.

    Examples
    --------
    >>> df = pd.DataFrame({"ID": list("abcdef"), "size": [10, 11, 12, 13, 14, 40], "site": ["x"] * 6})
    >>> r = iqr_outliers(df, "f")
    >>> r[["feature", "value", "q1", "q3", "upper", "outlier", "side"]].values.tolist()
    [['size', 40.0, 11.0, 13.0, 16.0, True, 'high']]
    """
    _check_k(k)
    if "ID" not in df.columns:
        raise ValueError(f"feature table has no 'ID' column; got {list(df.columns)}")
    rows = df
    if dataset is not None:
        if "set" not in df.columns:
            raise ValueError("dataset given but the table has no 'set' column")
        rows = df[df["set"] == dataset]
    mine = rows[rows["ID"] == subject]
    if mine.empty:
        where = f" in set {dataset!r}" if dataset is not None else ""
        raise ValueError(f"subject {subject!r} not found{where}")
    if "set" in rows.columns and dataset is None:
        sets = mine["set"].unique()
        if len(sets) > 1:
            raise ValueError(f"subject {subject!r} is in several sets {sorted(sets)}; pass dataset=")
        rows = rows[rows["set"] == sets[0]]
        mine = rows[rows["ID"] == subject]
    if len(mine) > 1:
        raise ValueError(f"subject {subject!r} has {len(mine)} rows in its set; one expected")
    if features is None:
        features = [
            c for c in rows.columns
            if c not in NON_FEATURE_COLUMNS and pd.api.types.is_numeric_dtype(rows[c])
            and not pd.api.types.is_bool_dtype(rows[c])
        ]
    else:
        bad = [c for c in features if c not in rows.columns or not pd.api.types.is_numeric_dtype(rows[c])]
        if bad:
            raise ValueError(f"features {bad} are missing or not numeric")
    others = rows.loc[rows["ID"] != subject, features].astype(float)
    quartiles = others.quantile([0.25, 0.5, 0.75])  # linear, NaN ignored
    out = pd.DataFrame({
        "feature": features,
        "value": mine[features].iloc[0].to_numpy(dtype=float),
        "median": quartiles.loc[0.5].to_numpy(),
        "mean": others.mean().to_numpy(),
        "std": others.std(ddof=1).to_numpy(),
        "q1": quartiles.loc[0.25].to_numpy(),
        "q3": quartiles.loc[0.75].to_numpy(),
        "n": others.count().to_numpy(),
    })
    out["iqr"] = out["q3"] - out["q1"]
    out["lower"], out["upper"] = _fences(out["q1"], out["q3"], k)
    value = out["value"]
    out["side"] = np.where(value < out["lower"], "low", np.where(value > out["upper"], "high", ""))
    out["outlier"] = out["side"] != ""
    return out[_COLUMNS]


@dataclass(frozen=True)
class TukeyBox:
    """Box-plot statistics of one sample (:func:`tukey_box`): ``n`` finite values, linear quartiles, fences
    ``q1 - k iqr`` / ``q3 + k iqr``, whisker ends (the extreme values inside the fences) and an ``outliers``
    flag per input value; NaN everywhere for an empty sample.
    """

    n: int
    q1: float
    median: float
    q3: float
    lower_fence: float
    upper_fence: float
    lower_whisker: float
    upper_whisker: float
    outliers: np.ndarray


def tukey_box(values, k: float = 1.5) -> TukeyBox:
    """Tukey box-plot statistics: quartiles, whiskers at the last values within ``k`` IQR, outlier flags.

    The same rule as :func:`iqr_outlier_table`, so a point drawn beyond a whisker is a row of that table;
    boxes drawn from these statistics keep 1.5 IQR whiskers whether Plotly shows the points or not.

    Parameters
    ----------
    values : array_like of float
        One sample; NaN and infinite values are ignored.
    k : float, default 1.5

    Returns
    -------
    TukeyBox

    Raises
    ------
    ValueError
        If ``k`` is not positive.

    Examples
    --------
    >>> b = tukey_box([1, 2, 3, 4, 5, 6, 7, 8, 100])
    >>> b.q1, b.median, b.q3, b.upper_fence, b.upper_whisker, b.outliers.tolist()[-1]
    (3.0, 5.0, 7.0, 13.0, 8.0, True)
    """
    _check_k(k)
    x = np.asarray(values, dtype=float).ravel()
    finite = np.isfinite(x)
    sample = x[finite]
    nan = float("nan")
    if sample.size == 0:
        return TukeyBox(0, nan, nan, nan, nan, nan, nan, nan, np.zeros(x.shape, dtype=bool))
    q1, median, q3 = (float(v) for v in np.quantile(sample, [0.25, 0.5, 0.75]))
    lower, upper = _fences(q1, q3, k)
    inside = sample[(sample >= lower) & (sample <= upper)]
    outliers = finite & ((x < lower) | (x > upper))
    return TukeyBox(int(sample.size), q1, median, q3, lower, upper, float(inside.min()), float(inside.max()),
                    outliers)


#: Columns of :func:`iqr_outlier_table`.
OUTLIER_TABLE_COLUMNS = ["group", "ID", "set", "column", "value", "median", "q1", "q3", "lower", "upper", "side"]


def iqr_outlier_table(
    df: pd.DataFrame,
    columns: Sequence[str],
    *,
    group: str = "set",
    k: float = 1.5,
) -> pd.DataFrame:
    """Every subject outside the Tukey fences of its group, per column (the points beyond the box whiskers).

    Parameters
    ----------
    df : DataFrame
        One row per subject (or subject and region): ``ID``, ``set``, ``group`` and the numeric ``columns``.
    columns : sequence of str
    group : str, default "set"
        Column defining the groups; quartiles are per group, subject included (as the box plot).
    k : float, default 1.5

    Returns
    -------
    DataFrame
        Columns :data:`OUTLIER_TABLE_COLUMNS`, sorted by column, group, then the distance beyond the fence in
        IQR units (largest first); empty when nobody is an outlier.

    Raises
    ------
    ValueError
        If ``k`` is not positive or a column is missing or not numeric.

    Examples
    --------
    >>> df = pd.DataFrame({"ID": list("abcdefgh"), "set": ["A"] * 8, "size": [10, 11, 12, 13, 14, 15, 16, 90]})
    >>> iqr_outlier_table(df, ["size"])[["ID", "column", "value", "upper", "side"]].values.tolist()
    [['h', 'size', 90.0, 20.5, 'high']]
    """
    _check_k(k)
    bad = [c for c in [*columns, "ID", "set", group] if c not in df.columns]
    bad += [c for c in columns if c in df.columns and not pd.api.types.is_numeric_dtype(df[c])]
    if bad:
        raise ValueError(f"columns {bad} are missing or not numeric; got {list(df.columns)}")
    parts = []
    keys = df[group].astype(object).where(df[group].notna(), "(missing)")
    for column in dict.fromkeys(columns):
        values = df[column].astype(float)
        by = values.groupby(keys, sort=False)
        q = by.quantile([0.25, 0.5, 0.75]).unstack()  # linear, NaN ignored
        q1, med, q3 = (keys.map(q[p]).astype(float) for p in (0.25, 0.5, 0.75))
        lower, upper = _fences(q1, q3, k)
        low, high = values < lower, values > upper
        hit = low | high
        if not hit.any():
            continue
        iqr = (q3 - q1)[hit].replace(0.0, np.nan)
        beyond = np.where(high[hit], values[hit] - upper[hit], lower[hit] - values[hit]) / iqr
        parts.append(pd.DataFrame({
            "group": keys[hit].to_numpy(), "ID": df.loc[hit, "ID"].astype(str).to_numpy(),
            "set": df.loc[hit, "set"].astype(str).to_numpy(), "column": column,
            "value": values[hit].to_numpy(), "median": med[hit].to_numpy(), "q1": q1[hit].to_numpy(),
            "q3": q3[hit].to_numpy(), "lower": lower[hit].to_numpy(), "upper": upper[hit].to_numpy(),
            "side": np.where(high[hit], "high", "low"), "_beyond": np.nan_to_num(beyond, nan=np.inf),
        }))
    if not parts:
        return pd.DataFrame(columns=OUTLIER_TABLE_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["_c"] = pd.Categorical(out["column"], categories=list(dict.fromkeys(columns)))
    out = out.sort_values(["_c", "group", "_beyond"], ascending=[True, True, False], kind="stable")
    return out[OUTLIER_TABLE_COLUMNS].reset_index(drop=True)
