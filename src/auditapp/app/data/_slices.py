"""Slice-viewer data: a subject's files, its volumes read once (cached, bounded memory), outcome maps, thumbnails.

Files are located by :func:`auditapp.viewers.itksnap.subject_layout` (the same folders and path rules as the
ITK-SNAP launcher) and read by :func:`auditapp.io.nifti.read_volume`. Every cache is keyed on the files'
``(path, mtime_ns, size)``, so an edited file is re-read and an unchanged one never is.

Memory: images are kept as display-scaled ``uint8`` (9 MB for a 240 x 240 x 155 volume instead of 36 MB of
float32), label volumes as ``uint8``/``uint16``, outcome maps cropped to the lesion's box; at most
:data:`MAX_VOLUMES` images and as many label volumes are kept (least recently used dropped), shared by all
sessions (``st.cache_resource``: no copy per rerun, the arrays are read-only).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from auditapp.analysis import slices
from auditapp.app.plots import images
from auditapp.config.model import AppConfig, Label
from auditapp.io.nifti import read_volume
from auditapp.viewers import itksnap

__all__ = [
    "MAX_VOLUMES",
    "ImageVolume",
    "ViewerFiles",
    "gallery_thumbnail",
    "image_volume",
    "jump_targets",
    "label_regions",
    "label_volume",
    "missing_file_messages",
    "outcome_counts",
    "outcome_map",
    "viewer_files",
    "viewer_geometry",
    "viewer_plane",
]

#: ``(path, mtime_ns, size)`` of a file (:func:`auditapp.app.data.file_signature`): the cache key of a volume.
Signature = tuple[str, int, int]
#: Images (and, separately, label volumes) kept in memory at most.
MAX_VOLUMES = 12
THUMBNAIL_SIDE = 160


@dataclass(frozen=True)
class ImageVolume:
    """A volume ready for display: ``data`` (``uint8`` after :func:`~auditapp.analysis.slices.display_window`, or
    integer labels), read-only, and its spacing in ``(k, j, i)`` order."""

    data: np.ndarray
    spacing: tuple[float, float, float]


ViewerFiles = itksnap.SubjectLayout


def viewer_files(cfg: AppConfig, set_name: str, subject: str) -> ViewerFiles:
    """Sequences, ground truth and every configured model's prediction of a subject (ITK-SNAP path rules).

    Raises
    ------
    auditapp.viewers.itksnap.ViewerError
        Bad ID, no image folder configured, or the subject folder is missing / outside its root.
    """
    return itksnap.subject_layout(cfg, set_name, subject, tuple(cfg.predictions.get(set_name, {})))


def missing_file_messages(cfg: AppConfig, set_name: str, files: ViewerFiles, model: str | None = None) -> list[str]:
    """One sentence per file the viewer looked for and did not find (image, ground truth, chosen prediction)."""
    exts = " or ".join(cfg.formats.image)
    out = []
    subject, folder = files.subject, files.folder
    if not files.sequences:
        tried = ", ".join(f"{subject}{s}" for s in files.missing_sequences) or f"{subject}_<sequence>"
        out.append(f"No image file for {subject} in {folder} (looked for {tried} with {exts}): the overlays are "
                   "drawn on black.")
    if files.seg is None:
        seg_exts = " or ".join(cfg.formats.segmentation)
        out.append(f"Ground truth not found: {folder / (subject + '_seg')} ({seg_exts}).")
    if model is not None and files.predictions.get(model, "absent") is None:
        pdir = Path(cfg.predictions[set_name][model])
        out.append(f"Prediction of {model} not found: {pdir / subject / (subject + '_pred')} or "
                   f"{pdir / (subject + '_pred')} ({' or '.join(cfg.formats.prediction)}; "
                   f"predictions.{set_name}.{model} in app.yaml).")
    return out


def label_regions(labels: tuple[Label, ...] | None) -> dict[str, tuple[int, ...] | None]:
    """``{"All labels": None, <label>: values...}`` for the foreground labels of the config (composites too)."""
    out: dict[str, tuple[int, ...] | None] = {"All labels": None}
    for lab in labels or ():
        if not lab.is_background:
            out[lab.name] = tuple(lab.values)
    return out


def _readonly(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _read_image(path: str) -> ImageVolume:
    vol = read_volume(path, stage="viewer")
    lo, hi = slices.display_window(vol.data)
    return ImageVolume(_readonly(slices.to_uint8(vol.data, lo, hi)), vol.spacing)


def _read_labels(path: str) -> ImageVolume:
    vol = read_volume(path, stage="viewer")
    return ImageVolume(_readonly(slices.label_volume(vol.data, name=Path(path).name)), vol.spacing)


def _outcome(g: np.ndarray, p: np.ndarray | None, gt: str, pred: str | None,
             values: tuple[int, ...] | None) -> slices.OutcomeMap:
    if p is not None and p.shape != g.shape:
        raise ValueError(f"{Path(pred).name} has shape {p.shape[::-1]} but {Path(gt).name} has "
                         f"{g.shape[::-1]}: the prediction does not match the ground truth.")
    result = slices.outcome_map(g, p, values=values)
    _readonly(result.codes)
    return result


@st.cache_resource(max_entries=MAX_VOLUMES, show_spinner=False)
def image_volume(path: str, mtime_ns: int, size: int) -> ImageVolume:
    """The image at ``path`` scaled to ``uint8`` for display (0.5-99.5 percentiles of its non-zero voxels).

    Raises
    ------
    auditapp.errors.SubjectError
        The file cannot be read (message names the file).
    """
    return _read_image(path)


@st.cache_resource(max_entries=MAX_VOLUMES, show_spinner=False)
def label_volume(path: str, mtime_ns: int, size: int) -> ImageVolume:
    """The segmentation at ``path`` as integer labels (``uint8`` when they fit).

    Raises
    ------
    auditapp.errors.SubjectError
        The file cannot be read.
    ValueError
        Its values are not whole numbers in 0..65535 (message names the file).
    """
    return _read_labels(path)


@st.cache_resource(max_entries=4 * MAX_VOLUMES, show_spinner=False)
def outcome_map(gt: Signature, pred: Signature | None,
            values: tuple[int, ...] | None) -> slices.OutcomeMap:
    """:func:`~auditapp.analysis.slices.outcome_map` of two files, given by their signatures.

    Raises
    ------
    ValueError
        When the two volumes' shapes differ (message names both files).
    """
    g = label_volume(*gt).data
    p = label_volume(*pred).data if pred is not None else None
    return _outcome(g, p, gt[0], pred[0] if pred else None, values)


@st.cache_data(max_entries=1024, show_spinner=False)
def gallery_thumbnail(image: Signature | None, gt: Signature, pred: Signature,
              values: tuple[int, ...] | None, opacity: float = 0.6) -> tuple[np.ndarray, int, int]:
    """Gallery thumbnail of one subject and model: the axial slice with most errors (RGB, at most 160 px a side),
    its index, and its number of error voxels (FP + FN + wrong label).

    Cached per files and region, so it is computed once; the volumes it reads are not kept (a gallery of many
    subjects does not push the viewer's volumes out of memory).
    """
    omap = _outcome(_read_labels(gt[0]).data, _read_labels(pred[0]).data, gt[0], pred[0], values)
    index = slices.thumbnail_slice(omap)
    codes = slices.outcome_slice(omap, 0, index)
    gray = None
    if image is not None:
        vol = read_volume(image[0], stage="viewer").data
        if vol.shape == omap.shape:  # window from the whole volume, scaling of one slice only
            gray = slices.to_uint8(vol[index], *slices.display_window(vol))
    rgb = images.plane_rgb(gray, codes, images.outcome_palette(), opacity, THUMBNAIL_SIDE)
    return rgb, index, int(np.count_nonzero(codes >= slices.FP))


@st.cache_resource(max_entries=4 * MAX_VOLUMES, show_spinner=False)
def jump_targets(gt: Signature, pred: Signature | None,
                 values: tuple[int, ...] | None) -> dict[str, tuple[int, int, int] | None]:
    """:func:`~auditapp.analysis.slices.jump_targets` of :func:`outcome_map` (cached: computed once per pair)."""
    return slices.jump_targets(outcome_map(gt, pred, values))


def viewer_geometry(image: Signature | None, gt: Signature | None, pred: Signature | None
                 ) -> tuple[tuple[int, int, int], tuple[float, float, float]] | None:
    """Shape and spacing of the subject's volumes (ground truth first), None when none is given."""
    if gt is not None:
        vol = label_volume(*gt)
    elif pred is not None:
        vol = label_volume(*pred)
    elif image is not None:
        vol = image_volume(*image)
    else:
        return None
    return vol.data.shape, vol.spacing


@st.cache_data(max_entries=512, show_spinner=False)
def viewer_plane(image: Signature | None, gt: Signature | None, pred: Signature | None,
                 values: tuple[int, ...] | None, label_colors: tuple | None, shape: tuple[int, int, int],
                 axis: int, index: int, opacity: float, max_side: int) -> tuple[str, tuple[int, int], int]:
    """One displayed plane as a PNG data URI (:func:`auditapp.app.plots.images.plane_source`), cached per files,
    plane, slice and display options, so moving one slider re-encodes one plane only.

    ``label_colors`` None: outcome colours of the prediction against the ground truth (the ground truth alone
    when ``pred`` is None); else ``((value, (r, g, b)), ...)``: the labels of the ground truth (of the prediction
    when ``gt`` is None) in those colours.
    ``shape`` is the volume's (:func:`viewer_geometry`); an image of another shape is left out (the page says so).
    """
    gray = None
    if image is not None:
        vol = image_volume(*image).data
        if vol.shape == shape:
            gray = np.take(vol, index, axis=axis)
    if gt is None and pred is None:
        codes = np.zeros([shape[a] for a in range(3) if a != axis], np.uint8)
        palette = images.outcome_palette()
    elif label_colors is None and gt is not None:
        codes = slices.outcome_slice(outcome_map(gt, pred, values), axis, index)
        palette = images.outcome_palette()
    else:
        labels = np.take(label_volume(*(gt or pred)).data, index, axis=axis)
        codes = labels if values is None else np.where(np.isin(labels, values), labels, 0)
        palette = images.label_palette(dict(label_colors), size=int(max(codes.max(initial=0), 255)) + 1)
    return images.plane_source(gray, codes, palette, opacity, max_side)


@st.cache_resource(max_entries=4 * MAX_VOLUMES, show_spinner=False)
def outcome_counts(gt: Signature, pred: Signature | None, values: tuple[int, ...] | None) -> dict[str, int]:
    """Voxel counts ``{"TP": n, "FP": n, "FN": n}`` (+ ``"Wrong label"`` for all labels) of :func:`outcome_map`."""
    codes = outcome_map(gt, pred, values).codes
    counts = np.bincount(codes.ravel(), minlength=5)
    names = slices.OUTCOME_NAMES[1:5] if values is None and pred is not None else slices.OUTCOME_NAMES[1:4]
    return {name: int(counts[code]) for code, name in enumerate(names, start=1)}
