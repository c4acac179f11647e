"""Segmentation error matrix (reference definition) and true confusion matrix (ours).

Both derive from one joint count table of (GT value, predicted value) pairs,
:func:`auditapp.metrics.counts.value_pair_counts` (one ``bincount`` over the volume), or
from the same counts stored in ``error_matrix_<x>.csv`` (metrics.md §10), so a NIfTI read
and a CSV give identical matrices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from auditapp.config.model import Label
from auditapp.metrics.counts import as_label_array, value_pair_counts

__all__ = [
    "aggregate_error_matrices",
    "confusion_matrix",
    "confusion_matrix_from_counts",
    "error_matrix",
    "error_matrix_from_counts",
    "matrix_classes",
    "pair_counts_frame",
    "row_percentages",
]

#: Name of the extra row/column of :func:`confusion_matrix` for values outside the classes.
OTHER = "other"

LabelsLike = Mapping[str, "int | Sequence[int]"] | Sequence[Label]


def matrix_classes(labels: LabelsLike) -> list[tuple[str, int]]:
    """Classes of the matrices: the labels with a single integer value, in config order.

    Parameters
    ----------
    labels : mapping of str to int or list of int, or sequence of :class:`~auditapp.config.Label`
        The configured labels, background included (e.g. ``{"BKG": 0, "EDE": 3, ...}``).
        Composite labels (written as a list, even of one value, or ``Label.composite``)
        are not classes.

    Returns
    -------
    list of (name, value)

    Raises
    ------
    ValueError
        If no single-value label remains, or two classes share a value or a name.

    Examples
    --------
    >>> matrix_classes({"BKG": 0, "EDE": 3, "WT": [1, 2, 3], "ENH": 1})
    [('BKG', 0), ('EDE', 3), ('ENH', 1)]
    """
    classes: list[tuple[str, int]] = []
    if isinstance(labels, Mapping):
        for name, value in labels.items():
            if isinstance(value, (list, tuple)):  # written as a list: composite, even with one value
                continue
            classes.append((str(name), int(value)))
    else:
        for label in labels:
            if not isinstance(label, Label):
                raise ValueError(f"labels must be a mapping name -> value or a sequence of Label; got {label!r}")
            if label.composite or len(label.values) != 1:
                continue
            classes.append((label.name, int(label.values[0])))
    if not classes:
        raise ValueError(f"labels hold no single-value label to use as a matrix class; got {labels!r}")
    names = [name for name, _ in classes]
    values = [value for _, value in classes]
    if len(set(values)) != len(values) or len(set(names)) != len(names):
        raise ValueError(f"matrix classes must have distinct names and values; got {classes}")
    return classes


def pair_counts_frame(gt: np.ndarray, pred: np.ndarray) -> pd.DataFrame:
    """Joint voxel counts of one GT/prediction pair as a tidy table.

    Columns ``gt_value, pred_value, count`` (int64), one row per non-zero cell over all
    values present, diagonal included (the per-subject content of ``error_matrix_<x>.csv``,
    metrics.md §10). Cache this per file to rebuild either matrix without re-reading.

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

    For an error matrix the row total is the class's error total (share of its errors going
    to each other class); for a confusion matrix it is the GT class size (the diagonal is
    then the per-class recall).

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


