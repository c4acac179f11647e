"""auditapp.pipelines.runner: failure collection, warnings, backends (serial, loky, dask), failures file, exit codes."""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass

import pandas as pd
import pytest
from loguru import logger

from auditapp.config.model import ParallelConfig
from auditapp.errors import EXIT_OK, EXIT_PARTIAL, AuditappWarning, ConfigError, EmptySequenceWarning, SubjectError
from auditapp.pipelines.runner import (
    DatasetSummary,
    ExtractionSummary,
    Failure,
    run_tasks,
    write_failures_file,
)


@dataclass(frozen=True)
class Task:
    subject: str
    value: int
    model: str | None = None


def work(task: Task) -> dict:
    """Top-level (picklable) work: fails on purpose for some subjects."""
    if task.subject.startswith("bad"):
        raise SubjectError(task.subject, "read", f"file not found: /data/{task.subject}_t1.nii.gz",
                           f"/data/{task.subject}_t1.nii.gz")
    if task.subject.startswith("crash"):
        raise ZeroDivisionError("division by zero in the work")
    if task.subject.startswith("warn"):
        warnings.warn(f"all-zero sequence for {task.subject}", EmptySequenceWarning)
        warnings.warn(f"all-zero sequence for {task.subject}", EmptySequenceWarning)  # deduplicated
        warnings.warn(f"odd value in {task.subject}", AuditappWarning)  # no class of its own: kind "other"
    logger.info(f"worker processed {task.subject}")
    return {"ID": task.subject, "square": task.value ** 2}


TASKS = [Task("s1", 1), Task("bad2", 2), Task("warn3", 3), Task("crash4", 4), Task("s5", 5),
         Task("s6", 6, model="m1")]


def _digest(result):
    """Order-independent view of a RunResult (results, failures without traceback, warnings)."""
    rows = sorted((r["ID"], r["square"]) for r in result.results)
    fails = sorted((f.subject, f.stage, f.error, f.path, f.model) for f in result.failures)
    warns = sorted((o.task.subject, o.warnings) for o in result.outcomes if o.warnings)
    return rows, fails, warns


EXPECTED = (
    [("s1", 1), ("s5", 25), ("s6", 36), ("warn3", 9)],
    [("bad2", "read", "file not found: /data/bad2_t1.nii.gz", "/data/bad2_t1.nii.gz", None),
     ("crash4", "unexpected", "ZeroDivisionError: division by zero in the work", None, None)],
    [("warn3", (("all-zero sequence", "all-zero sequence for warn3"), ("other", "odd value in warn3")))],
)


def test_serial_run_collects_failures_and_warnings():
    seen = []
    result = run_tasks(work, TASKS, n_jobs=1, on_outcome=lambda o, done, total: seen.append((done, total)))
    assert _digest(result) == EXPECTED
    assert (result.n_ok, result.n_failed) == (4, 2)
    assert seen == [(i, 6) for i in range(1, 7)]
    crash = next(f for f in result.failures if f.subject == "crash4")
    assert "Traceback" in crash.traceback and "ZeroDivisionError" in crash.traceback
    bad = next(f for f in result.failures if f.subject == "bad2")
    assert bad.traceback is None
    assert all(o.seconds >= 0 for o in result.outcomes)


def test_streamed_run_keeps_only_failures():
    """keep_results=False: successes reach on_outcome and are counted, never held in the RunResult."""
    streamed = []
    result = run_tasks(work, TASKS, n_jobs=1, keep_results=False,
                       on_outcome=lambda o, done, total: o.ok and streamed.append((o.result["ID"], o.result["square"])))
    assert sorted(streamed) == EXPECTED[0]
    assert result.results == [] and all(not o.ok for o in result.outcomes)
    assert (result.n_ok, result.n_failed) == (4, 2)
    assert sorted(f.subject for f in result.failures) == ["bad2", "crash4"]


def test_failure_keeps_task_model():
    result = run_tasks(work, [Task("bad9", 1, model="BraTS25_1")])
    assert result.failures == [Failure("bad9", "read", "file not found: /data/bad9_t1.nii.gz",
                                       "/data/bad9_t1.nii.gz", "BraTS25_1", None)]


def test_loky_two_workers_same_result_as_serial_and_logs_reach_parent():
    messages = []
    sink = logger.add(lambda m: messages.append(m.record["message"]), level="INFO", format="{message}")
    try:
        result = run_tasks(work, TASKS, n_jobs=2, parallel=ParallelConfig(backend="loky"))
    finally:
        logger.remove(sink)
    assert _digest(result) == EXPECTED
    # the worker processes' loguru messages are re-logged in the parent
    assert sorted(m for m in messages if m.startswith("worker processed")) == [
        "worker processed s1", "worker processed s5", "worker processed s6", "worker processed warn3"]


