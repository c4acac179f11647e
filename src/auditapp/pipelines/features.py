"""Feature extraction pipeline: config -> discovery -> per-subject features -> one CSV per dataset.

See features.md. Entry point: :func:`run_feature_extraction`.
"""

from __future__ import annotations

import math
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from loguru import logger

from auditapp.config.model import FeatureExtractionConfig, FeatureFamilies, Label, LongitudinalSpec
from auditapp.errors import (
    AuditappError, MetadataWarning, MissingFileWarning, SpacingWarning, SubjectError, os_problem,
)
from auditapp.features.columns import feature_columns, integer_columns
from auditapp.features.longitudinal import parse_longitudinal
from auditapp.features.spatial import spatial_features
from auditapp.features.statistical import statistical_features
from auditapp.features.texture import TEXTURE_NAMES, block_texture, nonzero_box, pad_box
from auditapp.features.tumor import size_labels, tumor_features
from auditapp.io import read_header, read_volume, write_csv_atomic
from auditapp.io.layout import SEG_SUFFIX, find_seg, list_subject_dirs, output_csv, sequence_files
from auditapp.io.metadata import join_metadata, read_metadata_table
from auditapp.pipelines.incremental import ResultStore, task_key
from auditapp.pipelines.runner import (
    DatasetSummary, ExtractionSummary, TaskOutcome, dataset_not_run, guard_dataset, run_tasks,
    write_failures_file,
)

__all__ = ["SubjectTask", "SubjectResult", "extract_subject", "build_table", "extract_dataset",
           "run_feature_extraction", "SEG_SUFFIX"]

Progress = Callable[[str, int, int, str], None]


@dataclass(frozen=True)
class SubjectTask:
    """Everything one worker needs for one subject (picklable)."""

    subject: str
    sequences: tuple[tuple[str, str | None], ...]  # (suffix, path or None), config order
    seg: str | None
    labels: tuple[Label, ...]
    families: FeatureFamilies
    texture_crop_padding: int = 0
    error: str | None = None  # why its folder could not be searched (the worker fails it, stage ``read``)


@dataclass(frozen=True)
class SubjectResult:
    """One subject's row and what the dataset needs to know about it."""

    subject: str
    row: dict
    has_seg: bool
    unconfigured: tuple[int, ...] = ()


def _family(task: SubjectTask, stage: str, path: str, func, *args, **kwargs):
    """Run one family on the file ``path``; an exception fails the subject with that stage, naming the file."""
    try:
        return func(*args, **kwargs)
    except AuditappError:
        raise
    except Exception as exc:  # noqa: BLE001 - one family must not stop the run
        error = SubjectError(task.subject, stage, f"{Path(path).name}: {type(exc).__name__}: {exc}", path)
        error.traceback = traceback.format_exc()
        raise error from exc


def _header(task: SubjectTask, path: str):
    try:
        return read_header(path)
    except Exception:  # noqa: BLE001 - let the full reader produce the precise message
        read_volume(path, subject=task.subject, stage="read")
        raise


def extract_subject(task: SubjectTask) -> SubjectResult:
    """Compute every enabled feature of one subject (runs in a worker).

    The headers of all needed files are read first (a few hundred bytes each) so that
    a shape mismatch fails the subject before any voxel is decoded; then each file's
    voxels are read once. Sequences are processed one at a time, so a worker holds at
    most one image volume and its temporaries.

    Raises
    ------
    SubjectError
        ``read`` (unreadable file), ``check`` (shape mismatch) or the family stage.
    """
    if task.error is not None:
        raise SubjectError(task.subject, "read", task.error)
    needed, seg_path = _needed_files(task)
    shape = _check_headers(task, needed + ([(SEG_SUFFIX, seg_path)] if seg_path else []))
    row: dict = {"ID": task.subject}
    brain_com = None
    reference_suffix = task.sequences[0][0] if task.sequences else None
    for suffix, path in needed:
        com = _sequence_features(task, suffix, path, shape, suffix == reference_suffix, row)
        brain_com = com if com is not None else brain_com
    unconfigured: tuple[int, ...] = ()
    if seg_path:
        unconfigured = _tumour_features(task, seg_path, brain_com, row)
    return SubjectResult(subject=task.subject, row=row, has_seg=seg_path is not None, unconfigured=unconfigured)


