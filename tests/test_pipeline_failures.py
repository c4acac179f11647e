"""Nothing lost, nothing misnamed (issue 11 items 1, 2, 16): both extraction pipelines.

Tests run as root here, and root ignores ``chmod 000``; the OS refusing access is therefore
simulated where the OS would refuse it: ``os.scandir``/``os.listdir``/``os.stat``/``open``/
``os.open`` raise ``PermissionError`` for the one path under test (everything else is
untouched), in this process (``cpu_cores: 1``).
"""

from __future__ import annotations

import builtins
import errno
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from loguru import logger

from auditapp.config.model import FeatureFamilies
from auditapp.errors import EXIT_CONFIG, EXIT_OK, EXIT_PARTIAL
from auditapp.pipelines.features import run_feature_extraction
from auditapp.pipelines.metrics import run_metric_extraction
from test_features_pipeline import make_config as feature_config
from test_features_pipeline import write_nifti, write_subject
from test_metrics_pipeline import make_config as metric_config
from test_metrics_pipeline import make_seg
from test_metrics_pipeline import write_nifti as write_seg


@pytest.fixture
def log_messages():
    messages: list[str] = []
    handler = logger.add(lambda m: messages.append(str(m)), level="INFO", format="{level} {message}")
    yield messages
    logger.remove(handler)


def _denied(path: Path) -> PermissionError:
    return PermissionError(errno.EACCES, "Permission denied", str(path))


def deny(monkeypatch: pytest.MonkeyPatch, target: Path, *, listing: bool = True, files: bool = True) -> None:
    """Make the OS refuse ``target`` (a folder: listing it and reaching inside; a file: opening it)."""
    target = os.path.abspath(target)

    def inside(path) -> bool:
        path = os.path.abspath(os.fspath(path)) if isinstance(path, (str, os.PathLike)) else ""
        return path == target or path.startswith(target + os.sep)

    real_scandir, real_listdir, real_stat = os.scandir, os.listdir, os.stat
    real_open, real_io_open, real_os_open = builtins.open, io.open, os.open

    def lister(real):
        def list_(path=".", *args, **kwargs):
            if listing and inside(path):
                raise _denied(path)
            return real(path, *args, **kwargs)
        return list_

    def stat(path, *args, **kwargs):
        if files and inside(path) and os.path.abspath(os.fspath(path)) != target:
            raise _denied(path)
        return real_stat(path, *args, **kwargs)

    def opener(real):
        def open_(file, *args, **kwargs):
            if files and inside(file):
                raise _denied(file)
            return real(file, *args, **kwargs)
        return open_

    monkeypatch.setattr(os, "scandir", lister(real_scandir))
    monkeypatch.setattr(os, "listdir", lister(real_listdir))
    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(builtins, "open", opener(real_open))
    monkeypatch.setattr(io, "open", opener(real_io_open))
    monkeypatch.setattr(os, "open", opener(real_os_open))


# ------------------------------------------------------------------------------------------ item 1
def _two_subject_dataset(root: Path) -> Path:
    write_subject(root, "S1", 1)
    write_subject(root, "S2", 2)
    return root


@pytest.mark.parametrize("how", ["empty", "renamed", "unreadable", "stray folders only"])
def test_feature_dataset_without_subjects_keeps_previous_csv(tmp_path, monkeypatch, how):
    data = _two_subject_dataset(tmp_path / "SiteB_images")
    other = write_subject(tmp_path / "SiteA_images", "A1", 3).parent
    config = feature_config(tmp_path, {"SiteA": other, "SiteB": data})
    assert run_feature_extraction(config).exit_code == EXIT_OK
    csv = tmp_path / "out" / "extracted_information_SiteB.csv"
    before = csv.read_bytes()
    data.rename(tmp_path / "moved_away")
    if how != "renamed":
        data.mkdir()
    if how == "unreadable":
        deny(monkeypatch, data)
    if how == "stray folders only":
        (data / "notes").mkdir()
    summary = run_feature_extraction(config)
    assert summary.exit_code == EXIT_PARTIAL  # SiteA was written: partial, not a config error
    site_a, site_b = summary.datasets
    assert site_a.error is None and site_a.n_written == 1
    assert site_b.error is not None and str(data) in site_b.error and site_b.output is None
    reason = {"empty": "no subject folder", "renamed": "folder not found", "unreadable": "permission denied",
              "stray folders only": "none of the 1 folder(s) holds the expected files"}[how]
    assert reason in site_b.error
    assert csv.read_bytes() == before  # the previous CSV is kept


