"""Line figures: the critical-difference diagram and the longitudinal lesion sizes (pure)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from auditapp.app.plots.style import ERROR_SEGMENT, HIGHLIGHT, OBSERVED, PREDICTED, apply_options

__all__ = ["critical_difference_figure", "longitudinal_figure"]


def critical_difference_figure(mean_ranks: pd.Series, cd: float, *, k: int | None = None) -> go.Figure:
    """Critical-difference diagram (Demšar 2006): models on a 1..k mean-rank axis, CD bar, cliques joined.

    The axis (line, ticks 1..k) runs along the top; each model's stem drops from its mean rank and turns outwards
    to its label: the better half to the left edge, the worse half to the right edge, deeper the closer the model
    is to the middle, so no label line crosses another stem. Thick bars under the axis join models whose mean
    ranks differ by at most ``cd`` (not significantly different).

    Parameters
    ----------
    mean_ranks : Series
        Model -> mean rank (1 = best).
    cd : float
        Critical difference; two models whose mean ranks differ by <= cd are joined.

    Returns
    -------
    go.Figure
        One ``lines+text`` trace per model named after it (stem + elbow, label at the outer end), one trace per
        clique (name ``"clique"``) and the CD bar (name ``"CD"``).
    """
    ranks = mean_ranks.sort_values(kind="stable")
    k = k or len(ranks)
    names = [str(n) for n in ranks.index]
    vals = ranks.to_numpy(dtype=float)
    cliques = _cliques(vals, cd)
    top = -0.12 - 0.1 * len(cliques)  # labels start under the clique bars
    left_n = (len(vals) + 1) // 2
    lo, hi = 0.5, k + 0.5
    fig = go.Figure()
    for i, (name, v) in enumerate(zip(names, vals)):
        left = i < left_n
        depth = i if left else len(vals) - 1 - i
        y = top - 0.18 * (depth + 1)
        edge = lo if left else hi
        fig.add_trace(go.Scatter(
            x=[v, v, edge], y=[0, y, y], mode="lines+text", name=name, showlegend=False,
            text=["", "", f"{name} ({v:.2f})"], textposition="middle left" if left else "middle right",
            textfont=dict(size=14, color="#262730"), line=dict(color="#262730", width=1.2), cliponaxis=False,
            hovertemplate=f"{name}<br>mean rank {v:.3f}<extra></extra>",
        ))
    for n, (a, b) in enumerate(cliques):
        y = -0.08 - 0.1 * n
        fig.add_trace(go.Scatter(x=[vals[a] - 0.03, vals[b] + 0.03], y=[y, y], mode="lines", name="clique",
                                 line=dict(color=HIGHLIGHT, width=5), hoverinfo="skip", showlegend=False))
    depth = max(left_n, len(vals) - left_n)
    bottom = top - 0.18 * (depth + 1.6)
    if np.isfinite(cd):  # under the labels: the axis line is the top edge of the plotting area
        y_cd = top - 0.18 * (depth + 1)
        fig.add_trace(go.Scatter(x=[1, 1 + cd], y=[y_cd, y_cd], mode="lines+text", name="CD", cliponaxis=False,
                                 text=["", f"CD = {cd:.3f}"], textposition="middle right",
                                 textfont=dict(size=14, color="#262730"), line=dict(color="#262730", width=3),
                                 hoverinfo="skip", showlegend=False))
    margin_chars = max((len(n) for n in names), default=4) + 7
    fig.update_layout(
        height=170 + 45 * depth, title=dict(text="Critical difference diagram"), showlegend=False,
        margin=dict(t=80, b=20, l=20 + 8 * margin_chars, r=20 + 8 * margin_chars),
        xaxis=dict(range=[lo, hi], tickmode="array", tickvals=list(range(1, k + 1)), side="top",
                   title=dict(text="Mean rank (1 = best)"), showline=True, ticks="outside", showgrid=False,
                   zeroline=False, linecolor="#262730", tickcolor="#262730"),
        yaxis=dict(visible=False, range=[bottom, 0]),
    )
    return fig


def _cliques(vals: np.ndarray, cd: float) -> list[tuple[int, int]]:
    """Maximal runs of consecutive models (sorted by rank) whose rank span is <= cd."""
    cliques: list[tuple[int, int]] = []
    for i in range(len(vals)):
        j = i
        while j + 1 < len(vals) and vals[j + 1] - vals[i] <= cd:
            j += 1
        if j > i and not any(a <= i and j <= b for a, b in cliques):
            cliques.append((i, j))
    return cliques


def longitudinal_figure(summary: pd.DataFrame, *, options: dict | None = None) -> go.Figure:
    """Observed vs predicted lesion size across time points with error and growth labels.

    Observed: dark blue solid line with circles; predicted: orange-red dashed line with diamonds.

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
    for name, vals, color, dash, symbol, growth_col in (
        ("Observed lesion size", obs, OBSERVED, "solid", "circle", "observed_growth_pct"),
        ("Predicted lesion size", pred, PREDICTED, "dash", "diamond", "predicted_growth_pct"),
    ):
        fig.add_trace(go.Scatter(
            x=t, y=vals, mode="lines+markers", name=name, line=dict(color=color, width=3, dash=dash),
            marker=dict(size=10, color=color, symbol=symbol), customdata=ids,
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
    return apply_options(fig, options)
