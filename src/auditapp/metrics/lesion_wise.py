"""Lesion-wise metrics of one region: the BraTS challenge's scoring (2023, 2024) and one-to-one matching.

Pure compute: boolean masks and a spacing in, a flat score dict and per-lesion rows out.
Conventions (docs/metrics.md, "Lesion-wise metrics", has the worked examples and sources):

``brats2023`` / ``brats2024``
    GT lesions are the connected components (``connectivity``, 26 by default) of the region,
    merged when their dilations touch: the GT mask is dilated ``dilation`` times with
    ``generate_binary_structure(3, 2)`` and each connected component of the dilated mask is one
    lesion (its GT voxels) whose *zone* is the component itself (equal to the dilation of the
    lesion alone: it is built only when some predicted component near the lesion does not overlap
    it, on the zone's box). A predicted component counts for a lesion
    when it intersects its zone; the lesion is scored against the union of those components:
    Dice, HD95 (and NSD). A missed lesion scores Dice 0, HD95 ``penalty_hd95``, NSD 0. Lesions of
    volume ``<= min_size`` (mm³: voxels × voxel volume, as the challenge code) are dropped from
    the score and the counts, and a predicted component touching only such lesions is not a
    false positive. Every other predicted component is a false positive scoring 0 /
    ``penalty_hd95`` / 0. With ``merge_prediction`` (the 2024 GLI, SSA and MET scripts) the predicted
    components are merged by dilation like the GT lesions, and merged components of ``<= min_size``
    voxels are removed before scoring. With ``join_with`` (brats2024 GLI, SSA, MET: regions named like the
    scripts' tissues) a region's lesions, GT and predicted, are joined through other tissues' lesions they
    touch (:func:`~auditapp.metrics.components.join_across`). The subject's score is the sum over kept lesions
    and false positives divided by their number; nothing to score (no kept lesion, no false positive) gives
    Dice 1, HD95 0, NSD 1.
``matching``
    Components of GT and prediction (no dilation; components ``<= min_size`` dropped on both
    sides) are matched one-to-one by a maximum-weight bipartite matching
    (:func:`scipy.optimize.linear_sum_assignment`) on IoU (or Dice) among the pairs whose IoU
    (Dice) is ``> match_threshold``. Scores are the means of Dice / HD95 / NSD over the matched
    pairs (the panoptica "segmentation quality"); TP = matched pairs, FP = unmatched predicted
    components, FN = unmatched GT components (its "recognition quality" is ``lesion_f1``). No
    match: NaN, except when both sides have no component: Dice 1, HD95 0, NSD 1.

Counts for every convention: ``gt_lesions`` (scored GT lesions), ``pred_lesions`` (predicted
components), ``tp_lesions``, ``fp_lesions``, ``fn_lesions``; ``lesion_precision = tp / (tp + fp)``
and ``lesion_recall = tp / (tp + fn)`` (NaN on a zero denominator), ``lesion_f1 = 2tp / (2tp + fp
+ fn)`` (1.0 when ``tp + fp + fn = 0``).

Distances of every scored lesion of a region come from one batched nearest-surface search
(:mod:`auditapp.metrics._lesion_distances`); the ground truth's labelling and labelled surface
(:class:`GroundTruthLesions`) are built once per subject and region and shared by the models.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from auditapp.metrics._lesion_distances import LabelledSurface, labelled_surface, paired_surface_metrics
from auditapp.metrics.components import (Components, box_union, dilate, join_across, label_components,
                                         lesion_zones, relabelled, touching_pairs)
from auditapp.metrics.distances import HD95_CONVENTIONS, PairDistances
from auditapp.metrics.regions import bounding_box, region_mask

__all__ = [
    "CONVENTIONS",
    "TASKS",
    "LESION_METRICS",
    "LESION_COLUMNS",
    "LESION_TABLE_COLUMNS",
    "LesionRule",
    "LesionResult",
    "GroundTruthLesions",
    "merged_components",
    "lesion_rule",
    "evaluate_lesions",
    "lesion_wise_metrics",
    "SubjectLesions",
    "evaluate_pair_lesions",
    "LesionWiseOptions",
]

CONVENTIONS = ("brats2023", "brats2024", "matching")
TASKS = ("GLI", "SSA", "MEN", "MET", "PED")

#: Configurable metric names -> the columns each one produces.
LESION_METRICS = {
    "lesion_dice": ("lesion_dice",),
    "lesion_hd95": ("lesion_hd95",),
    "lesion_nsd": ("lesion_nsd",),
    "lesion_counts": ("gt_lesions", "pred_lesions", "tp_lesions", "fp_lesions", "fn_lesions",
                      "lesion_precision", "lesion_recall", "lesion_f1"),
}
LESION_COLUMNS = tuple(c for cols in LESION_METRICS.values() for c in cols)

#: Columns of one per-lesion row (the pipeline adds ``ID, model, region`` in front).
LESION_TABLE_COLUMNS = ("lesion", "kind", "voxels", "volume", "centroid_k", "centroid_j", "centroid_i",
                        "pred_components", "pred_voxels", "dice", "hd95", "nsd")

#: Defaults per convention and task: (dilation, min_size in mm³, penalty_hd95 in mm, merge_prediction); dilation
#: and min_size are a number or a mapping region name -> number with "*" for the other regions.
#: brats2023: rachitsaluja/BraTS-2023-Metrics, eval.py ``get_LesionWiseResults`` (penalty: its
#: ``replace(np.inf, 374)``). brats2024: rachitsaluja/BraTS-2024-Metrics, metrics_<task>.py (docs/metrics.md).
_DEFAULTS: dict[str, dict[str, tuple]] = {
    "brats2023": {"GLI": (3, 50, 374.0, False), "SSA": (3, 50, 374.0, False), "MEN": (1, 50, 374.0, False),
                  "MET": (1, 2, 374.0, False), "PED": (3, 50, 374.0, False)},
    "brats2024": {"GLI": ({"NETC": 5, "RC": 5, "*": 3}, {"ET": 10, "*": 20}, 337.0, True),
                  "SSA": (3, 50, 374.0, True), "MEN": (1, 50, 374.0, False), "MET": (1, 2, 374.0, True),
                  "PED": (5, 10, 374.0, False)},
}

#: brats2024: lesions joined across tissues, per task: region name -> the tissues it is joined through, in order
#: (metrics_<task>.py ``combine_lesions_tissues``; docs/metrics.md). Regions of other names are never joined.
_TISSUE_JOINS: dict[str, dict[str, tuple[str, ...]]] = {
    "GLI": {"NETC": ("ET", "RC"), "ET": ("NETC", "RC"), "RC": ("ET", "NETC"), "SNFH": ("ET", "RC", "NETC")},
    "SSA": {"ET": ("NETC",)},
    "MET": {"ET": ("NETC",)},
}


@dataclass(frozen=True)
class LesionRule:
    """Resolved options of one region (see the module docstring)."""

    convention: str = "brats2023"
    dilation: int = 3
    min_size: float = 50.0
    penalty_hd95: float = 374.0
    hd95_convention: str = "directed_max"
    connectivity: int = 26
    match_metric: str = "iou"
    match_threshold: float = 0.5
    nsd_tolerance: float = 1.0
    merge_prediction: bool = False
    join_with: tuple[str, ...] = ()

    def __post_init__(self):
        checks = [
            (self.convention in CONVENTIONS, f"convention must be one of {list(CONVENTIONS)}"),
            (self.hd95_convention in HD95_CONVENTIONS, f"hd95_convention must be one of {list(HD95_CONVENTIONS)}"),
            (self.connectivity in (6, 18, 26), "connectivity must be 6, 18 or 26"),
            (self.match_metric in ("iou", "dice"), "match_metric must be 'iou' or 'dice'"),
            (int(self.dilation) == self.dilation and self.dilation >= 0, "dilation must be an integer >= 0"),
            (math.isfinite(self.min_size) and self.min_size >= 0, "min_size must be a number >= 0"),
            (math.isfinite(self.penalty_hd95) and self.penalty_hd95 >= 0, "penalty_hd95 must be a number >= 0"),
            (0 <= self.match_threshold < 1, "match_threshold must be in [0, 1)"),
            (math.isfinite(self.nsd_tolerance) and self.nsd_tolerance > 0, "nsd_tolerance must be > 0"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(f"{message}; got {self!r}")


def lesion_rule(convention: str = "brats2023", *, task: str = "GLI", region: str = "", dilation=None,
                min_size=None, penalty_hd95=None, join_tissues: bool | None = None, **options) -> LesionRule:
    """The :class:`LesionRule` of a region: the convention's per-task defaults, overridden by the given values.

    ``dilation`` and ``min_size`` may be a mapping region name -> value (``"*"``: every other region).
    ``join_tissues`` (default: on for brats2024) joins the region's lesions through the other tissues the task's
    2024 script joins it with (``join_with``), when the region has one of the script's tissue names.

    Examples
    --------
    >>> r = lesion_rule("brats2024", task="GLI", region="ET"); (r.dilation, r.min_size, r.penalty_hd95)
    (3, 10.0, 337.0)
    >>> lesion_rule("brats2024", task="GLI", region="NETC").dilation, lesion_rule("brats2024", task="PED").min_size
    (5, 10.0)
    >>> lesion_rule("brats2023", task="MET", region="WT", min_size=5).min_size
    5.0
    >>> lesion_rule("matching").dilation, lesion_rule("matching").min_size
    (0, 0.0)
    >>> lesion_rule("brats2024", task="GLI", region="ET").join_with, lesion_rule("brats2024", region="WT").join_with
    (('NETC', 'RC'), ())
    """
    if convention not in CONVENTIONS:
        raise ValueError(f"lesion-wise convention must be one of {list(CONVENTIONS)}; got {convention!r}")
    if convention == "matching":
        defaults = (0, 0.0, 374.0, False)
    else:
        if task not in TASKS:
            raise ValueError(f"lesion-wise task must be one of {list(TASKS)}; got {task!r}")
        defaults = _DEFAULTS[convention][task]
    options.setdefault("merge_prediction", defaults[3])
    joins = convention == "brats2024" if join_tissues is None else join_tissues
    if joins and convention != "matching":
        options.setdefault("join_with", _TISSUE_JOINS.get(task, {}).get(region, ()))
    return LesionRule(
        convention=convention,
        dilation=int(_for_region(defaults[0] if dilation is None else dilation, region)),
        min_size=float(_for_region(defaults[1] if min_size is None else min_size, region)),
        penalty_hd95=float(defaults[2] if penalty_hd95 is None else penalty_hd95),
        **options,
    )


def _for_region(value, region: str):
    """A per-region option's value: ``value`` itself, or its entry for ``region`` (``"*"``: the others)."""
    if isinstance(value, Mapping):
        return value.get(region, value.get("*", 0))
    return value


