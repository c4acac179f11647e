"""Metric-extraction pipeline on synthetic NIfTI files: outputs, layout, every bad input, workers."""

from __future__ import annotations

import gzip
import math
import re
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
from loguru import logger

from auditapp.config.model import ALL_METRICS, Formats, Label, MetricExtractionConfig
from auditapp.metrics.distances import distance_metrics
from auditapp.pipelines.metrics import run_metric_extraction

SHAPE = (10, 12, 14)  # (k, j, i)
LABELS = (Label("BKG", (0,)), Label("EDE", (3,)), Label("ENH", (1,)), Label("NEC", (2,)))


def write_nifti(path: Path, data_kji: np.ndarray, spacing_kji=(1.0, 1.0, 1.0)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = nib.Nifti1Image(np.ascontiguousarray(data_kji.T), np.diag([*spacing_kji[::-1], 1.0]))
    image.set_data_dtype(data_kji.dtype)
    nib.save(image, str(path))
    return path


def make_seg(seed: int, shift: int = 0, dtype=np.uint8) -> np.ndarray:
    rng = np.random.default_rng(seed)
    seg = np.zeros(SHAPE, dtype)
    k0, j0, i0 = 2 + shift, 3 + int(rng.integers(0, 2)), 3
    seg[k0:k0 + 6, j0:j0 + 6, i0:i0 + 7] = 3
    seg[k0 + 1:k0 + 4, j0 + 1:j0 + 4, i0 + 1:i0 + 5] = 1
    seg[k0 + 2:k0 + 3, j0 + 2:j0 + 3, i0 + 2:i0 + 3] = 2
    return seg


@pytest.fixture
def log_messages():
    messages: list[str] = []
    handler = logger.add(lambda m: messages.append(str(m)), level="INFO", format="{level} {message}")
    yield messages
    logger.remove(handler)


@pytest.fixture
def dataset(tmp_path):
    """Three subjects, two models (nested and flat layouts); every pair valid."""
    gt_root = tmp_path / "gt"
    models = {"nnUnet": tmp_path / "pred_nn", "SegResNet": tmp_path / "pred_srn"}
    for n, subject in enumerate(("S1", "S2", "S3")):
        write_nifti(gt_root / subject / f"{subject}_seg.nii.gz", make_seg(n))
        write_nifti(models["nnUnet"] / subject / f"{subject}_pred.nii.gz", make_seg(n, shift=1))
        write_nifti(models["SegResNet"] / f"{subject}_pred.nii.gz", make_seg(n + 10))  # flat layout
    return tmp_path, gt_root, models


def make_config(tmp_path, gt_root, models, **kwargs) -> MetricExtractionConfig:
    params = dict(data_path=gt_root, model_predictions_paths=models, output_path=tmp_path / "out",
                  filename="DS", logs_path=tmp_path / "logs", labels=LABELS, cpu_cores=1)
    params.update(kwargs)
    return MetricExtractionConfig(**params)


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=True)


# --------------------------------------------------------------------------- output format


def test_output_columns_rows_and_values(dataset):
    tmp_path, gt_root, models = dataset
    summary = run_metric_extraction(make_config(tmp_path, gt_root, models, metrics=ALL_METRICS))
    assert summary.exit_code == 0
    d = summary.datasets[0]
    assert (d.name, d.n_written, d.n_failed, d.failures_file) == ("DS", 6, 0, None)
    out = tmp_path / "out" / "extracted_information_DS.csv"
    assert d.output == str(out)
    frame = read_csv(out)
    assert list(frame.columns) == ["ID", "region", "model", "accuracy", "assd", "dice", "gt_size",
                                   "hausdorff_distance", "hd95", "jaccard", "nsd", "precision",
                                   "predicted_size", "sensitivity", "specificity", "volume_similarity"]
    # rows by model (code point: 'SegResNet' < 'nnUnet'), then ID, then region
    keys = list(zip(frame["model"], frame["ID"], frame["region"]))
    assert keys == sorted(keys) and len(keys) == 18
    assert keys[0] == ("SegResNet", "S1", "EDE") and keys[-1] == ("nnUnet", "S3", "NEC")
    # a value checked by hand: nnUnet S1 is the GT shifted by one slice along k
    gt = make_seg(0)
    pred = make_seg(0, shift=1)
    g, p = gt == 3, pred == 3
    tp, fp, fn = (g & p).sum(), (p & ~g).sum(), (g & ~p).sum()
    row = frame[(frame.model == "nnUnet") & (frame.ID == "S1") & (frame.region == "EDE")].iloc[0]
    assert row["dice"] == 2 * tp / (2 * tp + fp + fn)
    assert row["predicted_size"] == float(p.sum())
    assert row["gt_size"] == float(g.sum())
    text = out.read_text()
    assert "\r\n" not in text and text.endswith("\n")


