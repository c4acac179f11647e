"""Issue 11 item 7: subject IDs are text, always (one table reader for every table).

IDs ``NA``, ``None``, ``null``, ``nan``, ``N/A`` and empty were read as missing by pandas and merged into one
subject "nan". Each reader path is exercised: the table reader itself, feature and metric CSVs, metadata files
(CSV, TSV, XLSX), the error-matrix CSV, the features pipeline's metadata join, the organise helper and the
dashboard's loaders.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auditapp.app import data
from auditapp.config.model import (
    AppConfig,
    AppMetadataSource,
    FeatureExtractionConfig,
    FeatureFamilies,
    Label,
    MetadataSource,
)
from auditapp.io.nifti_write import write_volume
from auditapp.files import organize_by_metadata
from auditapp.io.metadata import read_metadata_table
from auditapp.io.results import load_features, load_metrics
from auditapp.io.tables import read_table
from auditapp.pipelines.features import run_feature_extraction

NA_LIKE = ["NA", "None", "null", "nan", "N/A", ""]


def test_read_table_keeps_id_text_and_other_columns_missing(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("ID,model,x\n" + "".join(f"{i},m,{n}\n" for n, i in enumerate(NA_LIKE)) + "007,NA,NA\n")
    table = read_table(path)
    assert table["ID"].tolist() == [*NA_LIKE, "007"]
    assert table["model"].tolist() == ["m"] * 6 + ["NA"]
    assert table["x"].tolist()[:6] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0] and np.isnan(table["x"].iloc[6])


def test_feature_and_metric_csvs(tmp_path):
    feats = tmp_path / "f.csv"
    pd.DataFrame({"ID": NA_LIKE, "t1_max_intensity": range(6)}).to_csv(feats, index=False)
    table = load_features({"S": feats})
    assert table["ID"].tolist() == NA_LIKE and table["ID"].nunique() == 6
    metrics = tmp_path / "m.csv"
    pd.DataFrame({"ID": NA_LIKE, "region": ["ET"] * 6, "DICE": np.linspace(0, 1, 6), "model": "m"}).to_csv(
        metrics, index=False)
    table = load_metrics({"S": metrics})
    assert table["ID"].tolist() == NA_LIKE
    assert table.groupby("ID").size().to_dict() == {i: 1 for i in NA_LIKE}


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".xlsx"])
def test_metadata_files(tmp_path, suffix):
    frame = pd.DataFrame({" Subject ": NA_LIKE, "age": [40, 41, None, 43, 44, 45]})
    path = tmp_path / f"meta{suffix}"
    if suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, sep="\t" if suffix == ".tsv" else ",", index=False)
    table = read_metadata_table(path, id_column="Subject")
    assert table["Subject"].tolist() == NA_LIKE
    assert table["age"].isna().tolist() == [False, False, True, False, False, False]


def test_error_matrix_csv(tmp_path):
    path = tmp_path / "error_matrix_x.csv"
    pd.DataFrame({"ID": ["NA", "None"], "model": ["m", "m"], "gt_value": [0, 1], "pred_value": [0, 1],
                  "count": [5, 6]}).to_csv(path, index=False)
    data.read_error_matrix_csv.clear()
    st_ = path.stat()
    table = data.read_error_matrix_csv(str(path), st_.st_mtime_ns, st_.st_size)
    assert table["ID"].tolist() == ["NA", "None"]


def test_features_pipeline_joins_metadata_per_subject(tmp_path):
    root = tmp_path / "data"
    ids = ["NA", "None", "nan", "null"]
    for n, subject in enumerate(ids):
        image = np.full((3, 4, 5), 10.0 + n, np.float32)
        (root / subject).mkdir(parents=True)
        write_volume(root / subject / f"{subject}_t1.nii.gz", image, (1.0, 1.0, 1.0))
    meta = tmp_path / "clinical.csv"
    pd.DataFrame({"ID": ids, "age": [40, 41, 42, 43]}).to_csv(meta, index=False)
    config = FeatureExtractionConfig(
        data_paths={"S": root}, output_path=tmp_path / "out", logs_path=tmp_path / "logs", sequences=("_t1",),
        labels=(Label("BKG", (0,)),), cpu_cores=1,
        features=FeatureFamilies(statistical=True, texture=False, spatial=False, tumor=False),
        metadata={"S": (MetadataSource("clinical", meta),)})
    assert run_feature_extraction(config).exit_code == 0
    table = load_features({"S": tmp_path / "out" / "extracted_information_S.csv"})
    assert table["ID"].tolist() == sorted(ids)
    assert dict(zip(table["ID"], table["age"])) == {"NA": 40, "None": 41, "nan": 42, "null": 43}
    assert dict(zip(table["ID"], table["t1_max_intensity"])) == {"NA": 10.0, "None": 11.0, "nan": 12.0,
                                                                 "null": 13.0}


def test_organize_by_metadata_keeps_na_like_ids(tmp_path):
    for subject in ("NA", "None"):
        (tmp_path / "in" / subject).mkdir(parents=True)
    meta = tmp_path / "meta.csv"
    pd.DataFrame({"ID": ["NA", "None", ""], "Site": ["A", "B", "C"]}).to_csv(meta, index=False)
    out = organize_by_metadata(meta, "Site", tmp_path / "in", tmp_path / "out", id_column="ID", safe_mode=False)
    assert out["organized"] == {"A": ["NA"], "B": ["None"]}
    assert (tmp_path / "out" / "A" / "NA").is_dir()


def test_dashboard_loaders(tmp_path):
    feats = tmp_path / "f.csv"
    pd.DataFrame({"ID": NA_LIKE, "t1_max_intensity": range(6)}).to_csv(feats, index=False)
    meta = tmp_path / "meta.csv"
    pd.DataFrame({"ID": NA_LIKE, "Scanner": list("abcdef")}).to_csv(meta, index=False)
    cfg = AppConfig(features={"S": feats}, metadata=(AppMetadataSource(file=meta),))
    table = data.features(cfg)
    assert table.problems == ()
    assert dict(zip(table.df["ID"], table.df["Scanner"])) == dict(zip(NA_LIKE, "abcdef"))
