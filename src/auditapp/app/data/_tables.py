"""Every table the pages show, read once per file state (see :mod:`._cache`).

Loaders never raise for a missing or unreadable file: they return the rows they could read plus a ``problems``
tuple of messages that the pages show (dashboard.md §3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import streamlit as st
from loguru import logger

from auditapp.analysis import region_mean
from auditapp.app.data._cache import Selection, Sources, cached, file_signature, select
from auditapp.io.metadata import join_metadata, prepare_metadata, read_metadata_table
from auditapp.io.results import canonical_metric_columns, coerce_numeric, has_legacy_columns
from auditapp.io.tables import read_table
from auditapp.metrics.registry import DISPLAY_NAMES, metric_display_name

__all__ = [
    "LEGACY_NOTICE", "METRIC_NAMES", "Tables", "feature_rows", "features", "metric_columns", "metric_name",
    "metric_rows", "metrics", "metrics_with_features", "model_feature_rows", "models_by_set", "models_of",
    "region_means",
]

#: Dashboard names of the metric columns: the catalogue's (:mod:`auditapp.metrics.registry`).
METRIC_NAMES = DISPLAY_NAMES
LEGACY_NOTICE = (
    "Metrics of {sets} come from an older AUDIT version: Hausdorff is directed (prediction → GT) in voxels; "
    "precision/sensitivity are empty when tp = 0; size is empty for an empty prediction."
)


@st.cache_data(max_entries=64, show_spinner=False)
def _read_file(kind: str, set_name: str, path: str, mtime_ns: int, size: int
               ) -> tuple[pd.DataFrame, bool, tuple[str, ...]]:
    """One features or metrics CSV: usable rows, legacy columns or not, one message per problem (bad cells, rows
    without ID, repeated keys: docs/dashboard.md "Broken or unusual data"), logged once per file state."""
    raw = read_table(path)
    if "ID" not in raw.columns:
        raise ValueError("no ID column")
    legacy = kind == "metrics" and has_legacy_columns(raw.columns)
    raw, bad = coerce_numeric(raw)
    where = f"{kind}.{set_name} ({path})"
    problems = [f"{where}: column {col} has {len(rows)} value(s) that are not numbers ({_lines(rows)}); "
                "they are shown as empty." for col, rows in bad.items()]
    raw = raw.copy()  # one consolidated block before adding a column (as load_tables)
    raw["set"] = set_name
    df = canonical_metric_columns(raw) if kind == "metrics" else raw
    df, row_problems = _usable_rows(df, ["ID", "model", "region"] if kind == "metrics" else ["ID"], where)
    problems += row_problems
    for problem in problems:
        logger.warning(problem)
    return df, legacy, tuple(problems)


def _lines(rows) -> str:
    """CSV line numbers of 0-based data rows (line 1 is the header), at most 10 listed."""
    lines = [str(int(r) + 2) for r in rows]
    text = ", ".join(lines[:10]) + (f" and {len(lines) - 10} more" if len(lines) > 10 else "")
    return ("line " if len(lines) == 1 else "lines ") + text


def _usable_rows(df: pd.DataFrame, keys: list[str], where: str) -> tuple[pd.DataFrame, list[str]]:
    """Rows with an ID, the first of rows repeating ``keys``; one message per kind of problem."""
    problems = []
    ids = df["ID"]
    missing = ids.isna()  # NA-like text ("NA", "None", "", ...) is an ID (io.tables.read_table)
    if missing.any():
        problems.append(f"{where}: no ID on {_lines(df.index[missing])}; these rows are left out.")
        df = df[~missing]
    repeated = df.duplicated(keys, keep=False)
    if repeated.any():
        groups = df[repeated].groupby(keys, sort=False).groups
        items = [f"{' / '.join(map(str, key if isinstance(key, tuple) else (key,)))} on {_lines(rows)}"
                 for key, rows in list(groups.items())[:5]]
        more = f" and {len(groups) - 5} more" if len(groups) > 5 else ""
        problems.append(f"{where}: {' / '.join(keys)} repeated: {'; '.join(items)}{more}; the first row of each "
                        "is used.")
        df = df[~df.duplicated(keys, keep="first")]
    return df.reset_index(drop=True), problems


@st.cache_data(max_entries=16, show_spinner=False)
def _read_metadata_file(
    path: str, mtime_ns: int, size: int, sheet: int | str, id_column: str,
    id_rewrite: tuple[tuple[str, str], ...], columns: tuple[str, ...] | None,
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Metadata rows keyed by dataset ``ID`` (after ``id_rewrite``) and the problems found (cached per file)."""
    raw = read_metadata_table(path, sheet=sheet, id_column=id_column, dtype=object)
    return prepare_metadata(raw, id_column=id_column, id_rewrite=id_rewrite, columns=columns, source=path)


