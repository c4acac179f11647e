"""Synthetic BraTS-like subjects, ground truth and model predictions, deterministic by seed.

Used by the ``auditapp demo`` project, by tests and by benchmarks. Everything is
generated with numpy/scipy in (k, j, i) axis order (the order
:func:`auditapp.io.read_volume` returns); the writers store ``data.T`` with
nibabel through :func:`auditapp.io.nifti_write.write_volume`.

Pure array functions
--------------------
* :func:`make_subject` -- four MRI sequences (t1, t2, t1ce, flair) of a skull-stripped,
  brain-shaped ellipsoid with tissue texture, ventricles and a bias field, plus a
  multi-label tumour: necrotic core (label 1), enhancing rim (3) and oedema (2) around it,
  optionally small satellite lesions.
* :func:`dilate_labels`, :func:`erode_labels`, :func:`swap_labels`, :func:`remove_lesion`
  -- controlled segmentation errors; :func:`make_prediction` applies a :class:`ModelErrors`
  (defined in :mod:`auditapp.demo.model_errors`, re-exported here).

Writers
-------
* :func:`write_subject` -- ``<folder>/<ID>/<ID>_t1.nii.gz ... <ID>_seg.nii.gz``.
* :func:`write_dataset` -- a whole site: subjects plus
  ``<pred_root>/<model>/<ID>/<ID>_pred.nii.gz`` for each model.

Speed: a 64^3 subject is generated in a few tens of milliseconds; a full
240x240x155 subject in about a second (writing it compressed takes longer).

Examples
--------
>>> s = make_subject((32, 40, 40), seed=3)
>>> sorted(s.images)
['flair', 't1', 't1ce', 't2']
>>> s.images["t1"].shape, s.images["t1"].dtype.name, s.seg.dtype.name
((32, 40, 40), 'float32', 'uint8')
>>> sorted(int(v) for v in np.unique(s.seg))
[0, 1, 2, 3]
>>> bool((make_subject((32, 40, 40), seed=3).seg == s.seg).all())  # same seed, same subject
True
>>> pred = make_prediction(s.seg, ModelErrors(dilation=1), seed=0)
>>> int((pred > 0).sum()) > int((s.seg > 0).sum())
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from auditapp.demo._shapes import _bbox, _ellipsoid, _rng, _smooth_noise, _validate_shape
from auditapp.demo.model_errors import (
    DEFAULT_MODELS,
    ModelErrors,
    dilate_labels,
    erode_labels,
    make_prediction,
    remove_lesion,
    swap_labels,
)

__all__ = [
    "SEQUENCES",
    "TumourLabels",
    "SyntheticSubject",
    "ModelErrors",
    "SiteSpec",
    "SyntheticDataset",
    "DEFAULT_MODELS",
    "DEFAULT_SITES",
    "BRATS_SHAPE",
    "make_subject",
    "make_prediction",
    "dilate_labels",
    "erode_labels",
    "swap_labels",
    "remove_lesion",
    "subject_ids",
    "write_subject",
    "write_dataset",
]

#: Sequence names; files are ``<ID>_<name>.nii.gz``.
SEQUENCES = ("t1", "t2", "t1ce", "flair")
#: BraTS <= 2023 volume shape in (k, j, i) order (240 x 240 x 155 in nibabel's (i, j, k)).
BRATS_SHAPE = (155, 240, 240)

# Relative intensity of each tissue per sequence (arbitrary units, roughly MRI-like contrasts).
_TISSUES = ("wm", "gm", "csf", "necrosis", "enhancing", "oedema")
_CONTRAST = {
    "t1": (1.00, 0.75, 0.30, 0.35, 0.80, 0.60),
    "t2": (0.50, 0.70, 1.60, 1.40, 0.90, 1.30),
    "t1ce": (1.00, 0.75, 0.30, 0.40, 1.80, 0.65),
    "flair": (0.60, 0.80, 0.20, 0.70, 1.00, 1.50),
}


@dataclass(frozen=True)
class TumourLabels:
    """Label values of the three tumour components (BraTS 2021+ convention by default)."""

    necrosis: int = 1
    oedema: int = 2
    enhancing: int = 3


@dataclass(frozen=True)
class SyntheticSubject:
    """One generated subject: images per sequence name, ground truth, spacing (all (k, j, i))."""

    images: dict[str, np.ndarray]
    seg: np.ndarray
    spacing: tuple[float, float, float]
    n_lesions: int

@dataclass(frozen=True)
class SiteSpec:
    """A synthetic acquisition site: how its images differ from the others.

    Attributes
    ----------
    name : str
        Site name (dataset name, ID prefix).
    intensity_scale, intensity_offset : float
        Images are ``base * 500 * intensity_scale + intensity_offset`` inside the brain.
    noise : float
        Relative standard deviation of the voxel noise.
    longitudinal : bool
        IDs like ``Patient-007-week-012`` (several time points per patient, growing tumour)
        instead of ``<name>-001``.
    """

    name: str
    intensity_scale: float = 1.0
    intensity_offset: float = 0.0
    noise: float = 0.04
    longitudinal: bool = False


#: Three sites with different intensity scales; the third one is longitudinal.
DEFAULT_SITES = (
    SiteSpec("SiteA", intensity_scale=1.0, noise=0.03),
    SiteSpec("SiteB", intensity_scale=1.8, intensity_offset=40.0, noise=0.06),
    SiteSpec("SiteC", intensity_scale=0.6, noise=0.045, longitudinal=True),
)


@dataclass(frozen=True)
class SyntheticDataset:
    """What :func:`write_dataset` wrote."""

    root: Path
    ids: tuple[str, ...]
    predictions: dict[str, Path] = field(default_factory=dict)  # model -> folder

# --------------------------------------------------------------------------- subjects


def make_subject(
    shape=(64, 64, 64),
    *,
    seed: int = 0,
    spacing=(1.0, 1.0, 1.0),
    dtype: str = "float32",
    sequences=SEQUENCES,
    intensity_scale: float = 1.0,
    intensity_offset: float = 0.0,
    noise: float = 0.04,
    tumour: bool = True,
    tumour_size: float | None = None,
    n_satellites: int | None = None,
    anatomy_seed: int | None = None,
    labels: TumourLabels = TumourLabels(),
) -> SyntheticSubject:
    """Generate one BraTS-like subject.

    Parameters
    ----------
    shape : 3 ints
        Volume shape in (k, j, i) order (``BRATS_SHAPE`` = (155, 240, 240) for full size). Each >= 16.
    seed : int
        Seeds the tumour, the noise and (unless ``anatomy_seed`` is given) the anatomy.
    spacing : 3 floats
        Voxel size in mm along (k, j, i); stored in the subject, shapes are in voxels.
    dtype : {'float32', 'int16'}
        Image dtype (int16 images are rounded). The ground truth is always uint8.
    sequences : iterable of str
        Names among ``t1, t2, t1ce, flair``.
    intensity_scale, intensity_offset : float
        Site intensity transform (``base * 500 * scale + offset`` inside the brain; 0 outside).
    noise : float
        Relative voxel noise (standard deviation).
    tumour : bool
        False gives an all-zero ground truth (an empty case).
    tumour_size : float, optional
        Oedema radius as a fraction of the brain radii (default random in [0.35, 0.50]).
    n_satellites : int, optional
        Small extra enhancing lesions (default: 1 with probability 0.35, else 0).
    anatomy_seed : int, optional
        Seed of the brain shape and texture (share it between time points of one patient).
    labels : TumourLabels
        Label values (default necrosis 1, oedema 2, enhancing 3).

    Returns
    -------
    SyntheticSubject
        ``images[name]`` (K, J, I) arrays of ``dtype``, ``seg`` (K, J, I) uint8, ``spacing``,
        ``n_lesions`` (connected tumour components intended: 1 + satellites, 0 without tumour).

    Raises
    ------
    ValueError
        Bad shape, dtype or sequence name.
    """
    shape = _validate_shape(shape)
    if dtype not in ("float32", "int16"):
        raise ValueError(f"dtype must be 'float32' or 'int16'; got {dtype!r}")
    sequences = tuple(sequences)
    unknown = [s for s in sequences if s not in _CONTRAST]
    if unknown:
        raise ValueError(f"unknown sequence(s) {unknown}; expected names among {list(_CONTRAST)}")
    spacing = tuple(float(s) for s in spacing)
    arng = _rng(seed if anatomy_seed is None else anatomy_seed, 1)
    trng = _rng(seed, 2)
    anatomy = _anatomy(arng, shape)
    seg = np.zeros(shape, dtype=np.uint8)
    n_lesions = 0
    if tumour:
        direction = _main_tumour(trng, anatomy, seg, labels, tumour_size)
        if n_satellites is None:
            n_satellites = int(trng.random() < 0.35)
        n_lesions = 1 + _satellites(trng, anatomy, seg, direction, int(n_satellites), labels.enhancing)
    # the bias field draws from the anatomy stream after the tumour, as it always has (same volumes per seed)
    bias = 1.0 + 0.08 * _smooth_noise(arng, anatomy.bshape, max(shape))
    seg_bb = seg[anatomy.bb]
    tumour_masks = [(seg_bb == v, t) for v, t in
                    ((labels.necrosis, 3), (labels.enhancing, 4), (labels.oedema, 5))] if tumour else []
    nrng = _rng(seed, 3)
    images = {name: _image(name, anatomy, bias, tumour_masks, nrng, noise, intensity_scale, intensity_offset, dtype)
              for name in sequences}
    return SyntheticSubject(images=images, seg=seg, spacing=spacing, n_lesions=n_lesions)


@dataclass(frozen=True)
class _Anatomy:
    """A brain: its mask, centre and radii, bounding box, grey-matter fraction and CSF (both inside the box)."""

    shape: tuple[int, int, int]
    brain: np.ndarray
    centre: np.ndarray
    radii: np.ndarray
    bb: tuple[slice, ...]
    gm_frac: np.ndarray
    csf: np.ndarray

    @property
    def bshape(self) -> tuple[int, ...]:
        return tuple(x.stop - x.start for x in self.bb)


def _anatomy(arng: np.random.Generator, shape: tuple[int, int, int]) -> _Anatomy:
    """Brain ellipsoid with a wobbly surface, white/grey matter texture, ventricles."""
    centre = np.array(shape, dtype=np.float32) / 2 + arng.uniform(-0.02, 0.02, 3) * np.array(shape)
    radii = np.array(shape, dtype=np.float32) * np.array([0.40, 0.42, 0.36]) * arng.uniform(0.93, 1.03, 3)
    cell = max(4, min(shape) // 6)
    d_brain = _ellipsoid(shape, centre, radii)
    d_brain += 0.08 * _smooth_noise(arng, shape, cell)
    brain = d_brain < 1.0
    bb = _bbox(brain)  # everything else is computed inside the brain's bounding box
    bshape = tuple(x.stop - x.start for x in bb)
    bstart = np.array([x.start for x in bb], dtype=np.float32)
    gm_frac = np.clip(0.5 + 0.6 * _smooth_noise(arng, bshape, max(2, cell // 2)), 0.0, 1.0)
    gm_frac[d_brain[bb] > 0.75] = np.maximum(gm_frac[d_brain[bb] > 0.75], 0.85)  # cortex rim
    vent_r = radii * np.array([0.18, 0.10, 0.22])
    csf = np.zeros(bshape, dtype=bool)
    for side in (-1, 1):
        c = centre + np.array([0.05, side * 0.12, 0.0]) * radii * 2
        csf |= _ellipsoid(bshape, c - bstart, vent_r) < 1.0
    csf &= brain[bb]
    return _Anatomy(shape, brain, centre, radii, bb, gm_frac, csf)


def _main_tumour(trng: np.random.Generator, anatomy: _Anatomy, seg: np.ndarray, labels: TumourLabels,
                 tumour_size: float | None) -> np.ndarray:
    """Draw the main tumour (necrosis in enhancing rim in oedema) into ``seg``; its direction from the centre."""
    centre, radii, shape = anatomy.centre, anatomy.radii, anatomy.shape
    size = float(tumour_size) if tumour_size is not None else trng.uniform(0.35, 0.50)
    direction = trng.normal(size=3)
    direction /= np.linalg.norm(direction) or 1.0
    t_centre = centre + direction * radii * trng.uniform(0.15, 0.35)
    t_radii = radii * size * trng.uniform(0.85, 1.15, 3)
    box = tuple(slice(max(0, int(c - r * 1.3) - 1), min(s, int(c + r * 1.3) + 2))
                for c, r, s in zip(t_centre, t_radii, shape))
    sub_shape = tuple(b.stop - b.start for b in box)
    d = np.sqrt(_ellipsoid(sub_shape, t_centre - np.array([b.start for b in box]), t_radii))
    d += 0.12 * _smooth_noise(trng, sub_shape, max(3, int(min(t_radii)) // 2))
    core = trng.uniform(0.38, 0.48)
    rim = core + trng.uniform(0.15, 0.22)
    local = np.zeros(sub_shape, dtype=np.uint8)
    local[d < 1.0] = labels.oedema
    local[d < rim] = labels.enhancing
    local[d < core] = labels.necrosis
    local[~anatomy.brain[box]] = 0
    seg[box] = local
    return direction


def _satellites(trng: np.random.Generator, anatomy: _Anatomy, seg: np.ndarray, direction: np.ndarray, n: int,
                value: int) -> int:
    """Small enhancing lesions on the other side of the brain; how many were drawn (inside the brain)."""
    centre, radii, shape = anatomy.centre, anatomy.radii, anatomy.shape
    drawn = 0
    for _ in range(n):
        s_centre = centre - direction * radii * trng.uniform(0.35, 0.5) + trng.normal(size=3) * radii * 0.05
        s_r = np.maximum(radii * trng.uniform(0.05, 0.08), 1.5)
        sbox = tuple(slice(max(0, int(c - r) - 1), min(s, int(c + r) + 2)) for c, r, s in zip(s_centre, s_r, shape))
        sub = tuple(b.stop - b.start for b in sbox)
        blob = _ellipsoid(sub, s_centre - np.array([b.start for b in sbox]), s_r) < 1.0
        blob &= anatomy.brain[sbox] & (seg[sbox] == 0)
        if blob.any():
            seg[sbox][blob] = value
            drawn += 1
    return drawn


def _image(name: str, anatomy: _Anatomy, bias: np.ndarray, tumour_masks: list, nrng: np.random.Generator,
           noise: float, intensity_scale: float, intensity_offset: float, dtype: str) -> np.ndarray:
    """One sequence, computed inside the brain's bounding box; exactly 0 outside the brain."""
    c = np.asarray(_CONTRAST[name], dtype=np.float32)
    img = anatomy.gm_frac * (c[1] - c[0])
    img += c[0]  # white/grey matter mix
    img[anatomy.csf] = c[2]
    for mask, tissue in tumour_masks:
        img[mask] = c[tissue]
    img *= bias
    voxel_noise = nrng.standard_normal(anatomy.bshape, dtype=np.float32)
    voxel_noise *= np.float32(noise)
    voxel_noise += 1.0
    img *= voxel_noise
    img *= np.float32(500.0 * intensity_scale)
    img += np.float32(intensity_offset)
    np.maximum(img, np.float32(1.0), out=img)  # the brain stays > 0
    img[~anatomy.brain[anatomy.bb]] = 0.0
    full = np.zeros(anatomy.shape, dtype=np.int16 if dtype == "int16" else np.float32)
    if dtype == "int16":
        np.clip(np.rint(img), 0, np.iinfo(np.int16).max, out=img)
    full[anatomy.bb] = img
    return full


