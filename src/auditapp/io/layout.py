"""Where a dataset's files are: the one home of auditapp's file layout (features.md §2, metrics.md §2).

Every layer (feature and metric extraction, the dashboard's error matrix, the ITK-SNAP launcher, the notebook
helpers) locates files through these functions::

    <data_path>/<ID>/                      a subject (immediate sub-folder; ``.``-folders skipped)
    <data_path>/<ID>/<ID><suffix><ext>     a sequence (``_t1`` ...), suffix used verbatim
    <data_path>/<ID>/<ID>_seg<ext>         the ground-truth segmentation
    <model dir>/<ID>/<ID>_pred<ext>        a prediction, else the flat <model dir>/<ID>_pred<ext>

``<ext>`` is tried in the configured order (``.nii.gz`` then ``.nii`` by default). The dashboard finds a subject's
folder as ``raw_datasets[<set>]/<ID>`` or ``<datasets_path>/<set>/<set>_images/<ID>`` (:func:`subject_layout`, used
by the ITK-SNAP launcher and the in-browser viewer). Extraction outputs are ``<output_path>/<prefix><name>.csv``
(:func:`output_csv`); a metric run's side outputs (``error_matrix_<x>.csv``, ``lesions_<x>.csv``) are found next
to its ``extracted_information_<x>.csv`` (:func:`sibling_output`).

Names are matched **literally** (never as glob patterns: an ID ``S*`` finds only ``S*``'s files). A subject ID
that comes from outside a folder listing (a URL, a click) must be a single safe path component
(:func:`check_subject_id`); containment in a configured folder is judged on the path as named
(:func:`is_within`), without following links, so a symlinked subject folder (``auditapp organize --mode symlink``)
is usable while ``..`` and separators are refused.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from auditapp.errors import AuditappError

if TYPE_CHECKING:  # only for annotations: io/ does not depend on the config package at run time
    from auditapp.config.model import AppConfig

__all__ = [
    "OUTPUT_PREFIXES",
    "output_csv",
    "sibling_output",
    "NIFTI_EXTENSIONS",
    "PRED_SUFFIX",
    "SEG_SUFFIX",
    "MAIN_SEQUENCE_FALLBACK",
    "SubjectFilesError",
    "SubjectLayout",
    "UnsafeSubjectID",
    "case_folder",
    "check_subject_id",
    "count_unmatched_predictions",
    "find_nifti",
    "find_prefixed",
    "first_existing",
    "is_within",
    "list_subject_dirs",
    "nifti_extensions",
    "prediction_candidates",
    "find_prediction",
    "seg_candidates",
    "find_seg",
    "sequence_files",
    "subject_layout",
]

#: Extensions of NIfTI files, in default search order.
NIFTI_EXTENSIONS = (".nii.gz", ".nii")
#: Fixed file-name suffix of a ground-truth segmentation.
SEG_SUFFIX = "_seg"
#: Fixed file-name suffix of a model prediction.
PRED_SUFFIX = "_pred"


#: Sequences tried, in order, when the dashboard's config names none (the usual BraTS suffixes).
MAIN_SEQUENCE_FALLBACK = ("_t1ce", "_t1", "_t2", "_flair")


class UnsafeSubjectID(ValueError):
    """A subject ID that is not a single safe path component (``..``, a separator, empty, NUL)."""


class SubjectFilesError(AuditappError):
    """A dashboard subject's folder cannot be located (bad ID, no folder configured, folder missing)."""


def nifti_extensions(configured: Iterable[str] = ()) -> tuple[str, ...]:
    """Configured extensions first, then the other NIfTI extensions (both are always accepted).

    >>> nifti_extensions((".nii",))
    ('.nii', '.nii.gz')
    """
    return tuple(dict.fromkeys((*configured, *NIFTI_EXTENSIONS)))


