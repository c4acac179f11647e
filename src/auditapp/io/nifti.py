"""Reading NIfTI volumes in auditapp's (k, j, i) axis order: the one read path of the package.

Features, metrics, the dashboard's error matrix and the viewer all read through here.
``.nii.gz`` files are decompressed with zlib-ng (``zlib_ng.gzip_ng``, the same format as the
standard library's gzip, 3-5x faster) and streamed into nibabel, which parses the header and
decodes the data straight into one array (no intermediate copy of the decompressed bytes);
plain ``.nii`` files are memory-mapped (copy-on-write). Header, affine, dtype, scaling and
values are nibabel's own.

A gzip stream is read to its end, so a truncated file or a bad CRC is an error, never zeros.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import nibabel as nib
import numpy as np
from zlib_ng import gzip_ng, zlib_ng

from auditapp.errors import SubjectError, os_problem

__all__ = ["Volume", "load_image", "read_header", "read_volume", "READ_ERRORS"]

#: What a corrupt, truncated or non-NIfTI file raises while being read (PermissionError excluded
#: by :func:`read_volume`, which reports it as such).
READ_ERRORS = (OSError, EOFError, ValueError, zlib.error, zlib_ng.error, gzip.BadGzipFile,
               nib.filebasedimages.ImageFileError)

# sizeof_hdr, the first int32 of the header, tells NIfTI-1 (348) from NIfTI-2 (540) in either byte order
_HEADER_CLASSES = {348: nib.Nifti1Image, 540: nib.Nifti2Image}


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


def _image_class(stream, path: Path):
    """The nibabel class for the header at the start of ``stream`` (rewound afterwards)."""
    start = stream.read(4)
    stream.seek(0)
    if len(start) == 4:
        for order in "<>":
            klass = _HEADER_CLASSES.get(struct.unpack(f"{order}i", start)[0])
            if klass is not None:
                return klass
    raise nib.filebasedimages.ImageFileError(
        f"{path.name} does not start with a NIfTI-1 or NIfTI-2 header"
    )


def _drain(stream) -> None:
    """Read a gzip stream to its end: checks the CRC and length and catches truncated trailers."""
    while stream.read(1 << 20):
        pass


def _open(path: Path, *, with_data: bool):
    """(image, data or None) read with nibabel from a zlib-ng stream (gz) or a memory map (nii)."""
    if path.name.endswith(".gz"):
        with gzip_ng.open(path, "rb") as stream:
            image = _image_class(stream, path).from_stream(stream)
            data = np.asanyarray(image.dataobj) if with_data else None
            if with_data:
                _drain(stream)
        return image, data
    with open(path, "rb") as stream:
        klass = _image_class(stream, path)
    image = klass.from_filename(str(path), mmap="c")
    return image, (np.asanyarray(image.dataobj) if with_data else None)


def load_image(path: str | Path):
    """Read a NIfTI file into a nibabel image whose data are decoded and held in memory.

    Parameters
    ----------
    path : str or Path
        ``.nii`` or ``.nii.gz`` file (NIfTI-1 or NIfTI-2).

    Returns
    -------
    nibabel.Nifti1Image or nibabel.Nifti2Image
        Same header, affine and values as ``nibabel.load``; ``dataobj`` is the decoded array
        (a copy-on-write memory map for an unscaled ``.nii``).

    Raises
    ------
    OSError, EOFError, ValueError, zlib.error, zlib_ng.error, ImageFileError
        Any of :data:`READ_ERRORS` for a missing, unreadable, truncated or corrupt file.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.nii.gz"
    >>> nib.save(nib.Nifti1Image(np.arange(24, dtype=np.int16).reshape(2, 3, 4), np.eye(4)), p)
    >>> img = load_image(p)
    >>> img.shape, img.get_data_dtype().name, int(np.asanyarray(img.dataobj)[1, 2, 3])
    ((2, 3, 4), 'int16', 23)
    """
    image, data = _open(Path(path), with_data=True)
    return image.__class__(data, image.affine, image.header)


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
        When the file is missing, cannot be opened (``permission denied: <path>``), is not a
        NIfTI file, truncated or corrupt, or not 3-D.
    """
    path = Path(path)
    try:
        found = path.is_file()
    except OSError as exc:  # e.g. its folder cannot be entered
        raise SubjectError(subject, stage, os_problem(exc, path), str(path)) from exc
    if not found:
        raise SubjectError(subject, stage, f"file not found: {path}", str(path))
    try:
        image, data = _open(path, with_data=True)
    except PermissionError as exc:  # an access problem, not a damaged file
        raise SubjectError(subject, stage, os_problem(exc, path), str(path)) from exc
    except READ_ERRORS as exc:
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
    image, _ = _open(Path(path), with_data=False)
    shape = tuple(int(s) for s in image.shape[:3])[::-1]
    return shape, _spacing_from_header(image.header)

