"""Every dashboard page through ``streamlit.testing.v1.AppTest`` from the entry point (dashboard.md §7)."""

from __future__ import annotations

import json

import pytest

from app_fixtures import MAIN, OUTLIER, SETS, make_project, write_brats_config

st_testing = pytest.importorskip("streamlit.testing.v1")

MY_PAGES = ("univariate", "multivariate", "subjects")
MODEL_PAGES = ("error_matrix", "single_model", "pairwise", "multi_model", "cross_site", "longitudinal")
TIMEOUT = 60


def app(config, monkeypatch, page: str | None = None):
    monkeypatch.setenv("AUDITAPP_CONFIG", str(config))
    at = st_testing.AppTest.from_file(str(MAIN), default_timeout=TIMEOUT)
    at.run()
    if page is not None:
        at.switch_page(f"views/{page}.py").run()
    return at


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def figures(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def widget(elements, label):
    found = [w for w in elements if w.label == label]
    assert found, f"no widget labelled {label!r}; have {[w.label for w in elements]}"
    return found[0]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("app"))


@pytest.fixture(scope="module")
def step6(tmp_path_factory):
    """Tutorial step 6: features only, empty ``metrics:`` / ``predictions:``."""
    return make_project(tmp_path_factory.mktemp("step6"), metrics=False, images=False, metadata=False)


def values(v) -> list[float]:
    """A Plotly JSON array: a plain list, or ``{"dtype", "bdata"}`` (base64 typed array, Plotly >= 6)."""
    if isinstance(v, dict) and "bdata" in v:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).tolist()
    return list(v)


def subject_points(fig: dict) -> list[tuple[str, str]]:
    out = []
    for trace in fig["data"]:
        if trace["type"] in ("scatter", "scattergl") and "customdata" in trace:
            out += [(c[0], c[1]) for c in trace["customdata"]]
    return out


def test_home_lists_status_and_pages(project, monkeypatch):
    at = app(project, monkeypatch)
    assert not at.exception and not errors(at)
    assert at.title[0].value == "AUDIT"
    status = at.table[0].value  # static table: long cells wrap, never cut off (issue 16 item 12)
    assert list(status.index) == list(SETS)
    assert status["Features"].iloc[0] == "✓ 12 subjects, 40 columns"
    assert status["Metrics"].iloc[0] == "✓ 72 rows, 2 models, 3 regions, legacy columns"
    assert status["Metadata"].iloc[0] == "12 of 12 subjects"
    pages = at.table[1].value
    status_of = dict(zip(pages.index, pages["Status"]))
    assert status_of.pop("Longitudinal analysis") == "needs features with longitudinal IDs"
    assert len(status_of) == 8 and set(status_of.values()) == {"available"}


def test_univariate_default_figure_has_every_subject(project, monkeypatch):
    at = app(project, monkeypatch, "univariate")
    assert not at.exception and not errors(at)
    assert widget(at.sidebar.multiselect, "Datasets").value == list(SETS)
    assert widget(at.selectbox, "Feature").value == "Max. intensity (T1)"
    assert widget(at.selectbox, "Plot type").value == "Box + Points"
    upper, lower = figures(at)
    points = subject_points(upper)
    assert sorted(points) == sorted((s, f"{s}-{i:03d}") for s in SETS for i in range(12))
    assert [t["type"] for t in upper["data"]].count("box") == 2
    assert upper["layout"]["xaxis"]["title"]["text"] == "Max. intensity (T1)"
    assert upper["layout"]["height"] == 150 + 90 * 2
    assert {t["name"] for t in lower["data"]} == set(SETS)  # one density curve per dataset
    assert lower["layout"]["yaxis"]["title"]["text"] == "Density"
    assert at.get("download_button")


def test_univariate_interactions(project, monkeypatch):
    at = app(project, monkeypatch, "univariate")
    widget(at.selectbox, "Plot type").select("Violin").run()
    assert [t["type"] for t in figures(at)[0]["data"]].count("violin") == 2
    widget(at.selectbox, "Distribution").select("Histogram").run()
    hist = figures(at)[1]
    assert [t["type"] for t in hist["data"]] == ["histogram", "histogram"]
    assert hist["layout"]["barmode"] == "overlay"
    widget(at.radio, "Filter").set_value("Standard deviations").run()
    widget(at.number_input, "Number of standard deviations").set_value(1).run()
    assert not at.exception and not errors(at)
    kept = subject_points(figures(at)[0])
    assert 0 < len(kept) < 24
    widget(at.sidebar.multiselect, "Datasets").set_value(["SiteB"]).run()
    widget(at.radio, "Filter").set_value("No filter").run()
    widget(at.selectbox, "Dataset").select("SiteB").run()
    widget(at.selectbox, "Subject").select("SiteB-005").run()
    last = figures(at)[0]["data"][-1]
    assert last["customdata"] == [["SiteB", "SiteB-005"]] and last["marker"]["color"] == "#e31231"
    widget(at.sidebar.multiselect, "Datasets").set_value([]).run()
    assert "Select at least one dataset in the sidebar." in [i.value for i in at.info]


