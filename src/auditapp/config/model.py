"""Typed configs: frozen dataclasses that are also the declarative schema of the three config files.

Each field's annotation says what its YAML key accepts (a check of :mod:`auditapp.config._types`
and the ``expected`` text of its error messages); a field without default is required. The
loader validates the resolved YAML with pydantic straight into these classes, so code after the
loader receives them, never ``DictConfig`` or raw dicts. Constructing them directly (tests,
library use) does no validation. A new nested block is a dataclass plus one field.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Optional

from pydantic import AfterValidator, BeforeValidator, Field

from auditapp.config import _types as t
from auditapp.config._types import leaf, sequence_key
from auditapp.metrics.distances import HD95_CONVENTIONS
from auditapp.metrics.lesion_wise import CONVENTIONS, TASKS, LesionWiseOptions
from auditapp.metrics.registry import ALL_METRICS, EXTRA_METRICS, REFERENCE_METRICS  # the metric catalogue

__all__ = [
    "Label", "Formats", "LesionWise", "ParallelConfig", "FeatureFamilies", "LongitudinalSpec", "MetadataSource",
    "FeatureExtractionConfig", "MetricExtractionConfig", "AppMetadataSource", "ViewerConfig", "AppConfig",
    "REFERENCE_METRICS", "EXTRA_METRICS", "ALL_METRICS", "sequence_key",
]

NIFTI = (".nii.gz", ".nii")
Key = Annotated[str, BeforeValidator(str)]
Bool = leaf(t.boolean, "expected true or false")
Text = leaf(t.text, "expected a column name")
OutDir = leaf(t.path, "expected the folder where the CSV files are written")
AnyPath = leaf(t.path, "expected a path (text)", kind="any")
Sheet = leaf(t.sheet, "expected a sheet name or a 0-based sheet index")
Sequences = leaf(t.sequences, "expected a non-empty list of file-name suffixes such as [_t1, _t2, _t1ce, _flair]")
Modality = leaf(t.modality)
CpuCores = leaf(t.cpu_cores)
Logger = leaf(t.choice, "expected a log level: DEBUG, INFO, SUCCESS, WARNING or ERROR",
              options=("TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"))
Index = "expected the 0-based index of the piece holding the {} (integer >= 0)"
Internal = Annotated[Any, Field(json_schema_extra={"internal": True})]  # set by the loader, not a YAML key


def _mapping(tp: Any, expected: str, *validators: Any) -> Any:
    return Annotated[(tp, *validators, Field(description=expected))]


@dataclass(frozen=True)
class Label:
    """One configured label: ``name`` -> one value (``(3,)``) or, when ``composite``, a union of values."""

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


Labels = leaf(t.labels, "expected a mapping of label name -> value, e.g. {BKG: 0, ET: 3}", cls=Label)


@dataclass(frozen=True)
class Formats:
    """File extensions to try, in order, per kind of file (config.md §1.5)."""

    image: leaf(t.extensions, t.EXPECT_FORMAT) = NIFTI
    segmentation: leaf(t.extensions, t.EXPECT_FORMAT) = NIFTI
    prediction: leaf(t.extensions, t.EXPECT_FORMAT) = NIFTI


@dataclass(frozen=True)
class ParallelConfig:
    """joblib backend: ``loky`` (processes, default) or ``dask`` (optional scheduler address)."""

    backend: leaf(t.choice, "expected loky or dask", options=("loky", "dask")) = "loky"
    scheduler: leaf(t.text, "expected the address of a Dask scheduler such as 'tcp://host:8786'") = None


@dataclass(frozen=True)
class FeatureFamilies:
    statistical: Bool = True
    texture: Bool = True
    spatial: Bool = True
    tumor: Bool = True


@dataclass(frozen=True)
class LongitudinalSpec:
    """Split an ID on ``pattern``; piece ``longitudinal_id`` and piece ``time_point``."""

    pattern: leaf(t.pattern, "expected the separator text (one character is literal, longer is a regular "
                             "expression)") = "_"
    longitudinal_id: leaf(t.integer, Index.format("patient ID"), minimum=0) = 1
    time_point: leaf(t.integer, Index.format("time point"), minimum=0) = 2


@dataclass(frozen=True)
class MetadataSource:
    """One metadata file joined onto a dataset's features on ``id_column``."""

    name: str
    path: Path
    id_column: str = "ID"
    sheet: int | str = 0


