"""HD95 and NSD of every scored lesion of one region in one batched nearest-surface search.

Each scored lesion is a pair (GT lesion ``L``, union ``P_L`` of the predicted components scored with it).
The surface of a lesion (or component) alone equals the surface of the whole region's mask restricted
to it: a voxel's 6-neighbours in the mask belong to its own lesion (component), whatever the
connectivity. So one surface per side, labelled by lesion (component), serves every pair:

* ``D_G(L)``: the surface voxels of ``L``, each searched for the nearest predicted surface voxel of a
  component of ``P_L``;
* ``D_P(L)``: the surface voxels of each component of ``P_L`` (once per lesion it is scored with),
  each searched for the nearest surface voxel of ``L``;

both with :func:`grouped_surface_distances` (group = the pair), and the
95th percentiles of every pair from one sort (:func:`grouped_percentile`, equal to ``np.percentile``
bit for bit). The values equal those of
:func:`~auditapp.metrics.distances.geometry_distance_metrics` on each pair's masks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from auditapp.metrics._nearest import _near_offsets, _offset_scan, _surface_tree, _tree_distances, surface_mask
from auditapp.metrics.components import Components

__all__ = ["LabelledSurface", "labelled_surface", "grouped_surface_distances", "grouped_percentile",
           "paired_surface_metrics"]

#: A mask filling at most this fraction of its box has its surface found from its voxel list (6 look-ups per
#: voxel, ~25x the cost of a box voxel in :func:`~auditapp.metrics._nearest.surface_mask`).
_SPARSE_FILL = 1 / 32


@dataclass(frozen=True)
class LabelledSurface:
    """Surface voxels of labelled components: ``points`` their volume indices (``(n, ndim)``, C order),
    ``owners`` their component ids."""

    points: np.ndarray
    owners: np.ndarray


def labelled_surface(components: Components, within: Sequence[int] | None = None) -> LabelledSurface:
    """The surface voxels of every component: those with a 6-neighbour outside the component (or the box).

    With ``within`` (component ids), on the union of those components' boxes only: their surface voxels
    are all there, other components' voxels in that box are listed with a surface cut by the box.

    Equal to :func:`~auditapp.metrics._nearest.surface_mask` of the components' mask; for a mask filling
    little of its box, computed from its voxel list (a few small lesions over a brain-sized box cost their
    voxels, not the box).

    Examples
    --------
    >>> from auditapp.metrics.components import label_components
    >>> m = np.zeros((3, 3, 7), bool); m[:, :, :3] = True; m[1, 1, 5] = True  # a 3x3x3 cube and one voxel
    >>> s = labelled_surface(label_components(m, offset=(4, 0, 0)))
    >>> np.bincount(s.owners).tolist(), s.points[s.owners == 2].tolist()  # the cube's centre is interior
    ([0, 26, 1], [[5, 1, 5]])
    """
    labels, offset = components.labels, components.offset
    if within is not None and len(within):  # a component's 6-neighbours outside its box are not in it
        boxes = [components.boxes[c - 1] for c in within]
        box = [slice(min(b[a].start for b in boxes), max(b[a].stop for b in boxes)) for a in range(labels.ndim)]
        labels = labels[tuple(slice(b.start - o, b.stop - o) for b, o in zip(box, offset))]
        offset = tuple(b.start for b in box)
    mask = labels > 0
    flat = np.flatnonzero(mask)
    if len(flat) > labels.size * _SPARSE_FILL:
        flat = np.flatnonzero(surface_mask(mask))
        points = np.stack(np.unravel_index(flat, labels.shape), axis=1) + np.asarray(offset, np.int64)
        return LabelledSurface(points, labels.reshape(-1)[flat])
    coords = np.stack(np.unravel_index(flat, labels.shape), axis=1)
    interior = np.ones(len(flat), bool)
    stride = 1
    for axis in range(labels.ndim - 1, -1, -1):
        column = coords[:, axis]
        for step, inside in ((-1, column > 0), (1, column < labels.shape[axis] - 1)):
            interior[~inside] = False
            where = np.flatnonzero(interior)  # only voxels still possibly interior are looked up
            interior[where] = mask.reshape(-1)[flat[where] + step * stride]
        stride *= labels.shape[axis]
    surface = ~interior
    points = coords[surface] + np.asarray(offset, np.int64)
    return LabelledSurface(points, labels.reshape(-1)[flat[surface]])


def grouped_surface_distances(points: np.ndarray, groups: np.ndarray, targets: np.ndarray,
                              target_groups: np.ndarray, spacing: Sequence[float]) -> np.ndarray:
    """Exact distance from each source voxel to the nearest target voxel of its group.

    The search of :func:`~auditapp.metrics._nearest.directed_distances` for many (source, target)
    pairs at once (the lesions of a region): each group gets a window around its source voxels
    holding its own target voxels, the windows lie side by side in one array, one offset scan serves
    every group, and one k-d tree per group takes the voxels the scan leaves.

    Parameters
    ----------
    points : (n, ndim) ndarray of int
        Volume indices of the source voxels.
    groups : (n,) ndarray of int
        Group of each source voxel (>= 0).
    targets : (m, ndim) ndarray of int
        Volume indices of the target voxels (a voxel may appear once per group), in C order within a
        group (any order gives the same distances up to exact ties, see :mod:`auditapp.metrics._nearest`).
    target_groups : (m,) ndarray of int
        Group of each target voxel.
    spacing : sequence of float
        Voxel size per axis (mm).

    Returns
    -------
    (n,) ndarray of float
        Distances (mm), as :func:`scipy.ndimage.distance_transform_edt` computes them; inf for a
        group without target voxels.

    Examples
    --------
    >>> targets, target_groups = np.array([[0, 0, 0], [0, 0, 4]]), np.array([0, 1])
    >>> points = np.array([[0, 0, 1], [0, 0, 1], [0, 0, 3]])
    >>> grouped_surface_distances(points, np.array([0, 1, 1]), targets, target_groups, (1.0, 1.0, 2.0))
    array([2., 6., 2.])
    """
    spacing = tuple(float(s) for s in spacing)
    if len(points) == 0:
        return np.empty(0)
    order = np.argsort(groups, kind="stable")  # items of a group together: gathers stay in its window
    points, groups = points[order], groups[order]
    offsets, lengths, margin, first_chunk = _near_offsets(spacing)
    cells, flat, strides, window = _group_windows(points, groups, targets, target_groups, margin)
    steps = offsets @ strides.T
    if len(strides) == 1:  # one window: the same step for every item
        steps, window = steps[:, 0], None
    distances, pending, _ = _offset_scan(cells, flat, steps, lengths, first_chunk, window)
    if len(pending):
        distances[pending] = _grouped_tree_distances(points[pending], groups[pending], targets, target_groups,
                                                     spacing)
    out = np.empty(len(order))
    out[order] = distances
    return out


def _group_windows(points: np.ndarray, groups: np.ndarray, targets: np.ndarray, target_groups: np.ndarray,
                   margin: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One window per group (its source voxels' box grown by ``margin``) holding its target voxels, the
    windows side by side in one raveled array. ``groups`` sorted. Returns ``(cells, each source voxel's
    index in cells, strides (windows, ndim), each source voxel's window)``."""
    first = np.flatnonzero(np.diff(groups, prepend=-1))
    low = np.minimum.reduceat(points, first, axis=0) - margin
    high = np.maximum.reduceat(points, first, axis=0) + 1 + np.asarray(margin)
    shapes = high - low
    strides = np.cumprod(np.concatenate([shapes[:, 1:], np.ones((len(shapes), 1), np.int64)], axis=1)[:, ::-1],
                        axis=1)[:, ::-1]  # C-order strides of each window
    sizes = np.prod(shapes, axis=1)
    bases = np.cumsum(sizes) - sizes
    window = np.repeat(np.arange(len(first)), np.diff(np.append(first, len(groups))))
    slot = np.full(int(max(groups[-1], target_groups.max(initial=0))) + 1, -1)
    slot[groups[first]] = np.arange(len(first))  # group -> its window
    into = slot[target_groups]
    keep = into >= 0
    for axis in range(points.shape[1]):  # targets out of their window are beyond the scan's reach
        column = targets[:, axis]
        keep &= (column >= low[into, axis]) & (column < high[into, axis])
    cells = np.zeros(int(sizes.sum()), bool)
    cells[_raveled(targets[keep], into[keep], low, strides, bases)] = True
    return cells, _raveled(points, window, low, strides, bases), strides, window


