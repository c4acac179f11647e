"""Distance metrics of one region: Hausdorff (0.2.0 definition), HD95, ASSD, NSD.

All four come from two exact Euclidean feature transforms computed on the bounding
box of ``G ∪ P`` (nothing outside that box can be a nearest voxel, so cropping is
exact): the transform to the surface of the ground truth ``∂G`` and the transform to
the surface of the prediction ``∂P``, both with ``sampling = spacing``
(:func:`scipy.ndimage.distance_transform_edt`).

* Surfaces: ``∂M = M ∧ ¬erode(M)``, one binary erosion with the 6-connected cross,
  voxels outside the volume counting as background.
* For a voxel outside ``B`` the nearest voxel of ``B`` is a surface voxel of ``B``
  (a step from an interior voxel towards the query point would be strictly closer),
  so ``d(x, B) = d(x, ∂B)`` there, and ``d(x, B) = 0`` inside ``B``. Hence the
  all-voxel Hausdorff distance of the reference needs no third transform:
  ``h(P→G) = max_{x ∈ P∖G} d(x, ∂G)``.

Distances are computed exactly as scipy's ``distance_transform_edt`` computes them
(index differences scaled by the spacing, squared, summed over axes in order, square
root), only at the voxels that are needed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import ndimage

from auditapp.metrics.regions import bounding_box

__all__ = [
    "DISTANCE_METRICS",
    "distance_metrics",
    "hausdorff_distance",
    "hd95",
    "assd",
    "nsd",
    "surface_mask",
]

#: Metrics this module computes, canonical names.
DISTANCE_METRICS = ("hausdorff_distance", "hd95", "assd", "nsd")

#: Values when both masks are empty / when exactly one is empty.
BOTH_EMPTY = {"hausdorff_distance": 0.0, "hd95": 0.0, "assd": 0.0, "nsd": 1.0}
ONE_EMPTY = {"hausdorff_distance": math.nan, "hd95": math.nan, "assd": math.nan, "nsd": 0.0}


def _check(gt: np.ndarray, pred: np.ndarray, spacing: Sequence[float]) -> tuple[np.ndarray, np.ndarray, tuple]:
    gt = np.asarray(gt)
    pred = np.asarray(pred)
    if gt.shape != pred.shape:
        raise ValueError(f"gt and pred must have the same shape; got {gt.shape} and {pred.shape}")
    spacing = tuple(float(s) for s in spacing)
    if len(spacing) != gt.ndim:
        raise ValueError(f"spacing must have one value per axis ({gt.ndim}); got {len(spacing)}")
    if not all(math.isfinite(s) and s > 0 for s in spacing):
        raise ValueError(f"spacing values must be finite and > 0; got {list(spacing)}")
    for name, mask in (("gt", gt), ("pred", pred)):
        if mask.dtype != np.bool_:
            if not np.isin(mask, (0, 1)).all():
                raise ValueError(f"{name} must be a binary mask (bool or 0/1 values)")
    return gt.astype(bool, copy=False), pred.astype(bool, copy=False), spacing


def surface_mask(mask: np.ndarray) -> np.ndarray:
    """Surface voxels ``M ∧ ¬erode(M)`` (6-connected erosion, outside the array = background).

    Examples
    --------
    >>> m = np.zeros((5, 5, 5), bool); m[1:4, 1:4, 1:4] = True
    >>> int(surface_mask(m).sum())  # a 3x3x3 cube: all but the centre voxel
    26
    >>> from scipy import ndimage
    >>> r = np.random.default_rng(0).random((6, 7, 8)) < 0.7
    >>> eroded = ndimage.binary_erosion(r, ndimage.generate_binary_structure(3, 1), border_value=0)
    >>> bool(np.array_equal(surface_mask(r), r & ~eroded))
    True
    """
    # Equal to mask & ~binary_erosion(mask, generate_binary_structure(ndim, 1), border_value=0),
    # written with shifted views: about 6 times faster on tumour-sized boxes.
    interior = mask.copy()
    ndim = mask.ndim
    for axis in range(ndim):
        def part(start, stop, axis=axis):
            index = [slice(None)] * ndim
            index[axis] = slice(start, stop)
            return tuple(index)

        interior[part(1, None)] &= mask[part(None, -1)]  # neighbour before along the axis
        interior[part(None, -1)] &= mask[part(1, None)]  # neighbour after
        interior[part(0, 1)] = False  # outside the array is background
        interior[part(-1, None)] = False
    return mask & ~interior


def _nearest_features(features: np.ndarray, spacing: tuple) -> np.ndarray:
    """Feature transform: index of the nearest True voxel of ``features`` for every voxel."""
    return ndimage.distance_transform_edt(
        ~features, sampling=spacing, return_distances=False, return_indices=True
    )


def _distances_at(ft: np.ndarray, points: tuple[np.ndarray, ...], spacing: tuple) -> np.ndarray:
    """Euclidean distance (mm) from each point to its nearest feature, as scipy's EDT computes it."""
    total = None
    for axis, step in enumerate(spacing):
        delta = (ft[axis][points] - points[axis]).astype(np.float64)
        delta *= step
        delta *= delta
        total = delta if total is None else total + delta
    if total is None:  # pragma: no cover - 0-d input is refused earlier
        return np.zeros(0)
    return np.sqrt(total)


