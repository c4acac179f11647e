"""Longitudinal view: observed vs predicted lesion size per patient and time point."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from auditapp.config.model import Label

__all__ = ["SIZE_COLUMNS", "longitudinal_summary", "size_regions"]

#: Predicted-size columns tried in order (canonical, then older names).
SIZE_COLUMNS = ("predicted_size", "pred_vol", "numb_pred")

_COLUMNS = ["set", "longitudinal_id", "time_point", "ID", "observed", "predicted", "error_pct",
            "observed_growth_pct", "predicted_growth_pct"]


def size_regions(labels, regions) -> list[str]:
    """Regions whose predicted sizes add up to the lesion: single non-zero labels present.

    Parameters
    ----------
    labels : mapping of str to int or list, sequence of Label, or None
        Configured labels.
    regions : iterable of str
        Regions present in the metric table.

    Returns
    -------
    list of str
        Names of the labels with one non-zero value that appear in ``regions`` (config
        order); composite regions such as WT would double count. When none matches (or
        ``labels`` is None), all ``regions`` sorted (reference behaviour).

    Examples
    --------
    >>> size_regions({"BKG": 0, "NETC": 1, "ET": 3, "WT": [1, 2, 3]}, ["ET", "NETC", "WT"])
    ['NETC', 'ET']
    >>> size_regions(None, ["b", "a"])
    ['a', 'b']
    """
    regions = list(dict.fromkeys(regions))
    singles: list[str] = []
    if isinstance(labels, Mapping):
        for name, value in labels.items():
            if not isinstance(value, (list, tuple)) and int(value) != 0:  # lists are composite
                singles.append(str(name))
    elif isinstance(labels, Sequence):
        singles = [lab.name for lab in labels
                   if isinstance(lab, Label) and not lab.composite and len(lab.values) == 1 and lab.values[0] != 0]
    chosen = [name for name in singles if name in regions]
    return chosen if chosen else sorted(regions)


def _pct(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 100.0 * numerator / denominator
    return out.replace([np.inf, -np.inf], np.nan)


def longitudinal_summary(
    features: pd.DataFrame,
    metrics: pd.DataFrame,
    model: str,
    *,
    labels=None,
    patient: str | None = None,
    dataset: str | None = None,
) -> pd.DataFrame:
    """Observed vs predicted lesion size per patient and time point, with errors and growth.

    Parameters
    ----------
    features : DataFrame
        Feature table with ``ID``, ``longitudinal_id``, ``time_point`` and
        ``lesion_size_whole`` (and ``set`` for several datasets).
    metrics : DataFrame
        Metric table with ``ID``, ``region``, ``model`` and a predicted-size column
        (``predicted_size``, else ``pred_vol``, else ``numb_pred``).
    model : str
        Model whose predicted sizes are used.
    labels : mapping or sequence of Label, optional
        Configured labels, to sum only single non-zero labels (:func:`size_regions`).
    patient : str, optional
        Keep one longitudinal ID.
    dataset : str, optional
        Keep one set.

    Returns
    -------
    DataFrame
        Columns ``set, longitudinal_id, time_point, ID, observed, predicted, error_pct,
        observed_growth_pct, predicted_growth_pct``; sorted by set, longitudinal ID and
        time point. ``error_pct = 100 (predicted - observed) / observed``; growth between
        consecutive time points of the same patient ``100 (v_i - v_{i-1}) / v_{i-1}`` (NaN
        at the first time point); a division by 0 gives NaN (no label).

    Raises
    ------
    ValueError
        If a required column is missing, the model has no rows, or no predicted-size
        column exists ("enable predicted_size in metric extraction").

    Notes
    -----
    Rows are feature rows with a non-empty ``longitudinal_id`` and a ``time_point``.
    ``observed`` = ``lesion_size_whole``; ``predicted`` = the sum over the chosen regions
    of the predicted size (NaN when all are NaN), joined on ``(ID, set)``. Reference 0.2.0
    did not sort by time point and summed every region (double counting composite ones).

    Examples
    --------
    >>> feats = pd.DataFrame({"ID": ["p_2", "p_1"], "longitudinal_id": ["007", "007"],
    ...     "time_point": [2, 1], "lesion_size_whole": [150.0, 100.0]})
    >>> mets = pd.DataFrame({"ID": ["p_1", "p_1", "p_2", "p_2"], "region": ["A", "B"] * 2,
    ...     "model": "m", "predicted_size": [40.0, 50.0, 60.0, 120.0]})
    >>> t = longitudinal_summary(feats, mets, "m")
    >>> t["time_point"].tolist(), t["predicted"].tolist(), t["error_pct"].tolist()
    ([1, 2], [90.0, 180.0], [-10.0, 20.0])
    >>> t["observed_growth_pct"].tolist(), t["predicted_growth_pct"].tolist()
    ([nan, 50.0], [nan, 100.0])
    """
    needed = [c for c in ("ID", "longitudinal_id", "time_point", "lesion_size_whole") if c not in features.columns]
    if needed:
        raise ValueError(f"feature table is missing the column(s) {needed}")
    needed = [c for c in ("ID", "region", "model") if c not in metrics.columns]
    if needed:
        raise ValueError(f"metric table is missing the column(s) {needed}")
    size_column = next((c for c in SIZE_COLUMNS if c in metrics.columns), None)
    if size_column is None:
        raise ValueError(
            f"metric table has no predicted-size column (tried {list(SIZE_COLUMNS)}); "
            "enable predicted_size in metric extraction"
        )
    rows = metrics[metrics["model"] == model]
    if rows.empty:
        raise ValueError(f"model {model!r} has no rows; models present: {sorted(metrics['model'].unique())}")
    ids = features["longitudinal_id"]
    keep = ids.notna() & (ids.astype(str).str.strip() != "") & features["time_point"].notna()
    feats = features[keep].copy()
    feats["longitudinal_id"] = feats["longitudinal_id"].astype(str)
    if "set" not in feats.columns:
        feats["set"] = ""
    if dataset is not None:
        feats = feats[feats["set"] == dataset]
    if patient is not None:
        feats = feats[feats["longitudinal_id"] == str(patient)]
    regions = size_regions(labels, rows["region"].dropna().unique())
    rows = rows[rows["region"].isin(regions)]
    on = ["ID", "set"] if "set" in rows.columns and "set" in features.columns else ["ID"]
    predicted = rows.groupby(on)[size_column].sum(min_count=1).rename("predicted").reset_index()
    table = feats[["set", "longitudinal_id", "time_point", "ID", "lesion_size_whole"]].rename(
        columns={"lesion_size_whole": "observed"}
    )
    table = table.merge(predicted, on=on, how="left")
    table = table.sort_values(["set", "longitudinal_id", "time_point"], kind="stable").reset_index(drop=True)
    table["observed"] = table["observed"].astype(float)
    table["predicted"] = table["predicted"].astype(float)
    table["error_pct"] = _pct(table["predicted"] - table["observed"], table["observed"])
    groups = table.groupby(["set", "longitudinal_id"], sort=False)
    for series in ("observed", "predicted"):
        previous = groups[series].shift(1)
        table[f"{series}_growth_pct"] = _pct(table[series] - previous, previous)
    return table[_COLUMNS]
