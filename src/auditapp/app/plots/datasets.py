"""Plotly figures of the dataset pages (univariate, multivariate): pure, DataFrames in, ``go.Figure`` out.

Every subject point carries ``customdata = [set, ID]`` so a click maps to the subject without matching coordinates.
Box and violin points are a separate scatter trace per group (so they are selectable); above
:data:`SCATTERGL_ABOVE` points the scatter traces are WebGL, and the highlight trace uses the same trace type and is
added last, so it is drawn on top. Nothing here imports Streamlit or computes a statistic.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from auditapp.app.plots.models import HIGHLIGHT, PASTEL, SCATTERGL_ABOVE, _apply_options, color_map

__all__ = [
    "PLOT_TYPES",
    "density_figure",
    "histogram_figure",
    "jitter",
    "scatter_figure",
    "univariate_figure",
]

PLOT_TYPES = ("Box + Points", "Box", "Violin")
_OUTLINE = dict(color="DarkSlateGrey", width=1)


def jitter(ids: Sequence[str], amplitude: float = 0.12) -> np.ndarray:
    """Deterministic vertical offsets in ``[-amplitude, amplitude]`` from a CRC32 hash of each ID.

    >>> jitter(["a", "a"]).tolist() == jitter(["a", "a"]).tolist()
    True
    """
    h = np.array([zlib.crc32(str(i).encode("utf-8")) for i in ids], dtype=np.float64) / 2.0**32
    return (h * 2.0 - 1.0) * amplitude


def _scatter_cls(n: int):
    return go.Scattergl if n > SCATTERGL_ABOVE else go.Scatter


def _custom(df: pd.DataFrame) -> np.ndarray:
    return np.stack([df["set"].astype(str).to_numpy(), df["ID"].astype(str).to_numpy()], axis=-1)


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
        "Box" draws no points.
    highlight : (set, ID), optional
        Subject drawn as a red marker (size 10) on top.
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
    order = list(pd.unique(data[group])) if order is None else [g for g in order if (data[group] == g).any()]
    colors = colors or color_map(order)
    fig = go.Figure()
    points = plot_type == "Box + Points"
    scatter = _scatter_cls(len(data))
    hover = (f"ID: %{{customdata[1]}}<br>{pretty}: %{{x:,.2f}}<br>Dataset: %{{customdata[0]}}"
             + (f"<br>{legend_title}: %{{meta}}" if group != "set" else "") + "<extra></extra>")
    positions = {}
    for i, name in enumerate(order):
        pos = -float(i)
        positions[name] = pos
        sub = data[data[group] == name]
        color = colors.get(name, PASTEL[i % len(PASTEL)])
        common = dict(x=sub[value], y0=pos, orientation="h", name=str(name), legendgroup=str(name),
                      marker_color=color, line=dict(color="#444", width=1), hoverinfo="x")
        if plot_type == "Violin":
            fig.add_trace(go.Violin(**common, points=False, width=0.6, side="both", spanmode="hard",
                                    fillcolor=color, opacity=0.9, meanline_visible=True))
        else:
            fig.add_trace(go.Box(**common, boxpoints=False, width=0.4, fillcolor=color))
        if points or plot_type == "Violin":
            y = pos - 0.42 + jitter(sub["ID"], 0.08)
            fig.add_trace(scatter(
                x=sub[value], y=y, mode="markers", name=str(name), legendgroup=str(name), showlegend=False,
                marker=dict(color=color, size=6, line=dict(color="#555", width=0.5)), customdata=_custom(sub),
                meta=str(name), hovertemplate=hover,
            ))
    if highlight is not None:
        hit = data[(data["set"].astype(str) == str(highlight[0])) & (data["ID"].astype(str) == str(highlight[1]))]
        if not hit.empty:
            name = hit[group].iloc[0]
            fig.add_trace(scatter(
                x=hit[value], y=positions[name] - 0.42 + jitter(hit["ID"], 0.08), mode="markers",
                name=f"{highlight[1]}", showlegend=False, customdata=_custom(hit), meta=str(name),
                marker=dict(color=HIGHLIGHT, size=10, line=dict(color="#444", width=1)), hovertemplate=hover,
            ))
    n = max(len(order), 1)
    fig.update_layout(
        height=150 + 90 * n, legend_title_text=legend_title, margin=dict(l=10, r=10, t=40, b=10),
        yaxis=dict(tickmode="array", tickvals=[positions[g] for g in order], ticktext=[str(g) for g in order],
                   range=[-(n - 1) - 0.75, 0.5], zeroline=False),
        xaxis_title=pretty, violinmode="overlay", boxmode="overlay",
    )
    return _apply_options(fig, options)


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
    options: dict | None = None,
) -> go.Figure:
    """Overlaid histograms per group (opacity 0.6, black 0.8 px outlines) on common bins ``(start, end, size)``."""
    pretty = pretty or value
    data = df[df[value].notna()]
    order = list(pd.unique(data[group])) if order is None else [g for g in order if (data[group] == g).any()]
    colors = colors or color_map(order)
    start, end, size = bins
    fig = go.Figure()
    for i, name in enumerate(order):
        sub = data[data[group] == name]
        fig.add_trace(go.Histogram(
            x=sub[value], name=str(name), xbins=dict(start=start, end=end + size * 1e-9, size=size),
            autobinx=False, opacity=0.6, marker=dict(color=colors.get(name, PASTEL[i % len(PASTEL)]),
                                                       line=dict(color="black", width=0.8)),
            hovertemplate=f"{pretty}: %{{x}}<br>Count: %{{y}}<extra>{name}</extra>",
        ))
    fig.update_layout(barmode="overlay", xaxis_title=pretty, yaxis_title="Count", legend_title_text=legend_title,
                      height=400, margin=dict(l=10, r=10, t=40, b=10))
    return _apply_options(fig, options)


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
    order = list(pd.unique(curves["group"])) if order is None else [g for g in order if (curves["group"] == g).any()]
    colors = colors or color_map(order)
    fig = go.Figure()
    for i, name in enumerate(order):
        sub = curves[curves["group"] == name]
        color = colors.get(name, PASTEL[i % len(PASTEL)])
        fig.add_trace(go.Scatter(
            x=sub["x"], y=sub["density"], mode="lines", name=str(name), line=dict(color=color, width=2),
            fill="tozeroy", opacity=0.6,
            hovertemplate=f"{pretty}: %{{x:,.2f}}<br>Density: %{{y:.3g}}<extra>{name}</extra>",
        ))
    fig.update_layout(xaxis_title=pretty, yaxis_title="Density", legend_title_text=legend_title, height=400,
                      margin=dict(l=10, r=10, t=40, b=10))
    return _apply_options(fig, options)


def scatter_figure(
    df: pd.DataFrame,
    x: str,
    y: str,
    *,
    x_name: str | None = None,
    y_name: str | None = None,
    color: str | None = None,
    color_name: str | None = None,
    continuous: bool = False,
    order: Sequence | None = None,
    colors: dict | None = None,
    highlight: tuple[str, str] | None = None,
    log_x: bool = False,
    log_y: bool = False,
    legend_title: str = "Dataset",
    options: dict | None = None,
) -> go.Figure:
    """Scatter of two features: one trace per group of ``color`` (default ``set``, Pastel) or, with
    ``continuous``, one trace coloured on the ``Blues`` scale with a colour bar titled ``color_name``.

    Markers size 10 with a DarkSlateGrey 1 px outline; every point has ``customdata = [set, ID]``; hover shows ID,
    dataset, x, y (``:,.2f``) and the colour value. The highlighted subject is a red marker drawn last.
    """
    x_name, y_name = x_name or x, y_name or y
    color = color or "set"
    color_name = color_name or ("Dataset" if color == "set" else color)
    data = df[df[x].notna() & df[y].notna()]
    scatter = _scatter_cls(len(data))
    colour_part = "" if color == "set" else f"<br>{color_name}: %{{customdata[2]}}"
    hover = (f"ID: %{{customdata[1]}}<br>Dataset: %{{customdata[0]}}<br>{x_name}: %{{x:,.2f}}<br>"
             f"{y_name}: %{{y:,.2f}}{colour_part}<extra></extra>")

    def custom(sub: pd.DataFrame) -> np.ndarray:
        base = _custom(sub)
        if color == "set":
            return base
        return np.concatenate([base, sub[[color]].astype(object).to_numpy()], axis=1)

    fig = go.Figure()
    if continuous:
        fig.add_trace(scatter(
            x=data[x], y=data[y], mode="markers", name=color_name, showlegend=False, customdata=custom(data),
            marker=dict(size=10, line=_OUTLINE, color=data[color], colorscale="Blues", showscale=True,
                        colorbar=dict(title=dict(text=color_name))),
            hovertemplate=hover,
        ))
    else:
        groups = data[color].astype(object).where(data[color].notna(), "(missing)")
        order = list(pd.unique(groups)) if order is None else [g for g in order if (groups == g).any()] + [
            g for g in pd.unique(groups) if g not in set(order)]
        colors = colors or color_map(order)
        for i, name in enumerate(order):
            sub = data[groups == name]
            fig.add_trace(scatter(
                x=sub[x], y=sub[y], mode="markers", name=str(name), customdata=custom(sub),
                marker=dict(size=10, line=_OUTLINE, color=colors.get(name, PASTEL[i % len(PASTEL)])),
                hovertemplate=hover,
            ))
    if highlight is not None:
        hit = data[(data["set"].astype(str) == str(highlight[0])) & (data["ID"].astype(str) == str(highlight[1]))]
        if not hit.empty:
            fig.add_trace(scatter(
                x=hit[x], y=hit[y], mode="markers", name=str(highlight[1]), showlegend=False,
                customdata=custom(hit), hovertemplate=hover,
                marker=dict(size=12, color=HIGHLIGHT, line=dict(color="#444", width=1)),
            ))
    fig.update_layout(xaxis_title=x_name, yaxis_title=y_name, legend_title_text=legend_title, height=550,
                      margin=dict(l=10, r=10, t=40, b=10))
    if log_x:
        fig.update_xaxes(type="log")
    if log_y:
        fig.update_yaxes(type="log")
    return _apply_options(fig, options)
