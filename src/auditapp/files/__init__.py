"""Dataset preparation helpers: list, rename, copy, move, delete and organise files and folders.

The reference's ``audit.utils.commons.file_manager`` functions with the same names, parameters and defaults,
plus :func:`organize_by_metadata` (the BraTS 2024 tutorial's ``organize_patients``). Every function that
changes files is a dry run by default (``safe_mode=True``); see docs/helpers.md for the safe mode, the clash
rule and the other guarantees.
"""

from auditapp.files._common import split_extension
from auditapp.files.listing import list_dirs, list_files
from auditapp.files.metadata import (
    organize_by_metadata,
    read_metadata_table,
    resolve_column,
    select_metadata_rows,
)
from auditapp.files.organize import (
    create_project_structure,
    organize_files_into_dirs,
    organize_subdirs_into_named_dirs,
)
from auditapp.files.renaming import (
    add_string_dirs,
    add_string_files,
    add_suffix_to_files,
    rename_dirs,
    rename_files,
)
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
