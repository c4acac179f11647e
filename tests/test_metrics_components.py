"""Connected components behind lesion-wise metrics (metrics/components.py) against plain scipy.ndimage.

``lesion_zones`` joins GT components whose dilations overlap or touch without dilating the whole mask; its
lesions, with each zone painted by dilating the lesion on its zone box, must equal labelling the dilated whole
mask (ids, sizes, boxes), and ``label_components`` must equal ``ndimage.label`` + ``find_objects`` on the mask's
box, whatever path it takes.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from auditapp.metrics import components
from auditapp.metrics.components import Components, dilate, label_components, lesion_zones, structure
from brats2024_reference import script_join, script_touching


def _random_masks(seed: int, n: int):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        shape = tuple(int(s) for s in rng.integers(3, 16, 3))
        mask = rng.random(shape) < rng.choice([0.005, 0.02, 0.08, 0.25, 0.6])
        if mask.any():
            yield mask, int(rng.integers(0, 4)), int(rng.choice([6, 18, 26]))


def _frame(mask: np.ndarray, dilation: int) -> np.ndarray:
    """The mask on its box grown by ``dilation`` (as GroundTruthLesions builds it away from the volume edge)."""
    padded = np.pad(mask, dilation)
    where = np.argwhere(padded)
    return padded[tuple(slice(a, b) for a, b in zip(where.min(0) - dilation, where.max(0) + dilation + 1))]


def dilated_zones(mask, *, dilation, connectivity, offset):
    """The zones (each lesion dilated on its zone box) and the lesions of :func:`lesion_zones`."""
    lesions, zone_boxes = lesion_zones(mask, dilation=dilation, connectivity=connectivity, offset=offset)
    labels = np.zeros(lesions.labels.shape, np.int32)
    for z, box in enumerate(zone_boxes, 1):
        own = lesions.window(box) == z
        local = tuple(slice(b.start - o, b.stop - o) for b, o in zip(box, lesions.offset))
        labels[local][dilate(own, 2, iterations=dilation) if dilation else own] = z
    sizes = np.bincount(labels.reshape(-1), minlength=lesions.count + 1).astype(np.int64)
    sizes[0] = 0
    return Components(labels, lesions.offset, sizes, zone_boxes), lesions


@pytest.fixture(params=["box", "voxels"])
def labelling(request, monkeypatch):
    """Every mask's component boxes through one path: a pass over the box, or the voxel list."""
    monkeypatch.setattr(components, "_SPARSE_FILL", 0.0 if request.param == "box" else 1.0)
    return request.param


@pytest.fixture(params=["components", "frame"])
def joining(request, monkeypatch):
    """Components joined by dilating each near one on its box, or by one dilation of the whole frame."""
    monkeypatch.setattr(components, "_COMPONENT_COST", -10**12 if request.param == "components" else 10**12)
    return request.param


@pytest.mark.parametrize("seed", [0, 1])
def test_dilated_zones_equal_labelling_the_dilated_mask(seed, labelling, joining):
    for mask, dilation, connectivity in _random_masks(seed, 150):
        frame = _frame(mask, dilation)
        dilated = ndimage.binary_dilation(frame, ndimage.generate_binary_structure(3, 2), iterations=dilation) \
            if dilation else frame
        expected, count = ndimage.label(dilated, structure=structure(connectivity))
        lesions_expected = np.where(frame, expected, 0)
        zones, lesions = dilated_zones(frame, dilation=dilation, connectivity=connectivity, offset=(5, 6, 7))
        assert zones.count == lesions.count == count
        np.testing.assert_array_equal(zones.labels, expected)
        np.testing.assert_array_equal(lesions.labels, lesions_expected)
        assert lesions.sizes[1:].tolist() == np.bincount(lesions_expected.ravel(), minlength=count + 1)[1:].tolist()
        shift = lambda boxes: [tuple(slice(s.start + o, s.stop + o) for s, o in zip(b, (5, 6, 7))) for b in boxes]
        assert list(zones.boxes) == shift(ndimage.find_objects(expected, max_label=count))
        assert list(lesions.boxes) == shift(ndimage.find_objects(lesions_expected, max_label=count))


