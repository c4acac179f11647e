"""Column order (features.md §5), longitudinal IDs (§10), metadata tables and merge (§11)."""

from __future__ import annotations

import pandas as pd
import pytest

from auditapp.config.model import FeatureFamilies, Label, LongitudinalSpec
from auditapp.errors import AuditappWarning
from auditapp.features.columns import feature_columns, integer_columns
from auditapp.features.longitudinal import parse_longitudinal
from auditapp.io.metadata import join_metadata, read_metadata_table

SEQUENCES = ("_t1", "_t2", "_t1ce", "_flair")
STANDARD = (Label("BKG", (0,)), Label("EDE", (3,)), Label("ENH", (1,)), Label("NEC", (2,)))
BRATS2024 = (Label("BKG", (0,)), Label("NETC", (1,)), Label("SNFH", (2,)), Label("ET", (3,)), Label("RC", (4,)))


def test_standard_config_has_126_columns_in_spec_order():
    cols = feature_columns(SEQUENCES, STANDARD)
    assert len(cols) == 126 == len(set(cols))
    assert cols[:7] == ["ID", "axial_plane_resolution", "coronal_plane_resolution", "sagittal_plane_resolution",
                        "axial_plane_center_of_mass", "coronal_plane_center_of_mass",
                        "sagittal_plane_center_of_mass"]
    assert cols[7:10] == ["axial_whole_center_mass", "coronal_whole_center_mass", "sagittal_whole_center_mass"]
    assert cols[19:23] == ["whole_tumor_location", "ede_tumor_location", "enh_tumor_location", "nec_tumor_location"]
    assert cols[23:27] == ["lesion_size_enh", "lesion_size_nec", "lesion_size_ede", "lesion_size_whole"]
    assert cols[36:38] == ["t1_max_intensity", "t1_min_intensity"]
    assert cols[76:78] == ["t1_mean_contrast", "t1_std_contrast"]
    assert cols[-3:] == ["flair_std_correlation", "longitudinal_id", "time_point"]


def test_standard_columns_equal_reference_header(shared_dir):
    ref = pd.read_csv(shared_dir / "reference/features/extracted_information_BraTS2024_SSA.csv", nrows=0)
    assert feature_columns(SEQUENCES, STANDARD) == list(ref.columns)


def test_brats2024_labels_give_131_columns(shared_dir):
    cols = feature_columns(SEQUENCES, BRATS2024)
    assert len(cols) == 131
    duke = pd.read_csv(shared_dir / "data/brats2024_by_site/features/extracted_information_Duke.csv", nrows=0)
    assert cols == list(duke.columns)


def test_unconfigured_values_and_disabled_families():
    cols = feature_columns(SEQUENCES, STANDARD, unconfigured=[5, 4])
    assert cols[23:29] == ["lesion_size_enh", "lesion_size_nec", "lesion_size_ede", "lesion_size_4",
                           "lesion_size_5", "lesion_size_whole"]
    none = FeatureFamilies(statistical=False, texture=False, spatial=False, tumor=False)
    assert feature_columns(SEQUENCES, STANDARD, none) == ["ID", "longitudinal_id", "time_point"]
    only_stats = feature_columns(("_T1_post",), STANDARD, FeatureFamilies(texture=False, spatial=False, tumor=False))
    assert only_stats[1] == "T1post_max_intensity" and len(only_stats) == 13


def test_integer_columns():
    ints = integer_columns(feature_columns(SEQUENCES, STANDARD, unconfigured=[4]))
    assert "lesion_size_whole" not in ints
    assert {"axial_plane_resolution", "lesion_size_4", "lesion_size_ede", "sagittal_tumor_slices",
            "lower_axial_tumor_slice", "upper_sagittal_tumor_slice", "time_point"} <= set(ints)
    assert len(ints) == 3 + 4 + 3 + 6 + 1  # resolutions, sizes, slice counts, lower/upper, time_point


