"""Lesion-wise results in the dashboard (issue 12), through ``AppTest`` on hand-made CSVs written in tmp_path.

The "Lesion detection" page (counts by size bin and by site, hand-counted below), its messages when no per-lesion
table or lesion column exists, the per-lesion rows of a subject on the Subjects page, and the lesion-wise metric
columns with readable names in the metric selectors of the model pages.
"""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pandas as pd
import pytest

st_testing = pytest.importorskip("streamlit.testing.v1")

from app_fixtures import MAIN  # noqa: E402

TIMEOUT = 60
IDS = {"SiteA": ["A-000", "A-001", "A-002", "A-003"], "SiteB": ["B-000", "B-001", "B-002", "B-003"]}

# (set, ID, model, region, lesion, kind, voxels): GT lesions (tp/fn/dropped) and false positives (no lesion id)
LESIONS = [
    ("SiteA", "A-000", "m1", "WT", 1, "tp", 30), ("SiteA", "A-000", "m1", "WT", 2, "fn", 40),
    ("SiteA", "A-000", "m1", "WT", 3, "tp", 600), ("SiteA", "A-000", "m1", "WT", None, "fp", 10),
    ("SiteA", "A-000", "m1", "WT", 4, "dropped", 5),
    ("SiteA", "A-001", "m1", "WT", 1, "tp", 6000), ("SiteA", "A-001", "m1", "WT", 2, "fn", 100),
    ("SiteA", "A-001", "m1", "WT", None, "fp", 200),
    ("SiteA", "A-000", "m1", "ET", 1, "tp", 20),
    ("SiteA", "A-000", "m2", "WT", 1, "fn", 30), ("SiteA", "A-002", "m2", "ET", 1, "dropped", 3),
    ("SiteB", "B-000", "m1", "WT", 1, "fn", 45), ("SiteB", "B-000", "m1", "WT", None, "fp", 7000),
]
# m1 / WT over both sites, by size bin: (tp, fn, fp)
BY_SIZE = {"<50": (1, 2, 1), "50-500": (0, 1, 1), "500-5,000": (1, 0, 0), ">5,000": (1, 0, 1)}
BY_SITE = {"SiteA": (3, 2, 2), "SiteB": (0, 1, 1)}


def _lesion_table(set_name: str) -> pd.DataFrame:
    rows = [dict(ID=i, model=m, region=r, lesion=les, kind=k, voxels=v, volume=float(v), centroid_k=1.0,
                 centroid_j=2.0, centroid_i=3.0, pred_components="" if k in ("fn", "dropped") else "1 2",
                 pred_voxels=v if k != "fn" else 0, dice=0.8 if k == "tp" else 0.0, hd95=2.5, nsd=0.9)
            for s, i, m, r, les, k, v in LESIONS if s == set_name]
    df = pd.DataFrame(rows)
    df["lesion"] = df["lesion"].astype("Int64")
    return df


def _metrics(set_name: str, lesion_columns: bool) -> pd.DataFrame:
    rng = np.random.default_rng(len(set_name))
    rows = []
    for model in ("m1", "m2", "m3"):  # three: the multi-model ranking runs
        for k, sid in enumerate(IDS[set_name]):
            for region in ("ET", "WT"):
                row = {"ID": sid, "region": region, "model": model, "dice": rng.uniform(0.5, 1)}
                if lesion_columns:
                    row.update(lesion_dice=rng.uniform(0.3, 1), lesion_hd95=rng.uniform(1, 50), tp_lesions=k,
                               fp_lesions=k % 2, fn_lesions=1, lesion_f1=rng.uniform(0, 1))
                rows.append(row)
    return pd.DataFrame(rows)


def make_project(root, *, lesion_columns: bool = True, lesion_tables: bool = True):
    lines = ["features:"]
    for name in IDS:
        path = root / "features" / f"extracted_information_{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame({"ID": IDS[name], "whole_tumor_location": [10.0, 20.0, 30.0, 40.0],
                      "lesion_size_whole": [100.0, 200.0, 300.0, 400.0]}).to_csv(path, index=False)
        lines.append(f"  {name}: {path}")
    lines.append("metrics:")
    for name in IDS:
        path = root / "metrics" / f"extracted_information_{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        _metrics(name, lesion_columns).to_csv(path, index=False)
        if lesion_tables:
            _lesion_table(name).to_csv(root / "metrics" / f"lesions_{name}.csv", index=False)
        lines.append(f"  {name}: {path}")
    cfg = root / "app.yaml"
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cfg


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("lesions"))


