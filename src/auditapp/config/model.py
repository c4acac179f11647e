"""Typed configs: frozen dataclasses that are also the declarative schema of the three config files.

A field's annotation is what its YAML key accepts (a pydantic type or a check of
:mod:`auditapp.config._checks`) and its description the ``expected`` part of its messages; a field
without default is required. Constructing the classes directly does no validation. Keys: docs/config.md.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Optional

from pydantic import AfterValidator, BeforeValidator, Field, Strict

from auditapp.config import _checks as c
from auditapp.config._checks import leaf, sequence_key
from auditapp.metrics.distances import HD95_CONVENTIONS
from auditapp.metrics.lesion_wise import CONVENTIONS, TASKS, LesionWiseOptions
from auditapp.metrics.registry import ALL_METRICS, EXTRA_METRICS, REFERENCE_METRICS  # the metric catalogue

__all__ = [
    "Label", "Formats", "LesionWise", "ParallelConfig", "FeatureFamilies", "LongitudinalSpec", "MetadataSource",
    "FeatureExtractionConfig", "MetricExtractionConfig", "AppMetadataSource", "ViewerConfig", "AppConfig",
    "REFERENCE_METRICS", "EXTRA_METRICS", "ALL_METRICS", "sequence_key",
]


def typed(tp: Any, expected: str, *validators: Any, **constraints: Any) -> Any:
    """``tp`` with pydantic validators and constraints; ``expected`` describes it in messages."""
    return Annotated[(tp, *validators, Field(description=expected, **constraints))]


def number(expected: str, **bounds: Any) -> Any:
    """A number field (:func:`auditapp.config._checks.number`) described by ``expected``."""
    return leaf(c.number, expected, **bounds)


def choice(expected: str, *options: Any, **unsupported: str) -> Any:
    """One of ``options``, case-insensitive; ``unsupported`` values are out of scope."""
    return leaf(c.choice, expected, options=options, unsupported=unsupported)


NIFTI = (".nii.gz", ".nii")
Key = Annotated[str, BeforeValidator(str)]
Bool = typed(bool, "expected true or false", Strict())
Text = typed(str, "expected a non-empty text value", Strict(), min_length=1)
Sequences = typed(tuple[Text, ...], "expected a non-empty list of file-name suffixes such as [_t1, _t2, _t1ce, _flair]",
                  AfterValidator(c.sequences), min_length=1)
Modality = choice("expected MRI (the only modality of this version)", "MRI", us="the ultrasound modality")
Output = leaf(c.path, "expected the folder where the CSV files are written")
Folder = leaf(c.path, kind="dir")
Index = "expected the 0-based index of the piece holding the {} (integer >= 0)"
_int_as_text = BeforeValidator(lambda v: str(v) if type(v) is int else v)  # a YAML key or name such as 2024
Internal = Annotated[Any, Field(json_schema_extra={"internal": True})]  # set by the loader, not a YAML key


def _name(what: str) -> Any:
    """A ``what`` that becomes part of a file name: a text (or an integer) without ``/`` or ``\\``."""
    return typed(str, f"expected a {what} without '/' or '\\\\'", _int_as_text, Strict(), min_length=1,
                 pattern=re.compile(r"^(?!\.\.?$)[^/\\]+$"))


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


Labels = leaf(c.labels, "expected a mapping of label name -> value, e.g. {BKG: 0, ET: 3}", cls=Label)


@dataclass(frozen=True)
class Formats:
    """File extensions to try, in order, per kind of file."""

    image: leaf(c.extensions, c.EXPECT_FORMAT) = NIFTI
    segmentation: leaf(c.extensions, c.EXPECT_FORMAT) = NIFTI
    prediction: leaf(c.extensions, c.EXPECT_FORMAT) = NIFTI


FormatsKey = typed(Formats, "expected a format such as .nii.gz, or a mapping with image, segmentation, prediction",
                   BeforeValidator(c.formats))


@dataclass(frozen=True)
class ParallelConfig:
    """joblib backend: ``loky`` (processes, default) or ``dask`` (optional scheduler address)."""

    backend: choice("expected loky or dask", "loky", "dask") = "loky"
    scheduler: typed(Text, "expected the address of a Dask scheduler such as 'tcp://host:8786'") = None


@dataclass(frozen=True)
class FeatureFamilies:
    statistical: Bool = True
    texture: Bool = True
    spatial: Bool = True
    tumor: Bool = True


@dataclass(frozen=True)
class LongitudinalSpec:
    """Split an ID on ``pattern``; piece ``longitudinal_id`` and piece ``time_point``."""

    pattern: typed(Text, "expected the separator text (one character is literal, longer is a regular expression)",
                   AfterValidator(c.pattern)) = "_"
    longitudinal_id: number(Index.format("patient ID"), integer=True) = 1
    time_point: number(Index.format("time point"), integer=True) = 2


@dataclass(frozen=True)
class MetadataSource:
    """One metadata file joined onto a dataset's features on ``id_column``."""

    name: Internal
    path: leaf(c.spreadsheet, "expected the metadata file (.csv, .tsv, .xlsx, .xls)")
    id_column: typed(Text, "expected a column name") = "ID"
    sheet: leaf(c.sheet, "expected a sheet name or a 0-based sheet index") = 0


