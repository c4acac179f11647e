"""The dashboard's data layer: app config and every table the pages show, cached.

Pages call these loaders, :mod:`auditapp.analysis` and :mod:`auditapp.app.plots`, nothing else. Every file read is
cached with ``st.cache_data`` keyed on ``(path, mtime_ns, size)``, so an edited CSV is re-read and an unchanged one
never is. Loaders never raise for a missing or unreadable file: they return the rows they could read plus a
``problems`` tuple of messages that the pages show (dashboard.md §3).

Stable API (also used by the model pages):

* :func:`get_config` -> the session's :class:`~auditapp.config.model.AppConfig` (or raises ``ConfigError``),
  :func:`config_path`.
* :func:`features` / :func:`metrics` -> :class:`Tables` (``df`` with a ``set`` column, ``problems``,
  ``legacy_sets``, ``meta_columns``); :func:`region_means`, :func:`metrics_with_features`.
* :func:`catalog` -> :class:`FeatureCatalog` (categories, pretty names <-> columns);
  :func:`sequences_of`, :func:`labels_of`, :func:`metric_columns`, :func:`metric_name`, :func:`models_of`.
* Messages: :func:`missing_key_message`, :data:`LEGACY_NOTICE`.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

from auditapp.config.model import AppConfig, AppMetadataSource, sequence_key
from auditapp.io.metadata import match_column, read_metadata_table
from auditapp.io.results import has_legacy_columns, load_features, load_metrics

__all__ = [
    "CONFIG_ENV",
    "SESSION_CONFIG_KEY",
    "CATEGORIES",
    "LEGACY_NOTICE",
    "METRIC_NAMES",
    "FeatureCatalog",
    "Tables",
    "build_catalog",
    "catalog",
    "config_path",
    "config_path_from_argv",
    "density",
    "features",
    "file_signature",
    "get_config",
    "labels_of",
    "metric_columns",
    "metric_name",
    "metrics",
    "metrics_with_features",
    "missing_key_message",
    "models_of",
    "region_means",
    "sequences_of",
]

#: Environment variable holding the config path (set by ``serve``; tests may set it too).
CONFIG_ENV = "AUDITAPP_CONFIG"
#: Session-state key that, when it holds an ``AppConfig``, overrides the config file (notebooks, tests).
SESSION_CONFIG_KEY = "auditapp.config"

CATEGORIES = ("Statistical", "Texture", "Spatial", "Tumor", "Metadata")

METRIC_NAMES = {
    "dice": "Dice", "jaccard": "Jaccard", "accuracy": "Accuracy", "precision": "Precision",
    "sensitivity": "Sensitivity", "specificity": "Specificity", "hausdorff_distance": "Hausdorff distance",
    "predicted_size": "Predicted size", "hd95": "HD95", "assd": "ASSD", "nsd": "NSD", "gt_size": "GT size",
    "volume_similarity": "Volume similarity",
}
LEGACY_NOTICE = (
    "Metrics of {sets} come from an older AUDIT version: Hausdorff is directed (prediction → GT) in voxels; "
    "precision/sensitivity are empty when tp = 0; size is empty for an empty prediction."
)
_KEY_HINTS = {
    "features": "one CSV per dataset, written by `auditapp feature-extraction`",
    "metrics": "one CSV per dataset, written by `auditapp metric-extraction`",
    "predictions": "per dataset, one folder of predictions per model",
    "raw_datasets": "per dataset, the folder of subject images and ground truth",
}
_NOT_FEATURES = {"ID", "set", "longitudinal_id", "time_point"}


# --------------------------------------------------------------------------------------------------------------------
# Config
# --------------------------------------------------------------------------------------------------------------------
def config_path_from_argv(argv: list[str] | None = None) -> str | None:
    """The value of ``--config`` (or ``--config=...``) in ``argv`` (default ``sys.argv``), else None."""
    args = list(sys.argv if argv is None else argv)
    for i, arg in enumerate(args):
        if arg in ("--config", "-c") and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--config="):
            return arg.split("=", 1)[1]
    return None


def config_path() -> Path | None:
    """The config file of this server: ``--config`` after ``--`` on the command line, else ``$AUDITAPP_CONFIG``."""
    raw = config_path_from_argv() or os.environ.get(CONFIG_ENV)
    return Path(raw).expanduser().resolve() if raw else None


@st.cache_data(max_entries=8, show_spinner=False)
def _load_config(path: str, mtime_ns: int) -> AppConfig:
    from auditapp.config import load_app_config  # the config engineer's loader

    return load_app_config(path)


def get_config() -> AppConfig | None:
    """The app config of this session, or None when no config was given.

    ``st.session_state[SESSION_CONFIG_KEY]`` (an ``AppConfig``) wins; else the config file from
    :func:`config_path`, loaded once per modification time. Raises ``ConfigError`` for an invalid file and
    ``FileNotFoundError`` for a missing one.
    """
    override = st.session_state.get(SESSION_CONFIG_KEY)
    if isinstance(override, AppConfig):
        return override
    path = config_path()
    if path is None:
        return None
    if not path.is_file():
        raise FileNotFoundError(f"Config file not found: {path}")
    return _load_config(str(path), path.stat().st_mtime_ns)


def missing_key_message(key: str) -> str:
    """The "nothing configured" sentence of dashboard.md §3 for an app.yaml key."""
    hint = _KEY_HINTS.get(key, "see the documentation")
    return f"No {key.replace('_', ' ')} configured. Add `{key}:` to app.yaml ({hint})."


# --------------------------------------------------------------------------------------------------------------------
# File reads (cached per path, mtime and size)
# --------------------------------------------------------------------------------------------------------------------
def file_signature(path: Path | str) -> tuple[str, int, int] | None:
    """``(absolute path, mtime_ns, size)`` of a file, or None when it is not a readable file."""
    try:
        st_ = os.stat(path)
    except OSError:
        return None
    if not os.path.isfile(path):
        return None
    return (str(path), st_.st_mtime_ns, st_.st_size)


@st.cache_data(max_entries=64, show_spinner=False)
def _read_features_file(set_name: str, path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    df = load_features({set_name: path})
    if "ID" not in df.columns:
        raise ValueError("no ID column")
    return df


@st.cache_data(max_entries=64, show_spinner=False)
def _read_metrics_file(set_name: str, path: str, mtime_ns: int, size: int) -> tuple[pd.DataFrame, bool]:
    legacy = has_legacy_columns(pd.read_csv(path, nrows=0).columns)
    return load_metrics({set_name: path}), legacy


@st.cache_data(max_entries=16, show_spinner=False)
def _read_metadata_file(
    path: str, mtime_ns: int, size: int, sheet: int | str, id_column: str,
    id_rewrite: tuple[tuple[str, str], ...], columns: tuple[str, ...] | None,
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Metadata rows keyed by dataset ``ID`` (after ``id_rewrite``) and the problems found."""
    raw = read_metadata_table(path, sheet=sheet, id_column=id_column, dtype=object)
    problems: list[str] = []
    id_col = id_column  # matched ignoring surrounding spaces and renamed by the reader
    if id_col not in raw.columns:
        raise ValueError(f"no ID column {id_column!r}")
    ids = raw[id_col].astype(str).str.strip()
    for old, new in id_rewrite:
        fields = re.findall(r"\{([^{}]+)\}", new)
        if fields:
            cols = {f: match_column(raw.columns, f) for f in fields}
            rewritten = []
            for i, value in enumerate(ids):
                repl = new
                for f, col in cols.items():
                    repl = repl.replace("{" + f + "}", "" if col is None else str(raw[col].iloc[i]))
                rewritten.append(value.replace(old, repl))
            ids = pd.Series(rewritten, index=raw.index)
        else:
            ids = ids.str.replace(old, new, regex=False)
    if columns is None:
        keep = [c for c in raw.columns if c != id_col]
    else:
        keep = []
        for wanted in columns:
            col = match_column(raw.columns, wanted)
            if col is None:
                problems.append(f"metadata column {wanted!r} not found in {path}")
            else:
                keep.append(col)
    out = raw[keep].copy()
    out.columns = [str(c).strip() for c in keep]
    for col in out.columns:  # numeric where every non-empty value is a number
        converted = pd.to_numeric(out[col], errors="coerce")
        if converted.notna().sum() == out[col].notna().sum():
            out[col] = converted
    out.insert(0, "ID", ids.values)
    dupes = out["ID"].duplicated()
    if dupes.any():
        problems.append(f"{int(dupes.sum())} duplicate IDs in {path}; first row kept")
        out = out[~dupes]
    return out.reset_index(drop=True), tuple(problems)