@dataclass
class LesionResult:
    """Scores of one region (``scores``: a flat dict of :data:`LESION_COLUMNS`) and per-lesion rows."""

    scores: dict[str, float]
    lesions: list[dict] = field(default_factory=list)


def _padded_box(box: tuple[slice, ...], margin: int, shape: Sequence[int]) -> tuple[slice, ...]:
    return tuple(slice(max(0, b.start - margin), min(n, b.stop + margin)) for b, n in zip(box, shape))


def merged_components(mask: np.ndarray, *, dilation: int, connectivity: int = 26,
                      offset: Sequence[int] | None = None, shape: Sequence[int] | None = None):
    """Components of a mask merged when their dilations touch, and each one's zone box (volume indices).

    ``mask`` may be a crop whose element 0 is at ``offset`` in a volume of ``shape``; it is framed here so the
    dilation (clipped to the volume, as ``scipy.ndimage.binary_dilation`` on the whole volume) fits.
    See :func:`~auditapp.metrics.components.lesion_zones`.
    """
    mask = np.asarray(mask, dtype=bool)
    base = tuple(offset) if offset is not None else (0,) * mask.ndim
    shape = tuple(shape) if shape is not None else mask.shape
    box = bounding_box(mask)
    if box is None:
        return label_components(np.zeros((0,) * mask.ndim, bool)), ()
    volume_box = tuple(slice(o + b.start, o + b.stop) for o, b in zip(base, box))
    frame = _padded_box(volume_box, dilation, shape)
    local = np.zeros(tuple(f.stop - f.start for f in frame), bool)
    local[tuple(slice(v.start - f.start, v.stop - f.start) for v, f in zip(volume_box, frame))] = mask[box]
    # each lesion's zone (its dilation) is never built whole: see _touching
    return lesion_zones(local, dilation=dilation, connectivity=connectivity, offset=[f.start for f in frame])