_LW = LesionWiseOptions  # the defaults live there (None: the convention's per-task value, via lesion_rule)


@dataclass(frozen=True)
class LesionWise(LesionWiseOptions):
    """The ``lesion_wise:`` block of metric_extraction.yaml: :class:`LesionWiseOptions` with its YAML schema."""

    convention: choice("expected brats2023, brats2024 or matching", *CONVENTIONS) = _LW.convention
    task: choice("expected a BraTS task: GLI, SSA, MEN, MET or PED", *TASKS) = _LW.task
    dilation: number("expected the number of dilation iterations (integer >= 0)", integer=True) = None
    min_size: leaf(c.min_sizes, "expected a number of mm3 >= 0, or a mapping region name -> mm3 (\"*\": the other "
                   "regions)") = None
    penalty_hd95: number("expected a number of mm >= 0") = None
    hd95_convention: choice("expected directed_max or pooled", *HD95_CONVENTIONS) = _LW.hd95_convention
    connectivity: choice("expected 6, 18 or 26", 6, 18, 26) = _LW.connectivity
    match_metric: choice("expected iou or dice", "iou", "dice") = _LW.match_metric
    match_threshold: number("expected a number in [0, 1)", below=1.0) = _LW.match_threshold
    per_lesion_table: Bool = _LW.per_lesion_table
    join_tissues: Optional[Bool] = None


@dataclass(frozen=True, kw_only=True)
class _Run:
    """The keys both extraction configs share; ``logs_path`` defaults to ``<output_path>/logs``."""

    logs_path: Output = None
    formats: FormatsKey = Formats()
    cpu_cores: leaf(c.cpu_cores) = field(default_factory=lambda: os.cpu_count() or 1)
    parallel: typed(ParallelConfig, "expected a mapping {backend: loky | dask, scheduler: 'tcp://host:port'}",
                    AfterValidator(c.parallel)) = ParallelConfig()
    logger: choice("expected a log level: DEBUG, INFO, SUCCESS, WARNING or ERROR",
                   "TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL") = "WARNING"
    modality: Modality = "MRI"
    source: Internal = None  # the config file, when loaded from one
    resolved: Internal = field(default_factory=dict)  # the resolved plain config, for the log file

    def __post_init__(self) -> None:
        if self.logs_path is None:
            object.__setattr__(self, "logs_path", Path(self.output_path) / "logs")


@dataclass(frozen=True)
class FeatureExtractionConfig(_Run):
    data_paths: typed(dict[_name("dataset name"), Folder], "expected a mapping of dataset name -> folder of subjects",
                      min_length=1)
    output_path: Output
    sequences: Sequences
    labels: Labels
    features: typed(FeatureFamilies, "expected a mapping of family -> true/false (statistical, texture, spatial, "
                    "tumor)", BeforeValidator(c.families)) = FeatureFamilies()
    texture_crop_padding: number("expected an integer >= 0 (0 = reference 0.2.0, 1 = published CSVs)",
                                 integer=True) = 0
    longitudinal: typed(dict[Key, LongitudinalSpec], "expected a mapping of dataset name -> {pattern, "
                        "longitudinal_id, time_point}", BeforeValidator(c.longitudinal)) = field(default_factory=dict)
    metadata: typed(dict[Key, typed(dict[Key, MetadataSource], "expected a mapping of metadata name -> file path or "
                                    "{path, id_column, sheet}")],
                    "expected a mapping of dataset name -> {name: file path or {path, id_column, sheet}}",
                    BeforeValidator(c.metadata_files), AfterValidator(c.existing_sources)) = field(default_factory=dict)


