"""Pure feature functions: arrays and voxel spacing in, ``dict[str, float]`` out (features.md).

One module per family (:mod:`~auditapp.features.statistical`, :mod:`~auditapp.features.texture`,
:mod:`~auditapp.features.spatial`, :mod:`~auditapp.features.tumor`), plus the longitudinal ID
parsing and the deterministic column order (the metadata join is :func:`auditapp.io.metadata.join_metadata`).
"""

from auditapp.features.columns import feature_columns, integer_columns, tumor_columns
from auditapp.features.longitudinal import parse_longitudinal, split_id
from auditapp.features.spatial import PLANES, center_of_mass, spatial_features
from auditapp.features.statistical import STATISTICAL_NAMES, intensity_statistics, statistical_features
from auditapp.features.texture import (
    TEXTURE_NAMES,
    TEXTURE_PROPERTIES,
    block_texture,
    crop_to_nonzero,
    glcm_plane_properties,
    nonzero_box,
    pad_box,
    quantize,
    texture_features,
)
from auditapp.features.tumor import size_labels, tumor_features, tumor_location

__all__ = [
    "PLANES",
    "STATISTICAL_NAMES",
    "TEXTURE_NAMES",
    "TEXTURE_PROPERTIES",
    "block_texture",
    "center_of_mass",
    "crop_to_nonzero",
    "feature_columns",
    "glcm_plane_properties",
    "integer_columns",
    "intensity_statistics",
    "nonzero_box",
    "pad_box",
    "parse_longitudinal",
    "quantize",
    "size_labels",
    "spatial_features",
    "split_id",
    "statistical_features",
    "texture_features",
    "tumor_columns",
    "tumor_features",
    "tumor_location",
]
