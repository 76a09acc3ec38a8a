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
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from dx_metrics.errors import DxDataError, Problem
from dx_metrics.ingest.extent import column_letters
from dx_metrics.ingest.workbook import Sheet
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
    lines, hits, first_hit = 0, [], None
    for row in cells.head(rows).itertuples(index=False):
        filled = [v for v in row if cell_text(v) is not None]
        if not filled:
            continue
        lines += 1
        hit = None
        is_text = [isinstance(v, str) and not re.fullmatch(r"[\d\s.,%()\-+]+", v.strip()) for v in filled]
        if len(filled) == 1 and is_text[0] and _LABEL_VALUE.match(cell_text(filled[0]) or ""):
            hit = cell_text(filled[0])
        elif len(filled) == 2 and is_text == [True, False]:      # a label, then its figure
            hit = f"{cell_text(filled[0])}: {cell_text(filled[1])}"
        if hit is not None:
            hits.append(hit)
        if first_hit is None:
            first_hit = hit is not None      # a table starts with its header; such a page with a figure
    if first_hit and lines >= 2 and len(hits) >= 2 and len(hits) >= 0.6 * lines:
        return hits
    return None


def statistics_said(lines: list[str]) -> str:
    shown = "; ".join(f"'{x}'" for x in lines[:3]) + (f" … +{len(lines) - 3} more" if len(lines) > 3 else "")
    return (f"this is a page of statistics, one figure per line ({shown}), not a table: its figures name no unit "
            "and period of their own. Export the table they come from instead (e.g. the one-stop results report, "
            "one row per unit), or write each figure as a row of an observations table (indicator, unit, "
            "period, value)")


# --- one unit's figures by year, or units by year: years across the header ---------------------

@dataclass
class Reshaped(Sheet):
    """A sheet read in another layout, as the long table the reader knows (title rows, then a
    header "Đơn vị | Năm | Thành phần | Điểm | Xếp hạng", then one row per unit, year and
    component). ``source_rows``: the Excel row each data row comes from; ``note``: what was
    done, for the origin record and --explain."""
    source_rows: list[int] = field(default_factory=list)
    note: str = ""
    refusal: DxDataError | None = None     # the layout is known but cannot be read: raised if this sheet is chosen


_LONG_HEADER = ["Đơn vị", "Năm", "Thành phần", "Điểm", "Xếp hạng"]
_YEAR_CELL = re.compile(r"^(?:nam|year)?\s*((?:19|20)\d\d)$")
_SCORE_WORDS = frozenset({"diem", "diem so", "score", "scores", "gia tri", "value", "chi so", "diem chi so"})
_RANK_LABEL = re.compile(r"^(?:xep hang|thu hang|hang|rank|ranking|vi tri)$")


def _year_cell(v: object) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)) and float(v).is_integer() and 1990 <= int(v) <= 2100:
        return int(v)
    if isinstance(v, str):
        m = _YEAR_CELL.match(fold(v))
        if m and 1990 <= int(m.group(1)) <= 2100:
            return int(m.group(1))
    return None


def _sub_field(text: str | None) -> str | None:
    """ "score" or "rank" for a sub-header under a year ("Điểm số", "Thứ hạng"), else None."""
    if text is None:
        return None
    f = fold(text)
    if f in _SCORE_WORDS:
        return "score"
    if _RANK_LABEL.match(f):
        return "rank"
    return None


def _row_kind(label: str) -> str | None:
    """What a row label of one unit's table is: "total" (the index's overall score: "PCI", "PCI
    Scores", "Điểm số PCI", "Tổng"), "rank" (of the total: "Xếp hạng", "Ranking", "Xếp hạng
    PCI"), "component" (a component of some index in the catalogue), or None."""
    from dx_metrics.ingest import indexes
    from dx_metrics.ingest.vocabulary import lookup

    f = fold(label)
    words = f.split()
    if _RANK_LABEL.match(f) or (indexes.named_in([label]) and set(words) & {"hang", "rank", "ranking"}):
        return "rank"
    for ix in indexes.catalogue().values():
        for c in ix.components.values():
            if f in {fold(a) for a in (*c.aliases, c.name_vi, c.name_en)}:
                return "component"
    total, _ = lookup("component", pd.Series([label]))
    if total.fillna("").iloc[0] == "total" or indexes.named_in([label]) or any(
            f == fold(a) for ix in indexes.catalogue().values() for a in ix.total):
        return "total"
    return None


