"""Progress bars on stderr (rich), one per dataset or metric file.

The extraction pipelines report progress through a callback
``progress(name, done, total, current)``; :class:`ProgressPrinter` is the one the CLI
passes. On a terminal the bar is redrawn in place and console log lines are printed
above it (rich redirects stderr while a bar is live)::

    SiteA ━━━━━━━━━━━━━━━━━━━━ 4/8 0:00:03 SiteA-004

Elsewhere (CI, pipes, logs) only the final line of each bar is printed, so captured
output stays short.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

__all__ = ["ProgressPrinter"]


class ProgressPrinter:
    """The ``progress(name, done, total, current)`` callback of the pipelines: one bar per name.

    A new ``name`` finishes the previous bar, as does reaching ``total``; :meth:`close`
    finishes the last one (an interrupted run keeps its partial bar).

    Parameters
    ----------
    console : rich.console.Console, optional
        Where to draw; default: the current stderr.
    """

    def __init__(self, console: Console | None = None):
        self._console = console
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._name: str | None = None

    def __call__(self, name: str, done: int, total: int, current: str = "") -> None:
        if self._bar is None or name != self._name:
            self.close()
            self._bar = Progress(
                TextColumn("{task.description}"), BarColumn(bar_width=20), MofNCompleteColumn(),
                TimeElapsedColumn(), TextColumn("{task.fields[current]}"),
                console=self._console or Console(stderr=True), redirect_stderr=True, redirect_stdout=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(name, total=total, current="")
            self._name = name
        self._bar.update(self._task, completed=done, total=total, current=current)
        if total and done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.update(self._task, current="")
            self._bar.stop()
        self._bar = self._task = self._name = None

    def __enter__(self) -> ProgressPrinter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