def _directed(
    features: np.ndarray,
    surface: np.ndarray,
    outside: np.ndarray | None,
    spacing: tuple,
    want_surface: bool,
) -> tuple[np.ndarray | None, float]:
    """Distances to the nearest ``features`` voxel at the ``surface`` voxels, and their max over ``outside``.

    One feature transform; the query voxels of both uses are gathered with one ``nonzero``.
    Returns ``(distances at surface voxels in C order or None, max over outside or 0.0)``.
    """
    has_outside = outside is not None and outside.any()
    if not want_surface and not has_outside:
        return None, 0.0
    if want_surface and has_outside:
        query = surface | outside
    else:
        query = surface if want_surface else outside
    points = np.nonzero(query)
    ft = _nearest_features(features, spacing)
    distances = _distances_at(ft, points, spacing)
    del ft
    on_surface = distances[surface[points]] if want_surface else None
    farthest = float(distances[outside[points]].max()) if has_outside else 0.0
    return on_surface, farthest


def distance_metrics(
    gt: np.ndarray,
    pred: np.ndarray,
    *,
    spacing: Sequence[float],
    nsd_tolerance: float = 1.0,
    metrics: Iterable[str] = DISTANCE_METRICS,
) -> dict[str, float]:
    """Hausdorff distance, HD95, ASSD and NSD of two binary masks, sharing two transforms.

    Parameters
    ----------
    gt, pred : ndarray of bool (or 0/1), same shape
        Ground-truth and predicted region masks, axes in the order of ``spacing``.
    spacing : sequence of float
        Voxel size per axis (the ground truth's), in mm.
    nsd_tolerance : float
        Tolerance τ of ``nsd`` in mm (> 0).
    metrics : iterable of str
        Subset of ``hausdorff_distance, hd95, assd, nsd`` to compute.

    Returns
    -------
    dict of str to float
        One entry per requested metric.

    Raises
    ------
    ValueError
        Shapes differ, masks are not binary, spacing has the wrong length or a
        non-positive value, unknown metric name, non-positive tolerance.

    Notes
    -----
    Points are voxel indices times the spacing (origin and direction ignored).
    ``D_P = {d(p, ∂G) : p ∈ ∂P}``, ``D_G = {d(g, ∂P) : g ∈ ∂G}``.

    * ``hausdorff_distance`` = ``max(h(P→G), h(G→P))``, ``h(A→B) = max_{a∈A} min_{b∈B} ‖a − b‖``
      over **all** voxels (the 0.2.0 definition; not a surface distance, not a percentile).
    * ``hd95`` = ``max(P95(D_P), P95(D_G))``, numpy's linear-interpolation percentile
      (MetricsReloaded ``hd_perc``, MONAI, BraTS 2023; MedPy pools the two sets instead).
    * ``assd`` = ``(ΣD_P + ΣD_G) / (|∂P| + |∂G|)``.
    * ``nsd`` = ``(#{D_P ≤ τ} + #{D_G ≤ τ}) / (|∂P| + |∂G|)``.

    Both masks empty: 0.0, 0.0, 0.0, 1.0 (hausdorff, hd95, assd, nsd). Exactly one
    empty: NaN, NaN, NaN, 0.0.

    Reference 0.2.0 computed the Hausdorff distance with ``directed_hausdorff`` on voxel
    lists (same values, up to 20 s for nested shapes); it had no hd95/assd/nsd in its
    ``audit`` back end (they match its ``metricsreloaded`` back end).

    Examples
    --------
    >>> gt = np.zeros((1, 1, 10), bool); gt[0, 0, 2:5] = True
    >>> pred = np.zeros((1, 1, 10), bool); pred[0, 0, 3:8] = True
    >>> distance_metrics(gt, pred, spacing=(1.0, 1.0, 2.0))
    {'hausdorff_distance': 6.0, 'hd95': 5.6, 'assd': 1.75, 'nsd': 0.5}
    """
    wanted = tuple(dict.fromkeys(metrics))
    unknown = [m for m in wanted if m not in DISTANCE_METRICS]
    if unknown:
        raise ValueError(f"unknown distance metric(s) {unknown}; expected some of {list(DISTANCE_METRICS)}")
    if not (math.isfinite(nsd_tolerance) and nsd_tolerance > 0):
        raise ValueError(f"nsd_tolerance must be finite and > 0; got {nsd_tolerance!r}")
    gt, pred, spacing = _check(gt, pred, spacing)
    if not wanted:
        return {}
    box_g = bounding_box(gt)
    box_p = bounding_box(pred)
    if box_g is None and box_p is None:
        return {m: BOTH_EMPTY[m] for m in wanted}
    if box_g is None or box_p is None:
        return {m: ONE_EMPTY[m] for m in wanted}
    box = tuple(slice(min(a.start, b.start), max(a.stop, b.stop)) for a, b in zip(box_g, box_p))
    g = gt[box]
    p = pred[box]
    surf_g = surface_mask(g)
    surf_p = surface_mask(p)
    want_hd = "hausdorff_distance" in wanted
    want_surface = any(m in wanted for m in ("hd95", "assd", "nsd"))

    out: dict[str, float] = {}
    # P -> G: distances to ∂G at ∂P (surface metrics) and at P∖G (Hausdorff); G -> P likewise
    d_p, h_pg = _directed(surf_g, surf_p, (p & ~g) if want_hd else None, spacing, want_surface)
    d_g, h_gp = _directed(surf_p, surf_g, (g & ~p) if want_hd else None, spacing, want_surface)
    hd = max(h_pg, h_gp)

    for name in wanted:
        if name == "hausdorff_distance":
            out[name] = hd
        elif name == "hd95":
            out[name] = float(max(np.percentile(d_p, 95), np.percentile(d_g, 95)))
        elif name == "assd":
            out[name] = float((d_p.sum() + d_g.sum()) / (d_p.size + d_g.size))
        elif name == "nsd":
            within = np.count_nonzero(d_p <= nsd_tolerance) + np.count_nonzero(d_g <= nsd_tolerance)
            out[name] = float(within / (d_p.size + d_g.size))
    return out


