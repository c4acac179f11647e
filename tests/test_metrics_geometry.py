"""Exact-distance machinery of the distance metrics: k-d tree and near-offset distances, the
branch-and-bound Hausdorff search and the ground-truth geometry shared by a subject's models,
checked against Euclidean distance transforms of the whole volume (the previous method)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from auditapp.metrics import _nearest, distances
from auditapp.metrics.distances import MaskGeometry, distance_metrics, surface_mask
from auditapp.metrics.regions import Region
from auditapp.metrics.registry import GroundTruthGeometry, evaluate_pair

ALL = ("hausdorff_distance", "hd95", "assd", "nsd")


def _ball(shape, centre, radius):
    grids = np.ogrid[tuple(slice(0, s) for s in shape)]
    return sum((g - c) ** 2 for g, c in zip(grids, centre)) <= radius**2


def _edt_reference(gt, pred, spacing, tolerance=1.0):
    """Every distance from full-volume EDTs of the complement of each surface (no cropping, no tree)."""
    surf_g, surf_p = surface_mask(gt), surface_mask(pred)
    to_g = ndimage.distance_transform_edt(~surf_g, sampling=spacing)
    to_p = ndimage.distance_transform_edt(~surf_p, sampling=spacing)
    d_p, d_g = to_g[surf_p], to_p[surf_g]
    return {
        "hausdorff_distance": float(max(to_g[pred & ~gt].max(initial=0.0), to_p[gt & ~pred].max(initial=0.0))),
        "hd95": float(max(np.percentile(d_p, 95), np.percentile(d_g, 95))),
        "assd": float((d_p.sum() + d_g.sum()) / (d_p.size + d_g.size)),
        "nsd": float((np.count_nonzero(d_p <= tolerance) + np.count_nonzero(d_g <= tolerance))
                     / (d_p.size + d_g.size)),
    }, d_p, d_g


def _tumour_with_scattered_false_positives(seed, shape=(40, 48, 44)):
    rng = np.random.default_rng(seed)
    gt = _ball(shape, (20, 24, 22), 9) & ~_ball(shape, (21, 23, 22), 3)
    pred = _ball(shape, (21, 25, 21), 8)
    pred |= rng.random(shape) < 0.002  # isolated voxels everywhere, most of them far from the tumour
    pred[2:5, 2:6, 36:41] = True  # a far blob near a corner
    gt |= rng.random(shape) < 0.0005
    return gt, pred


@pytest.mark.parametrize("spacing", [(1.0, 1.0, 1.0), (2.0, 1.0, 3.0), (1.3, 0.7, 2.9), (0.5, 0.5, 4.0)])
@pytest.mark.parametrize("seed", [0, 1])
def test_surface_distances_equal_edt_at_every_surface_voxel(spacing, seed):
    gt, pred = _tumour_with_scattered_false_positives(seed)
    reference, d_p, d_g = _edt_reference(gt, pred, spacing)
    geo_g, geo_p = MaskGeometry.from_mask(gt, spacing), MaskGeometry.from_mask(pred, spacing)
    ours_p = _nearest._surface_distances(geo_p, geo_g).distances
    ours_g = _nearest._surface_distances(geo_g, geo_p).distances
    if all(float(s).is_integer() for s in spacing):  # squared distances are integers: exact
        assert np.array_equal(ours_p, d_p) and np.array_equal(ours_g, d_g)
    else:  # an exact tie between two voxels may round differently in the last bit
        np.testing.assert_allclose(ours_p, d_p, rtol=1e-14, atol=0)
        np.testing.assert_allclose(ours_g, d_g, rtol=1e-14, atol=0)
    assert (d_p > 10).sum() > 20  # far-away false positives are part of the check
    for source, target in ((geo_p, geo_g), (geo_g, geo_p)):  # the voxel reached: on ∂target, at that distance
        found = _nearest._surface_distances(source, target)
        assert np.array_equal(found.points, source.points)
        on_surface = {tuple(v) for v in target.points.tolist()}
        assert all(tuple(v) in on_surface for v in found.nearest.tolist())
        assert np.array_equal(_nearest._exact_distances(found.points, found.nearest, spacing), found.distances)
    out = distance_metrics(gt, pred, spacing=spacing)
    assert out["hausdorff_distance"] == pytest.approx(reference["hausdorff_distance"], rel=1e-14)
    for name in ALL:
        assert out[name] == pytest.approx(reference[name], rel=1e-12), name


def test_k_d_tree_only_and_near_offsets_only_give_the_same_distances():
    gt, pred = _tumour_with_scattered_false_positives(3)
    spacing = (1.2, 0.9, 2.5)
    geo_g, geo_p = MaskGeometry.from_mask(gt, spacing), MaskGeometry.from_mask(pred, spacing)
    mixed = _nearest._surface_distances(geo_p, geo_g).distances
    tree_only = _nearest._nearest_distances(geo_g, geo_p.points)
    _, d_p, _ = _edt_reference(gt, pred, spacing)
    np.testing.assert_allclose(tree_only, d_p, rtol=1e-14, atol=0)
    np.testing.assert_allclose(mixed, tree_only, rtol=1e-14, atol=0)
    near = mixed <= 2.0 * min(spacing)  # resolved by the offset scan
    assert near.sum() > 100 and (~near).sum() > 100


def test_near_offsets_are_every_short_offset_sorted():
    spacing = (2.0, 0.5, 1.0)
    offsets, lengths, margin, first = _nearest._near_offsets(spacing)
    radius = _nearest._SCAN_MAX * 0.5
    assert margin == (1, 6, 3)
    assert offsets[0].tolist() == [0, 0, 0] and lengths[0] == 0.0
    assert np.all(np.diff(lengths) >= 0) and lengths[-1] <= radius
    brute = {(a, b, c) for a in range(-2, 3) for b in range(-8, 9) for c in range(-4, 5)
             if (a * 2.0) ** 2 + (b * 0.5) ** 2 + (c * 1.0) ** 2 <= radius**2}
    assert {tuple(o) for o in offsets.tolist()} == brute and len(offsets) == len(brute)
    assert first == np.count_nonzero(lengths <= _nearest._SCAN_MIN * 0.5)


@pytest.mark.parametrize("query_cost", [0, 400, 10**9])
def test_offset_scan_stops_anywhere_without_changing_distances(query_cost, monkeypatch):
    # 0: stop right after 2 voxel sizes; 10**9: go on (up to 6 voxel sizes) while offsets still hit
    monkeypatch.setattr(_nearest, "_QUERY_COST", query_cost)
    rng = np.random.default_rng(11)
    shape = (30, 34, 32)
    gt = _ball(shape, (15, 17, 16), 9)
    pred = _ball(shape, (16, 18, 15), 6) | (rng.random(shape) < 0.003)  # 3-4 mm apart, plus far voxels
    spacing = (1.0, 1.0, 1.0)
    _, d_p, d_g = _edt_reference(gt, pred, spacing)
    geo_g, geo_p = MaskGeometry.from_mask(gt, spacing), MaskGeometry.from_mask(pred, spacing)
    assert np.array_equal(_nearest._surface_distances(geo_p, geo_g).distances, d_p)
    assert np.array_equal(_nearest._surface_distances(geo_g, geo_p).distances, d_g)
    assert ((d_g > 2) & (d_g <= 6)).sum() > 100  # the extended scan has work to do


@pytest.mark.parametrize("spacing", [(1.0, 1.0, 1.0), (1.5, 0.8, 1.1)])
def test_hausdorff_maximum_inside_a_large_region_branch_and_bound(spacing):
    # pred fills a hollow GT shell: the farthest pred voxel is deep inside (the centre), and
    # P∖G has far more voxels than the direct-query threshold, so the cell search runs
    shape = (36, 40, 38)
    outer = _ball(shape, (18, 20, 19), 16)
    gt = outer & ~_ball(shape, (18, 20, 19), 13)
    pred = outer.copy()
    assert np.count_nonzero(pred & ~gt) > 8 * _nearest._DIRECT
    reference, _, _ = _edt_reference(gt, pred, spacing)
    out = distance_metrics(gt, pred, spacing=spacing, metrics=["hausdorff_distance"])
    assert out["hausdorff_distance"] == reference["hausdorff_distance"]
    assert out["hausdorff_distance"] >= 12.0 * min(spacing)  # far more than any surface voxel of pred


@pytest.mark.parametrize("seed", range(4))
def test_branch_and_bound_equals_querying_every_voxel(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    shape = (30, 27, 33)  # not multiples of the 8-voxel cells
    gt = _ball(shape, rng.integers(8, 20, 3), rng.integers(4, 9)) | (rng.random(shape) < 0.003)
    pred = _ball(shape, rng.integers(8, 20, 3), rng.integers(4, 9)) | (rng.random(shape) < 0.01)
    spacing = tuple(rng.uniform(0.6, 2.2, 3))
    geo_g, geo_p = MaskGeometry.from_mask(gt, spacing), MaskGeometry.from_mask(pred, spacing)
    region = geo_p.mask & ~geo_g.window(geo_p.box)
    every = float(_nearest._nearest_distances(geo_g, np.argwhere(region) + geo_p.offset).max())
    monkeypatch.setattr(_nearest, "_DIRECT", 0)  # always the cell search, down to 2-voxel cells
    assert _nearest._max_distance(region, geo_p.offset, geo_g, -np.inf) == every
    assert _nearest._max_distance(region, geo_p.offset, geo_g, every + 1.0) == every + 1.0
    assert _nearest._max_distance(np.zeros_like(region), geo_p.offset, geo_g, 2.5) == 2.5


def test_split_children_cover_their_parent():
    blocks = np.random.default_rng(0).random((3, 4, 4, 4)) < 0.5
    corners = np.array([[0, 0, 0], [4, 8, 12], [8, 0, 4]])
    children, child_corners = _nearest._split(blocks, corners)
    assert children.shape == (24, 2, 2, 2)
    for parent in range(3):
        rebuilt = np.zeros((4, 4, 4), bool)
        for child in range(parent * 8, parent * 8 + 8):
            k, j, i = child_corners[child] - corners[parent]
            rebuilt[k:k + 2, j:j + 2, i:i + 2] = children[child]
        assert np.array_equal(rebuilt, blocks[parent])


def test_mask_geometry_window_and_points():
    mask = np.zeros((10, 12, 14), bool)
    mask[2:6, 3:9, 4:7] = True
    geo = MaskGeometry.from_mask(mask, (1.0, 2.0, 3.0))
    assert geo.offset == (2, 3, 4) and geo.mask.shape == (4, 6, 3)
    assert np.array_equal(geo.points, np.argwhere(surface_mask(mask)))
    for box in [(slice(0, 10), slice(0, 12), slice(0, 14)), (slice(-3, 4), slice(5, 20), slice(-1, 5)),
                (slice(7, 9), slice(0, 2), slice(0, 14))]:
        padded = np.zeros((30, 32, 34), bool)  # the volume with 10 empty voxels around it
        padded[10:20, 10:22, 10:24] = mask
        expected = padded[tuple(slice(b.start + 10, b.stop + 10) for b in box)]
        assert expected.shape == tuple(b.stop - b.start for b in box)
        assert np.array_equal(geo.window(box), expected)
    assert MaskGeometry.from_mask(np.zeros((3, 3, 3), bool), (1.0, 1.0, 1.0)) is None
    other = MaskGeometry.from_mask(mask, (1.0, 1.0, 1.0))
    with pytest.raises(ValueError, match="different spacings"):
        distances.geometry_distance_metrics(geo, other)


def test_ground_truth_geometry_shared_between_models_changes_nothing():
    rng = np.random.default_rng(5)
    shape = (24, 26, 28)
    gt = np.zeros(shape, np.float32)  # float GT with a non-integral voxel, as some files are
    gt[_ball(shape, (12, 13, 14), 7)] = 3.0
    gt[_ball(shape, (12, 13, 14), 3)] = 1.0
    gt[0, 0, 0] = 1.5
    preds = []
    for shift in (0, 2):
        pred = np.zeros(shape, np.uint8)
        pred[_ball(shape, (12 + shift, 13, 14), 6)] = 3
        pred[_ball(shape, (12, 13 + shift, 14), 3)] = 1
        pred[rng.random(shape) < 0.004] = 1
        preds.append(pred)
    regions = [Region("A", (3,)), Region("B", (1,)), Region("AB", (1, 3))]
    spacing = (1.5, 1.0, 0.8)
    shared = GroundTruthGeometry(gt, spacing)
    with pytest.warns(Warning, match="non-integral"):
        for pred in preds:
            alone = evaluate_pair(gt, pred, spacing=spacing, regions=regions, metrics=ALL)
            with_shared = evaluate_pair(gt, pred, spacing=spacing, regions=regions, metrics=ALL,
                                        gt_geometry=shared)
            assert alone.rows == with_shared.rows
            for region, row in zip(regions, alone.rows):
                labels = np.where(gt == np.round(gt), gt, 0).astype(np.int64)
                full = distance_metrics(np.isin(labels, region.values), np.isin(pred, region.values),
                                        spacing=spacing)
                assert {k: row[k] for k in full} == full
    assert shared.region((1,)).mask.sum() == int((gt == 1.0).sum())  # the 1.5 voxel is no label
    with pytest.raises(ValueError, match="another ground truth or spacing"):
        evaluate_pair(gt, preds[0], spacing=(1.0, 1.0, 1.0), regions=regions, metrics=ALL, gt_geometry=shared)


@pytest.mark.parametrize("seed", [0, 4])
def test_hausdorff_alone_searches_all_voxels_and_equals_edt(seed):
    # without surface metrics the maximum comes from the cell search over every voxel of P∖G and G∖P
    gt, pred = _tumour_with_scattered_false_positives(seed)
    spacing = (1.0, 2.0, 1.0)
    reference, _, _ = _edt_reference(gt, pred, spacing)
    alone = distance_metrics(gt, pred, spacing=spacing, metrics=["hausdorff_distance"])
    with_surfaces = distance_metrics(gt, pred, spacing=spacing, metrics=["hausdorff_distance", "assd"])
    assert alone["hausdorff_distance"] == with_surfaces["hausdorff_distance"] == reference["hausdorff_distance"]
    swapped = distance_metrics(pred, gt, spacing=spacing, metrics=["hausdorff_distance"])
    assert swapped == alone
