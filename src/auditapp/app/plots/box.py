"""Box plots drawn from Tukey statistics: 1.5 x IQR whiskers and the outliers as selectable points, everywhere.

Plotly computes whiskers itself only while it draws the points (``boxpoints``); with the points hidden it extends the
whiskers to min / max. Every box here is therefore drawn from :func:`auditapp.analysis.tukey_box` (quartiles,
whisker ends, fences) at an explicit numeric position, and its outliers are a separate scatter trace carrying the
subject in ``customdata``. Explicit positions also keep facets aligned: a model sits at the same x in every row.
Pure: DataFrames in, ``go.Figure`` out; never imports Streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from auditapp.analysis.outliers import tukey_box
from auditapp.app.plots.style import apply_options, color_map, fixed_margins, grid, numeric

__all__ = ["box_traces", "model_boxes", "site_boxes"]

BOX_LINE = "#444"


def box_traces(values, position: float, *, name: str, color: str, customdata: np.ndarray | None = None,
               orientation: str = "v", width: float = 0.6, hover: str | None = None, axes: dict | None = None,
               showlegend: bool = True, legendgroup: str | None = None, outliers: bool = True,
               k: float = 1.5, point_props: dict | None = None) -> list[dict]:
    """One box at ``position`` from Tukey statistics, plus its outliers as a scatter trace.

    Parameters
    ----------
    values : array_like of float
        The sample (NaN ignored).
    position : float
        Coordinate of the box on the categorical axis (x for vertical boxes, y for horizontal ones).
    customdata : ndarray, optional
        One row per value (e.g. ``[set, ID]``); the outlier points carry their rows.
    orientation : {"v", "h"}
    hover : str, optional
        Hover template of the outlier points (``%{y}`` / ``%{x}`` is the value).
    outliers : bool, default True
        Add the outlier points (off when every point is already drawn, as in "Box + Points").
    point_props : dict, optional
        Extra properties of the outlier trace (e.g. ``meta``).

    Returns
    -------
    list of dict
        Plain trace dicts: the box (``q1``, ``median``, ``q3``, ``lowerfence`` = lower whisker end,
        ``upperfence`` = upper whisker end) and, when there are outliers, a ``scatter`` of them.
    """
    x = np.asarray(values, dtype=float)
    stats = tukey_box(x, k=k)
    group = legendgroup or name
    axes = axes or {}
    if stats.n == 0:
        return []
    pos_key, val_key = ("x", "y") if orientation == "v" else ("y", "x")
    box = {"type": "box", "name": name, "legendgroup": group, "showlegend": showlegend, "orientation": orientation,
           pos_key: [position], "q1": [stats.q1], "median": [stats.median], "q3": [stats.q3],
           "lowerfence": [stats.lower_whisker], "upperfence": [stats.upper_whisker], "width": width,
           "fillcolor": color, "line": {"color": BOX_LINE, "width": 1}, "marker": {"color": color},
           "hovertemplate": (f"{name}<br>n = {stats.n}<br>median %{{median:.4g}}<br>q1 %{{q1:.4g}}, q3 %{{q3:.4g}}"
                             "<br>whiskers %{lowerfence:.4g} to %{upperfence:.4g}<extra></extra>"),
           **axes}
    traces = [box]
    if outliers and stats.outliers.any():
        mask = stats.outliers
        point = {"type": "scatter", "mode": "markers", "name": name, "legendgroup": group, "showlegend": False,
                 pos_key: np.full(int(mask.sum()), float(position)), val_key: x[mask],
                 "marker": {"color": color, "size": 7, "line": {"color": BOX_LINE, "width": 1}},
                 "hovertemplate": hover or f"{name}: %{{{val_key}:.4g}}<extra></extra>", **axes}
        if customdata is not None:
            point["customdata"] = np.asarray(customdata)[mask]
        point.update(point_props or {})
        traces.append(point)
    return traces


def _model_customdata(part: pd.DataFrame, model: str, has_set: bool = True) -> np.ndarray:
    """``[set, ID, model]`` per row (``set`` empty when the table has none)."""
    sets = part["set"].astype(str) if has_set else np.full(len(part), "")
    return np.column_stack([sets, part["ID"].astype(str), np.full(len(part), model, dtype=object)])


def _positions(n: int, slots: int, width: float = 0.8) -> tuple[np.ndarray, float]:
    """Offsets of ``slots`` boxes sharing one category of width ``width`` centred on 0, and each box's width."""
    step = width / max(slots, 1)
    return (np.arange(slots) - (slots - 1) / 2) * step, step * 0.85


