"""Slice images of the viewer and the worst-cases gallery (pure: arrays in, RGB arrays / ``go.Figure`` out).

A plane is drawn as one ``go.Image`` whose source is a PNG data URI: the grey slice with the outcome colours blended
in on the server (:func:`compose`), so the browser receives ~20-60 kB per plane instead of a JSON array of every
pixel, and draws one bitmap. The outcome legend is drawn by empty marker traces; crosshair lines show where the two
other planes cut.
"""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np
import plotly.graph_objects as go

from auditapp.analysis.slices import OUTCOME_NAMES, downsample_step

__all__ = [
    "OUTCOME_COLORS",
    "PLANE_TITLES",
    "compose",
    "label_palette",
    "legend_entries",
    "outcome_palette",
    "plane_figure",
    "plane_rgb",
    "plane_source",
    "png_bytes",
    "png_data_uri",
    "slice_figure",
]

#: Okabe-Ito colours (colour-blind safe) per outcome code 1..4: TP bluish green, FP vermillion, FN blue,
#: wrong label reddish purple.
OUTCOME_COLORS = ("#009E73", "#D55E00", "#0072B2", "#CC79A7")
PLANE_TITLES = ("Axial", "Coronal", "Sagittal")
CROSSHAIR = "rgba(255, 221, 0, 0.55)"


def _rgb(color: str | tuple) -> tuple[int, int, int]:
    if isinstance(color, str):
        h = color.lstrip("#")
        return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
    return tuple(int(c) for c in color[:3])  # type: ignore[return-value]


def outcome_palette() -> np.ndarray:
    """``(5, 3) uint8`` colour per outcome code (row 0, "nothing", is black and never drawn)."""
    return np.array([(0, 0, 0), *(_rgb(c) for c in OUTCOME_COLORS)], np.uint8)


def label_palette(colors: dict[int, tuple[int, int, int] | str], size: int = 256) -> np.ndarray:
    """``(size, 3) uint8`` colour per label value from ``{value: colour}`` (other values black, never drawn)."""
    out = np.zeros((size, 3), np.uint8)
    for value, color in colors.items():
        if 0 <= int(value) < size:
            out[int(value)] = _rgb(color)
    return out


def compose(gray: np.ndarray | None, codes: np.ndarray, palette: np.ndarray, opacity: float) -> np.ndarray:
    """RGB slice: the grey image with ``palette[code]`` blended at ``opacity`` wherever ``code > 0``.

    Parameters
    ----------
    gray : (H, W) ndarray of uint8, or None
        Display-scaled image (:func:`auditapp.analysis.slices.to_uint8`); None draws the overlay on black.
    codes : (H, W) ndarray of int
        Outcome codes or label values; 0 is transparent.
    palette : (n, 3) ndarray of uint8
        Colour per code.
    opacity : float
        0 (overlay invisible) .. 1 (opaque).

    Examples
    --------
    >>> compose(np.array([[100, 100]], np.uint8), np.array([[0, 1]]), np.array([[0, 0, 0], [200, 0, 0]], np.uint8),
    ...         0.5).tolist()
    [[[100, 100, 100], [150, 50, 50]]]
    """
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f"opacity must lie in 0..1, got {opacity}")
    base = np.zeros(codes.shape, np.uint8) if gray is None else gray
    if base.shape != codes.shape:
        raise ValueError(f"image and overlay shapes differ: {base.shape} vs {codes.shape}")
    rgb = np.repeat(base[:, :, None], 3, axis=2)
    hit = codes > 0
    if hit.any() and opacity > 0:
        colors = palette[codes[hit]].astype(np.float32)
        mixed = (1.0 - opacity) * rgb[hit].astype(np.float32) + opacity * colors
        rgb[hit] = np.rint(mixed).astype(np.uint8)
    return rgb


def png_bytes(rgb: np.ndarray, *, level: int = 1) -> bytes:
    """Encode an ``(H, W, 3) uint8`` array as a PNG file (no filter, zlib ``level``)."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 array, got {rgb.dtype} {rgb.shape}")
    h, w = rgb.shape[:2]
    rows = np.empty((h, 1 + 3 * w), np.uint8)
    rows[:, 0] = 0  # filter type "none" per row
    rows[:, 1:] = rgb.reshape(h, 3 * w)

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes(), level))
            + chunk(b"IEND", b""))


def png_data_uri(rgb: np.ndarray) -> str:
    """``data:image/png;base64,...`` of :func:`png_bytes`."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(rgb)).decode("ascii")


