"""Slice images of the viewer and the worst-cases gallery (pure: arrays in, RGB arrays / HTML out).

A plane is one PNG data URI: the grey slice with the outcome colours blended in on the server (:func:`compose`),
~20-60 kB instead of a JSON array of every pixel. It is shown as plain HTML (:func:`plane_html`: the bitmap,
two crosshair lines where the other planes cut, a legend), not as a Plotly figure: a slider move redraws three
planes, and three Plotly charts took ~0.4 s of browser time per move on the 2-core test machine
(docs/dashboard.md, bench_app_viewer.py).
"""

from __future__ import annotations

import base64
import html
import struct
import zlib

import numpy as np

from auditapp.analysis.slices import OUTCOME_NAMES, downsample_step

__all__ = [
    "OUTCOME_COLORS",
    "PLANE_TITLES",
    "compose",
    "label_palette",
    "legend_entries",
    "outcome_palette",
    "plane_html",
    "plane_rgb",
    "plane_source",
    "planes_row",
    "png_bytes",
    "png_data_uri",
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


def plane_html(source: tuple[str, tuple[int, int], int], *, axis: int, position: tuple[int, int, int],
               shape: tuple[int, int, int], spacing: tuple[float, float, float], legend: tuple[str, ...] = (),
               legend_colors: tuple[str, ...] = (), height: int = 300) -> str:
    """Plane ``axis`` (0 axial, 1 coronal, 2 sagittal) at ``position[axis]`` from its :func:`plane_source`, as HTML:
    a title (``"Axial 77 / 154"``), the PNG in a box of the slice's proportions in millimetres (anisotropic voxels
    keep their shape; at most ``height`` pixels tall) with thin crosshair lines where the other two planes cut, and
    a legend row (empty when ``legend`` is). Plain HTML and inline styles: Streamlit's sanitiser drops SVG.

    ``shape`` and ``spacing`` are the volume's, in ``(k, j, i)`` order. Names are HTML-escaped.

    >>> html = plane_html(("data:image/png;base64,AA", (2, 3), 1), axis=0, position=(4, 0, 2), shape=(9, 2, 3),
    ...                   spacing=(1.0, 2.0, 1.0), legend=("A<B",), legend_colors=("#009E73",))
    >>> "Axial 4 / 8" in html, "aspect-ratio:3/4" in html, "top:75%" in html, "A&lt;B" in html
    (True, True, True, True)
    """
    uri, (h, w), step = source
    rows, cols = (a for a in range(3) if a != axis)
    width, tall = w * spacing[cols] * step, h * spacing[rows] * step  # millimetres
    top = ((shape[rows] - 1 - position[rows]) / step + 0.5) / h  # row 0 of the PNG is the highest index
    left = (position[cols] / step + 0.5) / w
    line = f"position:absolute;background:{CROSSHAIR}"
    title = f"{PLANE_TITLES[axis]} {position[axis]} / {shape[axis] - 1}"
    keys = "".join(f'<span style="margin-right:12px;white-space:nowrap"><span style="display:inline-block;width:11px;'
                   f'height:11px;margin-right:4px;vertical-align:-1px;background:{c}"></span>{html.escape(n)}</span>'
                   for n, c in zip(legend, legend_colors))
    return (f'<figure class="auditapp-plane" data-plane="{PLANE_TITLES[axis].lower()}" style="margin:0">'
            f'<figcaption class="auditapp-plane-title" style="font-size:13px;margin:0 0 4px 4px">{title}</figcaption>'
            f'<div style="height:{height}px;display:flex;align-items:center;justify-content:center">'
            f'<div style="position:relative;width:min(100%, {height * width / tall:.1f}px);'
            f'aspect-ratio:{width:g}/{tall:g}">'
            f'<img src="{uri}" alt="{title}" style="display:block;width:100%;height:100%;image-rendering:pixelated">'
            f'<div style="{line};left:0;width:100%;height:1px;top:{top * 100:.6g}%"></div>'
            f'<div style="{line};top:0;height:100%;width:1px;left:{left * 100:.6g}%"></div></div></div>'
            f'<div class="auditapp-legend" style="font-size:12px;min-height:18px;margin:4px">{keys}</div></figure>')


def planes_row(figures: list[str]) -> str:
    """The :func:`plane_html` figures side by side in equal columns (one HTML element for all planes; the gap is
    that of Streamlit's containers, so three sliders in a horizontal container below line up with them)."""
    cells = "".join(f'<div style="flex:1 1 0;min-width:0">{f}</div>' for f in figures)
    return f'<div class="auditapp-planes" style="display:flex;gap:1rem">{cells}</div>'


def legend_entries(with_wrong_label: bool = True) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Outcome legend: names and colours in code order (without "Wrong label" for a single region)."""
    n = 4 if with_wrong_label else 3
    return tuple(OUTCOME_NAMES[1:1 + n]), tuple(OUTCOME_COLORS[:n])
