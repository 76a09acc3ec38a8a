"""Words in cells mapped to canonical values (``vocabulary.yaml``): service levels,
channels, ticks, task statuses. Matching ignores diacritics, case and spacing."""
from __future__ import annotations

import re
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


@lru_cache(maxsize=1)
def footer_pattern() -> re.Pattern:
    """A folded cell (``text.fold``) that is a line of a report's footer (``footer`` in
    vocabulary.yaml): a role, alone or after a "signing for" mark ("kt giam doc"); "TM." and
    whatever follows it; another line of the block ("noi nhan"); a place and date
    ("bac lieu ngay 15 thang 12 nam 2023", or its blank form "ngay … thang … nam 20…").

    >>> bool(footer_pattern().match("kt giam doc")), bool(footer_pattern().match("giam doc so"))
    (True, True)
    >>> bool(footer_pattern().match("q binh thanh")), bool(footer_pattern().search("bac lieu ngay 15 thang 12 nam 2023"))
    (False, True)
    """
    words = _vocabulary()["footer"]

    def alternatives(items: list[str]) -> str:
        return "|".join(sorted((re.escape(fold(w)) for w in items), key=len, reverse=True))

    prefix = alternatives([w for w in words["signing_for"] if fold(w) != "tm"])
    return re.compile(rf"^(?:(?:(?:{prefix}) )?(?:{alternatives(words['roles'])})|"
                      rf"(?:{alternatives(words['lines'])}))(?: |$)|^tm \w|"
                      r"\bngay\b[\s.…\d]{0,12}\bthang\b[\s.…\d]{0,12}\bnam\b")


def channels_named(folded: str) -> set[str]:
    """The submission channels (``channel`` in vocabulary.yaml) whose words stand in a folded text
    as whole words: "nop qua mang dien tu" names online, "nop truc tiep qua buu chinh" direct and
    postal.

    >>> sorted(channels_named("nop truc tiep qua buu chinh")), sorted(channels_named("nop qua mang dien tu"))
    (['direct', 'postal'], ['online'])
    """
    padded = f" {folded} "
    return {value for word, value in _index("channel").items() if f" {word} " in padded}


def lookup(name: str, cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(canonical values, mask of non-blank cells with no mapping) for one vocabulary."""
    index = _index(name)
    uniques = pd.unique(cells.dropna())
    mapping = {u: index.get(fold(u)) for u in uniques}
    mapped = cells.map(mapping)
    unknown = cells.notna() & mapped.isna()
    return mapped.astype("string"), unknown