def _raveled(points: np.ndarray, window: np.ndarray, low: np.ndarray, strides: np.ndarray,
             bases: np.ndarray) -> np.ndarray:
    """Index in the side-by-side windows of each voxel (``window``: its window, of corner ``low``)."""
    if len(bases) == 1:  # one window: scalar corner and strides
        window = 0
    flat = np.zeros(len(points), np.int64) + bases[window]
    for axis in range(points.shape[1]):
        flat += (points[:, axis] - low[window, axis]) * strides[window, axis]
    return flat


def _grouped_tree_distances(points: np.ndarray, groups: np.ndarray, targets: np.ndarray,
                            target_groups: np.ndarray, spacing: tuple) -> np.ndarray:
    """k-d tree distances of :func:`grouped_surface_distances` (``groups`` sorted): one tree per group, on
    its target voxels in the order given (C order: the tree a :class:`~auditapp.metrics._nearest.MaskGeometry`
    of them builds)."""
    out = np.full(len(points), np.inf)
    by_group = np.argsort(target_groups, kind="stable")
    starts = np.flatnonzero(np.diff(groups, prepend=-1))
    bounds = np.searchsorted(target_groups[by_group], [groups[starts], groups[starts] + 1])
    for index, items in enumerate(np.split(np.arange(len(points)), starts[1:])):
        candidates = targets[by_group[bounds[0, index]:bounds[1, index]]]
        if len(candidates):
            out[items] = _tree_distances(_surface_tree(candidates, spacing), candidates, points[items], spacing)
    return out


