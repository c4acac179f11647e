"""Per-lesion tables (``lesions_<x>.csv``, written by metric extraction next to ``extracted_information_<x>.csv``
with ``lesion_wise: {per_lesion_table: true}``) and the lesion detection counts of the "Lesion detection" page.

Located by :func:`auditapp.io.layout.sibling_output` (the one rule for a metric run's side outputs), keyed in
the cache by their file state (:attr:`Sources.lesions`); counts come from :mod:`auditapp.analysis.lesions`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from loguru import logger

from auditapp.analysis.lesions import detection_counts, detection_totals
from auditapp.app.data._cache import Selection, Sources, cached, select
from auditapp.app.data._tables import Tables
from auditapp.io.tables import ID_COLUMNS, read_table
from auditapp.metrics.registry import LESION_METRIC_COLUMNS

__all__ = ["LESION_METRIC_COLUMNS", "REQUIRED_LESION_COLUMNS", "lesion_detection", "lesion_detection_by_site",
           "lesions", "subject_lesions"]

#: Columns a per-lesion table must have to be shown.
REQUIRED_LESION_COLUMNS = ("ID", "model", "region", "lesion", "kind", "voxels")
_NUMBERS = ("lesion", "voxels", "volume", "centroid_k", "centroid_j", "centroid_i", "pred_voxels", "dice", "hd95",
            "nsd")


@st.cache_data(max_entries=32, show_spinner=False)
def _read_lesion_file(set_name: str, path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    """One ``lesions_<x>.csv`` with a ``set`` column; numbers as numbers (a bad cell empty)."""
    raw = read_table(path, text_columns=(*ID_COLUMNS, "kind", "pred_components"))
    missing = [c for c in REQUIRED_LESION_COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(f"no column(s) {', '.join(missing)}; is it a per-lesion table of metric extraction?")
    numbers = {c: pd.to_numeric(raw[c], errors="coerce") for c in _NUMBERS if c in raw.columns}
    df = raw.assign(**numbers, set=set_name)
    df["kind"] = df["kind"].str.strip().str.lower()
    return df


@cached(8)
def lesions(src: Sources) -> Tables:
    """Per-lesion rows of every metric set whose ``lesions_<x>.csv`` exists (``sets``: those read); a table that
    cannot be read is a problem naming the file, an absent one is not (the table is optional)."""
    frames, problems, sets = [], [], []
    for sig in src.lesions:
        if len(sig) == 2:  # not written (per_lesion_table off): nothing to say here, the page explains
            continue
        name, path = sig[0], sig[1]
        try:
            frames.append(_read_lesion_file(*sig))
        except Exception as exc:  # unreadable CSV: the other datasets still load
            problem = f"Could not read the per-lesion table of {name} ({path}): {exc}"
            logger.warning(problem)
            problems.append(problem)
            continue
        sets.append(name)
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*REQUIRED_LESION_COLUMNS, "set"])
    return Tables(df=df, problems=tuple(problems), sets=tuple(sets))


@cached(32)
def lesion_detection(src: Sources, sel: Selection, by_site: bool) -> pd.DataFrame:
    """``analysis.detection_counts`` of the selected lesions: per size bin, and per site (``set``) when
    ``by_site``."""
    return detection_counts(select(lesions(src).df, sel), by=("set",) if by_site else ())


@cached(32)
def lesion_detection_by_site(src: Sources, sel: Selection) -> pd.DataFrame:
    """``analysis.detection_totals`` of the selected lesions per site (``set``), all sizes together."""
    return detection_totals(select(lesions(src).df, sel), by=("set",))


@cached(64)
def subject_lesions(src: Sources, dataset: str, subject: str) -> pd.DataFrame | None:
    """The per-lesion rows of one subject (sorted by model, region, GT lesion then false positives); None when
    ``dataset`` has no per-lesion table."""
    table = lesions(src)
    if dataset not in table.sets:
        return None
    df = table.df
    rows = df[(df["set"] == dataset) & (df["ID"] == subject)]
    return rows.drop(columns=["set"]).sort_values(["model", "region", "lesion"], kind="stable",
                                                  na_position="last").reset_index(drop=True)
