"""The paper theme: one pass applied to every figure before it is shown (and so before its SVG is exported).

Figures must stay readable when exported into a paper: dark axis lines and ticks, axis text of at least 12 px, a
sequential colour scale where high values are dark, and legends that never cover data (outside the plotting area
on faceted figures). :func:`paper_theme` applies all of it to a finished figure, whatever builder made it, so no
builder repeats it. Pure; never imports Streamlit.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.colors import sequential

__all__ = ["AXIS_COLOR", "MIN_FONT", "SEQUENTIAL", "SEQUENTIAL_REVERSED", "format_number", "format_p",
           "paper_theme"]

#: Axis lines, ticks and text.
AXIS_COLOR = "#262730"
#: Smallest axis text (px).
MIN_FONT = 12
#: Sequential scale, light = low, dark = high (ColorBrewer Blues as an explicit list: the bare name "Blues" means
#: the opposite, dark = low, in Plotly.js when a figure skips Python-side validation).
SEQUENTIAL = [[i / (len(sequential.Blues) - 1), c] for i, c in enumerate(sequential.Blues)]
#: Dark = low (p-values: the smallest, most significant, darkest).
SEQUENTIAL_REVERSED = [[1 - s, c] for s, c in reversed(SEQUENTIAL)]
_NAMED_BLUES = {"blues", "blues_r"}


def _axes(layout: dict) -> list[str]:
    return [name for name, value in layout.items() if name.startswith(("xaxis", "yaxis")) and isinstance(value, dict)]


def _legend_names(fig: go.Figure) -> list[str]:
    return [str(t.name) for t in fig.data if t.name is not None and t.showlegend is not False]


def paper_theme(fig: go.Figure) -> go.Figure:
    """Dark axes and ticks, axis text >= 12 px, dark = high colour scales, legends outside faceted plots.

    * every visible axis: a 1 px ``#262730`` line, outside ticks of the same colour, tick and title text at least
      :data:`MIN_FONT` px (the figure's font size when larger) in that colour;
    * colour scales given by the name ``"Blues"`` become :data:`SEQUENTIAL` (``"Blues_r"`` / ``reversescale``
      :data:`SEQUENTIAL_REVERSED`), so a high value is dark on every figure;
    * a figure with several panels puts its legend to the right of the plotting area (vertical, top aligned) and
      widens the right margin to fit the longest entry.

    Returns the same figure (changed in place).

    Examples
    --------
    >>> fig = paper_theme(go.Figure(go.Heatmap(z=[[0, 1]], colorscale="Blues"), layout={"font": {"size": 10}}))
    >>> fig.layout.xaxis.linecolor, fig.layout.xaxis.tickfont.size, fig.data[0].colorscale[-1][1]
    ('#262730', 12, 'rgb(8,48,107)')
    """
    layout = fig.layout.to_plotly_json()
    base = int(((layout.get("font") or {}).get("size")) or 14)
    size = max(MIN_FONT, base)
    update: dict = {}
    for name in _axes(layout) or ["xaxis", "yaxis"]:
        if layout.get(name, {}).get("visible") is False:
            continue
        update[name] = dict(showline=True, linecolor=AXIS_COLOR, linewidth=1, ticks="outside", tickcolor=AXIS_COLOR,
                            ticklen=5, tickfont=dict(size=size, color=AXIS_COLOR),
                            title=dict(font=dict(size=size + 1, color=AXIS_COLOR)))
    if base < MIN_FONT:
        update["font"] = dict(size=MIN_FONT)
    n_panels = sum(1 for name in _axes(layout) if name.startswith("xaxis") and layout[name].get("domain"))
    names = _legend_names(fig)
    if n_panels > 1 and names and layout.get("showlegend") is not False:
        title = str(((layout.get("legend") or {}).get("title") or {}).get("text") or "")
        longest = max([len(n) for n in names] + [len(title)])
        margin = dict(layout.get("margin") or {})
        margin["r"] = max(int(margin.get("r") or 0), 50 + int(0.62 * size * longest))
        update["legend"] = dict(orientation="v", x=1.01, xanchor="left", y=1, yanchor="top",
                                font=dict(size=size))
        update["margin"] = margin
    fig.update_layout(**update)
    for trace in fig.data:
        for owner in (trace, getattr(trace, "marker", None)):
            if owner is None or "colorscale" not in owner:
                continue
            named = owner.colorscale
            if isinstance(named, str) and named.lower() in _NAMED_BLUES:
                flip = named.lower().endswith("_r") != bool(getattr(owner, "reversescale", False))
                owner.reversescale = False
                owner.colorscale = SEQUENTIAL_REVERSED if flip else SEQUENTIAL
    return fig


def format_p(p: float) -> str:
    """A p-value as text: ``< 1e-16`` below double precision (scipy returns 0), else 3 significant digits.

    Examples
    --------
    >>> format_p(0.0), format_p(2.3456e-08), format_p(0.04321), format_p(float("nan"))
    ('< 1e-16', '2.35e-08', '0.0432', '–')
    """
    p = float(p)
    if p != p:
        return "–"
    if p < 1e-16:
        return "< 1e-16"
    return f"{p:.3g}" if p >= 1e-3 else f"{p:.2e}"


def format_number(value: float, *, signed: bool = False, digits: int = 2, decimals: int = 2) -> str:
    """A number with at least ``decimals`` decimals, more when needed to keep ``digits`` significant digits
    (``-0.0043``, never ``-0.00``); thousands separated.

    Examples
    --------
    >>> format_number(-0.004321, signed=True), format_number(41.87, signed=True), format_number(1.3, signed=True)
    ('-0.0043', '+41.87', '+1.30')
    >>> format_number(0.8517, decimals=3), format_number(1234.5), format_number(0.0, signed=True), format_number(float("nan"))
    ('0.852', '1,234.50', '+0.00', '–')
    """
    value = float(value)
    if value != value:
        return "–"
    if value == 0 or not math.isfinite(value):
        places = decimals
    else:
        places = max(decimals, digits - 1 - math.floor(math.log10(abs(value))))
    return format(value, f"{'+' if signed else ''},.{min(places, 12)}f")
