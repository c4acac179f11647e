"""Dashboard under hostile or broken inputs (issue 11 items 4, 8, 9, 13), through ``AppTest`` from the entry point.

Each test writes a small project in tmp_path: features / metrics CSVs with a crafted ID, a non-numeric cell, a
repeated ID, IDs that pandas reads as missing, a time point that is not a number.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from loguru import logger

from app_fixtures import MAIN

st_testing = pytest.importorskip("streamlit.testing.v1")

TIMEOUT = 60
EVIL_ID = "![x](http://127.0.0.1:9/t.png)"
EVIL_MODEL = "![m](http://127.0.0.1:9/m.png)"
TEXT_ELEMENTS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success")


def features(ids, **extra) -> pd.DataFrame:
    n = len(ids)
    return pd.DataFrame({"ID": ids, "t1_max_intensity": [float(10 + i) for i in range(n)],
                         "t2_max_intensity": [float(20 + 2 * i) for i in range(n)],
                         "lesion_size_whole": [float(100 * (i + 1)) for i in range(n)],
                         "whole_tumor_location": [float(i) for i in range(n)], **extra})


def metrics(ids, models=("m1", "m2")) -> pd.DataFrame:
    rows = [{"ID": sid, "region": region, "model": model, "dice": round(0.5 + 0.03 * i + 0.01 * k, 4),
             "predicted_size": 100.0 * (i + 1) + k}
            for i, sid in enumerate(ids) for k, model in enumerate(models) for region in ("ET", "NETC")]
    return pd.DataFrame(rows)


def project(tmp_path, feature_tables: dict, metric_tables: dict | None = None, *, raw: dict | None = None):
    """Write the CSVs (``raw`` holds CSV text written as is) and an app.yaml naming them."""
    lines = ["features:"]
    for name, df in feature_tables.items():
        path = tmp_path / f"features_{name}.csv"
        path.write_text(raw[name]) if raw and name in raw else df.to_csv(path, index=False)
        lines.append(f"  {name}: {path}")
    if metric_tables:
        lines.append("metrics:")
        for name, df in metric_tables.items():
            path = tmp_path / f"metrics_{name}.csv"
            df.to_csv(path, index=False)
            lines.append(f"  {name}: {path}")
    config = tmp_path / "app.yaml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def app(config, monkeypatch, page: str, params: dict | None = None):
    monkeypatch.setenv("AUDITAPP_CONFIG", str(config))
    at = st_testing.AppTest.from_file(str(MAIN), default_timeout=TIMEOUT)
    at.run()
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.switch_page(f"views/{page}.py").run()
    return at


def texts(at) -> list[str]:
    """Every string the page rendered as Markdown: text elements and button labels."""
    out = [el.value for kind in TEXT_ELEMENTS for el in getattr(at, kind)]
    return out + [b.label for b in at.button] + [b.label for b in at.sidebar.button]


def ok(at) -> None:
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]


# --------------------------------------------------------------------------- item 4: Markdown injection
@pytest.mark.parametrize("page", ["subjects", "univariate", "single_model", "pairwise", "multi_model"])
def test_user_strings_are_shown_as_text(tmp_path, monkeypatch, page):
    ids = ["S1", "S2", "S3", EVIL_ID, "S5", "S6"]
    config = project(tmp_path, {"Site": features(ids)}, {"Site": metrics(ids, ("m1", EVIL_MODEL))})
    at = app(config, monkeypatch, page, {"set": "Site", "id": EVIL_ID} if page == "subjects" else None)
    ok(at)
    shown = texts(at)
    assert shown
    link = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")  # [..]( with neither bracket escaped
    assert not [t for t in shown if link.search(t)], "raw Markdown image syntax reached the page"
    if page == "subjects":
        assert at.subheader[0].value == "Subject information: !\\[x\\](http://127.0.0.1:9/t.png)"
    if page == "pairwise":
        assert any("!\\[m\\](http" in t for t in shown)  # the model name, escaped, in the caption


# --------------------------------------------------------------------------- item 8: non-numeric cells
def test_non_numeric_cell_keeps_the_column_and_is_reported(tmp_path, monkeypatch):
    ids = [f"S{i}" for i in range(6)]
    table = metrics(ids)
    table["dice"] = table["dice"].astype(object)
    table.loc[3, "dice"] = "oops"
    config = project(tmp_path, {"Site": features(ids)}, {"Site": table})
    logged = []
    sink = logger.add(lambda m: logged.append(str(m)), level="WARNING")
    try:
        at = app(config, monkeypatch, "multi_model")
    finally:
        logger.remove(sink)
    ok(at)
    metric_box = [w for w in at.sidebar.multiselect if w.label == "Metrics"][0]
    assert metric_box.value == ["dice"]  # the column is still there (reference: silently gone)
    message = f"metrics.Site ({tmp_path / 'metrics_Site.csv'}): column dice has 1 value(s) that are not numbers " \
              "(line 5); they are shown as empty."
    assert message in [m.value.replace("\\", "") for m in [*at.info, *at.warning]]
    assert sum(message in line for line in logged) == 1  # logged once, at load
    table_shown = at.dataframe[0].value
    assert list(table_shown["n (Dice)"]) == [6, 6]  # S0's m2 mean uses its other region


# --------------------------------------------------------------------------- item 9: unknown subject in a link
def test_link_to_an_unknown_subject_says_so_and_shows_nothing_else(tmp_path, monkeypatch):
    config = project(tmp_path, {"Site": features(["S1", "S2", "S3"]), "Other": features(["O1", "O2"])})
    at = app(config, monkeypatch, "subjects", {"set": "Site", "id": "NOT-A-SUBJECT"})
    ok(at)
    assert [w.value for w in at.warning] == ["Subject NOT-A-SUBJECT was not found in dataset Site."]
    assert not at.subheader and not at.dataframe and not at.tabs  # no other subject shown in its place
    assert at.query_params["id"] == ["NOT-A-SUBJECT"] or at.query_params["id"] == "NOT-A-SUBJECT"
    subject = [w for w in at.sidebar.selectbox if w.label == "Subject"][0]
    assert subject.value is None
    subject.select("S2").run()  # choosing a subject shows it and updates the link
    ok(at)
    assert at.subheader[0].value == "Subject information: S2" and not at.warning
    other = app(config, monkeypatch, "subjects", {"set": "Nope", "id": "S1"})
    ok(other)
    assert [w.value for w in other.warning] == ["Dataset Nope was not found; the datasets are Site, Other."]
    assert not other.subheader


# --------------------------------------------------------------------------- item 13: clear messages, no traceback
def test_time_point_that_is_not_a_number(tmp_path, monkeypatch):
    ids = [f"P1-{t}" for t in range(3)] + [f"P2-{t}" for t in range(3)]
    table = features(ids, longitudinal_id=["P1"] * 3 + ["P2"] * 3, time_point=["0", "1", "xx", "0", "1", "2"])
    config = project(tmp_path, {"Site": table}, {"Site": metrics(ids)})
    at = app(config, monkeypatch, "longitudinal")
    ok(at)
    assert any("column time_point has 1 value(s) that are not numbers (line 4)" in w.value.replace("\\", "")
               and "features_Site.csv" in w.value.replace("\\", "") for w in [*at.info, *at.warning])
    [w for w in at.sidebar.selectbox if w.label == "Subject"][0].select("P1").run()
    ok(at)
    table = at.dataframe[0].value
    assert list(table["Time point"]) == [0, 1]  # the rest of P1 still shown


def test_duplicate_ids_reported_once_and_subjects_page_works(tmp_path, monkeypatch):
    ids = ["S1", "S2", "S1", "S3"]
    config = project(tmp_path, {"Site": features(ids)})
    at = app(config, monkeypatch, "subjects", {"set": "Site", "id": "S1"})
    ok(at)
    msgs = [w.value.replace("\\", "") for w in at.warning]
    expected = (f"features.Site ({tmp_path / 'features_Site.csv'}): ID repeated: S1 on lines 2, 4; the first row "
                "of each is used.")
    assert msgs.count(expected) == 1
    assert at.subheader[0].value == "Subject information: S1"
    tumour = at.tabs[-1]
    assert tumour.label == "Tumor"


def test_set_whose_ids_read_as_missing(tmp_path, monkeypatch):
    """IDs pandas reads as missing by default (NA, null, empty) are subjects: every page works (reference:
    IndexError on Subjects)."""
    text = "ID,t1_max_intensity,t2_max_intensity\nNA,1,2\nnull,3,4\n,5,6\n"
    config = project(tmp_path, {"Site": None, "Good": features(["G1", "G2", "G3"])}, raw={"Site": text})
    for page in ("subjects", "univariate", "multivariate", "home"):
        at = app(config, monkeypatch, page, {"set": "Site", "id": "NA"} if page == "subjects" else None)
        ok(at)
        if page == "subjects":
            assert at.subheader[0].value == "Subject information: NA"
