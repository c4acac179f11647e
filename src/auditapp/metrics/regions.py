"""Evaluation regions and their confusion counts, derived from one joint value table.

A region is one configured, non-zero label evaluated one-vs-rest: ``G = gt ∈ values``,
``P = pred ∈ values``. Its confusion counts come from the ``(gt value, pred value)``
table of :func:`~auditapp.metrics.counts.value_pair_counts`, so a subject/model pair
is counted once however many regions are configured.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from auditapp.metrics.counts import NON_INTEGRAL

__all__ = [
    "Region",
    "Confusion",
    "regions_from_labels",
    "region_confusion",
    "region_mask",
    "unconfigured_values",
    "bounding_box",
]


@dataclass(frozen=True)
class Region:
    """One evaluation region: a name and the label values whose union it is.

    ``values`` never contains 0 (the background is never a region).
    """

    name: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class Confusion:
    """Voxel confusion counts of one region: integers, ``tp + fp + fn + tn = n``."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def n(self) -> int:
        """Number of voxels of the volume."""
        return self.tp + self.fp + self.fn + self.tn

    @property
    def gt_count(self) -> int:
        """``|G| = tp + fn``."""
        return self.tp + self.fn

    @property
    def pred_count(self) -> int:
        """``|P| = tp + fp``."""
        return self.tp + self.fp


def regions_from_labels(labels: Iterable) -> tuple[Region, ...]:
    """Regions of configured labels: one per label, value 0 removed, in config order.

    Parameters
    ----------
    labels : iterable of :class:`~auditapp.config.model.Label`
        Anything with ``name`` and ``values`` attributes.

    Returns
    -------
    tuple of Region
        Labels whose only value is 0 (the background, whatever its name) give no
        region; a composite label keeps its non-zero values.

    Examples
    --------
    >>> from auditapp.config.model import Label
    >>> regions_from_labels([Label("BKG", (0,)), Label("EDE", (3,)), Label("WT", (1, 2, 3), True)])
    (Region(name='EDE', values=(3,)), Region(name='WT', values=(1, 2, 3)))
    """
    regions = []
    for label in labels:
        values = tuple(dict.fromkeys(int(v) for v in label.values if int(v) != 0))
        if values:
            regions.append(Region(str(label.name), values))
    return tuple(regions)


def region_confusion(pairs: np.ndarray, counts: np.ndarray, values: Iterable[int]) -> Confusion:
    """Confusion counts of the region ``values`` from a joint value table.

    Parameters
    ----------
    pairs : (N, 2) ndarray of int
        ``(gt value, pred value)`` pairs, from :func:`value_pair_counts`.
    counts : (N,) ndarray of int
        Voxels per pair.
    values : iterable of int
        The region's label values (a union).

    Returns
    -------
    Confusion
        ``tp = |G ∧ P|``, ``fp = |P ∧ ¬G|``, ``fn = |G ∧ ¬P|``, ``tn`` the rest.

    Examples
    --------
    >>> pairs = np.array([[0, 0], [0, 1], [1, 1], [2, 1], [2, 0]])
    >>> counts = np.array([10, 1, 4, 2, 3])
    >>> region_confusion(pairs, counts, [1])
    Confusion(tp=4, fp=3, fn=0, tn=13)
    >>> region_confusion(pairs, counts, [1, 2])
    Confusion(tp=6, fp=1, fn=3, tn=10)
    """
    values = np.asarray(list(values), dtype=np.int64)
    in_gt = np.isin(pairs[:, 0], values) if len(pairs) else np.zeros(0, bool)
    in_pred = np.isin(pairs[:, 1], values) if len(pairs) else np.zeros(0, bool)
    counts = np.asarray(counts, dtype=np.int64)
    return Confusion(
        tp=int(counts[in_gt & in_pred].sum()),
        fp=int(counts[~in_gt & in_pred].sum()),
        fn=int(counts[in_gt & ~in_pred].sum()),
        tn=int(counts[~in_gt & ~in_pred].sum()),
    )


def region_mask(labels: np.ndarray, values: tuple[int, ...]) -> np.ndarray:
    """Boolean mask of ``labels ∈ values`` (one comparison per value, no int64 copies).

    Examples
    --------
    >>> region_mask(np.array([0, 1, 2, 3]), (1, 3)).tolist()
    [False, True, False, True]
    """
    mask = labels == values[0]
    for value in values[1:]:
        mask |= labels == value
    return mask


def unconfigured_values(pairs: np.ndarray, configured: Iterable[int]) -> tuple[list[int], list[int]]:
    """Non-zero label values present but not configured, in the GT and in the prediction.

    The marker of non-integral voxels (:data:`~auditapp.metrics.counts.NON_INTEGRAL`) is not reported here.

    Examples
    --------
    >>> unconfigured_values(np.array([[0, 0], [1, 4], [5, 1], [-1, 0]]), [1, 2, 3])
    ([-1, 5], [4])
    """
    known = {0, NON_INTEGRAL} | {int(v) for v in configured}
    gt = sorted({int(v) for v in np.unique(pairs[:, 0])} - known) if len(pairs) else []
    pred = sorted({int(v) for v in np.unique(pairs[:, 1])} - known) if len(pairs) else []
    return gt, pred


def bounding_box(mask: np.ndarray) -> tuple[slice, ...] | None:
    """Smallest box (tuple of slices) holding every True voxel of ``mask``; None if empty.

    Examples
    --------
    >>> m = np.zeros((4, 5), bool); m[1, 2] = m[2, 3] = True
    >>> bounding_box(m)
    (slice(1, 3, None), slice(2, 4, None))
    """
    if mask.ndim == 0:
        return None
    # one reduction over the first axis gives the extent of every other axis
    first = mask.any(axis=tuple(range(1, mask.ndim))) if mask.ndim > 1 else mask
    hit = np.flatnonzero(first)
    if hit.size == 0:
        return None
    box = [slice(int(hit[0]), int(hit[-1]) + 1)]
    if mask.ndim > 1:
        rest = mask.any(axis=0)
        for axis in range(rest.ndim):
            others = tuple(a for a in range(rest.ndim) if a != axis)
            hit = np.flatnonzero(rest.any(axis=others) if others else rest)
            box.append(slice(int(hit[0]), int(hit[-1]) + 1))
    return tuple(box)
