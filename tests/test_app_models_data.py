"""Error-matrix data and other helpers of auditapp.app.data, called directly (no Streamlit server)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auditapp.app import data as dm
from auditapp.app.selection import toggle_subjects
from auditapp.config.model import AppConfig, Label
from auditapp.errors import AuditappError
from auditapp.io.nifti_write import write_volume

LABELS = (Label("BKG", (0,)), Label("EDE", (3,)), Label("ENH", (1,)), Label("NEC", (2,)))


@pytest.fixture(autouse=True)
def _fresh_caches():
    dm.subject_counts.clear()
    from auditapp.app.data import _error_matrix

    _error_matrix._stacked_counts.clear()
    _error_matrix._list_nifti_pairs.clear()
    dm.read_error_matrix_csv.clear()
    _error_matrix._computed_keys().clear()
    yield


def _write_pair(raw, pred_dir, sid, gt, pred):
    (raw / sid).mkdir(parents=True, exist_ok=True)
    write_volume(raw / sid / f"{sid}_seg.nii.gz", gt)
    if pred is not None:
        (pred_dir / sid).mkdir(parents=True, exist_ok=True)
        write_volume(pred_dir / sid / f"{sid}_pred.nii.gz", pred)


def test_error_matrix_csv_next_to_metrics(tmp_path):
    metrics = tmp_path / "extracted_information_Duke.csv"
    metrics.write_text("ID,region,model,dice\n")
    cfg = AppConfig(metrics={"Duke": metrics})
    assert dm.error_matrix_csv_path(cfg, "Duke") is None
    side = tmp_path / "error_matrix_Duke.csv"
    side.write_text("ID,model,gt_value,pred_value,count\nD1,m,0,1,5\n")
    assert dm.error_matrix_csv_path(cfg, "Duke") == side
    assert dm.error_matrix_sets(cfg) == ["Duke"]
    assert dm.error_matrix_models(cfg, "Duke") == ["m"]
    explicit = AppConfig(metrics={"Duke": metrics}, error_matrices={"Duke": tmp_path / "missing.csv"})
    assert dm.error_matrix_csv_path(explicit, "Duke") is None


def test_read_error_matrix_csv_rejects_other_tables(tmp_path):
    bad = tmp_path / "error_matrix_x.csv"
    bad.write_text("ID,model,count\nD1,m,5\n")
    st_ = bad.stat()
    with pytest.raises(AuditappError, match="missing column\\(s\\) gt_value, pred_value"):
        dm.read_error_matrix_csv(str(bad), st_.st_mtime_ns, st_.st_size)


def test_nifti_source_counts_once_and_reports_progress_for_new_subjects_only(tmp_path):
    raw, pred_dir = tmp_path / "raw", tmp_path / "pred"
    gt = np.array([0, 0, 3, 3, 1, 2], dtype=np.uint8).reshape(1, 2, 3)
    _write_pair(raw, pred_dir, "S1", gt, np.array([0, 3, 3, 0, 1, 1], dtype=np.uint8).reshape(1, 2, 3))
    _write_pair(raw, pred_dir, "S2", gt, gt)
    _write_pair(raw, pred_dir, "S3", gt, None)
    cfg = AppConfig(raw_datasets={"D": raw}, predictions={"D": {"m": pred_dir}}, labels=LABELS)
    source = dm.error_matrix_source(cfg, "D", "m")
    assert source.kind == "nifti" and source.subjects == ["S1", "S2"]
    assert list(source.skipped) == ["S3"] and source.skipped["S3"].startswith("no prediction S3_pred.nii.gz")
    calls = []
    counts, used, skipped = dm.gather_counts(source, "m", source.subjects, progress=lambda *a: calls.append(a))
    assert used == ["S1", "S2"] and skipped == {}
    assert calls == [(0, 2, "S1"), (1, 2, "S2"), (2, 2, "")]
    total = dm.summed_counts(counts)
    assert total.values.tolist() == [[0, 0, 3], [0, 3, 1], [1, 1, 2], [2, 1, 1], [2, 2, 1], [3, 0, 1], [3, 3, 3]]
    calls.clear()
    dm.gather_counts(source, "m", source.subjects, progress=lambda *a: calls.append(a))
    assert calls == []  # cached: no progress bar on revisit
    matrix = dm.matrix_view(total, dict(BKG=0, EDE=3, ENH=1, NEC=2), normalize=False, n_subjects=2, average=True)
    # S1 errors: BKG->EDE 1, EDE->BKG 1, NEC->ENH 1; averaged over 2 subjects
    assert matrix.loc["BKG", "EDE"] == 0.5 and matrix.loc["EDE", "BKG"] == 0.5 and matrix.loc["NEC", "ENH"] == 0.5
    assert matrix.to_numpy().sum() == 1.5


def test_unreadable_prediction_is_skipped_with_reason(tmp_path):
    raw, pred_dir = tmp_path / "raw", tmp_path / "pred"
    gt = np.zeros((1, 2, 2), dtype=np.uint8)
    _write_pair(raw, pred_dir, "S1", gt, gt)
    _write_pair(raw, pred_dir, "S2", gt, np.zeros((2, 2, 2), dtype=np.uint8))  # shape mismatch
    cfg = AppConfig(raw_datasets={"D": raw}, predictions={"D": {"m": pred_dir}}, labels=LABELS)
    source = dm.error_matrix_source(cfg, "D", "m")
    counts, used, skipped = dm.gather_counts(source, "m", source.subjects)
    assert used == ["S1"]
    assert "shape mismatch: ground truth (1, 2, 2) vs prediction (2, 2, 2)" in skipped["S2"]


@pytest.mark.parametrize("key, message", [
    ("predictions", "No predictions of m configured for D"),
    ("raw_datasets", "No ground truth folder for D"),
])
def test_source_problems_name_the_missing_key(tmp_path, key, message):
    kwargs = {"raw_datasets": {"D": tmp_path}, "predictions": {"D": {"m": tmp_path}}}
    kwargs.pop(key)
    source = dm.error_matrix_source(AppConfig(**kwargs), "D", "m")
    assert source.kind == "none" and source.problem.startswith(message)


def test_missing_folder_is_named(tmp_path):
    cfg = AppConfig(raw_datasets={"D": tmp_path / "nope"}, predictions={"D": {"m": tmp_path}})
    assert dm.error_matrix_source(cfg, "D", "m").problem == (
        f"Folder not found: {tmp_path / 'nope'} (raw_datasets.D in app.yaml).")


def test_toggle_subjects():
    assert toggle_subjects([], [("A", "1")]) == [("A", "1")]
    assert toggle_subjects([("A", "1")], [("A", "1")]) == []
    assert toggle_subjects([["A", "1"]], [("B", "2")]) == [("A", "1"), ("B", "2")]


def test_models_by_set(tmp_path):
    for name, models in (("a", ["m2", "m1", "m2"]), ("b", ["m1"])):
        pd.DataFrame({"ID": [f"S{i}" for i in range(len(models))], "region": "ET", "model": models,
                      "dice": 0.5}).to_csv(tmp_path / f"{name}.csv", index=False)
    cfg = AppConfig(metrics={"a": tmp_path / "a.csv", "b": tmp_path / "b.csv"})
    assert dm.models_by_set(cfg) == {"a": ["m1", "m2"], "b": ["m1"]}
