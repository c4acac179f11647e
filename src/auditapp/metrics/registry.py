"""Metric registry: canonical name -> how it is computed, its unit and empty-region policy.

The registry replaces classes: the pipeline asks it which metrics exist, how a
configured name maps to a canonical column name, and evaluates all enabled
metrics of one subject/model pair with :func:`evaluate_pair` (one joint count
pass for every count-based metric; per region, one surface/k-d tree geometry of the
prediction and one of the ground truth, shared by the models of a subject through
:class:`GroundTruthGeometry`, for every distance metric).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from auditapp.metrics import overlap
from auditapp.metrics.counts import as_label_array, value_pair_counts
from auditapp.metrics.distances import BOTH_EMPTY, ONE_EMPTY, MaskGeometry, geometry_distance_metrics
from auditapp.metrics.regions import (
    Confusion,
    Region,
    bounding_box,
    region_confusion,
    region_mask,
)

__all__ = [
    "MetricSpec",
    "METRICS",
    "ALIASES",
    "REFERENCE_METRICS",
    "EXTRA_METRICS",
    "canonical_metric_name",
    "output_columns",
    "PairEvaluation",
    "GroundTruthGeometry",
    "evaluate_pair",
]


@dataclass(frozen=True)
class MetricSpec:
    """One metric: canonical name (= CSV column), kind, unit, empty-region policy.

    ``kind`` is ``"count"`` (computed from the region's confusion counts by
    ``function(confusion)`` or ``function(confusion, voxel_volume=...)``) or
    ``"distance"`` (computed by :func:`~auditapp.metrics.distances.distance_metrics`).
    """

    name: str
    kind: str
    unit: str
    both_empty: float
    gt_empty_only: float | str
    pred_empty_only: float | str
    reference: bool
    function: Callable[..., float] | None = None
    needs_voxel_volume: bool = False


_C = "computed"
_NAN = math.nan

#: Every metric auditapp computes, by canonical name.
METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in (
        MetricSpec("dice", "count", "1", 1.0, 0.0, 0.0, True, overlap.dice),
        MetricSpec("jaccard", "count", "1", 1.0, 0.0, 0.0, True, overlap.jaccard),
        MetricSpec("accuracy", "count", "1", 1.0, _C, _C, True, overlap.accuracy),
        MetricSpec("precision", "count", "1", 0.0, 0.0, 0.0, True, overlap.precision),
        MetricSpec("sensitivity", "count", "1", _NAN, _NAN, 0.0, True, overlap.sensitivity),
        MetricSpec("specificity", "count", "1", 1.0, _C, 1.0, True, overlap.specificity),
        MetricSpec("hausdorff_distance", "distance", "mm", 0.0, _NAN, _NAN, True),
        MetricSpec("predicted_size", "count", "mm3", 0.0, _C, 0.0, True, overlap.predicted_size, True),
        MetricSpec("hd95", "distance", "mm", 0.0, _NAN, _NAN, False),
        MetricSpec("assd", "distance", "mm", 0.0, _NAN, _NAN, False),
        MetricSpec("nsd", "distance", "1", 1.0, 0.0, 0.0, False),
        MetricSpec("gt_size", "count", "mm3", 0.0, 0.0, _C, False, overlap.gt_size, True),
        MetricSpec("volume_similarity", "count", "1", 1.0, 0.0, 0.0, False, overlap.volume_similarity),
    )
}

REFERENCE_METRICS = tuple(name for name, spec in METRICS.items() if spec.reference)
EXTRA_METRICS = tuple(name for name, spec in METRICS.items() if not spec.reference)

#: Short names of the reference's legacy configs (accepted by the config loader).
ALIASES = {
    "jacc": "jaccard",
    "accu": "accuracy",
    "prec": "precision",
    "sens": "sensitivity",
    "spec": "specificity",
    "haus": "hausdorff_distance",
    "size": "predicted_size",
}


def canonical_metric_name(name: str) -> str:
    """Canonical name of a configured metric name or alias (case-insensitive).

    Raises
    ------
    KeyError
        For an unknown name.

    Examples
    --------
    >>> canonical_metric_name("JACC"), canonical_metric_name("hd95")
    ('jaccard', 'hd95')
    """
    key = str(name).strip().lower()
    key = ALIASES.get(key, key)
    if key not in METRICS:
        raise KeyError(f"unknown metric '{name}'; known: {', '.join(sorted(METRICS))}")
    return key


def output_columns(metrics: Iterable[str]) -> list[str]:
    """CSV columns: ``ID, region, model`` then the canonical metric names sorted A→Z.

    Examples
    --------
    >>> output_columns(["dice", "hd95", "accuracy"])
    ['ID', 'region', 'model', 'accuracy', 'dice', 'hd95']
    """
    return ["ID", "region", "model", *sorted({canonical_metric_name(m) for m in metrics})]


@dataclass(frozen=True)
class PairEvaluation:
    """Everything one subject/model pair produced.

    ``rows``: one dict per region (``region`` plus one entry per enabled metric), in
    region order. ``pairs``/``counts``: the joint (GT value, pred value) voxel table
    (the error-matrix side output). ``confusions``: per region name.
    """

    rows: tuple[dict, ...]
    pairs: np.ndarray
    counts: np.ndarray
    confusions: dict[str, Confusion]


class GroundTruthGeometry:
    """The ground truth's region masks, surfaces and k-d trees, built once and shared by its models.

    Parameters
    ----------
    gt : ndarray
        Ground-truth label volume (integer, or float with integral values).
    spacing : sequence of float
        Its voxel size per axis (mm).
    box : tuple of slices or None, optional
        Bounding box of the non-zero voxels of ``gt`` if already known (None: all zero).

    Notes
    -----
    ``region(values)`` gives the :class:`~auditapp.metrics.distances.MaskGeometry` of
    ``G = gt ∈ values`` (None when empty), computed on the first request. Comparison is
    by value on the file's dtype, so a non-integral float value matches no label, as in
    :func:`~auditapp.metrics.counts.as_label_array`.

    Examples
    --------
    >>> gt = np.zeros((4, 4, 4), np.float32); gt[1:3, 1:3, 1:3] = 2.0
    >>> geometry = GroundTruthGeometry(gt, (1.0, 1.0, 1.0))
    >>> geometry.region((2,)).offset, geometry.region((1,)) is None
    ((1, 1, 1), True)
    """

    def __init__(self, gt: np.ndarray, spacing: Sequence[float],
                 box: tuple[slice, ...] | None | str = "auto"):
        self.gt = np.asarray(gt)
        self.spacing = tuple(float(s) for s in spacing)
        self.box = bounding_box(self.gt != 0) if isinstance(box, str) else box
        self._regions: dict[tuple[int, ...], MaskGeometry | None] = {}

    def region(self, values: tuple[int, ...]) -> MaskGeometry | None:
        """Geometry of the region ``gt ∈ values`` (None when empty), cached."""
        key = tuple(int(v) for v in values)
        if key not in self._regions:
            if self.box is None:
                self._regions[key] = None
            else:
                mask = region_mask(self.gt[self.box], key)
                self._regions[key] = MaskGeometry.from_mask(mask, self.spacing, [b.start for b in self.box])
        return self._regions[key]


def _add_background(pairs: np.ndarray, counts: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Add ``n`` voxels to the ``(0, 0)`` cell of a sorted joint table."""
    hit = np.flatnonzero((pairs[:, 0] == 0) & (pairs[:, 1] == 0))
    if hit.size:
        counts = counts.copy()
        counts[hit[0]] += n
        return pairs, counts
    pairs = np.vstack([pairs, [[0, 0]]]).astype(np.int64)
    counts = np.append(counts, n).astype(np.int64)
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    return pairs[order], counts[order]


