"""auditapp.files: copy, delete, move, organise, project skeleton (helpers.md §2)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from auditapp.files import (
    add_string_dirs,
    add_string_files,
    add_suffix_to_files,
    copy_files_by_extension,
    create_project_structure,
    delete_dirs_by_pattern,
    delete_files_by_extension,
    move_files_to_parent,
    organize_files_into_dirs,
    organize_subdirs_into_named_dirs,
    rename_dirs,
    rename_files,
)
from test_files_rename import make_tree, snapshot


def both_outputs(func, capsys, *args, **kwargs) -> str:
    """Safe-mode output, asserting it is the same with verbose False and True."""
    func(*args, verbose=False, **kwargs)
    quiet = capsys.readouterr().out
    func(*args, verbose=True, **kwargs)
    assert capsys.readouterr().out == quiet
    return quiet


# ----------------------------------------------------------------------------- every helper: safe mode

SAFE_CALLS = {
    "rename_dirs": (rename_dirs, lambda r: (r, "week", "wk"), {}),
    "rename_files": (rename_files, lambda r: (r, "-t1", "_t1"), {}),
    "add_string_dirs": (add_string_dirs, lambda r: (r, "pre_"), {}),
    "add_string_files": (add_string_files, lambda r: (r, "pre_", "_suf"), {}),
    "add_suffix_to_files": (add_suffix_to_files, lambda r: (r,), {}),
    "copy_files_by_extension": (copy_files_by_extension, lambda r: (r, r / "copies", ".nii.gz"), {}),
    "delete_files_by_extension": (delete_files_by_extension, lambda r: (r, ".txt"), {}),
    "delete_dirs_by_pattern": (delete_dirs_by_pattern, lambda r: (r, "week"), {}),
    "move_files_to_parent": (move_files_to_parent, lambda r: (r,), {}),
    "organize_files_into_dirs": (organize_files_into_dirs, lambda r: (r,), {"extension": ""}),
    "organize_subdirs_into_named_dirs": (organize_subdirs_into_named_dirs, lambda r: (r,), {}),
}


@pytest.mark.parametrize("name", sorted(SAFE_CALLS))
def test_safe_mode_is_the_default_changes_nothing_and_prints_the_plan(name, tmp_path, capsys):
    func, args, kwargs = SAFE_CALLS[name]
    root = make_tree(tmp_path / "root", ["loose.nii.gz", "notes.txt", "P1/week-000/P1-t1.nii.gz",
                                         "P1/week-000/P1-seg.nii.gz", "P2/week-001/P2-t1.nii.gz", "P2/x.txt"])
    before = snapshot(root)
    planned = func(*args(root), **kwargs)  # no safe_mode argument: the default is a dry run
    out = capsys.readouterr().out
    func(*args(root), verbose=True, **kwargs)
    assert capsys.readouterr().out == out  # the same plan whatever verbose says
    assert snapshot(root) == before
    assert planned  # something was planned ...
    plan_lines = [line for line in out.splitlines() if line.startswith("[SAFE MODE] Would ")]
    assert plan_lines and all(str(root) in line for line in plan_lines)  # ... and printed, one line per action
    if isinstance(planned, dict):  # organize_subdirs_into_named_dirs returns creations and removals too
        assert len(plan_lines) == sum(len(v) for v in planned.values())
    else:  # folders to create are printed but not returned
        assert len([line for line in plan_lines if "Would create" not in line]) == len(planned)


# ----------------------------------------------------------------------------- copy_files_by_extension

@pytest.fixture
def seg_tree(tmp_path):
    return make_tree(tmp_path / "src", ["S1/S1_seg.nii.gz", "S1/S1_t1.nii.gz", "S2/S2_seg.nii.gz"])


def test_copy_safe_mode_creates_nothing(seg_tree, tmp_path, capsys):
    dst = tmp_path / "dst"
    out = both_outputs(copy_files_by_extension, capsys, seg_tree, dst, "_seg.nii.gz")
    assert not dst.exists()
    assert out.splitlines() == [
        f"[SAFE MODE] Would copy: {seg_tree}/S1/S1_seg.nii.gz -> {dst}/S1_seg.nii.gz",
        f"[SAFE MODE] Would copy: {seg_tree}/S2/S2_seg.nii.gz -> {dst}/S2_seg.nii.gz",
        "[SAFE MODE] 2 files would be copied."]


def test_copy_real_mode_flat_preserving_metadata(seg_tree, tmp_path, capsys):
    dst = tmp_path / "dst"
    os.utime(seg_tree / "S1" / "S1_seg.nii.gz", (1_000_000, 1_000_000))
    done = copy_files_by_extension(seg_tree, dst, "_seg.nii.gz", safe_mode=False, verbose=True)
    assert done == [(f"{seg_tree}/S1/S1_seg.nii.gz", f"{dst}/S1_seg.nii.gz"),
                    (f"{seg_tree}/S2/S2_seg.nii.gz", f"{dst}/S2_seg.nii.gz")]
    assert snapshot(dst) == {"S1_seg.nii.gz": "content of S1/S1_seg.nii.gz",
                             "S2_seg.nii.gz": "content of S2/S2_seg.nii.gz"}
    assert (dst / "S1_seg.nii.gz").stat().st_mtime == 1_000_000
    assert capsys.readouterr().out.splitlines()[-1] == "Total files copied: 2"
    (dst / "S1_seg.nii.gz").write_text("edited")
    assert copy_files_by_extension(seg_tree, dst, "_seg.nii.gz", safe_mode=False, verbose=True) == []
    assert f"Skipped (exists): {seg_tree}/S1/S1_seg.nii.gz -> {dst}/S1_seg.nii.gz" in capsys.readouterr().out
    assert (dst / "S1_seg.nii.gz").read_text() == "edited"
    copy_files_by_extension(seg_tree, dst, "_seg.nii.gz", safe_mode=False, overwrite=True)
    assert (dst / "S1_seg.nii.gz").read_text() == "content of S1/S1_seg.nii.gz"


def test_copy_same_name_twice_is_a_clash(tmp_path, capsys):
    src = make_tree(tmp_path / "src", ["A/x.nii.gz", "B/x.nii.gz"])
    dst = tmp_path / "dst"
    done = copy_files_by_extension(src, dst, ".nii.gz", safe_mode=False)
    assert done == [(f"{src}/A/x.nii.gz", f"{dst}/x.nii.gz")]
    assert capsys.readouterr().out == f"Skipped (same name as {src}/A/x.nii.gz): {src}/B/x.nii.gz -> {dst}/x.nii.gz\n"
    assert (dst / "x.nii.gz").read_text() == "content of A/x.nii.gz"


def test_copy_none_found_and_errors(seg_tree, tmp_path, capsys, monkeypatch):
    assert copy_files_by_extension(seg_tree, tmp_path / "d", ".mha", safe_mode=False, verbose=True) == []
    assert capsys.readouterr().out == "No files with the extension '.mha' were found to copy.\n"
    assert (tmp_path / "d").is_dir()  # real mode creates the destination folder
    with pytest.raises(ValueError, match=r"Source directory '.*nope' does not exist\."):
        copy_files_by_extension(tmp_path / "nope", tmp_path / "d", ".nii.gz")

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(shutil, "copy2", broken)
    assert copy_files_by_extension(seg_tree, tmp_path / "d", "_t1.nii.gz", safe_mode=False) == []
    assert capsys.readouterr().out == (f"Error copying {seg_tree}/S1/S1_t1.nii.gz to {tmp_path}/d/S1_t1.nii.gz: "
                                       "disk full\n")


def test_copy_into_own_subfolder_does_not_copy_copies(tmp_path):
    src = make_tree(tmp_path, ["S1/a.nii.gz"])
    copy_files_by_extension(src, src / "all", ".nii.gz", safe_mode=False)
    assert copy_files_by_extension(src, src / "all", ".nii.gz", safe_mode=False) == []
    assert sorted(snapshot(src)) == ["S1", "S1/a.nii.gz", "all", "all/a.nii.gz"]


# ----------------------------------------------------------------------------- delete_files_by_extension

def test_delete_files_safe_and_real(tmp_path, capsys):
    root = make_tree(tmp_path, ["P1/a_CT1.nii.gz", "P1/xCT1.nii.gz", "P2/b_T1.nii.gz"])
    before = snapshot(root)
    out = both_outputs(delete_files_by_extension, capsys, root, "CT1.nii.gz")
    assert snapshot(root) == before
    assert out.splitlines() == [f"[SAFE MODE] Would delete: {root}/P1/a_CT1.nii.gz",
                                f"[SAFE MODE] Would delete: {root}/P1/xCT1.nii.gz",
                                "[SAFE MODE] 2 files would be deleted."]
    done = delete_files_by_extension(root, "CT1.nii.gz", safe_mode=False, verbose=True)
    assert done == [f"{root}/P1/a_CT1.nii.gz", f"{root}/P1/xCT1.nii.gz"]
    assert capsys.readouterr().out.splitlines() == [f"Deleted file: {root}/P1/a_CT1.nii.gz",
                                                    f"Deleted file: {root}/P1/xCT1.nii.gz", "Total files deleted: 2"]
    assert sorted(snapshot(root)) == ["P1", "P2", "P2/b_T1.nii.gz"]
    delete_files_by_extension(root, "CT1.nii.gz", safe_mode=False, verbose=True)
    assert capsys.readouterr().out == "No files with the extension 'CT1.nii.gz' were found to delete.\n"


def test_delete_files_errors(tmp_path, capsys, monkeypatch):
    with pytest.raises(ValueError, match=r"Root directory '.*nope' does not exist\."):
        delete_files_by_extension(tmp_path / "nope", ".txt")
    make_tree(tmp_path, ["a.txt"])

    def broken(path):
        raise PermissionError("read-only")

    monkeypatch.setattr(os, "unlink", broken)
    assert delete_files_by_extension(tmp_path, ".txt", safe_mode=False) == []
    assert capsys.readouterr().out == f"Error deleting {tmp_path}/a.txt: read-only\n"


def test_delete_files_removes_links_not_targets(tmp_path):
    outside = make_tree(tmp_path / "outside", ["keep.tmp"])
    root = make_tree(tmp_path / "root", [])
    (root / "link.tmp").symlink_to(outside / "keep.tmp")
    delete_files_by_extension(root, ".tmp", safe_mode=False)
    assert (outside / "keep.tmp").exists() and not os.path.lexists(root / "link.tmp")


# ----------------------------------------------------------------------------- delete_dirs_by_pattern

@pytest.fixture
def weeks(tmp_path):
    return make_tree(tmp_path, ["Patient-001/week-000/t1.nii.gz", "Patient-001/week-044/t1.nii.gz",
                                "Patient-002/week-000-1/t1.nii.gz", "Patient-002/notes/week-000/x.txt"])


@pytest.mark.parametrize("pattern, match_type, expected", [
    ("week-000", "contains", ["Patient-001/week-000", "Patient-002/notes/week-000", "Patient-002/week-000-1"]),
    ("week", "starts", ["Patient-001/week-000", "Patient-001/week-044", "Patient-002/notes/week-000",
                        "Patient-002/week-000-1"]),
    ("-1", "ends", ["Patient-002/week-000-1"]),
    ("week-000", "exact", ["Patient-001/week-000", "Patient-002/notes/week-000"]),
    (r"^week-0[0-3]\d$", "regex", ["Patient-001/week-000", "Patient-002/notes/week-000"]),
    ("Patient", "starts", ["Patient-001", "Patient-002"]),  # outermost only
])
def test_delete_dirs_match_types(weeks, capsys, pattern, match_type, expected):
    before = snapshot(weeks)
    out = both_outputs(delete_dirs_by_pattern, capsys, weeks, pattern, match_type=match_type)
    assert snapshot(weeks) == before
    assert out.splitlines() == [f"[SAFE MODE] Would delete: {weeks}/{p}" for p in expected] + [
        f"[SAFE MODE] {len(expected)} folders would be deleted."]
    done = delete_dirs_by_pattern(weeks, pattern, match_type=match_type, safe_mode=False)
    assert done == [f"{weeks}/{p}" for p in expected]
    assert not any((weeks / p).exists() for p in expected)


def test_delete_dirs_real_messages_and_errors(weeks, capsys):
    delete_dirs_by_pattern(weeks, "notes", safe_mode=False, verbose=True)
    assert capsys.readouterr().out.splitlines() == [f"Deleted folder: {weeks}/Patient-002/notes",
                                                    "Total folders deleted: 1"]
    delete_dirs_by_pattern(weeks, "notes", safe_mode=False, verbose=True)
    assert capsys.readouterr().out == "No folders matching the pattern 'notes' were found to delete.\n"
    with pytest.raises(ValueError, match=r"match_type must be one of \['contains', 'starts', 'ends', 'exact', "
                                         r"'regex'\], got 'glob'"):
        delete_dirs_by_pattern(weeks, "x", match_type="glob")
    with pytest.raises(ValueError, match=r"Root directory '.*nope' does not exist\."):
        delete_dirs_by_pattern(weeks / "nope", "x")
    with pytest.raises(ValueError, match="Invalid regular expression"):
        delete_dirs_by_pattern(weeks, "(", match_type="regex")


def test_delete_dirs_never_root_and_links_unlinked(tmp_path):
    outside = make_tree(tmp_path / "tmp-outside", ["keep.txt"])
    root = make_tree(tmp_path / "tmp-root", [], ["a"])
    (root / "tmp-link").symlink_to(outside, target_is_directory=True)
    assert delete_dirs_by_pattern(root, "tmp", safe_mode=False) == [f"{root}/tmp-link"]
    assert root.is_dir() and (outside / "keep.txt").exists()


# ----------------------------------------------------------------------------- move_files_to_parent

def test_move_files_to_parent_safe_and_real(tmp_path, capsys):
    root = make_tree(tmp_path / "root", ["top.txt", "S1/anat/t1.nii.gz", "S1/anat/notes.txt", "S2/func/b.nii.gz"])
    before = snapshot(root)
    out = both_outputs(move_files_to_parent, capsys, root, ext=".nii.gz")
    assert snapshot(root) == before
    assert out.splitlines() == [
        f"[SAFE MODE] Would move: {root}/S1/anat/t1.nii.gz -> {root}/S1/t1.nii.gz",
        f"[SAFE MODE] Would move: {root}/S2/func/b.nii.gz -> {root}/S2/b.nii.gz",
        "Safe mode enabled: No files were moved."]
    done = move_files_to_parent(root, ext=".nii.gz", safe_mode=False, verbose=True)
    assert len(done) == 2
    assert capsys.readouterr().out.splitlines()[-1] == "Total files moved: 2"
    assert sorted(snapshot(root)) == ["S1", "S1/anat", "S1/anat/notes.txt", "S1/t1.nii.gz", "S2", "S2/b.nii.gz",
                                      "S2/func", "top.txt"]


def test_move_files_to_parent_refuses_outside_root(tmp_path, capsys):
    root = make_tree(tmp_path / "root", ["top.txt", "S1/a.txt"])
    done = move_files_to_parent(str(root) + "/", levels_up=2, safe_mode=False)
    assert done == []
    out = capsys.readouterr().out.splitlines()
    assert out == [f"Skipping {root}/: target outside root_dir (use allow_outside_root=True).",
                   f"Skipping {root}/S1: target outside root_dir (use allow_outside_root=True)."]
    assert sorted(os.listdir(tmp_path)) == ["root"]
    done = move_files_to_parent(root, levels_up=1, safe_mode=False, allow_outside_root=True)
    assert (tmp_path / "top.txt").exists() and (root / "a.txt").exists()


def test_move_files_to_parent_levels_and_trailing_slash(tmp_path):
    root = make_tree(tmp_path / "root", ["a/b/c/f.txt"])
    plan_plain = move_files_to_parent(root, levels_up=2)
    plan_slash = move_files_to_parent(str(root) + "/", levels_up=2)
    assert [d for _, d in plan_plain] == [f"{root}/a/f.txt"]
    assert [Path(d) for _, d in plan_slash] == [root / "a" / "f.txt"]


def test_move_files_to_parent_clash_rule(tmp_path, capsys):
    # root/t1.nii.gz stays (its target would be outside root) and is in the way of S1/t1.nii.gz;
    # S2/t1.nii.gz is not in the way of S2/anat/t1.nii.gz because it moves up itself.
    root = make_tree(tmp_path / "root", ["t1.nii.gz", "S1/t1.nii.gz", "S2/t1.nii.gz", "S2/anat/t1.nii.gz",
                                         "S3/x/f.txt", "S3/y/f.txt"])
    before = snapshot(root)
    with pytest.raises(FileExistsError) as info:
        move_files_to_parent(root, safe_mode=False)
    assert str(info.value) == (
        f"Target already exists: '{root}/t1.nii.gz'; Target clash: '{root}/t1.nii.gz' (also the target of "
        f"'{root}/S1/t1.nii.gz'); Target clash: '{root}/S3/f.txt' (also the target of '{root}/S3/x/f.txt'). "
        "Nothing was moved. Pass overwrite=True to replace existing files.")
    assert snapshot(root) == before
    (root / "t1.nii.gz").unlink()
    shutil.rmtree(root / "S1")
    shutil.rmtree(root / "S3" / "y")
    capsys.readouterr()
    move_files_to_parent(root, safe_mode=False, verbose=True)
    assert capsys.readouterr().out.splitlines() == [
        f"Moved: {root}/S2/t1.nii.gz -> {root}/t1.nii.gz",
        f"Moved: {root}/S2/anat/t1.nii.gz -> {root}/S2/t1.nii.gz",
        f"Moved: {root}/S3/x/f.txt -> {root}/S3/f.txt",
        "Total files moved: 3"]
    assert snapshot(root) == {"S2": None, "S2/anat": None, "S2/t1.nii.gz": "content of S2/anat/t1.nii.gz",
                              "S3": None, "S3/f.txt": "content of S3/x/f.txt", "S3/x": None,
                              "t1.nii.gz": "content of S2/t1.nii.gz"}


def test_move_files_to_parent_overwrite(tmp_path, capsys):
    root = make_tree(tmp_path / "root", ["S2/t1.nii.gz", "S2/anat/t1.nii.gz", "S2/anat/other.txt"])
    with pytest.raises(FileExistsError, match=r"Target already exists: '.*/S2/t1.nii.gz'"):
        move_files_to_parent(root / "S2", safe_mode=False)
    assert capsys.readouterr().out == f"Skipping {root}/S2: target outside root_dir (use allow_outside_root=True).\n"
    move_files_to_parent(root / "S2", safe_mode=False, verbose=True, overwrite=True)
    assert capsys.readouterr().out.splitlines()[1:] == [
        f"Moved: {root}/S2/anat/other.txt -> {root}/S2/other.txt",
        f"Moved: {root}/S2/anat/t1.nii.gz -> {root}/S2/t1.nii.gz", "Total files moved: 2"]
    assert (root / "S2" / "t1.nii.gz").read_text() == "content of S2/anat/t1.nii.gz"


def test_move_files_to_parent_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"Root directory '.*nope' does not exist\."):
        move_files_to_parent(tmp_path / "nope")
    with pytest.raises(ValueError, match="'levels_up' must be at least 1."):
        move_files_to_parent(tmp_path, levels_up=0)


# ----------------------------------------------------------------------------- organize_files_into_dirs

def test_organize_files_into_dirs(tmp_path, capsys):
    root = make_tree(tmp_path, ["s1.nii.gz", "s2.nii.gz", "readme.txt", "sub/s3.nii.gz"])
    before = snapshot(root)
    out = both_outputs(organize_files_into_dirs, capsys, root)
    assert snapshot(root) == before
    assert out.splitlines() == [f"[SAFE MODE] Would create: {root}/s1",
                                f"[SAFE MODE] Would move: {root}/s1.nii.gz -> {root}/s1/s1.nii.gz",
                                f"[SAFE MODE] Would create: {root}/s2",
                                f"[SAFE MODE] Would move: {root}/s2.nii.gz -> {root}/s2/s2.nii.gz"]
    done = organize_files_into_dirs(root, safe_mode=False, verbose=True)
    assert len(done) == 2
    assert capsys.readouterr().out.splitlines() == [
        f"Created folder: {root}/s1", f"Moved: {root}/s1.nii.gz -> {root}/s1/s1.nii.gz",
        f"Created folder: {root}/s2", f"Moved: {root}/s2.nii.gz -> {root}/s2/s2.nii.gz", "Total files organized: 2"]
    assert sorted(snapshot(root)) == ["readme.txt", "s1", "s1/s1.nii.gz", "s2", "s2/s2.nii.gz", "sub",
                                      "sub/s3.nii.gz"]


def test_organize_files_into_dirs_every_file_and_problems(tmp_path, capsys):
    root = make_tree(tmp_path, ["a.nii.gz", "b.txt", "c"])
    organize_files_into_dirs(root, extension="", safe_mode=False)
    assert capsys.readouterr().out == f"Error organizing {root}/c: '{root}/c' exists and is not a folder\n"
    assert sorted(snapshot(root)) == ["a", "a/a.nii.gz", "b", "b/b.txt", "c"]
    organize_files_into_dirs(root, extension=".mha", safe_mode=False, verbose=True)
    assert capsys.readouterr().out == "No files with the extension '.mha' were found to organize.\n"
    with pytest.raises(ValueError, match=r"The directory '.*nope' does not exist\."):
        organize_files_into_dirs(root / "nope")


# ----------------------------------------------------------------------------- organize_subdirs_into_named_dirs

def test_organize_subdirs_into_named_dirs(tmp_path, capsys):
    root = make_tree(tmp_path, ["Patient-002/week-000/t1.nii.gz", "Patient-002/week-044/t1.nii.gz",
                                "Patient-003/week-001/seg.nii.gz", "Patient-003/loose.txt", "root.txt"])
    before = snapshot(root)
    plan = organize_subdirs_into_named_dirs(root)
    quiet = capsys.readouterr().out
    assert organize_subdirs_into_named_dirs(root, verbose=True) == plan
    assert capsys.readouterr().out == quiet
    assert snapshot(root) == before
    assert plan == {
        "created_folders": [f"{root}/Patient-002-week-000", f"{root}/Patient-002-week-044",
                            f"{root}/Patient-003-week-001"],
        "moved_items": [f"{root}/Patient-002/week-000/t1.nii.gz -> {root}/Patient-002-week-000/t1.nii.gz",
                        f"{root}/Patient-002/week-044/t1.nii.gz -> {root}/Patient-002-week-044/t1.nii.gz",
                        f"{root}/Patient-003/week-001/seg.nii.gz -> {root}/Patient-003-week-001/seg.nii.gz"],
        "removed_folders": [f"{root}/Patient-002/week-000", f"{root}/Patient-002/week-044",
                            f"{root}/Patient-003/week-001", f"{root}/Patient-002"],
    }
    assert quiet.splitlines()[0] == f"[SAFE MODE] Would create: {root}/Patient-002-week-000"
    assert f"[SAFE MODE] Would delete: {root}/Patient-002" in quiet.splitlines()
    assert organize_subdirs_into_named_dirs(root, safe_mode=False) == plan
    assert sorted(snapshot(root)) == ["Patient-002-week-000", "Patient-002-week-000/t1.nii.gz",
                                      "Patient-002-week-044", "Patient-002-week-044/t1.nii.gz", "Patient-003",
                                      "Patient-003-week-001", "Patient-003-week-001/seg.nii.gz",
                                      "Patient-003/loose.txt", "root.txt"]


def test_organize_subdirs_merge_and_clash(tmp_path):
    root = make_tree(tmp_path, ["P/w/a.txt", "P/w/b.txt", "P_w/b.txt"])
    before = snapshot(root)
    with pytest.raises(FileExistsError, match=r"Target already exists: '.*P_w/b.txt'"):
        organize_subdirs_into_named_dirs(root, join_char="_", safe_mode=False)
    assert snapshot(root) == before
    result = organize_subdirs_into_named_dirs(root, join_char="_", safe_mode=False, overwrite=True)
    assert result["created_folders"] == []
    assert snapshot(root) == {"P_w": None, "P_w/a.txt": "content of P/w/a.txt", "P_w/b.txt": "content of P/w/b.txt"}
    with pytest.raises(ValueError, match=r"The directory '.*nope' does not exist\."):
        organize_subdirs_into_named_dirs(root / "nope")


# ----------------------------------------------------------------------------- create_project_structure

def test_create_project_structure(tmp_path, capsys):
    base = tmp_path / "proj"
    written = create_project_structure(base)
    out = capsys.readouterr().out.splitlines()
    assert out == [f"Folder created or already exists: {base}/{n}" for n in ["datasets", "configs", "outputs", "logs"]
                   ] + [f"Project structure created under '{base}' with default config templates."]
    assert written == [f"{base}/configs/{k}.yaml" for k in ["feature_extraction", "metric_extraction", "app"]]
    from auditapp.config import template_text
    assert Path(written[0]).read_text() == template_text("feature_extraction")
    Path(written[2]).write_text("edited: true\n")
    (base / "configs" / "feature_extraction.yaml").unlink()
    (base / "configs" / "feature_extraction.yml").write_text("kept\n")
    assert create_project_structure(base) == []  # never overwrites, .yml counts
    assert Path(written[2]).read_text() == "edited: true\n"


def test_create_project_structure_errors(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match=r"The path '.*file' exists but is not a directory"):
        create_project_structure(tmp_path / "file")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "logs").write_text("x")
    with pytest.raises(NotADirectoryError, match=r"The path '.*p/logs' exists but is not a directory"):
        create_project_structure(tmp_path / "p")
