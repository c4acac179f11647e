"""Count-based metrics, regions, joint counts and the registry: exact hand-computed values."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from auditapp.config.model import ALL_METRICS, EXTRA_METRICS, REFERENCE_METRICS, Label
from auditapp.errors import AuditappWarning
from auditapp.metrics import overlap
from auditapp.metrics.counts import NON_INTEGRAL, as_label_array, value_pair_counts
from auditapp.metrics.regions import (
    Confusion,
    Region,
    bounding_box,
    region_confusion,
    regions_from_labels,
    unconfigured_values,
)
from auditapp.metrics.registry import (
    METRICS,
    canonical_metric_name,
    evaluate_pair,
    output_columns,
)

SPACING = (1.0, 1.0, 1.0)


def _cube(shape, lo, hi, value=1, dtype=np.uint8):
    out = np.zeros(shape, dtype)
    out[tuple(slice(a, b) for a, b in zip(lo, hi))] = value
    return out


def _row(result, region):
    return next(r for r in result.rows if r["region"] == region)


# --------------------------------------------------------------------------- formulas


def test_count_formulas_on_hand_computed_counts():
    c = Confusion(tp=30, fp=10, fn=20, tn=940)
    assert overlap.dice(c) == 60 / 90
    assert overlap.jaccard(c) == 30 / 60
    assert overlap.accuracy(c) == 970 / 1000
    assert overlap.precision(c) == 30 / 40
    assert overlap.sensitivity(c) == 30 / 50
    assert overlap.specificity(c) == 940 / 950
    assert overlap.predicted_size(c, voxel_volume=0.5) == 20.0
    assert overlap.gt_size(c, voxel_volume=0.5) == 25.0
    assert overlap.volume_similarity(c) == 1 - 10 / 90


def test_shifted_cubes_exact_overlap_values():
    # 6x6x6 cube vs the same cube shifted by one voxel along i: tp = 180, fp = fn = 36
    shape = (10, 10, 12)
    gt = _cube(shape, (2, 2, 2), (8, 8, 8))
    pred = _cube(shape, (2, 2, 3), (8, 8, 9))
    out = evaluate_pair(gt, pred, spacing=(2.0, 1.0, 0.5), regions=[Region("A", (1,))], metrics=ALL_METRICS)
    row = _row(out, "A")
    n = 10 * 10 * 12
    assert out.confusions["A"] == Confusion(tp=180, fp=36, fn=36, tn=n - 252)
    assert row["dice"] == 360 / 432
    assert row["jaccard"] == 180 / 252
    assert row["accuracy"] == (180 + n - 252) / n
    assert row["precision"] == 180 / 216
    assert row["sensitivity"] == 180 / 216
    assert row["specificity"] == (n - 252) / (n - 216)
    assert row["predicted_size"] == 216 * 1.0  # 2.0 * 1.0 * 0.5 mm³ per voxel
    assert row["gt_size"] == 216 * 1.0
    assert row["volume_similarity"] == 1.0
    assert row["hausdorff_distance"] == 0.5  # one voxel along i (0.5 mm)


# --------------------------------------------------------------------------- empty regions (spec §5 table)


def _empty_case(gt_present: bool, pred_present: bool, overlap_voxels: bool = False):
    shape = (6, 6, 6)
    gt = _cube(shape, (1, 1, 1), (3, 3, 3)) if gt_present else np.zeros(shape, np.uint8)
    if pred_present:
        pred = _cube(shape, (1, 1, 1), (3, 3, 3)) if overlap_voxels else _cube(shape, (4, 4, 4), (6, 6, 5))
    else:
        pred = np.zeros(shape, np.uint8)
    out = evaluate_pair(gt, pred, spacing=SPACING, regions=[Region("A", (1,))], metrics=ALL_METRICS)
    return _row(out, "A"), out.confusions["A"]


def _same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


def test_empty_gt_and_empty_prediction():
    row, _ = _empty_case(False, False)
    expected = {"dice": 1.0, "jaccard": 1.0, "accuracy": 1.0, "precision": 0.0, "sensitivity": math.nan,
                "specificity": 1.0, "hausdorff_distance": 0.0, "predicted_size": 0.0,
                "hd95": 0.0, "assd": 0.0, "nsd": 1.0, "gt_size": 0.0, "volume_similarity": 1.0}
    for name, value in expected.items():
        assert _same(row[name], value), name


def test_gt_present_prediction_empty():
    row, c = _empty_case(True, False)
    assert c == Confusion(tp=0, fp=0, fn=8, tn=216 - 8)
    expected = {"dice": 0.0, "jaccard": 0.0, "accuracy": 208 / 216, "precision": 0.0, "sensitivity": 0.0,
                "specificity": 1.0, "hausdorff_distance": math.nan, "predicted_size": 0.0,
                "hd95": math.nan, "assd": math.nan, "nsd": 0.0, "gt_size": 8.0, "volume_similarity": 0.0}
    for name, value in expected.items():
        assert _same(row[name], value), name


def test_gt_empty_prediction_present():
    row, c = _empty_case(False, True)
    assert c == Confusion(tp=0, fp=4, fn=0, tn=212)
    expected = {"dice": 0.0, "jaccard": 0.0, "accuracy": 212 / 216, "precision": 0.0,
                "sensitivity": math.nan, "specificity": 212 / 216, "hausdorff_distance": math.nan,
                "predicted_size": 4.0, "hd95": math.nan, "assd": math.nan, "nsd": 0.0, "gt_size": 0.0,
                "volume_similarity": 0.0}
    for name, value in expected.items():
        assert _same(row[name], value), name


def test_both_present_without_overlap():
    row, c = _empty_case(True, True)
    assert c == Confusion(tp=0, fp=4, fn=8, tn=204)
    assert row["dice"] == 0.0 and row["jaccard"] == 0.0 and row["precision"] == 0.0
    assert row["sensitivity"] == 0.0
    assert row["specificity"] == 204 / 208
    assert row["accuracy"] == 204 / 216
    assert row["predicted_size"] == 4.0
    # farthest pair: GT voxel (1,1,1) to pred voxel (4,4,4) is not the max; max of min distances:
    # GT (1,1,1) -> nearest pred (4,4,4): sqrt(27); pred (5,5,4) -> nearest GT (2,2,2): sqrt(9+9+4)
    assert row["hausdorff_distance"] == math.sqrt(27)
    assert row["volume_similarity"] == 1 - 4 / 12


def test_specificity_nan_when_region_fills_volume():
    gt = np.ones((2, 2, 2), np.uint8)
    out = evaluate_pair(gt, gt, spacing=SPACING, regions=[Region("A", (1,))], metrics=["specificity", "dice"])
    assert math.isnan(out.rows[0]["specificity"])
    assert out.rows[0]["dice"] == 1.0


# --------------------------------------------------------------------------- regions


def test_regions_skip_value_zero_whatever_its_name():
    labels = (Label("EDE", (3,)), Label("background", (0,)), Label("BKG", (4,)),
              Label("WT", (1, 2, 3), True), Label("ALL", (0, 1), True))
    assert regions_from_labels(labels) == (
        Region("EDE", (3,)), Region("BKG", (4,)), Region("WT", (1, 2, 3)), Region("ALL", (1,)),
    )


def test_composite_region_is_the_union():
    shape = (4, 4, 4)
    gt = np.zeros(shape, np.uint8)
    gt[0, 0, :] = [1, 2, 3, 0]
    pred = np.zeros(shape, np.uint8)
    pred[0, 0, :] = [2, 2, 0, 3]
    regions = [Region("WT", (1, 2, 3)), Region("TC", (1, 2)), Region("ENH", (1,))]
    out = evaluate_pair(gt, pred, spacing=SPACING, regions=regions, metrics=["dice", "predicted_size"])
    assert out.confusions["WT"] == Confusion(tp=2, fp=1, fn=1, tn=60)
    assert out.confusions["TC"] == Confusion(tp=2, fp=0, fn=0, tn=62)
    assert out.confusions["ENH"] == Confusion(tp=0, fp=0, fn=1, tn=63)
    assert [r["region"] for r in out.rows] == ["WT", "TC", "ENH"]
    assert _row(out, "WT")["dice"] == 4 / 6
    assert _row(out, "TC")["dice"] == 1.0
    assert _row(out, "WT")["predicted_size"] == 3.0


def test_region_confusion_from_pair_table_matches_masks():
    rng = np.random.default_rng(3)
    gt = rng.integers(0, 5, (7, 8, 9)).astype(np.uint8)
    pred = rng.integers(0, 5, (7, 8, 9)).astype(np.uint8)
    pairs, counts = value_pair_counts(gt, pred)
    for values in ((1,), (2, 3), (1, 2, 3, 4)):
        g = np.isin(gt, values)
        p = np.isin(pred, values)
        expected = Confusion(int((g & p).sum()), int((~g & p).sum()), int((g & ~p).sum()), int((~g & ~p).sum()))
        assert region_confusion(pairs, counts, values) == expected


def test_unconfigured_values_are_listed_per_side():
    pairs = np.array([[0, 0], [0, 7], [1, 1], [5, 1], [-1, 0], [0, NON_INTEGRAL]])
    assert unconfigured_values(pairs, (1, 2, 3)) == ([-1, 5], [7])


def test_bounding_box_and_empty():
    mask = np.zeros((5, 6, 7), bool)
    assert bounding_box(mask) is None
    mask[1, 2, 3] = mask[3, 4, 5] = True
    assert bounding_box(mask) == (slice(1, 4), slice(2, 5), slice(3, 6))


# --------------------------------------------------------------------------- joint counts


def test_value_pair_counts_outside_0_255_and_crop_add_background():
    gt = np.array([[0, 300], [300, -2]])
    pred = np.array([[0, 300], [1, -2]])
    pairs, counts = value_pair_counts(gt, pred)
    assert pairs.tolist() == [[-2, -2], [0, 0], [300, 1], [300, 300]]
    assert counts.tolist() == [1, 1, 1, 1]
    # evaluate_pair counts only the non-zero box and adds the rest to (0, 0)
    big_gt = np.zeros((5, 5, 5), np.int16)
    big_pred = np.zeros((5, 5, 5), np.int16)
    big_gt[2, 2, 2] = 300
    big_pred[2, 2, 3] = 1
    out = evaluate_pair(big_gt, big_pred, spacing=SPACING, regions=[Region("X", (300,))], metrics=["dice"])
    assert out.pairs.tolist() == [[0, 0], [0, 1], [300, 0]]
    assert out.counts.tolist() == [123, 1, 1]


def test_all_zero_volumes_give_one_background_cell():
    z = np.zeros((3, 3, 3), np.uint8)
    out = evaluate_pair(z, z, spacing=SPACING, regions=[Region("A", (1,))], metrics=ALL_METRICS)
    assert out.pairs.tolist() == [[0, 0]] and out.counts.tolist() == [27]
    assert out.rows[0]["dice"] == 1.0 and out.rows[0]["nsd"] == 1.0


def test_float_labels_match_by_value_and_non_integral_matches_nothing():
    gt = np.zeros((3, 3, 3), np.float32)
    gt[1, 1, :] = 1.0
    pred = gt.astype(np.float64)
    pred[1, 1, 2] = 1.5
    with pytest.warns(AuditappWarning, match=r"prediction holds 1 voxels with non-integral values \(e.g. 1.5\)"):
        out = evaluate_pair(gt, pred, spacing=SPACING, regions=[Region("A", (1,))], metrics=["dice"])
    assert out.confusions["A"] == Confusion(tp=2, fp=0, fn=1, tn=24)
    assert [1, NON_INTEGRAL] in out.pairs.tolist()


def test_as_label_array_raises_on_nan_by_default():
    with pytest.raises(ValueError, match="non-integral label values"):
        as_label_array(np.array([0.0, np.nan]), name="seg")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert as_label_array(np.array([0.0, 2.0], np.float32)).tolist() == [0, 2]


# --------------------------------------------------------------------------- registry


def test_registry_names_match_config_contract():
    voxel = {n: s for n, s in METRICS.items() if s.kind != "lesion"}  # lesion-wise: test_metrics_lesion_wise.py
    assert set(voxel) == set(ALL_METRICS)
    assert {n for n, s in voxel.items() if s.reference} == set(REFERENCE_METRICS)
    assert {n for n, s in voxel.items() if not s.reference} == set(EXTRA_METRICS)


def test_registry_empty_policies_match_computed_values():
    cases = {"both_empty": (False, False), "gt_empty_only": (False, True), "pred_empty_only": (True, False)}
    for attr, (gt_present, pred_present) in cases.items():
        row, _ = _empty_case(gt_present, pred_present)
        for name, spec in METRICS.items():
            if spec.kind == "lesion":
                continue  # their both-empty values: test_metrics_lesion_wise.py::test_both_empty
            policy = getattr(spec, attr)
            if policy != "computed":
                assert _same(row[name], policy), (attr, name)


def test_canonical_names_and_aliases():
    assert [canonical_metric_name(n) for n in ("dice", "jacc", "ACCU", "prec", "sens", "spec", "haus", "size")] \
        == list(REFERENCE_METRICS)
    with pytest.raises(KeyError, match="unknown metric 'dsc'"):
        canonical_metric_name("dsc")


def test_output_columns_sorted():
    assert output_columns(ALL_METRICS) == [
        "ID", "region", "model", "accuracy", "assd", "dice", "gt_size", "hausdorff_distance", "hd95",
        "jaccard", "nsd", "precision", "predicted_size", "sensitivity", "specificity", "volume_similarity",
    ]


def test_evaluate_pair_rejects_bad_shapes_and_spacing():
    a = np.zeros((2, 2, 2), np.uint8)
    with pytest.raises(ValueError, match="same shape"):
        evaluate_pair(a, np.zeros((2, 2, 3), np.uint8), spacing=SPACING, regions=[], metrics=["dice"])
    with pytest.raises(ValueError, match="one value per axis"):
        evaluate_pair(a, a, spacing=(1.0, 1.0), regions=[], metrics=["dice"])