def _from_counts(counts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    missing = [c for c in ("gt_value", "pred_value", "count") if c not in counts.columns]
    if missing:
        raise ValueError(f"counts table is missing the column(s) {missing}; got {list(counts.columns)}")
    pairs = counts[["gt_value", "pred_value"]].to_numpy(dtype=np.int64)
    return pairs, counts["count"].to_numpy(dtype=np.int64)


def error_matrix(gt: np.ndarray, pred: np.ndarray, labels: LabelsLike, normalize_rows: bool = False) -> pd.DataFrame:
    """Segmentation error matrix of one subject (reference definition).

    Parameters
    ----------
    gt, pred : ndarray of int, same shape
        Ground-truth and predicted label volumes (e.g. ``(K, J, I)``). Float arrays with
        integral values are accepted.
    labels : mapping or sequence of Label
        Configured labels; the classes are the single-value labels in config order,
        background included (:func:`matrix_classes`).
    normalize_rows : bool, default False
        Return row percentages (:func:`row_percentages`) instead of counts.

    Returns
    -------
    DataFrame
        ``E[i, j]`` = voxels with GT = class i and prediction = class j, counted only where
        GT != prediction (the diagonal is 0). Index = GT classes (named ``ground_truth``),
        columns = predicted classes (named ``prediction``); int64 counts, or float
        percentages when ``normalize_rows``.

    Raises
    ------
    ValueError
        If the shapes differ, a volume holds non-integral values, or ``labels`` give no class.

    Notes
    -----
    Prediction values outside the class list are dropped and GT values outside it form no
    row (see :func:`confusion_matrix` for a matrix that keeps them). Normalised rows are
    each divided by **their own error total**: every row with errors sums to 100 %; this is
    the share of the class's errors going to each other class, not a rate relative to the
    class size. Same as reference 0.2.0 (``errors_per_class``), counted with one
    ``bincount`` (:func:`auditapp.metrics.counts.value_pair_counts`).

    Examples
    --------
    >>> gt = np.array([0, 0, 1, 1, 1, 2])
    >>> pred = np.array([0, 1, 1, 0, 2, 1])
    >>> m = error_matrix(gt, pred, {"BKG": 0, "A": 1, "B": 2})
    >>> m.index.tolist(), m.values.tolist()
    (['BKG', 'A', 'B'], [[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    >>> error_matrix(gt, pred, {"BKG": 0, "A": 1, "B": 2}, normalize_rows=True).loc["A"].tolist()
    [50.0, 0.0, 50.0]
    """
    classes = matrix_classes(labels)
    frame = pair_counts_frame(gt, pred)
    return error_matrix_from_counts(frame, dict(classes), normalize_rows=normalize_rows)


def _counts_matrix(counts: pd.DataFrame, labels: LabelsLike, *, confusion: bool, percent: bool) -> pd.DataFrame:
    """Error (``confusion=False``) or confusion matrix of a joint count table; row percentages when ``percent``."""
    classes = matrix_classes(labels)
    pairs, values = _from_counts(counts)
    matrix = _matrix(pairs, values, classes, confusion=confusion)
    return row_percentages(matrix) if percent else matrix


def error_matrix_from_counts(counts: pd.DataFrame, labels: LabelsLike, normalize_rows: bool = False) -> pd.DataFrame:
    """Error matrix from a joint count table (``gt_value, pred_value, count``).

    Parameters
    ----------
    counts : DataFrame
        Rows of ``error_matrix_<x>.csv`` for **one** subject and model (rows of several
        subjects are summed, which equals the sum of their matrices), or
        :func:`pair_counts_frame`.
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
    >>> counts = pd.DataFrame({"gt_value": [0, 0, 1, 1], "pred_value": [0, 1, 0, 1],
    ...                        "count": [90, 4, 2, 7]})
    >>> error_matrix_from_counts(counts, {"BKG": 0, "A": 1}).values.tolist()
    [[0, 4], [2, 0]]
    """
    return _counts_matrix(counts, labels, confusion=False, percent=normalize_rows)


def confusion_matrix(gt: np.ndarray, pred: np.ndarray, labels: LabelsLike, normalize: bool = False) -> pd.DataFrame:
    """True voxel confusion matrix of one subject, diagonal included (ours).

    Parameters
    ----------
    gt, pred : ndarray of int, same shape
        Ground-truth and predicted label volumes.
    labels : mapping or sequence of Label
        As :func:`error_matrix`.
    normalize : bool, default False
        Divide each row by the GT class size (row total) and multiply by 100: rows sum to
        100 % and the diagonal is the per-class recall (equal to that label's sensitivity).

    Returns
    -------
    DataFrame
        ``C[i, j]`` = voxels with GT = class i and prediction = class j. An extra column
        ``"other"`` collects predictions outside the class list and an extra row
        ``"other"`` GT values outside it, each present only when non-zero.

    Raises
    ------
    ValueError
        As :func:`error_matrix`.

    Notes
    -----
    Not in reference 0.2.0. To aggregate subjects voxel-weighted, sum the count matrices
    (:func:`aggregate_error_matrices` with ``average=False``) and then apply
    :func:`row_percentages`.

    Examples
    --------
    >>> gt = np.array([0, 0, 1, 1, 1, 2])
    >>> pred = np.array([0, 1, 1, 0, 5, 1])
    >>> c = confusion_matrix(gt, pred, {"BKG": 0, "A": 1})
    >>> c.index.tolist(), c.columns.tolist(), c.values.tolist()
    (['BKG', 'A', 'other'], ['BKG', 'A', 'other'], [[1, 1, 0], [1, 1, 1], [0, 1, 0]])
    """
    classes = matrix_classes(labels)
    return confusion_matrix_from_counts(pair_counts_frame(gt, pred), dict(classes), normalize=normalize)


def confusion_matrix_from_counts(counts: pd.DataFrame, labels: LabelsLike, normalize: bool = False) -> pd.DataFrame:
    """Confusion matrix from a joint count table (``gt_value, pred_value, count``).

    See :func:`confusion_matrix` and :func:`error_matrix_from_counts`; rows of several
    subjects are summed (voxel-weighted).

    Raises
    ------
    ValueError
        If a count column is missing or ``labels`` give no class.

    Examples
    --------
    >>> counts = pd.DataFrame({"gt_value": [0, 0, 1, 1], "pred_value": [0, 1, 0, 1],
    ...                        "count": [90, 10, 1, 3]})
    >>> confusion_matrix_from_counts(counts, {"BKG": 0, "A": 1}, normalize=True).values.tolist()
    [[90.0, 10.0], [25.0, 75.0]]
    """
    return _counts_matrix(counts, labels, confusion=True, percent=normalize)


def aggregate_error_matrices(
    matrices: Iterable[pd.DataFrame],
    *,
    average: bool = True,
    truncate: bool = False,
    normalize_rows: bool = False,
) -> pd.DataFrame:
    """Combine per-subject raw matrices ("All" subjects of the error-matrix page).

    Parameters
    ----------
    matrices : iterable of DataFrame
        Raw (count) matrices of the subjects, all with the same classes
        (:func:`error_matrix` or :func:`confusion_matrix` outputs). Confusion matrices
        whose ``other`` row/column differ are aligned (missing cells = 0).
    average : bool, default True
        Divide the sum by the number of subjects ("Averaged per number of subjects").
    truncate : bool, default False
        Truncate the average towards zero to an integer, as reference 0.2.0 did.
    normalize_rows : bool, default False
        Then apply :func:`row_percentages`.

    Returns
    -------
    DataFrame
        The sum of the matrices (int64) or, with ``average``, the mean per subject (float64,
        int64 when ``truncate``), optionally row-normalised (float64).

    Raises
    ------
    ValueError
        If ``matrices`` is empty or the matrices have different classes.

    Notes
    -----
    Reference 0.2.0 truncated the average to int; ours keeps exact floats by default
    (``truncate=True`` reproduces the reference). Normalisation comes last, so a
    normalised average equals a normalised sum.

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
        if [name for name in matrix.index if name != OTHER] != classes:
            raise ValueError(
                f"matrices have different classes: {classes} and "
                f"{[name for name in matrix.index if name != OTHER]}"
            )
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