def app(config, monkeypatch, page: str, **params):
    monkeypatch.setenv("AUDITAPP_CONFIG", str(config))
    at = st_testing.AppTest.from_file(str(MAIN), default_timeout=TIMEOUT)
    at.run()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert not [e.value for e in at.error]
    return at


def ys(trace: dict) -> list[int]:
    y = trace["y"]
    if isinstance(y, dict):  # Plotly's base64 typed array
        y = np.frombuffer(base64.b64decode(y["bdata"]), dtype=np.dtype(y["dtype"]))
    return [int(v) for v in y]


def bars(at, index: int) -> dict[str, dict[str, int]]:
    """``{trace name: {group: count}}`` of the ``index``-th figure."""
    fig = json.loads(at.get("plotly_chart")[index].proto.spec)
    return {t["name"]: dict(zip(t["x"], ys(t))) for t in fig["data"]}


def expected(table: dict) -> dict[str, dict[str, int]]:
    names = ("Detected (TP)", "Missed (FN)", "False positive (FP)")
    return {name: {group: counts[i] for group, counts in table.items()} for i, name in enumerate(names)}


def text(elements) -> str:
    return " ".join(re.sub(r"\\(.)", r"\1", e.value) for e in elements)


def test_detection_counts_by_size_and_site(project, monkeypatch):
    at = app(project, monkeypatch, "lesion_detection")
    assert at.sidebar.selectbox(key="lesion_detection.model").value == "m1"
    assert at.sidebar.selectbox(key="lesion_detection.region").value == "WT"
    assert bars(at, 0) == expected(BY_SIZE)
    assert bars(at, 1) == expected(BY_SITE)
    site_bins = at.dataframe[-1].value.set_index(["Site", "GT lesion size (voxels)"])
    assert site_bins.loc[("SiteA", "<50"), ["Detected (TP)", "Missed (FN)", "False positives (FP)"]].tolist() \
        == [1, 1, 1]
    assert site_bins.loc[("SiteB", ">5,000"), "False positives (FP)"] == 1
    assert site_bins.loc[("SiteA", "50-500"), "Detection rate"] == 0.0
    # one site only, then another region
    at.sidebar.multiselect(key="lesion_detection.datasets").set_value(["SiteB"]).run()
    assert bars(at, 0) == expected({"<50": (0, 1, 0), "50-500": (0, 0, 0), "500-5,000": (0, 0, 0),
                                    ">5,000": (0, 0, 1)})
    at.sidebar.multiselect(key="lesion_detection.datasets").set_value(["SiteA", "SiteB"]).run()
    at.sidebar.selectbox(key="lesion_detection.region").set_value("ET").run()
    assert bars(at, 0)["Detected (TP)"] == {"<50": 1, "50-500": 0, "500-5,000": 0, ">5,000": 0}
    at.sidebar.selectbox(key="lesion_detection.model").set_value("m2").run()
    assert at.sidebar.selectbox(key="lesion_detection.region").options == ["ET", "WT"]
    assert "No lesion of m2 in region ET" in text(at.info)  # below min_size only: nothing counted
    assert not at.get("plotly_chart")
    at.sidebar.selectbox(key="lesion_detection.region").set_value("WT").run()
    assert bars(at, 0)["Missed (FN)"] == {"<50": 1, "50-500": 0, "500-5,000": 0, ">5,000": 0}


@pytest.mark.parametrize("lesion_columns", [False, True])
def test_no_per_lesion_table_says_how_to_switch_it_on(tmp_path, monkeypatch, lesion_columns):
    at = app(make_project(tmp_path, lesion_columns=lesion_columns, lesion_tables=False), monkeypatch,
             "lesion_detection")
    message = text(at.info)
    assert "lesion_wise: {per_lesion_table: true}" in message and "auditapp metric-extraction" in message
    if lesion_columns:
        assert "have lesion-wise metrics (Lesion-wise Dice, Lesion-wise HD95" in message
    else:
        assert "no lesion columns" in message and "lesion_counts: true" in message
    assert str(tmp_path / "metrics" / "lesions_SiteA.csv") in text(at.caption)
    assert not at.get("plotly_chart")


