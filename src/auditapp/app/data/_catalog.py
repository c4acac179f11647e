"""Feature names: categories and pretty names of the feature columns that exist (dashboard.md §3)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from auditapp.app.data._tables import Tables
from auditapp.config.model import AppConfig, sequence_key

__all__ = ["CATEGORIES", "FeatureCatalog", "build_catalog", "catalog", "labels_of", "sequences_of"]

CATEGORIES = ("Statistical", "Texture", "Spatial", "Tumor", "Metadata")
_NOT_FEATURES = {"ID", "set", "longitudinal_id", "time_point"}
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


