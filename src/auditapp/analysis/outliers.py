"""IQR outlier detection of one subject against the rest of its dataset (subjects page)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["NON_FEATURE_COLUMNS", "iqr_outliers"]

#: Columns never treated as features even when numeric.
NON_FEATURE_COLUMNS = ("ID", "set", "longitudinal_id", "time_point")

_COLUMNS = ["feature", "value", "median", "mean", "std", "q1", "q3", "iqr", "lower", "upper",
            "n", "outlier", "side"]


def iqr_outliers(
    df: pd.DataFrame,
    subject: str,
    k: float = 1.5,
    *,
    dataset: str | None = None,
    features: list[str] | None = None,
) -> pd.DataFrame:
    """Flag the features for which a subject is an IQR outlier within its dataset.

    Parameters
    ----------
    df : DataFrame
        Feature table (``ID`` column; a ``set`` column when it holds several datasets),
        with metadata columns if joined.
    subject : str
        The subject ID.
    k : float, default 1.5
        Fence multiplier: 1.5 = outlier, 3 = "Extreme outlier".
    dataset : str, optional
        The subject's set, needed only when the ID exists in several sets.
    features : list of str, optional
        Columns to check (default: every numeric column except ``ID, set,
        longitudinal_id, time_point``).

    Returns
    -------
    DataFrame
        One row per feature (column order; values as float): ``feature, value, median,
        mean, std, q1, q3, iqr, lower, upper, n, outlier, side``; statistics are over the
        dataset **without the subject** (NaN ignored, linear quantiles, std ddof 1, ``n`` =
        values used);
        ``lower = q1 - k iqr``, ``upper = q3 + k iqr``; ``outlier`` is
        ``value < lower or value > upper``; ``side`` is ``"low"``, ``"high"`` or ``""``.
        Keep ``result[result.outlier]`` for the page's table.

    Raises
    ------
    ValueError
        If ``k`` is not positive, the subject is absent, duplicated in its set or found in
        several sets without ``dataset``, or a requested feature is missing or not numeric.

    Notes
    -----
    Non-numeric columns are skipped (reference 0.2.0 showed a TypeError message). A NaN
    subject value is never an outlier.

    Examples
    --------
    >>> df = pd.DataFrame({"ID": list("abcdef"), "size": [10, 11, 12, 13, 14, 40],
    ...                    "site": ["x"] * 6})
    >>> r = iqr_outliers(df, "f")
    >>> r[["feature", "value", "q1", "q3", "upper", "outlier", "side"]].values.tolist()
    [['size', 40.0, 11.0, 13.0, 16.0, True, 'high']]
    """
    if not k > 0:
        raise ValueError(f"k must be positive (1.5 or 3); got {k!r}")
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
    out["lower"] = out["q1"] - k * out["iqr"]
    out["upper"] = out["q3"] + k * out["iqr"]
    value = out["value"]
    out["side"] = np.where(value < out["lower"], "low", np.where(value > out["upper"], "high", ""))
    out["outlier"] = out["side"] != ""
    return out[_COLUMNS]
