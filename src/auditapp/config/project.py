"""Project helpers: default config lookup, ``auditapp init`` and the packaged templates."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from auditapp.errors import ConfigError

__all__ = ["COMMANDS", "InitReport", "init_project", "resolve_config_path", "template_text"]

#: Config kinds: the file names of ``configs/<kind>.yaml`` and of the packaged templates.
COMMANDS = ("feature_extraction", "metric_extraction", "app")
PROJECT_DIRS = ("datasets", "configs", "outputs", "logs")
_CLI_NAMES = {"feature-extraction": "feature_extraction", "metric-extraction": "metric_extraction",
              "run-app": "app", "run_app": "app"}


def _kind(command: str) -> str:
    kind = _CLI_NAMES.get(command, command)
    if kind not in COMMANDS:
        raise ValueError(f"unknown config kind {command!r}; expected one of {', '.join(COMMANDS)}")
    return kind


def resolve_config_path(command: str, given: Path | None, cwd: Path | None = None) -> Path:
    """The config file a command reads.

    Parameters
    ----------
    command : str
        ``feature_extraction``, ``metric_extraction`` or ``app`` (the CLI names
        ``feature-extraction``, ``metric-extraction``, ``run-app`` also work).
    given : Path or None
        The ``--config`` value. Returned as given when it exists.
    cwd : Path, optional
        Folder in which the default ``configs/<command>.yaml`` (then ``.yml``) is
        looked for; default the current directory (the returned path is then
        relative, as the user would write it).

    Returns
    -------
    Path

    Raises
    ------
    ConfigError
        When the given file, or both default files, do not exist. The message names
        the path(s) tried and suggests ``auditapp init`` / ``auditapp demo``. There
        is never a fallback to a packaged template.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); (d / "configs").mkdir()
    >>> _ = (d / "configs" / "app.yml").write_text("features: {}")
    >>> resolve_config_path("app", None, cwd=d).name
    'app.yml'
    """
    kind = _kind(command)
    hint = ("create one with `auditapp init [DIR]` (config templates) or `auditapp demo [DIR]` "
            "(a ready demo project), or pass --config PATH")
    if given is not None:
        given = Path(given)
        full = given if given.is_absolute() or cwd is None else Path(cwd) / given
        if full.is_file():
            return given if cwd is None else full
        problem = "is a folder, not a config file" if full.is_dir() else "config file not found"
        raise ConfigError([f"error: {given}: (file): {problem}; expected an existing YAML file: {hint}"])
    base = Path("configs") if cwd is None else Path(cwd) / "configs"
    tried = [base / f"{kind}.yaml", base / f"{kind}.yml"]
    for path in tried:
        if path.is_file():
            return path
    raise ConfigError([f"error: {tried[0]}: (file): config file not found (nor {tried[1].name}); "
                       f"expected the default config ./configs/{kind}.yaml: {hint}"])


def template_text(kind: str) -> str:
    """Text of a packaged, commented config template (config.md §5).

    Parameters
    ----------
    kind : str
        ``feature_extraction``, ``metric_extraction`` or ``app``.

    Examples
    --------
    >>> "data_paths:" in template_text("feature_extraction")
    True
    """
    kind = _kind(kind)
    return resources.files("auditapp.config").joinpath("templates", f"{kind}.yaml").read_text(encoding="utf-8")


@dataclass
class InitReport:
    """What ``init_project`` did: paths it created, and existing files it kept untouched."""

    created: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def init_project(directory: Path) -> InitReport:
    """Create a project skeleton: ``datasets/ configs/ outputs/ logs/`` and the three config templates.

    A template is written into ``configs/`` only when no file of that name exists
    there: an existing (possibly edited) file is never overwritten but listed in
    ``kept``. Running it twice is harmless.

    Parameters
    ----------
    directory : Path
        The project folder (created when missing).

    Returns
    -------
    InitReport
        ``created``: folders and files created, ``kept``: existing config files.

    Raises
    ------
    ConfigError
        When ``directory`` or one of its sub-folders exists as a file.
    """
    directory = Path(directory)
    report = InitReport()
    problems = [f"error: {p}: (file): exists and is not a folder; expected a folder or nothing"
                for p in [directory, *(directory / d for d in PROJECT_DIRS)] if p.exists() and not p.is_dir()]
    if problems:
        raise ConfigError(problems)
    if not directory.exists():
        directory.mkdir(parents=True)
        report.created.append(directory)
    for name in PROJECT_DIRS:
        sub = directory / name
        if not sub.exists():
            sub.mkdir()
            report.created.append(sub)
    for kind in COMMANDS:
        target = directory / "configs" / f"{kind}.yaml"
        if target.exists() or target.with_suffix(".yml").exists():
            report.kept.append(target if target.exists() else target.with_suffix(".yml"))
            continue
        try:
            with open(target, "x", encoding="utf-8") as fh:
                fh.write(template_text(kind))
        except FileExistsError:  # pragma: no cover - created concurrently
            report.kept.append(target)
            continue
        report.created.append(target)
    return report
