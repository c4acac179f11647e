"""Cross-site statistics (analysis.sites) and the Tukey rule shared by box plots and outlier tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from auditapp import analysis


# --------------------------------------------------------------------------- tukey_box
def test_tukey_box_hand_values():
    # 1..8 and 100: q1 = 3, median = 5, q3 = 7 (linear), fences -3 / 13, whiskers end at 1 and 8
    b = analysis.tukey_box([1, 2, 3, 4, 5, 6, 7, 8, 100, np.nan])
    assert (b.n, b.q1, b.median, b.q3) == (9, 3.0, 5.0, 7.0)
    assert (b.lower_fence, b.upper_fence, b.lower_whisker, b.upper_whisker) == (-3.0, 13.0, 1.0, 8.0)
    assert b.outliers.tolist() == [False] * 8 + [True, False]  # NaN is never an outlier


def test_tukey_box_k3_and_empty_and_bad_k():
    assert not analysis.tukey_box([1, 2, 3, 4, 5, 6, 7, 8, 18], k=3).outliers.any()  # fence 7 + 12 = 19
    empty = analysis.tukey_box([np.nan])
    assert empty.n == 0 and np.isnan(empty.median) and empty.outliers.tolist() == [False]
    with pytest.raises(ValueError, match="k must be positive"):
        analysis.tukey_box([1.0], k=0)


# --------------------------------------------------------------------------- iqr_outlier_table
def _two_sites():
    return pd.DataFrame({
        "ID": [f"a{i}" for i in range(8)] + [f"b{i}" for i in range(8)],
        "set": ["A"] * 8 + ["B"] * 8,
        "size": [10, 11, 12, 13, 14, 15, 16, 90] + [100, 101, 102, 103, 104, 105, 106, 0],
        "dice": [0.9] * 16,
    })


def test_outlier_table_per_site_and_side():
    table = analysis.iqr_outlier_table(_two_sites(), ["size", "dice"])
    # per site: A q1 11.75 q3 15.25 -> upper 20.5; B q1 100.75 q3 104.25 -> lower 95.5 (0 is low only within B)
    assert table[["group", "ID", "column", "side"]].values.tolist() == [
        ["A", "a7", "size", "high"], ["B", "b7", "size", "low"]]
    assert_allclose(table["upper"], [20.5, 109.5])
    assert_allclose(table["lower"], [6.5, 95.5])
    assert_allclose(table["median"], [13.5, 102.5])
    assert list(table.columns) == analysis.outliers.OUTLIER_TABLE_COLUMNS


def test_outlier_table_matches_box_whiskers():
    df = _two_sites()
    for site, sub in df.groupby("set"):
        box = analysis.tukey_box(sub["size"])
        flagged = set(sub.loc[box.outliers, "ID"])
        table = analysis.iqr_outlier_table(df, ["size"])
        assert flagged == set(table.loc[table["group"] == site, "ID"])


def test_outlier_table_group_by_metadata_and_errors():
    df = _two_sites().assign(scanner=["GE"] * 16)
    pooled = analysis.iqr_outlier_table(df, ["size"], group="scanner")
    assert pooled.empty  # pooled over both sites nothing is beyond the fences
    with pytest.raises(ValueError, match="missing or not numeric"):
        analysis.iqr_outlier_table(df, ["nope"])
    with pytest.raises(ValueError, match="missing or not numeric"):
        analysis.iqr_outlier_table(df, ["scanner"])
    with pytest.raises(ValueError, match="k must be positive"):
        analysis.iqr_outlier_table(df, ["size"], k=-1)


# --------------------------------------------------------------------------- cross-site
def _sites_frame():
    rows = []
    values = {"A": [0.9, 0.91, 0.92, 0.93], "B": [0.5, 0.51, 0.52, 0.53], "C": [0.7, 0.71, 0.72, 0.73]}
    for site, vals in values.items():
        for i, v in enumerate(vals):
            for region, shift in (("ET", 0.0), ("SNFH", 0.02)):
                rows.append({"ID": f"{site}{i}", "region": region, "model": "m", "set": site, "dice": v + shift,
                             "hd95": 10 * (1 - v)})
    return pd.DataFrame(rows)


def test_site_summary_median_iqr():
    s = analysis.site_summary(_sites_frame(), "dice")
    assert s["set"].tolist() == ["A", "B", "C"] and s["region"].unique().tolist() == ["ALL"]
    assert_allclose(s["median"], [0.925, 0.525, 0.725])  # region means (v + 0.01), median of 4
    assert_allclose(s["iqr"], [0.015, 0.015, 0.015], atol=1e-12)
    per_region = analysis.site_summary(_sites_frame(), "dice", by_region=True)
    assert len(per_region) == 6 and per_region["n"].tolist() == [4] * 6


def test_kruskal_wallis_by_hand_and_direction():
    t = analysis.site_tests(_sites_frame(), "dice", direction=1).iloc[0]
    # ranks B 1-4 (10), C 5-8 (26), A 9-12 (42): H = 12/(12*13) * (100 + 676 + 1764)/4 - 39 = 9.846...
    h = 12 / (12 * 13) * (10**2 + 26**2 + 42**2) / 4 - 3 * 13
    assert t["test"] == "Kruskal-Wallis" and not t["paired"] and t["n"] == 12 and t["n_sites"] == 3
    assert_allclose(t["statistic"], h)
    assert_allclose(t["effect_size"], h / 11)
    assert t["effect_size_name"] == "epsilon_squared"
    assert (t["hardest_set"], t["easiest_set"]) == ("B", "A")
    lower = analysis.site_tests(_sites_frame(), "hd95", direction=-1).iloc[0]
    assert (lower["hardest_set"], lower["easiest_set"]) == ("B", "A")  # hd95 largest where dice is lowest


def test_site_tests_per_region_holm():
    t = analysis.site_tests(_sites_frame(), "dice", by_region=True)
    assert t["region"].tolist() == ["ET", "SNFH"]
    assert_allclose(t["p_holm"], analysis.holm(t["p_value"]))
    assert t["hardest_set"].tolist() == ["", ""]  # no direction given


def test_friedman_when_sites_hold_the_same_subjects():
    rng = np.random.default_rng(0)
    ids = [f"s{i}" for i in range(10)]
    frame = pd.DataFrame([{"ID": i, "region": "ET", "model": "m", "set": site, "dice": base + rng.normal(0, 0.01)}
                          for site, base in (("A", 0.9), ("B", 0.6), ("C", 0.75)) for i in ids])
    t = analysis.site_tests(frame, "dice").iloc[0]
    assert t["test"] == "Friedman" and t["paired"] and t["n"] == 10 and t["n_sites"] == 3
    # every subject ranks B < C < A: chi2 = n (k - 1) = 20, Kendall's W = 1
    assert_allclose([t["statistic"], t["effect_size"]], [20.0, 1.0])


def test_site_tests_small_sites_and_errors():
    frame = _sites_frame()
    frame = frame[~frame["ID"].isin(["C1", "C2", "C3"])]
    t = analysis.site_tests(frame, "dice").iloc[0]
    assert t["n_sites"] == 2 and "C left out" in t["note"]
    one = analysis.site_tests(frame[frame["set"] == "A"], "dice").iloc[0]
    assert one["test"] == "none" and "at least 2 sites" in one["note"] and np.isnan(one["p_value"])
    with pytest.raises(ValueError, match="missing the column"):
        analysis.site_tests(frame.drop(columns="set"), "dice")
    with pytest.raises(ValueError, match="alpha"):
        analysis.site_tests(frame, "dice", alpha=2)


def test_site_tests_by_site_data(shared_dir):
    root = shared_dir / "data" / "brats2024_by_site" / "metrics"
    metrics = analysis.load_metrics({s: root / f"extracted_information_{s}.csv"
                                     for s in ("Duke", "Indiana", "Missouri", "UCSD", "UCSF")})
    tests = analysis.site_tests(metrics, "dice", direction=1)
    assert tests["model"].tolist() == sorted(metrics["model"].unique())
    assert (tests["test"] == "Kruskal-Wallis").all() and (tests["n_sites"] == 5).all()
    summary = analysis.site_summary(metrics, "dice")
    duke = summary[(summary["model"] == "BraTS25_1") & (summary["set"] == "Duke")].iloc[0]
    means = analysis.region_mean(metrics[(metrics["set"] == "Duke") & (metrics["model"] == "BraTS25_1")])
    assert duke["n"] == means["dice"].count() == 474
    assert_allclose(duke["median"], means["dice"].median())
