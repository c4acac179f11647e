"""ITK-SNAP launch: files, command, label file, fake executable on PATH, not installed (dashboard.md §6)."""

from __future__ import annotations

import re

from dataclasses import replace
from pathlib import Path

import pytest

from app_fixtures import MAIN, OUTLIER, fake_itksnap, make_project, touch, wait_for
from auditapp.config import load_app_config
from auditapp.config.model import AppConfig, Label, ViewerConfig
from auditapp.viewers import itksnap

BRATS24 = tuple(Label(n, (v,)) for n, v in [("BKG", 0), ("NETC", 1), ("SNFH", 2), ("ET", 3), ("RC", 4)])


@pytest.fixture(scope="module")
def cfg(tmp_path_factory) -> AppConfig:
    return load_app_config(make_project(tmp_path_factory.mktemp("viewer")))


def test_label_description_matches_spec_example():
    expected = (
        "################################################\n"
        "# ITK-SnAP Label Description File\n"
        "# File format:\n"
        "# IDX   -R-  -G-  -B-  -A--  VIS MSH  LABEL\n"
        "################################################\n"
        '    0     0    0    0     0.00  0  0    "Clear Label"\n'
        '    1   203  255    0     1.00  1  1    "NETC"\n'
        '    2     0  255  102     1.00  1  1    "SNFH"\n'
        '    3     0  102  255     1.00  1  1    "ET"\n'
        '    4   204    0  255     1.00  1  1    "RC"\n'
    )
    assert itksnap.label_description(BRATS24) == expected


def test_label_description_colours_and_composites():
    labels = (Label("BKG", (0,)), Label("ET", (3,)), Label("TC", (1, 3), composite=True))
    text = itksnap.label_description(labels, {"ET": "#ff0080"})
    assert text.splitlines()[-1] == '    3   255    0  128     1.00  1  1    "ET"'
    assert "TC" not in text
    assert itksnap.label_colors(labels, {"ET": [1, 2, 3]})["ET"] == (1, 2, 3)


def test_label_file_written_once_in_temp_folder():
    first = itksnap.label_file(BRATS24)
    assert first.parent.name.startswith("auditapp-")
    assert first.read_text(encoding="utf-8") == itksnap.label_description(BRATS24)
    assert itksnap.label_file(BRATS24) == first
    assert itksnap.label_file(()) is None


def test_subject_files_and_command(cfg):
    set_name, sid = OUTLIER
    files = itksnap.subject_files(cfg, set_name, sid, ["m2", "absent"])
    folder = cfg.raw_datasets[set_name] / sid
    assert files.main == folder / f"{sid}_t1ce.nii.gz"
    assert files.sequences == tuple(folder / f"{sid}{s}.nii.gz" for s in ("_t1", "_t2", "_flair"))
    assert files.seg == folder / f"{sid}_seg.nii.gz"
    assert files.predictions == (("m2", cfg.predictions[set_name]["m2"] / sid / f"{sid}_pred.nii.gz"),)
    cmd = itksnap.build_command(["itksnap"], files, Path("/tmp/l.txt"))
    assert cmd == ["itksnap", "-g", str(files.main), "-s", str(files.seg), "-o", *map(str, files.sequences),
                   str(files.predictions[0][1]), "-l", "/tmp/l.txt"]
    seg_layer = itksnap.build_command(["itksnap"], files, None, prediction_layer="segmentation")
    assert seg_layer[seg_layer.index("-s") + 1:seg_layer.index("-o")] == [str(files.seg), str(files.predictions[0][1])]


def test_flat_prediction_layout_and_main_fallback(tmp_path):
    root = tmp_path / "imgs"
    touch(root / "S1" / "S1_t2.nii")
    touch(root / "S1" / "S1_flair.nii.gz")
    touch(tmp_path / "preds" / "S1_pred.nii.gz")
    cfg = AppConfig(raw_datasets={"X": root}, predictions={"X": {"m": tmp_path / "preds"}},
                    sequences=("_t1", "_t2", "_flair"))
    files = itksnap.subject_files(cfg, "X", "S1", ["m"])
    assert files.main == root / "S1" / "S1_t2.nii"  # no t1ce, no t1: first present of the fallbacks
    assert files.sequences == (root / "S1" / "S1_flair.nii.gz",)
    assert files.seg is None and files.predictions == (("m", tmp_path / "preds" / "S1_pred.nii.gz"),)
    assert "-s" not in itksnap.build_command(["x"], files, Path("/l.txt"))