# --------------------------------------------------------------------------------------------------------------------
# Combined tables
# --------------------------------------------------------------------------------------------------------------------
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


def _signatures(mapping: dict[str, Path]) -> tuple[tuple[str, str, int, int] | tuple[str, str], ...]:
    out = []
    for name, path in mapping.items():
        sig = file_signature(path)
        out.append((name, str(path)) if sig is None else (name, *sig))
    return tuple(out)


def _metadata_key(sources: tuple[AppMetadataSource, ...]) -> tuple:
    key = []
    for src in sources:
        sig = file_signature(src.file)
        key.append(((str(src.file), 0, 0) if sig is None else sig, src.sheet, src.id_column,
                    tuple(tuple(p) for p in src.id_rewrite), None if src.columns is None else tuple(src.columns)))
    return tuple(key)


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
    cols = [c for c in meta.columns if c == "ID" or c not in df.columns]
    return df.merge(meta[cols], on="ID", how="left")


@st.cache_data(max_entries=8, show_spinner=False)
def _features_table(sigs: tuple, meta_key: tuple, metadata_cols: tuple[str, ...]) -> Tables:
    frames, problems, sets = [], [], []
    for sig in sigs:
        name = sig[0]
        if len(sig) == 2:
            problems.append(f"File not found: {sig[1]} (features.{name} in app.yaml).")
            continue
        try:
            frames.append(_read_features_file(*sig))
            sets.append(name)
        except Exception as exc:  # unreadable CSV: the other datasets still load
            problems.append(f"Could not read features.{name} ({sig[1]}): {exc}.")
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["ID", "set"])
    meta, meta_problems = _metadata(meta_key)
    problems.extend(meta_problems)
    df = _attach(df, meta)
    meta_cols = [c for c in metadata_cols if c in df.columns]
    if meta is not None:
        meta_cols += [c for c in meta.columns if c != "ID" and c in df.columns and c not in meta_cols]
    return Tables(df=df, problems=tuple(problems), meta_columns=tuple(meta_cols), sets=tuple(sets))


