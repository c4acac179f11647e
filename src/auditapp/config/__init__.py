"""Configuration: loading (OmegaConf), aliases, path resolution, validation, templates."""

from auditapp.config.model import (
    ALL_METRICS,
    EXTRA_METRICS,
    REFERENCE_METRICS,
    AppConfig,
    AppMetadataSource,
    FeatureExtractionConfig,
    FeatureFamilies,
    Formats,
    Label,
    LongitudinalSpec,
    MetadataSource,
    MetricExtractionConfig,
    ParallelConfig,
    ViewerConfig,
    sequence_key,
)

__all__ = [
    "ALL_METRICS",
    "EXTRA_METRICS",
    "REFERENCE_METRICS",
    "AppConfig",
    "AppMetadataSource",
    "FeatureExtractionConfig",
    "FeatureFamilies",
    "Formats",
    "Label",
    "LongitudinalSpec",
    "MetadataSource",
    "MetricExtractionConfig",
    "ParallelConfig",
    "ViewerConfig",
    "sequence_key",
]
