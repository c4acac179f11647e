"""Error-matrix data: where a dataset's voxel counts come from, and the per-subject counts, cached.

* the source of (set, model): the ``error_matrix_<x>.csv`` side output of metric extraction (metrics.md §10) when
  present, else the NIfTI ground truth in ``raw_datasets[set]`` and the predictions in ``predictions[set][model]``;
* per-subject joint voxel counts ``(gt_value, pred_value, count)``, cached on the two files' paths and
  modification times (the same scheme as every loader: file state + selection, never a DataFrame), so the "All"
  view is instant on revisit.

The matrices themselves are derived from the counts by :mod:`auditapp.analysis`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from auditapp import analysis
from auditapp.app.data._cache import file_signature
from auditapp.config.model import AppConfig
from auditapp.errors import AuditappError, SubjectError
from auditapp.io.layout import SEG_SUFFIX, find_prediction, find_seg, list_subject_dirs, sibling_output
from auditapp.io.nifti import read_volume
from auditapp.io.tables import read_table
from auditapp.metrics.counts import as_label_array, value_pair_counts

__all__ = [
    "COUNT_COLUMNS",
    "ErrorMatrixSource",
    "PairFiles",
    "error_matrix_csv_path",
    "error_matrix_models",
    "error_matrix_sets",
    "error_matrix_source",
    "gather_counts",
    "matrix_view",
    "read_error_matrix_csv",
    "subject_counts",
    "summed_counts",
]

COUNT_COLUMNS = ["gt_value", "pred_value", "count"]


@dataclass(frozen=True)
class PairFiles:
    """Ground truth and prediction files of one subject for one model."""

    subject: str
    gt: Path
    pred: Path


@dataclass
class ErrorMatrixSource:
    """What the error-matrix page can show for one (set, model).

    Attributes
    ----------
    kind : {"csv", "nifti", "none"}
        Where the counts come from.
    subjects : list of str
        Subjects that can be counted (sorted).
    pairs : dict
        Subject -> :class:`PairFiles` (NIfTI source only).
    skipped : dict
        Subject -> reason (no prediction, no ground truth...).
    csv : Path or None
        The error-matrix CSV (CSV source only).
    problem : str or None
        A message explaining why nothing can be shown.
    """

    kind: str
    subjects: list[str] = field(default_factory=list)
    pairs: dict[str, PairFiles] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    csv: Path | None = None
    problem: str | None = None


# --------------------------------------------------------------------------- sources
def error_matrix_csv_path(config: AppConfig, dataset: str) -> Path | None:
    """The error-matrix CSV of ``dataset``: ``error_matrices[set]``, else the file next to its metrics CSV.

    The default is ``error_matrix_<x>.csv`` beside ``metrics[set]`` when that is
    named ``extracted_information_<x>.csv`` and the file exists (config.md §4).
    """
    explicit = config.error_matrices.get(dataset)
    if explicit is not None:
        return Path(explicit) if Path(explicit).is_file() else None
    metrics = config.metrics.get(dataset)
    candidate = None if metrics is None else sibling_output(metrics, "error_matrix")
    return candidate if candidate is not None and candidate.is_file() else None


def error_matrix_sets(config: AppConfig) -> list[str]:
    """Datasets with predictions (and raw images) or an error-matrix CSV, config order."""
    names = list(dict.fromkeys([*config.predictions, *config.error_matrices, *config.metrics]))
    out = []
    for name in names:
        if config.predictions.get(name) or error_matrix_csv_path(config, name) is not None:
            out.append(name)
    return out


def error_matrix_models(config: AppConfig, dataset: str) -> list[str]:
    """Models of ``dataset``: its prediction folders, else the models in its error-matrix CSV (sorted)."""
    csv = error_matrix_csv_path(config, dataset)
    if csv is not None:
        table = read_error_matrix_csv(*file_signature(csv))
        return sorted(table["model"].astype(str).unique().tolist())
    return sorted(config.predictions.get(dataset, {}))


@st.cache_data(max_entries=64, show_spinner=False, ttl=30)
def _list_nifti_pairs(raw_dir: str, pred_dir: str, seg_ext: tuple[str, ...],
                      pred_ext: tuple[str, ...]) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """Subject folders of ``raw_dir`` with their GT and prediction files (short TTL: folders change)."""
    pairs: dict[str, tuple[str, str]] = {}
    skipped: dict[str, str] = {}
    raw, pred = Path(raw_dir), Path(pred_dir)
    for subject in list_subject_dirs(raw)[0]:
        gt = find_seg(raw, subject, seg_ext)
        if gt is None:
            skipped[subject] = f"no ground truth {subject}{SEG_SUFFIX}{seg_ext[0]} in {raw / subject}"
            continue
        p = find_prediction(pred, subject, pred_ext)
        if p is None:
            skipped[subject] = f"no prediction {subject}_pred{pred_ext[0]} in {pred}"
            continue
        pairs[subject] = (str(gt), str(p))
    return pairs, skipped


def error_matrix_source(config: AppConfig, dataset: str, model: str) -> ErrorMatrixSource:
    """Where the counts of (dataset, model) come from, with the usable and skipped subjects."""
    csv = error_matrix_csv_path(config, dataset)
    if csv is not None:
        table = read_error_matrix_csv(*file_signature(csv))
        subjects = sorted(table.loc[table["model"] == model, "ID"].astype(str).unique().tolist())
        return ErrorMatrixSource(kind="csv", subjects=subjects, csv=csv)
    pred_dir = config.predictions.get(dataset, {}).get(model)
    raw_dir = config.raw_datasets.get(dataset)
    if pred_dir is None:
        return ErrorMatrixSource(kind="none", problem=(
            f"No predictions of {model} configured for {dataset}. Add `predictions: {{{dataset}: "
            f"{{{model}: <folder>}}}}` to app.yaml."))
    if raw_dir is None:
        return ErrorMatrixSource(kind="none", problem=(
            f"No ground truth folder for {dataset}. Add `raw_datasets: {{{dataset}: <folder>}}` to app.yaml "
            "(the folder with one sub-folder per subject holding <ID>_seg.nii.gz)."))
    if not Path(raw_dir).is_dir():
        return ErrorMatrixSource(kind="none",
                                 problem=f"Folder not found: {raw_dir} (raw_datasets.{dataset} in app.yaml).")
    if not Path(pred_dir).is_dir():
        return ErrorMatrixSource(kind="none", problem=(
            f"Folder not found: {pred_dir} (predictions.{dataset}.{model} in app.yaml)."))
    pairs, skipped = _list_nifti_pairs(str(raw_dir), str(pred_dir), tuple(config.formats.segmentation),
                                       tuple(config.formats.prediction))
    files = {s: PairFiles(s, Path(g), Path(p)) for s, (g, p) in pairs.items()}
    return ErrorMatrixSource(kind="nifti", subjects=sorted(files), pairs=files, skipped=dict(skipped))


# --------------------------------------------------------------------------- counts
@st.cache_data(max_entries=16, show_spinner=False)
def read_error_matrix_csv(path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    """Read an ``error_matrix_<x>.csv`` (``ID,model,gt_value,pred_value,count``); IDs as strings.

    Raises
    ------
    AuditappError
        When a required column is missing.
    """
    table = read_table(path)
    missing = [c for c in ["ID", "model", *COUNT_COLUMNS] if c not in table.columns]
    if missing:
        raise AuditappError(f"{path} is not an error-matrix CSV: missing column(s) {', '.join(missing)}")
    for col in COUNT_COLUMNS:
        table[col] = table[col].astype(np.int64)
    return table


@st.cache_data(max_entries=4096, show_spinner=False)
def subject_counts(subject: str, gt: str, gt_mtime_ns: int, pred: str,
                   pred_mtime_ns: int) -> tuple[pd.DataFrame | None, str | None]:
    """Joint voxel counts of one subject's ground truth and prediction (read once, then cached).

    Returns
    -------
    counts : DataFrame or None
        Columns ``gt_value, pred_value, count`` (int64), one row per non-zero cell.
    problem : str or None
        Why the subject could not be counted (unreadable file, shape mismatch);
        cached too, so a broken file is not re-read at every rerun.
    """
    try:
        return _count_files(subject, gt, pred), None
    except AuditappError as exc:
        return None, str(exc)


def _count_files(subject: str, gt: str, pred: str) -> pd.DataFrame:
    gt_vol = read_volume(gt, subject=subject, stage="error matrix")
    pred_vol = read_volume(pred, subject=subject, stage="error matrix")
    if gt_vol.shape != pred_vol.shape:
        raise SubjectError(subject, "error matrix",
                           f"shape mismatch: ground truth {gt_vol.shape} vs prediction {pred_vol.shape}", pred)
    try:
        pairs, counts = value_pair_counts(as_label_array(gt_vol.data, name=Path(gt).name),
                                          as_label_array(pred_vol.data, name=Path(pred).name))
    except ValueError as exc:
        raise SubjectError(subject, "error matrix", str(exc), pred) from exc
    return pd.DataFrame({"gt_value": pairs[:, 0], "pred_value": pairs[:, 1], "count": counts})


@st.cache_resource
def _computed_keys() -> set:
    """Per-server record of the (gt, pred, mtimes) already counted: no progress bar for those."""
    return set()


def gather_counts(
    source: ErrorMatrixSource,
    model: str,
    subjects: list[str],
    *,
    progress: Callable[[int, int, str], None] | None = None,
) -> tuple[pd.DataFrame, list[str], dict[str, str]]:
    """Counts of ``subjects`` stacked with an ``ID`` column, the subjects used, the subjects skipped.

    ``progress(done, total, subject)`` is called before each subject whose counts are
    not cached yet (NIfTI source); cached subjects cost a cache lookup only.
    """
    skipped: dict[str, str] = {}
    if source.kind == "csv":
        table = read_error_matrix_csv(*file_signature(source.csv))
        part = table[(table["model"] == model) & (table["ID"].isin(subjects))]
        used = sorted(part["ID"].unique().tolist())
        return part[["ID", *COUNT_COLUMNS]].reset_index(drop=True), used, skipped
    keys = []
    for s in subjects:
        files = source.pairs[s]
        try:
            keys.append((s, str(files.gt), files.gt.stat().st_mtime_ns, str(files.pred),
                         files.pred.stat().st_mtime_ns))
        except OSError as exc:
            skipped[s] = f"{type(exc).__name__}: {exc}"
    done_set = _computed_keys()
    todo = [k for k in keys if k not in done_set]
    for i, key in enumerate(todo):  # read and count the new subjects, with progress
        if progress is not None:
            progress(i, len(todo), key[0])
        subject_counts(*key)
        done_set.add(key)
    if progress is not None and todo:
        progress(len(todo), len(todo), "")
    counts, used, problems = _stacked_counts(tuple(keys))
    return counts, list(used), {**skipped, **problems}


@st.cache_data(max_entries=64, show_spinner=False)
def _stacked_counts(keys: tuple) -> tuple[pd.DataFrame, tuple[str, ...], dict[str, str]]:
    """Per-subject counts of ``keys`` stacked (one cache entry per subject set: "All" revisits are instant)."""
    frames, used, problems = [], [], {}
    for key in keys:
        counts, problem = subject_counts(*key)
        if counts is None:
            problems[key[0]] = problem
            continue
        frames.append(counts.assign(ID=key[0]))
        used.append(key[0])
    if not frames:
        return pd.DataFrame(columns=["ID", *COUNT_COLUMNS]), tuple(used), problems
    return pd.concat(frames, ignore_index=True)[["ID", *COUNT_COLUMNS]], tuple(used), problems


# --------------------------------------------------------------------------- matrices
def summed_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """Counts summed over subjects per ``(gt_value, pred_value)`` (the "All" view; a few thousand rows)."""
    if counts.empty:
        return pd.DataFrame({c: pd.Series(dtype=np.int64) for c in COUNT_COLUMNS})
    return counts.groupby(["gt_value", "pred_value"], as_index=False)["count"].sum()[COUNT_COLUMNS]


def matrix_view(
    counts: pd.DataFrame,
    labels,
    *,
    kind: str = "error",
    normalize: bool = True,
    n_subjects: int = 1,
    average: bool = False,
) -> pd.DataFrame:
    """The matrix the page shows, from summed counts (``auditapp.analysis`` does the maths).

    ``kind="error"``: reference error matrix; divided by ``n_subjects`` when ``average``
    (float, not truncated), then row-normalised when ``normalize``. ``kind="confusion"``:
    true confusion matrix (voxel-weighted over subjects), row-normalised by class size.
    """
    if kind == "confusion":
        return analysis.confusion_matrix_from_counts(counts, labels, normalize=normalize)
    raw = analysis.error_matrix_from_counts(counts, labels)
    if average and n_subjects > 0:
        raw = raw / n_subjects  # analysis.md §1.1: sum of the subjects' matrices / number of subjects
    return analysis.row_percentages(raw) if normalize else raw
