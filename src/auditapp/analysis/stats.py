"""Paired comparison of two models: normality and Levene tests, paired t-test / Wilcoxon, effect size,
bootstrap CI, and the Holm correction applied wherever several tests run.

Two decision rules, ``"paired-differences"`` (default: normality of the paired differences) and
``"reference"`` (AUDIT 0.2.0's, kept exactly): see docs/analysis.md, §4.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from auditapp.analysis.tables import check_alpha

__all__ = ["MIN_N", "RULES", "SHAPIRO_MAX_N", "LeveneResult", "NormalityResult", "PairedTestResult", "holm",
           "levene_test", "normality_test", "paired_test"]

#: Decision rules of :func:`paired_test`.
RULES = ("paired-differences", "reference")
#: Minimum number of values (reference: per sample; default rule: complete pairs).
MIN_N = 5
#: Sample size at or below which Shapiro-Wilk is used (Lilliefors above), as the reference.
SHAPIRO_MAX_N = 50
#: Test name when a sample cannot be tested.
NO_TEST = "none"
T_TEST = "paired t-test"
WILCOXON = "Wilcoxon signed-rank"

_NORMAL_SENTENCE = {
    False: "Null hypothesis rejected, the sample does not follow a normal distribution.",
    True: "Fail to reject the null hypothesis, the sample follows a normal distribution.",
}
_REFERENCE_TOO_FEW = "Each sample must contain at least 5 elements to perform the test"
_REFERENCE_SENTENCES = {
    (T_TEST, True): "Given the alpha {a}, reject the null hypothesis. There is a significant difference "
                    "between the samples.",
    (T_TEST, False): "Given the alpha {a}, fail to reject the null hypothesis. There is no significant "
                     "difference between the samples.",
    (WILCOXON, True): "Given the significance level {a}, it rejects the null hypothesis. The differences "
                      "between both samples are statistically significant.",
    (WILCOXON, False): "Given the significance level {a}, it fails to reject the null hypothesis. The "
                       "differences between both samples are not statistically significant.",
}


@dataclass(frozen=True)
class NormalityResult:
    """Normality test of one sample (reference rule) or of the paired differences (``sample``).

    ``test`` is ``"Shapiro-Wilk"``, ``"Lilliefors"`` or ``"none"`` (not testable, reason in ``note``); ``n``
    the length that chose the test; ``normal`` the decision; ``interpretation`` the reference's sentence.
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
    """Levene test (median-centred); ``equal_variances`` is ``not p <= alpha``, as the reference."""

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
    """Shapiro-Wilk (n <= 50) or Lilliefors (n > 50, statsmodels, approximate p) normality test.

    Parameters
    ----------
    values : array_like of float
        The sample.
    alpha : float, default 0.05
    sample : str
        Name stored in the result.
    reference : bool, default False
        Reference 0.2.0 behaviour: n counts NaN values (Shapiro omits them, Lilliefors then gives NaN) and a
        NaN p reads as normal. Otherwise NaN values are dropped first, and fewer than 3 values or a zero range
        is not testable (p NaN, not normal).

    Returns
    -------
    NormalityResult

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
    if note and not reference:
        test = NO_TEST
    normal = (not p <= alpha) if reference else bool(p > alpha)
    sentence = f"Not testable: {note}." if note else _NORMAL_SENTENCE[normal]
    return NormalityResult(sample, test, n, statistic, p, alpha, normal, sentence, note)


def levene_test(x, y, alpha: float = 0.05) -> LeveneResult:
    """Levene test (median-centred, Brown-Forsythe) on the raw samples; NaN passed through, as the reference.

    Examples
    --------
    Absolute deviations from the medians ``[1.5, .5, .5, 1.5]`` and ``[3, 1, 1, 3]``: between-group
    SS 2 (df 1), within-group SS 5 (df 6), so W = 2 / (5 / 6) = 2.4.

    >>> r = levene_test([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0])
    >>> round(r.statistic, 12), round(r.p_value, 4), r.equal_variances
    (2.4, 0.1723, True)
    """
    result = _quiet(stats.levene, np.asarray(x, dtype=float), np.asarray(y, dtype=float), center="median")
    p = float(result.pvalue)
    return LeveneResult(float(result.statistic), p, alpha, not p <= alpha)


def holm(pvalues) -> np.ndarray:
    """Holm step-down adjusted p-values, in the input order; NaN stays NaN and does not count in m.

    Equal, bit for bit, to ``statsmodels.stats.multitest.multipletests(p, method="holm")[1]`` on the non-NaN
    values (tested); not called at run time because statsmodels runs ``gc.collect()`` on every Holm call
    (~0.2 s in a dashboard process against 0.1 ms here).

    Parameters
    ----------
    pvalues : array_like of float
        Raw p-values in [0, 1].

    Returns
    -------
    ndarray of float

    Raises
    ------
    ValueError
        If a p-value is outside [0, 1].

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03]).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(pvalues, dtype=float).ravel()
    valid = ~np.isnan(p)
    values = p[valid]
    if np.any((values < 0) | (values > 1)):
        raise ValueError(f"p-values must be in [0, 1]; got {values[(values < 0) | (values > 1)].tolist()}")
    out = np.full(p.shape, np.nan)
    order = np.argsort(values, kind="stable")
    adjusted = np.empty(values.size)
    scaled = np.minimum(1.0, (values.size - np.arange(values.size)) * values[order])
    adjusted[order] = np.maximum.accumulate(scaled)
    out[valid] = adjusted
    return out