def _needed_files(task: SubjectTask) -> tuple[list[tuple[str, str]], str | None]:
    """The sequences the enabled families read, and the segmentation; a missing one is a warning."""
    fam, subject = task.families, task.subject
    need_all = fam.statistical or fam.texture
    needed: list[tuple[str, str]] = []
    for index, (suffix, path) in enumerate(task.sequences):
        if not (need_all or (index == 0 and (fam.spatial or fam.tumor))):
            continue
        if path is None:
            warnings.warn(MissingFileWarning(f"Sequence '{suffix}' for subject '{subject}' was not found",
                                             kind=f"missing {suffix}"))
            if index == 0 and (fam.spatial or fam.tumor):
                warnings.warn(MissingFileWarning(
                    f"Reference sequence '{suffix}' for subject '{subject}' is missing: spatial "
                    "and tumour location columns are empty", kind="missing reference sequence"))
            continue
        needed.append((suffix, path))
    if fam.tumor and task.seg is None:
        warnings.warn(MissingFileWarning(f"Segmentation '{SEG_SUFFIX}' for subject '{subject}' was not found",
                                         kind=f"missing {SEG_SUFFIX}"))
    return needed, task.seg if fam.tumor else None


def _check_headers(task: SubjectTask, files: list[tuple[str, str]]) -> tuple[int, ...] | None:
    """Cheap header pass: a shape mismatch fails the subject before any voxel is decoded; the common shape."""
    headers = {suffix: _header(task, path) for suffix, path in files}
    shapes = {suffix: h[0] for suffix, h in headers.items()}
    if len(set(shapes.values())) > 1:
        detail = ", ".join(f"{s} {tuple(shape)}" for s, shape in shapes.items())
        raise SubjectError(task.subject, "check", f"shape mismatch: {detail}")
    spacings = {suffix: h[1] for suffix, h in headers.items()}
    if len(set(spacings.values())) > 1:
        detail = ", ".join(f"{s} {tuple(round(v, 6) for v in sp)}" for s, sp in spacings.items())
        warnings.warn(f"Subject '{task.subject}' has different voxel spacings: {detail}", SpacingWarning)
    return next(iter(shapes.values()), None)


def _sequence_features(task: SubjectTask, suffix: str, path: str, shape: tuple[int, ...] | None, is_reference: bool,
                       row: dict) -> tuple[float, float, float] | None:
    """Add one sequence's columns to ``row``; the brain's centre of mass when it is the reference sequence."""
    fam = task.families
    volume = read_volume(path, subject=task.subject, stage="read")
    if volume.shape != shape:
        raise SubjectError(task.subject, "check", f"shape mismatch: {suffix} {volume.shape} (data) vs header", path)
    key = suffix.replace("_", "")
    data = volume.data
    # one bounding box of the non-zero voxels serves every family: positive voxels,
    # the brain centroid and the texture crop all lie inside it
    box = nonzero_box(data)
    brain_com = None
    if is_reference and (fam.spatial or fam.tumor):
        spatial = _family(task, "spatial", path, spatial_features, data, spacing=volume.spacing,
                          box=box if box is not None else tuple(slice(0, 0) for _ in data.shape))
        brain_com = tuple(spatial[f"{p}_plane_center_of_mass"] for p in ("axial", "coronal", "sagittal"))
        if fam.spatial:
            row.update(spatial)
    if fam.statistical:
        stats = _family(task, "statistical", path, statistical_features, data if box is None else data[box],
                        name=suffix)
        row.update({f"{key}_{name}": value for name, value in stats.items()})
    if fam.texture:
        if box is None:
            texture = {name: math.nan for name in TEXTURE_NAMES}
        else:
            crop = pad_box(box, task.texture_crop_padding, data.shape)
            texture = _family(task, "texture", path, block_texture, data[crop])
        row.update({f"{key}_{name}": value for name, value in texture.items()})
    return brain_com


def _tumour_features(task: SubjectTask, seg_path: str, brain_com, row: dict) -> tuple[int, ...]:
    """Add the tumour columns to ``row``; the label values found that are not configured."""
    seg = read_volume(seg_path, subject=task.subject, stage="read")
    tumor = _family(task, "tumor", seg_path, tumor_features, seg.data, spacing=seg.spacing, labels=task.labels,
                    brain_com=brain_com)
    row.update(tumor)
    expected = {f"lesion_size_{lab.key}" for lab in size_labels(task.labels)} | {"lesion_size_whole"}
    return tuple(sorted(int(c[len("lesion_size_"):]) for c in tumor
                        if c.startswith("lesion_size_") and c not in expected))


