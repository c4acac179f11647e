"""IQR outliers (analysis.md §5) and the longitudinal summary (analysis.md §6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from auditapp.analysis import iqr_outliers, longitudinal_summary, size_regions
from auditapp.config.model import Label


# ---------------------------------------------------------------- IQR outliers
def features() -> pd.DataFrame:
    return pd.DataFrame({
        "ID": ["a", "b", "c", "d", "e", "f"],
        "size": [10.0, 11.0, 12.0, 13.0, 14.0, 22.0],
        "low": [5.0, 5.0, 6.0, 7.0, 7.0, -1.0],
        "site": ["x", "x", "y", "y", "z", "z"],  # non-numeric: skipped
        "time_point": [0, 0, 0, 0, 0, 99],  # not a feature
        "set": "A",
    })


def test_iqr_statistics_exclude_the_subject():
    table = iqr_outliers(features(), "f").set_index("feature")
    assert table.index.tolist() == ["size", "low"]
    # others' size: 10..14 -> Q1 11, median 12, Q3 13, IQR 2 -> fences 8 and 16 (k = 1.5)
    assert table.loc["size", ["q1", "median", "q3", "iqr", "lower", "upper"]].tolist() == [11, 12, 13, 2, 8, 16]
    assert_allclose(table.loc["size", "std"], np.std([10, 11, 12, 13, 14], ddof=1))
    assert table.loc["size", "mean"] == 12 and table.loc["size", "n"] == 5
    assert table.loc["size", "outlier"] and table.loc["size", "side"] == "high"
    # others' low: 5, 5, 6, 7, 7 -> Q1 5, Q3 7, IQR 2 -> lower fence 2 ; -1 is low
    assert table.loc["low", "outlier"] and table.loc["low", "side"] == "low"


def test_extreme_outlier_k3():
    table = iqr_outliers(features(), "f", k=3).set_index("feature")
    # size: upper fence 13 + 3 * 2 = 19 < 22 -> still an outlier ; low: lower fence 5 - 6 = -1, not < -1
    assert table.loc["size", "outlier"] and not table.loc["low", "outlier"]
    assert table.loc["low", "side"] == ""


def test_regular_subject_and_nan_value():
    df = features()
    assert not iqr_outliers(df, "c")["outlier"].any()
    df.loc[df["ID"] == "f", "size"] = np.nan
    table = iqr_outliers(df, "f").set_index("feature")
    assert not table.loc["size", "outlier"] and np.isnan(table.loc["size", "value"])


def test_subject_compared_within_its_own_set():
    other = features().assign(set="B", size=[100.0] * 6)
    other.loc[0, "ID"] = "only_b"
    df = pd.concat([features().iloc[:5], other.iloc[:1], features().iloc[5:]], ignore_index=True)
    table = iqr_outliers(df, "only_b").set_index("feature")
    assert table.loc["size", "n"] == 0 and np.isnan(table.loc["size", "median"])  # alone in set B
    both = pd.concat([features(), features().assign(set="B")], ignore_index=True)
    table = iqr_outliers(both, "f", dataset="B", features=["size"])
    assert table["feature"].tolist() == ["size"] and table["n"].tolist() == [5]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda df: iqr_outliers(df, "a", k=0), r"k must be positive \(1.5 or 3\); got 0"),
        (lambda df: iqr_outliers(df, "zz"), "subject 'zz' not found"),
        (lambda df: iqr_outliers(df, "a", dataset="B"), "subject 'a' not found in set 'B'"),
        (lambda df: iqr_outliers(pd.concat([df, df.assign(set="B")]), "a"), r"in several sets \['A', 'B'\]"),
        (lambda df: iqr_outliers(pd.concat([df, df]), "a"), "has 2 rows in its set"),
        (lambda df: iqr_outliers(df, "a", features=["site"]), r"features \['site'\] are missing or not numeric"),
        (lambda df: iqr_outliers(df.drop(columns="ID"), "a"), "no 'ID' column"),
        (lambda df: iqr_outliers(df.drop(columns="set"), "a", dataset="A"), "no 'set' column"),
    ],
)
def test_outlier_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call(features())


# ---------------------------------------------------------------- longitudinal
LABELS = {"BKG": 0, "NETC": 1, "SNFH": 2, "ET": 3, "WT": [1, 2, 3]}


def longitudinal_tables():
    feats = pd.DataFrame({
        "ID": ["P1_t2", "P1_t0", "P1_t1", "P2_t0", "P2_t1", "X"],
        "longitudinal_id": ["001", "001", "001", "002", "002", np.nan],
        "time_point": [2, 0, 1, 0, 1, 0],
        "lesion_size_whole": [120.0, 100.0, 80.0, 0.0, 50.0, 10.0],
        "set": "A",
    })
    sizes = {"P1_t0": (60, 30, 0), "P1_t1": (40, 40, 10), "P1_t2": (50, 50, 50), "P2_t0": (0, 0, 0),
             "P2_t1": (10, 20, 30), "X": (1, 1, 1)}
    rows = []
    for subject, (netc, snfh, et) in sizes.items():
        for region, value in (("NETC", netc), ("SNFH", snfh), ("ET", et), ("WT", netc + snfh + et)):
            rows.append({"ID": subject, "region": region, "model": "m", "predicted_size": float(value), "set": "A"})
            rows.append({"ID": subject, "region": region, "model": "other", "predicted_size": 1.0, "set": "A"})
    return feats, pd.DataFrame(rows)


def test_longitudinal_arithmetic_sorted_by_time_point():
    feats, mets = longitudinal_tables()
    table = longitudinal_summary(feats, mets, "m", labels=LABELS)
    assert table.columns.tolist() == ["set", "longitudinal_id", "time_point", "ID", "observed", "predicted",
                                      "error_pct", "observed_growth_pct", "predicted_growth_pct"]
    assert table["longitudinal_id"].tolist() == ["001", "001", "001", "002", "002"]  # leading zeros, X excluded
    assert table["time_point"].tolist() == [0, 1, 2, 0, 1]
    assert table["ID"].tolist() == ["P1_t0", "P1_t1", "P1_t2", "P2_t0", "P2_t1"]
    assert table["predicted"].tolist() == [90.0, 90.0, 150.0, 0.0, 60.0]  # WT not double counted
    # error: 100 (pred - obs) / obs ; obs = 0 -> NaN
    assert_allclose(table["error_pct"], [-10.0, 12.5, 25.0, np.nan, 20.0])
    # growth between consecutive points of the same patient; first point NaN; from 0 -> NaN
    assert_allclose(table["observed_growth_pct"], [np.nan, -20.0, 50.0, np.nan, np.nan])
    assert_allclose(table["predicted_growth_pct"], [np.nan, 0.0, 100 * 60 / 90, np.nan, np.nan])


def test_longitudinal_filters_and_fallback_to_all_regions():
    feats, mets = longitudinal_tables()
    one = longitudinal_summary(feats, mets, "m", labels=LABELS, patient="002")
    assert one["ID"].tolist() == ["P2_t0", "P2_t1"]
    # no labels: every region summed (reference behaviour: WT double counts)
    assert longitudinal_summary(feats, mets, "m", patient="001")["predicted"].tolist() == [180.0, 180.0, 300.0]
    assert longitudinal_summary(feats, mets, "m", dataset="B").empty
    renamed = mets.rename(columns={"predicted_size": "pred_vol"})
    assert longitudinal_summary(feats, renamed, "m", labels=LABELS)["predicted"].tolist()[:3] == [90.0, 90.0, 150.0]


def test_size_regions():
    labels = (Label("BKG", (0,)), Label("ET", (3,)), Label("TC", (1, 3), composite=True), Label("NETC", (1,)))
    assert size_regions(labels, ["NETC", "TC", "ET"]) == ["ET", "NETC"]
    assert size_regions(LABELS, ["EDE", "ENH"]) == ["EDE", "ENH"]  # nothing matches -> all regions
    assert size_regions({"BKG": 0, "A": 4, "B": [5]}, ["A", "B"]) == ["A"]  # a list label is composite


@pytest.mark.parametrize(
    ("mutate", "model", "match"),
    [
        (lambda f, m: (f.drop(columns="lesion_size_whole"), m), "m", r"feature table is missing .*lesion_size_whole"),
        (lambda f, m: (f, m.drop(columns="region")), "m", r"metric table is missing the column\(s\) \['region'\]"),
        (lambda f, m: (f, m.drop(columns="predicted_size")), "m", "no predicted-size column .* enable predicted_size"),
        (lambda f, m: (f, m), "zz", "model 'zz' has no rows"),
    ],
)
def test_longitudinal_bad_arguments(mutate, model, match):
    feats, mets = mutate(*longitudinal_tables())
    with pytest.raises(ValueError, match=match):
        longitudinal_summary(feats, mets, model)
