"""Dataset preparation helpers: list, rename, copy, move, delete and organise files and folders.

The reference's ``audit.utils.commons.file_manager`` functions with the same names, parameters
and defaults (helpers.md), plus :func:`organize_by_metadata` (the BraTS 2024 tutorial's
``organize_patients``).

Every function that changes files has ``safe_mode=True`` by default: it prints one
``[SAFE MODE] Would ...`` line per planned action (whatever ``verbose`` says) and changes
nothing. Call again with ``safe_mode=False`` to do it. Renames and moves check the whole plan
first: a target that already exists, or two sources with one target, refuses everything
(``FileExistsError`` listing the clashes) unless ``overwrite=True``. Traversal is sorted, so
messages and results are deterministic, and nothing outside the given root is touched.
"""

from auditapp.files._common import split_extension
from auditapp.files.listing import list_dirs, list_files
from auditapp.files.metadata import organize_by_metadata, read_metadata_table, resolve_column, select_metadata_rows
from auditapp.files.organize import organize_files_into_dirs, organize_subdirs_into_named_dirs
from auditapp.files.project import create_project_structure
from auditapp.files.renaming import add_string_dirs, add_string_files, add_suffix_to_files, rename_dirs, rename_files
from auditapp.files.transfer import (
    copy_files_by_extension,
    delete_dirs_by_pattern,
    delete_files_by_extension,
    move_files_to_parent,
)

__all__ = [
    "add_string_dirs",
    "add_string_files",
    "add_suffix_to_files",
    "copy_files_by_extension",
    "create_project_structure",
    "delete_dirs_by_pattern",
    "delete_files_by_extension",
    "list_dirs",
    "list_files",
    "move_files_to_parent",
    "organize_by_metadata",
    "organize_files_into_dirs",
    "organize_subdirs_into_named_dirs",
    "read_metadata_table",
    "rename_dirs",
    "rename_files",
    "resolve_column",
    "select_metadata_rows",
    "split_extension",
]
