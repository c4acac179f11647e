"""auditapp.io.atomic (the one atomic writer) and auditapp.io.paths (path rules)."""

from __future__ import annotations

import errno
import os
import stat

import numpy as np
import pandas as pd
import pytest

from auditapp.io import atomic
from auditapp.io.atomic import atomic_target, write_columns_atomic, write_csv_atomic, write_text_atomic
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


def test_columns_writer_gives_the_bytes_pandas_writes(tmp_path):
    """Metric extraction writes its tables without pandas: same bytes as DataFrame.to_csv."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(2000) * 10.0 ** rng.integers(-30, 30, 2000)
    x[:8] = [np.nan, np.inf, -np.inf, -0.0, 0.0, 1e16, 123456789.0, 1e-5]
    texts = ["a", "b,c", 'q"x', "two\nlines", " sp ", "", "NA", "é"]
    ids = [texts[i % len(texts)] for i in range(2000)]
    counts = rng.integers(-10**12, 10**12, 2000)
    write_columns_atomic({"ID": ids, "x": x, "count": counts}, tmp_path / "ours.csv", na_rep="", chunk_rows=7)
    frame = pd.DataFrame({"ID": pd.Series(ids, dtype=object), "x": x, "count": counts})
    write_csv_atomic(frame, tmp_path / "pandas.csv", na_rep="")
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
    write_columns_atomic({"ID": [], "x": np.zeros(0)}, tmp_path / "empty.csv")
    assert (tmp_path / "empty.csv").read_text() == "ID,x\n"


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