def test_unreadable_per_lesion_table_is_named(tmp_path, monkeypatch):
    cfg = make_project(tmp_path)
    bad = tmp_path / "metrics" / "lesions_SiteB.csv"
    bad.write_text("ID,model\nB-000,m1\n", encoding="utf-8")
    at = app(cfg, monkeypatch, "lesion_detection")
    assert f"Could not read the per-lesion table of SiteB ({bad})" in text(at.warning)
    assert at.sidebar.multiselect(key="lesion_detection.datasets").options == ["SiteA"]


def test_subjects_page_lists_the_subjects_lesions(project, monkeypatch):
    at = app(project, monkeypatch, "subjects", set="SiteA", id="A-000")
    table = next(df.value for df in at.dataframe if "Outcome" in df.value.columns)
    assert len(table) == 7  # m1: 5 WT rows + 1 ET row; m2: 1 WT row
    assert table[["Model", "Region"]].drop_duplicates().values.tolist() == [["m1", "ET"], ["m1", "WT"], ["m2", "WT"]]
    wt = table[(table["Model"] == "m1") & (table["Region"] == "WT")]
    assert wt["Outcome"].tolist() == ["detected (TP)", "missed (FN)", "detected (TP)", "below min_size",
                                      "false positive (FP)"]
    assert wt["Voxels"].tolist() == [30, 40, 600, 5, 10]
    assert "Lesions (7 per-lesion rows)" in [e.label for e in at.expander]
    at.sidebar.selectbox(key="subjects.id.SiteA").set_value("A-003").run()
    assert "No per-lesion rows for A-003" in text(at.caption)


def test_lesion_metrics_have_readable_names_in_selectors(project, monkeypatch):
    """Single model, pairwise with tests, cross-site (by site) and multi-model ranking: one app, page after page."""
    at = app(project, monkeypatch, "single_model")
    for page in ("single_model", "pairwise", "cross_site"):
        at.switch_page(f"views/{page}.py").run()
        widget = at.sidebar.selectbox(key=f"{page}.metric")
        assert {"Lesion-wise Dice", "Lesion-wise HD95", "Missed lesions (FN)", "Lesion F1"} <= set(widget.options)
        widget.set_value("lesion_hd95").run()
        _readable(at, page)
    at.switch_page("views/multi_model.py").run()
    widget = next(w for w in at.sidebar.multiselect if w.label == "Metrics")
    assert {"Lesion-wise Dice", "Lesion-wise HD95", "Detected lesions (TP)", "Lesion F1"} <= set(widget.options)
    widget.set_value(["lesion_dice", "fn_lesions"]).run()
    _readable(at, "multi_model")
    headings = [m.value for m in at.markdown if m.value.startswith("**")]  # one ranking per metric
    assert headings[0].startswith("**Lesion-wise Dice** — SiteA") and "(higher is better)" in headings[0]
    assert headings[1].startswith("**Missed lesions (FN)** — SiteA") and "(lower is better)" in headings[1]


def _readable(at, page: str) -> None:
    assert not at.exception, (page, [e.message for e in at.exception])
    assert not [e.value for e in at.error], page
    assert at.get("plotly_chart"), page
    shown = shown_text(at)
    assert "Lesion-wise" in shown, page
    assert not re.search(r"\b(lesion_dice|lesion_hd95|fn_lesions)\b", shown), (page, shown)


def shown_text(at) -> str:
    """Figure titles, axis titles and annotations, table headers, markdown and captions of the page."""
    parts = []
    for chart in at.get("plotly_chart"):
        layout = json.loads(chart.proto.spec)["layout"]
        titles = [layout.get(k, {}).get("title") for k in layout if k == "title" or k.startswith(("xaxis", "yaxis"))]
        parts += [t.get("text", "") if isinstance(t, dict) else str(t or "") for t in titles]
        parts += [a.get("text", "") for a in layout.get("annotations", [])]
    parts += [" ".join(map(str, d.value.columns)) for d in at.dataframe]
    return " ".join(parts) + " " + text(at.markdown) + " " + text(at.caption) + " " + text(at.subheader)
