"""Array checks shared by the compute functions (features, metrics): one checker per rule, one message each.

Compute functions call these at the top and raise ``ValueError`` for bad arguments (STYLE.md §4).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["check_binary_mask", "check_same_shape", "check_spacing", "check_volume"]


def check_volume(image, *, name: str = "image") -> np.ndarray:
    """Return ``image`` as an array, refusing anything that is not a 3-D numeric (or bool) array.

    Examples
    --------
    >>> check_volume(np.zeros((2, 2)))
    Traceback (most recent call last):
    ...
    ValueError: image must be a 3-D array (k, j, i); got shape (2, 2)
    """
    arr = np.asarray(image)
    if arr.ndim != 3:
        raise ValueError(f"{name} must be a 3-D array (k, j, i); got shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise ValueError(f"{name} must be numeric; got dtype {arr.dtype}")
    return arr


def check_spacing(spacing: Sequence[float], ndim: int = 3, *, positive: bool = True) -> tuple[float, ...]:
    """Return the spacing as ``ndim`` floats; refuse a wrong length and (``positive``) non-finite or values <= 0.

    Examples
    --------
    >>> check_spacing([1, 2, 0.5])
    (1.0, 2.0, 0.5)
    >>> check_spacing([1, 1])
    Traceback (most recent call last):
    ...
    ValueError: spacing must have 3 values, one value per axis; got 2
    """
    values = tuple(float(s) for s in spacing)
    if len(values) != ndim:
        raise ValueError(f"spacing must have {ndim} values, one value per axis; got {len(values)}")
    if positive and not all(math.isfinite(v) and v > 0 for v in values):
        raise ValueError(f"spacing values must be finite and > 0; got {list(values)}")
    return values


def check_same_shape(gt: np.ndarray, pred: np.ndarray) -> None:
    """Refuse a ground truth and a prediction of different shapes.

    >>> check_same_shape(np.zeros((2, 3)), np.zeros((3, 2)))
    Traceback (most recent call last):
    ...
    ValueError: gt and pred must have the same shape; got (2, 3) and (3, 2)
    """
    if gt.shape != pred.shape:
        raise ValueError(f"gt and pred must have the same shape; got {gt.shape} and {pred.shape}")


def check_binary_mask(mask: np.ndarray, *, name: str) -> np.ndarray:
    """Return ``mask`` as bool, refusing values other than 0/1 (a bool array is returned as is)."""
    if mask.dtype != np.bool_ and not np.isin(mask, (0, 1)).all():
        raise ValueError(f"{name} must be a binary mask (bool or 0/1 values)")
    return mask.astype(bool, copy=False)
