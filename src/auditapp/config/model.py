"""Typed, validated configurations: what every layer downstream of the loader receives.

The loader (:mod:`auditapp.config.loader`) reads YAML with OmegaConf, resolves
interpolations, applies aliases, resolves relative paths against the config
file's folder, validates, and returns one of the frozen dataclasses below. Code
after the loader never sees ``DictConfig`` or raw dicts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Label",
    "Formats",
    "ParallelConfig",
    "FeatureFamilies",
    "LongitudinalSpec",
    "MetadataSource",
    "FeatureExtractionConfig",
    "MetricExtractionConfig",
    "AppMetadataSource",
    "ViewerConfig",
    "AppConfig",
    "REFERENCE_METRICS",
    "EXTRA_METRICS",
    "ALL_METRICS",
    "sequence_key",
]

#: The eight metrics of the reference 0.2.0, canonical names.
REFERENCE_METRICS = (
    "dice", "jaccard", "accuracy", "precision", "sensitivity", "specificity",
    "hausdorff_distance", "predicted_size",
)
#: Metrics added by auditapp.
EXTRA_METRICS = ("hd95", "assd", "nsd", "gt_size", "volume_similarity")
ALL_METRICS = REFERENCE_METRICS + EXTRA_METRICS


def sequence_key(suffix: str) -> str:
    """Column key of a sequence suffix: every ``_`` removed, case kept (``'_t1ce'`` -> ``'t1ce'``)."""
    return suffix.replace("_", "")


@dataclass(frozen=True)
class Label:
    """One configured label: ``name`` -> one value or a union of values.

    ``values`` is a tuple even for a scalar label (``(3,)``); ``composite`` tells
    whether it was written as a list.
    """

    name: str
    values: tuple[int, ...]
    composite: bool = False

    @property
    def is_background(self) -> bool:
        """True for the value-0 label, whatever its name."""
        return self.values == (0,) and not self.composite

    @property
    def key(self) -> str:
        """Column name part: ``'whole'`` for the background, else ``name.lower()``."""
        return "whole" if self.is_background else self.name.lower()


@dataclass(frozen=True)
class Formats:
    """File extensions to try, in order, per kind of file."""

    image: tuple[str, ...] = (".nii.gz", ".nii")
    segmentation: tuple[str, ...] = (".nii.gz", ".nii")
    prediction: tuple[str, ...] = (".nii.gz", ".nii")


@dataclass(frozen=True)
class ParallelConfig:
    """joblib backend: ``loky`` (processes, default) or ``dask`` (optional scheduler address)."""

    backend: str = "loky"
    scheduler: str | None = None


@dataclass(frozen=True)
class FeatureFamilies:
    statistical: bool = True
    texture: bool = True
    spatial: bool = True
    tumor: bool = True


@dataclass(frozen=True)
class LongitudinalSpec:
    """Split an ID on ``pattern``; piece ``longitudinal_id`` and piece ``time_point``."""

    pattern: str = "_"
    longitudinal_id: int = 1
    time_point: int = 2


@dataclass(frozen=True)
class MetadataSource:
    """One metadata file joined onto a dataset's features on ``id_column``."""

    name: str
    path: Path
    id_column: str = "ID"
    sheet: int | str = 0


def _default_cores() -> int:
    return os.cpu_count() or 1


@dataclass(frozen=True)
class FeatureExtractionConfig:
    data_paths: dict[str, Path]
    output_path: Path
    logs_path: Path
    sequences: tuple[str, ...]
    labels: tuple[Label, ...]
    features: FeatureFamilies = FeatureFamilies()
    texture_crop_padding: int = 0
    formats: Formats = Formats()
    longitudinal: dict[str, LongitudinalSpec] = field(default_factory=dict)
    metadata: dict[str, tuple[MetadataSource, ...]] = field(default_factory=dict)
    cpu_cores: int = field(default_factory=_default_cores)
    parallel: ParallelConfig = ParallelConfig()
    logger: str = "WARNING"
    modality: str = "MRI"
    source: Path | None = None  # the config file, when loaded from one
    resolved: dict = field(default_factory=dict)  # the resolved plain config, for the log file


@dataclass(frozen=True)
class MetricExtractionConfig:
    data_path: Path
    model_predictions_paths: dict[str, Path]
    output_path: Path
    filename: str
    logs_path: Path
    labels: tuple[Label, ...]
    metrics: tuple[str, ...] = REFERENCE_METRICS  # canonical names of the enabled metrics
    nsd_tolerance: float = 1.0
    save_error_matrix: bool = True
    formats: Formats = Formats()
    cpu_cores: int = field(default_factory=_default_cores)
    parallel: ParallelConfig = ParallelConfig()
    logger: str = "WARNING"
    backend: str = "audit"
    modality: str = "MRI"
    source: Path | None = None
    resolved: dict = field(default_factory=dict)


@dataclass(frozen=True)
class AppMetadataSource:
    """A metadata spreadsheet joined onto features and metrics in the dashboard."""

    file: Path
    sheet: int | str = 0
    id_column: str = "ID"
    id_rewrite: tuple[tuple[str, str], ...] = ()
    columns: tuple[str, ...] | None = None  # None = all columns


@dataclass(frozen=True)
class ViewerConfig:
    itksnap: str = "itksnap"
    main_sequence: str = "_t1ce"
    prediction_layer: str = "overlay"  # or "segmentation"


@dataclass(frozen=True)
class AppConfig:
    features: dict[str, Path] = field(default_factory=dict)
    metrics: dict[str, Path] = field(default_factory=dict)
    raw_datasets: dict[str, Path] = field(default_factory=dict)
    predictions: dict[str, dict[str, Path]] = field(default_factory=dict)
    error_matrices: dict[str, Path] = field(default_factory=dict)
    datasets_path: Path | None = None
    labels: tuple[Label, ...] | None = None  # None = infer from lesion_size_* columns
    sequences: tuple[str, ...] | None = None  # None = infer from <key>_max_intensity columns
    metadata_cols: tuple[str, ...] = ()
    metadata: tuple[AppMetadataSource, ...] = ()
    label_colors: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    viewer: ViewerConfig = ViewerConfig()
    formats: Formats = Formats()
    modality: str = "MRI"
    source: Path | None = None
    warnings: tuple[str, ...] = ()  # missing files/folders: shown at start and on the pages
    resolved: dict = field(default_factory=dict)  # the resolved plain config, for the log
