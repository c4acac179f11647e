"""Issue 16: each figure read back from the rendered page (AppTest): axis titles, trace positions, numbers, texts.

One test (or more) per item of the issue; the by-site numbers are in test_app_figures_shared.py and the rendered
browser checks in test_browser_figures.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app_fixtures import OUTLIER, make_project
from auditapp import analysis
from auditapp.app import plots
from test_app_models_pages import MODELS, REGIONS, app, arr, figures, ok, project, widget  # noqa: F401

DARK = "#262730"


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("figures"))


def _axes(fig: dict, prefix: str) -> dict:
    return {k: v for k, v in fig["layout"].items() if k.startswith(prefix)}


def _boxes(fig: dict) -> list[dict]:
    return [t for t in fig["data"] if t["type"] == "box"]


# --------------------------------------------------------------------------- 1, 2: titles follow the selection
def test_univariate_titles_follow_feature_and_histogram_says_count(sites, monkeypatch):
    at = app(sites, monkeypatch, "univariate")
    ok(at)
    assert [f["layout"]["xaxis"]["title"]["text"] for f in figures(at)] == ["Max. intensity (T1)"] * 2
    widget(at.selectbox, "Feature category").set_value("Tumor").run()
    widget(at.selectbox, "Feature").set_value("Lesion size (ET)").run()
    ok(at)
    assert [f["layout"]["xaxis"]["title"]["text"] for f in figures(at)] == ["Lesion size (ET)"] * 2
    x_inputs = [t for t in at.text_input if t.label == "X axis label"]
    assert [t.placeholder for t in x_inputs] == ["Lesion size (ET)"] * 2 and all(t.value == "" for t in x_inputs)
    # a typed label applies to this feature only
    x_inputs[0].input("ET volume").run()
    assert figures(at)[0]["layout"]["xaxis"]["title"]["text"] == "ET volume"
    widget(at.selectbox, "Feature").set_value("Lesion size (NETC)").run()
    assert figures(at)[0]["layout"]["xaxis"]["title"]["text"] == "Lesion size (NETC)"
    widget(at.selectbox, "Feature").set_value("Lesion size (ET)").run()
    assert figures(at)[0]["layout"]["xaxis"]["title"]["text"] == "ET volume"
    # 2: density then histogram: the y title says what the bars are
    assert figures(at)[1]["layout"]["yaxis"]["title"]["text"] == "Density"
    widget(at.selectbox, "Distribution").set_value("Histogram").run()
    ok(at)
    hist = figures(at)[1]
    assert hist["layout"]["yaxis"]["title"]["text"] == "Count"
    assert {t["type"] for t in hist["data"]} == {"histogram"} and not any(t.get("histnorm") for t in hist["data"])


def test_multivariate_x_title_follows_feature(sites, monkeypatch):
    at = app(sites, monkeypatch, "multivariate")
    ok(at)
    before = figures(at)[0]["layout"]["xaxis"]["title"]["text"]
    at.selectbox(key="multivariate.feature.category").set_value("Tumor").run()
    at.selectbox(key="multivariate.feature.feature").set_value("Lesion size (ET)").run()
    ok(at)
    fig = figures(at)[0]
    assert before != "Lesion size (ET)" and fig["layout"]["xaxis"]["title"]["text"] == "Lesion size (ET)"
    assert [t.placeholder for t in at.text_input if t.label == "X axis label"] == ["Lesion size (ET)"]


# --------------------------------------------------------------------------- 5: Tukey boxes everywhere
def test_univariate_box_mode_whiskers_and_outlier_points(sites, monkeypatch):
    at = app(sites, monkeypatch, "univariate")
    widget(at.selectbox, "Feature category").set_value("Tumor").run()
    widget(at.selectbox, "Feature").set_value("Lesion size (ET)").run()
    widget(at.selectbox, "Plot type").set_value("Box").run()
    ok(at)
    fig = figures(at)[0]
    feats = pd.read_csv(next(p for p in sites.parent.parent.rglob(f"extracted_information_{OUTLIER[0]}.csv")
                             if "features" in str(p)))
    values = feats["lesion_size_et"].to_numpy(float)
    q1, med, q3 = np.quantile(values, [0.25, 0.5, 0.75])
    inside = values[(values >= q1 - 1.5 * (q3 - q1)) & (values <= q3 + 1.5 * (q3 - q1))]
    box = [b for b in _boxes(fig) if b["name"] == OUTLIER[0]][0]
    np.testing.assert_allclose([box["q1"][0], box["median"][0], box["q3"][0]], [q1, med, q3])
    np.testing.assert_allclose([box["lowerfence"][0], box["upperfence"][0]], [inside.min(), inside.max()])
    assert box["upperfence"][0] < 1e6  # not the maximum: 1.5 x IQR whiskers
    points = [t for t in fig["data"] if t["type"] == "scatter" and t.get("customdata")]
    assert [tuple(c[:2]) for t in points for c in t["customdata"]] == [OUTLIER]  # the only point drawn
    np.testing.assert_allclose(arr(points[0]["x"]), [1e6])


# --------------------------------------------------------------------------- 3, 6: facets aligned, one axis/metric
def test_multi_model_facets_share_positions_and_one_axis_per_metric(project, monkeypatch):
    at = app(project["config"], monkeypatch, "multi_model")
    at.checkbox(key="multi_model.aggregated").uncheck().run()
    at.sidebar.multiselect(key="multi_model.metrics.SiteA").set_value(["dice", "hausdorff_distance"]).run()
    ok(at)
    fig = figures(at)[0]
    boxes = _boxes(fig)
    assert len(boxes) == len(REGIONS) * 2 * len(MODELS)
    for model_index, model in enumerate(MODELS):
        xs = {arr(b["x"])[0] for b in boxes if b["name"] == model}
        assert xs == {float(model_index)}  # the same position in every region row and metric column
    # one y axis per metric: the Dice and Hausdorff panels have their own titles and ranges
    titles = {v["title"]["text"] for v in _axes(fig, "yaxis").values() if v.get("title")}
    assert titles == {"Dice", "Hausdorff distance"}
    assert not any("matches" in v for v in _axes(fig, "yaxis").values())
    dice_axes = {b["yaxis"] for b in boxes if b["median"][0] < 1.5}
    haus_axes = {b["yaxis"] for b in boxes if b["median"][0] > 1.5}
    assert dice_axes and haus_axes and not dice_axes & haus_axes
    ticks = {tuple(v["ticktext"]) for v in _axes(fig, "xaxis").values()}
    assert ticks == {MODELS}
    # 5: whiskers at the last values within 1.5 IQR of each model x region x metric
    m = project["metrics"]["SiteA"]
    vals = m[(m["model"] == "m1") & (m["region"] == "ET")]["dice"].to_numpy()
    q1, q3 = np.quantile(vals, [0.25, 0.75])
    inside = vals[(vals >= q1 - 1.5 * (q3 - q1)) & (vals <= q3 + 1.5 * (q3 - q1))]
    first = boxes[0]  # row ET, column Dice, model m1
    np.testing.assert_allclose([first["lowerfence"][0], first["upperfence"][0]], [inside.min(), inside.max()])
    # 12: legend outside the plotting area of a faceted figure
    assert fig["layout"]["legend"]["x"] > 1


# --------------------------------------------------------------------------- 4, 7: pairwise words and numbers
def test_pairwise_direction_in_words_and_statistics_named(project, monkeypatch):
    at = app(project["config"], monkeypatch, "pairwise")
    at.checkbox(key="pairwise.test").check().run()
    ok(at)
    m = project["metrics"]["SiteA"]
    wide = m.groupby(["ID", "model"])["dice"].mean().unstack()
    d = wide["m2"] - wide["m1"]
    sentence = [x.value for x in at.markdown if "m2" in x.value and "m1" in x.value][0]
    result = analysis.paired_test(wide["m1"], wide["m2"])
    if result.reject:
        word = "higher" if (result.effect_size if np.isfinite(result.effect_size) else d.mean()) > 0 else "lower"
        assert f"m2 {'tends to be ' if 'Wilcoxon' in result.test else 'is '}significantly {word} than m1" in sentence
        assert ("better" if word == "higher" else "worse") in sentence  # Dice: higher is better
    else:
        assert sentence.startswith("**No significant difference between m2 and m1")
    rows = at.table[0].value

    def num(v):
        return plots.format_number(v, signed=True, digits=3, decimals=4)

    assert rows.loc["Median of d", "Value"].startswith(num(d.median()))
    assert rows.loc["Mean of d", "Value"].startswith(num(d.mean()))
    assert rows.loc["95 % bootstrap CI of the mean of d", "Value"] == f"[{num(result.ci_low)}, {num(result.ci_high)}]"
    at.checkbox(key="pairwise.per_region").check().run()
    ok(at)
    regions = at.dataframe[-1].value
    for region, decision, significant in zip(regions["Region"], regions["Decision (Holm)"],
                                             regions["Significant (Holm)"]):
        assert (f"on {region}" in decision) and (("higher" in decision or "lower" in decision) == significant)
    at.radio(key="pairwise.rule").set_value("AUDIT reference rule").run()
    ok(at)
    normality = [t.value for t in at.table if "Null hypothesis interpretation" in t.value.index]
    assert len(normality) == 2  # static tables: the long interpretation wraps instead of being cut


def test_pairwise_lower_is_better_metric_and_digits(project, monkeypatch):
    at = app(project["config"], monkeypatch, "pairwise")
    widget(at.sidebar.selectbox, "Metric").set_value("hausdorff_distance").run()
    ok(at)
    bar = figures(at)[0]
    assert bar["layout"]["xaxis"]["title"]["text"] == "Relative change (%)"
    trace = bar["data"][0]
    x = arr(trace["x"])
    verdicts = [c[1] for c in trace["customdata"]]
    assert verdicts == ["worse" if v > 0 else "better" for v in x]  # from the catalogue: lower is better
    assert any("lower Hausdorff distance is better" in c.value for c in at.caption)
    at.sidebar.radio(key="pairwise.comparison").set_value("Absolute").run()
    trace = figures(at)[0]["data"][0]
    for text, value in zip(trace["text"], arr(trace["x"])):
        assert text == plots.format_number(value, signed=True) and float(text) != 0.0
        assert abs(float(text) - value) <= 0.06 * abs(value)  # at least 2 significant digits


def test_number_and_p_formats():
    assert plots.format_number(-0.0043, signed=True) == "-0.0043"
    assert plots.format_number(41.87, signed=True) == "+41.87"
    assert plots.format_p(0.0) == "< 1e-16" and plots.format_p(5e-17) == "< 1e-16"
    assert plots.format_p(0.0106) == "0.0106"


# --------------------------------------------------------------------------- 8: Nemenyi text, CD diagram
def test_nemenyi_zero_p_and_critical_difference_layout():
    p = pd.DataFrame([[1.0, 0.0, 0.02], [0.0, 1.0, 0.5], [0.02, 0.5, 1.0]], index=list("abc"), columns=list("abc"))
    heat = plots.nemenyi_heatmap(p)
    texts = {(a.x, a.y): a.text for a in heat.layout.annotations}
    assert texts[("b", "a")] == "< 1e-16" and texts[("c", "a")] == "0.02" and texts[("c", "b")] == "0.5"
    ranks = pd.Series({"m1": 1.2, "m2": 1.9, "m3": 3.1, "m4": 3.8})
    cd = plots.critical_difference_figure(ranks, 0.8)
    assert cd.layout.xaxis.showline and cd.layout.xaxis.side == "top" and cd.layout.yaxis.range[1] == 0
    stems = {t.name: (np.asarray(t.x, float), np.asarray(t.y, float)) for t in cd.data if t.name in ranks.index}
    assert {n: x[-1] for n, (x, _) in stems.items()} == {"m1": 0.5, "m2": 0.5, "m3": 4.5, "m4": 4.5}
    assert all(t.textfont.size >= 12 for t in cd.data if t.name in ranks.index)
    # no elbow crosses another model's stem: a horizontal segment at depth y from x0 to the edge may only pass
    # stems that stop above it
    for name, (x, y) in stems.items():
        lo, hi = sorted((x[1], x[2]))
        for other, (ox, oy) in stems.items():
            if other != name and lo < ox[0] < hi:
                assert oy[1] > y[1], (name, other)
    assert [t.name for t in cd.data].count("clique") == 2  # m1-m2 and m3-m4 within 0.8


# --------------------------------------------------------------------------- 9: log X marginal histogram
def test_log_x_marginal_histogram_bins_log_values():
    df = pd.DataFrame({"ID": [f"s{i}" for i in range(6)], "set": ["A"] * 6,
                       "x": [1.0, 10.0, 100.0, 1000.0, 50.0, 5.0], "y": [1.0, 2, 3, 4, 5, 6]})
    fig = plots.scatter_figure(df, "x", "y", marginal=True, log_x=True)
    top = [t for t in fig.data if t.type == "histogram" and t.yaxis == "y2"][0]
    np.testing.assert_allclose(np.sort(np.asarray(top.x, float)), np.log10(np.sort(df["x"].to_numpy())))
    assert top.xaxis == "x3" and fig.layout.xaxis.type == "log"
    assert list(fig.layout.xaxis3.range) == list(fig.layout.xaxis.range)
    assert tuple(fig.layout.xaxis3.domain) == tuple(fig.layout.xaxis.domain)


# --------------------------------------------------------------------------- 10: cross-site page
def test_cross_site_heatmap_tests_and_boxes(project, monkeypatch):
    at = app(project["config"], monkeypatch, "cross_site")
    ok(at)
    heat, boxes = figures(at)[:2]
    frames = pd.concat([df.assign(set=s) for s, df in project["metrics"].items()])
    means = frames.groupby(["set", "model", "ID"])["dice"].mean()
    medians = means.groupby(["model", "set"]).median().unstack("set")
    assert heat["data"][0]["x"] == ["SiteA", "SiteB"] and heat["data"][0]["y"] == list(MODELS)
    np.testing.assert_allclose(arr(heat["data"][0]["z"]), medians.to_numpy())
    cell = [a["text"] for a in heat["layout"]["annotations"] if a["x"] == "SiteA" and a["y"] == "m1"][0]
    q1, q3 = means.loc["SiteA", "m1"].quantile([0.25, 0.75])
    assert cell == (f"{plots.format_number(medians.loc['m1', 'SiteA'], decimals=3)}<br>"
                    f"[{plots.format_number(q1, decimals=3)}, {plots.format_number(q3, decimals=3)}]")
    assert heat["data"][0]["colorscale"][-1][1] == "rgb(8,48,107)"  # high medians dark
    tests = at.dataframe[0].value
    assert list(tests["Model"]) == list(MODELS) and set(tests["Test"]) == {"Kruskal-Wallis"}
    from scipy import stats
    h = stats.kruskal(means.loc["SiteA", "m1"], means.loc["SiteB", "m1"]).statistic
    np.testing.assert_allclose(tests["Statistic"].iloc[0], h)
    np.testing.assert_allclose(tests["Effect"].iloc[0], h / (2 * 12 - 1))
    assert any(m.value.startswith("- m1: hardest site") for m in at.markdown)
    box_x = sorted({round(arr(b["x"])[0], 6) for b in _boxes(boxes)})
    assert len(box_x) == 2 * len(MODELS) and boxes["layout"]["xaxis"]["ticktext"] == ["SiteA", "SiteB"]


# --------------------------------------------------------------------------- 11: outlier tables with links
def test_univariate_and_single_model_outlier_tables_link_subjects(sites, monkeypatch, project):
    at = app(sites, monkeypatch, "univariate")
    widget(at.selectbox, "Feature category").set_value("Tumor").run()
    widget(at.selectbox, "Feature").set_value("Lesion size (ET)").run()
    ok(at)
    table = [d.value for d in at.dataframe if "Subjects page" in d.value.columns][0]
    row = table[table["Subject"] == OUTLIER[1]].iloc[0]
    assert row["Dataset"] == OUTLIER[0] and row["Side"] == "high" and row["Value"] == 1e6
    assert row["Subjects page"] == f"subjects?set={OUTLIER[0]}&id={OUTLIER[1]}"
    at = app(project["config"], monkeypatch, "single_model")
    ok(at)
    table = [d.value for d in at.dataframe if "Subjects page" in d.value.columns]
    shown = figures(at)[0]
    expected = analysis.iqr_outlier_table(
        pd.DataFrame({"ID": [c[1] for t in shown["data"] if t.get("customdata") for c in t["customdata"]],
                      "set": [c[0] for t in shown["data"] if t.get("customdata") for c in t["customdata"]],
                      "v": np.concatenate([arr(t["y"]) for t in shown["data"] if t.get("customdata")])}), ["v"])
    if table:
        got = table[0]
        assert sorted(got.loc[got["Feature / metric"] == "Dice", "Subject"]) == sorted(expected["ID"])
    else:
        assert expected.empty and any("No subject outside the 1.5 × IQR fences" in c.value for c in at.caption)


# --------------------------------------------------------------------------- 12: paper theme
@pytest.mark.parametrize("page", ["univariate", "multivariate", "single_model", "pairwise", "multi_model",
                                  "cross_site", "longitudinal"])
def test_every_figure_has_dark_axes_and_readable_text(project, sites, monkeypatch, page):
    config = sites if page in ("univariate", "multivariate") else project["config"]
    at = app(config, monkeypatch, page)
    ok(at)
    figs = figures(at)
    assert figs
    for fig in figs:
        for name, axis in {**_axes(fig, "xaxis"), **_axes(fig, "yaxis")}.items():
            if axis.get("visible") is False:
                continue
            assert axis["linecolor"] == DARK and axis["tickcolor"] == DARK and axis["ticks"] == "outside", name
            assert axis["tickfont"]["size"] >= 12, name
        for trace in fig["data"]:
            scale = trace.get("colorscale") or (trace.get("marker") or {}).get("colorscale")
            if isinstance(scale, list) and trace["type"] != "heatmap":
                assert scale[-1][1] == "rgb(8,48,107)"  # dark = high


def test_longitudinal_lines_distinct_and_growth_dash(project, monkeypatch):
    at = app(project["config"], monkeypatch, "longitudinal")
    ok(at)
    fig = figures(at)[0]
    lines = {t["name"]: t for t in fig["data"] if t.get("name") in ("Observed lesion size", "Predicted lesion size")}
    obs, pred = lines["Observed lesion size"], lines["Predicted lesion size"]
    assert obs["line"]["color"] != pred["line"]["color"]
    assert obs["line"]["dash"] == "solid" and pred["line"]["dash"] == "dash"
    assert obs["marker"]["symbol"] != pred["marker"]["symbol"]
    table = at.dataframe[0].value
    assert table["Observed growth (%)"].iloc[0] == "-"  # first time point: no growth, not "None"
    assert all(v == "-" or v.startswith(("+", "-")) for v in table["Predicted growth (%)"])
