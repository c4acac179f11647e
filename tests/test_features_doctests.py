"""The Examples sections of the feature modules run as doctests."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "auditapp.features.statistical",
    "auditapp.features.texture",
    "auditapp.features.spatial",
    "auditapp.features.tumor",
    "auditapp.features.columns",
    "auditapp.features.longitudinal",
    "auditapp.io.metadata",
    "auditapp._validation",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
