"""auditapp.demo.synthetic: determinism, anatomy and tumour structure, controlled model errors, writers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from auditapp.demo.synthetic import (
    BRATS_SHAPE,
    DEFAULT_MODELS,
    DEFAULT_SITES,
    ModelErrors,
    SiteSpec,
    TumourLabels,
    dilate_labels,
    erode_labels,
    make_prediction,
    make_subject,
    remove_lesion,
    subject_ids,
    swap_labels,
    write_dataset,
)
from auditapp.io import read_volume

SHAPE = (32, 40, 40)


def test_same_seed_same_subject_other_seed_differs():
    a, b, c = make_subject(SHAPE, seed=11), make_subject(SHAPE, seed=11), make_subject(SHAPE, seed=12)
    for name in a.images:
        np.testing.assert_array_equal(a.images[name], b.images[name])
    np.testing.assert_array_equal(a.seg, b.seg)
    assert not np.array_equal(a.seg, c.seg)


def test_anatomy_shape_background_and_dtypes():
    s = make_subject(SHAPE, seed=1, spacing=(2.0, 1.0, 0.5))
    assert s.spacing == (2.0, 1.0, 0.5)
    brain = s.images["t1"] > 0
    # a skull-stripped brain: the same non-zero support in every sequence, zero at the borders
    for img in s.images.values():
        assert img.shape == SHAPE and img.dtype == np.float32
        np.testing.assert_array_equal(img > 0, brain)
    assert not brain[0].any() and not brain[-1].any() and not brain[:, :, 0].any()
    assert 0.15 < brain.mean() < 0.6
    assert ndimage.label(brain)[1] == 1  # one connected brain
    # the tumour lies inside the brain
    assert (s.seg > 0).any() and not (s.seg > 0)[~brain].any()
    ints = make_subject(SHAPE, seed=1, dtype="int16")
    assert all(img.dtype == np.int16 for img in ints.images.values())
    np.testing.assert_array_equal(ints.seg, s.seg)


def test_tumour_layers_core_rim_oedema():
    s = make_subject((48, 48, 48), seed=4, n_satellites=0)
    labels = TumourLabels()
    assert s.n_lesions == 1
    counts = {v: int((s.seg == v).sum()) for v in (1, 2, 3)}
    assert all(c > 0 for c in counts.values())
    # necrosis is enclosed: its dilation stays within the tumour (core inside rim inside oedema)
    core = s.seg == labels.necrosis
    grown = ndimage.binary_dilation(core, iterations=1)
    assert not (grown & (s.seg == 0)).any()
    # contrasts: enhancing brightest in t1ce, oedema bright in flair relative to white matter
    t1ce, flair = s.images["t1ce"], s.images["flair"]
    assert t1ce[s.seg == labels.enhancing].mean() > 1.5 * t1ce[core].mean()
    brain_only = (flair > 0) & (s.seg == 0)
    assert flair[s.seg == labels.oedema].mean() > 1.5 * np.median(flair[brain_only])


def test_site_intensity_scale_and_no_tumour_option():
    base = make_subject(SHAPE, seed=2, noise=0.0)
    bright = make_subject(SHAPE, seed=2, noise=0.0, intensity_scale=2.0)
    brain = base.images["t2"] > 0
    ratio = bright.images["t2"][brain] / base.images["t2"][brain]
    np.testing.assert_allclose(ratio, 2.0, rtol=1e-5)
    empty = make_subject(SHAPE, seed=2, tumour=False)
    assert empty.n_lesions == 0 and not empty.seg.any()


def test_satellite_lesion_is_a_separate_component():
    s = make_subject((48, 56, 56), seed=8, n_satellites=1)
    n = ndimage.label(s.seg > 0, structure=np.ones((3, 3, 3)))[1]
    assert s.n_lesions == n == 2


def test_bad_arguments():
    with pytest.raises(ValueError, match="shape must be 3 integers >= 16"):
        make_subject((8, 64, 64))
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'int16'; got 'uint8'"):
        make_subject(SHAPE, dtype="uint8")
    with pytest.raises(ValueError, match=r"unknown sequence\(s\) \['dwi'\]"):
        make_subject(SHAPE, sequences=("t1", "dwi"))
    with pytest.raises(ValueError, match="fraction must be in"):
        swap_labels(np.zeros((2, 2, 2), np.uint8), 1, 3, fraction=1.5)


def test_dilation_adds_a_one_voxel_shell_with_nearest_labels():
    seg = np.zeros((9, 9, 9), np.uint8)
    seg[3:6, 3:6, 3:6] = 2
    seg[4, 4, 4] = 1
    out = dilate_labels(seg, 1)
    # a 3x3x3 cube grows by its 6 faces of 3x3 voxels (face connectivity)
    assert int((out > 0).sum()) == 27 + 6 * 9
    assert set(np.unique(out[(out > 0) & (seg == 0)]).tolist()) == {2}
    np.testing.assert_array_equal(out[seg > 0], seg[seg > 0])  # existing voxels unchanged
    np.testing.assert_array_equal(dilate_labels(seg, 0), seg)


def test_erosion_and_missed_lesion_and_swap_on_real_subject():
    s = make_subject((40, 48, 48), seed=3, n_satellites=1)
    wt = int((s.seg > 0).sum())
    eroded = erode_labels(s.seg, 1)
    assert 0 < int((eroded > 0).sum()) < wt
    assert not ((eroded > 0) & (s.seg == 0)).any()  # erosion never adds voxels
    missed = remove_lesion(s.seg)
    assert ndimage.label(missed > 0, structure=np.ones((3, 3, 3)))[1] == 1
    assert int((missed > 0).sum()) < wt
    swapped = swap_labels(s.seg, 1, 3)
    np.testing.assert_array_equal(swapped == 3, s.seg == 1)
    np.testing.assert_array_equal(swapped == 1, s.seg == 3)
    only = remove_lesion(remove_lesion(s.seg))
    assert not only.any()  # the last lesion removed: an empty prediction


def test_default_models_err_in_opposite_directions():
    s = make_subject((40, 48, 48), seed=6, n_satellites=0)
    wt = int((s.seg > 0).sum())
    a = make_prediction(s.seg, DEFAULT_MODELS["modelA"], seed=1)
    b = make_prediction(s.seg, DEFAULT_MODELS["modelB"], seed=1)
    assert int((a > 0).sum()) > wt > int((b > 0).sum())
    np.testing.assert_array_equal(make_prediction(s.seg, ModelErrors(), seed=0), s.seg)
    always_miss = ModelErrors(miss_probability=1.0)
    assert not make_prediction(s.seg, always_miss, seed=0).any()


def test_subject_ids():
    assert subject_ids("SiteA", 3) == ["SiteA-001", "SiteA-002", "SiteA-003"]
    assert subject_ids("X", 5, longitudinal=True) == [
        "Patient-001-week-000", "Patient-001-week-012", "Patient-001-week-024",
        "Patient-002-week-000", "Patient-002-week-012"]


def test_write_dataset_layout_roundtrip_and_determinism(tmp_path):
    site = SiteSpec("Lon", intensity_scale=0.5, longitudinal=True)
    ds = write_dataset(tmp_path / "Lon" / "Lon_images", site=site, n_subjects=3, shape=(16, 20, 24),
                       spacing=(2.0, 1.0, 1.0), dtype="int16", seed=9)
    assert ds.ids == ("Patient-001-week-000", "Patient-001-week-012", "Patient-001-week-024")
    assert ds.predictions == {m: tmp_path / "Lon" / "Lon_seg" / m for m in DEFAULT_MODELS}
    sid = ds.ids[1]
    names = sorted(p.name for p in (ds.root / sid).iterdir())
    assert names == [f"{sid}_{s}.nii.gz" for s in ("flair", "seg", "t1", "t1ce", "t2")]
    t1 = read_volume(ds.root / sid / f"{sid}_t1.nii.gz")
    assert t1.shape == (16, 20, 24) and t1.spacing == (2.0, 1.0, 1.0) and t1.data.dtype == np.int16
    pred = read_volume(ds.predictions["modelA"] / sid / f"{sid}_pred.nii.gz")
    seg = read_volume(ds.root / sid / f"{sid}_seg.nii.gz")
    assert pred.data.dtype == np.uint8 and pred.shape == seg.shape
    # longitudinal: same anatomy across time points, growing tumour
    t1_later = read_volume(ds.root / ds.ids[2] / f"{ds.ids[2]}_t1.nii.gz")
    np.testing.assert_array_equal(t1.data > 0, t1_later.data > 0)
    sizes = [int((read_volume(ds.root / i / f"{i}_seg.nii.gz").data > 0).sum()) for i in ds.ids]
    assert sizes[0] < sizes[1] < sizes[2]
    again = write_dataset(tmp_path / "again", site=site, n_subjects=3, shape=(16, 20, 24),
                          spacing=(2.0, 1.0, 1.0), dtype="int16", seed=9, models={})
    assert again.predictions == {}
    np.testing.assert_array_equal(read_volume(again.root / sid / f"{sid}_t1.nii.gz").data, t1.data)


def test_default_sites_differ_in_intensity():
    scales = [s.intensity_scale for s in DEFAULT_SITES]
    assert len(set(scales)) == 3 and sum(s.longitudinal for s in DEFAULT_SITES) == 1


@pytest.mark.slow
def test_full_brats_size_subject():
    s = make_subject(BRATS_SHAPE, seed=0, dtype="int16", sequences=("t1",))
    assert s.images["t1"].shape == (155, 240, 240) and s.images["t1"].dtype == np.int16
    assert s.seg.shape == (155, 240, 240) and set(np.unique(s.seg).tolist()) == {0, 1, 2, 3}


def test_float_segmentations_and_plain_nii(tmp_path):
    ds = write_dataset(tmp_path / "F", site="F", n_subjects=1, shape=(16, 16, 16), seed=2,
                       seg_dtype="float32", extension=".nii")
    sid = ds.ids[0]
    seg = read_volume(ds.root / sid / f"{sid}_seg.nii")
    pred = read_volume(ds.predictions["modelB"] / sid / f"{sid}_pred.nii")
    assert seg.data.dtype == np.float32 and pred.data.dtype == np.float32
    assert set(np.unique(seg.data).tolist()) <= {0.0, 1.0, 2.0, 3.0}
    with pytest.raises(ValueError, match="seg_dtype must be one of uint8, int16, float32, float64; got 'bool'"):
        write_dataset(tmp_path / "G", n_subjects=1, shape=(16, 16, 16), seg_dtype="bool")
    assert not (tmp_path / "G").exists()
