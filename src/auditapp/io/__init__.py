"""File input/output: the file layout (where files are), NIfTI reading, table reading and atomic writing.

The names below are loaded on first use (PEP 562): ``auditapp.io.paths``, which every CLI command
imports, does not pull in pandas or nibabel.
"""

from __future__ import annotations

import importlib

_HOMES = {
    "atomic_target": "atomic",
    "write_columns_atomic": "atomic",
    "write_csv_atomic": "atomic",
    "write_text_atomic": "atomic",
    "find_nifti": "layout",
    "list_subject_dirs": "layout",
    "Volume": "nifti",
    "read_header": "nifti",
    "read_volume": "nifti",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