# --------------------------------------------------------------------------- writers


def subject_ids(site: str, n: int, *, longitudinal: bool = False) -> list[str]:
    """Subject IDs of a site: ``<site>-001, ...`` or ``Patient-001-week-000, ...`` (3 time points per patient).

    Examples
    --------
    >>> subject_ids("SiteA", 2)
    ['SiteA-001', 'SiteA-002']
    >>> subject_ids("SiteC", 4, longitudinal=True)
    ['Patient-001-week-000', 'Patient-001-week-012', 'Patient-001-week-024', 'Patient-002-week-000']
    """
    if not longitudinal:
        return [f"{site}-{i:03d}" for i in range(1, n + 1)]
    return [f"Patient-{i // 3 + 1:03d}-week-{12 * (i % 3):03d}" for i in range(n)]


_SEG_DTYPES = ("uint8", "int16", "float32", "float64")


def _check_seg_dtype(seg_dtype: str) -> np.dtype:
    if seg_dtype not in _SEG_DTYPES:
        raise ValueError(f"seg_dtype must be one of {', '.join(_SEG_DTYPES)}; got {seg_dtype!r}")
    return np.dtype(seg_dtype)


def write_subject(folder: str | Path, subject_id: str, subject: SyntheticSubject, *,
                  extension: str = ".nii.gz", seg: bool = True, seg_dtype: str = "uint8") -> Path:
    """Write ``<folder>/<ID>/<ID>_<sequence><ext>`` for each image and ``<ID>_seg<ext>``; return the subject folder.

    ``seg_dtype`` (``uint8``, ``int16``, ``float32``, ``float64``) is the stored label dtype; some
    datasets store integral labels as floats.
    """
    from auditapp.io.nifti_write import write_volume

    dtype = _check_seg_dtype(seg_dtype)
    sub = Path(folder) / subject_id
    sub.mkdir(parents=True, exist_ok=True)
    for name, img in subject.images.items():
        write_volume(sub / f"{subject_id}_{name}{extension}", img, subject.spacing)
    if seg:
        write_volume(sub / f"{subject_id}_seg{extension}", subject.seg.astype(dtype, copy=False), subject.spacing)
    return sub