@lru_cache(maxsize=1)
def _unit_names() -> tuple[tuple[tuple[str, ...], str, str, str], ...]:
    """(name key words, unit_id, name as written, kind) of the registry's provinces and countries,
    longest first, for finding a unit named inside a title."""
    from dx_metrics import units as unit_registry

    out: dict[tuple, tuple] = {}
    for row in unit_registry.load_units().itertuples(index=False):
        if row.kind not in ("province", "country"):
            continue
        # Vietnamese names first: the name kept for a key is the one written with its diacritics
        names = [row.name_vi] + (str(row.name_variants).split("|") if pd.notna(row.name_variants) else []) \
            + [row.name_en]
        for name in names:
            if not isinstance(name, str) or not name.strip() or re.fullmatch(r"[A-Z]{2,3}", name.strip()):
                continue
            key = tuple(unit_registry.unit_key(name).split())
            for lead in (("thanh", "pho"), ("tinh",)):
                if key[:len(lead)] == lead and len(key) > len(lead):
                    key = key[len(lead):]
            if len(key) >= 2 or (row.kind == "country" and key and len(key[0]) >= 4):
                out.setdefault((key, str(row.unit_id)), (key, str(row.unit_id), name.strip(), str(row.kind)))
    return tuple(sorted(out.values(), key=lambda x: -len(x[0])))


def units_named_in(texts: list[str]) -> list[tuple[str, str]]:
    """The provinces and countries named inside ``texts`` (a title "Chỉ số thành phần PCI Quảng
    Ninh (2011 - 2022)"): (unit_id, name as the registry writes it), longest names first; a
    country named beside one of its provinces ("… tỉnh Bạc Liêu, Việt Nam") is left out."""
    from dx_metrics import units as unit_registry

    found: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for text in texts:
        words = unit_registry.unit_key(text).split()
        used = [False] * len(words)
        for key, uid, name, kind in _unit_names():
            n = len(key)
            for i in range(len(words) - n + 1):
                if tuple(words[i:i + n]) == key and not any(used[i:i + n]):
                    used[i:i + n] = [True] * n
                    found.setdefault(uid, name)
                    kinds[uid] = kind
    if any(k == "province" for k in kinds.values()):
        found = {u: n for u, n in found.items() if kinds[u] != "country"}
    return list(found.items())


def _one_unit(file: str, sheet: Sheet, header_row: int, what: str) -> str:
    """The unit a table of one unit's figures is of, from its title rows (then its sheet name);
    refused when they name none, or several."""
    titles = [" ".join(cell_text(v) or "" for v in row) for row in sheet.cells.iloc[:header_row].itertuples(index=False)]
    named = units_named_in([t for t in titles if t.strip()])
    if not named and sheet.name:
        named = units_named_in([str(sheet.name)])
    if len(named) == 1:
        return named[0][1]
    said = (f"names several ({', '.join(n for _, n in named)})" if named else "names none")
    raise DxDataError([Problem(
        file=file, sheet=sheet.name, row=header_row + 1, reason="missing_column",
        message=f"the table is {what} of one unit, which only its title can name, and its title {said}",
        hint="write the unit's name as a title line above the table (e.g. 'Chỉ số PCI tỉnh Quảng Ninh'), or add a "
             "column of unit names")])


def _label_column(cells: pd.DataFrame, first_value: int, start: int) -> int | None:
    """The column of row labels: the rightmost column left of the figures holding texts."""
    body = cells.iloc[start:start + 80]
    for c in range(first_value - 1, -1, -1):
        vals = [v for v in body.iloc[:, c] if cell_text(v) is not None]
        texts = [v for v in vals if isinstance(v, str) and not re.fullmatch(r"[\d\s.,%()\-+]+", v.strip())]
        if len(texts) >= 2 and len(texts) >= 0.6 * len(vals):
            return c
    return None


def years_across(file: str, sheet: Sheet) -> Sheet | None:
    """``sheet`` as a long table when its header has years across (one unit's components × years,
    "2011 / Điểm số | Thứ hạng" pairs; units × "Năm 2017" columns of scores or "01 (0,727)"
    cells), or when it is one unit's series of years without a unit column (the unit in the
    title); None when it is neither (it is read as it is)."""
    try:
        return _years_across(file, sheet)
    except DxDataError as e:      # told only if this sheet is the one read (``refuse_if_unreadable``)
        return Reshaped(sheet.name, sheet.cells, sheet.hidden, sheet.strays, sheet.formulas_without_value,
                        sheet.widths, refusal=e)


