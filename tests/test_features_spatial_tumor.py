"""Spatial (features.md §6) and tumour (§7) features on hand-built volumes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from auditapp.config.model import Label
from auditapp.errors import AuditappWarning
from auditapp.features.spatial import center_of_mass, spatial_features
from auditapp.features.tumor import size_labels, tumor_features, tumor_location

# float32 header zooms widened to float64, as the reader returns them
SPACING = tuple(float(z) for z in np.array([1.5, 1.2, 1.1], dtype=np.float32))
STANDARD = (Label("BKG", (0,)), Label("EDE", (3,)), Label("ENH", (1,)), Label("NEC", (2,)))


def test_spatial_resolution_and_center_of_mass_anisotropic():
    img = np.zeros((4, 5, 6), dtype=np.float32)
    img[1, 2, 3] = 10.0
    img[3, 4, 5] = -2.0  # negative values count as brain
    f = spatial_features(img, spacing=SPACING)
    assert (f["axial_plane_resolution"], f["coronal_plane_resolution"], f["sagittal_plane_resolution"]) == (4, 5, 6)
    assert f["axial_plane_center_of_mass"] == pytest.approx(2.0 * SPACING[0], rel=1e-15)
    assert f["coronal_plane_center_of_mass"] == pytest.approx(3.0 * SPACING[1], rel=1e-15)
    assert f["sagittal_plane_center_of_mass"] == pytest.approx(4.0 * SPACING[2], rel=1e-15)


def test_spatial_all_zero_reference():
    f = spatial_features(np.zeros((2, 3, 4)), spacing=(1.0, 1.0, 1.0))
    assert f["sagittal_plane_resolution"] == 4
    assert math.isnan(f["axial_plane_center_of_mass"])


def test_center_of_mass_matches_argwhere_mean():
    rng = np.random.default_rng(0)
    mask = rng.random((7, 8, 9)) < 0.2
    expected = np.argwhere(mask).mean(axis=0) * np.array(SPACING)
    np.testing.assert_allclose(center_of_mass(mask, SPACING), expected, rtol=1e-14)
    assert all(math.isnan(c) for c in center_of_mass(np.zeros((2, 2, 2), bool)))


def make_seg() -> np.ndarray:
    seg = np.zeros((6, 7, 8), dtype=np.uint8)
    seg[1, 2, 3] = 1          # ENH: 1 voxel
    seg[2, 2, 3:5] = 2        # NEC: 2 voxels
    seg[4, 5, 6] = 3          # EDE: 3 voxels
    seg[4, 6, 6] = 3
    seg[2, 5, 1] = 3
    return seg


def test_tumor_hand_computed_with_anisotropic_spacing():
    seg = make_seg()
    brain = (3.0, 4.0, 5.0)
    f = tumor_features(seg, spacing=SPACING, labels=STANDARD, brain_com=brain)
    voxel = SPACING[0] * SPACING[1] * SPACING[2]  # 1.9800001...: not rounded
    assert voxel != 1.98
    # whole tumour: 6 voxels at k = 1, 2, 2, 4, 4, 2
    assert f["axial_whole_center_mass"] == pytest.approx(15 / 6 * SPACING[0], rel=1e-14)
    assert f["coronal_ede_center_mass"] == pytest.approx((5 + 6 + 5) / 3 * SPACING[1], rel=1e-14)
    assert f["sagittal_nec_center_mass"] == pytest.approx(3.5 * SPACING[2], rel=1e-14)
    enh = np.array([1 * SPACING[0], 2 * SPACING[1], 3 * SPACING[2]])
    assert f["enh_tumor_location"] == pytest.approx(float(np.linalg.norm(enh - np.array(brain))), rel=1e-14)
    assert f["lesion_size_enh"] == int(1 * voxel) == 1
    assert f["lesion_size_nec"] == int(2 * voxel) == 3
    assert f["lesion_size_ede"] == int(3 * voxel) == 5
    assert f["lesion_size_whole"] == 6 * voxel
    assert isinstance(f["lesion_size_whole"], float)
    assert (f["axial_tumor_slices"], f["coronal_tumor_slices"], f["sagittal_tumor_slices"]) == (3, 3, 4)
    assert (f["lower_axial_tumor_slice"], f["upper_axial_tumor_slice"]) == (1, 4)
    assert (f["lower_coronal_tumor_slice"], f["upper_coronal_tumor_slice"]) == (2, 6)
    assert (f["lower_sagittal_tumor_slice"], f["upper_sagittal_tumor_slice"]) == (1, 6)
    assert "lesion_size_bkg" not in f and "lesion_size_whole" in f


def test_background_label_any_name_is_whole_and_composites():
    labels = (Label("background", (0,)), Label("TC", (1, 2), composite=True), Label("ET", (1,)),
              Label("WT", (1, 2, 3), composite=True))
    f = tumor_features(make_seg(), spacing=(1.0, 1.0, 1.0), labels=labels)
    assert f["lesion_size_wt"] == 6
    assert "axial_whole_center_mass" in f and "lesion_size_background" not in f
    assert f["lesion_size_tc"] == 3 and f["lesion_size_et"] == 1
    assert f["axial_tc_center_mass"] == pytest.approx((1 + 2 + 2) / 3, rel=1e-15)
    assert [lab.key for lab in size_labels(labels)] == ["et", "tc", "wt"]


def test_unconfigured_values_get_a_column_and_a_warning():
    seg = make_seg()
    seg[0, 0, 0] = 4
    labels = STANDARD[:3]  # NEC (2) not configured either
    with pytest.warns(AuditappWarning, match=r"label values not in the config: \[2, 4\]"):
        f = tumor_features(seg, spacing=(1.0, 1.0, 1.0), labels=labels)
    assert f["lesion_size_2"] == 2 and f["lesion_size_4"] == 1
    assert f["lesion_size_whole"] == 7.0  # unconfigured values count in the whole tumour


def test_negative_values_count_in_mask_but_not_in_positive_size():
    seg = np.zeros((3, 3, 3), dtype=np.int16)
    seg[0, 0, 0] = 1
    seg[2, 2, 2] = -1
    with pytest.warns(AuditappWarning, match=r"\[-1\]"):
        f = tumor_features(seg, spacing=(1.0, 1.0, 1.0), labels=STANDARD)
    assert f["lesion_size_whole"] == 1.0  # S > 0
    assert f["axial_tumor_slices"] == 2  # S != 0
    assert f["lesion_size_-1"] == 1


def test_empty_segmentation():
    f = tumor_features(np.zeros((3, 4, 5), np.uint8), spacing=(1.0, 1.0, 1.0), labels=STANDARD,
                       brain_com=(1.0, 1.0, 1.0))
    assert math.isnan(f["axial_whole_center_mass"]) and math.isnan(f["whole_tumor_location"])
    assert f["lesion_size_ede"] == 0 and f["lesion_size_whole"] == 0.0
    assert f["coronal_tumor_slices"] == 0
    assert math.isnan(f["lower_axial_tumor_slice"]) and math.isnan(f["upper_sagittal_tumor_slice"])


def test_missing_brain_centroid_gives_nan_location():
    f = tumor_features(make_seg(), spacing=(1.0, 1.0, 1.0), labels=STANDARD, brain_com=None)
    assert math.isnan(f["ede_tumor_location"])
    assert not math.isnan(f["axial_ede_center_mass"])
    assert math.isnan(tumor_location((math.nan, 0.0, 0.0), (1.0, 1.0, 1.0)))


def test_float_segmentation_and_non_integral_values():
    seg = make_seg().astype(np.float32)
    f = tumor_features(seg, spacing=(1.0, 1.0, 1.0), labels=STANDARD)
    assert f["lesion_size_ede"] == 3
    seg[0, 0, 0] = 2.5
    with pytest.warns(AuditappWarning, match=r"non-integral values \[2.5\]"):
        f = tumor_features(seg, spacing=(1.0, 1.0, 1.0), labels=STANDARD)
    assert f["lesion_size_whole"] == 7.0
    assert not any(k.startswith("lesion_size_2.") for k in f)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match=r"must be a 3-D array \(k, j, i\); got shape \(4, 4\)"):
        spatial_features(np.zeros((4, 4)), spacing=(1.0, 1.0, 1.0))
    with pytest.raises(ValueError, match="spacing must have 3 values"):
        spatial_features(np.zeros((2, 2, 2)), spacing=(1.0, 1.0))
    with pytest.raises(ValueError, match=r"spacing values must be finite and > 0; got \[1.0, 0.0, 1.0\]"):
        tumor_features(np.zeros((2, 2, 2), np.uint8), spacing=(1.0, 0.0, 1.0), labels=STANDARD)
    with pytest.raises(ValueError, match="segmentation must be a 3-D array"):
        tumor_features(np.zeros(8, np.uint8), spacing=(1.0, 1.0, 1.0), labels=STANDARD)
