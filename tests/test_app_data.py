"""The dashboard data layer: config path, cached loaders, legacy metrics, metadata join, feature catalog."""

from __future__ import annotations

import pandas as pd
import pytest

from app_fixtures import SETS, make_project
from auditapp.app import data
from auditapp.config import load_app_config
from auditapp.config.model import AppConfig, AppMetadataSource, Label


def test_config_path_from_argv():
    assert data.config_path_from_argv(["main.py", "--config", "/a/app.yaml"]) == "/a/app.yaml"
    assert data.config_path_from_argv(["main.py", "--config=/b.yaml"]) == "/b.yaml"
    assert data.config_path_from_argv(["main.py"]) is None


def test_missing_key_message():
    assert data.missing_key_message("metrics") == (
        "No metrics configured. Add `metrics:` to app.yaml (one CSV per dataset, written by "
        "`auditapp metric-extraction`)."
    )


def test_catalog_pretty_names_and_categories():
    cols = ["ID", "T1post_max_intensity", "flair_10th_percentile_intensity", "flair_mean_asm", "flair_std_energy",
            "axial_plane_resolution", "sagittal_plane_center_of_mass", "coronal_tumor_slices",
            "lower_axial_tumor_slice", "lesion_size_whole", "lesion_size_et", "whole_tumor_location",
            "axial_et_center_mass", "longitudinal_id", "time_point", "Site"]
    cat = data.build_catalog(cols, ("T1post", "flair"), ("whole", "et"), ("Site",))
    assert cat.categories == {
        "Statistical": {"Max. intensity (T1POST)": "T1post_max_intensity",
                        "10th-Percentile intensity (FLAIR)": "flair_10th_percentile_intensity"},
        "Texture": {"Std energy (FLAIR)": "flair_std_energy", "Mean ASM (FLAIR)": "flair_mean_asm"},
        "Spatial": {"Axial plane resolution": "axial_plane_resolution",
                    "Sagittal plane center of mass": "sagittal_plane_center_of_mass"},
        "Tumor": {"Number of tumor slices (Coronal)": "coronal_tumor_slices",
                  "Lower tumor slice (Axial)": "lower_axial_tumor_slice",
                  "Lesion size (WHOLE)": "lesion_size_whole", "Lesion size (ET)": "lesion_size_et",
                  "Tumor location (WHOLE)": "whole_tumor_location",
                  "Axial plane tumor center of mass (ET)": "axial_et_center_mass"},
        "Metadata": {"Site": "Site"},
    }
    assert cat.default() == "T1post_max_intensity" and cat.name("lesion_size_et") == "Lesion size (ET)"
    assert cat.category("Site") == "Metadata" and cat.name("unknown") == "unknown"


def test_sequences_and_labels_inferred_or_configured():
    cols = ["ID", "t1_max_intensity", "T1post_max_intensity", "lesion_size_whole", "lesion_size_enh"]
    assert data.sequences_of(AppConfig(), cols) == ("t1", "T1post")
    assert data.sequences_of(AppConfig(sequences=("_T1_post",)), cols) == ("T1post",)
    assert data.labels_of(AppConfig(), cols) == ("whole", "enh")
    labs = (Label("BKG", (0,)), Label("NETC", (1,)))
    assert data.labels_of(AppConfig(labels=labs), cols) == ("whole", "netc")


def test_loaders_legacy_metrics_metadata_and_problems(tmp_path):
    cfg = load_app_config(make_project(tmp_path, missing_csv=True))
    ftab = data.features(cfg)
    assert ftab.sets == SETS and len(ftab.df) == 24
    assert ftab.problems == (f"File not found: {cfg.features['Ghost']} (features.Ghost in app.yaml).",)
    assert ftab.meta_columns == ("Scanner", "Age")
    assert ftab.df.loc[ftab.df["ID"] == "SiteB-002", ["Scanner", "Age"]].values.tolist() == [["Philips", 44.0]]
    mtab = data.metrics(cfg)
    assert mtab.legacy_sets == SETS
    assert data.metric_columns(mtab.df, mtab.meta_columns) == ["dice", "jaccard", "hausdorff_distance",
                                                              "predicted_size"]
    assert data.models_of(mtab.df) == ["m1", "m2"]
    means = data.region_means(cfg)
    assert len(means) == 2 * 24 and set(means["region"]) == {"ALL"}
    raw = pd.read_csv(cfg.metrics["SiteA"])
    first = raw[(raw["ID"] == "SiteA-000") & (raw["model"] == "m1")]["DICE"].mean()
    got = means[(means["ID"] == "SiteA-000") & (means["model"] == "m1")]["dice"].iloc[0]
    assert got == pytest.approx(first, rel=1e-15)
    joined = data.metrics_with_features(cfg, aggregated=False)
    assert len(joined) == 2 * 24 * 3 and "t1_max_intensity" in joined.columns


def test_unreadable_csv_and_metadata_rewrite(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    good = tmp_path / "good.csv"
    pd.DataFrame({"ID": ["Duke-1", "Duke-2"], "t1_max_intensity": [1.0, 2.0]}).to_csv(good, index=False)
    meta = tmp_path / "meta.tsv"
    pd.DataFrame({"BraTS Subject ID": ["BraTS-GLI-1", "BraTS-GLI-1", "BraTS-GLI-2"], "Site": ["Duke"] * 3,
                  "Age ": ["40", "41", "x"]}).to_csv(meta, sep="\t", index=False)
    src = AppMetadataSource(file=meta, id_column="BraTS Subject ID", id_rewrite=(("BraTS-GLI", "{Site}"),),
                            columns=("Age", "Sex"))
    cfg = AppConfig(features={"Duke": good, "Bad": bad}, metadata=(src,))
    tab = data.features(cfg)
    assert tab.sets == ("Duke",)
    assert tab.problems == (
        f"Could not read features.Bad ({bad}): no ID column.",
        f"metadata column 'Sex' not found in {meta}",
        f"1 duplicate IDs in {meta}; first row kept",
    )
    assert tab.df[["ID", "Age"]].values.tolist() == [["Duke-1", "40"], ["Duke-2", "x"]]