@dataclass(frozen=True)
class Tables:
    """Rows of every configured dataset that could be read.

    ``df`` has a ``set`` column (the dataset name of app.yaml); ``problems`` holds one message per file that could
    not be read; ``legacy_sets`` names metric sets with legacy upper-case columns; ``meta_columns`` the metadata
    columns joined onto ``df`` (from ``metadata`` files and ``metadata_cols``).
    """

    df: pd.DataFrame
    problems: tuple[str, ...] = ()
    legacy_sets: tuple[str, ...] = ()
    meta_columns: tuple[str, ...] = ()
    sets: tuple[str, ...] = field(default=())  # sets that loaded, config order

    @property
    def empty(self) -> bool:
        return self.df.empty


def _metadata(meta_key: tuple) -> tuple[pd.DataFrame | None, list[str]]:
    problems: list[str] = []
    merged: pd.DataFrame | None = None
    for (path, mtime, size), sheet, id_column, id_rewrite, columns in meta_key:
        if mtime == 0 and size == 0 and file_signature(path) is None:
            problems.append(f"File not found: {path} (metadata in app.yaml).")
            continue
        try:
            meta, meta_problems = _read_metadata_file(path, mtime, size, sheet, id_column, id_rewrite, columns)
        except Exception as exc:  # unreadable spreadsheet: the rest still loads
            problems.append(f"Could not read metadata ({path}): {exc}.")
            continue
        problems.extend(meta_problems)
        if merged is None:
            merged = meta
        else:
            new = [c for c in meta.columns if c == "ID" or c not in merged.columns]
            merged = merged.merge(meta[new], on="ID", how="outer")
    return merged, problems


def _attach(df: pd.DataFrame, meta: pd.DataFrame | None) -> pd.DataFrame:
    if meta is None or df.empty:
        return df
    cols = [c for c in meta.columns if c == "ID" or c not in df.columns]  # the table's own columns win, silently
    return join_metadata(df, meta[cols])


def _read_all(sigs: tuple, kind: str, metadata: tuple) -> tuple[pd.DataFrame, pd.DataFrame | None, list, list, list]:
    """Every dataset's file stacked, metadata joined on ``ID``; the metadata, problems, sets read, legacy sets."""
    frames, problems, sets, legacy = [], [], [], []
    for sig in sigs:
        name = sig[0]
        if len(sig) == 2:
            problems.append(f"File not found: {sig[1]} ({kind}.{name} in app.yaml).")
            continue
        try:
            df, is_legacy, file_problems = _read_file(kind, *sig)
        except Exception as exc:  # unreadable CSV: the other datasets still load
            problems.append(f"Could not read {kind}.{name} ({sig[1]}): {exc}.")
            continue
        frames.append(df)
        sets.append(name)
        problems.extend(file_problems)
        if is_legacy:
            legacy.append(name)
    columns = ["ID", "region", "model", "set"] if kind == "metrics" else ["ID", "set"]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    meta, meta_problems = _metadata(metadata)
    return _attach(df, meta), meta, problems + meta_problems, sets, legacy


@cached(8)
def features(src: Sources) -> Tables:
    """Features of every ``features`` set, metadata joined on ``ID``."""
    df, meta, problems, sets, _ = _read_all(src.features, "features", src.metadata)
    meta_cols = [c for c in src.metadata_cols if c in df.columns]
    if meta is not None:
        meta_cols += [c for c in meta.columns if c != "ID" and c in df.columns and c not in meta_cols]
    return Tables(df=df, problems=tuple(problems), meta_columns=tuple(meta_cols), sets=tuple(sets))


