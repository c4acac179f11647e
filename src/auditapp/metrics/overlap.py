"""Count-based metrics of one region: Dice, Jaccard, accuracy, ..., sizes.

Every function takes the region's :class:`~auditapp.metrics.regions.Confusion`
(integers ``tp, fp, fn, tn``) and returns a Python float. The formulas and the
empty-region conventions are those of the reference auditapp 0.2.0 (its ``audit``
back end); the two size metrics also take the voxel volume in mm³.

Empty-region table (``G`` ground truth, ``P`` prediction):

============================  ====  =======  ========  =========  ===========  ===========  ========
case                          dice  jaccard  accuracy  precision  sensitivity  specificity  vol. sim
============================  ====  =======  ========  =========  ===========  ===========  ========
G empty, P empty              1.0   1.0      1.0       0.0        NaN          1.0          1.0
G present, P empty            0.0   0.0      computed  0.0        0.0          1.0 [*]_     0.0
G empty, P present            0.0   0.0      computed  0.0        NaN          computed     0.0
both present, tp = 0          0.0   0.0      computed  0.0        0.0          computed     computed
============================  ====  =======  ========  =========  ===========  ===========  ========

.. [*] ``tn / (tn + fp)`` with ``fp = 0``; NaN only if the region fills the whole volume.
"""

from __future__ import annotations

import math

from auditapp.metrics.regions import Confusion

__all__ = [
    "dice",
    "jaccard",
    "accuracy",
    "precision",
    "sensitivity",
    "specificity",
    "predicted_size",
    "gt_size",
    "volume_similarity",
]

NAN = math.nan


def dice(c: Confusion) -> float:
    """Dice similarity coefficient.

    Parameters
    ----------
    c : Confusion
        Region counts.

    Returns
    -------
    float
        ``2tp / (2tp + fp + fn)``.

    Notes
    -----
    GT empty: 1.0 when the prediction is empty too, else 0.0 (reference 0.2.0 returned the
    Python ints 1/0; ours are floats).

    Examples
    --------
    >>> dice(Confusion(tp=3, fp=1, fn=1, tn=5))
    0.75
    >>> dice(Confusion(tp=0, fp=0, fn=0, tn=10)), dice(Confusion(tp=0, fp=2, fn=0, tn=8))
    (1.0, 0.0)
    """
    if c.gt_count == 0:
        return 1.0 if c.pred_count == 0 else 0.0
    tp, fp, fn = float(c.tp), float(c.fp), float(c.fn)
    return 2 * tp / (2 * tp + fp + fn)


def jaccard(c: Confusion) -> float:
    """Jaccard index (intersection over union).

    Returns
    -------
    float
        ``tp / (tp + fp + fn)``.

    Notes
    -----
    GT empty: 1.0 when the prediction is empty too, else 0.0 (as the reference 0.2.0).

    Examples
    --------
    >>> jaccard(Confusion(tp=3, fp=1, fn=1, tn=5))
    0.6
    """
    if c.gt_count == 0:
        return 1.0 if c.pred_count == 0 else 0.0
    tp, fp, fn = float(c.tp), float(c.fp), float(c.fn)
    return tp / (tp + fp + fn)


def accuracy(c: Confusion) -> float:
    """Voxel accuracy ``(tp + tn) / N`` over the whole volume.

    Notes
    -----
    Defined whenever the volume has a voxel; NaN for an empty volume.

    Examples
    --------
    >>> accuracy(Confusion(tp=3, fp=1, fn=1, tn=5))
    0.8
    """
    n = c.n
    if n == 0:
        return NAN
    return (float(c.tp) + float(c.tn)) / float(n)


def precision(c: Confusion) -> float:
    """Precision (positive predictive value) ``tp / (tp + fp)``.

    Notes
    -----
    0.0 when ``tp + fp = 0`` (empty prediction), as the reference 0.2.0 (its sensitivity and
    specificity give NaN on a zero denominator instead; kept for parity).

    Examples
    --------
    >>> precision(Confusion(tp=3, fp=1, fn=1, tn=5)), precision(Confusion(tp=0, fp=0, fn=4, tn=6))
    (0.75, 0.0)
    """
    if c.pred_count == 0:
        return 0.0
    tp, fp = float(c.tp), float(c.fp)
    return tp / (tp + fp)


def sensitivity(c: Confusion) -> float:
    """Sensitivity (recall) ``tp / (tp + fn)``.

    Notes
    -----
    NaN when ``tp + fn = 0`` (empty ground truth), as the reference 0.2.0.

    Examples
    --------
    >>> sensitivity(Confusion(tp=3, fp=1, fn=1, tn=5))
    0.75
    >>> sensitivity(Confusion(tp=0, fp=1, fn=0, tn=5))
    nan
    """
    if c.gt_count == 0:
        return NAN
    tp, fn = float(c.tp), float(c.fn)
    return tp / (tp + fn)


def specificity(c: Confusion) -> float:
    """Specificity ``tn / (tn + fp)``.

    Notes
    -----
    NaN when ``tn + fp = 0`` (the ground-truth region fills the volume), as the reference 0.2.0.

    Examples
    --------
    >>> specificity(Confusion(tp=3, fp=1, fn=1, tn=5))
    0.8333333333333334
    """
    if c.tn + c.fp == 0:
        return NAN
    tn, fp = float(c.tn), float(c.fp)
    return tn / (tn + fp)


def predicted_size(c: Confusion, *, voxel_volume: float) -> float:
    """Volume of the **predicted** region, ``|P| × voxel_volume`` (mm³ for mm spacing).

    Notes
    -----
    0.0 for an empty prediction. ``voxel_volume`` is the product of the GT spacing.
    Legacy (pre-0.2.0) files used the prediction's spacing and NaN for an empty prediction.

    Examples
    --------
    >>> predicted_size(Confusion(tp=3, fp=1, fn=1, tn=5), voxel_volume=2.0)
    8.0
    """
    return float(c.pred_count) * float(voxel_volume)


def gt_size(c: Confusion, *, voxel_volume: float) -> float:
    """Volume of the ground-truth region, ``|G| × voxel_volume`` (ours, not in the reference).

    Examples
    --------
    >>> gt_size(Confusion(tp=3, fp=1, fn=1, tn=5), voxel_volume=0.5)
    2.0
    """
    return float(c.gt_count) * float(voxel_volume)


def volume_similarity(c: Confusion) -> float:
    """Volume similarity ``1 − |fn − fp| / (2tp + fn + fp)`` (pymia's definition; ours).

    Notes
    -----
    1.0 when both regions are empty (zero denominator); 0.0 when exactly one is empty
    (follows from the formula).

    Examples
    --------
    >>> volume_similarity(Confusion(tp=3, fp=1, fn=1, tn=5))
    1.0
    >>> volume_similarity(Confusion(tp=2, fp=4, fn=0, tn=5))
    0.5
    """
    tp, fp, fn = float(c.tp), float(c.fp), float(c.fn)
    denominator = 2 * tp + fn + fp
    if denominator == 0:
        return 1.0
    return 1 - abs(fn - fp) / denominator
