"""The project skeleton: :func:`create_project_structure`, the printing form of ``auditapp init`` (config/project.py)."""

from __future__ import annotations

import os
from pathlib import Path

from auditapp.files._common import PathLike, as_str, emit

__all__ = ["create_project_structure"]

def create_project_structure(base_path: PathLike = "./") -> list[str]:
    """Create ``datasets/ configs/ outputs/ logs/`` under ``base_path`` and the config templates.

    The three templates (``configs/feature_extraction.yaml``, ``metric_extraction.yaml``,
    ``app.yaml``; config.md §5) are written only when no file of that name (``.yaml`` or
    ``.yml``) exists, so an edited config is never overwritten. Same behaviour as
    ``auditapp init``.

    Parameters
    ----------
    base_path : str or Path, default ``"./"``
        Project folder, created when missing.

    Returns
    -------
    list of str
        The template files written (empty when all existed).

    Raises
    ------
    NotADirectoryError
        ``The path '<base>' exists but is not a directory`` (also for a sub-folder that exists
        as a file).
    OSError
        Any failure to create a folder or write a file (the reference printed and swallowed it).

    Notes
    -----
    Prints ``Folder created or already exists: <base>/<name>`` per folder, then
    ``Project structure created under '<base>' with default config templates.``

    Examples
    --------
    >>> import tempfile, pathlib
    >>> base = pathlib.Path(tempfile.mkdtemp()) / "proj"
    >>> written = create_project_structure(base)   # doctest: +ELLIPSIS
    Folder created or already exists: .../proj/datasets
    Folder created or already exists: .../proj/configs
    Folder created or already exists: .../proj/outputs
    Folder created or already exists: .../proj/logs
    Project structure created under '.../proj' with default config templates.
    >>> [pathlib.Path(p).name for p in written]
    ['feature_extraction.yaml', 'metric_extraction.yaml', 'app.yaml']
    >>> create_project_structure(base)[-1:]   # doctest: +ELLIPSIS
    Folder created ...
    []
    """
    from auditapp.config.project import PROJECT_DIRS, init_project

    base = as_str(base_path)
    for path in (base, *(os.path.join(base, name) for name in PROJECT_DIRS)):
        if os.path.exists(path) and not os.path.isdir(path):  # the reference's exception, before anything is made
            raise NotADirectoryError(f"The path '{path}' exists but is not a directory")
    report = init_project(Path(base))
    for name in PROJECT_DIRS:
        emit(f"Folder created or already exists: {os.path.join(base, name)}")
    emit(f"Project structure created under '{base}' with default config templates.")
    return [os.path.join(base, "configs", p.name) for p in report.created if p.suffix == ".yaml"]