_LW = LesionWiseOptions  # the defaults live there (None: the convention's per-task value, via lesion_rule)


@dataclass(frozen=True)
class LesionWise(LesionWiseOptions):
    """The ``lesion_wise:`` block of metric_extraction.yaml: :class:`LesionWiseOptions` with its YAML schema."""

    convention: leaf(t.choice, "expected brats2023, brats2024 or matching", options=CONVENTIONS) = _LW.convention
    task: leaf(t.choice, "expected a BraTS task: GLI, SSA, MEN, MET or PED", options=TASKS) = _LW.task
    dilation: leaf(t.integer, "expected the number of dilation iterations (integer >= 0)", minimum=0) = None
    min_size: leaf(t.min_sizes, "expected a number of mm3 >= 0, or a mapping region name -> mm3 (\"*\": the other "
                   "regions)") = None
    penalty_hd95: leaf(t.number, "expected a number of mm >= 0") = None
    hd95_convention: leaf(t.choice, "expected directed_max or pooled", options=HD95_CONVENTIONS) = _LW.hd95_convention
    connectivity: leaf(t.int_choice, "expected 6, 18 or 26", options=(6, 18, 26)) = _LW.connectivity
    match_metric: leaf(t.choice, "expected iou or dice", options=("iou", "dice")) = _LW.match_metric
    match_threshold: leaf(t.number, "expected a number in [0, 1)", below=1.0) = _LW.match_threshold
    per_lesion_table: Bool = _LW.per_lesion_table


def _default_cores() -> int:
    return os.cpu_count() or 1


FormatsKey = _mapping(Formats, "expected a format such as .nii.gz, or a mapping with image, segmentation, prediction",
                      BeforeValidator(t.formats))
Parallel = _mapping(ParallelConfig, "expected a mapping {backend: loky | dask, scheduler: 'tcp://host:port'}",
                    AfterValidator(t.parallel))


@dataclass(frozen=True)
class _Paths:
    """``logs_path`` defaults to ``<output_path>/logs``."""

    def __post_init__(self) -> None:
        if self.logs_path is None:
            object.__setattr__(self, "logs_path", Path(self.output_path) / "logs")


@dataclass(frozen=True)
class FeatureExtractionConfig(_Paths):
    data_paths: leaf(t.named_dirs, "expected a mapping of dataset name -> folder of subjects", what="dataset name")
    output_path: OutDir
    sequences: Sequences
    labels: Labels
    logs_path: OutDir = None
    features: _mapping(FeatureFamilies, "expected a mapping of family -> true/false (statistical, texture, "
                                        "spatial, tumor)", BeforeValidator(t.families)) = FeatureFamilies()
    texture_crop_padding: leaf(t.integer, "expected an integer >= 0 (0 = reference 0.2.0, 1 = published CSVs)",
                               minimum=0) = 0
    formats: FormatsKey = Formats()
    longitudinal: _mapping(dict[Key, LongitudinalSpec], "expected a mapping of dataset name -> {pattern, "
                           "longitudinal_id, time_point}", BeforeValidator(t.longitudinal)) = field(default_factory=dict)
    metadata: leaf(t.feature_metadata, "expected a mapping of dataset name -> {name: file path or {path, id_column, "
                   "sheet}}", cls=MetadataSource) = field(default_factory=dict)
    cpu_cores: CpuCores = field(default_factory=_default_cores)
    parallel: Parallel = ParallelConfig()
    logger: Logger = "WARNING"
    modality: Modality = "MRI"
    source: Internal = None  # the config file, when loaded from one
    resolved: Internal = field(default_factory=dict)  # the resolved plain config, for the log file


