"""Private array helpers of the synthetic data generator: seeded RNGs, smooth noise, ellipsoids, boxes."""

from __future__ import annotations

import numpy as np

__all__: list[str] = []


def _rng(*keys: int) -> np.random.Generator:
    return np.random.default_rng([int(k) & 0xFFFFFFFF for k in keys])


def _interp_matrix(n_out: int, n_in: int) -> np.ndarray:
    """(n_out, n_in) float32 linear-interpolation weights mapping a coarse axis onto a fine one."""
    x = np.linspace(0.0, n_in - 1.0, n_out)
    lo = np.minimum(np.floor(x).astype(int), n_in - 2)
    frac = (x - lo).astype(np.float32)
    w = np.zeros((n_out, n_in), dtype=np.float32)
    rows = np.arange(n_out)
    w[rows, lo] = 1.0 - frac
    w[rows, lo + 1] = frac
    return w


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, ...], cell: int) -> np.ndarray:
    """Zero-mean float32 noise, smooth at the scale of ``cell`` voxels.

    A coarse Gaussian grid is interpolated (trilinear, as three small matrix products,
    much faster than ``ndimage.zoom`` on 9 M voxels).
    """
    coarse = tuple(max(2, int(np.ceil(s / cell)) + 1) for s in shape)
    grid = rng.standard_normal(coarse, dtype=np.float32)
    w0, w1, w2 = (_interp_matrix(s, c) for s, c in zip(shape, coarse))
    out = (w0 @ grid.reshape(coarse[0], -1)).reshape(shape[0], coarse[1], coarse[2])
    out = np.matmul(w1, out)  # (J, b) @ (K, b, c) -> (K, J, c)
    return np.ascontiguousarray(out @ w2.T)


def _ellipsoid(shape, centre, radii) -> np.ndarray:
    """Normalised squared ellipsoid distance (float32), < 1 inside."""
    grids = np.ogrid[tuple(slice(0, s) for s in shape)]
    d = np.zeros(shape, dtype=np.float32)
    for g, c, r in zip(grids, centre, radii):
        d = d + ((g.astype(np.float32) - np.float32(c)) / np.float32(r)) ** 2
    return d


def _bbox(mask: np.ndarray, margin: int = 0) -> tuple[slice, ...] | None:
    if not mask.any():
        return None
    slices = []
    for axis in range(mask.ndim):
        other = tuple(a for a in range(mask.ndim) if a != axis)
        nz = np.flatnonzero(mask.any(axis=other))
        slices.append(slice(max(0, nz[0] - margin), min(mask.shape[axis], nz[-1] + 1 + margin)))
    return tuple(slices)


def _validate_shape(shape) -> tuple[int, int, int]:
    shape = tuple(int(s) for s in shape)
    if len(shape) != 3 or min(shape) < 16:
        raise ValueError(f"shape must be 3 integers >= 16 in (k, j, i) order; got {shape}")
    return shape
