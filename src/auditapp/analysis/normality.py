"""Normality tests of the paired comparison: Shapiro-Wilk (n <= 50) or Lilliefors (n > 50), and Levene."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["LeveneResult", "NormalityResult", "SHAPIRO_MAX_N", "levene_test", "normality_test"]

#: Sample size at or below which Shapiro-Wilk is used (Lilliefors above), as the reference.
SHAPIRO_MAX_N = 50
#: Test name when a sample cannot be tested.
NO_TEST = "none"

_NORMAL_SENTENCE = {
    False: "Null hypothesis rejected, the sample does not follow a normal distribution.",
    True: "Fail to reject the null hypothesis, the sample follows a normal distribution.",
}


@dataclass(frozen=True)
class NormalityResult:
    """Normality test of one sample (reference rule) or of the paired differences.

    Attributes
    ----------
    sample : str
        ``"baseline"``, ``"benchmark"`` or ``"difference"``.
    test : str
        ``"Shapiro-Wilk"`` (n <= 50), ``"Lilliefors"`` (n > 50) or ``"none"`` (not testable).
    n : int
        Sample length that chose the test (reference: NaN included).
    statistic, p_value : float
        Raw test outputs (NaN when not testable).
    alpha : float
    normal : bool
        The decision (``p > alpha``; the reference rule also reads a NaN p as normal).
    interpretation : str
        The reference's sentence for the decision.
    note : str
        Why the test could not run, if so.
    """

    sample: str
    test: str
    n: int
    statistic: float
    p_value: float
    alpha: float
    normal: bool
    interpretation: str
    note: str = ""


@dataclass(frozen=True)
class LeveneResult:
    """Levene test (median-centred, Brown-Forsythe) of equal variances of two samples.

    ``equal_variances`` follows the reference: ``not p <= alpha`` (a NaN p reads as equal).
    """

    statistic: float
    p_value: float
    alpha: float
    equal_variances: bool
    center: str = "median"


def _quiet(function, *args, **kwargs):
    """Call a scipy/statsmodels test with its numerical warnings silenced (edge cases are handled)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def normality_test(values, alpha: float = 0.05, *, sample: str = "difference",
                   reference: bool = False) -> NormalityResult:
    """Shapiro-Wilk (n <= 50) or Lilliefors (n > 50) normality test.

    Parameters
    ----------
    values : array_like of float
        The sample.
    alpha : float, default 0.05
    sample : str
        Name stored in the result.
    reference : bool, default False
        Reference 0.2.0 behaviour: n counts NaN values (Shapiro omits them, Lilliefors
        then returns NaN) and a NaN p-value reads as normal. Otherwise NaN values are
        dropped first, and a sample with fewer than 3 values or zero range is not testable
        (p NaN, not normal).

    Returns
    -------
    NormalityResult

    Notes
    -----
    Lilliefors: ``statsmodels.stats.diagnostic.lilliefors(x, dist="norm",
    pvalmethod="approx")`` (the reference's choice). Normal ⇔ p > alpha.

    Examples
    --------
    >>> r = normality_test([2.1, 3.4, 1.9, 5.6, 4.4, 3.3, 2.8])
    >>> r.test, r.n, r.normal
    ('Shapiro-Wilk', 7, True)
    """
    x = np.asarray(values, dtype=float)
    if not reference:
        x = x[~np.isnan(x)]
    n = int(x.size)
    finite = x[~np.isnan(x)]
    test = "Shapiro-Wilk" if n <= SHAPIRO_MAX_N else "Lilliefors"
    note = ""
    statistic = p = float("nan")
    if finite.size < 3:
        note = f"fewer than 3 values (n = {finite.size})"
    elif not reference and np.ptp(finite) == 0:
        note = "all values equal"
    elif test == "Shapiro-Wilk":
        result = _quiet(stats.shapiro, finite)
        statistic, p = float(result.statistic), float(result.pvalue)
    else:
        from statsmodels.stats.diagnostic import lilliefors

        statistic, p = (float(v) for v in _quiet(lilliefors, x, dist="norm", pvalmethod="approx"))
    if note:
        test = NO_TEST if not reference else test
    normal = (not p <= alpha) if reference else bool(p > alpha)
    sentence = f"Not testable: {note}." if note else _NORMAL_SENTENCE[normal]
    return NormalityResult(sample, test, n, statistic, p, alpha, normal, sentence, note)


def levene_test(x, y, alpha: float = 0.05) -> LeveneResult:
    """Levene test (median-centred, Brown-Forsythe) on the raw samples, as the reference.

    NaN values are passed through (scipy then returns NaN), and a NaN p-value reads as
    equal variances (reference 0.2.0 decision, kept for ``rule="reference"``).

    Examples
    --------
    Absolute deviations from the medians: ``[1.5, .5, .5, 1.5]`` and ``[3, 1, 1, 3]``;
    between-group SS 2 (df 1), within-group SS 5 (df 6): W = 2 / (5 / 6) = 2.4.

    >>> r = levene_test([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0])
    >>> round(r.statistic, 12), round(r.p_value, 4), r.equal_variances
    (2.4, 0.1723, True)
    """
    result = _quiet(stats.levene, np.asarray(x, dtype=float), np.asarray(y, dtype=float), center="median")
    p = float(result.pvalue)
    return LeveneResult(float(result.statistic), p, alpha, not p <= alpha)
