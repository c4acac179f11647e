"""The one caching scheme of the dashboard: every cached loader is keyed on :class:`Sources` plus hashable
selection arguments (strings, numbers, tuples, :class:`Selection`).

:class:`Sources` holds the state of every input file (path, ``mtime_ns``, size) and the config values the tables
depend on, so an edited CSV is re-read and an unchanged one never is. No cached function takes a DataFrame: a
frame is derived inside the cache from the sources and the selection, so a cached result can never belong to
other rows (Streamlit hashes large frames by sampling them).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from auditapp.config.model import AppConfig
from auditapp.io.layout import sibling_output

__all__ = ["Selection", "Sources", "Subset", "apply_subset", "cached", "file_signature", "lesion_csv_paths",
           "sources"]

#: A metadata subset chosen in the sidebar: ``(column, values to keep)``.
Subset = tuple[str, tuple]


def file_signature(path: Path | str | None) -> tuple[str, int, int] | None:
    """``(path, mtime_ns, size)`` of a file (the cache key of a file), or None when it is not a readable file
    (or ``path`` is None)."""
    if path is None:
        return None
    try:
        st_ = os.stat(path)
    except OSError:
        return None
    if not os.path.isfile(path):
        return None
    return (str(path), st_.st_mtime_ns, st_.st_size)


def _signatures(mapping: dict[str, Path]) -> tuple[tuple, ...]:
    """``(name, path, mtime_ns, size)`` per dataset, ``(name, path)`` when the file is missing."""
    out = []
    for name, path in mapping.items():
        sig = file_signature(path)
        out.append((name, str(path)) if sig is None else (name, *sig))
    return tuple(out)


@dataclass(frozen=True)
class Sources:
    """State of every input of the tables: the first part of every cache key."""

    features: tuple = ()
    metrics: tuple = ()
    metadata: tuple = ()
    metadata_cols: tuple[str, ...] = ()
    labels: tuple | None = None
    lesions: tuple = ()  # the per-lesion tables next to the metric CSVs (lesion_csv_paths)


def sources(cfg: AppConfig) -> Sources:
    """The current :class:`Sources` of ``cfg`` (a few ``stat`` calls)."""
    meta = []
    for src in cfg.metadata:
        sig = file_signature(src.file) or (str(src.file), 0, 0)
        meta.append((sig, src.sheet, src.id_column, tuple(tuple(p) for p in src.id_rewrite),
                     None if src.columns is None else tuple(src.columns)))
    return Sources(features=_signatures(cfg.features), metrics=_signatures(cfg.metrics), metadata=tuple(meta),
                   metadata_cols=tuple(cfg.metadata_cols), labels=None if cfg.labels is None else tuple(cfg.labels),
                   lesions=_signatures(lesion_csv_paths(cfg)))


def lesion_csv_paths(cfg: AppConfig) -> dict[str, Path]:
    """Where each metric set's per-lesion table would be: ``lesions_<x>.csv`` next to
    ``extracted_information_<x>.csv`` (sets whose metric CSV is named otherwise have none)."""
    found = {name: sibling_output(path, "lesions") for name, path in cfg.metrics.items() if path is not None}
    return {name: path for name, path in found.items() if path is not None}


def cached(max_entries: int) -> Callable:
    """``st.cache_data`` keyed on :class:`Sources` and the other (hashable) arguments.

    The decorated function takes a :class:`Sources` first; callers may pass the ``AppConfig`` instead, whose
    sources are computed at the call.
    """

    def decorate(fn: Callable) -> Callable:
        inner = st.cache_data(max_entries=max_entries, show_spinner=False)(fn)

        @functools.wraps(fn)
        def call(config: AppConfig | Sources, *args, **kwargs):
            return inner(config if isinstance(config, Sources) else sources(config), *args, **kwargs)

        call.clear = inner.clear
        return call

    return decorate


@dataclass(frozen=True)
class Selection:
    """Rows chosen in the sidebar: datasets, models (all when empty), regions (all when None), metadata subset."""

    sets: tuple[str, ...]
    models: tuple[str, ...] = ()
    regions: tuple[str, ...] | None = None
    subset: Subset | None = None


def apply_subset(df: pd.DataFrame, subset: Subset | None) -> pd.DataFrame:
    """Rows of ``df`` whose ``subset[0]`` column is one of ``subset[1]`` (all rows when ``subset`` is None)."""
    if subset is None or subset[0] not in df.columns:
        return df
    return df[df[subset[0]].isin(list(subset[1]))]


def select(df: pd.DataFrame, sel: Selection) -> pd.DataFrame:
    """Rows of a table matching ``sel`` (``model`` / ``region`` filters only when the table has them)."""
    mask = df["set"].isin(list(sel.sets))
    if sel.models and "model" in df.columns:
        mask &= df["model"].isin(list(sel.models))
    if sel.regions is not None and "region" in df.columns:
        mask &= df["region"].isin(list(sel.regions))
    return apply_subset(df[mask], sel.subset)
