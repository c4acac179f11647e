"""auditapp.cli.logs (loguru sinks, per-run log file) and auditapp.cli.progress (rich bars on stderr)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from loguru import logger
from rich.console import Console

from auditapp.cli.logs import buffer_records, configure_logging, log_config, shutdown_logging
from auditapp.cli.progress import ProgressPrinter


@pytest.fixture(autouse=True)
def _restore_loguru():
    yield
    shutdown_logging()


def test_console_level_and_log_file(tmp_path, capsys):
    path = configure_logging("warning", tmp_path)
    assert path.parent == tmp_path and re.fullmatch(r"\d{4}(_\d\d){5}\.log", path.name)
    logger.debug("debug line")
    logger.info("info line")
    logger.warning("warning line")
    logger.bind(file_only=True).info("config dump")
    shutdown_logging()
    err = capsys.readouterr().err
    assert "warning line" in err and "info line" not in err and "config dump" not in err
    text = path.read_text(encoding="utf-8")
    assert "info line" in text and "warning line" in text and "config dump" in text
    assert "debug line" not in text  # the file is at INFO


def test_console_only_and_bad_level(tmp_path, capsys):
    assert configure_logging("DEBUG") is None
    logger.debug("shown at debug")
    assert "shown at debug" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown log level 'LOUD'; expected one of"):
        configure_logging("loud", tmp_path)
    assert list(tmp_path.iterdir()) == []


@dataclass(frozen=True)
class _Cfg:
    output_path: Path
    labels: tuple[str, ...]
    resolved: dict
    source: Path | None = None


def test_log_config_writes_resolved_yaml_to_file_only(tmp_path, capsys):
    path = configure_logging("INFO", tmp_path)
    log_config(_Cfg(tmp_path / "out", ("BKG",), {"output_path": "/abs/out", "labels": {"BKG": 0}},
                    source=Path("/abs/c.yaml")), "feature-extraction")
    log_config(_Cfg(tmp_path / "o2", ("A", "B"), {}), "metric-extraction")  # no resolved: the fields
    shutdown_logging()
    text = path.read_text(encoding="utf-8")
    assert "auditapp feature-extraction: resolved config (/abs/c.yaml):" in text
    assert "output_path: /abs/out" in text and "  BKG: 0" in text
    assert f"output_path: {tmp_path / 'o2'}" in text and "- A" in text
    assert "resolved config" not in capsys.readouterr().err


def test_buffered_records_replayed_into_the_file(tmp_path, capsys):
    configure_logging("WARNING")
    with buffer_records() as early:
        logger.info("alias jacc -> jaccard")
        logger.warning("a warning already shown on the console")
    path = configure_logging("WARNING", tmp_path)
    early.replay()
    shutdown_logging()
    text = path.read_text(encoding="utf-8")
    assert "alias jacc -> jaccard" in text
    assert "a warning already shown" not in text
    assert "alias jacc" not in capsys.readouterr().err


def test_printer_non_interactive_prints_one_final_line_per_dataset():
    stream = io.StringIO()
    printer = ProgressPrinter(Console(file=stream, width=80))
    for name, total in (("SiteA", 3), ("SiteB", 2)):
        printer(name, 0, total, "")
        for done in range(1, total + 1):
            printer(name, done, total, f"{name}-{done:03d}")
    printer("SiteC", 0, 4, "")
    printer("SiteC", 1, 4, "C-1")  # interrupted: closed by close()
    printer.close()
    lines = [line.rstrip() for line in stream.getvalue().splitlines()]
    assert len(lines) == 3, lines
    for line, (name, count) in zip(lines, [("SiteA", "3/3"), ("SiteB", "2/2"), ("SiteC", "1/4")]):
        assert re.fullmatch(rf"{name} [━ ]{{20}} {count} \d:\d\d:\d\d", line), line  # no subject left over
    assert lines[0].count("━") == 20 and lines[2].count("━") == 5  # SiteC stopped at 1/4


def test_interactive_bar_prints_log_lines_above_itself(capsys):
    stream = io.StringIO()
    printer = ProgressPrinter(Console(file=stream, force_terminal=True, width=80))
    configure_logging("WARNING")
    printer("SiteA", 1, 4, "A-001")
    logger.warning("something odd")  # the console sink writes to stderr, which the live bar redirects
    printer("SiteA", 4, 4, "A-004")
    out = stream.getvalue()
    assert "something odd" in out and "something odd" not in capsys.readouterr().err
    assert out.index("something odd") < out.rindex("4/4")