def test_univariate_groups_by_metadata(project, monkeypatch):
    at = app(project, monkeypatch, "univariate")
    widget(at.sidebar.selectbox, "Colour / group by").select("Scanner").run()
    assert not at.exception and not errors(at)
    upper = figures(at)[0]
    boxes = [t["name"] for t in upper["data"] if t["type"] == "box"]
    assert boxes == ["GE", "Philips", "Siemens"]
    assert upper["layout"]["legend"]["title"]["text"] == "Scanner"


def test_multivariate_continuous_colour_keeps_subject_ids(project, monkeypatch):
    at = app(project, monkeypatch, "multivariate")
    assert not at.exception and not errors(at)
    fig = figures(at)[0]
    assert [t["name"] for t in fig["data"]] == list(SETS)
    assert fig["layout"]["xaxis"]["title"]["text"] == "Max. intensity (T1)"
    assert fig["layout"]["yaxis"]["title"]["text"] == "Max. intensity (T2)"
    assert any("Spearman ρ" in c.value for c in at.caption)
    widget(at.sidebar.selectbox, "Colour by").select("Scanner").run()  # <= 30 values: one trace per value
    assert [t["name"] for t in figures(at)[0]["data"]] == ["GE", "Siemens", "Philips"]
    widget(at.sidebar.selectbox, "Colour by").select("Feature").run()
    widget(at.selectbox, "Colour feature").select("Mean intensity (T1)").run()
    fig = figures(at)[0]
    assert len(fig["data"]) == 1 and fig["data"][0]["marker"]["colorscale"]
    assert fig["data"][0]["marker"]["colorbar"]["title"]["text"] == "Mean intensity (T1)"
    assert len(fig["data"][0]["customdata"]) == 24
    widget(at.checkbox, "Log X").check().run()
    assert figures(at)[0]["layout"]["xaxis"]["type"] == "log"
    assert not at.exception and not errors(at)


def test_subjects_iqr_outlier_and_query_params(project, monkeypatch):
    monkeypatch.setenv("AUDITAPP_CONFIG", str(project))
    at = st_testing.AppTest.from_file(str(MAIN), default_timeout=TIMEOUT)
    at.run()
    at.query_params["set"] = OUTLIER[0]
    at.query_params["id"] = OUTLIER[1]
    at.switch_page("views/subjects.py").run()
    assert not at.exception and not errors(at)
    assert widget(at.sidebar.selectbox, "Subject").value == OUTLIER[1]
    assert [t.label for t in at.tabs] == ["Statistical", "Texture", "Spatial", "Tumor", "Metadata"]
    outliers = at.dataframe[-1].value
    assert "Lesion size (ET)" in list(outliers["Feature"])
    row = outliers[outliers["Feature"] == "Lesion size (ET)"].iloc[0]
    assert row["Subject"] == "1,000,000.00" and row["Side"] == "high"
    widget(at.sidebar.selectbox, "Subject").select(f"{OUTLIER[0]}-004").run()
    assert not at.exception
    assert at.query_params["id"] == f"{OUTLIER[0]}-004"  # the URL follows the selection
    widget(at.sidebar.selectbox, "Dataset").select("SiteB").run()
    assert widget(at.sidebar.selectbox, "Subject").value == "SiteB-000"
    assert at.query_params["set"] == "SiteB" and not at.exception and not errors(at)


@pytest.mark.parametrize("page", MY_PAGES + MODEL_PAGES)
def test_step6_every_page_renders(step6, monkeypatch, page):
    at = app(step6, monkeypatch, page)
    assert not at.exception and not errors(at)
    if page in MODEL_PAGES:
        assert at.info, "a model page must say what to configure"  # exact wording: the model pages' tests
    else:
        assert figures(at) or at.dataframe


def test_missing_csv_is_explained(tmp_path, monkeypatch):
    config = make_project(tmp_path, metrics=False, images=False, metadata=False, missing_csv=True)
    for page in (None, "univariate", "subjects"):
        at = app(config, monkeypatch, page)
        assert not at.exception and not errors(at)
        assert any("File not found:" in w.value and "features.Ghost" in w.value for w in at.warning)


def test_no_features_configured(tmp_path, monkeypatch):
    config = tmp_path / "app.yaml"
    config.write_text("features:\nmetrics:\n", encoding="utf-8")
    for page in MY_PAGES:
        at = app(config, monkeypatch, page)
        assert not at.exception and not errors(at)
        assert any(i.value.startswith("No features configured. Add `features:`") for i in at.info)


def test_invalid_config_message(tmp_path, monkeypatch):
    config = tmp_path / "app.yaml"
    config.write_text("labels: {BKG: 0, ET: '3'}\n", encoding="utf-8")
    at = app(config, monkeypatch)
    assert not at.exception
    assert errors(at) and "The app config is not valid" in errors(at)[0]