def refuse_if_unreadable(sheet: Sheet) -> None:
    if isinstance(sheet, Reshaped) and sheet.refusal is not None:
        raise sheet.refusal


def _years_across(file: str, sheet: Sheet) -> Sheet | None:
    from dx_metrics.ingest.header import ANY_INDEX, find_header

    cells = sheet.cells
    h = find_header(cells, "index_scores", ANY_INDEX)
    if h is not None and "year" in h.columns and not {"unit_name", "unit_code"} & set(h.columns) \
            and any(f in ("score", "rank") or f.startswith("component__") for f in h.columns):
        return _with_title_unit(file, sheet, h)
    limit = min(len(cells), (h.row + h.depth) if h is not None else 40)
    for r in range(limit):
        years = [(c, y) for c, v in enumerate(cells.iloc[r]) if (y := _year_cell(v)) is not None]
        if not years or len({y for _, y in years}) != len(years):
            continue
        out = _read_years_across(file, sheet, r, years)
        if out is not None:
            return out
    return None


def _with_title_unit(file: str, sheet: Sheet, h) -> Sheet:
    unit = _one_unit(file, sheet, h.row, "a series of years")
    cells = sheet.cells.copy()
    width = cells.shape[1]
    cells[width] = None
    cells.iat[h.row, width] = _LONG_HEADER[0]
    body = cells.iloc[h.data_start:, :width]
    filled = body.notna().any(axis=1).to_numpy()
    for i in np.flatnonzero(filled):
        cells.iat[h.data_start + i, width] = unit
    note = f"the table is one unit's series of years, the unit named in its title: {unit}"
    return Reshaped(sheet.name, cells, sheet.hidden, sheet.strays, sheet.formulas_without_value, sheet.widths,
                    source_rows=[], note=note)


def _read_years_across(file: str, sheet: Sheet, r: int, years: list[tuple[int, int]]) -> Sheet | None:
    cells = sheet.cells
    first = years[0][0]
    sub = [cell_text(v) for v in cells.iloc[r + 1]] if r + 1 < len(cells) else []
    slots: list[tuple[int, int, str]] = []          # (column, year, "score" | "rank" | "value")
    bounds = [c for c, _ in years] + [cells.shape[1]]
    pairs = any(_sub_field(sub[c]) for c in range(first, len(sub))) if sub else False
    if pairs:
        for (c, y), end in zip(years, bounds[1:]):
            for q in range(c, min(end, len(sub))):
                f = _sub_field(sub[q])
                if f:
                    slots.append((q, y, f))
        start = r + 2
    else:
        slots = [(c, y, "value") for c, y in years]
        start = r + 1
    label_col = _label_column(cells, first, start)
    if label_col is None:
        return None
    rows = []
    for i in range(start, len(cells)):
        label = cell_text(cells.iat[i, label_col])
        values = {(y, f): cells.iat[i, c] for c, y, f in slots if cell_text(cells.iat[i, c]) is not None}
        if label is not None and values:
            rows.append((i, label, values))
    if not rows:
        return None
    kinds = [_row_kind(label) for _, label, _ in rows]
    by_component = sum(k is not None for k in kinds) >= max(1, len(rows) / 2)
    head = cell_text(cells.iat[r, label_col]) or (cell_text(cells.iat[r + 1, label_col]) if pairs else None)
    from dx_metrics.ingest.header import column_specs

    unit_aliases = column_specs()["index_scores"]["unit_name"].aliases
    by_unit = not by_component and (head is not None and (fold(head),) in unit_aliases or _mostly_units(
        [label for _, label, _ in rows]))
    if not (by_component or by_unit):
        return None
    out: list[list[object]] = []
    source: list[int] = []
    split = False

    def emit(unit, year, component, score, rank, row):
        nonlocal split
        if isinstance(score, str) and score.strip():
            m = _RANK_SCORE.match(score)
            if m and rank is None:
                rank, score, split = m.group(1), m.group(2), True
        out.append([unit, year, component, score, rank])
        source.append(row + 1)

    year_list = [y for _, y in years]
    if by_component:
        unit = _one_unit(file, sheet, r, "figures by year")
        ranks = {}
        for (i, _label, values), kind in zip(rows, kinds):
            if kind == "rank":
                for (y, _field), v in values.items():
                    ranks[y] = (v, i)
        done_total = set()
        for (i, label, values), kind in zip(rows, kinds):
            if kind == "rank":
                continue
            for y in year_list:
                score = values.get((y, "score"), values.get((y, "value")))
                rank = values.get((y, "rank"))
                if kind == "total":
                    done_total.add(y)
                    if rank is None and y in ranks:
                        rank = ranks[y][0]
                if score is None and rank is None:
                    continue
                emit(unit, y, "total" if kind == "total" else label, score, rank, i)
        for y, (v, i) in ranks.items():
            if y not in done_total:
                emit(unit, y, "total", None, v, i)
        what = (f"one unit's figures by year ({unit}, named in the title): the components are rows, the years "
                f"columns")
    else:
        for i, label, values in rows:
            for y in year_list:
                score = values.get((y, "score"), values.get((y, "value")))
                rank = values.get((y, "rank"))
                if score is None and rank is None:
                    continue
                emit(label, y, "total", score, rank, i)
        what = "units as rows and years as columns"
    letters = ", ".join(f"{column_letters(c + 1)} {y}" for c, y in years[:4]) + (" …" if len(years) > 4 else "")
    note = (f"the table holds {what} ({letters}" + (", each a score and a rank" if pairs else "") + f"; header on row "
            f"{r + 1}): read as one row per " + ("component and year" if by_component else "unit and year")
            + ("; rank and score were split from cells such as '01 (0,727)'" if split else ""))
    width = max(len(_LONG_HEADER), cells.shape[1])
    title = cells.iloc[:r].reindex(columns=range(width))
    table = pd.DataFrame([_LONG_HEADER + [None] * (width - len(_LONG_HEADER))]
                         + [row + [None] * (width - len(row)) for row in out], dtype=object)
    new = pd.concat([title.reset_index(drop=True), table], ignore_index=True)
    new.columns = range(width)
    return Reshaped(sheet.name, new.astype(object), sheet.hidden, sheet.strays, sheet.formulas_without_value, None,
                    source_rows=source, note=note)


