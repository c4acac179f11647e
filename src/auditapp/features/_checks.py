"""Input checks shared by the feature functions (one message per problem)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["check_volume", "check_spacing"]


def check_volume(image, *, name: str = "image") -> np.ndarray:
    """Return ``image`` as an array, refusing anything that is not a 3-D numeric array.

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


def check_spacing(spacing) -> tuple[float, float, float]:
    """Return the spacing as 3 floats, refusing a wrong length or non-finite/non-positive values.

    Examples
    --------
    >>> check_spacing([1, 2, 0.5])
    (1.0, 2.0, 0.5)
    """
    values = tuple(float(s) for s in spacing)
    if len(values) != 3:
        raise ValueError(f"spacing must have 3 values (k, j, i); got {len(values)}")
    if not all(math.isfinite(v) and v > 0 for v in values):
        raise ValueError(f"spacing values must be finite and positive; got {values}")
    return values
