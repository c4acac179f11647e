"""Metric extraction: config -> discovery -> per-subject evaluation of every model -> CSV.

One work unit is one subject: its ground truth is read once, then each model's
prediction is read and evaluated (every region, every enabled metric, and the joint
value counts of the error-matrix side output). A failing pair (missing or corrupt
file, shape or spacing mismatch) is reported on its own; every other pair is written.
"""

from __future__ import annotations

import itertools
import math
import time
import traceback
import warnings
from array import array
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from loguru import logger

from auditapp.config.model import MetricExtractionConfig
from auditapp.errors import SubjectError, os_problem
from auditapp.io import read_volume, write_columns_atomic, write_csv_atomic
from auditapp.io.layout import (
    count_unmatched_predictions,
    first_existing,
    list_subject_dirs,
    nifti_extensions,
    output_csv,
    prediction_candidates,
    seg_candidates,
)
from auditapp.metrics.counts import NON_INTEGRAL
from auditapp.metrics.lesion_wise import (
    LESION_METRICS,
    LESION_TABLE_COLUMNS,
    LesionRule,
    SubjectLesions,
    evaluate_pair_lesions,
)
from auditapp.metrics.regions import Region, regions_from_labels, unconfigured_values
from auditapp.metrics.registry import (
    METRICS,
    GroundTruthGeometry,
    PairEvaluation,
    evaluate_pair,
    expand_metric_names,
    output_columns,
)
from auditapp.pipelines.incremental import ResultStore, task_key
from auditapp.pipelines.runner import (
    DatasetSummary, ExtractionSummary, Failure, TaskOutcome, dataset_not_run, guard_dataset, run_tasks,
    write_failures_file,
)

__all__ = [
    "run_metric_extraction",
    "discover_pairs",
    "SubjectTask",
    "ModelInput",
    "evaluate_subject",
    "ERROR_MATRIX_COLUMNS",
    "LESION_TABLE_HEADER",
]

ERROR_MATRIX_COLUMNS = ["ID", "model", "gt_value", "pred_value", "count"]
#: Columns of ``lesions_<filename>.csv`` (metric extraction with ``lesion_wise.per_lesion_table``).
LESION_TABLE_HEADER = ["ID", "model", "region", *LESION_TABLE_COLUMNS]

Progress = Callable[[str, int, int, str], None]

# --------------------------------------------------------------------------- tasks


@dataclass(frozen=True)
class ModelInput:
    """One model's prediction for a subject: the file found (or None) and the paths tried."""

    model: str
    path: str | None
    tried: tuple[str, ...]


@dataclass(frozen=True)
class SubjectTask:
    """Everything a worker needs to evaluate one subject against every model."""

    subject: str
    gt_path: str | None
    gt_tried: tuple[str, ...]
    models: tuple[ModelInput, ...]
    regions: tuple[Region, ...]
    metrics: tuple[str, ...]
    nsd_tolerance: float
    configured_values: tuple[int, ...]
    error: str | None = None  # why its folder could not be searched (every pair fails, stage ``read ground truth``)
    lesion_rules: dict[str, LesionRule] | None = None  # per region name, when lesion-wise metrics are on
    lesion_table: bool = False


@dataclass(frozen=True)
class PairResult:
    """Rows and side outputs of one successful subject/model pair."""

    model: str
    rows: tuple[dict, ...]
    cells: tuple[tuple[int, int, int], ...]
    unconfigured_gt: tuple[int, ...]
    unconfigured_pred: tuple[int, ...]
    warnings: tuple[str, ...]
    seconds: float
    lesions: tuple[dict, ...] = ()


@dataclass(frozen=True)
class SubjectResult:
    """What a worker returns for one subject: successful pairs and per-pair failures."""

    subject: str
    pairs: tuple[PairResult, ...]
    failures: tuple[Failure, ...]
    warnings: tuple[str, ...] = ()
    read_seconds: float = 0.0