def hausdorff_distance(gt: np.ndarray, pred: np.ndarray, *, spacing: Sequence[float]) -> float:
    """Symmetric Hausdorff distance over all foreground voxels, in mm (reference 0.2.0).

    ``max(h(P→G), h(G→P))`` with ``h(A→B) = max_{a∈A} min_{b∈B} ‖a − b‖₂``; 0.0 when both
    masks are empty, NaN when exactly one is. See :func:`distance_metrics`.

    Examples
    --------
    >>> gt = np.zeros((3, 3, 3), bool); gt[0, 0, 0] = True
    >>> pred = np.zeros((3, 3, 3), bool); pred[2, 2, 2] = True
    >>> hausdorff_distance(gt, pred, spacing=(1.0, 2.0, 2.0))
    6.0
    """
    return distance_metrics(gt, pred, spacing=spacing, metrics=("hausdorff_distance",))["hausdorff_distance"]


def hd95(gt: np.ndarray, pred: np.ndarray, *, spacing: Sequence[float]) -> float:
    """95th-percentile Hausdorff distance of the surfaces, in mm: ``max(P95(D_P), P95(D_G))``.

    0.0 when both masks are empty, NaN when exactly one is. See :func:`distance_metrics`.

    Examples
    --------
    >>> gt = np.zeros((3, 3, 3), bool); gt[0, 0, 0] = True
    >>> hd95(gt, gt, spacing=(1.0, 1.0, 1.0))
    0.0
    """
    return distance_metrics(gt, pred, spacing=spacing, metrics=("hd95",))["hd95"]


def assd(gt: np.ndarray, pred: np.ndarray, *, spacing: Sequence[float]) -> float:
    """Average symmetric surface distance in mm: ``(ΣD_P + ΣD_G) / (|∂P| + |∂G|)``.

    0.0 when both masks are empty, NaN when exactly one is. See :func:`distance_metrics`.

    Examples
    --------
    >>> gt = np.zeros((1, 1, 4), bool); gt[0, 0, 0] = True
    >>> pred = np.zeros((1, 1, 4), bool); pred[0, 0, 3] = True
    >>> assd(gt, pred, spacing=(1.0, 1.0, 1.0))
    3.0
    """
    return distance_metrics(gt, pred, spacing=spacing, metrics=("assd",))["assd"]


def nsd(gt: np.ndarray, pred: np.ndarray, *, spacing: Sequence[float], tolerance: float = 1.0) -> float:
    """Normalised surface distance (surface Dice) at ``tolerance`` mm.

    Fraction of the surface voxels of both masks within ``tolerance`` of the other surface;
    1.0 when both masks are empty, 0.0 when exactly one is. See :func:`distance_metrics`.

    Examples
    --------
    >>> gt = np.zeros((1, 1, 4), bool); gt[0, 0, 0] = True
    >>> pred = np.zeros((1, 1, 4), bool); pred[0, 0, 1] = True
    >>> nsd(gt, pred, spacing=(1.0, 1.0, 1.0)), nsd(gt, pred, spacing=(1.0, 1.0, 1.0), tolerance=0.5)
    (1.0, 0.0)
    """
    return distance_metrics(gt, pred, spacing=spacing, nsd_tolerance=tolerance, metrics=("nsd",))["nsd"]