def features(cfg: AppConfig) -> Tables:
    """Features of every ``features`` set, metadata joined on ``ID``; cached per file state."""
    return _features_table(_signatures(cfg.features), _metadata_key(cfg.metadata), tuple(cfg.metadata_cols))


@st.cache_data(max_entries=8, show_spinner=False)
def _metrics_table(sigs: tuple, meta_key: tuple) -> Tables:
    frames, problems, legacy, sets = [], [], [], []
    for sig in sigs:
        name = sig[0]
        if len(sig) == 2:
            problems.append(f"File not found: {sig[1]} (metrics.{name} in app.yaml).")
            continue
        try:
            df, is_legacy = _read_metrics_file(*sig)
        except Exception as exc:
            problems.append(f"Could not read metrics.{name} ({sig[1]}): {exc}.")
            continue
        frames.append(df)
        sets.append(name)
        if is_legacy:
            legacy.append(name)
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["ID", "region", "model", "set"])
    meta, meta_problems = _metadata(meta_key)
    problems.extend(meta_problems)
    df = _attach(df, meta)
    meta_cols = tuple(c for c in (meta.columns if meta is not None else []) if c != "ID" and c in df.columns)
    return Tables(df=df, problems=tuple(problems), legacy_sets=tuple(legacy), meta_columns=meta_cols,
                  sets=tuple(sets))


def metrics(cfg: AppConfig) -> Tables:
    """Metrics of every ``metrics`` set (legacy columns renamed), metadata joined on ``ID``; cached."""
    return _metrics_table(_signatures(cfg.metrics), _metadata_key(cfg.metadata))


def metric_columns(df: pd.DataFrame, meta_columns: tuple[str, ...] = ()) -> list[str]:
    """Metric columns of a metrics table: canonical names first (in ``METRIC_NAMES`` order), then other numerics."""
    skip = {"ID", "region", "model", "set", *meta_columns}
    numeric = [c for c in df.columns if c not in skip and pd.api.types.is_numeric_dtype(df[c])]
    known = [m for m in METRIC_NAMES if m in numeric]
    return known + [c for c in numeric if c not in known]


def metric_name(column: str) -> str:
    """Display name of a metric column (``dice`` -> ``Dice``); unknown columns keep their own name."""
    return METRIC_NAMES.get(column, column)