def discover_pairs(config: MetricExtractionConfig) -> tuple[list[SubjectTask], list[str], list[str], str | None]:
    """Find subjects, their ground truth and every model's prediction.

    Returns
    -------
    tasks : list of SubjectTask
        One per subject (sorted by ID), models in config order. A subject folder that cannot
        be searched (permission denied) is a task whose pairs all fail.
    hidden : list of str
        Sub-folders skipped because they start with ``.``.
    stray : list of str
        Sub-folders skipped because they hold no ground truth and no model has a prediction for them.
    not_run : str or None
        Why the dataset cannot run (``data_path`` missing, unreadable, or without subject), else None.
    """
    data_path = Path(config.data_path)
    try:
        subjects, hidden = list_subject_dirs(data_path)
    except FileNotFoundError:
        return [], [], [], f"folder not found: {data_path}"
    except OSError as exc:
        return [], [], [], os_problem(exc, data_path)
    seg_ext = nifti_extensions(config.formats.segmentation)
    pred_ext = nifti_extensions(config.formats.prediction)
    regions = regions_from_labels(config.labels)
    metrics = expand_metric_names(config.metrics)  # lesion_counts -> its columns
    configured = tuple(sorted({v for r in regions for v in r.values}))
    # the lesion rules are part of each task, hence of its incremental key: changing an option recomputes
    lesion_on = any(METRICS[m].kind == "lesion" for m in metrics)
    lesion_rules = config.lesion_wise.rules(regions, float(config.nsd_tolerance)) if lesion_on else None
    lesion_table = _lesion_table_on(config)
    tasks, stray = [], []
    for subject in subjects:
        gt_candidates = seg_candidates(data_path, subject, seg_ext)
        models, error, gt_path = [], None, None
        for model, folder in config.model_predictions_paths.items():
            candidates = prediction_candidates(Path(folder), subject, pred_ext)
            try:
                found = _as_str(first_existing(candidates))
            except OSError as exc:
                found, error = None, error or os_problem(exc, Path(folder) / subject)
            models.append(ModelInput(str(model), found, tuple(str(c) for c in candidates)))
        try:
            gt_path = _as_str(first_existing(gt_candidates))
        except OSError as exc:
            error = os_problem(exc, data_path / subject)
        if error is None and gt_path is None and all(m.path is None for m in models):
            stray.append(subject)
            continue
        tasks.append(SubjectTask(
            subject=subject, gt_path=gt_path, gt_tried=tuple(str(c) for c in gt_candidates), models=tuple(models),
            regions=regions, metrics=metrics, nsd_tolerance=float(config.nsd_tolerance),
            configured_values=configured, error=error,
            lesion_rules=lesion_rules, lesion_table=lesion_table,
        ))
    if not subjects:
        return [], hidden, stray, f"no subject folder in {data_path}"
    if not tasks:
        return [], hidden, stray, (f"none of the {len(subjects)} folder(s) holds a ground truth or a "
                                   f"prediction in {data_path}")
    return tasks, hidden, stray, None


def _lesion_table_on(config: MetricExtractionConfig) -> bool:
    """Whether ``lesions_<filename>.csv`` is written: a lesion metric enabled and ``per_lesion_table``."""
    lesion_on = any(METRICS[m].kind == "lesion" for m in expand_metric_names(config.metrics))
    return lesion_on and config.lesion_wise.per_lesion_table


def _as_str(path: Path | None) -> str | None:
    return None if path is None else str(path)


# --------------------------------------------------------------------------- worker


def _fmt_spacing(spacing) -> str:
    return "[" + ", ".join(repr(float(s)) for s in spacing) + "]"


def _lesion_columns(task: SubjectTask, subject_lesions: SubjectLesions, model: str, pred: np.ndarray,
                    rows: list[dict], voxel_wise: PairEvaluation) -> tuple[dict, ...]:
    """Add the lesion-wise scores to each region's row; return the per-lesion rows (when asked)."""
    wanted = {m for m in task.metrics if METRICS[m].kind == "lesion"}
    groups = [name for name, columns in LESION_METRICS.items() if wanted & set(columns)]
    # the voxel-wise nearest-surface searches settle most lesion distances
    results = evaluate_pair_lesions(subject_lesions, pred, task.regions, metrics=groups, table=task.lesion_table,
                                    searched=voxel_wise.distances)
    table = []
    for row in rows:
        result = results[row["region"]]
        row.update({m: v for m, v in result.scores.items() if m in wanted})
        table.extend({"ID": task.subject, "model": model, "region": row["region"], **lesion}
                     for lesion in result.lesions)
    return tuple(table)