# --------------------------------------------------------------------------------------------------------- subjects
def list_subject_dirs(data_path: str | Path) -> tuple[list[str], list[str]]:
    """Immediate sub-folders of ``data_path`` (symlinks followed), sorted by code point.

    Returns
    -------
    subjects : list of str
        Folder names (the subject IDs), sorted with Python string order.
    hidden : list of str
        Folders skipped because their name starts with ``.``.

    Raises
    ------
    OSError
        When ``data_path`` cannot be listed.
    """
    subjects, hidden = [], []
    for entry in Path(data_path).iterdir():
        if not entry.is_dir():
            continue
        (hidden if entry.name.startswith(".") else subjects).append(entry.name)
    return sorted(subjects), sorted(hidden)


def check_subject_id(subject: str) -> str:
    """Return ``subject`` when it is one safe path component, else raise :class:`UnsafeSubjectID`.

    Refused: empty, ``.``, ``..``, any ``/`` or ``\\`` (on every platform) or ``os.sep``/``os.altsep``, NUL.
    Glob characters are fine: names are matched literally.

    >>> check_subject_id("S*")
    'S*'
    >>> check_subject_id("../victim")
    Traceback (most recent call last):
    ...
    auditapp.io.layout.UnsafeSubjectID: '../victim' is not a plain folder name
    """
    seps = {"/", "\\", os.sep, os.altsep or "/", "\x00"}
    if not isinstance(subject, str) or subject in ("", ".", "..") or any(s in subject for s in seps):
        raise UnsafeSubjectID(f"{subject!r} is not a plain folder name")
    return subject


def is_within(path: str | Path, root: str | Path) -> bool:
    """Whether ``path``, as named, lies inside ``root`` (lexically: links are not followed).

    Links inside a configured folder are the user's (or ``auditapp organize --mode symlink``'s) choice and are
    allowed; what is refused is a name that climbs out (``..``), which :func:`check_subject_id` stops first.

    >>> is_within("/data/X/S1/S1_t1.nii.gz", "/data/X"), is_within("/data/X/../Y/S1", "/data/X")
    (True, False)
    """
    root_n = os.path.normpath(os.path.abspath(root))
    path_n = os.path.normpath(os.path.abspath(path))
    return path_n == root_n or path_n.startswith(root_n.rstrip(os.sep) + os.sep)


# ------------------------------------------------------------------------------------------------------------ files
def find_nifti(folder: Path, stem: str, extensions: Sequence[str] = NIFTI_EXTENSIONS) -> Path | None:
    """``folder/<stem><ext>`` for the first extension that exists as a file, else None (literal names)."""
    return first_existing(Path(folder) / f"{stem}{ext}" for ext in extensions)


def first_existing(candidates: Iterable[Path]) -> Path | None:
    """The first candidate that is a file, else None."""
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


def find_prefixed(folder: Path, prefix: str, extensions: Sequence[str] = NIFTI_EXTENSIONS) -> Path | None:
    """``folder/<prefix><ext>``, else the first (sorted) file named ``<prefix>...<ext>``; None if none.

    The prefix is compared as text, never as a pattern: ``S*_pred`` does not match ``S1_pred.nii.gz``.
    """
    exact = find_nifti(folder, prefix, extensions)
    if exact is not None or not Path(folder).is_dir():
        return exact
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return None
    for ext in extensions:
        for name in names:
            if name.startswith(prefix) and name.endswith(ext) and len(name) >= len(prefix) + len(ext):
                candidate = Path(folder) / name
                if candidate.is_file():
                    return candidate
    return None


def sequence_files(folder: Path, subject: str, suffixes: Sequence[str],
                   extensions: Sequence[str] = NIFTI_EXTENSIONS) -> dict[str, Path | None]:
    """``{suffix: <folder>/<ID><suffix><ext> or None}`` in the order of ``suffixes``."""
    return {suffix: find_nifti(folder, f"{subject}{suffix}", extensions) for suffix in suffixes}


