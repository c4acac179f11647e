"""The batched per-lesion distances (metrics/_lesion_distances.py) against the plain ones they replace.

Each primitive against the plain one it replaces, on random data: the grouped percentile against
``np.percentile`` (bit for bit, ties and groups of 1 and 2 values included), the grouped search against one
k-d tree per group, the labelled surface against ``surface_mask``, and the pair scores against
``geometry_distance_metrics`` on each pair's masks.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from scipy.spatial import cKDTree

from auditapp.metrics import _lesion_distances
from auditapp.metrics._lesion_distances import (
    grouped_percentile,
    grouped_surface_distances,
    labelled_surface,
    paired_surface_metrics,
)
from auditapp.metrics._nearest import MaskGeometry, surface_mask
from auditapp.metrics.components import label_components
from auditapp.metrics.distances import geometry_distance_metrics


@pytest.mark.parametrize("q", [0, 5, 50, 95, 99, 100])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grouped_percentile_is_numpy_percentile_bit_for_bit(q, seed):
    rng = np.random.default_rng(seed)
    sizes = np.concatenate([[1, 2, 1, 2, 3, 0], rng.integers(0, 60, 40), [1000]])
    groups = np.repeat(np.arange(len(sizes)), sizes)
    values = np.sqrt(rng.integers(0, 30, len(groups)).astype(float))  # many ties, as voxel distances
    values[rng.random(len(groups)) < 0.3] = rng.random() * 10
    shuffle = rng.permutation(len(groups))
    values, groups = values[shuffle], groups[shuffle]
    ours = grouped_percentile(values, groups, len(sizes), q)
    for g, size in enumerate(sizes):
        if size == 0:
            assert np.isnan(ours[g])
        else:
            assert ours[g].hex() == float(np.percentile(values[groups == g], q)).hex(), (g, size)


def test_grouped_percentile_known_values():
    values = np.array([3.0, 1.0, 2.0, 7.0, 5.0, 4.0])
    groups = np.array([0, 0, 0, 2, 2, 3])
    # (n - 1) * 0.95: 1.9 -> 2 + 0.9 * (3 - 2); 0.95 -> 7 - 0.05 * (7 - 5); one value: itself
    np.testing.assert_allclose(grouped_percentile(values, groups, 4, 95), [2.9, np.nan, 6.9, 4.0], rtol=1e-15)


@pytest.mark.parametrize("spacing", [(1.0, 1.0, 1.0), (2.0, 1.0, 3.0), (1.3, 0.7, 2.9)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grouped_search_equals_one_tree_per_group(spacing, seed):
    rng = np.random.default_rng(seed)
    targets = np.argwhere(rng.random((14, 16, 18)) < 0.05) + [3, 0, -2]
    target_groups = rng.integers(0, 3, len(targets))  # group 3: no target
    shared = rng.random(len(targets)) < 0.3  # some voxels are targets of two groups
    targets = np.concatenate([targets, targets[shared]])
    target_groups = np.concatenate([target_groups, (target_groups[shared] + 1) % 3])
    points = rng.integers(-6, 24, (400, 3))  # some far outside the targets' box: the k-d tree's share
    groups = rng.integers(0, 4, len(points))
    ours = grouped_surface_distances(points, groups, targets, target_groups, spacing)
    assert np.all(np.isinf(ours[groups == 3]))
    scale = np.asarray(spacing)
    for g in range(3):
        candidates = targets[target_groups == g]
        _, nearest = cKDTree(candidates * scale).query(points[groups == g] * scale)
        exact = np.sqrt(np.sum(((candidates[nearest] - points[groups == g]) * scale) ** 2, axis=1))
        if all(float(s).is_integer() for s in spacing):
            np.testing.assert_array_equal(ours[groups == g], exact)
        else:  # an exact tie between two voxels may round differently in the last bit
            np.testing.assert_allclose(ours[groups == g], exact, rtol=1e-14, atol=0)
    assert np.count_nonzero(ours[groups < 3] > 6 * min(spacing)) > 10  # the k-d tree's share is tested


@pytest.mark.parametrize("path", ["box", "voxel list"])
@pytest.mark.parametrize("seed", range(6))
def test_labelled_surface_is_surface_mask_by_component(seed, path, monkeypatch):
    monkeypatch.setattr(_lesion_distances, "_SPARSE_FILL", 0.0 if path == "box" else 1.0)
    rng = np.random.default_rng(seed)
    mask = rng.random(tuple(int(s) for s in rng.integers(1, 12, 3))) < rng.choice([0.1, 0.5, 0.9])
    mask[0, 0, 0] = True
    comps = label_components(mask, connectivity=int(rng.choice([6, 18, 26])), offset=(5, -3, 2))
    surface = labelled_surface(comps)
    expected = surface_mask(comps.labels > 0)
    np.testing.assert_array_equal(surface.points, np.argwhere(expected) + comps.offset)
    np.testing.assert_array_equal(surface.owners, comps.labels[expected])
    within = sorted({1, comps.count})
    cropped = labelled_surface(comps, within=within)
    for c in within:  # the same surface voxels for the components asked for
        np.testing.assert_array_equal(cropped.points[cropped.owners == c], surface.points[surface.owners == c])


def _pairs_case(seed: int):
    rng = np.random.default_rng(seed)
    shape = (18, 20, 22)
    gt = ndimage.binary_dilation(rng.random(shape) < 0.004, iterations=2)
    pred = ndimage.binary_dilation(rng.random(shape) < 0.004, iterations=2) | (np.roll(gt, 1, axis=2) & (
        rng.random(shape) < 0.9))
    lesions, comps = label_components(gt, offset=(1, 2, 3)), label_components(pred, offset=(1, 2, 3))
    pairs = []
    for lesion in range(1, lesions.count + 1):
        chosen = sorted(set(rng.choice(np.arange(1, comps.count + 1), int(rng.integers(1, 4))).tolist()))
        if rng.random() < 0.8:
            pairs.append((lesion, chosen))
    return lesions, comps, pairs


@pytest.mark.parametrize("convention", ["directed_max", "pooled"])
@pytest.mark.parametrize("spacing", [(1.0, 1.0, 1.0), (3.0, 1.0, 2.0)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pair_scores_equal_geometry_distance_metrics_per_pair(convention, spacing, seed):
    lesions, comps, pairs = _pairs_case(seed)
    assert len(pairs) >= 3
    ours = paired_surface_metrics(labelled_surface(lesions), labelled_surface(comps), pairs, spacing=spacing,
                                  metrics=["hd95", "nsd"], nsd_tolerance=2.0, hd95_convention=convention)
    for (lesion, chosen), values in zip(pairs, ours):
        gt_geo = MaskGeometry.from_mask(lesions.labels == lesion, spacing, lesions.offset)
        pred_geo = MaskGeometry.from_mask(np.isin(comps.labels, chosen), spacing, comps.offset)
        expected = geometry_distance_metrics(gt_geo, pred_geo, nsd_tolerance=2.0, metrics=["hd95", "nsd"],
                                             hd95_convention=convention)
        assert values == expected  # integral spacing: bit for bit


def test_pair_scores_only_what_is_asked_and_nothing_without_pairs():
    lesions, comps, pairs = _pairs_case(0)
    surfaces = labelled_surface(lesions), labelled_surface(comps)
    assert [set(v) for v in paired_surface_metrics(*surfaces, pairs, spacing=(1, 1, 1), metrics=["nsd"])] == \
        [{"nsd"}] * len(pairs)
    assert paired_surface_metrics(*surfaces, [], spacing=(1, 1, 1), metrics=["hd95"]) == []