@dataclass(frozen=True)
class PairedTestResult:
    """Result of :func:`paired_test`; every field is described in docs/analysis.md, §4.

    ``statistic`` is t of ``ttest_rel(benchmark, baseline)`` or scipy's Wilcoxon W; ``decision`` is
    ``"significant"``, ``"not significant"``, ``"no difference"``, ``"not enough data"`` or ``"test failed"``;
    ``reason`` says why this test; effect sizes and the bootstrap CI are of ``benchmark - baseline``.
    """

    rule: str
    test: str
    n: int
    n_dropped: int
    statistic: float
    p_value: float
    alpha: float
    reject: bool
    decision: str
    reason: str
    normality: tuple[NormalityResult, ...] = ()
    levene: LeveneResult | None = None
    effect_size_name: str = ""
    effect_size: float = float("nan")
    ci_low: float = float("nan")
    ci_high: float = float("nan")
    mean_baseline: float = float("nan")
    mean_benchmark: float = float("nan")
    mean_difference: float = float("nan")
    median_difference: float = float("nan")
    interpretation: str = ""

    def to_dict(self) -> dict:
        """Flat dict of the scalar fields (normality and Levene flattened with prefixes)."""
        out = {k: v for k, v in asdict(self).items() if k not in ("normality", "levene")}
        for result in self.normality:
            prefix = f"normality_{result.sample}"
            out[f"{prefix}_test"] = result.test
            out[f"{prefix}_p"] = result.p_value
            out[f"{prefix}_normal"] = result.normal
        if self.levene is not None:
            out["levene_p"] = self.levene.p_value
            out["levene_equal_variances"] = self.levene.equal_variances
        return out


def _rank_biserial(d: np.ndarray) -> float:
    """Matched-pairs rank-biserial correlation (W+ - W-) / (W+ + W-) over the non-zero differences."""
    nonzero = d[d != 0]
    if nonzero.size == 0:
        return float("nan")
    ranks = stats.rankdata(np.abs(nonzero))
    w_plus, w_minus = ranks[nonzero > 0].sum(), ranks[nonzero < 0].sum()
    return float((w_plus - w_minus) / (w_plus + w_minus))


def _cohen_dz(d: np.ndarray) -> float:
    """Cohen's d_z = mean(d) / sd(d) (ddof 1); NaN for a zero or undefined sd."""
    sd = np.std(d, ddof=1) if d.size > 1 else float("nan")
    with np.errstate(all="ignore"):
        return float(np.mean(d) / sd) if sd > 0 else float("nan")


def _bootstrap_ci(d: np.ndarray, n_boot: int, seed) -> tuple[float, float]:
    """Percentile 95 % CI of the mean of ``d`` over ``n_boot`` resamples (NaN when ``n_boot=0`` or n < 2)."""
    if n_boot == 0 or d.size < 2:
        return float("nan"), float("nan")
    idx = np.random.default_rng(seed).integers(0, d.size, size=(n_boot, d.size))
    low, high = np.percentile(d[idx].mean(axis=1), [2.5, 97.5])
    return float(low), float(high)