def seg_candidates(data_path: Path, subject: str, extensions: Sequence[str] = NIFTI_EXTENSIONS) -> list[Path]:
    """Paths tried for the ground truth of ``subject``: ``<data_path>/<ID>/<ID>_seg<ext>``."""
    return [Path(data_path) / subject / f"{subject}{SEG_SUFFIX}{ext}" for ext in extensions]


def find_seg(data_path: Path, subject: str, extensions: Sequence[str] = NIFTI_EXTENSIONS) -> Path | None:
    """The ground truth of ``subject`` under ``data_path``, or None."""
    return first_existing(seg_candidates(data_path, subject, extensions))


def prediction_candidates(model_dir: Path, subject: str,
                          extensions: Sequence[str] = NIFTI_EXTENSIONS) -> list[Path]:
    """Paths tried for a prediction: ``<dir>/<ID>/<ID>_pred<ext>`` for each ext, then the flat ``<dir>/<ID>_pred<ext>``."""
    model_dir = Path(model_dir)
    nested = [model_dir / subject / f"{subject}{PRED_SUFFIX}{ext}" for ext in extensions]
    return nested + [model_dir / f"{subject}{PRED_SUFFIX}{ext}" for ext in extensions]


def find_prediction(model_dir: Path, subject: str, extensions: Sequence[str] = NIFTI_EXTENSIONS, *,
                    prefixed: bool = False) -> Path | None:
    """The prediction of ``subject`` in ``model_dir`` (nested layout first, then flat), or None.

    ``prefixed``: also accept ``<ID>_pred<anything><ext>`` (:func:`find_prefixed`; the viewers' tolerance).
    """
    if prefixed:
        stem = f"{subject}{PRED_SUFFIX}"
        return find_prefixed(Path(model_dir) / subject, stem, extensions) or find_prefixed(model_dir, stem, extensions)
    return first_existing(prediction_candidates(model_dir, subject, extensions))


