"""The BraTS 2024 tutorial's configs, the reference's own configs, `init` and its templates."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from auditapp.config import (
    REFERENCE_METRICS,
    FeatureFamilies,
    Label,
    init_project,
    load_app_config,
    load_feature_config,
    load_metric_config,
    template_text,
)
from auditapp.errors import ConfigError

SITES = ("Duke", "Indiana", "Missouri", "UCSD", "UCSF")
MODELS = ("BraTS25_1", "BraTS25_2", "BraTS25_3A", "BraTS25_3B")
BRATS24_LABELS = (Label("BKG", (0,)), Label("NETC", (1,)), Label("SNFH", (2,)), Label("ET", (3,)), Label("RC", (4,)))


@pytest.fixture()
def tutorial(tmp_path: Path) -> Path:
    """The tutorial's project layout: BraTS_2024_by_site/<Site>/<Site>_images and <Site>_seg/<model>."""
    root = tmp_path / "brats2024_project"
    for site in SITES:
        (root / "datasets" / "BraTS_2024_by_site" / site / f"{site}_images").mkdir(parents=True)
        for model in MODELS:
            (root / "datasets" / "BraTS_2024_by_site" / site / f"{site}_seg" / model).mkdir(parents=True)
    (root / "configs").mkdir()
    return root


def test_tutorial_feature_config(tutorial: Path) -> None:
    by_site = tutorial / "datasets" / "BraTS_2024_by_site"
    text = "data_paths:\n" + "".join(f"  {s}: '{by_site}/{s}/{s}_images/'\n" for s in SITES) + textwrap.dedent(f"""
        sequences:
          - '_t1'
          - '_t2'
          - '_t1ce'
          - '_flair'

        labels:
          BKG: 0
          NETC: 1
          SNFH: 2
          ET: 3
          RC: 4

        features:
          statistical: true
          texture: true
          spatial: true
          tumor: true

        output_path: '{tutorial}/outputs/features'
        logs_path: '{tutorial}/logs/features'
        cpu_cores: 4
        """)
    path = tutorial / "configs" / "feature_extraction.yaml"
    path.write_text(text)
    config = load_feature_config(path)
    assert list(config.data_paths) == list(SITES)  # written order
    assert config.data_paths["Duke"] == by_site / "Duke" / "Duke_images"  # trailing '/' removed
    assert config.sequences == ("_t1", "_t2", "_t1ce", "_flair")
    assert config.labels == BRATS24_LABELS
    assert config.features == FeatureFamilies()
    assert config.cpu_cores == 4 and config.texture_crop_padding == 0 and config.modality == "MRI"
    assert config.output_path == tutorial / "outputs" / "features"
    assert config.logs_path == tutorial / "logs" / "features"


@pytest.mark.parametrize("site", ["Duke", "UCSF"])
def test_tutorial_metric_config_with_package_and_short_names(tutorial: Path, site: str) -> None:
    by_site = tutorial / "datasets" / "BraTS_2024_by_site"
    text = textwrap.dedent(f"""
        # paths to files
        data_path: '{by_site}/{site}/{site}_images'
        model_predictions_paths:
        """) + "".join(f"  {m}: '{by_site}/{site}/{site}_seg/{m}'\n" for m in MODELS) + textwrap.dedent(f"""
        labels:
          BKG: 0
          NETC: 1
          SNFH: 2
          ET: 3
          RC: 4

        package: audit
        metrics:
          dice: true
          jacc: true
          accu: true
          prec: true
          sens: true
          spec: true
          haus: true
          size: true

        output_path: '{tutorial}/outputs/metrics'
        filename: '{site}'
        logs_path: '{tutorial}/logs/metrics'
        cpu_cores: 4
        """)
    path = tutorial / "configs" / "metric_extraction.yaml"
    path.write_text(text)
    config = load_metric_config(path)
    assert config.metrics == REFERENCE_METRICS  # canonical names, same order as written
    assert config.backend == "audit" and config.filename == site and config.cpu_cores == 4
    assert list(config.model_predictions_paths) == list(MODELS)
    assert config.model_predictions_paths["BraTS25_3A"] == by_site / site / f"{site}_seg" / "BraTS25_3A"
    assert config.data_path == by_site / site / f"{site}_images"
    assert tuple(lab.name for lab in config.labels) == ("BKG", "NETC", "SNFH", "ET", "RC")


