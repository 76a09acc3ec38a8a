"""The examples in the public API's docstrings run, and say what they show."""
from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["dx_metrics.text", "dx_metrics.periods", "dx_metrics.units", "dx_metrics.ingest.values",
           "dx_metrics.ingest.indexes", "dx_metrics.indicators.compute", "dx_metrics.indicators.rankings",
           "dx_metrics.formats", "dx_metrics.notes", "dx_metrics.settings", "dx_metrics.safe_yaml"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no example"
    assert result.failed == 0