def _evaluate_model(task: SubjectTask, model: ModelInput, gt: np.ndarray, gt_spacing,
                    gt_geometry: GroundTruthGeometry, subject_lesions: SubjectLesions | None = None) -> PairResult:
    start = time.perf_counter()
    subject = task.subject
    if model.path is None:
        raise SubjectError(subject, "discovery", f"prediction not found. Tried: {', '.join(model.tried)}",
                           model.tried[0] if model.tried else None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        volume = read_volume(model.path, subject=subject, stage="read prediction")
        if volume.shape != gt.shape:
            raise SubjectError(
                subject, "check",
                f"Shape mismatch for {subject}: ground truth {tuple(gt.shape)}, prediction {tuple(volume.shape)}.",
                model.path,
            )
        if not np.allclose(np.asarray(volume.spacing), np.asarray(gt_spacing)):
            raise SubjectError(
                subject, "check",
                f"Spacing mismatch for {subject}: ground truth {_fmt_spacing(gt_spacing)}, "
                f"prediction {_fmt_spacing(volume.spacing)}.",
                model.path,
            )
        pred = volume.data
        del volume
        voxel_metrics = [m for m in task.metrics if METRICS[m].kind != "lesion"]
        result = evaluate_pair(gt, pred, spacing=gt_spacing, regions=task.regions, metrics=voxel_metrics,
                               nsd_tolerance=task.nsd_tolerance, gt_geometry=gt_geometry)
        rows = [dict(row) for row in result.rows]
        lesions = _lesion_columns(task, subject_lesions, model.model, pred, rows, result) if subject_lesions else ()
    un_gt, un_pred = unconfigured_values(result.pairs, task.configured_values)
    keep = (result.pairs[:, 0] != NON_INTEGRAL) & (result.pairs[:, 1] != NON_INTEGRAL)
    cells = tuple((int(g), int(p), int(c)) for (g, p), c in zip(result.pairs[keep], result.counts[keep]))
    rows = tuple({"ID": subject, "model": model.model, **row} for row in rows)
    return PairResult(
        model=model.model, rows=rows, cells=cells, unconfigured_gt=tuple(un_gt),
        unconfigured_pred=tuple(un_pred), warnings=tuple(dict.fromkeys(str(w.message) for w in caught)),
        seconds=time.perf_counter() - start, lesions=lesions,
    )


def evaluate_subject(task: SubjectTask) -> SubjectResult:
    """Worker: read the ground truth once, then evaluate every model's prediction.

    Never raises for a per-pair problem: each failing pair becomes a
    :class:`~auditapp.pipelines.runner.Failure` (with its model) in the result.
    """
    subject = task.subject
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if task.error is not None:
                raise SubjectError(subject, "read ground truth", task.error)
            if task.gt_path is None:
                raise SubjectError(subject, "discovery", f"ground truth not found: {' or '.join(task.gt_tried)}",
                                   task.gt_tried[0] if task.gt_tried else None)
            volume = read_volume(task.gt_path, subject=subject, stage="read ground truth")
            gt = volume.data
            gt_spacing = volume.spacing
            del volume
        except SubjectError as exc:
            failures = tuple(Failure(subject, exc.stage, exc.message, exc.path, model=m.model)
                             for m in task.models)
            return SubjectResult(subject, (), failures)
    gt_warnings = tuple(dict.fromkeys(str(w.message) for w in caught))
    read_seconds = time.perf_counter() - start
    # the GT's non-zero box, region masks, surfaces and k-d trees: built once, shared by the models
    gt_geometry = GroundTruthGeometry(gt, gt_spacing)
    # the GT lesions of each region: labelled on first use, shared by the models
    subject_lesions = SubjectLesions(gt, gt_spacing, task.lesion_rules) if task.lesion_rules else None
    pairs, failures = [], []
    for model in task.models:
        try:
            pairs.append(_evaluate_model(task, model, gt, gt_spacing, gt_geometry, subject_lesions))
        except SubjectError as exc:
            failures.append(Failure(subject, exc.stage, exc.message, exc.path, model=model.model))
        except Exception as exc:  # noqa: BLE001 - one pair must never stop the others
            failures.append(Failure(subject, "unexpected", f"{type(exc).__name__}: {exc}", model.path,
                                    model=model.model, traceback=traceback.format_exc()))
    return SubjectResult(subject, tuple(pairs), tuple(failures), gt_warnings, read_seconds)


# --------------------------------------------------------------------------- pipeline


def _unconfigured_message(kind: str, model: str | None, values: set[int], subjects: list[str]) -> str:
    who = f"model {model}: " if model is not None else ""
    n = len(subjects)
    return (f"{who}{kind} values {sorted(values)} are not configured "
            f"({n} subject{'s' if n != 1 else ''}, e.g. {sorted(subjects)[0]}); they count as background")


def _task_files(task: SubjectTask) -> list[str | None]:
    return [task.gt_path] + [m.path for m in task.models]


def _to_record(result: SubjectResult) -> dict:
    return {"pairs": [dict(model=p.model, rows=list(p.rows), cells=[list(c) for c in p.cells],
                           unconfigured_gt=list(p.unconfigured_gt), unconfigured_pred=list(p.unconfigured_pred),
                           warnings=list(p.warnings), seconds=p.seconds, lesions=list(p.lesions))
                      for p in result.pairs],
            "warnings": list(result.warnings), "read_seconds": result.read_seconds}


def _from_record(subject: str, record: dict) -> SubjectResult:
    pairs = tuple(PairResult(model=p["model"], rows=tuple(p["rows"]), cells=tuple(tuple(c) for c in p["cells"]),
                             unconfigured_gt=tuple(p["unconfigured_gt"]),
                             unconfigured_pred=tuple(p["unconfigured_pred"]), warnings=tuple(p["warnings"]),
                             seconds=p["seconds"], lesions=tuple(p.get("lesions", ()))) for p in record["pairs"])
    return SubjectResult(subject=subject, pairs=pairs, failures=(), warnings=tuple(record["warnings"]),
                         read_seconds=record["read_seconds"])


def _split_reused(tasks: list[SubjectTask], store: ResultStore) -> tuple[list[SubjectTask], dict[str, str]]:
    """(tasks to compute, key of every subject), and the log line saying how many were reused."""
    todo, keys = [], {}
    for task in tasks:
        keys[task.subject] = key = task_key(task, _task_files(task))
        if store.lookup(task.subject, key) is None:
            todo.append(task)
    n_reused = len(tasks) - len(todo)
    logger.info(f"{n_reused} of {len(tasks)} subjects reused from the previous run (unchanged files and "
                f"settings, {store.manifest.name}), {len(todo)} to compute")
    return todo, keys


class _Table:
    """The CSV rows and error-matrix cells of every pair, compact (flat arrays, shared strings), then sorted."""

    def __init__(self, metrics: tuple[str, ...]):
        self.columns = output_columns(metrics)
        self.names: dict[str, str] = {}  # one string object per ID, model and region
        self.keys: list[tuple[str, str, str]] = []  # (model, ID, region) of each row
        self.values = {name: array("d") for name in self.columns[3:]}
        self.pair_keys: list[tuple[str, str]] = []  # (model, ID) of each pair with error-matrix cells
        self.pair_sizes = array("q")  # its number of cells
        self.cells = array("q")  # (gt value, predicted value, count) of every cell, pair after pair

    def _name(self, value) -> str:
        return self.names.setdefault(value, value)

    def add(self, subject: str, pair: PairResult) -> None:
        for row in pair.rows:
            self.keys.append((self._name(row["model"]), self._name(row["ID"]), self._name(row["region"])))
            for name, column in self.values.items():
                value = row.get(name)
                column.append(math.nan if value is None else float(value))
        if pair.cells:
            self.pair_keys.append((self._name(pair.model), self._name(subject)))
            self.pair_sizes.append(len(pair.cells))
            for cell in pair.cells:
                self.cells.extend(cell)

    def csv_columns(self) -> dict[str, object]:
        """Rows by model, ID, region: the key columns as text, metric columns float64 (NaN: no value)."""
        order = sorted(range(len(self.keys)), key=self.keys.__getitem__)
        keys = {"ID": 1, "region": 2, "model": 0}
        columns: dict[str, object] = {name: [self.keys[i][at] for i in order] for name, at in keys.items()}
        for name, column in self.values.items():
            columns[name] = np.frombuffer(column, dtype=np.float64)[order] if order else np.zeros(0)
        return {name: columns[name] for name in self.columns}

    def error_matrix(self) -> dict[str, object]:
        """Cells by model, ID, ground-truth value, predicted value (int64 columns).

        Pairs are sorted by their key and each pair's cells by value (one index array, no key per cell).
        """
        cells = np.frombuffer(self.cells, dtype=np.int64).reshape(-1, 3) if len(self.cells) else \
            np.zeros((0, 3), dtype=np.int64)
        starts = np.concatenate(([0], np.cumsum(np.frombuffer(self.pair_sizes, dtype=np.int64))))
        pairs = sorted(range(len(self.pair_keys)), key=self.pair_keys.__getitem__)
        blocks = [cells[starts[k]:starts[k + 1]] for k in pairs]
        order = np.concatenate([starts[k] + np.lexsort((b[:, 1], b[:, 0])) for k, b in zip(pairs, blocks)]) \
            if pairs else np.zeros(0, dtype=np.int64)
        columns = {"ID": [self.pair_keys[k][1] for k in pairs for _ in range(self.pair_sizes[k])],
                   "model": [self.pair_keys[k][0] for k in pairs for _ in range(self.pair_sizes[k])],
                   "gt_value": cells[order, 0], "pred_value": cells[order, 1], "count": cells[order, 2]}
        return {name: columns[name] for name in ERROR_MATRIX_COLUMNS}


def run_metric_extraction(config: MetricExtractionConfig, *, progress: Progress | None = None,
                          force: bool = False) -> ExtractionSummary:
    """Run metric extraction as configured and write its CSV files.

    Parameters
    ----------
    config : MetricExtractionConfig
        Configuration, validated by the config loader (not validated again here).
    progress : callable, optional
        ``progress(name, done, total, current)`` after each subject (``done``/``total``
        count subject/model pairs; ``current`` is the subject ID).
    force : bool
        Recompute every subject instead of reusing unchanged ones from the previous run
        (a subject is reused when its ground truth, every prediction and the settings are unchanged).

    Returns
    -------
    ExtractionSummary
        One :class:`DatasetSummary` (name = ``filename``); ``exit_code`` is 3 when a pair failed.

    Notes
    -----
    Writes ``extracted_information_<filename>.csv`` (``ID, region, model`` + enabled metrics
    A→Z; rows by model, ID, region; NaN as an empty field), ``error_matrix_<filename>.csv``
    when ``save_error_matrix``, and ``failures_<filename>.csv`` when a pair failed (a stale
    one is deleted otherwise). All atomically. An OS error (unreadable folder, disk full) fails the
    file as a whole (:func:`~auditapp.pipelines.runner.guard_dataset`); the previous outputs stay.
    """
    return ExtractionSummary(datasets=(guard_dataset(str(config.filename),
                                                     lambda: _extract(config, progress, force)),))


def _log_skipped(config: MetricExtractionConfig, hidden: list[str], stray: list[str]) -> None:
    for name in hidden:
        logger.info(f"skipping hidden folder {Path(config.data_path) / name}")
    for name in stray:
        logger.warning(f"{config.filename}: folder '{name}' holds none of the expected files ({name}_seg, or a "
                       f"{name}_pred of a model): skipped")


def _log_start(config: MetricExtractionConfig, metrics: tuple[str, ...], tasks: list[SubjectTask]) -> None:
    subjects = {t.subject for t in tasks}
    pred_ext = nifti_extensions(config.formats.prediction)
    for model, folder in config.model_predictions_paths.items():
        ignored = count_unmatched_predictions(Path(folder), subjects, pred_ext)
        if ignored:
            logger.info(f"model {model}: {ignored} prediction(s) with no ground-truth subject ignored")
    if not metrics:
        logger.warning("no metric is enabled; the CSV will only hold ID, region and model")
    logger.info(f"Starting metric extraction for {config.filename}: {len(tasks)} subjects × "
                f"{len(config.model_predictions_paths)} models")
    if "hd95" in metrics:
        logger.info("hd95 = max of the two directed 95th percentiles of surface distances "
                    "(surfaces by 6-connected erosion, mm; MetricsReloaded/MONAI convention)")


def _log_failure(failure: Failure, who: str) -> None:
    logger.warning(f"{who}: failed ({failure.stage}): {failure.error}")
    if failure.traceback:
        logger.bind(file_only=True).info(failure.traceback)


class _OnOutcome:
    """Called by the runner after each subject: store a complete result, log, count warnings, report progress."""

    def __init__(self, config: MetricExtractionConfig, store: ResultStore, keys: dict[str, str],
                 total_pairs: int, progress: Progress | None, warning_counts: dict[str, int]):
        self.config, self.store, self.keys, self.progress = config, store, keys, progress
        self.total_pairs, self.done_pairs, self.warning_counts = total_pairs, 0, warning_counts
        self.partial: list[SubjectResult] = []  # subjects with a failed pair: not stored (computed again next time)

    def __call__(self, outcome: TaskOutcome, done: int, total: int) -> None:
        task = outcome.task
        self.done_pairs += len(task.models)
        if outcome.ok:
            result: SubjectResult = outcome.result
            if not result.failures:  # results stream to the store's parts; only the key stays in memory
                self.store.add(result.subject, self.keys[result.subject], _to_record(result))
            else:
                self.partial.append(result)
            for pair in result.pairs:
                logger.info(f"{result.subject} / {pair.model}: {len(pair.rows)} regions in {pair.seconds:.2f} s")
            for failure in result.failures:
                _log_failure(failure, f"{failure.subject} / {failure.model}")
        else:
            _log_failure(outcome.failure, task.subject)
        for _kind, message in outcome.warnings:
            self.warning_counts["warning"] += 1
            logger.warning(f"{task.subject}: {message}")
        if self.progress is not None:
            self.progress(self.config.filename, self.done_pairs, self.total_pairs, task.subject)


@dataclass
class _Collected:
    """Every written pair's rows and cells, per-lesion rows, failures and unconfigured values, one subject at a time."""

    table: _Table
    lesion_rows: list = field(default_factory=list)  # only with per_lesion_table (opt-in)
    failures: list = field(default_factory=list)
    unconfigured_gt: dict = field(default_factory=dict)  # subject -> values
    unconfigured_pred: dict = field(default_factory=lambda: defaultdict(dict))  # model -> subject -> values
    n_written: int = 0

    def add(self, result: SubjectResult, warning_counts: dict[str, int]) -> None:
        self.failures.extend(result.failures)
        for message in result.warnings:
            warning_counts["warning"] += 1
            logger.warning(f"{result.subject}: {message}")
        for pair in result.pairs:
            self.n_written += 1
            self.table.add(result.subject, pair)
            self.lesion_rows.extend(pair.lesions)
            for message in pair.warnings:
                warning_counts["warning"] += 1
                logger.warning(f"{result.subject} / {pair.model}: {message}")
            if pair.unconfigured_gt:
                self.unconfigured_gt[result.subject] = set(pair.unconfigured_gt)
            if pair.unconfigured_pred:
                self.unconfigured_pred[pair.model][result.subject] = set(pair.unconfigured_pred)
                logger.info(f"{result.subject} / {pair.model}: prediction values "
                            f"{list(pair.unconfigured_pred)} are not configured")

    def warn_unconfigured(self, models: list[str], warning_counts: dict[str, int]) -> None:
        if self.unconfigured_gt:
            for subject, values in sorted(self.unconfigured_gt.items()):
                logger.info(f"{subject}: ground-truth values {sorted(values)} are not configured")
            all_values = set().union(*self.unconfigured_gt.values())
            warning_counts["unconfigured values"] += 1
            logger.warning(_unconfigured_message("ground truth", None, all_values, list(self.unconfigured_gt)))
        for model in models:
            per_subject = self.unconfigured_pred.get(model)
            if per_subject:
                warning_counts["unconfigured values"] += 1
                logger.warning(_unconfigured_message("prediction", model, set().union(*per_subject.values()),
                                                     list(per_subject)))


def _collect(run, store: ResultStore, partial: list[SubjectResult], metrics: tuple[str, ...],
             warning_counts: dict[str, int]) -> _Collected:
    collected = _Collected(_Table(metrics))
    for outcome in run.outcomes:
        if not outcome.ok:  # the worker itself died: every pair of the subject fails
            f = outcome.failure
            collected.failures.extend(Failure(f.subject, f.stage, f.error, f.path, model=m.model,
                                              traceback=f.traceback) for m in outcome.task.models)
    stored = (_from_record(subject, record) for subject, record in store.records())
    for result in itertools.chain(stored, partial):  # one stored subject in memory at a time
        collected.add(result, warning_counts)
    return collected


def _write_outputs(config: MetricExtractionConfig, csv_path: Path, collected: _Collected,
                   warning_counts: dict[str, int]) -> Path | None:
    """The metric CSV, the per-lesion table (opt-in), the error matrix and the failures file, each atomically."""
    write_columns_atomic(collected.table.csv_columns(), csv_path, na_rep="")  # no pandas: ~0.6 s of start-up
    if not collected.table.keys:
        warning_counts["no rows"] += 1
        logger.warning(f"no pair could be evaluated; {csv_path} holds only its header")
    output_path = csv_path.parent
    if _lesion_table_on(config):
        import pandas as pd  # the nullable integer column of the opt-in lesion table

        rows = sorted(collected.lesion_rows, key=lambda r: (r["model"], r["ID"], r["region"]))  # lesions keep order
        lesion_frame = pd.DataFrame(rows, columns=LESION_TABLE_HEADER)
        lesion_frame["lesion"] = lesion_frame["lesion"].astype("Int64")  # empty for false positives
        write_csv_atomic(lesion_frame, output_csv(output_path, "lesions", config.filename), na_rep="")
    if config.save_error_matrix:
        write_columns_atomic(collected.table.error_matrix(), output_csv(output_path, "error_matrix", config.filename))
    collected.failures.sort(key=lambda f: (f.model or "", f.subject))
    return write_failures_file(collected.failures, output_csv(output_path, "failures", config.filename),
                               with_model=True, with_stage=False)  # spec: ID,model,error


def _extract(config: MetricExtractionConfig, progress: Progress | None, force: bool) -> DatasetSummary:
    started = time.perf_counter()
    metrics = expand_metric_names(config.metrics)  # validated once, by the config loader
    tasks, hidden, stray, not_run = discover_pairs(config)
    _log_skipped(config, hidden, stray)
    if not_run is not None:
        return dataset_not_run(config.filename, not_run, started)
    _log_start(config, metrics, tasks)
    models = list(config.model_predictions_paths)
    output_path = Path(config.output_path)
    output_path.mkdir(parents=True, exist_ok=True)
    csv_path = output_csv(output_path, "metrics", config.filename)
    store = ResultStore(csv_path, force=force)
    tasks, keys = _split_reused(tasks, store)
    warning_counts: dict[str, int] = defaultdict(int)
    if stray:
        warning_counts["folder without expected files"] += len(stray)
    on_outcome = _OnOutcome(config, store, keys, len(tasks) * len(models), progress, warning_counts)
    try:
        run = run_tasks(evaluate_subject, tasks, n_jobs=config.cpu_cores, parallel=config.parallel,
                        on_outcome=on_outcome, keep_results=False)
    finally:
        store.flush()  # an interrupted run resumes from every subject finished so far
    collected = _collect(run, store, on_outcome.partial, metrics, warning_counts)
    collected.warn_unconfigured(models, warning_counts)
    failures_file = _write_outputs(config, csv_path, collected, warning_counts)
    store.finish()
    seconds = time.perf_counter() - started
    n_failed = len(collected.failures)
    logger.info(f"metric extraction {config.filename}: {collected.n_written} pairs written, {n_failed} failed, "
                f"{sum(warning_counts.values())} warnings, {seconds:.1f} s")
    return DatasetSummary(name=str(config.filename), output=str(csv_path), n_written=collected.n_written,
                          n_failed=n_failed, failures_file=None if failures_file is None else str(failures_file),
                          seconds=seconds, warning_counts=dict(warning_counts))
