"""auditapp.sequences (helpers.md §3)."""

from __future__ import annotations

import os
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

import auditapp.sequences as seqs
from auditapp.sequences import (
    build_nifty_image,
    count_labels,
    crop_nonzero_region,
    fit_brain_boundaries,
    get_spacing,
    iterative_labels_replacement,
    label_replacement,
    load_nii,
    load_nii_by_subject_id,
    read_sequences_dict,
)

AFFINE = np.array([[-0.875, 0.0, 0.0, 90.0],
                   [0.0, 1.125, 0.0, -126.0],
                   [0.0, 0.0, 1.25, -72.0],
                   [0.0, 0.0, 0.0, 1.0]])


@pytest.fixture
def logs():
    """Messages logged by auditapp.sequences' loguru logger, as (level, text)."""
    records: list[tuple[str, str]] = []
    sink = seqs.logger.add(lambda m: records.append((m.record["level"].name, m.record["message"])), level="DEBUG")
    yield records
    seqs.logger.remove(sink)


def save(path: Path, data_kji: np.ndarray, affine=AFFINE, dtype=None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img = nib.Nifti1Image(data_kji.T, affine, dtype=dtype or data_kji.dtype)
    img.header.set_qform(affine, code=1)
    img.header.set_sform(affine, code=2)
    img.header["descrip"] = b"auditapp test"
    nib.save(img, str(path))
    return path


def seg_volume() -> np.ndarray:
    seg = np.zeros((4, 5, 6), dtype=np.uint8)
    seg[1, 1:3, 2:4] = 1   # 4 voxels
    seg[2, 2:4, 1:4] = 2   # 6 voxels
    seg[3, 0, 0] = 4       # 1 voxel
    return seg


# ----------------------------------------------------------------------------- load_nii

def test_load_nii_image_and_array(tmp_path):
    seg = seg_volume()
    path = save(tmp_path / "s_seg.nii.gz", seg)
    img = load_nii(path)
    assert isinstance(img, nib.Nifti1Image)
    np.testing.assert_array_equal(img.affine, AFFINE)
    arr = load_nii(str(path), as_array=True)
    assert arr.shape == (4, 5, 6) and arr.dtype == np.uint8
    np.testing.assert_array_equal(arr, seg)


def test_load_nii_applies_scaling(tmp_path):
    img = nib.Nifti1Image(np.array([[[1, 2]]], dtype=np.int16), np.eye(4))
    img.header.set_slope_inter(0.5, 10.0)
    nib.save(img, str(tmp_path / "scaled.nii"))
    np.testing.assert_allclose(load_nii(tmp_path / "scaled.nii", as_array=True).ravel(), [10.5, 11.0])


@pytest.mark.parametrize("path", [None, "does/not/exist.nii.gz"])
def test_load_nii_missing(path):
    with pytest.raises(ValueError, match=f"The file at {path} does not exist or is not a valid file."):
        load_nii(path)


def test_load_nii_folder_is_not_a_file(tmp_path):
    with pytest.raises(ValueError, match="does not exist or is not a valid file"):
        load_nii(tmp_path)


@pytest.mark.parametrize("as_array", [False, True])
def test_load_nii_truncated_or_corrupt_returns_none_with_warning(tmp_path, logs, as_array):
    rng = np.random.default_rng(0)
    good = save(tmp_path / "t1.nii.gz", rng.integers(0, 1000, (30, 30, 30)).astype(np.int16))
    data = good.read_bytes()
    (tmp_path / "trunc.nii.gz").write_bytes(data[: len(data) // 2])
    (tmp_path / "junk.nii.gz").write_bytes(b"not a nifti file")
    assert load_nii(tmp_path / "trunc.nii.gz", as_array=as_array) is None
    assert load_nii(tmp_path / "junk.nii.gz", as_array=as_array) is None
    assert [lvl for lvl, _ in logs] == ["WARNING", "WARNING"]
    assert logs[0][1].startswith(f"Error loading NIfTI file {tmp_path / 'trunc.nii.gz'}: ")


def test_load_nii_by_subject_id(tmp_path, logs):
    seg = seg_volume()
    save(tmp_path / "S1" / "S1_seg.nii.gz", seg)
    save(tmp_path / "S2" / "S2_t1.nii", seg.astype(np.int16))
    np.testing.assert_array_equal(load_nii_by_subject_id(tmp_path, "S1", as_array=True), seg)
    assert load_nii_by_subject_id(str(tmp_path), "S2", seq="_t1").get_data_dtype() == np.int16  # .nii fallback
    assert load_nii_by_subject_id(tmp_path, "S2") is None
    assert logs[-1][0] == "WARNING" and "S2" in logs[-1][1]
    for root, sid in [("", "S1"), (tmp_path, ""), (None, "S1")]:
        with pytest.raises(ValueError, match="Invalid path or subject ID provided. Both must be non-empty strings."):
            load_nii_by_subject_id(root, sid)


def test_load_nii_is_looked_up_at_call_time(tmp_path, monkeypatch):
    save(tmp_path / "S1" / "S1_seg.nii.gz", seg_volume())
    calls = []
    monkeypatch.setattr(seqs, "load_nii", lambda path, as_array=False: calls.append((path, as_array)) or "patched")
    assert load_nii_by_subject_id(tmp_path, "S1", as_array=True) == "patched"
    assert calls == [(os.path.join(str(tmp_path), "S1", "S1_seg.nii.gz"), True)]


# ----------------------------------------------------------------------------- read_sequences_dict

def test_read_sequences_dict(tmp_path, logs):
    base = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    for i, s in enumerate(["_t1", "_t1ce", "_flair"]):
        save(tmp_path / "S1" / f"S1{s}.nii.gz", base + i)
    (tmp_path / "S1" / "S1_T1_post.nii.gz").write_bytes(b"corrupt")
    out = read_sequences_dict(tmp_path, "S1")
    assert list(out) == ["t1", "t1ce", "t2", "flair"]
    np.testing.assert_array_equal(out["flair"], base + 2)
    assert out["t2"] is None
    assert logs[-1][0] == "WARNING"
    out = read_sequences_dict(tmp_path, "S1", sequences=["_T1_post"], modality_name="mri")
    assert out == {"T1post": None}


def test_read_sequences_dict_load_error_logged(tmp_path, logs, monkeypatch):
    save(tmp_path / "S1" / "S1_t1.nii.gz", seg_volume())

    def boom(path, as_array=False):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(seqs, "load_nii", boom)
    assert read_sequences_dict(tmp_path, "S1", sequences=["_t1"]) == {"t1": None}
    assert logs[-1][0] == "ERROR" and "disk on fire" in logs[-1][1]


def test_read_sequences_dict_errors(tmp_path):
    with pytest.raises(ValueError, match=r"Unsupported modality: US\. Supported: 'MRI'\."):
        read_sequences_dict("", "", modality_name="us")  # modality checked first
    with pytest.raises(ValueError, match="Both 'root_dir path' and 'subject id' must be non-empty strings."):
        read_sequences_dict(tmp_path, "")


# ----------------------------------------------------------------------------- get_spacing

def test_get_spacing(logs):
    np.testing.assert_array_equal(get_spacing(None), [1, 1, 1])
    assert logs == [("WARNING", "Sequence empty. Assuming isotropic spacing (1, 1, 1).")]

    class FakeSitk:
        def GetSpacing(self):
            return (0.5, 0.75, 2.0)

    np.testing.assert_array_equal(get_spacing(FakeSitk()), [2.0, 0.75, 0.5])
    img = nib.Nifti1Image(np.zeros((2, 2, 2), np.uint8), np.diag([0.5, 0.75, 2.0, 1.0]))
    np.testing.assert_array_equal(get_spacing(img), [2.0, 0.75, 0.5])
    with pytest.raises(TypeError, match="'img' must be a nibabel image"):
        get_spacing(np.zeros(3))


# ----------------------------------------------------------------------------- build_nifty_image

def test_build_nifty_image(tmp_path):
    seg = seg_volume()
    img = build_nifty_image(seg)
    assert img.shape == (6, 5, 4)
    np.testing.assert_array_equal(img.affine, np.eye(4))
    np.testing.assert_array_equal(np.asanyarray(img.dataobj).T, seg)
    ref_path = save(tmp_path / "ref.nii.gz", np.zeros((4, 5, 6), np.int16))
    for ref in (ref_path, nib.load(str(ref_path))):
        out = build_nifty_image(seg.astype(np.int64).tolist(), reference=ref)
        np.testing.assert_array_equal(out.affine, AFFINE)
        assert out.get_data_dtype() == np.int64
        assert out.header["descrip"] == b"auditapp test"
    assert build_nifty_image(seg > 0).get_data_dtype() == np.uint8


def test_build_nifty_image_errors():
    with pytest.raises(ValueError, match="The segmentation input must be a Numpy array or array-like object."):
        build_nifty_image((1, 2, 3))
    with pytest.raises(RuntimeError, match="Error converting segmentation to NIfTI image: "):
        build_nifty_image([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="Error converting segmentation to NIfTI image: "):
        build_nifty_image(np.array([{"a": 1}], dtype=object))


# ----------------------------------------------------------------------------- label_replacement

def test_label_replacement_swap_no_cascade_dtype():
    seg = np.array([0, 1, 2, 3, 2], dtype=np.uint8)
    swapped = label_replacement(seg, [1, 2], [2, 1])
    np.testing.assert_array_equal(swapped, [0, 2, 1, 3, 1])
    assert swapped.dtype == np.uint8
    np.testing.assert_array_equal(label_replacement(seg, [1, 2], [2, 3]), [0, 2, 3, 3, 3])
    unchanged = label_replacement(seg, [], [])
    np.testing.assert_array_equal(unchanged, seg)
    assert unchanged is not seg
    np.testing.assert_array_equal(seg, [0, 1, 2, 3, 2])  # input untouched
    with pytest.raises(ValueError, match="The lengths of original labels and new labels must match."):
        label_replacement(seg, [1, 2], [3])


# ----------------------------------------------------------------------------- iterative_labels_replacement

def test_iterative_labels_replacement_keeps_header_affine_dtype(tmp_path, logs):
    seg = seg_volume()
    p1 = save(tmp_path / "S1" / "S1_seg.nii.gz", seg)
    p2 = save(tmp_path / "S2" / "S2_seg.nii", seg.astype(np.int16))
    t1 = save(tmp_path / "S1" / "S1_t1.nii.gz", seg.astype(np.float32))
    (tmp_path / "S3").mkdir()
    (tmp_path / "S3" / "S3_seg.nii.gz").write_bytes(b"broken")
    p4 = save(tmp_path / "S4" / "S4_seg.nii.gz", np.zeros((4, 5, 6), np.uint8))  # nothing to relabel
    t1_bytes, p4_bytes, p4_mtime = t1.read_bytes(), p4.read_bytes(), p4.stat().st_mtime_ns
    result = iterative_labels_replacement(tmp_path, [1, 2, 4], [2, 1, 3], verbose=True)
    assert result == {"processed": [str(p1), str(p2), str(p4)], "skipped": [str(tmp_path / "S3" / "S3_seg.nii.gz")]}
    assert p4.read_bytes() == p4_bytes and p4.stat().st_mtime_ns == p4_mtime  # unchanged file not rewritten
    expected = label_replacement(seg, [1, 2, 4], [2, 1, 3])
    for path, dtype in [(p1, np.uint8), (p2, np.int16)]:
        img = nib.load(str(path))
        assert img.get_data_dtype() == dtype
        np.testing.assert_array_equal(np.asanyarray(img.dataobj).T, expected)
        np.testing.assert_array_equal(img.affine, AFFINE)  # float32-exact values
        assert (int(img.header["qform_code"]), int(img.header["sform_code"])) == (1, 2)
        assert img.header["descrip"] == b"auditapp test"
        np.testing.assert_allclose(img.header.get_zooms(), [0.875, 1.125, 1.25], rtol=0)
    assert t1.read_bytes() == t1_bytes  # name without "_seg": untouched
    assert sorted(os.listdir(tmp_path / "S1")) == ["S1_seg.nii.gz", "S1_t1.nii.gz"]  # no temp files left
    messages = [m for _, m in logs]
    assert "Processed file S1_seg.nii.gz" in messages
    assert messages[-1] == "Iterative label replacement completed: 3 files processed, 1 files skipped."


def test_iterative_labels_replacement_safe_mode(tmp_path, capsys):
    p1 = save(tmp_path / "S1" / "S1_seg.nii.gz", seg_volume())
    before = p1.read_bytes()
    result = iterative_labels_replacement(tmp_path, [1, 2], [2, 1], safe_mode=True)
    assert p1.read_bytes() == before
    assert result["processed"] == [str(p1)]
    assert capsys.readouterr().out == f"[SAFE MODE] Would relabel: {p1} (10 voxels change)\n"


def test_iterative_labels_replacement_errors(tmp_path):
    with pytest.raises(ValueError, match="The lengths of original labels and new labels must match."):
        iterative_labels_replacement(tmp_path, [1], [])
    with pytest.raises(ValueError, match=r"The directory '.*nope' does not exist\."):
        iterative_labels_replacement(tmp_path / "nope", [1], [2])


# ----------------------------------------------------------------------------- count_labels

def test_count_labels():
    seg = seg_volume()
    assert count_labels(seg) == {0: 109, 1: 4, 2: 6, 4: 1}
    as_float = count_labels(seg.astype(np.float64))
    assert as_float == {0: 109, 1: 4, 2: 6, 4: 1}
    assert all(type(k) is int and type(v) is int for k, v in as_float.items())
    assert count_labels(np.array([0.5, 0.5, 1.0])) == {0.5: 2, 1: 1}
    names = {0: "BKG", 1: "NETC", 2: "SNFH", 3: "ET"}
    assert count_labels(seg, names) == {"bkg": 109, "netc": 4, "snfh": 6, "4": 1}  # unmapped stays its number
    none = count_labels(None, names)
    assert list(none) == ["bkg", "netc", "snfh", "et"] and all(np.isnan(v) for v in none.values())
    assert count_labels(None) == {}


# ----------------------------------------------------------------------------- cropping

def test_fit_brain_boundaries():
    vol = np.zeros((6, 7, 8), dtype=np.int16)
    vol[2:4, 3, 1:6] = 5
    np.testing.assert_array_equal(fit_brain_boundaries(vol).shape, (4, 3, 7))  # padding 1
    assert fit_brain_boundaries(vol, padding=0).shape == (2, 1, 5)
    assert fit_brain_boundaries(vol, padding=10).shape == (6, 7, 8)  # clipped
    zeros = np.zeros((2, 2, 2))
    out = fit_brain_boundaries(zeros)
    assert out.shape == (2, 2, 2) and not np.shares_memory(out, zeros)
    with pytest.raises(ValueError, match=r"'sequence' must be a 3-D array, got 2 dimensions"):
        fit_brain_boundaries(np.ones((2, 2)))
    with pytest.raises(ValueError, match="'padding' must be >= 0, got -1"):
        fit_brain_boundaries(vol, padding=-1)


def test_crop_nonzero_region_any_dimension_view():
    arr = np.zeros((5, 6))
    arr[1, 2] = -3  # negatives count as non-zero
    arr[3, 4] = 1
    crop = crop_nonzero_region(arr)
    assert crop.shape == (3, 3) and np.shares_memory(crop, arr)
    assert crop_nonzero_region(arr, padding=1).shape == (5, 5)
    vol = np.zeros((3, 4, 5, 2))
    vol[1, 1, 1, 1] = 1
    assert crop_nonzero_region(vol).shape == (1, 1, 1, 1)
    assert crop_nonzero_region(np.zeros((2, 3))).shape == (2, 3)
