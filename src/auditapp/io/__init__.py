"""File input/output: NIfTI reading, atomic table writing, dataset discovery."""

from auditapp.io.discovery import list_subject_dirs
from auditapp.io.nifti import Volume, find_nifti, read_header, read_volume
from auditapp.io.tables import write_csv_atomic, write_text_atomic

__all__ = [
    "Volume",
    "find_nifti",
    "list_subject_dirs",
    "read_header",
    "read_volume",
    "write_csv_atomic",
    "write_text_atomic",
]
