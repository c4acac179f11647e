"""Error matrix (reference definition) and confusion matrix (ours): analysis.md §1, metrics.md §10."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from auditapp.analysis import (
    aggregate_error_matrices,
    confusion_matrix,
    confusion_matrix_from_counts,
    error_matrix,
    error_matrix_from_counts,
    matrix_classes,
    pair_counts_frame,
    row_percentages,
)
from auditapp.config.model import Label

LABELS = {"BKG": 0, "EDE": 3, "ENH": 1, "NEC": 2}
SUBJECT = "BraTS2024_SSA-00002-000"

# metrics.md §10: the (gt -> pred) cells of BraTS2024_SSA-00002-000 / nnUnet, diagonal included.
NNUNET_CELLS = {
    (0, 0): 8694903, (0, 1): 101, (0, 2): 311, (0, 3): 14224, (1, 0): 1015, (1, 1): 14334, (1, 2): 4276,
    (1, 3): 1899, (2, 1): 37, (2, 2): 6221, (2, 3): 345, (3, 0): 5173, (3, 1): 50, (3, 2): 505, (3, 3): 184606,
}
# analysis.md §1.1 worked example (rows = GT, order BKG, EDE, ENH, NEC).
NNUNET_RAW = [[0, 14224, 101, 311], [5173, 0, 50, 505], [1015, 1899, 0, 4276], [0, 345, 37, 0]]
NNUNET_NORMALISED = [[0, 97.19, 0.69, 2.12], [90.31, 0, 0.87, 8.82], [14.12, 26.41, 0, 59.47], [0, 90.31, 9.69, 0]]
SEGRESNET_RAW = [[0, 3073, 666, 73], [36235, 0, 351, 1642], [1530, 1464, 0, 1343], [158, 857, 1656, 0]]
# analysis.md §1.2: confusion matrix normalised by GT class size.
NNUNET_CONFUSION = [[99.83, 0.16, 0.00, 0.00], [2.72, 96.99, 0.03, 0.27], [4.72, 8.82, 66.60, 19.87],
                    [0.00, 5.22, 0.56, 94.21]]


def spec_counts() -> pd.DataFrame:
    return pd.DataFrame(
        [(g, p, c) for (g, p), c in NNUNET_CELLS.items()], columns=["gt_value", "pred_value", "count"]
    )


def test_error_matrix_of_spec_counts():
    matrix = error_matrix_from_counts(spec_counts(), LABELS)
    assert matrix.index.tolist() == ["BKG", "EDE", "ENH", "NEC"]
    assert matrix.columns.tolist() == ["BKG", "EDE", "ENH", "NEC"]
    assert matrix.index.name == "ground_truth"
    assert matrix.dtypes.unique().tolist() == [np.int64]
    assert matrix.values.tolist() == NNUNET_RAW


def test_error_matrix_row_normalised_spec_example():
    matrix = error_matrix_from_counts(spec_counts(), LABELS, normalize_rows=True)
    assert_allclose(matrix.to_numpy(), NNUNET_NORMALISED, atol=0.005)  # spec rounds to 2 decimals
    assert_allclose(matrix.sum(axis=1), 100.0)


def test_confusion_matrix_of_spec_counts():
    counts = confusion_matrix_from_counts(spec_counts(), LABELS)
    assert counts.sum(axis=1).tolist() == [8709539, 190334, 21524, 6603]  # GT sizes (analysis.md §1.2)
    assert np.diag(counts.to_numpy()).tolist() == [8694903, 184606, 14334, 6221]
    normalised = confusion_matrix_from_counts(spec_counts(), LABELS, normalize=True)
    assert_allclose(normalised.to_numpy(), NNUNET_CONFUSION, atol=0.005)
    # EDE recall equals the metric CSV's sensitivity for EDE.
    assert_allclose(normalised.loc["EDE", "EDE"] / 100, 0.9699055344814904, rtol=1e-14)


def test_small_volume_by_hand():
    gt = np.array([[0, 0, 1, 1], [1, 2, 2, 7]])
    pred = np.array([[0, 1, 1, 0], [2, 2, 9, 1]])
    # errors (gt != pred): 0->1, 1->0, 1->2, 2->9 (dropped: unknown pred), 7->1 (dropped: unknown gt)
    matrix = error_matrix(gt, pred, {"BKG": 0, "A": 1, "B": 2})
    assert matrix.values.tolist() == [[0, 1, 0], [1, 0, 1], [0, 0, 0]]
    normalised = error_matrix(gt, pred, {"BKG": 0, "A": 1, "B": 2}, normalize_rows=True)
    assert normalised.values.tolist() == [[0.0, 100.0, 0.0], [50.0, 0.0, 50.0], [0.0, 0.0, 0.0]]


def test_confusion_other_row_and_column_only_when_needed():
    gt = np.array([0, 0, 1, 1, 7])
    pred = np.array([0, 1, 1, 9, 1])
    matrix = confusion_matrix(gt, pred, {"BKG": 0, "A": 1})
    assert matrix.index.tolist() == ["BKG", "A", "other"]
    assert matrix.columns.tolist() == ["BKG", "A", "other"]
    assert matrix.values.tolist() == [[1, 1, 0], [0, 1, 1], [0, 1, 0]]
    clean = confusion_matrix(np.array([0, 1, 1]), np.array([0, 1, 0]), {"BKG": 0, "A": 1})
    assert clean.index.tolist() == ["BKG", "A"] and clean.columns.tolist() == ["BKG", "A"]
    assert clean.values.tolist() == [[1, 0], [1, 1]]
    only_pred = confusion_matrix(np.array([0, 1]), np.array([5, 1]), {"BKG": 0, "A": 1}, normalize=True)
    assert only_pred.index.tolist() == ["BKG", "A"]
    assert only_pred.values.tolist() == [[0.0, 0.0, 100.0], [0.0, 100.0, 0.0]]


def test_classes_skip_composite_labels_and_keep_config_order():
    labels = (Label("BKG", (0,)), Label("ET", (3,)), Label("WT", (1, 2, 3), composite=True), Label("NETC", (1,)),
              Label("X", (2,), composite=True))
    assert matrix_classes(labels) == [("BKG", 0), ("ET", 3), ("NETC", 1)]
    assert matrix_classes({"BKG": 0, "TC": [1, 3], "ONE": [2], "A": 1}) == [("BKG", 0), ("A", 1)]  # lists: composite
    gt = np.array([3, 3, 1])
    pred = np.array([1, 0, 3])
    assert error_matrix(gt, pred, labels).values.tolist() == [[0, 0, 0], [1, 0, 1], [0, 1, 0]]


def test_float_volumes_and_counts_path_agree():
    rng = np.random.default_rng(4)
    gt = rng.integers(0, 5, size=(6, 7, 8))
    pred = np.where(rng.random(gt.shape) < 0.7, gt, rng.integers(0, 5, size=gt.shape))
    labels = {"BKG": 0, "A": 3, "B": 1, "C": 2}
    from_arrays = error_matrix(gt.astype(np.float32), pred.astype(np.float64), labels)
    counts = pair_counts_frame(gt, pred)
    assert counts["count"].sum() == gt.size
    assert_array_equal(from_arrays, error_matrix_from_counts(counts, labels))
    # naive per-class double loop
    names = list(labels)
    for i, a in enumerate(labels.values()):
        for j, b in enumerate(labels.values()):
            expected = 0 if a == b else int(np.sum((gt == a) & (pred == b)))
            assert from_arrays.iloc[i, j] == expected, (names[i], names[j])
    confusion = confusion_matrix(gt, pred, labels)
    assert confusion.loc["other", "other"] == np.sum((gt == 4) & (pred == 4))
    assert int(confusion.to_numpy().sum()) == gt.size


def test_aggregation_sum_average_truncate_normalise():
    labels = {"BKG": 0, "A": 1}
    first = error_matrix(np.array([0, 0, 0, 1]), np.array([1, 1, 1, 0]), labels)  # [[0, 3], [1, 0]]
    second = error_matrix(np.array([0, 1, 1]), np.array([0, 0, 0]), labels)  # [[0, 0], [2, 0]]
    summed = aggregate_error_matrices([first, second], average=False)
    assert summed.values.tolist() == [[0, 3], [3, 0]] and summed.dtypes.unique().tolist() == [np.int64]
    averaged = aggregate_error_matrices([first, second])
    assert averaged.values.tolist() == [[0.0, 1.5], [1.5, 0.0]]
    truncated = aggregate_error_matrices([first, second], truncate=True)  # reference 0.2.0
    assert truncated.values.tolist() == [[0, 1], [1, 0]] and truncated.dtypes.unique().tolist() == [np.int64]
    normalised = aggregate_error_matrices([first, second], normalize_rows=True)
    assert normalised.values.tolist() == [[0.0, 100.0], [100.0, 0.0]]
    assert_array_equal(normalised, aggregate_error_matrices([first, second], average=False, normalize_rows=True))


def test_aggregating_confusion_matrices_aligns_other():
    labels = {"BKG": 0, "A": 1}
    with_other = confusion_matrix(np.array([0, 1]), np.array([0, 5]), labels)
    without = confusion_matrix(np.array([0, 1]), np.array([0, 1]), labels)
    total = aggregate_error_matrices([with_other, without], average=False)
    assert total.columns.tolist() == ["BKG", "A", "other"]
    assert total.values.tolist() == [[2, 0, 0], [0, 1, 1]]
    assert row_percentages(total).values.tolist() == [[100.0, 0.0, 0.0], [0.0, 50.0, 50.0]]


def test_row_percentages_zero_row_stays_zero():
    matrix = pd.DataFrame([[0, 0], [1, 3]])
    assert row_percentages(matrix).values.tolist() == [[0.0, 0.0], [25.0, 75.0]]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: error_matrix(np.zeros((2, 2), int), np.zeros((2, 3), int), LABELS), "same shape"),
        (lambda: error_matrix(np.array([0.5, 1.0]), np.array([0, 1]), LABELS), "non-integral"),
        (lambda: error_matrix(np.array([0, 1]), np.array([0, 1]), {"WT": [1, 2]}), "no single-value label"),
        (lambda: matrix_classes({"A": 1, "B": 1}), "distinct names and values"),
        (lambda: matrix_classes([("A", 1)]), "sequence of Label"),
        (lambda: error_matrix_from_counts(pd.DataFrame({"gt_value": [0], "count": [1]}), LABELS),
         r"missing the column\(s\) \['pred_value'\]"),
        (lambda: confusion_matrix_from_counts(pd.DataFrame({"gt": [0]}), LABELS), "missing the column"),
        (lambda: aggregate_error_matrices([]), "matrices is empty"),
        (lambda: aggregate_error_matrices([
            error_matrix(np.array([0]), np.array([0]), {"BKG": 0, "A": 1}),
            error_matrix(np.array([0]), np.array([0]), {"BKG": 0, "B": 2}),
        ]), "different classes"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.shared
@pytest.mark.parametrize(("model", "expected"), [("nnUnet", NNUNET_RAW), ("SegResNet", SEGRESNET_RAW)])
def test_reference_error_matrices_from_nifti(shared_dir, model, expected):
    from auditapp.io import read_volume

    root = shared_dir / "data" / "brats" / "BraTS2024_SSA"
    gt = read_volume(root / "BraTS2024_SSA_images" / SUBJECT / f"{SUBJECT}_seg.nii.gz").data
    pred = read_volume(root / "BraTS2024_SSA_seg" / model / SUBJECT / f"{SUBJECT}_pred.nii.gz").data
    reference = pd.read_csv(shared_dir / "reference" / "error_matrix" / f"{SUBJECT}_{model}.csv",
                            index_col="ground_truth")
    matrix = error_matrix(gt, pred, LABELS)
    assert matrix.values.tolist() == reference.values.tolist() == expected
    assert matrix.index.tolist() == reference.index.tolist()
    assert matrix.columns.tolist() == reference.columns.tolist()
    counts = pair_counts_frame(gt, pred)
    assert_array_equal(error_matrix_from_counts(counts, LABELS), matrix)
    if model == "nnUnet":
        assert {(g, p): c for g, p, c in counts.itertuples(index=False)} == NNUNET_CELLS