def _mostly_units(labels: list[str]) -> bool:
    from dx_metrics import units as unit_registry

    res = unit_registry.resolve_each(pd.Series(labels, dtype="string"))
    known = sum(1 for r in res if r is not None and r.status in ("matched", "ambiguous"))
    return known >= max(2, 0.6 * len(labels))


def excel_rows(sheet: Sheet, header, count: int) -> np.ndarray:
    """The Excel row of each of ``count`` data rows under ``header``: their own rows, or for a
    reshaped sheet the rows their figures come from."""
    if isinstance(sheet, Reshaped) and sheet.source_rows:
        return np.asarray(sheet.source_rows[:count], dtype=np.int64)
    return np.arange(count) + header.data_start + 1


def reshaped_note(sheet: Sheet) -> list[str]:
    return [sheet.note] if isinstance(sheet, Reshaped) and sheet.note else []


# --- reference rows whose label sits in another column ------------------------------------------

def reference_labels(body: pd.DataFrame, columns: dict[str, int], index: str | None) -> tuple[pd.DataFrame, str | None]:
    """Rows such as "Trung bình", "Điểm cao nhất", "Cả nước" whose label sits outside the unit
    column (PAR INDEX writes "Trung bình" across the rank and name columns, so its text is in
    the rank column): the label moved to the unit column, its own cell emptied, so that the
    row is read as a reference row (never ranked, never a unit). Returns (body, note or None)."""
    from dx_metrics.ingest import indexes
    from dx_metrics.ingest.vocabulary import lookup

    unit = columns.get("unit_name")
    if unit is None or body.empty:
        return body, None
    own = {fold(u) for u in indexes.catalogue()[index].benchmark_units} if index in indexes.catalogue() else set()
    moved = []
    out = None
    for i, row in enumerate(body.itertuples(index=False)):
        cells = list(row)
        if cell_text(cells[unit]) is not None:
            continue
        for c, v in enumerate(cells):
            if c == unit or not isinstance(v, str) or cell_text(v) is None:
                continue
            kind, _ = lookup("reference_row", pd.Series([v]))
            if pd.notna(kind.iloc[0]) or fold(v) in own:
                out = body.copy() if out is None else out
                out.iat[i, unit] = v
                out.iat[i, c] = None
                moved.append((i, c, cell_text(v)))
            break
    if not moved:
        return body, None
    said = ", ".join(f"'{t}' (column {column_letters(c + 1)})" for _, c, t in moved[:3])
    return out, (f"{len(moved)} reference row(s) have their label outside the unit column ({said}): read as "
                 "reference rows, not units")
