"""Distribution figures: box / violin with selectable points, overlaid histograms, density curves.

Pure: DataFrames in, ``go.Figure`` out. Box and violin points are a separate scatter trace per group (so they are
selectable), each with ``customdata = [set, ID]``; the highlight trace uses the same trace type and is added last.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from auditapp.app.plots.box import box_traces
from auditapp.app.plots.style import (
    HIGHLIGHT,
    PASTEL,
    apply_options,
    build_figure,
    color_map,
    fixed_margins,
    font_size,
    grid,
    groups_in_order,
    jitter,
    numeric,
    scatter_type,
    subject_customdata,
    subject_rows,
)

__all__ = ["PLOT_TYPES", "density_figure", "histogram_figure", "univariate_figure"]

PLOT_TYPES = ("Box + Points", "Box", "Violin")


def univariate_figure(
    df: pd.DataFrame,
    value: str,
    *,
    group: str = "set",
    order: Sequence | None = None,
    colors: dict | None = None,
    pretty: str | None = None,
    plot_type: str = "Box + Points",
    highlight: tuple[str, str] | None = None,
    legend_title: str = "Dataset",
    point_colour: str | None = None,
    point_colour_name: str | None = None,
    options: dict | None = None,
) -> go.Figure:
    """Horizontal box / violin per group (first group at the top) plus selectable points below each box.

    Parameters
    ----------
    df : DataFrame
        Columns ``ID``, ``set``, ``group`` and ``value``.
    value, group : str
        Value column and grouping column (``set`` or a metadata column).
    order : sequence, optional
        Group order, top to bottom (default: order of appearance).
    colors : dict, optional
        Group -> colour (default: Pastel in ``order``).
    pretty : str
        Axis title and hover name of the value (default ``value``).
    plot_type : {"Box + Points", "Box", "Violin"}
        Boxes are Tukey boxes (whiskers at the last values within 1.5 IQR); "Box" draws only the outliers as
        points, "Box + Points" every point below its box.
    highlight : (set, ID), optional
        Subject drawn as a red marker (size 10) on top.
    point_colour, point_colour_name : str, optional
        Numeric column colouring the points on the ``Blues`` scale (one colour bar titled ``point_colour_name``),
        e.g. a continuous metadata column such as age.
    options : dict, optional
        "Plot options" (show_legend, legend_position, title, x_title, y_title, font_size).

    Raises
    ------
    ValueError
        Unknown ``plot_type`` or missing columns.
    """
    if plot_type not in PLOT_TYPES:
        raise ValueError(f"unknown plot type {plot_type!r}; expected one of {', '.join(PLOT_TYPES)}")
    missing = [c for c in ("ID", "set", group, value) if c not in df.columns]
    if missing:
        raise ValueError(f"missing column(s) {missing}")
    pretty = pretty or value
    data = df[df[value].notna()]
    order = list(pd.unique(data[group])) if order is None else list(order)
    parts = groups_in_order(data, group, order)
    order = list(parts)
    colors = colors or color_map(order)
    kind = scatter_type(len(data))
    hover = (f"ID: %{{customdata[1]}}<br>{pretty}: %{{x:,.2f}}<br>Dataset: %{{customdata[0]}}"
             + (f"<br>{legend_title}: %{{meta}}" if group != "set" else "")
             + (f"<br>{point_colour_name or point_colour}: %{{marker.color:,.2f}}" if point_colour else "")
             + "<extra></extra>")
    colour = None
    if point_colour is not None:
        values = numeric(data[point_colour])
        finite = values[np.isfinite(values)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        colour = (point_colour, point_colour_name or point_colour, lo, hi)
    positions = {name: -float(i) for i, name in enumerate(parts)}
    traces: list[dict] = []
    for i, (name, sub) in enumerate(parts.items()):
        traces += _group_traces(sub, str(name), positions[name], colors.get(name, PASTEL[i % len(PASTEL)]),
                                value=value, plot_type=plot_type, kind=kind, hover=hover, colour=colour, first=i == 0)
    if highlight is not None:
        hit = subject_rows(data, highlight)
        if not hit.empty and hit[group].iloc[0] in positions:
            name = hit[group].iloc[0]
            traces.append(dict(
                type=kind, x=numeric(hit[value]), y=_points_y(hit, positions[name]), mode="markers",
                name=str(highlight[1]), showlegend=False, customdata=subject_customdata(hit), meta=str(name),
                marker=dict(color=HIGHLIGHT, size=10, line=dict(color="#444", width=1)), hovertemplate=hover,
            ))
    n = max(len(order), 1)
    layout = dict(
        height=150 + 90 * n, legend=dict(title=dict(text=legend_title)), margin=dict(l=10, r=10, t=40, b=10),
        yaxis=dict(tickmode="array", tickvals=[positions[g] for g in order], ticktext=[str(g) for g in order],
                   range=[-(n - 1) - 0.75, 0.5], zeroline=False),
        xaxis=dict(title=dict(text=pretty)), violinmode="overlay", boxmode="overlay",
    )
    fixed_margins(layout, y_labels=[str(g) for g in order], top=40, font_size=font_size(options))
    return build_figure(traces, layout, options)


def _points_y(rows: pd.DataFrame, pos: float) -> np.ndarray:
    """Vertical positions of a group's points: just below its box at ``pos``, jittered by ID."""
    return pos - 0.42 + jitter(rows["ID"], 0.08)