def model_boxes(
    df: pd.DataFrame,
    *,
    models: Sequence[str],
    metric_titles: dict[str, str],
    facet: str | None = None,
    options: dict | None = None,
) -> go.Figure:
    """Boxes of each model, one column of panels per metric (each metric its own y axis), one row per ``facet``.

    Parameters
    ----------
    df : DataFrame
        Long table with columns ``ID``, ``model``, ``metric``, ``value`` (+ ``facet``; + ``set`` when present).
    models : sequence of str
        Models to draw, left to right (colours from their sorted order).
    metric_titles : dict
        Metric column -> display name, in column order; each panel's y title.
    facet : str, optional
        Column (``region``) giving one row of panels per value.

    Returns
    -------
    go.Figure
        Model ``i`` is at x = ``i`` in every panel (tick labels = model names); outlier points carry
        ``customdata = [set, ID, model]``.
    """
    colors = color_map(models, sort=True)
    metrics = list(metric_titles)
    facets = [None] if facet is None else sorted(df[facet].dropna().unique().tolist())
    nrows, ncols = len(facets), len(metrics)
    fig = go.Figure()
    titles = [metric_titles[m] if facet is None else f"{fval} · {metric_titles[m]}" for fval in facets
              for m in metrics]
    refs = grid(fig, nrows, ncols, titles if (ncols > 1 or facet is not None) else None,
                hspace=0.08 if ncols > 1 else 0.04, vspace=0.1 if nrows > 1 else 0.0, share_y=False)
    has_set = "set" in df.columns
    traces = []
    for r, fval in enumerate(facets):
        rows = df if fval is None else df[df[facet] == fval]
        for c, metric in enumerate(metrics):
            cell = rows[rows["metric"] == metric]
            for i, m in enumerate(models):
                part = cell[cell["model"] == m]
                custom = _model_customdata(part, m, has_set)
                hover = (f"Model: {m}<br>ID: %{{customdata[1]}}<br>{metric_titles[metric]}: %{{y:.4g}}"
                         "<extra></extra>")
                traces += box_traces(numeric(part["value"]), float(i), name=m, color=colors[m], customdata=custom,
                                     hover=hover, axes=refs[r * ncols + c], width=0.6,
                                     showlegend=r == 0 and c == 0)
    fig.add_traces(traces)
    layout: dict = {}
    for r in range(nrows):
        for c, metric in enumerate(metrics):
            n = refs[r * ncols + c]["xaxis"][1:]
            layout[f"xaxis{n}"] = dict(tickmode="array", tickvals=list(range(len(models))), ticktext=list(models),
                                       range=[-0.6, len(models) - 0.4], zeroline=False)
            layout[f"yaxis{n}"] = dict(title=dict(text=metric_titles[metric]), zeroline=False)
    height = 450 if facet is None else max(320, 260 * nrows + 80)
    fig.update_layout(
        height=height, showlegend=True,
        title=dict(text="Average models performance" if facet is None else "Models performance by region"),
        legend=dict(title=dict(text="Model")),
        **fixed_margins(dict(margin=dict(t=90), **layout), bottom=60),
    )
    return apply_options(fig, options)


def site_boxes(
    df: pd.DataFrame,
    *,
    value: str,
    value_title: str,
    sites: Sequence[str],
    models: Sequence[str],
    options: dict | None = None,
) -> go.Figure:
    """Boxes of one metric per site (x), one box per model inside each site (cross-site page).

    Parameters
    ----------
    df : DataFrame
        Columns ``ID``, ``set``, ``model`` and ``value``.
    sites : sequence of str
        Sites (datasets) left to right.
    models : sequence of str
        Models in each site, left to right (colours from their sorted order).

    Returns
    -------
    go.Figure
        Site ``j`` centred at x = ``j``; outlier points carry ``customdata = [set, ID, model]``.
    """
    colors = color_map(models, sort=True)
    offsets, width = _positions(len(sites), len(models))
    traces = []
    for j, site in enumerate(sites):
        at_site = df[df["set"] == site]
        for i, m in enumerate(models):
            part = at_site[at_site["model"] == m]
            custom = _model_customdata(part, m)
            hover = f"{site} · {m}<br>ID: %{{customdata[1]}}<br>{value_title}: %{{y:.4g}}<extra></extra>"
            traces += box_traces(numeric(part[value]), j + float(offsets[i]), name=m, color=colors[m],
                                 customdata=custom, hover=hover, width=width, showlegend=j == 0)
    layout = dict(
        height=450, title=dict(text=f"{value_title} per site"), legend=dict(title=dict(text="Model")),
        xaxis=dict(tickmode="array", tickvals=list(range(len(sites))), ticktext=list(sites),
                   range=[-0.6, len(sites) - 0.4], title=dict(text="Site"), zeroline=False),
        yaxis=dict(title=dict(text=value_title), zeroline=False), margin=dict(t=60),
    )
    fig = go.Figure(data=traces, layout=fixed_margins(layout), _validate=False)
    return apply_options(fig, options)
