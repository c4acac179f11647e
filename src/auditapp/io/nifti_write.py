"""Writing NIfTI volumes given in auditapp's (k, j, i) axis order (used by the demo data generator)."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np

__all__ = ["write_volume"]


def write_volume(path: str | Path, data: np.ndarray, spacing=(1.0, 1.0, 1.0)) -> Path:
    """Write a 3-D array as a NIfTI-1 file (``.nii`` or ``.nii.gz``).

    Parameters
    ----------
    path : str or Path
        Destination; its folder must exist. ``.gz`` compresses (nibabel's level 1).
    data : (K, J, I) ndarray
        Voxel values in (k, j, i) order, as :func:`auditapp.io.read_volume` returns
        them; written as ``data.T`` so nibabel sees (i, j, k). The dtype is kept.
    spacing : sequence of 3 float
        Voxel size in mm along (k, j, i).

    Returns
    -------
    Path
        ``path``.

    Notes
    -----
    The affine is diagonal (voxel size on the diagonal, origin 0), qform and sform
    code 1 (scanner), units mm. Reading the file back with
    :func:`auditapp.io.read_volume` gives ``data`` and ``spacing`` exactly.
    """
    path = Path(path)
    data = np.asarray(data)
    if data.ndim != 3:
        raise ValueError(f"data must be 3-D (k, j, i); got shape {data.shape}")
    sk, sj, si = (float(s) for s in spacing)
    affine = np.diag([si, sj, sk, 1.0])
    image = nib.Nifti1Image(data.T, affine)
    image.header.set_data_dtype(data.dtype)
    image.header.set_xyzt_units("mm")
    image.set_qform(affine, code=1)
    image.set_sform(affine, code=1)
    nib.save(image, str(path))
    return path
