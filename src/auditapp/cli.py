"""The ``auditapp`` command line (Typer). Commands parse, call one library function, map exit codes.

Exit codes: 0 success; 1 config or usage error (nothing computed; Click's usage
error 2 is mapped to 1 in :func:`main`); 2 a command or step that is not
implemented yet in this version; 3 finished but some subjects/pairs failed
(listed in a failures file); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from auditapp import __version__
from auditapp.errors import AuditappError, AuditappWarning, ConfigError
from auditapp.organize_cli import organize

app = typer.Typer(
    name="auditapp",
    help="Audit MRI segmentation datasets and models: features, metrics and a dashboard.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)

EXIT_OK = 0
EXIT_CONFIG = 1
EXIT_NOT_IMPLEMENTED = 2
EXIT_PARTIAL = 3
EXIT_INTERRUPTED = 130

FEATURE_PIPELINE = "auditapp.pipelines.features"
METRIC_PIPELINE = "auditapp.pipelines.metrics"
LAUNCH_MODULE = "auditapp.app.launch"

ConfigOption = Annotated[
    Optional[Path],
    typer.Option(
        "--config", "-c",
        help="YAML config file. Default: ./configs/<name>.yaml, then .yml.",
        dir_okay=False, show_default=False,
    ),
]


class NotImplementedYet(Exception):
    """A step whose module does not exist in this version (exit 2)."""


# --------------------------------------------------------------------------- small helpers


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _fail(exc: AuditappError | OSError) -> None:
    """Print an error (every line of a ConfigError) to stderr and exit 1."""
    if isinstance(exc, ConfigError):
        for line in exc.problems:
            _err(line if line.startswith("error:") else f"error: {line}")
    else:
        _err(f"error: {exc}")
    raise typer.Exit(code=EXIT_CONFIG)


def _module(name: str) -> Any:
    """Import ``name``; raise :class:`NotImplementedYet` when that module does not exist yet."""
    try:
        found = importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a parent package is missing
        found = False
    if not found:
        raise NotImplementedYet(name)
    return importlib.import_module(name)


def _not_implemented(what: str) -> None:
    _err(f"error: {what} is not implemented yet in this version of auditapp.")
    raise typer.Exit(code=EXIT_NOT_IMPLEMENTED)


@contextlib.contextmanager
def _printed_warnings(seen: set[str] | None = None) -> Iterator[set[str]]:
    """Print auditapp warnings raised inside the block as ``warning: ...`` lines on stderr.

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
                    _err(text if text.startswith("warning:") else f"warning: {text}")
            else:  # not ours: hand it back to the normal machinery
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _config_path(name: str, given: Path | None) -> Path:
    """``given``, else ./configs/<name>.yaml then .yml; ConfigError naming the path otherwise."""
    from auditapp.config import resolve_config_path

    return Path(resolve_config_path(name, given))


def _load(name: str, loader_name: str, given: Path | None) -> Any:
    """Resolve the config path and load it, printing warnings; ConfigError propagates."""
    from auditapp import config as config_pkg

    path = _config_path(name, given)
    loader = getattr(config_pkg, loader_name, None)
    if loader is None:
        raise NotImplementedYet(f"auditapp.config.{loader_name}")
    with _printed_warnings():
        return loader(path)


# --------------------------------------------------------------------------- extraction


def _summary_lines(summary: Any) -> list[str]:
    lines = []
    for d in summary.datasets:
        parts = [f"{d.n_written} written", f"{d.n_failed} failed"]
        if d.warning_counts:
            parts.append("warnings: " + ", ".join(f"{k} {v}" for k, v in d.warning_counts.items()))
        parts.append(f"{d.seconds:.1f} s")
        line = f"{d.name}: " + ", ".join(parts)
        if d.output:
            line += f" -> {d.output}"
        lines.append(line)
        if d.failures_file:
            lines.append(f"  failures listed in {d.failures_file}")
    return lines


def _run_extraction(command: str, config: Any, pipeline: str, function: str, *, early: Any = None) -> int:
    """Create folders, set up logging, run the pipeline with a progress bar, print the summary.

    Returns the summary's exit code. ``config`` is already validated; ``early`` holds log
    records of the config loader, written into the log file after the config.
    """
    from loguru import logger

    from auditapp.logs import configure_logging, log_config, shutdown_logging
    from auditapp.progress import ProgressPrinter

    run = getattr(_module(pipeline), function)
    Path(config.output_path).mkdir(parents=True, exist_ok=True)
    Path(config.logs_path).mkdir(parents=True, exist_ok=True)
    log_file = configure_logging(config.logger, config.logs_path)
    try:
        log_config(config, command)
        if early is not None:
            early.replay()
        logger.info(f"auditapp {__version__} {command}: output folder {config.output_path}")
        with _printed_warnings(), ProgressPrinter() as progress:
            summary = run(config, progress=progress)
        for line in _summary_lines(summary):  # the pipelines log their own summary in the file
            typer.echo(line)
        typer.echo(f"Log file: {log_file}")
        return int(summary.exit_code)
    finally:
        shutdown_logging()


