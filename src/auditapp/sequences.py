"""Helpers for MRI sequences and segmentations in notebooks: load, relabel, count, crop.

The reference's ``audit.utils.sequences.sequences`` functions with the same names and defaults, as thin layers
over :mod:`auditapp.io` (reading, atomic writing, the file layout). Arrays are in (k, j, i) order; messages go
to the module-level loguru ``logger``. See docs/helpers.md, "auditapp.sequences".
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Optional, Sequence, Union

import nibabel as nib
import numpy as np
from loguru import logger

from auditapp.io.atomic import atomic_target
from auditapp.io.layout import NIFTI_EXTENSIONS, find_nifti
from auditapp.io.nifti import READ_ERRORS, load_image
from auditapp.metrics.regions import bounding_box

__all__ = [
    "load_nii",
    "load_nii_by_subject_id",
    "read_sequences_dict",
    "get_spacing",
    "build_nifty_image",
    "label_replacement",
    "iterative_labels_replacement",
    "count_labels",
    "fit_brain_boundaries",
    "crop_nonzero_region",
]

PathLike = Union[str, "os.PathLike[str]"]
DEFAULT_SEQUENCES = ["_t1", "_t1ce", "_t2", "_flair"]


def load_nii(path: Optional[PathLike], as_array: bool = False):
    """Load a NIfTI file (through :func:`auditapp.io.nifti.load_image`, decoded to the end).

    Parameters
    ----------
    path : str or Path
        A ``.nii`` or ``.nii.gz`` file.
    as_array : bool, default False
        Return the data in (k, j, i) order and stored dtype (scaled when the header says so), not the image.

    Returns
    -------
    nibabel image, ndarray or None
        None (and a logged warning ``Error loading NIfTI file <path>: <e>``) for a corrupt or truncated file.

    Raises
    ------
    ValueError
        ``The file at <path> does not exist or is not a valid file.``

    Examples
    --------
    >>> import tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "a.nii.gz")
    >>> nib.save(nib.Nifti1Image(np.arange(24, dtype=np.int16).reshape(2, 3, 4), np.eye(4)), p)
    >>> arr = load_nii(p, as_array=True)
    >>> arr.shape, arr.dtype.name, int(arr[3, 2, 1])
    ((4, 3, 2), 'int16', 23)
    """
    if path is None or not os.path.isfile(os.fspath(path)):
        raise ValueError(f"The file at {path} does not exist or is not a valid file.")
    try:
        image = load_image(os.fspath(path))
        return np.asanyarray(image.dataobj).T if as_array else image
    except READ_ERRORS as exc:
        logger.warning(f"Error loading NIfTI file {path}: {exc}")
        return None


def load_nii_by_subject_id(root_dir: PathLike, subject_id: str, seq: str = "_seg", as_array: bool = False):
    """Load ``<root_dir>/<subject_id>/<subject_id><seq>.nii.gz`` (or ``.nii``) with :func:`load_nii`.

    Parameters
    ----------
    root_dir : str or Path
    subject_id : str
    seq : str, default ``"_seg"``
        File-name suffix (``"_t1"``, ``"_seg"``, ...).
    as_array : bool, default False

    Returns
    -------
    nibabel image, ndarray or None
        None with a logged warning when the file does not exist.

    Raises
    ------
    ValueError
        ``Invalid path or subject ID provided. Both must be non-empty strings.``
    """
    if not root_dir or not subject_id or not isinstance(subject_id, str):
        raise ValueError("Invalid path or subject ID provided. Both must be non-empty strings.")
    folder = os.path.join(os.fspath(root_dir), subject_id)
    path = find_nifti(Path(folder), f"{subject_id}{seq}")
    if path is not None:
        return load_nii(os.fspath(path), as_array=as_array)
    logger.warning(f"File not found for subject {subject_id}: {os.path.join(folder, subject_id + seq)}.nii.gz")
    return None


def read_sequences_dict(root_dir: PathLike, subject_id: str, sequences: Optional[Sequence[str]] = None,
                        modality_name: str = "MRI") -> dict:
    """Load several sequences of a subject as arrays, keyed by the suffix without ``_``.

    Parameters
    ----------
    root_dir : str or Path
    subject_id : str
    sequences : list of str, optional
        Suffixes; default ``['_t1', '_t1ce', '_t2', '_flair']``.
    modality_name : str, default ``"MRI"``
        Only MRI (any case).

    Returns
    -------
    dict
        ``{"t1": array or None, ...}``: None with a logged warning (missing) or error (loading raised).

    Raises
    ------
    ValueError
        ``Unsupported modality: <UPPER>. Supported: 'MRI'.`` (checked first); ``Both 'root_dir path' and
        'subject id' must be non-empty strings.``
    """
    if str(modality_name).upper() != "MRI":
        raise ValueError(f"Unsupported modality: {str(modality_name).upper()}. Supported: 'MRI'.")
    if not root_dir or not subject_id or not isinstance(subject_id, str):
        raise ValueError("Both 'root_dir path' and 'subject id' must be non-empty strings.")
    if sequences is None:
        sequences = DEFAULT_SEQUENCES
    out: dict = {}
    for seq in sequences:
        key = seq.replace("_", "")
        base = os.path.join(os.fspath(root_dir), subject_id, f"{subject_id}{seq}")
        path = find_nifti(Path(root_dir) / subject_id, f"{subject_id}{seq}")
        if path is None:
            logger.warning(f"Sequence {seq} not found for subject {subject_id}: {base}.nii.gz")
            out[key] = None
            continue
        try:
            out[key] = load_nii(path, as_array=True)
        except Exception as exc:  # noqa: BLE001 - reported per sequence, the others still load
            logger.error(f"Error loading sequence {seq} of subject {subject_id} from {path}: {exc}")
            out[key] = None
    return out


def get_spacing(img, modality_name: str = "MRI") -> np.ndarray:
    """Voxel spacing of an image in (k, j, i) order.

    Parameters
    ----------
    img : nibabel image, object with ``GetSpacing()``, or None
        None gives ``[1, 1, 1]`` and the warning ``Sequence empty. Assuming isotropic spacing (1, 1, 1).``
    modality_name : str, default ``"MRI"``
        Accepted for compatibility.

    Returns
    -------
    ndarray of shape (3,)

    Raises
    ------
    TypeError
        ``img`` is none of the above.

    Examples
    --------
    >>> get_spacing(nib.Nifti1Image(np.zeros((2, 2, 2), np.uint8), np.diag([0.5, 0.8, 2.0, 1.0]))).tolist()
    [2.0, 0.800000011920929, 0.5]
    """
    if img is None:
        logger.warning("Sequence empty. Assuming isotropic spacing (1, 1, 1).")
        return np.array([1, 1, 1])
    getter = getattr(img, "GetSpacing", None)
    if callable(getter):
        return np.asarray(getter())[::-1]
    header = getattr(img, "header", None)
    if header is not None and hasattr(header, "get_zooms"):
        return np.asarray(header.get_zooms()[:3], dtype=float)[::-1]
    raise TypeError(f"'img' must be a nibabel image, an image with GetSpacing() or None, got {type(img).__name__}")


def build_nifty_image(segmentation, reference=None) -> nib.Nifti1Image:
    """A ``Nifti1Image`` from a (k, j, i) array, with the affine and header of ``reference`` when given.

    Parameters
    ----------
    segmentation : ndarray or list
        Stored transposed back to (i, j, k); booleans as uint8.
    reference : nibabel image or path, optional
        Affine and header source (data dtype from the array). Without it: identity affine, as the reference.

    Returns
    -------
    nibabel.Nifti1Image

    Raises
    ------
    ValueError
        ``The segmentation input must be a Numpy array or array-like object.`` (a tuple too).
    RuntimeError
        ``Error converting segmentation to NIfTI image: <e>``.

    Examples
    --------
    >>> img = build_nifty_image(np.zeros((3, 4, 5), dtype=np.uint8))
    >>> img.shape, img.get_data_dtype().name
    ((5, 4, 3), 'uint8')
    """
    if not isinstance(segmentation, (np.ndarray, list)):
        raise ValueError("The segmentation input must be a Numpy array or array-like object.")
    try:
        data = np.asarray(segmentation)
        if data.dtype == bool:
            data = data.astype(np.uint8)
        data = data.T
        if reference is None:
            return nib.Nifti1Image(data, np.eye(4), dtype=data.dtype)
        ref = reference if hasattr(reference, "affine") else load_image(os.fspath(reference))
        header = ref.header.copy()
        header.set_data_dtype(data.dtype)
        return nib.Nifti1Image(data, ref.affine, header)
    except Exception as exc:  # noqa: BLE001 - one documented error type for any conversion failure
        raise RuntimeError(f"Error converting segmentation to NIfTI image: {exc}") from exc


def label_replacement(segmentation, original_labels: Sequence, new_labels: Sequence) -> np.ndarray:
    """A relabelled copy: voxels whose original value is ``original_labels[i]`` become ``new_labels[i]``.

    The dtype is kept; masks come from the input, so ``[1, 2] -> [2, 1]`` swaps and ``[1, 2] -> [2, 3]`` does
    not cascade.

    Parameters
    ----------
    segmentation : ndarray
    original_labels, new_labels : sequence of numbers, same length

    Returns
    -------
    ndarray

    Raises
    ------
    ValueError
        ``The lengths of original labels and new labels must match.``

    Examples
    --------
    >>> label_replacement(np.array([0, 1, 2, 2]), [1, 2], [2, 1]).tolist()
    [0, 2, 1, 1]
    """
    if len(original_labels) != len(new_labels):
        raise ValueError("The lengths of original labels and new labels must match.")
    seg = np.asarray(segmentation)
    out = seg.copy()
    for old, new in zip(original_labels, new_labels):
        out[seg == old] = new
    return out


def _nifti_suffix(name: str) -> Optional[str]:
    """The NIfTI extension ending ``name`` (any case), else None."""
    return next((name[-len(ext):] for ext in NIFTI_EXTENSIONS if name.lower().endswith(ext)), None)


def iterative_labels_replacement(root_dir: PathLike, original_labels: Sequence, new_labels: Sequence,
                                 ext: str = "_seg", verbose: bool = False, safe_mode: bool = False) -> dict:
    """Relabel in place every NIfTI file below ``root_dir`` (sorted) whose name contains ``ext``.

    Each changed file is rewritten atomically with its own affine, header and on-disk dtype; an unchanged one
    is left untouched, an unreadable one skipped with a warning. Ends with the log line ``Iterative label
    replacement completed: N files processed, M files skipped.``

    Parameters
    ----------
    root_dir : str or Path
    original_labels, new_labels : sequence of numbers
        As :func:`label_replacement`.
    ext : str, default ``"_seg"``
        Substring a ``.nii`` / ``.nii.gz`` file name must contain.
    verbose : bool, default False
        Log ``Processed file <name>`` per file.
    safe_mode : bool, default False
        Print ``[SAFE MODE] Would relabel: <path> (<n> voxels change)`` and write nothing.

    Returns
    -------
    dict
        ``{"processed": [paths], "skipped": [paths]}``.

    Raises
    ------
    ValueError
        Label lists of different lengths (before any file is touched); ``The directory '<p>' does not exist.``
    """
    if len(original_labels) != len(new_labels):
        raise ValueError("The lengths of original labels and new labels must match.")
    root = os.fspath(root_dir)
    if not os.path.isdir(root):
        raise ValueError(f"The directory '{root}' does not exist.")
    paths = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        paths.extend(os.path.join(folder, f) for f in sorted(files) if ext in f and _nifti_suffix(f))
    processed, skipped = [], []
    for path in paths:
        image = load_nii(path)
        if image is None:
            logger.warning(f"Skipping unreadable file {path}")
            skipped.append(path)
            continue
        data = np.asanyarray(image.dataobj)
        relabelled = label_replacement(data, original_labels, new_labels)
        changed = int(np.count_nonzero(relabelled != data))
        if safe_mode:
            print(f"[SAFE MODE] Would relabel: {path} ({changed} voxels change)")
        elif changed:  # an unchanged file is left untouched (same bytes, same modification time)
            header = image.header.copy()
            out = nib.Nifti1Image(relabelled, image.affine, header) if isinstance(image, nib.Nifti1Image) \
                else image.__class__(relabelled, image.affine, header)
            with atomic_target(path, suffix=".tmp" + (_nifti_suffix(path) or ".nii.gz")) as tmp:
                nib.save(out, str(tmp))
        processed.append(path)
        if verbose:
            logger.info(f"Processed file {os.path.basename(path)}")
    logger.info(f"Iterative label replacement completed: {len(processed)} files processed, "
                f"{len(skipped)} files skipped.")
    return {"processed": processed, "skipped": skipped}


def count_labels(segmentation, mapping_names: Optional[Mapping] = None) -> dict:
    """Voxel count per label value.

    Parameters
    ----------
    segmentation : ndarray or None
    mapping_names : mapping value -> name, optional
        Keys become ``str(mapping_names.get(value, value)).lower()`` (an unmapped value stays its number as
        text).

    Returns
    -------
    dict
        ``{value: count}``, ``int`` keys for integral values (also in float arrays); None gives
        ``{name.lower(): nan}`` for the mapping's names, or ``{}``.

    Examples
    --------
    >>> count_labels(np.array([[0, 0, 1], [2, 2, 2]], dtype=np.float32))
    {0: 2, 1: 1, 2: 3}
    >>> count_labels(np.array([0, 1, 4]), {0: "BKG", 1: "NETC"})
    {'bkg': 1, 'netc': 1, '4': 1}
    """
    if segmentation is None:
        return {str(name).lower(): np.nan for name in (mapping_names or {}).values()}
    values, counts = np.unique(np.asarray(segmentation), return_counts=True)
    out: dict = {}
    for value, count in zip(values.tolist(), counts.tolist()):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        key = str(mapping_names.get(value, value)).lower() if mapping_names is not None else value
        out[key] = int(count)
    return out


def _nonzero_box(array: np.ndarray, padding: int) -> Optional[tuple[slice, ...]]:
    """The non-zero bounding box grown by ``padding`` (clipped to the array); None if all zero."""
    if padding < 0:
        raise ValueError(f"'padding' must be >= 0, got {padding}")
    box = bounding_box(array != 0)
    return None if box is None else tuple(slice(max(b.start - padding, 0), min(b.stop + padding, size))
                                          for b, size in zip(box, array.shape))


def fit_brain_boundaries(sequence: np.ndarray, padding: int = 1) -> np.ndarray:
    """Crop a 3-D volume to the bounding box of its non-zero voxels grown by ``padding`` (clipped).

    Parameters
    ----------
    sequence : (K, J, I) ndarray
    padding : int, default 1

    Returns
    -------
    ndarray
        A view of the crop; an all-zero volume gives an unchanged copy.

    Raises
    ------
    ValueError
        The array is not 3-D, or ``padding`` is negative.

    Examples
    --------
    >>> vol = np.zeros((5, 5, 5))
    >>> vol[2, 2, 3] = 1
    >>> fit_brain_boundaries(vol).shape, fit_brain_boundaries(vol, padding=0).shape
    ((3, 3, 3), (1, 1, 1))
    """
    sequence = np.asarray(sequence)
    if sequence.ndim != 3:
        raise ValueError(f"'sequence' must be a 3-D array, got {sequence.ndim} dimensions (shape {sequence.shape})")
    box = _nonzero_box(sequence, padding)
    return sequence.copy() if box is None else sequence[box]


def crop_nonzero_region(seq: np.ndarray, padding: int = 0) -> np.ndarray:
    """Crop an array of any dimension to its non-zero bounding box grown by ``padding`` (a view).

    >>> crop_nonzero_region(np.array([[0, 0, 0], [0, 5, 0]])).tolist()
    [[5]]
    """
    seq = np.asarray(seq)
    box = _nonzero_box(seq, padding)
    return seq[...] if box is None else seq[box]
