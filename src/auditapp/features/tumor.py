"""Tumour features of a segmentation (features.md §7)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from auditapp.config.model import Label
from auditapp._validation import check_spacing, check_volume
from auditapp.errors import NonIntegralLabelWarning, UnconfiguredLabelWarning
from auditapp.features.spatial import PLANES, center_of_mass

__all__ = ["tumor_features", "size_labels", "tumor_location"]


def size_labels(labels: Sequence[Label]) -> list[Label]:
    """Labels that get a ``lesion_size_`` column, in column order.

    Non-background scalar labels by ascending value, then composite labels in
    config order.

    Examples
    --------
    >>> labs = (Label("BKG", (0,)), Label("EDE", (3,)), Label("ENH", (1,)), Label("NEC", (2,)))
    >>> [lab.key for lab in size_labels(labs)]
    ['enh', 'nec', 'ede']
    """
    scalars = sorted((lab for lab in labels if not lab.is_background and not lab.composite),
                     key=lambda lab: lab.values[0])
    composites = [lab for lab in labels if lab.composite]
    return scalars + composites


def tumor_location(brain_com: Sequence[float] | None, label_com: Sequence[float]) -> float:
    """Euclidean distance between two centroids; NaN if either has a NaN (or is None).

    Examples
    --------
    >>> tumor_location((0.0, 0.0, 0.0), (3.0, 4.0, 0.0))
    5.0
    """
    if brain_com is None:
        return math.nan
    diff = np.asarray(brain_com, dtype=np.float64) - np.asarray(label_com, dtype=np.float64)
    return float(math.sqrt(float(np.dot(diff, diff))))


def _integral_values(values: np.ndarray, counts: np.ndarray):
    """Split distinct seg values into integral ones (as int) and the rest."""
    integral, other = {}, []
    for value, count in zip(values.tolist(), counts.tolist()):
        if isinstance(value, float) and (not math.isfinite(value) or value != int(value)):
            other.append(value)
        else:
            integral[int(value)] = int(count)
    return integral, other


def _value_counts(crop: np.ndarray) -> tuple[dict[int, int], list[float]]:
    """Voxel count per integral value of ``crop`` and the list of non-integral values."""
    if crop.size == 0:
        return {}, []
    if np.issubdtype(crop.dtype, np.integer) or crop.dtype == np.bool_:
        as_int = crop
    else:
        as_int = crop.astype(np.int64)
        if not np.array_equal(as_int, crop):
            values, counts = np.unique(crop, return_counts=True)
            return _integral_values(values, counts)
    lo, hi = int(as_int.min()), int(as_int.max())
    if hi - lo > 1 << 20:
        values, counts = np.unique(as_int, return_counts=True)
        return {int(v): int(c) for v, c in zip(values, counts)}, []
    counts = np.bincount((as_int.astype(np.int64, copy=False) - lo).ravel())
    nonzero = np.flatnonzero(counts)
    return {int(v) + lo: int(counts[v]) for v in nonzero}, []


def tumor_features(
    seg: np.ndarray,
    *,
    spacing: Sequence[float],
    labels: Sequence[Label],
    brain_com: Sequence[float] | None = None,
) -> dict[str, float]:
    """Centres of mass, locations, sizes and extent of the labels of a segmentation.

    Parameters
    ----------
    seg : (K, J, I) ndarray
        Segmentation, integer or float with integral values.
    spacing : sequence of 3 float
        Its voxel size in (k, j, i) order.
    labels : sequence of Label
        Configured labels in config order. The value-0 label stands for the whole
        tumour (key ``whole``); a composite label's mask is the union of its values.
    brain_com : sequence of 3 float, optional
        Brain centroid (the ``<plane>_plane_center_of_mass`` values); None or NaN
        gives NaN locations.

    Returns
    -------
    dict of str to float
        ``<plane>_<L>_center_mass`` and ``<L>_tumor_location`` per label,
        ``lesion_size_<L>`` per non-background label, ``lesion_size_<v>`` per
        unconfigured value ``v`` present, ``lesion_size_whole``,
        ``<plane>_tumor_slices`` and ``lower_/upper_<plane>_tumor_slice``.

    Raises
    ------
    ValueError
        For a non-3-D segmentation or a spacing that is not 3 positive finite values.

    Warns
    -----
    UnconfiguredLabelWarning
        For label values present but not configured (they get a ``lesion_size_<v>`` column).
    NonIntegralLabelWarning
        For non-integral values (no column).

    Notes
    -----
    * ``<plane>_<L>_center_mass = spacing[a] * mean index along axis a`` of the label
      mask (``seg != 0`` for the background label); NaN if the mask is empty.
    * ``<L>_tumor_location = ||brain_com - label_com||``.
    * ``lesion_size_<L> = int(count(mask) * prod(spacing))``, truncated toward zero;
      0 when absent.
    * ``lesion_size_whole = count(seg > 0) * prod(spacing)`` (float, not truncated).
    * ``<plane>_tumor_slices`` = number of indices along axis a whose slice holds a
      ``seg != 0`` voxel (0 if none); ``lower_/upper_`` = first/last such index (NaN if none).

    Deviation from the reference 0.2.0: the value-0 label is ``whole`` whatever its
    name and never has a size column; unconfigured values are named ``lesion_size_4``
    (never ``lesion_size_4.0``).

    Examples
    --------
    >>> seg = np.zeros((2, 3, 3), np.uint8); seg[1, 0, 0] = 1; seg[1, 2, 2] = 1
    >>> f = tumor_features(seg, spacing=(2.0, 1.0, 1.0), labels=(Label("BKG", (0,)), Label("A", (1,))))
    >>> f["axial_whole_center_mass"], f["lesion_size_a"], f["lesion_size_whole"], f["coronal_tumor_slices"]
    (2.0, 4, 4.0, 2)
    """
    seg = check_volume(seg, name="segmentation")
    spacing = check_spacing(spacing)
    voxel_volume = float(np.prod(np.asarray(spacing, dtype=np.float64)))
    out: dict[str, float] = {}

    foreground = seg != 0
    extents = []
    for axis in range(3):
        other = tuple(a for a in range(3) if a != axis)
        extents.append(np.flatnonzero(foreground.any(axis=other)))
    empty = extents[0].size == 0
    if empty:
        crop = seg[:0, :0, :0]
        offset = (0, 0, 0)
    else:
        box = tuple(slice(int(e[0]), int(e[-1]) + 1) for e in extents)
        crop = seg[box]
        offset = tuple(int(e[0]) for e in extents)
    del foreground

    present, non_integral = _value_counts(crop)
    if non_integral:
        warnings.warn(
            f"segmentation holds non-integral values {non_integral[:5]}: they count in the whole tumour "
            "but get no lesion_size column", NonIntegralLabelWarning, stacklevel=2)

    configured = {v for lab in labels for v in lab.values}
    for lab in labels:
        mask = crop != 0 if lab.is_background else np.isin(crop, lab.values)
        com = center_of_mass(mask, spacing, offset=offset)
        for axis, plane in enumerate(PLANES):
            out[f"{plane}_{lab.key}_center_mass"] = com[axis]
        out[f"{lab.key}_tumor_location"] = (
            math.nan if any(math.isnan(c) for c in com) else tumor_location(brain_com, com))
    for lab in size_labels(labels):
        count = sum(present.get(v, 0) for v in lab.values)
        out[f"lesion_size_{lab.key}"] = int(count * voxel_volume)
    unconfigured = sorted(v for v in present if v != 0 and v not in configured)
    if unconfigured:
        warnings.warn(
            f"segmentation holds label values not in the config: {unconfigured} "
            f"(columns {', '.join(f'lesion_size_{v}' for v in unconfigured)})", UnconfiguredLabelWarning,
            stacklevel=2)
    for v in unconfigured:
        out[f"lesion_size_{v}"] = int(present[v] * voxel_volume)
    positive = int(np.count_nonzero(crop > 0))
    out["lesion_size_whole"] = float(positive * voxel_volume)
    for axis, plane in enumerate(PLANES):
        out[f"{plane}_tumor_slices"] = int(extents[axis].size)
    for axis, plane in enumerate(PLANES):
        if empty:
            out[f"lower_{plane}_tumor_slice"] = math.nan
            out[f"upper_{plane}_tumor_slice"] = math.nan
        else:
            out[f"lower_{plane}_tumor_slice"] = int(extents[axis][0])
            out[f"upper_{plane}_tumor_slice"] = int(extents[axis][-1])
    return out
