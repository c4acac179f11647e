"""Grey-level co-occurrence (GLCM) texture of one sequence (features.md §9)."""

from __future__ import annotations

import math

import numpy as np

from auditapp.features._checks import check_volume

__all__ = [
    "block_texture",
    "nonzero_box",
    "pad_box",
    "TEXTURE_PROPERTIES",
    "TEXTURE_NAMES",
    "LEVELS",
    "crop_to_nonzero",
    "quantize",
    "glcm_plane_properties",
    "texture_features",
]

#: GLCM properties, in column order.
TEXTURE_PROPERTIES = ("contrast", "dissimilarity", "homogeneity", "asm", "energy", "correlation")
#: Column name parts (``<seq>_<name>``): mean then std of each property.
TEXTURE_NAMES = tuple(f"{stat}_{prop}" for prop in TEXTURE_PROPERTIES for stat in ("mean", "std"))
#: Number of grey levels.
LEVELS = 256

def nonzero_box(image: np.ndarray, *, padding: int = 0) -> tuple[slice, ...] | None:
    """Bounding box of the non-zero voxels of ``image`` as slices, or None when all are 0.

    Parameters
    ----------
    image : ndarray
    padding : int
        Voxels added on every side, clipped to the volume.

    Examples
    --------
    >>> img = np.zeros((3, 4, 5)); img[1, 1:3, 2] = 7
    >>> nonzero_box(img)
    (slice(1, 2, None), slice(1, 3, None), slice(2, 3, None))
    """
    nonzero = image != 0
    if image.ndim == 3:
        plane = nonzero.any(axis=0)  # (J, I): two passes over the volume instead of three
        profiles = (nonzero.any(axis=(1, 2)), plane.any(axis=1), plane.any(axis=0))
    else:
        profiles = tuple(nonzero.any(axis=tuple(a for a in range(image.ndim) if a != axis))
                         for axis in range(image.ndim))
    slices = []
    for profile in profiles:
        idx = np.flatnonzero(profile)
        if idx.size == 0:
            return None
        slices.append(slice(int(idx[0]), int(idx[-1]) + 1))
    return pad_box(tuple(slices), padding, image.shape)


def pad_box(box: tuple[slice, ...], padding: int, shape: tuple[int, ...]) -> tuple[slice, ...]:
    """Grow a box of slices by ``padding`` voxels on every side, clipped to ``shape``.

    Examples
    --------
    >>> pad_box((slice(0, 2), slice(3, 4)), 1, (5, 4))
    (slice(0, 3, None), slice(2, 4, None))
    """
    return tuple(slice(max(sl.start - padding, 0), min(sl.stop + padding, size))
                 for sl, size in zip(box, shape))


def crop_to_nonzero(image: np.ndarray, *, padding: int = 0) -> np.ndarray | None:
    """The block of ``image`` inside the bounding box of its non-zero voxels.

    Parameters
    ----------
    image : (K, J, I) ndarray
    padding : int
        Voxels added on every side of the box, clipped to the volume.

    Returns
    -------
    ndarray or None
        A view of ``image``; None when every voxel is 0.

    Examples
    --------
    >>> img = np.zeros((3, 4, 5)); img[1, 1:3, 2] = 7
    >>> crop_to_nonzero(img).shape, crop_to_nonzero(img, padding=1).shape
    ((1, 2, 1), (3, 4, 3))
    """
    box = nonzero_box(image, padding=padding)
    return None if box is None else image[box]


def quantize(block: np.ndarray) -> np.ndarray:
    """Quantise a block to 0..255 with its own min and max, in float64.

    ``q = trunc((255 * (B - min)) / (max - min))``; all 0 when max = min.

    Examples
    --------
    >>> quantize(np.array([0.0, 1.0, 2.0, 4.0])).tolist()
    [0, 63, 127, 255]
    """
    return _quantize(block)[0]


def _quantize(block: np.ndarray) -> tuple[np.ndarray, float, float]:
    """``quantize`` plus the block's min and max (one strided read of the block)."""
    work = np.array(block, dtype=np.float64, order="C")  # contiguous: fast reductions below
    lo = float(work.min())
    hi = float(work.max())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError("the image holds NaN or infinite values: its texture is undefined")
    if hi == lo:
        return np.zeros(block.shape, dtype=np.uint8), lo, hi
    work -= lo
    work *= 255.0
    work /= hi - lo
    # every value is in [0, 255]: the conversion truncates toward zero
    return work.astype(np.uint8), lo, hi