def _group_traces(sub: pd.DataFrame, name: str, pos: float, color: str, *, value: str, plot_type: str, kind: str,
                  hover: str, colour: tuple | None, first: bool) -> list[dict]:
    """One group of :func:`univariate_figure`: its box or violin at ``pos`` and (unless "Box") its points."""
    x = numeric(sub[value])
    traces: list[dict] = []
    common = dict(x=x, y0=pos, orientation="h", name=name, legendgroup=name, marker=dict(color=color),
                  line=dict(color="#444", width=1), hoverinfo="x", fillcolor=color)
    if plot_type == "Violin":
        traces.append(dict(type="violin", **common, points=False, width=0.6, side="both", spanmode="hard",
                           opacity=0.9, meanline=dict(visible=True)))
    else:  # Tukey box (1.5 x IQR whiskers); in "Box" mode its outliers are the only points drawn
        traces += box_traces(x, pos, name=name, color=color, orientation="h", width=0.4, hover=hover,
                             customdata=subject_customdata(sub), outliers=plot_type == "Box",
                             point_props=dict(meta=name))
    if plot_type != "Box":
        marker = dict(color=color, size=6, line=dict(color="#555", width=0.5))
        if colour is not None:
            column, title, lo, hi = colour
            marker.update(color=numeric(sub[column]), colorscale="Blues", cmin=lo, cmax=hi, showscale=first,
                          colorbar=dict(title=dict(text=title)))
        traces.append(dict(type=kind, x=x, y=_points_y(sub, pos), mode="markers", name=name, legendgroup=name,
                           showlegend=False, customdata=subject_customdata(sub), meta=name, marker=marker,
                           hovertemplate=hover))
    return traces


def histogram_figure(
    df: pd.DataFrame,
    value: str,
    *,
    bins: tuple[float, float, float],
    group: str = "set",
    order: Sequence | None = None,
    colors: dict | None = None,
    pretty: str | None = None,
    legend_title: str = "Dataset",
    title: str | None = None,
    height: int = 400,
    options: dict | None = None,
) -> go.Figure:
    """Overlaid histograms per group (opacity 0.6, black 0.8 px outlines) on common bins ``(start, end, size)``.

    ``bins`` comes from :func:`auditapp.analysis.histogram_bins` (a number of bins or a bin size over the pooled
    values). Used for the univariate distribution, the paired differences and the per-sample normality histograms.

    Examples
    --------
    >>> df = pd.DataFrame({"set": ["a", "a", "b"], "d": [0.0, 1.0, 2.0]})
    >>> fig = histogram_figure(df, "d", bins=(0.0, 2.0, 0.5))
    >>> [t.name for t in fig.data], fig.data[0].xbins.size
    (['a', 'b'], 0.5)
    """
    pretty = pretty or value
    data = df[df[value].notna()]
    order = list(pd.unique(data[group])) if order is None else list(order)
    parts = groups_in_order(data, group, order)
    colors = colors or color_map(list(parts))
    start, end, size = bins
    traces = [
        dict(type="histogram", x=numeric(sub[value]), name=str(name),
             xbins=dict(start=start, end=end + size * 1e-9, size=size), autobinx=False, opacity=0.6,
             marker=dict(color=colors.get(name, PASTEL[i % len(PASTEL)]), line=dict(color="black", width=0.8)),
             hovertemplate=f"{pretty}: %{{x}}<br>Count: %{{y}}<extra>{name}</extra>")
        for i, (name, sub) in enumerate(parts.items())
    ]
    layout = dict(barmode="overlay", xaxis=dict(title=dict(text=pretty)), yaxis=dict(title=dict(text="Count")),
                  legend=dict(title=dict(text=legend_title)), height=height, margin=dict(t=50 if title else 40))
    if title:
        layout["title"] = dict(text=title)
    return build_figure(traces, fixed_margins(layout), options)


def density_figure(
    curves: pd.DataFrame,
    *,
    order: Sequence | None = None,
    colors: dict | None = None,
    pretty: str = "",
    legend_title: str = "Dataset",
    options: dict | None = None,
) -> go.Figure:
    """One line per group from ``curves`` (columns ``group, x, density``, e.g. ``analysis.density_curves``)."""
    order = list(pd.unique(curves["group"])) if order is None else list(order)
    parts = groups_in_order(curves, "group", order)
    colors = colors or color_map(list(parts))
    traces = [
        dict(type="scatter", x=sub["x"].to_numpy(dtype=float), y=sub["density"].to_numpy(dtype=float),
             mode="lines", name=str(name), line=dict(color=colors.get(name, PASTEL[i % len(PASTEL)]), width=2),
             fill="tozeroy", opacity=0.6,
             hovertemplate=f"{pretty}: %{{x:,.2f}}<br>Density: %{{y:.3g}}<extra>{name}</extra>")
        for i, (name, sub) in enumerate(parts.items())
    ]
    layout = dict(xaxis=dict(title=dict(text=pretty)), yaxis=dict(title=dict(text="Density")),
                  legend=dict(title=dict(text=legend_title)), height=400, margin=dict(t=40))
    return build_figure(traces, fixed_margins(layout), options)
