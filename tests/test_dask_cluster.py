"""A real Dask cluster: `dask scheduler` and two `dask worker` processes started as a user would.

Byte-identical CSVs to a local run, a subject that kills its worker fails alone, a worker killed
mid-run loses no subject, and a file a worker cannot see fails that subject naming the path.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from auditapp.config.model import ParallelConfig
from auditapp.pipelines.runner import run_tasks
from cluster_work import Job, read_shape, slow_or_deadly

distributed = pytest.importorskip("distributed")

TESTS = Path(__file__).resolve().parent
PORTS = range(8670, 8680)  # auditapp's test range for Dask schedulers


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _dask(*args: str, env: dict) -> subprocess.Popen:
    # `python -m distributed.cli.*` is what the `dask scheduler` / `dask worker` commands run
    return subprocess.Popen([sys.executable, "-m", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _stop(processes: list[subprocess.Popen]) -> None:
    for proc in processes:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in processes:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class Cluster:
    def __init__(self, tmp: Path):
        port = _free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        env = dict(os.environ)
        # workers import auditapp (and this folder's cluster_work) like the test process does
        env["PYTHONPATH"] = os.pathsep.join([str(TESTS), *filter(None, [env.get("PYTHONPATH")])])
        env["DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES"] = "1"  # a deadly subject gives up after 2 deaths
        env["OMP_NUM_THREADS"] = "1"
        self.processes = [_dask("distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
                                "--no-dashboard", env=env)]
        for n in range(2):
            self.processes.append(_dask(
                "distributed.cli.dask_worker", self.address, "--nworkers", "1", "--nthreads", "1",
                "--no-dashboard", "--name", f"w{n}", "--local-directory", str(tmp / f"w{n}"), env=env))
        with distributed.Client(self.address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)

    def worker_pids(self) -> list[int]:
        with distributed.Client(self.address, timeout="30s") as client:
            return sorted(client.run(os.getpid).values())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    started = None
    try:
        started = Cluster(tmp_path_factory.mktemp("dask"))
        yield started
    finally:
        if started is not None:
            _stop(started.processes)


def _project(root: Path, n: int = 4) -> Path:
    from auditapp.demo.synthetic import write_dataset

    images = root / "data" / "S_images"
    write_dataset(images, site="S", n_subjects=n, shape=(20, 24, 24), seed=3, pred_root=root / "data" / "S_seg")
    common = "labels: {BKG: 0, NEC: 1, EDE: 2, ENH: 3}\ncpu_cores: 1\n"
    (root / "features.yaml").write_text(
        f"data_paths: {{S: {images}}}\noutput_path: {root / 'out'}\nlogs_path: {root / 'logs'}\n"
        "sequences: [_t1, _t2, _t1ce, _flair]\n" + common, encoding="utf-8")
    (root / "metrics.yaml").write_text(
        f"data_path: {images}\nmodel_predictions_paths: {{modelA: {root / 'data' / 'S_seg' / 'modelA'}}}\n"
        f"output_path: {root / 'out'}\nfilename: S\n" + common, encoding="utf-8")
    return root


def _cli(*args: str):
    from typer.testing import CliRunner

    from auditapp.cli import app

    return CliRunner().invoke(app, list(args))


def _with_scheduler(config: Path, address: str) -> Path:
    out = config.with_name(f"dask_{config.name}")
    out.write_text(config.read_text(encoding="utf-8")
                   .replace("cpu_cores: 1", "cpu_cores: 2")
                   + f"parallel: {{backend: dask, scheduler: '{address}'}}\n", encoding="utf-8")
    return out


def test_cluster_csvs_byte_identical_to_a_local_run(cluster, tmp_path):
    root = _project(tmp_path)
    outputs = {}
    for command, config, csv in (("feature-extraction", "features.yaml", "extracted_information_S.csv"),
                                 ("metric-extraction", "metrics.yaml", "extracted_information_S.csv")):
        local = _cli(command, "--config", str(root / config))
        assert local.exit_code == 0, local.output
        expected = (root / "out" / csv).read_bytes()
        (root / "out" / csv).unlink()
        remote = _cli(command, "--config", str(_with_scheduler(root / config, cluster.address)))
        assert remote.exit_code == 0, remote.output
        outputs[command] = (root / "out" / csv).read_bytes()
        assert outputs[command] == expected
    assert len(pd.read_csv(root / "out" / "extracted_information_S.csv")) > 0


def test_a_file_a_worker_cannot_see_fails_that_subject_naming_the_path(cluster, tmp_path):
    # workers open the paths the parent discovered on their own filesystem (shared storage assumed):
    # a file missing there fails that subject, with the path, and the others go on
    root = _project(tmp_path, n=2)
    visible = root / "data" / "S_images" / "S-001" / "S-001_t1.nii.gz"
    hidden = root / "data" / "S_images" / "S-002" / "S-002_t1.nii.gz"
    hidden.unlink()
    result = run_tasks(read_shape, [Job("S-001", str(visible)), Job("S-002", str(hidden))],
                       n_jobs=2, parallel=ParallelConfig(backend="dask", scheduler=cluster.address))
    assert [o.result for o in result.outcomes if o.ok] == [(20, 24, 24)]
    (failure,) = result.failures
    assert failure.subject == "S-002" and failure.stage == "read"
    assert failure.error == f"file not found: {hidden}" and failure.path == str(hidden)


def test_a_subject_that_kills_its_worker_fails_alone(cluster):
    jobs = [Job(f"s{n}", "", seconds=0.05) for n in range(6)] + [Job("deadly", "", kill=True)]
    result = run_tasks(slow_or_deadly, jobs, n_jobs=2, parallel=ParallelConfig(backend="dask",
                                                                                scheduler=cluster.address))
    finished = {o.result for o in result.outcomes if o.ok}
    failures = {f.subject: f for f in result.failures}
    assert "deadly" in failures and finished | set(failures) == {j.subject for j in jobs}
    # Dask also counts the tasks queued on a dying worker: a bystander may fail with it, never the run
    assert len(finished) >= 4
    for failure in failures.values():
        assert failure.stage == "worker" and "KilledWorker" in failure.error
        assert "the other subjects went on" in failure.error
    _wait_for_workers(cluster, 2)  # the nannies restart the killed workers


def test_a_worker_killed_mid_run_loses_no_subject(cluster):
    jobs = [Job(f"s{n:02d}", "", seconds=0.3) for n in range(12)]
    victim = cluster.worker_pids()[0]
    done = []

    def on_outcome(outcome, n_done, total):
        done.append(outcome)
        if n_done == 2:
            os.kill(victim, signal.SIGKILL)  # mid-run: the scheduler reschedules what it held

    result = run_tasks(slow_or_deadly, jobs, n_jobs=2, on_outcome=on_outcome,
                       parallel=ParallelConfig(backend="dask", scheduler=cluster.address))
    finished = {o.result for o in result.outcomes if o.ok}
    failed = {f.subject for f in result.failures}
    assert finished | failed == {j.subject for j in jobs} and not finished & failed
    assert all(f.stage == "worker" for f in result.failures)  # only the killed worker's subjects, if any
    assert len(finished) >= 10
    _wait_for_workers(cluster, 2)


def _wait_for_workers(cluster: Cluster, n: int) -> None:
    with distributed.Client(cluster.address, timeout="30s") as client:
        client.wait_for_workers(n, timeout=120)
    time.sleep(0.2)
