"""Statistical features (features.md §8): hand-computed values and conventions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from auditapp.errors import AuditappWarning
from auditapp.features.statistical import STATISTICAL_NAMES, intensity_statistics, statistical_features


def test_hand_computed_values_on_tiny_volume():
    # positive voxels: 1, 2, 3, 10 (zeros and negatives dropped)
    img = np.zeros((2, 2, 3), dtype=np.float32)
    img[0, 0, :3] = [1.0, 2.0, 3.0]
    img[1, 1, 2] = 10.0
    img[1, 0, 0] = -5.0
    f = statistical_features(img)
    assert list(f) == list(STATISTICAL_NAMES)
    assert f["max_intensity"] == 10.0
    assert f["min_intensity"] == 1.0
    assert f["mean_intensity"] == 4.0
    assert f["median_intensity"] == 2.5  # mean of the two middle values
    assert f["range_intensity"] == 9.0
    # population std: deviations -3, -2, -1, 6 -> m2 = (9 + 4 + 1 + 36) / 4 = 12.5
    assert f["std_intensity"] == pytest.approx(math.sqrt(12.5), rel=1e-15)
    # percentile 10: position 0.3 between 1 and 2 -> 1.3; percentile 90: position 2.7 -> 3 + 0.7 * 7 = 7.9
    assert f["10th_percentile_intensity"] == pytest.approx(1.3, rel=1e-15)
    assert f["90th_percentile_intensity"] == pytest.approx(7.9, rel=1e-15)
    # m3 = (-27 - 8 - 1 + 216) / 4 = 45; m4 = (81 + 16 + 1 + 1296) / 4 = 348.5
    assert f["skewness"] == pytest.approx(45 / 12.5 ** 1.5, rel=1e-14)
    assert f["kurtosis"] == pytest.approx(348.5 / 12.5 ** 2 - 3, rel=1e-14)


def test_biased_moments_match_scipy_and_percentiles_match_numpy():
    rng = np.random.default_rng(3)
    img = rng.gamma(2.0, 100.0, size=(9, 11, 13)).astype(np.float32)
    img[img < 50] = 0
    v = img[img > 0].astype(np.float64)
    f = statistical_features(img)
    assert f["skewness"] == pytest.approx(sps.skew(v, bias=True), rel=1e-12)
    assert f["kurtosis"] == pytest.approx(sps.kurtosis(v, fisher=True, bias=True), rel=1e-12)
    assert f["median_intensity"] == pytest.approx(np.median(v), rel=1e-15)
    assert f["10th_percentile_intensity"] == pytest.approx(np.percentile(v, 10), rel=1e-14)
    assert f["90th_percentile_intensity"] == pytest.approx(np.percentile(v, 90), rel=1e-14)
    assert f["std_intensity"] == pytest.approx(np.std(v), rel=1e-13)


def test_constant_image_has_zero_spread_and_nan_shape_moments():
    img = np.zeros((3, 3, 3), dtype=np.int16)
    img[1] = 7
    f = statistical_features(img)
    for name in ("max_intensity", "min_intensity", "mean_intensity", "median_intensity",
                 "10th_percentile_intensity", "90th_percentile_intensity"):
        assert f[name] == 7.0
    assert f["std_intensity"] == 0.0
    assert f["range_intensity"] == 0.0
    assert math.isnan(f["skewness"]) and math.isnan(f["kurtosis"])


def test_all_zero_sequence_gives_nan_and_warning():
    img = np.zeros((4, 4, 4), dtype=np.float32)
    img[0, 0, 0] = -3.0  # negatives are dropped too
    with pytest.warns(AuditappWarning, match=r"sequence '_flair' has no positive voxel"):
        f = statistical_features(img, name="_flair")
    assert all(math.isnan(v) for v in f.values())
    assert list(f) == list(STATISTICAL_NAMES)


def test_single_value_and_integer_dtype():
    f = intensity_statistics(np.array([5], dtype=np.uint8))
    assert f["median_intensity"] == 5.0 and f["10th_percentile_intensity"] == 5.0
    assert math.isnan(f["skewness"])
    assert all(math.isnan(v) for v in intensity_statistics(np.array([])).values())


def test_float32_input_computed_in_float64():
    # float32 accumulation of 1e6 values would drift; float64 gives the exact mean
    img = np.full((100, 100, 100), 0.1, dtype=np.float32)
    img[0, 0, 0] = 0.3
    f = statistical_features(img)
    v = img.astype(np.float64).ravel()
    assert f["mean_intensity"] == pytest.approx(v.mean(), rel=1e-15)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 10, 11, 20, 101, 1000])
def test_order_statistics_match_numpy_for_small_samples_and_ties(n):
    rng = np.random.default_rng(n)
    for ties in (False, True):
        v = (rng.integers(1, 5, size=n) if ties else rng.random(n) + 0.1).astype(np.float32)
        f = intensity_statistics(v)
        w = v.astype(np.float64)
        assert f["median_intensity"] == pytest.approx(np.median(w), rel=1e-15)
        assert f["10th_percentile_intensity"] == pytest.approx(np.percentile(w, 10), rel=1e-14)
        assert f["90th_percentile_intensity"] == pytest.approx(np.percentile(w, 90), rel=1e-14)
    before = v.copy()
    intensity_statistics(v)
    np.testing.assert_array_equal(v, before)  # the input is never modified


def test_infinite_values_are_refused_and_nan_dropped():
    img = np.array([1.0, np.inf, 2.0])
    with pytest.raises(ValueError, match="NaN or infinite"):
        statistical_features(img)
    assert statistical_features(np.array([1.0, np.nan, 3.0]))["mean_intensity"] == 2.0


def test_central_moments_summed_chunk_by_chunk(monkeypatch):
    """The deviations are computed in chunks (here 3 values): same hand values as one pass."""
    from auditapp.features import statistical

    monkeypatch.setattr(statistical, "_MOMENT_CHUNK", 3)
    # deviations from 3: -2, -1, 0, 3, -3, 3 -> sums of powers 2: 32, 3: 18, 4: 260
    values = np.array([1.0, 2.0, 3.0, 6.0, 0.0, 6.0])
    assert statistical._central_moments(values, 3.0) == (32 / 6, 18 / 6, 260 / 6)
    f = intensity_statistics(np.array([1.0, 2.0, 3.0, 10.0], dtype=np.float32))
    assert f["std_intensity"] == pytest.approx(math.sqrt(12.5), rel=1e-15)
    # m3 = (-27 - 8 - 1 + 216) / 4 = 45, m4 = (81 + 16 + 1 + 1296) / 4 = 348.5
    assert f["skewness"] == pytest.approx(45 / 12.5 ** 1.5, rel=1e-14)
    assert f["kurtosis"] == pytest.approx(348.5 / 12.5 ** 2 - 3, rel=1e-14)


def test_chunked_moments_equal_whole_array_moments_to_rounding(monkeypatch):
    from auditapp.features import statistical

    sample = np.random.default_rng(3).gamma(2.0, 300.0, size=10_001).astype(np.float32)
    whole = intensity_statistics(sample)
    monkeypatch.setattr(statistical, "_MOMENT_CHUNK", 1000)  # 11 chunks, the last one partial
    chunked = intensity_statistics(sample)
    for name in STATISTICAL_NAMES:
        assert chunked[name] == pytest.approx(whole[name], rel=1e-12), name
    dev = sample.astype(np.float64) - sample.astype(np.float64).mean()
    assert chunked["skewness"] == pytest.approx(np.mean(dev ** 3) / np.mean(dev ** 2) ** 1.5, rel=1e-12)
