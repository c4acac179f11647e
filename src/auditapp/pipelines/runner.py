"""Run one function over many subjects with joblib, collecting failures as data.

The worker function is a top-level callable taking one task (a frozen dataclass)
and returning a result. It raises :class:`~auditapp.errors.SubjectError` for a
known per-subject problem; any other exception is caught too and reported with
stage ``unexpected`` and its traceback. Python warnings emitted inside the work
(``warnings.warn``) are captured in the worker and returned with the result, so
they reach the parent's log whatever the backend. Likewise, loguru messages logged
by the work in another process (loky or dask workers) are captured there and
re-logged in the parent, so they reach the run's log file instead of the worker's
stderr. (Threaded backends share the process-wide warnings filters, so with
several threads a warning may be attributed to a neighbouring task; loky, the
default, and dask process workers are exact.)

If a loky worker process dies (killed for memory, a crash in a C library), joblib
abandons the run; the runner keeps what came back and reports every other task
as a failure with stage ``worker``, so the pipeline still writes its outputs. On Dask
each task is its own future: a lost worker's tasks are rescheduled by Dask, and a task
Dask gives up on (``KilledWorker``) fails that subject only.

The runner never decides exit codes: it returns counts; the CLI maps them.
"""

from __future__ import annotations

import contextlib
import os
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from auditapp.config.model import ParallelConfig
from auditapp.errors import EXIT_CONFIG, EXIT_OK, EXIT_PARTIAL, ConfigError, RunAborted, SubjectError
from auditapp.io.paths import os_error_text

__all__ = [
    "Failure", "Warned", "TaskOutcome", "RunResult", "DatasetSummary", "ExtractionSummary", "run_tasks",
    "write_failures_file", "dataset_not_run", "guard_dataset",
]

#: How long to try reaching an existing Dask scheduler (``parallel.scheduler``).
DASK_CONNECT_TIMEOUT = "10s"


@dataclass(frozen=True)
class Failure:
    """One failed subject (or subject/model pair)."""

    subject: str
    stage: str
    error: str
    path: str | None = None
    model: str | None = None
    traceback: str | None = None


class Warned(NamedTuple):
    """A warning raised by a task: its summary ``kind`` (see :class:`~auditapp.errors.AuditappWarning`) and text."""

    kind: str
    message: str


@dataclass(frozen=True)
class TaskOutcome:
    """What came back from one task: a result or a failure, its warnings and its time."""

    task: Any
    result: Any = None
    failure: Failure | None = None
    warnings: tuple[Warned, ...] = ()
    seconds: float = 0.0
    logs: tuple[tuple[str, str], ...] = ()  # (level, message) logged by the work in a worker process

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass
class RunResult:
    """All outcomes of a run, in completion order (sort by key before writing).

    With ``run_tasks(..., keep_results=False)`` successful outcomes are only counted
    (``n_dropped``): the caller consumed them in ``on_outcome`` (streamed to disk).
    """

    outcomes: list[TaskOutcome] = field(default_factory=list)
    n_dropped: int = 0

    @property
    def results(self) -> list[Any]:
        return [o.result for o in self.outcomes if o.ok]

    @property
    def failures(self) -> list[Failure]:
        return [o.failure for o in self.outcomes if not o.ok]

    @property
    def n_ok(self) -> int:
        return self.n_dropped + sum(o.ok for o in self.outcomes)

    @property
    def n_failed(self) -> int:
        return sum(not o.ok for o in self.outcomes)


def _task_subject(task: Any) -> str:
    return str(getattr(task, "subject", getattr(task, "subject_id", task)))


def _task_model(task: Any) -> str | None:
    model = getattr(task, "model", None)
    return None if model is None else str(model)


_WORKER_LOGS: list[tuple[str, str]] | None = None  # per worker process: loguru capture buffer


