"""Longitudinal view: observed vs predicted lesion size per patient and time point (docs/analysis.md, §7)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from auditapp.analysis.error_matrix import single_labels
from auditapp.analysis.tables import model_rows, require_columns

__all__ = ["SIZE_COLUMNS", "longitudinal_summary", "size_regions"]

#: Predicted-size columns tried in order (canonical, then older names).
SIZE_COLUMNS = ("predicted_size", "pred_vol", "numb_pred")

_COLUMNS = ["set", "longitudinal_id", "time_point", "ID", "observed", "predicted", "error_pct",
            "observed_growth_pct", "predicted_growth_pct"]


def size_regions(labels, regions) -> list[str]:
    """Regions whose predicted sizes add up to the lesion: the single non-zero labels present.

    In config order; composite regions such as WT would double count; when none matches (or ``labels`` is
    None), all ``regions`` sorted (reference behaviour).

    Examples
    --------
    >>> size_regions({"BKG": 0, "NETC": 1, "ET": 3, "WT": [1, 2, 3]}, ["ET", "NETC", "WT"])
    ['NETC', 'ET']
    >>> size_regions(None, ["b", "a"])
    ['a', 'b']
    """
    regions = list(dict.fromkeys(regions))
    singles = single_labels(labels) if isinstance(labels, (Mapping, Sequence)) else []
    chosen = [name for name, value in singles if value != 0 and name in regions]
    return chosen if chosen else sorted(regions)


def _pct(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """``100 * numerator / denominator``, NaN for a division by zero."""
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
    """Observed vs predicted lesion size per patient and time point, with errors and growth (analysis.md §7).

    Parameters
    ----------
    features : DataFrame
        ``ID``, ``longitudinal_id``, ``time_point``, ``lesion_size_whole`` (and ``set`` for several datasets).
    metrics : DataFrame
        ``ID``, ``region``, ``model`` and a predicted-size column (``predicted_size``, ``pred_vol``,
        ``numb_pred``).
    model : str
        Model whose predicted sizes are used.
    labels : mapping or sequence of Label, optional
        Configured labels, to sum only single non-zero labels (:func:`size_regions`).
    patient, dataset : str, optional
        Keep one longitudinal ID, one set.

    Returns
    -------
    DataFrame
        Columns ``set, longitudinal_id, time_point, ID, observed, predicted, error_pct, observed_growth_pct,
        predicted_growth_pct``, sorted by set, longitudinal ID and time point; NaN for a division by 0.

    Raises
    ------
    ValueError
        If a required column is missing, the model has no rows, or no predicted-size column exists.

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
    require_columns(features, ("ID", "longitudinal_id", "time_point", "lesion_size_whole"), "feature table")
    require_columns(metrics, ("ID", "region", "model"), "metric table")
    size_column = next((c for c in SIZE_COLUMNS if c in metrics.columns), None)
    if size_column is None:
        raise ValueError(
            f"metric table has no predicted-size column (tried {list(SIZE_COLUMNS)}); "
            "enable predicted_size in metric extraction"
        )
    rows = model_rows(metrics, model)
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
