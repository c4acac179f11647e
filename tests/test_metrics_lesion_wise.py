"""Lesion-wise metrics (issue 12): known answers, conventions, bad input, parity with a plain implementation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import ndimage

from auditapp.metrics.components import label_components
from auditapp.metrics.registry import METRICS
from auditapp.metrics.lesion_wise import (
    LESION_COLUMNS,
    GroundTruthLesions,
    LesionRule,
    evaluate_lesions,
    lesion_rule,
    lesion_wise_metrics,
)

ONE = (1.0, 1.0, 1.0)


# ---------------------------------------------------------------- plain reference definitions (independent)
def plain_surface(mask):
    return mask & ~ndimage.binary_erosion(mask, ndimage.generate_binary_structure(3, 1), border_value=0)


def plain_directed(a, b, spacing):
    """Distances from each surface voxel of ``a`` to the surface of ``b`` (exact EDT of the whole array)."""
    edt = ndimage.distance_transform_edt(~plain_surface(b), sampling=spacing)
    return edt[plain_surface(a)]


def plain_hd95(g, p, spacing, pooled=False):
    d_p, d_g = plain_directed(p, g, spacing), plain_directed(g, p, spacing)
    if pooled:
        return float(np.percentile(np.concatenate([d_p, d_g]), 95))
    return float(max(np.percentile(d_p, 95), np.percentile(d_g, 95)))


def plain_nsd(g, p, spacing, tau=1.0):
    d_p, d_g = plain_directed(p, g, spacing), plain_directed(g, p, spacing)
    return float((np.sum(d_p <= tau) + np.sum(d_g <= tau)) / (d_p.size + d_g.size))


def plain_dice(g, p):
    return 2 * np.sum(g & p) / (g.sum() + p.sum())


def _grow(boxes, margin, shape):
    """Union of boxes grown by ``margin`` voxels, clipped to the array (exact for the crops below)."""
    return tuple(slice(max(0, min(b[a].start for b in boxes) - margin), min(n, max(b[a].stop for b in boxes) + margin))
                 for a, n in enumerate(shape))


def _pair_scores(g_labels, g_id, p_labels, p_ids, spacing, gbox, pboxes):
    u = _grow([gbox, *pboxes], 1, g_labels.shape)
    g, p = g_labels[u] == g_id, np.isin(p_labels[u], list(p_ids))
    return plain_dice(g, p), plain_hd95(g, p, spacing), plain_nsd(g, p, spacing)


def merged_labels(mask, dilation):
    """Each voxel of ``mask`` labelled by its component of the dilated mask (scipy 3x3x3 labelling)."""
    full = np.ones((3, 3, 3), bool)
    cc, _ = ndimage.label(mask, structure=full)
    dilated = ndimage.binary_dilation(mask, ndimage.generate_binary_structure(3, 2), iterations=dilation) \
        if dilation else mask
    dil_cc, _ = ndimage.label(dilated, structure=full)
    return np.where(cc > 0, dil_cc, 0)


def prediction_labels(pred, dilation, min_size, merge_prediction):
    """Predicted components: plain, or (2024 GLI/SSA/MET) merged by dilation and those of <= min_size voxels removed."""
    if not merge_prediction:
        return ndimage.label(pred, structure=np.ones((3, 3, 3), bool))[0]
    pred_cc = merged_labels(pred, dilation)
    sizes = np.bincount(pred_cc.reshape(-1))
    pred_cc[np.isin(pred_cc, np.flatnonzero(sizes <= min_size))] = 0
    return pred_cc


def plain_brats(gt, pred, spacing, dilation, min_size, penalty, merge_prediction=False):
    """The challenge rules written out as a loop over lesions (scipy 3x3x3 labelling, each lesion on its box).

    ``merge_prediction``: as the 2024 GLI/SSA/MET scripts, predicted components are merged by dilation like the
    GT, and merged components of <= min_size voxels are removed before scoring.
    """
    return plain_score(merged_labels(gt, dilation), prediction_labels(pred, dilation, min_size, merge_prediction),
                       spacing, dilation, min_size, penalty)


def plain_score(combined, pred_cc, spacing, dilation, min_size, penalty):
    """Lesion-wise scores of GT lesions ``combined`` and predicted components ``pred_cc`` (label arrays, any ids)."""
    cross = ndimage.generate_binary_structure(3, 2)
    vox = float(np.prod(spacing))
    pred_ids = sorted(set(np.unique(pred_cc).tolist()) - {0})
    pred_boxes = ndimage.find_objects(pred_cc)
    hit_any, kept, sums, tp = set(), 0, np.zeros(3), 0
    for lesion, sl in enumerate(ndimage.find_objects(combined), start=1):
        if sl is None:
            continue
        b = _grow([sl], dilation + 1, combined.shape)
        g = combined[b] == lesion
        zone = ndimage.binary_dilation(g, structure=cross, iterations=dilation) if dilation else g
        hits = set(np.unique(pred_cc[b][zone]).tolist()) - {0}
        hit_any |= hits
        if g.sum() * vox <= min_size:
            continue
        kept += 1
        if hits:
            tp += 1
            sums += _pair_scores(combined, lesion, pred_cc, hits, spacing, sl, [pred_boxes[c - 1] for c in hits])
        else:
            sums += (0.0, penalty, 0.0)
    fp = [c for c in pred_ids if c not in hit_any]
    n = kept + len(fp)
    if n == 0:
        return {"lesion_dice": 1.0, "lesion_hd95": 0.0, "lesion_nsd": 1.0, "tp": 0, "fp": 0, "fn": 0}
    return {"lesion_dice": sums[0] / n, "lesion_hd95": (sums[1] + penalty * len(fp)) / n,
            "lesion_nsd": sums[2] / n, "tp": tp, "fp": len(fp), "fn": kept - tp}


def plain_matching(gt, pred, spacing, threshold=0.5):
    """IoU > 0.5 pairs are unique on both sides, so the matching is just every such pair."""
    full = np.ones((3, 3, 3), bool)
    gt_cc, n_gt = ndimage.label(gt, structure=full)
    pred_cc, n_pred = ndimage.label(pred, structure=full)
    pred_boxes = ndimage.find_objects(pred_cc)
    pairs = []
    for i, sl in enumerate(ndimage.find_objects(gt_cc), start=1):
        for c in set(np.unique(pred_cc[sl][gt_cc[sl] == i]).tolist()) - {0}:
            u = _grow([sl, pred_boxes[c - 1]], 0, gt.shape)
            g, p = gt_cc[u] == i, pred_cc[u] == c
            if np.sum(g & p) / np.sum(g | p) > threshold:
                pairs.append(_pair_scores(gt_cc, i, pred_cc, {c}, spacing, sl, [pred_boxes[c - 1]]))
    return pairs, n_gt, n_pred


def box(shape, *slices):
    m = np.zeros(shape, bool)
    for s in slices:
        m[s] = True
    return m


# ---------------------------------------------------------------- known answers
def test_two_lesions_one_hit_one_missed_plus_false_positive():
    shape = (30, 30, 60)
    hit = np.s_[5:10, 5:10, 5:10]
    missed = np.s_[5:10, 5:10, 30:36]
    gt = box(shape, hit, missed)
    pred = box(shape, np.s_[6:10, 5:11, 5:10], np.s_[20:24, 20:24, 50:54])  # overlaps the first; an FP
    rule = LesionRule("brats2023", dilation=3, min_size=50, penalty_hd95=374.0)
    result = lesion_wise_metrics(gt, pred, spacing=ONE, rule=rule, table=True)
    g, p = box(shape, hit), box(shape, np.s_[6:10, 5:11, 5:10])
    d, h, nsd = plain_dice(g, p), plain_hd95(g, p, ONE), plain_nsd(g, p, ONE)
    assert d == pytest.approx(2 * 100 / (125 + 120))
    s = result.scores
    assert s["lesion_dice"] == pytest.approx((d + 0 + 0) / 3, rel=1e-15)
    assert s["lesion_hd95"] == pytest.approx((h + 374 + 374) / 3, rel=1e-15)
    assert s["lesion_nsd"] == pytest.approx(nsd / 3, rel=1e-15)
    assert (s["gt_lesions"], s["pred_lesions"], s["tp_lesions"], s["fp_lesions"], s["fn_lesions"]) == (2, 2, 1, 1, 1)
    assert s["lesion_precision"] == 0.5 and s["lesion_recall"] == 0.5 and s["lesion_f1"] == 0.5
    assert list(s) == list(LESION_COLUMNS)
    kinds = [(r["kind"], r["voxels"], r["pred_components"]) for r in result.lesions]
    assert kinds == [("tp", 125, "1"), ("fn", 150, ""), ("fp", 64, "2")]
    assert result.lesions[0]["centroid_k"] == 7.0 and result.lesions[0]["dice"] == pytest.approx(d)
    assert result.lesions[2]["hd95"] == 374.0 and math.isnan(result.lesions[2]["lesion"])


def test_dilation_makes_a_near_miss_count():
    shape = (20, 20, 40)
    gt = box(shape, np.s_[5:10, 5:10, 5:10])
    pred = box(shape, np.s_[5:10, 5:10, 12:16])  # 2 empty voxels between them
    near = lesion_wise_metrics(gt, pred, spacing=ONE, rule=LesionRule(dilation=3, min_size=0)).scores
    far = lesion_wise_metrics(gt, pred, spacing=ONE, rule=LesionRule(dilation=1, min_size=0)).scores
    assert (near["tp_lesions"], near["fp_lesions"], near["fn_lesions"]) == (1, 0, 0)
    assert near["lesion_dice"] == 0.0  # counted as a hit, but no overlap
    g, p = gt, pred
    assert near["lesion_hd95"] == pytest.approx(plain_hd95(g, p, ONE))
    assert (far["tp_lesions"], far["fp_lesions"], far["fn_lesions"]) == (0, 1, 1)
    assert far["lesion_hd95"] == 374.0 and far["lesion_dice"] == 0.0


def test_lesion_at_or_below_min_size_is_dropped_and_its_hit_is_no_false_positive():
    shape = (20, 20, 40)
    big, small = np.s_[2:8, 2:8, 2:8], np.s_[2:4, 2:4, 30:32]  # 216 and 8 voxels
    gt = box(shape, big, small)
    pred = box(shape, big, np.s_[2:4, 2:4, 31:33])
    s = lesion_wise_metrics(gt, pred, spacing=ONE, rule=LesionRule(dilation=1, min_size=50)).scores
    assert (s["gt_lesions"], s["tp_lesions"], s["fp_lesions"], s["fn_lesions"]) == (1, 1, 0, 0)
    assert s["lesion_dice"] == 1.0 and s["lesion_hd95"] == 0.0 and s["lesion_nsd"] == 1.0
    # the threshold is inclusive (the challenge code keeps volume > min_size); volume in mm³
    assert lesion_wise_metrics(gt, pred, spacing=ONE, rule=LesionRule(dilation=1, min_size=8)).scores["gt_lesions"] == 1
    assert lesion_wise_metrics(gt, pred, spacing=ONE, rule=LesionRule(dilation=1, min_size=7)).scores["gt_lesions"] == 2
    half = (1.0, 1.0, 0.5)
    assert lesion_wise_metrics(gt, pred, spacing=half, rule=LesionRule(dilation=1, min_size=7)).scores["gt_lesions"] == 1


def test_only_small_lesions_and_nothing_else_scores_as_both_empty():
    gt = box((10, 10, 10), np.s_[1:3, 1:3, 1:3])
    s = lesion_wise_metrics(gt, np.zeros_like(gt), spacing=ONE, rule=LesionRule(min_size=50)).scores
    assert (s["lesion_dice"], s["lesion_hd95"], s["gt_lesions"], s["fn_lesions"]) == (1.0, 0.0, 0, 0)


@pytest.mark.parametrize("convention", ["brats2023", "brats2024", "matching"])
def test_both_empty(convention):
    empty = np.zeros((8, 8, 8), bool)
    s = lesion_wise_metrics(empty, empty, spacing=ONE, rule=lesion_rule(convention)).scores
    assert (s["lesion_dice"], s["lesion_hd95"], s["lesion_nsd"], s["lesion_f1"]) == (1.0, 0.0, 1.0, 1.0)
    assert [s[k] for k in ("gt_lesions", "pred_lesions", "tp_lesions", "fp_lesions", "fn_lesions")] == [0] * 5
    assert math.isnan(s["lesion_precision"]) and math.isnan(s["lesion_recall"])
    for name, value in s.items():  # the catalogue states the same policy
        expected = METRICS[name].both_empty
        assert value == expected or (math.isnan(value) and math.isnan(expected)), name


def test_empty_prediction_misses_every_lesion():
    gt = box((20, 20, 40), np.s_[2:8, 2:8, 2:8], np.s_[2:8, 2:8, 20:26])
    s = lesion_wise_metrics(gt, np.zeros_like(gt), spacing=ONE, rule=LesionRule()).scores
    assert (s["lesion_dice"], s["lesion_hd95"], s["lesion_nsd"], s["fn_lesions"]) == (0.0, 374.0, 0.0, 2)
    assert s["lesion_recall"] == 0.0 and math.isnan(s["lesion_precision"]) and s["lesion_f1"] == 0.0


def test_connectivity_26_vs_6_on_a_diagonal_touch():
    gt = box((10, 10, 10), np.s_[1:4, 1:4, 1:4], np.s_[4:7, 4:7, 4:7])  # cubes sharing one corner
    assert label_components(gt, connectivity=26).count == 1
    assert label_components(gt, connectivity=6).count == 2
    for connectivity, expected in ((26, 1), (6, 2)):
        rule = LesionRule("matching", dilation=0, min_size=0, connectivity=connectivity)
        assert lesion_wise_metrics(gt, gt, spacing=ONE, rule=rule).scores["gt_lesions"] == expected
        rule = LesionRule("brats2023", dilation=0, min_size=0, connectivity=connectivity)
        assert lesion_wise_metrics(gt, gt, spacing=ONE, rule=rule).scores["gt_lesions"] == expected


def test_lesions_whose_dilations_touch_are_one_lesion():
    gt = box((10, 10, 30), np.s_[2:6, 2:6, 2:6], np.s_[2:6, 2:6, 10:14])  # 4 empty voxels between
    one = lesion_wise_metrics(gt, gt, spacing=ONE, rule=LesionRule(dilation=2, min_size=0)).scores
    two = lesion_wise_metrics(gt, gt, spacing=ONE, rule=LesionRule(dilation=1, min_size=0)).scores
    assert one["gt_lesions"] == 1 and two["gt_lesions"] == 2


def test_merged_prediction_joins_nearby_components_and_removes_small_ones():
    gt = box((20, 20, 60), np.s_[2:8, 2:8, 2:8])
    # far from the lesion: two 8-voxel cubes 2 voxels apart, and one lone 8-voxel cube
    near_pair = (np.s_[12:14, 12:14, 20:22], np.s_[12:14, 12:14, 24:26])
    pred = box((20, 20, 60), np.s_[2:8, 2:8, 2:8], *near_pair, np.s_[15:17, 15:17, 45:47])
    plain_rule = LesionRule("brats2023", dilation=1, min_size=0)
    assert lesion_wise_metrics(gt, pred, spacing=ONE, rule=plain_rule).scores["fp_lesions"] == 3
    # dilation 1 joins the pair (their dilations touch): one 16-voxel false positive and the lone cube
    merged = LesionRule("brats2024", dilation=1, min_size=0, merge_prediction=True)
    s = lesion_wise_metrics(gt, pred, spacing=ONE, rule=merged).scores
    assert (s["pred_lesions"], s["fp_lesions"], s["tp_lesions"]) == (3, 2, 1)
    # min_size 10 voxels removes the lone 8-voxel cube, not the 16-voxel merged pair
    merged = LesionRule("brats2024", dilation=1, min_size=10, merge_prediction=True)
    s = lesion_wise_metrics(gt, pred, spacing=ONE, rule=merged).scores
    assert (s["pred_lesions"], s["fp_lesions"], s["tp_lesions"]) == (2, 1, 1)
    assert s["lesion_dice"] == pytest.approx((1.0 + 0.0) / 2)


def test_removed_small_prediction_does_not_count_for_a_lesion():
    gt = box((20, 20, 40), np.s_[2:8, 2:8, 2:8])
    pred = box((20, 20, 40), np.s_[3:5, 3:5, 3:4])  # a 4-voxel blob inside the 216-voxel lesion
    s = lesion_wise_metrics(gt, pred, spacing=ONE, rule=LesionRule("brats2023", dilation=1, min_size=5)).scores
    assert (s["tp_lesions"], s["lesion_dice"]) == (1, pytest.approx(2 * 4 / (216 + 4)))
    merged = LesionRule("brats2024", dilation=1, min_size=5, merge_prediction=True)
    s = lesion_wise_metrics(gt, pred, spacing=ONE, rule=merged).scores
    assert (s["tp_lesions"], s["fn_lesions"], s["pred_lesions"], s["lesion_dice"]) == (0, 1, 0, 0.0)


def test_merged_prediction_counts_a_near_blob_in_the_lesion():
    gt = box((20, 20, 40), np.s_[2:8, 2:8, 2:8])
    # a 4-voxel blob one voxel beyond the lesion's zone (dilation 1 reaches z = 8, the blob is at z = 9)
    pred = box((20, 20, 40), np.s_[2:8, 2:8, 2:8], np.s_[2:4, 2:4, 9:10])
    s = lesion_wise_metrics(gt, pred, spacing=ONE, rule=LesionRule("brats2023", dilation=1, min_size=0)).scores
    assert (s["fp_lesions"], s["lesion_dice"]) == (1, pytest.approx(1 / 2))
    # its dilation meets the other predicted component's: merged, it is part of the lesion's prediction
    merged = LesionRule("brats2024", dilation=1, min_size=0, merge_prediction=True)
    s = lesion_wise_metrics(gt, pred, spacing=ONE, rule=merged).scores
    assert (s["fp_lesions"], s["pred_lesions"]) == (0, 1)
    assert s["lesion_dice"] == pytest.approx(2 * 216 / (216 + 220))


def test_matching_is_one_to_one_and_reports_matched_quality_only():
    shape = (20, 20, 60)
    gt = box(shape, np.s_[2:8, 2:8, 2:8], np.s_[2:8, 2:8, 30:36], np.s_[12:14, 12:14, 12:14])
    pred = box(shape, np.s_[2:8, 2:8, 3:9], np.s_[2:8, 2:8, 32:38], np.s_[15:18, 15:18, 50:53])
    rule = lesion_rule("matching")
    result = lesion_wise_metrics(gt, pred, spacing=ONE, rule=rule, table=True)
    s = result.scores
    # lesion 1: IoU 180/252 > 0.5 (matched); lesion 2: IoU 144/288 = 0.5 (not > 0.5); lesion 3 missed
    g, p = box(shape, np.s_[2:8, 2:8, 2:8]), box(shape, np.s_[2:8, 2:8, 3:9])
    assert s["lesion_dice"] == pytest.approx(plain_dice(g, p))
    assert s["lesion_hd95"] == pytest.approx(plain_hd95(g, p, ONE))
    assert s["lesion_nsd"] == pytest.approx(plain_nsd(g, p, ONE))
    assert (s["gt_lesions"], s["pred_lesions"], s["tp_lesions"], s["fp_lesions"], s["fn_lesions"]) == (3, 3, 1, 2, 2)
    assert s["lesion_f1"] == pytest.approx(2 / (2 + 2 + 2))
    assert [r["kind"] for r in result.lesions] == ["tp", "fn", "fn", "fp", "fp"]
    # Dice > 0.5 matches the second pair as well (Dice 288/432)
    s2 = lesion_wise_metrics(gt, pred, spacing=ONE, rule=lesion_rule("matching", match_metric="dice")).scores
    assert s2["tp_lesions"] == 2


def test_matching_assigns_a_shared_component_to_one_lesion():
    shape = (10, 10, 30)
    gt = box(shape, np.s_[2:6, 2:6, 2:10], np.s_[2:6, 2:6, 11:13])
    pred = box(shape, np.s_[2:6, 2:6, 2:13])  # covers both
    s = lesion_wise_metrics(gt, pred, spacing=ONE, rule=lesion_rule("matching", match_threshold=0.1)).scores
    assert (s["tp_lesions"], s["fp_lesions"], s["fn_lesions"]) == (1, 0, 1)


def test_matching_without_any_match_is_nan():
    gt = box((10, 10, 30), np.s_[2:6, 2:6, 2:6])
    pred = box((10, 10, 30), np.s_[2:6, 2:6, 20:24])
    s = lesion_wise_metrics(gt, pred, spacing=ONE, rule=lesion_rule("matching")).scores
    assert math.isnan(s["lesion_dice"]) and math.isnan(s["lesion_hd95"]) and s["lesion_f1"] == 0.0


def test_hd95_conventions_differ_and_follow_their_definitions():
    rng = np.random.default_rng(3)
    gt = ndimage.binary_opening(rng.random((24, 24, 24)) < 0.6, iterations=2)
    gt = box(gt.shape, np.s_[4:18, 4:18, 4:18]) & gt | box(gt.shape, np.s_[8:14, 8:14, 8:14])
    pred = box(gt.shape, np.s_[6:20, 5:17, 3:15])
    values = {}
    for convention in ("directed_max", "pooled"):
        rule = lesion_rule("matching", match_threshold=0.0, hd95_convention=convention)
        values[convention] = lesion_wise_metrics(gt, pred, spacing=(1.0, 1.0, 2.0), rule=rule).scores["lesion_hd95"]
    g = ndimage.label(gt, np.ones((3, 3, 3)))[0] == 1
    assert values["directed_max"] == pytest.approx(plain_hd95(g, pred, (1.0, 1.0, 2.0)))
    assert values["pooled"] == pytest.approx(plain_hd95(g, pred, (1.0, 1.0, 2.0), pooled=True))
    assert values["directed_max"] >= values["pooled"]


def test_metrics_subset_and_shared_ground_truth():
    gt = box((10, 10, 30), np.s_[2:6, 2:6, 2:6])
    lesions = GroundTruthLesions(gt[:, :, :10], spacing=ONE, rule=LesionRule(min_size=0), shape=gt.shape)
    a = evaluate_lesions(lesions, gt, metrics=["lesion_dice"]).scores
    b = evaluate_lesions(lesions, gt[:, :, 2:], offset=(0, 0, 2), metrics=["lesion_counts"]).scores
    assert a == {"lesion_dice": 1.0}
    assert b["tp_lesions"] == 1 and "lesion_dice" not in b


def test_defaults_per_task():
    assert (lesion_rule("brats2023", task="MEN").dilation, lesion_rule("brats2023", task="MET").min_size) == (1, 2.0)
    assert lesion_rule("brats2024", task="GLI", region="WT").min_size == 20.0
    assert (lesion_rule("brats2024", task="PED").dilation, lesion_rule("brats2024", task="PED").min_size) == (5, 10.0)
    # 2024 GLI: dilation 5 for NETC and RC, 3 elsewhere; predictions merged in GLI, SSA, MET only
    assert [lesion_rule("brats2024", task="GLI", region=r).dilation for r in ("NETC", "RC", "ET")] == [5, 5, 3]
    assert [lesion_rule("brats2024", task=t).merge_prediction for t in ("GLI", "SSA", "MET", "MEN", "PED")] == [
        True, True, True, False, False]
    assert not lesion_rule("brats2023", task="GLI").merge_prediction
    assert lesion_rule("brats2023", min_size={"ET": 5, "*": 9}, region="TC").min_size == 9.0


@pytest.mark.parametrize("kwargs, message", [
    ({"convention": "brats2022"}, "convention must be one of"),
    ({"task": "XYZ"}, "task must be one of"),
    ({"dilation": -1}, "dilation must be an integer >= 0"),
    ({"min_size": -5}, "min_size must be a number >= 0"),
    ({"penalty_hd95": math.nan}, "penalty_hd95"),
    ({"hd95_convention": "mean"}, "hd95_convention must be one of"),
    ({"connectivity": 8}, "connectivity must be 6, 18 or 26"),
    ({"match_threshold": 1.5}, "match_threshold"),
    ({"match_metric": "hd"}, "match_metric"),
])
def test_bad_options_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        lesion_rule(**kwargs)


def test_bad_arrays_are_refused():
    gt = np.zeros((4, 4, 4), bool)
    with pytest.raises(ValueError, match="same shape"):
        lesion_wise_metrics(gt, np.zeros((4, 4, 5), bool), spacing=ONE)
    with pytest.raises(ValueError, match="one value per axis"):
        lesion_wise_metrics(gt, gt, spacing=(1.0, 1.0))
    with pytest.raises(ValueError, match="unknown lesion-wise metric"):
        lesion_wise_metrics(gt, gt, spacing=ONE, metrics=["lesion_hd"])


# ---------------------------------------------------------------- parity on the real samples
REGIONS = {"L2": (2,), "L3": (3,), "WT": (1, 2, 3)}


def _real_pairs(shared):
    from auditapp.io.nifti import read_volume

    root = shared / "data" / "brats"
    for dataset in ("BraTS2024_SSA", "BraTS2024_PED", "UCSF"):
        seg = root / dataset / f"{dataset}_seg"
        for subject in sorted((root / dataset / f"{dataset}_images").iterdir()):
            gt = read_volume(next(subject.glob("*_seg.nii*")))
            for model in sorted(p for p in seg.iterdir() if p.is_dir()):
                pred = read_volume(next((model / subject.name).glob("*_pred.nii*")))
                yield f"{subject.name}/{model.name}", gt, pred


def _crop(gt, pred, margin=8):
    from auditapp.metrics.regions import bounding_box

    b = bounding_box((gt != 0) | (pred != 0))
    b = tuple(slice(max(0, s.start - margin), min(n, s.stop + margin)) for s, n in zip(b, gt.shape))
    return gt[b], pred[b]


@pytest.mark.shared
def test_parity_with_a_plain_implementation_on_real_pairs(shared_dir):
    checked = lesions = 0
    worst = 0.0
    for name, gt_vol, pred_vol in _real_pairs(shared_dir):
        spacing = tuple(float(s) for s in gt_vol.spacing)
        gt_all, pred_all = _crop(np.asarray(gt_vol.data), np.asarray(pred_vol.data))
        for region, values in REGIONS.items():
            g, p = np.isin(gt_all, values), np.isin(pred_all, values)
            for merge in (False, True):
                expected = plain_brats(g, p, spacing, 3, 50, 374.0, merge_prediction=merge)
                rule = LesionRule("brats2024" if merge else "brats2023", dilation=3, min_size=50, penalty_hd95=374.0,
                                  merge_prediction=merge)
                ours = lesion_wise_metrics(g, p, spacing=spacing, rule=rule).scores
                for key in ("lesion_dice", "lesion_hd95", "lesion_nsd"):
                    assert ours[key] == pytest.approx(expected[key], rel=1e-12, abs=1e-12), (name, region, key)
                    worst = max(worst, abs(ours[key] - expected[key]))
                assert (ours["tp_lesions"], ours["fp_lesions"], ours["fn_lesions"]) == (
                    expected["tp"], expected["fp"], expected["fn"]), (name, region)
                lesions += ours["gt_lesions"] + ours["fp_lesions"]
            ours = lesion_wise_metrics(g, p, spacing=spacing, rule=lesion_rule("matching")).scores
            pairs, n_gt, n_pred = plain_matching(g, p, spacing)
            assert (ours["tp_lesions"], ours["gt_lesions"], ours["pred_lesions"]) == (len(pairs), n_gt, n_pred)
            if pairs:
                for index, key in enumerate(("lesion_dice", "lesion_hd95", "lesion_nsd")):
                    assert ours[key] == pytest.approx(np.mean([x[index] for x in pairs]), rel=1e-12), (name, region)
            checked += 1
    assert checked == 8 * len(REGIONS)  # SSA 1 subject x 2 models, PED 2 x 2, UCSF 2 x 1
    assert lesions > 0
    print(f"lesion-wise parity: {checked} pair-regions, {lesions} scored lesions, max |diff| {worst:.3g}")


def test_panoptica_agrees_on_the_matching_convention():
    panoptica = pytest.importorskip("panoptica")
    shape = (20, 20, 60)
    gt = box(shape, np.s_[2:8, 2:8, 2:8], np.s_[2:8, 2:8, 30:36], np.s_[12:15, 12:15, 12:15]).astype(np.uint8)
    pred = box(shape, np.s_[2:8, 2:8, 3:9], np.s_[2:8, 2:8, 31:37], np.s_[15:18, 15:18, 50:53]).astype(np.uint8)
    evaluator = panoptica.Panoptica_Evaluator(
        expected_input=panoptica.InputType.SEMANTIC,
        instance_approximator=panoptica.ConnectedComponentsInstanceApproximator(),
        instance_matcher=panoptica.NaiveThresholdMatching(),
    )
    result = evaluator.evaluate(pred, gt, verbose=False)
    result = next(iter(result.values())) if isinstance(result, dict) else result
    result = result[0] if isinstance(result, tuple) else result
    ours = lesion_wise_metrics(gt.astype(bool), pred.astype(bool), spacing=ONE, rule=lesion_rule("matching")).scores
    assert (ours["tp_lesions"], ours["fp_lesions"], ours["fn_lesions"]) == (result.tp, result.fp, result.fn)
    assert ours["lesion_f1"] == pytest.approx(result.rq)
    assert ours["lesion_dice"] == pytest.approx(result.sq_dsc)


@pytest.mark.shared
def test_panoptica_agrees_on_real_pairs(shared_dir):
    """Matching convention vs panoptica on ../shared/data/brats: the same TP/FP/FN, Dice and (pooled) HD95."""
    panoptica = pytest.importorskip("panoptica")

    def evaluator(*metrics):
        return panoptica.Panoptica_Evaluator(
            expected_input=panoptica.InputType.SEMANTIC,
            instance_approximator=panoptica.ConnectedComponentsInstanceApproximator(),
            instance_matcher=panoptica.NaiveThresholdMatching(), instance_metrics=list(metrics))

    def result_of(ev, pred, gt):
        result = ev.evaluate(pred.astype(np.uint8), gt.astype(np.uint8), verbose=False)
        result = next(iter(result.values())) if isinstance(result, dict) else result
        return result[0] if isinstance(result, tuple) else result

    overlap = evaluator(panoptica.Metric.DSC, panoptica.Metric.IOU)
    with_hd95 = evaluator(panoptica.Metric.DSC, panoptica.Metric.IOU, panoptica.Metric.HD95)
    compared = 0
    for name, gt_vol, pred_vol in _real_pairs(shared_dir):
        gt, pred = _crop(np.asarray(gt_vol.data), np.asarray(pred_vol.data))
        for values in ((1, 2, 3), (2,), (3,)):
            g, p = np.isin(gt, values), np.isin(pred, values)
            ours = lesion_wise_metrics(g, p, spacing=gt_vol.spacing,
                                       rule=lesion_rule("matching", hd95_convention="pooled")).scores
            theirs = result_of(overlap, p, g)
            assert (ours["tp_lesions"], ours["fp_lesions"], ours["fn_lesions"]) == (theirs.tp, theirs.fp, theirs.fn)
            if theirs.tp == 0:  # panoptica has no HD95 edge case for zero matches
                continue
            theirs = result_of(with_hd95, p, g)
            assert ours["lesion_dice"] == pytest.approx(theirs.sq_dsc, rel=1e-12), (name, values)
            assert ours["lesion_hd95"] == pytest.approx(theirs.sq_hd95, rel=1e-9), (name, values)
            compared += 1
    assert compared >= 10


# ---------------------------------------------------------------- reuse of the voxel-wise search
def _scattered_lesions(seed: int, shape=(40, 44, 48)):
    """A label volume with a few balls of labels 1-3, and a prediction that shifts, grows, misses and adds some."""
    rng = np.random.default_rng(seed)
    grid = np.indices(shape)
    gt, pred = np.zeros(shape, np.uint8), np.zeros(shape, np.uint8)
    for _ in range(14):
        centre, radius, value = rng.uniform(6, np.array(shape) - 6), rng.uniform(1.5, 6), int(rng.integers(1, 4))
        gt[((grid - centre[:, None, None, None]) ** 2).sum(0) <= radius**2] = value
        if rng.random() < 0.75:
            moved = centre + rng.normal(0, 0.8, 3)
            pred[((grid - moved[:, None, None, None]) ** 2).sum(0) <= (radius * rng.uniform(0.8, 1.2)) ** 2] = value
    for _ in range(5):
        centre = rng.uniform(3, np.array(shape) - 3)
        pred[((grid - centre[:, None, None, None]) ** 2).sum(0) <= rng.uniform(1, 3) ** 2] = int(rng.integers(1, 4))
    return gt, pred


def _with_and_without_voxel_search(gt, pred, spacing, convention, monkeypatch):
    """Lesion-wise results with and without the voxel-wise search, and the voxels each had to search itself."""
    from auditapp.metrics import _lesion_distances
    from auditapp.metrics.lesion_wise import LESION_METRICS, SubjectLesions, evaluate_pair_lesions
    from auditapp.metrics.regions import Region
    from auditapp.metrics.registry import evaluate_pair

    regions = [Region("A", (1,)), Region("B", (2,)), Region("C", (3,)), Region("WT", (1, 2, 3))]
    rules = {r.name: lesion_rule(convention, region=r.name, min_size=5) for r in regions}
    voxel = evaluate_pair(gt, pred, spacing=spacing, regions=regions, metrics=["hd95", "nsd"])
    searched = {"reused": 0, "plain": 0}
    original = _lesion_distances.grouped_surface_distances

    def counting(points, *args):
        searched[mode] += len(points)
        return original(points, *args)

    monkeypatch.setattr(_lesion_distances, "grouped_surface_distances", counting)
    every = dict(metrics=tuple(LESION_METRICS), table=True)
    mode = "reused"
    reused = evaluate_pair_lesions(SubjectLesions(gt, spacing, rules), pred, regions, searched=voxel.distances, **every)
    mode = "plain"
    plain = evaluate_pair_lesions(SubjectLesions(gt, spacing, rules), pred, regions, **every)
    return reused, plain, searched


def _same(a, b, exact: bool) -> bool:
    if isinstance(b, float) and math.isnan(b):
        return isinstance(a, float) and math.isnan(a)
    return a == b or (not exact and isinstance(b, float) and a == pytest.approx(b, rel=1e-14))


@pytest.mark.parametrize("convention", ["brats2023", "brats2024", "matching"])
@pytest.mark.parametrize("spacing", [(1.0, 1.0, 1.0), (1.3, 0.7, 2.9)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reusing_the_voxel_wise_search_changes_no_value(convention, spacing, seed, monkeypatch):
    gt, pred = _scattered_lesions(seed)
    reused, plain, searched = _with_and_without_voxel_search(gt, pred, spacing, convention, monkeypatch)
    exact = all(float(s).is_integer() for s in spacing)  # else an exact tie may round apart in the last bit
    for region in plain:
        assert reused[region].scores.keys() == plain[region].scores.keys()
        for key, value in plain[region].scores.items():
            assert _same(reused[region].scores[key], value, exact), (region, key)
        assert len(reused[region].lesions) == len(plain[region].lesions)
        for mine, theirs in zip(reused[region].lesions, plain[region].lesions):
            assert all(_same(mine[key], value, exact) for key, value in theirs.items()), (region, mine, theirs)
    assert sum(r.scores["tp_lesions"] for r in plain.values()) >= 4
    # most distances come from the voxel-wise search; the plain path searches every pair's surface voxels
    assert searched["plain"] > 500 and searched["reused"] < 0.25 * searched["plain"]


@pytest.mark.shared
def test_reusing_the_voxel_wise_search_on_real_pairs(shared_dir, monkeypatch):
    total = {"reused": 0, "plain": 0}
    for name, gt_vol, pred_vol in _real_pairs(shared_dir):
        for convention in ("brats2023", "matching"):
            reused, plain, searched = _with_and_without_voxel_search(np.asarray(gt_vol.data), np.asarray(pred_vol.data),
                                                                     tuple(gt_vol.spacing), convention, monkeypatch)
            for region in plain:
                assert reused[region].scores == pytest.approx(plain[region].scores, rel=0, abs=0, nan_ok=True), name
                assert reused[region].lesions == plain[region].lesions or all(
                    all(_same(m[k], v, True) for k, v in t.items())
                    for m, t in zip(reused[region].lesions, plain[region].lesions, strict=True)), name
            for key in total:
                total[key] += searched[key]
    assert total["reused"] < 0.1 * total["plain"]
    print(f"voxels searched again by lesion-wise metrics: {total['reused']} of {total['plain']}")


# ---------------------------------------------------------------- brats2024: lesions joined across tissues
GLI_TISSUES = {"NETC": 1, "SNFH": 2, "ET": 3, "RC": 4}
GLI_JOINS = {"NETC": ("ET", "RC"), "ET": ("NETC", "RC"), "RC": ("ET", "NETC"), "SNFH": ("ET", "RC", "NETC")}


def _gli(gt, pred, spacing, join_tissues=None):
    from auditapp.metrics.lesion_wise import LESION_METRICS, LesionWiseOptions, SubjectLesions, evaluate_pair_lesions
    from auditapp.metrics.regions import Region

    regions = [Region(name, (value,)) for name, value in GLI_TISSUES.items()]
    rules = LesionWiseOptions(convention="brats2024", task="GLI", join_tissues=join_tissues).rules(regions)
    out = evaluate_pair_lesions(SubjectLesions(gt, spacing, rules), pred, regions, metrics=tuple(LESION_METRICS))
    return {name: result.scores for name, result in out.items()}


def plain_gli_2024(gt, pred, spacing):
    """metrics_GLI.py (2024) written out: per tissue, lesions merged by dilation (5 for NETC and RC, else 3), the
    prediction's merged components of <= 10 (ET) / 20 voxels removed, both joined across tissues as the script
    does, then scored (min_size 10 / 20 mm3, penalty 337)."""
    from brats2024_reference import script_join

    dilation = {t: 5 if t in ("NETC", "RC") else 3 for t in GLI_TISSUES}
    min_size = {t: 10 if t == "ET" else 20 for t in GLI_TISSUES}
    gt_cc = {t: merged_labels(gt == v, dilation[t]) for t, v in GLI_TISSUES.items()}
    pred_cc = {t: prediction_labels(pred == v, dilation[t], min_size[t], True) for t, v in GLI_TISSUES.items()}
    return {t: plain_score(script_join(gt_cc[t], [gt_cc[o] for o in GLI_JOINS[t]]),
                           script_join(pred_cc[t], [pred_cc[o] for o in GLI_JOINS[t]]),
                           spacing, dilation[t], min_size[t], 337.0)
            for t in GLI_TISSUES}


def test_two_et_lesions_touching_one_necrosis_are_one_lesion_in_brats2024_gli():
    gt = np.zeros((10, 10, 40), np.uint8)
    gt[3:7, 3:7, 10:30] = GLI_TISSUES["NETC"]
    gt[3:6, 3:6, 7:10] = gt[3:6, 3:6, 30:33] = GLI_TISSUES["ET"]  # 20 voxels apart: two ET lesions on their own
    joined, alone = _gli(gt, gt, ONE), _gli(gt, gt, ONE, join_tissues=False)
    assert (joined["ET"]["gt_lesions"], alone["ET"]["gt_lesions"]) == (1, 2)
    assert joined["ET"]["tp_lesions"] == 1 and joined["ET"]["fp_lesions"] == 0 and joined["ET"]["lesion_dice"] == 1.0
    assert joined["NETC"]["gt_lesions"] == alone["NETC"]["gt_lesions"] == 1
    # a prediction missing one of the two blobs still hits the joined lesion: Dice 2*27/(54+27)
    pred = gt.copy()
    pred[3:6, 3:6, 30:33] = 0
    assert _gli(gt, pred, ONE)["ET"]["lesion_dice"] == pytest.approx(2 * 27 / 81, rel=1e-12)


def _gli_volume(rng, shape=(24, 24, 44)):
    """Tumour-like GLI labels: an elongated necrosis with enhancing blobs at both ends (further apart than the ET
    dilation: two ET lesions unless joined through the necrosis), oedema around, sometimes a resection cavity."""
    grid = np.indices(shape).astype(float)
    out = np.zeros(shape, np.uint8)

    def ellipsoid(centre, axes, value, empty_only=False):
        inside = sum(((g - c) / a) ** 2 for g, c, a in zip(grid, centre, axes)) <= 1
        out[inside & (out == 0) if empty_only else inside] = value

    centre = rng.uniform((10, 10, 20), (14, 14, 24))
    length = rng.uniform(7, 9)
    ellipsoid(centre, (3, 3, length), GLI_TISSUES["NETC"])
    for end in (-1, 1):
        if rng.random() < 0.9:
            tip = centre + (rng.normal(0, 0.7), rng.normal(0, 0.7), end * (length + 0.5))
            ellipsoid(tip, (rng.uniform(1.3, 2.2),) * 3, GLI_TISSUES["ET"])
    if rng.random() < 0.6:
        ellipsoid(centre + (3.5, 0, rng.uniform(-3, 3)), (1.8, 1.8, 1.8), GLI_TISSUES["RC"])
    ellipsoid(centre, (6, 6, length + 4), GLI_TISSUES["SNFH"], empty_only=True)
    return out


def test_brats2024_gli_equals_the_2024_script_written_out():
    joined_somewhere = 0
    for seed in range(8):
        rng = np.random.default_rng(seed)
        gt = _gli_volume(rng)
        pred = np.roll(gt, tuple(int(s) for s in rng.integers(-1, 2, 3)), axis=(0, 1, 2))
        pred[rng.random(gt.shape) < 0.0003] = GLI_TISSUES["ET"]  # speckles: merged, removed or false positives
        ours, expected = _gli(gt, pred, ONE), plain_gli_2024(gt, pred, ONE)
        for tissue in GLI_TISSUES:
            for key in ("lesion_dice", "lesion_hd95", "lesion_nsd"):
                assert ours[tissue][key] == pytest.approx(expected[tissue][key], rel=1e-12, abs=1e-12), (seed, tissue)
            assert (ours[tissue]["tp_lesions"], ours[tissue]["fp_lesions"], ours[tissue]["fn_lesions"]) == (
                expected[tissue]["tp"], expected[tissue]["fp"], expected[tissue]["fn"]), (seed, tissue)
        alone = _gli(gt, pred, ONE, join_tissues=False)
        joined_somewhere += sum(ours[t] != alone[t] for t in GLI_TISSUES)
    assert joined_somewhere >= 4  # the volumes do join lesions across tissues
