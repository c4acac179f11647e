"""Texture features (features.md §9) against scikit-image's graycomatrix/graycoprops."""

from __future__ import annotations

import math

import numpy as np
import pytest
from skimage.feature import graycomatrix, graycoprops

from auditapp.features.texture import (
    TEXTURE_NAMES,
    TEXTURE_PROPERTIES,
    crop_to_nonzero,
    glcm_plane_properties,
    quantize,
    texture_features,
)

ANGLES = [0, np.pi / 4, np.pi / 2, 3 * np.pi / 4]
SKIMAGE_PROPS = ("contrast", "dissimilarity", "homogeneity", "ASM", "energy", "correlation")


def skimage_plane(plane: np.ndarray) -> np.ndarray:
    """(4 angles, 6 properties) from scikit-image for one uint8 plane."""
    glcm = graycomatrix(plane, [1], ANGLES, levels=256, symmetric=True, normed=True)
    return np.stack([graycoprops(glcm, p)[0] for p in SKIMAGE_PROPS], axis=1)


def skimage_texture(image: np.ndarray, padding: int) -> dict[str, float]:
    """The whole algorithm of §9 written plainly with scikit-image (slow, tiny volumes only)."""
    nz = np.argwhere(image != 0)
    lo = np.maximum(nz.min(axis=0) - padding, 0)
    hi = np.minimum(nz.max(axis=0) + 1 + padding, image.shape)
    block = image[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]].astype(np.float64)
    mn, mx = block.min(), block.max()
    q = np.zeros(block.shape, np.uint8) if mx == mn else np.trunc(255 * (block - mn) / (mx - mn)).astype(np.uint8)
    per_plane = np.array([skimage_plane(q[z]).mean(axis=0) for z in range(q.shape[0])])
    out = {}
    for k, prop in enumerate(TEXTURE_PROPERTIES):
        out[f"mean_{prop}"] = per_plane[:, k].mean()
        out[f"std_{prop}"] = per_plane[:, k].std()
    return out


@pytest.mark.parametrize("shape,levels,seed", [
    ((7, 9), 256, 0), ((12, 17), 40, 1), ((5, 5), 3, 2), ((1, 6), 10, 3), ((6, 1), 10, 4), ((2, 2), 256, 5),
])
def test_all_six_properties_match_skimage_on_2d_patterns(shape, levels, seed):
    plane = np.random.default_rng(seed).integers(0, levels, size=shape).astype(np.uint8)
    ours = glcm_plane_properties(plane[None])[:, 0, :]
    np.testing.assert_allclose(ours, skimage_plane(plane), rtol=1e-10, atol=1e-12)


def test_structured_pattern_with_hand_values():
    # checkerboard 0/255: every horizontal and vertical neighbour differs by 255,
    # every diagonal neighbour is equal
    plane = (np.indices((4, 4)).sum(axis=0) % 2 * 255).astype(np.uint8)
    props = glcm_plane_properties(plane[None])[:, 0, :]
    assert props[0, 0] == 255.0 ** 2 and props[2, 0] == 255.0 ** 2  # contrast at 0 and pi/2
    assert props[1, 0] == 0.0 and props[3, 0] == 0.0  # diagonals
    assert props[0, 1] == 255.0  # dissimilarity
    assert props[1, 2] == 1.0  # homogeneity of the equal diagonal pairs
    assert props[0, 3] == 0.5  # asm: P[0,255] = P[255,0] = 1/2
    assert props[0, 4] == pytest.approx(math.sqrt(0.5), rel=1e-15)
    assert props[0, 5] == -1.0 and props[1, 5] == 1.0  # correlation
    np.testing.assert_allclose(props, skimage_plane(plane), rtol=1e-12, atol=1e-12)


def test_uniform_plane_correlation_is_one():
    plane = np.full((3, 4), 9, dtype=np.uint8)
    props = glcm_plane_properties(plane[None])[:, 0, :]
    np.testing.assert_array_equal(props, np.tile([0.0, 0.0, 1.0, 1.0, 1.0, 1.0], (4, 1)))


def test_quantize_float64_order_of_operations():
    block = np.array([-1.0, 0.0, 1.0, 3.0], dtype=np.float32)
    # 255 * (x + 1) / 4 -> 0, 63.75, 127.5, 255
    assert quantize(block).tolist() == [0, 63, 127, 255]
    assert quantize(np.full(3, 2.5)).tolist() == [0, 0, 0]


