"""``auditapp organize``: organise subject folders by a metadata column (CLI wrapper of auditapp.files)."""

from __future__ import annotations

import typer


def organize() -> None:
    """Organise subject folders into one folder per metadata category (not implemented yet)."""
    typer.echo("error: 'organize' is not implemented yet in this version of auditapp.", err=True)
    raise typer.Exit(code=2)
