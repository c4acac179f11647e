"""Grey-level co-occurrence (GLCM) texture of one sequence (features.md §9)."""

from __future__ import annotations

import math

import numpy as np

from auditapp._validation import check_volume

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


#: Values converted to float64 at a time by :func:`quantize` (a block of planes that stays in cache).
_QUANTIZE_CHUNK = 1 << 17


def _quantize(block: np.ndarray) -> tuple[np.ndarray, float, float]:
    """``quantize`` plus the block's min and max.

    The min and max are taken in the block's own dtype (the conversion to float64 is
    monotonic, so they convert to the min and max of a float64 copy). The float64
    arithmetic then runs on groups of planes through one reused buffer, with the
    operations in the order of :func:`quantize`, so the result equals quantising a
    float64 copy of the whole block without making one.
    """
    block = np.asarray(block)
    if block.ndim == 0:
        q, lo, hi = _quantize(block.reshape(1))
        return q.reshape(()), lo, hi
    lo = float(block.min())
    hi = float(block.max())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError("the image holds NaN or infinite values: its texture is undefined")
    q = np.zeros(block.shape, dtype=np.uint8)
    if hi == lo:
        return q, lo, hi
    per_plane = max(int(np.prod(block.shape[1:])), 1)
    step = max(_QUANTIZE_CHUNK // per_plane, 1)
    buffer = np.empty((min(step, block.shape[0]),) + block.shape[1:], dtype=np.float64)
    for start in range(0, block.shape[0], step):
        part = block[start:start + step]
        work = buffer[:part.shape[0]]
        np.subtract(part, lo, out=work, dtype=np.float64)
        work *= 255.0
        work /= hi - lo
        # every value is in [0, 255]: the conversion truncates toward zero
        np.copyto(q[start:start + step], work, casting="unsafe")
    return q, lo, hi


# (first view, second view) of each angle as rows/columns dropped from the plane:
# angle: ((first drop_row, first drop_col), (second drop_row, second drop_col)); None = nothing dropped.
_DROPS = (
    ((None, -1), (None, 0)),   # 0:      (0, +1)
    ((-1, -1), (0, 0)),        # pi/4:   (+1, +1)
    ((-1, None), (0, None)),   # pi/2:   (+1, 0)
    ((-1, 0), (0, -1)),        # 3pi/4:  (+1, -1)
)

# the same pairs as (first, second) slices of one plane (rows, columns)
_PAIR_SLICES = (
    ((slice(None), slice(None, -1)), (slice(None), slice(1, None))),              # 0:     (0, +1)
    ((slice(None, -1), slice(None, -1)), (slice(1, None), slice(1, None))),       # pi/4:  (+1, +1)
    ((slice(None, -1), slice(None)), (slice(1, None), slice(None))),              # pi/2:  (+1, 0)
    ((slice(None, -1), slice(1, None)), (slice(1, None), slice(None, -1))),       # 3pi/4: (+1, -1)
)


def _pair_counts(rows: int, cols: int) -> tuple[int, int, int, int]:
    """Pixel pairs of one plane for each angle (0 when the plane has one row or column)."""
    return (rows * max(cols - 1, 0), max(rows - 1, 0) * max(cols - 1, 0), max(rows - 1, 0) * cols,
            max(rows - 1, 0) * max(cols - 1, 0))


class _PlaneSums:
    """Per-plane sums of ``q**power`` over the plane minus one edge row and/or column.

    ``total`` holds the whole-plane sums; the edge rows, columns and corners are read here.
    """

    def __init__(self, q: np.ndarray, total: np.ndarray, power: int):
        self.q = q
        self.total = total
        self.power = power
        self.rows = {k: self._values(q[:, k, :]).sum(axis=1) for k in (0, -1)}
        self.cols = {k: self._values(q[:, :, k]).sum(axis=1) for k in (0, -1)}

    def _values(self, a: np.ndarray) -> np.ndarray:
        return a.astype(np.int64) ** self.power

    def view_sum(self, drop_row, drop_col) -> np.ndarray:
        out = self.total.copy()
        if drop_row is not None:
            out -= self.rows[drop_row]
        if drop_col is not None:
            out -= self.cols[drop_col]
        if drop_row is not None and drop_col is not None:
            out += self._values(self.q[:, drop_row, drop_col])
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
    building the 256 x 256 matrix. For the ``N`` pixel pairs ``(a, b)`` of a plane and
    angle, with ``low = min(a, b)`` and ``d = |a - b|``, one ``np.bincount`` of the codes
    ``d * 256 + low`` gives ``U[d, low]``, the counts of the unordered pairs, as a matrix
    with one row per difference (only up to the largest ``d`` present: fewer bins to
    clear and read than 65,536). The symmetric normalised matrix is
    ``P[i, i + d] = P[i + d, i] = U[d, i] / (2N)`` for ``d > 0`` and ``P[i, i] = U[0, i] / N``, so

    * the histogram of ``d`` is the row sums of ``U`` (``np.add.reduceat``); contrast,
      dissimilarity, homogeneity = mean over the pairs of ``d^2``, ``d``, ``1 / (1 + d^2)``;
    * asm = ``(sum(U^2) + sum(U[0]^2)) / (2 N^2)``; energy = ``sqrt(asm)``;
    * correlation = ``(4N S_ij - S_1^2) / (2N S_2 - S_1^2)`` with the exact integer sums
      ``S_1 = sum(a + b)``, ``S_2 = sum(a^2 + b^2)``, ``S_ij = sum(a b) = (S_2 - sum(d^2)) / 2``;
      1 when the denominator is 0 (uniform plane: scikit-image's ``sigma < 1e-15`` rule).
      ``S_1`` and ``S_2`` are the plane's sums of ``q`` and ``q^2`` minus one edge row
      and/or column.

    The work is done plane by plane (the plane's pixels, codes and counts stay in cache,
    in buffers reused for every plane) and only inside the plane's box of
    non-background pixels grown by one pixel: every pair outside it is a
    background-background pair, added to ``U[0, background]`` without being visited,
    and the pixels outside it add ``background`` (``background^2``) each to the plane sums.

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
    nz, rows, cols = q.shape
    npairs = _pair_counts(rows, cols)
    if background is None:
        background = int(np.bincount(q.ravel(), minlength=LEVELS).argmax()) if q.size else 0
    background = int(background)
    # per plane: first/last row and column holding a non-background pixel (-1 when none)
    foreground = q != background
    row_lo, row_hi = _first_last(foreground.any(axis=2))
    col_lo, col_hi = _first_last(foreground.any(axis=1))
    del foreground
    # a plane that is all background: its sums and its single code U[0, background]
    plane_size = rows * cols
    total1 = np.full(nz, background * plane_size, dtype=np.int64)
    total2 = np.full(nz, background * background * plane_size, dtype=np.int64)
    dhist = np.zeros((4, nz, LEVELS), dtype=np.float64)
    code_sq = np.zeros((4, nz), dtype=np.float64)
    for angle, n in enumerate(npairs):
        dhist[angle, :, 0] = n
        code_sq[angle] = 2.0 * float(n) ** 2
    # reused buffers: the low levels, the differences and the codes of one plane and angle
    low_buf = np.empty(plane_size, dtype=np.uint8)
    diff_buf = np.empty(plane_size, dtype=np.uint8)
    code_buf = np.empty(plane_size, dtype=np.uint16)
    row_starts = np.arange(0, LEVELS * LEVELS, LEVELS)
    for z in np.flatnonzero(row_lo >= 0):
        plane = q[z, max(row_lo[z] - 1, 0):row_hi[z] + 2, max(col_lo[z] - 1, 0):col_hi[z] + 2]
        values = plane.astype(np.float64).ravel()  # sums of integers below 2**53: exact
        outside = plane_size - values.size
        total1[z] = int(values.sum()) + background * outside
        total2[z] = int(values @ values) + background * background * outside
        for angle, (first_slices, second_slices) in enumerate(_PAIR_SLICES):
            if npairs[angle] == 0:
                continue
            first, second = plane[first_slices], plane[second_slices]
            shape, size = first.shape, first.size
            low = np.minimum(first, second, out=low_buf[:size].reshape(shape))
            diff = np.maximum(first, second, out=diff_buf[:size].reshape(shape))
            diff -= low
            code = np.left_shift(diff, 8, out=code_buf[:size].reshape(shape), dtype=np.uint16)
            code |= low
            counts = np.bincount(code_buf[:size], minlength=LEVELS)  # U[d, low], rows up to max d
            counts[background] += npairs[angle] - size  # the pairs outside the box
            on_diag = counts[:LEVELS]
            code_sq[angle, z] = float(np.einsum("i,i->", counts, counts) + np.dot(on_diag, on_diag))
            n_rows = -(-counts.size // LEVELS)
            dhist[angle, z, :n_rows] = np.add.reduceat(counts, row_starts[:n_rows])
            dhist[angle, z, n_rows:] = 0.0
    sums1 = _PlaneSums(q, total1, 1)
    sums2 = _PlaneSums(q, total2, 2)
    levels = np.arange(LEVELS, dtype=np.float64)
    diff_weights = np.stack([levels * levels, levels, 1.0 / (1.0 + levels * levels)], axis=1)  # (256, 3)
    out = np.zeros((4, nz, 6), dtype=np.float64)
    for angle, npairs_i in enumerate(npairs):
        if npairs_i == 0:
            out[angle, :, 5] = 1.0
            continue
        # exact integer sums for the first two columns; einsum (no BLAS) keeps the third column's
        # summation order the same in every process, whatever its BLAS thread count
        linear = np.einsum("zl,lc->zc", dhist[angle], diff_weights)
        n = float(npairs_i)
        out[angle, :, 0] = linear[:, 0] / n
        out[angle, :, 1] = linear[:, 1] / n
        out[angle, :, 2] = linear[:, 2] / n
        asm = code_sq[angle] / (2.0 * n * n)
        out[angle, :, 3] = asm
        out[angle, :, 4] = np.sqrt(asm)
        (first_drop, second_drop) = _DROPS[angle]
        s1 = sums1.view_sum(*first_drop) + sums1.view_sum(*second_drop)
        s2 = sums2.view_sum(*first_drop) + sums2.view_sum(*second_drop)
        sij = (s2 - linear[:, 0].astype(np.int64)) // 2
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
