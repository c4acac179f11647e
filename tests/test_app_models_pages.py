"""Model pages through ``streamlit.testing.v1.AppTest`` on a synthetic project written in tmp_path.

Covers the error matrix (NIfTI and error-matrix CSV sources), single model, pairwise, multi-model
and longitudinal pages: no exception, expected numbers in tables and figures (checked against
independent numpy / scipy computations on the generated data), selection changes, and the
messages of an empty or broken config.
"""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from auditapp.io.nifti_write import write_volume

st_testing = pytest.importorskip("streamlit.testing.v1")

from app_fixtures import MAIN, env_with_path, fake_itksnap, wait_for  # noqa: E402

TIMEOUT = 60
LABELS = {"BKG": 0, "NETC": 1, "SNFH": 2, "ET": 3}
CLASSES = list(LABELS)
REGIONS = ("ET", "NETC", "SNFH")
MODELS = ("m1", "m2", "m3")
N = 12
SHAPE = (2, 3, 4)


# --------------------------------------------------------------------------- synthetic project
def _ids(set_name: str) -> list[str]:
    if set_name == "SiteA":
        return [f"A-{i:03d}" for i in range(N)]
    return [f"B-P{p:02d}-{t}" for p in range(4) for t in (2, 1, 3)]  # unsorted time points


def _gt() -> np.ndarray:
    return np.array([0] * 10 + [1] * 5 + [2] * 5 + [3] * 4, dtype=np.uint8).reshape(SHAPE)


