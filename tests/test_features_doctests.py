"""The feature modules keep their Examples sections (pytest's --doctest-modules runs them once)."""

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
def test_module_has_docstring_examples(name):
    tests = doctest.DocTestFinder().find(importlib.import_module(name))
    assert sum(len(t.examples) for t in tests) > 0


def test_doctests_run_once_through_pytest(pytestconfig):
    # the examples run through --doctest-modules (pyproject addopts), not a second time here
    assert pytestconfig.getoption("doctestmodules")
