"""Paired tests, effect sizes, bootstrap CI and Holm (analysis.md §3): hand-checkable cases and edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from auditapp.analysis import holm, normality_test, paired_samples, paired_test, paired_tests


# ---------------------------------------------------------------- Holm
def test_holm_spec_example():
    assert_allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06], rtol=1e-12)  # analysis.md §3.3


def test_holm_equals_statsmodels_bit_for_bit():
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(0)
    for size in (1, 2, 3, 5, 10, 50):  # few calls: each multipletests call runs gc.collect()
        for _ in range(3):
            p = rng.random(size)
            p[rng.integers(0, size, 2)] = p[0]  # ties
            assert np.array_equal(holm(p), multipletests(p, method="holm")[1])
    p = np.array([0.01, np.nan, 0.04, 0.02])  # NaN: excluded from m, as multipletests on the rest
    expected = multipletests(p[[0, 2, 3]], method="holm")[1]
    assert np.array_equal(holm(p)[[0, 2, 3]], expected) and np.isnan(holm(p)[1])


def test_holm_by_hand_with_cap_monotonicity_and_nan():
    # sorted 0.001, 0.02, 0.03, 0.5 -> 4*0.001, 3*0.02, max(0.06, 2*0.03), max(0.06, 0.5)
    assert_allclose(holm([0.5, 0.03, 0.001, 0.02]), [0.5, 0.06, 0.004, 0.06], rtol=1e-12)
    assert_allclose(holm([0.4, 0.9]), [0.8, 0.9], rtol=1e-12)
    assert_allclose(holm([0.6, 0.7]), [1.0, 1.0])  # capped at 1
    out = holm([0.01, np.nan, 0.04])  # NaN stays NaN and is not counted (m = 2)
    assert np.isnan(out[1])
    assert_allclose(out[[0, 2]], [0.02, 0.04], rtol=1e-12)
    assert holm([]).size == 0
    assert_allclose(holm([0.2]), [0.2])


def test_holm_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    pvalues = np.random.default_rng(1).uniform(0, 0.2, size=17)
    pvalues[[3, 9]] = pvalues[[1, 1]]  # ties
    assert_allclose(holm(pvalues), multipletests(pvalues, method="holm")[1], rtol=1e-12)


def test_holm_rejects_out_of_range():
    with pytest.raises(ValueError, match=r"p-values must be in \[0, 1\]; got \[1.5\]"):
        holm([0.1, 1.5])


# ---------------------------------------------------------------- effect sizes, tests
def test_t_test_and_cohen_dz_by_hand():
    d = np.array([1.0, 2.0, 3.0, 4.0, 6.0])  # mean 3.2, sd sqrt(14.8 / 4) = sqrt(3.7)
    result = paired_test(np.zeros(5), d, n_boot=0)
    assert result.test == "paired t-test"
    assert result.normality[0].test == "Shapiro-Wilk" and result.normality[0].normal
    assert result.effect_size_name == "cohen_dz"
    assert_allclose(result.effect_size, 3.2 / np.sqrt(3.7), rtol=1e-12)
    reference = stats.ttest_rel(d, np.zeros(5))
    assert_allclose([result.statistic, result.p_value], [reference.statistic, reference.pvalue], rtol=1e-12)
    assert_allclose(result.statistic, 3.2 / (np.sqrt(3.7) / np.sqrt(5)), rtol=1e-12)
    assert result.reject and result.decision == "significant"
    assert result.mean_difference == pytest.approx(3.2) and result.median_difference == 3.0
    assert "higher" in result.interpretation


def test_wilcoxon_and_rank_biserial_by_hand():
    d = np.array([0.1, -0.2, 0.3, 0.4, 0.5, 10.0])  # heavy outlier: differences not normal
    result = paired_test(np.ones(6), np.ones(6) + d, n_boot=0)
    assert result.test == "Wilcoxon signed-rank" and not result.normality[0].normal
    # ranks of |d|: 1..6, W- = 2, W+ = 19 -> r = 17 / 21; exact p = 2 * 3 / 2**6 (W- in {0, 1, 2})
    assert result.effect_size_name == "rank_biserial"
    assert_allclose(result.effect_size, 17 / 21, rtol=1e-12)
    assert result.statistic == 2.0
    assert_allclose(result.p_value, 6 / 64, rtol=1e-12)
    assert not result.reject and result.decision == "not significant"
    assert result.interpretation.startswith("No significant difference")


def test_rank_biserial_ties_and_zeros():
    d = np.array([1.0, 1.0, -1.0, 2.0, 2.0, 3.0, 100.0])  # |d| ranks 2, 2, 2, 4.5, 4.5, 6, 7: W- = 2
    result = paired_test(np.zeros(7), d, n_boot=0)
    assert_allclose(result.effect_size, (26 - 2) / 28, rtol=1e-12)
    scipy_result = stats.wilcoxon(d, zero_method="wilcox")
    assert_allclose(result.p_value, scipy_result.pvalue, rtol=1e-12)
    with_zero = paired_test(np.zeros(7), np.array([0.0, 0.1, -0.2, 0.3, 0.4, 0.5, 10.0]), n_boot=0)
    assert with_zero.n == 7  # the zero pair counts in n, not in the ranks
    assert_allclose(with_zero.effect_size, 17 / 21, rtol=1e-12)
    assert_allclose(with_zero.p_value, 6 / 64, rtol=1e-12)


def test_negative_effect_means_benchmark_lower():
    x = np.array([0.9, 0.8, 0.85, 0.95, 0.7, 0.75, 0.88])
    result = paired_test(x, x - np.array([0.01, 0.02, 0.03, 0.5, 0.02, 0.01, 0.015]), n_boot=0)
    assert result.effect_size == -1.0 and result.reject
    assert "lower" in result.interpretation


def test_bootstrap_ci_is_seeded_and_follows_the_documented_recipe():
    rng = np.random.default_rng(11)
    x = rng.normal(size=20)
    y = x + rng.normal(0.5, 1.0, size=20)
    first = paired_test(x, y, n_boot=500, seed=7)
    again = paired_test(x, y, n_boot=500, seed=7)
    other = paired_test(x, y, n_boot=500, seed=8)
    assert (first.ci_low, first.ci_high) == (again.ci_low, again.ci_high)
    assert (first.ci_low, first.ci_high) != (other.ci_low, other.ci_high)
    # analysis.md §3.2 step 4, written out
    d = y - x
    idx = np.random.default_rng(7).integers(0, 20, size=(500, 20))
    means = np.array([d[row].mean() for row in idx])
    assert_allclose([first.ci_low, first.ci_high], np.percentile(means, [2.5, 97.5]), rtol=1e-12)
    assert first.ci_low < d.mean() < first.ci_high
    assert np.isnan(paired_test(x, y, n_boot=0).ci_low)


def test_ci_of_constant_difference_and_constant_difference_test():
    result = paired_test(np.zeros(5), np.full(5, 0.25), n_boot=50)
    assert (result.ci_low, result.ci_high) == (0.25, 0.25)
    # constant non-zero d: normality not testable -> Wilcoxon, exact p = 2 / 2**5
    assert result.normality[0].test == "none" and result.normality[0].note == "all values equal"
    assert result.test == "Wilcoxon signed-rank" and result.effect_size == 1.0
    assert_allclose(result.p_value, 2 / 32, rtol=1e-12)


# ---------------------------------------------------------------- edge cases, default rule
def test_fewer_than_five_pairs_is_a_result_not_an_error():
    result = paired_test([1, 2, 3, np.nan, 5, 6], [1, 2, 4, 4, np.nan, 7])
    assert result.n == 4 and result.n_dropped == 2
    assert result.test == "none" and result.decision == "not enough data"
    assert np.isnan(result.p_value) and not result.reject
    assert result.interpretation == "not enough paired subjects (n = 4)"


def test_all_differences_zero_gives_p_one():
    result = paired_test([1.0, 2.0, 3.0, 4.0, 5.0, np.nan], [1.0, 2.0, 3.0, 4.0, 5.0, 9.0])
    assert result.p_value == 1.0 and result.test == "none" and result.decision == "no difference"
    assert result.n == 5 and result.n_dropped == 1 and not result.reject


def test_nan_pairs_dropped_and_counted_not_read_as_normal():
    rng = np.random.default_rng(2)
    x = rng.normal(size=12)
    y = x + rng.normal(0.3, 0.2, size=12)
    x_nan, y_nan = x.copy(), y.copy()
    x_nan[0], y_nan[5] = np.nan, np.nan
    with_nan = paired_test(x_nan, y_nan, n_boot=0)
    clean = paired_test(np.delete(x, [0, 5]), np.delete(y, [0, 5]), n_boot=0)
    assert with_nan.n == 10 and with_nan.n_dropped == 2
    assert with_nan.p_value == clean.p_value and with_nan.normality == clean.normality


def test_lilliefors_above_fifty_pairs():
    rng = np.random.default_rng(5)
    x = rng.normal(size=60)
    y = x + rng.normal(0.1, 1.0, size=60)
    result = paired_test(x, y, n_boot=0)
    from statsmodels.stats.diagnostic import lilliefors

    assert result.normality[0].test == "Lilliefors"
    assert_allclose(result.normality[0].p_value, lilliefors(y - x, dist="norm", pvalmethod="approx")[1])
    assert normality_test(y[:50] - x[:50]).test == "Shapiro-Wilk"


def test_to_dict_is_flat():
    flat = paired_test(np.zeros(5), np.array([1.0, 2.0, 3.0, 4.0, 6.0]), n_boot=0).to_dict()
    assert flat["test"] == "paired t-test" and flat["normality_difference_test"] == "Shapiro-Wilk"
    assert not any(isinstance(v, (tuple, dict)) for v in flat.values())


# ---------------------------------------------------------------- reference rule
def test_reference_rule_t_test_when_both_normal_and_equal_variances():
    rng = np.random.default_rng(4)
    x = rng.normal(10, 1, size=20)
    y = x + rng.normal(0.5, 0.3, size=20)
    result = paired_test(x, y, rule="reference", n_boot=0)
    assert [r.sample for r in result.normality] == ["baseline", "benchmark"]
    assert all(r.normal for r in result.normality) and result.levene.equal_variances
    assert_allclose(result.levene.p_value, stats.levene(x, y, center="median").pvalue)
    assert result.test == "paired t-test"
    assert_allclose(result.p_value, stats.ttest_rel(x, y).pvalue, rtol=1e-12)
    assert result.interpretation == ("Given the alpha 0.05, reject the null hypothesis. There is a significant "
                                     "difference between the samples.")


def test_reference_rule_unequal_variances_choose_wilcoxon():
    rng = np.random.default_rng(8)
    x = rng.normal(10, 0.1, size=30)
    y = rng.normal(10, 3.0, size=30)
    result = paired_test(x, y, rule="reference", n_boot=0)
    assert all(r.normal for r in result.normality) and not result.levene.equal_variances
    assert result.test == "Wilcoxon signed-rank" and result.reason.startswith("unequal variances")
    assert_allclose(result.p_value, stats.wilcoxon(x, y, zero_method="wilcox").pvalue, rtol=1e-12)
    expected = ("Given the significance level 0.05, it rejects the null hypothesis. The differences between both "
                "samples are statistically significant.") if result.reject else (
                "Given the significance level 0.05, it fails to reject the null hypothesis. The differences "
                "between both samples are not statistically significant.")
    assert result.interpretation == expected


def test_reference_rule_guards():
    too_few = paired_test([1, 2, 3, 4], [2, 3, 4, 5], rule="reference")
    assert too_few.test == "none" and too_few.decision == "not enough data"
    assert too_few.interpretation == "Each sample must contain at least 5 elements to perform the test"
    # the reference counts NaN values in the sample length: 5 values with a NaN pass the guard
    assert paired_test([1, 2, 3, 4, np.nan], [2, 3, 5, 4, 1], rule="reference").decision != "not enough data"
    identical = paired_test([1, 2, 3, 4, 5, np.nan], [1, 2, 3, 4, 5, np.nan], rule="reference")
    assert identical.p_value == 1.0 and identical.test == "none" and identical.normality == ()
    # complete pairs all equal, samples differ only through a NaN: p = 1.0, no test
    equal_pairs = paired_test([1, 2, 3, 4, 5, 6, 7, np.nan], [1, 2, 3, 4, 5, 6, 7, 100], rule="reference")
    assert equal_pairs.p_value == 1.0 and equal_pairs.test == "none" and equal_pairs.n == 7
    assert equal_pairs.decision == "no difference" and len(equal_pairs.normality) == 2
    # no complete pair at all: the test returns NaN -> "test failed" (the reference raised)
    failed = paired_test([1, 2, 3, 4, 5, np.nan], [np.nan] * 5 + [1.0], rule="reference")
    assert failed.decision == "test failed" and np.isnan(failed.p_value) and failed.n == 0
    assert failed.interpretation.endswith("returned NaN (no usable paired difference).")


def test_reference_rule_reads_nan_lilliefors_and_levene_as_assumptions_met():
    rng = np.random.default_rng(9)
    x = rng.normal(size=60)
    y = x + rng.normal(0.2, 0.5, size=60)
    x[3] = np.nan  # Lilliefors of x and Levene are NaN
    result = paired_test(x, y, rule="reference", n_boot=0)
    assert result.normality[0].test == "Lilliefors" and result.normality[0].n == 60
    assert np.isnan(result.normality[0].p_value) and result.normality[0].normal
    assert np.isnan(result.levene.p_value) and result.levene.equal_variances
    assert result.normality[1].normal  # y is normal
    assert result.test == "paired t-test" and result.n == 59 and result.n_dropped == 1
    # the default rule never reads NaN as normal: it tests the 59 complete differences
    default = paired_test(x, y, n_boot=0)
    assert default.normality[0].n == 59 and np.isfinite(default.normality[0].p_value)


def test_normality_not_testable_below_three_values():
    result = normality_test([1.0, np.nan, 2.0])
    assert result.test == "none" and not result.normal and result.note == "fewer than 3 values (n = 2)"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"baseline": [1, 2, 3], "benchmark": [1, 2]}, "same length .* got 3 and 2"),
        ({"rule": "audit"}, "rule must be one of"),
        ({"alpha": 0.0}, r"alpha must be in \(0, 1\)"),
        ({"alpha": 1.5}, r"alpha must be in \(0, 1\)"),
        ({"n_boot": -1}, "n_boot must be >= 0"),
    ],
)
def test_paired_test_bad_arguments(kwargs, match):
    arguments = {"baseline": [1, 2, 3, 4, 5], "benchmark": [2, 3, 4, 5, 6]} | kwargs
    with pytest.raises(ValueError, match=match):
        paired_test(**arguments)


# ---------------------------------------------------------------- helpers on metric tables
def metric_table() -> pd.DataFrame:
    rows = []
    values = {"m1": [0.50, 0.60, 0.70, 0.80, 0.90, 0.65], "m2": [0.55, 0.62, 0.78, 0.81, 0.99, 0.70]}
    for model, series in values.items():
        for i, value in enumerate(series):
            rows.append({"ID": f"s{i}", "region": "X", "model": model, "dice": value, "set": "A"})
            rows.append({"ID": f"s{i}", "region": "Y", "model": model, "dice": 1.0, "set": "A"})
    return pd.DataFrame(rows)


def test_paired_samples_region_means_and_one_region():
    table = metric_table()
    table = table[~((table["ID"] == "s5") & (table["model"] == "m2"))]  # one model missing a subject
    sample = paired_samples(table, "dice", "m1", "m2")
    assert sample["ID"].tolist() == [f"s{i}" for i in range(6)]
    assert_allclose(sample["baseline"], [0.75, 0.8, 0.85, 0.9, 0.95, 0.825])
    assert_allclose(sample["benchmark"][:5], [0.775, 0.81, 0.89, 0.905, 0.995])
    assert np.isnan(sample["benchmark"].iloc[5]) and np.isnan(sample["difference"].iloc[5])
    region = paired_samples(table, "dice", "m1", "m2", region="X")
    assert_allclose(region["difference"][:5], [0.05, 0.02, 0.08, 0.01, 0.09], atol=1e-12)
    result = paired_test(sample["baseline"], sample["benchmark"], n_boot=0)
    assert result.n == 5 and result.n_dropped == 1


def test_paired_tests_per_region_with_holm():
    table = metric_table()
    out = paired_tests(table, "dice", "m1", "m2", n_boot=0)
    assert out[["metric", "region"]].values.tolist() == [["dice", "X"], ["dice", "Y"]]
    assert out.loc[1, "decision"] == "no difference" and out.loc[1, "p_value"] == 1.0
    assert_allclose(out["p_holm"], holm(out["p_value"]))
    assert out["reject_holm"].tolist() == (out["p_holm"] <= 0.05).tolist()
    aggregated = paired_tests(table, ["dice"], "m1", "m2", per_region=False, n_boot=0)
    assert aggregated["region"].tolist() == ["ALL"]
    single = paired_test(*paired_samples(table, "dice", "m1", "m2")[["baseline", "benchmark"]].T.values, n_boot=0)
    assert aggregated.loc[0, "p_value"] == single.p_value


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda t: paired_samples(t, "dice", "m1", "m1"), "different models"),
        (lambda t: paired_samples(t, "dice", "m1", "m9"), r"model 'm9' has no rows"),
        (lambda t: paired_samples(t, "hd95", "m1", "m2"), r"missing the column\(s\) \['hd95'\]"),
        (lambda t: paired_samples(t, "dice", "m1", "m2", region="Z"), "region 'Z' has no rows"),
        (lambda t: paired_samples(pd.concat([t, t.assign(set="B")]), "dice", "m1", "m2"), "several sets"),
        (lambda t: paired_tests(t, [], "m1", "m2"), "metric is empty"),
    ],
)
def test_table_helpers_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call(metric_table())


def test_levene_by_hand_and_nan_reads_as_equal():
    from auditapp.analysis import levene_test

    # |x - 2.5| = 1.5, .5, .5, 1.5 ; |y - 5| = 3, 1, 1, 3 -> between SS 2 (df 1), within SS 5 (df 6)
    result = levene_test([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0])
    assert_allclose(result.statistic, 2.4, rtol=1e-12)
    assert_allclose(result.p_value, stats.f.sf(2.4, 1, 6), rtol=1e-12)
    assert result.center == "median" and result.equal_variances
    with_nan = levene_test([1.0, np.nan, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0])
    assert np.isnan(with_nan.p_value) and with_nan.equal_variances  # reference reading


def test_paired_tests_holm_never_below_raw_p():  # the former docstring example
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"ID": np.repeat([f"s{i}" for i in range(8)], 2).tolist() * 2,
                       "region": ["X", "Y"] * 16, "model": ["m1"] * 16 + ["m2"] * 16,
                       "dice": np.r_[rng.uniform(0.5, 0.9, 16), rng.uniform(0.6, 1.0, 16)]})
    t = paired_tests(df, "dice", "m1", "m2", n_boot=0)
    assert bool((t["p_holm"] >= t["p_value"]).all())
