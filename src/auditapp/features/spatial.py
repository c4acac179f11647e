"""Spatial features of the reference sequence (features.md §6)."""

from __future__ import annotations

import math

import numpy as np

from auditapp._validation import check_spacing, check_volume

__all__ = ["PLANES", "center_of_mass", "spatial_features"]

#: Plane names by array axis: 0 = axial (NIfTI k), 1 = coronal (j), 2 = sagittal (i).
PLANES = ("axial", "coronal", "sagittal")


def center_of_mass(mask: np.ndarray, spacing=(1.0, 1.0, 1.0), *, offset=(0, 0, 0)) -> tuple[float, ...]:
    """Mean voxel index of a 3-D mask along each axis, times the spacing.

    Parameters
    ----------
    mask : (K, J, I) ndarray of bool
    spacing : sequence of 3 float
        Voxel size per axis (in the mask's axis order).
    offset : sequence of 3 int, optional
        Index of ``mask[0, 0, 0]`` in the full volume (when ``mask`` is a crop).

    Returns
    -------
    tuple of 3 float
        NaN for every axis when the mask is empty.

    Notes
    -----
    Computed from the three axis profiles (counts per index), so no coordinate
    array is built: ``com[a] = spacing[a] * (offset[a] + sum(idx * profile_a) / n)``.

    Examples
    --------
    >>> m = np.zeros((2, 3, 4), bool); m[1, 0:2, 3] = True
    >>> center_of_mass(m, (2.0, 1.0, 0.5))
    (2.0, 0.5, 1.5)
    """
    mask = np.asarray(mask, dtype=bool)
    plane01 = np.count_nonzero(mask, axis=2)  # (K, J)
    total = int(plane01.sum())
    if total == 0:
        return (math.nan, math.nan, math.nan)
    profiles = (
        plane01.sum(axis=1),
        plane01.sum(axis=0),
        np.count_nonzero(mask, axis=(0, 1)),
    )
    result = []
    for axis, profile in enumerate(profiles):
        index_sum = float(np.dot(np.arange(profile.size, dtype=np.float64), profile.astype(np.float64)))
        result.append((index_sum / total + offset[axis]) * float(spacing[axis]))
    return tuple(result)


def spatial_features(image: np.ndarray, *, spacing, box: tuple[slice, ...] | None = None) -> dict[str, float]:
    """Shape and brain centre of mass of the reference sequence.

    Parameters
    ----------
    image : (K, J, I) ndarray
        The reference sequence (the first configured one).
    spacing : sequence of 3 float
        Its voxel size in (k, j, i) order.
    box : tuple of 3 slices, optional
        A box known to hold every non-zero voxel (e.g. from
        :func:`auditapp.features.texture.nonzero_box`); only it is scanned.

    Returns
    -------
    dict of str to float
        ``<plane>_plane_resolution`` (``image.shape[a]``: a voxel count, not a
        resolution) and ``<plane>_plane_center_of_mass`` for plane in axial,
        coronal, sagittal.

    Notes
    -----
    ``<plane>_plane_center_of_mass = spacing[a] * mean index along axis a of the
    voxels with image != 0`` (negative values count). No origin, no direction.
    An all-zero image gives NaN centres (its shape is still reported). Raises
    ``ValueError`` for a non-3-D image or a spacing that is not 3 positive finite values.

    Examples
    --------
    >>> img = np.zeros((3, 4, 4)); img[2, 1, 1] = -1.0; img[2, 3, 1] = 5.0
    >>> f = spatial_features(img, spacing=(1.0, 1.0, 2.0))
    >>> f["axial_plane_resolution"], f["coronal_plane_center_of_mass"], f["sagittal_plane_center_of_mass"]
    (3, 2.0, 2.0)
    """
    arr = check_volume(image)
    spacing = check_spacing(spacing)
    if box is None:
        com = center_of_mass(arr != 0, spacing)
    else:
        com = center_of_mass(arr[box] != 0, spacing, offset=tuple(sl.start or 0 for sl in box))
    out: dict[str, float] = {}
    for axis, plane in enumerate(PLANES):
        out[f"{plane}_plane_resolution"] = int(arr.shape[axis])
    for axis, plane in enumerate(PLANES):
        out[f"{plane}_plane_center_of_mass"] = com[axis]
    return out
