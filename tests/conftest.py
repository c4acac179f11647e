"""Shared fixtures. ``shared_dir`` is ../shared next to the clone; tests needing it skip when absent."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` (real BraTS samples and reference outputs); skip the test when it is absent."""
    if not (SHARED_DIR / "reference").is_dir():
        pytest.skip("../shared is not available on this machine")
    return SHARED_DIR
