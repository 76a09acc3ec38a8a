"""The unit registry (``data/reference/units.csv``): ids, names, parents, lineage.

Exports name units the way their authors write them ("Sở GTVT Bạc Liêu", "Văn phòng
Sở"); the registry lists each unit's official name and the variants seen in exports,
separated by "|" in ``name_variants``. Matching ignores diacritics, case and spacing.
An unknown name is kept and reported, never dropped: add it to ``name_variants``.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from dx_metrics.text import fold

PROJECT_ROOT = Path(__file__).resolve().parents[1]
UNITS_FILE = PROJECT_ROOT / "data" / "reference" / "units.csv"
COLUMNS = ["unit_id", "name_vi", "name_en", "kind", "parent_id", "valid_from", "valid_to",
           "successor_id", "name_variants"]


@lru_cache(maxsize=4)
def load_units(path: str | Path = UNITS_FILE) -> pd.DataFrame:
    """The registry as a DataFrame with the ``units`` columns of DESIGN.md."""
    df = pd.read_csv(path, dtype="string", keep_default_na=False, na_values=[""])
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    for c in ("valid_from", "valid_to"):
        df[c] = pd.to_datetime(df[c], format="%Y-%m-%d")
    dup = df["unit_id"][df["unit_id"].duplicated()]
    if len(dup):
        raise ValueError(f"{path}: duplicate unit_id {list(dup)}")
    return df


@lru_cache(maxsize=4)
def _name_index(path: str | Path = UNITS_FILE) -> dict[str, str]:
    units = load_units(path)
    index: dict[str, str] = {}
    for row in units.itertuples(index=False):
        names = [row.name_vi, row.unit_id] + (str(row.name_variants).split("|") if pd.notna(row.name_variants) else [])
        for name in names:
            key = fold(name)
            if key and key not in index:
                index[key] = row.unit_id
    return index


def match_units(names: pd.Series, *, path: str | Path = UNITS_FILE) -> pd.Series:
    """``unit_id`` for each name as written, missing where the registry has no match."""
    index = _name_index(path)
    uniques = pd.unique(names.dropna())
    lookup = {n: index.get(fold(n)) for n in uniques}
    return names.map(lookup).astype("string")


def unit_names(ids: pd.Series, *, lang: str = "vi", path: str | Path = UNITS_FILE) -> pd.Series:
    """Official names for unit ids (the id itself where the registry lacks it)."""
    units = load_units(path).set_index("unit_id")
    col = "name_en" if lang == "en" else "name_vi"
    return ids.map(units[col]).fillna(ids).astype("string")


def parent_of(unit_id: str, *, path: str | Path = UNITS_FILE) -> str | None:
    units = load_units(path).set_index("unit_id")
    if unit_id not in units.index:
        return None
    p = units.at[unit_id, "parent_id"]
    return None if pd.isna(p) else str(p)
