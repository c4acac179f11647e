"""What every command shares: stderr messages, errors -> exit 1, printed warnings, config paths."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from auditapp.errors import EXIT_CONFIG, AuditappError, AuditappWarning, ConfigError
from auditapp.io.paths import os_error_text

ConfigOption = Annotated[
    Optional[Path],
    typer.Option(
        "--config", "-c",
        help="YAML config file. Default: ./configs/<name>.yaml, then .yml.",
        dir_okay=False, show_default=False,
    ),
]


def err(message: str) -> None:
    typer.echo(message, err=True)


def fail(exc: AuditappError | OSError | ValueError) -> NoReturn:
    """Print an error (every line of a ConfigError) to stderr and exit 1."""
    if isinstance(exc, ConfigError):
        lines = exc.problems
    else:
        lines = [os_error_text(exc) if isinstance(exc, OSError) else str(exc)]
    for line in lines:
        err(line if line.startswith("error:") else f"error: {line}")
    raise typer.Exit(code=EXIT_CONFIG)


@contextlib.contextmanager
def printed_warnings(seen: set[str] | None = None) -> Iterator[set[str]]:
    """Print auditapp warnings raised inside the block as ``warning: ...`` lines on stderr, once each.

    Other warnings are re-issued after the block, under the caller's filters.
    """
    seen = set() if seen is None else seen
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield seen
    finally:
        for w in caught:
            if issubclass(w.category, AuditappWarning):
                text = str(w.message)
                if text not in seen:
                    seen.add(text)
                    err(text if text.startswith("warning:") else f"warning: {text}")
            else:  # not ours: hand it back to the normal machinery
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def config_path(name: str, given: Path | None) -> Path:
    """``given``, else ./configs/<name>.yaml then .yml; ConfigError naming the path otherwise."""
    from auditapp.config import resolve_config_path

    return Path(resolve_config_path(name, given))