def test_tutorial_app_configs_empty_then_full(tutorial: Path) -> None:
    outputs = tutorial / "outputs"
    (outputs / "features").mkdir(parents=True)
    (outputs / "metrics").mkdir(parents=True)
    for site in SITES:
        (outputs / "features" / f"extracted_information_{site}.csv").write_text("ID\n")
        (outputs / "metrics" / f"extracted_information_{site}.csv").write_text("ID\n")
    header = textwrap.dedent(f"""
        # Sequences available
        sequences:
          - '_t1'
          - '_t2'
          - '_t1ce'
          - '_flair'

        # Mapping of labels to their numeric values
        labels:
          BKG: 0
          NETC: 1
          SNFH: 2
          ET: 3
          RC: 4

        # Root path for datasets, features extracted, and metrics extracted
        datasets_path: '{tutorial}/datasets/BraTS_2024_by_site'
        features_path: '{outputs}/features'
        metrics_path: '{outputs}/metrics'

        # Paths for raw datasets
        raw_datasets:
        """) + "".join(f"  {s}: \"${{datasets_path}}/{s}/{s}_images\"\n" for s in SITES)
    features = "\nfeatures:\n" + "".join(
        f"  {s}: \"${{features_path}}/extracted_information_{s}.csv\"\n" for s in SITES)
    path = tutorial / "configs" / "app.yaml"
    path.write_text(header + features + "\nmetrics:\n\npredictions:\n")
    config = load_app_config(path)
    assert config.metrics == {} and config.predictions == {} and config.warnings == ()
    assert config.raw_datasets["Duke"] == tutorial / "datasets" / "BraTS_2024_by_site" / "Duke" / "Duke_images"
    assert config.features["UCSD"] == outputs / "features" / "extracted_information_UCSD.csv"
    assert config.labels == BRATS24_LABELS and config.sequences == ("_t1", "_t2", "_t1ce", "_flair")

    metrics = "\nmetrics:\n" + "".join(
        f"  {s}: \"${{metrics_path}}/extracted_information_{s}.csv\"\n" for s in SITES)
    predictions = "\npredictions:\n" + "".join(
        f"  {s}:\n" + "".join(f"    BraTS2025_{m[8:]}: \"${{datasets_path}}/{s}/{s}_seg/{m}\"\n" for m in MODELS)
        for s in SITES)
    path.write_text(header + features + metrics + predictions)
    config = load_app_config(path)
    assert config.warnings == ()
    assert config.metrics["Missouri"] == outputs / "metrics" / "extracted_information_Missouri.csv"
    assert list(config.predictions["Duke"]) == ["BraTS2025_1", "BraTS2025_2", "BraTS2025_3A", "BraTS2025_3B"]
    assert config.predictions["UCSF"]["BraTS2025_3B"] == (
        tutorial / "datasets" / "BraTS_2024_by_site" / "UCSF" / "UCSF_seg" / "BraTS25_3B")
    assert config.resolved["metrics"]["Duke"] == str(outputs / "metrics" / "extracted_information_Duke.csv")


# ---------------------------------------------------------------------------- the reference's own configs
def _reference_configs(shared_dir: Path) -> dict[str, str]:
    text = (shared_dir / "reference" / "README.md").read_text()
    blocks = re.findall(r"```yaml\n# (\S+)\n(.*?)```", text, re.S)
    return {name: f"# {name}\n{body}" for name, body in blocks}


@pytest.mark.shared
def test_reference_configs_load_unchanged(shared_dir: Path, tmp_path: Path) -> None:
    configs = _reference_configs(shared_dir)
    assert len(configs) == 7
    # Same layout as ../shared: the configs' '../data/brats/...' paths are relative to their folder.
    (tmp_path / "data").symlink_to(shared_dir / "data")
    folder = tmp_path / "reference"
    folder.mkdir()
    for name, text in configs.items():
        (folder / f"{name}.yaml").write_text(text)

    features = load_feature_config(folder / "dev_features_BraTS2024_SSA.yaml")
    assert features.data_paths == {"BraTS2024_SSA": tmp_path / "data/brats/BraTS2024_SSA/BraTS2024_SSA_images"}
    assert features.labels == (Label("BKG", (0,)), Label("EDE", (3,)), Label("ENH", (1,)), Label("NEC", (2,)))
    assert features.output_path == folder / "features" and features.logs_path == folder / "logs"
    assert features.cpu_cores == 1 and features.features == FeatureFamilies()
    assert not (folder / "features").exists()

    for ds, models in [("BraTS2024_SSA", ["SegResNet", "nnUnet"]), ("BraTS2024_PED", ["SegResNet", "nnUnet"]),
                       ("UCSF", ["SegResNet"])]:
        metrics = load_metric_config(folder / f"dev_metrics_audit_{ds}.yaml")
        assert metrics.filename == ds and list(metrics.model_predictions_paths) == models
        assert metrics.metrics == REFERENCE_METRICS and metrics.backend == "audit"
        assert metrics.data_path == tmp_path / f"data/brats/{ds}/{ds}_images"

        with pytest.raises(ConfigError) as info:
            load_metric_config(folder / f"dev_metrics_reloaded_{ds}.yaml")
        source = folder / f"dev_metrics_reloaded_{ds}.yaml"
        assert info.value.problems[0] == (
            f"error: {source}: backend: back end 'metricsreloaded' is not supported in this version; expected audit; "
            "the audit back end provides hd95, assd, nsd, volume_similarity and gt_size")
        assert [p.split(": ")[2] for p in info.value.problems[1:]] == ["metrics.hd", "metrics.hd_perc", "metrics.dsc"]


