"""The BraTS 2024 tutorial example runs end to end on a small synthetic set (examples/brats2024_tutorial)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "brats2024_tutorial" / "run_tutorial.py"
SITES = ["Duke", "Indiana", "Missouri", "UCSF"]


def load_example():
    spec = importlib.util.spec_from_file_location("run_tutorial", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script is executed
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory):
    module = load_example()
    project = tmp_path_factory.mktemp("brats2024_project")
    result = module.run_tutorial(project, subjects_per_site=2, shape=(32, 40, 32), cpu_cores=1)
    return module, result


def test_metadata_sheet_has_the_tutorial_columns(tutorial):
    _, result = tutorial
    meta = pd.read_excel(result.metadata)
    assert result.metadata.name == "BraTS-PTG supplementary demographic information and metadata.xlsx"
    assert list(meta.columns) == ["BraTS Subject ID", "Site", "Train/Test/Validation ", "Magnetic Field Strength",
                                  "Manufacturer", "Patient's Age", "Patient's Sex", "Glioma type"]
    assert sorted(meta["Site"].unique()) == SITES
    assert set(meta["Train/Test/Validation "]) == {"Train", "Train-additional", "Test", "Validation"}


def test_organised_by_site_and_renamed(tutorial):
    _, result = tutorial
    assert result.organized == {
        "Duke": ["BraTS-GLI-02060-100", "BraTS-GLI-02061-101"],
        "Indiana": ["BraTS-GLI-02200-100", "BraTS-GLI-02201-101"],
        "Missouri": ["BraTS-GLI-02400-100", "BraTS-GLI-02401-101"],
        "UCSF": ["BraTS-GLI-02600-100", "BraTS-GLI-02601-101"],
    }
    assert result.missing == ["BraTS-GLI-09999-100"]
    subject = result.by_site / "Duke" / "Duke_images" / "Duke-02060-100"
    assert sorted(p.name for p in subject.iterdir()) == [
        "Duke-02060-100_flair.nii.gz", "Duke-02060-100_seg.nii.gz", "Duke-02060-100_t1.nii.gz",
        "Duke-02060-100_t1ce.nii.gz", "Duke-02060-100_t2.nii.gz"]
    preds = result.by_site / "UCSF" / "UCSF_seg" / "BraTS25_3B" / "UCSF-02601-101"
    assert [p.name for p in preds.iterdir()] == ["UCSF-02601-101_pred.nii.gz"]
    # the raw BraTS 2024 folder keeps its original names (organize copies)
    raw = result.project / "datasets" / "BraTS_2024" / "BraTS-GLI-02060-100"
    assert (raw / "BraTS-GLI-02060-100-t1c.nii.gz").is_file()


def test_feature_and_metric_tables(tutorial):
    _, result = tutorial
    assert sorted(result.feature_csvs) == SITES and sorted(result.metric_csvs) == SITES
    for site in SITES:
        features = pd.read_csv(result.feature_csvs[site])
        assert features["ID"].tolist() == [f"{site}-{n}" for n in {
            "Duke": ["02060-100", "02061-101"], "Indiana": ["02200-100", "02201-101"],
            "Missouri": ["02400-100", "02401-101"], "UCSF": ["02600-100", "02601-101"]}[site]]
        assert {"lesion_size_netc", "lesion_size_snfh", "lesion_size_et", "lesion_size_rc",
                "t1ce_max_intensity", "flair_mean_intensity"} <= set(features.columns)
        metrics = pd.read_csv(result.metric_csvs[site])
        assert list(metrics.columns[:3]) == ["ID", "region", "model"]
        # tutorial short names (dice jacc ... size) give the canonical columns
        assert {"dice", "jaccard", "accuracy", "precision", "sensitivity", "specificity",
                "hausdorff_distance", "predicted_size"} == set(metrics.columns[3:])
        assert len(metrics) == 2 * 2 * 4  # subjects x models x regions NETC SNFH ET RC
        assert sorted(metrics["model"].unique()) == ["BraTS25_3A", "BraTS25_3B"]
        assert sorted(metrics["region"].unique()) == ["ET", "NETC", "RC", "SNFH"]


def test_app_config_and_run_app_command(tutorial):
    _, result = tutorial
    from auditapp.config import load_app_config

    app = load_app_config(result.app_config)
    assert sorted(app.features) == SITES and sorted(app.metrics) == SITES
    assert sorted(app.predictions["Duke"]) == ["BraTS25_3A", "BraTS25_3B"]
    assert result.run_app_command == f"auditapp run-app --config {result.app_config}"


def test_script_command_line(tmp_path):
    project = tmp_path / "proj"
    done = subprocess.run([sys.executable, str(EXAMPLE), str(project), "--subjects-per-site", "2",
                           "--shape", "24", "32", "24"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith(f"auditapp run-app --config {project / 'configs' / 'app.yaml'}")
    assert "[SAFE MODE] 8 subjects would be organized into 4 folders." in done.stdout
    assert "Subject BraTS-GLI-09999-100 not found in" in done.stdout


def test_notebook_cells_run(tmp_path, monkeypatch, capsys):
    """Execute the notebook's code cells in order, as Jupyter would (run from a scratch folder)."""
    import json

    notebook = json.loads((EXAMPLE.parent / "tutorial.ipynb").read_text())
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(EXAMPLE.parent))
    namespace: dict = {}
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), "tutorial.ipynb", "exec"), namespace)
    assert namespace["result"]["missing"] == []
    assert namespace["features"].shape == (3, 131)
    assert len(namespace["metrics"]) == 3 * 2 * 4
    assert capsys.readouterr().out.rstrip().endswith(
        "auditapp run-app --config brats2024_project/configs/app.yaml")