def count_unmatched_predictions(model_dir: Path, subjects: set[str],
                                extensions: Sequence[str] = NIFTI_EXTENSIONS) -> int:
    """Prediction folders or ``<ID>_pred<ext>`` files in ``model_dir`` whose ID is not in ``subjects``."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        return 0
    ignored = 0
    for entry in model_dir.iterdir():
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            ident = entry.name
        else:
            ident = next((entry.name[: -len(f"{PRED_SUFFIX}{ext}")] for ext in extensions
                          if entry.name.endswith(f"{PRED_SUFFIX}{ext}")), None)
            if ident is None:
                continue
        if ident not in subjects:
            ignored += 1
    return ignored


# ------------------------------------------------------------------------------------------ dashboard subjects
def _check_id(subject: str) -> None:
    try:
        check_subject_id(subject)
    except UnsafeSubjectID:
        raise SubjectFilesError(f"Refusing to open {subject!r}: a subject ID must be a plain folder name.") from None


def case_folder(cfg: AppConfig, set_name: str, subject: str) -> Path:
    """``raw_datasets[set]/<ID>``, else ``<datasets_path>/<set>/<set>_images/<ID>``, checked to lie inside its root.

    Raises
    ------
    SubjectFilesError
        When the ID is not a plain folder name, no image folder is configured for the set, the folder does not
        exist, or its path (as named, links not followed) lies outside the configured root.
    """
    _check_id(subject)
    if set_name in cfg.raw_datasets:
        root = Path(cfg.raw_datasets[set_name])
        where = f"raw_datasets.{set_name}"
    elif cfg.datasets_path is not None:
        root = Path(cfg.datasets_path) / set_name / f"{set_name}_images"
        where = "datasets_path"
    else:
        raise SubjectFilesError(
            f"No image folder configured for {set_name}. Add `raw_datasets: {{{set_name}: /path/to/images}}` "
            "to app.yaml."
        )
    folder = root / subject
    if not folder.is_dir():
        raise SubjectFilesError(f"Folder not found: {folder} ({where} in app.yaml).")
    if not is_within(folder, root):  # unreachable after _check_id; kept as the rule's second line
        raise SubjectFilesError(f"Refusing to open {folder}: it lies outside {root}.")
    return folder


def _sequences(cfg: AppConfig, folder: Path, subject: str) -> tuple[str, ...]:
    if cfg.sequences:
        return tuple(cfg.sequences)
    # not configured: the usual BraTS suffixes that exist
    return tuple(s for s in MAIN_SEQUENCE_FALLBACK if find_nifti(folder, f"{subject}{s}", cfg.formats.image))


@dataclass(frozen=True)
class SubjectLayout:
    """Every file of a subject the configuration points at, present or not (used by the in-browser viewer).

    ``sequences``: suffix -> file for the sequences found (config order); ``missing_sequences``: suffixes looked for
    and not found; ``seg``: the ground truth or None; ``predictions``: model -> file, or None when the model's folder
    has no file for the subject.
    """

    subject: str
    folder: Path
    sequences: dict[str, Path]
    missing_sequences: tuple[str, ...]
    seg: Path | None
    predictions: dict[str, Path | None]


def subject_layout(cfg: AppConfig, set_name: str, subject: str,
                   models: tuple[str, ...] | list[str] = ()) -> SubjectLayout:
    """Locate a dashboard subject's sequences, ground truth and the predictions of ``models``, none required.

    Predictions: ``predictions[set][model]/<ID>/<ID>_pred*`` or ``.../<ID>_pred*``; a model that is not configured
    for the set is left out.

    Raises
    ------
    SubjectFilesError
        See :func:`case_folder` (bad ID, no folder configured, folder missing or outside its root).
    """
    folder = case_folder(cfg, set_name, subject)
    present: dict[str, Path] = {}
    missing: list[str] = []
    for suffix in _sequences(cfg, folder, subject):
        found = find_nifti(folder, f"{subject}{suffix}", cfg.formats.image)
        if found is None:
            missing.append(suffix)
        else:
            present[suffix] = found
    seg = find_prefixed(folder, f"{subject}_seg", cfg.formats.segmentation)
    preds: dict[str, Path | None] = {}
    for model in models:
        pdir = cfg.predictions.get(set_name, {}).get(model)
        if pdir is None:
            continue
        preds[model] = find_prediction(Path(pdir), subject, cfg.formats.prediction, prefixed=True)
    return SubjectLayout(subject=subject, folder=folder, sequences=present, missing_sequences=tuple(missing),
                         seg=seg, predictions=preds)


#: File name prefix of each output of an extraction run: ``<prefix><name>.csv`` in its output folder.
OUTPUT_PREFIXES = {"features": "extracted_information_", "metrics": "extracted_information_",
                   "error_matrix": "error_matrix_", "lesions": "lesions_", "failures": "failures_"}


def output_csv(folder: str | Path, kind: str, name: str) -> Path:
    """The ``kind`` output of run ``name`` in ``folder``: ``<folder>/<prefix><name>.csv``.

    >>> output_csv("out", "lesions", "SSA").as_posix()
    'out/lesions_SSA.csv'
    """
    return Path(folder) / f"{OUTPUT_PREFIXES[kind]}{name}.csv"


def sibling_output(metrics_csv: str | Path, kind: str) -> Path | None:
    """The ``kind`` output written next to a metrics CSV, when that is named ``extracted_information_<x>.csv``.

    Returns the path (``error_matrix_<x>.csv``, ``lesions_<x>.csv``...) whether or not it exists, None when
    the metrics CSV has another name (its side outputs cannot be told).

    >>> sibling_output("out/extracted_information_SSA.csv", "lesions").as_posix()
    'out/lesions_SSA.csv'
    >>> sibling_output("out/my_metrics.csv", "lesions") is None
    True
    """
    path = Path(metrics_csv)
    prefix = OUTPUT_PREFIXES["metrics"]
    if not (path.name.startswith(prefix) and path.name.endswith(".csv")) or len(path.name) <= len(prefix) + 4:
        return None
    return output_csv(path.parent, kind, path.name[len(prefix):-4])
