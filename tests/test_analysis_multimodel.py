"""Multi-model comparison (analysis.md §4): summary table, Friedman, mean ranks, Nemenyi."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from auditapp.analysis import compare_models, nemenyi, summary_table


def long_table(wide: dict[str, list[float]], metric: str = "dice") -> pd.DataFrame:
    """models -> per-subject values (one region) as a tidy metric table."""
    rows = [
        {"ID": f"s{i}", "region": "R", "model": model, metric: value, "set": "A"}
        for model, values in wide.items() for i, value in enumerate(values)
    ]
    return pd.DataFrame(rows)


NO_TIES = {
    "a": [0.90, 0.80, 0.90, 0.95, 0.90, 0.70, 0.85],
    "b": [0.80, 0.90, 0.70, 0.85, 0.80, 0.90, 0.75],
    "c": [0.70, 0.60, 0.80, 0.75, 0.70, 0.60, 0.65],
}


def test_friedman_mean_ranks_by_hand_without_ties():
    result = compare_models(long_table(NO_TIES), "dice")
    # ranks (1 = best Dice) per subject: a 1,2,1,1,1,2,1 ; b 2,1,3,2,2,1,2 ; c 3,3,2,3,3,3,3
    rank_sums = {"a": 9, "b": 13, "c": 20}
    assert result.n == 7 and result.n_dropped == 0
    assert result.mean_ranks.index.tolist() == ["a", "b", "c"]
    assert_allclose(result.mean_ranks.to_numpy(), [9 / 7, 13 / 7, 20 / 7], rtol=1e-12)
    n, k = 7, 3
    chi2 = 12 / (n * k * (k + 1)) * sum(r ** 2 for r in rank_sums.values()) - 3 * n * (k + 1)
    assert_allclose(result.friedman_statistic, chi2, rtol=1e-12)  # = 8.857142...
    assert_allclose(result.friedman_p, stats.chi2.sf(chi2, k - 1), rtol=1e-12)
    assert result.rank_by == "higher is better" and result.direction == 1
    assert result.ranks.loc["s2"].tolist() == [1.0, 3.0, 2.0]


def test_friedman_matches_scipy_with_ties():
    rng = np.random.default_rng(0)
    wide = {m: np.round(rng.uniform(0.5, 1.0, 25), 1).tolist() for m in ("m1", "m2", "m3", "m4")}
    result = compare_models(long_table(wide), "dice")
    reference = stats.friedmanchisquare(*wide.values())  # tie-corrected
    assert_allclose([result.friedman_statistic, result.friedman_p], [reference.statistic, reference.pvalue],
                    rtol=1e-12)
    ranks = stats.rankdata(-np.column_stack(list(wide.values())), axis=1).mean(axis=0)
    assert_allclose(result.mean_ranks.reindex(list(wide)).to_numpy(), ranks, rtol=1e-12)


def test_nemenyi_against_demsar_2006():
    # Demšar (2006), JMLR 7, §3.2.2 and Table 5: q_alpha / sqrt(2) for k = 2..10 (3 decimals, some truncated:
    # 2.343 for 2.3437).
    table_005 = [1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164]
    table_010 = [1.645, 2.052, 2.291, 2.459, 2.589, 2.693, 2.780, 2.855, 2.920]
    for k, q05, q10 in zip(range(2, 11), table_005, table_010):
        ranks = pd.Series(np.arange(1.0, k + 1), index=[f"m{i}" for i in range(k)])
        assert_allclose(nemenyi(ranks, 10, 0.05)[2] / np.sqrt(2), q05, atol=1e-3)
        assert_allclose(nemenyi(ranks, 10, 0.10)[2] / np.sqrt(2), q10, atol=1e-3)
    # The worked example: 4 C4.5 variants on 14 data sets, mean ranks 3.143, 2.000, 2.893, 1.964:
    # CD = 1.25 at alpha 0.05 and 1.12 at alpha 0.10; C4.5 vs C4.5+m+cf (1.179) significant only at 0.10.
    ranks = pd.Series({"C4.5": 3.143, "C4.5+m": 2.000, "C4.5+cf": 2.893, "C4.5+m+cf": 1.964})
    p05, cd05, _ = nemenyi(ranks, 14, 0.05)
    p10, cd10, _ = nemenyi(ranks, 14, 0.10)
    assert round(cd05, 2) == 1.25 and round(cd10, 2) == 1.12
    assert 0.05 < p05.loc["C4.5", "C4.5+m+cf"] < 0.10
    assert p05.loc["C4.5", "C4.5+m+cf"] == p10.loc["C4.5", "C4.5+m+cf"]


def test_nemenyi_two_models_is_the_two_sided_normal_test():
    ranks = pd.Series({"a": 1.2, "b": 1.8})
    p, cd, q = nemenyi(ranks, 20)
    se = np.sqrt(2 * 3 / (6 * 20))
    z = 0.6 / se
    assert_allclose(p.loc["a", "b"], 2 * stats.norm.sf(z), rtol=1e-6)
    assert_allclose(cd, stats.norm.ppf(0.975) * se, rtol=1e-6)
    assert p.loc["a", "a"] == 1.0 and p.loc["b", "a"] == p.loc["a", "b"]


def test_direction_lower_is_better_and_no_direction():
    distances = {"a": [1.0, 2.0, 3.0, 1.0, 2.0], "b": [5.0, 6.0, 7.0, 8.0, 9.0], "c": [3.0, 4.0, 5.0, 6.0, 1.0]}
    result = compare_models(long_table(distances, "hd95"), "hd95")
    assert result.mean_ranks.index[0] == "a" and result.rank_by == "lower is better"
    sizes = compare_models(long_table(distances, "predicted_size"), "predicted_size")
    assert sizes.mean_ranks.index[0] == "b" and sizes.rank_by == "rank by value" and sizes.direction == 0


def test_subjects_missing_for_one_model_are_dropped_and_counted():
    table = long_table(NO_TIES)
    table = table[~((table["model"] == "c") & (table["ID"] == "s0"))]
    table.loc[(table["model"] == "b") & (table["ID"] == "s1"), "dice"] = np.nan
    result = compare_models(table, "dice")
    assert result.n == 5 and result.n_dropped == 2
    reference = stats.friedmanchisquare(*(np.array(v)[2:] for v in NO_TIES.values()))
    assert_allclose(result.friedman_statistic, reference.statistic, rtol=1e-12)
    summary = result.summary.set_index("model")
    assert summary["n"].tolist() == [7, 6, 6]  # the summary keeps every available value


def test_not_run_cases_have_a_note():
    two = compare_models(long_table({k: NO_TIES[k] for k in ("a", "b")}), "dice")
    assert two.note == "Friedman test needs at least 3 models" and np.isnan(two.friedman_statistic)
    assert two.mean_ranks.empty and two.nemenyi_p.empty and len(two.summary) == 2
    few = compare_models(long_table({k: v[:4] for k, v in NO_TIES.items()}), "dice")
    assert few.note == "Friedman test needs at least 5 subjects with every model (n = 4)"
    same = compare_models(long_table({k: [0.5] * 6 for k in "abc"}), "dice")
    assert same.note == "every subject has the same value for all models" and np.isnan(same.friedman_p)
    chosen = compare_models(long_table(NO_TIES), "dice", models=["c", "a"])
    assert chosen.models == ("c", "a") and chosen.note.startswith("Friedman test needs at least 3")


def test_summary_tables():
    table = pd.DataFrame({
        "ID": ["s1", "s1", "s2", "s2"] * 2, "region": ["X", "Y"] * 4, "model": ["a"] * 4 + ["b"] * 4,
        "dice": [0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 0.5, np.nan],
    })
    aggregated = compare_models(table, "dice").summary
    # region means: a -> s1 0.3, s2 0.7 ; b -> s1 1.0, s2 0.5 (NaN skipped)
    assert aggregated["model"].tolist() == ["a", "b"]
    assert_allclose(aggregated["mean"], [0.5, 0.75])
    assert_allclose(aggregated["std"], [np.std([0.3, 0.7], ddof=1), np.std([1.0, 0.5], ddof=1)])
    assert aggregated["text"].tolist() == ["0.500 ± 0.283", "0.750 ± 0.354"]
    per_region = compare_models(table, "dice", aggregated=False).summary
    assert per_region[["model", "region"]].values.tolist() == [["a", "X"], ["a", "Y"], ["b", "X"], ["b", "Y"]]
    assert per_region["n"].tolist() == [2, 2, 2, 1]
    assert per_region["text"].tolist()[-1] == "1.000 ± nan"


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda t: compare_models(t, "hd95"), r"missing the column\(s\) \['hd95'\]"),
        (lambda t: compare_models(pd.concat([t, t.assign(set="B")]), "dice"), "several sets"),
        (lambda t: compare_models(t, "dice", models=[]), "models is empty"),
        (lambda t: compare_models(t, "dice", models=["a", "b", "a"]), "models must be distinct"),
        (lambda t: compare_models(t, "dice", models=["a", "z"]), r"model\(s\) \['z'\] have no rows"),
        (lambda t: compare_models(t, "dice", alpha=1.0), r"alpha must be in \(0, 1\)"),
        (lambda t: summary_table(t.drop(columns="region"), "dice", by_region=True),
         r"missing the column\(s\) \['region'\]"),
        (lambda t: nemenyi(pd.Series({"a": 1.0}), 10), "at least 2 models"),
        (lambda t: nemenyi(pd.Series({"a": 1.0, "b": 2.0}), 0), "n must be >= 1"),
        (lambda t: nemenyi(pd.Series({"a": 1.0, "b": 2.0}), 5, alpha=0), r"alpha must be in \(0, 1\)"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call(long_table(NO_TIES))


def test_summary_table_values():  # the former docstring example
    df = pd.DataFrame({"model": ["a", "a", "b", "b"], "dice": [0.5, 0.7, 0.9, float("nan")]})
    rows = summary_table(df, "dice").values.tolist()
    assert rows[0] == ["a", 0.6, 0.14142135623730948, 2, "0.600 ± 0.141"]
    assert rows[1][0] == "b" and rows[1][1] == 0.9 and np.isnan(rows[1][2]) and rows[1][3:] == [1, "0.900 ± nan"]