def grouped_percentile(values: np.ndarray, groups: np.ndarray, count: int, q: float) -> np.ndarray:
    """``np.percentile(values[groups == g], q)`` for every ``g`` in ``range(count)``, from one sort.

    The linear method of :func:`numpy.percentile` (Hyndman & Fan 7) with numpy's own operations
    (virtual index ``(n - 1) · q/100``, the two order statistics around it, numpy's two-sided linear
    interpolation), so each value equals numpy's bit for bit. An empty group gives NaN.

    Examples
    --------
    >>> grouped_percentile(np.array([3.0, 1.0, 2.0, 7.0, 5.0]), np.array([0, 0, 0, 2, 2]), 3, 95)
    array([2.9, nan, 6.9])
    """
    sizes = np.bincount(groups, minlength=count)[:count]
    starts = np.cumsum(sizes) - sizes
    by_value = np.argsort(values)
    keys = groups[by_value].astype(np.int16 if count < 2**15 else np.int64)  # 16-bit keys: a radix sort
    ordered = values[by_value[np.argsort(keys, kind="stable")]]  # by group, then by value
    virtual = (sizes - 1) * (q / 100)
    below = np.floor(virtual)
    last = starts + np.maximum(sizes - 1, 0)
    at_end = virtual >= sizes - 1  # numpy takes the last value there
    low = np.where(at_end, last, starts + np.maximum(below, 0).astype(np.int64))
    high = np.where(at_end, last, low + 1)
    filled = sizes > 0
    out = np.full(count, np.nan)
    a, b, t = ordered[low[filled]], ordered[high[filled]], (virtual - below)[filled]
    diff = b - a
    lerp = a + diff * t
    upper = t >= 0.5
    lerp[upper] = (b - diff * (1 - t))[upper]  # numpy's _lerp: from the nearer end
    out[filled] = lerp
    return out


def paired_surface_metrics(gt: LabelledSurface, pred: LabelledSurface, pairs: Sequence[tuple[int, Sequence[int]]],
                           *, spacing: Sequence[float], metrics: Iterable[str], nsd_tolerance: float = 1.0,
                           hd95_convention: str = "directed_max", known_gt: tuple[np.ndarray, np.ndarray] | None = None,
                           known_pred: tuple[np.ndarray, np.ndarray] | None = None) -> list[dict[str, float]]:
    """HD95 and NSD of every pair (GT lesion, predicted components) of one region.

    Parameters
    ----------
    gt, pred : LabelledSurface
        Surfaces of the GT lesions and of the predicted components (same spacing).
    pairs : sequence of (int, sequence of int)
        Each GT lesion (at most once) with the non-empty list of components scored with it.
    metrics : iterable of str
        Some of ``hd95``, ``nsd``.
    hd95_convention : {"directed_max", "pooled"}
        As :func:`~auditapp.metrics.distances.geometry_distance_metrics`.
    known_gt, known_pred : (distances, owners), optional
        For every voxel of ``gt`` (``pred``): its distance to the other side's whole surface and the
        component (lesion) owning the voxel it reached, from the voxel-wise search of the same masks. A
        distance whose voxel belongs to the pair's other side is the pair's distance (the pair's surface is
        part of the whole surface), so only the other voxels are searched.

    Returns
    -------
    list of dict
        One dict per pair with the requested metrics, equal to
        :func:`~auditapp.metrics.distances.geometry_distance_metrics` on the pair's masks.
    """
    wanted = set(metrics)
    count = len(pairs)
    if not count or not wanted & {"hd95", "nsd"}:
        return [{} for _ in pairs]
    pair_of_lesion = np.full(int(gt.owners.max(initial=0)) + 1, -1)
    pair_of_lesion[[lesion for lesion, _ in pairs]] = np.arange(count)
    g_groups = pair_of_lesion[gt.owners]  # the surface voxels of each pair's lesion
    g_items = np.flatnonzero(g_groups >= 0)
    g_groups, g_points = g_groups[g_items], gt.points[g_items]
    p_items, p_groups = _component_items(pred.owners, pairs)  # of each pair's components
    p_points = pred.points[p_items]
    g_known = p_known = None
    if known_gt is not None:
        g_known = known_gt[0][g_items], _scored_with(g_groups, known_gt[1][g_items], pairs)
    if known_pred is not None:
        lesion_of_pair = np.array([lesion for lesion, _ in pairs])
        p_known = known_pred[0][p_items], known_pred[1][p_items] == lesion_of_pair[p_groups]
    d_g = _search(g_points, g_groups, p_points, p_groups, spacing, g_known)
    d_p = _search(p_points, p_groups, g_points, g_groups, spacing, p_known)
    return _scores(d_g, g_groups, d_p, p_groups, count, wanted, nsd_tolerance, hd95_convention)


