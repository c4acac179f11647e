"""Metric registry and catalogue: canonical name -> how it is computed, unit, empty-region policy, aliases,
legacy column, display name and direction (:class:`MetricSpec`, the one source every layer imports).

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
from dataclasses import dataclass, field

import numpy as np

from auditapp._validation import check_same_shape, check_spacing
from auditapp.metrics import overlap
from auditapp.metrics.counts import as_label_array, value_pair_counts
from auditapp.metrics.lesion_wise import LESION_METRICS
from auditapp.metrics.distances import (BOTH_EMPTY, ONE_EMPTY, MaskGeometry, PairDistances, distance_values,
                                        pair_distances)
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
    "ALL_METRICS",
    "DISPLAY_NAMES",
    "HIGHER_IS_BETTER",
    "LEGACY_METRIC_COLUMNS",
    "LOWER_IS_BETTER",
    "REFERENCE_METRICS",
    "EXTRA_METRICS",
    "canonical_metric_name",
    "metric_direction",
    "metric_display_name",
    "expand_metric_names",
    "CONFIG_METRIC_NAMES",
    "output_columns",
    "METRIC_GROUPS",
    "LESION_METRIC_COLUMNS",
    "PairEvaluation",
    "GroundTruthGeometry",
    "evaluate_pair",
]


@dataclass(frozen=True)
class MetricSpec:
    """One metric, everything every layer knows about it (the one metric catalogue).

    Config (names and aliases), extraction (how to compute, empty-region policy), readers (legacy CSV column),
    analysis (direction) and the dashboard (display name) all read this entry; adding a metric is adding one entry
    to :data:`METRICS`.

    Attributes
    ----------
    name : str
        Canonical name, also the CSV column.
    kind : {"count", "distance", "lesion"}
        How it is computed: ``"count"`` from the region's confusion counts by ``function(confusion)`` (or
        ``function(confusion, voxel_volume=...)``); ``"distance"`` by
        :func:`~auditapp.metrics.distances.geometry_distance_metrics`; ``"lesion"`` from connected components by
        :func:`~auditapp.metrics.lesion_wise.evaluate_pair_lesions` (not by :func:`evaluate_pair`).
    unit : str
        ``"1"`` (dimensionless), ``"mm"`` or ``"mm3"``.
    both_empty, gt_empty_only, pred_empty_only : float or "computed"
        Value when the region is empty in both, only the ground truth, only the prediction.
    reference : bool
        One of the eight metrics of the reference 0.2.0 (enabled by default).
    display : str
        Name shown in the dashboard.
    direction : {1, -1, 0}
        ``+1`` higher is better, ``-1`` lower is better, ``0`` none (sizes).
    family : str
        ``"overlap"``, ``"distance"``, ``"volume"`` or ``"lesion"``: grouping in docs and pages.
    aliases : tuple of str
        Other accepted config names (the reference's short names), lower case.
    legacy_column : str or None
        Upper-case column of CSVs written by older versions (``DICE``), renamed on reading.
    """

    name: str
    kind: str
    unit: str
    both_empty: float | str
    gt_empty_only: float | str
    pred_empty_only: float | str
    reference: bool
    function: Callable[..., float] | None = None
    needs_voxel_volume: bool = False
    display: str = ""
    direction: int = 0
    family: str = "overlap"
    aliases: tuple[str, ...] = ()
    legacy_column: str | None = None


_C = "computed"
_NAN = math.nan
_O = overlap


def _catalogue(*specs: MetricSpec) -> dict[str, MetricSpec]:
    return {spec.name: spec for spec in specs}


#: Every metric auditapp computes, by canonical name (order: the reference's eight, then ours).
METRICS: dict[str, MetricSpec] = _catalogue(
    MetricSpec("dice", "count", "1", 1.0, 0.0, 0.0, True, _O.dice, display="Dice", direction=1,
               legacy_column="DICE"),
    MetricSpec("jaccard", "count", "1", 1.0, 0.0, 0.0, True, _O.jaccard, display="Jaccard", direction=1,
               aliases=("jacc",), legacy_column="JACC"),
    MetricSpec("accuracy", "count", "1", 1.0, _C, _C, True, _O.accuracy, display="Accuracy", direction=1,
               aliases=("accu",), legacy_column="ACCU"),
    MetricSpec("precision", "count", "1", 0.0, 0.0, 0.0, True, _O.precision, display="Precision", direction=1,
               aliases=("prec",), legacy_column="PREC"),
    MetricSpec("sensitivity", "count", "1", _NAN, _NAN, 0.0, True, _O.sensitivity, display="Sensitivity",
               direction=1, aliases=("sens",), legacy_column="SENS"),
    MetricSpec("specificity", "count", "1", 1.0, _C, 1.0, True, _O.specificity, display="Specificity",
               direction=1, aliases=("spec",), legacy_column="SPEC"),
    MetricSpec("hausdorff_distance", "distance", "mm", 0.0, _NAN, _NAN, True, display="Hausdorff distance",
               direction=-1, family="distance", aliases=("haus",), legacy_column="HAUS"),
    MetricSpec("predicted_size", "count", "mm3", 0.0, _C, 0.0, True, _O.predicted_size, True,
               display="Predicted size", family="volume", aliases=("size",), legacy_column="SIZE"),
    MetricSpec("hd95", "distance", "mm", 0.0, _NAN, _NAN, False, display="HD95", direction=-1, family="distance"),
    MetricSpec("assd", "distance", "mm", 0.0, _NAN, _NAN, False, display="ASSD", direction=-1, family="distance"),
    MetricSpec("nsd", "distance", "1", 1.0, 0.0, 0.0, False, display="NSD", direction=1, family="distance"),
    MetricSpec("gt_size", "count", "mm3", 0.0, 0.0, _C, False, _O.gt_size, True, display="GT size",
               family="volume"),
    MetricSpec("volume_similarity", "count", "1", 1.0, 0.0, 0.0, False, _O.volume_similarity,
               display="Volume similarity", direction=1, family="volume"),
    # lesion-wise (metrics/lesion_wise.py): per region from connected components, not voxel confusion counts;
    # both_empty is their value when neither mask has a lesion, the other cases are computed
    MetricSpec("lesion_dice", "lesion", "1", 1.0, _C, _C, False, display="Lesion-wise Dice", direction=1,
               family="lesion"),
    MetricSpec("lesion_hd95", "lesion", "mm", 0.0, _C, _C, False, display="Lesion-wise HD95", direction=-1,
               family="lesion"),
    MetricSpec("lesion_nsd", "lesion", "1", 1.0, _C, _C, False, display="Lesion-wise NSD", direction=1,
               family="lesion"),
    MetricSpec("gt_lesions", "lesion", "count", 0.0, _C, _C, False, display="GT lesions", family="lesion"),
    MetricSpec("pred_lesions", "lesion", "count", 0.0, _C, _C, False, display="Predicted lesions", family="lesion"),
    MetricSpec("tp_lesions", "lesion", "count", 0.0, _C, _C, False, display="Detected lesions (TP)",
               family="lesion"),
    MetricSpec("fp_lesions", "lesion", "count", 0.0, _C, _C, False, display="False-positive lesions",
               direction=-1, family="lesion"),
    MetricSpec("fn_lesions", "lesion", "count", 0.0, _C, _C, False, display="Missed lesions (FN)", direction=-1,
               family="lesion"),
    MetricSpec("lesion_precision", "lesion", "1", _NAN, _C, _C, False, display="Lesion precision", direction=1,
               family="lesion"),
    MetricSpec("lesion_recall", "lesion", "1", _NAN, _C, _C, False, display="Lesion recall", direction=1,
               family="lesion"),
    MetricSpec("lesion_f1", "lesion", "1", 1.0, _C, _C, False, display="Lesion F1", direction=1, family="lesion"),
)

#: The eight metrics of the reference 0.2.0 (the default selection), canonical names.
REFERENCE_METRICS = tuple(name for name, spec in METRICS.items() if spec.reference)
#: Voxel-wise metrics added by auditapp.
EXTRA_METRICS = tuple(name for name, spec in METRICS.items() if not spec.reference and spec.kind != "lesion")
#: Every voxel-wise canonical name (what :func:`evaluate_pair` computes), catalogue order.
ALL_METRICS = REFERENCE_METRICS + EXTRA_METRICS
#: Lesion-wise columns (metrics/lesion_wise.py), catalogue order.
LESION_METRIC_COLUMNS = tuple(name for name, spec in METRICS.items() if spec.kind == "lesion")
#: Configurable names that stand for several columns.
METRIC_GROUPS = {"lesion_counts": LESION_METRICS["lesion_counts"]}
_GROUPED = {column for columns in METRIC_GROUPS.values() for column in columns}
#: Names accepted under ``metrics:`` in a config (the count columns come as their group), catalogue order.
CONFIG_METRIC_NAMES = (*(name for name in METRICS if name not in _GROUPED), *METRIC_GROUPS)
#: Short names of the reference's legacy configs (accepted by the config loader) -> canonical name.
ALIASES = {alias: spec.name for spec in METRICS.values() for alias in spec.aliases}
#: Legacy (upper-case) metric columns of older CSVs -> canonical name (metrics.md §11).
LEGACY_METRIC_COLUMNS = {spec.legacy_column: spec.name for spec in METRICS.values() if spec.legacy_column}
#: Dashboard names, catalogue order.
DISPLAY_NAMES = {name: spec.display or name for name, spec in METRICS.items()}
#: Metrics for which a larger value is better (analysis.md §0).
HIGHER_IS_BETTER = frozenset(name for name, spec in METRICS.items() if spec.direction > 0)
#: Metrics for which a smaller value is better (analysis.md §0).
LOWER_IS_BETTER = frozenset(name for name, spec in METRICS.items() if spec.direction < 0)


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


def metric_display_name(column: str) -> str:
    """Dashboard name of a metric column (``dice`` -> ``Dice``); unknown columns keep their own name.

    >>> metric_display_name("hausdorff_distance"), metric_display_name("my_score")
    ('Hausdorff distance', 'my_score')
    """
    return DISPLAY_NAMES.get(column, column)


def metric_direction(metric: str) -> int:
    """Direction of a metric: ``+1`` higher is better, ``-1`` lower is better, ``0`` none.

    ``predicted_size``, ``gt_size`` and unknown columns have no direction.

    Examples
    --------
    >>> metric_direction("dice"), metric_direction("hd95"), metric_direction("predicted_size")
    (1, -1, 0)
    """
    spec = METRICS.get(metric)
    return 0 if spec is None else spec.direction


def expand_metric_names(names: Iterable[str]) -> tuple[str, ...]:
    """Canonical column names of configured names, groups (``lesion_counts``) expanded, duplicates dropped.

    Examples
    --------
    >>> expand_metric_names(["DICE", "lesion_counts"])[:3]
    ('dice', 'gt_lesions', 'pred_lesions')
    """
    out = []
    for name in names:
        key = str(name).strip().lower()
        out.extend(METRIC_GROUPS[key] if key in METRIC_GROUPS else (canonical_metric_name(name),))
    return tuple(dict.fromkeys(out))


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
    (the error-matrix side output). ``confusions``: per region name. ``distances``: each region's
    nearest-surface search (regions where both masks are non-empty and a distance metric was asked), which
    lesion-wise metrics of the pair reuse.
    """

    rows: tuple[dict, ...]
    pairs: np.ndarray
    counts: np.ndarray
    confusions: dict[str, Confusion]
    distances: dict[str, PairDistances] = field(default_factory=dict)


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


def _joint_counts(gt: np.ndarray, pred: np.ndarray, gt_box: tuple[slice, ...] | None):
    """(GT value, predicted value) pairs and their voxel counts, the prediction's integer labels in the counted box,
    and that box (None when both volumes are all zero).

    Everything outside the bounding box of the non-zero voxels of GT and prediction is (0, 0): the box is
    counted, the rest added to that cell.
    """
    pred_box = bounding_box(pred != 0)
    boxes = [b for b in (gt_box, pred_box) if b is not None]
    if boxes:
        box = tuple(slice(min(b[a].start for b in boxes), max(b[a].stop for b in boxes)) for a in range(gt.ndim))
        gt_crop = as_label_array(gt[box], name="ground truth", non_integral="mark")
        pred_crop = as_label_array(pred[box], name="prediction", non_integral="mark")
        pairs, counts = value_pair_counts(gt_crop, pred_crop)
    else:
        box = gt_crop = pred_crop = None
        pairs, counts = np.empty((0, 2), np.int64), np.empty(0, np.int64)
    outside = gt.size - (gt_crop.size if gt_crop is not None else 0)
    if outside:
        pairs, counts = _add_background(pairs, counts, outside)
    return pairs, counts, pred_crop, box


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
    check_same_shape(gt, pred)
    spacing = check_spacing(spacing, gt.ndim, positive=False)  # the pipeline passes header zooms as they are
    # voxel volume in the file's (i, j, k) axis order, as the reference multiplies it
    voxel_volume = float(np.prod(spacing[::-1]))

    if gt_geometry is not None:
        if gt_geometry.gt.shape != gt.shape or gt_geometry.spacing != spacing:
            raise ValueError("gt_geometry was built from another ground truth or spacing")
        gt_box = gt_geometry.box
    elif isinstance(gt_box, str):
        gt_box = bounding_box(gt != 0)
    pairs, counts, pred_crop, box = _joint_counts(gt, pred, gt_box)

    rows = []
    confusions = {}
    searched: dict[str, PairDistances] = {}
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
                searched[region.name] = pair_distances(gt_geometry.region(region.values), pred_geometry,
                                                       dist_metrics)
                values = distance_values(searched[region.name], dist_metrics, nsd_tolerance=nsd_tolerance)
            row.update(values)
        rows.append({"region": row["region"], **{m: row[m] for m in wanted}})
    return PairEvaluation(rows=tuple(rows), pairs=pairs, counts=counts, confusions=confusions, distances=searched)


#: Names other tools give our metrics: "did you mean" hints of the config loader.
NAME_HINTS = {"dsc": "dice", "hd": "hd95", "hd_perc": "hd95", "hd95_distance": "hd95"}
