"""auditapp.files: listing and renaming (helpers.md §2 Listing, Renaming)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditapp.files import (
    add_string_dirs,
    add_string_files,
    add_suffix_to_files,
    list_dirs,
    list_files,
    rename_dirs,
    rename_files,
    split_extension,
)


def make_tree(root: Path, files: list[str], dirs: list[str] = ()) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for d in dirs:
        (root / d).mkdir(parents=True, exist_ok=True)
    for f in files:
        (root / f).parent.mkdir(parents=True, exist_ok=True)
        (root / f).write_text(f"content of {f}")
    return root


def snapshot(root: Path) -> dict[str, str | None]:
    """Every path below root -> file content (None for folders)."""
    return {str(p.relative_to(root)): (None if p.is_dir() else p.read_text()) for p in sorted(root.rglob("*"))}


# ----------------------------------------------------------------------------- listing

@pytest.fixture
def listing_tree(tmp_path):
    return make_tree(tmp_path, ["P1/week-000/a_t1.nii.gz", "P1/week-000/a_seg.nii.gz", "P2/b.txt",
                                "top.NII.GZ", "x.gz"], ["P2/week-001", "P3"])


def test_list_dirs_immediate_sorted(listing_tree):
    assert list_dirs(listing_tree) == ["P1", "P2", "P3"]
    assert list_dirs(str(listing_tree), pattern=r"[12]$") == ["P1", "P2"]


def test_list_dirs_recursive_relative_and_full_path(listing_tree):
    assert list_dirs(listing_tree, recursive=True) == ["P1", "P1/week-000", "P2", "P2/week-001", "P3"]
    assert list_dirs(listing_tree, recursive=True, pattern="week") == ["P1/week-000", "P2/week-001"]
    full = list_dirs(listing_tree, full_path=True)
    assert full == [str((listing_tree / n).resolve()) for n in ["P1", "P2", "P3"]]


def test_list_files_multi_part_extension_matches(listing_tree):
    assert list_files(listing_tree / "P1" / "week-000", extensions=[".nii.gz"]) == ["a_seg.nii.gz", "a_t1.nii.gz"]
    # lower-cased comparison, missing dot added
    assert list_files(listing_tree, extensions=["nii.gz"]) == ["top.NII.GZ"]
    assert list_files(listing_tree, extensions=["gz"]) == ["top.NII.GZ", "x.gz"]
    assert list_files(listing_tree, extensions=".txt") == []
    assert list_files(listing_tree, extensions=[]) == list_files(listing_tree) == ["top.NII.GZ", "x.gz"]
    assert list_files(listing_tree, recursive=True, extensions=[".nii.gz"], pattern="seg") == [
        "P1/week-000/a_seg.nii.gz"]
    assert list_files(listing_tree, recursive=True, full_path=True, extensions=[".txt"]) == [
        str((listing_tree / "P2" / "b.txt").resolve())]


@pytest.mark.parametrize("func", [list_dirs, list_files])
def test_list_errors(func, tmp_path):
    with pytest.raises(FileNotFoundError, match="The specified path does not exist: '.*missing'"):
        func(tmp_path / "missing")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(NotADirectoryError, match="The specified path is not a directory: '.*f.txt'"):
        func(tmp_path / "f.txt")


def test_list_permission_goes_through_os_access(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(PermissionError, match="No permission to access directory: '"):
        list_dirs(tmp_path)


def test_split_extension():
    assert split_extension("img.nii.gz") == ("img", ".nii.gz")
    assert split_extension("a.TAR.GZ") == ("a", ".TAR.GZ")
    assert split_extension(".hidden") == (".hidden", "")
    assert split_extension("notes") == ("notes", "")


# ----------------------------------------------------------------------------- rename_dirs

@pytest.fixture
def brats_tree(tmp_path):
    return make_tree(tmp_path, ["BraTS-GLI-001/BraTS-GLI-001-seg.nii.gz", "BraTS-GLI-002/BraTS-GLI-002-t1c.nii.gz"],
                     ["BraTS-GLI-001/BraTS-GLI-sub"])


def test_rename_dirs_safe_mode_prints_plan_and_changes_nothing(brats_tree, capsys):
    before = snapshot(brats_tree)
    plan = rename_dirs(brats_tree, "BraTS-GLI", "Duke")
    assert snapshot(brats_tree) == before
    r = str(brats_tree)
    expected = [
        (f"{r}/BraTS-GLI-001/BraTS-GLI-sub", f"{r}/BraTS-GLI-001/Duke-sub"),
        (f"{r}/BraTS-GLI-001", f"{r}/Duke-001"),
        (f"{r}/BraTS-GLI-002", f"{r}/Duke-002"),
    ]
    assert plan == expected
    assert capsys.readouterr().out.splitlines() == [f"[SAFE MODE] Would rename: {s} -> {d}" for s, d in expected]


def test_rename_dirs_safe_output_independent_of_verbose(brats_tree, capsys):
    rename_dirs(brats_tree, "BraTS-GLI", "Duke", verbose=False)
    quiet = capsys.readouterr().out
    rename_dirs(brats_tree, "BraTS-GLI", "Duke", verbose=True)
    assert capsys.readouterr().out == quiet != ""


def test_rename_dirs_real_mode_deepest_first(brats_tree, capsys):
    plan = rename_dirs(brats_tree, "BraTS-GLI", "Duke", safe_mode=False)
    assert capsys.readouterr().out == ""
    assert sorted(snapshot(brats_tree)) == [
        "Duke-001", "Duke-001/BraTS-GLI-001-seg.nii.gz", "Duke-001/Duke-sub",
        "Duke-002", "Duke-002/BraTS-GLI-002-t1c.nii.gz"]
    assert len(plan) == 3
    rename_dirs(brats_tree, "Duke", "UCSF", safe_mode=False, verbose=True)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"Renamed: {brats_tree}/Duke-001/Duke-sub -> {brats_tree}/Duke-001/UCSF-sub"


def test_rename_dirs_empty_new_name_deletes_substring(tmp_path):
    make_tree(tmp_path, [], ["sub-01_ses"])
    rename_dirs(tmp_path, "_ses", "", safe_mode=False)
    assert list_dirs(tmp_path) == ["sub-01"]


def test_rename_dirs_never_renames_root(tmp_path):
    root = tmp_path / "BraTS-root"
    root.mkdir()
    assert rename_dirs(root, "BraTS", "X", safe_mode=False) == []
    assert root.is_dir()


def test_rename_dirs_clash_refused_and_listed(tmp_path, capsys):
    make_tree(tmp_path, ["a-1/f.txt", "a_1/g.txt", "a-2/h.txt"], ["a_2"])
    before = snapshot(tmp_path)
    with pytest.raises(FileExistsError, match=r"Target already exists: '.*a_1'; Target already exists: '.*a_2'"):
        rename_dirs(tmp_path, "-", "_", safe_mode=False)
    assert snapshot(tmp_path) == before  # nothing changed, not even the first rename
    rename_dirs(tmp_path, "-", "_")
    out = capsys.readouterr().out.splitlines()
    assert out == [f"[SAFE MODE] Would fail (target exists): {tmp_path}/a-1 -> {tmp_path}/a_1",
                   f"[SAFE MODE] Would fail (target exists): {tmp_path}/a-2 -> {tmp_path}/a_2"]


def test_rename_dirs_overwrite_replaces_empty_folder_but_never_a_full_one(tmp_path):
    make_tree(tmp_path, ["a-1/f.txt", "a_1/g.txt", "a-2/h.txt"], ["a_2"])
    with pytest.raises(FileExistsError, match=r"Target clash: '.*a_1' \(target is a non-empty folder"):
        rename_dirs(tmp_path, "-", "_", safe_mode=False, overwrite=True)
    (tmp_path / "a_1" / "g.txt").unlink()
    rename_dirs(tmp_path, "-", "_", safe_mode=False, overwrite=True)
    assert snapshot(tmp_path) == {"a_1": None, "a_1/f.txt": "content of a-1/f.txt",
                                  "a_2": None, "a_2/h.txt": "content of a-2/h.txt"}


def test_rename_dirs_two_sources_one_target_is_a_clash(tmp_path, capsys):
    make_tree(tmp_path, [], ["a-b", "ab-"])  # both become "ab"
    with pytest.raises(FileExistsError, match=r"Target clash: '.*/ab' \(also the target of '.*/a-b'\)"):
        rename_dirs(tmp_path, "-", "", safe_mode=False, overwrite=True)  # overwrite does not allow it
    assert list_dirs(tmp_path) == ["a-b", "ab-"]
    rename_dirs(tmp_path, "-", "")
    assert capsys.readouterr().out.splitlines() == [
        f"[SAFE MODE] Would rename: {tmp_path}/a-b -> {tmp_path}/ab",
        f"[SAFE MODE] Would fail (target exists): {tmp_path}/ab- -> {tmp_path}/ab"]


@pytest.mark.parametrize("old", ["", None])
def test_rename_dirs_empty_old_name(tmp_path, old):
    with pytest.raises(ValueError, match="'old_name' must be a non-empty string"):
        rename_dirs(tmp_path, old, "x")


def test_rename_root_errors(tmp_path):
    for func, args in [(rename_dirs, ("a", "b")), (rename_files, ("a", "b")), (add_string_dirs, ("p",)),
                       (add_string_files, ("p",))]:
        with pytest.raises(FileNotFoundError, match=r"The specified root_dir does not exist: '.*nope'"):
            func(tmp_path / "nope", *args)
        (tmp_path / "file").write_text("")
        with pytest.raises(NotADirectoryError, match=r"The specified root_dir is not a directory: '.*file'"):
            func(tmp_path / "file", *args)


def test_rename_permission_error_reraised(tmp_path, monkeypatch):
    make_tree(tmp_path, ["a-1.txt"])

    def deny(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "rename", deny)
    with pytest.raises(PermissionError, match=r"Permission denied: cannot rename '.*a-1.txt'"):
        rename_files(tmp_path, "-", "_", safe_mode=False)


# ----------------------------------------------------------------------------- rename_files

def test_rename_files_defaults_raise_before_path_checks(tmp_path):
    with pytest.raises(ValueError, match="Both 'old_name' and 'new_name' must be non-empty strings"):
        rename_files(tmp_path / "does-not-exist")
    with pytest.raises(ValueError, match="Both 'old_name' and 'new_name'"):
        rename_files(tmp_path, "a", "")


def test_rename_files_safe_then_real(brats_tree, capsys):
    before = snapshot(brats_tree)
    plan = rename_files(brats_tree, "-seg.nii.gz", "_seg.nii.gz", verbose=True)
    assert snapshot(brats_tree) == before
    src = f"{brats_tree}/BraTS-GLI-001/BraTS-GLI-001-seg.nii.gz"
    dst = f"{brats_tree}/BraTS-GLI-001/BraTS-GLI-001_seg.nii.gz"
    assert plan == [(src, dst)]
    assert capsys.readouterr().out == f"[SAFE MODE] Would rename: {src} -> {dst}\n"
    assert rename_files(brats_tree, "-seg.nii.gz", "_seg.nii.gz", safe_mode=False, verbose=True) == plan
    assert capsys.readouterr().out == f"Renamed: {src} -> {dst}\n"
    assert Path(dst).read_text() == "content of BraTS-GLI-001/BraTS-GLI-001-seg.nii.gz"


def test_rename_files_replaces_every_occurrence(tmp_path):
    make_tree(tmp_path, ["a-b-c.txt"])
    rename_files(tmp_path, "-", "_", safe_mode=False)
    assert list_files(tmp_path) == ["a_b_c.txt"]


def test_rename_files_clash_refuses_unless_overwrite(tmp_path, capsys):
    make_tree(tmp_path, ["a-b-c.txt", "a_b_c.txt", "d-e.txt"])
    with pytest.raises(FileExistsError, match=r"Target already exists: '.*a_b_c.txt'\. Nothing was renamed"):
        rename_files(tmp_path, "-", "_", safe_mode=False)
    assert snapshot(tmp_path) == {"a-b-c.txt": "content of a-b-c.txt", "a_b_c.txt": "content of a_b_c.txt",
                                  "d-e.txt": "content of d-e.txt"}
    rename_files(tmp_path, "-", "_")
    assert capsys.readouterr().out.splitlines() == [
        f"[SAFE MODE] Would fail (target exists): {tmp_path}/a-b-c.txt -> {tmp_path}/a_b_c.txt",
        f"[SAFE MODE] Would rename: {tmp_path}/d-e.txt -> {tmp_path}/d_e.txt"]
    rename_files(tmp_path, "-", "_", safe_mode=False, overwrite=True)
    assert snapshot(tmp_path) == {"a_b_c.txt": "content of a-b-c.txt", "d_e.txt": "content of d-e.txt"}


def test_rename_files_chain_is_not_a_clash(tmp_path):
    # x.txt -> xx.txt while xx.txt -> xxx.txt: the existing target is renamed away first
    make_tree(tmp_path, ["ax.txt", "axx.txt"])
    add_string_files(tmp_path, prefix="a", safe_mode=False)
    assert snapshot(tmp_path) == {"aax.txt": "content of ax.txt", "aaxx.txt": "content of axx.txt"}


def test_rename_stays_inside_root_and_does_not_follow_links(tmp_path):
    outside = make_tree(tmp_path / "outside", ["a-1.txt"])
    root = make_tree(tmp_path / "root", ["in/a-2.txt"])
    (root / "link").symlink_to(outside, target_is_directory=True)
    rename_files(root, "-", "_", safe_mode=False)
    assert list_files(outside) == ["a-1.txt"]
    assert list_files(root / "in") == ["a_2.txt"]


# ----------------------------------------------------------------------------- add_string_*

def test_add_string_dirs(tmp_path, capsys):
    make_tree(tmp_path, ["a/b/f.txt"])
    assert add_string_dirs(tmp_path) == []
    plan = add_string_dirs(tmp_path, prefix="p_", suffix="_s")
    assert plan == [(f"{tmp_path}/a/b", f"{tmp_path}/a/p_b_s"), (f"{tmp_path}/a", f"{tmp_path}/p_a_s")]
    assert capsys.readouterr().out.count("[SAFE MODE] Would rename:") == 2
    add_string_dirs(tmp_path, prefix="p_", suffix="_s", safe_mode=False)
    assert snapshot(tmp_path) == {"p_a_s": None, "p_a_s/p_b_s": None, "p_a_s/p_b_s/f.txt": "content of a/b/f.txt"}


def test_add_string_files_multi_part_extension_and_ext_filter(tmp_path):
    make_tree(tmp_path, ["s/img.nii.gz", "s/notes.txt", "s/.hidden", "s/arch.tar.gz"])
    add_string_files(tmp_path, prefix="P-", suffix="_S", safe_mode=False)
    assert list_files(tmp_path / "s") == ["P-.hidden_S", "P-arch_S.tar.gz", "P-img_S.nii.gz", "P-notes_S.txt"]
    add_string_files(tmp_path, suffix="_v2", ext="_S.nii.gz", safe_mode=False)
    assert "P-img_v2_S.nii.gz" in list_files(tmp_path / "s")


def test_add_string_files_clash_all_or_nothing(tmp_path, capsys):
    # folders are not renamed by add_string_files, so these targets stay in the way
    make_tree(tmp_path, ["a.txt", "b.txt", "c.txt"], ["a_S.txt", "b_S.txt"])
    before = snapshot(tmp_path)
    with pytest.raises(FileExistsError) as info:
        add_string_files(tmp_path, suffix="_S", ext=".txt", safe_mode=False)
    message = str(info.value)
    assert f"Target already exists: '{tmp_path}/a_S.txt'" in message
    assert f"Target already exists: '{tmp_path}/b_S.txt'" in message
    assert snapshot(tmp_path) == before


def test_add_string_files_os_error(tmp_path, monkeypatch):
    make_tree(tmp_path, ["a.txt"])

    def broken(src, dst):
        raise OSError(5, "I/O error")

    monkeypatch.setattr(os, "rename", broken)
    with pytest.raises(OSError, match=r"Failed to rename '.*a.txt' to '.*a_S.txt': .*I/O error"):
        add_string_files(tmp_path, suffix="_S", safe_mode=False)


# ----------------------------------------------------------------------------- add_suffix_to_files

def test_add_suffix_to_files_trailing_only_and_idempotent(tmp_path, capsys):
    make_tree(tmp_path, ["m/a.nii.gz", "m/b.nii.gz.nii.gz", "m/c_pred.nii.gz", "m/d.txt"])
    before = snapshot(tmp_path)
    plan = add_suffix_to_files(tmp_path)
    assert snapshot(tmp_path) == before
    assert capsys.readouterr().out.splitlines() == [
        f"[SAFE MODE] Would rename: {tmp_path}/m/a.nii.gz -> {tmp_path}/m/a_pred.nii.gz",
        f"[SAFE MODE] Would rename: {tmp_path}/m/b.nii.gz.nii.gz -> {tmp_path}/m/b.nii.gz_pred.nii.gz",
        "[SAFE MODE] 2 files would be renamed."]
    assert add_suffix_to_files(tmp_path, safe_mode=False) == plan
    assert capsys.readouterr().out == "Total files renamed: 2\n"
    assert list_files(tmp_path / "m") == ["a_pred.nii.gz", "b.nii.gz_pred.nii.gz", "c_pred.nii.gz", "d.txt"]
    assert add_suffix_to_files(tmp_path, safe_mode=False) == []
    assert capsys.readouterr().out == "Total files renamed: 0\n"


def test_add_suffix_to_files_none_found_and_missing_root(tmp_path, capsys):
    assert add_suffix_to_files(tmp_path, ext=".mha", safe_mode=False) == []
    assert capsys.readouterr().out == "No files with the extension '.mha' were found to rename.\n"
    with pytest.raises(ValueError, match=r"The directory '.*nope' does not exist\."):
        add_suffix_to_files(tmp_path / "nope")


def test_add_suffix_to_files_clash(tmp_path):
    make_tree(tmp_path, ["a.nii.gz", "a_p.nii.gz.nii.gz"])
    make_tree(tmp_path, ["x.nii.gz", "x_pred.nii.gz"])  # x_pred already done: x -> x_pred clashes
    with pytest.raises(FileExistsError, match=r"Target already exists: '.*x_pred.nii.gz'"):
        add_suffix_to_files(tmp_path, safe_mode=False)
    assert (tmp_path / "a.nii.gz").exists()


def test_add_string_dirs_chain_between_siblings_keeps_children_first(tmp_path):
    # a -> xa must wait for xa -> xxa, and xa's child must be renamed before xa itself
    make_tree(tmp_path, ["a/c/f.txt", "xa/d/g.txt"])
    add_string_dirs(tmp_path, prefix="x", safe_mode=False)
    assert snapshot(tmp_path) == {"xa": None, "xa/xc": None, "xa/xc/f.txt": "content of a/c/f.txt",
                                  "xxa": None, "xxa/xd": None, "xxa/xd/g.txt": "content of xa/d/g.txt"}


def test_rename_cycle_goes_through_a_temporary_name(tmp_path, capsys):
    from auditapp.files._common import execute_moves, order_renames

    make_tree(tmp_path, ["a", "b", "c"])
    plan = [(f"{tmp_path}/a", f"{tmp_path}/b"), (f"{tmp_path}/b", f"{tmp_path}/a"), (f"{tmp_path}/c", f"{tmp_path}/d")]
    ordered = order_renames(plan)
    assert len(ordered) == 4 and ordered[0] == plan[2]  # the first action that can run, runs first
    execute_moves(plan, overwrite=False, verbose=True, label="Renamed")
    assert snapshot(tmp_path) == {"a": "content of b", "b": "content of a", "d": "content of c"}
    assert capsys.readouterr().out.splitlines() == [f"Renamed: {s} -> {d}" for s, d in [plan[2], plan[1], plan[0]]]
    assert order_renames(plan[2:]) == plan[2:]  # no chain: unchanged


def test_add_suffix_to_files_twice_is_harmless(tmp_path, capsys):  # the former docstring example
    (tmp_path / "a.nii.gz").write_text("x")
    add_suffix_to_files(tmp_path, safe_mode=False)
    add_suffix_to_files(tmp_path, safe_mode=False)
    assert capsys.readouterr().out.splitlines() == ["Total files renamed: 1", "Total files renamed: 0"]
    assert [p.name for p in tmp_path.iterdir()] == ["a_pred.nii.gz"]