def _discover(name: str, data_path: Path, config: FeatureExtractionConfig,
              kinds: Counter) -> tuple[list[SubjectTask], str | None]:
    """The dataset's subject tasks, or no task and why the dataset cannot run (issue 11 item 1).

    A folder that cannot be searched (permission denied) is a task that fails at stage ``read``;
    a folder holding none of the expected files is skipped with a warning.
    """
    try:
        subjects, hidden = list_subject_dirs(data_path)
    except FileNotFoundError:
        return [], f"folder not found: {data_path}"
    except OSError as exc:
        return [], os_problem(exc, data_path)
    for folder in hidden:
        logger.info(f"{name}: hidden folder '{folder}' skipped")
    if not subjects:
        return [], f"no subject folder in {data_path}"
    tasks = []
    for subject in subjects:
        folder = data_path / subject
        common = dict(subject=subject, labels=tuple(config.labels), families=config.features,
                      texture_crop_padding=int(config.texture_crop_padding))
        try:
            found = sequence_files(folder, subject, config.sequences, config.formats.image)
            sequences = tuple((suffix, _as_str(path)) for suffix, path in found.items())
            seg = _as_str(find_seg(data_path, subject, config.formats.segmentation))
        except OSError as exc:
            tasks.append(SubjectTask(sequences=(), seg=None, error=os_problem(exc, folder), **common))
            continue
        if seg is None and all(path is None for _, path in sequences):
            logger.warning(f"{name}: folder '{subject}' holds none of the expected files "
                           f"({', '.join(config.sequences)}, {SEG_SUFFIX}): skipped")
            kinds["folder without expected files"] += 1
            continue
        tasks.append(SubjectTask(sequences=sequences, seg=seg, **common))
    if not tasks:
        return [], (f"none of the {len(subjects)} folder(s) holds the expected files "
                    f"({', '.join(config.sequences)}, {SEG_SUFFIX}) in {data_path}")
    return tasks, None


