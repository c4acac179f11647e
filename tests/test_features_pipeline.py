"""Feature extraction pipeline end to end on small synthetic NIfTI datasets (features.md §1-§5, §10-§14)."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import pytest

from auditapp.config.model import (
    FeatureExtractionConfig,
    FeatureFamilies,
    Label,
    LongitudinalSpec,
    MetadataSource,
)
from auditapp.features import spatial_features, statistical_features, texture_features, tumor_features
from auditapp.pipelines.features import run_feature_extraction

SEQUENCES = ("_t1", "_t2", "_t1ce", "_flair")
LABELS = (Label("BKG", (0,)), Label("EDE", (3,)), Label("ENH", (1,)), Label("NEC", (2,)))
SHAPE = (10, 12, 11)  # (k, j, i)
SPACING = (1.5, 1.0, 1.2)  # (k, j, i)


def write_nifti(path: Path, data_kji: np.ndarray, spacing_kji=SPACING) -> None:
    """Store a (k, j, i) array as NIfTI (nibabel's (i, j, k) order)."""
    image = nib.Nifti1Image(np.ascontiguousarray(data_kji.T), np.eye(4))
    image.header.set_zooms(tuple(spacing_kji[::-1]))
    nib.save(image, str(path))


def make_images(seed: int, shape=SHAPE) -> tuple[dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    brain = np.zeros(shape, bool)
    brain[1:-1, 2:-1, 1:-2] = True
    images = {}
    for n, suffix in enumerate(SEQUENCES):
        img = rng.normal(1000 + 100 * n, 150, size=shape).astype(np.float32)
        img[~brain] = 0
        images[suffix] = img
    seg = np.zeros(shape, np.uint8)
    seg[3:6, 4:8, 3:7] = 3
    seg[4:6, 5:7, 4:6] = 1
    seg[4, 5, 4] = 2
    return images, seg


def write_subject(root: Path, subject: str, seed: int, *, skip=(), seg=True, shape=SHAPE) -> Path:
    folder = root / subject
    folder.mkdir(parents=True, exist_ok=True)
    images, seg_data = make_images(seed, shape)
    for suffix, img in images.items():
        if suffix not in skip:
            write_nifti(folder / f"{subject}{suffix}.nii.gz", img)
    if seg:
        write_nifti(folder / f"{subject}_seg.nii.gz", seg_data)
    return folder


def make_config(tmp_path: Path, data_paths: dict[str, Path], **kwargs) -> FeatureExtractionConfig:
    defaults = dict(
        data_paths=data_paths, output_path=tmp_path / "out", logs_path=tmp_path / "logs",
        sequences=SEQUENCES, labels=LABELS, cpu_cores=1,
    )
    defaults.update(kwargs)
    return FeatureExtractionConfig(**defaults)


def read_output(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"ID": str, "longitudinal_id": str}, keep_default_na=False,
                       na_values=[""])


@pytest.fixture()
def good_dataset(tmp_path):
    root = tmp_path / "data"
    write_subject(root, "S02", 2)
    write_subject(root, "S01", 1, skip=("_t2",))
    zero = write_subject(root, "S03", 3)
    images, _ = make_images(3)
    write_nifti(zero / "S03_flair.nii.gz", np.zeros_like(images["_flair"]))
    (root / ".hidden").mkdir()
    (root / "empty").mkdir()
    (root / "empty" / "notes.txt").write_text("nothing here")
    (root / "plain_file.txt").write_text("ignored")
    return root


def test_good_dataset_values_columns_and_warnings(tmp_path, good_dataset):
    from loguru import logger

    calls, logged = [], []
    config = make_config(tmp_path, {"DS": good_dataset})
    sink = logger.add(lambda m: logged.append(m.record["message"]), level="INFO")
    try:
        summary = run_feature_extraction(config, progress=lambda *a: calls.append(a))
    finally:
        logger.remove(sink)
    assert "DS: Sequence '_t2' for subject 'S01' was not found" in logged
    assert ("DS: S03: sequence '_flair' has no positive voxel (all zero): its statistics are NaN"
            in logged)
    assert any(m.startswith("DS: folder 'empty' holds none of the expected files") for m in logged)
    assert "DS: hidden folder '.hidden' skipped" in logged
    assert summary.exit_code == 0
    (ds,) = summary.datasets
    assert (ds.n_written, ds.n_failed, ds.failures_file) == (3, 0, None)
    assert ds.warning_counts["missing _t2"] == 1
    assert ds.warning_counts["all-zero sequence"] == 1
    assert ds.warning_counts["folder without expected files"] == 1
    assert not (tmp_path / "out" / "failures_DS.csv").exists()
    assert calls[0] == ("DS", 0, 3, "") and calls[-1][:3] == ("DS", 3, 3)
    assert sorted(c[3] for c in calls[1:]) == ["S01", "S02", "S03"]

    csv_path = tmp_path / "out" / "extracted_information_DS.csv"
    frame = read_output(csv_path)
    assert frame["ID"].tolist() == ["S01", "S02", "S03"]  # sorted; hidden and empty folders skipped
    assert len(frame.columns) == 126
    # S01 lacks _t2: its 22 columns are empty, the rest is filled
    t2_cols = [c for c in frame.columns if c.startswith("t2_")]
    assert len(t2_cols) == 22 and frame.loc[0, t2_cols].isna().all()
    assert frame.loc[0, "t1_mean_contrast"] > 0
    # S03's flair is all zero: statistics and texture empty
    flair_cols = [c for c in frame.columns if c.startswith("flair_")]
    assert frame.loc[2, flair_cols].isna().all() and not frame.loc[1, flair_cols].isna().any()

    # values equal the pure functions on the same arrays
    images, seg = make_images(2)
    row = frame.loc[1]
    spacing = tuple(float(s) for s in np.float32(SPACING))
    spatial = spatial_features(images["_t1"], spacing=spacing)
    expected = {**spatial, **tumor_features(seg, spacing=spacing, labels=LABELS, brain_com=tuple(
        spatial[f"{p}_plane_center_of_mass"] for p in ("axial", "coronal", "sagittal")))}
    expected.update({f"t1ce_{k}": v for k, v in statistical_features(images["_t1ce"]).items()})
    expected.update({f"flair_{k}": v for k, v in texture_features(images["_flair"]).items()})
    for col, value in expected.items():
        assert row[col] == pytest.approx(value, rel=1e-15, abs=0), col
    assert row["longitudinal_id"] == "" or pd.isna(row["longitudinal_id"])
    assert row["time_point"] == 0

    # integer columns are written as integers, lesion_size_whole as a float
    text = csv_path.read_text().splitlines()
    header = text[0].split(",")
    values = text[2].split(",")
    cells = dict(zip(header, values))
    assert cells["axial_plane_resolution"] == "10"
    assert cells["lesion_size_ede"] == str(int(frame.loc[1, "lesion_size_ede"]))
    assert cells["lower_axial_tumor_slice"] == "3" and cells["time_point"] == "0"
    assert "." in cells["lesion_size_whole"]
    assert text[0].startswith("ID,axial_plane_resolution,") and csv_path.read_bytes().count(b"\r") == 0


def test_bad_inputs_fail_only_their_subject(tmp_path):
    root = tmp_path / "data"
    write_subject(root, "A_good", 1)
    write_subject(root, "Z_good", 2)
    # truncated gzip
    trunc = write_subject(root, "B_truncated", 3)
    raw = (trunc / "B_truncated_t2.nii.gz").read_bytes()
    (trunc / "B_truncated_t2.nii.gz").write_bytes(raw[: len(raw) // 2])
    # garbage instead of a NIfTI file
    garbage = write_subject(root, "C_garbage", 4)
    (garbage / "C_garbage_t1ce.nii.gz").write_bytes(gzip.compress(b"this is not a nifti file" * 20))
    # seg on another grid
    mism = write_subject(root, "D_mismatch", 5)
    write_nifti(mism / "D_mismatch_seg.nii.gz", np.zeros((10, 12, 9), np.uint8))
    # missing seg with tumour features on: a warning and empty tumour columns, not a failure (§12)
    write_subject(root, "E_noseg", 6, seg=False)

    out = tmp_path / "out"
    out.mkdir()
    from loguru import logger

    logged = []
    sink = logger.add(lambda m: logged.append(m.record["message"]), level="INFO")
    try:
        summary = run_feature_extraction(make_config(tmp_path, {"Bad": root}))
    finally:
        logger.remove(sink)
    assert "Bad: Segmentation '_seg' for subject 'E_noseg' was not found" in logged
    assert any(m.startswith("Bad: D_mismatch failed (check): shape mismatch") for m in logged)
    assert summary.exit_code == 3
    (ds,) = summary.datasets
    assert (ds.n_written, ds.n_failed) == (3, 3)
    assert ds.warning_counts["missing _seg"] == 1

    failures = pd.read_csv(out / "failures_Bad.csv")
    assert list(failures.columns) == ["ID", "stage", "error"]
    assert failures["ID"].tolist() == ["B_truncated", "C_garbage", "D_mismatch"]
    assert failures["stage"].tolist() == ["read", "read", "check"]
    errors = failures["error"].tolist()
    assert "B_truncated_t2.nii.gz" in errors[0] and "corrupt, truncated" in errors[0]
    assert "C_garbage_t1ce.nii.gz" in errors[1] and "corrupt, truncated" in errors[1]
    assert errors[2].startswith("shape mismatch: _t1 (10, 12, 11), _t2 (10, 12, 11)")
    assert "_seg (10, 12, 9)" in errors[2]

    frame = read_output(out / "extracted_information_Bad.csv")
    assert frame["ID"].tolist() == ["A_good", "E_noseg", "Z_good"]
    tumor_cols = [c for c in frame.columns if "center_mass" in c or "lesion_size" in c or "tumor_slice" in c]
    assert frame.loc[1, tumor_cols].isna().all() and not frame.loc[0, tumor_cols].isna().any()
    assert frame.loc[1, "t1_mean_intensity"] > 0 and frame.loc[1, "axial_plane_center_of_mass"] > 0
    assert "lesion_size_bkg" not in frame.columns

    # fix the inputs: the stale failures file is deleted
    for name in ("B_truncated", "C_garbage", "D_mismatch"):
        for path in (root / name).iterdir():
            path.unlink()
        (root / name).rmdir()
    summary = run_feature_extraction(make_config(tmp_path, {"Bad": root}))
    assert summary.exit_code == 0 and summary.datasets[0].failures_file is None
    assert not (out / "failures_Bad.csv").exists()


def test_missing_reference_sequence_and_seg_only_folders(tmp_path):
    root = tmp_path / "data"
    write_subject(root, "P1", 1, skip=SEQUENCES)  # like BraTS2024_PED / UCSF: segs only
    summary = run_feature_extraction(make_config(tmp_path, {"Segs": root}))
    assert summary.exit_code == 0
    counts = summary.datasets[0].warning_counts
    assert counts["missing _t1"] == 1 and counts["missing reference sequence"] == 1
    frame = read_output(tmp_path / "out" / "extracted_information_Segs.csv")
    row = frame.loc[0]
    assert math.isnan(row["axial_plane_resolution"]) and math.isnan(row["whole_tumor_location"])
    assert row["lesion_size_ede"] > 0 and not math.isnan(row["axial_whole_center_mass"])
    assert all(math.isnan(row[c]) for c in frame.columns if c.startswith(("t1_", "t2_", "t1ce_", "flair_")))


def test_unconfigured_values_longitudinal_and_metadata(tmp_path):
    root = tmp_path / "data"
    write_subject(root, "Pat_001_03", 1)
    odd = write_subject(root, "Pat_002_x", 2)
    _, seg = make_images(2)
    seg[7, 9, 8] = 4
    write_nifti(odd / "Pat_002_x_seg.nii.gz", seg)
    write_subject(root, "Pat_003_01", 3, seg=False)
    meta = tmp_path / "meta.tsv"
    meta.write_text("ID\tage\tlesion_size_whole\nPat_001_03\t41\tbig\nPat_003_01\t60\tsmall\n")
    config = make_config(
        tmp_path, {"Long": root},
        features=FeatureFamilies(texture=False),
        longitudinal={"Long": LongitudinalSpec("_", 1, 2)},
        metadata={"Long": (MetadataSource("clinical", meta),)},
    )
    summary = run_feature_extraction(config)
    counts = summary.datasets[0].warning_counts
    assert counts["unconfigured label values"] == 1 and counts["longitudinal ID"] == 1
    assert counts["metadata"] == 1
    frame = read_output(tmp_path / "out" / "extracted_information_Long.csv")
    cols = list(frame.columns)
    assert cols.index("lesion_size_4") == cols.index("lesion_size_ede") + 1
    assert cols[-4:] == ["longitudinal_id", "time_point", "age", "lesion_size_whole_meta"]
    assert not any("contrast" in c for c in cols)
    assert frame["lesion_size_4"].tolist()[:2] == [0, 1] and math.isnan(frame["lesion_size_4"][2])
    assert frame["longitudinal_id"].fillna("").tolist() == ["001", "", "003"]
    assert frame["time_point"].tolist() == [3, 0, 1]
    assert frame["age"].tolist()[0] == 41 and math.isnan(frame["age"][1])


def test_empty_data_path_is_not_run(tmp_path):
    # a dataset without subject writes nothing (tests/test_pipeline_failures.py: the previous CSV is kept)
    (tmp_path / "empty").mkdir()
    summary = run_feature_extraction(make_config(tmp_path, {"Nothing": tmp_path / "empty"}))
    assert summary.exit_code == 1 and summary.datasets[0].n_written == 0
    assert summary.datasets[0].error == f"no subject folder in {tmp_path / 'empty'}"
    assert not (tmp_path / "out" / "extracted_information_Nothing.csv").exists()


def test_parallel_output_is_byte_identical(tmp_path, good_dataset):
    one = run_feature_extraction(make_config(tmp_path / "a", {"DS": good_dataset}, cpu_cores=1))
    two = run_feature_extraction(make_config(tmp_path / "b", {"DS": good_dataset}, cpu_cores=2))
    assert one.exit_code == two.exit_code == 0
    a = (tmp_path / "a" / "out" / "extracted_information_DS.csv").read_bytes()
    b = (tmp_path / "b" / "out" / "extracted_information_DS.csv").read_bytes()
    assert a == b


def test_cli_end_to_end_with_a_failing_subject(tmp_path):
    from typer.testing import CliRunner

    from auditapp.cli import app

    root = tmp_path / "data"
    write_subject(root, "S1", 1)
    bad = write_subject(root, "S2", 2)
    raw = (bad / "S2_t1.nii.gz").read_bytes()
    (bad / "S2_t1.nii.gz").write_bytes(raw[:200])
    cfg = tmp_path / "feature_extraction.yaml"
    cfg.write_text(
        "data_paths:\n  Demo: ./data\n"
        "output_path: ./outputs\nlogs_path: ./logs\n"
        "sequences: [_t1, _t2, _t1ce, _flair]\n"
        "labels: {BKG: 0, EDE: 3, ENH: 1, NEC: 2}\n"
        "features: {statistical: true, texture: true, spatial: true, tumor: true}\n"
        "texture: {crop_padding: 1}\n"
        "cpu_cores: 1\n"
    )
    result = CliRunner().invoke(app, ["feature-extraction", "--config", str(cfg)])
    assert result.exit_code == 3, result.output
    frame = read_output(tmp_path / "outputs" / "extracted_information_Demo.csv")
    assert frame["ID"].tolist() == ["S1"] and len(frame.columns) == 126
    failures = pd.read_csv(tmp_path / "outputs" / "failures_Demo.csv")
    assert failures.to_dict("list")["ID"] == ["S2"] and failures["stage"][0] == "read"
    assert "S2_t1.nii.gz" in failures["error"][0]
    images, _ = make_images(1)
    expected = texture_features(images["_t1"], padding=1)["mean_contrast"]
    assert frame["t1_mean_contrast"][0] == pytest.approx(expected, rel=1e-15)


def test_exception_in_a_family_fails_the_subject_with_that_stage(tmp_path):
    root = tmp_path / "data"
    write_subject(root, "A", 1)
    nan_subject = write_subject(root, "B", 2)
    images, _ = make_images(2)
    images["_t2"][4, 5, 6] = np.nan
    write_nifti(nan_subject / "B_t2.nii.gz", images["_t2"])
    summary = run_feature_extraction(make_config(tmp_path, {"DS": root}))
    assert summary.exit_code == 3
    failures = pd.read_csv(tmp_path / "out" / "failures_DS.csv")
    assert failures.to_dict("list") == {
        "ID": ["B"], "stage": ["texture"],
        "error": ["B_t2.nii.gz: ValueError: the image holds NaN or infinite values: its texture is undefined "
                  f"[{nan_subject / 'B_t2.nii.gz'}]"]}
    assert read_output(tmp_path / "out" / "extracted_information_DS.csv")["ID"].tolist() == ["A"]
