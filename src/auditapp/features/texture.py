"""Grey-level co-occurrence (GLCM) texture of one sequence (features.md §9)."""

from __future__ import annotations

import math

import numpy as np

__all__ = [
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

# Weights over the 65536 unordered pair codes ``lo * 256 + hi`` (lo <= hi), one column each:
# (hi - lo)^2, |hi - lo|, 1 / (1 + (hi - lo)^2), lo + hi, lo^2 + hi^2, lo * hi.
_WEIGHTS: np.ndarray | None = None


def _weights() -> np.ndarray:
    global _WEIGHTS
    if _WEIGHTS is None:
        lo, hi = np.divmod(np.arange(LEVELS * LEVELS, dtype=np.float64), LEVELS)
        diff = hi - lo
        _WEIGHTS = np.ascontiguousarray(np.stack(
            [diff * diff, np.abs(diff), 1.0 / (1.0 + diff * diff), lo + hi, lo * lo + hi * hi, lo * hi],
            axis=1,
        ))
    return _WEIGHTS


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
    nonzero = image != 0
    slices = []
    for axis in range(image.ndim):
        other = tuple(a for a in range(image.ndim) if a != axis)
        idx = np.flatnonzero(nonzero.any(axis=other))
        if idx.size == 0:
            return None
        lo = max(int(idx[0]) - padding, 0)
        hi = min(int(idx[-1]) + 1 + padding, image.shape[axis])
        slices.append(slice(lo, hi))
    return image[tuple(slices)]


def quantize(block: np.ndarray) -> np.ndarray:
    """Quantise a block to 0..255 with its own min and max, in float64.

    ``q = trunc((255 * (B - min)) / (max - min))``; all 0 when max = min.

    Examples
    --------
    >>> quantize(np.array([0.0, 1.0, 2.0, 4.0])).tolist()
    [0, 63, 127, 255]
    """
    lo = float(block.min())
    hi = float(block.max())
    if hi == lo:
        return np.zeros(block.shape, dtype=np.uint8)
    work = np.subtract(block, lo, dtype=np.float64)
    work *= 255.0
    work /= hi - lo
    # every value is in [0, 255]: the conversion truncates toward zero
    return work.astype(np.uint8)


def _pair_views(q: np.ndarray):
    """(first, second, pairs per plane) for offsets (0,+1), (+1,+1), (+1,0), (+1,-1)."""
    rows, cols = q.shape[1], q.shape[2]
    return (
        (q[:, :, :-1], q[:, :, 1:], rows * (cols - 1)),
        (q[:, :-1, :-1], q[:, 1:, 1:], (rows - 1) * (cols - 1)),
        (q[:, :-1, :], q[:, 1:, :], (rows - 1) * cols),
        (q[:, :-1, 1:], q[:, 1:, :-1], (rows - 1) * (cols - 1)),
    )


def glcm_plane_properties(q: np.ndarray) -> np.ndarray:
    """GLCM properties of every axial plane and angle of a quantised block.

    Parameters
    ----------
    q : (Z, R, C) ndarray of uint8
        Grey levels 0..255; planes along axis 0.

    Returns
    -------
    (4, Z, 6) ndarray of float64
        For angle 0, pi/4, pi/2, 3pi/4 and plane z: contrast, dissimilarity,
        homogeneity, asm, energy, correlation of the symmetric, normalised
        256-level GLCM at distance 1 (scikit-image ``graycomatrix`` +
        ``graycoprops`` definitions).

    Notes
    -----
    One co-occurrence count per plane and angle gives all six properties. The pair
    codes are unordered, ``min(a, b) * 256 + max(a, b)``; with ``U`` their counts
    and ``N`` the number of pairs, the symmetric normalised matrix is
    ``P[i, j] = U[i, j] / (2N)`` off the diagonal and ``U[i, i] / N`` on it, so

    * contrast, dissimilarity, homogeneity = ``sum(U * w) / N`` with
      ``w = (i - j)^2, |i - j|, 1 / (1 + (i - j)^2)``;
    * asm = ``(sum(U^2) + sum(diag(U)^2)) / (2 N^2)``, energy = ``sqrt(asm)``;
    * correlation = ``(4N S_ij - S_1^2) / (2N S_2 - S_1^2)`` with the exact integer sums
      ``S_1 = sum(U (i + j))``, ``S_2 = sum(U (i^2 + j^2))``, ``S_ij = sum(U i j)``;
      1 when the denominator is 0 (uniform plane: scikit-image's ``sigma < 1e-15`` rule).

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
    weights = _weights()
    bins = LEVELS * LEVELS
    diag = np.arange(LEVELS) * (LEVELS + 1)
    out = np.zeros((4, nz, 6), dtype=np.float64)
    counts = np.empty((nz, bins), dtype=np.float64)
    for angle, (first, second, npairs) in enumerate(_pair_views(q)):
        if npairs <= 0:
            out[angle, :, 5] = 1.0
            continue
        lo = np.minimum(first, second).astype(np.uint16)
        lo <<= 8
        lo |= np.maximum(first, second)
        for z in range(nz):
            counts[z] = np.bincount(lo[z].ravel(), minlength=bins)
        sums = counts @ weights  # exact: integer counts and weights, sums < 2**53
        sq = np.einsum("ij,ij->i", counts, counts)
        sq_diag = np.einsum("ij,ij->i", counts[:, diag], counts[:, diag])
        n = float(npairs)
        out[angle, :, 0] = sums[:, 0] / n
        out[angle, :, 1] = sums[:, 1] / n
        out[angle, :, 2] = sums[:, 2] / n
        asm = (sq + sq_diag) / (2.0 * n * n)
        out[angle, :, 3] = asm
        out[angle, :, 4] = np.sqrt(asm)
        s1, s2, sij = sums[:, 3], sums[:, 4], sums[:, 5]
        den = 2.0 * n * s2 - s1 * s1
        num = 4.0 * n * sij - s1 * s1
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = np.where(den > 0, num / np.where(den > 0, den, 1.0), 1.0)
        out[angle, :, 5] = corr
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
    block = crop_to_nonzero(np.asarray(image), padding=int(padding))
    if block is None:
        return {name: math.nan for name in TEXTURE_NAMES}
    props = glcm_plane_properties(quantize(block))
    per_plane = props.mean(axis=0)  # (Z, 6)
    means = per_plane.mean(axis=0)
    stds = per_plane.std(axis=0)
    result: dict[str, float] = {}
    for k, prop in enumerate(TEXTURE_PROPERTIES):
        result[f"mean_{prop}"] = float(means[k])
        result[f"std_{prop}"] = float(stds[k])
    return result