def _as_str(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _log_captured(name: str, caught, kinds: Counter) -> None:
    for w in caught:
        kinds[getattr(w.message, "kind", "other")] += 1
        logger.warning(f"{name}: {w.message}")


def _task_files(task: SubjectTask) -> list[str | None]:
    return [path for _, path in task.sequences] + [task.seg]


def _to_record(outcome: TaskOutcome) -> dict:
    result: SubjectResult = outcome.result
    return {"row": result.row, "has_seg": result.has_seg, "unconfigured": list(result.unconfigured),
            "warnings": [list(w) for w in outcome.warnings]}


def _from_record(subject: str, record: dict) -> SubjectResult:
    return SubjectResult(subject=subject, row=record["row"], has_seg=record["has_seg"],
                         unconfigured=tuple(record["unconfigured"]))


def _split_reused(name: str, tasks: list[SubjectTask], store: ResultStore, log_warnings
                  ) -> tuple[list[SubjectTask], dict[str, str]]:
    """(tasks to compute, key of every subject); reused subjects' warnings are logged again."""
    todo, keys = [], {}
    for task in tasks:
        keys[task.subject] = key = task_key(task, _task_files(task))
        record = store.lookup(task.subject, key)
        if record is None:
            todo.append(task)
        else:
            log_warnings(task.subject, record["warnings"])
    n_reused = len(tasks) - len(todo)
    logger.info(f"{name}: {n_reused} of {len(tasks)} subjects reused from the previous run "
                f"(unchanged files and settings, {store.manifest.name}), {len(todo)} to compute")
    return todo, keys


def build_table(
    results: list[SubjectResult],
    config: FeatureExtractionConfig,
    *,
    longitudinal: LongitudinalSpec | None = None,
) -> pd.DataFrame:
    """The dataset table: rows sorted by ID, columns in the order of features.md §5, typed for the CSV."""
    results = sorted(results, key=lambda r: r.subject)
    unconfigured = sorted({v for r in results for v in r.unconfigured})
    columns = feature_columns(config.sequences, config.labels, config.features, unconfigured)
    rows = []
    for r in results:
        row = dict(r.row)
        if config.features.tumor and r.has_seg:
            for v in unconfigured:
                row.setdefault(f"lesion_size_{v}", 0)
        rows.append(row)
    body = [c for c in columns if c not in ("ID", "longitudinal_id", "time_point")]
    frame = pd.DataFrame({
        "ID": pd.Series([r["ID"] for r in rows], dtype=object),
        **{c: pd.Series([row.get(c, math.nan) for row in rows], dtype=np.float64) for c in body},
    })
    long_ids, times = parse_longitudinal(frame["ID"].tolist(), longitudinal)
    frame["longitudinal_id"] = pd.Series(long_ids, dtype=object)
    frame["time_point"] = pd.Series(times, dtype=np.int64)
    for col in integer_columns(columns):
        frame[col] = frame[col].round().astype("Int64") if col != "time_point" else frame[col].astype("Int64")
    return frame[columns]


def extract_dataset(
    name: str,
    data_path: Path,
    config: FeatureExtractionConfig,
    *,
    progress: Progress | None = None,
    force: bool = False,
) -> DatasetSummary:
    """Extract, write and summarise one dataset (``data_paths[name]``).

    Subjects whose files and settings are unchanged since the last run are taken from the
    manifest next to the CSV (:mod:`auditapp.pipelines.incremental`) unless ``force``.
    """
    start = time.perf_counter()
    output_path = Path(config.output_path)
    output_path.mkdir(parents=True, exist_ok=True)
    kinds: Counter = Counter()
    logger.info(f"Starting feature extraction for {name}")
    tasks, not_run = _discover(name, Path(data_path), config, kinds)
    if not_run is not None:
        return dataset_not_run(name, not_run, start)
    csv_path = output_csv(output_path, "features", name)
    store = ResultStore(csv_path, force=force)
    log_warnings = _WarningLog(name, kinds)
    tasks, keys = _split_reused(name, tasks, store, log_warnings)
    if progress is not None:
        progress(name, 0, len(tasks), "")

    def on_outcome(outcome: TaskOutcome, done: int, total: int) -> None:
        subject = outcome.task.subject
        log_warnings(subject, outcome.warnings)
        if outcome.ok:
            logger.info(f"{name}: {subject} extracted in {outcome.seconds:.2f} s")
            store.add(subject, keys[subject], _to_record(outcome))
        else:
            failure = outcome.failure
            logger.error(f"{name}: {subject} failed ({failure.stage}): {failure.error}")
            if failure.traceback:
                logger.debug(f"{name}: {subject} traceback:\n{failure.traceback}")
        if progress is not None:
            progress(name, done, total, subject)

    try:
        result = run_tasks(extract_subject, tasks, n_jobs=config.cpu_cores, parallel=config.parallel,
                           on_outcome=on_outcome, keep_results=False)
    finally:
        store.flush()  # an interrupted run resumes from every subject finished so far
    frame = _dataset_table(name, store, config, kinds)
    write_csv_atomic(frame, csv_path)
    store.finish()
    failures_path = write_failures_file(result.failures, output_csv(output_path, "failures", name))
    seconds = time.perf_counter() - start
    summary = DatasetSummary(
        name=name, output=str(csv_path), n_written=len(frame), n_failed=result.n_failed,
        failures_file=None if failures_path is None else str(failures_path), seconds=seconds,
        warning_counts=dict(sorted(kinds.items())),
    )
    warn_text = ", ".join(f"{k}: {v}" for k, v in summary.warning_counts.items()) or "none"
    logger.info(f"{name}: {summary.n_written} subjects written, {summary.n_failed} failed, "
                f"warnings: {warn_text}, {seconds:.1f} s -> {csv_path}")
    return summary


class _WarningLog:
    """Log a subject's warnings under the dataset's name and count them by kind."""

    def __init__(self, name: str, kinds: Counter):
        self.name, self.kinds = name, kinds

    def __call__(self, subject: str, warned) -> None:
        for kind, message in warned:  # (kind, message) pairs: Warned, or lists read back from the manifest
            self.kinds[kind] += 1
            named = f"'{subject}'" in message
            logger.warning(f"{self.name}: {message}" if named else f"{self.name}: {subject}: {message}")


def _dataset_table(name: str, store: ResultStore, config: FeatureExtractionConfig, kinds: Counter) -> pd.DataFrame:
    """Every subject's row read back from the store (computed ones were streamed to its parts), sorted, with the
    longitudinal and metadata columns; warnings raised meanwhile are logged and counted."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        stored = [_from_record(subject, record) for subject, record in store.records()]
        frame = build_table(stored, config, longitudinal=config.longitudinal.get(name))
        for source in config.metadata.get(name, ()):
            try:
                table = read_metadata_table(source.path, sheet=source.sheet, id_column=source.id_column)
                frame = join_metadata(frame, table, meta_on=source.id_column, name=source.name)
            except (OSError, ValueError) as exc:
                warnings.warn(f"metadata '{source.name}' skipped: {exc}", MetadataWarning)
    _log_captured(name, caught, kinds)
    return frame


def run_feature_extraction(config: FeatureExtractionConfig, *, progress: Progress | None = None,
                           force: bool = False) -> ExtractionSummary:
    """Extract features for every dataset of ``config`` (in config order).

    Parameters
    ----------
    config : FeatureExtractionConfig
        Validated configuration.
    progress : callable, optional
        ``progress(dataset_name, done, total, current_subject)`` after each computed subject.
    force : bool
        Recompute every subject instead of reusing unchanged ones from the previous run.

    Returns
    -------
    ExtractionSummary
        One :class:`~auditapp.pipelines.runner.DatasetSummary` per dataset; ``exit_code`` is 3
        when any subject failed. A dataset that cannot be processed never stops the next.
    """
    summaries = []
    for name, data_path in config.data_paths.items():
        summaries.append(guard_dataset(
            name, lambda: extract_dataset(name, Path(data_path), config, progress=progress, force=force)))
    return ExtractionSummary(datasets=tuple(summaries))