def test_nothing_could_run_exits_1_and_the_cli_says_why(tmp_path):
    from typer.testing import CliRunner

    from auditapp.cli import app

    (tmp_path / "data").mkdir()
    (tmp_path / "fe.yaml").write_text(
        "data_paths: {Empty: ./data}\noutput_path: ./out\nsequences: [_t1]\nlabels: {BKG: 0, ET: 3}\ncpu_cores: 1\n")
    result = CliRunner().invoke(app, ["feature-extraction", "--config", str(tmp_path / "fe.yaml")])
    assert result.exit_code == EXIT_CONFIG, result.output
    assert f"Empty: not written: no subject folder in {tmp_path / 'data'}" in result.output
    assert not (tmp_path / "out" / "extracted_information_Empty.csv").exists()


@pytest.mark.parametrize("how", ["empty", "renamed", "unreadable"])
def test_metric_dataset_without_subjects_keeps_previous_csv(tmp_path, monkeypatch, how):
    gt, model = tmp_path / "gt", tmp_path / "m"
    for n, subject in enumerate(("S1", "S2")):
        write_seg(gt / subject / f"{subject}_seg.nii.gz", make_seg(n))
        write_seg(model / subject / f"{subject}_pred.nii.gz", make_seg(n, shift=1))
    config = metric_config(tmp_path, gt, {"m": model})
    assert run_metric_extraction(config).exit_code == EXIT_OK
    csv = tmp_path / "out" / "extracted_information_DS.csv"
    matrix = tmp_path / "out" / "error_matrix_DS.csv"
    before = csv.read_bytes(), matrix.read_bytes()
    gt.rename(tmp_path / "moved_away")
    if how != "renamed":
        gt.mkdir()
    if how == "unreadable":
        deny(monkeypatch, gt)
    summary = run_metric_extraction(config)
    assert summary.exit_code == EXIT_CONFIG  # the only dataset could not run
    (dataset,) = summary.datasets
    assert dataset.error is not None and str(gt) in dataset.error
    assert {"empty": "no subject folder", "renamed": "folder not found",
            "unreadable": "permission denied"}[how] in dataset.error
    assert (csv.read_bytes(), matrix.read_bytes()) == before


# ------------------------------------------------------------------------------------------ items 2 and 16
def test_feature_subject_folder_permission_denied_is_a_read_failure(tmp_path, monkeypatch):
    data = tmp_path / "data"
    for n, subject in enumerate(("S1", "S2", "S3")):
        write_subject(data, subject, n)
    second = tmp_path / "more"
    write_subject(second, "T1", 7)
    deny(monkeypatch, data / "S2")
    summary = run_feature_extraction(feature_config(tmp_path, {"DS": data, "More": second}))
    assert summary.exit_code == EXIT_PARTIAL
    frame = pd.read_csv(tmp_path / "out" / "extracted_information_DS.csv")
    assert frame["ID"].tolist() == ["S1", "S3"]
    assert pd.read_csv(tmp_path / "out" / "extracted_information_More.csv")["ID"].tolist() == ["T1"]
    failures = pd.read_csv(tmp_path / "out" / "failures_DS.csv")
    assert failures["ID"].tolist() == ["S2"] and failures["stage"].tolist() == ["read"]
    assert failures["error"][0].startswith(f"permission denied: {data / 'S2'}")


