"""Lesion-wise metrics in the metric-extraction pipeline, from a YAML config: columns, values (against the
compute function), the per-lesion table, failures per pair."""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditapp.config import load_metric_config
from auditapp.metrics.lesion_wise import lesion_rule, lesion_wise_metrics
from auditapp.pipelines.metrics import LESION_TABLE_HEADER, run_metric_extraction
from test_metrics_pipeline import write_nifti

SHAPE = (12, 14, 30)
REGIONS = {"ENH": (1,), "WT": (1, 2)}


def _segs():
    gt = np.zeros(SHAPE, np.uint8)
    gt[2:7, 2:7, 2:8] = 2
    gt[3:6, 3:6, 3:6] = 1
    gt[2:5, 2:5, 20:24] = 1  # a second ENH lesion, 36 voxels
    pred = np.zeros(SHAPE, np.uint8)
    pred[2:7, 3:7, 2:8] = 2
    pred[3:6, 3:6, 4:7] = 1
    pred[9:11, 10:12, 26:28] = 1  # a false positive
    return gt, pred


def _config(tmp_path, metrics: str, lesion_wise: str = "", models: str = "{m: m}"):
    gt, pred = _segs()
    write_nifti(tmp_path / "gt" / "S1" / "S1_seg.nii.gz", gt)
    write_nifti(tmp_path / "m" / "S1" / "S1_pred.nii.gz", pred)
    (tmp_path / "none").mkdir(exist_ok=True)
    path = tmp_path / "m.yaml"
    path.write_text(f"data_path: gt\nmodel_predictions_paths: {models}\noutput_path: out\nfilename: DS\n"
                    "labels: {BKG: 0, ENH: 1, NEC: 2, WT: [1, 2]}\ncpu_cores: 1\n"
                    f"metrics: {metrics}\n" + (f"lesion_wise: {lesion_wise}\n" if lesion_wise else ""),
                    encoding="utf-8")
    return load_metric_config(str(path)), gt, pred


def test_lesion_columns_values_and_table(tmp_path):
    config, gt, pred = _config(tmp_path, "{dice: true, lesion_dice: true, lesion_hd95: true, lesion_counts: true}",
                               "{convention: brats2023, dilation: 2, min_size: 10, per_lesion_table: true}",
                               models="{m: m, missing: none}")
    summary = run_metric_extraction(config)
    assert summary.exit_code == 3  # the model without predictions fails, the other pair is written
    frame = pd.read_csv(tmp_path / "out" / "extracted_information_DS.csv")
    assert list(frame.columns) == ["ID", "region", "model", "dice", "fn_lesions", "fp_lesions", "gt_lesions",
                                   "lesion_dice", "lesion_f1", "lesion_hd95", "lesion_precision", "lesion_recall",
                                   "pred_lesions", "tp_lesions"]
    assert sorted(frame["region"]) == ["ENH", "NEC", "WT"] and set(frame["model"]) == {"m"}
    rule = lesion_rule("brats2023", dilation=2, min_size=10)
    for region, values in REGIONS.items():
        row = frame[frame["region"] == region].iloc[0]
        expected = lesion_wise_metrics(np.isin(gt, values), np.isin(pred, values), spacing=(1, 1, 1),
                                       rule=rule).scores
        for key in ("lesion_dice", "lesion_hd95", "gt_lesions", "pred_lesions", "tp_lesions", "fp_lesions",
                    "fn_lesions", "lesion_f1", "lesion_precision", "lesion_recall"):
            assert row[key] == expected[key], (region, key)
    enh = frame[frame["region"] == "ENH"].iloc[0]
    assert (enh["gt_lesions"], enh["tp_lesions"], enh["fn_lesions"], enh["fp_lesions"]) == (2, 1, 1, 1)
    assert enh["lesion_hd95"] == (expected_hit_hd95(gt, pred, rule) + 374 + 374) / 3
    failures = pd.read_csv(tmp_path / "out" / "failures_DS.csv")
    assert failures["model"].tolist() == ["missing"]
    table = pd.read_csv(tmp_path / "out" / "lesions_DS.csv")
    assert list(table.columns) == LESION_TABLE_HEADER
    enh_rows = table[table["region"] == "ENH"]
    assert enh_rows["kind"].tolist() == ["fn", "tp", "fp"]  # lesion ids in raster order of their first voxel
    assert enh_rows["lesion"].tolist()[:2] == [1, 2] and enh_rows["voxels"].tolist() == [36, 27, 8]
    hit = enh_rows[enh_rows["kind"] == "tp"].iloc[0]
    assert hit["hd95"] == expected_hit_hd95(gt, pred, rule)
    assert set(table["model"]) == {"m"} and set(table["ID"]) == {"S1"}


def expected_hit_hd95(gt, pred, rule) -> float:
    """HD95 of the one matched ENH lesion alone: the GT without its missed lesion, the pred without its FP."""
    gt_hit, pred_hit = (gt == 1), (pred == 1)
    gt_hit[:, :, 18:] = False
    pred_hit[:, :, 18:] = False
    return lesion_wise_metrics(gt_hit, pred_hit, spacing=(1, 1, 1), rule=rule).scores["lesion_hd95"]


def test_no_table_unless_asked_and_convention_defaults(tmp_path):
    config, gt, pred = _config(tmp_path, "{lesion_dice: true}", "{convention: matching, match_threshold: 0.3}")
    assert run_metric_extraction(config).exit_code == 0
    frame = pd.read_csv(tmp_path / "out" / "extracted_information_DS.csv")
    assert list(frame.columns) == ["ID", "region", "model", "lesion_dice"]
    enh = frame[frame["region"] == "ENH"].iloc[0]
    expected = lesion_wise_metrics(gt == 1, pred == 1, spacing=(1, 1, 1), rule=lesion_rule("matching", match_threshold=0.3)).scores
    assert enh["lesion_dice"] == expected["lesion_dice"] == 18 / 27  # the one pair with IoU 0.5 > 0.3
    assert not (tmp_path / "out" / "lesions_DS.csv").exists()


def test_brats2024_joins_et_lesions_through_the_necrosis_from_the_config(tmp_path):
    gt = np.zeros((10, 10, 40), np.uint8)
    gt[3:7, 3:7, 10:30] = 1  # NETC
    gt[3:6, 3:6, 7:10] = gt[3:6, 3:6, 30:33] = 3  # two ET blobs 20 voxels apart, both on the necrosis
    write_nifti(tmp_path / "gt" / "S1" / "S1_seg.nii.gz", gt)
    write_nifti(tmp_path / "m" / "S1" / "S1_pred.nii.gz", gt)
    counts = []
    for join in ("true", "false"):
        path = tmp_path / f"{join}.yaml"
        path.write_text("data_path: gt\nmodel_predictions_paths: {m: m}\noutput_path: out_" + join + "\nfilename: DS\n"
                        "labels: {BKG: 0, NETC: 1, SNFH: 2, ET: 3}\ncpu_cores: 1\nmetrics: {lesion_counts: true}\n"
                        "lesion_wise: {convention: brats2024, task: GLI, join_tissues: " + join + "}\n", encoding="utf-8")
        assert run_metric_extraction(load_metric_config(str(path))).exit_code == 0
        frame = pd.read_csv(tmp_path / f"out_{join}" / "extracted_information_DS.csv").set_index("region")
        counts.append((int(frame.loc["ET", "gt_lesions"]), int(frame.loc["ET", "pred_lesions"])))
    assert counts == [(1, 1), (2, 2)]  # joined (the 2024 GLI script), and each blob on its own
