"""Distance metrics: exact values on synthetic shapes (isotropic and anisotropic), brute-force checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial import cKDTree
from scipy.spatial.distance import directed_hausdorff

from auditapp.metrics.distances import (
    assd,
    distance_metrics,
    hausdorff_distance,
    hd95,
    nsd,
    surface_mask,
)
from auditapp.metrics.regions import Region
from auditapp.metrics.registry import evaluate_pair


def _ball(shape, centre, radius):
    grids = np.ogrid[tuple(slice(0, s) for s in shape)]
    return sum((g - c) ** 2 for g, c in zip(grids, centre)) <= radius**2


def _brute_force(gt, pred, spacing, tolerance=1.0, kdtree_hausdorff=False):
    """Independent implementation: voxel lists, neighbour shifts for surfaces, KD-tree distances."""
    spacing = np.asarray(spacing, float)
    pts_g = np.argwhere(gt) * spacing
    pts_p = np.argwhere(pred) * spacing
    if kdtree_hausdorff:  # same exact value, fast for big nested shapes
        hd = max(cKDTree(pts_p).query(pts_g)[0].max(), cKDTree(pts_g).query(pts_p)[0].max())
    else:  # the reference 0.2.0's method
        hd = max(directed_hausdorff(pts_g, pts_p)[0], directed_hausdorff(pts_p, pts_g)[0])

    def surface(mask):
        padded = np.pad(mask, 1)
        interior = padded.copy()
        for axis in range(3):
            for shift in (1, -1):
                interior &= np.roll(padded, shift, axis=axis)
        return mask & ~interior[1:-1, 1:-1, 1:-1]

    sg = np.argwhere(surface(gt)) * spacing
    sp = np.argwhere(surface(pred)) * spacing
    d_p = cKDTree(sg).query(sp)[0]
    d_g = cKDTree(sp).query(sg)[0]
    return {
        "hausdorff_distance": hd,
        "hd95": max(np.percentile(d_p, 95), np.percentile(d_g, 95)),
        "assd": (d_p.sum() + d_g.sum()) / (d_p.size + d_g.size),
        "nsd": (np.count_nonzero(d_p <= tolerance) + np.count_nonzero(d_g <= tolerance)) / (d_p.size + d_g.size),
    }


def test_parallel_squares_anisotropic_exact():
    # two 5x5 squares 3 slices apart along k (2 mm slices): every distance is 6 mm
    gt = np.zeros((8, 7, 7), bool)
    pred = np.zeros((8, 7, 7), bool)
    gt[2, 1:6, 1:6] = True
    pred[5, 1:6, 1:6] = True
    out = distance_metrics(gt, pred, spacing=(2.0, 0.7, 1.3), nsd_tolerance=5.9)
    assert out == {"hausdorff_distance": 6.0, "hd95": 6.0, "assd": 6.0, "nsd": 0.0}
    assert nsd(gt, pred, spacing=(2.0, 0.7, 1.3), tolerance=6.0) == 1.0


def test_shifted_cubes_hausdorff_per_axis_spacing():
    gt = np.zeros((12, 12, 12), bool)
    gt[3:9, 3:9, 3:9] = True
    for axis, step in enumerate((2.5, 1.5, 0.5)):
        pred = np.roll(gt, 2, axis=axis)  # shift two voxels along one axis
        spacing = (2.5, 1.5, 0.5)
        assert hausdorff_distance(gt, pred, spacing=spacing) == 2 * step
        # surfaces: faces normal to the shift are 2 voxels apart; other surface voxels coincide
        # or are 1-2 voxels away along the axis, so the max directed 95th percentile is 2 steps
        assert hd95(gt, pred, spacing=spacing) == pytest.approx(
            _brute_force(gt, pred, spacing)["hd95"], rel=0, abs=1e-12)


def test_single_voxels_known_distance():
    gt = np.zeros((4, 4, 4), bool)
    pred = np.zeros((4, 4, 4), bool)
    gt[0, 0, 0] = True
    pred[3, 1, 2] = True
    spacing = (1.5, 2.0, 0.5)
    expected = math.sqrt(4.5**2 + 2.0**2 + 1.0**2)
    out = distance_metrics(gt, pred, spacing=spacing)
    assert out["hausdorff_distance"] == expected
    assert out["hd95"] == expected
    assert out["assd"] == expected
    assert out["nsd"] == 0.0
    assert assd(gt, pred, spacing=spacing) == expected


def test_nested_balls_r20_in_r40():
    shape = (84, 84, 84)
    gt = _ball(shape, (42, 42, 42), 40)
    pred = _ball(shape, (42, 42, 42), 20)
    out = distance_metrics(gt, pred, spacing=(1.0, 1.0, 1.0))
    ref = _brute_force(gt, pred, (1.0, 1.0, 1.0), kdtree_hausdorff=True)
    # the digital small ball is slightly inside r20 off the axes: sqrt(409) mm, not 20
    assert out["hausdorff_distance"] == ref["hausdorff_distance"] == math.sqrt(409)
    for name in ("hd95", "assd"):
        assert out[name] == pytest.approx(ref[name], rel=1e-12)
        assert 19.0 <= out[name] <= 20.5  # every surface voxel is about 20 mm from the other sphere
    assert out["nsd"] == ref["nsd"] == 0.0


def test_nested_balls_anisotropic_match_brute_force():
    shape = (14, 20, 20)
    gt = _ball(shape, (7, 10, 10), 6)
    pred = _ball(shape, (7, 10, 10), 3)
    spacing = (2.0, 1.0, 0.8)
    ours = distance_metrics(gt, pred, spacing=spacing, nsd_tolerance=2.0)
    ref = _brute_force(gt, pred, spacing, tolerance=2.0)
    assert ours["hausdorff_distance"] == ref["hausdorff_distance"]
    for name in ("hd95", "assd", "nsd"):
        assert ours[name] == pytest.approx(ref[name], rel=1e-12), name


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_blobs_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    shape = (16, 18, 20)
    gt = _ball(shape, rng.integers(4, 12, 3), rng.integers(2, 6)) | (rng.random(shape) < 0.01)
    pred = _ball(shape, rng.integers(4, 12, 3), rng.integers(2, 6)) | (rng.random(shape) < 0.01)
    spacing = tuple(rng.uniform(0.5, 2.5, 3))
    ours = distance_metrics(gt, pred, spacing=spacing, nsd_tolerance=1.5)
    ref = _brute_force(gt, pred, spacing, tolerance=1.5)
    assert ours["hausdorff_distance"] == pytest.approx(ref["hausdorff_distance"], rel=1e-12)
    for name in ("hd95", "assd", "nsd"):
        assert ours[name] == pytest.approx(ref[name], rel=1e-12), name


def test_volume_border_voxels_are_surface():
    m = np.ones((3, 3, 3), bool)
    s = surface_mask(m)
    assert s.sum() == 26 and not s[1, 1, 1]
    # 6-connected erosion: a voxel whose face neighbours are all set is interior, corners do not matter
    m = np.zeros((5, 5, 5), bool)
    m[1:4, 1:4, 1:4] = True
    m[1, 1, 1] = False
    assert not surface_mask(m)[2, 2, 2]


def test_empty_conventions():
    empty = np.zeros((3, 3, 3), bool)
    full = np.zeros((3, 3, 3), bool)
    full[1, 1, 1] = True
    both = distance_metrics(empty, empty, spacing=(1, 1, 1))
    assert both == {"hausdorff_distance": 0.0, "hd95": 0.0, "assd": 0.0, "nsd": 1.0}
    for gt, pred in ((empty, full), (full, empty)):
        one = distance_metrics(gt, pred, spacing=(1, 1, 1))
        assert math.isnan(one["hausdorff_distance"]) and math.isnan(one["hd95"]) and math.isnan(one["assd"])
        assert one["nsd"] == 0.0


def test_subset_of_metrics_only():
    gt = np.zeros((3, 3, 3), bool)
    gt[0, 0, 0] = True
    assert distance_metrics(gt, gt, spacing=(1, 1, 1), metrics=["nsd"]) == {"nsd": 1.0}
    assert distance_metrics(gt, gt, spacing=(1, 1, 1), metrics=[]) == {}


def test_hausdorff_is_over_all_voxels_not_surfaces():
    # a hollow shell (GT) around a filled ball (pred): the pred centre is far from every GT voxel
    shape = (21, 21, 21)
    outer = _ball(shape, (10, 10, 10), 9)
    gt = outer & ~_ball(shape, (10, 10, 10), 7)
    pred = outer
    hd = hausdorff_distance(gt, pred, spacing=(1, 1, 1))
    ref = _brute_force(gt, pred, (1, 1, 1))["hausdorff_distance"]
    assert hd == ref
    assert hd >= 7.0  # the centre voxel of pred is > 7 voxels from the shell


def test_nsd_tolerance_in_mm_and_region_tolerance_through_evaluate_pair():
    gt = np.zeros((1, 1, 6), np.uint8)
    pred = np.zeros((1, 1, 6), np.uint8)
    gt[0, 0, 1] = 1
    pred[0, 0, 3] = 1
    for tol, expected in ((0.9, 0.0), (1.0, 1.0)):
        out = evaluate_pair(gt, pred, spacing=(1.0, 1.0, 0.5), regions=[Region("A", (1,))],
                            metrics=["nsd"], nsd_tolerance=tol)
        assert out.rows[0]["nsd"] == expected


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"spacing": (1.0, 1.0)}, "one value per axis"),
        ({"spacing": (1.0, 0.0, 1.0)}, "finite and > 0"),
        ({"spacing": (1.0, 1.0, 1.0), "metrics": ["hd99"]}, r"unknown distance metric\(s\) \['hd99'\]"),
        ({"spacing": (1.0, 1.0, 1.0), "nsd_tolerance": -1.0}, "nsd_tolerance must be finite and > 0"),
    ],
)
def test_bad_arguments(kwargs, match):
    m = np.zeros((2, 2, 2), bool)
    with pytest.raises(ValueError, match=match):
        distance_metrics(m, m, **kwargs)


def test_bad_masks():
    with pytest.raises(ValueError, match="same shape"):
        distance_metrics(np.zeros((2, 2, 2), bool), np.zeros((2, 2, 3), bool), spacing=(1, 1, 1))
    with pytest.raises(ValueError, match="gt must be a binary mask"):
        distance_metrics(np.full((2, 2, 2), 2), np.zeros((2, 2, 2), bool), spacing=(1, 1, 1))


def test_masks_touching_the_volume_border_match_brute_force():
    gt = np.zeros((9, 10, 11), bool)
    pred = np.zeros((9, 10, 11), bool)
    gt[0:5, 0:10, 3:8] = True  # touches three faces of the volume
    pred[0:4, 2:10, 4:11] = True
    spacing = (1.5, 1.0, 0.7)
    ours = distance_metrics(gt, pred, spacing=spacing)
    ref = _brute_force(gt, pred, spacing)
    for name in ("hausdorff_distance", "hd95", "assd", "nsd"):
        assert ours[name] == pytest.approx(ref[name], rel=1e-12), name


def test_cropping_in_evaluate_pair_changes_nothing():
    rng = np.random.default_rng(7)
    shape = (20, 22, 24)
    gt = np.zeros(shape, np.uint8)
    pred = np.zeros(shape, np.uint8)
    gt[_ball(shape, (8, 9, 10), 5)] = 1
    gt[_ball(shape, (9, 9, 11), 2)] = 2
    pred[_ball(shape, (9, 10, 10), 5)] = 1
    pred[_ball(shape, (9, 10, 12), 2)] = 2
    pred[rng.random(shape) < 0.003] = 2  # scattered false positives, some far away
    spacing = (2.0, 0.9, 1.1)
    regions = [Region("A", (1,)), Region("B", (2,)), Region("AB", (1, 2))]
    out = evaluate_pair(gt, pred, spacing=spacing, regions=regions,
                        metrics=["hausdorff_distance", "hd95", "assd", "nsd"])
    for region, row in zip(regions, out.rows):
        full = distance_metrics(np.isin(gt, region.values), np.isin(pred, region.values), spacing=spacing)
        assert {k: row[k] for k in full} == full


@pytest.mark.parametrize("shape", [(1, 1, 5), (1, 3, 3), (2, 2, 2), (3, 1, 4), (7, 8, 9), (5, 6)])
def test_surface_mask_equals_6_connected_erosion(shape):
    from scipy import ndimage

    rng = np.random.default_rng(len(shape) * 100 + shape[-1])
    for density in (0.5, 0.9, 1.0):
        mask = rng.random(shape) < density
        structure = ndimage.generate_binary_structure(mask.ndim, 1)
        expected = mask & ~ndimage.binary_erosion(mask, structure=structure, border_value=0)
        assert np.array_equal(surface_mask(mask), expected)