def models_of(df: pd.DataFrame, set_name: str | None = None) -> list[str]:
    """Sorted model names of a metrics table (of one set when given)."""
    if df.empty:
        return []
    sub = df if set_name is None else df[df["set"] == set_name]
    return sorted(sub["model"].dropna().astype(str).unique())


@st.cache_data(max_entries=8, show_spinner=False)
def _region_means(sigs: tuple, meta_key: tuple) -> pd.DataFrame:
    from auditapp.analysis import region_mean

    table = _metrics_table(sigs, meta_key)
    meta = list(table.meta_columns)
    means = region_mean(table.df.drop(columns=meta))
    if meta and not means.empty:
        means = means.merge(table.df[["ID", *meta]].drop_duplicates("ID"), on="ID", how="left")
    return means


def region_means(cfg: AppConfig) -> pd.DataFrame:
    """One row per ``(ID, model, set)``: mean over the subject's regions (``analysis.region_mean``); cached."""
    return _region_means(_signatures(cfg.metrics), _metadata_key(cfg.metadata))


@st.cache_data(max_entries=8, show_spinner=False)
def _metrics_with_features(msigs: tuple, fsigs: tuple, meta_key: tuple, aggregated: bool) -> pd.DataFrame:
    m = _region_means(msigs, meta_key) if aggregated else _metrics_table(msigs, meta_key).df
    f = _features_table(fsigs, meta_key, ()).df
    if m.empty or f.empty:
        return m.iloc[0:0]
    fcols = [c for c in f.columns if c not in m.columns or c in ("ID", "set")]
    return m.merge(f[fcols], on=["ID", "set"], how="inner")


def metrics_with_features(cfg: AppConfig, aggregated: bool = True) -> pd.DataFrame:
    """Metrics (region means when ``aggregated``) inner-joined with features on ``(ID, set)``; cached."""
    return _metrics_with_features(
        _signatures(cfg.metrics), _signatures(cfg.features), _metadata_key(cfg.metadata), aggregated
    )


# --------------------------------------------------------------------------------------------------------------------
# Feature names
# --------------------------------------------------------------------------------------------------------------------
_STATS = (
    ("max_intensity", "Max. intensity"), ("min_intensity", "Min. intensity"), ("mean_intensity", "Mean intensity"),
    ("median_intensity", "Median intensity"), ("std_intensity", "Std. intensity"),
    ("10th_percentile_intensity", "10th-Percentile intensity"),
    ("90th_percentile_intensity", "90th-Percentile intensity"), ("range_intensity", "Range intensity"),
    ("skewness", "Skewness"), ("kurtosis", "Kurtosis"),
)
_TEXTURES = (
    ("contrast", "contrast"), ("correlation", "correlation"), ("dissimilarity", "dissimilarity"),
    ("energy", "energy"), ("homogeneity", "homogeneity"), ("asm", "ASM"),
)
_PLANES = ("axial", "coronal", "sagittal")


def sequences_of(cfg: AppConfig, columns) -> tuple[str, ...]:
    """Sequence keys: from ``sequences`` in app.yaml, else inferred from ``<key>_max_intensity`` columns."""
    if cfg.sequences:
        return tuple(sequence_key(s) for s in cfg.sequences)
    return tuple(c[: -len("_max_intensity")] for c in columns if str(c).endswith("_max_intensity"))


def labels_of(cfg: AppConfig, columns) -> tuple[str, ...]:
    """Label keys for column names (``whole`` for the background): from ``labels``, else ``lesion_size_*``."""
    if cfg.labels:
        keys = [lab.key for lab in cfg.labels]
        return tuple(["whole"] + [k for k in keys if k != "whole"])
    keys = [c[len("lesion_size_"):] for c in columns if str(c).startswith("lesion_size_")]
    return tuple(["whole"] + [k for k in keys if k != "whole"])


