"""Distributions of one feature across groups: filters, histogram bins, densities, summaries, correlations
(the univariate, multivariate and single-model pages)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "FILTERS", "density_curves", "filter_feature", "group_summary", "histogram_bins", "spearman_by_group",
    "value_range"
]

#: Filter modes of the univariate page: label -> mode.
FILTERS = {"No filter": "none", "Removing outliers": "remove", "Clipping outliers": "clip",
           "Standard deviations": "std"}


def value_range(values) -> tuple[float, float] | None:
    """``(min, max)`` of the finite values, or None when there is none.

    >>> value_range([3.0, float("nan"), -1.0])
    (-1.0, 3.0)
    >>> value_range([float("nan")]) is None
    True
    """
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return None
    return float(arr.min()), float(arr.max())


def filter_feature(df: pd.DataFrame, column: str, mode: str = "none", *, lo: float | None = None,
                   hi: float | None = None, k: int = 3) -> pd.DataFrame:
    """Filter the rows of ``df`` on one feature.

    Parameters
    ----------
    df : DataFrame
        Rows of the selected datasets (the pooled sample).
    column : str
        Feature column.
    mode : {"none", "remove", "clip", "std"}
        Keep ``lo <= v <= hi``; clip ``v`` to ``[lo, hi]`` (every row kept); keep ``|v - mean| <= k * std``
        (pooled, ddof 1; fewer than 2 values: all kept); ``none`` returns ``df``.
    lo, hi : float, optional
        Bounds of ``remove`` / ``clip`` (default: the column's min / max; the page passes the selected rows').
    k : int
        Number of standard deviations (integer >= 1).

    Returns
    -------
    DataFrame
        A filtered copy; ``remove`` and ``std`` drop NaN values.

    Raises
    ------
    ValueError
        Unknown ``mode``, ``k < 1``, or ``lo > hi``.

    Examples
    --------
    >>> df = pd.DataFrame({"v": [1.0, 2.0, 3.0, 100.0]})
    >>> filter_feature(df, "v", "remove", lo=1.5, hi=50)["v"].tolist()
    [2.0, 3.0]
    >>> filter_feature(df, "v", "clip", lo=1.5, hi=50)["v"].tolist()
    [1.5, 2.0, 3.0, 50.0]
    >>> filter_feature(df, "v", "std", k=1)["v"].tolist()
    [1.0, 2.0, 3.0]
    """
    if mode not in ("none", "remove", "clip", "std"):
        raise ValueError(f"unknown filter mode {mode!r}; expected none, remove, clip or std")
    if mode == "none":
        return df
    values = pd.to_numeric(df[column], errors="coerce")
    if mode == "std":
        if int(k) != k or k < 1:
            raise ValueError(f"the number of standard deviations must be an integer >= 1; got {k!r}")
        finite = values[np.isfinite(values)]
        if finite.size < 2:
            return df[values.notna()].copy()
        mean, std = finite.mean(), finite.std(ddof=1)
        return df[(values - mean).abs() <= k * std].copy()
    rng = value_range(values)
    lo = (rng[0] if rng else -np.inf) if lo is None else lo
    hi = (rng[1] if rng else np.inf) if hi is None else hi
    if lo > hi:
        raise ValueError(f"lower bound {lo} is above upper bound {hi}")
    if mode == "remove":
        return df[(values >= lo) & (values <= hi)].copy()
    out = df.copy()
    out[column] = values.clip(lo, hi)
    return out


def histogram_bins(values, *, n_bins: int | None = None, bin_size: float | None = None) -> tuple[float, float, float]:
    """``(start, end, size)`` of ``n_bins`` equal bins over the pooled range, or of width ``bin_size``.

    A constant sample gets one bin of width 1 centred on the value.

    Raises
    ------
    ValueError
        No finite value, ``n_bins < 1``, ``bin_size <= 0``, or both/neither of ``n_bins`` and ``bin_size``.

    Examples
    --------
    >>> histogram_bins([0.0, 10.0, 4.0], n_bins=5), histogram_bins([0.0, 10.0], bin_size=4)
    ((0.0, 10.0, 2.0), (0.0, 12.0, 4.0))
    """
    if (n_bins is None) == (bin_size is None):
        raise ValueError("give exactly one of n_bins and bin_size")
    rng = value_range(values)
    if rng is None:
        raise ValueError("no finite values to bin")
    lo, hi = rng
    if hi == lo:
        return lo - 0.5, hi + 0.5, 1.0
    if n_bins is not None:
        if n_bins < 1:
            raise ValueError(f"the number of bins must be >= 1; got {n_bins}")
        return lo, hi, (hi - lo) / n_bins
    if bin_size <= 0:
        raise ValueError(f"the bin size must be > 0; got {bin_size}")
    n = int(np.ceil((hi - lo) / bin_size))
    return lo, lo + n * bin_size, float(bin_size)


def density_curves(df: pd.DataFrame, column: str, group: str, *, order=None,
                   n_points: int = 200) -> tuple[pd.DataFrame, list]:
    """Gaussian KDE (Scott's bandwidth) of ``column`` per group, on ``n_points`` over the pooled range.

    Returns
    -------
    (DataFrame, list)
        Curves ``group, x, density`` (true densities; reference 0.2.0 scaled them by an int-truncated bin
        width) in ``order``, and the groups skipped for having fewer than 2 distinct values.

    Examples
    --------
    >>> df = pd.DataFrame({"g": ["a"] * 4 + ["b"], "v": [0.0, 1.0, 1.0, 2.0, 5.0]})
    >>> curves, skipped = density_curves(df, "v", "g", n_points=5)
    >>> curves["x"].tolist()[:5], skipped
    ([0.0, 1.25, 2.5, 3.75, 5.0], ['b'])
    """
    values = pd.to_numeric(df[column], errors="coerce")
    rng = value_range(values)
    order = list(pd.unique(df[group])) if order is None else list(order)
    if rng is None:
        return pd.DataFrame(columns=["group", "x", "density"]), order
    grid = np.linspace(rng[0], rng[1], n_points)
    frames, skipped = [], []
    for name in order:
        v = values[df[group] == name].to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        if np.unique(v).size < 2:
            skipped.append(name)
            continue
        kde = stats.gaussian_kde(v)
        frames.append(pd.DataFrame({"group": name, "x": grid, "density": kde(grid)}))
    curves = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["group", "x", "density"])
    return curves, skipped


def group_summary(df: pd.DataFrame, column: str, group: str, *, order=None) -> pd.DataFrame:
    """Per group: ``n`` (values), ``missing``, ``mean``, ``std`` (ddof 1), ``median``, ``min``, ``max``.

    Examples
    --------
    >>> df = pd.DataFrame({"g": ["a", "a", "a"], "v": [1.0, 3.0, float("nan")]})
    >>> group_summary(df, "v", "g").to_dict("records")
    [{'g': 'a', 'n': 2, 'missing': 1, 'mean': 2.0, 'std': 1.4142135623730951, 'median': 2.0, 'min': 1.0, 'max': 3.0}]
    """
    order = list(pd.unique(df[group])) if order is None else list(order)
    rows = []
    for name in order:
        v = pd.to_numeric(df.loc[df[group] == name, column], errors="coerce")
        rows.append({group: name, "n": int(v.notna().sum()), "missing": int(v.isna().sum()), "mean": v.mean(),
                     "std": v.std(ddof=1), "median": v.median(), "min": v.min(), "max": v.max()})
    return pd.DataFrame(rows, columns=[group, "n", "missing", "mean", "std", "median", "min", "max"])


def spearman_by_group(df: pd.DataFrame, x: str, y: str, by) -> pd.DataFrame:
    """Spearman rho, p-value and n of ``x`` vs ``y`` per group (``by``: a column or a list of columns).

    Pairs with a NaN are dropped. Fewer than 3 pairs, or a constant variable, give NaN rho and p.

    Examples
    --------
    >>> df = pd.DataFrame({"s": ["a"] * 4, "x": [1, 2, 3, 4], "y": [2.0, 4.0, 5.0, 9.0]})
    >>> spearman_by_group(df, "x", "y", "s").to_dict("records")
    [{'s': 'a', 'rho': 1.0, 'p': 0.0, 'n': 4}]
    >>> spearman_by_group(df, "x", "x", "s")["rho"].tolist()  # a feature against itself
    [1.0]
    """
    keys = [by] if isinstance(by, str) else list(by)
    rows = []
    for name, sub in df.groupby(keys, sort=False):
        pair = sub[list(dict.fromkeys([x, y]))].apply(pd.to_numeric, errors="coerce").dropna()
        n = len(pair)
        rho = p = np.nan
        if n >= 3 and pair[x].nunique() > 1 and pair[y].nunique() > 1:
            res = stats.spearmanr(pair[x], pair[y])
            rho, p = float(res.statistic), float(res.pvalue)
        name = name if isinstance(name, tuple) else (name,)
        rows.append({**dict(zip(keys, name)), "rho": rho, "p": p, "n": n})
    return pd.DataFrame(rows, columns=[*keys, "rho", "p", "n"])