@dataclass(frozen=True)
class MetricExtractionConfig(_Run):
    data_path: leaf(c.path, "expected the folder of ground-truth subjects", kind="dir")
    model_predictions_paths: typed(dict[_name("model name"), Folder], "expected a mapping of model name -> folder of "
                                   "predictions", min_length=1)
    output_path: Output
    filename: typed(_name("name"), "expected a name without '/' or '\\\\': the output is "
                    "extracted_information_<filename>.csv")
    labels: leaf(c.labels, "expected a mapping of label name -> value, e.g. {BKG: 0, ET: 3}", cls=Label, regions=True)
    backend: choice("expected audit; the audit back end provides hd95, assd, nsd, volume_similarity and gt_size",
                    "audit", pymia="back end", metricsreloaded="back end") = "audit"
    metrics: leaf(c.metrics, "expected a mapping of metric name -> true/false") = REFERENCE_METRICS  # enabled
    nsd_tolerance: number("expected a number > 0 (millimetres)", minimum=None, above=0) = 1.0
    lesion_wise: typed(LesionWise, "expected a mapping {convention, task, dilation, min_size, penalty_hd95, "
                       "hd95_convention, connectivity, match_metric, match_threshold, per_lesion_table, join_tissues}") \
        = LesionWise()
    save_error_matrix: Bool = True


@dataclass(frozen=True)
class AppMetadataSource:
    """A metadata spreadsheet joined onto features and metrics in the dashboard."""

    file: leaf(c.spreadsheet, "expected the metadata spreadsheet (.csv, .tsv, .xlsx, .xls)")
    sheet: leaf(c.sheet, "expected a sheet name or a 0-based sheet index") = 0
    id_column: typed(Text, "expected a column name") = "ID"
    id_rewrite: typed(tuple[leaf(c.pair, "expected a pair [old, new] of texts (old not empty)"), ...],
                      "expected a list of [old, new] pairs, e.g. [[\"BraTS-GLI\", \"{Site}\"]]") = ()
    columns: leaf(c.columns, "expected a list of column names") = None  # None = all columns


@dataclass(frozen=True)
class ViewerConfig:
    itksnap: typed(Text, "expected the itksnap command or its path", AfterValidator(c.command)) = "itksnap"
    main_sequence: typed(Text, "expected a sequence suffix such as _t1ce") = "_t1ce"
    prediction_layer: choice("expected overlay or segmentation", "overlay", "segmentation") = "overlay"


def _files(what: str, kind: str = "file?") -> Any:
    """A mapping dataset name -> ``what``; a missing one is a warning."""
    return typed(dict[Key, Optional[leaf(c.path, kind=kind)]], f"expected a mapping of dataset name -> {what}")


@dataclass(frozen=True)
class AppConfig:
    """``app.yaml``; missing files and folders are not errors but ``warnings``."""

    features: _files("feature CSV (extracted_information_<dataset>.csv)") = field(default_factory=dict)
    metrics: _files("metric CSV (extracted_information_<filename>.csv)") = field(default_factory=dict)
    raw_datasets: _files("folder of subjects", "dir?") = field(default_factory=dict)
    predictions: typed(dict[Key, Optional[typed(dict[Key, Optional[leaf(c.path, kind="dir?")]], "expected a mapping "
                                                "of model name -> folder of predictions")]],
                       "expected a mapping of dataset name -> {model name -> folder of predictions}") \
        = field(default_factory=dict)
    error_matrices: _files("error-matrix CSV") = field(default_factory=dict)
    datasets_path: leaf(c.path, "expected a path (text)", kind="dir?") = None
    labels: Labels = None  # None = infer from lesion_size_* columns
    sequences: Sequences = None  # None = infer from <key>_max_intensity columns
    metadata_cols: typed(tuple[Text, ...], "expected a list of column names of the feature CSVs") = ()
    metadata: typed(tuple[AppMetadataSource, ...], "expected a mapping {file, id_column, sheet, id_rewrite, columns} "
                    "or a list of them", BeforeValidator(c.one_or_many)) = ()
    label_colors: typed(dict[Key, leaf(c.color, "expected '#rrggbb' or [r, g, b] with values 0-255")],
                        "expected a mapping of label name -> '#rrggbb' or [r, g, b] (0-255)",
                        AfterValidator(c.known_labels)) = field(default_factory=dict)
    viewer: typed(ViewerConfig, "expected a mapping {itksnap, main_sequence, prediction_layer}") = ViewerConfig()
    formats: FormatsKey = Formats()
    modality: Modality = "MRI"
    source: Internal = None
    warnings: Internal = ()  # missing files and folders: shown at start and on the pages
    resolved: Internal = field(default_factory=dict)  # the resolved plain config, for the log