def test_feature_file_permission_denied_is_not_called_corrupt(tmp_path, monkeypatch):
    data = tmp_path / "data"
    write_subject(data, "S1", 1)
    write_subject(data, "S2", 2)
    deny(monkeypatch, data / "S2" / "S2_t2.nii.gz")
    summary = run_feature_extraction(feature_config(tmp_path, {"DS": data}))
    assert summary.exit_code == EXIT_PARTIAL
    failures = pd.read_csv(tmp_path / "out" / "failures_DS.csv")
    assert failures["stage"].tolist() == ["read"]
    assert failures["error"][0] == f"permission denied: {data / 'S2' / 'S2_t2.nii.gz'}"
    assert "corrupt" not in failures["error"][0]
    assert pd.read_csv(tmp_path / "out" / "extracted_information_DS.csv")["ID"].tolist() == ["S1"]


def test_metric_permission_denied_on_a_subject_folder_and_a_prediction(tmp_path, monkeypatch):
    gt, model = tmp_path / "gt", tmp_path / "m"
    for n, subject in enumerate(("S1", "S2", "S3")):
        write_seg(gt / subject / f"{subject}_seg.nii.gz", make_seg(n))
        write_seg(model / subject / f"{subject}_pred.nii.gz", make_seg(n, shift=1))
    deny(monkeypatch, gt / "S1")
    deny(monkeypatch, model / "S3" / "S3_pred.nii.gz")
    summary = run_metric_extraction(metric_config(tmp_path, gt, {"m": model}))
    assert summary.exit_code == EXIT_PARTIAL
    failures = pd.read_csv(tmp_path / "out" / "failures_DS.csv")
    assert failures["ID"].tolist() == ["S1", "S3"]  # the metric failures file is ID, model, error (metrics.md)
    assert failures["error"].tolist() == [f"permission denied: {gt / 'S1'}",
                                          f"permission denied: {model / 'S3' / 'S3_pred.nii.gz'}"]
    assert set(pd.read_csv(tmp_path / "out" / "extracted_information_DS.csv")["ID"]) == {"S2"}


def test_nan_voxels_name_the_sequence_file(tmp_path):
    data = tmp_path / "data"
    write_subject(data, "A", 1)
    folder = write_subject(data, "B", 2)
    image = np.full((10, 12, 11), 100.0, np.float32)
    image[4, 5, 6] = np.inf
    write_nifti(folder / "B_t1ce.nii.gz", image)
    for families in (FeatureFamilies(), FeatureFamilies(texture=False)):  # texture first, then statistics
        config = feature_config(tmp_path, {"DS": data}, features=families)
        assert run_feature_extraction(config).exit_code == EXIT_PARTIAL
        failures = pd.read_csv(tmp_path / "out" / "failures_DS.csv")
        assert failures["ID"].tolist() == ["B"]
        assert failures["error"][0].startswith("B_t1ce.nii.gz: ") and "NaN or infinite" in failures["error"][0]


def test_stray_folder_in_a_metric_dataset_is_a_warning(tmp_path, log_messages):
    gt, model = tmp_path / "gt", tmp_path / "m"
    for n, subject in enumerate(("S1", "S2")):
        write_seg(gt / subject / f"{subject}_seg.nii.gz", make_seg(n))
        write_seg(model / f"{subject}_pred.nii.gz", make_seg(n, shift=1))
    (gt / "notes").mkdir()
    (gt / "notes" / "readme.txt").write_text("not a subject")
    summary = run_metric_extraction(metric_config(tmp_path, gt, {"m": model}))
    assert summary.exit_code == EXIT_OK and summary.datasets[0].n_failed == 0
    assert not (tmp_path / "out" / "failures_DS.csv").exists()
    assert any(m.startswith("WARNING") and "folder 'notes' holds none of the expected files" in m
               for m in log_messages)
