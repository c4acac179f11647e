"""Work functions for tests/test_dask_cluster.py, importable by `dask worker` processes (tests/ is on their path)."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    subject: str
    path: str = ""
    seconds: float = 0.0
    kill: bool = False


def slow_or_deadly(job: Job) -> str:
    """Sleep ``job.seconds`` and return the subject, or kill the worker process running it."""
    if job.kill:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(job.seconds)
    return job.subject


def read_shape(job: Job) -> tuple[int, ...]:
    """Read ``job.path`` on the worker with auditapp's read path."""
    from auditapp.io import read_volume

    return read_volume(job.path, subject=job.subject).shape