def _scored_with(groups: np.ndarray, owners: np.ndarray, pairs: Sequence[tuple[int, Sequence[int]]]) -> np.ndarray:
    """Whether each ``owners`` component is one of the components of pair ``groups``."""
    width = max(int(owners.max(initial=0)), max(c for _, comps in pairs for c in comps)) + 1
    allowed = np.sort(np.array([index * width + c for index, (_, comps) in enumerate(pairs) for c in comps]))
    codes = groups.astype(np.int64) * width + owners
    at = np.minimum(np.searchsorted(allowed, codes), len(allowed) - 1)
    return allowed[at] == codes


def _search(points: np.ndarray, groups: np.ndarray, targets: np.ndarray, target_groups: np.ndarray,
            spacing: Sequence[float], known: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """:func:`grouped_surface_distances`, searching only the points whose distance is not ``known``
    (``(distances, resolved)``)."""
    if known is None:
        return grouped_surface_distances(points, groups, targets, target_groups, spacing)
    distances, resolved = known
    out = distances.astype(np.float64, copy=True)
    left = np.flatnonzero(~resolved)
    if len(left):
        out[left] = grouped_surface_distances(points[left], groups[left], targets, target_groups, spacing)
    return out


def _component_items(owners: np.ndarray, pairs: Sequence[tuple[int, Sequence[int]]]) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the surface voxels of every pair's components (a voxel once per pair, C order within a
    pair) and their pair."""
    order = np.argsort(owners, kind="stable")
    sizes = np.bincount(owners)
    starts = np.cumsum(sizes) - sizes
    pair_index = np.array([index for index, (_, comps) in enumerate(pairs) for _ in comps], dtype=np.int64)
    comps = np.array([c for _, cs in pairs for c in cs], dtype=np.int64)
    lengths = sizes[comps]
    first = np.repeat(starts[comps] - (np.cumsum(lengths) - lengths), lengths)
    items, groups = order[first + np.arange(int(lengths.sum()))], np.repeat(pair_index, lengths)
    if len(comps) > len(pairs):  # a pair with several components: its voxels back in C order
        resort = np.argsort(groups * len(owners) + items)
        items, groups = items[resort], groups[resort]
    return items, groups


def _scores(d_g: np.ndarray, g_groups: np.ndarray, d_p: np.ndarray, p_groups: np.ndarray, count: int,
            wanted: set, nsd_tolerance: float, hd95_convention: str) -> list[dict[str, float]]:
    """Per pair HD95 / NSD from the distances of both directions (each labelled by its pair)."""
    columns = {}
    if "hd95" in wanted and hd95_convention == "pooled":
        columns["hd95"] = grouped_percentile(np.concatenate([d_p, d_g]), np.concatenate([p_groups, g_groups]),
                                             count, 95)
    elif "hd95" in wanted:
        columns["hd95"] = np.maximum(grouped_percentile(d_p, p_groups, count, 95),
                                     grouped_percentile(d_g, g_groups, count, 95))
    if "nsd" in wanted:
        within = (np.bincount(p_groups[d_p <= nsd_tolerance], minlength=count)
                  + np.bincount(g_groups[d_g <= nsd_tolerance], minlength=count))
        columns["nsd"] = within / (np.bincount(p_groups, minlength=count) + np.bincount(g_groups, minlength=count))
    return [{name: float(values[index]) for name, values in columns.items()} for index in range(count)]
