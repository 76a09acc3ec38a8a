"""Words in cells mapped to canonical values (``vocabulary.yaml``): service levels,
channels, ticks, task statuses. Matching ignores diacritics, case and spacing."""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from dx_metrics import safe_yaml
from dx_metrics.text import fold

VOCABULARY_FILE = "dx_metrics/ingest/vocabulary.yaml"


@lru_cache(maxsize=1)
def _vocabulary() -> dict:
    return safe_yaml.load_package_data("dx_metrics.ingest", "vocabulary.yaml")


@lru_cache(maxsize=16)
def _index(name: str) -> dict[str, str]:
    out = {}
    for value, words in _vocabulary()[name].items():
        for w in words:
            out[fold(w)] = value
    return out


def no_deadline_words() -> set[str]:
    return {fold(w) for w in _vocabulary()["no_deadline"]}


def lookup(name: str, cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(canonical values, mask of non-blank cells with no mapping) for one vocabulary."""
    index = _index(name)
    uniques = pd.unique(cells.dropna())
    mapping = {u: index.get(fold(u)) for u in uniques}
    mapped = cells.map(mapping)
    unknown = cells.notna() & mapped.isna()
    return mapped.astype("string"), unknown