def _pred(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pred = _gt().ravel().copy()
    flip = rng.choice(pred.size, size=8, replace=False)
    pred[flip] = rng.choice([0, 1, 2, 3, 7], size=8)  # 7: a value outside the classes
    return pred.reshape(SHAPE)


def _metrics(set_name: str, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    delta = {"ET": 0.10, "NETC": -0.05, "SNFH": 0.0}
    rows = []
    for i, sid in enumerate(_ids(set_name)):
        for region in REGIONS:
            base = 0.5 + 0.01 * i + rng.normal(0, 0.02)
            values = {"m1": base, "m2": base + delta[region] + rng.normal(0, 0.03),
                      "m3": base - 0.02 * (i % 3) + rng.normal(0, 0.01)}
            for model in MODELS:
                rows.append({"ID": sid, "region": region, "model": model, "dice": values[model],
                             "hausdorff_distance": 10 * (1 - values[model]),
                             "predicted_size": 100.0 * (i + 1) + {"ET": 10, "NETC": 20, "SNFH": 30}[region]})
    return pd.DataFrame(rows).sort_values(["model", "ID", "region"]).reset_index(drop=True)


def _features(set_name: str, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = _ids(set_name)
    df = pd.DataFrame({"ID": ids})
    df["whole_tumor_location"] = rng.uniform(10, 60, len(ids)).round(3)
    for lab in ("netc", "snfh", "et"):
        df[f"lesion_size_{lab}"] = rng.uniform(100, 2000, len(ids)).round(0)
    df["lesion_size_whole"] = df[["lesion_size_netc", "lesion_size_snfh", "lesion_size_et"]].sum(axis=1)
    df["t1_max_intensity"] = rng.uniform(500, 3000, len(ids)).round(2)
    if set_name == "SiteB":
        df["longitudinal_id"] = [sid.split("-")[1] for sid in ids]
        df["time_point"] = [int(sid.split("-")[2]) for sid in ids]
    else:
        df["longitudinal_id"] = ""
        df["time_point"] = 0
    return df


def _counts_rows(subject: str, model: str, gt: np.ndarray, pred: np.ndarray) -> list[dict]:
    pairs, counts = np.unique(np.stack([gt.ravel(), pred.ravel()], axis=1), axis=0, return_counts=True)
    return [{"ID": subject, "model": model, "gt_value": int(g), "pred_value": int(p), "count": int(c)}
            for (g, p), c in zip(pairs, counts)]


def make_models_project(root, *, with_predictions=True, labels=True, metrics=True, features=True,
                        metadata=False) -> dict:
    """Write the project; return paths and the generated tables for expected values."""
    out = {"root": root, "metrics": {}, "features": {}, "gt": {}, "pred": {}}
    lines = []
    if features:
        lines.append("features:")
        for i, name in enumerate(("SiteA", "SiteB")):
            df = _features(name, i)
            path = root / "features" / f"extracted_information_{name}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            df.to_csv(path, index=False)
            out["features"][name] = df
            lines.append(f"  {name}: {path}")
    if metrics:
        lines.append("metrics:")
        for i, name in enumerate(("SiteA", "SiteB")):
            df = _metrics(name, 10 + i)
            path = root / "metrics" / f"extracted_information_{name}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            df.to_csv(path, index=False)
            out["metrics"][name] = df
            lines.append(f"  {name}: {path}")
        # SiteB: error-matrix side output next to its metrics CSV (metrics.md §10)
        rows = []
        for k, sid in enumerate(_ids("SiteB")[:2]):
            rows += _counts_rows(sid, "m1", _gt(), _pred(100 + k))
        pd.DataFrame(rows).to_csv(root / "metrics" / "error_matrix_SiteB.csv", index=False)
    else:
        lines.append("metrics:")
    if with_predictions:
        raw = root / "SiteA" / "SiteA_images"
        lines.append("raw_datasets:")
        lines.append(f"  SiteA: {raw}")
        lines.append("predictions:")
        lines.append("  SiteA:")
        for m, model in enumerate(("m1", "m2")):
            pdir = root / "SiteA" / "SiteA_seg" / model
            lines.append(f"    {model}: {pdir}")
            for k, sid in enumerate(_ids("SiteA")[:3]):
                (raw / sid).mkdir(parents=True, exist_ok=True)
                gt_path = raw / sid / f"{sid}_seg.nii.gz"
                if not gt_path.exists():
                    write_volume(gt_path, _gt())
                    write_volume(raw / sid / f"{sid}_t1ce.nii.gz", np.zeros(SHAPE, dtype=np.int16))
                out["gt"][sid] = _gt()
                if model == "m2" and k == 2:
                    continue  # A-002 has no prediction of m2
                (pdir / sid).mkdir(parents=True, exist_ok=True)
                pred = _pred(10 * m + k)
                write_volume(pdir / sid / f"{sid}_pred.nii.gz", pred)
                out["pred"][(sid, model)] = pred
    else:
        lines.append("predictions:")
    if metadata:
        ids = _ids("SiteA") + _ids("SiteB")
        meta = pd.DataFrame({"ID": ids, "Scanner": (["GE", "Siemens", "Philips"] * len(ids))[: len(ids)]})
        meta.to_csv(root / "metadata.csv", index=False)
        lines.append(f"metadata: {{file: {root / 'metadata.csv'}, id_column: ID}}")
    if labels:
        lines.append("labels: {" + ", ".join(f"{k}: {v}" for k, v in LABELS.items()) + "}")
    cfg = root / "app.yaml"
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out["config"] = cfg
    return out


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_models_project(tmp_path_factory.mktemp("models"))


def app(config, monkeypatch, page: str):
    monkeypatch.setenv("AUDITAPP_CONFIG", str(config))
    at = st_testing.AppTest.from_file(str(MAIN), default_timeout=TIMEOUT)
    at.run()
    at.switch_page(f"views/{page}.py").run()
    return at


def ok(at) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not [e.value for e in at.error]


def figures(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def arr(value) -> np.ndarray:
    """A figure array from the JSON spec (plain list or Plotly's base64 typed array)."""
    if isinstance(value, dict) and "bdata" in value:
        out = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape:
            out = out.reshape([int(s) for s in str(shape).split(",")])
        return out.astype(float)
    return np.asarray(value, dtype=float)


def z_of(fig: dict) -> np.ndarray:
    return arr(fig["data"][0]["z"])


def widget(elements, label):
    found = [w for w in elements if w.label == label]
    assert found, f"no widget labelled {label!r}; have {[w.label for w in elements]}"
    return found[0]


def metric_value(at, label: str) -> str:
    return widget(at.metric, label).value


def infos(at) -> list[str]:
    """Info messages as read (user strings in them are Markdown-escaped: ``ui.esc``)."""
    return [re.sub(r"\\(.)", r"\1", i.value) for i in at.info]


# --------------------------------------------------------------------------- error matrix
def expected_error(gt: np.ndarray, pred: np.ndarray) -> np.ndarray:
    vals = list(LABELS.values())
    m = np.zeros((4, 4))
    for i, a in enumerate(vals):
        for j, b in enumerate(vals):
            if a != b:
                m[i, j] = np.sum((gt == a) & (pred == b))
    return m


def rows_pct(m: np.ndarray) -> np.ndarray:
    tot = m.sum(axis=1, keepdims=True)
    return np.where(tot > 0, 100 * m / np.where(tot > 0, tot, 1), 0.0)


def test_error_matrix_one_subject_raw_and_normalised(project, monkeypatch):
    at = app(project["config"], monkeypatch, "error_matrix")
    ok(at)
    assert widget(at.sidebar.selectbox, "Dataset").options == ["SiteA", "SiteB"]
    widget(at.sidebar.selectbox, "Model").set_value("m1")
    widget(at.sidebar.selectbox, "Subject").set_value("A-001")
    at.run()
    ok(at)
    gt, pred = project["gt"]["A-001"], project["pred"][("A-001", "m1")]
    np.testing.assert_allclose(z_of(figures(at)[0]), rows_pct(expected_error(gt, pred)), atol=1e-9)
    at.checkbox(key="error_matrix.normalize").uncheck().run()
    raw = z_of(figures(at)[0])
    np.testing.assert_array_equal(raw, expected_error(gt, pred))
    assert np.all(np.diag(raw) == 0)
    fig = figures(at)[0]
    assert fig["layout"]["yaxis"]["autorange"] == "reversed" and fig["layout"]["xaxis"]["side"] == "top"
    assert list(fig["data"][0]["x"]) == CLASSES and list(fig["data"][0]["y"]) == CLASSES
    assert any(b.label == "Open A-001 in ITK-SNAP with m1" for b in at.button)
    assert [d.proto.label for d in at.get("download_button")] == ["Download matrix (CSV)"]


def test_error_matrix_all_sums_and_averages_and_names_skipped(project, monkeypatch):
    at = app(project["config"], monkeypatch, "error_matrix")
    widget(at.sidebar.selectbox, "Model").set_value("m2")
    at.run()
    ok(at)
    assert widget(at.sidebar.selectbox, "Subject").options == ["All", "A-000", "A-001"]
    at.checkbox(key="error_matrix.normalize").uncheck().run()
    total = sum(expected_error(project["gt"][s], project["pred"][(s, "m2")]) for s in ("A-000", "A-001"))
    np.testing.assert_allclose(z_of(figures(at)[0]), total / 2)  # averaged per subject, not truncated
    caption = " ".join(c.value for c in at.caption)
    assert "Subjects used: 2" in caption and "A-002 (no prediction" in caption
    at.checkbox(key="error_matrix.average").uncheck().run()
    np.testing.assert_array_equal(z_of(figures(at)[0]), total)


def test_error_matrix_confusion_view_keeps_diagonal_and_other(project, monkeypatch):
    at = app(project["config"], monkeypatch, "error_matrix")
    widget(at.sidebar.selectbox, "Model").set_value("m1")
    widget(at.sidebar.selectbox, "Subject").set_value("A-000")
    at.run()
    at.radio(key="error_matrix.kind").set_value("Confusion matrix").run()
    ok(at)
    assert not [c for c in at.checkbox if c.key == "error_matrix.average"]
    gt, pred = project["gt"]["A-000"], project["pred"][("A-000", "m1")]
    fig = figures(at)[0]
    z = z_of(fig)
    vals = list(LABELS.values())
    for i, a in enumerate(vals):
        size = np.sum(gt == a)
        np.testing.assert_allclose(z[i, i], 100 * np.sum((gt == a) & (pred == a)) / size)
        np.testing.assert_allclose(z[i].sum(), 100.0)
    has_other = bool(np.isin(pred, vals, invert=True).any())
    assert (fig["data"][0]["x"][-1] == "other") == has_other


def test_error_matrix_csv_source_equals_counts(project, monkeypatch):
    at = app(project["config"], monkeypatch, "error_matrix")
    widget(at.sidebar.selectbox, "Dataset").set_value("SiteB")
    at.run()
    ok(at)
    assert widget(at.sidebar.selectbox, "Model").options == ["m1"]
    at.checkbox(key="error_matrix.normalize").uncheck().run()
    at.checkbox(key="error_matrix.average").uncheck().run()
    total = sum(expected_error(_gt(), _pred(100 + k)) for k in range(2))
    np.testing.assert_array_equal(z_of(figures(at)[0]), total)
    assert "error-matrix CSV" in " ".join(c.value for c in at.caption)


def test_error_matrix_opens_subject_with_prediction_in_itksnap(project, monkeypatch, tmp_path):
    record = tmp_path / "args.txt"
    fake_itksnap(tmp_path / "bin", record)
    monkeypatch.setenv("PATH", env_with_path(tmp_path / "bin"))
    at = app(project["config"], monkeypatch, "error_matrix")
    widget(at.sidebar.selectbox, "Model").set_value("m2")
    widget(at.sidebar.selectbox, "Subject").set_value("A-001")
    at.run()
    at.button(key="error_matrix.itksnap").click().run()
    ok(at)
    assert wait_for(record)
    args = record.read_text().splitlines()
    root = project["root"]
    assert args[:2] == ["-g", str(root / "SiteA" / "SiteA_images" / "A-001" / "A-001_t1ce.nii.gz")]
    assert args[2:4] == ["-s", str(root / "SiteA" / "SiteA_images" / "A-001" / "A-001_seg.nii.gz")]
    assert str(root / "SiteA" / "SiteA_seg" / "m2" / "A-001" / "A-001_pred.nii.gz") in args
    assert args[-2] == "-l"


def test_error_matrix_needs_background_label(tmp_path, monkeypatch):
    proj = make_models_project(tmp_path, labels=False)
    at = app(proj["config"], monkeypatch, "error_matrix")
    ok(at)
    assert any("background label with value 0" in m for m in infos(at))


def test_error_matrix_broken_prediction_is_skipped_not_fatal(tmp_path, monkeypatch):
    proj = make_models_project(tmp_path)
    bad = tmp_path / "SiteA" / "SiteA_seg" / "m1" / "A-001" / "A-001_pred.nii.gz"
    bad.write_bytes(b"not a nifti")
    at = app(proj["config"], monkeypatch, "error_matrix")
    widget(at.sidebar.selectbox, "Model").set_value("m1")
    at.run()
    ok(at)
    caption = " ".join(c.value for c in at.caption)
    assert "Subjects used: 2" in caption and "A-001" in caption and "corrupt" in caption


# --------------------------------------------------------------------------- single model
def test_single_model_scatter_points_and_correlation(project, monkeypatch):
    at = app(project["config"], monkeypatch, "single_model")
    ok(at)
    assert widget(at.selectbox, "Feature").value == "Tumor location (WHOLE)"
    assert widget(at.sidebar.selectbox, "Model").value == "m1"
    fig = figures(at)[0]
    points = [t for t in fig["data"] if t["name"] in ("SiteA", "SiteB")]
    assert sum(len(arr(t["x"])) for t in points) == 2 * N
    m = pd.concat([project["metrics"][s].assign(set=s) for s in ("SiteA", "SiteB")])
    means = m[m["model"] == "m1"].groupby(["set", "ID"])["dice"].mean()
    siteb = points[1]
    for (set_name, sid, *_), y in zip(siteb["customdata"], arr(siteb["y"])):
        assert set_name == "SiteB"
        assert y == pytest.approx(means[("SiteB", sid)], abs=1e-12)
    corr = at.dataframe[0].value
    f = project["features"]["SiteA"].set_index("ID")["whole_tumor_location"]
    mA = means["SiteA"]
    rho = stats.spearmanr(f.loc[mA.index], mA).statistic
    assert corr.loc[corr["Dataset"] == "SiteA", "Spearman ρ"].iloc[0] == pytest.approx(rho)


def test_single_model_colour_by_metadata(tmp_path, monkeypatch):
    proj = make_models_project(tmp_path, with_predictions=False, metadata=True)
    at = app(proj["config"], monkeypatch, "single_model")
    ok(at)
    widget(at.sidebar.selectbox, "Colour / group by").set_value("Scanner").run()
    ok(at)
    fig = figures(at)[0]
    assert [t["name"] for t in fig["data"]] == ["GE", "Philips", "Siemens"]
    assert fig["layout"]["legend"]["title"]["text"] == "Scanner"
    ge = {c[1] for c in fig["data"][0]["customdata"]}
    ids = _ids("SiteA") + _ids("SiteB")
    assert ge == {sid for i, sid in enumerate(ids) if i % 3 == 0}


def test_single_model_disaggregated_facets_and_highlight(project, monkeypatch):
    at = app(project["config"], monkeypatch, "single_model")
    at.session_state["single_model.highlighted"] = [("SiteB", "B-P01-2")]
    at.checkbox(key="single_model.aggregated").uncheck().run()
    ok(at)
    fig = figures(at)[0]
    titles = [a["text"] for a in fig["layout"]["annotations"]]
    assert titles == list(REGIONS)
    hl = [t for t in fig["data"] if t["name"] == "Highlighted"]
    assert len(hl) == 3 and all(t["marker"]["color"] == "#e31231" for t in hl)
    assert fig["data"][-1]["name"] == "Highlighted"  # drawn on top
    assert any(b.label == "Reset highlighted cases" for b in at.button)
    widget(at.sidebar.selectbox, "Metric").set_value("hausdorff_distance")
    at.run()
    ok(at)
    assert figures(at)[0]["layout"]["yaxis"]["title"]["text"] == "Hausdorff distance"


# --------------------------------------------------------------------------- pairwise
def _pair_tables(project, set_name, base, bench, metric="dice"):
    m = project["metrics"][set_name]
    b = m[m["model"] == base].groupby("region")[metric].mean()
    x = m[m["model"] == bench].groupby("region")[metric].mean()
    return b, x


def test_pairwise_aggregated_bars_and_table(project, monkeypatch):
    at = app(project["config"], monkeypatch, "pairwise")
    ok(at)
    assert widget(at.sidebar.selectbox, "Baseline model").value == "m1"
    assert widget(at.sidebar.selectbox, "Benchmark model").options == ["m2", "m3"]
    b, x = _pair_tables(project, "SiteA", "m1", "m2")
    bar = figures(at)[0]["data"][0]
    assert list(bar["y"]) == ["ET", "NETC", "SNFH", "Average"]
    expected = list(100 * (x - b) / b) + [100 * (x.mean() - b.mean()) / b.mean()]
    np.testing.assert_allclose(arr(bar["x"]), expected, rtol=1e-12)
    green, orange = "#90be6d", "#ffbf69"
    assert bar["marker"]["color"][0] == green and bar["marker"]["color"][1] == orange
    table = at.dataframe[0].value
    np.testing.assert_allclose(table["Mean m1"].iloc[:3], b.to_numpy())
    at.sidebar.radio(key="pairwise.comparison").set_value("Absolute").run()
    np.testing.assert_allclose(arr(figures(at)[0]["data"][0]["x"])[:3], (x - b).to_numpy(), rtol=1e-12)
    widget(at.sidebar.selectbox, "Metric").set_value("hausdorff_distance")
    at.run()
    ok(at)
    bar = figures(at)[0]["data"][0]
    # lower is better: ET improved in Dice, so its Hausdorff bar is negative and green
    assert arr(bar["x"])[0] < 0 and bar["marker"]["color"][0] == green


def test_pairwise_statistical_test_matches_scipy(project, monkeypatch):
    at = app(project["config"], monkeypatch, "pairwise")
    at.checkbox(key="pairwise.test").check().run()
    ok(at)
    m = project["metrics"]["SiteA"]
    wide = m.groupby(["ID", "model"])["dice"].mean().unstack()
    d = wide["m2"] - wide["m1"]
    normal = stats.shapiro(d).pvalue > 0.05
    p = stats.ttest_rel(wide["m2"], wide["m1"]).pvalue if normal else stats.wilcoxon(wide["m2"], wide["m1"]).pvalue
    assert metric_value(at, "p-value") == f"{p:.4e}"
    assert metric_value(at, "n (pairs)") == str(N)
    labels = [m.label for m in at.metric]
    assert ("Cohen's d_z" if normal else "Rank-biserial r") in labels
    at.checkbox(key="pairwise.per_region").check().run()
    ok(at)
    regions = at.dataframe[-1].value
    assert list(regions["Region"]) == list(REGIONS)
    raw = regions["p"].to_numpy()
    order = np.argsort(raw)
    holm = np.minimum(1, np.maximum.accumulate((3 - np.arange(3)) * raw[order]))
    expected = np.empty(3)
    expected[order] = holm
    np.testing.assert_allclose(regions["Holm p"].to_numpy(), expected)
    at.radio(key="pairwise.rule").set_value("AUDIT reference rule").run()
    ok(at)
    norm = [t.value for t in at.table if "value" in t.value.columns]
    assert len(norm) == 2
    assert norm[0]["value"].iloc[0] == "Shapiro-Wilk"
    assert any("Levene" in c.value for c in at.caption)
    downloads = [d.proto.label for d in at.get("download_button")]
    assert "Download data used in the statistical tests as CSV" in downloads


def test_pairwise_per_subject_view(project, monkeypatch):
    at = app(project["config"], monkeypatch, "pairwise")
    at.sidebar.toggle(key="pairwise.aggregated").set_value(False).run()
    ok(at)
    figs = figures(at)
    assert len(figs) == 5
    assert figs[0]["layout"]["title"]["text"].startswith("Subject: A-000 - Lesion location: ")
    at.number_input(key="pairwise.top").set_value(2).run()
    widget(at.selectbox, "Sorted by").set_value("Improvement").run()
    at.radio(key="pairwise.order").set_value("Descending").run()
    ok(at)
    m = project["metrics"]["SiteA"]
    avg = m.groupby(["ID", "model"])["dice"].mean().unstack()
    rel = 100 * (avg["m2"] - avg["m1"]) / avg["m1"]
    best = rel.sort_values(ascending=False).index[:2].tolist()
    titles = [f["layout"]["title"]["text"] for f in figures(at)]
    assert [t.split(" - ")[0].removeprefix("Subject: ") for t in titles] == best


def test_pairwise_needs_two_models(tmp_path, monkeypatch):
    proj = make_models_project(tmp_path, with_predictions=False)
    path = tmp_path / "metrics" / "extracted_information_SiteA.csv"
    df = pd.read_csv(path)
    df[df["model"] == "m1"].to_csv(path, index=False)
    at = app(proj["config"], monkeypatch, "pairwise")
    ok(at)
    assert any("needs at least two models" in m for m in infos(at))


# --------------------------------------------------------------------------- multi-model
def test_multi_model_table_boxes_and_friedman(project, monkeypatch):
    at = app(project["config"], monkeypatch, "multi_model")
    ok(at)
    table = at.dataframe[0].value
    m = project["metrics"]["SiteA"]
    means = m.groupby(["ID", "model"])["dice"].mean().unstack()
    assert table.loc[table["Model"] == "m2", "Dice"].iloc[0] == f"{means['m2'].mean():.3f} ± {means['m2'].std():.3f}"
    boxes = figures(at)[0]
    assert [t["name"] for t in boxes["data"] if t["type"] == "box"] == list(MODELS)
    assert boxes["layout"]["title"]["text"] == "Average models performance"
    chi2 = stats.friedmanchisquare(*(means[c] for c in MODELS)).statistic
    assert metric_value(at, "Friedman χ²") == f"{chi2:.4f}"
    assert metric_value(at, "Subjects used") == str(N)
    assert not [w for w in at.sidebar.multiselect if w.label == "Regions"]  # hidden when aggregated


def test_multi_model_by_region_and_selection_messages(project, monkeypatch):
    at = app(project["config"], monkeypatch, "multi_model")
    at.checkbox(key="multi_model.aggregated").uncheck().run()
    ok(at)
    assert widget(at.sidebar.multiselect, "Regions").value == list(REGIONS)
    fig = figures(at)[0]
    assert fig["layout"]["title"]["text"] == "Models performance by region"
    assert [a["text"] for a in fig["layout"]["annotations"]][:3] == [f"{r} · Dice" for r in REGIONS]
    table = at.dataframe[0].value
    assert list(table.columns[:2]) == ["Model", "Region"] and len(table) == 9
    widget(at.sidebar.multiselect, "Models").set_value(["m1", "m2"]).run()
    ok(at)
    assert any("at least 3 models" in m for m in infos(at))
    widget(at.sidebar.multiselect, "Metrics").set_value([]).run()
    ok(at)
    assert "Select at least one metric in the sidebar." in infos(at)


# --------------------------------------------------------------------------- longitudinal
def test_longitudinal_sorted_by_time_with_errors(project, monkeypatch):
    at = app(project["config"], monkeypatch, "longitudinal")
    ok(at)
    assert widget(at.sidebar.selectbox, "Dataset").options == ["SiteB"]
    assert widget(at.sidebar.selectbox, "Subject").options == ["P00", "P01", "P02", "P03"]
    widget(at.sidebar.selectbox, "Subject").set_value("P01").run()
    ok(at)
    table = at.dataframe[0].value
    assert list(table["Time point"]) == [1, 2, 3]
    f = project["features"]["SiteB"].set_index("ID")
    ids = ["B-P01-1", "B-P01-2", "B-P01-3"]
    assert list(table["ID"]) == ids
    m = project["metrics"]["SiteB"]
    pred = m[m["model"] == "m1"].groupby("ID")["predicted_size"].sum()
    obs = f.loc[ids, "lesion_size_whole"].to_numpy()
    np.testing.assert_allclose(table["Error (%)"], 100 * (pred[ids].to_numpy() - obs) / obs)
    growth = table["Observed growth (%)"]
    assert growth.iloc[0] == "-"  # shown as "-" (with a tooltip), never "None"
    np.testing.assert_allclose(growth.iloc[1:].astype(float), 100 * np.diff(obs) / obs[:-1], atol=0.05)
    fig = figures(at)[0]
    lines = [t for t in fig["data"] if t.get("name") in ("Observed lesion size", "Predicted lesion size")]
    assert [arr(t["x"]).tolist() for t in lines] == [[1, 2, 3], [1, 2, 3]]


def test_longitudinal_messages(tmp_path, monkeypatch):
    proj = make_models_project(tmp_path, with_predictions=False)
    path = tmp_path / "features" / "extracted_information_SiteB.csv"
    df = pd.read_csv(path)
    df["longitudinal_id"] = ""
    df.to_csv(path, index=False)
    at = app(proj["config"], monkeypatch, "longitudinal")
    ok(at)
    assert infos(at)[0].startswith("No longitudinal subjects in these datasets. Configure `longitudinal:`")


def test_longitudinal_missing_size_column(tmp_path, monkeypatch):
    proj = make_models_project(tmp_path, with_predictions=False)
    path = tmp_path / "metrics" / "extracted_information_SiteB.csv"
    pd.read_csv(path).drop(columns="predicted_size").to_csv(path, index=False)
    at = app(proj["config"], monkeypatch, "longitudinal")
    ok(at)
    assert "The metric CSV of SiteB has no predicted_size column; enable it in metric extraction." in infos(at)


# --------------------------------------------------------------------------- empty / broken configs
PAGES = ("error_matrix", "single_model", "pairwise", "multi_model", "longitudinal")


@pytest.mark.parametrize("page", PAGES)
def test_step6_config_says_what_to_configure(tmp_path, monkeypatch, page):
    """Tutorial step 6: features only, `metrics:` and `predictions:` empty."""
    proj = make_models_project(tmp_path, with_predictions=False, metrics=False)
    at = app(proj["config"], monkeypatch, page)
    ok(at)
    messages = " ".join(infos(at))
    if page == "error_matrix":
        assert "No predictions configured. Add `predictions:`" in messages
    elif page == "longitudinal":
        assert "No metrics configured. Add `metrics:` to app.yaml" in messages
    else:
        assert "No metrics configured. Add `metrics:` to app.yaml" in messages


@pytest.mark.parametrize("page", PAGES[1:])
def test_missing_metric_csv_is_named(tmp_path, monkeypatch, page):
    proj = make_models_project(tmp_path, with_predictions=False)
    missing = tmp_path / "metrics" / "extracted_information_SiteA.csv"
    missing.unlink()
    at = app(proj["config"], monkeypatch, page)
    ok(at)
    assert f"File not found: {missing} (metrics.SiteA in app.yaml)." in infos(at)


def test_pairwise_mean_of_subject_changes(project, monkeypatch):
    at = app(project["config"], monkeypatch, "pairwise")
    at.sidebar.radio(key="pairwise.method").set_value("mean of per-subject changes").run()
    ok(at)
    m = project["metrics"]["SiteA"]
    wide = m.pivot_table(index=["ID", "region"], columns="model", values="dice")
    rel = (100 * (wide["m2"] - wide["m1"]) / wide["m1"]).groupby(level="region").mean()
    np.testing.assert_allclose(arr(figures(at)[0]["data"][0]["x"])[:3], rel.to_numpy(), rtol=1e-12)


def test_single_model_click_toggles_highlight_in_the_same_rerun(project, monkeypatch):
    """A selection event (as Streamlit stores it under the chart key) highlights at once; a second click removes."""
    at = app(project["config"], monkeypatch, "single_model")
    point = {"selection": {"points": [{"customdata": ["SiteA", "A-004", ""]}]}}
    at.session_state["single_model.chart.0"] = point
    at.run()
    ok(at)
    hl = [t for t in figures(at)[0]["data"] if t["name"] == "Highlighted"]
    assert [list(c[:2]) for c in hl[0]["customdata"]] == [["SiteA", "A-004"]]
    assert at.session_state["single_model.highlighted"] == [("SiteA", "A-004")]
    at.session_state["single_model.chart.1"] = point  # the chart got a fresh key: same point again
    at.run()
    ok(at)
    assert not [t for t in figures(at)[0]["data"] if t["name"] == "Highlighted"]
    assert at.session_state["single_model.highlighted"] == []


def test_selections_carry_over_between_model_pages(project, monkeypatch):
    at = app(project["config"], monkeypatch, "pairwise")
    widget(at.sidebar.selectbox, "Dataset").set_value("SiteB").run()
    widget(at.sidebar.selectbox, "Baseline model").set_value("m3").run()
    widget(at.sidebar.selectbox, "Metric").set_value("hausdorff_distance").run()
    ok(at)
    at.switch_page("views/single_model.py").run()
    ok(at)
    assert widget(at.sidebar.selectbox, "Model").value == "m3"
    assert widget(at.sidebar.selectbox, "Metric").value == "hausdorff_distance"
    at.switch_page("views/multi_model.py").run()
    ok(at)
    assert widget(at.sidebar.selectbox, "Dataset").value == "SiteB"
    at.switch_page("views/error_matrix.py").run()
    ok(at)
    assert widget(at.sidebar.selectbox, "Dataset").value == "SiteB"
    assert widget(at.sidebar.selectbox, "Model").value == "m1"  # the only model of SiteB's error-matrix CSV


def test_single_model_highlighted_subject_opens_subjects_page(project, monkeypatch):
    at = app(project["config"], monkeypatch, "single_model")
    at.session_state["single_model.highlighted"] = [("SiteB", "B-P02-3")]
    at.run()
    at.button(key="single_model.explore.0").click().run()
    ok(at)
    assert at.title[0].value == "Subjects exploration"
    assert widget(at.sidebar.selectbox, "Subject").value == "B-P02-3"


def test_pairwise_notes_different_subject_sets(tmp_path, monkeypatch):
    proj = make_models_project(tmp_path, with_predictions=False)
    path = tmp_path / "metrics" / "extracted_information_SiteA.csv"
    df = pd.read_csv(path)
    df[~((df["model"] == "m2") & (df["ID"] == "A-000"))].to_csv(path, index=False)
    at = app(proj["config"], monkeypatch, "pairwise")
    ok(at)
    assert any("evaluated on different subjects (m1: 12, m2: 11, both: 11)" in c.value for c in at.caption)
    widget(at.sidebar.selectbox, "Benchmark model").set_value("m3").run()
    assert not any("different subjects" in c.value for c in at.caption)


def test_pairwise_test_settings_survive_the_per_subject_view(project, monkeypatch):
    at = app(project["config"], monkeypatch, "pairwise")
    at.checkbox(key="pairwise.test").check().run()
    at.radio(key="pairwise.rule").set_value("AUDIT reference rule").run()
    at.sidebar.toggle(key="pairwise.aggregated").set_value(False).run()
    ok(at)
    at.sidebar.toggle(key="pairwise.aggregated").set_value(True).run()
    ok(at)
    assert at.checkbox(key="pairwise.test").value is True
    assert at.radio(key="pairwise.rule").value == "AUDIT reference rule"


@pytest.mark.parametrize("page", ["pairwise", "multi_model"])
def test_header_only_and_unreadable_metric_csvs(tmp_path, monkeypatch, page):
    proj = make_models_project(tmp_path, with_predictions=False)
    (tmp_path / "metrics" / "extracted_information_SiteA.csv").write_text("ID,region,model,dice\n")
    (tmp_path / "metrics" / "extracted_information_SiteB.csv").write_text("a,b\n1,2\n")
    at = app(proj["config"], monkeypatch, page)
    ok(at)
    messages = " ".join(infos(at))
    assert "Could not read metrics.SiteB" in messages
    assert "The metric CSVs of SiteA have no rows." in messages


def test_pairwise_and_multi_model_subset_by_metadata(tmp_path, monkeypatch):
    proj = make_models_project(tmp_path, with_predictions=False, metadata=True)
    at = app(proj["config"], monkeypatch, "pairwise")
    at.sidebar.selectbox(key="pairwise.subset.column").set_value("Scanner").run()
    at.sidebar.multiselect(key="pairwise.subset.values.Scanner").set_value(["GE"]).run()
    ok(at)
    table = at.dataframe[0].value
    assert list(table["n m1"]) == [4, 4, 4, 4]
    m = proj["metrics"]["SiteA"]
    ge = m[m["ID"].isin(["A-000", "A-003", "A-006", "A-009"])]
    np.testing.assert_allclose(table["Mean m1"].iloc[:3], ge[ge["model"] == "m1"].groupby("region")["dice"].mean())
    at.switch_page("views/multi_model.py").run()
    at.sidebar.selectbox(key="multi_model.subset.column").set_value("Scanner").run()
    at.sidebar.multiselect(key="multi_model.subset.values.Scanner").set_value(["GE"]).run()
    ok(at)
    assert any("(n = 4)" in m for m in infos(at))  # 4 GE subjects: too few for the Friedman test
    assert at.dataframe[0].value["n (Dice)"].tolist() == [4, 4, 4]
