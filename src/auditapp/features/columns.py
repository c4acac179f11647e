"""The deterministic column order of a feature CSV (features.md §5)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from auditapp.config.model import FeatureFamilies, Label, sequence_key
from auditapp.features.spatial import PLANES
from auditapp.features.statistical import STATISTICAL_NAMES
from auditapp.features.texture import TEXTURE_NAMES
from auditapp.features.tumor import size_labels

__all__ = [
    "spatial_columns",
    "tumor_columns",
    "statistical_columns",
    "texture_columns",
    "feature_columns",
    "integer_columns",
    "LONGITUDINAL_COLUMNS",
]

LONGITUDINAL_COLUMNS = ("longitudinal_id", "time_point")


def spatial_columns() -> list[str]:
    """``<plane>_plane_resolution`` then ``<plane>_plane_center_of_mass``."""
    return [f"{p}_plane_resolution" for p in PLANES] + [f"{p}_plane_center_of_mass" for p in PLANES]


def tumor_columns(labels: Sequence[Label], unconfigured: Iterable[int] = ()) -> list[str]:
    """Tumour columns for ``labels`` (config order) and unconfigured values found in the data.

    Examples
    --------
    >>> labs = (Label("BKG", (0,)), Label("EDE", (3,)), Label("ENH", (1,)), Label("NEC", (2,)))
    >>> cols = tumor_columns(labs, [4])
    >>> cols[:3], cols[16:21]
    (['axial_whole_center_mass', 'coronal_whole_center_mass', 'sagittal_whole_center_mass'], \
['lesion_size_enh', 'lesion_size_nec', 'lesion_size_ede', 'lesion_size_4', 'lesion_size_whole'])
    """
    cols = [f"{p}_{lab.key}_center_mass" for lab in labels for p in PLANES]
    cols += [f"{lab.key}_tumor_location" for lab in labels]
    cols += [f"lesion_size_{lab.key}" for lab in size_labels(labels)]
    cols += [f"lesion_size_{int(v)}" for v in sorted(set(int(v) for v in unconfigured))]
    cols.append("lesion_size_whole")
    cols += [f"{p}_tumor_slices" for p in PLANES]
    for p in PLANES:
        cols += [f"lower_{p}_tumor_slice", f"upper_{p}_tumor_slice"]
    return cols


def statistical_columns(sequences: Sequence[str]) -> list[str]:
    """The 10 statistics of each sequence, sequences in config order."""
    return [f"{sequence_key(s)}_{name}" for s in sequences for name in STATISTICAL_NAMES]


def texture_columns(sequences: Sequence[str]) -> list[str]:
    """The 12 texture values of each sequence, sequences in config order."""
    return [f"{sequence_key(s)}_{name}" for s in sequences for name in TEXTURE_NAMES]


def feature_columns(
    sequences: Sequence[str],
    labels: Sequence[Label],
    families: FeatureFamilies = FeatureFamilies(),
    unconfigured: Iterable[int] = (),
) -> list[str]:
    """Every column of a feature CSV before the metadata columns, in order.

    ``ID``, spatial, tumour, statistical, texture, ``longitudinal_id``, ``time_point``;
    a disabled family has no columns.

    Examples
    --------
    >>> labs = (Label("BKG", (0,)), Label("EDE", (3,)), Label("ENH", (1,)), Label("NEC", (2,)))
    >>> len(feature_columns(("_t1", "_t2", "_t1ce", "_flair"), labs))
    126
    """
    cols = ["ID"]
    if families.spatial:
        cols += spatial_columns()
    if families.tumor:
        cols += tumor_columns(labels, unconfigured)
    if families.statistical:
        cols += statistical_columns(sequences)
    if families.texture:
        cols += texture_columns(sequences)
    cols += list(LONGITUDINAL_COLUMNS)
    return cols


def integer_columns(columns: Iterable[str]) -> list[str]:
    """The integer-valued columns among ``columns`` (written as nullable integers, §14)."""
    out = []
    for col in columns:
        if (col.endswith("_plane_resolution") or col.endswith("_tumor_slices")
                or (col.startswith(("lower_", "upper_")) and col.endswith("_tumor_slice"))
                or (col.startswith("lesion_size_") and col != "lesion_size_whole")
                or col == "time_point"):
            out.append(col)
    return out
