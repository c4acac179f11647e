"""Scatter figures: two features (multivariate) and a metric against a feature (single model).

Pure: DataFrames in, ``go.Figure`` out. Every point has ``customdata = [set, ID, ...]``; above
:data:`~auditapp.app.plots.style.SCATTERGL_ABOVE` points the traces are WebGL, and highlighted subjects are a red
trace of the same type added last (drawn on top).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from auditapp.app.plots.style import (
    HIGHLIGHT,
    MAX_GROUPS,
    OUTLINE,
    PASTEL,
    SCATTERGL_ABOVE,
    apply_options,
    build_figure,
    color_map,
    fixed_margins,
    grid,
    groups_in_order,
    numeric,
    scatter_type,
    subject_customdata,
    subject_rows,
)

__all__ = ["metric_scatter", "scatter_figure"]


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
    kind = scatter_type(len(data))
    colour_part = "" if color == "set" else f"<br>{color_name}: %{{customdata[2]}}"
    hover = (f"ID: %{{customdata[1]}}<br>Dataset: %{{customdata[0]}}<br>{x_name}: %{{x:,.2f}}<br>"
             f"{y_name}: %{{y:,.2f}}{colour_part}<extra></extra>")

    def custom(sub: pd.DataFrame) -> np.ndarray:
        base = subject_customdata(sub)
        if color == "set":
            return base
        return np.concatenate([base.astype(object), sub[[color]].astype(object).to_numpy()], axis=1)

    traces: list[dict] = []
    if continuous:
        traces.append(dict(
            type=kind, x=numeric(data[x]), y=numeric(data[y]), mode="markers", name=color_name, showlegend=False,
            customdata=custom(data), hovertemplate=hover,
            marker=dict(size=10, line=OUTLINE, color=numeric(data[color]), colorscale="Blues", showscale=True,
                        colorbar=dict(title=dict(text=color_name))),
        ))
    else:
        data = data.assign(_group=data[color].astype(object).where(data[color].notna(), "(missing)"))
        present = list(pd.unique(data["_group"]))
        order = present if order is None else [g for g in order if g in present] + [
            g for g in present if g not in set(order)]
        parts = groups_in_order(data, "_group", order)
        colors = colors or color_map(list(parts))
        for i, (name, sub) in enumerate(parts.items()):
            traces.append(dict(
                type=kind, x=numeric(sub[x]), y=numeric(sub[y]), mode="markers", name=str(name),
                customdata=custom(sub), hovertemplate=hover,
                marker=dict(size=10, line=OUTLINE, color=colors.get(name, PASTEL[i % len(PASTEL)])),
            ))
    if highlight is not None:
        hit = subject_rows(data, highlight)
        if not hit.empty:
            traces.append(dict(
                type=kind, x=numeric(hit[x]), y=numeric(hit[y]), mode="markers", name=str(highlight[1]),
                showlegend=False, customdata=custom(hit), hovertemplate=hover,
                marker=dict(size=12, color=HIGHLIGHT, line=dict(color="#444", width=1)),
            ))
    layout = dict(xaxis=dict(title=dict(text=x_name)), yaxis=dict(title=dict(text=y_name)),
                  legend=dict(title=dict(text=legend_title)), height=550, margin=dict(t=40))
    if marginal:
        _add_marginals(traces, layout, continuous=continuous, color_name=color_name, x_name=x_name, y_name=y_name,
                       log_x=log_x, log_y=log_y)
    if log_x:
        layout["xaxis"]["type"] = "log"
    if log_y:
        layout["yaxis"]["type"] = "log"
    return build_figure(traces, fixed_margins(layout), options)


def _log_range(values: list[np.ndarray]) -> tuple[list[float], list[np.ndarray]]:
    """log10 of the positive values of each group, and the padded common range (log10 units)."""
    logs = [np.log10(v[np.isfinite(v) & (v > 0)]) for v in values]
    pooled = np.concatenate(logs) if logs else np.array([])
    lo, hi = (float(pooled.min()), float(pooled.max())) if pooled.size else (0.0, 1.0)
    pad = 0.04 * ((hi - lo) or 1.0)
    return [lo - pad, hi + pad], logs


def _add_marginals(traces: list[dict], layout: dict, *, continuous: bool, color_name: str, x_name: str,
                   y_name: str, log_x: bool, log_y: bool) -> None:
    """Histograms of x above and of y to the right, per group (not selectable); on a log axis they bin log10 of
    the values on the main axis's range (docs/dashboard.md, Multivariate analysis)."""
    groups = [(str(t["name"]), np.asarray(t["x"], float), np.asarray(t["y"], float), t["marker"]["color"])
              for t in traces if t.get("showlegend", True) is not False and not continuous]
    if continuous:
        groups = [(color_name, np.asarray(traces[0]["x"], float), np.asarray(traces[0]["y"], float), "#6baed6")]
    xs, ys = [g[1] for g in groups], [g[2] for g in groups]
    x_range, x_logs = _log_range(xs) if log_x else (None, xs)
    y_range, y_logs = _log_range(ys) if log_y else (None, ys)
    for (name, _, _, gcolor), gx, gy in zip(groups, x_logs, y_logs):
        common = dict(type="histogram", name=name, legendgroup=name, showlegend=False, opacity=0.6,
                      marker=dict(color=gcolor), hoverinfo="skip")
        traces.append(dict(**common, x=gx, xaxis="x3" if log_x else "x", yaxis="y2"))
        traces.append(dict(**common, y=gy, xaxis="x2", yaxis="y3" if log_y else "y", orientation="h"))
    margin_axis = dict(showticklabels=False, showgrid=False, zeroline=False)
    layout.update(
        barmode="overlay", height=650,
        xaxis=dict(title=dict(text=x_name), domain=[0, 0.84]),
        yaxis=dict(title=dict(text=y_name), domain=[0, 0.84]),
        xaxis2=dict(domain=[0.86, 1], anchor="y", **margin_axis),
        yaxis2=dict(domain=[0.86, 1], anchor="x", **margin_axis),
    )
    if log_x:
        layout["xaxis"]["range"] = x_range
        layout["xaxis3"] = dict(domain=[0, 0.84], anchor="y2", range=x_range, **margin_axis)
    if log_y:
        layout["yaxis"]["range"] = y_range
        layout["yaxis3"] = dict(domain=[0, 0.84], anchor="x2", range=y_range, **margin_axis)