@cached(8)
def metrics(src: Sources) -> Tables:
    """Metrics of every ``metrics`` set (legacy columns renamed), metadata joined on ``ID``."""
    df, meta, problems, sets, legacy = _read_all(src.metrics, "metrics", src.metadata)
    meta_cols = tuple(c for c in (meta.columns if meta is not None else []) if c != "ID" and c in df.columns)
    return Tables(df=df, problems=tuple(problems), legacy_sets=tuple(legacy),
                  meta_columns=meta_cols, sets=tuple(sets))


def metric_columns(df: pd.DataFrame, meta_columns: tuple[str, ...] = ()) -> list[str]:
    """Metric columns of a metrics table: canonical names first (in ``METRIC_NAMES`` order), then other numerics."""
    skip = {"ID", "region", "model", "set", *meta_columns}
    numeric = [c for c in df.columns if c not in skip and pd.api.types.is_numeric_dtype(df[c])]
    known = [m for m in METRIC_NAMES if m in numeric]
    return known + [c for c in numeric if c not in known]


metric_name = metric_display_name  # dashboard name of a metric column (``dice`` -> ``Dice``)


def models_of(df: pd.DataFrame, set_name: str | None = None) -> list[str]:
    """Sorted model names of a metrics table (of one set when given)."""
    if df.empty:
        return []
    sub = df if set_name is None else df[df["set"] == set_name]
    return sorted(sub["model"].dropna().astype(str).unique())


@cached(8)
def models_by_set(src: Sources) -> dict[str, list[str]]:
    """Sorted model names per metric set."""
    df = metrics(src).df
    if df.empty:
        return {}
    pairs = df[["set", "model"]].drop_duplicates()
    return {str(s): sorted(g["model"].astype(str).tolist()) for s, g in pairs.groupby("set", sort=False)}


@cached(8)
def region_means(src: Sources) -> pd.DataFrame:
    """One row per ``(ID, model, set)``: mean over the subject's regions (``analysis.region_mean``)."""
    table = metrics(src)
    meta = list(table.meta_columns)
    means = region_mean(table.df.drop(columns=meta))
    if meta and not means.empty:
        means = means.merge(table.df[["ID", *meta]].drop_duplicates("ID"), on="ID", how="left")
    return means


@cached(8)
def metrics_with_features(src: Sources, aggregated: bool = True) -> pd.DataFrame:
    """Metrics (region means when ``aggregated``) inner-joined with features on ``(ID, set)``."""
    m = region_means(src) if aggregated else metrics(src).df
    f = features(src).df
    if m.empty or f.empty:
        return m.iloc[0:0]
    fcols = [c for c in f.columns if c not in m.columns or c in ("ID", "set")]
    return m.merge(f[fcols], on=["ID", "set"], how="inner")


@cached(64)
def feature_rows(src: Sources, sel: Selection, columns: tuple[str, ...], numeric: tuple[str, ...] = ()
                 ) -> pd.DataFrame:
    """``ID, set, *columns`` of the selected feature rows; ``numeric`` columns as numbers, rows without them
    dropped."""
    df = select(features(src).df, sel)
    view = df[list(dict.fromkeys(["ID", "set", *columns]))].copy()
    for c in numeric:
        view[c] = pd.to_numeric(view[c], errors="coerce")
    return view.dropna(subset=list(numeric)) if numeric else view


@cached(64)
def metric_rows(src: Sources, sel: Selection, columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The selected metric rows (``ID, region, model, set, *columns``, all columns when None)."""
    df = select(metrics(src).df, sel)
    if columns is None:
        return df
    return df[list(dict.fromkeys(["ID", "region", "model", "set", *columns]))]


@cached(64)
def model_feature_rows(src: Sources, sel: Selection, aggregated: bool, columns: tuple[str, ...],
                       required: tuple[str, ...]) -> pd.DataFrame:
    """Selected rows of :func:`metrics_with_features` (``ID, set, region, model, *columns``), rows without a
    value in a ``required`` column dropped."""
    df = select(metrics_with_features(src, aggregated), sel)
    cols = [c for c in dict.fromkeys(["ID", "set", "region", "model", *columns]) if c in df.columns]
    return df[cols].dropna(subset=list(required))
