"""Analysis library: pure functions the dashboard pages and notebook users call (docs/analysis.md).

Arrays or tidy DataFrames in; DataFrames or small frozen dataclasses with raw, unrounded numbers out. Nothing
here reads files, logs or imports Streamlit, except the re-exported readers ``load_tables``, ``load_features``
and ``load_metrics`` (:mod:`auditapp.io.results`, imported lazily).
"""

from auditapp.analysis.distributions import (
    FILTERS,
    density_curves,
    filter_feature,
    group_summary,
    histogram_bins,
    spearman_by_group,
    value_range,
)
from auditapp.analysis.error_matrix import (
    aggregate_error_matrices,
    confusion_matrix,
    confusion_matrix_from_counts,
    error_matrix,
    error_matrix_from_counts,
    matrix_classes,
    pair_counts_frame,
    row_percentages,
)
from auditapp.analysis.improvement import aggregated_improvement, improvement, subject_improvement
from auditapp.analysis.longitudinal import longitudinal_summary, size_regions
from auditapp.analysis.multimodel import ModelComparison, compare_models, nemenyi, summary_table
from auditapp.analysis.outliers import TukeyBox, iqr_outlier_table, iqr_outliers, tukey_box
from auditapp.analysis.pairwise import paired_samples, paired_tests
from auditapp.analysis.sites import site_summary, site_tests
from auditapp.analysis.stats import (
    LeveneResult,
    NormalityResult,
    PairedTestResult,
    holm,
    levene_test,
    normality_test,
    paired_test,
)
from auditapp.analysis.tables import (
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    attach_metadata,
    metric_columns,
    metric_direction,
    region_mean,
)

_READERS = ("load_features", "load_metrics", "load_tables")

__all__ = [
    "FILTERS", "HIGHER_IS_BETTER", "LOWER_IS_BETTER", "LeveneResult", "ModelComparison", "NormalityResult",
    "PairedTestResult", "TukeyBox", "aggregate_error_matrices", "aggregated_improvement", "attach_metadata",
    "compare_models", "confusion_matrix", "confusion_matrix_from_counts", "density_curves", "error_matrix",
    "error_matrix_from_counts", "filter_feature", "group_summary", "histogram_bins", "holm", "improvement",
    "iqr_outlier_table", "iqr_outliers", "levene_test", "load_features", "load_metrics", "load_tables",
    "longitudinal_summary", "matrix_classes", "metric_columns", "metric_direction", "nemenyi",
    "normality_test", "pair_counts_frame", "paired_samples", "paired_test", "paired_tests", "region_mean",
    "site_summary", "site_tests", "row_percentages", "size_regions", "spearman_by_group",
    "subject_improvement", "summary_table", "tukey_box", "value_range"
]


def __getattr__(name: str):
    """Re-export the CSV readers of :mod:`auditapp.io.results` without importing ``auditapp.io`` eagerly."""
    if name in _READERS:
        from auditapp.io import results

        return getattr(results, name)
    raise AttributeError(f"module 'auditapp.analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