@dataclass(frozen=True)
class MetricExtractionConfig(_Paths):
    data_path: leaf(t.path, "expected the folder of ground-truth subjects", kind="dir")
    model_predictions_paths: leaf(t.named_dirs, "expected a mapping of model name -> folder of predictions",
                                  what="model name")
    output_path: OutDir
    filename: leaf(t.name, "expected a name: the output is extracted_information_<filename>.csv",
                   what="name for extracted_information_<filename>.csv")
    labels: leaf(t.labels, "expected a mapping of label name -> value, e.g. {BKG: 0, ET: 3}", cls=Label, regions=True)
    logs_path: OutDir = None
    backend: leaf(t.backend) = "audit"
    metrics: leaf(t.metrics, "expected a mapping of metric name -> true/false") = REFERENCE_METRICS  # canonical, enabled
    nsd_tolerance: leaf(t.positive, "expected a number > 0 (millimetres)") = 1.0
    lesion_wise: _mapping(LesionWise, "expected a mapping {convention, task, dilation, min_size, penalty_hd95, "
                          "hd95_convention, connectivity, match_metric, match_threshold, per_lesion_table}") \
        = LesionWise()
    save_error_matrix: Bool = True
    formats: FormatsKey = Formats()
    cpu_cores: CpuCores = field(default_factory=_default_cores)
    parallel: Parallel = ParallelConfig()
    logger: Logger = "WARNING"
    modality: Modality = "MRI"
    source: Internal = None
    resolved: Internal = field(default_factory=dict)


@dataclass(frozen=True)
class AppMetadataSource:
    """A metadata spreadsheet joined onto features and metrics in the dashboard."""

    file: leaf(t.spreadsheet, "expected the metadata spreadsheet (.csv, .tsv, .xlsx, .xls)")
    sheet: Sheet = 0
    id_column: Text = "ID"
    id_rewrite: leaf(t.rewrite, "expected a list of [old, new] pairs, e.g. [[\"BraTS-GLI\", \"{Site}\"]]") = ()
    columns: leaf(t.columns, "expected a list of column names") = None  # None = all columns


@dataclass(frozen=True)
class ViewerConfig:
    itksnap: leaf(t.command, "expected the itksnap command or its path") = "itksnap"
    main_sequence: leaf(t.text, "expected a sequence suffix such as _t1ce") = "_t1ce"
    prediction_layer: leaf(t.choice, "expected overlay or segmentation", options=("overlay", "segmentation")) \
        = "overlay"


def _files(what: str) -> Any:
    return _mapping(dict[Key, Optional[AnyPath]], f"expected a mapping of dataset name -> {what}")


@dataclass(frozen=True)
class AppConfig:
    """``app.yaml``; missing files and folders are not errors but ``warnings`` (config.md §4)."""

    features: _files("feature CSV (extracted_information_<dataset>.csv)") = field(default_factory=dict)
    metrics: _files("metric CSV (extracted_information_<filename>.csv)") = field(default_factory=dict)
    raw_datasets: _files("folder of subjects") = field(default_factory=dict)
    predictions: _mapping(dict[Key, Optional[_mapping(dict[Key, Optional[AnyPath]], "expected a mapping of model "
                                                      "name -> folder of predictions")]],
                          "expected a mapping of dataset name -> {model name -> folder of predictions}") \
        = field(default_factory=dict)
    error_matrices: _files("error-matrix CSV") = field(default_factory=dict)
    datasets_path: AnyPath = None
    labels: Labels = None  # None = infer from lesion_size_* columns
    sequences: Sequences = None  # None = infer from <key>_max_intensity columns
    metadata_cols: leaf(t.text_list, "expected a list of column names of the feature CSVs") = ()
    metadata: _mapping(tuple[AppMetadataSource, ...], "expected a mapping {file, id_column, sheet, id_rewrite, "
                       "columns} or a list of them", BeforeValidator(t.one_or_many)) = ()
    label_colors: leaf(t.colors, "expected a mapping of label name -> '#rrggbb' or [r, g, b] (0-255)") \
        = field(default_factory=dict)
    viewer: _mapping(ViewerConfig, "expected a mapping {itksnap, main_sequence, prediction_layer}") = ViewerConfig()
    formats: FormatsKey = Formats()
    modality: Modality = "MRI"
    source: Internal = None
    warnings: Internal = ()  # missing files/folders: shown at start and on the pages
    resolved: Internal = field(default_factory=dict)  # the resolved plain config, for the log
