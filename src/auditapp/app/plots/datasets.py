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

from auditapp.app.plots.models import HIGHLIGHT, PASTEL, SCATTERGL_ABOVE, _apply_options, color_map, fixed_margins

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
    return np.round((h * 2.0 - 1.0) * amplitude, 4)  # 4 decimals: invisible, and a smaller figure payload


def _scatter_type(n: int) -> str:
    return "scattergl" if n > SCATTERGL_ABOVE else "scatter"


def _custom(df: pd.DataFrame) -> np.ndarray:
    """``[set, ID]`` per row as a fixed-width string array (cheap to copy and serialise, unlike objects)."""
    return np.stack([df["set"].to_numpy(dtype=str), df["ID"].to_numpy(dtype=str)], axis=-1)


def _values(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)


def _figure(traces: list[dict], layout: dict, options: dict | None) -> go.Figure:
    """Assemble a figure from plain dicts; the builders produce valid properties, so Plotly's per-property
    validation (the slowest part of building a 1,621-point figure) is skipped."""
    fig = go.Figure(data=traces, layout=layout, _validate=False)
    return _apply_options(fig, options)


def _font(options: dict | None) -> int:
    return int((options or {}).get("font_size", 14))


def _groups(data: pd.DataFrame, group: str, order: list) -> dict:
    parts = {name: sub for name, sub in data.groupby(group, sort=False, observed=True)}
    return {name: parts[name] for name in order if name in parts}


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
        "Box" draws no points.
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
    parts = _groups(data, group, order)
    order = list(parts)
    colors = colors or color_map(order)
    kind = _scatter_type(len(data))
    hover = (f"ID: %{{customdata[1]}}<br>{pretty}: %{{x:,.2f}}<br>Dataset: %{{customdata[0]}}"
             + (f"<br>{legend_title}: %{{meta}}" if group != "set" else "")
             + (f"<br>{point_colour_name or point_colour}: %{{marker.color:,.2f}}" if point_colour else "")
             + "<extra></extra>")
    crange = None
    if point_colour is not None:
        values = _values(data[point_colour])
        finite = values[np.isfinite(values)]
        crange = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    traces: list[dict] = []
    positions = {}
    for i, (name, sub) in enumerate(parts.items()):
        pos = -float(i)
        positions[name] = pos
        color = colors.get(name, PASTEL[i % len(PASTEL)])
        x = _values(sub[value])
        common = dict(x=x, y0=pos, orientation="h", name=str(name), legendgroup=str(name), marker=dict(color=color),
                      line=dict(color="#444", width=1), hoverinfo="x", fillcolor=color)
        if plot_type == "Violin":
            traces.append(dict(type="violin", **common, points=False, width=0.6, side="both", spanmode="hard",
                               opacity=0.9, meanline=dict(visible=True)))
        else:
            traces.append(dict(type="box", **common, boxpoints=False, width=0.4))
        if plot_type != "Box":
            marker = dict(color=color, size=6, line=dict(color="#555", width=0.5))
            if crange is not None:
                marker.update(color=_values(sub[point_colour]), colorscale="Blues", cmin=crange[0], cmax=crange[1],
                              showscale=i == 0, colorbar=dict(title=dict(text=point_colour_name or point_colour)))
            traces.append(dict(
                type=kind, x=x, y=pos - 0.42 + jitter(sub["ID"], 0.08), mode="markers", name=str(name),
                legendgroup=str(name), showlegend=False, customdata=_custom(sub), meta=str(name),
                marker=marker, hovertemplate=hover,
            ))
    if highlight is not None:
        hit = data[(data["set"].astype(str) == str(highlight[0])) & (data["ID"].astype(str) == str(highlight[1]))]
        if not hit.empty and hit[group].iloc[0] in positions:
            name = hit[group].iloc[0]
            traces.append(dict(
                type=kind, x=_values(hit[value]), y=positions[name] - 0.42 + jitter(hit["ID"], 0.08),
                mode="markers", name=str(highlight[1]), showlegend=False, customdata=_custom(hit), meta=str(name),
                marker=dict(color=HIGHLIGHT, size=10, line=dict(color="#444", width=1)), hovertemplate=hover,
            ))
    n = max(len(order), 1)
    layout = dict(
        height=150 + 90 * n, legend=dict(title=dict(text=legend_title)), margin=dict(l=10, r=10, t=40, b=10),
        yaxis=dict(tickmode="array", tickvals=[positions[g] for g in order], ticktext=[str(g) for g in order],
                   range=[-(n - 1) - 0.75, 0.5], zeroline=False),
        xaxis=dict(title=dict(text=pretty)), violinmode="overlay", boxmode="overlay",
    )
    fixed_margins(layout, y_labels=[str(g) for g in order], top=40, font_size=_font(options))
    return _figure(traces, layout, options)


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
    order = list(pd.unique(data[group])) if order is None else list(order)
    parts = _groups(data, group, order)
    colors = colors or color_map(list(parts))
    start, end, size = bins
    traces = [
        dict(type="histogram", x=_values(sub[value]), name=str(name),
             xbins=dict(start=start, end=end + size * 1e-9, size=size), autobinx=False, opacity=0.6,
             marker=dict(color=colors.get(name, PASTEL[i % len(PASTEL)]), line=dict(color="black", width=0.8)),
             hovertemplate=f"{pretty}: %{{x}}<br>Count: %{{y}}<extra>{name}</extra>")
        for i, (name, sub) in enumerate(parts.items())
    ]
    layout = dict(barmode="overlay", xaxis=dict(title=dict(text=pretty)), yaxis=dict(title=dict(text="Count")),
                  legend=dict(title=dict(text=legend_title)), height=400, margin=dict(t=40))
    return _figure(traces, fixed_margins(layout), options)


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
    parts = _groups(curves, "group", order)
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
    return _figure(traces, fixed_margins(layout), options)


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
    marginal: bool = False,
    legend_title: str = "Dataset",
    options: dict | None = None,
) -> go.Figure:
    """Scatter of two features: one trace per group of ``color`` (default ``set``, Pastel) or, with
    ``continuous``, one trace coloured on the ``Blues`` scale with a colour bar titled ``color_name``.

    Markers size 10 with a DarkSlateGrey 1 px outline; every point has ``customdata = [set, ID]``; hover shows ID,
    dataset, x, y (``:,.2f``) and the colour value. The highlighted subject is a red marker drawn last.
    ``marginal`` adds the distribution of x above and of y to the right (histograms per group, not selectable).
    """
    x_name, y_name = x_name or x, y_name or y
    color = color or "set"
    color_name = color_name or ("Dataset" if color == "set" else color)
    data = df[df[x].notna() & df[y].notna()]
    kind = _scatter_type(len(data))
    colour_part = "" if color == "set" else f"<br>{color_name}: %{{customdata[2]}}"
    hover = (f"ID: %{{customdata[1]}}<br>Dataset: %{{customdata[0]}}<br>{x_name}: %{{x:,.2f}}<br>"
             f"{y_name}: %{{y:,.2f}}{colour_part}<extra></extra>")

    def custom(sub: pd.DataFrame) -> np.ndarray:
        base = _custom(sub)
        if color == "set":
            return base
        return np.concatenate([base.astype(object), sub[[color]].astype(object).to_numpy()], axis=1)

    traces: list[dict] = []
    if continuous:
        traces.append(dict(
            type=kind, x=_values(data[x]), y=_values(data[y]), mode="markers", name=color_name, showlegend=False,
            customdata=custom(data), hovertemplate=hover,
            marker=dict(size=10, line=_OUTLINE, color=_values(data[color]), colorscale="Blues", showscale=True,
                        colorbar=dict(title=dict(text=color_name))),
        ))
    else:
        data = data.assign(_group=data[color].astype(object).where(data[color].notna(), "(missing)"))
        present = list(pd.unique(data["_group"]))
        order = present if order is None else [g for g in order if g in present] + [
            g for g in present if g not in set(order)]
        parts = _groups(data, "_group", order)
        colors = colors or color_map(list(parts))
        for i, (name, sub) in enumerate(parts.items()):
            traces.append(dict(
                type=kind, x=_values(sub[x]), y=_values(sub[y]), mode="markers", name=str(name),
                customdata=custom(sub), hovertemplate=hover,
                marker=dict(size=10, line=_OUTLINE, color=colors.get(name, PASTEL[i % len(PASTEL)])),
            ))
    if highlight is not None:
        hit = data[(data["set"].astype(str) == str(highlight[0])) & (data["ID"].astype(str) == str(highlight[1]))]
        if not hit.empty:
            traces.append(dict(
                type=kind, x=_values(hit[x]), y=_values(hit[y]), mode="markers", name=str(highlight[1]),
                showlegend=False, customdata=custom(hit), hovertemplate=hover,
                marker=dict(size=12, color=HIGHLIGHT, line=dict(color="#444", width=1)),
            ))
    layout = dict(xaxis=dict(title=dict(text=x_name)), yaxis=dict(title=dict(text=y_name)),
                  legend=dict(title=dict(text=legend_title)), height=550, margin=dict(t=40))
    if marginal:
        groups = [(str(t["name"]), t["x"], t["y"], t["marker"]["color"]) for t in traces
                  if t.get("showlegend", True) is not False and not continuous]
        if continuous:
            groups = [(color_name, traces[0]["x"], traces[0]["y"], "#6baed6")]
        for name, gx, gy, gcolor in groups:
            common = dict(type="histogram", name=name, legendgroup=name, showlegend=False, opacity=0.6,
                          marker=dict(color=gcolor), hoverinfo="skip")
            traces.append(dict(**common, x=gx, xaxis="x", yaxis="y2"))
            traces.append(dict(**common, y=gy, xaxis="x2", yaxis="y", orientation="h"))
        layout.update(
            barmode="overlay", height=650,
            xaxis=dict(title=dict(text=x_name), domain=[0, 0.84]),
            yaxis=dict(title=dict(text=y_name), domain=[0, 0.84]),
            xaxis2=dict(domain=[0.86, 1], showticklabels=False, showgrid=False),
            yaxis2=dict(domain=[0.86, 1], showticklabels=False, showgrid=False),
        )
    if log_x:
        layout["xaxis"]["type"] = "log"
    if log_y:
        layout["yaxis"]["type"] = "log"
    return _figure(traces, fixed_margins(layout), options)
