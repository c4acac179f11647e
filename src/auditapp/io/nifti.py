"""Reading NIfTI volumes in auditapp's (k, j, i) axis order."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path

import nibabel as nib
import numpy as np

from auditapp.errors import SubjectError

__all__ = ["Volume", "read_volume", "read_header", "find_nifti"]

NIFTI_EXTENSIONS = (".nii.gz", ".nii")


@dataclass(frozen=True)
class Volume:
    """A volume as stored on disk, axes reversed.

    Attributes
    ----------
    data : (K, J, I) ndarray
        Voxel values in the file's dtype (scaled to float when the header has
        ``scl_slope``/``scl_inter``), axes in (k, j, i) order. No reorientation.
    spacing : tuple of 3 float
        Voxel size along (k, j, i), the header's float32 zooms widened to float64.
    path : Path
        The file read.
    """

    data: np.ndarray
    spacing: tuple[float, float, float]
    path: Path

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape


def _spacing_from_header(header) -> tuple[float, float, float]:
    zooms = np.asarray(header.get_zooms()[:3], dtype=np.float32)
    if zooms.size < 3:
        zooms = np.concatenate([zooms, np.ones(3 - zooms.size, dtype=np.float32)])
    return tuple(float(z) for z in zooms[::-1])


def read_volume(path: str | Path, *, subject: str = "", stage: str = "read") -> Volume:
    """Read a 3-D NIfTI file fully into memory.

    Parameters
    ----------
    path : str or Path
        ``.nii`` or ``.nii.gz`` file.
    subject : str, optional
        Subject ID, used in error messages.
    stage : str, optional
        Stage name for the raised :class:`SubjectError`.

    Returns
    -------
    Volume
        Data in (k, j, i) order (a C-contiguous view of nibabel's Fortran array),
        spacing in the same order.

    Raises
    ------
    SubjectError
        When the file is missing, not a NIfTI file, truncated or corrupt, or not 3-D.
    """
    path = Path(path)
    if not path.is_file():
        raise SubjectError(subject, stage, f"file not found: {path}", str(path))
    try:
        image = nib.load(str(path))
        data = np.asanyarray(image.dataobj)
    except (OSError, EOFError, ValueError, zlib.error, gzip.BadGzipFile,
            nib.filebasedimages.ImageFileError) as exc:
        raise SubjectError(
            subject, stage,
            f"cannot read {path.name}: {type(exc).__name__}: {exc} "
            "(the file is corrupt, truncated or not a NIfTI file)",
            str(path),
        ) from exc
    while data.ndim > 3 and data.shape[-1] == 1:
        data = data[..., 0]
    if data.ndim != 3:
        raise SubjectError(
            subject, stage, f"{path.name} has shape {data.shape}; expected a 3-D volume", str(path)
        )
    return Volume(data=data.T, spacing=_spacing_from_header(image.header), path=path)


def read_header(path: str | Path) -> tuple[tuple[int, int, int], tuple[float, float, float]]:
    """Shape and spacing in (k, j, i) order, reading only the header."""
    image = nib.load(str(path))
    shape = tuple(int(s) for s in image.shape[:3])[::-1]
    return shape, _spacing_from_header(image.header)


def find_nifti(folder: Path, stem: str, extensions: tuple[str, ...] = NIFTI_EXTENSIONS) -> Path | None:
    """Return ``folder/<stem><ext>`` for the first extension that exists, else None."""
    for ext in extensions:
        candidate = folder / f"{stem}{ext}"
        if candidate.is_file():
            return candidate
    return None
