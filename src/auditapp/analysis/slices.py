"""Slice-viewer computations (dashboard.md, "Slice viewer"): outcome maps, error profiles, jump targets,
display scaling, downsampling. Axes are ``(k, j, i)``: 0 = axial, 1 = coronal, 2 = sagittal (voxel planes).

Outcome codes (``uint8``): 0 neither in the region, 1 TP (both), 2 FP (predicted only), 3 FN (ground truth
only), 4 wrong label (both foreground with different labels, "All labels" only).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from auditapp.metrics.regions import bounding_box

__all__ = [
    "FN", "FP", "OUTCOME_NAMES", "TP", "WRONG", "OutcomeMap", "centroid", "display_window", "downsample",
    "downsample_step", "error_profile", "jump_targets", "label_volume", "outcome_map", "outcome_slice",
    "rank_subjects", "thumbnail_slice", "to_uint8"
]

TP, FP, FN, WRONG = 1, 2, 3, 4
#: Display name per outcome code (index = code; code 0 has no name).
OUTCOME_NAMES = ("", "TP", "FP", "FN", "Wrong label")


@dataclass(frozen=True)
class OutcomeMap:
    """Outcome codes inside the bounding box of ground truth ∪ prediction: ``codes`` (uint8; empty box when neither
    mask has a voxel) start at ``offset`` in a volume of ``shape``; centroids are NaN for an empty mask.
    """

    shape: tuple[int, int, int]
    offset: tuple[int, int, int]
    codes: np.ndarray
    gt_centroid: tuple[float, float, float]
    pred_centroid: tuple[float, float, float]


def label_volume(values: np.ndarray, *, name: str = "segmentation") -> np.ndarray:
    """Integer labels of a segmentation of any numeric dtype (``uint8`` if every value fits, else uint16).

    Raises
    ------
    ValueError
        When a value is negative, not a whole number, or above 65535 (the message starts with ``name``).

    Examples
    --------
    >>> label_volume(np.array([[[0.0, 2.0], [4.0, 1.0]]])).dtype
    dtype('uint8')
    """
    values = np.asarray(values)
    if values.dtype == np.uint8:
        return values
    lo, hi = (values.min(), values.max()) if values.size else (0, 0)
    if lo < 0 or hi > 65535:
        raise ValueError(f"{name}: label values must lie in 0..65535, got {lo}..{hi}")
    out = values.astype(np.uint8 if hi < 256 else np.uint16)
    if values.dtype.kind == "f" and not np.array_equal(out, values):
        raise ValueError(f"{name}: label values must be whole numbers (found fractional values)")
    return out


def _centroid(mask: np.ndarray, offset: tuple[int, ...]) -> tuple[float, float, float]:
    """Mean voxel index of ``mask`` (whose element 0 is at ``offset``); NaN when empty."""
    total = int(np.count_nonzero(mask))
    if total == 0:
        return (math.nan, math.nan, math.nan)
    out = []
    for axis in range(3):
        others = tuple(a for a in range(3) if a != axis)
        profile = np.count_nonzero(mask, axis=others)
        out.append(float(np.dot(np.arange(profile.size), profile)) / total + offset[axis])
    return tuple(out)  # type: ignore[return-value]


def outcome_map(gt: np.ndarray, pred: np.ndarray | None, *, values: tuple[int, ...] | None = None) -> OutcomeMap:
    """Outcome code per voxel (TP, FP, FN, wrong label) of a prediction against the ground truth.

    Parameters
    ----------
    gt, pred : (K, J, I) ndarray of int
        Label volumes of the same shape; ``pred`` None codes the ground truth alone as TP ("present").
    values : tuple of int, optional
        The region (a voxel is in it when its label is one of ``values``; a composite region counts a 1
        predicted as 3 as TP). None = every non-zero label, and foreground in both with different labels is
        code 4.

    Returns
    -------
    OutcomeMap

    Raises
    ------
    ValueError
        When shapes differ or the arrays are not 3-D.

    Examples
    --------
    >>> gt, pred = np.array([[[0, 1, 1, 2]]]), np.array([[[1, 1, 0, 1]]])
    >>> outcome_map(gt, pred).codes.tolist(), outcome_map(gt, pred, values=(1,)).codes.tolist()
    ([[[2, 1, 3, 4]]], [[[2, 1, 3, 2]]])
    """
    gt = np.asarray(gt)
    if gt.ndim != 3:
        raise ValueError(f"gt must be 3-D, got shape {gt.shape}")
    if pred is not None and np.shape(pred) != gt.shape:
        raise ValueError(f"gt and pred shapes differ: {gt.shape} vs {np.shape(pred)}")
    inside = (lambda a: a != 0) if values is None else (lambda a: np.isin(a, values))
    g = inside(gt)
    p = inside(pred) if pred is not None else g
    box = bounding_box(g | p)
    shape = tuple(int(s) for s in gt.shape)
    if box is None:
        nan = (math.nan,) * 3
        return OutcomeMap(shape, (0, 0, 0), np.zeros((0, 0, 0), np.uint8), nan, nan)  # type: ignore[arg-type]
    offset = tuple(s.start for s in box)
    g, p = g[box], p[box]
    codes = np.zeros(g.shape, np.uint8)
    codes[g & p] = TP
    codes[p & ~g] = FP
    codes[g & ~p] = FN
    if pred is not None and values is None:
        codes[g & p & (gt[box] != pred[box])] = WRONG
    return OutcomeMap(shape, offset, codes, _centroid(g, offset), _centroid(p, offset))  # type: ignore[arg-type]


def outcome_slice(omap: OutcomeMap, axis: int, index: int) -> np.ndarray:
    """The full-size 2-D slice ``index`` along ``axis`` of the outcome codes (zeros outside the box).

    Examples
    --------
    >>> outcome_slice(outcome_map(np.pad([[[1]]], 1), np.pad([[[0]]], 1)), 0, 1).tolist()
    [[0, 0, 0], [0, 3, 0], [0, 0, 0]]
    """
    if axis not in (0, 1, 2):
        raise ValueError(f"axis must be 0, 1 or 2, got {axis}")
    if not 0 <= index < omap.shape[axis]:
        raise ValueError(f"index {index} outside 0..{omap.shape[axis] - 1} along axis {axis}")
    others = [a for a in range(3) if a != axis]
    out = np.zeros([omap.shape[a] for a in others], np.uint8)
    local = index - omap.offset[axis]
    if omap.codes.size and 0 <= local < omap.codes.shape[axis]:
        part = np.take(omap.codes, local, axis=axis)
        o0, o1 = omap.offset[others[0]], omap.offset[others[1]]
        out[o0:o0 + part.shape[0], o1:o1 + part.shape[1]] = part
    return out


def error_profile(omap: OutcomeMap, axis: int) -> dict[str, np.ndarray]:
    """Voxel counts per slice along ``axis``: ``"tp"``, ``"fp"``, ``"fn"``; a wrong label counts as FN and FP.

    Examples
    --------
    >>> gt = np.zeros((3, 2, 2), int); pred = np.zeros_like(gt)
    >>> gt[0] = 1; pred[0, 0] = 1; pred[2, 1, 1] = 2
    >>> {k: v.tolist() for k, v in error_profile(outcome_map(gt, pred), 0).items()}
    {'tp': [2, 0, 0], 'fp': [0, 0, 1], 'fn': [2, 0, 0]}
    """
    others = tuple(a for a in range(3) if a != axis)
    n = omap.shape[axis]
    out = {}
    for name, codes in (("tp", (TP,)), ("fp", (FP, WRONG)), ("fn", (FN, WRONG))):
        full = np.zeros(n, np.int64)
        if omap.codes.size:
            counts = np.count_nonzero(np.isin(omap.codes, codes), axis=others)
            full[omap.offset[axis]:omap.offset[axis] + counts.size] = counts
        out[name] = full
    return out


def centroid(omap: OutcomeMap) -> tuple[int, int, int]:
    """Ground-truth centroid rounded half up; else the prediction's; else the volume centre.

    Examples
    --------
    >>> gt = np.zeros((4, 4, 4), int); gt[1, 1:3, 2] = 1
    >>> centroid(outcome_map(gt, None))
    (1, 2, 2)
    """
    for point in (omap.gt_centroid, omap.pred_centroid):
        if not math.isnan(point[0]):
            return tuple(int(min(max(math.floor(c + 0.5), 0), s - 1))  # type: ignore[return-value]
                         for c, s in zip(point, omap.shape))
    return tuple(s // 2 for s in omap.shape)  # type: ignore[return-value]


def jump_targets(omap: OutcomeMap) -> dict[str, tuple[int, int, int] | None]:
    """Per axis, the slice with the most FN (``"fn"``) / FP (``"fp"``) voxels (first on a tie; None if none),
    and the ``"centroid"``.

    Examples
    --------
    >>> gt = np.zeros((3, 3, 3), int); pred = np.zeros_like(gt); gt[0, 1, 2] = 1; pred[2, 2, 0] = 1
    >>> jump_targets(outcome_map(gt, pred))
    {'fn': (0, 1, 2), 'fp': (2, 2, 0), 'centroid': (0, 1, 2)}
    """
    out: dict[str, tuple[int, int, int] | None] = {}
    profiles = [error_profile(omap, axis) for axis in range(3)]
    for kind in ("fn", "fp"):
        counts = [p[kind] for p in profiles]
        out[kind] = tuple(int(np.argmax(c)) for c in counts) if counts[0].any() else None  # type: ignore
    out["centroid"] = centroid(omap)
    return out


def thumbnail_slice(omap: OutcomeMap) -> int:
    """Axial slice with the most errors (FP + FN, wrong labels once); the centroid's when there is none.

    Examples
    --------
    >>> gt = np.zeros((4, 2, 2), int); pred = np.zeros_like(gt); gt[1] = 1; pred[1] = 1; pred[3, 0] = 1
    >>> thumbnail_slice(outcome_map(gt, pred))
    3
    """
    errors = np.zeros(omap.shape[0], np.int64)
    if omap.codes.size:
        counts = np.count_nonzero(omap.codes >= FP, axis=(1, 2))
        errors[omap.offset[0]:omap.offset[0] + counts.size] = counts
    return int(np.argmax(errors)) if errors.any() else centroid(omap)[0]


def display_window(image: np.ndarray, *, low: float = 0.5, high: float = 99.5, max_samples: int = 1_000_000
                   ) -> tuple[float, float]:
    """Display range: the ``low`` / ``high`` percentiles of the non-zero voxels (a strided sample of at most
    ``max_samples``); all zero or constant gives ``(lo, lo + 1)``.

    Examples
    --------
    >>> display_window(np.array([0, 1, 2, 3, 4, 0]), low=0, high=100)
    (1.0, 4.0)
    """
    flat = np.asarray(image).reshape(-1)
    step = max(1, flat.size // max_samples)
    sample = flat[::step]
    sample = sample[np.isfinite(sample) & (sample != 0)] if sample.dtype.kind == "f" else sample[sample != 0]
    if sample.size == 0:
        return (0.0, 1.0)
    lo, hi = (float(v) for v in np.percentile(sample, [low, high]))
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


def to_uint8(image: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Scale ``[lo, hi]`` linearly to ``0..255`` (clipped) as ``uint8``; NaN becomes 0.

    Examples
    --------
    >>> to_uint8(np.array([-1.0, 0.0, 5.0, 10.0, 20.0]), 0.0, 10.0).tolist()
    [0, 0, 128, 255, 255]
    """
    scaled = (np.asarray(image, dtype=np.float32) - np.float32(lo)) * np.float32(255.0 / (hi - lo))
    np.clip(scaled, 0, 255, out=scaled)
    np.nan_to_num(scaled, copy=False, nan=0.0)
    return np.rint(scaled, out=scaled).astype(np.uint8)


