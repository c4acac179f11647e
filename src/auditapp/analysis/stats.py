"""Paired comparison of two models: paired t-test / Wilcoxon, effect size, bootstrap CI.

Two decision rules (analysis.md §3):

* ``rule="paired-differences"`` (default): normality of the paired differences decides
  between the paired t-test and the Wilcoxon signed-rank test.
* ``rule="reference"``: the decision of AUDIT 0.2.0, kept exactly (normality of each
  sample separately, Levene, then t-test only if both normal and equal variances).

Every result carries raw, unrounded numbers; the ``reason`` field says which test was
chosen and why, and ``interpretation`` is one plain-language sentence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from auditapp.analysis.normality import NO_TEST, LeveneResult, NormalityResult, _quiet, levene_test, normality_test

__all__ = ["MIN_N", "RULES", "PairedTestResult", "paired_test"]

#: Decision rules of :func:`paired_test`.
RULES = ("paired-differences", "reference")
#: Minimum number of values (reference: per sample; default rule: complete pairs).
MIN_N = 5

T_TEST = "paired t-test"
WILCOXON = "Wilcoxon signed-rank"

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
class PairedTestResult:
    """Result of :func:`paired_test`.

    Attributes
    ----------
    rule : str
        ``"paired-differences"`` or ``"reference"``.
    test : str
        ``"paired t-test"``, ``"Wilcoxon signed-rank"`` or ``"none"`` (not run).
    n : int
        Complete pairs used (NaN pairs dropped).
    n_dropped : int
        Pairs dropped because one value is NaN.
    statistic, p_value : float
        Raw test outputs: t (benchmark - baseline) or Wilcoxon's W = min(W+, W-) as scipy;
        ``p_value`` is 1.0 when all differences are 0, NaN when no test ran.
    alpha : float
    reject : bool
        ``p_value <= alpha``.
    decision : str
        ``"significant"``, ``"not significant"``, ``"no difference"``, ``"not enough data"``
        or ``"test failed"``.
    reason : str
        Why this test (the decision rule as data, e.g. ``"differences not normal
        (Shapiro-Wilk p <= alpha)"``).
    normality : tuple of NormalityResult
        One (differences) or two (reference: baseline, benchmark) results.
    levene : LeveneResult or None
        Reference rule only.
    effect_size_name : str
        ``"cohen_dz"`` (t-test), ``"rank_biserial"`` (Wilcoxon) or ``""``.
    effect_size : float
        Positive = benchmark larger.
    ci_low, ci_high : float
        Bootstrap percentile 95 % CI of the mean difference (NaN when ``n_boot=0`` or n < 2).
    mean_baseline, mean_benchmark, mean_difference, median_difference : float
        Over the complete pairs; difference = benchmark - baseline.
    interpretation : str
        One plain-language sentence (the reference's sentence under ``rule="reference"``).
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
    """Matched-pairs rank-biserial correlation (W+ - W-) / (W+ + W-) over non-zero d."""
    nonzero = d[d != 0]
    if nonzero.size == 0:
        return float("nan")
    ranks = stats.rankdata(np.abs(nonzero))
    w_plus = ranks[nonzero > 0].sum()
    w_minus = ranks[nonzero < 0].sum()
    return float((w_plus - w_minus) / (w_plus + w_minus))


def _cohen_dz(d: np.ndarray) -> float:
    sd = np.std(d, ddof=1) if d.size > 1 else float("nan")
    with np.errstate(all="ignore"):
        return float(np.mean(d) / sd) if sd > 0 else float("nan")


def _bootstrap_ci(d: np.ndarray, n_boot: int, seed) -> tuple[float, float]:
    n = d.size
    if n_boot == 0 or n < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    means = d[idx].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def _run_test(test: str, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    if test == T_TEST:
        result = _quiet(stats.ttest_rel, y, x)
    else:
        result = _quiet(stats.wilcoxon, y, x, zero_method="wilcox", alternative="two-sided")
    return float(result.statistic), float(result.pvalue)


def _sentence(test: str, reject: bool, mean_diff: float, effect: float, alpha: float) -> str:
    if not reject:
        return f"No significant difference between benchmark and baseline at alpha = {alpha:g} ({test})."
    direction = effect if np.isfinite(effect) else mean_diff
    side = "higher" if direction > 0 else "lower"
    tends = "" if test == T_TEST else "tend to be "
    return f"Benchmark values {tends}significantly {side} than baseline values at alpha = {alpha:g} ({test})."


def paired_test(
    baseline,
    benchmark,
    alpha: float = 0.05,
    rule: str = "paired-differences",
    n_boot: int = 10000,
    seed: int | None = 0,
) -> PairedTestResult:
    """Test whether a benchmark model differs from a baseline model on the same subjects.

    Parameters
    ----------
    baseline, benchmark : array_like of float, same length
        Paired values (one per subject, same order), e.g. the subjects' region means of a
        metric for two models (:func:`paired_samples`). NaN allowed.
    alpha : float, default 0.05
        Significance level, in (0, 1).
    rule : {"paired-differences", "reference"}, default "paired-differences"
        Decision rule (module docstring, Notes).
    n_boot : int, default 10000
        Bootstrap resamples for the CI of the mean difference (0 = no CI).
    seed : int or None, default 0
        Seed of ``numpy.random.default_rng`` for the bootstrap (deterministic for an int).

    Returns
    -------
    PairedTestResult

    Raises
    ------
    ValueError
        If the lengths differ, ``rule`` is unknown, ``alpha`` is not in (0, 1) or
        ``n_boot`` is negative.

    Notes
    -----
    Differences ``d = benchmark - baseline`` over complete pairs (NaN pairs dropped and
    counted in ``n_dropped``).

    **Default rule** ("paired-differences"): n < 5 pairs -> no test ("not enough data",
    no exception); all ``d = 0`` -> p = 1.0 ("no difference"). Otherwise normality of d:
    Shapiro-Wilk if n <= 50, else Lilliefors (``p > alpha`` = normal; a NaN p or a
    constant d = not normal). Normal -> paired t-test (``scipy.stats.ttest_rel``), effect
    size Cohen's ``d_z = mean(d) / sd(d)`` (ddof 1). Not normal -> Wilcoxon signed-rank
    (``scipy.stats.wilcoxon``, zero method "wilcox", two-sided, exact/normal chosen by
    scipy), effect size matched-pairs rank-biserial ``r = (W+ - W-) / (W+ + W-)`` with the
    ranks of ``|d|`` over non-zero d (average ranks for ties).

    **Reference rule** (AUDIT 0.2.0, decision kept exactly): fewer than 5 values in either
    sample -> no test (the reference raised "Each sample must contain at least 5 elements
    to perform the test"); identical samples -> p = 1.0 without a test; normality of each
    sample separately (n counts NaN; Shapiro-Wilk omits NaN; Lilliefors of a sample with
    NaN is NaN, read as normal); Levene (median-centred) on the raw samples; both normal
    and ``not levene_p <= alpha`` -> paired t-test, else Wilcoxon; complete pairs all
    equal (samples differing only through NaN) -> p = 1.0 (scipy >= 1.15 gives 1.0 for the
    Wilcoxon, older versions NaN); a test returning NaN (e.g. no complete pair) -> "test
    failed" (the reference raised "Wilcoxon returned NaN"). Effect size and CI are added (not in the
    reference).

    Bootstrap CI: ``rng = default_rng(seed)``, ``idx = rng.integers(0, n, (n_boot, n))``,
    percentiles 2.5 / 97.5 (linear) of ``d[idx].mean(axis=1)``.

    .. important:: ``statistic`` of the t-test is computed as ``ttest_rel(benchmark,
       baseline)`` (positive = benchmark larger); the reference called
       ``ttest_rel(baseline, benchmark)`` (opposite sign, same p).

    References
    ----------
    Kerby, D. S. (2014). The simple difference formula: an approach to teaching
    nonparametric correlation. Comprehensive Psychology, 3. doi:10.2466/11.IT.3.1
    Lakens, D. (2013). Calculating and reporting effect sizes. Frontiers in Psychology,
    4, 863. doi:10.3389/fpsyg.2013.00863

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
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}")
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
    base = dict(
        rule=rule, n=n, n_dropped=int(x.size - n), alpha=alpha,
        mean_baseline=float(xc.mean()) if n else float("nan"),
        mean_benchmark=float(yc.mean()) if n else float("nan"),
        mean_difference=float(d.mean()) if n else float("nan"),
        median_difference=float(np.median(d)) if n else float("nan"),
    )
    if rule == "reference":
        return _reference(x, y, xc, yc, d, base, alpha, n_boot, seed)

    if n < MIN_N:
        return PairedTestResult(
            test=NO_TEST, statistic=float("nan"), p_value=float("nan"), reject=False,
            decision="not enough data", reason=f"fewer than {MIN_N} complete pairs",
            interpretation=f"not enough paired subjects (n = {n})", **base,
        )
    low, high = _bootstrap_ci(d, n_boot, seed)
    if np.all(d == 0):
        return PairedTestResult(
            test=NO_TEST, statistic=float("nan"), p_value=1.0, reject=False, decision="no difference",
            reason="all paired differences are 0", ci_low=low, ci_high=high,
            interpretation="no difference: benchmark and baseline are equal on every subject", **base,
        )
    normality = normality_test(d, alpha, sample="difference")
    if normality.normal:
        test, reason = T_TEST, f"differences normal ({normality.test} p > alpha)"
        effect_name, effect = "cohen_dz", _cohen_dz(d)
    else:
        shown = normality.note or f"{normality.test} p <= alpha"
        test, reason = WILCOXON, f"differences not normal ({shown})"
        effect_name, effect = "rank_biserial", _rank_biserial(d)
    statistic, p = _run_test(test, xc, yc)
    reject = bool(p <= alpha)
    return PairedTestResult(
        test=test, statistic=statistic, p_value=p, reject=reject,
        decision="significant" if reject else "not significant", reason=reason,
        normality=(normality,), effect_size_name=effect_name, effect_size=effect,
        ci_low=low, ci_high=high, interpretation=_sentence(test, reject, base["mean_difference"], effect, alpha),
        **base,
    )


def _reference(x, y, xc, yc, d, base, alpha, n_boot, seed) -> PairedTestResult:
    """The reference 0.2.0 decision (see :func:`paired_test`)."""
    nan = float("nan")
    if min(x.size, y.size) < MIN_N:
        return PairedTestResult(
            test=NO_TEST, statistic=nan, p_value=nan, reject=False, decision="not enough data",
            reason=f"fewer than {MIN_N} values in a sample", interpretation=_REFERENCE_TOO_FEW, **base,
        )
    low, high = _bootstrap_ci(d, n_boot, seed)
    if np.array_equal(x, y, equal_nan=True):
        return PairedTestResult(
            test=NO_TEST, statistic=nan, p_value=1.0, reject=False, decision="no difference",
            reason="identical samples", ci_low=low, ci_high=high,
            interpretation=_REFERENCE_SENTENCES[(T_TEST, False)].format(a=alpha), **base,
        )
    normality = (
        normality_test(x, alpha, sample="baseline", reference=True),
        normality_test(y, alpha, sample="benchmark", reference=True),
    )
    levene = levene_test(x, y, alpha)
    both_normal = all(r.normal for r in normality)
    if both_normal and levene.equal_variances:
        test, reason = T_TEST, "both samples normal and equal variances (Levene)"
        effect_name, effect = "cohen_dz", _cohen_dz(d)
    else:
        why = "a sample not normal" if not both_normal else "unequal variances (Levene p <= alpha)"
        test, reason = WILCOXON, why
        effect_name, effect = "rank_biserial", _rank_biserial(d)
    common = dict(normality=normality, levene=levene, effect_size_name=effect_name, effect_size=effect,
                  ci_low=low, ci_high=high, **base)
    if d.size and np.all(d == 0):
        return PairedTestResult(
            test=NO_TEST, statistic=nan, p_value=1.0, reject=False, decision="no difference",
            reason="all complete paired differences are 0",
            interpretation=_REFERENCE_SENTENCES[(test, False)].format(a=alpha), **common,
        )
    statistic, p = _run_test(test, xc, yc) if d.size else (nan, nan)
    if np.isnan(p):
        return PairedTestResult(
            test=test, statistic=statistic, p_value=p, reject=False, decision="test failed",
            reason=reason, interpretation=f"The {test} returned NaN (no usable paired difference).",
            **common,
        )
    reject = bool(p <= alpha)
    return PairedTestResult(
        test=test, statistic=statistic, p_value=p, reject=reject,
        decision="significant" if reject else "not significant", reason=reason,
        interpretation=_REFERENCE_SENTENCES[(test, reject)].format(a=alpha), **common,
    )
