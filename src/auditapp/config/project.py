"""Project helpers: default config lookup, ``auditapp init`` and the packaged templates (config.md §5)."""

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
    """The config file a command reads: ``given`` when it exists, else ``configs/<kind>.yaml`` then ``.yml``.

    ``command`` is a kind (``feature_extraction``, ``metric_extraction``, ``app``) or a CLI
    name (``feature-extraction``, ...). The defaults are looked for in ``cwd`` (default: the
    current directory, and the path returned stays relative, as the user would write it).
    A missing file raises :class:`ConfigError` naming the path(s) tried and suggesting
    ``auditapp init`` / ``auditapp demo``; there is never a fallback to a packaged template.

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
    """Text of a packaged, commented config template (``feature_extraction``, ``metric_extraction``, ``app``).

    Examples
    --------
    >>> "data_paths:" in template_text("feature_extraction")
    True
    """
    return resources.files("auditapp.config").joinpath("templates", f"{_kind(kind)}.yaml").read_text(encoding="utf-8")


@dataclass
class InitReport:
    """What ``init_project`` did: paths it created, and existing files it kept untouched."""

    created: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def init_project(directory: Path) -> InitReport:
    """Create ``datasets/ configs/ outputs/ logs/`` under ``directory`` and the three config templates.

    A template is written only when no file of that name (``.yaml`` or ``.yml``) exists: an
    edited config is never overwritten but listed in ``kept``. Running it twice is harmless.
    Raises :class:`ConfigError` when ``directory`` or one of its sub-folders exists as a file.
    """
    report, folders = InitReport(), [Path(directory), *(Path(directory) / name for name in PROJECT_DIRS)]
    problems = [f"error: {p}: (file): exists and is not a folder; expected a folder or nothing"
                for p in folders if p.exists() and not p.is_dir()]
    if problems:
        raise ConfigError(problems)
    for folder in folders:
        if not folder.exists():
            folder.mkdir(parents=True)
            report.created.append(folder)
    for kind in COMMANDS:
        target = folders[0] / "configs" / f"{kind}.yaml"
        existing = [p for p in (target, target.with_suffix(".yml")) if p.exists()]
        if existing:
            report.kept.append(existing[0])
            continue
        target.write_text(template_text(kind), encoding="utf-8")
        report.created.append(target)
    return report
