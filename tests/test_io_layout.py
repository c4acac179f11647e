"""The one file layout (io/layout.py): subjects, sequences, ground truth, both prediction layouts, literal names."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditapp.config.model import Formats, Label, MetricExtractionConfig
from auditapp.io import layout
from auditapp.pipelines.metrics import discover_pairs


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def test_list_subject_dirs_sorted_hidden_files_and_links(tmp_path):
    for name in ("b", "B", "a1", ".ipynb_checkpoints"):
        (tmp_path / name).mkdir()
    touch(tmp_path / "notes.txt")
    (tmp_path / "linked").symlink_to(tmp_path / "a1", target_is_directory=True)
    assert layout.list_subject_dirs(tmp_path) == (["B", "a1", "b", "linked"], [".ipynb_checkpoints"])


def test_prediction_nested_first_then_flat_and_nii(tmp_path):
    assert [str(p.relative_to(tmp_path)) for p in layout.prediction_candidates(tmp_path, "S1")] == [
        "S1/S1_pred.nii.gz", "S1/S1_pred.nii", "S1_pred.nii.gz", "S1_pred.nii"]
    assert layout.find_prediction(tmp_path, "S1") is None
    flat = touch(tmp_path / "S1_pred.nii")
    assert layout.find_prediction(tmp_path, "S1") == flat
    nested = touch(tmp_path / "S1" / "S1_pred.nii")
    assert layout.find_prediction(tmp_path, "S1") == nested
    assert layout.find_prediction(tmp_path, "S1", (".nii.gz",)) is None


def test_seg_and_sequences_with_configured_extension_order(tmp_path):
    gz = touch(tmp_path / "S1" / "S1_seg.nii.gz")
    plain = touch(tmp_path / "S1" / "S1_seg.nii")
    assert layout.find_seg(tmp_path, "S1") == gz
    assert layout.find_seg(tmp_path, "S1", layout.nifti_extensions((".nii",))) == plain
    t1 = touch(tmp_path / "S1" / "S1_t1.nii.gz")
    assert layout.sequence_files(tmp_path / "S1", "S1", ["_t1", "_t2"]) == {"_t1": t1, "_t2": None}


@pytest.mark.parametrize("subject", ["S*", "S?", "[ab]", "S[1]"])
def test_names_are_literal_not_patterns(tmp_path, subject):
    for other in ("S1", "a", "S_x"):
        touch(tmp_path / other / f"{other}_seg.nii.gz")
        touch(tmp_path / "preds" / f"{other}_pred.nii.gz")
    (tmp_path / subject).mkdir()
    assert layout.find_seg(tmp_path, subject) is None
    assert layout.find_prediction(tmp_path / "preds", subject) is None
    assert layout.find_prefixed(tmp_path / "preds", f"{subject}_pred") is None
    assert layout.find_prediction(tmp_path / "preds", subject, prefixed=True) is None
    own = touch(tmp_path / "preds" / f"{subject}_pred_v2.nii.gz")
    assert layout.find_prefixed(tmp_path / "preds", f"{subject}_pred") == own
    assert layout.find_prediction(tmp_path / "preds", subject, prefixed=True) == own
    nested = touch(tmp_path / "preds" / subject / f"{subject}_pred.nii")
    assert layout.find_prediction(tmp_path / "preds", subject, prefixed=True) == nested


def test_find_prefixed_exact_first_then_sorted(tmp_path):
    touch(tmp_path / "S1_seg_b.nii.gz")
    first = touch(tmp_path / "S1_seg_a.nii.gz")
    assert layout.find_prefixed(tmp_path, "S1_seg") == first
    exact = touch(tmp_path / "S1_seg.nii")
    assert layout.find_prefixed(tmp_path, "S1_seg") == exact
    assert layout.find_prefixed(tmp_path / "absent", "S1_seg") is None


@pytest.mark.parametrize("subject", ["", ".", "..", "../x", "a/b", "a\\b", "a\x00"])
def test_check_subject_id_refuses_unsafe(subject):
    with pytest.raises(layout.UnsafeSubjectID, match="not a plain folder name"):
        layout.check_subject_id(subject)


@pytest.mark.parametrize("subject", ["S1", "S*", "[ab]", "NA", "..x", "a b"])
def test_check_subject_id_accepts_plain_names(subject):
    assert layout.check_subject_id(subject) == subject


def test_is_within_is_lexical(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(tmp_path, target_is_directory=True)
    assert layout.is_within(root / "link" / "file", root)  # a link inside the folder: allowed
    assert not layout.is_within(root / ".." / "file", root)
    assert not layout.is_within(tmp_path / "root2" / "x", root)  # a sibling sharing the prefix
    assert layout.is_within(root, root)


def test_count_unmatched_predictions(tmp_path):
    touch(tmp_path / "S1" / "S1_pred.nii.gz")
    touch(tmp_path / "X9" / "X9_pred.nii.gz")
    touch(tmp_path / "Y9_pred.nii")
    touch(tmp_path / "readme.txt")
    (tmp_path / ".hidden").mkdir()
    assert layout.count_unmatched_predictions(tmp_path, {"S1"}) == 2
    assert layout.count_unmatched_predictions(tmp_path / "absent", {"S1"}) == 0


def test_metric_discovery_keeps_glob_like_ids_apart(tmp_path):
    gt, preds = tmp_path / "gt", tmp_path / "m"
    for subject in ("S*", "S1"):
        touch(gt / subject / f"{subject}_seg.nii.gz")
    touch(preds / "S1_pred.nii.gz")
    config = MetricExtractionConfig(data_path=gt, model_predictions_paths={"m": preds}, output_path=tmp_path,
                                    filename="x", logs_path=tmp_path, labels=(Label("A", (1,)),),
                                    formats=Formats())
    tasks, hidden, stray, not_run = discover_pairs(config)
    found = {t.subject: t.models[0].path for t in tasks}
    assert found == {"S*": None, "S1": str(preds / "S1_pred.nii.gz")}
    assert hidden == [] and stray == [] and not_run is None