def _run_test(test: str, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Statistic and p of ``ttest_rel(y, x)`` or the two-sided Wilcoxon signed-rank test of ``y - x``."""
    if test == T_TEST:
        result = _quiet(stats.ttest_rel, y, x)
    else:
        result = _quiet(stats.wilcoxon, y, x, zero_method="wilcox", alternative="two-sided")
    return float(result.statistic), float(result.pvalue)


def _sentence(test: str, reject: bool, mean_diff: float, effect: float, alpha: float) -> str:
    """The default rule's interpretation sentence."""
    if not reject:
        return f"No significant difference between benchmark and baseline at alpha = {alpha:g} ({test})."
    side = "higher" if (effect if np.isfinite(effect) else mean_diff) > 0 else "lower"
    tends = "" if test == T_TEST else "tend to be "
    return f"Benchmark values {tends}significantly {side} than baseline values at alpha = {alpha:g} ({test})."


def paired_test(baseline, benchmark, alpha: float = 0.05, rule: str = "paired-differences",
                n_boot: int = 10000, seed: int | None = 0) -> PairedTestResult:
    """Test whether a benchmark model differs from a baseline model on the same subjects.

    Parameters
    ----------
    baseline, benchmark : array_like of float, same length
        Paired values (one per subject, same order, NaN allowed), e.g. from :func:`paired_samples`.
    alpha : float, default 0.05
        Significance level, in (0, 1).
    rule : {"paired-differences", "reference"}, default "paired-differences"
        Decision rule: docs/analysis.md, §4 (the steps, edge cases and the deviations from the reference).
    n_boot : int, default 10000
        Bootstrap resamples for the CI of the mean difference (0 = no CI).
    seed : int or None, default 0
        Seed of ``numpy.random.default_rng`` for the bootstrap.

    Returns
    -------
    PairedTestResult

    Raises
    ------
    ValueError
        If the lengths differ, ``rule`` is unknown, ``alpha`` is not in (0, 1) or ``n_boot`` is negative.

    Examples
    --------
    >>> x = [0.80, 0.75, 0.90, 0.85, 0.70, 0.95]
    >>> y = [0.81, 0.77, 0.91, 0.95, 0.72, 0.96]
    >>> r = paired_test(x, y, n_boot=0)
    >>> r.test, r.n, r.effect_size_name, bool(r.reject)
    ('Wilcoxon signed-rank', 6, 'rank_biserial', True)
    >>> r.effect_size, r.p_value
    (1.0, 0.03125)
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}; got {rule!r}")
    check_alpha(alpha)
    if n_boot < 0:
        raise ValueError(f"n_boot must be >= 0; got {n_boot!r}")
    x = np.asarray(baseline, dtype=float).ravel()
    y = np.asarray(benchmark, dtype=float).ravel()
    if x.size != y.size:
        raise ValueError(
            f"baseline and benchmark must have the same length (paired samples); got {x.size} and {y.size}"
        )
    complete = ~(np.isnan(x) | np.isnan(y))
    xc, yc = x[complete], y[complete]
    d = yc - xc
    n = int(d.size)
    nan = float("nan")
    fields = dict(rule=rule, n=n, n_dropped=int(x.size - n), alpha=alpha,
                  mean_baseline=float(xc.mean()) if n else nan,
                  mean_benchmark=float(yc.mean()) if n else nan,
                  mean_difference=float(d.mean()) if n else nan,
                  median_difference=float(np.median(d)) if n else nan)

    def result(test, decision, reason, interpretation, statistic=nan, p_value=nan) -> PairedTestResult:
        return PairedTestResult(test=test, statistic=statistic, p_value=p_value,
                                reject=decision == "significant", decision=decision, reason=reason,
                                interpretation=interpretation, **fields)

    reference = rule == "reference"
    if reference and x.size < MIN_N:
        return result(NO_TEST, "not enough data", f"fewer than {MIN_N} values in a sample",
                      _REFERENCE_TOO_FEW)
    if not reference and n < MIN_N:
        return result(NO_TEST, "not enough data", f"fewer than {MIN_N} complete pairs",
                      f"not enough paired subjects (n = {n})")
    fields["ci_low"], fields["ci_high"] = _bootstrap_ci(d, n_boot, seed)
    if reference and np.array_equal(x, y, equal_nan=True):
        return result(NO_TEST, "no difference", "identical samples",
                      _REFERENCE_SENTENCES[(T_TEST, False)].format(a=alpha), p_value=1.0)
    if not reference and np.all(d == 0):
        return result(NO_TEST, "no difference", "all paired differences are 0",
                      "no difference: benchmark and baseline are equal on every subject", p_value=1.0)
    if reference:
        normality = (normality_test(x, alpha, sample="baseline", reference=True),
                     normality_test(y, alpha, sample="benchmark", reference=True))
        fields["levene"] = levene = levene_test(x, y, alpha)
        parametric = all(r.normal for r in normality) and levene.equal_variances
        reason = ("both samples normal and equal variances (Levene)" if parametric
                  else "unequal variances (Levene p <= alpha)" if all(r.normal for r in normality)
                  else "a sample not normal")
    else:
        normality = (normality_test(d, alpha, sample="difference"),)
        parametric = normality[0].normal
        reason = (f"differences normal ({normality[0].test} p > alpha)" if parametric
                  else f"differences not normal ({normality[0].note or f'{normality[0].test} p <= alpha'})")
    test = T_TEST if parametric else WILCOXON
    effect = _cohen_dz(d) if parametric else _rank_biserial(d)
    fields.update(normality=normality, effect_size_name="cohen_dz" if parametric else "rank_biserial",
                  effect_size=effect)
    if reference and d.size and np.all(d == 0):
        return result(NO_TEST, "no difference", "all complete paired differences are 0",
                      _REFERENCE_SENTENCES[(test, False)].format(a=alpha), p_value=1.0)
    statistic, p = _run_test(test, xc, yc) if d.size else (nan, nan)
    if reference and np.isnan(p):
        return result(test, "test failed", reason, f"The {test} returned NaN (no usable paired difference).",
                      statistic, p)
    reject = bool(p <= alpha)
    sentence = (_REFERENCE_SENTENCES[(test, reject)].format(a=alpha) if reference
                else _sentence(test, reject, fields["mean_difference"], effect, alpha))
    return result(test, "significant" if reject else "not significant", reason, sentence, statistic, p)
