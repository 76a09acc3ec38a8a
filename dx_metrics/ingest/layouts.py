"""Table layouts that need more than "one row per unit": read right, or refused.

- **A second copy of the header** below the table (PCI's summary sheets end with a
  look-up block: the header again, one province, its ranks) ends the table.
- **Sorted blocks** (PCI summary sheets): each component is sorted on its own, as a pair of
  columns (province, score) side by side, so the province beside a score is that score's
  only when both come from the same block. Each score is re-paired with the province of
  its own block, by name; where a block's provinces are not the same list as the total's,
  the table is refused, never paired across blocks.
- **Rank and score in one cell** ("01 (0,727)", as one ranking was published) are split.
- **"Not published"** (".", "…", "n/a", "-") in a score or rank column is a missing value,
  not an error: the unit is kept, without that score.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dx_metrics.errors import DxDataError, Problem
from dx_metrics.ingest.extent import column_letters
from dx_metrics.ingest.header import cell_text
from dx_metrics.text import fold


def repeated_header(body: pd.DataFrame, header_row: list[object]) -> int | None:
    """The position in ``body`` of a row that repeats the header (at least half of its texts,
    each in its own column, as written), or None: the table ends there."""
    want = {i: v for i, v in enumerate(header_row) if isinstance(v, str) and v.strip() and i < body.shape[1]}
    if len(want) < 2:
        return None
    hits = np.zeros(len(body), dtype=np.int32)
    for c, v in want.items():
        hits += (body.iloc[:, c] == v).to_numpy(dtype=bool)
    rows = np.flatnonzero(hits >= max(2, (len(want) + 1) // 2))
    return int(rows[0]) if len(rows) else None


def holds_names(cells: pd.Series) -> bool:
    """Mostly text that is not a number, in at least two different values: names."""
    filled = [v for v in cells if cell_text(v) is not None]
    if len(filled) < 2:
        return False
    words = [v for v in filled if isinstance(v, str) and not re.fullmatch(r"[\d\s.,%()\-+]+", v.strip())]
    return len(words) >= 0.8 * len(filled) and len({fold(w) for w in words}) >= 2


def _is_unit_column(cells: pd.Series) -> bool:
    """Names, each once: a block's units (a region or a group, repeated, is not)."""
    if not holds_names(cells):
        return False
    names = [fold(v) for v in cells if isinstance(v, str) and v.strip()]
    return len(set(names)) >= 0.9 * len(names)


@dataclass
class Blocks:
    note: str                      # what was done, for the origin record and --explain
    body: pd.DataFrame             # the body with every score beside its own unit