@pytest.mark.parametrize("subject,spec,expected", [
    ("Patient-001-week-044", LongitudinalSpec("-", 1, 3), ("001", 44)),
    ("UCSF_100302_1", LongitudinalSpec("_", 1, 2), ("100302", 1)),
    ("Patient-002-week-021", LongitudinalSpec("-week-", 0, 1), ("Patient-002", 21)),
    ("a.b.7", LongitudinalSpec(".", 1, 2), ("b", 7)),  # 1 character: literal, not a regex
    ("P1x07", LongitudinalSpec("x|y", 0, 1), ("P1", 7)),  # longer: regular expression
])
def test_longitudinal_examples(subject, spec, expected):
    long_ids, times = parse_longitudinal([subject], spec)
    assert (long_ids[0], times[0]) == expected


def test_unparsable_ids_only_reset_their_row():
    spec = LongitudinalSpec("_", 1, 2)
    with pytest.warns(AuditappWarning, match=r"from 2 ID\(s\): UCSF_1, UCSF_2_x; they get"):
        long_ids, times = parse_longitudinal(["UCSF_1", "UCSF_9_3", "UCSF_2_x"], spec)
    assert long_ids == ["", "9", ""] and times == [0, 3, 0]
    assert parse_longitudinal(["a", "b"], None) == (["", ""], [0, 0])


def test_read_metadata_csv_tsv_xlsx_keep_id_text(tmp_path):
    frame = pd.DataFrame({"ID": ["007", "010"], "age": [40, 51], "site": ["A", "B"]})
    frame.to_csv(tmp_path / "m.csv", index=False)
    frame.to_csv(tmp_path / "m.tsv", index=False, sep="\t")
    with pd.ExcelWriter(tmp_path / "m.xlsx") as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="other", index=False)
        frame.to_excel(writer, sheet_name="clinical", index=False)
    for name, sheet in (("m.csv", 0), ("m.tsv", 0), ("m.xlsx", "clinical"), ("m.xlsx", 1)):
        table = read_metadata_table(tmp_path / name, sheet=sheet)
        assert table["ID"].tolist() == ["007", "010"], name
        assert table["age"].tolist() == [40, 51]
    with pytest.raises(FileNotFoundError, match="metadata file not found"):
        read_metadata_table(tmp_path / "nope.csv")
    (tmp_path / "m.json").write_text("{}")
    with pytest.raises(ValueError, match=r"unsupported extension '.json'"):
        read_metadata_table(tmp_path / "m.json")


def test_read_metadata_id_column_with_surrounding_spaces(tmp_path):
    (tmp_path / "m.csv").write_text(" Subject ,v\n01,1\n")
    table = read_metadata_table(tmp_path / "m.csv", id_column="Subject")
    assert table["Subject"].tolist() == ["01"]


def test_join_metadata_left_join_duplicates_and_clashes():
    feats = pd.DataFrame({"ID": ["a", "b", "c"], "age": [1.0, 2.0, 3.0]})
    meta = pd.DataFrame({"Subject": ["c", "b", "b", "z"], "age": [30, 20, 21, 99], "sex": ["F", "M", "X", "M"]})
    with pytest.warns(AuditappWarning) as record:
        out = join_metadata(feats, meta, meta_on="Subject", name="clinical")
    messages = [str(w.message) for w in record]
    assert any("duplicate IDs ['b']" in m for m in messages)
    assert any("['age'] already exist" in m for m in messages)
    assert list(out.columns) == ["ID", "age", "age_meta", "sex"]
    assert out["ID"].tolist() == ["a", "b", "c"]
    assert out["age_meta"].tolist()[1:] == [20, 30] and pd.isna(out["age_meta"][0])
    assert out["sex"].tolist()[1:] == ["M", "F"]


def test_join_metadata_without_id_column_raises():
    feats = pd.DataFrame({"ID": ["a"]})
    with pytest.raises(ValueError, match=r"meta has no join column 'ID'; got \['x'\]"):
        join_metadata(feats, pd.DataFrame({"x": [1]}), name="m")