def test_datasets_path_fallback(tmp_path):
    touch(tmp_path / "Duke" / "Duke_images" / "D1" / "D1_t1ce.nii.gz")
    cfg = AppConfig(datasets_path=tmp_path, sequences=("_t1ce",))
    assert itksnap.case_folder(cfg, "Duke", "D1") == tmp_path / "Duke" / "Duke_images" / "D1"


@pytest.mark.parametrize("subject", ["../SiteB-001", "..", ".", "a/b", ""])
def test_refuses_ids_that_are_not_folder_names(cfg, subject):
    with pytest.raises(itksnap.ViewerError, match="plain folder name"):
        itksnap.subject_files(cfg, "SiteA", subject)


def test_opens_subjects_linked_by_organize_symlink(tmp_path):
    """Issue 11 item 11: a folder made by ``organize --mode symlink`` links outside it and must open."""
    import pandas as pd

    from auditapp.files import organize_by_metadata

    source = tmp_path / "orig"
    touch(source / "S1" / "S1_t1ce.nii.gz")
    touch(source / "S1" / "S1_seg.nii.gz")
    meta = pd.DataFrame({"ID": ["S1"], "Site": ["Duke"]})
    organize_by_metadata(meta, "Site", source, tmp_path / "by_site", id_column="ID", subdir="{category}_images",
                         mode="symlink", safe_mode=False)
    root = tmp_path / "by_site" / "Duke" / "Duke_images"
    assert (root / "S1").is_symlink()
    cfg = AppConfig(raw_datasets={"Duke": root}, sequences=("_t1ce",))
    files = itksnap.subject_files(cfg, "Duke", "S1")
    assert files.main == root / "S1" / "S1_t1ce.nii.gz" and files.seg == root / "S1" / "S1_seg.nii.gz"


@pytest.mark.parametrize("subject", ["../outside", "..", "S1/../../outside", "S1\\..\\..", "S1\x00"])
def test_crafted_ids_still_refused_next_to_links(tmp_path, subject):
    touch(tmp_path / "outside" / "outside_t1ce.nii.gz")
    root = tmp_path / "root"
    root.mkdir()
    (root / "S1").symlink_to(tmp_path / "outside", target_is_directory=True)
    cfg = AppConfig(raw_datasets={"X": root}, sequences=("_t1ce",))
    with pytest.raises(itksnap.ViewerError, match="plain folder name"):
        itksnap.subject_files(cfg, "X", subject)


@pytest.mark.parametrize("subject", ["S*", "S?", "[ab]"])
def test_glob_characters_in_ids_match_literally(tmp_path, subject):
    """Issue 11 item 5: ``S*`` found S1's prediction (the lookup used glob patterns)."""
    root, preds = tmp_path / "imgs", tmp_path / "preds"
    for other in ("S1", "a", "b"):
        touch(root / other / f"{other}_t1ce.nii.gz")
        touch(root / other / f"{other}_seg.nii.gz")
        touch(preds / f"{other}_pred.nii.gz")
    touch(root / subject / f"{subject}_t1ce.nii.gz")
    cfg = AppConfig(raw_datasets={"X": root}, predictions={"X": {"m": preds}}, sequences=("_t1ce",))
    files = itksnap.subject_files(cfg, "X", subject, ["m"])
    assert files.all_files() == [root / subject / f"{subject}_t1ce.nii.gz"]
    touch(preds / f"{subject}_pred.nii.gz")
    touch(root / subject / f"{subject}_seg.nii.gz")
    files = itksnap.subject_files(cfg, "X", subject, ["m"])
    assert files.seg == root / subject / f"{subject}_seg.nii.gz"
    assert files.predictions == (("m", preds / f"{subject}_pred.nii.gz"),)


