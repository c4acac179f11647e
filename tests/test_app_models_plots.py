"""Pure Plotly builders of the model pages (no Streamlit needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from auditapp.app import plots as pm


def test_color_map_models_sorted_datasets_in_order():
    assert pm.color_map(["b", "a"], sort=True) == {"a": pm.PASTEL[0], "b": pm.PASTEL[1]}
    assert pm.color_map(["b", "a"]) == {"b": pm.PASTEL[0], "a": pm.PASTEL[1]}


def test_error_matrix_figure_annotates_off_diagonal_only():
    m = pd.DataFrame([[0, 14224, 101], [5173, 0, 50], [1015, 1899, 0]],
                     index=["BKG", "EDE", "ENH"], columns=["BKG", "EDE", "ENH"])
    fig = pm.error_matrix_figure(m, kind="error", fmt="count")
    texts = [(a.y, a.x, a.text) for a in fig.layout.annotations]
    assert ("BKG", "EDE", "14,224") in texts
    assert all(y != x for y, x, _ in texts)
    assert len(texts) == 6
    heat = fig.data[0]
    assert heat.zmin == 0 and heat.zmax == 14224
    assert fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.xaxis.side == "top"
    assert "Misclassified voxels" in heat.hovertemplate


def test_error_matrix_figure_confusion_percent_all_cells():
    m = pd.DataFrame([[99.83, 0.17], [2.72, 97.28]], index=["BKG", "EDE"], columns=["BKG", "EDE"])
    fig = pm.error_matrix_figure(m, kind="confusion", fmt="percent")
    assert [a.text for a in fig.layout.annotations] == ["99.8%", "0.2%", "2.7%", "97.3%"]
    assert "Voxels" in fig.data[0].hovertemplate


def test_error_matrix_figure_mean_format_and_all_zero():
    m = pd.DataFrame([[0.0, 2.5], [0.0, 0.0]], index=["A", "B"], columns=["A", "B"])
    fig = pm.error_matrix_figure(m, fmt="mean")
    assert [a.text for a in fig.layout.annotations] == ["2.5", "0.0"]
    zero = pm.error_matrix_figure(m * 0)
    assert zero.data[0].zmax == 1.0


def _scatter_frame(n_per_set=3):
    rows = []
    for s in ("Duke", "UCSF"):
        for i in range(n_per_set):
            for region in ("ET", "SNFH"):
                rows.append({"ID": f"{s}-{i}", "set": s, "region": region, "x": float(i), "y": 0.1 * i})
    return pd.DataFrame(rows)


def test_metric_scatter_customdata_and_highlight_on_top():
    df = _scatter_frame()
    fig = pm.metric_scatter(df, x="x", y="y", x_title="Tumor location (WHOLE)", y_title="Dice",
                            sets=["Duke", "UCSF"], facet="region", highlight=[("UCSF", "UCSF-1")],
                            model="m1")
    points = [t for t in fig.data if t.name in ("Duke", "UCSF")]
    assert len(points) == 4  # 2 sets x 2 facets
    first = points[0]
    assert list(first.customdata[0]) == ["Duke", "Duke-0", "ET"]
    assert "Model: m1" in first.hovertemplate
    hl = [t for t in fig.data if t.name == "Highlighted"]
    assert len(hl) == 2  # one per facet
    assert fig.data[-1].name == "Highlighted" and fig.data[-2].name == "Highlighted"
    assert hl[0].marker.color == pm.HIGHLIGHT and hl[0].marker.size == 12
    assert [list(c) for c in hl[0].customdata] == [["UCSF", "UCSF-1", "ET"]]
    assert fig.layout.annotations[0].text == "ET"


def test_metric_scatter_webgl_above_threshold_and_trend():
    rng = np.random.default_rng(0)
    n = pm.SCATTERGL_ABOVE + 200
    df = pd.DataFrame({"ID": [f"s{i}" for i in range(n)], "set": "Duke",
                       "x": rng.normal(size=n), "y": rng.normal(size=n)})
    df["y"] = 2 * df["x"] + 1
    fig = pm.metric_scatter(df, x="x", y="y", x_title="X", y_title="Y", sets=["Duke"], trend=True)
    assert isinstance(fig.data[0], go.Scattergl)
    trend = fig.data[1]
    np.testing.assert_allclose(trend.y, 2 * np.asarray(trend.x) + 1, atol=1e-9)


def test_improvement_bars_colours_and_labels():
    table = pd.DataFrame({"relative": [4.99, -1.04, 1.42]}, index=["RC", "SNFH", "Average"])
    fig = pm.improvement_bars(table, value="relative", favourable=[True, False, True],
                              label="Relative change (%)", percent=True)
    bar = fig.data[0]
    assert list(bar.y) == ["RC", "SNFH", "Average"]
    assert list(bar.marker.color) == [pm.FAVOURABLE, pm.UNFAVOURABLE, pm.FAVOURABLE]
    assert list(bar.text) == ["+4.99%", "-1.04%", "+1.42%"]
    assert bar.marker.line.color == "black"
    assert [c[1] for c in bar.customdata] == ["better", "worse", "better"]
    small = pm.improvement_bars(pd.DataFrame({"absolute": [-0.0043]}, index=["ET"]), value="absolute",
                                favourable=[False], label="Absolute change")
    assert list(small.data[0].text) == ["-0.0043"]  # enough digits, never "-0.00"


def test_histogram_figure_one_builder_for_every_page():
    df = pd.DataFrame({"set": ["a", "a", "a", "b"], "d": [0.0, 1.0, np.nan, 2.0]})
    fig = pm.histogram_figure(df, "d", bins=(0.0, 2.0, 0.5), pretty="d", title="T", height=300)
    assert [t.name for t in fig.data] == ["a", "b"]
    assert fig.data[0].xbins.start == 0.0 and fig.data[0].xbins.size == pytest.approx(0.5)
    assert list(fig.data[0].x) == [0.0, 1.0]
    assert fig.layout.title.text == "T" and fig.layout.height == 300
    empty = pm.histogram_figure(df.iloc[2:3], "d", bins=(0.0, 1.0, 1.0))
    assert len(empty.data) == 0


def test_model_boxes_tukey_positions_and_facets():
    df = pd.DataFrame({"ID": ["a", "b", "a", "b"] * 2, "model": ["m2", "m2", "m1", "m1"] * 2,
                       "metric": ["dice"] * 8, "value": np.arange(8) / 10,
                       "region": ["ET"] * 4 + ["NETC"] * 4})
    fig = pm.model_boxes(df, models=["m2", "m1"], metric_titles={"dice": "Dice"})
    boxes = [t for t in fig.data if t.type == "box"]
    assert [b.name for b in boxes] == ["m2", "m1"] and [b.x[0] for b in boxes] == [0.0, 1.0]
    assert boxes[0].marker.color == pm.PASTEL[1]  # m2 is second in sorted order
    # m2 values 0, 0.1, 0.4, 0.5: linear quartiles, whiskers at the extreme values within 1.5 IQR
    np.testing.assert_allclose([boxes[0].q1[0], boxes[0].median[0], boxes[0].q3[0]], [0.075, 0.25, 0.425])
    np.testing.assert_allclose([boxes[0].lowerfence[0], boxes[0].upperfence[0]], [0.0, 0.5])
    assert list(fig.layout.xaxis.ticktext) == ["m2", "m1"] and fig.layout.yaxis.title.text == "Dice"
    faceted = pm.model_boxes(df, models=["m1", "m2"], metric_titles={"dice": "Dice"}, facet="region")
    assert len([t for t in faceted.data if t.type == "box"]) == 4
    assert faceted.layout.title.text == "Models performance by region"
    assert {t.x[0] for t in faceted.data if t.name == "m1"} == {0.0}  # same position in both rows


def test_box_traces_outliers_selectable():
    values = [1, 2, 3, 4, 5, 6, 7, 8, 100]
    custom = np.array([["S", f"s{i}"] for i in range(9)])
    box, points = pm.box_traces(values, 2.0, name="A", color="#fff", customdata=custom)
    assert box["upperfence"] == [8.0] and box["x"] == [2.0]
    assert points["y"].tolist() == [100.0] and points["customdata"].tolist() == [["S", "s8"]]
    assert len(pm.box_traces(values, 0.0, name="A", color="#fff", outliers=False)) == 1
    assert pm.box_traces([np.nan], 0.0, name="A", color="#fff") == []


def test_nemenyi_heatmap_outlines_significant_cells():
    p = pd.DataFrame([[1.0, 0.01], [0.01, 1.0]], index=["a", "b"], columns=["a", "b"])
    fig = pm.nemenyi_heatmap(p)
    assert len(fig.layout.shapes) == 2
    assert [a.text for a in fig.layout.annotations] == ["0.01", "0.01"]


def test_critical_difference_joins_close_models():
    ranks = pd.Series({"A": 1.7, "B": 2.3, "C": 2.4, "D": 3.1})
    fig = pm.critical_difference_figure(ranks, cd=0.215)
    cliques = [t for t in fig.data if t.name == "clique"]
    assert len(cliques) == 1
    np.testing.assert_allclose(cliques[0].x, [2.3 - 0.03, 2.4 + 0.03])


def test_longitudinal_figure_labels():
    summary = pd.DataFrame({"time_point": [1, 2], "ID": ["P_001_1", "P_001_2"], "observed": [100.0, 150.0],
                            "predicted": [110.0, 120.0], "error_pct": [10.0, -20.0],
                            "observed_growth_pct": [np.nan, 50.0], "predicted_growth_pct": [np.nan, 9.0909]})
    fig = pm.longitudinal_figure(summary)
    texts = sorted(a.text for a in fig.layout.annotations)
    assert texts == sorted(["10%", "-20%", "50%", "9%"])
    names = [t.name for t in fig.data if t.name]
    assert names == ["Observed lesion size", "Predicted lesion size"]
    assert fig.layout.hovermode == "x unified"


def test_svg_config():
    assert pm.svg_config("x")["toImageButtonOptions"] == {"format": "svg", "filename": "x"}


def test_metric_scatter_colour_by_metadata():
    df = _scatter_frame(n_per_set=20)
    df["Scanner"] = np.where(df["ID"].str.endswith("1"), "GE", None)
    fig = pm.metric_scatter(df, x="x", y="y", x_title="X", y_title="Y", sets=["Duke", "UCSF"], color="Scanner")
    assert [t.name for t in fig.data] == ["GE", "missing"]
    assert fig.layout.legend.title.text == "Scanner"
    assert "Scanner: %{fullData.name}" in fig.data[0].hovertemplate
    df["Age"] = np.arange(len(df), dtype=float)
    cont = pm.metric_scatter(df, x="x", y="y", x_title="X", y_title="Y", sets=["Duke", "UCSF"], color="Age",
                             color_title="Age (years)")
    assert len(cont.data) == 1
    np.testing.assert_array_equal(cont.data[0].marker.color, df["Age"].to_numpy())
    assert cont.data[0].marker.colorbar.title.text == "Age (years)"
    assert [list(c[:2]) for c in cont.data[0].customdata[:2]] == [["Duke", "Duke-0"], ["Duke", "Duke-0"]]