def test_reference_metrics_only_by_default_and_nan_written_empty(tmp_path):
    gt_root = tmp_path / "gt"
    seg = make_seg(0)
    gt_no_nec = seg.copy()
    gt_no_nec[gt_no_nec == 2] = 1
    write_nifti(gt_root / "A" / "A_seg.nii.gz", gt_no_nec)  # NEC absent from the GT
    write_nifti(tmp_path / "m" / "A" / "A_pred.nii.gz", seg)  # one NEC voxel in the prediction
    run_metric_extraction(make_config(tmp_path, gt_root, {"m": tmp_path / "m"}))
    text = (tmp_path / "out" / "extracted_information_DS.csv").read_text().splitlines()
    assert text[0] == ("ID,region,model,accuracy,dice,hausdorff_distance,jaccard,precision,"
                       "predicted_size,sensitivity,specificity")
    nec = next(line for line in text if ",NEC," in line).split(",")
    # GT empty, pred present: hausdorff and sensitivity NaN -> empty fields
    assert nec[5] == "" and nec[9] == ""
    assert nec[4] == "0.0" and nec[8] == "1.0"  # dice, predicted_size


def test_error_matrix_side_output(dataset):
    tmp_path, gt_root, models = dataset
    run_metric_extraction(make_config(tmp_path, gt_root, models))
    matrix = read_csv(tmp_path / "out" / "error_matrix_DS.csv")
    assert list(matrix.columns) == ["ID", "model", "gt_value", "pred_value", "count"]
    keys = list(zip(matrix["model"], matrix["ID"], matrix["gt_value"], matrix["pred_value"]))
    assert keys == sorted(keys)
    for (model, subject), part in matrix.groupby(["model", "ID"]):
        n = int(subject[1]) - 1
        gt = make_seg(n)
        pred = make_seg(n, shift=1) if model == "nnUnet" else make_seg(n + 10)
        expected = {}
        for g, p in zip(gt.ravel(), pred.ravel()):
            expected[(int(g), int(p))] = expected.get((int(g), int(p)), 0) + 1
        got = {(int(r.gt_value), int(r.pred_value)): int(r["count"]) for _, r in part.iterrows()}
        assert got == expected
    text = (tmp_path / "out" / "error_matrix_DS.csv").read_text()
    assert ".0" not in text  # integers


def test_no_error_matrix_when_disabled(dataset):
    tmp_path, gt_root, models = dataset
    run_metric_extraction(make_config(tmp_path, gt_root, models, save_error_matrix=False))
    assert not (tmp_path / "out" / "error_matrix_DS.csv").exists()


def test_composite_and_background_labels(dataset):
    tmp_path, gt_root, models = dataset
    labels = (Label("background", (0,)), Label("BKG", (3,)), Label("WT", (1, 2, 3), True))
    run_metric_extraction(make_config(tmp_path, gt_root, models, labels=labels, metrics=("dice",)))
    frame = read_csv(tmp_path / "out" / "extracted_information_DS.csv")
    assert sorted(set(frame["region"])) == ["BKG", "WT"]  # value 0 never a region, whatever its name
    gt, pred = make_seg(0) > 0, make_seg(0, shift=1) > 0
    row = frame[(frame.model == "nnUnet") & (frame.ID == "S1") & (frame.region == "WT")].iloc[0]
    assert row["dice"] == 2 * (gt & pred).sum() / (gt.sum() + pred.sum())


