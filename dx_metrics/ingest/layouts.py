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
from dx_metrics.ingest.header import cell_text, unread_scores
from dx_metrics.periods import Heading, heading_year
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


# --- several tables on one sheet, each under a heading of its own -----------------------------

@dataclass
class Block:
    heading_row: int | None        # Excel row of the heading (None: no heading above the first table)
    heading: Heading | None        # what the heading says about the year
    rows: list[int]                # positions in the body of the block's data rows

    @property
    def year(self) -> int | None:
        return self.heading.year if self.heading is not None and self.heading.label else None

    def said(self) -> str:
        if self.heading is None or not self.heading.text.strip():
            return "no heading"
        return f"'{self.heading.text.strip()}' (row {self.heading_row})"


@dataclass
class YearBlocks:
    blocks: list[Block]
    blank: list[int]               # body positions of the headings and header copies between blocks
    data_start: int                # 0-based sheet row of the body's first row

    def excel_rows(self, b: Block) -> str:
        return f"{self.data_start + b.rows[0] + 1}–{self.data_start + b.rows[-1] + 1}"

    def listing(self) -> str:
        return "; ".join(f"rows {self.excel_rows(b)} under {b.said()}" for b in self.blocks)

    @property
    def note(self) -> str:
        return (f"the sheet holds {len(self.blocks)} tables, each under a heading of its own ({self.listing()}); "
                "each was read with its own heading's year")

    def years(self, length: int) -> list[object]:
        """The year of each body row: its block's, None for rows of no block."""
        out: list[object] = [None] * length
        for b in self.blocks:
            for i in b.rows:
                out[i] = b.year
        return out


def _is_heading_row(cells: list[object]) -> str | None:
    """The text of a row that can only be a heading (one or two text cells, no figure), else None."""
    filled = [(v, cell_text(v)) for v in cells if cell_text(v) is not None]
    if not filled or len(filled) > 2 or any(not isinstance(v, str) for v, _ in filled):
        return None
    if any(re.fullmatch(r"[\d\s.,%()\-+]+", t) for _, t in filled):
        return None
    return " ".join(t for _, t in filled)