@pytest.mark.shared
@pytest.mark.parametrize("page", ("home",) + MY_PAGES + MODEL_PAGES)
def test_by_site_every_page(shared_dir, tmp_path, monkeypatch, page):
    root = shared_dir / "data" / "brats2024_by_site"
    sites = ("Duke", "Indiana", "Missouri", "UCSD", "UCSF")
    lines = ["features:"] + [f"  {s}: {root}/features/extracted_information_{s}.csv" for s in sites]
    lines += ["metrics:"] + [f"  {s}: {root}/metrics/extracted_information_{s}.csv" for s in sites]
    lines += ["labels: {BKG: 0, NETC: 1, SNFH: 2, ET: 3, RC: 4}"]
    config = tmp_path / "app.yaml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    at = app(config, monkeypatch, None if page == "home" else page)
    assert not at.exception and not errors(at)
    if page == "univariate":
        assert len(subject_points(figures(at)[0])) == 1621
    if page == "subjects":
        widget(at.sidebar.selectbox, "Subject").select("Duke-02060-100").run()
        table = at.dataframe[-1].value
        assert table.to_dict("records") == [{
            "Feature": "Lesion size (NETC)", "Median (Dataset)": "0.00", "Mean ± Std (Dataset)": "1,865.94 ± 5,116.73",
            "Subject": "2,867.00", "Side": "high",
        }]
        widget(at.checkbox, "Extreme outlier").check().run()
        assert list(at.dataframe[-1].value["Feature"]) == ["Lesion size (NETC)"]


@pytest.mark.shared
@pytest.mark.parametrize("page", ("home",) + MY_PAGES + MODEL_PAGES)
def test_brats_raw_config_every_page(shared_dir, tmp_path, monkeypatch, page):
    """../shared/data/brats with raw_datasets + predictions; a one-subject feature table (edge cases: no density,
    no IQR statistics)."""
    config = write_brats_config(shared_dir / "data" / "brats", shared_dir / "reference", tmp_path)
    at = app(config, monkeypatch, None if page == "home" else page)
    assert not at.exception and not errors(at)
    if page == "univariate":
        assert subject_points(figures(at)[0]) == [("BraTS2024_SSA", "BraTS2024_SSA-00002-000")]
        assert any("fewer than 2 distinct values" in c.value for c in at.caption)
    if page == "subjects":
        assert any(s.value == "The subject is not an outlier for any of the features" for s in at.success)


def test_multivariate_same_feature_on_both_axes(project, monkeypatch):
    at = app(project, monkeypatch, "multivariate")
    [y_feature] = [w for w in at.selectbox if w.label == "Feature (Y axis)"]
    y_feature.select("Max. intensity (T1)").run()
    assert not at.exception and not errors(at)
    assert any("SiteA: Spearman ρ = 1.000 (n = 12)" in c.value for c in at.caption)


def test_univariate_range_filters_use_selected_datasets(project, monkeypatch):
    from app_fixtures import features_frame

    site_b = features_frame("SiteB", 1)["t1_max_intensity"]
    at = app(project, monkeypatch, "univariate")
    widget(at.sidebar.multiselect, "Datasets").set_value(["SiteB"]).run()
    widget(at.radio, "Filter").set_value("Removing outliers").run()
    slider = widget(at.slider, "Range")
    assert (slider.min, slider.max) == (site_b.min(), site_b.max())  # reference: bounds over all datasets
    lo, hi = sorted(site_b)[2], sorted(site_b)[-3]
    slider.set_value((lo, hi)).run()
    kept = subject_points(figures(at)[0])
    assert len(kept) == 8 and all(s == "SiteB" for s, _ in kept)
    widget(at.radio, "Filter").set_value("Clipping outliers").run()
    widget(at.slider, "Range").set_value((lo, hi)).run()
    xs = [x for t in figures(at)[0]["data"] if t["type"] == "scatter" for x in values(t["x"])]
    assert len(xs) == 12 and min(xs) == lo and max(xs) == hi
    assert not at.exception and not errors(at)


def test_subset_by_metadata(project, monkeypatch):
    at = app(project, monkeypatch, "univariate")
    widget(at.sidebar.selectbox, "Metadata column").select("Scanner").run()
    widget(at.sidebar.multiselect, "Values to keep").set_value(["GE"]).run()
    kept = subject_points(figures(at)[0])
    assert sorted(kept) == sorted((s, f"{s}-{i:03d}") for s in SETS for i in range(0, 12, 3))
    assert not at.exception and not errors(at)


def _failing_page():
    from auditapp.app.views._common import guard

    def body():
        raise ZeroDivisionError("division by zero")

    guard(body)


def test_guard_shows_one_line_and_collapsed_traceback():
    at = st_testing.AppTest.from_function(_failing_page, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert errors(at) == ["Something went wrong on this page: ZeroDivisionError: division by zero"]
    assert at.expander[0].label == "Traceback" and "ZeroDivisionError" in at.expander[0].code[0].value