def pair_sorted_blocks(body: pd.DataFrame, columns: dict[str, int], named: set[int], *, file: str,
                       sheet: str | None, header_row: int, value_fields: list[str]) -> Blocks | None:
    """Re-pair a sorted-block table (module docstring), or None when the table is one row per
    unit. ``columns``: field -> position; ``named``: positions whose header has a text;
    ``value_fields``: the fields holding scores and ranks."""
    u0 = columns.get("unit_name")
    if u0 is None:
        return None
    values = sorted(columns[f] for f in value_fields if f in columns)
    # unit columns: the unit_name column, and columns without a header holding names
    units = sorted({u0} | {p for p in range(body.shape[1]) if p not in named and p not in values
                           and p > u0 and _is_unit_column(body.iloc[:, p])})
    if len(units) == 1:
        return None
    owner = {}
    for v in values:
        left = [u for u in units if u < v]
        if not left:
            raise _refuse(file, sheet, header_row, f"column {column_letters(v + 1)} holds scores left of every "
                          "column of names, so its units cannot be told")
        owner[v] = left[-1]
    blocks: dict[int, list[int]] = {}
    for v, u in owner.items():
        blocks.setdefault(u, []).append(v)
    if len(blocks) < 2:       # one block of scores: an ordinary table (a column of regions beside it)
        return None
    key = owner.get(columns["score"]) if "score" in columns else u0
    key_names = body.iloc[:, key].map(cell_text)
    live = key_names.notna()
    order = key_names[live].map(fold)
    if order.duplicated().any():
        raise _refuse(file, sheet, header_row, f"column {column_letters(key + 1)} names "
                      f"{', '.join(sorted(set(key_names[live][order.duplicated().to_numpy()])))} twice")
    out = body.copy()
    for u, vs in blocks.items():
        names = body.iloc[:, u].map(cell_text)
        folded = names.map(fold, na_action="ignore")
        mine = folded[names.notna()]
        if set(mine) != set(order) or mine.duplicated().any():
            missing = sorted(set(key_names[live][~order.isin(set(mine)).to_numpy()]))
            extra = sorted(set(names[names.notna()][~mine.isin(set(order)).to_numpy()]))
            said = "; ".join(x for x in (f"not in it: {', '.join(missing[:5])}" if missing else "",
                                         f"only in it: {', '.join(extra[:5])}" if extra else "",
                                         "a name twice" if mine.duplicated().any() else "") if x)
            raise _refuse(file, sheet, header_row,
                          f"the scores in column(s) {', '.join(column_letters(v + 1) for v in vs)} are sorted with "
                          f"their own names in column {column_letters(u + 1)}, which do not list the same units as "
                          f"column {column_letters(key + 1)} ({said})")
        where = pd.Series(mine.index, index=mine.to_numpy())
        rows = order.map(where)
        for v in vs:
            out.loc[order.index, out.columns[v]] = body.iloc[:, v].reindex(rows.to_numpy()).to_numpy()
    out.iloc[:, u0] = body.iloc[:, key]
    listed = ", ".join(column_letters(u + 1) for u in sorted(blocks))
    return Blocks(f"each component is sorted on its own with its units beside it (columns {listed}); every score "
                  f"was paired with the unit of its own block, by name, in the order of column "
                  f"{column_letters(key + 1)}", out)


def _refuse(file: str, sheet: str | None, row: int, message: str) -> DxDataError:
    return DxDataError([Problem(file=file, sheet=sheet, row=row, reason="inconsistent",
                                message=message + "; dx-metrics will not pair scores with units across blocks",
                                hint="give each block the same list of units, or save one (unit, score) table "
                                     "per component")])


# "01 (0,727)": a rank, then a score with decimals (a "5 (7)" may be this year's and last
# year's rank, and is not split)
_RANK_SCORE = re.compile(r"^\s*(\d{1,4})\s*\(\s*(\d+[.,]\d+)\s*\)\s*$")


def split_rank_and_score(raw: pd.DataFrame) -> str | None:
    """Where the rank column holds "01 (0,727)" cells (rank, then the score in brackets) and
    no score column has figures, split them into the two columns. Returns a note, or None.
    Pairs in a score column are not split: which number is which cannot be told there."""
    if "rank" not in raw or ("score" in raw and raw["score"].notna().any()):
        return None
    cells = raw["rank"]
    m = cells[cells.map(lambda v: isinstance(v, str))].str.extract(_RANK_SCORE)
    pairs = m[0].notna()
    if pairs.sum() == 0 or pairs.sum() < 0.8 * cells.notna().sum():
        return None
    raw["rank"] = cells.astype(object)
    raw.loc[pairs[pairs].index, "rank"] = m.loc[pairs, 0]
    raw["score"] = pd.Series(None, index=raw.index, dtype=object)
    raw.loc[pairs[pairs].index, "score"] = m.loc[pairs, 1]
    return 'the rank column holds the rank and the score in one cell ("01 (0,727)"); they were split'


# what published tables write for "not available": left blank, never an error
NOT_PUBLISHED = frozenset({".", "..", "...", "…", "n/a", "na", "n.a.", ":", "x", "-", "–", "—"})


def published_blanks(raw: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Blank the cells of score and rank columns that say "not available" (".", "…", "n/a",
    "-"), as index tables write it; returns the rows that had such a cell (they are rows
    with a missing score, not headings)."""
    rows = pd.Series(False, index=raw.index)
    for c in columns:
        marks = raw[c].map(lambda v: isinstance(v, str) and v.strip().lower() in NOT_PUBLISHED).astype(bool)
        rows |= marks
        raw[c] = raw[c].mask(marks)
    return rows