def _trend(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2 or np.ptp(x[ok]) == 0:
        return None
    slope, intercept = np.polyfit(x[ok], y[ok], 1)
    xs = np.array([x[ok].min(), x[ok].max()])
    return xs, slope * xs + intercept


def metric_scatter(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    x_title: str,
    y_title: str,
    sets: Sequence[str],
    facet: str | None = None,
    highlight: Iterable[tuple[str, str]] = (),
    trend: bool = False,
    model: str = "",
    color: str | None = None,
    color_title: str | None = None,
    options: dict | None = None,
) -> go.Figure:
    """Scatter of a metric (y) against a feature (x), one colour per dataset, optional facets.

    Parameters
    ----------
    df : DataFrame
        Columns ``ID``, ``set``, ``x``, ``y`` and, with ``facet``, that column.
    sets : sequence of str
        Datasets in config order (colour order).
    facet : str, optional
        Column giving one facet column per value (e.g. ``region``), wrapped at 4.
    highlight : iterable of (set, ID)
        Subjects drawn as red markers (size 12, ``#444`` outline) on top in every facet.
    trend : bool
        Add a least-squares line per dataset (and facet).
    color : str, optional
        Colour / group by this column instead of the dataset: numeric with more than 30
        distinct values -> continuous ``Blues`` scale with a colour bar titled
        ``color_title``; else one group (trace) per value, missing values as ``"missing"``.

    Returns
    -------
    go.Figure
        Points carry ``customdata = [set, ID, facet value or ""]``.
    """
    facets = [None] if facet is None else sorted(df[facet].dropna().unique().tolist())
    ncols = min(4, len(facets))
    nrows = int(np.ceil(len(facets) / ncols)) if facets else 1
    Trace = go.Scattergl if len(df) > SCATTERGL_ABOVE else go.Scatter
    fig = go.Figure()
    refs = [{}] if facet is None else grid(fig, nrows, ncols, [str(f) for f in facets],
                                            vspace=0.12 if nrows > 1 else 0.0, count=len(facets))
    continuous_color = (color is not None and pd.api.types.is_numeric_dtype(df[color])
                        and df[color].nunique() > MAX_GROUPS)
    hover = _scatter_hover(x_title, y_title, model, color, color_title, continuous_color)
    set_arr, id_arr, xs, ys, facet_arr, hl_mask = _point_arrays(df, x, y, facet, highlight)
    group_arr, groups, continuous = _colour_groups(df, set_arr, sets, color, continuous_color)
    colors = color_map(groups)

    def custom(mask, fval) -> np.ndarray:
        return np.column_stack([set_arr[mask], id_arr[mask],
                                np.full(int(mask.sum()), "" if fval is None else str(fval), dtype=object)])

    hl_traces = []
    for k, fval in enumerate(facets):
        in_facet = np.ones(len(df), dtype=bool) if fval is None else facet_arr == fval
        pos = refs[k]
        for s in groups:
            mask = in_facet & (group_arr == s)
            if not mask.any():
                continue
            marker = dict(size=10, color=colors[s], line=dict(width=1, color="DarkSlateGrey"))
            if continuous is not None:
                marker.update(color=continuous[mask], colorscale="Blues", showscale=k == 0,
                              colorbar=dict(title=dict(text=color_title or color)))
            fig.add_trace(Trace(
                x=xs[mask], y=ys[mask], mode="markers", name=s, legendgroup=s,
                showlegend=k == 0 and continuous is None, marker=marker,
                customdata=custom(mask, fval), hovertemplate=hover, **pos,
            ))
            line = _trend(xs[mask], ys[mask]) if trend else None
            if line is not None:
                fig.add_trace(go.Scatter(
                    x=line[0], y=line[1], mode="lines", name=f"{s} trend", legendgroup=s, showlegend=False,
                    line=dict(color=colors[s], width=2, dash="dash"), hoverinfo="skip", **pos,
                ))
        mask = in_facet & hl_mask
        if mask.any():
            hl_traces.append(Trace(
                x=xs[mask], y=ys[mask], mode="markers", name="Highlighted", legendgroup="highlight",
                showlegend=not hl_traces, marker=dict(size=12, color=HIGHLIGHT, line=dict(width=1, color="#444")),
                customdata=custom(mask, fval), hovertemplate=hover, **pos,
            ))
    for trace in hl_traces:  # added last: drawn on top
        fig.add_trace(trace)
    fig.update_layout(**fixed_margins(_scatter_layout(fig, refs, facets, ncols, nrows, x_title, y_title, model,
                                                      color, color_title), top=60))
    return apply_options(fig, options)


def _point_arrays(df: pd.DataFrame, x: str, y: str, facet: str | None, highlight: Iterable[tuple[str, str]]
                  ) -> tuple[np.ndarray, ...]:
    """Set, ID, x, y, facet (or None) and highlighted mask of every point, as plain numpy arrays once
    (pandas/arrow columns are slow to hand to Plotly trace by trace)."""
    set_arr = df["set"].astype(str).to_numpy(dtype=object)
    id_arr = df["ID"].astype(str).to_numpy(dtype=object)
    facet_arr = None if facet is None else df[facet].to_numpy(dtype=object)
    hl = {(str(s), str(i)) for s, i in highlight}
    hl_mask = (np.fromiter(((a, b) in hl for a, b in zip(set_arr, id_arr)), dtype=bool, count=len(df))
               if hl else np.zeros(len(df), dtype=bool))
    return set_arr, id_arr, df[x].to_numpy(dtype=float), df[y].to_numpy(dtype=float), facet_arr, hl_mask


def _scatter_hover(x_title: str, y_title: str, model: str, color: str | None, color_title: str | None,
                   continuous: bool) -> str:
    hover = ("ID: %{customdata[1]}<br>Dataset: %{customdata[0]}<br>" + x_title + ": %{x:.2f}<br>"
             + y_title + ": %{y:.3f}<br>Model: " + model.replace("%", "%%"))
    if color is not None:
        name = (color_title or color).replace("%", "%%")
        hover += f"<br>{name}: " + ("%{marker.color:,.2f}" if continuous else "%{fullData.name}")
    return hover + "<extra></extra>"


def _colour_groups(df: pd.DataFrame, set_arr: np.ndarray, sets: Sequence[str], color: str | None,
                   continuous: bool) -> tuple[np.ndarray, list, np.ndarray | None]:
    """Group of each point, the groups in legend order, and the continuous colour values (or None)."""
    if color is None:
        return set_arr, list(sets), None
    if continuous:
        return np.full(len(df), "all", dtype=object), ["all"], df[color].to_numpy(dtype=float)
    values = df[color]
    group_arr = np.where(values.isna(), "missing", values.astype(str)).astype(object)
    return group_arr, sorted(set(group_arr.tolist()), key=lambda v: (v == "missing", v)), None


def _scatter_layout(fig: go.Figure, refs: list, facets: list, ncols: int, nrows: int, x_title: str, y_title: str,
                    model: str, color: str | None, color_title: str | None) -> dict:
    """Height, legend, title and axis titles (bottom row and first column of a facet grid)."""
    facet = facets != [None]
    layout = dict(height=120 + 330 * nrows if facet else 500,
                  legend=dict(title=dict(text="Dataset" if color is None else (color_title or color))),
                  margin=dict(t=60), title=dict(text=f"{y_title} of {model} vs {x_title}" if model else None))
    if not facet:
        layout["xaxis"] = dict(title=dict(text=x_title))
        layout["yaxis"] = dict(title=dict(text=y_title))
    else:
        for k, ref in enumerate(refs):
            n = ref["xaxis"][1:]
            if k // ncols == nrows - 1 or k + ncols >= len(facets):
                layout[f"xaxis{n}"] = dict(title=dict(text=x_title))
            if k % ncols == 0:
                layout[f"yaxis{n}"] = dict(title=dict(text=y_title))
    for name in fig.layout.to_plotly_json():
        if name.startswith(("xaxis", "yaxis")):
            layout.setdefault(name, {})
    return layout
