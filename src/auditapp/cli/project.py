"""``auditapp run-app``, ``auditapp init`` and ``auditapp demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from auditapp.cli._common import ConfigOption, config_path, err, fail, printed_warnings
from auditapp.cli.extract import load_config, run_extraction
from auditapp.errors import EXIT_OK, AuditappError, ConfigError


def _serve(config: Path, host: str, port: int) -> int:
    from auditapp.app.launch import serve

    return int(serve(Path(config).resolve(), host=host, port=port,
                     echo=lambda m: typer.echo(m, err=m.startswith("warning"))) or 0)


def run_app(
    config: ConfigOption = None,
    host: Annotated[str, typer.Option(help="Address to bind; other than 127.0.0.1 exposes the dashboard to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the dashboard.", min=1, max=65535)] = 8501,
) -> None:
    """Validate app.yaml, then serve the dashboard (Streamlit) at http://HOST:PORT.

    Structural config errors stop here (exit 1); missing CSV files or folders are printed as
    warnings and explained on the pages that need them.
    """
    from auditapp.config import load_app_config

    try:
        path = config_path("app", config)
        seen: set[str] = set()
        with printed_warnings(seen):
            cfg = load_app_config(path)
        for text in cfg.warnings:
            if text not in seen:
                err(text if text.startswith("warning:") else f"warning: {text}")
    except ConfigError as exc:
        fail(exc)
    raise typer.Exit(code=_serve(path, host, port))


def init(
    directory: Annotated[Path, typer.Argument(help="Project folder (created if missing).", metavar="DIR", file_okay=False)] = Path("."),
) -> None:
    """Create a project skeleton: datasets/ configs/ outputs/ logs/ and the three commented config templates.

    Existing files are never overwritten; they are listed as kept.
    """
    from auditapp.config import init_project

    try:
        report = init_project(directory)
    except (AuditappError, OSError) as exc:
        fail(exc)
    for p in report.created:
        typer.echo(f"created  {p}")
    for p in report.kept:
        typer.echo(f"kept     {p} (exists; not overwritten)")
    typer.echo(
        f"Project ready in {directory}. Next: put your subjects under {directory}/datasets/, edit "
        f"{directory}/configs/feature_extraction.yaml, then run "
        f"'auditapp feature-extraction --config {directory}/configs/feature_extraction.yaml'."
    )


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
    from auditapp.cli.logs import configure_logging
    from auditapp.demo.project import build_demo

    configure_logging("WARNING")
    typer.echo(f"Writing a synthetic project to {directory}: 3 sites x {subjects} subjects, "
               f"volumes {shape[0]}x{shape[1]}x{shape[2]}, 2 models ...")
    try:
        project = build_demo(directory, n_subjects=subjects, shape=shape)
    except (AuditappError, OSError, ValueError) as exc:
        fail(exc)
    typer.echo(f"Demo data and configs written to {project.root}")
    steps = [("feature-extraction", project.feature_config)]
    steps += [("metric-extraction", path) for path in project.metric_configs]
    codes = [EXIT_OK]
    for command, path in steps:
        typer.echo(f"auditapp {command} --config {path}")
        try:
            config, early = load_config(command, path)
            codes.append(run_extraction(command, config, early=early))
        except (AuditappError, OSError) as exc:
            fail(exc)
    typer.echo("")
    typer.echo("Next:")
    typer.echo(f"  auditapp run-app --config {project.app_config}")
    typer.echo(f"  (or edit the configs in {project.root / 'configs'} and re-run the commands above)")
    if serve:
        typer.echo("")
        _release_workers()
        raise typer.Exit(code=_serve(project.app_config, host, port))
    raise typer.Exit(code=max(codes))


def _release_workers() -> None:
    """Stop joblib's idle loky workers before a long-running dashboard (they would idle for minutes)."""
    try:
        from joblib.externals.loky import get_reusable_executor

        get_reusable_executor().shutdown(wait=True)
    except Exception:  # noqa: BLE001 - best effort; never block the dashboard
        pass