def test_n_jobs_capped_and_empty_task_list():
    assert _digest(run_tasks(work, TASKS[:1], n_jobs=16)) == ([("s1", 1)], [], [])
    calls = []
    empty = run_tasks(work, [], n_jobs=4, on_outcome=lambda *a: calls.append(a))
    assert empty.outcomes == [] and calls == []
    assert _digest(run_tasks(work, TASKS[:2], n_jobs=0))[0] == [("s1", 1)]  # 0 -> 1 worker


def test_unknown_backend_is_a_config_error():
    with pytest.raises(ConfigError, match="parallel.backend: unknown backend 'spark'"):
        run_tasks(work, TASKS[:2], n_jobs=2, parallel=ParallelConfig(backend="spark"))


def test_dask_backend_on_an_existing_local_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        done = []
        result = run_tasks(work, TASKS, n_jobs=2,
                           parallel=ParallelConfig(backend="dask", scheduler=cluster.scheduler_address),
                           on_outcome=lambda o, d, t: done.append(d))
    assert _digest(result) == EXPECTED
    assert sorted(done) == list(range(1, 7))


def test_write_failures_file_writes_sorted_rows_then_deletes_stale_file(tmp_path):
    path = tmp_path / "failures_SiteA.csv"
    failures = [
        Failure("B-002", "unexpected", "ValueError: bad", model="m2"),
        Failure("A-001", "read", "file not found", path="/d/A-001/A-001_seg.nii.gz", model="m1"),
    ]
    assert write_failures_file(failures, path, with_model=True) == path
    frame = pd.read_csv(path)
    assert list(frame.columns) == ["ID", "model", "stage", "error"]
    assert frame.values.tolist() == [
        ["A-001", "m1", "read", "file not found [/d/A-001/A-001_seg.nii.gz]"],
        ["B-002", "m2", "unexpected", "ValueError: bad"],
    ]
    write_failures_file(failures[:1], path, with_model=True, with_stage=False)
    assert pd.read_csv(path).values.tolist() == [["B-002", "m2", "ValueError: bad"]]
    write_failures_file([Failure("C", "check", "shape mismatch: /x.nii.gz", path="/x.nii.gz")], path)
    assert pd.read_csv(path).values.tolist() == [["C", "check", "shape mismatch: /x.nii.gz"]]
    assert write_failures_file([], path) is None
    assert not path.exists()
    assert write_failures_file([], path) is None  # nothing to delete: still fine


def test_extraction_summary_exit_codes():
    ok = DatasetSummary("SiteA", "/o/extracted_information_SiteA.csv", n_written=8, n_failed=0)
    partial = DatasetSummary("SiteB", "/o/extracted_information_SiteB.csv", n_written=7, n_failed=1,
                             failures_file="/o/failures_SiteB.csv")
    assert ExtractionSummary((ok,)).exit_code == EXIT_OK == 0
    assert ExtractionSummary((ok, partial)).exit_code == EXIT_PARTIAL == 3
    assert ExtractionSummary((ok, partial)).n_failed == 1
    assert ExtractionSummary(()).exit_code == 0


def test_unreachable_dask_scheduler_is_a_config_error(monkeypatch):
    pytest.importorskip("distributed")
    import socket

    import auditapp.pipelines.runner

    monkeypatch.setattr(auditapp.pipelines.runner, "DASK_CONNECT_TIMEOUT", "1s")
    with socket.socket() as sock:  # a free port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ConfigError, match=rf"parallel.scheduler: cannot connect to the Dask scheduler at 'tcp://127.0.0.1:{port}'"):
        run_tasks(work, TASKS[:2], n_jobs=2, parallel=ParallelConfig(backend="dask", scheduler=f"tcp://127.0.0.1:{port}"))


def die_in_worker(task: Task) -> dict:
    """Kills its worker process for subject 'die' (only ever run in a loky worker)."""
    if task.subject == "die":
        os._exit(1)
    time.sleep(0.05)
    return {"ID": task.subject, "square": task.value ** 2}


def test_a_dead_worker_fails_the_unfinished_tasks_not_the_run():
    tasks = [Task(f"s{i}", i) for i in range(6)] + [Task("die", 0)] + [Task(f"t{i}", i) for i in range(6)]
    result = run_tasks(die_in_worker, tasks, n_jobs=2)
    assert result.n_ok + result.n_failed == len(tasks)
    failed = {f.subject: f for f in result.failures}
    assert "die" in failed and failed["die"].stage == "worker"
    assert "a worker process died" in failed["die"].error and "cpu_cores" in failed["die"].error
    assert all(f.stage == "worker" for f in failed.values())
    assert {r["ID"] for r in result.results}.isdisjoint(failed)
    # the runner recovers: the next run in this process works
    assert _digest(run_tasks(work, TASKS[:1], n_jobs=2)) == ([("s1", 1)], [], [])