class GroundTruthLesions:
    """The GT lesions of one region, labelled once and shared by every model of the subject.

    Parameters
    ----------
    mask : ndarray of bool
        The region's GT mask, or a crop of it whose element 0 is at ``offset`` in the volume.
    spacing : sequence of float
        Voxel size per axis (mm).
    rule : LesionRule
    offset : sequence of int, optional
        Volume index of ``mask[0, 0, 0]`` (default: 0).
    shape : sequence of int, optional
        Shape of the volume (default: ``mask.shape``); bounds the dilation.
    """

    def __init__(self, mask: np.ndarray, *, spacing: Sequence[float], rule: LesionRule,
                 offset: Sequence[int] | None = None, shape: Sequence[int] | None = None):
        mask = np.asarray(mask, dtype=bool)
        self.rule = rule
        self.spacing = tuple(float(s) for s in spacing)
        self.voxel_volume = float(np.prod(self.spacing[::-1]))
        self.shape = tuple(shape) if shape is not None else mask.shape
        self._surface: LabelledSurface | None = None
        self.dilation = 0 if rule.convention == "matching" else rule.dilation  # matching never dilates
        self.lesions, self.zone_boxes = merged_components(mask, dilation=self.dilation, connectivity=rule.connectivity,
                                                          offset=offset, shape=self.shape)
        self.kept = self.lesions.sizes * self.voxel_volume > rule.min_size
        self.kept[0] = False

    @property
    def count(self) -> int:
        """Number of GT lesions (before ``min_size`` dropping)."""
        return self.lesions.count

    @property
    def surface(self) -> LabelledSurface:
        """Surface voxels of every lesion, labelled by lesion (cached)."""
        if self._surface is None:
            self._surface = labelled_surface(self.lesions)
        return self._surface

    def joined(self, steps: Sequence[np.ndarray]) -> GroundTruthLesions:
        """These lesions joined across tissues (:func:`~auditapp.metrics.components.join_across` of the
        :func:`~auditapp.metrics.components.touching_pairs` with each other tissue's lesions, in turn); ``self``
        when nothing joins. A joined lesion's zone is the union of its parts' zones, its volume their sum."""
        lut = join_across(self.count, steps)
        if int(lut.max(initial=0)) == self.count:
            return self
        out = copy.copy(self)
        out.lesions = relabelled(self.lesions, lut)
        zones: list = [None] * out.lesions.count
        for c, box in enumerate(self.zone_boxes, 1):
            zones[lut[c] - 1] = box_union(zones[lut[c] - 1], box)
        out.zone_boxes = tuple(zones)
        out.kept = out.lesions.sizes * self.voxel_volume > self.rule.min_size
        out.kept[0] = False
        out._surface = None
        return out

    def adopt_surface(self, points: np.ndarray) -> bool:
        """Whether ``points`` (the region's surface voxels from a voxel-wise search, C order) are the lesions'
        surface; the first time, they become it (cheaper than finding it again)."""
        if self._surface is not None:
            return np.array_equal(self._surface.points, points)
        owners = self.lesions.label_at(points)
        if not owners.all():
            return False
        self._surface = LabelledSurface(points, owners)
        return True