def _capture_worker_logs() -> list[tuple[str, str]]:
    """In a worker process: route loguru to an in-memory buffer (once per process)."""
    global _WORKER_LOGS
    if _WORKER_LOGS is None:
        from loguru import logger

        buffer: list[tuple[str, str]] = []
        logger.remove()
        logger.add(lambda m: buffer.append((m.record["level"].name, m.record["message"])),
                   level="DEBUG", format="{message}")
        _WORKER_LOGS = buffer
    return _WORKER_LOGS


def _call_safely(work: Callable[[Any], Any], task: Any, parent_pid: int | None = None) -> TaskOutcome:
    """Run ``work(task)`` and turn every outcome into data (runs inside the worker)."""
    logs = _capture_worker_logs() if parent_pid is not None and os.getpid() != parent_pid else None
    if logs is not None:
        logs.clear()
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = work(task)
            failure = None
        except SubjectError as exc:
            result = None
            failure = Failure(
                subject=exc.subject or _task_subject(task), stage=exc.stage, error=exc.message,
                path=exc.path, model=_task_model(task), traceback=getattr(exc, "traceback", None),
            )
        except RunAborted:
            raise
        except Exception as exc:  # noqa: BLE001 - one subject must never stop the run
            result = None
            failure = Failure(
                subject=_task_subject(task), stage="unexpected",
                error=f"{type(exc).__name__}: {exc}", model=_task_model(task),
                traceback=traceback.format_exc(),
            )
    messages = tuple(dict.fromkeys(Warned(getattr(w.message, "kind", "other"), str(w.message)) for w in caught))
    return TaskOutcome(task=task, result=result, failure=failure, warnings=messages,
                       seconds=time.perf_counter() - start, logs=tuple(logs or ()))