# (first view, second view) of each angle as rows/columns dropped from the plane:
# angle: ((first drop_row, first drop_col), (second drop_row, second drop_col)); None = nothing dropped.
_DROPS = (
    ((None, -1), (None, 0)),   # 0:      (0, +1)
    ((-1, -1), (0, 0)),        # pi/4:   (+1, +1)
    ((-1, None), (0, None)),   # pi/2:   (+1, 0)
    ((-1, 0), (0, -1)),        # 3pi/4:  (+1, -1)
)


def _pair_views(q: np.ndarray):
    """(first, second, pairs per plane) for offsets (0,+1), (+1,+1), (+1,0), (+1,-1)."""
    rows, cols = q.shape[1], q.shape[2]
    return (
        (q[:, :, :-1], q[:, :, 1:], rows * (cols - 1)),
        (q[:, :-1, :-1], q[:, 1:, 1:], (rows - 1) * (cols - 1)),
        (q[:, :-1, :], q[:, 1:, :], (rows - 1) * cols),
        (q[:, :-1, 1:], q[:, 1:, :-1], (rows - 1) * (cols - 1)),
    )


class _PlaneSums:
    """Per-plane sums of a function of the pixel values over a plane minus one row and/or column."""

    def __init__(self, values: np.ndarray):
        self.values = values  # (Z, R, C) unsigned integers
        self.row_sums = values.sum(axis=2, dtype=np.int64)  # (Z, R)
        self.col_sums = values.sum(axis=1, dtype=np.int64)  # (Z, C)
        self.total = self.row_sums.sum(axis=1)  # (Z,)

    def view_sum(self, drop_row, drop_col) -> np.ndarray:
        out = self.total.copy()
        if drop_row is not None:
            out -= self.row_sums[:, drop_row]
        if drop_col is not None:
            out -= self.col_sums[:, drop_col]
        if drop_row is not None and drop_col is not None:
            out += self.values[:, drop_row, drop_col].astype(np.int64)
        return out