def _extraction_command(command: str, name: str, loader: str, pipeline: str, function: str,
                        config: Path | None) -> None:
    from auditapp.logs import buffer_records, configure_logging

    configure_logging("WARNING")  # console only, until the config says otherwise
    try:
        with buffer_records() as early:
            cfg = _load(name, loader, config)
    except ConfigError as exc:
        _fail(exc)
    except NotImplementedYet as exc:
        _not_implemented(f"{command} ({exc} is missing)")
    try:
        _module(pipeline)
    except NotImplementedYet:
        _not_implemented(command)
    try:
        code = _run_extraction(command, cfg, pipeline, function, early=early)
    except (AuditappError, OSError) as exc:
        _fail(exc)
    raise typer.Exit(code=code)


# --------------------------------------------------------------------------- commands


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


@app.command("feature-extraction")
def feature_extraction(config: ConfigOption = None) -> None:
    """Extract per-subject image features: one CSV per dataset, extracted_information_<dataset>.csv.

    Exit codes: 0 all subjects done, 1 config error (nothing created), 3 some subjects failed
    (listed in failures_<dataset>.csv), 130 interrupted.
    """
    _extraction_command("feature-extraction", "feature_extraction", "load_feature_config",
                        FEATURE_PIPELINE, "run_feature_extraction", config)


@app.command("metric-extraction")
def metric_extraction(config: ConfigOption = None) -> None:
    """Compute segmentation metrics of each model against the ground truth: extracted_information_<filename>.csv.

    Exit codes: 0 all pairs done, 1 config error (nothing created), 3 some subject/model pairs
    failed (listed in failures_<filename>.csv), 130 interrupted.
    """
    _extraction_command("metric-extraction", "metric_extraction", "load_metric_config",
                        METRIC_PIPELINE, "run_metric_extraction", config)


def _serve(config_path: Path, host: str, port: int) -> int:
    launch = _module(LAUNCH_MODULE)
    return int(launch.serve(Path(config_path).resolve(), host=host, port=port,
                            echo=lambda m: typer.echo(m, err=m.startswith("warning"))) or 0)


@app.command("run-app")
def run_app(
    config: ConfigOption = None,
    host: Annotated[str, typer.Option(help="Address to bind; other than 127.0.0.1 exposes the dashboard to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the dashboard.", min=1, max=65535)] = 8501,
) -> None:
    """Validate app.yaml, then serve the dashboard (Streamlit) at http://HOST:PORT.

    Structural config errors stop here (exit 1); missing CSV files or folders are printed as
    warnings and explained on the pages that need them.
    """
    try:
        path = _config_path("app", config)
        seen: set[str] = set()
        with _printed_warnings(seen):
            from auditapp.config import load_app_config

            cfg = load_app_config(path)
        for text in getattr(cfg, "warnings", ()):
            if text not in seen:
                _err(text if text.startswith("warning:") else f"warning: {text}")
    except ConfigError as exc:
        _fail(exc)
    except ImportError:
        _not_implemented("run-app (the app config loader)")
    try:
        code = _serve(path, host, port)
    except NotImplementedYet:
        _not_implemented("run-app (the dashboard)")
    raise typer.Exit(code=code)


@app.command("init")
def init(
    directory: Annotated[Path, typer.Argument(help="Project folder (created if missing).", metavar="DIR", file_okay=False)] = Path("."),
) -> None:
    """Create a project skeleton: datasets/ configs/ outputs/ logs/ and the three commented config templates.

    Existing files are never overwritten; they are listed as kept.
    """
    try:
        from auditapp.config import init_project
    except ImportError:
        _not_implemented("init")
    try:
        report = init_project(directory)
    except (AuditappError, OSError) as exc:
        _fail(exc)
    for p in report.created:
        typer.echo(f"created  {p}")
    for p in report.kept:
        typer.echo(f"kept     {p} (exists; not overwritten)")
    typer.echo(
        f"Project ready in {directory}. Next: put your subjects under {directory}/datasets/, edit "
        f"{directory}/configs/feature_extraction.yaml, then run "
        f"'auditapp feature-extraction --config {directory}/configs/feature_extraction.yaml'."
    )


