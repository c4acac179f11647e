"""Joint voxel counts of ground-truth and predicted label values, in one pass.

Every overlap metric of a region and both error matrices derive from this
table, so a subject/model pair is counted once, whatever the number of regions.
"""

from __future__ import annotations

import warnings

import numpy as np

from auditapp._validation import check_same_shape
from auditapp.errors import NonIntegralLabelWarning

__all__ = ["value_pair_counts", "as_label_array", "NON_INTEGRAL"]

#: Value given by ``as_label_array(..., non_integral="mark")`` to non-integral voxels.
NON_INTEGRAL = int(np.iinfo(np.int32).min)


def as_label_array(volume: np.ndarray, *, name: str = "segmentation",
                   non_integral: str = "raise") -> np.ndarray:
    """Return ``volume`` as an integer array, refusing (or marking) non-integral values.

    Integer arrays are returned unchanged (no copy). Float arrays whose values
    are all integral (segmentations stored as float32) are converted to int32.

    Parameters
    ----------
    volume : ndarray
        Label volume, integer, boolean or float.
    name : str
        Used in the error message.
    non_integral : {"raise", "mark"}
        What to do with a non-integral or NaN value: ``"raise"`` a ValueError,
        or ``"mark"`` it with the value :data:`NON_INTEGRAL` (-2**31, matching no label) and
        emit a :class:`~auditapp.errors.NonIntegralLabelWarning`.

    Raises
    ------
    ValueError
        If a float array holds a non-integral value or a NaN and
        ``non_integral="raise"``.

    Examples
    --------
    >>> as_label_array(np.array([0.0, 1.0, 2.0])).tolist()
    [0, 1, 2]
    """
    if np.issubdtype(volume.dtype, np.integer) or volume.dtype == np.bool_:
        return volume
    with np.errstate(invalid="ignore"):
        as_int = volume.astype(np.int32)
    bad = as_int != volume
    if not bad.any():
        return as_int
    example = volume[bad].flat[0]
    if non_integral == "raise":
        raise ValueError(f"{name} holds non-integral label values (e.g. {example!r})")
    warnings.warn(
        f"{name} holds {int(np.count_nonzero(bad))} voxels with non-integral values "
        f"(e.g. {float(example)!r}); they match no label",
        NonIntegralLabelWarning, stacklevel=2,
    )
    as_int[bad] = NON_INTEGRAL
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
    ``np.bincount`` over the non-zero codes ``gt * 256 + pred`` (code 0, the (0, 0) pair, is
    the rest); other values fall back to
    ``np.unique`` per volume (value codes), then one ``np.bincount``.

    Examples
    --------
    >>> gt = np.array([[0, 1], [1, 2]])
    >>> pred = np.array([[0, 1], [2, 2]])
    >>> pairs, counts = value_pair_counts(gt, pred)
    >>> pairs.tolist(), counts.tolist()
    ([[0, 0], [1, 1], [1, 2], [2, 2]], [1, 1, 1, 1])
    """
    check_same_shape(gt, pred)
    if gt.size == 0:
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64)
    gt = np.asarray(gt)
    pred = np.asarray(pred)
    if gt.dtype == np.uint8 and pred.dtype == np.uint8:
        lo, hi = 0, 255
    else:
        lo = min(int(gt.min()), int(pred.min()))
        hi = max(int(gt.max()), int(pred.max()))
    if lo >= 0 and hi < 256:
        codes = gt.astype(np.uint16, copy=False) * np.uint16(256)
        codes += pred.astype(np.uint16, copy=False)
        codes = codes.reshape(-1)
        # most voxels are (0, 0), code 0: count the others only (bincount widens its input to intp)
        others = codes[codes != 0]
        table = np.bincount(others, minlength=65536)
        table[0] = codes.size - others.size
        nonzero = np.flatnonzero(table)
        pairs = np.stack([nonzero // 256, nonzero % 256], axis=1).astype(np.int64)
        return pairs, table[nonzero].astype(np.int64)
    gt_values, gt_codes = np.unique(gt.ravel(), return_inverse=True)
    pred_values, pred_codes = np.unique(pred.ravel(), return_inverse=True)
    codes = gt_codes.astype(np.int64) * len(pred_values) + pred_codes
    table = np.bincount(codes, minlength=len(gt_values) * len(pred_values))
    nonzero = np.flatnonzero(table)
    pairs = np.stack([gt_values[nonzero // len(pred_values)].astype(np.int64),
                      pred_values[nonzero % len(pred_values)].astype(np.int64)], axis=1)
    return pairs, table[nonzero].astype(np.int64)
