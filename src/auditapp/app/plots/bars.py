"""Bar figures: the pairwise improvement per region, lesion detection counts (pure: a table in, ``go.Figure``
out)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from auditapp.app.plots.style import FAVOURABLE, PREDICTED, UNFAVOURABLE, apply_options, format_number

__all__ = ["detection_bars", "improvement_bars"]

#: Lesion outcomes: (column, legend name, colour).
DETECTION_KINDS = (("tp", "Detected (TP)", FAVOURABLE), ("fn", "Missed (FN)", UNFAVOURABLE),
                   ("fp", "False positive (FP)", PREDICTED))


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
    """Horizontal change bars, one per row of ``table`` (index = region / "Average"), coloured better / worse.

    Parameters
    ----------
    table : DataFrame
        Index = bar names (top to bottom), column ``value`` = change (benchmark vs baseline).
    favourable : sequence of bool
        True when the change is better for the metric (its catalogue direction): green ``#90be6d``, hover
        "better"; else orange ``#ffbf69``, "worse". A positive Hausdorff change is worse.
    label : str
        Axis title (e.g. "Relative change (%)"): a change, not an "improvement", whatever its sign.
    hover_extra : sequence of str, optional
        One extra hover line per bar (both means, n).
    """
    vals = table[value].to_numpy(dtype=float)
    names = [str(i) for i in table.index]
    colors = [FAVOURABLE if f else UNFAVOURABLE for f in favourable]
    unit = "%" if percent else ""
    # enough significant digits however small the change (-0.0043, never "-0.00")
    texts = ["" if not np.isfinite(v) else format_number(v, signed=True) + unit for v in vals]
    verdict = np.array(["better" if f else "worse" for f in favourable], dtype=object)
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
        text=texts, textposition="outside", cliponaxis=False, textfont=dict(size=13, color="#262730"),
        customdata=np.column_stack([np.array(extra, dtype=object), verdict]),
        hovertemplate="Region: %{y}<br>Change: %{text} (%{customdata[1]})%{customdata[0]}<extra></extra>",
    )], layout=layout)
    return apply_options(fig, options)


def detection_bars(table: pd.DataFrame, *, x: str, x_title: str, title: str | None = None,
                   options: dict | None = None) -> go.Figure:
    """Grouped bars of TP / FN / FP lesion counts, one group per row of ``table`` (in its order).

    Parameters
    ----------
    table : DataFrame
        Columns ``x`` (the group: size bin, site), ``tp``, ``fn``, ``fp`` and ``detection_rate``
        (:func:`auditapp.analysis.lesions.detection_counts` / ``detection_totals``).
    x_title : str
        Axis title of the groups ("GT lesion size (voxels)", "Site").
    """
    groups = table[x].astype(str).tolist()
    rate = ["no GT lesion" if not np.isfinite(r) else f"{100 * r:.1f} %"
            for r in table["detection_rate"].to_numpy(dtype=float)]
    traces = [go.Bar(x=groups, y=table[col].to_numpy(dtype=np.int64), name=name, marker=dict(color=colour,
                     line=dict(color="black", width=1)), text=table[col].to_numpy(dtype=np.int64),
                     textposition="outside", cliponaxis=False, customdata=rate,
                     hovertemplate=f"%{{x}}<br>{name}: %{{y}}<br>Detection rate: %{{customdata}}<extra></extra>")
              for col, name, colour in DETECTION_KINDS]
    layout = dict(barmode="group", xaxis=dict(title=dict(text=x_title), type="category"),
                  yaxis=dict(title=dict(text="Lesions"), rangemode="tozero"), height=420,
                  margin=dict(t=70 if title else 30))
    if title:
        layout["title"] = dict(text=title)
    return apply_options(go.Figure(data=traces, layout=layout), options)
