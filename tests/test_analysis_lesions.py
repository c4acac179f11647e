"""Lesion detection counts (analysis/lesions.py): exact counts per group and size bin."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from auditapp.analysis.lesions import SIZE_LABELS, detection_counts


def _rows():
    return pd.DataFrame({
        "model": ["A", "A", "A", "A", "A", "B", "B", "B"],
        "set": ["s1", "s1", "s1", "s2", "s2", "s1", "s1", "s1"],
        "kind": ["tp", "fn", "fp", "tp", "dropped", "tp", "tp", "fn"],
        "voxels": [10, 49, 6000, 50, 3, 4999, 5000, 700],
    })


def test_counts_by_model_and_bin():
    table = detection_counts(_rows())
    assert list(table.columns) == ["model", "size_bin", "tp", "fn", "fp", "detection_rate"]
    assert table["size_bin"].tolist() == list(SIZE_LABELS) * 2
    a = table[table["model"] == "A"].set_index("size_bin")
    assert a.loc["<50", ["tp", "fn", "fp"]].tolist() == [1, 1, 0]
    assert a.loc["50-500", ["tp", "fn", "fp"]].tolist() == [1, 0, 0]
    assert a.loc[">5,000", ["tp", "fn", "fp"]].tolist() == [0, 0, 1]
    assert a.loc["<50", "detection_rate"] == 0.5 and math.isnan(a.loc[">5,000", "detection_rate"])
    b = table[table["model"] == "B"].set_index("size_bin")
    assert b.loc["500-5,000", ["tp", "fn"]].tolist() == [1, 1]  # 4999 and 700 voxels; 5000 is the next bin
    assert b.loc["500-5,000", "detection_rate"] == 0.5
    assert b.loc[">5,000", "tp"] == 1


def test_counts_by_model_and_site():
    table = detection_counts(_rows(), by=("model", "set"))
    assert len(table) == 3 * len(SIZE_LABELS)  # (A, s1), (A, s2), (B, s1)
    s2 = table[(table["model"] == "A") & (table["set"] == "s2")]
    assert s2[["tp", "fn", "fp"]].sum().tolist() == [1, 0, 0]  # the dropped lesion is not counted


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['voxels'\]"):
        detection_counts(pd.DataFrame({"model": ["A"], "kind": ["tp"]}))


def test_totals_per_site_sum_the_size_bins():
    from auditapp.analysis.lesions import detection_totals

    table = detection_totals(_rows(), by=("model", "set"))
    assert table[["model", "set"]].values.tolist() == [["A", "s1"], ["A", "s2"], ["B", "s1"]]
    assert table[["tp", "fn", "fp"]].values.tolist() == [[1, 1, 1], [1, 0, 0], [2, 1, 0]]
    assert table["detection_rate"].tolist() == [0.5, 1.0, 2 / 3]
    with pytest.raises(ValueError, match="at least one grouping column"):
        detection_totals(_rows(), by=())


def test_detection_counts_docstring_rows():  # the former docstring example, with its rates
    rows = pd.DataFrame({"model": ["m"] * 4, "kind": ["tp", "fn", "fp", "dropped"], "voxels": [600, 20, 30, 5]})
    records = detection_counts(rows)[["size_bin", "tp", "fn", "fp", "detection_rate"]].to_dict("records")
    assert records[0] == {"size_bin": "<50", "tp": 0, "fn": 1, "fp": 1, "detection_rate": 0.0}
    assert records[1]["size_bin"] == "50-500" and math.isnan(records[1]["detection_rate"])
