"""Logging setup for the extraction commands (loguru). Only the CLI calls this module.

Two sinks per run:

* the console (stderr) at the config's ``logger`` level (default ``WARNING``), printed
  above the progress bar (:mod:`auditapp.cli.progress`); records bound with
  ``file_only=True`` (the resolved-config dump) never reach the console;
* one file per run, ``<logs_path>/<YYYY_MM_DD_HH_MM_SS>.log`` at ``INFO``
  (``_2``, ``_3``... suffix when that second is already taken).

Library code just does ``from loguru import logger`` and logs.
"""

from __future__ import annotations

import dataclasses
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import yaml
from loguru import logger

from auditapp.errors import RunAborted
from auditapp.io.paths import os_error_text

__all__ = ["LEVELS", "configure_logging", "shutdown_logging", "log_config", "new_log_path", "buffer_records"]

LEVELS = ("TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL")
_CONSOLE_FORMAT = "<level>{level: <8}</level> {message}"
_FILE_FORMAT = "{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <8} | {message}"
_handler_ids: list[int] = []
_log_files: list[LogFile] = []


def _console_sink(message: Any) -> None:
    """Write to the *current* sys.stderr: test runners swap it, and so does a live progress bar
    (rich prints the line above the bar)."""
    sys.stderr.write(str(message))
    sys.stderr.flush()


def new_log_path(logs_path: str | Path, now: datetime | None = None) -> Path:
    """Reserve a new, unique log file name in ``logs_path`` (created empty; the folder must exist).

    ``<YYYY_MM_DD_HH_MM_SS>.log``, or ``..._2.log``, ``..._3.log`` when taken.
    """
    folder = Path(logs_path)
    stem = (now or datetime.now()).strftime("%Y_%m_%d_%H_%M_%S")
    n = 1
    while True:
        path = folder / (f"{stem}.log" if n == 1 else f"{stem}_{n}.log")
        try:
            with open(path, "x", encoding="utf-8"):
                return path
        except FileExistsError:
            n += 1


def configure_logging(level: str = "WARNING", logs_path: str | Path | None = None) -> Path | None:
    """Replace loguru's sinks by a console sink at ``level`` and, if ``logs_path`` is given, a run log file.

    Parameters
    ----------
    level : str
        Console level name, case-insensitive (``DEBUG``, ``INFO``, ``SUCCESS``, ``WARNING``, ``ERROR``).
    logs_path : str or Path, optional
        Existing folder for the per-run log file (written at INFO).

    Returns
    -------
    Path or None
        The log file, or None without ``logs_path``.

    Raises
    ------
    ValueError
        Unknown level name.
    """
    level = str(level).upper()
    if level not in LEVELS:
        raise ValueError(f"unknown log level {level!r}; expected one of {', '.join(LEVELS)}")
    shutdown_logging()
    logger.remove()
    _handler_ids.append(logger.add(
        _console_sink, level=level, format=_CONSOLE_FORMAT, colorize=sys.stderr.isatty(),
        filter=lambda record: not record["extra"].get("file_only", False),
    ))
    if logs_path is None:
        return None
    path = new_log_path(logs_path)
    _log_files.append(LogFile(path))
    _handler_ids.append(logger.add(_log_files[-1], level="INFO", format=_FILE_FORMAT, colorize=False,
                                   backtrace=False, diagnose=False, catch=False))
    return path


class LogFile:
    """The run's log file as a loguru sink.

    A write that fails (disk full, file system gone) raises :class:`~auditapp.errors.RunAborted`
    once, ``<reason> while writing <path>``, which stops the run; later records are dropped.
    (loguru's own file sink would print one traceback per record on stderr and go on.)
    """

    def __init__(self, path: Path):
        self.path = path
        self.stream = _open_log(path)
        self.failed = False

    def __call__(self, message: Any) -> None:
        if self.failed:
            return
        try:
            self.stream.write(str(message))
            self.stream.flush()
        except OSError as exc:
            self.failed = True
            raise RunAborted(f"{os_error_text(exc)} while writing {self.path}") from None

    def close(self) -> None:
        try:
            self.stream.close()
        except OSError:  # the buffered rest could not be written either: already reported
            pass


def _open_log(path: Path) -> TextIO:
    return open(path, "a", encoding="utf-8")


def shutdown_logging() -> None:
    """Remove the sinks added by :func:`configure_logging` (closes the log file)."""
    while _handler_ids:
        try:
            logger.remove(_handler_ids.pop())
        except ValueError:  # already removed elsewhere
            pass
    while _log_files:
        _log_files.pop().close()


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.name != "resolved"}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def log_config(config: Any, command: str) -> None:
    """Write the resolved config to the log file only (never the console).

    Uses ``config.resolved`` (the plain resolved YAML, paths absolute) when the loader
    filled it, else the dataclass fields.
    """
    data = getattr(config, "resolved", None) or _plain(config)
    text = yaml.safe_dump(_plain(data), sort_keys=False, default_flow_style=False, allow_unicode=True)
    source = getattr(config, "source", None)
    logger.bind(file_only=True).info(
        f"auditapp {command}: resolved config{f' ({source})' if source else ''}:\n{text.rstrip()}"
    )


class _Buffer:
    """Records logged before the run's sinks exist (e.g. INFO lines of the config loader)."""

    def __init__(self) -> None:
        self.records: list[tuple[str, str]] = []
        self._id: int | None = None

    def __enter__(self) -> _Buffer:
        self._id = logger.add(lambda m: self.records.append((m.record["level"].name, m.record["message"])),
                              level="INFO", format="{message}")
        return self

    def __exit__(self, *exc) -> None:
        if self._id is not None:
            logger.remove(self._id)
            self._id = None

    def replay(self, *, below: str = "WARNING") -> None:
        """Log the buffered records again, to the log file only, when their level is below ``below``."""
        limit = logger.level(below).no
        for level, message in self.records:
            if logger.level(level).no < limit:
                logger.bind(file_only=True).log(level, message)


def buffer_records() -> _Buffer:
    """Context manager keeping INFO+ records in memory, to :meth:`~_Buffer.replay` into the log file later."""
    return _Buffer()
