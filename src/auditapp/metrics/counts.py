"""Joint voxel counts of ground-truth and predicted label values, in one pass.

Every overlap metric of a region and both error matrices derive from this
table, so a subject/model pair is counted once, whatever the number of regions.
"""

from __future__ import annotations

import numpy as np

__all__ = ["value_pair_counts", "as_label_array"]


def as_label_array(volume: np.ndarray, *, name: str = "segmentation") -> np.ndarray:
    """Return ``volume`` as an integer array, refusing non-integral values.

    Integer arrays are returned unchanged (no copy). Float arrays whose values
    are all integral (segmentations stored as float32) are converted to int32.

    Raises
    ------
    ValueError
        If a float array holds a non-integral value or a NaN.
    """
    if np.issubdtype(volume.dtype, np.integer) or volume.dtype == np.bool_:
        return volume
    as_int = volume.astype(np.int32)
    if not np.array_equal(as_int, volume):
        bad = volume[(as_int != volume)]
        raise ValueError(f"{name} holds non-integral label values (e.g. {bad.flat[0]!r})")
    return as_int


def value_pair_counts(gt: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Count voxels per (ground-truth value, predicted value) pair.

    Parameters
    ----------
    gt, pred : ndarray of int, same shape
        Label volumes.

    Returns
    -------
    pairs : (N, 2) ndarray of int64
        Distinct ``(gt_value, pred_value)`` pairs present, sorted lexicographically.
    counts : (N,) ndarray of int64
        Number of voxels of each pair (all > 0).

    Raises
    ------
    ValueError
        If the shapes differ.

    Notes
    -----
    Labels in 0..255 (every BraTS-like segmentation) are counted with a single
    ``np.bincount`` over ``gt * 256 + pred``; other values fall back to
    ``np.unique`` on the stacked pairs.

    Examples
    --------
    >>> gt = np.array([[0, 1], [1, 2]])
    >>> pred = np.array([[0, 1], [2, 2]])
    >>> pairs, counts = value_pair_counts(gt, pred)
    >>> pairs.tolist(), counts.tolist()
    ([[0, 0], [1, 1], [1, 2], [2, 2]], [1, 1, 1, 1])
    """
    if gt.shape != pred.shape:
        raise ValueError(f"gt and pred must have the same shape; got {gt.shape} and {pred.shape}")
    if gt.size == 0:
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64)
    gt = np.asarray(gt)
    pred = np.asarray(pred)
    lo = min(int(gt.min()), int(pred.min()))
    hi = max(int(gt.max()), int(pred.max()))
    if lo >= 0 and hi < 256:
        codes = gt.astype(np.uint16, copy=False) * np.uint16(256)
        codes += pred.astype(np.uint16, copy=False)
        table = np.bincount(codes.ravel(), minlength=65536)
        nonzero = np.flatnonzero(table)
        pairs = np.stack([nonzero // 256, nonzero % 256], axis=1).astype(np.int64)
        return pairs, table[nonzero].astype(np.int64)
    stacked = np.stack([gt.ravel().astype(np.int64), pred.ravel().astype(np.int64)], axis=1)
    pairs, counts = np.unique(stacked, axis=0, return_counts=True)
    return pairs.astype(np.int64), counts.astype(np.int64)
