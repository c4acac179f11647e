"""Parity with the reference auditapp 0.2.0 on ../shared/data/brats (skipped when ../shared is absent)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from auditapp.config.model import ALL_METRICS, REFERENCE_METRICS, Label, MetricExtractionConfig
from auditapp.pipelines.metrics import run_metric_extraction

pytestmark = pytest.mark.shared

LABELS = (Label("BKG", (0,)), Label("EDE", (3,)), Label("ENH", (1,)), Label("NEC", (2,)))
DATASETS = ("BraTS2024_SSA", "BraTS2024_PED", "UCSF")


def _config(shared: Path, dataset: str, out: Path, **kwargs) -> MetricExtractionConfig:
    root = shared / "data" / "brats" / dataset
    seg = root / f"{dataset}_seg"
    models = {p.name: p for p in sorted(seg.iterdir()) if p.is_dir()}
    params = dict(data_path=root / f"{dataset}_images", model_predictions_paths=models, output_path=out,
                  filename=dataset, logs_path=out / "logs", labels=LABELS, metrics=ALL_METRICS, cpu_cores=1)
    params.update(kwargs)
    return MetricExtractionConfig(**params)


@pytest.fixture(scope="module")
def ours(shared_dir, tmp_path_factory):
    """Run every dataset once with all 13 metrics."""
    out = tmp_path_factory.mktemp("parity")
    frames = {}
    for dataset in DATASETS:
        summary = run_metric_extraction(_config(shared_dir, dataset, out))
        assert summary.exit_code == 0
        frames[dataset] = pd.read_csv(out / f"extracted_information_{dataset}.csv")
    return out, frames


def _close(a, b, rtol):
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    ok = ~np.isnan(a)
    np.testing.assert_allclose(a[ok], b[ok], rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("dataset", DATASETS)
def test_reference_metrics_equal_0_2_0(ours, shared_dir, dataset):
    ref = pd.read_csv(shared_dir / "reference" / "metrics" / f"extracted_information_{dataset}.csv")
    frame = ours[1][dataset]
    assert frame[["ID", "region", "model"]].values.tolist() == ref[["ID", "region", "model"]].values.tolist()
    assert list(ref.columns[3:]) == sorted(REFERENCE_METRICS)
    for column in ref.columns[3:]:
        _close(frame[column], ref[column], rtol=1e-12)


@pytest.mark.parametrize("dataset", DATASETS)
def test_extra_distances_equal_metricsreloaded(ours, shared_dir, dataset):
    ref = pd.read_csv(shared_dir / "reference" / "metrics_reloaded" / f"extracted_information_{dataset}.csv")
    frame = ours[1][dataset]
    assert frame[["ID", "region", "model"]].values.tolist() == ref[["ID", "region", "model"]].values.tolist()
    for column, ref_column in (("hd95", "hd_perc"), ("assd", "assd"), ("nsd", "nsd"),
                               ("hausdorff_distance", "hd"), ("dice", "dsc")):
        _close(frame[column], ref[ref_column], rtol=1e-9)


def test_reference_only_csv_is_byte_identical_for_ucsf(shared_dir, tmp_path):
    run_metric_extraction(_config(shared_dir, "UCSF", tmp_path, metrics=REFERENCE_METRICS))
    ours = (tmp_path / "extracted_information_UCSF.csv").read_text()
    ref = (shared_dir / "reference" / "metrics" / "extracted_information_UCSF.csv").read_text()
    assert ours == ref


def test_golden_extra_metric_rows(ours):
    # spec metrics.md §8, extra metrics (τ = 1 mm)
    golden = [
        ("BraTS2024_PED", "BraTS2024_PED-00001-000", "EDE", "SegResNet",
         34545.0, 39.71145930332956, 10.934377344185624, 0.1367421718854097, 0.3591535018636058),
        ("BraTS2024_PED", "BraTS2024_PED-00001-000", "ENH", "SegResNet",
         6204.0, 15.524174696260024, 2.86949436538749, 0.5365190365190365, 0.8793763288447909),
        ("UCSF", "UCSF_100302_1", "EDE", "SegResNet",
         111487.0, 10.723805294763608, 1.8091950424076306, 0.6807721260350575, 0.9597521775438891),
        ("UCSF", "UCSF_100302_1", "ENH", "SegResNet",
         26750.0, 8.366600265340756, 1.9867457464168619, 0.5775274570543509, 0.9636861445349089),
        ("UCSF", "UCSF_100302_1", "NEC", "SegResNet",
         723.0, 25.787593916455254, 12.688652206309033, 0.09273152133808879, 0.10820113738401671),
        ("UCSF", "UCSF_100302_2", "NEC", "SegResNet",
         342.0, 29.9833287011299, 16.649037491848855, 0.04573430546349778, 0.045115757535782564),
    ]
    for dataset, subject, region, model, gt_size, hd95, assd, nsd, vs in golden:
        frame = ours[1][dataset]
        row = frame[(frame.ID == subject) & (frame.region == region) & (frame.model == model)].iloc[0]
        assert row["gt_size"] == gt_size
        assert row["hd95"] == pytest.approx(hd95, rel=1e-12)
        assert row["assd"] == pytest.approx(assd, rel=1e-9)
        assert row["nsd"] == pytest.approx(nsd, rel=1e-12)
        assert row["volume_similarity"] == pytest.approx(vs, rel=1e-12)


def test_golden_empty_region_rows(ours):
    frame = ours[1]["BraTS2024_PED"].set_index(["ID", "region", "model"])
    row = frame.loc[("BraTS2024_PED-00001-000", "ENH", "nnUnet")]  # GT 6204 voxels, prediction empty
    assert row["gt_size"] == 6204.0 and row["predicted_size"] == 0.0
    assert (row["dice"], row["precision"], row["sensitivity"], row["specificity"]) == (0.0, 0.0, 0.0, 1.0)
    assert np.isnan(row["hausdorff_distance"]) and np.isnan(row["hd95"]) and row["nsd"] == 0.0
    row = frame.loc[("BraTS2024_PED-00266-000", "EDE", "SegResNet")]  # GT empty
    assert np.isnan(row["sensitivity"]) and np.isnan(row["hausdorff_distance"])
    assert row["specificity"] == row["accuracy"] == 0.9941086469534051
    row = frame.loc[("BraTS2024_PED-00266-000", "NEC", "nnUnet")]  # tp = 0
    assert row["hausdorff_distance"] == 98.99494936611666 and row["sensitivity"] == 0.0


def test_composite_whole_tumour(shared_dir, tmp_path):
    labels = (Label("BKG", (0,)), Label("WT", (1, 2, 3), True))
    run_metric_extraction(_config(shared_dir, "UCSF", tmp_path, labels=labels, metrics=REFERENCE_METRICS))
    frame = pd.read_csv(tmp_path / "extracted_information_UCSF.csv")
    row = frame[frame.ID == "UCSF_100302_1"].iloc[0]
    assert row["region"] == "WT"
    assert row["dice"] == 0.8074300825839344
    assert row["hausdorff_distance"] == 21.470910553583888
    assert row["predicted_size"] == 144267.0


def test_error_matrix_golden_cells(ours):
    out, _ = ours
    matrix = pd.read_csv(out / "error_matrix_BraTS2024_SSA.csv")
    part = matrix[(matrix.ID == "BraTS2024_SSA-00002-000") & (matrix.model == "nnUnet")]
    cells = {(int(r.gt_value), int(r.pred_value)): int(r["count"]) for _, r in part.iterrows()}
    assert cells == {
        (0, 0): 8694903, (0, 1): 101, (0, 2): 311, (0, 3): 14224, (1, 0): 1015, (1, 1): 14334,
        (1, 2): 4276, (1, 3): 1899, (2, 1): 37, (2, 2): 6221, (2, 3): 345, (3, 0): 5173, (3, 1): 50,
        (3, 2): 505, (3, 3): 184606,
    }


@pytest.mark.parametrize("model", ["SegResNet", "nnUnet"])
def test_error_matrix_off_diagonal_equals_reference_errors_per_class(ours, shared_dir, model):
    out, _ = ours
    matrix = pd.read_csv(out / "error_matrix_BraTS2024_SSA.csv")
    part = matrix[matrix.model == model]
    ref = pd.read_csv(shared_dir / "reference" / "error_matrix" / f"BraTS2024_SSA-00002-000_{model}.csv",
                      index_col=0)
    values = {"BKG": 0, "EDE": 3, "ENH": 1, "NEC": 2}
    for gt_name, row in ref.iterrows():
        for pred_name, count in row.items():
            g, p = values[gt_name], values[pred_name]
            ours_count = part[(part.gt_value == g) & (part.pred_value == p)]["count"].sum()
            assert (0 if g == p else int(ours_count)) == int(count), (gt_name, pred_name)