def test_worker_count_gives_identical_output(dataset):
    tmp_path, gt_root, models = dataset
    run_metric_extraction(make_config(tmp_path, gt_root, models, metrics=ALL_METRICS))
    one = (tmp_path / "out" / "extracted_information_DS.csv").read_bytes()
    one_matrix = (tmp_path / "out" / "error_matrix_DS.csv").read_bytes()
    run_metric_extraction(make_config(tmp_path, gt_root, models, metrics=ALL_METRICS, cpu_cores=2,
                                      output_path=tmp_path / "out2"))
    assert (tmp_path / "out2" / "extracted_information_DS.csv").read_bytes() == one
    assert (tmp_path / "out2" / "error_matrix_DS.csv").read_bytes() == one_matrix


def test_progress_callback_counts_pairs(dataset):
    tmp_path, gt_root, models = dataset
    calls = []
    run_metric_extraction(make_config(tmp_path, gt_root, models),
                          progress=lambda name, done, total, current: calls.append((name, done, total, current)))
    assert [c[1] for c in calls] == [2, 4, 6]
    assert {c[0] for c in calls} == {"DS"} and {c[2] for c in calls} == {6}
    assert [c[3] for c in calls] == ["S1", "S2", "S3"]


def test_hidden_folder_skipped_and_extra_predictions_ignored(dataset, log_messages):
    tmp_path, gt_root, models = dataset
    (gt_root / ".ipynb_checkpoints").mkdir()
    write_nifti(models["nnUnet"] / "S9" / "S9_pred.nii.gz", make_seg(0))
    summary = run_metric_extraction(make_config(tmp_path, gt_root, models))
    assert summary.exit_code == 0 and summary.datasets[0].n_written == 6
    assert any("skipping hidden folder" in m and ".ipynb_checkpoints" in m for m in log_messages)
    assert any("model nnUnet: 1 prediction(s) with no ground-truth subject ignored" in m for m in log_messages)
    assert any("Starting metric extraction for DS: 3 subjects × 2 models" in m for m in log_messages)


def test_nii_extension_accepted(tmp_path):
    write_nifti(tmp_path / "gt" / "A" / "A_seg.nii", make_seg(0))
    write_nifti(tmp_path / "m" / "A_pred.nii", make_seg(0))
    cfg = make_config(tmp_path, tmp_path / "gt", {"m": tmp_path / "m"},
                      formats=Formats(segmentation=(".nii.gz",), prediction=(".nii.gz",)))
    summary = run_metric_extraction(cfg)
    assert summary.exit_code == 0
    frame = read_csv(tmp_path / "out" / "extracted_information_DS.csv")
    assert frame["dice"].tolist() == [1.0, 1.0, 1.0]


# --------------------------------------------------------------------------- bad inputs


def _failures(tmp_path) -> pd.DataFrame:
    return pd.read_csv(tmp_path / "out" / "failures_DS.csv")


def _assert_only_pair_failed(tmp_path, summary, subject, model, match):
    assert summary.exit_code == 3
    assert summary.datasets[0].n_failed == 1
    assert summary.datasets[0].n_written == 5
    failures = _failures(tmp_path)
    assert list(failures.columns) == ["ID", "model", "error"]
    assert failures[["ID", "model"]].values.tolist() == [[subject, model]]
    assert re.search(match, failures["error"].iloc[0]), failures["error"].iloc[0]
    frame = read_csv(tmp_path / "out" / "extracted_information_DS.csv")
    assert len(frame) == 15
    assert (subject, model) not in set(zip(frame["ID"], frame["model"]))
    matrix = read_csv(tmp_path / "out" / "error_matrix_DS.csv")
    assert (subject, model) not in set(zip(matrix["ID"], matrix["model"]))


