"""The ``auditapp`` command line (Typer). Commands parse, call one library function, map exit codes.

Exit codes (defined once in :mod:`auditapp.errors`): 0 success; 1 config or usage error
(nothing computed; Click's usage error 2 is mapped to 1 in :func:`main`); 3 finished but
some subjects/pairs failed (listed in a failures file); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from auditapp import __version__
from auditapp.cli.extract import feature_extraction, metric_extraction
from auditapp.cli.organize import organize
from auditapp.cli.project import demo, init, run_app
from auditapp.errors import EXIT_CONFIG, EXIT_INTERRUPTED, EXIT_OK

__all__ = ["app", "main"]

app = typer.Typer(
    name="auditapp",
    help="Audit MRI segmentation datasets and models: features, metrics and a dashboard.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"auditapp {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Audit MRI segmentation datasets and models: features, metrics and a dashboard.

    Start with 'auditapp demo --serve' (synthetic project), or 'auditapp init DIR' for your own data.
    """


app.command("feature-extraction")(feature_extraction)
app.command("metric-extraction")(metric_extraction)
app.command("run-app")(run_app)
app.command("init")(init)
app.command("demo")(demo)
app.command("organize")(organize)


def _click_exceptions() -> tuple[tuple[type, ...], tuple[type, ...], tuple[type, ...]]:
    """(UsageError, ClickException, Abort) from click and from Typer's own copy (Typer >= 0.16 ships one)."""
    import click.exceptions

    modules: list = [click.exceptions]
    try:
        import typer._click.exceptions
        import typer.exceptions

        modules += [typer._click.exceptions, typer.exceptions]
    except ImportError:  # older Typer: click itself
        pass
    found = ({getattr(m, name, None) for m in modules} - {None} for name in ("UsageError", "ClickException", "Abort"))
    return tuple(tuple(classes) for classes in found)  # type: ignore[return-value]


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: run the app, mapping Click usage errors (exit 2) to exit 1."""
    usage_error, click_exception, abort = _click_exceptions()
    command = typer.main.get_command(app)
    try:
        code = command.main(args=list(argv) if argv is not None else None, prog_name="auditapp",
                            standalone_mode=False)
    except usage_error as exc:
        _show_usage_error(exc)
        code = EXIT_CONFIG
    except click_exception as exc:
        exc.show()
        code = exc.exit_code
    except abort:
        typer.echo("Aborted.", err=True)
        code = EXIT_INTERRUPTED
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        code = EXIT_INTERRUPTED
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _show_usage_error(exc: Exception) -> None:
    try:
        from typer import rich_utils

        rich_utils.rich_format_error(exc)
    except Exception:  # pragma: no cover - rich missing or API changed
        exc.show()  # type: ignore[attr-defined]
