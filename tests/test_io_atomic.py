"""auditapp.io.atomic (the one atomic writer) and auditapp.io.paths (path rules)."""

from __future__ import annotations

import errno
import os
import stat

import pandas as pd
import pytest

from auditapp.io import atomic
from auditapp.io.atomic import atomic_target, write_csv_atomic, write_text_atomic
from auditapp.io.paths import folder_problem


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    def set_umask(value: int) -> None:
        os.umask(value)

    old = os.umask(0o022)
    try:
        yield set_umask
    finally:
        os.umask(old)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_new_file_gets_the_umask_mode(tmp_path, umask, mask, expected):
    umask(mask)
    write_csv_atomic(pd.DataFrame({"ID": ["a"]}), tmp_path / "t.csv")
    assert _mode(tmp_path / "t.csv") == expected
    assert (tmp_path / "t.csv").read_text() == "ID\na\n"


def test_rewritten_file_keeps_its_mode(tmp_path, umask):
    umask(0o077)
    path = tmp_path / "t.csv"
    path.write_text("old\n")
    os.chmod(path, 0o664)
    write_text_atomic(path, "new\n")
    assert _mode(path) == 0o664 and path.read_text() == "new\n"


def test_failed_write_keeps_the_previous_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    path.write_text("previous\n")

    def disk_full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", disk_full)
    with pytest.raises(OSError) as info:
        write_text_atomic(path, "new\n")
    assert info.value.errno == errno.ENOSPC
    assert path.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


def test_atomic_target_keeps_a_suffix_for_format_by_extension_writers(tmp_path):
    with atomic_target(tmp_path / "seg.nii.gz", suffix=".tmp.nii.gz") as tmp:
        assert tmp.name.endswith(".tmp.nii.gz") and tmp.parent == tmp_path
        tmp.write_bytes(b"x")
    assert (tmp_path / "seg.nii.gz").read_bytes() == b"x"


def test_folder_problem(tmp_path, monkeypatch):
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert folder_problem(tmp_path) is None
    assert folder_problem(tmp_path / "new" / "deeper") is None
    assert folder_problem(afile) == f"exists and is not a folder: '{afile}'"
    assert folder_problem(afile / "sub") == f"cannot be created: '{afile}' is not a folder"
    assert not (tmp_path / "new").exists()  # checking creates nothing
    # permission bits do not stop root, so the refusal of os.access is simulated
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    assert folder_problem(tmp_path) == f"permission denied: '{tmp_path}' is not writable"
    assert folder_problem(tmp_path / "new") == f"permission denied: cannot create folders in '{tmp_path}'"
