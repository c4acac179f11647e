"""Slice-viewer computations (analysis/slices.py): exact answers on small literal volumes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from auditapp.analysis import slices as sl


def _pair():
    """5 x 4 x 6 volume: GT label 1 block and one label-2 voxel; the prediction shifts the block and mislabels."""
    gt = np.zeros((5, 4, 6), np.uint8)
    pred = np.zeros_like(gt)
    gt[1:3, 1:3, 1:3] = 1          # 8 voxels, slices 1-2 along axis 0
    gt[3, 0, 5] = 2                # one label-2 voxel
    pred[2:4, 1:3, 1:3] = 1        # 8 voxels, slices 2-3: 4 TP (slice 2), 4 FP (slice 3), 4 FN (slice 1)
    pred[3, 0, 5] = 1              # label 2 predicted as 1 -> wrong label
    return gt, pred


def test_outcome_map_all_labels_codes_and_box():
    gt, pred = _pair()
    omap = sl.outcome_map(gt, pred)
    assert omap.shape == (5, 4, 6)
    assert omap.offset == (1, 0, 1)
    assert omap.codes.shape == (3, 3, 5)  # axis 0: 1..3, axis 1: 0..2, axis 2: 1..5
    assert omap.codes.dtype == np.uint8
    counts = np.bincount(omap.codes.ravel(), minlength=5).tolist()
    assert counts[1:] == [4, 4, 4, 1]  # TP, FP, FN, wrong label
    assert sl.outcome_slice(omap, 0, 3)[0, 5] == sl.WRONG
    assert sl.outcome_slice(omap, 0, 1)[1:3, 1:3].tolist() == [[sl.FN] * 2] * 2
    assert sl.outcome_slice(omap, 0, 3)[1:3, 1:3].tolist() == [[sl.FP] * 2] * 2


def test_outcome_map_one_label_and_composite_region():
    gt, pred = _pair()
    one = sl.outcome_map(gt, pred, values=(1,))
    assert np.bincount(one.codes.ravel(), minlength=5).tolist()[1:] == [4, 5, 4, 0]  # mislabel = FP of label 1
    two = sl.outcome_map(gt, pred, values=(2,))
    assert two.offset == (3, 0, 5) and two.codes.tolist() == [[[sl.FN]]]
    both = sl.outcome_map(gt, pred, values=(1, 2))  # a 2 predicted as 1 is TP of the union, as in the metrics
    assert np.bincount(both.codes.ravel(), minlength=5).tolist()[1:] == [5, 4, 4, 0]


def test_outcome_map_ground_truth_alone_and_empty():
    gt, _ = _pair()
    alone = sl.outcome_map(gt, None)
    assert set(np.unique(alone.codes)) == {0, sl.TP} and np.count_nonzero(alone.codes) == 9
    empty = sl.outcome_map(np.zeros((2, 3, 4), np.uint8), np.zeros((2, 3, 4), np.uint8))
    assert empty.codes.size == 0 and math.isnan(empty.gt_centroid[0])
    assert sl.outcome_slice(empty, 2, 3).shape == (2, 3) and not sl.outcome_slice(empty, 2, 3).any()
    assert sl.error_profile(empty, 1)["fn"].tolist() == [0, 0, 0]
    assert sl.jump_targets(empty) == {"fn": None, "fp": None, "centroid": (1, 1, 2)}
    assert sl.thumbnail_slice(empty) == 1


def test_error_profiles_per_axis():
    gt, pred = _pair()
    omap = sl.outcome_map(gt, pred)
    p0 = sl.error_profile(omap, 0)
    assert p0["tp"].tolist() == [0, 0, 4, 0, 0]
    assert p0["fp"].tolist() == [0, 0, 0, 5, 0]  # 4 FP + the wrong-label voxel
    assert p0["fn"].tolist() == [0, 4, 0, 1, 0]
    p2 = sl.error_profile(omap, 2)
    assert p2["fn"].tolist() == [0, 2, 2, 0, 0, 1]
    assert p2["fp"].tolist() == [0, 2, 2, 0, 0, 1]
    # the same counts as numpy on the full volumes
    fn = (gt > 0) & (gt != pred)
    np.testing.assert_array_equal(sl.error_profile(omap, 1)["fn"], fn.sum(axis=(0, 2)))


def test_jump_targets_and_centroid():
    gt, pred = _pair()
    targets = sl.jump_targets(sl.outcome_map(gt, pred))
    assert targets["fn"] == (1, 1, 1)   # first maximum on ties
    assert targets["fp"] == (3, 1, 1)
    # GT centroid: (8 * (1.5, 1.5, 1.5) + (3, 0, 5)) / 9 = (1.667, 1.333, 1.889)
    assert targets["centroid"] == (2, 1, 2)
    assert sl.outcome_map(gt, pred).gt_centroid == pytest.approx((15 / 9, 12 / 9, 17 / 9))
    only_pred = sl.outcome_map(np.zeros_like(gt), pred)
    assert sl.centroid(only_pred) == (3, 1, 2)  # falls back to the prediction: (2.556, 1.333, 1.889)
    halves = np.zeros((6, 6, 6), np.uint8)
    halves[2:4, 4:6, 1:3] = 1  # mean (2.5, 4.5, 1.5): half up, not Python's half to even (2, 4, 2)
    assert sl.centroid(sl.outcome_map(halves, None)) == (3, 5, 2)


def test_thumbnail_slice_most_errors():
    gt, pred = _pair()
    assert sl.thumbnail_slice(sl.outcome_map(gt, pred)) == 3  # 4 FP + 1 wrong label vs 4 FN on slice 1
    assert sl.thumbnail_slice(sl.outcome_map(gt, gt)) == 2   # no error: centroid slice


def test_outcome_slice_each_axis_matches_numpy():
    rng = np.random.default_rng(0)
    gt = rng.integers(0, 3, (6, 7, 8)).astype(np.uint8)
    pred = rng.integers(0, 3, (6, 7, 8)).astype(np.uint8)
    full = np.zeros(gt.shape, np.uint8)
    full[(gt > 0) & (pred == gt)] = sl.TP
    full[(gt == 0) & (pred > 0)] = sl.FP
    full[(gt > 0) & (pred == 0)] = sl.FN
    full[(gt > 0) & (pred > 0) & (gt != pred)] = sl.WRONG
    omap = sl.outcome_map(gt, pred)
    for axis in range(3):
        for index in (0, gt.shape[axis] // 2, gt.shape[axis] - 1):
            np.testing.assert_array_equal(sl.outcome_slice(omap, axis, index), np.take(full, index, axis=axis))


@pytest.mark.parametrize(("args", "match"), [
    ((np.zeros((2, 2)), None), "gt must be 3-D"),
    ((np.zeros((2, 2, 2)), np.zeros((2, 2, 3))), "shapes differ"),
])
def test_outcome_map_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        sl.outcome_map(*args)


def test_outcome_slice_bad_index():
    omap = sl.outcome_map(np.ones((2, 2, 2), np.uint8), None)
    with pytest.raises(ValueError, match="index 2 outside 0..1 along axis 0"):
        sl.outcome_slice(omap, 0, 2)
    with pytest.raises(ValueError, match="axis must be 0, 1 or 2"):
        sl.outcome_slice(omap, 3, 0)


def test_label_volume():
    assert sl.label_volume(np.array([[[0.0, 3.0]]], np.float64)).dtype == np.uint8
    assert sl.label_volume(np.array([[[0, 300]]], np.int32)).dtype == np.uint16
    with pytest.raises(ValueError, match="seg: label values must be whole numbers"):
        sl.label_volume(np.array([[[0.5]]]), name="seg")
    with pytest.raises(ValueError, match=r"label values must lie in 0..65535, got -1..0"):
        sl.label_volume(np.array([[[-1, 0]]]))


def test_display_window_and_uint8():
    image = np.arange(101, dtype=np.float32)  # zeros excluded: 1..100
    assert sl.display_window(image, low=0, high=100) == (1.0, 100.0)
    assert sl.display_window(image, low=50, high=50) == (50.5, 51.5)  # constant window widened by one
    assert sl.display_window(np.zeros(10)) == (0.0, 1.0)
    assert sl.display_window(np.array([np.nan, 2.0, 4.0]), low=0, high=100) == (2.0, 4.0)
    assert sl.to_uint8(np.array([np.nan, 1.0, 2.0]), 0.0, 2.0).tolist() == [0, 128, 255]


def test_downsample():
    plane = np.arange(600 * 300).reshape(600, 300)
    small = sl.downsample(plane, 256)
    assert small.shape == (200, 100) and small[1, 1] == plane[3, 3]
    assert sl.downsample(plane[:200, :250], 256).shape == (200, 250)
    with pytest.raises(ValueError, match="max_side must be >= 1"):
        sl.downsample_step((3, 3), 0)


def test_rank_subjects_both_directions_ties_and_nan():
    import pandas as pd

    df = pd.DataFrame({"ID": ["e", "b", "a", "c", "d"], "hd95": [3.0, 1.0, 3.0, float("nan"), 9.0]})
    worst, best = sl.rank_subjects(df, "hd95", 2, direction=-1)
    assert list(worst["ID"]) == ["d", "a"] and list(worst["hd95"]) == [9.0, 3.0]  # tie 3.0: a before e
    assert list(best["ID"]) == ["b", "a"]
    worst, best = sl.rank_subjects(df, "hd95", 10, direction=1)
    assert list(worst["ID"]) == ["b", "a", "e", "d"] and list(best["ID"]) == ["d", "a", "e", "b"]
    with pytest.raises(ValueError, match="n must be >= 1, got 0"):
        sl.rank_subjects(df, "hd95", 0, direction=1)
    with pytest.raises(ValueError, match="direction must be 1"):
        sl.rank_subjects(df, "hd95", 1, direction=0)