def evaluate_pair(
    gt: np.ndarray,
    pred: np.ndarray,
    *,
    spacing: Sequence[float],
    regions: Sequence[Region],
    metrics: Iterable[str],
    nsd_tolerance: float = 1.0,
    gt_box: tuple[slice, ...] | None | str = "auto",
    gt_geometry: GroundTruthGeometry | None = None,
) -> PairEvaluation:
    """Evaluate every region and every enabled metric of one subject/model pair.

    Parameters
    ----------
    gt, pred : ndarray, same shape
        Label volumes, integer or float with integral values (a non-integral value
        matches no label and triggers an :class:`~auditapp.errors.AuditappWarning`).
    spacing : sequence of float
        Ground-truth voxel size per axis (mm); also gives the voxel volume.
    regions : sequence of Region
        One-vs-rest regions (value 0 never belongs to a region).
    metrics : iterable of str
        Canonical names of the enabled metrics.
    nsd_tolerance : float
        τ of ``nsd`` in mm.
    gt_box : tuple of slices or None, optional
        Bounding box of the non-zero GT voxels when the caller already has it
        (shared by the models of a subject); ``None`` means the GT is all zero.
    gt_geometry : GroundTruthGeometry, optional
        The ground truth's region geometries, when the caller shares them between the
        models of a subject (built here otherwise). Must have been built from ``gt``.

    Returns
    -------
    PairEvaluation

    Raises
    ------
    ValueError
        Shapes differ, or ``spacing`` does not have one value per axis.
    KeyError
        Unknown metric name.

    Notes
    -----
    Count metrics come from one :func:`value_pair_counts` pass over the bounding box
    of the non-zero voxels of GT and prediction (every voxel outside it is a
    ``(0, 0)`` voxel); distance metrics work on each region's own bounding box, in
    GT and prediction (:class:`~auditapp.metrics.distances.MaskGeometry`: surface voxels,
    k-d tree), the GT's taken from ``gt_geometry`` when given. Per-metric formulas and
    empty conventions: :mod:`auditapp.metrics.overlap`, :mod:`auditapp.metrics.distances`;
    they follow the reference 0.2.0 for its eight metrics.

    Examples
    --------
    >>> gt = np.zeros((4, 4, 4), np.uint8); gt[1:3, 1:3, 1:3] = 1
    >>> pred = np.zeros((4, 4, 4), np.uint8); pred[1:3, 1:3, 1:2] = 1
    >>> out = evaluate_pair(gt, pred, spacing=(1.0, 1.0, 1.0), regions=[Region("A", (1,))],
    ...                     metrics=["dice", "hausdorff_distance"])
    >>> out.rows
    ({'region': 'A', 'dice': 0.6666666666666666, 'hausdorff_distance': 1.0},)
    """
    wanted = [canonical_metric_name(m) for m in metrics]
    wanted = list(dict.fromkeys(wanted))
    count_metrics = [m for m in wanted if METRICS[m].kind == "count"]
    dist_metrics = [m for m in wanted if METRICS[m].kind == "distance"]
    gt = np.asarray(gt)
    pred = np.asarray(pred)
    if gt.shape != pred.shape:
        raise ValueError(f"gt and pred must have the same shape; got {gt.shape} and {pred.shape}")
    spacing = tuple(float(s) for s in spacing)
    if len(spacing) != gt.ndim:
        raise ValueError(f"spacing must have one value per axis ({gt.ndim}); got {len(spacing)}")
    # voxel volume in the file's (i, j, k) axis order, as the reference multiplies it
    voxel_volume = float(np.prod(spacing[::-1]))

    # Everything outside the bounding box of the non-zero voxels of GT and prediction is
    # (0, 0): count the box only, then add the rest to that cell.
    if gt_geometry is not None:
        if gt_geometry.gt.shape != gt.shape or gt_geometry.spacing != spacing:
            raise ValueError("gt_geometry was built from another ground truth or spacing")
        gt_box = gt_geometry.box
    elif isinstance(gt_box, str):
        gt_box = bounding_box(gt != 0)
    pred_box = bounding_box(pred != 0)
    boxes = [b for b in (gt_box, pred_box) if b is not None]
    if boxes:
        box = tuple(slice(min(b[a].start for b in boxes), max(b[a].stop for b in boxes))
                    for a in range(gt.ndim))
        gt_crop = as_label_array(gt[box], name="ground truth", non_integral="mark")
        pred_crop = as_label_array(pred[box], name="prediction", non_integral="mark")
        pairs, counts = value_pair_counts(gt_crop, pred_crop)
    else:
        gt_crop = pred_crop = None
        pairs, counts = np.empty((0, 2), np.int64), np.empty(0, np.int64)
    outside = gt.size - (gt_crop.size if gt_crop is not None else 0)
    if outside:
        pairs, counts = _add_background(pairs, counts, outside)

    rows = []
    confusions = {}
    for region in regions:
        confusion = region_confusion(pairs, counts, region.values)
        confusions[region.name] = confusion
        row: dict = {"region": region.name}
        for name in count_metrics:
            spec = METRICS[name]
            if spec.needs_voxel_volume:
                row[name] = spec.function(confusion, voxel_volume=voxel_volume)
            else:
                row[name] = spec.function(confusion)
        if dist_metrics:
            if confusion.gt_count == 0 and confusion.pred_count == 0:
                values = {m: BOTH_EMPTY[m] for m in dist_metrics}
            elif confusion.gt_count == 0 or confusion.pred_count == 0:
                values = {m: ONE_EMPTY[m] for m in dist_metrics}
            else:
                if gt_geometry is None:
                    gt_geometry = GroundTruthGeometry(gt, spacing, gt_box)
                # on the integer labels of the counted box (a non-integral value matches no region)
                pred_geometry = MaskGeometry.from_mask(
                    region_mask(pred_crop, region.values), spacing, [b.start for b in box])
                values = geometry_distance_metrics(
                    gt_geometry.region(region.values), pred_geometry,
                    metrics=dist_metrics, nsd_tolerance=nsd_tolerance,
                )
            row.update(values)
        rows.append({"region": row["region"], **{m: row[m] for m in wanted}})
    return PairEvaluation(rows=tuple(rows), pairs=pairs, counts=counts, confusions=confusions)


#: Names other tools give our metrics: "did you mean" hints of the config loader.
NAME_HINTS = {"dsc": "dice", "hd": "hd95", "hd_perc": "hd95", "hd95_distance": "hd95"}
