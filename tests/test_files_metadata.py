"""auditapp.files.organize_by_metadata and the ``auditapp organize`` command (helpers.md §2, §4)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from auditapp.errors import AuditappWarning
from auditapp.files import organize_by_metadata, read_metadata_table, resolve_column, select_metadata_rows
from test_files_rename import make_tree, snapshot

SPLIT = "Train/Test/Validation "  # the sheet's column name, trailing space included


@pytest.fixture
def meta() -> pd.DataFrame:
    return pd.DataFrame({
        "BraTS Subject ID": ["BraTS-GLI-00001-100", "BraTS-GLI-00002-100", "BraTS-GLI-00003-101",
                             "BraTS-GLI-00004-100", "BraTS-GLI-00005-100"],
        "Site": ["Duke", "UCSF", "Duke", "Indiana/IU", None],
        SPLIT: ["Train", "Train-additional", "Train", "Test", "Train"],
    })


@pytest.fixture
def dataset(tmp_path) -> Path:
    files = []
    for sid in ["BraTS-GLI-00001-100", "BraTS-GLI-00002-100", "BraTS-GLI-00003-101", "BraTS-GLI-00005-100"]:
        files += [f"{sid}/{sid}-t1c.nii.gz", f"{sid}/{sid}-seg.nii.gz"]
    return make_tree(tmp_path / "BraTS_2024", files)


def test_organize_safe_mode_plan_changes_nothing(meta, dataset, tmp_path, capsys):
    out_dir = tmp_path / "by_site"
    before = snapshot(dataset)
    result = organize_by_metadata(meta, "Site", dataset, out_dir, subdir="{category}_images")
    quiet = capsys.readouterr().out
    assert organize_by_metadata(meta, "Site", dataset, out_dir, subdir="{category}_images", verbose=True) == result
    assert capsys.readouterr().out == quiet
    assert snapshot(dataset) == before and not out_dir.exists()
    assert result == {"organized": {"Duke": ["BraTS-GLI-00001-100", "BraTS-GLI-00003-101"],
                                    "UCSF": ["BraTS-GLI-00002-100"]},
                      "missing": ["BraTS-GLI-00004-100"], "skipped": ["BraTS-GLI-00005-100"]}
    assert quiet.splitlines() == [
        f"Subject BraTS-GLI-00004-100 not found in {dataset}",
        "Subject BraTS-GLI-00005-100 skipped: no 'Site' value",
        f"[SAFE MODE] Would create: {out_dir}/Duke/Duke_images",
        f"[SAFE MODE] Would create: {out_dir}/UCSF/UCSF_images",
        f"[SAFE MODE] Would copy: {dataset}/BraTS-GLI-00001-100 -> {out_dir}/Duke/Duke_images/BraTS-GLI-00001-100",
        f"[SAFE MODE] Would copy: {dataset}/BraTS-GLI-00002-100 -> {out_dir}/UCSF/UCSF_images/BraTS-GLI-00002-100",
        f"[SAFE MODE] Would copy: {dataset}/BraTS-GLI-00003-101 -> {out_dir}/Duke/Duke_images/BraTS-GLI-00003-101",
        "[SAFE MODE] 3 subjects would be organized into 2 folders."]


def test_organize_copy_real_mode_tutorial_layout(meta, dataset, tmp_path, capsys):
    out_dir = tmp_path / "by_site"
    kept = meta[meta[SPLIT].isin(["Train", "Train-additional"])]
    result = organize_by_metadata(kept, "Site", dataset, out_dir, safe_mode=False)
    assert capsys.readouterr().out.splitlines() == [
        "Subject BraTS-GLI-00005-100 skipped: no 'Site' value", f"Organization completed in {out_dir}"]
    assert result["missing"] == [] and result["skipped"] == ["BraTS-GLI-00005-100"]
    assert sorted(snapshot(out_dir)) == [
        "Duke", "Duke/BraTS-GLI-00001-100", "Duke/BraTS-GLI-00001-100/BraTS-GLI-00001-100-seg.nii.gz",
        "Duke/BraTS-GLI-00001-100/BraTS-GLI-00001-100-t1c.nii.gz", "Duke/BraTS-GLI-00003-101",
        "Duke/BraTS-GLI-00003-101/BraTS-GLI-00003-101-seg.nii.gz",
        "Duke/BraTS-GLI-00003-101/BraTS-GLI-00003-101-t1c.nii.gz", "UCSF", "UCSF/BraTS-GLI-00002-100",
        "UCSF/BraTS-GLI-00002-100/BraTS-GLI-00002-100-seg.nii.gz",
        "UCSF/BraTS-GLI-00002-100/BraTS-GLI-00002-100-t1c.nii.gz"]
    assert len(os.listdir(dataset)) == 4  # sources kept
    # copy again: folders merge (as the tutorial's copytree(dirs_exist_ok=True)); extra files survive
    (out_dir / "Duke" / "BraTS-GLI-00001-100" / "extra.txt").write_text("x")
    organize_by_metadata(kept, "Site", dataset, out_dir, safe_mode=False, verbose=True)
    assert f"Copied: {dataset}/BraTS-GLI-00001-100 -> {out_dir}/Duke/BraTS-GLI-00001-100" in capsys.readouterr().out
    assert (out_dir / "Duke" / "BraTS-GLI-00001-100" / "extra.txt").exists()


def test_organize_category_slash_replaced_and_numbers(tmp_path, capsys):
    data = make_tree(tmp_path / "in", ["a/x.txt", "b/x.txt"])
    meta = pd.DataFrame({"ID": ["a", "b"], "Scanner": ["GE/Signa", 3.0]})
    result = organize_by_metadata(meta, "Scanner", data, tmp_path / "out", id_column="ID", safe_mode=False)
    assert result["organized"] == {"GE_Signa": ["a"], "3": ["b"]}
    assert (tmp_path / "out" / "GE_Signa" / "a" / "x.txt").exists()


def test_organize_move_and_symlink(meta, dataset, tmp_path, capsys):
    links = tmp_path / "links"
    organize_by_metadata(meta, "Site", dataset, links, mode="symlink", safe_mode=False)
    link = links / "Duke" / "BraTS-GLI-00001-100"
    assert link.is_symlink() and os.readlink(link) == str((dataset / "BraTS-GLI-00001-100").resolve())
    with pytest.raises(FileExistsError, match=r"Target already exists: '.*Duke/BraTS-GLI-00001-100'"):
        organize_by_metadata(meta, "Site", dataset, links, mode="symlink", safe_mode=False)
    organize_by_metadata(meta, "Site", dataset, links, mode="symlink", safe_mode=False, overwrite=True)
    assert link.is_symlink()

    moved = tmp_path / "moved"
    (moved / "UCSF" / "BraTS-GLI-00002-100").mkdir(parents=True)
    (moved / "UCSF" / "BraTS-GLI-00002-100" / "old.txt").write_text("x")
    before = snapshot(dataset)
    capsys.readouterr()
    with pytest.raises(FileExistsError, match="Nothing was organized"):
        organize_by_metadata(meta, "Site", dataset, moved, mode="move", safe_mode=False, overwrite=True)
    assert snapshot(dataset) == before  # the clash refused everything
    organize_by_metadata(meta, "Site", dataset, moved, mode="move")
    assert (f"[SAFE MODE] Would fail (target exists): {dataset}/BraTS-GLI-00002-100 -> "
            f"{moved}/UCSF/BraTS-GLI-00002-100") in capsys.readouterr().out.splitlines()
    (moved / "UCSF" / "BraTS-GLI-00002-100" / "old.txt").unlink()
    organize_by_metadata(meta, "Site", dataset, moved, mode="move", safe_mode=False, overwrite=True)
    assert sorted(os.listdir(dataset)) == ["BraTS-GLI-00005-100"]  # no Site: skipped, left in place
    assert (moved / "UCSF" / "BraTS-GLI-00002-100" / "BraTS-GLI-00002-100-seg.nii.gz").exists()


def test_organize_reads_csv_tsv_xlsx(meta, dataset, tmp_path):
    for name, writer in [("m.csv", lambda p: meta.to_csv(p, index=False)),
                         ("m.tsv", lambda p: meta.to_csv(p, index=False, sep="\t")),
                         ("m.xlsx", lambda p: meta.to_excel(p, index=False))]:
        writer(tmp_path / name)
        table = read_metadata_table(tmp_path / name)
        assert list(table.columns) == list(meta.columns)
        result = organize_by_metadata(str(tmp_path / name), "Site", dataset, tmp_path / "o")
        assert result["organized"]["Duke"] == ["BraTS-GLI-00001-100", "BraTS-GLI-00003-101"]


def test_columns_matched_ignoring_surrounding_spaces(meta):
    assert resolve_column(meta, "Train/Test/Validation") == SPLIT
    assert resolve_column(meta, " Site ") == "Site"
    kept = select_metadata_rows(meta, "Train/Test/Validation", ["Train", "Train-additional"])
    assert kept["BraTS Subject ID"].tolist() == ["BraTS-GLI-00001-100", "BraTS-GLI-00002-100",
                                                 "BraTS-GLI-00003-101", "BraTS-GLI-00005-100"]


def test_organize_errors(meta, dataset, tmp_path):
    with pytest.raises(KeyError, match=r"column 'Center' is not a column of the metadata\. Available columns: "
                                       r"'BraTS Subject ID', 'Site', 'Train/Test/Validation '"):
        organize_by_metadata(meta, "Center", dataset, tmp_path / "o")
    with pytest.raises(KeyError, match=r"id_column 'ID' is not a column"):
        organize_by_metadata(meta, "Site", dataset, tmp_path / "o", id_column="ID")
    with pytest.raises(ValueError, match=r"mode must be one of \['copy', 'move', 'symlink'\], got 'hardlink'"):
        organize_by_metadata(meta, "Site", dataset, tmp_path / "o", mode="hardlink")
    with pytest.raises(FileNotFoundError, match=r"Input directory '.*nope' does not exist\."):
        organize_by_metadata(meta, "Site", tmp_path / "nope", tmp_path / "o")
    with pytest.raises(FileNotFoundError, match=r"Metadata file '.*none.xlsx' does not exist\."):
        organize_by_metadata(tmp_path / "none.xlsx", "Site", dataset, tmp_path / "o")
    (tmp_path / "m.json").write_text("{}")
    with pytest.raises(ValueError, match=r"must end with one of \['.csv', '.tsv', '.xlsx', '.xls'\], got '.json'"):
        organize_by_metadata(tmp_path / "m.json", "Site", dataset, tmp_path / "o")
    with pytest.raises(ValueError, match=r"subdir '\{site\}_images' may only use the placeholder \{category\}"):
        organize_by_metadata(meta, "Site", dataset, tmp_path / "o", subdir="{site}_images")
    with pytest.raises(TypeError, match="'metadata' must be a pandas DataFrame or a file path, got list"):
        organize_by_metadata([1], "Site", dataset, tmp_path / "o")
    both = pd.DataFrame({"Site": ["a"], "Site ": ["b"], "BraTS Subject ID": ["x"]})
    with pytest.raises(KeyError, match="matches several columns"):
        organize_by_metadata(both, " Site  ", dataset, tmp_path / "o")


def test_organize_duplicate_ids_warn_first_row_wins(meta, dataset, tmp_path, capsys):
    dup = pd.concat([meta, meta.iloc[[0]].assign(Site="UCSF")], ignore_index=True)
    with pytest.warns(AuditappWarning, match=r"Duplicate IDs .* only the first row of each is used: "
                                             r"\['BraTS-GLI-00001-100'\]"):
        result = organize_by_metadata(dup, "Site", dataset, tmp_path / "o")
    assert "BraTS-GLI-00001-100" in result["organized"]["Duke"]
    assert "BraTS-GLI-00001-100" not in result["organized"]["UCSF"]


# ----------------------------------------------------------------------------- CLI

def cli_app() -> typer.Typer:
    from auditapp.cli import app
    return app


def test_cli_organize_dry_run_then_real(meta, dataset, tmp_path):
    meta.to_excel(tmp_path / "meta.xlsx", index=False)
    out_dir = tmp_path / "by_site"
    args = ["organize", str(tmp_path / "meta.xlsx"), "--column", "Site", "--input-dir", str(dataset),
            "--output-dir", str(out_dir), "--subdir", "{category}_images",
            "--where", "Train/Test/Validation=Train,Train-additional"]
    runner = CliRunner()
    result = runner.invoke(cli_app(), args + ["--dry-run"])
    assert result.exit_code == 0, result.output
    assert "[SAFE MODE] 3 subjects would be organized into 2 folders." in result.stdout
    assert "3 subjects in 2 folders (dry run); 0 not found; 1 skipped (no 'Site' value, or refused as printed above)." \
        in result.stdout
    assert not out_dir.exists()
    result = runner.invoke(cli_app(), args + ["--mode", "symlink"])
    assert result.exit_code == 0, result.output
    assert (out_dir / "Duke" / "Duke_images" / "BraTS-GLI-00003-101").is_symlink()
    assert f"Organization completed in {out_dir}" in result.stdout


def test_cli_organize_errors_exit_1(meta, dataset, tmp_path):
    meta.to_csv(tmp_path / "meta.csv", index=False)
    runner = CliRunner()
    base = ["organize", str(tmp_path / "meta.csv"), "--input-dir", str(dataset), "--output-dir", str(tmp_path / "o")]
    result = runner.invoke(cli_app(), base + ["--column", "Center"])
    assert result.exit_code == 1
    assert "error: column 'Center' is not a column of the metadata. Available columns:" in result.stderr
    result = runner.invoke(cli_app(), base + ["--column", "Site", "--mode", "hardlink"])
    assert result.exit_code == 1 and "error: mode must be one of" in result.stderr
    result = runner.invoke(cli_app(), base + ["--column", "Site", "--where", "Site"])
    assert result.exit_code == 1 and "error: --where expects COLUMN=VALUE[,VALUE...], got 'Site'" in result.stderr
    result = runner.invoke(cli_app(), base + ["--column", "Site", "--mode", "symlink"])
    assert result.exit_code == 0
    result = runner.invoke(cli_app(), base + ["--column", "Site", "--mode", "symlink"])
    assert result.exit_code == 1 and "error: Target already exists:" in result.stderr


def test_cli_organize_help():
    result = CliRunner().invoke(cli_app(), ["organize", "--help"])
    assert result.exit_code == 0
    for option in ["--column", "--input-dir", "--output-dir", "--id-column", "--subdir", "--mode", "--where",
                   "--dry-run", "--overwrite"]:
        assert option in result.stdout


def test_cli_organize_reports_duplicate_ids_as_warning(meta, dataset, tmp_path):
    pd.concat([meta, meta.iloc[[1]]], ignore_index=True).to_csv(tmp_path / "dup.csv", index=False)
    result = CliRunner().invoke(cli_app(), ["organize", str(tmp_path / "dup.csv"), "--column", "Site",
                                            "--input-dir", str(dataset), "--output-dir", str(tmp_path / "o"),
                                            "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "warning: Duplicate IDs in column 'BraTS Subject ID', only the first row of each is used: " \
           "['BraTS-GLI-00002-100']" in result.stderr


# --------------------------------------------------------------------------- values from the table stay inside output_dir


def _outside(tmp_path: Path, out_dir: Path) -> list[str]:
    """Every path under tmp_path that is not under out_dir (links not followed)."""
    return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")
                  if out_dir not in p.parents and p != out_dir)


HOSTILE = pd.DataFrame({
    "ID": ["S1", "S2", "S3", "../victim", "..", "a/../../escape", "S4"],
    "Site": ["..", ".", " .. ", "Duke", "Duke", "Duke", "Duke"],
})


@pytest.mark.parametrize("mode", ["copy", "move", "symlink"])
def test_organize_never_writes_outside_output_dir(tmp_path, capsys, mode):
    data = make_tree(tmp_path / "in", ["S1/x.txt", "S2/x.txt", "S3/x.txt", "S4/x.txt"])
    make_tree(tmp_path, ["victim/keep.txt"])
    out_dir = tmp_path / "out"
    before = _outside(tmp_path, out_dir)
    result = organize_by_metadata(HOSTILE, "Site", data, out_dir, id_column="ID", mode=mode, safe_mode=False)
    assert result["organized"] == {"Duke": ["S4"]}
    assert result["skipped"] == ["S1", "S2", "S3", "../victim", "..", "a/../../escape"]
    moved = {"in/S4", "in/S4/x.txt"} if mode == "move" else set()
    assert set(before) - set(_outside(tmp_path, out_dir)) == moved
    assert set(_outside(tmp_path, out_dir)) <= set(before)  # nothing new outside out/
    assert sorted(p.name for p in out_dir.iterdir()) == ["Duke"]
    assert sorted(p.name for p in (out_dir / "Duke").iterdir()) == ["S4"]
    printed = capsys.readouterr().out
    assert "Subject S1 refused: 'Site' value '..' is not a usable folder name" in printed
    assert "Subject S2 refused: 'Site' value '.' is not a usable folder name" in printed
    assert "Subject '../victim' refused: an ID must be a single folder name" in printed
    assert "Subject 'a/../../escape' refused" in printed


def test_organize_refuses_a_category_link_leading_outside(tmp_path, capsys):
    data = make_tree(tmp_path / "in", ["S1/x.txt"])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "Duke").symlink_to(elsewhere, target_is_directory=True)
    meta = pd.DataFrame({"ID": ["S1"], "Site": ["Duke"]})
    result = organize_by_metadata(meta, "Site", data, out_dir, id_column="ID", safe_mode=False)
    assert result["skipped"] == ["S1"] and result["organized"] == {}
    assert list(elsewhere.iterdir()) == []
    assert f"refused: its destination {out_dir / 'Duke' / 'S1'} would be outside {out_dir}" in capsys.readouterr().out


def test_cli_organize_refuses_hostile_rows(tmp_path):
    data = make_tree(tmp_path / "in", ["S1/x.txt", "S4/x.txt"])
    HOSTILE.to_csv(tmp_path / "meta.csv", index=False)
    out_dir = tmp_path / "out"
    before = _outside(tmp_path, out_dir)
    result = CliRunner().invoke(cli_app(), ["organize", str(tmp_path / "meta.csv"), "--column", "Site",
                                            "--id-column", "ID", "--input-dir", str(data),
                                            "--output-dir", str(out_dir)])
    assert result.exit_code == 0, result.output
    assert "Subject S1 refused: 'Site' value '..' is not a usable folder name" in result.stdout
    assert "1 subjects in 1 folders; 0 not found; 6 skipped" in result.stdout
    assert _outside(tmp_path, out_dir) == before
    assert (out_dir / "Duke" / "S4" / "x.txt").is_file()


def test_organize_by_metadata_subdir_real_mode(tmp_path):  # the former docstring example
    (tmp_path / "in" / "BraTS-GLI-00001-000").mkdir(parents=True)
    meta = pd.DataFrame({"BraTS Subject ID": ["BraTS-GLI-00001-000", "BraTS-GLI-00002-000"], "Site": ["Duke", "UCSF"]})
    out = organize_by_metadata(meta, "Site", tmp_path / "in", tmp_path / "out", subdir="{category}_images",
                               safe_mode=False)
    assert out["organized"] == {"Duke": ["BraTS-GLI-00001-000"]} and out["missing"] == ["BraTS-GLI-00002-000"]
    assert (tmp_path / "out" / "Duke" / "Duke_images" / "BraTS-GLI-00001-000").is_dir()