def _default_pred_root(root: Path) -> Path:
    if root.name.endswith("_images"):
        return root.with_name(root.name[: -len("_images")] + "_seg")
    return root.with_name(root.name + "_seg")


def write_dataset(
    root: str | Path,
    *,
    site: SiteSpec | str = "SiteA",
    n_subjects: int = 8,
    shape=(64, 64, 64),
    spacing=(1.0, 1.0, 1.0),
    dtype: str = "float32",
    seed: int = 0,
    models: dict[str, ModelErrors] | None = None,
    pred_root: str | Path | None = None,
    sequences=SEQUENCES,
    labels: TumourLabels = TumourLabels(),
    extension: str = ".nii.gz",
    seg_dtype: str = "uint8",
) -> SyntheticDataset:
    """Write a synthetic site: subjects under ``root`` and each model's predictions.

    Parameters
    ----------
    root : str or Path
        Dataset folder; gets ``<ID>/<ID>_<seq>.nii.gz`` and ``<ID>/<ID>_seg.nii.gz``.
    site : SiteSpec or str
        Intensity scale, noise and ID style (a str is ``SiteSpec(name)``).
    n_subjects : int
        Number of subjects (longitudinal sites: 3 time points per patient, the tumour grows).
    shape, spacing, dtype, sequences, labels
        As in :func:`make_subject`.
    seed : int
        Base seed; subject ``i`` uses ``(seed, i)``, so the same call writes identical data.
    models : dict of str to ModelErrors, optional
        Default :data:`DEFAULT_MODELS`; ``{}`` writes no prediction.
    pred_root : str or Path, optional
        Predictions go to ``<pred_root>/<model>/<ID>/<ID>_pred.nii.gz``. Default: the sibling
        folder ``<name>_seg`` (``X_images`` -> ``X_seg``, the tutorial layout).
    extension : str
        ``.nii.gz`` or ``.nii``.
    seg_dtype : str
        Stored dtype of ground truth and predictions (``uint8``, ``int16``, ``float32``, ``float64``).

    Returns
    -------
    SyntheticDataset
        The root, the IDs written, and the folder of each model.
    """
    from auditapp.io.nifti_write import write_volume

    label_dtype = _check_seg_dtype(seg_dtype)
    if isinstance(site, str):
        site = SiteSpec(site)
    if n_subjects < 1:
        raise ValueError(f"n_subjects must be >= 1; got {n_subjects}")
    root = Path(root)
    models = DEFAULT_MODELS if models is None else models
    pred_root = _default_pred_root(root) if pred_root is None else Path(pred_root)
    ids = subject_ids(site.name, n_subjects, longitudinal=site.longitudinal)
    site_key = sum(ord(ch) for ch in site.name)
    root.mkdir(parents=True, exist_ok=True)
    model_dirs = {m: pred_root / m for m in models}
    for i, sid in enumerate(ids):
        subject_seed = int(_rng(seed, site_key, i).integers(0, 2**31 - 1))
        kwargs = {}
        if site.longitudinal:
            patient, visit = divmod(i, 3)
            kwargs = {
                "anatomy_seed": int(_rng(seed, site_key, 1000 + patient).integers(0, 2**31 - 1)),
                "tumour_size": 0.30 + 0.07 * visit,
                "n_satellites": 0,
            }
        subject = make_subject(
            shape, seed=subject_seed, spacing=spacing, dtype=dtype, sequences=sequences,
            intensity_scale=site.intensity_scale, intensity_offset=site.intensity_offset,
            noise=site.noise, labels=labels, **kwargs,
        )
        write_subject(root, sid, subject, extension=extension, seg_dtype=seg_dtype)
        for m_index, (model, errors) in enumerate(models.items()):
            pred = make_prediction(subject.seg, errors, seed=subject_seed + 7919 * (m_index + 1))
            folder = model_dirs[model] / sid
            folder.mkdir(parents=True, exist_ok=True)
            write_volume(folder / f"{sid}_pred{extension}", pred.astype(label_dtype, copy=False), subject.spacing)
    return SyntheticDataset(root=root, ids=tuple(ids), predictions=model_dirs)