def test_missing_folder_and_no_images(tmp_path):
    cfg = AppConfig(raw_datasets={"X": tmp_path}, sequences=("_t1ce",))
    with pytest.raises(itksnap.ViewerError, match=r"Folder not found: .*raw_datasets\.X"):
        itksnap.subject_files(cfg, "X", "S9")
    (tmp_path / "S9").mkdir()
    with pytest.raises(itksnap.ViewerError, match="No image files for S9 in"):
        itksnap.subject_files(cfg, "X", "S9")
    with pytest.raises(itksnap.ViewerError, match="No image folder configured for Y"):
        itksnap.subject_files(cfg, "Y", "S9")


def test_not_on_path(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(itksnap.ViewerNotFound, match="ITK-SNAP was not found. Install it from itksnap.org"):
        itksnap.find_executable(ViewerConfig(), platform="linux")


def test_configured_path_and_windows_names(tmp_path, monkeypatch):
    exe = fake_itksnap(tmp_path / "bin", tmp_path / "rec")
    assert itksnap.find_executable(ViewerConfig(itksnap=str(exe))) == [str(exe)]
    win = tmp_path / "win"
    win.mkdir()
    (win / "itksnap.exe").write_text("#!/bin/sh\n")
    (win / "itksnap.exe").chmod(0o755)
    monkeypatch.setenv("PATH", str(win))
    assert itksnap.find_executable(ViewerConfig(), platform="win32") == [str(win / "itksnap.exe")]


def test_launch_records_arguments_and_skips_duplicates(cfg, tmp_path, monkeypatch):
    record = tmp_path / "args.txt"
    bin_dir = tmp_path / "bin"
    fake_itksnap(bin_dir, record)
    monkeypatch.setenv("PATH", str(bin_dir))
    set_name, sid = OUTLIER
    result = itksnap.launch(cfg, set_name, sid, ["m1"])
    assert result.launched and result.pid
    assert wait_for(record)
    args = record.read_text().splitlines()
    folder = cfg.raw_datasets[set_name] / sid
    assert args[:4] == ["-g", str(folder / f"{sid}_t1ce.nii.gz"), "-s", str(folder / f"{sid}_seg.nii.gz")]
    assert args[-3] == str(cfg.predictions[set_name]["m1"] / sid / f"{sid}_pred.nii.gz")
    assert args[-2] == "-l" and Path(args[-1]).read_text().count('"') == 2 * 4  # clear + NETC, SNFH, ET
    again = itksnap.launch(cfg, set_name, sid, ["m1"])
    assert not again.launched  # duplicate event within 3 s
    assert itksnap.launch(cfg, set_name, sid, ["m1"], force=True).launched


def test_launch_start_error_names_the_command(cfg, tmp_path, monkeypatch):
    bad = tmp_path / "itksnap"
    bad.write_text("not a program")
    bad.chmod(0o755)  # executable bit but no shebang: exec fails with OSError
    cfg_bad = replace(cfg, viewer=ViewerConfig(itksnap=str(bad)))
    with pytest.raises(itksnap.ViewerError, match=r"Could not start ITK-SNAP .*Command: .*itksnap -g"):
        itksnap.launch(cfg_bad, *OUTLIER, force=True)


# ---------------------------------------------------------------------------------------------------------------
# From the pages
# ---------------------------------------------------------------------------------------------------------------
def _subjects_page(config, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("AUDITAPP_CONFIG", str(config))
    at = AppTest.from_file(str(MAIN), default_timeout=60)
    at.run()
    at.query_params["set"], at.query_params["id"] = OUTLIER
    at.switch_page("views/subjects.py").run()
    return at


def test_subjects_page_opens_itksnap_with_prediction(tmp_path, monkeypatch):
    config = make_project(tmp_path / "p")
    record = tmp_path / "args.txt"
    fake_itksnap(tmp_path / "bin", record)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    at = _subjects_page(config, monkeypatch)
    [button] = [b for b in at.button if b.label == "Open with prediction of m2"]
    button.click().run()
    assert not at.exception and not [e.value for e in at.error]
    assert wait_for(record)
    args = record.read_text().splitlines()
    assert args[1].endswith(f"{OUTLIER[1]}_t1ce.nii.gz")
    assert any(a.endswith(f"m2/{OUTLIER[1]}/{OUTLIER[1]}_pred.nii.gz") for a in args)


def test_subjects_page_without_itksnap_says_how_to_install(tmp_path, monkeypatch):
    config = make_project(tmp_path / "p")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    at = _subjects_page(config, monkeypatch)
    [button] = [b for b in at.button if b.label == "Open in ITK-SNAP"]
    button.click().run()
    assert not at.exception and not [e.value for e in at.error]
    assert [w.value for w in at.warning] == [itksnap.NOT_FOUND_MESSAGE]
    assert any("Files to open by hand" in m.value and "_t1ce.nii.gz" in m.value for m in at.markdown)


@pytest.mark.shared
def test_command_on_real_brats_folders(shared_dir, tmp_path, monkeypatch):
    brats = shared_dir / "data" / "brats"
    ssa = "BraTS2024_SSA-00002-000"
    cfg = AppConfig(datasets_path=brats, sequences=("_t1", "_t2", "_t1ce", "_flair"),
                    labels=(Label("BKG", (0,)), Label("EDE", (3,)), Label("ENH", (1,)), Label("NEC", (2,))),
                    predictions={"BraTS2024_SSA": {"nnUnet": brats / "BraTS2024_SSA" / "BraTS2024_SSA_seg" / "nnUnet"}})
    record = tmp_path / "args.txt"
    fake_itksnap(tmp_path / "bin", record)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert itksnap.launch(cfg, "BraTS2024_SSA", ssa, ["nnUnet"], force=True).launched
    assert wait_for(record)
    folder = brats / "BraTS2024_SSA" / "BraTS2024_SSA_images" / ssa
    pred = brats / "BraTS2024_SSA" / "BraTS2024_SSA_seg" / "nnUnet" / ssa / f"{ssa}_pred.nii.gz"
    args = record.read_text().splitlines()
    assert args[:-1] == ["-g", str(folder / f"{ssa}_t1ce.nii.gz"), "-s", str(folder / f"{ssa}_seg.nii.gz"), "-o",
                         str(folder / f"{ssa}_t1.nii.gz"), str(folder / f"{ssa}_t2.nii.gz"),
                         str(folder / f"{ssa}_flair.nii.gz"), str(pred), "-l"]
    lines = Path(args[-1]).read_text().splitlines()[5:]
    assert [line.split('"')[1] for line in lines] == ["Clear Label", "EDE", "ENH", "NEC"]
    with pytest.raises(itksnap.ViewerError, match="No image files for BraTS2024_PED-00001-000 in"):
        itksnap.subject_files(cfg, "BraTS2024_PED", "BraTS2024_PED-00001-000")


def _viewer_script():
    """Page fragment: the click-through panel for one selected subject (AppTest.from_function)."""
    import os

    from auditapp.app.views._common import subject_viewer
    from auditapp.config import load_app_config

    cfg = load_app_config(os.environ["AUDITAPP_CONFIG"])
    subject_viewer(cfg, [("SiteA", "SiteA-003")], "t", explore=False)


def test_click_panel_opens_once_then_open_again(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    config = make_project(tmp_path / "p")
    record = tmp_path / "args.txt"
    fake_itksnap(tmp_path / "bin", record)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("AUDITAPP_CONFIG", str(config))
    at = AppTest.from_function(_viewer_script, default_timeout=30)
    at.run()
    assert not at.exception
    assert wait_for(record)  # a new selection opens the viewer at once
    assert [b.label for b in at.button] == ["Open again"]
    record.unlink()
    at.run()  # the same selection on a rerun (another widget changed): no second viewer
    assert not wait_for(record, 1.0)
    at.button[0].click().run()
    assert wait_for(record)
    assert record.read_text().splitlines()[1].endswith("SiteA-003_t1ce.nii.gz")


def test_page_explains_viewer_errors(tmp_path, monkeypatch):
    config = make_project(tmp_path / "p", images=False, metrics=False, metadata=False)
    fake_itksnap(tmp_path / "bin", tmp_path / "args.txt")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    at = _subjects_page(config, monkeypatch)
    [button] = [b for b in at.button if b.label == "Open in ITK-SNAP"]
    button.click().run()
    assert not at.exception and not [e.value for e in at.error]
    assert [re.sub(r"\\(.)", r"\1", w.value) for w in at.warning] == [  # shown Markdown-escaped (ui.esc)
        "No image folder configured for SiteA. Add `raw_datasets: {SiteA: /path/to/images}` to app.yaml."]
