"""Heatmaps: the segmentation error / confusion matrix, the Nemenyi p-values, medians per site (pure)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from auditapp.app.plots.style import HIGHLIGHT, SEQUENTIAL, SEQUENTIAL_REVERSED, format_number, format_p

__all__ = ["error_matrix_figure", "nemenyi_heatmap", "site_heatmap"]


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


def nemenyi_heatmap(pvalues: pd.DataFrame, *, alpha: float = 0.05) -> go.Figure:
    """Annotated heatmap of Nemenyi p-values (dark = small p); cells with p <= alpha outlined in red.

    Cell text and hover use :func:`~auditapp.app.plots.theme.format_p`: a p-value below double precision (scipy
    returns exactly 0) reads ``< 1e-16``, never ``0``.
    """
    z = pvalues.to_numpy(dtype=float)
    names = [str(c) for c in pvalues.columns]
    text = np.array([[format_p(v) for v in row] for row in z], dtype=object)
    fig = go.Figure(go.Heatmap(
        z=z, x=names, y=[str(i) for i in pvalues.index], colorscale=SEQUENTIAL_REVERSED,
        zmin=0, zmax=1, xgap=1, ygap=1, colorbar=dict(title=dict(text="p")), customdata=text,
        hovertemplate="%{y} vs %{x}<br>p = %{customdata}<extra></extra>",
    ))
    shapes, annotations = [], []
    for i, row in enumerate(pvalues.index):
        for j, col in enumerate(pvalues.columns):
            v = z[i, j]
            if not np.isfinite(v) or i == j:
                continue
            annotations.append(dict(x=str(col), y=str(row), text=text[i, j], showarrow=False,
                                    font=dict(color="white" if v < 0.3 else "#262730", size=14)))
            if v <= alpha:
                shapes.append(dict(type="rect", x0=j - 0.5, x1=j + 0.5, y0=i - 0.5, y1=i + 0.5,
                                   xref="x", yref="y", line=dict(color=HIGHLIGHT, width=2)))
    side = min(500, 160 + 80 * len(names))
    fig.update_layout(annotations=annotations, shapes=shapes, height=side, width=side + 120,
                      title=dict(text="Nemenyi post-hoc p-values"), margin=dict(t=60))
    fig.update_xaxes(type="category")
    fig.update_yaxes(type="category", autorange="reversed")
    return fig


def site_heatmap(summary: pd.DataFrame, *, value_title: str, direction: int = 0) -> go.Figure:
    """Medians of one metric, rows = models (or model · region), columns = sites; each cell shows the median and
    the IQR ``[q1, q3]`` (cross-site page).

    Parameters
    ----------
    summary : DataFrame
        :func:`auditapp.analysis.site_summary` output (``model, region, set, n, median, q1, q3``).
    direction : int
        The metric catalogue's direction (+1 higher is better, -1 lower is better, 0 none), named in the colour
        bar title; the scale is sequential with the high medians dark either way.

    Returns
    -------
    go.Figure
        One heatmap trace (``z`` = medians) and one annotation per cell: ``median<br>[q1, q3]`` with
        :func:`~auditapp.app.plots.theme.format_number`.
    """
    by_region = summary["region"].nunique() > 1
    rows = summary.assign(row=summary["model"].astype(str) + (" · " + summary["region"].astype(str)
                                                               if by_region else ""))
    row_order = list(dict.fromkeys(rows["row"]))
    sites = list(dict.fromkeys(rows["set"].astype(str)))
    grid_ = rows.pivot(index="row", columns="set", values="median").reindex(index=row_order, columns=sites)
    z = grid_.to_numpy(dtype=float)
    finite = z[np.isfinite(z)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    hint = {1: " (higher is better)", -1: " (lower is better)"}.get(direction, "")
    cell = {(r.row, str(r.set)): r for r in rows.itertuples()}
    custom = np.empty(z.shape, dtype=object)
    annotations = []
    for i, row in enumerate(row_order):
        for j, site in enumerate(sites):
            r = cell.get((row, site))
            if r is None or not np.isfinite(r.median):
                custom[i, j] = ""
                continue
            custom[i, j] = (f"median {format_number(r.median, digits=4)}<br>IQR [{format_number(r.q1, digits=4)}, "
                            f"{format_number(r.q3, digits=4)}]<br>n = {r.n}")
            dark = (r.median - lo) > 0.6 * (hi - lo) if hi > lo else False
            annotations.append(dict(x=site, y=row, showarrow=False,
                                    text=f"{format_number(r.median, decimals=3)}<br>[{format_number(r.q1, decimals=3)}, {format_number(r.q3, decimals=3)}]",
                                    font=dict(size=13, color="white" if dark else "#262730")))
    fig = go.Figure(go.Heatmap(
        z=z, x=sites, y=row_order, colorscale=SEQUENTIAL, zmin=lo, zmax=hi, xgap=2, ygap=2, customdata=custom,
        colorbar=dict(title=dict(text=f"Median {value_title}{hint}", side="right")),
        hovertemplate="%{y} at %{x}<br>%{customdata}<extra></extra>",
    ))
    fig.update_layout(annotations=annotations, height=max(260, 120 + 60 * len(row_order)),
                      title=dict(text=f"Median {value_title} [q1, q3] per site"), margin=dict(t=70, l=20, r=20),
                      xaxis=dict(type="category", side="top", title=dict(text="Site")),
                      yaxis=dict(type="category", autorange="reversed", title=dict(text="Model")))
    return fig
