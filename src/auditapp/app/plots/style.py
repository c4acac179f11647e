"""Look shared by every figure: palette, highlight colour, SVG download names, "Plot options", fixed margins,
facet grids, the customdata that maps a point to its subject, the paper theme every shown figure goes through
(:func:`paper_theme`) and the number / p-value text of figures and tables (pure; never imports Streamlit).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative, sequential

__all__ = [
    "AXIS_COLOR", "ERROR_SEGMENT", "FAVOURABLE", "HIGHLIGHT", "MAX_GROUPS", "MIN_FONT", "OBSERVED", "OUTLINE",
    "PASTEL", "PREDICTED", "SCATTERGL_ABOVE", "SEQUENTIAL", "SEQUENTIAL_REVERSED", "SVG_NAMES", "UNFAVOURABLE",
    "apply_options", "build_figure", "color_map", "fixed_margins", "font_size", "format_number", "format_p", "grid",
    "groups_in_order", "jitter", "legend_position", "numeric", "paper_theme", "scatter_type", "subject_customdata",
    "subject_rows", "svg_config",
]

PASTEL = tuple(qualitative.Pastel)
HIGHLIGHT = "#e31231"
FAVOURABLE = "#90be6d"
UNFAVOURABLE = "#ffbf69"
OBSERVED = "#1d3557"  # dark blue, solid line, circles
PREDICTED = "#e76f51"  # orange-red, dashed line, diamonds (told apart in grey print too)
ERROR_SEGMENT = "#005f73"
OUTLINE = dict(color="DarkSlateGrey", width=1)
SCATTERGL_ABOVE = 1000  # dashboard.md §3: more than 1,000 points -> scattergl
MAX_GROUPS = 30

#: Mode-bar SVG file names, as the reference names its downloads.
SVG_NAMES = {
    "univariate": "univariate_analysis",
    "distribution": "distribution",
    "multivariate": "multivariate_analysis",
    "error_matrix": "segmentation_error_matrix",
    "single_model": "single_model_performance",
    "pairwise": "agg_pairwise_model_performance",
    "multi_model": "multimodel_performance",
    "longitudinal": "longitudinal_analysis",
    "lesion_detection": "lesion_detection",
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


def legend_position(position: str) -> dict:
    """Legend placement of a "Plot options" position. The right-hand positions sit outside the plotting area
    (right of it, top or bottom aligned) so the default legend never covers data; the left-hand ones are the
    inside corners, for a user who wants a compact figure."""
    positions = {
        "top left": dict(x=0.01, y=0.99, xanchor="left", yanchor="top"),
        "top right": dict(x=1.02, y=1.0, xanchor="left", yanchor="top"),
        "bottom left": dict(x=0.01, y=0.01, xanchor="left", yanchor="bottom"),
        "bottom right": dict(x=1.02, y=0.0, xanchor="left", yanchor="bottom"),
    }
    return positions.get(position, positions["top right"])


def apply_options(fig: go.Figure, options: dict | None) -> go.Figure:
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
            update["legend"] = legend_position(pos)
    fig.update_layout(**update)
    return fig


def fixed_margins(layout: dict, *, left: int = 90, bottom: int = 70, right: int = 20, top: int | None = None,
                  y_labels: Sequence[str] | None = None, font_size: int = 14) -> dict:
    """Turn Plotly's ``automargin`` off on every axis of ``layout`` and give fixed margins that fit the labels.

    The Streamlit chart theme turns ``automargin`` on for every axis (with zero left/right margins): Plotly then
    measures the drawn tick labels and titles and, when they do not fit, grows the margins and lays the figure out
    again. Our layout values override the theme's, so fixed margins sized here skip that pass (the theme's colours and
    fonts still apply). ``y_labels`` (categorical y axis) sizes the left margin to the longest label; a font size
    above 16 in the plot options turns ``automargin`` back on (see ``apply_options``).
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


def grid(fig: go.Figure, nrows: int, ncols: int, titles: Sequence[str] | None = None, *,
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


def jitter(ids: Sequence[str], amplitude: float = 0.12) -> np.ndarray:
    """Deterministic vertical offsets in ``[-amplitude, amplitude]`` from a CRC32 hash of each ID.

    >>> jitter(["a", "a"]).tolist() == jitter(["a", "a"]).tolist()
    True
    """
    h = np.array([zlib.crc32(str(i).encode("utf-8")) for i in ids], dtype=np.float64) / 2.0**32
    return np.round((h * 2.0 - 1.0) * amplitude, 4)  # 4 decimals: invisible, and a smaller figure payload


def scatter_type(n: int) -> str:
    """``scattergl`` above :data:`SCATTERGL_ABOVE` points, else ``scatter``."""
    return "scattergl" if n > SCATTERGL_ABOVE else "scatter"


def subject_customdata(df: pd.DataFrame) -> np.ndarray:
    """``[set, ID]`` per row as a fixed-width string array (cheap to copy and serialise, unlike objects)."""
    return np.stack([df["set"].to_numpy(dtype=str), df["ID"].to_numpy(dtype=str)], axis=-1)


def subject_rows(df: pd.DataFrame, subject: tuple[str, str]) -> pd.DataFrame:
    """Rows of ``df`` whose ``(set, ID)`` is ``subject`` (the highlighted subject of a figure)."""
    return df[(df["set"].astype(str) == str(subject[0])) & (df["ID"].astype(str) == str(subject[1]))]


def numeric(series: pd.Series) -> np.ndarray:
    """Float array of a column, non-numbers as NaN."""
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)


def build_figure(traces: list[dict], layout: dict, options: dict | None) -> go.Figure:
    """Assemble a figure from plain dicts; the builders produce valid properties, so Plotly's per-property
    validation (the slowest part of building a 1,621-point figure) is skipped."""
    fig = go.Figure(data=traces, layout=layout, _validate=False)
    return apply_options(fig, options)


def font_size(options: dict | None) -> int:
    """The font size of the plot options (default 14)."""
    return int((options or {}).get("font_size", 14))


def groups_in_order(data: pd.DataFrame, group: str, order: list) -> dict:
    """``{group value: rows}`` in ``order`` (values absent from ``data`` left out)."""
    parts = {name: sub for name, sub in data.groupby(group, sort=False, observed=True)}
    return {name: parts[name] for name in order if name in parts}


# --------------------------------------------------------------------------------------------------------------------
# The paper theme
# --------------------------------------------------------------------------------------------------------------------
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
