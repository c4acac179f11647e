"""The BraTS 2024 scripts' joining of lesions across tissues, written out as they do it (every label pair, one
dilation each; relabelling through the smallest touching label), for tests to compare with."""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def script_touching(x_labels: np.ndarray, y_labels: np.ndarray) -> set[tuple[int, int]]:
    """``get_touching_labels``: the label pairs where one dilation (18-neighbour cross) of either meets the other."""
    cross = ndimage.generate_binary_structure(3, 2)
    pairs = set()
    for a in np.unique(x_labels)[1:]:
        for b in np.unique(y_labels)[1:]:
            ma, mb = x_labels == a, y_labels == b
            if np.any(ndimage.binary_dilation(ma, cross) & mb) or np.any(ndimage.binary_dilation(mb, cross) & ma):
                pairs.add((int(a), int(b)))
    return pairs


def script_relabel(pairs: set[tuple[int, int]], labels: np.ndarray) -> np.ndarray:
    """``relabel_nifti_image``: each common value gets a new label past the maximum, each original label the new
    label of its first (sorted) pair."""
    new_of_common, mapping, current = {}, {}, int(labels.max()) + 1
    for _, common in sorted(pairs):
        if common not in new_of_common:
            new_of_common[common], current = current, current + 1
    for original, common in sorted(pairs):
        mapping.setdefault(original, new_of_common[common])
    out = labels.copy()
    for original, new in mapping.items():
        out[labels == original] = new
    return out


def script_join(labels: np.ndarray, others: list[np.ndarray]) -> np.ndarray:
    """``combine_lesions_<tissue>``: relabel through each other tissue's labels in turn (when > 1 pair touch)."""
    for other in others:
        pairs = script_touching(labels, other)
        if len(pairs) > 1:
            labels = script_relabel(pairs, labels)
    return labels
