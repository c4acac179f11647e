"""The ``auditapp`` CLI through typer.testing.CliRunner (and main() for the exit-code mapping)."""

from __future__ import annotations

import gzip
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from auditapp import __version__
from auditapp.cli import app, main
from auditapp.cli._common import printed_warnings
from auditapp.demo.synthetic import write_dataset

runner = CliRunner()
COMMANDS = ["feature-extraction", "metric-extraction", "run-app", "init", "demo", "organize"]


def invoke(*args: str):
    return runner.invoke(app, list(args))


# --------------------------------------------------------------------------- help, version, exit codes


def test_root_help_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.parametrize("command, expected", [
    ("feature-extraction", "--config"),
    ("metric-extraction", "--config"),
    ("run-app", "--port"),
    ("init", "DIR"),
    ("demo", "--serve"),
    ("organize", "Usage"),
])
def test_every_command_has_help(command, expected):
    result = invoke(command, "--help")
    assert result.exit_code == 0, result.output
    assert expected in result.stdout
    assert "Usage" in result.stdout


def _imported_after(statement: str, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has loaded after ``statement``."""
    code = f"import sys; {statement}; print(' '.join(m for m in {modules!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_cli_imports_stay_light():
    """Start-up time is part of every run: the CLI loads the heavy libraries only where a command needs them."""
    heavy = ("pandas", "scipy", "nibabel", "numpy", "joblib", "streamlit", "dask", "skimage", "plotly")
    assert _imported_after("import auditapp.cli", heavy) == []
    # a metric extraction writes its CSVs without pandas; without lesion-wise metrics it never needs
    # scipy.optimize or scipy.ndimage, nor joblib on 1 core
    unused = ("pandas", "scipy.optimize", "scipy.ndimage", "joblib", "streamlit", "dask", "skimage", "plotly")
    assert _imported_after("import auditapp.config, auditapp.pipelines.metrics", unused) == []


def test_run_app_help_shows_defaults():
    text = invoke("run-app", "--help").stdout
    assert "127.0.0.1" in text and "8501" in text


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"auditapp {__version__}"


@pytest.mark.parametrize("argv, code", [
    (["--version"], 0),
    (["feature-extraction", "--no-such-option"], 1),  # Click usage error 2 -> 1
    (["no-such-command"], 1),
    (["run-app", "--port", "0"], 1),                    # out of range -> usage error -> 1
    (["run-app", "--port", "eighty"], 1),
])
def test_main_maps_usage_errors_to_1(argv, code, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == code
    if code:
        assert "Usage" in capsys.readouterr().err


# --------------------------------------------------------------------------- config errors


@pytest.mark.parametrize("command, default", [
    ("feature-extraction", "configs/feature_extraction.yaml"),
    ("metric-extraction", "configs/metric_extraction.yaml"),
    ("run-app", "configs/app.yaml"),
])
def test_missing_default_config_names_path_and_suggests_init_or_demo(command, default, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(command)
    assert result.exit_code == 1
    assert default in result.stderr
    assert "auditapp init" in result.stderr and "auditapp demo" in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing created


def test_missing_given_config(tmp_path):
    result = invoke("metric-extraction", "--config", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 1
    assert "nope.yaml" in result.stderr and "not found" in result.stderr


def test_broken_config_prints_every_problem_and_creates_nothing(tmp_path):
    config = tmp_path / "configs" / "feature_extraction.yaml"
    config.parent.mkdir()
    config.write_text(
        "data_paths:\n  A: ../missing_dataset\n"
        "output_path: ../out\n"
        "labels: {BKG: 0, NETC: '1'}\n"
        "features: {statistical: maybe}\n"
        "cpu_core: 2\n",  # typo -> warning with a suggestion
        encoding="utf-8",
    )
    result = invoke("feature-extraction", "--config", str(config))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) >= 4, result.stderr
    joined = "\n".join(errors)
    for key in ("data_paths.A", "labels.NETC", "sequences", "features.statistical"):
        assert key in joined
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["configs"]


def test_run_app_broken_config_exits_1(tmp_path):
    config = tmp_path / "app.yaml"
    config.write_text("features: [not, a, mapping]\nlabels: {BKG: 0, ET: '3'}\n", encoding="utf-8")
    result = invoke("run-app", "--config", str(config))
    assert result.exit_code == 1
    assert result.stderr.count("error:") >= 2


# --------------------------------------------------------------------------- init


def test_init_twice_keeps_existing_files(tmp_path):
    target = tmp_path / "proj"
    first = invoke("init", str(target))
    assert first.exit_code == 0, first.output
    for name in ("datasets", "configs", "outputs", "logs"):
        assert (target / name).is_dir()
    configs = sorted(p.name for p in (target / "configs").iterdir())
    assert configs == ["app.yaml", "feature_extraction.yaml", "metric_extraction.yaml"]
    assert first.stdout.count("created") >= 7
    edited = target / "configs" / "app.yaml"
    edited.write_text("# my edits\n", encoding="utf-8")
    (target / "configs" / "metric_extraction.yaml").unlink()
    second = invoke("init", str(target))
    assert second.exit_code == 0
    assert edited.read_text(encoding="utf-8") == "# my edits\n"
    assert "metric_extraction.yaml" in next(l for l in second.stdout.splitlines() if l.startswith("created"))
    kept = [l for l in second.stdout.splitlines() if l.startswith("kept")]
    assert len(kept) == 2 and any("app.yaml" in l for l in kept)


def test_init_on_a_file_fails(tmp_path):
    target = tmp_path / "afile"
    target.write_text("x", encoding="utf-8")
    result = invoke("init", str(target))
    assert result.exit_code in (1, 2)  # Click refuses a file for DIRECTORY (usage error) or init reports it
    assert target.read_text(encoding="utf-8") == "x"


# --------------------------------------------------------------------------- extraction runs


def _tiny_project(root: Path, n: int = 2, corrupt: str | None = None) -> Path:
    """A one-site project with ``n`` synthetic 24^3 subjects and its two configs."""
    images = root / "datasets" / "S" / "S_images"
    ds = write_dataset(images, site="S", n_subjects=n, shape=(20, 24, 24), seed=5,
                       pred_root=root / "datasets" / "S" / "S_seg")
    if corrupt:
        path = images / ds.ids[0] / f"{ds.ids[0]}{corrupt}"
        path.write_bytes(gzip.compress(b"not a nifti file at all"))
    (root / "configs").mkdir(parents=True, exist_ok=True)
    (root / "configs" / "feature_extraction.yaml").write_text(
        "project_root: ..\n"
        "data_paths:\n  S: ${project_root}/datasets/S/S_images\n"
        "output_path: ${project_root}/outputs/features\n"
        "logs_path: ${project_root}/logs/features\n"
        "sequences: [_t1, _t2, _t1ce, _flair]\n"
        "labels: {BKG: 0, NEC: 1, EDE: 2, ENH: 3}\n"
        "features: {statistical: true, texture: false, spatial: true, tumor: true}\n"
        "cpu_cores: 1\n",
        encoding="utf-8",
    )
    (root / "configs" / "metric_extraction.yaml").write_text(
        "project_root: ..\n"
        "data_path: ${project_root}/datasets/S/S_images\n"
        "model_predictions_paths:\n  modelA: ${project_root}/datasets/S/S_seg/modelA\n"
        "labels: {BKG: 0, NEC: 1, EDE: 2, ENH: 3}\n"
        "output_path: ${project_root}/outputs/metrics\n"
        "filename: S\n"
        "cpu_cores: 1\n"
        "cpu_core: 1\n",  # typo: a warning, not an error
        encoding="utf-8",
    )
    return root


def test_feature_extraction_writes_csv_log_file_and_summary(tmp_path, monkeypatch):
    project = _tiny_project(tmp_path)
    monkeypatch.chdir(project)  # default --config: ./configs/feature_extraction.yaml
    result = invoke("feature-extraction")
    assert result.exit_code == 0, result.output
    csv = project / "outputs" / "features" / "extracted_information_S.csv"
    assert pd.read_csv(csv)["ID"].tolist() == ["S-001", "S-002"]
    assert re.search(r"^S: 2 written, 0 failed, .* -> .*extracted_information_S\.csv$", result.stdout, re.M)
    logs = list((project / "logs" / "features").glob("*.log"))
    assert len(logs) == 1 and re.fullmatch(r"\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d(_\d+)?\.log", logs[0].name)
    text = logs[0].read_text(encoding="utf-8")
    assert "resolved config" in text and str(project / "datasets" / "S" / "S_images") in text
    assert "resolved config" not in result.stderr  # the dump goes to the file only


def test_metric_extraction_prints_config_warnings_and_runs(tmp_path):
    project = _tiny_project(tmp_path)
    result = invoke("metric-extraction", "--config", str(project / "configs" / "metric_extraction.yaml"))
    assert result.exit_code == 0, result.output
    warning = [l for l in result.stderr.splitlines() if l.startswith("warning:") and "cpu_core" in l]
    assert warning and "cpu_cores" in warning[0]  # did-you-mean suggestion
    assert (project / "outputs" / "metrics" / "extracted_information_S.csv").is_file()


def test_partial_failure_exits_3_with_failures_file(tmp_path):
    project = _tiny_project(tmp_path, n=2, corrupt="_seg.nii.gz")
    result = invoke("feature-extraction", "--config", str(project / "configs" / "feature_extraction.yaml"))
    assert result.exit_code == 3, result.output
    out = project / "outputs" / "features"
    assert pd.read_csv(out / "extracted_information_S.csv")["ID"].tolist() == ["S-002"]
    failures = pd.read_csv(out / "failures_S.csv")
    assert failures["ID"].tolist() == ["S-001"]
    assert "S: 1 written, 1 failed" in result.stdout and "failures_S.csv" in result.stdout


def test_second_run_in_the_same_second_gets_a_suffixed_log(tmp_path):
    from datetime import datetime

    from auditapp.cli.logs import new_log_path

    now = datetime(2026, 1, 2, 3, 4, 5)
    assert new_log_path(tmp_path, now).name == "2026_01_02_03_04_05.log"
    assert new_log_path(tmp_path, now).name == "2026_01_02_03_04_05_2.log"
    assert new_log_path(tmp_path, now).name == "2026_01_02_03_04_05_3.log"


# --------------------------------------------------------------------------- demo


def test_demo_tiny_runs_both_extractions(tmp_path):
    target = tmp_path / "demo"
    result = invoke("demo", str(target), "--subjects", "2", "--shape", "20", "24", "24")
    assert result.exit_code == 0, result.output
    for site in ("SiteA", "SiteB", "SiteC"):
        assert (target / "outputs" / "features" / f"extracted_information_{site}.csv").is_file()
        metrics = pd.read_csv(target / "outputs" / "metrics" / f"extracted_information_{site}.csv")
        assert sorted(metrics["model"].unique()) == ["modelA", "modelB"]
    assert "auditapp run-app --config" in result.stdout
    # the app config it wrote validates, with no missing-file warning
    from auditapp.config import load_app_config

    cfg = load_app_config(target / "configs" / "app.yaml")
    assert sorted(cfg.features) == ["SiteA", "SiteB", "SiteC"] and cfg.warnings == ()
    # longitudinal IDs parsed from SiteC
    features_c = pd.read_csv(target / "outputs" / "features" / "extracted_information_SiteC.csv")
    assert features_c["time_point"].tolist() == [0, 12]


def test_demo_refuses_a_non_demo_folder(tmp_path):
    (tmp_path / "mine.txt").write_text("precious", encoding="utf-8")
    result = invoke("demo", str(tmp_path), "--subjects", "1")
    assert result.exit_code == 1
    assert "not an auditapp demo project" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt"]


def _default_sigint() -> None:  # runs in the child before exec
    # a background CI job may start us with SIGINT ignored; Python then never raises KeyboardInterrupt
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_exits_130(tmp_path):
    """A real SIGINT during 'auditapp demo' (data generation) ends with exit code 130."""
    target = tmp_path / "demo"
    proc = subprocess.Popen(
        [sys.executable, "-m", "auditapp", "demo", str(target), "--subjects", "200", "--shape", "64", "64", "64"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        preexec_fn=_default_sigint,
    )
    try:
        deadline = time.monotonic() + 60
        while not (target / "datasets" / "SiteA" / "SiteA_images").is_dir():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err.decode()


def test_config_warnings_printed_once_other_warnings_reissued(capsys):
    import warnings

    from auditapp.errors import ConfigWarning

    with pytest.warns(RuntimeWarning, match="overflow"):
        with printed_warnings():
            warnings.warn("c.yaml: cpu_core: unknown key (did you mean 'cpu_cores'?)", ConfigWarning)
            warnings.warn("c.yaml: cpu_core: unknown key (did you mean 'cpu_cores'?)", ConfigWarning)
            warnings.warn("overflow in a computation", RuntimeWarning)
    assert capsys.readouterr().err.splitlines() == [
        "warning: c.yaml: cpu_core: unknown key (did you mean 'cpu_cores'?)"]


def test_feature_extraction_on_an_existing_dask_cluster_matches_serial(tmp_path):
    distributed = pytest.importorskip("distributed")
    project = _tiny_project(tmp_path, n=3)
    config = project / "configs" / "feature_extraction.yaml"
    assert invoke("feature-extraction", "--config", str(config)).exit_code == 0
    csv = project / "outputs" / "features" / "extracted_information_S.csv"
    serial = csv.read_bytes()
    csv.unlink()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        config.write_text(config.read_text(encoding="utf-8").replace(
            "cpu_cores: 1\n", f"cpu_cores: 2\nparallel:\n  backend: dask\n  scheduler: {cluster.scheduler_address}\n"),
            encoding="utf-8")
        result = invoke("feature-extraction", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert csv.read_bytes() == serial


# --------------------------------------------------------------------------- output folders and OS errors (issue 11)


def test_output_path_under_a_file_is_a_config_error_naming_the_key(tmp_path):
    project = _tiny_project(tmp_path)
    (project / "outputs").write_text("a file where the outputs folder should be", encoding="utf-8")
    config = project / "configs" / "feature_extraction.yaml"
    result = invoke("feature-extraction", "--config", str(config))
    assert result.exit_code == 1
    assert f"error: {config}: output_path: cannot be created: '{project / 'outputs'}' is not a folder; " \
           "expected a folder that can be created and written" in result.stderr
    assert "[Errno" not in result.stderr
    assert not (project / "logs").exists()  # nothing created


def test_unwritable_output_and_logs_paths_are_config_errors(tmp_path, monkeypatch):
    project = _tiny_project(tmp_path)
    real_access = os.access

    def no_write_in_project(path, mode, **kwargs):  # permission bits do not stop root: simulated
        return False if mode & os.W_OK and Path(path) == project else real_access(path, mode, **kwargs)

    monkeypatch.setattr(os, "access", no_write_in_project)
    result = invoke("metric-extraction", "--config", str(project / "configs" / "metric_extraction.yaml"))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert [line.split(": ")[2] for line in errors] == ["output_path", "logs_path"]
    assert all(f"permission denied: cannot create folders in '{project}'" in line for line in errors)
    assert not (project / "outputs").exists()


def test_os_error_writing_one_dataset_fails_that_dataset_only(tmp_path):
    project = _tiny_project(tmp_path)
    write_dataset(project / "datasets" / "T" / "T_images", site="T", n_subjects=1, shape=(20, 24, 24), seed=6)
    config = project / "configs" / "feature_extraction.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "data_paths:\n", "data_paths:\n  T: ${project_root}/datasets/T/T_images\n"), encoding="utf-8")
    blocked = project / "outputs" / "features" / "extracted_information_T.csv"
    blocked.mkdir(parents=True)  # a folder where T's CSV must go: replacing it fails
    result = invoke("feature-extraction", "--config", str(config))
    assert result.exit_code == 3, result.output
    assert f"T: not written: is a directory while writing {blocked}; the previous output files are kept" in result.stdout
    assert pd.read_csv(project / "outputs" / "features" / "extracted_information_S.csv")["ID"].tolist() \
        == ["S-001", "S-002"]  # written after T failed (config order: T, S)
    assert blocked.is_dir() and not [p for p in blocked.parent.iterdir() if p.name.startswith(".")]


def test_os_error_writing_the_metric_file_is_a_failure_exit_3(tmp_path):
    project = _tiny_project(tmp_path)
    blocked = project / "outputs" / "metrics" / "extracted_information_S.csv"
    blocked.mkdir(parents=True)
    result = invoke("metric-extraction", "--config", str(project / "configs" / "metric_extraction.yaml"))
    assert result.exit_code == 3, result.output
    assert f"S: not written: is a directory while writing {blocked}; the previous output files are kept" in result.stdout


class _FullDisk:
    """A log file on a disk that fills up after ``room`` writes."""

    def __init__(self, room: int):
        self.room = room
        self.written: list[str] = []

    def write(self, text: str) -> int:
        import errno

        if len(self.written) >= self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.written.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.mark.parametrize("room", [0, 3])
def test_disk_full_while_logging_stops_with_one_line_and_keeps_outputs(tmp_path, monkeypatch, room):
    import auditapp.cli.logs

    project = _tiny_project(tmp_path)
    config = project / "configs" / "feature_extraction.yaml"
    assert invoke("feature-extraction", "--config", str(config)).exit_code == 0
    csv = project / "outputs" / "features" / "extracted_information_S.csv"
    csv.write_text("previous output\n", encoding="utf-8")
    disk = _FullDisk(room)
    monkeypatch.setattr(auditapp.cli.logs, "_open_log", lambda path: disk)
    result = invoke("feature-extraction", "--config", str(config))
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr and "Logging error" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if not line.startswith("S ")]  # but the bar
    assert len(errors) == 1 and re.fullmatch(
        r"error: no space left on device while writing .*/logs/features/[\d_]+\.log", errors[0]), result.stderr
    assert len(disk.written) == room
    assert csv.read_text(encoding="utf-8") == "previous output\n"
