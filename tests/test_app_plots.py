"""Dataset plot builders without Streamlit, and the selection -> subject function (dashboard.md §7 click tests)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from auditapp.app import plots
from auditapp.app.selection import selected_subjects


@pytest.fixture
def frame() -> pd.DataFrame:
    # deliberately unsorted, with a NaN value: the reference mapped clicks by point index and got these wrong
    return pd.DataFrame({
        "ID": ["b2", "a1", "a3", "b1", "a2"],
        "set": ["B", "A", "A", "B", "A"],
        "v": [5.0, 1.0, np.nan, 4.0, 2.0],
        "w": [50.0, 10.0, 30.0, 40.0, 20.0],
        "age": [70.0, 30.0, 50.0, 60.0, 40.0],
    })


def click(fig, trace_index: int, point_index: int) -> dict:
    """The selection event Streamlit sends for a click on one point (customdata copied from the trace)."""
    trace = fig.data[trace_index]
    return {"selection": {"points": [{"curve_number": trace_index, "point_index": point_index,
                                      "x": trace.x[point_index], "y": trace.y[point_index],
                                      "customdata": list(trace.customdata[point_index])}],
                          "point_indices": [point_index], "box": [], "lasso": []}}


def test_builders_do_not_import_streamlit():
    code = "import sys, auditapp.app.plots, auditapp.app.selection; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_jitter_is_deterministic_and_bounded():
    a = plots.jitter(["x", "y", "z"], 0.1)
    np.testing.assert_array_equal(a, plots.jitter(["x", "y", "z"], 0.1))
    assert np.all(np.abs(a) <= 0.1) and len(set(a)) == 3


@pytest.mark.parametrize("plot_type", ["Box + Points", "Violin"])
def test_univariate_click_gives_the_clicked_subject(frame, plot_type):
    fig = plots.univariate_figure(frame, "v", order=["A", "B"], pretty="Val", plot_type=plot_type)
    kinds = [t.type for t in fig.data]
    body = "box" if plot_type.startswith("Box") else "violin"
    assert kinds == [body, "scatter", body, "scatter"]
    # A first (top, y=0), its points below; NaN dropped
    def position(trace):  # violins are placed with y0, Tukey boxes with an explicit y
        return trace.y0 if trace.type == "violin" else trace.y[0]

    assert position(fig.data[0]) == 0 and position(fig.data[2]) == -1
    assert fig.data[1].customdata.tolist() == [["A", "a1"], ["A", "a2"]]
    assert np.all((np.array(fig.data[1].y) < -0.3) & (np.array(fig.data[1].y) > -0.6))
    assert selected_subjects(click(fig, 3, 0)) == [("B", "b2")]
    assert fig.layout.height == 150 + 90 * 2
    assert "ID: %{customdata[1]}<br>Val: %{x:,.2f}<br>Dataset: %{customdata[0]}" in fig.data[1].hovertemplate


def test_univariate_box_only_and_highlight_on_top(frame):
    fig = plots.univariate_figure(frame, "v", plot_type="Box", highlight=("B", "b1"))
    assert [t.type for t in fig.data] == ["box", "box", "scatter"]
    top = fig.data[-1]
    assert top.customdata.tolist() == [["B", "b1"]] and top.marker.color == "#e31231" and top.marker.size == 10
    with pytest.raises(ValueError, match="unknown plot type 'Strip'"):
        plots.univariate_figure(frame, "v", plot_type="Strip")
    with pytest.raises(ValueError, match=r"missing column\(s\) \['nope'\]"):
        plots.univariate_figure(frame, "nope")


def test_webgl_above_threshold_with_highlight_same_type():
    n = plots.SCATTERGL_ABOVE + 200
    df = pd.DataFrame({"ID": [f"s{i}" for i in range(n)], "set": "A", "v": np.arange(n, dtype=float),
                       "w": np.arange(n, dtype=float) ** 2})
    uni = plots.univariate_figure(df, "v", highlight=("A", "s7"))
    assert [t.type for t in uni.data] == ["box", "scattergl", "scattergl"]
    sc = plots.scatter_figure(df, "v", "w", highlight=("A", "s7"))
    assert [t.type for t in sc.data] == ["scattergl", "scattergl"]
    assert selected_subjects(click(sc, 0, n - 100)) == [("A", f"s{n - 100}")]
    small = df.iloc[:plots.SCATTERGL_ABOVE]  # up to the threshold (1,000 points, spec §3): SVG
    assert [t.type for t in plots.univariate_figure(small, "v", highlight=("A", "s7")).data] == [
        "box", "scatter", "scatter"]


def test_scatter_continuous_colour_click(frame):
    fig = plots.scatter_figure(frame, "v", "w", color="age", color_name="Age", continuous=True,
                               x_name="V", y_name="W", log_y=True)
    assert len(fig.data) == 1
    trace = fig.data[0]
    assert trace.marker.colorscale and trace.marker.colorbar.title.text == "Age"
    assert trace.marker.size == 10 and trace.marker.line.color == "DarkSlateGrey"
    # the NaN row is not drawn; the remaining order is the frame's, and clicks follow customdata
    assert [c[1] for c in trace.customdata] == ["b2", "a1", "b1", "a2"]
    assert selected_subjects(click(fig, 0, 2)) == [("B", "b1")]
    assert fig.layout.yaxis.type == "log" and fig.layout.xaxis.title.text == "V"
    assert "Age: %{customdata[2]}" in trace.hovertemplate


def test_scatter_by_dataset_and_by_category(frame):
    fig = plots.scatter_figure(frame, "v", "w", order=["A", "B"], colors={"A": "#111111", "B": "#222222"})
    assert [t.name for t in fig.data] == ["A", "B"]
    assert [t.marker.color for t in fig.data] == ["#111111", "#222222"]
    frame = frame.assign(kind=["x", None, "y", "x", "y"])
    fig = plots.scatter_figure(frame, "v", "w", color="kind")
    assert sorted(t.name for t in fig.data) == ["(missing)", "x", "y"]


def test_histogram_and_density(frame):
    hist = plots.histogram_figure(frame, "v", bins=(1.0, 5.0, 0.5), order=["A", "B"], pretty="V")
    assert [t.type for t in hist.data] == ["histogram", "histogram"]
    assert hist.data[0].xbins.size == 0.5 and hist.data[0].opacity == 0.6
    assert hist.data[0].marker.line.width == 0.8 and hist.layout.yaxis.title.text == "Count"
    curves = pd.DataFrame({"group": ["A", "A", "B", "B"], "x": [0, 1, 0, 1], "density": [0.1, 0.2, 0.3, 0.4]})
    dens = plots.density_figure(curves, order=["B", "A"], pretty="V")
    assert [t.name for t in dens.data] == ["B", "A"] and list(dens.data[0].y) == [0.3, 0.4]


def test_plot_options_applied(frame):
    opts = {"show_legend": False, "legend_position": "bottom left", "title": "T", "font_size": 20,
            "x_title": "X!", "y_title": "Y!"}
    fig = plots.scatter_figure(frame, "v", "w", options=opts)
    assert fig.layout.showlegend is False and fig.layout.title.text == "T" and fig.layout.font.size == 20
    assert fig.layout.xaxis.title.text == "X!" and fig.layout.legend.x == 0.01
    outside = plots.scatter_figure(frame, "v", "w", options={**opts, "legend_position": "top right"})
    assert outside.layout.legend.x > 1  # the default position never covers data


def test_selected_subjects_several_points_and_edge_cases():
    event = {"selection": {"points": [{"customdata": ["A", "a1"]}, {"customdata": ["B", "b1", "ET"]},
                                      {"customdata": ["A", "a1"]}, {"x": 1}, {"customdata": "oops"}]}}
    assert selected_subjects(event) == [("A", "a1"), ("B", "b1")]
    assert selected_subjects(None) == []
    assert selected_subjects({"selection": {"points": []}}) == []

    class Event:  # attribute access, as Streamlit's PlotlyState
        selection = {"points": [{"customdata": [1, 2]}]}

    assert selected_subjects(Event()) == [("1", "2")]


def test_scatter_marginal_distributions(frame):
    fig = plots.scatter_figure(frame, "v", "w", order=["A", "B"], marginal=True, highlight=("A", "a1"))
    kinds = [(t.type, t.xaxis or "x", t.yaxis or "y") for t in fig.data]
    assert kinds[:3] == [("scatter", "x", "y")] * 3  # A, B, highlight
    assert kinds[3:] == [("histogram", "x", "y2"), ("histogram", "x2", "y")] * 2
    assert fig.layout.xaxis.domain == (0, 0.84) and fig.layout.yaxis2.domain == (0.86, 1)
    cont = plots.scatter_figure(frame, "v", "w", color="age", continuous=True, marginal=True)
    assert [t.type for t in cont.data] == ["scatter", "histogram", "histogram"]


def test_univariate_points_coloured_by_a_continuous_column(frame):
    fig = plots.univariate_figure(frame, "v", order=["A", "B"], point_colour="age", point_colour_name="Age")
    points = [t for t in fig.data if t.type == "scatter"]
    assert [list(t.marker.color) for t in points] == [[30.0, 40.0], [70.0, 60.0]]
    assert [t.marker.showscale for t in points] == [True, False]
    assert points[0].marker.cmin == 30.0 and points[0].marker.cmax == 70.0  # one scale over all groups
    assert points[0].marker.colorbar.title.text == "Age" and "Age: %{marker.color:,.2f}" in points[0].hovertemplate


def test_fixed_margins_no_automargin_and_left_margin_fits_group_names():
    df = pd.DataFrame({"ID": ["a", "b", "c", "d"], "set": ["A", "A", "A long site name", "A long site name"],
                       "v": [1.0, 2.0, 3.0, 4.0], "w": [4.0, 3.0, 2.0, 1.0]})
    uni = plots.univariate_figure(df, "v")
    short = plots.univariate_figure(df[df["set"] == "A"], "v")
    sc = plots.scatter_figure(df, "v", "w", marginal=True)
    for fig in (uni, sc):  # one draw in the browser: no second pass growing the margins
        axes = [k for k in fig.layout.to_plotly_json() if k.startswith(("xaxis", "yaxis"))]
        assert axes and all(fig.layout[k].automargin is False for k in axes)
    assert uni.layout.margin.l > short.layout.margin.l >= 40
    big = plots.univariate_figure(df, "v", options={"font_size": 30})  # larger than the margins were sized for
    assert big.layout.yaxis.automargin is True
