"""Controlled segmentation errors of synthetic models: dilation, erosion, label swap, missed lesion.

Pure functions on (k, j, i) label arrays; :func:`make_prediction` applies a
:class:`ModelErrors` recipe. Used by :mod:`auditapp.demo.synthetic`.

Examples
--------
>>> import numpy as np
>>> gt = np.zeros((5, 5, 5), np.uint8); gt[1:4, 1:4, 1:4] = 2
>>> int((make_prediction(gt, ModelErrors(dilation=1)) > 0).sum()), int((make_prediction(gt, ModelErrors(erosion=1)) > 0).sum())
(81, 1)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from auditapp.demo._shapes import _bbox, _rng

__all__ = ["ModelErrors", "DEFAULT_MODELS", "dilate_labels", "erode_labels", "swap_labels", "remove_lesion",
           "make_prediction"]


@dataclass(frozen=True)
class ModelErrors:
    """Controlled errors a synthetic model makes, applied in the order of the fields.

    Attributes
    ----------
    dilation : int
        Grow the tumour outward by this many voxels (new voxels take the nearest label).
    erosion : int
        Shrink the whole tumour by this many voxels (removed voxels become background).
    swap : (int, int) or None
        Exchange these two label values ...
    swap_fraction : float
        ... in this fraction of the tumour's extent along k (1.0: everywhere).
    miss_probability : float
        Per subject, probability of missing a lesion: the smallest connected component
        (the whole tumour when there is only one, giving an empty prediction).
    """

    dilation: int = 0
    erosion: int = 0
    swap: tuple[int, int] | None = None
    swap_fraction: float = 1.0
    miss_probability: float = 0.0


#: Two models with different, controlled errors: A over-segments; B under-segments,
#: confuses necrosis and enhancing tumour in part of the lesion and sometimes misses a lesion.
DEFAULT_MODELS: dict[str, ModelErrors] = {
    "modelA": ModelErrors(dilation=1),
    "modelB": ModelErrors(erosion=1, swap=(1, 3), swap_fraction=0.5, miss_probability=0.3),
}


def dilate_labels(seg: np.ndarray, iterations: int = 1) -> np.ndarray:
    """Grow every labelled region outward into the background by ``iterations`` voxels.

    Each new voxel takes the label of its nearest labelled voxel (Euclidean, voxel units).
    Returns a new array of the same dtype.

    Examples
    --------
    >>> a = np.zeros((1, 1, 7), np.uint8); a[0, 0, 3] = 2
    >>> dilate_labels(a, 2)[0, 0].tolist()
    [0, 2, 2, 2, 2, 2, 0]
    """
    out = seg.copy()
    mask = seg > 0
    box = _bbox(mask, margin=iterations + 1)
    if box is None or iterations <= 0:
        return out
    local = seg[box]
    m = local > 0
    grown = ndimage.binary_dilation(m, ndimage.generate_binary_structure(3, 1), iterations=iterations)
    _, idx = ndimage.distance_transform_edt(~m, return_indices=True)
    nearest = local[tuple(idx)]
    new = grown & ~m
    local_out = out[box]
    local_out[new] = nearest[new]
    return out


def erode_labels(seg: np.ndarray, iterations: int = 1) -> np.ndarray:
    """Shrink the whole tumour by ``iterations`` voxels (removed voxels become 0).

    Examples
    --------
    >>> a = np.zeros((7, 7, 7), np.uint8); a[1:6, 1:6, 1:6] = 2; a[3, 3, 3] = 3
    >>> b = erode_labels(a, 1)
    >>> int((b > 0).sum()), int(b[3, 3, 3])
    (27, 3)
    """
    out = seg.copy()
    mask = seg > 0
    box = _bbox(mask, margin=1)
    if box is None or iterations <= 0:
        return out
    m = mask[box]
    kept = ndimage.binary_erosion(m, ndimage.generate_binary_structure(3, 1), iterations=iterations,
                                  border_value=0)
    local_out = out[box]
    local_out[m & ~kept] = 0
    return out


def swap_labels(seg: np.ndarray, a: int, b: int, *, fraction: float = 1.0) -> np.ndarray:
    """Exchange label values ``a`` and ``b`` in the first ``fraction`` of the tumour's extent along k.

    Examples
    --------
    >>> a = np.array([[[1, 3, 2]], [[1, 3, 2]]], np.uint8)
    >>> swap_labels(a, 1, 3).ravel().tolist()
    [3, 1, 2, 3, 1, 2]
    >>> swap_labels(a, 1, 3, fraction=0.5).ravel().tolist()
    [3, 1, 2, 1, 3, 2]
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1]; got {fraction}")
    out = seg.copy()
    box = _bbox(seg > 0)
    if box is None:
        return out
    k0, k1 = box[0].start, box[0].stop
    stop = k0 + int(round((k1 - k0) * fraction))
    part = out[k0:stop]
    is_a, is_b = part == a, part == b
    part[is_a] = b
    part[is_b] = a
    return out


def remove_lesion(seg: np.ndarray) -> np.ndarray:
    """Remove the smallest connected tumour component (26-connectivity); the only one if there is one.

    Examples
    --------
    >>> a = np.zeros((1, 1, 8), np.uint8); a[0, 0, 1:4] = 2; a[0, 0, 6] = 3
    >>> remove_lesion(a)[0, 0].tolist()
    [0, 2, 2, 2, 0, 0, 0, 0]
    """
    out = seg.copy()
    box = _bbox(seg > 0)
    if box is None:
        return out
    comp, n = ndimage.label(seg[box] > 0, structure=np.ones((3, 3, 3), bool))
    sizes = np.bincount(comp.ravel())[1:]
    smallest = int(np.argmin(sizes)) + 1
    out[box][comp == smallest] = 0
    return out


def make_prediction(seg: np.ndarray, errors: ModelErrors, *, seed: int = 0) -> np.ndarray:
    """Apply a model's controlled errors to a ground truth (uint8 result, same shape).

    ``seed`` only drives ``miss_probability``; everything else is deterministic.
    """
    pred = np.asarray(seg).astype(np.uint8, copy=True)
    if errors.dilation:
        pred = dilate_labels(pred, errors.dilation)
    if errors.erosion:
        pred = erode_labels(pred, errors.erosion)
    if errors.swap is not None:
        pred = swap_labels(pred, errors.swap[0], errors.swap[1], fraction=errors.swap_fraction)
    if errors.miss_probability > 0 and _rng(seed, 4).random() < errors.miss_probability:
        pred = remove_lesion(pred)
    return pred
