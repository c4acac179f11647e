"""Line figures: the critical-difference diagram and the longitudinal lesion sizes (pure)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from auditapp.app.plots.style import ERROR_SEGMENT, HIGHLIGHT, OBSERVED, PREDICTED, apply_options

__all__ = ["critical_difference_figure", "longitudinal_figure"]


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
    return apply_options(fig, options)