# ---------------------------------------------------------------------------- init and templates
def test_init_creates_skeleton_and_templates_that_validate(tmp_path: Path) -> None:
    project = tmp_path / "p"
    report = init_project(project)
    configs = project / "configs"
    assert report.created == [project, project / "datasets", configs, project / "outputs", project / "logs",
                              configs / "feature_extraction.yaml", configs / "metric_extraction.yaml",
                              configs / "app.yaml"]
    assert report.kept == []
    for kind in ("feature_extraction", "metric_extraction", "app"):
        assert (configs / f"{kind}.yaml").read_text() == template_text(kind)
    # missing data folders: errors, each naming the key
    with pytest.raises(ConfigError) as info:
        load_feature_config(configs / "feature_extraction.yaml")
    assert [p.split(": ")[2] for p in info.value.problems] == ["data_paths.dataset_1", "data_paths.dataset_2"]
    for d in ("dataset_1/dataset_1_images", "dataset_2/dataset_2_images", "dataset_1/dataset_1_seg/modelA",
              "dataset_1/dataset_1_seg/modelB"):
        (project / "datasets" / d).mkdir(parents=True)
    features = load_feature_config(configs / "feature_extraction.yaml")
    assert features.data_paths["dataset_2"] == project / "datasets" / "dataset_2" / "dataset_2_images"
    assert features.output_path == project / "outputs" / "features"
    metrics = load_metric_config(configs / "metric_extraction.yaml")
    assert metrics.metrics == REFERENCE_METRICS and metrics.logs_path == project / "logs" / "metrics"
    app = load_app_config(configs / "app.yaml")
    assert [w.split(": ")[1] for w in app.warnings] == ["features.dataset_1", "metrics.dataset_1"]  # CSVs not yet
    for kind in ("features", "metrics"):
        (project / "outputs" / kind).mkdir()
        (project / "outputs" / kind / "extracted_information_dataset_1.csv").write_text("ID\n")
    app = load_app_config(configs / "app.yaml")
    assert app.warnings == () and app.predictions["dataset_1"]["modelB"] == (
        project / "datasets" / "dataset_1" / "dataset_1_seg" / "modelB")


def test_init_is_idempotent_and_never_overwrites(tmp_path: Path) -> None:
    init_project(tmp_path)
    edited = tmp_path / "configs" / "metric_extraction.yaml"
    edited.write_text("# my edits\n")
    (tmp_path / "configs" / "app.yaml").unlink()
    report = init_project(tmp_path)
    assert report.created == [tmp_path / "configs" / "app.yaml"]
    assert report.kept == [tmp_path / "configs" / "feature_extraction.yaml", edited]
    assert edited.read_text() == "# my edits\n"
    report = init_project(tmp_path)
    assert report.created == [] and len(report.kept) == 3


def test_init_refuses_a_file_in_place_of_a_folder(tmp_path: Path) -> None:
    (tmp_path / "logs").write_text("not a folder")
    with pytest.raises(ConfigError, match=r"logs: \(file\): exists and is not a folder"):
        init_project(tmp_path)
    assert not (tmp_path / "configs").exists()


def test_template_text_kinds() -> None:
    assert template_text("metric-extraction") == template_text("metric_extraction")
    assert "package" not in template_text("metric_extraction") and "cpu_cores: 12" not in template_text(
        "metric_extraction")
    assert "extracted_information_dataset_1.csv" in template_text("app")
    with pytest.raises(ValueError, match="unknown config kind"):
        template_text("nope")


def test_commented_template_options_work_once_uncommented(tmp_path: Path) -> None:
    init_project(tmp_path)
    for d in ("dataset_1/dataset_1_images", "dataset_2/dataset_2_images"):
        (tmp_path / "datasets" / d).mkdir(parents=True)
    (tmp_path / "metadata").mkdir()
    (tmp_path / "metadata" / "dataset_1.csv").write_text("ID,age\n")
    (tmp_path / "metadata.xlsx").write_bytes(b"")
    for kind in ("feature_extraction", "app"):
        path = tmp_path / "configs" / f"{kind}.yaml"
        lines = [re.sub(r"^# ?(?=[a-z ]+[a-z_0-9]+:)", "", line) for line in path.read_text().splitlines()]
        path.write_text("\n".join(lines) + "\n")
    features = load_feature_config(tmp_path / "configs" / "feature_extraction.yaml")
    assert features.cpu_cores == 4
    assert features.longitudinal["dataset_2"].time_point == 2
    assert features.metadata["dataset_1"][0].path == tmp_path / "metadata" / "dataset_1.csv"
    app = load_app_config(tmp_path / "configs" / "app.yaml")
    assert app.metadata[0].file == tmp_path / "metadata.xlsx"
