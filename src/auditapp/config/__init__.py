"""Configuration: loading (OmegaConf), the declarative schema (pydantic), typed configs, templates."""

from auditapp.config.loader import load_app_config, load_feature_config, load_metric_config
from auditapp.config.model import (
    ALL_METRICS, EXTRA_METRICS, REFERENCE_METRICS, AppConfig, AppMetadataSource, FeatureExtractionConfig,
    FeatureFamilies, Formats, Label, LesionWise, LongitudinalSpec, MetadataSource, MetricExtractionConfig, ParallelConfig,
    ViewerConfig, sequence_key,
)
from auditapp.config.project import InitReport, init_project, resolve_config_path, template_text
from auditapp.metrics.registry import ALIASES as METRIC_ALIASES

__all__ = [
    "ALL_METRICS", "EXTRA_METRICS", "REFERENCE_METRICS", "METRIC_ALIASES", "AppConfig", "AppMetadataSource",
    "FeatureExtractionConfig", "FeatureFamilies", "Formats", "Label", "LongitudinalSpec", "MetadataSource",
    "MetricExtractionConfig", "LesionWise", "ParallelConfig", "ViewerConfig", "sequence_key", "InitReport", "init_project",
    "load_app_config", "load_feature_config", "load_metric_config", "resolve_config_path", "template_text",
]