def year_blocks(body: pd.DataFrame, header_row: list[object], *, first: tuple[int | None, Heading | None],
                data_start: int) -> YearBlocks | None:
    """Tables stacked on one sheet, each under a heading that states its year ("Top 10 … năm
    2014", then "… năm 2013" with the header again under it): the blocks, each with its
    heading, or None when no heading inside the body states a year (one table). ``first`` is
    (Excel row, heading) of the nearest heading above the first table; ``data_start`` the
    0-based sheet row of the body's first row."""
    want = {i: v for i, v in enumerate(header_row) if isinstance(v, str) and v.strip() and i < body.shape[1]}
    need = max(2, (len(want) + 1) // 2)
    rows = [list(r) for r in body.itertuples(index=False)]
    filled = [i for i, cells in enumerate(rows) if any(cell_text(v) is not None for v in cells)]
    copies = {i for i in filled if len(want) >= 2 and sum(rows[i][c] == v for c, v in want.items()) >= need}
    after = {a: b for a, b in zip(filled, filled[1:])}         # the next filled row
    blocks = [Block(first[0], first[1], [])]
    blank: list[int] = []
    for i in filled:
        if i in copies:
            blank.append(i)                    # the header again, under a block's heading
            continue
        text = _is_heading_row(rows[i])
        if text is not None:
            h = heading_year(text)
            # a heading: it states a year, or the header follows it (a block whose heading says none)
            if h.says or after.get(i) in copies:
                blank.append(i)
                blocks.append(Block(data_start + i + 1, h, []))
                continue
        blocks[-1].rows.append(i)
    if len(blocks) == 1 or not any(b.heading is not None and b.heading.says for b in blocks[1:]) \
            and not any(b.rows for b in blocks[1:]):
        return None
    return YearBlocks([b for b in blocks if b.rows], blank, data_start)


def check_blocks(file: str, sheet: str | None, yb: YearBlocks, *, period_year: int | None) -> None:
    """Refuse stacked tables where a block's heading states no single year (a span, several
    years, nothing), or a period is given for blocks of other years, naming every block."""
    bad = [b for b in yb.blocks if b.year is None]
    years = {b.year for b in yb.blocks if b.year is not None}
    if bad:
        named = "; ".join(f"rows {yb.excel_rows(b)} under {b.said()}: "
                          + ("no year" if b.heading is None or not b.heading.says else
                             f"a span of years ({b.heading})" if b.heading.span else
                             f"several years ({b.heading})") for b in bad)
        message = (f"the sheet holds {len(yb.blocks)} tables, each under a heading of its own ({yb.listing()}), "
                   f"and not every heading states the year of its table ({named})")
        hint = ("write each table's year in its heading (\"… năm 2013\"), or save each table as a file of its own "
                "and pass its period")
    elif period_year is not None and years != {period_year}:
        message = (f"the period given says {period_year}, but the sheet holds {len(yb.blocks)} tables of "
                   f"{', '.join(str(y) for y in sorted(years))}, each under a heading of its own ({yb.listing()})")
        hint = "pass no period: each table is read with the year of its heading"
    else:
        return
    raise DxDataError([Problem(file=file, sheet=sheet, row=(bad[0].heading_row if bad else None), reason="no_period",
                               message=message + "; dx-metrics will not read one table with another's year",
                               hint=hint)])


def refuse_unread_scores(file: str, sheet: str | None, cells: pd.DataFrame, header, index: str | None) -> None:
    """An index table whose total score (or, in a table of components, every component) is not
    read is refused, not read with its scores dropped: each header cell over figures that no
    alias placed is named, with the aliases closest to it."""
    unread = unread_scores(cells, header, index)
    if not unread:
        return
    what = ("every component is read but a column that looks like the index's total is not" if any(
        f.startswith("component__") for f in header.columns) else "the index's total score is not read")
    problems = []
    for pos, text, close in unread:
        near = f" (closest aliases: {', '.join(repr(a) for a in close)})" if close else " (no alias resembles it)"
        problems.append(Problem(
            file=file, sheet=sheet, row=header.row + 1, column=text, reason="missing_column",
            message=f"{what}: column {column_letters(pos + 1)} '{text}' holds figures that no header alias "
                    f"of {'the ' + index if index else 'an index table'} places{near}; dx-metrics will not read a "
                    "table of index scores without its scores",
            hint=f"if '{text}' is the total (or a component), add it as an alias: index_scores score (or the "
                 "component) in columns.yaml in your workspace (dx-metrics validate --suggest drafts it)"))
    raise DxDataError(problems)


# --- a page of statistics: one figure per line, no table ----------------------------------------

_LABEL_VALUE = re.compile(r"^\s*(?P<label>[^:：]*[^\W\d_][^:：]*?)\s*[:：]\s*(?P<value>-?\d[\d.,]*\s*%?)\s*(?P<unit>[^\d\W]{0,15}.*)?$")


def statistics_page(cells: pd.DataFrame, *, rows: int = 60) -> list[str] | None:
    """The lines of a page of statistics, one figure per line ("Tổng số TTHC: 1.234", or a label
    cell beside one figure), as written, when most filled lines of the first ``rows`` are such;
    else None. Such a page names no unit or period per figure: it is not a table."""
    lines, hits = 0, []
    for row in cells.head(rows).itertuples(index=False):
        filled = [v for v in row if cell_text(v) is not None]
        if not filled:
            continue
        lines += 1
        texts = [v for v in filled if isinstance(v, str) and not re.fullmatch(r"[\d\s.,%()\-+]+", v.strip())]
        figures = [v for v in filled if v not in texts]
        if len(filled) == 1 and texts and _LABEL_VALUE.match(cell_text(texts[0]) or ""):
            hits.append(cell_text(texts[0]))
        elif len(texts) == 1 and len(figures) == 1:
            hits.append(f"{cell_text(texts[0])}: {cell_text(figures[0])}")
    if lines >= 2 and len(hits) >= 2 and len(hits) >= 0.6 * lines:
        return hits
    return None


def statistics_said(lines: list[str]) -> str:
    shown = "; ".join(f"'{x}'" for x in lines[:3]) + (f" … +{len(lines) - 3} more" if len(lines) > 3 else "")
    return (f"this is a page of statistics, one figure per line ({shown}), not a table: its figures name no unit "
            "and period of their own. Export the table they come from instead (e.g. the one-stop results report, "
            "one row per unit), or write each figure as a row of an observations table (indicator, unit, "
            "period, value)")