@dataclass(frozen=True)
class FeatureCatalog:
    """Feature categories -> ``{pretty name: column}`` for the columns that exist (dashboard.md §3)."""

    categories: dict[str, dict[str, str]]

    @property
    def pretty(self) -> dict[str, str]:
        """``{column: pretty name}`` over all categories."""
        return {col: name for names in self.categories.values() for name, col in names.items()}

    def name(self, column: str) -> str:
        """Pretty name of a column (the column itself when unknown)."""
        return self.pretty.get(column, column)

    def category(self, column: str) -> str | None:
        for cat, names in self.categories.items():
            if column in names.values():
                return cat
        return None

    def columns(self) -> list[str]:
        return [col for names in self.categories.values() for col in names.values()]

    def default(self, which: int = 0) -> str | None:
        """``Max. intensity`` of the ``which``-th sequence when present, else the first feature."""
        stats = list(self.categories.get("Statistical", {}).items())
        maxes = [col for name, col in stats if name.startswith("Max. intensity")]
        if maxes:
            return maxes[min(which, len(maxes) - 1)]
        cols = self.columns()
        return cols[min(which, len(cols) - 1)] if cols else None


def build_catalog(columns, sequences: tuple[str, ...], labels: tuple[str, ...],
                  meta_columns: tuple[str, ...] = ()) -> FeatureCatalog:
    """Pure: pretty names per category for the ``columns`` that exist (dashboard.md §3).

    >>> cat = build_catalog(["ID", "t1_max_intensity", "lesion_size_et", "whole_tumor_location"], ("t1",),
    ...                     ("whole", "et"))
    >>> cat.categories["Statistical"]
    {'Max. intensity (T1)': 't1_max_intensity'}
    >>> cat.categories["Tumor"]
    {'Lesion size (ET)': 'lesion_size_et', 'Tumor location (WHOLE)': 'whole_tumor_location'}
    """
    present = set(map(str, columns))
    cats: dict[str, dict[str, str]] = {c: {} for c in CATEGORIES}

    def add(cat: str, name: str, col: str) -> None:
        if col in present and col not in meta_columns:
            cats[cat][name] = col

    for stat, label in _STATS:
        for s in sequences:
            add("Statistical", f"{label} ({s.upper()})", f"{s}_{stat}")
    for tex, label in _TEXTURES:
        for s in sequences:
            add("Texture", f"Mean {label} ({s.upper()})", f"{s}_mean_{tex}")
            add("Texture", f"Std {label} ({s.upper()})", f"{s}_std_{tex}")
    for p in _PLANES:
        add("Spatial", f"{p.capitalize()} plane resolution", f"{p}_plane_resolution")
    for p in _PLANES:
        add("Spatial", f"{p.capitalize()} plane center of mass", f"{p}_plane_center_of_mass")
    for p in _PLANES:
        add("Tumor", f"Number of tumor slices ({p.capitalize()})", f"{p}_tumor_slices")
    for p in _PLANES:
        add("Tumor", f"Lower tumor slice ({p.capitalize()})", f"lower_{p}_tumor_slice")
        add("Tumor", f"Upper tumor slice ({p.capitalize()})", f"upper_{p}_tumor_slice")
    for lab in labels:
        add("Tumor", f"Lesion size ({lab.upper()})", f"lesion_size_{lab}")
    for lab in labels:
        add("Tumor", f"Tumor location ({lab.upper()})", f"{lab}_tumor_location")
    for lab in labels:
        for p in _PLANES:
            add("Tumor", f"{p.capitalize()} plane tumor center of mass ({lab.upper()})", f"{p}_{lab}_center_mass")
    for col in meta_columns:
        if col in present and col not in _NOT_FEATURES:
            cats["Metadata"][col] = col
    return FeatureCatalog({c: names for c, names in cats.items() if names})


def catalog(cfg: AppConfig, tables: Tables) -> FeatureCatalog:
    """The feature catalog of the loaded features table."""
    cols = tuple(tables.df.columns)
    return _catalog_cached(cols, sequences_of(cfg, cols), labels_of(cfg, cols), tables.meta_columns)


@st.cache_data(max_entries=16, show_spinner=False)
def _catalog_cached(cols, seqs, labs, meta) -> FeatureCatalog:
    return build_catalog(cols, seqs, labs, meta)


# --------------------------------------------------------------------------------------------------------------------
# Cached statistical results (key: the inputs)
# --------------------------------------------------------------------------------------------------------------------
@st.cache_data(max_entries=32, show_spinner=False)
def density(values: pd.DataFrame, column: str, group: str, order: tuple) -> tuple[pd.DataFrame, list]:
    """``analysis.density_curves`` of ``values[[group, column]]``, cached on the values shown."""
    from auditapp.analysis import density_curves

    return density_curves(values, column, group, order=list(order))