def _dask_client(parallel: ParallelConfig, n_jobs: int):
    """(client, cluster or None): the configured scheduler, or a local cluster of ``n_jobs`` processes."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ConfigError(
            "parallel.backend: 'dask' needs the dask extra; install it with "
            "pip install 'auditapp[dask]'"
        ) from exc
    if parallel.scheduler:
        try:
            return Client(parallel.scheduler, timeout=DASK_CONNECT_TIMEOUT), None
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"parallel.scheduler: cannot connect to the Dask scheduler at '{parallel.scheduler}' "
                f"({type(exc).__name__}: {exc}); expected the address of a running scheduler, "
                "e.g. tcp://host:8786"
            ) from exc
    cluster = LocalCluster(n_workers=n_jobs, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster), cluster


def _run_on_dask(work, tasks: list, n_jobs: int, parallel: ParallelConfig, consume) -> None:
    """One Dask future per task, consumed as they finish.

    Unlike joblib's Dask backend (one failed future aborts the whole run), a task whose worker died
    (Dask reschedules a task whose worker is lost; after ``distributed.scheduler.allowed-failures``
    deaths it gives up with ``KilledWorker``) fails only that subject, and the others go on.
    """
    from dask.distributed import as_completed

    client, cluster = _dask_client(parallel, n_jobs)
    try:
        parent = os.getpid()
        futures = {client.submit(_call_indexed, i, work, task, parent, pure=False): i
                   for i, task in enumerate(tasks)}
        for future in as_completed(futures):
            index = futures.pop(future)
            try:  # waits again if Dask rescheduled it (its worker died before handing the result over)
                outcome = future.result()[1]
            except Exception as exc:  # noqa: BLE001 - KilledWorker, a lost scheduler, ...: this task only
                outcome = TaskOutcome(task=tasks[index], failure=Failure(
                    subject=_task_subject(tasks[index]), stage="worker", model=_task_model(tasks[index]),
                    error=f"not processed: the Dask worker running it died or failed ({type(exc).__name__}: "
                          f"{exc}); the other subjects went on"))
            future.release()  # results stream: nothing is held once consumed
            consume([(index, outcome)])
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


@contextlib.contextmanager
def _backend(parallel: ParallelConfig) -> Iterator[None]:
    from joblib import parallel_config

    if parallel.backend in ("loky", "threading", "multiprocessing"):
        with parallel_config(backend=parallel.backend):
            yield
    else:
        raise ConfigError(f"parallel.backend: unknown backend '{parallel.backend}'; expected loky or dask")


def run_tasks(
    work: Callable[[Any], Any],
    tasks: Iterable[Any],
    *,
    n_jobs: int = 1,
    parallel: ParallelConfig = ParallelConfig(),
    on_outcome: Callable[[TaskOutcome, int, int], None] | None = None,
    keep_results: bool = True,
) -> RunResult:
    """Run ``work`` over ``tasks``, never stopping on a failed task.

    Parameters
    ----------
    work : callable
        Top-level (picklable) function ``work(task) -> result``.
    tasks : iterable
        Task objects; a ``subject`` (and optional ``model``) attribute names them in failures.
    n_jobs : int
        Number of workers, capped at the number of tasks. 1 runs in this process
        with the same code path.
    parallel : ParallelConfig
        joblib backend (``loky`` or ``dask``).
    on_outcome : callable, optional
        Called in the parent as ``on_outcome(outcome, done, total)`` for each
        finished task (progress bars, logging).
    keep_results : bool
        False: successful outcomes are not kept in the returned RunResult (only counted), so the
        parent's memory does not grow with the number of tasks; failures are always kept.

    Returns
    -------
    RunResult
        Outcomes in completion order.
    """
    tasks = list(tasks)
    total = len(tasks)
    result = RunResult()
    if total == 0:
        return result
    n_jobs = max(1, min(int(n_jobs), total))

    finished: set[int] = set()

    def consume(indexed: Iterable[tuple[int, TaskOutcome]]) -> None:
        for index, outcome in indexed:
            finished.add(index)
            if outcome.logs:
                from loguru import logger

                for level, message in outcome.logs:
                    logger.log(level, message)
            if keep_results or not outcome.ok:
                result.outcomes.append(outcome)
            else:
                result.n_dropped += 1
            if on_outcome is not None:
                on_outcome(outcome, len(finished), total)

    if n_jobs == 1 and parallel.backend != "dask":
        consume((i, _call_safely(work, task)) for i, task in enumerate(tasks))
        return result

    if parallel.backend == "dask":
        _run_on_dask(work, tasks, n_jobs, parallel, consume)
        return result
    from joblib import Parallel, delayed  # on use: a 1-core run never loads joblib (~0.1 s)

    parent = os.getpid()
    try:
        with _backend(parallel):
            runner = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
            consume(runner(delayed(_call_indexed)(i, work, task, parent) for i, task in enumerate(tasks)))
    except _worker_death_errors() as exc:
        # a worker process was killed (out of memory, segfault in a library, ...): joblib abandons
        # the run; every task that did not come back is a failure, the others are kept
        message = (f"not processed: a worker process died ({type(exc).__name__}), often because it ran "
                   "out of memory; re-run with fewer cpu_cores")
        consume(
            (i, TaskOutcome(task=tasks[i], failure=Failure(subject=_task_subject(tasks[i]), stage="worker",
                                                            error=message, model=_task_model(tasks[i]))))
            for i in range(total) if i not in finished
        )
    return result


def _call_indexed(index: int, work: Callable[[Any], Any], task: Any, parent_pid: int) -> tuple[int, TaskOutcome]:
    return index, _call_safely(work, task, parent_pid)


def _worker_death_errors() -> tuple[type[BaseException], ...]:
    """Exceptions joblib raises in the parent when a worker process dies."""
    from concurrent.futures.process import BrokenProcessPool

    errors: list[type[BaseException]] = [BrokenProcessPool]
    try:
        from joblib.externals.loky.process_executor import BrokenProcessPool as LokyBroken
        from joblib.externals.loky.process_executor import TerminatedWorkerError

        errors += [TerminatedWorkerError, LokyBroken]
    except ImportError:  # pragma: no cover - joblib internals moved
        pass
    return tuple(errors)


@dataclass(frozen=True)
class DatasetSummary:
    """What one dataset (or one metric file) produced.

    ``error`` is set when the dataset as a whole failed: its folder is missing, unreadable or
    holds no subject (``started`` False), or an OS error stopped it after it started (``started``
    True). Nothing was replaced: its previous outputs are kept.
    """

    name: str
    output: str | None
    n_written: int
    n_failed: int
    failures_file: str | None = None
    seconds: float = 0.0
    warning_counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    started: bool = True


def dataset_not_run(name: str, reason: str, started: float, *, could_start: bool = False) -> DatasetSummary:
    """The summary of a dataset that yields no subject (or, ``could_start``, that an OS error
    stopped); its previous outputs are left untouched."""
    from loguru import logger

    logger.error(f"{name}: not written: {reason}; its previous output files are kept")
    return DatasetSummary(name=name, output=None, n_written=0, n_failed=0, error=reason,
                          seconds=time.perf_counter() - started, started=could_start)


def guard_dataset(name: str, extract: Callable[[], DatasetSummary]) -> DatasetSummary:
    """``extract()``, or, when it raises an OS error, a failed :class:`DatasetSummary` naming the path.

    One dataset's OS error (folder not readable, disk full while writing its CSV) never stops the
    next dataset; the run ends with exit code 3. Its previous outputs stay (atomic writes).
    """
    started = time.perf_counter()
    try:
        return extract()
    except OSError as exc:
        return dataset_not_run(name, os_error_text(exc), started, could_start=True)


@dataclass(frozen=True)
class ExtractionSummary:
    """Outcome of a whole extraction command; the CLI turns it into an exit code.

    0 when everything was written; 1 when no dataset could run at all; 3 when some subjects
    (or pairs) failed or some dataset could not run while others were written.
    """

    datasets: tuple[DatasetSummary, ...] = ()

    @property
    def n_failed(self) -> int:
        return sum(d.n_failed for d in self.datasets)

    @property
    def exit_code(self) -> int:
        if self.datasets and not any(d.started for d in self.datasets):
            return EXIT_CONFIG  # nothing at all could run
        return EXIT_PARTIAL if self.n_failed or any(d.error for d in self.datasets) else EXIT_OK


def write_failures_file(failures: list[Failure], path, *, with_model: bool = False, with_stage: bool = True):
    """Write ``failures`` as CSV atomically, or delete a stale file when there is none.

    Parameters
    ----------
    failures : list of Failure
        Written sorted by (model, subject): deterministic whatever the completion order.
    path : str or Path
        The CSV file (``failures_<name>.csv`` next to the output); its folder must exist.
    with_model : bool
        Add a ``model`` column (metric extraction: one row per failed subject/model pair).
    with_stage : bool
        Add a ``stage`` column (``read``, ``check``, ..., ``unexpected``).

    Returns
    -------
    Path or None
        The path written, or None when there was no failure (a stale file was removed).

    Notes
    -----
    Columns: ``ID``, then ``model`` and ``stage`` when asked, then ``error``: the message,
    followed by ``[<path>]`` when the failure names a file the message does not mention.
    """
    from pathlib import Path

    from auditapp.io.atomic import write_columns_atomic

    path = Path(path)
    if not failures:
        path.unlink(missing_ok=True)
        return None
    rows = []
    for f in sorted(failures, key=lambda f: (f.model or "", f.subject, f.stage, f.error)):
        row = {"ID": f.subject}
        if with_model:
            row["model"] = f.model or ""
        if with_stage:
            row["stage"] = f.stage
        row["error"] = f.error if f.path is None or f.path in f.error else f"{f.error} [{f.path}]"
        rows.append(row)
    write_columns_atomic({name: [row[name] for row in rows] for name in rows[0]}, path)
    return path