def _window(array: np.ndarray, offset: Sequence[int], box: Sequence[slice]) -> np.ndarray:
    """``array`` (at ``offset``) read on ``box`` (volume indices); the box must lie inside it."""
    return array[tuple(slice(b.start - o, b.stop - o) for b, o in zip(box, offset))]


def _common_box(a: Components, b: Components) -> list[slice] | None:
    """Where the labelled boxes of ``a`` and ``b`` meet (volume indices), None when they do not."""
    box = []
    for oa, na, ob, nb in zip(a.offset, a.labels.shape, b.offset, b.labels.shape):
        lo, hi = max(oa, ob), min(oa + na, ob + nb)
        if hi <= lo:
            return None
        box.append(slice(lo, hi))
    return box


def _code_counts(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of ``codes`` (all in ``[0, size)``) and their counts."""
    if size <= 1 << 22:  # a histogram is much faster than np.unique's sort when it fits
        counts = np.bincount(codes, minlength=size)
        values = np.flatnonzero(counts)
        return values, counts[values]
    return np.unique(codes, return_counts=True)


def _pair_counts(a: Components, b: Components) -> dict[tuple[int, int], int]:
    """Voxel counts of every (label of ``a``, label of ``b``) pair overlapping."""
    box = _common_box(a, b)
    if box is None:
        return {}
    la = _window(a.labels, a.offset, box)
    lb = _window(b.labels, b.offset, box)
    both = (la > 0) & (lb > 0)
    codes = la[both].astype(np.int64) * (b.count + 1) + lb[both]
    values, counts = _code_counts(codes, (a.count + 1) * (b.count + 1))
    return {(int(v // (b.count + 1)), int(v % (b.count + 1))): int(c) for v, c in zip(values, counts)}


def _touching(gt: GroundTruthLesions, pred: Components) -> tuple[dict[int, set], dict]:
    """The predicted components meeting each lesion's zone (its dilation), and the voxel counts of every
    (lesion, component) pair overlapping.

    A component overlapping a lesion meets its zone; a zone is dilated (on its own box) only when some
    component whose box meets the zone's box does not overlap the lesion, and the components on the
    dilation are read there.
    """
    overlap = _pair_counts(gt.lesions, pred)
    touching: dict[int, set] = {}
    for lesion, comp in overlap:
        touching.setdefault(lesion, set()).add(comp)
    if gt.dilation == 0 or pred.count == 0:
        return touching, overlap
    bounds = np.array([[(b.start, b.stop) for b in box] for box in pred.boxes])  # (components, axes, 2)
    for lesion, box in enumerate(gt.zone_boxes, 1):
        zone = np.array([(b.start, b.stop) for b in box])
        near = np.all((bounds[..., 0] < zone[:, 1]) & (bounds[..., 1] > zone[:, 0]), axis=1)
        direct = touching.get(lesion, set())
        if len(direct) == np.count_nonzero(near):  # every nearby component overlaps the lesion
            continue
        grown = dilate(gt.lesions.window(box) == lesion, 2, iterations=gt.dilation)
        found = np.unique(pred.window(box)[grown])
        touching[lesion] = direct | {int(c) for c in found if c}
    return touching, overlap


def _distances(gt: GroundTruthLesions, pred: Components, pairs: list[tuple[int, list[int]]],
               wanted: set, searched: PairDistances | None) -> dict[int, dict]:
    """HD95 / NSD (those wanted) of each (lesion, components) pair, by lesion: one batched search (of the voxels
    the voxel-wise search of the region, ``searched``, did not settle)."""
    names = [n for n in ("hd95", "nsd") if f"lesion_{n}" in wanted]
    if not names or not pairs:
        return {lesion: {} for lesion, _ in pairs}
    known = _known_distances(gt, pred, searched)
    if known is None:
        pred_surface = labelled_surface(pred, within=sorted({c for _, comps in pairs for c in comps}))
        known_gt = known_pred = None
    else:
        pred_surface, known_gt, known_pred = known
    values = paired_surface_metrics(gt.surface, pred_surface, pairs, spacing=gt.spacing, metrics=names,
                                    nsd_tolerance=gt.rule.nsd_tolerance, hd95_convention=gt.rule.hd95_convention,
                                    known_gt=known_gt, known_pred=known_pred)
    return {lesion: v for (lesion, _), v in zip(pairs, values)}


def _known_distances(gt: GroundTruthLesions, pred: Components, searched: PairDistances | None):
    """The voxel-wise search of the region as ``(pred surface, known_gt, known_pred)`` of
    :func:`~auditapp.metrics._lesion_distances.paired_surface_metrics`; None without one, or when its surfaces
    are not those of these masks."""
    if searched is None or searched.gt_to_pred is None:
        return None
    at_gt, at_pred = searched.gt_to_pred, searched.pred_to_gt
    pred_owners = pred.label_at(at_pred.points)
    if not (pred_owners.all() and gt.adopt_surface(at_gt.points)):
        return None
    return (LabelledSurface(at_pred.points, pred_owners), (at_gt.distances, pred.label_at(at_gt.nearest)),
            (at_pred.distances, gt.lesions.label_at(at_pred.nearest)))


def _ratio(num: float, den: float) -> float:
    return num / den if den else math.nan


def _counts(n_gt: int, n_pred: int, tp: int, fp: int, fn: int) -> dict:
    return {
        "gt_lesions": n_gt, "pred_lesions": n_pred, "tp_lesions": tp, "fp_lesions": fp, "fn_lesions": fn,
        "lesion_precision": _ratio(tp, tp + fp), "lesion_recall": _ratio(tp, tp + fn),
        "lesion_f1": 1.0 if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn),
    }


def _lesion_row(comps: Components, component: int, kind: str, voxel_volume: float, **values) -> dict:
    k, j, i = comps.centroid(component)
    row = {"lesion": component, "kind": kind, "voxels": int(comps.sizes[component]),
           "volume": float(comps.sizes[component]) * voxel_volume, "centroid_k": k, "centroid_j": j, "centroid_i": i,
           "pred_components": "", "pred_voxels": 0, "dice": math.nan, "hd95": math.nan, "nsd": math.nan}
    row.update(values)
    return row


def _brats(gt: GroundTruthLesions, pred: Components, wanted: set, table: bool,
           searched: PairDistances | None) -> LesionResult:
    rule = gt.rule
    hits, overlap = _touching(gt, pred)
    if rule.merge_prediction:  # merged predicted components of <= min_size voxels are removed (2024 scripts)
        kept_pred = {c for c in range(1, pred.count + 1) if pred.sizes[c] > rule.min_size}
        hits = {lesion: comps & kept_pred for lesion, comps in hits.items()}
    else:
        kept_pred = set(range(1, pred.count + 1))
    claimed = {comp for comps in hits.values() for comp in comps}
    fp = sorted(kept_pred - claimed)
    sums = {"dice": 0.0, "hd95": 0.0, "nsd": 0.0}
    rows, tp = [], 0
    distances = _distances(gt, pred, [(lesion, sorted(hits[lesion])) for lesion in range(1, gt.count + 1)
                                      if gt.kept[lesion] and hits.get(lesion)], wanted, searched)
    for lesion in range(1, gt.count + 1):
        comps = sorted(hits.get(lesion, []))
        if not gt.kept[lesion]:
            if table:
                rows.append(_lesion_row(gt.lesions, lesion, "dropped", gt.voxel_volume,
                                        pred_components=" ".join(map(str, comps))))
            continue
        if comps:
            tp += 1
            inter = sum(overlap.get((lesion, c), 0) for c in comps)
            p_size = int(pred.sizes[comps].sum())
            values = {"dice": float(2 * inter / (gt.lesions.sizes[lesion] + p_size)), **distances[lesion]}
        else:
            values = {"dice": 0.0, "hd95": rule.penalty_hd95, "nsd": 0.0}
            p_size = 0
        for key in sums:
            sums[key] += values.get(key, 0.0)
        if table:
            rows.append(_lesion_row(gt.lesions, lesion, "tp" if comps else "fn", gt.voxel_volume,
                                    pred_components=" ".join(map(str, comps)), pred_voxels=p_size, **values))
    if table:
        rows += [_lesion_row(pred, c, "fp", gt.voxel_volume, lesion=math.nan, pred_components=str(c),
                             pred_voxels=int(pred.sizes[c]), dice=0.0, hd95=rule.penalty_hd95, nsd=0.0)
                 for c in fp]
    kept = int(gt.kept.sum())
    scored = kept + len(fp)
    if scored == 0:
        scores = {"lesion_dice": 1.0, "lesion_hd95": 0.0, "lesion_nsd": 1.0}
    else:
        scores = {"lesion_dice": sums["dice"] / scored,
                  "lesion_hd95": (sums["hd95"] + len(fp) * rule.penalty_hd95) / scored,
                  "lesion_nsd": sums["nsd"] / scored}
    scores.update(_counts(kept, len(kept_pred), tp, len(fp), kept - tp))
    return LesionResult(scores, rows)


def _match(gt: GroundTruthLesions, pred: Components, keep_pred: np.ndarray) -> list[tuple[int, int, float]]:
    """One-to-one matching: (gt lesion, pred component, dice) pairs, maximum total IoU/Dice above threshold."""
    rule = gt.rule
    candidates = []
    for (lesion, comp), inter in _pair_counts(gt.lesions, pred).items():
        if not (gt.kept[lesion] and keep_pred[comp]):
            continue
        total = gt.lesions.sizes[lesion] + pred.sizes[comp]
        dice = float(2 * inter / total)
        score = dice if rule.match_metric == "dice" else float(inter / (total - inter))
        if score > rule.match_threshold:
            candidates.append((lesion, comp, score, dice))
    if not candidates:
        return []
    rows = sorted({c[0] for c in candidates})
    cols = sorted({c[1] for c in candidates})
    weight = np.zeros((len(rows), len(cols)))
    dice_of = {}
    for lesion, comp, score, dice in candidates:
        weight[rows.index(lesion), cols.index(comp)] = score
        dice_of[lesion, comp] = dice
    from scipy.optimize import linear_sum_assignment  # on use: scipy.optimize alone takes ~1 s to import

    r, c = linear_sum_assignment(weight, maximize=True)
    return [(rows[a], cols[b], dice_of[rows[a], cols[b]]) for a, b in zip(r, c) if weight[a, b] > 0]


def _matching(gt: GroundTruthLesions, pred: Components, wanted: set, table: bool,
              searched: PairDistances | None) -> LesionResult:
    rule = gt.rule
    keep_pred = pred.sizes * gt.voxel_volume > rule.min_size
    keep_pred[0] = False
    matches = _match(gt, pred, keep_pred)
    rows, per_match = [], []
    matched_gt = {}
    distances = _distances(gt, pred, [(lesion, [comp]) for lesion, comp, _ in matches], wanted, searched)
    for lesion, comp, dice in matches:
        values = {"dice": dice, **distances[lesion]}
        per_match.append(values)
        matched_gt[lesion] = (comp, values)
    matched_pred = {comp for _, comp, _ in matches}
    n_gt, n_pred, tp = int(gt.kept.sum()), int(keep_pred.sum()), len(matches)
    if table:
        for lesion in range(1, gt.count + 1):
            kind = "tp" if lesion in matched_gt else ("fn" if gt.kept[lesion] else "dropped")
            comp, values = matched_gt.get(lesion, (None, {}))
            extra = {"pred_components": str(comp), "pred_voxels": int(pred.sizes[comp])} if comp else {}
            rows.append(_lesion_row(gt.lesions, lesion, kind, gt.voxel_volume, **extra, **values))
        rows += [_lesion_row(pred, c, "fp", gt.voxel_volume, lesion=math.nan, pred_components=str(c),
                             pred_voxels=int(pred.sizes[c]))
                 for c in range(1, pred.count + 1) if keep_pred[c] and c not in matched_pred]
    if tp:
        scores = {f"lesion_{k}": float(np.mean([v[k] for v in per_match])) for k in ("dice", "hd95", "nsd")
                  if k in per_match[0]}
    elif n_gt == 0 and n_pred == 0:
        scores = {"lesion_dice": 1.0, "lesion_hd95": 0.0, "lesion_nsd": 1.0}
    else:
        scores = {"lesion_dice": math.nan, "lesion_hd95": math.nan, "lesion_nsd": math.nan}
    scores.update(_counts(n_gt, n_pred, tp, n_pred - tp, n_gt - tp))
    return LesionResult(scores, rows)


def evaluate_lesions(gt: GroundTruthLesions, pred_mask: np.ndarray, *, offset: Sequence[int] | None = None,
                     metrics: Iterable[str] = tuple(LESION_METRICS), table: bool = False,
                     searched: PairDistances | None = None) -> LesionResult:
    """Lesion-wise scores of one prediction mask against shared GT lesions.

    Parameters
    ----------
    gt : GroundTruthLesions
        The region's GT lesions (built once per subject and region).
    pred_mask : ndarray of bool
        The region's predicted mask, or a crop of it whose element 0 is at ``offset``.
    metrics : iterable of str
        Subset of :data:`LESION_METRICS` (``lesion_dice``, ``lesion_hd95``, ``lesion_nsd``,
        ``lesion_counts``); the result holds the columns of the requested ones.
    table : bool
        Also return one row per GT lesion and per false-positive component
        (:data:`LESION_TABLE_COLUMNS`; ``kind`` is ``tp``, ``fn``, ``fp`` or ``dropped``).
    searched : PairDistances, optional
        The voxel-wise nearest-surface search of the same GT and predicted masks (with surface metrics):
        the distances it found to the voxels of a pair's own lesion or components are reused.

    Returns
    -------
    LesionResult
    """
    return _score(gt, _prediction(gt, pred_mask, offset), metrics, table, searched)


def _prediction(gt: GroundTruthLesions, pred_mask: np.ndarray, offset: Sequence[int] | None) -> Components:
    """The predicted components of a region: merged by dilation where the rule says so, else plain."""
    rule = gt.rule
    if rule.merge_prediction and rule.convention != "matching":
        return merged_components(pred_mask, dilation=gt.dilation, connectivity=rule.connectivity, offset=offset,
                                 shape=gt.shape)[0]
    return label_components(pred_mask, connectivity=rule.connectivity, offset=offset)


def _score(gt: GroundTruthLesions, pred: Components, metrics: Iterable[str], table: bool,
           searched: PairDistances | None) -> LesionResult:
    wanted = set(metrics)
    unknown = wanted - set(LESION_METRICS)
    if unknown:
        raise ValueError(f"unknown lesion-wise metric(s) {sorted(unknown)}; expected some of {list(LESION_METRICS)}")
    compute = _matching if gt.rule.convention == "matching" else _brats
    result = compute(gt, pred, wanted, table, searched)
    columns = [c for name in LESION_METRICS if name in wanted for c in LESION_METRICS[name]]
    result.scores = {c: result.scores[c] for c in columns}
    return result


def lesion_wise_metrics(gt: np.ndarray, pred: np.ndarray, *, spacing: Sequence[float], rule: LesionRule | None = None,
                        metrics: Iterable[str] = tuple(LESION_METRICS), table: bool = False) -> LesionResult:
    """Lesion-wise metrics of two binary masks of the same shape (see the module docstring).

    Examples
    --------
    >>> g = np.zeros((1, 1, 20), bool); g[0, 0, 2:5] = True
    >>> p = np.zeros((1, 1, 20), bool); p[0, 0, 3:5] = True; p[0, 0, 15] = True
    >>> rule = LesionRule("brats2023", dilation=1, min_size=0, penalty_hd95=100.0)
    >>> s = lesion_wise_metrics(g, p, spacing=(1, 1, 1), rule=rule).scores
    >>> round(s["lesion_dice"], 4), s["lesion_hd95"], s["tp_lesions"], s["fp_lesions"]
    (0.4, 50.45, 1, 1)
    """
    gt = np.asarray(gt)
    pred = np.asarray(pred)
    if gt.shape != pred.shape:
        raise ValueError(f"gt and pred must have the same shape; got {gt.shape} and {pred.shape}")
    if len(spacing) != gt.ndim:
        raise ValueError(f"spacing must have one value per axis ({gt.ndim}); got {len(spacing)}")
    rule = rule or LesionRule()
    lesions = GroundTruthLesions(gt.astype(bool, copy=False), spacing=spacing, rule=rule)
    return evaluate_lesions(lesions, pred.astype(bool, copy=False), metrics=metrics, table=table)


class SubjectLesions:
    """The GT lesions of every region of one subject, labelled on first use and shared by its models.

    Parameters
    ----------
    gt : ndarray
        Ground-truth label volume.
    spacing : sequence of float
        Its voxel size per axis (mm).
    rules : mapping of region name to LesionRule
        One rule per region (:func:`lesion_rule` gives the per-task defaults).
    """

    def __init__(self, gt: np.ndarray, spacing: Sequence[float], rules: Mapping[str, LesionRule]):
        self.gt = np.asarray(gt)
        self.spacing = tuple(float(s) for s in spacing)
        self.rules = dict(rules)
        self.box = bounding_box(self.gt != 0)
        self._regions: dict[str, GroundTruthLesions] = {}
        self._joined: dict[str, GroundTruthLesions] = {}

    def region(self, name: str, values: tuple[int, ...]) -> GroundTruthLesions:
        """GT lesions of the region ``gt ∈ values`` named ``name`` (cached)."""
        if name not in self._regions:
            rule = self.rules[name]
            if self.box is None:
                mask, offset = np.zeros((0,) * self.gt.ndim, bool), None
            else:
                mask, offset = region_mask(self.gt[self.box], values), [b.start for b in self.box]
            self._regions[name] = GroundTruthLesions(mask, spacing=self.spacing, rule=rule, offset=offset,
                                                     shape=self.gt.shape)
        return self._regions[name]

    def joined(self, name: str, regions: Mapping[str, tuple[int, ...]]) -> GroundTruthLesions:
        """GT lesions of region ``name`` joined across the tissues of its rule's ``join_with`` that are among
        ``regions`` (name -> values; cached): :meth:`region` when there are none."""
        through = [t for t in self.rules[name].join_with if t in regions and t != name]
        lesions = self.region(name, regions[name])
        if not through:
            return lesions
        if name not in self._joined:
            self._joined[name] = lesions.joined(
                [touching_pairs(lesions.lesions, self.region(t, regions[t]).lesions) for t in through])
        return self._joined[name]


def evaluate_pair_lesions(subject: SubjectLesions, pred: np.ndarray, regions: Iterable, *,
                          metrics: Iterable[str] = tuple(LESION_METRICS), table: bool = False,
                          searched: Mapping[str, PairDistances] | None = None) -> dict[str, LesionResult]:
    """Lesion-wise results of one prediction label volume, per region (``Region``: ``name``, ``values``).

    The prediction is cropped once to its non-zero box; each region's mask is taken on that crop. ``searched``:
    the voxel-wise nearest-surface searches of the pair by region name
    (:attr:`~auditapp.metrics.registry.PairEvaluation.distances`), reused by :func:`evaluate_lesions`.

    Examples
    --------
    >>> from auditapp.metrics.regions import Region
    >>> gt = np.zeros((6, 6, 20), np.uint8); gt[1:4, 1:4, 1:4] = 1; gt[1:4, 1:4, 10:13] = 2
    >>> pred = gt.copy(); pred[1:4, 1:4, 10:13] = 0
    >>> subject = SubjectLesions(gt, (1, 1, 1), {"A": LesionRule(min_size=0), "B": LesionRule(min_size=0)})
    >>> out = evaluate_pair_lesions(subject, pred, [Region("A", (1,)), Region("B", (2,))], metrics=["lesion_dice"])
    >>> {name: result.scores for name, result in out.items()}
    {'A': {'lesion_dice': 1.0}, 'B': {'lesion_dice': 0.0}}
    """
    pred = np.asarray(pred)
    if pred.shape != subject.gt.shape:
        raise ValueError(f"gt and pred must have the same shape; got {subject.gt.shape} and {pred.shape}")
    regions = list(regions)
    values = {region.name: tuple(region.values) for region in regions}
    box = bounding_box(pred != 0)
    crop = pred[box] if box is not None else None
    found: dict[str, Components] = {}

    def predicted(name: str) -> Components:
        """A region's predicted components before any joining (cached: other regions join through them)."""
        if name not in found:
            if crop is None:
                mask, offset = np.zeros((0,) * pred.ndim, bool), None
            else:
                mask, offset = region_mask(crop, values[name]), [b.start for b in box]
            found[name] = _prediction(subject.region(name, values[name]), mask, offset)
        return found[name]

    return {region.name: _score(subject.joined(region.name, values), _joined_prediction(subject, region.name, values,
                                                                                        predicted),
                                metrics, table, (searched or {}).get(region.name))
            for region in regions}


def _joined_prediction(subject: SubjectLesions, name: str, values: Mapping[str, tuple[int, ...]],
                       predicted) -> Components:
    """Region ``name``'s predicted components joined across tissues as its GT lesions are
    (:meth:`SubjectLesions.joined`); with ``merge_prediction``, components of ``<= min_size`` voxels (removed
    before the scripts join) join nothing."""
    rule = subject.rules[name]
    comps = predicted(name)
    through = [t for t in rule.join_with if t in values and t != name]
    if not through:
        return comps
    steps = []
    for tissue in through:
        other, other_rule = predicted(tissue), subject.rules[tissue]
        pairs = touching_pairs(comps, other)
        keep = np.ones(len(pairs), bool)
        if rule.merge_prediction:
            keep &= comps.sizes[pairs[:, 0]] > rule.min_size
        if other_rule.merge_prediction:
            keep &= other.sizes[pairs[:, 1]] > other_rule.min_size
        steps.append(pairs[keep])
    lut = join_across(comps.count, steps)
    return comps if int(lut.max(initial=0)) == comps.count else relabelled(comps, lut)


@dataclass(frozen=True)
class LesionWiseOptions:
    """The ``lesion_wise:`` block of a metric-extraction config (None values: the convention's defaults).

    Examples
    --------
    >>> from auditapp.metrics.regions import Region
    >>> rules = LesionWiseOptions(convention="brats2024").rules([Region("ET", (3,)), Region("WT", (1, 2, 3))])
    >>> rules["ET"].min_size, rules["WT"].min_size
    (10.0, 20.0)
    """

    convention: str = "brats2023"
    task: str = "GLI"
    dilation: int | None = None
    min_size: float | Mapping[str, float] | None = None
    penalty_hd95: float | None = None
    hd95_convention: str = "directed_max"
    connectivity: int = 26
    match_metric: str = "iou"
    match_threshold: float = 0.5
    per_lesion_table: bool = False
    join_tissues: bool | None = None

    def rules(self, regions: Iterable, nsd_tolerance: float = 1.0) -> dict[str, LesionRule]:
        """One :class:`LesionRule` per region (``Region``: ``name``)."""
        return {region.name: lesion_rule(self.convention, task=self.task, region=region.name,
                                         dilation=self.dilation, min_size=self.min_size,
                                         penalty_hd95=self.penalty_hd95, join_tissues=self.join_tissues,
                                         hd95_convention=self.hd95_convention,
                                         connectivity=self.connectivity, match_metric=self.match_metric,
                                         match_threshold=self.match_threshold, nsd_tolerance=nsd_tolerance)
                for region in regions}
