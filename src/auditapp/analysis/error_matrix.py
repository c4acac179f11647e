"""Segmentation error matrix (reference definition) and true confusion matrix (ours): docs/analysis.md, §2.

Both derive from one joint count table of (GT value, predicted value) pairs (:func:`pair_counts_frame`, or the
same counts in ``error_matrix_<x>.csv``), so a NIfTI read and a CSV give identical matrices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from auditapp.config.model import Label
from auditapp.analysis.tables import require_columns
from auditapp.metrics.counts import as_label_array, value_pair_counts

__all__ = [
    "aggregate_error_matrices", "confusion_matrix", "confusion_matrix_from_counts", "error_matrix",
    "error_matrix_from_counts", "matrix_classes", "pair_counts_frame", "row_percentages"
]

#: Name of the extra row/column of :func:`confusion_matrix` for values outside the classes.
OTHER = "other"

LabelsLike = Mapping[str, "int | Sequence[int]"] | Sequence[Label]


def single_labels(labels: LabelsLike, *, strict: bool = False) -> list[tuple[str, int]]:
    """(name, value) of the single-value labels in config order (a list, even of one value, is composite)."""
    if isinstance(labels, Mapping):
        return [(str(name), int(value)) for name, value in labels.items()
                if not isinstance(value, (list, tuple))]
    singles = []
    for label in labels:
        if not isinstance(label, Label):
            if strict:
                raise ValueError(
                    f"labels must be a mapping name -> value or a sequence of Label; got {label!r}")
            continue
        if not label.composite and len(label.values) == 1:
            singles.append((label.name, int(label.values[0])))
    return singles


def matrix_classes(labels: LabelsLike) -> list[tuple[str, int]]:
    """Classes of the matrices: the labels with a single integer value, in config order.

    Parameters
    ----------
    labels : mapping of str to int or list of int, or sequence of :class:`~auditapp.config.Label`
        The configured labels, background included; composite labels (a list, even of one value, or
        ``Label.composite``) are not classes.

    Returns
    -------
    list of (name, value)

    Raises
    ------
    ValueError
        If no single-value label remains, two classes share a value or a name, or an item is not a Label.

    Examples
    --------
    >>> matrix_classes({"BKG": 0, "EDE": 3, "WT": [1, 2, 3], "ENH": 1})
    [('BKG', 0), ('EDE', 3), ('ENH', 1)]
    """
    classes = single_labels(labels, strict=True)
    if not classes:
        raise ValueError(f"labels hold no single-value label to use as a matrix class; got {labels!r}")
    names = [name for name, _ in classes]
    values = [value for _, value in classes]
    if len(set(values)) != len(values) or len(set(names)) != len(names):
        raise ValueError(f"matrix classes must have distinct names and values; got {classes}")
    return classes


def pair_counts_frame(gt: np.ndarray, pred: np.ndarray) -> pd.DataFrame:
    """Joint voxel counts ``gt_value, pred_value, count`` (int64) of one GT/prediction pair (non-zero cells).

    The per-subject content of ``error_matrix_<x>.csv``; either matrix is rebuilt from it without re-reading.

    Examples
    --------
    >>> pair_counts_frame(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 1])).values.tolist()
    [[0, 0, 1], [0, 1, 1], [1, 1, 1], [2, 1, 1]]
    """
    pairs, counts = value_pair_counts(as_label_array(np.asarray(gt), name="gt"),
                                      as_label_array(np.asarray(pred), name="pred"))
    return pd.DataFrame({"gt_value": pairs[:, 0], "pred_value": pairs[:, 1], "count": counts})


def _matrix(pairs: np.ndarray, counts: np.ndarray, classes: list[tuple[str, int]], *, confusion: bool) -> pd.DataFrame:
    """Scatter pair counts into a class x class matrix (confusion: with diagonal and 'other')."""
    names = [name for name, _ in classes]
    values = np.array([value for _, value in classes], dtype=np.int64)
    k = len(values)
    order = np.argsort(values)
    sorted_values = values[order]

    def class_index(column: np.ndarray) -> np.ndarray:
        pos = np.clip(np.searchsorted(sorted_values, column), 0, k - 1)
        found = sorted_values[pos] == column
        return np.where(found, order[pos], k)  # k = outside the class list

    gi = class_index(pairs[:, 0])
    pi = class_index(pairs[:, 1])
    table = np.zeros((k + 1, k + 1), dtype=np.int64)
    if confusion:
        np.add.at(table, (gi, pi), counts)
        rows = names + ([OTHER] if table[k].any() else [])
        cols = names + ([OTHER] if table[:, k].any() else [])
        table = table[: len(rows), : len(cols)]
    else:
        keep = (gi < k) & (pi < k) & (pairs[:, 0] != pairs[:, 1])
        np.add.at(table, (gi[keep], pi[keep]), counts[keep])
        rows, cols = names, names
        table = table[:k, :k]
    return pd.DataFrame(
        table,
        index=pd.Index(rows, name="ground_truth"),
        columns=pd.Index(cols, name="prediction"),
    )


def row_percentages(matrix: pd.DataFrame) -> pd.DataFrame:
    """Divide each row by its own total and multiply by 100; an all-zero row stays 0.

    Examples
    --------
    >>> m = pd.DataFrame([[0, 3, 1], [0, 0, 0], [2, 2, 0]])
    >>> row_percentages(m).values.tolist()
    [[0.0, 75.0, 25.0], [0.0, 0.0, 0.0], [50.0, 50.0, 0.0]]
    """
    values = matrix.to_numpy(dtype=np.float64)
    totals = values.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(totals > 0, values / totals * 100.0, 0.0)
    return pd.DataFrame(out, index=matrix.index, columns=matrix.columns)


def error_matrix(gt: np.ndarray, pred: np.ndarray, labels: LabelsLike, normalize_rows: bool = False) -> pd.DataFrame:
    """Segmentation error matrix of one subject (reference definition, docs/analysis.md, §2).

    Parameters
    ----------
    gt, pred : ndarray of int, same shape
        Ground-truth and predicted label volumes; float arrays with integral values are accepted.
    labels : mapping or sequence of Label
        Configured labels; the classes are :func:`matrix_classes`.
    normalize_rows : bool, default False
        Return :func:`row_percentages` (each row over its own error total) instead of counts.

    Returns
    -------
    DataFrame
        ``E[i, j]`` = voxels with GT = class i and prediction = class j where they differ (diagonal 0); index
        ``ground_truth``, columns ``prediction``; int64, or float percentages.

    Raises
    ------
    ValueError
        If the shapes differ, a volume holds non-integral values, or ``labels`` give no class.

    Examples
    --------
    >>> gt, pred = np.array([0, 0, 1, 1, 1, 2]), np.array([0, 1, 1, 0, 2, 1])
    >>> m = error_matrix(gt, pred, {"BKG": 0, "A": 1, "B": 2})
    >>> m.index.tolist(), m.values.tolist()
    (['BKG', 'A', 'B'], [[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    >>> error_matrix(gt, pred, {"BKG": 0, "A": 1, "B": 2}, normalize_rows=True).loc["A"].tolist()
    [50.0, 0.0, 50.0]
    """
    classes = matrix_classes(labels)
    return _counts_matrix(pair_counts_frame(gt, pred), classes, confusion=False, percent=normalize_rows)


def _counts_matrix(counts: pd.DataFrame, classes: list[tuple[str, int]], *, confusion: bool,
                   percent: bool) -> pd.DataFrame:
    """Error or (``confusion``) confusion matrix of a joint count table; row percentages when ``percent``."""
    require_columns(counts, ("gt_value", "pred_value", "count"), "counts table")
    pairs = counts[["gt_value", "pred_value"]].to_numpy(dtype=np.int64)
    matrix = _matrix(pairs, counts["count"].to_numpy(dtype=np.int64), classes, confusion=confusion)
    return row_percentages(matrix) if percent else matrix


def error_matrix_from_counts(counts: pd.DataFrame, labels: LabelsLike, normalize_rows: bool = False) -> pd.DataFrame:
    """Error matrix from a joint count table (``gt_value, pred_value, count``; rows of subjects summed).

    Parameters
    ----------
    counts : DataFrame
        Rows of ``error_matrix_<x>.csv`` or :func:`pair_counts_frame`.
    labels, normalize_rows
        As :func:`error_matrix`.

    Returns
    -------
    DataFrame
        As :func:`error_matrix`.

    Raises
    ------
    ValueError
        If a count column is missing or ``labels`` give no class.

    Examples
    --------
    >>> counts = pd.DataFrame({"gt_value": [0, 0, 1, 1], "pred_value": [0, 1, 0, 1], "count": [90, 4, 2, 7]})
    >>> error_matrix_from_counts(counts, {"BKG": 0, "A": 1}).values.tolist()
    [[0, 4], [2, 0]]
    """
    return _counts_matrix(counts, matrix_classes(labels), confusion=False, percent=normalize_rows)


def confusion_matrix(gt: np.ndarray, pred: np.ndarray, labels: LabelsLike, normalize: bool = False) -> pd.DataFrame:
    """True voxel confusion matrix of one subject, diagonal included (ours; docs/analysis.md, §2).

    Parameters
    ----------
    gt, pred : ndarray of int, same shape
    labels : mapping or sequence of Label
        As :func:`error_matrix`.
    normalize : bool, default False
        Row percentages of the GT class size: the diagonal is the per-class recall.

    Returns
    -------
    DataFrame
        ``C[i, j]`` = voxels with GT = class i and prediction = class j; an ``"other"`` column (row) collects
        predicted (GT) values outside the classes, present only when non-zero.

    Raises
    ------
    ValueError
        As :func:`error_matrix`.

    Examples
    --------
    >>> c = confusion_matrix(np.array([0, 0, 1, 1, 1, 2]), np.array([0, 1, 1, 0, 5, 1]), {"BKG": 0, "A": 1})
    >>> c.index.tolist(), c.columns.tolist(), c.values.tolist()
    (['BKG', 'A', 'other'], ['BKG', 'A', 'other'], [[1, 1, 0], [1, 1, 1], [0, 1, 0]])
    """
    classes = matrix_classes(labels)
    return _counts_matrix(pair_counts_frame(gt, pred), classes, confusion=True, percent=normalize)


def confusion_matrix_from_counts(counts: pd.DataFrame, labels: LabelsLike, normalize: bool = False) -> pd.DataFrame:
    """Confusion matrix from a joint count table (as :func:`error_matrix_from_counts`, voxel-weighted sums).

    Raises
    ------
    ValueError
        If a count column is missing or ``labels`` give no class.

    Examples
    --------
    >>> counts = pd.DataFrame({"gt_value": [0, 0, 1, 1], "pred_value": [0, 1, 0, 1], "count": [90, 10, 1, 3]})
    >>> confusion_matrix_from_counts(counts, {"BKG": 0, "A": 1}, normalize=True).values.tolist()
    [[90.0, 10.0], [25.0, 75.0]]
    """
    return _counts_matrix(counts, matrix_classes(labels), confusion=True, percent=normalize)


def aggregate_error_matrices(
    matrices: Iterable[pd.DataFrame],
    *,
    average: bool = True,
    truncate: bool = False,
    normalize_rows: bool = False,
) -> pd.DataFrame:
    """Combine per-subject count matrices ("All" subjects of the error-matrix page).

    Parameters
    ----------
    matrices : iterable of DataFrame
        :func:`error_matrix` or :func:`confusion_matrix` counts with the same classes (``other`` aligned, 0
        fill).
    average : bool, default True
        Divide the sum by the number of subjects.
    truncate : bool, default False
        Truncate the average to an integer, as reference 0.2.0 did.
    normalize_rows : bool, default False
        Then apply :func:`row_percentages`.

    Returns
    -------
    DataFrame
        The sum (int64), or the mean per subject (float64; int64 when ``truncate``), optionally
        row-normalised.

    Raises
    ------
    ValueError
        If ``matrices`` is empty or the matrices have different classes.

    Examples
    --------
    >>> a = error_matrix(np.array([0, 1, 1]), np.array([1, 0, 0]), {"BKG": 0, "A": 1})
    >>> b = error_matrix(np.array([0, 1]), np.array([1, 1]), {"BKG": 0, "A": 1})
    >>> aggregate_error_matrices([a, b]).values.tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    >>> aggregate_error_matrices([a, b], average=False).values.tolist()
    [[0, 2], [2, 0]]
    """
    matrices = list(matrices)
    if not matrices:
        raise ValueError("matrices is empty: at least one subject's matrix is needed")
    total = matrices[0]
    classes = [name for name in total.index if name != OTHER]
    for matrix in matrices[1:]:
        other = [name for name in matrix.index if name != OTHER]
        if other != classes:
            raise ValueError(f"matrices have different classes: {classes} and {other}")
        total = total.add(matrix, fill_value=0)
    rows = classes + ([OTHER] if OTHER in total.index else [])
    cols = classes + ([OTHER] if OTHER in total.columns else [])
    total = total.loc[rows, cols].fillna(0).astype(np.int64)
    total.index.name, total.columns.name = "ground_truth", "prediction"
    if average:
        total = total / len(matrices)
        if truncate:
            total = np.trunc(total).astype(np.int64)
    return row_percentages(total) if normalize_rows else total