def _first_last(flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of a 2-D bool array: first and last True index, -1 when none."""
    n = flags.shape[1]
    has = flags.any(axis=1)
    first = np.where(has, np.argmax(flags, axis=1), -1)
    last = np.where(has, n - 1 - np.argmax(flags[:, ::-1], axis=1), -1)
    return first, last


def glcm_plane_properties(q: np.ndarray, *, background: int | None = None) -> np.ndarray:
    """GLCM properties of every axial plane and angle of a quantised block.

    Parameters
    ----------
    q : (Z, R, C) ndarray of uint8
        Grey levels 0..255; planes along axis 0.
    background : int, optional
        The level of the background (default: the most frequent level). Only a
        speed hint: pairs outside each plane's box of non-background pixels are
        counted without being visited; the result does not depend on it.

    Returns
    -------
    (4, Z, 6) ndarray of float64
        For angle 0, pi/4, pi/2, 3pi/4 and plane z: contrast, dissimilarity,
        homogeneity, asm, energy, correlation of the symmetric, normalised
        256-level GLCM at distance 1 (scikit-image ``graycomatrix`` +
        ``graycoprops`` definitions).

    Notes
    -----
    One co-occurrence count per plane and angle gives all six properties, without
    building the 256 x 256 matrix densely. For the ``N`` pixel pairs ``(a, b)`` of a
    plane and angle, with ``d = |a - b|`` and ``U`` the counts of the unordered
    codes ``min(a, b) * 256 + max(a, b)``, the symmetric normalised matrix is
    ``P[i, j] = U[i, j] / (2N)`` off the diagonal and ``U[i, i] / N`` on it, so

    * contrast, dissimilarity, homogeneity = mean over the pairs of
      ``d^2``, ``d``, ``1 / (1 + d^2)`` (from the per-plane histogram of ``d``);
    * asm = ``(sum(U^2) + sum(diag(U)^2)) / (2 N^2)`` where ``sum(U^2)`` is the sum over
      the per-plane code counts; energy = ``sqrt(asm)``;
    * correlation = ``(4N S_ij - S_1^2) / (2N S_2 - S_1^2)`` with the exact integer sums
      ``S_1 = sum(a + b)``, ``S_2 = sum(a^2 + b^2)``, ``S_ij = sum(a b) = (S_2 - sum(d^2)) / 2``;
      1 when the denominator is 0 (uniform plane: scikit-image's ``sigma < 1e-15`` rule).
      ``S_1`` and ``S_2`` come from per-plane row and column sums (plane minus one row/column).

    A plane without any pair (one row or one column) gives a zero matrix:
    contrast, dissimilarity, homogeneity, asm, energy 0, correlation 1 (as scikit-image).

    Examples
    --------
    >>> q = np.array([[[0, 0, 1], [0, 1, 1], [2, 2, 2]]], dtype=np.uint8)
    >>> props = glcm_plane_properties(q)
    >>> props.shape, float(props[0, 0, 0])
    ((4, 1, 6), 0.3333333333333333)
    """
    q = np.ascontiguousarray(q, dtype=np.uint8)
    nz = q.shape[0]
    bins = LEVELS * LEVELS
    diag = np.arange(LEVELS) * (LEVELS + 1)
    levels = np.arange(LEVELS, dtype=np.float64)
    diff_weights = np.stack([levels * levels, levels, 1.0 / (1.0 + levels * levels)], axis=1)  # (256, 3)
    sums1 = _PlaneSums(q)
    squares = q.astype(np.uint16)
    squares *= squares  # 255^2 = 65025 fits uint16
    sums2 = _PlaneSums(squares)
    if background is None:
        background = int(np.bincount(q.ravel(), minlength=LEVELS).argmax()) if q.size else 0
    bg_code = int(background) * (LEVELS + 1)
    # per plane: first/last row and column holding a non-background pixel (-1 when none)
    foreground = q != background
    row_any = foreground.any(axis=2)
    col_any = foreground.any(axis=1)
    del foreground
    row_lo, row_hi = _first_last(row_any)
    col_lo, col_hi = _first_last(col_any)
    out = np.zeros((4, nz, 6), dtype=np.float64)
    dhist = np.zeros((nz, LEVELS), dtype=np.float64)
    code_sq = np.zeros(nz, dtype=np.float64)
    for angle, (first, second, npairs) in enumerate(_pair_views(q)):
        if npairs <= 0:
            out[angle, :, 5] = 1.0
            continue
        low = np.minimum(first, second)
        high = np.maximum(first, second)
        diff = high - low
        code = low.astype(np.uint16)
        code <<= 8
        code |= high
        del low, high
        rows_pairs, cols_pairs = code.shape[1], code.shape[2]
        for z in range(nz):
            if row_lo[z] < 0:  # the whole plane is background: one code
                code_sq[z] = 2.0 * float(npairs) ** 2
                dhist[z] = 0.0
                dhist[z, 0] = npairs
                continue
            # pairs outside the plane's non-background box (grown by 1) are background-background
            r0, r1 = max(int(row_lo[z]) - 1, 0), min(int(row_hi[z]) + 1, rows_pairs)
            c0, c1 = max(int(col_lo[z]) - 1, 0), min(int(col_hi[z]) + 1, cols_pairs)
            sub_codes = code[z, r0:r1, c0:c1].ravel()
            extra = npairs - sub_codes.size
            counts = np.bincount(sub_codes, minlength=bins)
            counts[bg_code] += extra
            on_diag = counts[diag]
            code_sq[z] = float(np.einsum("i,i->", counts, counts) + np.dot(on_diag, on_diag))
            dh = np.bincount(diff[z, r0:r1, c0:c1].ravel(), minlength=LEVELS)
            dh[0] += extra
            dhist[z] = dh
        del code, diff
        linear = dhist @ diff_weights  # exact integer sums for the first two columns
        n = float(npairs)
        out[angle, :, 0] = linear[:, 0] / n
        out[angle, :, 1] = linear[:, 1] / n
        out[angle, :, 2] = linear[:, 2] / n
        asm = code_sq / (2.0 * n * n)
        out[angle, :, 3] = asm
        out[angle, :, 4] = np.sqrt(asm)
        (first_drop, second_drop) = _DROPS[angle]
        s1 = sums1.view_sum(*first_drop) + sums1.view_sum(*second_drop)
        s2 = sums2.view_sum(*first_drop) + sums2.view_sum(*second_drop)
        sij = (s2 - linear[:, 0].astype(np.int64)) // 2
        npairs_i = int(npairs)
        den = 2 * npairs_i * s2 - s1 * s1
        num = 4 * npairs_i * sij - s1 * s1
        safe = np.where(den > 0, den, 1).astype(np.float64)
        out[angle, :, 5] = np.where(den > 0, num.astype(np.float64) / safe, 1.0)
    return out


def texture_features(image: np.ndarray, *, padding: int = 0) -> dict[str, float]:
    """Whole-volume GLCM texture: mean and std over axial planes of six properties.

    Parameters
    ----------
    image : (K, J, I) ndarray
        The sequence, any numeric dtype. Axis 0 is the plane axis (axial).
    padding : int, optional
        ``texture_crop_padding``: voxels added around the non-zero bounding box
        (0 = reference 0.2.0, 1 = the authors' published CSVs).

    Returns
    -------
    dict of str to float
        ``mean_contrast, std_contrast, mean_dissimilarity, ..., std_correlation``
        (:data:`TEXTURE_NAMES`).

    Notes
    -----
    1. All-zero volume -> all 12 values NaN (the statistics family warns).
    2. Crop to the bounding box of ``image != 0`` (negatives included) plus ``padding``.
    3. Quantise the block in float64: ``q = trunc(255 (B - min) / (max - min))``
       (zero background inside the box included; all 0 if max = min).
    4. Per axial plane of the block (background planes included) and angle
       0, pi/4, pi/2, 3pi/4 (pixel offsets (0,+1), (+1,+1), (+1,0), (+1,-1)), the
       symmetric normalised 256-level GLCM at distance 1 and its properties
       (:func:`glcm_plane_properties`); the plane value is the mean over the angles.
    5. ``mean_<p>`` / ``std_<p>`` = mean / population std (ddof 0) over the planes.

    A constant non-zero volume gives contrast 0, dissimilarity 0, homogeneity 1,
    asm 1, energy 1, correlation 1 and std 0.

    Raises ``ValueError`` when the image holds NaN or infinite values.

    Deviation from the reference 0.2.0: quantisation in float64 for every dtype
    (the reference overflowed for integer images); one co-occurrence count per
    plane and angle instead of six GLCM rebuilds.

    Examples
    --------
    >>> img = np.zeros((2, 4, 4)); img[:, 1:3, 1:3] = 5.0
    >>> feats = texture_features(img)
    >>> feats["mean_contrast"], feats["mean_homogeneity"], feats["std_asm"]
    (0.0, 1.0, 0.0)
    """
    if int(padding) < 0:
        raise ValueError(f"padding must be >= 0; got {padding}")
    block = crop_to_nonzero(check_volume(image), padding=int(padding))
    if block is None:
        return {name: math.nan for name in TEXTURE_NAMES}
    return block_texture(block)


def block_texture(block: np.ndarray) -> dict[str, float]:
    """Steps 3-6 of :func:`texture_features` on an already cropped block (no crop here).

    Examples
    --------
    >>> block_texture(np.full((2, 3, 3), 4.0))["mean_asm"]
    1.0
    """
    block = check_volume(block, name="block")
    q, lo, hi = _quantize(block)
    background = None
    if lo <= 0.0 <= hi and hi > lo:  # the level of the zero background, same arithmetic as quantize
        background = int(np.trunc((255.0 * (0.0 - lo)) / (hi - lo)))
    props = glcm_plane_properties(q, background=background)
    per_plane = props.mean(axis=0)  # (Z, 6)
    means = per_plane.mean(axis=0)
    stds = per_plane.std(axis=0)
    result: dict[str, float] = {}
    for k, prop in enumerate(TEXTURE_PROPERTIES):
        result[f"mean_{prop}"] = float(means[k])
        result[f"std_{prop}"] = float(stds[k])
    return result
