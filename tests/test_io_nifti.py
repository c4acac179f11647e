"""The one NIfTI read path (io/nifti.py): zlib-ng for .nii.gz, memory map for .nii, nibabel's values."""

from __future__ import annotations

import gzip
import os

import nibabel as nib
import numpy as np
import pytest

from auditapp.errors import SubjectError
from auditapp.io.nifti import load_image, read_header, read_volume


def _save(path, data, *, slope=None, inter=None, affine=None, nifti2=False):
    klass = nib.Nifti2Image if nifti2 else nib.Nifti1Image
    image = klass(data, np.diag([0.5, 0.75, 2.0, 1.0]) if affine is None else affine)
    if slope is not None:
        image.header.set_slope_inter(slope, inter)
    nib.save(image, str(path))
    return path


def _assert_same_as_nibabel(path):
    expected = nib.load(str(path))
    expected_data = np.asanyarray(expected.dataobj)
    image = load_image(path)
    data = np.asanyarray(image.dataobj)
    assert type(image) is type(expected)
    assert data.dtype == expected_data.dtype and np.array_equal(data, expected_data)
    assert image.header.binaryblock == expected.header.binaryblock
    assert np.array_equal(image.affine, expected.affine)
    volume = read_volume(path)
    assert volume.data.dtype == expected_data.dtype and np.array_equal(volume.data, expected_data.T)
    assert volume.data.flags.c_contiguous and volume.data.flags.writeable
    zooms = expected.header.get_zooms()[:3]
    assert volume.spacing == tuple(float(np.float32(z)) for z in zooms[::-1])
    assert read_header(path) == (volume.shape, volume.spacing)


@pytest.mark.parametrize("ext", [".nii.gz", ".nii"])
@pytest.mark.parametrize("dtype", ["float32", "int16", "uint8", "float64", "int32"])
def test_same_arrays_header_affine_spacing_as_nibabel(tmp_path, ext, dtype):
    rng = np.random.default_rng(0)
    data = (rng.normal(100, 30, (7, 9, 5))).astype(dtype)
    _assert_same_as_nibabel(_save(tmp_path / f"a{ext}", data))


@pytest.mark.parametrize("ext", [".nii.gz", ".nii"])
def test_scaled_nifti2_and_4d_singleton(tmp_path, ext):
    data = np.arange(60, dtype=np.int16).reshape(3, 4, 5)
    scaled = _save(tmp_path / f"s{ext}", data, slope=0.5, inter=10.0)
    _assert_same_as_nibabel(scaled)
    assert read_volume(scaled).data[4, 3, 2] == 0.5 * 59 + 10  # nibabel's scaling, applied once
    _assert_same_as_nibabel(_save(tmp_path / f"n2{ext}", data, nifti2=True))
    squeezed = read_volume(_save(tmp_path / f"t{ext}", data[..., None]))
    assert squeezed.shape == (5, 4, 3) and squeezed.data[4, 3, 2] == 59


def test_plain_nii_is_memory_mapped(tmp_path):
    volume = read_volume(_save(tmp_path / "m.nii", np.ones((4, 5, 6), np.uint8)))
    assert isinstance(volume.data.base, np.memmap) or isinstance(volume.data, np.memmap)


@pytest.mark.shared
def test_real_brats_files_identical_to_nibabel(shared_dir):
    root = shared_dir / "data" / "brats"
    # one of each kind (float image, label map, prediction) from three sites; the benchmark reads all
    files = [next(root.rglob(pattern)) for pattern in ("BraTS2024_SSA*_t1.nii.gz", "BraTS2024_PED*_seg.nii.gz",
                                                       "UCSF*_pred.nii.gz")]
    for path in files:
        _assert_same_as_nibabel(path)


def _gz_bytes(tmp_path):
    return _save(tmp_path / "good.nii.gz", np.arange(4000, dtype=np.int16).reshape(10, 20, 20)).read_bytes()


def _bad_files(tmp_path):
    good = _gz_bytes(tmp_path)
    raw = gzip.decompress(good)
    return {
        "half.nii.gz": (good[: len(good) // 2], "EOFError"),
        "no_trailer.nii.gz": (good[:-8], "EOFError"),  # every voxel is there, the CRC and size are not
        "last_byte.nii.gz": (good[:-1], "EOFError"),
        "bad_crc.nii.gz": (good[:-8] + bytes([good[-8] ^ 1]) + good[-7:], "CRC check failed"),
        "zero.nii.gz": (b"", "does not start with a NIfTI-1 or NIfTI-2 header"),
        "zero.nii": (b"", "does not start with a NIfTI-1 or NIfTI-2 header"),
        "magic.nii.gz": (gzip.compress(b"\x07" * 400), "does not start with a NIfTI-1 or NIfTI-2 header"),
        "not_gzip.nii.gz": (b"plain text, not gzip" * 30, "Not a gzipped file"),
        "short_data.nii.gz": (gzip.compress(raw[:352] + os.urandom(999)), "Expected 8000 bytes, got 999"),
        "short_data.nii": (raw[:352] + os.urandom(999), "Expected 8000 bytes, got 999"),
        "garbage_stream.nii.gz": (good[:60] + bytes(range(256)) * 8, "error"),
    }


@pytest.mark.parametrize("name", [
    "half.nii.gz", "no_trailer.nii.gz", "last_byte.nii.gz", "bad_crc.nii.gz", "zero.nii.gz", "zero.nii",
    "magic.nii.gz", "not_gzip.nii.gz", "short_data.nii.gz", "short_data.nii", "garbage_stream.nii.gz",
])
def test_truncated_or_corrupt_files_are_errors_never_zeros(tmp_path, name):
    content, problem = _bad_files(tmp_path)[name]
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SubjectError) as info:
        read_volume(path, subject="S7", stage="read")
    message = str(info.value)
    assert "S7" in message and name in message and problem in message
    assert "(the file is corrupt, truncated or not a NIfTI file)" in message
    assert info.value.path == str(path)


def test_missing_file(tmp_path):
    with pytest.raises(SubjectError, match=r"file not found: .*nope\.nii\.gz"):
        read_volume(tmp_path / "nope.nii.gz", subject="S1")


def test_permission_error_from_open_is_reported_as_such(tmp_path, monkeypatch):
    # tests run as root (chmod 000 would not stop the read): make the open fail as it would for a user
    path = tmp_path / "locked.nii.gz"
    path.write_bytes(_gz_bytes(tmp_path))
    import auditapp.io.nifti as nifti

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(nifti.gzip_ng, "open", denied)
    with pytest.raises(SubjectError,
                       match=r"^subject 'S1' \(read\): permission denied: .*locked\.nii\.gz$") as info:
        read_volume(path, subject="S1")
    assert "corrupt" not in str(info.value)
