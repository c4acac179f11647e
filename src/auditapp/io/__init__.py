"""File input/output: the file layout (where files are), NIfTI reading, table reading and atomic writing."""

from auditapp.io.atomic import atomic_target, write_csv_atomic, write_text_atomic
from auditapp.io.layout import find_nifti, list_subject_dirs
from auditapp.io.nifti import Volume, read_header, read_volume

__all__ = [
    "Volume",
    "atomic_target",
    "find_nifti",
    "list_subject_dirs",
    "read_header",
    "read_volume",
    "write_csv_atomic",
    "write_text_atomic",
]
