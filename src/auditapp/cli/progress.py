"""A plain terminal progress bar (stderr, no dependency), one per dataset or metric file.

The extraction pipelines report progress through a callback
``progress(name, done, total, current)``; :class:`ProgressPrinter` is the one the
CLI passes. On a terminal the bar is redrawn in place (at most ~10 times a second)::

    SiteA [##########----------]   4/8  SiteA-004

When stderr is not a terminal (CI, pipes, logs), only the final line of each bar is
printed, so captured output stays short. Console log messages clear the bar first
and redraw it afterwards (see :mod:`auditapp.cli.logs`), so they never mix on one line.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["ProgressBar", "ProgressPrinter", "active_bar", "format_bar"]

_ACTIVE: ProgressBar | None = None


def active_bar() -> ProgressBar | None:
    """The bar currently drawn on the terminal, if any (used by the console log sink)."""
    return _ACTIVE


def format_bar(name: str, done: int, total: int, current: str = "", width: int = 20) -> str:
    """One bar line.

    Examples
    --------
    >>> format_bar("SiteA", 2, 8, "SiteA-002", width=8)
    'SiteA [##------]   2/8  SiteA-002'
    >>> format_bar("empty", 0, 0)
    'empty [--------------------]   0/0'
    """
    filled = width if total <= 0 and done > 0 else (width * done // total if total > 0 else 0)
    filled = max(0, min(width, filled))
    digits = max(3, len(str(total)))
    line = f"{name} [{'#' * filled}{'-' * (width - filled)}] {done:>{digits}}/{total}"
    return f"{line}  {current}" if current else line


class ProgressBar:
    """One bar for ``name`` with ``total`` steps, written to ``stream`` (default: the current stderr)."""

    def __init__(self, name: str, total: int, *, stream: TextIO | None = None, width: int = 20,
                 interactive: bool | None = None, min_interval: float = 0.1):
        self.name = name
        self.total = int(total)
        self.done = 0
        self.current = ""
        self.width = width
        self._stream = stream
        stream_ = self.stream
        self.interactive = (bool(getattr(stream_, "isatty", lambda: False)())
                            if interactive is None else interactive)
        self._min_interval = min_interval
        self._last_draw = 0.0
        self._drawn_len = 0
        self.closed = False

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stderr

    def _line(self) -> str:
        return format_bar(self.name, self.done, self.total, self.current, self.width)

    def update(self, done: int, current: str = "") -> None:
        """Record progress; redraw on a terminal (throttled; always at the last step)."""
        global _ACTIVE
        self.done, self.current = int(done), str(current)
        if not self.interactive:
            return
        _ACTIVE = self
        now = time.monotonic()
        if now - self._last_draw >= self._min_interval or self.done >= self.total:
            self.redraw()
            self._last_draw = now

    def clear(self) -> None:
        """Erase the bar line (before a log message is printed)."""
        if self.interactive and self._drawn_len:
            self.stream.write("\r" + " " * self._drawn_len + "\r")
            self.stream.flush()
            self._drawn_len = 0

    def redraw(self) -> None:
        if not self.interactive or self.closed:
            return
        line = self._line()
        pad = max(0, self._drawn_len - len(line))
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()
        self._drawn_len = len(line)

    def close(self) -> None:
        """Finish the bar: keep its final state on its own line."""
        global _ACTIVE
        if self.closed:
            return
        self.current = ""
        if self.interactive:
            self.redraw()
            self.stream.write("\n")
        else:
            self.stream.write(self._line() + "\n")
        self.stream.flush()
        self.closed = True
        if _ACTIVE is self:
            _ACTIVE = None


class ProgressPrinter:
    """The ``progress(name, done, total, current)`` callback of the pipelines: one bar per name.

    A new ``name`` closes the previous bar; :meth:`close` closes the last one.
    """

    def __init__(self, *, stream: TextIO | None = None, interactive: bool | None = None):
        self._stream = stream
        self._interactive = interactive
        self.bar: ProgressBar | None = None

    def __call__(self, name: str, done: int, total: int, current: str = "") -> None:
        if self.bar is None or self.bar.name != name or self.bar.closed:
            self.close()
            self.bar = ProgressBar(name, total, stream=self._stream, interactive=self._interactive)
        self.bar.total = int(total)
        self.bar.update(done, current)
        if total and done >= total:
            self.close()

    def close(self) -> None:
        if self.bar is not None and not self.bar.closed:
            self.bar.close()
        self.bar = None

    def __enter__(self) -> ProgressPrinter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
