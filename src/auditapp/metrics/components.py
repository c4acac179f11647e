"""Connected components of one binary mask, on its bounding box (the labelling behind lesion-wise metrics).

One :func:`scipy.ndimage.label` per mask, on the mask's bounding box (or a given box):
component ids follow the first voxel of each component in C (raster) order, which is the
same on a crop as on the whole volume, so ids do not depend on the box.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from auditapp.metrics.regions import bounding_box

__all__ = ["Components", "label_components", "structure"]


def structure(connectivity: int, ndim: int = 3) -> np.ndarray:
    """Neighbourhood of ``connectivity`` (6 / 18 / 26 in 3-D): ``generate_binary_structure(ndim, rank)``.

    Examples
    --------
    >>> int(structure(26).sum()), int(structure(6).sum())
    (27, 7)
    """
    ranks = {6: 1, 18: 2, 26: 3} if ndim == 3 else {4: 1, 8: 2}
    if connectivity not in ranks:
        raise ValueError(f"connectivity must be one of {sorted(ranks)} in {ndim}-D; got {connectivity!r}")
    from scipy import ndimage  # imported on use: runs without lesion-wise metrics never load scipy

    return ndimage.generate_binary_structure(ndim, ranks[connectivity])


@dataclass(frozen=True)
class Components:
    """Labelled connected components of a mask on a box of the volume.

    ``labels`` is int32 on the box (0 = background, 1..n); ``offset`` the volume index of
    ``labels[0, 0, 0]``; ``sizes[c]`` the voxel count of component ``c`` (``sizes[0]`` unused);
    ``boxes[c - 1]`` its bounding box in volume indices.
    """

    labels: np.ndarray
    offset: tuple[int, ...]
    sizes: np.ndarray
    boxes: tuple[tuple[slice, ...], ...]

    @property
    def count(self) -> int:
        """Number of components."""
        return len(self.boxes)

    def window(self, box: Sequence[slice]) -> np.ndarray:
        """The labels on ``box`` (volume indices), 0 outside the labelled box."""
        out = np.zeros(tuple(b.stop - b.start for b in box), dtype=self.labels.dtype)
        src, dst = [], []
        for b, o, n in zip(box, self.offset, self.labels.shape):
            lo, hi = max(b.start, o), min(b.stop, o + n)
            if hi <= lo:
                return out
            src.append(slice(lo - o, hi - o))
            dst.append(slice(lo - b.start, hi - b.start))
        out[tuple(dst)] = self.labels[tuple(src)]
        return out

    def centroid(self, component: int) -> tuple[float, ...]:
        """Mean voxel index of a component, in volume indices."""
        box = self.boxes[component - 1]
        local = tuple(slice(b.start - o, b.stop - o) for b, o in zip(box, self.offset))
        where = np.nonzero(self.labels[local] == component)
        return tuple(float(w.mean()) + b.start for w, b in zip(where, box))


def label_components(mask: np.ndarray, *, connectivity: int = 26,
                     offset: Sequence[int] | None = None) -> Components:
    """Connected components of a boolean mask (whose element 0 is at ``offset`` in the volume).

    The labelling runs on the mask's bounding box only.

    Examples
    --------
    >>> m = np.zeros((3, 3, 3), bool); m[0, 0, 0] = m[1, 1, 1] = True
    >>> label_components(m, connectivity=26).count, label_components(m, connectivity=6).count
    (1, 2)
    >>> c = label_components(m, connectivity=6, offset=(10, 0, 0))
    >>> c.offset, c.sizes.tolist(), c.boxes[1]
    ((10, 0, 0), [0, 1, 1], (slice(11, 12, None), slice(1, 2, None), slice(1, 2, None)))
    """
    from scipy import ndimage

    mask = np.asarray(mask, dtype=bool)
    base = tuple(offset) if offset is not None else (0,) * mask.ndim
    box = bounding_box(mask)
    if box is None:
        return Components(np.zeros((0,) * mask.ndim, np.int32), tuple(int(b) for b in base),
                          np.zeros(1, np.int64), ())
    labels, count = ndimage.label(mask[box], structure=structure(connectivity, mask.ndim), output=np.int32)
    start = tuple(int(o + b.start) for o, b in zip(base, box))
    sizes = np.bincount(labels.reshape(-1), minlength=count + 1).astype(np.int64)
    sizes[0] = 0
    boxes = tuple(tuple(slice(s.start + o, s.stop + o) for s, o in zip(found, start))
                  for found in ndimage.find_objects(labels, max_label=count))
    return Components(labels, start, sizes, boxes)