def test_integer_images_do_not_overflow():
    """Reference 0.2.0 computed 255 * (x - min) in int16 and wrapped around; ours does not."""
    rng = np.random.default_rng(7)
    img = np.zeros((4, 12, 12), dtype=np.int16)
    img[:, 2:10, 2:10] = rng.integers(100, 2000, size=(4, 8, 8))
    as_int = texture_features(img)
    as_float = texture_features(img.astype(np.float32))
    assert as_int == as_float
    for name, value in skimage_texture(img.astype(np.float64), 0).items():
        assert as_int[name] == pytest.approx(value, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("padding", [0, 1, 3])
def test_whole_algorithm_matches_plain_skimage_version(padding):
    rng = np.random.default_rng(11)
    img = np.zeros((9, 14, 13), dtype=np.float32)
    img[2:7, 3:12, 4:11] = rng.normal(500, 120, size=(5, 9, 7)).astype(np.float32)
    img[3, 5, 6] = -40.0  # negatives are part of the box and of the quantisation range
    img[2:7, 3, 4] = 0  # zero background inside the box
    ours = texture_features(img, padding=padding)
    assert list(ours) == list(TEXTURE_NAMES)
    for name, value in skimage_texture(img, padding).items():
        assert ours[name] == pytest.approx(value, rel=1e-10, abs=1e-12), name


def test_crop_padding_is_clipped_to_the_volume():
    img = np.zeros((3, 5, 5))
    img[0, 0, 4] = 1.0
    assert crop_to_nonzero(img, padding=1).shape == (2, 2, 2)
    assert crop_to_nonzero(np.zeros((2, 2, 2))) is None


def test_constant_nonzero_volume():
    img = np.zeros((5, 6, 6), dtype=np.float32)
    img[1:4, 1:5, 2:5] = 42.0
    f = texture_features(img)
    expected = {"contrast": 0.0, "dissimilarity": 0.0, "homogeneity": 1.0, "asm": 1.0, "energy": 1.0,
                "correlation": 1.0}
    for prop, value in expected.items():
        assert f[f"mean_{prop}"] == value
        assert f[f"std_{prop}"] == 0.0


def test_all_zero_volume_gives_nan():
    f = texture_features(np.zeros((3, 4, 4), dtype=np.float32))
    assert list(f) == list(TEXTURE_NAMES)
    assert all(math.isnan(v) for v in f.values())


def test_single_row_planes_have_no_vertical_pairs():
    img = np.zeros((2, 1, 5))
    img[:, 0, :] = [[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]]
    props = glcm_plane_properties(quantize(img))
    # angles pi/4, pi/2, 3pi/4 have no pair: zero matrix -> correlation 1, everything else 0
    np.testing.assert_array_equal(props[1:, :, :5], 0.0)
    np.testing.assert_array_equal(props[1:, :, 5], 1.0)
    for z in range(2):
        np.testing.assert_allclose(props[:, z, :], skimage_plane(quantize(img)[z]), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("background", [None, 0, 3, 200])
def test_background_hint_never_changes_the_result(background):
    """Pairs outside each plane's non-background box are counted without being visited."""
    rng = np.random.default_rng(5)
    q = np.zeros((4, 11, 13), dtype=np.uint8)
    q[1, 3:7, 4:9] = rng.integers(0, 256, size=(4, 5))
    q[2, 0, 12] = 9  # a corner pixel
    q[3] = 3  # a plane of one level
    ours = glcm_plane_properties(q, background=background)
    for z in range(q.shape[0]):
        np.testing.assert_allclose(ours[:, z, :], skimage_plane(q[z]), rtol=1e-10, atol=1e-12)


def test_non_finite_values_are_refused():
    img = np.ones((2, 3, 3), dtype=np.float32)
    img[1, 1, 1] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        texture_features(img)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="padding must be >= 0"):
        texture_features(np.ones((2, 2, 2)), padding=-1)
    with pytest.raises(ValueError, match=r"image must be a 3-D array"):
        texture_features(np.ones((2, 2)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16, np.uint8])
@pytest.mark.parametrize("chunk", [5, 2 * 6 * 7, 10**6])
def test_quantize_in_chunks_equals_quantizing_a_float64_copy(monkeypatch, dtype, chunk):
    """quantize converts groups of planes (one plane, two planes, everything) through one buffer."""
    from auditapp.features import texture

    monkeypatch.setattr(texture, "_QUANTIZE_CHUNK", chunk)
    rng = np.random.default_rng(8)
    block = rng.normal(100.0, 60.0, size=(9, 6, 7)).clip(0, 250).astype(dtype)
    work = block.astype(np.float64)
    lo, hi = work.min(), work.max()
    expected = np.trunc((255.0 * (work - lo)) / (hi - lo)).astype(np.uint8)
    q, qlo, qhi = texture._quantize(block[:, ::-1, :])  # a strided view, as a crop of a volume
    np.testing.assert_array_equal(q, expected[:, ::-1, :])
    assert (qlo, qhi) == (lo, hi)
    with pytest.raises(ValueError, match="NaN or infinite"):
        texture._quantize(np.full((3, 2, 2), np.nan))


def test_glcm_with_a_non_zero_background_level_and_few_differences():
    """Each plane is counted inside its own box of non-background pixels; the codes d * 256 + low
    fill only the rows of the differences present (here d <= 2: a partial count table)."""
    q = np.full((5, 10, 12), 100, dtype=np.uint8)  # background level 100, not 0
    q[0, 2:5, 3:6] = 101
    q[1, 0, 0] = 102  # box in a corner
    q[1, 9, 11] = 101  # and the opposite corner: the box is the whole plane
    q[2, 4:6, 11] = 99  # box on the last column
    q[4, 3:8, 2:9] = np.arange(35).reshape(5, 7) % 3 + 99
    for background in (None, 100):
        ours = glcm_plane_properties(q, background=background)
        for z in range(q.shape[0]):
            np.testing.assert_allclose(ours[:, z, :], skimage_plane(q[z]), rtol=1e-10, atol=1e-12)
    # plane 3 is all background: one code, every pair equal
    np.testing.assert_array_equal(ours[:, 3, :], np.tile([0.0, 0.0, 1.0, 1.0, 1.0, 1.0], (4, 1)))
