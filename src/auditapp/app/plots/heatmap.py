"""Heatmaps: the segmentation error / confusion matrix and the Nemenyi p-values (pure)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from auditapp.app.plots.style import HIGHLIGHT

__all__ = ["error_matrix_figure", "nemenyi_heatmap"]


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