def test_missing_prediction(dataset, log_messages):
    tmp_path, gt_root, models = dataset
    (models["SegResNet"] / "S2_pred.nii.gz").unlink()
    summary = run_metric_extraction(make_config(tmp_path, gt_root, models))
    _assert_only_pair_failed(tmp_path, summary, "S2", "SegResNet",
                             r"prediction not found\. Tried: .*pred_srn/S2/S2_pred\.nii\.gz.*pred_srn/S2_pred\.nii\.gz")
    assert any("WARNING" in m and "S2 / SegResNet: failed" in m for m in log_messages)


def test_corrupt_prediction(dataset):
    tmp_path, gt_root, models = dataset
    (models["nnUnet"] / "S3" / "S3_pred.nii.gz").write_bytes(b"this is not gzip at all")
    summary = run_metric_extraction(make_config(tmp_path, gt_root, models))
    _assert_only_pair_failed(tmp_path, summary, "S3", "nnUnet", r"cannot read S3_pred\.nii\.gz")


def test_truncated_prediction(dataset):
    tmp_path, gt_root, models = dataset
    path = models["nnUnet"] / "S1" / "S1_pred.nii.gz"
    raw = gzip.compress(gzip.decompress(path.read_bytes()))
    path.write_bytes(raw[: len(raw) // 2])
    summary = run_metric_extraction(make_config(tmp_path, gt_root, models))
    _assert_only_pair_failed(tmp_path, summary, "S1", "nnUnet", r"corrupt, truncated or not a NIfTI")


def test_shape_mismatch(dataset):
    tmp_path, gt_root, models = dataset
    write_nifti(models["nnUnet"] / "S2" / "S2_pred.nii.gz", make_seg(1)[:, :, :13])
    summary = run_metric_extraction(make_config(tmp_path, gt_root, models))
    _assert_only_pair_failed(tmp_path, summary, "S2", "nnUnet",
                             r"^Shape mismatch for S2: ground truth \(10, 12, 14\), prediction \(10, 12, 13\)\.")


def test_spacing_mismatch(dataset):
    tmp_path, gt_root, models = dataset
    write_nifti(models["SegResNet"] / "S1_pred.nii.gz", make_seg(10), spacing_kji=(2.0, 1.0, 1.0))
    summary = run_metric_extraction(make_config(tmp_path, gt_root, models))
    _assert_only_pair_failed(
        tmp_path, summary, "S1", "SegResNet",
        r"^Spacing mismatch for S1: ground truth \[1\.0, 1\.0, 1\.0\], prediction \[2\.0, 1\.0, 1\.0\]\.")


def test_missing_ground_truth_fails_every_pair_of_the_subject(dataset):
    tmp_path, gt_root, models = dataset
    (gt_root / "S2" / "S2_seg.nii.gz").unlink()
    summary = run_metric_extraction(make_config(tmp_path, gt_root, models))
    assert summary.exit_code == 3
    assert summary.datasets[0].n_failed == 2 and summary.datasets[0].n_written == 4
    failures = _failures(tmp_path)
    assert failures[["ID", "model"]].values.tolist() == [["S2", "SegResNet"], ["S2", "nnUnet"]]
    assert failures["error"].str.contains(r"ground truth not found: .*gt/S2/S2_seg\.nii\.gz").all()
    frame = read_csv(tmp_path / "out" / "extracted_information_DS.csv")
    assert "S2" not in set(frame["ID"]) and len(frame) == 12


def test_corrupt_ground_truth(dataset):
    tmp_path, gt_root, models = dataset
    (gt_root / "S1" / "S1_seg.nii.gz").write_bytes(b"\x1f\x8b garbage")
    summary = run_metric_extraction(make_config(tmp_path, gt_root, models))
    assert summary.exit_code == 3 and summary.datasets[0].n_failed == 2
    assert _failures(tmp_path)["error"].str.contains("cannot read S1_seg.nii.gz").all()


def test_stale_failures_file_deleted(dataset):
    tmp_path, gt_root, models = dataset
    (models["SegResNet"] / "S2_pred.nii.gz").rename(tmp_path / "kept.nii.gz")
    assert run_metric_extraction(make_config(tmp_path, gt_root, models)).exit_code == 3
    assert (tmp_path / "out" / "failures_DS.csv").exists()
    (tmp_path / "kept.nii.gz").rename(models["SegResNet"] / "S2_pred.nii.gz")
    assert run_metric_extraction(make_config(tmp_path, gt_root, models)).exit_code == 0
    assert not (tmp_path / "out" / "failures_DS.csv").exists()


def test_every_pair_failed_gives_header_only_csv(tmp_path, log_messages):
    (tmp_path / "gt" / "A").mkdir(parents=True)  # a subject folder without its ground truth
    write_nifti(tmp_path / "m" / "A_pred.nii.gz", make_seg(0))  # (with no file at all it is a stray folder)
    summary = run_metric_extraction(make_config(tmp_path, tmp_path / "gt", {"m": tmp_path / "m"}))
    assert summary.exit_code == 3
    text = (tmp_path / "out" / "extracted_information_DS.csv").read_text()
    assert text == ("ID,region,model,accuracy,dice,hausdorff_distance,jaccard,precision,predicted_size,"
                    "sensitivity,specificity\n")
    assert any("WARNING" in m and "holds only its header" in m for m in log_messages)


def test_no_subject_writes_nothing(tmp_path):
    (tmp_path / "gt").mkdir()
    (tmp_path / "m").mkdir()
    summary = run_metric_extraction(make_config(tmp_path, tmp_path / "gt", {"m": tmp_path / "m"},
                                                metrics=("dice",)))
    assert summary.exit_code == 1 and summary.datasets[0].n_written == 0
    assert summary.datasets[0].error == f"no subject folder in {tmp_path / 'gt'}"
    assert not (tmp_path / "out" / "extracted_information_DS.csv").exists()


def test_unconfigured_values_warned_once_per_model_and_kind(dataset, log_messages):
    tmp_path, gt_root, models = dataset
    for subject in ("S1", "S3"):
        path = models["nnUnet"] / subject / f"{subject}_pred.nii.gz"
        data = np.asarray(nib.load(str(path)).dataobj).T.copy()
        data[0, 0, 0] = 4
        write_nifti(path, data)
    gt = make_seg(1)
    gt[0, 0, 1] = 7
    write_nifti(gt_root / "S2" / "S2_seg.nii.gz", gt)
    summary = run_metric_extraction(make_config(tmp_path, gt_root, models))
    assert summary.exit_code == 0
    warnings_ = [m for m in log_messages if m.startswith("WARNING")]
    assert any("model nnUnet: prediction values [4] are not configured (2 subjects, e.g. S1); "
               "they count as background" in m for m in warnings_)
    assert any("ground truth values [7] are not configured (1 subject, e.g. S2); they count as background"
               in m for m in warnings_)
    assert sum("not configured" in m for m in warnings_) == 2
    assert summary.datasets[0].warning_counts["unconfigured values"] == 2
    # they count as background: the value-4 voxel is a false negative of nothing, a background voxel
    matrix = read_csv(tmp_path / "out" / "error_matrix_DS.csv")
    assert ((matrix.pred_value == 4) & (matrix.model == "nnUnet")).sum() == 2


def test_non_integral_prediction_warns_and_matches_nothing(tmp_path, log_messages):
    seg = make_seg(0)
    write_nifti(tmp_path / "gt" / "A" / "A_seg.nii.gz", seg)
    pred = seg.astype(np.float32)
    pred[pred == 2] = 2.5
    write_nifti(tmp_path / "m" / "A_pred.nii.gz", pred)
    summary = run_metric_extraction(make_config(tmp_path, tmp_path / "gt", {"m": tmp_path / "m"}))
    assert summary.exit_code == 0
    frame = read_csv(tmp_path / "out" / "extracted_information_DS.csv").set_index("region")
    assert frame.loc["NEC", "dice"] == 0.0 and frame.loc["EDE", "dice"] == 1.0
    assert any("A / m: prediction holds 1 voxels with non-integral values (e.g. 2.5)" in m for m in log_messages)


def test_missing_data_path_raises_before_any_output(dataset, tmp_path):
    # back end, metric names, nsd_tolerance and models are validated once, by the config loader
    # (tests/test_config_validation.py); the pipeline only checks what can change after loading
    _, gt_root, models = dataset
    summary = run_metric_extraction(make_config(tmp_path, tmp_path / "nowhere", models))
    assert summary.exit_code == 1 and summary.datasets[0].error == f"folder not found: {tmp_path / 'nowhere'}"
    assert not (tmp_path / "out").exists()


def test_nan_policy_in_csv_roundtrip(dataset):
    tmp_path, gt_root, models = dataset
    run_metric_extraction(make_config(tmp_path, gt_root, models, metrics=ALL_METRICS))
    frame = read_csv(tmp_path / "out" / "extracted_information_DS.csv")
    # every region is present in GT and predictions here: no NaN anywhere
    assert not frame.isna().any().any()
    assert all(math.isfinite(v) for v in frame["hd95"])


# --------------------------------------------------------------------------- CLI end to end


def test_cli_metric_extraction_end_to_end(dataset):
    from typer.testing import CliRunner

    from auditapp.cli import app

    tmp_path, gt_root, models = dataset
    (models["nnUnet"] / "S2" / "S2_pred.nii.gz").unlink()
    config = tmp_path / "metric_extraction.yaml"
    config.write_text(
        "data_path: gt\n"
        "model_predictions_paths:\n  nnUnet: pred_nn\n  SegResNet: pred_srn\n"
        "labels: {BKG: 0, EDE: 3, ENH: 1, NEC: 2, WT: [1, 2, 3]}\n"
        "package: audit\n"  # the tutorial's key
        "metrics: {dice: true, jacc: true, haus: true, size: true, hd95: true, nsd: true}\n"
        "nsd_tolerance: 0.5\n"
        "output_path: out\nfilename: DS\ncpu_cores: 1\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["metric-extraction", "--config", str(config)])
    assert result.exit_code == 3, result.output
    assert re.search(r"^DS: 5 written, 1 failed", result.stdout, re.M)
    frame = read_csv(tmp_path / "out" / "extracted_information_DS.csv")
    assert list(frame.columns) == ["ID", "region", "model", "dice", "hausdorff_distance", "hd95", "jaccard",
                                   "nsd", "predicted_size"]
    assert len(frame) == 5 * 4 and set(frame["region"]) == {"EDE", "ENH", "NEC", "WT"}
    failures = read_csv(tmp_path / "out" / "failures_DS.csv")
    assert failures[["ID", "model"]].values.tolist() == [["S2", "nnUnet"]]
    assert "prediction not found" in failures["error"].iloc[0]
    # nsd_tolerance reached the computation: with τ = 0.5 mm the 1-slice shift counts
    row = frame[(frame.model == "nnUnet") & (frame.ID == "S1") & (frame.region == "EDE")].iloc[0]
    expected = distance_metrics(make_seg(0) == 3, make_seg(0, shift=1) == 3, spacing=(1.0, 1.0, 1.0),
                                nsd_tolerance=0.5, metrics=["nsd"])["nsd"]
    assert row["nsd"] == expected < 1.0


def test_negative_label_values_are_counted_in_the_error_matrix(tmp_path):
    seg = make_seg(0).astype(np.int16)
    gt = seg.copy()
    gt[0, 0, 0] = -1
    write_nifti(tmp_path / "gt" / "A" / "A_seg.nii.gz", gt)
    write_nifti(tmp_path / "m" / "A_pred.nii.gz", seg)
    run_metric_extraction(make_config(tmp_path, tmp_path / "gt", {"m": tmp_path / "m"}))
    matrix = read_csv(tmp_path / "out" / "error_matrix_DS.csv")
    assert matrix[(matrix.gt_value == -1)]["count"].tolist() == [1]
    assert matrix["count"].sum() == gt.size
