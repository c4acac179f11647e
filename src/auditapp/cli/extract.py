"""``auditapp feature-extraction`` and ``auditapp metric-extraction``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from auditapp import __version__
from auditapp.cli._common import ConfigOption, config_path, fail, printed_warnings
from auditapp.errors import AuditappError, ConfigError
from auditapp.io.paths import folder_problem


def summary_lines(summary: Any) -> list[str]:
    """One line per dataset (``<name>: N written, M failed, ... -> <csv>``) and its failures file."""
    lines = []
    for d in summary.datasets:
        if d.error:
            lines.append(f"{d.name}: not written: {d.error}; the previous output files are kept")
            continue
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


def load_config(command: str, given: Path | None) -> tuple[Any, Any]:
    """Resolve and load the config of ``command``, printing its warnings; returns (config, early log records)."""
    from auditapp.cli.logs import buffer_records
    from auditapp.config import load_feature_config, load_metric_config

    loader = load_feature_config if command == "feature-extraction" else load_metric_config
    with buffer_records() as early:
        path = config_path(command.replace("-", "_"), given)
        with printed_warnings():
            config = loader(path)
    return config, early


def check_output_folders(config: Any) -> None:
    """ConfigError naming the key when ``output_path`` or ``logs_path`` cannot be created or written.

    Checked before anything is created, so a bad path is a config error (exit 1), not an OS
    error after some datasets were written.
    """
    problems = []
    for key in ("output_path", "logs_path"):
        problem = folder_problem(getattr(config, key))
        if problem:
            problems.append(f"error: {config.source or 'config'}: {key}: {problem}; "
                            "expected a folder that can be created and written")
    if problems:
        raise ConfigError(problems)


def _pipeline(command: str) -> Callable[..., Any]:
    if command == "feature-extraction":
        from auditapp.pipelines.features import run_feature_extraction

        return run_feature_extraction
    from auditapp.pipelines.metrics import run_metric_extraction

    return run_metric_extraction


ForceOption = Annotated[bool, typer.Option(
    "--force", help="Recompute every subject; by default subjects whose files and settings are unchanged "
                    "since the last run are taken from the manifest next to the CSV.")]


def run_extraction(command: str, config: Any, *, early: Any = None, force: bool = False) -> int:
    """Create folders, set up logging, run the pipeline with a progress bar, print the summary.

    Returns the summary's exit code. ``config`` is already validated; ``early`` holds log
    records of the config loader, written into the log file after the config.
    """
    from loguru import logger

    from auditapp.cli.logs import configure_logging, log_config, shutdown_logging
    from auditapp.cli.progress import ProgressPrinter

    run = _pipeline(command)
    check_output_folders(config)
    Path(config.output_path).mkdir(parents=True, exist_ok=True)
    Path(config.logs_path).mkdir(parents=True, exist_ok=True)
    log_file = configure_logging(config.logger, config.logs_path)
    try:
        log_config(config, command)
        if early is not None:
            early.replay()
        logger.info(f"auditapp {__version__} {command}: output folder {config.output_path}")
        with printed_warnings(), ProgressPrinter() as progress:
            summary = run(config, progress=progress, force=force)
        for line in summary_lines(summary):  # the pipelines log their own summary in the file
            typer.echo(line)
        typer.echo(f"Log file: {log_file}")
        return int(summary.exit_code)
    finally:
        shutdown_logging()


def _extraction_command(command: str, given: Path | None, force: bool = False) -> None:
    from auditapp.cli.logs import configure_logging

    configure_logging("WARNING")  # console only, until the config says otherwise
    try:
        config, early = load_config(command, given)
        code = run_extraction(command, config, early=early, force=force)
    except (AuditappError, OSError) as exc:
        fail(exc)
    raise typer.Exit(code=code)


def feature_extraction(config: ConfigOption = None, force: ForceOption = False) -> None:
    """Extract per-subject image features: one CSV per dataset, extracted_information_<dataset>.csv.

    Exit codes: 0 all subjects done, 1 config error (nothing created), 3 some subjects failed
    (listed in failures_<dataset>.csv), 130 interrupted.
    """
    _extraction_command("feature-extraction", config, force)


def metric_extraction(config: ConfigOption = None, force: ForceOption = False) -> None:
    """Compute segmentation metrics of each model against the ground truth: extracted_information_<filename>.csv.

    Exit codes: 0 all pairs done, 1 config error (nothing created), 3 some subject/model pairs
    failed (listed in failures_<filename>.csv), 130 interrupted.
    """
    _extraction_command("metric-extraction", config, force)