def downsample_step(shape: tuple[int, ...], max_side: int) -> int:
    """Smallest integer stride that makes every side of ``shape`` at most ``max_side``.

    Examples
    --------
    >>> downsample_step((240, 240), 256), downsample_step((512, 384), 256), downsample_step((513, 10), 256)
    (1, 2, 3)
    """
    if max_side < 1:
        raise ValueError(f"max_side must be >= 1, got {max_side}")
    return max(1, math.ceil(max(shape) / max_side))


def downsample(plane: np.ndarray, max_side: int) -> np.ndarray:
    """Every ``step``-th pixel of a 2-D slice (:func:`downsample_step`), a view; labels stay labels.

    Examples
    --------
    >>> downsample(np.arange(16).reshape(4, 4), 2).tolist()
    [[0, 2], [8, 10]]
    """
    step = downsample_step(plane.shape, max_side)
    return plane[::step, ::step]


def rank_subjects(values: pd.DataFrame, value: str, n: int, *, direction: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` worst and ``n`` best rows of ``values`` by the column ``value`` (NaN out, ties by ``ID``).

    Parameters
    ----------
    values : DataFrame
        One row per subject, with ``ID`` and ``value``.
    value : str
    n : int
        Rows per side (>= 1).
    direction : {1, -1}
        ``+1`` when higher is better (Dice), ``-1`` when lower is (Hausdorff).

    Returns
    -------
    worst, best : DataFrame

    Raises
    ------
    ValueError
        When ``n < 1`` or ``direction`` is not 1 or -1.

    Examples
    --------
    >>> df = pd.DataFrame({"ID": ["a", "b", "c", "d"], "dice": [0.9, 0.2, float("nan"), 0.5]})
    >>> worst, best = rank_subjects(df, "dice", 2, direction=1)
    >>> list(worst["ID"]), list(best["ID"])
    (['b', 'd'], ['a', 'd'])
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if direction not in (1, -1):
        raise ValueError(f"direction must be 1 (higher is better) or -1 (lower is better), got {direction}")
    valid = values[values[value].notna()]
    ascending = valid.sort_values([value, "ID"], ascending=[True, True], kind="stable")
    descending = valid.sort_values([value, "ID"], ascending=[False, True], kind="stable")
    low, high = ascending.head(n), descending.head(n)
    worst, best = (low, high) if direction == 1 else (high, low)
    return worst.reset_index(drop=True), best.reset_index(drop=True)
