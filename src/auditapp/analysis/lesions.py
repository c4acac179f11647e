"""Lesion detection counts from per-lesion tables (``lesions_<name>.csv``): TP / FN / FP by size bin, group.

The dashboard's "lesion detection" view only renders what :func:`detection_counts` returns.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["SIZE_BINS", "SIZE_LABELS", "size_bin", "detection_counts", "detection_totals"]

#: Lesion size bins in voxels: [0, 50), [50, 500), [500, 5000), [5000, ∞).
SIZE_BINS = (0, 50, 500, 5000, np.inf)
SIZE_LABELS = ("<50", "50-500", "500-5,000", ">5,000")


def size_bin(voxels: pd.Series) -> pd.Categorical:
    """Size bin label of each lesion (voxels), an ordered categorical.

    Examples
    --------
    >>> list(size_bin(pd.Series([1, 49, 50, 499, 500, 5000])))
    ['<50', '<50', '50-500', '50-500', '500-5,000', '>5,000']
    """
    return pd.cut(voxels.astype(float), bins=list(SIZE_BINS), right=False, labels=list(SIZE_LABELS))


def detection_counts(lesions: pd.DataFrame, *, by: Sequence[str] = ("model",)) -> pd.DataFrame:
    """TP / FN / FP lesion counts and the detection rate per group and size bin.

    Parameters
    ----------
    lesions : DataFrame
        Per-lesion rows with ``kind`` (``tp``, ``fn``, ``fp``; ``dropped`` rows are not counted), ``voxels``
        and the ``by`` columns.
    by : sequence of str
        Grouping columns (e.g. ``("model",)`` or ``("model", "set")``).

    Returns
    -------
    DataFrame
        ``*by, size_bin, tp, fn, fp, detection_rate``, every bin listed (zero counts included);
        ``detection_rate = tp / (tp + fn)``, NaN without GT lesion. TP/FN sizes are the GT lesion's, FP the
        predicted component's.

    Raises
    ------
    ValueError
        If a column is missing.

    Examples
    --------
    >>> rows = pd.DataFrame({"model": ["m"] * 4, "kind": ["tp", "fn", "fp", "dropped"],
    ...                      "voxels": [600, 20, 30, 5]})
    >>> detection_counts(rows)[["size_bin", "tp", "fn", "fp"]].values.tolist()[:2]
    [['<50', 0, 1, 1], ['50-500', 0, 0, 0]]
    """
    by = list(by)
    missing = [c for c in ("kind", "voxels", *by) if c not in lesions.columns]
    if missing:
        raise ValueError(f"per-lesion table lacks column(s) {missing}")
    counted = lesions[lesions["kind"].isin(["tp", "fn", "fp"])].copy()
    counted["size_bin"] = size_bin(counted["voxels"])
    table = (counted.groupby([*by, "size_bin", "kind"], observed=False).size()
             .unstack("kind", fill_value=0).reindex(columns=["tp", "fn", "fp"], fill_value=0))
    groups = counted[by].drop_duplicates().sort_values(by) if by else pd.DataFrame(index=[0])
    full = pd.MultiIndex.from_tuples(
        [(*(g if isinstance(g, tuple) else (g,)), b) for g in groups.itertuples(index=False, name=None)
         for b in SIZE_LABELS], names=[*by, "size_bin"]) if by else pd.Index(SIZE_LABELS, name="size_bin")
    table = table.reindex(full, fill_value=0).astype(np.int64).reset_index()
    table.columns.name = None
    table["size_bin"] = table["size_bin"].astype(str)
    table["detection_rate"] = _detection_rate(table)
    return table[[*by, "size_bin", "tp", "fn", "fp", "detection_rate"]]


def detection_totals(lesions: pd.DataFrame, *, by: Sequence[str] = ("model",)) -> pd.DataFrame:
    """:func:`detection_counts` summed over the size bins (``*by, tp, fn, fp, detection_rate``), sorted.

    Raises
    ------
    ValueError
        If ``by`` is empty or a column is missing.

    Examples
    --------
    >>> rows = pd.DataFrame({"set": ["a", "a", "a", "b"], "kind": ["tp", "fn", "fp", "fn"],
    ...                      "voxels": [600, 20, 30, 80]})
    >>> detection_totals(rows, by=("set",))[["set", "tp", "fn", "fp", "detection_rate"]].values.tolist()
    [['a', 1, 1, 1, 0.5], ['b', 0, 1, 0, 0.0]]
    """
    by = list(by)
    if not by:
        raise ValueError("detection_totals needs at least one grouping column in `by`")
    table = detection_counts(lesions, by=by).groupby(by, sort=True)[["tp", "fn", "fp"]].sum().reset_index()
    table["detection_rate"] = _detection_rate(table)
    return table


def _detection_rate(table: pd.DataFrame) -> np.ndarray:
    """``tp / (tp + fn)`` per row, NaN where there is no GT lesion."""
    found = table["tp"] + table["fn"]
    return np.where(found > 0, table["tp"] / found.where(found > 0, 1), np.nan)
