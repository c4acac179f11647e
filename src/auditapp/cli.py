"""The ``auditapp`` command line (Typer). Commands parse, call one library function, map exit codes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from auditapp.errors import AuditappError, ConfigError

app = typer.Typer(
    name="auditapp",
    help="Audit MRI segmentation datasets and models: features, metrics and a dashboard.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)

EXIT_NOT_IMPLEMENTED = 2

ConfigOption = Annotated[
    Optional[Path],
    typer.Option("--config", "-c", help="YAML config file. Default: ./configs/<command>.yaml (or .yml)."),
]


def _not_implemented(what: str) -> None:
    typer.echo(f"error: {what} is not implemented yet in this version of auditapp.", err=True)
    raise typer.Exit(code=EXIT_NOT_IMPLEMENTED)


def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _fail(exc: AuditappError) -> None:
    if isinstance(exc, ConfigError):
        for line in exc.problems:
            typer.echo(line if line.startswith("error:") else f"error: {line}", err=True)
    else:
        typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(code=1)


def main() -> None:
    """Console-script entry point; maps Typer/Click usage errors (2) to 1 as the spec says."""
    try:
        app(standalone_mode=True)
    except SystemExit as exc:  # pragma: no cover - exercised through the console script
        code = exc.code
        raise SystemExit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
