"""auditapp.demo.project.build_demo: layout, configs that validate cleanly, deterministic rebuild, refusals."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from auditapp.config import load_app_config, load_feature_config, load_metric_config
from auditapp.demo.project import MARKER, build_demo
from auditapp.io import read_volume


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo(tmp_path_factory.mktemp("demo") / "proj", n_subjects=3, shape=(16, 20, 20))


def test_layout(demo):
    root = demo.root
    assert (root / MARKER).is_file()
    for site, ds in demo.datasets.items():
        assert ds.root == root / "datasets" / site / f"{site}_images"
        assert sorted(p.name for p in ds.root.iterdir()) == sorted(ds.ids)
        for model, folder in ds.predictions.items():
            assert folder == root / "datasets" / site / f"{site}_seg" / model
            assert (folder / ds.ids[0] / f"{ds.ids[0]}_pred.nii.gz").is_file()
    assert demo.datasets["SiteC"].ids[0] == "Patient-001-week-000"
    assert read_volume(demo.datasets["SiteB"].root / "SiteB-001" / "SiteB-001_t1.nii.gz").data.dtype == np.int16
    assert demo.feature_config == root / "configs" / "feature_extraction.yaml"
    assert [p.name for p in demo.metric_configs] == [
        "metric_extraction_SiteA.yaml", "metric_extraction_SiteB.yaml", "metric_extraction_SiteC.yaml"]


def test_configs_validate_without_warnings(demo):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any ConfigWarning fails the test
        features = load_feature_config(demo.feature_config)
        metrics = [load_metric_config(p) for p in demo.metric_configs]
        app = load_app_config(demo.app_config)
    assert list(features.data_paths) == ["SiteA", "SiteB", "SiteC"]
    assert features.data_paths["SiteC"] == demo.datasets["SiteC"].root.resolve()
    assert [label.name for label in features.labels] == ["BKG", "NEC", "EDE", "ENH"]
    assert features.longitudinal["SiteC"].time_point == 3
    assert [m.filename for m in metrics] == ["SiteA", "SiteB", "SiteC"]
    assert list(metrics[0].model_predictions_paths) == ["modelA", "modelB"]
    assert "hd95" in metrics[0].metrics and "dice" in metrics[0].metrics
    assert sorted(app.predictions["SiteB"]) == ["modelA", "modelB"]
    assert app.raw_datasets["SiteA"] == demo.datasets["SiteA"].root.resolve()
    # before extraction the CSVs are missing: warnings in the config, not errors
    assert any("extracted_information_SiteA.csv" in w for w in app.warnings)


def test_rebuild_is_identical_and_foreign_folders_are_refused(demo, tmp_path):
    sid = demo.datasets["SiteA"].ids[1]
    path = demo.datasets["SiteA"].root / sid / f"{sid}_seg.nii.gz"
    before = read_volume(path).data.copy()
    again = build_demo(demo.root, n_subjects=3, shape=(16, 20, 20))
    np.testing.assert_array_equal(read_volume(path).data, before)
    assert again.app_config == demo.app_config
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError, match="is not empty and is not an auditapp demo project"):
        build_demo(tmp_path)
    with pytest.raises(FileExistsError, match="exists and is not a folder"):
        build_demo(tmp_path / "notes.txt")
    with pytest.raises(ValueError, match="n_subjects must be >= 1; got 0"):
        build_demo(tmp_path / "new", n_subjects=0)
    with pytest.raises(ValueError, match=r"shape must be 3 integers >= 16 in \(k, j, i\) order; got \(8, 64, 64\)"):
        build_demo(tmp_path / "new", shape=(8, 64, 64))
    assert not (tmp_path / "new").exists()
