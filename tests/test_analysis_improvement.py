"""Improvements of a benchmark over a baseline (analysis.md §2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from auditapp.analysis import aggregated_improvement, improvement, subject_improvement


def test_improvement_kinds_by_hand():
    assert improvement(0.5, 0.75, "absolute") == 0.25
    assert improvement(0.5, 0.75, "relative") == 50.0
    assert improvement(0.5, 0.75, "ratio") == 1.5
    assert improvement(0.5, 0.75) == 50.0  # default relative
    assert_allclose(improvement([2.0, 4.0], [1.0, 5.0], "relative"), [-50.0, 25.0])


@pytest.mark.parametrize("kind", ["relative", "ratio"])
def test_infinite_becomes_nan(kind):
    out = improvement(np.array([0.0, 0.0, 1.0]), np.array([1.0, -1.0, 2.0]), kind)
    assert np.isnan(out[0]) and np.isnan(out[1]) and np.isfinite(out[2])
    assert np.isnan(improvement(0.0, 0.5, kind))
    series = improvement(pd.Series([0.0, 2.0], index=["x", "y"]), pd.Series([3.0, 3.0], index=["x", "y"]), kind)
    assert isinstance(series, pd.Series) and series.index.tolist() == ["x", "y"]
    assert np.isnan(series["x"]) and np.isfinite(series["y"])
    assert np.isnan(improvement(0.0, 0.0, kind))  # 0 / 0


def test_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of .* got 'percent'"):
        improvement(1.0, 2.0, "percent")


def pair_table() -> pd.DataFrame:
    # region X: baseline 0.2 and 0.6 (mean 0.4), benchmark 0.4 and 0.6 (mean 0.5)
    # region Y: baseline 1.0 and 0.8 (mean 0.9), benchmark 0.9 and 0.9 (mean 0.9)
    values = {("m1", "s1"): (0.2, 1.0), ("m1", "s2"): (0.6, 0.8), ("m2", "s1"): (0.4, 0.9), ("m2", "s2"): (0.6, 0.9)}
    rows = []
    for (model, subject), (x, y) in values.items():
        rows.append({"ID": subject, "region": "X", "model": model, "dice": x, "set": "A"})
        rows.append({"ID": subject, "region": "Y", "model": model, "dice": y, "set": "A"})
    return pd.DataFrame(rows)


def test_aggregated_average_row_is_the_change_of_the_mean():
    table = aggregated_improvement(pair_table(), "dice", "m1", "m2")
    assert table.columns.tolist() == ["region", "baseline_mean", "benchmark_mean", "absolute", "relative", "ratio",
                                      "n_baseline", "n_benchmark", "n_pairs"]
    assert table["region"].tolist() == ["X", "Y", "Average"]
    assert_allclose(table["baseline_mean"], [0.4, 0.9, 0.65])
    assert_allclose(table["benchmark_mean"], [0.5, 0.9, 0.7])
    assert_allclose(table["absolute"], [0.1, 0.0, 0.05], atol=1e-12)
    # Average relative = 100 * (0.7 - 0.65) / 0.65, not the mean of 25 % and 0 %
    assert_allclose(table["relative"], [25.0, 0.0, 100 * 0.05 / 0.65], rtol=1e-12)
    assert_allclose(table["ratio"], [1.25, 1.0, 0.7 / 0.65], rtol=1e-12)
    assert table[["n_baseline", "n_benchmark", "n_pairs"]].values.tolist() == [[2, 2, 2]] * 3


def test_mean_of_per_subject_changes():
    table = aggregated_improvement(pair_table(), "dice", "m1", "m2", method="of-changes")
    # X: s1 +100 %, s2 0 % -> 50 ; Y: s1 -10 %, s2 +12.5 % -> 1.25 ;
    # Average: subject region means s1 0.6 -> 0.65 (+8.333 %), s2 0.7 -> 0.75 (+7.143 %)
    expected_average = (100 * 0.05 / 0.6 + 100 * 0.05 / 0.7) / 2
    assert_allclose(table["relative"], [50.0, 1.25, expected_average], rtol=1e-9)
    assert_allclose(table["absolute"], [0.1, 0.0, 0.05], atol=1e-12)
    assert_allclose(table["baseline_mean"], [0.4, 0.9, 0.65])  # the means shown stay the same


def test_different_subject_sets_use_all_rows_and_report_n():
    table = pair_table()
    extra = pd.DataFrame([{"ID": "s3", "region": r, "model": "m1", "dice": 0.1, "set": "A"} for r in ("X", "Y")])
    table = pd.concat([table, extra], ignore_index=True)
    table.loc[(table["ID"] == "s2") & (table["model"] == "m2") & (table["region"] == "Y"), "dice"] = np.nan
    result = aggregated_improvement(table, "dice", "m1", "m2").set_index("region")
    assert_allclose(result.loc["X", "baseline_mean"], 0.3)  # (0.2 + 0.6 + 0.1) / 3, all rows of m1
    assert_allclose(result.loc["Y", "benchmark_mean"], 0.9)  # NaN skipped
    assert result.loc["X", ["n_baseline", "n_benchmark", "n_pairs"]].tolist() == [3, 2, 2]
    assert result.loc["Y", ["n_baseline", "n_benchmark", "n_pairs"]].tolist() == [3, 1, 1]
    # Average: subjects with a region mean (s2's benchmark mean is its X value)
    assert result.loc["Average", ["n_baseline", "n_benchmark", "n_pairs"]].tolist() == [3, 2, 2]


def test_zero_baseline_mean_gives_nan_not_inf():
    table = pair_table()
    table.loc[(table["model"] == "m1") & (table["region"] == "X"), "dice"] = 0.0
    result = aggregated_improvement(table, "dice", "m1", "m2").set_index("region")
    assert np.isnan(result.loc["X", "relative"]) and np.isnan(result.loc["X", "ratio"])
    assert_allclose(result.loc["X", "absolute"], 0.5)


def test_subject_view_with_average_rows():
    table = subject_improvement(pair_table(), "dice", "m1", "m2")
    assert table[["ID", "region"]].values.tolist() == [
        ["s1", "X"], ["s1", "Y"], ["s1", "Average"], ["s2", "X"], ["s2", "Y"], ["s2", "Average"]]
    assert_allclose(table["baseline"], [0.2, 1.0, 0.6, 0.6, 0.8, 0.7])
    assert_allclose(table["benchmark"], [0.4, 0.9, 0.65, 0.6, 0.9, 0.75])
    assert_allclose(table["relative"], [100.0, -10.0, 100 * 0.05 / 0.6, 0.0, 12.5, 100 * 0.05 / 0.7], rtol=1e-9)


def test_subject_view_with_missing_subject():
    table = pair_table()
    table = table[~((table["ID"] == "s2") & (table["model"] == "m2"))]
    result = subject_improvement(table, "dice", "m1", "m2")
    s2 = result[result["ID"] == "s2"]
    assert s2["benchmark"].isna().all() and s2["relative"].isna().all()
    assert_allclose(s2["baseline"], [0.6, 0.8, 0.7])


@pytest.mark.parametrize("function", [aggregated_improvement, subject_improvement])
@pytest.mark.parametrize(
    ("args", "mutate", "match"),
    [
        (("dice", "m1", "m1"), None, "different models; got 'm1' twice"),
        (("dice", "m1", "m3"), None, r"model 'm3' has no rows; models present: \['m1', 'm2'\]"),
        (("hd95", "m1", "m2"), None, r"missing the column\(s\) \['hd95'\]"),
        (("dice", "m1", "m2"), lambda t: pd.concat([t, t.assign(set="B")]), r"several sets \['A', 'B'\]"),
    ],
)
def test_bad_arguments(function, args, mutate, match):
    table = pair_table() if mutate is None else mutate(pair_table())
    with pytest.raises(ValueError, match=match):
        function(table, *args)


def test_unknown_method():
    with pytest.raises(ValueError, match="method must be one of"):
        aggregated_improvement(pair_table(), "dice", "m1", "m2", method="median")
