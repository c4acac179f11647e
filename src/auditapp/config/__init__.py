"""Configuration: loading (OmegaConf), aliases, path resolution, validation, templates."""

from auditapp.config.loader import load_app_config, load_feature_config, load_metric_config
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
from auditapp.config.normalize import METRIC_ALIASES
from auditapp.config.project import InitReport, init_project, resolve_config_path, template_text

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
    "METRIC_ALIASES",
    "InitReport",
    "init_project",
    "load_app_config",
    "load_feature_config",
    "load_metric_config",
    "resolve_config_path",
    "template_text",
]
