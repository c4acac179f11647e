"""The dashboard's one data layer: the app config and every table and result the pages show, cached.

Pages call these functions, :mod:`auditapp.app.plots` and the widgets of :mod:`auditapp.app.views._common`,
nothing else; statistics come from :mod:`auditapp.analysis` through the cached functions here.

One caching scheme (:mod:`._cache`): ``st.cache_data`` keyed on :class:`Sources` (path, ``mtime_ns`` and size of
every input file, plus the config values the tables depend on) and hashable selections (:class:`Selection`,
strings, tuples). Every cached function takes the ``AppConfig`` (or its :class:`Sources`) first; none takes a
DataFrame. The error-matrix counts are keyed the same way on the two NIfTI files' paths and modification times.

* config: :func:`get_config`, :func:`config_path`, :func:`missing_key_message`;
* tables: :func:`features` / :func:`metrics` -> :class:`Tables`, :func:`region_means`,
  :func:`metrics_with_features`, :func:`feature_rows`, :func:`metric_rows`, :func:`model_feature_rows`;
* names: :func:`catalog` -> :class:`FeatureCatalog`, :func:`metric_name`, :func:`metric_columns`,
  :func:`models_of`, :func:`models_by_set`;
* error matrix: :func:`error_matrix_sets`, :func:`error_matrix_models`, :func:`error_matrix_source`,
  :func:`gather_counts`, :func:`summed_counts`, :func:`matrix_view`;
* results: :func:`univariate_view`, :func:`density`, :func:`feature_correlation`,
  :func:`model_feature_correlation`, :func:`aggregated_improvement`, :func:`subject_improvement`,
  :func:`paired_samples`, :func:`paired_test`, :func:`paired_tests`, :func:`compare_models`,
  :func:`longitudinal_summary`, :func:`site_rows`, :func:`site_summary`, :func:`site_tests`;
* lesions (``lesions_<x>.csv`` next to the metric CSVs): :func:`lesion_csv_paths`, :func:`lesions`,
  :func:`lesion_detection`, :func:`lesion_detection_by_site`, :func:`subject_lesions`;
* slice viewer and gallery (NIfTI volumes keyed on ``(path, mtime_ns, size)``, bounded ``st.cache_resource``):
  :func:`viewer_files`, :func:`missing_file_messages`, :func:`label_regions`, :func:`image_volume`,
  :func:`label_volume`, :func:`outcome_map`, :func:`outcome_counts`, :func:`jump_targets`, :func:`viewer_geometry`,
  :func:`viewer_plane`, :func:`gallery_thumbnail`.
"""

from auditapp.app.data._cache import (
    Selection,
    Sources,
    Subset,
    apply_subset,
    cached,
    file_signature,
    lesion_csv_paths,
    sources,
)
from auditapp.app.data._catalog import (
    CATEGORIES,
    FeatureCatalog,
    build_catalog,
    catalog,
    labels_of,
    sequences_of,
)
from auditapp.app.data._config import (
    CONFIG_ENV,
    SESSION_CONFIG_KEY,
    config_path,
    config_path_from_argv,
    get_config,
    missing_key_message,
)
from auditapp.app.data._error_matrix import (
    COUNT_COLUMNS,
    ErrorMatrixSource,
    PairFiles,
    error_matrix_csv_path,
    error_matrix_models,
    error_matrix_sets,
    error_matrix_source,
    gather_counts,
    matrix_view,
    read_error_matrix_csv,
    subject_counts,
    summed_counts,
)
from auditapp.app.data._lesions import (
    LESION_METRIC_COLUMNS,
    lesion_detection,
    lesion_detection_by_site,
    lesions,
    subject_lesions,
)
from auditapp.app.data._results import (
    aggregated_improvement,
    compare_models,
    density,
    feature_correlation,
    longitudinal_summary,
    model_feature_correlation,
    pair_rows,
    paired_samples,
    paired_test,
    paired_tests,
    site_rows,
    site_summary,
    site_tests,
    subject_improvement,
    univariate_view,
)
from auditapp.app.data._slices import (
    MAX_VOLUMES,
    ImageVolume,
    ViewerFiles,
    gallery_thumbnail,
    image_volume,
    jump_targets,
    label_regions,
    label_volume,
    missing_file_messages,
    outcome_counts,
    outcome_map,
    viewer_files,
    viewer_geometry,
    viewer_plane,
)
from auditapp.app.data._tables import (
    LEGACY_NOTICE,
    METRIC_NAMES,
    Tables,
    feature_rows,
    features,
    metric_columns,
    metric_name,
    metric_rows,
    metrics,
    metrics_with_features,
    model_feature_rows,
    models_by_set,
    models_of,
    region_means,
)

__all__ = [
    "MAX_VOLUMES", "ImageVolume", "ViewerFiles", "gallery_thumbnail", "image_volume", "jump_targets",
    "label_regions", "label_volume", "missing_file_messages", "outcome_counts", "outcome_map", "viewer_files",
    "viewer_geometry", "viewer_plane",
    "LESION_METRIC_COLUMNS", "lesion_csv_paths", "lesion_detection", "lesion_detection_by_site", "lesions",
    "subject_lesions",
    "CATEGORIES", "CONFIG_ENV", "COUNT_COLUMNS", "LEGACY_NOTICE", "METRIC_NAMES", "SESSION_CONFIG_KEY",
    "ErrorMatrixSource", "FeatureCatalog", "PairFiles", "Selection", "Sources", "Subset", "Tables",
    "aggregated_improvement", "apply_subset", "build_catalog", "cached", "catalog", "compare_models", "config_path",
    "config_path_from_argv", "density", "error_matrix_csv_path", "error_matrix_models", "error_matrix_sets",
    "error_matrix_source", "feature_correlation", "feature_rows", "features", "file_signature", "gather_counts",
    "get_config", "labels_of", "longitudinal_summary", "matrix_view", "metric_columns", "metric_name",
    "metric_rows", "metrics", "metrics_with_features", "missing_key_message", "model_feature_correlation",
    "model_feature_rows", "models_by_set", "models_of", "pair_rows", "paired_samples", "paired_test",
    "paired_tests", "read_error_matrix_csv", "site_rows", "site_summary", "site_tests", "region_means", "sequences_of", "sources", "subject_counts",
    "subject_improvement", "summed_counts", "univariate_view",
]