@app.command("demo")
def demo(
    directory: Annotated[Path, typer.Argument(help="Folder of the demo project.", metavar="DIR", file_okay=False)] = Path("auditapp_demo"),
    serve: Annotated[bool, typer.Option("--serve", help="Launch the dashboard on the demo project afterwards.")] = False,
    subjects: Annotated[int, typer.Option(help="Subjects per site.", min=1, max=200)] = 8,
    shape: Annotated[tuple[int, int, int], typer.Option(help="Volume shape K J I (slices, rows, columns).")] = (48, 64, 64),
    host: Annotated[str, typer.Option(help="With --serve: address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="With --serve: port.", min=1, max=65535)] = 8501,
) -> None:
    """Build a small synthetic BraTS-like project (3 sites, 2 models), run both extractions, write app.yaml.

    With --serve, the dashboard opens on it. Re-running rebuilds the same project (deterministic).
    """
    from auditapp.demo.project import build_demo
    from auditapp.logs import buffer_records, configure_logging

    configure_logging("WARNING")
    typer.echo(f"Writing a synthetic project to {directory}: 3 sites x {subjects} subjects, "
               f"volumes {shape[0]}x{shape[1]}x{shape[2]}, 2 models ...")
    try:
        project = build_demo(directory, n_subjects=subjects, shape=shape)
    except (AuditappError, OSError, ValueError) as exc:
        _fail(exc)  # type: ignore[arg-type]
    typer.echo(f"Demo data and configs written to {project.root}")
    steps: list[tuple[str, Path, str, str, str]] = [
        ("feature-extraction", project.feature_config, "load_feature_config", FEATURE_PIPELINE,
         "run_feature_extraction"),
    ] + [
        ("metric-extraction", path, "load_metric_config", METRIC_PIPELINE, "run_metric_extraction")
        for path in project.metric_configs
    ]
    codes = []
    for command, path, loader, pipeline, function in steps:
        typer.echo(f"auditapp {command} --config {path}")
        try:
            _module(pipeline)
        except NotImplementedYet:
            _err(f"  {command} is not available yet in this version of auditapp; step skipped.")
            codes.append(EXIT_NOT_IMPLEMENTED)
            continue
        try:
            with buffer_records() as early:
                cfg = _load(command.replace("-", "_"), loader, path)
            codes.append(_run_extraction(command, cfg, pipeline, function, early=early))
        except (AuditappError, OSError) as exc:
            _fail(exc)
        except NotImplementedYet as exc:
            _err(f"  {command}: {exc} is not available yet; step skipped.")
            codes.append(EXIT_NOT_IMPLEMENTED)
    typer.echo("")
    typer.echo("Next:")
    typer.echo(f"  auditapp run-app --config {project.app_config}")
    typer.echo(f"  (or edit the configs in {project.root / 'configs'} and re-run the commands above)")
    if serve:
        typer.echo("")
        _release_workers()
        try:
            raise typer.Exit(code=_serve(project.app_config, host, port))
        except NotImplementedYet:
            _not_implemented("the dashboard (run-app)")
    code = max(codes) if codes else EXIT_OK
    raise typer.Exit(code=code)


def _release_workers() -> None:
    """Stop joblib's idle loky workers before a long-running dashboard (they would idle for minutes)."""
    try:
        from joblib.externals.loky import get_reusable_executor

        get_reusable_executor().shutdown(wait=True)
    except Exception:  # noqa: BLE001 - best effort; never block the dashboard
        pass


app.command("organize")(organize)


# --------------------------------------------------------------------------- entry point


def _click_classes(name: str) -> tuple[type, ...]:
    """``name`` from click and from Typer's vendored copy of click (Typer >= 0.16 ships its own)."""
    classes = []
    for module in ("click.exceptions", "typer._click.exceptions"):
        try:
            cls = getattr(importlib.import_module(module), name, None)
        except ImportError:
            cls = None
        if isinstance(cls, type) and cls not in classes:
            classes.append(cls)
    return tuple(classes)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: run the app, mapping Click usage errors (exit 2) to exit 1.

    The "not implemented yet" exit 2 raised by the commands themselves is kept.
    """
    usage_error = _click_classes("UsageError")
    click_exception = _click_classes("ClickException")
    abort = _click_classes("Abort")
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
        _err("Aborted.")
        code = EXIT_INTERRUPTED
    except KeyboardInterrupt:
        _err("Interrupted.")
        code = EXIT_INTERRUPTED
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _show_usage_error(exc: Exception) -> None:
    try:
        from typer import rich_utils

        rich_utils.rich_format_error(exc)
    except Exception:  # pragma: no cover - rich missing or API changed
        exc.show()  # type: ignore[attr-defined]


if __name__ == "__main__":  # pragma: no cover
    main()