def _thin_masks(seed: int, n: int):
    """Masks one or two voxels thick along some axes (lines, planes): shapes cc3d 4.1 gets wrong under 26."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        shape = tuple(int(s) for s in rng.integers(1, 6, 3))
        mask = rng.random(shape) < rng.choice([0.1, 0.3, 0.6])
        if mask.any():
            yield mask, 0, int(rng.choice([6, 18, 26]))


def test_label_components_equal_ndimage_label(labelling):
    for mask, _, connectivity in [*_random_masks(2, 200), *_thin_masks(3, 400)]:
        comps = label_components(mask, connectivity=connectivity, offset=(1, 2, 3))
        where = np.argwhere(mask)
        box = tuple(slice(a, b) for a, b in zip(where.min(0), where.max(0) + 1))
        expected, count = ndimage.label(mask[box], structure=structure(connectivity))
        np.testing.assert_array_equal(comps.labels, expected)
        assert comps.offset == tuple(int(b.start) + o for b, o in zip(box, (1, 2, 3)))
        assert comps.sizes[1:].tolist() == np.bincount(expected.ravel(), minlength=count + 1)[1:].tolist()
        assert list(comps.boxes) == [tuple(slice(s.start + o, s.stop + o) for s, o in zip(b, comps.offset))
                                     for b in ndimage.find_objects(expected, max_label=count)]


@pytest.mark.parametrize("small", [0, 1 << 30])
def test_dilate_equals_ndimage_binary_dilation(small, monkeypatch):
    """Both paths of ``dilate`` (separable shifts, one scipy call) equal scipy on random masks, every rank."""
    monkeypatch.setattr(components, "_SMALL_DILATION", small)
    rng = np.random.default_rng(4)
    long_rows = [(rng.random((4, 5, n)) < 0.03, int(rng.integers(0, 4)), 26) for n in (63, 64, 65, 130, 200)]
    for mask, dilation, _ in [*_random_masks(3, 60), *long_rows]:  # rows of one word, of several, at a word's end
        for rank in (1, 2, 3):
            expected = ndimage.binary_dilation(mask, ndimage.generate_binary_structure(3, rank),
                                               iterations=dilation + 1)
            np.testing.assert_array_equal(components.dilate(mask, rank, iterations=dilation + 1), expected)


def test_centroid_is_the_mean_voxel_index_from_a_box_or_one_pass():
    rng = np.random.default_rng(5)
    many = rng.random((30, 40, 50)) < 0.02  # many small components: one pass for all
    many[2:25, 3:35, 4:45] |= rng.random((23, 32, 41)) < 0.5  # and one spanning most of the box
    few = np.zeros((90, 90, 90), bool)  # three small components in a big box: each from its own box
    few[0:2, 0:3, 0:2] = few[40:44, 50:51, 60:65] = few[88:90, 87:90, 85:90] = True
    for mask in (many, few):
        comps = label_components(mask, offset=(7, 8, 9))
        every = comps._all_centroids()
        for c in range(1, comps.count + 1):
            expected = np.argwhere(comps.labels == c).mean(axis=0) + (7, 8, 9)
            np.testing.assert_allclose(comps.centroid(c), expected, rtol=1e-13)
            np.testing.assert_allclose(every[c], expected, rtol=1e-13)
    assert label_components(many).count > 20 and label_components(few).count == 3


# ---------------------------------------------------------------- joining across tissues (BraTS 2024)
def test_touching_pairs_and_join_across_equal_the_2024_scripts():
    rng = np.random.default_rng(0)
    base, joined = (3, 4, 5), 0
    for _ in range(40):
        shape = tuple(int(s) for s in rng.integers(4, 12, 3))
        tissue = rng.choice(4, size=shape, p=[0.7, 0.1, 0.1, 0.1])  # 1: this tissue, 2 and 3: two others
        comps = [label_components(tissue == t, offset=base) for t in (1, 2, 3)]
        full = []  # each tissue's component ids on the whole array, as the scripts' *_cc files
        for c in comps:
            array = np.zeros(shape, np.int64)
            array[tuple(slice(o - b, o - b + n) for o, b, n in zip(c.offset, base, c.labels.shape))] = c.labels
            full.append(array)
        steps = []
        for other, array in zip(comps[1:], full[1:]):
            pairs = components.touching_pairs(comps[0], other)
            assert {tuple(p) for p in pairs.tolist()} == script_touching(full[0], array)
            steps.append(pairs)
        lut = components.join_across(comps[0].count, steps)
        current = script_join(full[0], full[1:])
        ours = lut[full[0]]
        assert len(np.unique(ours)) == len(np.unique(current))  # the same partition of the lesions' voxels
        assert len(np.unique(ours * 1000 + current)) == len(np.unique(current))
        joined += comps[0].count - int(lut.max())
    assert joined > 20  # lesions were joined, not only left alone
