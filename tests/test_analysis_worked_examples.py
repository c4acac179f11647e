"""Worked numbers of analysis.md §2-§5 on ../shared/data/brats2024_by_site (skipped when ../shared is absent)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from auditapp import analysis

pytestmark = pytest.mark.shared

SITES = ("Duke", "Indiana", "Missouri", "UCSD", "UCSF")


@pytest.fixture(scope="module")
def metrics(shared_dir):
    folder = shared_dir / "data" / "brats2024_by_site" / "metrics"
    return analysis.load_metrics({site: folder / f"extracted_information_{site}.csv" for site in SITES})


@pytest.fixture(scope="module")
def duke_features(shared_dir):
    folder = shared_dir / "data" / "brats2024_by_site" / "features"
    return analysis.load_features({"Duke": folder / "extracted_information_Duke.csv"})


def one_set(metrics, site):
    return metrics[metrics["set"] == site]


def test_legacy_tables_load_with_canonical_columns(metrics):
    assert len(metrics) == 23472  # spec README: 23,472 metric rows
    assert list(metrics.columns) == ["ID", "region", "model", "set", "dice", "jaccard", "accuracy", "precision",
                                     "sensitivity", "specificity", "hausdorff_distance", "predicted_size"]
    assert metrics.index.equals(__import__("pandas").RangeIndex(len(metrics)))
    assert sorted(metrics["model"].unique()) == ["BraTS25_1", "BraTS25_2", "BraTS25_3A", "BraTS25_3B"]


# analysis.md §3.4: (set, metric, baseline, benchmark, n, reference-rule facts, default-rule facts)
PAIRED = [
    ("Indiana", "dice", "BraTS25_1", "BraTS25_2", 31,
     {"normality": ("Shapiro-Wilk", 7.476e-05, 1.122e-02), "levene": 0.1076, "p": 4.99e-07},
     {"normality_p": 1.3e-05, "p": 4.99e-07, "r": -0.911, "mean_d": -0.0804, "ci": (-0.1165, -0.0478)}),
    ("Indiana", "hausdorff_distance", "BraTS25_1", "BraTS25_2", 31,
     {"levene": 3.7e-04, "p": 8.20e-08, "normal": (False, True)},
     {"p": 8.20e-08, "r": 0.948, "mean_d": 5.544}),
    ("UCSF", "dice", "BraTS25_1", "BraTS25_2", 596,
     {"normality": ("Lilliefors", 2.2e-31, 1.2e-26), "p": 2.55e-46},
     {"p": 2.55e-46, "r": -0.676, "mean_d": -0.0598}),
    ("Duke", "dice", "BraTS25_1", "BraTS25_2", 474,
     {"p": 2.0643e-40},
     {"p": 2.0643e-40, "r": -0.705, "mean_d": -0.0637, "ci": (-0.0754, -0.0522)}),
    ("Duke", "dice", "BraTS25_3A", "BraTS25_3B", 474,
     {"p": 2.17e-08},
     {"p": 2.17e-08, "r": -0.297, "mean_d": 0.0120, "ci": (0.0049, 0.0194)}),
    ("Missouri", "dice", "BraTS25_3A", "BraTS25_3B", 166,
     {"levene": 0.7246, "p": 0.0515},
     {"p": 0.0515, "r": -0.174, "mean_d": 0.00075, "ci": (-0.0082, 0.0098)}),
]


def close_to_printed(value, printed):
    """``value`` rounds to ``printed`` at the number of significant digits the spec prints."""
    digits = len(f"{abs(printed):.6e}".split("e")[0].replace(".", "").rstrip("0")) or 1
    return float(f"{value:.{digits - 1}e}") == pytest.approx(printed, rel=1e-9)


@pytest.mark.parametrize(("site", "metric", "baseline", "benchmark", "n", "reference", "default"), PAIRED)
def test_paired_worked_numbers(metrics, site, metric, baseline, benchmark, n, reference, default):
    sample = analysis.paired_samples(one_set(metrics, site), metric, baseline, benchmark)
    ref = analysis.paired_test(sample["baseline"], sample["benchmark"], rule="reference")
    ours = analysis.paired_test(sample["baseline"], sample["benchmark"])
    for result in (ref, ours):
        assert result.n == n and result.n_dropped == 0
        assert result.test == "Wilcoxon signed-rank"
        assert close_to_printed(result.p_value, reference["p"])
    assert ref.p_value == ours.p_value
    assert tuple(r.normal for r in ref.normality) == reference.get("normal", (False, False))
    if "normality" in reference:
        test, p_baseline, p_benchmark = reference["normality"]
        assert [r.test for r in ref.normality] == [test, test]
        assert close_to_printed(ref.normality[0].p_value, p_baseline)
        assert close_to_printed(ref.normality[1].p_value, p_benchmark)
    if "levene" in reference:
        assert close_to_printed(ref.levene.p_value, reference["levene"])
    assert not ours.normality[0].normal
    if "normality_p" in default:
        assert close_to_printed(ours.normality[0].p_value, default["normality_p"])
    assert ours.effect_size_name == "rank_biserial"
    assert close_to_printed(ours.effect_size, default["r"])
    assert close_to_printed(ours.mean_difference, default["mean_d"])
    if "ci" in default:
        assert_allclose([ours.ci_low, ours.ci_high], default["ci"], atol=5e-5)  # printed to 4 decimals
    assert ours.reject == (default["p"] <= 0.05)


def test_missouri_tutorial_sentence(metrics):
    sample = analysis.paired_samples(one_set(metrics, "Missouri"), "dice", "BraTS25_3A", "BraTS25_3B")
    result = analysis.paired_test(sample["baseline"], sample["benchmark"], rule="reference")
    assert f"{result.p_value:.2e}" == "5.15e-02"
    assert result.interpretation == ("Given the significance level 0.05, it fails to reject the null hypothesis. "
                                     "The differences between both samples are not statistically significant.")


# analysis.md §2: relative improvement (%), Dice, per region then Average
IMPROVEMENTS = [
    ("Duke", "BraTS25_1", "BraTS25_2", [-0.71, -29.32, 0.27, -0.91, -7.48], (0.8517, 0.7880)),
    ("Duke", "BraTS25_3A", "BraTS25_3B", [0.84, 1.30, 4.99, -1.04, 1.42], None),
    ("Missouri", "BraTS25_3A", "BraTS25_3B", [-0.09, 2.96, -1.43, -0.76, 0.09], None),
]


@pytest.mark.parametrize(("site", "baseline", "benchmark", "relative", "average_means"), IMPROVEMENTS)
def test_aggregated_improvement_worked_numbers(metrics, site, baseline, benchmark, relative, average_means):
    table = analysis.aggregated_improvement(one_set(metrics, site), "dice", baseline, benchmark)
    assert table["region"].tolist() == ["ET", "NETC", "RC", "SNFH", "Average"]
    assert_allclose(table["relative"], relative, atol=0.005)
    if average_means:
        assert_allclose(table.iloc[-1][["baseline_mean", "benchmark_mean"]].astype(float), average_means, atol=5e-5)
    assert (table["n_baseline"] == table["n_benchmark"]).all()


def test_multi_model_worked_numbers(metrics):
    duke = one_set(metrics, "Duke")
    result = analysis.compare_models(duke, "dice")
    assert result.n == 474 and result.n_dropped == 0
    assert_allclose(result.friedman_statistic, 328.5646, atol=5e-5)
    assert close_to_printed(result.friedman_p, 6.53e-71)
    assert result.mean_ranks.index.tolist() == ["BraTS25_1", "BraTS25_3A", "BraTS25_3B", "BraTS25_2"]
    assert_allclose(result.mean_ranks.to_numpy(), [1.7173, 2.3101, 2.8565, 3.1160], atol=5e-5)
    assert_allclose(result.q_alpha / np.sqrt(2), 2.5690, atol=5e-5)
    assert_allclose(result.critical_difference, 0.2154, atol=5e-5)
    off_diagonal = result.nemenyi_p.to_numpy()[~np.eye(4, dtype=bool)]
    assert off_diagonal.max() < 0.05  # every pair differs
    assert_allclose(result.nemenyi_p.loc["BraTS25_2", "BraTS25_3B"], 0.0106, atol=5e-5)
    assert off_diagonal.max() == result.nemenyi_p.loc["BraTS25_2", "BraTS25_3B"]
    summary = result.summary.set_index("model")
    assert summary.loc["BraTS25_1", "text"] == "0.852 ± 0.128"  # ours: region means per subject
    per_region = analysis.compare_models(duke, "dice", aggregated=False).summary.set_index(["model", "region"])
    assert per_region.loc[("BraTS25_1", "ET"), "text"] == "0.799 ± 0.307"
    pooled = analysis.summary_table(duke, "dice").set_index("model")  # the reference's pooled rows
    assert pooled.loc["BraTS25_1", "text"] == "0.852 ± 0.263"


@pytest.mark.parametrize("k", [1.5, 3])
def test_iqr_outlier_worked_example(duke_features, k):
    table = analysis.iqr_outliers(duke_features, "Duke-02060-100", k=k)
    flagged = table[table["outlier"]]
    assert flagged["feature"].tolist() == ["lesion_size_netc"]
    row = flagged.iloc[0]
    assert row["value"] == 2867 and row["side"] == "high"
    assert f"{row['median']:.2f}" == "0.00"
    assert f"{row['mean']:.2f} ± {row['std']:.2f}" == "1865.94 ± 5116.73"