def slice_figure(source: str, size: tuple[int, int], *, title: str, spacing: tuple[float, float] = (1.0, 1.0),
                 crosshair: tuple[float, float] | None = None, legend: tuple[str, ...] = (),
                 legend_colors: tuple[str, ...] = (), height: int = 340) -> go.Figure:
    """One plane as a figure.

    Parameters
    ----------
    source : str
        PNG data URI of the slice as displayed (:func:`png_data_uri`), row 0 at the top.
    size : (int, int)
        Its height and width in pixels.
    title : str
        e.g. ``"Axial 77 / 154"``.
    spacing : (float, float)
        Displayed pixel size (row, column) in mm, so anisotropic voxels keep their proportions.
    crosshair : (row, column), optional
        Displayed pixel where the other two planes cut this one; drawn as two thin lines.
    legend, legend_colors : tuple of str
        Legend entries (drawn as square markers) and their colours.
    height : int
        Figure height in pixels.
    """
    h, w = size
    dy, dx = (float(s) for s in spacing)
    # dict traces and layout, unvalidated: plotly's property validation costs ~50x the rest of the figure
    traces = [dict(type="image", source=source, x0=0, y0=0, dx=dx, dy=dy, hoverinfo="skip")]
    traces += [dict(type="scatter", x=[None], y=[None], mode="markers", name=name, showlegend=True,
                    marker=dict(symbol="square", size=12, color=color), hoverinfo="skip")
               for name, color in zip(legend, legend_colors)]
    shapes = []
    if crosshair is not None:
        row, col = crosshair
        line = dict(color=CROSSHAIR, width=1)
        shapes = [dict(type="line", x0=0, x1=w * dx, y0=(row + 0.5) * dy, y1=(row + 0.5) * dy, line=line),
                  dict(type="line", x0=(col + 0.5) * dx, x1=(col + 0.5) * dx, y0=0, y1=h * dy, line=line)]
    axis = dict(visible=False, showgrid=False, zeroline=False, automargin=False, constrain="domain")
    layout = dict(
        title=dict(text=title, x=0.02, y=0.98, font=dict(size=13)), height=height,
        margin=dict(l=4, r=4, t=28, b=4), shapes=shapes, showlegend=bool(legend), dragmode="pan",
        legend=dict(orientation="h", x=0, y=-0.02, yanchor="top", font=dict(size=11)),
        xaxis=dict(axis, range=[0, w * dx]), yaxis=dict(axis, range=[h * dy, 0], scaleanchor="x"),
        plot_bgcolor="black", paper_bgcolor="rgba(0,0,0,0)",
    )
    return go.Figure(data=traces, layout=layout, _validate=False)


def plane_rgb(gray: np.ndarray | None, codes: np.ndarray, palette: np.ndarray, opacity: float,
              max_side: int) -> np.ndarray:
    """A slice as displayed: rows flipped (the highest row index at the top, so superior/anterior is up for
    RAS-stored volumes), every ``step``-th pixel when a side exceeds ``max_side``, the overlay blended in."""
    step = downsample_step(codes.shape, max_side)
    codes = codes[::-1][::step, ::step]
    gray = None if gray is None else gray[::-1][::step, ::step]
    return compose(gray, codes, palette, opacity)


def plane_source(gray: np.ndarray | None, codes: np.ndarray, palette: np.ndarray, opacity: float,
                 max_side: int) -> tuple[str, tuple[int, int], int]:
    """PNG data URI of :func:`plane_rgb`, its displayed ``(height, width)`` and the downsampling step."""
    rgb = plane_rgb(gray, codes, palette, opacity, max_side)
    return png_data_uri(rgb), rgb.shape[:2], downsample_step(codes.shape, max_side)


def plane_figure(source: tuple[str, tuple[int, int], int], *, axis: int, position: tuple[int, int, int],
                 shape: tuple[int, int, int], spacing: tuple[float, float, float], legend: tuple[str, ...] = (),
                 legend_colors: tuple[str, ...] = (), height: int = 340) -> go.Figure:
    """Plane ``axis`` (0 axial, 1 coronal, 2 sagittal) at ``position[axis]`` from its :func:`plane_source`, with a
    crosshair at the other two planes' positions and an optional legend (see :func:`slice_figure`).

    ``shape`` and ``spacing`` are the volume's, in ``(k, j, i)`` order.
    """
    uri, (h, w), step = source
    rows, cols = (a for a in range(3) if a != axis)
    cross = ((shape[rows] - 1 - position[rows]) / step, position[cols] / step)
    title = f"{PLANE_TITLES[axis]} {position[axis]} / {shape[axis] - 1}"
    return slice_figure(uri, (h, w), title=title, spacing=(spacing[rows] * step, spacing[cols] * step),
                        crosshair=cross, legend=legend, legend_colors=legend_colors, height=height)


def legend_entries(with_wrong_label: bool = True) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Outcome legend: names and colours in code order (without "Wrong label" for a single region)."""
    n = 4 if with_wrong_label else 3
    return tuple(OUTCOME_NAMES[1:1 + n]), tuple(OUTCOME_COLORS[:n])
