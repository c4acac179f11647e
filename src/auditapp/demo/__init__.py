"""Synthetic BraTS-like data (:mod:`auditapp.demo.synthetic`) and the demo project (:mod:`auditapp.demo.project`)."""

from auditapp.demo.project import DemoProject, build_demo
from auditapp.demo.synthetic import (
    BRATS_SHAPE,
    DEFAULT_MODELS,
    DEFAULT_SITES,
    SEQUENCES,
    ModelErrors,
    SiteSpec,
    SyntheticDataset,
    SyntheticSubject,
    TumourLabels,
    make_prediction,
    make_subject,
    write_dataset,
    write_subject,
)

__all__ = [
    "BRATS_SHAPE",
    "DEFAULT_MODELS",
    "DEFAULT_SITES",
    "SEQUENCES",
    "DemoProject",
    "ModelErrors",
    "SiteSpec",
    "SyntheticDataset",
    "SyntheticSubject",
    "TumourLabels",
    "build_demo",
    "make_prediction",
    "make_subject",
    "write_dataset",
    "write_subject",
]
