"""Plotly figures of the model-evaluation pages (pure: DataFrames in, ``go.Figure`` out).

Used by the error-matrix, single-model, pairwise, multi-model and longitudinal
pages. Nothing here imports Streamlit or computes a statistic: test results and
tables come from :mod:`auditapp.analysis`; these functions only draw them.
Every point that stands for a subject carries ``customdata = [set, ID, ...]`` so
a click maps to the subject without matching coordinates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

__all__ = [
    "PASTEL",
    "HIGHLIGHT",
    "FAVOURABLE",
    "UNFAVOURABLE",
    "SVG_NAMES",
    "fixed_margins",
    "svg_config",
    "color_map",
    "error_matrix_figure",
    "metric_scatter",
    "improvement_bars",
    "histogram_figure",
    "model_boxes",
    "nemenyi_heatmap",
    "critical_difference_figure",
    "longitudinal_figure",
]

PASTEL = tuple(qualitative.Pastel)
HIGHLIGHT = "#e31231"
FAVOURABLE = "#90be6d"
UNFAVOURABLE = "#ffbf69"
OBSERVED = "#f4a261"
PREDICTED = "#e9c46a"
ERROR_SEGMENT = "#005f73"
SCATTERGL_ABOVE = 1000  # dashboard.md §3: more than 1,000 points -> scattergl
MAX_GROUPS = 30

#: Mode-bar SVG file names, as the reference names its downloads.
SVG_NAMES = {
    "error_matrix": "segmentation_error_matrix",
    "single_model": "single_model_performance",
    "pairwise": "agg_pairwise_model_performance",
    "multi_model": "multimodel_performance",
    "longitudinal": "longitudinal_analysis",
}


def svg_config(filename: str) -> dict:
    """``st.plotly_chart`` config: the camera button downloads an SVG named ``filename``."""
    return {"toImageButtonOptions": {"format": "svg", "filename": filename}, "displaylogo": False}


def color_map(names: Iterable[str], *, sort: bool = False) -> dict[str, str]:
    """Pastel colour per name: datasets in config order, models in sorted order (``sort=True``)."""
    names = list(dict.fromkeys(names))
    if sort:
        names = sorted(names)
    return {name: PASTEL[i % len(PASTEL)] for i, name in enumerate(names)}


def _legend(position: str) -> dict:
    positions = {
        "top left": dict(x=0.01, y=0.99, xanchor="left", yanchor="top"),
        "top right": dict(x=0.99, y=0.99, xanchor="right", yanchor="top"),
        "bottom left": dict(x=0.01, y=0.01, xanchor="left", yanchor="bottom"),
        "bottom right": dict(x=0.99, y=0.01, xanchor="right", yanchor="bottom"),
    }
    return positions.get(position, positions["top right"])


def _apply_options(fig: go.Figure, options: dict | None) -> go.Figure:
    """Apply the "Plot options" expander values (legend, title, axis labels, font size) in one update.

    Axis labels replace the titles the builder gave (so facets keep one label per row/column).
    """
    if not options:
        return fig
    update: dict = {}
    if "font_size" in options:
        update["font"] = dict(size=int(options["font_size"]))
    if options.get("title"):
        update["title"] = dict(text=options["title"])
    current = fig.layout.to_plotly_json()
    for axis, key in (("xaxis", "x_title"), ("yaxis", "y_title")):
        if not options.get(key):
            continue
        for name, value in current.items():
            if name.startswith(axis) and isinstance(value, dict) and value.get("title", {}).get("text"):
                update[name] = dict(title=dict(text=options[key]))
    if int(options.get("font_size", 14)) > 16:  # larger labels than the fixed margins were sized for
        for name, value in current.items():
            if name.startswith(("xaxis", "yaxis")) and isinstance(value, dict):
                update.setdefault(name, {})["automargin"] = True
    if "show_legend" in options:
        update["showlegend"] = bool(options["show_legend"])
    if options.get("legend_position"):
        pos = options["legend_position"]
        if current.get("legend", {}).get("orientation") == "h":  # horizontal legends stay outside the plot
            update["legend"] = dict(x=0 if "left" in pos else 1, xanchor="left" if "left" in pos else "right",
                                    y=1.02 if "top" in pos else -0.15, yanchor="bottom" if "top" in pos else "top")
        else:
            update["legend"] = _legend(pos)
    fig.update_layout(**update)
    return fig


def fixed_margins(layout: dict, *, left: int = 90, bottom: int = 70, right: int = 20, top: int | None = None,
                  y_labels: Sequence[str] | None = None, font_size: int = 14) -> dict:
    """Turn Plotly's ``automargin`` off on every axis of ``layout`` and give fixed margins that fit the labels.

    The Streamlit chart theme turns ``automargin`` on for every axis (with zero left/right margins): Plotly then
    measures the drawn tick labels and titles and, when they do not fit, grows the margins and lays the figure out
    again. Our layout values override the theme's, so fixed margins sized here skip that pass (the theme's colours and
    fonts still apply). ``y_labels`` (categorical y axis) sizes the left margin to the longest label; a font size
    above 16 in the plot options turns ``automargin`` back on (see ``_apply_options``).
    """
    margin = dict(layout.get("margin") or {})
    if y_labels is not None:
        longest = max((len(str(v)) for v in y_labels), default=4)
        left = max(40, 24 + int(0.6 * font_size * longest))
        if (layout.get("yaxis") or {}).get("title", {}).get("text"):
            left += font_size + 16
    margin.update(l=left, r=right, b=bottom)
    if top is not None:
        margin["t"] = top
    layout["margin"] = margin
    for name in list(layout):
        if name.startswith(("xaxis", "yaxis")) and isinstance(layout[name], dict):
            layout[name] = {**layout[name], "automargin": False}
    return layout


def _grid(fig: go.Figure, nrows: int, ncols: int, titles: Sequence[str] | None = None, *,
          hspace: float = 0.04, vspace: float = 0.12, share_y: bool = True, share_x: bool = False,
          count: int | None = None) -> list[dict]:
    """Lay out an ``nrows x ncols`` grid of axes (row-major) without ``make_subplots`` (which is slow).

    Returns the ``xaxis``/``yaxis`` references of each cell, to pass to traces.
    """
    refs, layout = [], {}
    width = (1.0 - hspace * (ncols - 1)) / ncols
    height = (1.0 - vspace * (nrows - 1)) / nrows
    annotations = []
    for k in range(nrows * ncols if count is None else count):
        r, c = divmod(k, ncols)
        n = "" if k == 0 else str(k + 1)
        x0 = c * (width + hspace)
        y1 = 1.0 - r * (height + vspace)
        layout[f"xaxis{n}"] = dict(domain=[max(0.0, x0), min(1.0, x0 + width)], anchor=f"y{n}")
        layout[f"yaxis{n}"] = dict(domain=[max(0.0, y1 - height), min(1.0, y1)], anchor=f"x{n}")
        if share_y and k > 0:
            layout[f"yaxis{n}"]["matches"] = "y"
            if c > 0:
                layout[f"yaxis{n}"]["showticklabels"] = False
        if share_x and k > 0:
            layout[f"xaxis{n}"]["matches"] = "x"
        refs.append({"xaxis": f"x{n}", "yaxis": f"y{n}"})
        if titles is not None and k < len(titles):
            annotations.append(dict(text=str(titles[k]), x=x0 + width / 2, y=y1, xref="paper", yref="paper",
                                    xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=14)))
    fig.update_layout(**layout)
    if annotations:
        fig.update_layout(annotations=annotations)
    return refs


# --------------------------------------------------------------------------- error matrix
def error_matrix_figure(
    matrix: pd.DataFrame,
    *,
    kind: str = "error",
    fmt: str = "count",
    title: str | None = None,
    x_title: str = "Predicted label",
    y_title: str = "True label",
    font_size: int = 14,
) -> go.Figure:
    """Heatmap of an error or confusion matrix (rows = ground truth, columns = prediction).

    Parameters
    ----------
    matrix : DataFrame
        Square-ish table, index = GT class names, columns = predicted class names.
    kind : {"error", "confusion"}
        ``error`` annotates off-diagonal cells only; ``confusion`` annotates all.
    fmt : {"count", "percent", "mean"}
        Annotation format: ``1,234`` / ``12.3%`` / ``1,234.5``.

    Examples
    --------
    >>> m = pd.DataFrame([[0, 3], [1, 0]], index=["BKG", "ET"], columns=["BKG", "ET"])
    >>> fig = error_matrix_figure(m)
    >>> [a.text for a in fig.layout.annotations]
    ['3', '1']
    """
    z = matrix.to_numpy(dtype=float)
    rows = [str(r) for r in matrix.index]
    cols = [str(c) for c in matrix.columns]
    zmax = float(np.nanmax(z)) if z.size and np.isfinite(z).any() and np.nanmax(z) > 0 else 1.0
    hover_name = "Misclassified voxels" if kind == "error" else "Voxels"
    value_fmt = {"count": ":,.0f", "percent": ":.1f", "mean": ":,.1f"}[fmt]
    unit = "%" if fmt == "percent" else ""
    fig = go.Figure(
        go.Heatmap(
            z=z, x=cols, y=rows, colorscale="Blues", zmin=0, zmax=zmax, xgap=1, ygap=1,
            hovertemplate=(
                "True label: %{y}<br>Predicted label: %{x}<br>" + hover_name
                + ": %{z" + value_fmt + "}" + unit + "<extra></extra>"
            ),
            colorbar=dict(title=dict(text="%" if fmt == "percent" else "Voxels")),
        )
    )
    annotations = []
    for i, row in enumerate(rows):
        for j, col in enumerate(cols):
            if kind == "error" and row == col:
                continue
            value = z[i, j]
            if not np.isfinite(value):
                continue
            if fmt == "percent":
                text = f"{value:.1f}%"
            elif fmt == "mean":
                text = f"{value:,.1f}"
            else:
                text = f"{value:,.0f}"
            dark = value > 0.6 * zmax
            annotations.append(dict(x=col, y=row, text=text, showarrow=False,
                                    font=dict(color="white" if dark else "#262730", size=font_size)))
    side = min(600, 140 + 90 * max(len(rows), len(cols)))
    fig.update_layout(
        annotations=annotations, width=side + 80, height=side, font=dict(size=font_size),
        title=dict(text=title) if title else None, margin=dict(l=80, r=20, t=90, b=20),
        xaxis=dict(title=dict(text=x_title), side="top", type="category", showgrid=False),
        yaxis=dict(title=dict(text=y_title), autorange="reversed", type="category", showgrid=False,
                   scaleanchor="x", scaleratio=1),
    )
    return fig


# --------------------------------------------------------------------------- single model
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
    use_gl = len(df) > SCATTERGL_ABOVE
    Trace = go.Scattergl if use_gl else go.Scatter
    fig = go.Figure()
    refs = [{}] if facet is None else _grid(fig, nrows, ncols, [str(f) for f in facets],
                                            vspace=0.12 if nrows > 1 else 0.0, count=len(facets))
    hl = {(str(s), str(i)) for s, i in highlight}
    hover = ("ID: %{customdata[1]}<br>Dataset: %{customdata[0]}<br>" + x_title + ": %{x:.2f}<br>"
             + y_title + ": %{y:.3f}<br>Model: " + model.replace("%", "%%"))
    if color is not None:
        name = (color_title or color).replace("%", "%%")
        hover += f"<br>{name}: " + ("%{marker.color:,.2f}" if (pd.api.types.is_numeric_dtype(df[color])
                                                               and df[color].nunique() > MAX_GROUPS)
                                    else "%{fullData.name}")
    hover += "<extra></extra>"
    # plain numpy arrays once (pandas/arrow columns are slow to hand to Plotly trace by trace)
    set_arr = df["set"].astype(str).to_numpy(dtype=object)
    continuous = None
    if color is None:
        group_arr, groups = set_arr, list(sets)
    elif pd.api.types.is_numeric_dtype(df[color]) and df[color].nunique() > MAX_GROUPS:
        group_arr, groups = np.full(len(df), "all", dtype=object), ["all"]
        continuous = df[color].to_numpy(dtype=float)
    else:
        values = df[color]
        group_arr = np.where(values.isna(), "missing", values.astype(str)).astype(object)
        groups = sorted(set(group_arr.tolist()), key=lambda v: (v == "missing", v))
    colors = color_map(groups)
    id_arr = df["ID"].astype(str).to_numpy(dtype=object)
    xs = df[x].to_numpy(dtype=float)
    ys = df[y].to_numpy(dtype=float)
    facet_arr = None if facet is None else df[facet].to_numpy(dtype=object)
    hl_mask = (np.fromiter(((a, b) in hl for a, b in zip(set_arr, id_arr)), dtype=bool, count=len(df))
               if hl else np.zeros(len(df), dtype=bool))

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
            if trend:
                line = _trend(xs[mask], ys[mask])
                if line is not None:
                    fig.add_trace(go.Scatter(
                        x=line[0], y=line[1], mode="lines", name=f"{s} trend", legendgroup=s,
                        showlegend=False, line=dict(color=colors[s], width=2, dash="dash"),
                        hoverinfo="skip", **pos,
                    ))
        mask = in_facet & hl_mask
        if mask.any():
            hl_traces.append(Trace(
                x=xs[mask], y=ys[mask], mode="markers", name="Highlighted", legendgroup="highlight",
                showlegend=not hl_traces,
                marker=dict(size=12, color=HIGHLIGHT, line=dict(width=1, color="#444")),
                customdata=custom(mask, fval), hovertemplate=hover, **pos,
            ))
    for trace in hl_traces:  # added last: drawn on top
        fig.add_trace(trace)
    height = 500 if facet is None else 120 + 330 * nrows
    layout = dict(height=height, legend=dict(title=dict(text="Dataset" if color is None else (color_title or color))),
                  margin=dict(t=60), title=dict(text=f"{y_title} of {model} vs {x_title}" if model else None))
    if facet is None:
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
    fig.update_layout(**fixed_margins(layout, top=60))
    return _apply_options(fig, options)


# --------------------------------------------------------------------------- pairwise
def improvement_bars(
    table: pd.DataFrame,
    *,
    value: str,
    favourable: Sequence[bool] | np.ndarray,
    label: str,
    percent: bool = False,
    x_range: tuple[float, float] | None = None,
    title: str | None = None,
    hover_extra: Sequence[str] | None = None,
    options: dict | None = None,
) -> go.Figure:
    """Horizontal improvement bars, one per row of ``table`` (index = region / "Average").

    Parameters
    ----------
    table : DataFrame
        Index = bar names (top to bottom), column ``value`` = improvement.
    favourable : sequence of bool
        Green ``#90be6d`` when True, orange ``#ffbf69`` otherwise.
    label : str
        Axis title (e.g. "Relative improvement (%)").
    hover_extra : sequence of str, optional
        One extra hover line per bar (both means, n).
    """
    vals = table[value].to_numpy(dtype=float)
    names = [str(i) for i in table.index]
    colors = [FAVOURABLE if f else UNFAVOURABLE for f in favourable]
    unit = "%" if percent else ""
    texts = ["" if not np.isfinite(v) else f"{v:+.2f}{unit}" for v in vals]
    extra = list(hover_extra) if hover_extra is not None else [""] * len(vals)
    if x_range is None:
        finite = vals[np.isfinite(vals)]
        if finite.size:
            lo, hi = min(0.0, float(finite.min())), max(0.0, float(finite.max()))
            pad = 0.18 * ((hi - lo) or 1.0)  # room for the outside value labels
            x_range = (lo - pad if lo < 0 else lo, hi + pad if hi > 0 else hi + pad * 0.1)
    xaxis = dict(title=dict(text=label), zeroline=True, zerolinecolor="#888", zerolinewidth=1)
    if x_range is not None:
        xaxis["range"] = list(x_range)
    layout = dict(xaxis=xaxis, yaxis=dict(autorange="reversed", type="category"),
                  height=max(220, 70 + 45 * len(names)), showlegend=False,
                  margin=dict(t=70 if title else 30))
    if title:
        layout["title"] = dict(text=title)
    fig = go.Figure(data=[go.Bar(
        x=vals, y=names, orientation="h", marker=dict(color=colors, line=dict(color="black", width=1)),
        text=texts, textposition="outside", cliponaxis=False, customdata=np.array(extra, dtype=object),
        hovertemplate="Region: %{y}<br>Improvement: %{x:.2f}" + unit + "%{customdata}<extra></extra>",
    )], layout=layout)
    return _apply_options(fig, options)


def histogram_figure(
    series: dict[str, Sequence[float]],
    *,
    nbins: int,
    x_title: str,
    title: str | None = None,
    colors: dict[str, str] | None = None,
) -> go.Figure:
    """Overlaid histograms with ``nbins`` equal bins over the pooled range (NaN dropped).

    Used for the paired differences (20 bins) and the reference rule's per-sample
    normality histograms (10 bins).
    """
    clean = {k: np.asarray(v, dtype=float) for k, v in series.items()}
    clean = {k: v[np.isfinite(v)] for k, v in clean.items()}
    pooled = np.concatenate([v for v in clean.values()]) if clean else np.array([])
    traces = []
    if pooled.size:
        lo, hi = float(pooled.min()), float(pooled.max())
        size = (hi - lo) / nbins if hi > lo else 1.0
        cmap = colors or color_map(clean)
        for name, v in clean.items():
            traces.append(go.Histogram(
                x=v, name=name, xbins=dict(start=lo, end=hi + size * 1e-9, size=size), opacity=0.7,
                marker=dict(color=cmap.get(name), line=dict(color="black", width=0.8)),
            ))
    layout = dict(barmode="overlay", height=300, margin=dict(t=50 if title else 20),
                  legend=dict(orientation="h", y=1.02, yanchor="bottom"),
                  xaxis=dict(title=dict(text=x_title)), yaxis=dict(title=dict(text="Count")))
    if title:
        layout["title"] = dict(text=title)
    return go.Figure(data=traces, layout=layout)


# --------------------------------------------------------------------------- multi-model
def model_boxes(
    df: pd.DataFrame,
    *,
    models: Sequence[str],
    metric_titles: dict[str, str],
    facet: str | None = None,
    options: dict | None = None,
) -> go.Figure:
    """Grouped box plots: x = metric, y = value, one colour per model, outlier points only.

    Parameters
    ----------
    df : DataFrame
        Long table with columns ``ID``, ``model``, ``metric``, ``value`` (+ ``facet``).
    models : sequence of str
        Models to draw (colours from their sorted order).
    metric_titles : dict
        Metric column -> display name, in x order.
    facet : str, optional
        Column (``region``) giving one row of boxes per value (250 px each).
    """
    colors = color_map(models, sort=True)
    facets = [None] if facet is None else sorted(df[facet].dropna().unique().tolist())
    fig = go.Figure()
    refs = [{}] if facet is None else _grid(fig, len(facets), 1, [str(f) for f in facets], vspace=0.08,
                                            share_y=False, share_x=True)
    for r, fval in enumerate(facets):
        sub = df if fval is None else df[df[facet] == fval]
        for m in models:
            part = sub[sub["model"] == m]
            fig.add_trace(go.Box(
                x=part["metric"].map(metric_titles), y=part["value"], name=m, legendgroup=m,
                showlegend=r == 0, marker=dict(color=colors[m]), boxpoints="outliers",
                customdata=np.column_stack([part["ID"].astype(str), np.full(len(part), m, dtype=object)])
                if len(part) else None,
                hovertemplate="Model: %{customdata[1]}<br>ID: %{customdata[0]}<br>Value: %{y:.3f}<extra></extra>",
                **refs[r],
            ))
    height = 500 if facet is None else max(300, 250 * len(facets) + 80)
    axes = {}
    for r in range(len(facets)):
        n = "" if r == 0 else str(r + 1)
        axes[f"xaxis{n}"] = dict(categoryorder="array", categoryarray=list(metric_titles.values()))
        axes[f"yaxis{n}"] = dict(title=dict(text="Value"))
    fig.update_layout(
        boxmode="group", height=height,
        title=dict(text="Average models performance" if facet is None else "Models performance by region"),
        legend=dict(title=dict(text="Model"), orientation="h", y=1.02, yanchor="bottom", x=0),
        **fixed_margins(dict(margin=dict(t=100), **axes), bottom=50),
    )
    return _apply_options(fig, options)


def nemenyi_heatmap(pvalues: pd.DataFrame, *, alpha: float = 0.05) -> go.Figure:
    """Annotated heatmap of Nemenyi p-values; cells with p <= alpha outlined in red."""
    z = pvalues.to_numpy(dtype=float)
    names = [str(c) for c in pvalues.columns]
    fig = go.Figure(go.Heatmap(
        z=z, x=names, y=[str(i) for i in pvalues.index], colorscale="Blues", reversescale=True,
        zmin=0, zmax=1, xgap=1, ygap=1, colorbar=dict(title=dict(text="p")),
        hovertemplate="%{y} vs %{x}<br>p = %{z:.3g}<extra></extra>",
    ))
    shapes, annotations = [], []
    for i, row in enumerate(pvalues.index):
        for j, col in enumerate(pvalues.columns):
            v = z[i, j]
            if not np.isfinite(v) or i == j:
                continue
            annotations.append(dict(x=str(col), y=str(row), text=f"{v:.3g}", showarrow=False,
                                    font=dict(color="white" if v < 0.3 else "#262730")))
            if v <= alpha:
                shapes.append(dict(type="rect", x0=j - 0.5, x1=j + 0.5, y0=i - 0.5, y1=i + 0.5,
                                   xref="x", yref="y", line=dict(color=HIGHLIGHT, width=2)))
    side = min(500, 160 + 80 * len(names))
    fig.update_layout(annotations=annotations, shapes=shapes, height=side, width=side + 120,
                      title=dict(text="Nemenyi post-hoc p-values"), margin=dict(t=60))
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category", autorange="reversed")
    return fig


def critical_difference_figure(mean_ranks: pd.Series, cd: float, *, k: int | None = None) -> go.Figure:
    """Critical-difference diagram: models at their mean rank on a 1..k axis, CD bar, cliques joined.

    Parameters
    ----------
    mean_ranks : Series
        Model -> mean rank (1 = best).
    cd : float
        Critical difference; two models whose mean ranks differ by <= cd are joined.
    """
    ranks = mean_ranks.sort_values()
    k = k or len(ranks)
    fig = go.Figure()
    names = [str(n) for n in ranks.index]
    vals = ranks.to_numpy(dtype=float)
    ys = -0.4 - 0.25 * np.arange(len(vals))
    for name, v, y in zip(names, vals, ys):
        fig.add_trace(go.Scatter(x=[v, v], y=[0, y], mode="lines", line=dict(color="#262730", width=1),
                                 hoverinfo="skip", showlegend=False))
        fig.add_trace(go.Scatter(x=[v], y=[y], mode="markers+text", text=[f"{name} ({v:.2f})"],
                                 textposition="middle right", marker=dict(size=8, color="#262730"),
                                 hovertemplate=f"{name}<br>mean rank {v:.3f}<extra></extra>", showlegend=False))
    # maximal cliques of consecutive models whose rank span <= cd
    cliques = []
    for i in range(len(vals)):
        j = i
        while j + 1 < len(vals) and vals[j + 1] - vals[i] <= cd:
            j += 1
        if j > i and not any(a <= i and j <= b for a, b in cliques):
            cliques.append((i, j))
    for n, (a, b) in enumerate(cliques):
        y = 0.15 + 0.12 * n
        fig.add_trace(go.Scatter(x=[vals[a], vals[b]], y=[-y, -y], mode="lines",
                                 line=dict(color=HIGHLIGHT, width=5), hoverinfo="skip", showlegend=False))
    if np.isfinite(cd):
        fig.add_trace(go.Scatter(x=[1, 1 + cd], y=[0.35, 0.35], mode="lines+text", text=["", f"CD = {cd:.3f}"],
                                 textposition="top center", line=dict(color="#262730", width=3),
                                 hoverinfo="skip", showlegend=False))
    fig.update_xaxes(range=[0.8, k + 0.8], dtick=1, title_text="Mean rank (1 = best)", side="top")
    fig.update_yaxes(visible=False, range=[min(ys) - 0.3, 0.6])
    fig.update_layout(height=180 + 40 * len(vals), title=dict(text="Critical difference diagram"),
                      margin=dict(t=90))
    return fig


# --------------------------------------------------------------------------- longitudinal
def longitudinal_figure(summary: pd.DataFrame, *, options: dict | None = None) -> go.Figure:
    """Observed vs predicted lesion size across time points with error and growth labels.

    Parameters
    ----------
    summary : DataFrame
        Sorted by ``time_point``; columns ``time_point``, ``ID``, ``observed``,
        ``predicted``, ``error_pct`` and optional ``observed_growth_pct`` /
        ``predicted_growth_pct`` (NaN = no label), as ``analysis.longitudinal_summary``.
    """
    t = summary["time_point"].to_numpy(dtype=float)
    obs = summary["observed"].to_numpy(dtype=float)
    pred = summary["predicted"].to_numpy(dtype=float)
    ids = summary["ID"].astype(str).to_numpy()
    fig = go.Figure()
    for ti, o, p, e in zip(t, obs, pred, summary["error_pct"].to_numpy(dtype=float)):
        if not (np.isfinite(o) and np.isfinite(p)):
            continue
        fig.add_trace(go.Scatter(x=[ti, ti], y=[o, p], mode="lines", line=dict(color=ERROR_SEGMENT, dash="dot"),
                                 hoverinfo="skip", showlegend=False))
        if np.isfinite(e):
            fig.add_annotation(x=ti, y=(o + p) / 2, text=f"{e:.0f}%", showarrow=False, xshift=22,
                               font=dict(color=ERROR_SEGMENT))
    for name, vals, color, growth_col in (
        ("Observed lesion size", obs, OBSERVED, "observed_growth_pct"),
        ("Predicted lesion size", pred, PREDICTED, "predicted_growth_pct"),
    ):
        fig.add_trace(go.Scatter(
            x=t, y=vals, mode="lines+markers", name=name, line=dict(color=color, width=3),
            marker=dict(size=10, color=color), customdata=ids,
            hovertemplate=name + ": %{y:,.0f} mm³ (%{customdata})<extra></extra>",
        ))
        if growth_col in summary:
            growth = summary[growth_col].to_numpy(dtype=float)
            for i in range(1, len(t)):
                if np.isfinite(growth[i]) and np.isfinite(vals[i]) and np.isfinite(vals[i - 1]):
                    fig.add_annotation(x=(t[i] + t[i - 1]) / 2, y=(vals[i] + vals[i - 1]) / 2,
                                       text=f"{growth[i]:.0f}%", showarrow=False, yshift=12,
                                       font=dict(color=color))
    fig.update_layout(hovermode="x unified", height=450,
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0), margin=dict(t=60),
                      xaxis=dict(title=dict(text="Time point"), tickmode="array", tickvals=sorted(set(t.tolist()))),
                      yaxis=dict(title=dict(text="Lesion size (mm³)")))
    return _apply_options(fig, options)
