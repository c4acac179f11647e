"""Readers (io/results.py), region means, metadata join, metric direction (analysis.md §0, metrics.md §11)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import auditapp.analysis as analysis
from auditapp.analysis import attach_metadata, metric_columns, metric_direction, region_mean
from auditapp.errors import AuditappWarning
from auditapp.io.results import canonical_metric_columns, has_legacy_columns, load_features, load_metrics, load_tables


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_public_api_is_complete():
    for name in analysis.__all__:
        assert getattr(analysis, name) is not None, name
    assert analysis.load_metrics is load_metrics and analysis.load_features is load_features
    assert analysis.load_tables is load_tables
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        analysis.nope  # noqa: B018


def test_load_features_strings_set_column_and_fresh_index(tmp_path):
    a = write(tmp_path / "a.csv", "ID,lesion_size_whole,longitudinal_id,time_point\n007,1.5,002,0\nP2,0.1,,1\n")
    b = write(tmp_path / "b.csv", "ID,lesion_size_whole,longitudinal_id,time_point\nQ1,17.944358444926362,,0\n")
    table = load_features({"siteA": a, "siteB": str(b)})
    assert table.index.tolist() == [0, 1, 2]
    assert table["set"].tolist() == ["siteA", "siteA", "siteB"]
    assert table["ID"].tolist() == ["007", "P2", "Q1"]
    # identifier columns are text as written: empty stays "" (issue 11 item 7: an ID "NA" is not missing)
    assert table["longitudinal_id"].tolist() == ["002", "", ""]
    assert table.loc[2, "lesion_size_whole"] == 17.944358444926362  # exact round trip
    assert load_features({}).empty


def test_load_metrics_legacy_and_transitional_columns(tmp_path):
    legacy = write(tmp_path / "legacy.csv",
                   "ID,region,DICE,JACC,ACCU,PREC,SENS,SPEC,HAUS,SIZE,model\n"
                   "s1,ET,0.5,0.3,0.9,,,0.99,,186.0,m1\n")
    transitional = write(tmp_path / "trans.csv",
                         "ID,region,model,ACCU,DICE,HAUS,JACC,PREC,SENS,SIZE,SPEC\n"
                         "s2,NETC,m2,0.9,0.6,2.0,0.4,0.7,0.8,12.0,0.98\n")
    table = load_metrics({"L": legacy, "T": transitional})
    assert table.columns.tolist()[:4] == ["ID", "region", "model", "set"]
    assert set(table.columns[4:]) == {"dice", "jaccard", "accuracy", "precision", "sensitivity", "specificity",
                                      "hausdorff_distance", "predicted_size"}
    assert table.set_index("ID").loc["s1", "dice"] == 0.5 and table.set_index("ID").loc["s2", "dice"] == 0.6
    assert table.set_index("ID").loc["s2", "hausdorff_distance"] == 2.0
    assert np.isnan(table.set_index("ID").loc["s1", "precision"])


def test_canonical_names_win_and_other_numeric_columns_are_metrics(tmp_path):
    mixed = write(tmp_path / "m.csv",
                  "Unnamed: 0,ID,region,model,dice,DICE,hd_perc,note\n0,s1,ET,m,0.7,0.1,3.5,text\n")
    table = load_metrics({"S": mixed})
    assert table.columns.tolist() == ["ID", "region", "model", "set", "dice", "hd_perc"]
    assert table.loc[0, "dice"] == 0.7
    assert has_legacy_columns(["ID", "HAUS"]) and not has_legacy_columns(["ID", "hd95"])


def test_header_only_metric_file(tmp_path):
    empty = write(tmp_path / "e.csv", "ID,region,DICE,HAUS,model\n")
    table = load_metrics({"S": empty})
    assert table.empty and table.columns.tolist() == ["ID", "region", "model", "set", "dice", "hausdorff_distance"]
    assert table["dice"].dtype == np.float64


@pytest.mark.parametrize(
    ("call", "match", "error"),
    [
        (lambda p: load_tables({"S": p}, "images"), "kind must be one of", ValueError),
        (lambda p: load_metrics({"S": p.parent / "missing.csv"}), "metrics CSV of dataset 'S' not found",
         FileNotFoundError),
        (lambda p: load_metrics({"S": write(p, "ID,DICE,model\ns,0.5,m\n")}), r"key column\(s\) \['region'\]",
         ValueError),
        (lambda p: canonical_metric_columns(pd.DataFrame({"region": ["x"]})), r"\['ID', 'model'\]", ValueError),
    ],
)
def test_reader_errors(tmp_path, call, match, error):
    with pytest.raises(error, match=match):
        call(tmp_path / "x.csv")


def test_region_mean_skips_nan_and_keeps_sets_apart():
    metrics = pd.DataFrame({
        "ID": ["a", "a", "a", "a", "b"], "region": ["ET", "TC", "ET", "TC", "ET"],
        "model": ["m", "m", "m", "m", "m"], "set": ["S1", "S1", "S2", "S2", "S1"],
        "dice": [0.5, np.nan, 0.2, 0.4, np.nan], "hd95": [1.0, 3.0, 2.0, 2.0, 5.0],
    })
    out = region_mean(metrics)
    assert out.columns.tolist() == ["ID", "region", "model", "set", "dice", "hd95"]
    assert out[["ID", "set"]].values.tolist() == [["a", "S1"], ["a", "S2"], ["b", "S1"]]
    assert (out["region"] == "ALL").all()
    assert out["dice"].tolist()[:2] == [0.5, pytest.approx(0.3)] and np.isnan(out["dice"].iloc[2])
    assert out["hd95"].tolist() == [2.0, 2.0, 5.0]
    assert metric_columns(metrics) == ["dice", "hd95"]
    with pytest.raises(ValueError, match=r"missing the column\(s\) \['model'\]"):
        region_mean(metrics.drop(columns="model"))


def test_attach_metadata_left_join():
    df = pd.DataFrame({"ID": ["a", "b", "a"], "x": [1, 2, 3]})
    meta = pd.DataFrame({"ID": ["a", "c"], "age": [40, 50], "x": [9, 9]})
    with pytest.warns(AuditappWarning, match=r"metadata columns \['x'\] already exist"):
        out = attach_metadata(df, meta)
    assert out.columns.tolist() == ["ID", "x", "age"]
    assert out["x"].tolist() == [1, 2, 3]
    assert out["age"].tolist()[0] == 40 and np.isnan(out["age"].iloc[1]) and out["age"].iloc[2] == 40


@pytest.mark.parametrize(
    ("meta", "match"),
    [
        (pd.DataFrame({"subject": ["a"]}), "meta has no join column 'ID'"),
        (pd.DataFrame({"ID": ["a", "a"], "age": [1, 2]}), r"duplicated ID values \['a'\]"),
    ],
)
def test_attach_metadata_errors(meta, match):
    with pytest.raises(ValueError, match=match):
        attach_metadata(pd.DataFrame({"ID": ["a"]}), meta)
    with pytest.raises(ValueError, match="df has no join column 'ID'"):
        attach_metadata(pd.DataFrame({"id": ["a"]}), pd.DataFrame({"ID": ["a"]}))


@pytest.mark.parametrize(
    ("metric", "direction"),
    [("dice", 1), ("nsd", 1), ("volume_similarity", 1), ("hausdorff_distance", -1), ("hd95", -1), ("assd", -1),
     ("predicted_size", 0), ("gt_size", 0), ("hd_perc", 0)],
)
def test_metric_direction(metric, direction):
    assert metric_direction(metric) == direction


def test_region_mean_and_attach_metadata_records():  # the former docstring examples
    df = pd.DataFrame({"ID": ["a", "a", "b"], "region": ["ET", "TC", "ET"], "model": ["m"] * 3,
                       "dice": [0.5, float("nan"), 1.0]})
    assert region_mean(df).to_dict("records") == [{"ID": "a", "region": "ALL", "model": "m", "dice": 0.5},
                                                  {"ID": "b", "region": "ALL", "model": "m", "dice": 1.0}]
    out = attach_metadata(pd.DataFrame({"ID": ["a", "b"], "x": [1, 2]}), pd.DataFrame({"ID": ["b"], "age": [50]}))
    records = out.to_dict("records")
    assert records[1] == {"ID": "b", "x": 2, "age": 50.0}
    assert records[0]["ID"] == "a" and records[0]["x"] == 1 and np.isnan(records[0]["age"])
