"""``read_export``: one spreadsheet export in, one canonical table out.

Steps: open the file whatever its real format; pick the sheet; find the header under the
title rows; read the period from the title rows (or the ``period`` argument); drop blank
rows and signature footers; take totals rows aside and check them; type every cell; run
the kind's rules; map unit names to the registry. Every problem is collected with the
file, sheet, Excel row and the header as written.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from dx_metrics import units as unit_registry
from dx_metrics.canonical import KINDS, PROVENANCE
from dx_metrics.errors import ERROR, WARNING, DxDataError, Problem
from dx_metrics.ingest import cache, rules
from dx_metrics.ingest import values as V
from dx_metrics.ingest import indexes, layouts
from dx_metrics.ingest.header import (ANY_INDEX, COMPONENT_PREFIX, ROW_NUMBER_HEADERS, SCAN_ROWS, column_specs,
                                      find_header, specs_for, with_article)
from dx_metrics.ingest.table import RawTable
from dx_metrics.ingest.vocabulary import footer_pattern
from dx_metrics.ingest.workbook import Sheet, open_sheets
from dx_metrics.periods import heading_year, normalize_period, parse_period, period_from_text
from dx_metrics.text import clean_label, code_points, fold, hidden_characters, lookalike_letters, shown_with_hidden

_TOTAL_WORDS = {"tong cong", "tong so", "cong", "tong", "total", "grand total", "tong cong toan tinh",
                "toan tinh", "toan bo", "tong toan tinh", "cong chung"}


def parse_export(path: str | Path, kind: str, *, sheet: str | None = None, period: str | None = None,
                 scope: str | None = None, index: str | None = None,
                 lines: np.ndarray | None = None) -> tuple[pd.DataFrame, list[Problem], dict]:
    """Read ``path`` as a ``kind`` table: (valid rows, every problem, origin details).
    ``scope`` is the unit the file reports for when its title rows do not say; ``index`` the
    index an index table holds (a catalogue id or name) when the file does not name it.
    ``lines``: for a CSV holding some lines of a larger log under its head (import-records),
    the line in that log of each row below the header, where its problems are said."""
    path = Path(path)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    if index is not None:
        if kind != "index_scores":
            raise ValueError(f"index= is for index_scores tables, not {kind}")
        index = indexes.resolve(index)
    chosen, header, index, index_how = _locate(path, kind, sheet, index)
    layouts.refuse_if_unreadable(chosen)
    specs = specs_for(kind, index)
    _refuse_header(path, chosen, header, kind, specs)
    if kind == "index_scores":
        layouts.refuse_unread_scores(path.name, chosen.name, chosen.cells, header, index)
    cells = chosen.cells
    title_lines = [" ".join(clean_label(v) for v in row if v is not None)
                   for row in cells.iloc[: header.row].itertuples(index=False)]
    titled = [(r + 1, v) for r, row in enumerate(cells.iloc[: header.row].itertuples(index=False))
              for v in row if isinstance(v, str) and v.strip()]
    body, layout, cut, block_years = cells.iloc[header.data_start:], [], None, None
    if kind == "index_scores":
        body, layout, cut, block_years = _index_layout(path, chosen, header, body, period=period, index=index)
        layout = layouts.reshaped_note(chosen) + layout
    raw = pd.DataFrame({name: body.iloc[:, pos] for name, pos in header.columns.items()}).reset_index(drop=True)
    if block_years is not None:      # tables stacked under headings of their own: each row its block's year
        raw["year"] = pd.Series(block_years, index=raw.index, dtype=object)
    not_published = None
    if kind == "index_scores":
        split = layouts.split_rank_and_score(raw)
        if split:
            layout.append(split)
        not_published = layouts.published_blanks(raw, [c for c in raw if c in ("score", "rank")
                                                       or c.startswith(COMPONENT_PREFIX)])
    excel_row = pd.Series(layouts.excel_rows(chosen, header, len(raw)) if lines is None
                          else np.asarray(lines, dtype=np.int64)[:len(raw)], index=raw.index)
    t = RawTable(file=path.name, sheet=chosen.name, kind=kind, specs=specs, headers=header.texts,
                 raw=raw, excel_row=excel_row, title_lines=title_lines, index=index,
                 year_hint=_year_hint(path, chosen, header) if kind == "index_scores" else None,
                 not_published=not_published, relined=lines is not None)
    title_cells = _checked_titles(t, titled)
    found_scope = _check_rows(t, body, chosen, header, title_lines, title_cells, period=period, scope=scope, cut=cut)
    out = _canonical(t, path, chosen)
    from dx_metrics.ingest.header import explain

    origin = {"file": path.name, "sheet": chosen.name, "period": _single(out.get("period")) or _single(out.get("year")),
              "header_row": header.row + 1, "rows": len(out), "index": index, "index_how": index_how, "layout": layout,
              "columns": [list(r) for r in explain(header, cells, kind)],
              "scope_id": found_scope.unit_id if found_scope else None,
              "scope_name": found_scope.name if found_scope else None,
              "scope_provisional": bool(found_scope and found_scope.provisional),
              "scope_free": bool(t.scope_free),
              # rows left out for errors: what a figure computed from this file does not count
              "rejected_rows": int((t.rejected & ~t.skipped).sum()),
              # [unit id or None, name] of each name the registry lacks (validate warns, units suggest drafts)
              "unregistered_units": t.unregistered,
              "provisional_units": sorted(set(out["unit_id"][out["unit_id"].map(
                  unit_registry.is_provisional, na_action="ignore").fillna(False).astype(bool)]))
              if "unit_id" in out else []}
    problems = sorted(t.problems, key=lambda p: (p.row is not None, p.row or 0))   # table-level first, then by row
    return out, problems, origin


def _checked_titles(t: RawTable, titled: list[tuple[int, str]]) -> list[str]:
    """The title cells that may name the file's issuing body, cleaned (``clean_label``). A
    cell with hidden characters is read without them, with a warning at its row; one with
    letters that only look Vietnamese (a Cyrillic "О" in "SỞ GIAО THÔNG VẬN TẢI") is an error
    at its row and is not used: it would become a provisional issuing body shown like the
    registered one."""
    out = []
    for row, text in titled:
        hidden = hidden_characters(text)
        if hidden:
            t.table_problem("hidden_characters", reason="lookalike_text", row=row, value=shown_with_hidden(text),
                            hint="remove_hidden", params={"chars": code_points(hidden),
                                                         "quoted": f'"{shown_with_hidden(text)}"'})
        lookalike = lookalike_letters(text)
        if lookalike:
            t.table_problem("lookalike_letters", reason="lookalike_text", severity=ERROR, row=row, value=text,
                            hint="retype_letters", params={"chars": code_points(lookalike), "quoted": f'"{text}"'})
            continue
        out.append(clean_label(text))
    return out


def _refuse_lookalikes(t: RawTable, column: str, names: pd.Series) -> pd.Series:
    """Unit names holding letters that only look Vietnamese (a Cyrillic "о" in "Phòng Kinh tế",
    a fullwidth "Ｐ", "Ð" for "Đ") are errors at their cells, each naming the characters by code
    point: such a name cannot be matched safely, and as a provisional unit it would be shown
    like the registered unit it imitates. Returns ``names`` without them (their rows are
    rejected). Hidden characters were removed when the cells were read (``RawTable.parse_columns``)."""
    found = {n: lookalike_letters(n) for n in pd.unique(names.dropna())}
    said = {n: code_points(chars) for n, chars in found.items() if chars}
    if not said:
        return names
    chars = names.map(said, na_action="ignore")
    for text in pd.unique(chars.dropna()):
        t.flag(chars.eq(text), column, "", reason="lookalike_text", hint="retype_letters",
               codes=pd.Series("lookalike_letters", index=names.index), params={"chars": text})
    return names.mask(chars.notna())


def _locate(path: Path, kind: str, sheet: str | None, index: str | None):
    """The sheet and header of the table, and for an index table its index and how it was
    told: (sheet, header, index, how)."""
    sheets = open_sheets(path, only=sheet)
    if kind == "index_scores":     # years across the header, or one unit named only in the title
        sheets = [layouts.years_across(path.name, s) or s for s in sheets]
    chosen, header = _choose_sheet(path, sheets, kind, sheet, index or (ANY_INDEX if kind == "index_scores" else None))
    index_how = "given" if index is not None else None
    if kind != "index_scores":
        return chosen, header, index, index_how
    if index is None:
        index, index_how = _which_index(path, chosen, header)
    scoped = find_header(chosen.cells, kind, index)       # again, with this index's own component names only
    if scoped is None:
        comps = ", ".join(c.name_vi for c in indexes.catalogue()[index].components.values()) if index else ""
        raise DxDataError([Problem(file=path.name, sheet=chosen.name, row=header.row + 1, reason="no_header",
                                   code="index_header_of_another" if index else "index_header_no_index", message="",
                                   hint_code="index_components_pass_index" if index else "pass_index_or_headers",
                                   params={"index": index or "", "components": comps})])
    scoped.note, scoped.hidden_notes = header.note, header.hidden_notes
    return chosen, scoped, index, index_how


def _refuse_header(path: Path, chosen: Sheet, header, kind: str, specs) -> None:
    """A header the table cannot be read by: required columns missing, columns two readings
    fit, an index table without units or figures, a unit summary that lists names."""
    def refuse(problems: list[Problem]) -> None:
        raise DxDataError(problems)

    def problem(code: str, reason: str, hint_code: str = "add_headers", **params) -> Problem:
        return Problem(file=path.name, sheet=chosen.name, row=header.row + 1, code=code, message="", reason=reason,
                       hint_code=hint_code, params=params)

    missing = [n for n, s in specs.items() if s.required and n not in header.columns
               and not (n == "unit_name" and kind == "dossiers" and "service_level" in header.columns)]
    if missing:
        expected = "; ".join(f"{n}: e.g. {_example(specs[n])}" for n in missing)
        expected_vi = "; ".join(f"{n}: ví dụ {_example(specs[n])}" for n in missing)
        refuse([problem("required_columns_not_found", "missing_column", "add_headers_named_otherwise",
                        expected=expected, expected_vi=expected_vi)])
    if kind == "dossiers" and "unit_name" not in header.columns:
        _no_unread_unit_column(path, chosen, header)
    if header.conflicts:
        refuse([problem("column_conflict", "duplicate_column", "rename_or_specific_alias", conflict=c)
                for c in header.conflicts])
    if kind != "index_scores":
        return
    if not {"unit_name", "unit_code"} & set(header.columns):
        refuse([problem("index_no_unit_column", "missing_column")])
    if not any(f in ("score", "rank") or f.startswith(COMPONENT_PREFIX) for f in header.columns):
        refuse([problem("index_no_score_column", "missing_column")])


def _index_layout(path: Path, chosen: Sheet, header, body: pd.DataFrame, *, period: str | None = None,
                  index: str | None = None):
    """An index table's body as one row per unit: tables stacked under headings of their own
    read block by block, each with its heading's year; else cut at a copy of the header below
    it (PCI's look-up block: another block, not more rows); sorted blocks re-paired by name.
    Returns (body, what was done, the cut's message or None, each row's block year or None).
    Elsewhere a repeated header is a row like any other (an error at its row), as a page header
    in a one-stop report would be."""
    layout: list[str] = []
    cut = None
    block_years = None
    stacked = None
    if "year" not in header.columns:
        titles = [" ".join(clean_label(v) for v in row if v is not None)
                  for row in chosen.cells.iloc[: header.row].itertuples(index=False)]
        stacked = layouts.year_blocks(body, list(chosen.cells.iloc[header.row]), first=_nearest_heading(titles),
                                      data_start=header.data_start)
    if stacked is not None:
        layouts.check_blocks(path.name, chosen.name, stacked,
                             period_year=parse_period(normalize_period(period)).year if period and
                             normalize_period(period) else None)
        body = body.copy()
        body.iloc[stacked.blank, :] = None
        block_years = stacked.years(len(body))
        layout.append(stacked.note)
    end = layouts.repeated_header(body, list(chosen.cells.iloc[header.row])) if stacked is None else None
    if end is not None:
        rows = [header.data_start + end + 1 + i for i, filled in enumerate(body.iloc[end:].notna().any(axis=1))
                if filled]
        cut = (f"the header is repeated on row {rows[0]}; the table ends above it, and {len(rows)} row(s) from "
               f"there on ({rows[0]}–{rows[-1]}) are not read")
        layout.append(cut)
        body = body.iloc[:end]
    body, moved = layouts.reference_labels(body, header.columns, index)
    if moved:
        layout.append(moved)
    named = set(header.columns.values()) | set(header.unmatched)
    blocks = layouts.pair_sorted_blocks(body, header.columns, named, file=path.name, sheet=chosen.name,
                                        header_row=header.row + 1,
                                        value_fields=[f for f in header.columns
                                                      if f in ("score", "rank") or f.startswith(COMPONENT_PREFIX)])
    if blocks is not None:
        body = blocks.body
        layout.append(blocks.note)
    return body, layout, cut, block_years


def _nearest_heading(title_lines: list[str]):
    """(Excel row, ``Heading``) of the title line nearest the header that says anything about a
    year, or (None, None)."""
    for r in range(len(title_lines) - 1, -1, -1):
        h = heading_year(title_lines[r])
        if h.says:
            return r + 1, h
    return None, None


def _check_rows(t: RawTable, body: pd.DataFrame, chosen: Sheet, header, title_lines: list[str],
                title_cells: list[str], *, period: str | None, scope: str | None, cut: str | None):
    """Blank rows, footers and totals rows aside; every cell typed; the kind's rules, keys and
    totals checked; periods filled; units resolved. Returns the scope found."""
    raw, excel_row = t.raw, t.excel_row
    keep = _drop_blank_and_footer(t, body, header.columns)
    totals = _totals_rows(t) & keep
    t.raw, t.excel_row = t.raw[keep & ~totals], t.excel_row[keep & ~totals]
    totals_raw, totals_rows = raw[totals], excel_row[totals]
    t.rejected = pd.Series(False, index=t.raw.index)
    t.skipped = pd.Series(False, index=t.raw.index)
    t.parse_columns()
    _sheet_findings(t, chosen, header)
    _skip_headings(t)
    _require_cells(t)
    if header.note:
        t.table_problem(header.note[0], reason="other_sheets", severity=WARNING, hint=header.note[1])
    if cut:
        t.table_problem(cut, reason="skipped_row", severity=WARNING, hint="header_copy_rows")
    _unused_columns(t, header)
    mode = rules.PERIOD_MODE[t.kind]
    if mode == "required":
        _fill_period(t, title_lines, period, header)
    elif mode == "year":
        _fill_year(t, title_lines, period, header)
    elif mode in ("as_of", "as_of_if_stated"):
        _fill_as_of(t, title_lines, period, header, required=mode == "as_of")
    rules.RULES[t.kind](t)
    _check_duplicates(t)
    if len(totals_raw):
        _check_totals(t, totals_raw, totals_rows)
    elif t.kind == "dossiers" and len(t.data) > 1:
        t.table_problem("no_totals_row", reason="totals_mismatch", severity=WARNING)
    found_scope = _map_units(t, title_cells, scope)
    if t.kind == "index_scores" and "unit_id" in t.data:   # units written as codes (ISO3, EL): the registry's names
        coded = t.data["unit_id"].notna() & (t.names_from_codes | t.data["unit_name"].str.fullmatch(r"[A-Z]{2,3}")
                                             .fillna(False).astype(bool))
        t.data["unit_name"] = unit_registry.unit_names(t.data["unit_id"]).where(coded, t.data["unit_name"])
    return found_scope


def _canonical(t: RawTable, path: Path, chosen: Sheet) -> pd.DataFrame:
    """The valid rows in the kind's canonical columns, with their provenance."""
    valid = t.data[~t.rejected & ~t.skipped]
    if len(valid) == 0 and not any(p.severity == ERROR for p in t.problems):
        t.table_problem("no_data_rows", reason="empty", severity=ERROR)
    valid = valid.assign(source_file=pd.Categorical([path.name] * len(valid)),
                         source_sheet=pd.Categorical([chosen.name] * len(valid)),
                         source_row=t.excel_row.reindex(valid.index).astype("Int64"))
    if t.kind in rules.FINALIZE:
        valid = rules.FINALIZE[t.kind](valid)
    out_cols = [c for c in rules.OUTPUT_COLUMNS[t.kind] if c in valid.columns] + PROVENANCE
    return valid[out_cols].reset_index(drop=True)


def guess_kind(path: str | Path, *, keep: bool = False) -> str | None:
    """The table kind whose header matches the file best (None if none does), from the first
    rows of each sheet only. ``keep``: the file is read whole and kept in memory (see
    ``workbook.open_sheets``), for a ``read_export`` of it that follows (``dx-metrics validate``
    without ``--kind``): one parse for both, the same answer; the answer is cached with the
    parsed tables (keyed by the file's content and the reader), so a file read before, whose
    table the cache serves, is not parsed for its kind either."""
    path = Path(path)
    key = None
    if keep and path.is_file() and cache.cache_dir() is not None:
        key = cache.cache_key(cache.file_sha256(path), "\0guessed kind", None, None)
        if (kept := cache.load_note(key)) in KINDS:
            return kept
    best, score = None, 0
    for sheet in open_sheets(path, nrows=SCAN_ROWS + 2, keep=keep):
        for kind in KINDS:
            h = find_header(sheet.cells, kind, ANY_INDEX if kind == "index_scores" else None)
            if h is not None and len(h.columns) > score:
                best, score = kind, len(h.columns)
    if key and best is not None:
        cache.store_note(key, best)
    return best


def _example(spec) -> str:
    return f"'{spec.example}'" if spec.example else spec.name


def _single(s: pd.Series | None) -> str | None:
    if s is None:
        return None
    u = pd.unique(s.dropna())
    return str(u[0]) if len(u) == 1 else None


def _no_unread_unit_column(path: Path, chosen: Sheet, header) -> None:
    """A summary by service level is the issuing unit's only when no column left unread holds
    names: "Phòng ban" beside "Mức độ" lists divisions, and crediting them all to the issuing
    unit would be wrong."""
    body = chosen.cells.iloc[header.data_start:]
    for pos, text in sorted(header.unmatched.items()):
        if fold(text) in ROW_NUMBER_HEADERS or pos >= body.shape[1]:
            continue
        if layouts.holds_names(body.iloc[:, pos]):
            raise DxDataError([Problem(file=path.name, sheet=chosen.name, row=header.row + 1, column=text,
                                       reason="missing_column", code="names_column_not_unit", message="",
                                       hint_code="alias_unit_name", params={"column": text})])


def _which_index(path: Path, chosen: Sheet, header) -> tuple[str | None, str]:
    """The index a table holds and how it was told: from the names in its title rows, header,
    sheet name and file name; else from a complete set of one index's components. (None, ...)
    when the table has an index column of its own; an error when it names several indexes,
    or none."""
    def texts(rows: pd.DataFrame) -> list[str]:
        return [clean_label(v) for row in rows.itertuples(index=False) for v in row if isinstance(v, str) and v.strip()]

    heads = texts(chosen.cells.iloc[header.row: header.row + header.depth])
    places = [*texts(chosen.cells.iloc[: header.row]), *heads, str(chosen.name or ""), path.stem]
    named = indexes.named_in(places)
    if len(named) == 1:
        iid = named.pop()
        said = next(t for t in places if iid in indexes.named_in([t]))
        return iid, f"named in '{said}'"
    if not named:
        by_parts = indexes.by_components(heads)
        if len(by_parts) == 1:
            iid = by_parts.pop()
            return iid, f"every component of {iid} is a column"
    if "index" in header.columns and not named:
        return None, "an index column"
    raise DxDataError([Problem(file=path.name, sheet=chosen.name, row=header.row + 1, reason="missing_column",
                               code="index_several_named" if named else "index_not_named", message="",
                               hint_code="pass_index", params={"names": ", ".join(sorted(named)),
                                                               "listing": indexes.listing()})])


_SINGLE_YEAR = re.compile(r"(?<![0-9A-Za-z])((?:19|20)\d\d)(?![0-9A-Za-z])")


def _year_hint(path: Path, chosen: Sheet, header) -> int | None:
    """A year an index table states in its sheet name ("2016_PAPI"), when the name holds
    exactly one year (the header's years are read apart: ``_header_years``). Not the file
    name: "bao_cao_T10_2025" holds a month's scores and a year-to-date's alike."""
    years = set(_SINGLE_YEAR.findall(str(chosen.name or "")))
    return int(years.pop()) if len(years) == 1 else None


def _choose_sheet(path, sheets: list[Sheet], kind: str, sheet: str | None, index: str | None = None):
    hidden_notes: list[tuple[str, str]] = []
    if sheet is not None:
        named = [s for s in sheets if s.name == sheet]
        if not named:
            import difflib

            from dx_metrics.text import fold

            names = ", ".join(f'"{s.name}"' for s in sheets)
            folded = {fold(s.name): s.name for s in sheets}
            close = difflib.get_close_matches(fold(sheet), list(folded), n=1, cutoff=0.5)
            params = {"sheet": sheet, "sheets": names, "meant": folded[close[0]] if close else None}
            raise DxDataError([Problem(file=path.name, code="no_such_sheet", reason="unreadable", message="",
                                       params=params, hint_code="sheet_meant" if close else None)])
        candidates = named
    else:
        # a hidden sheet is read only when named: what the analyst cannot see is not their table
        candidates = [s for s in sheets if not s.hidden]
        for s in sheets:
            if s.hidden and find_header(s.cells, kind, index) is not None:
                hidden_notes.append((f'sheet "{s.name}" is hidden and holds {with_article(kind)} table too; it was not read',
                                     f'pass sheet="{s.name}" (dx-metrics validate --sheet "{s.name}") to read it'))
    best = None
    also: list[str] = []      # other sheets that hold an equally good table
    for s in candidates:
        h = find_header(s.cells, kind, index)
        if h is None:
            continue
        if best is None or len(h.columns) > len(best[1].columns):
            best, also = (s, h), []
        elif len(h.columns) == len(best[1].columns):
            also.append(str(s.name))
    if best is not None and also:
        names = ", ".join(f'"{n}"' for n in also)
        best[1].note = (f'read sheet "{best[0].name}"; sheet(s) {names} hold a table of the same kind too',
                        "pass sheet=... (dx-metrics validate --sheet ...) to read another one")
    if best is not None:
        best[1].hidden_notes = hidden_notes
    if best is None:
        where = f'sheet "{sheet}"' if sheet else "any sheet"
        specs = column_specs()[kind]
        wanted = ", ".join(_example(s) for s in specs.values() if s.required) or "its columns"
        from dx_metrics.ingest.header import no_header_said

        stats = next((lines for s in candidates if (lines := layouts.statistics_page(s.cells))), None)
        if stats:
            raise DxDataError([Problem(file=path.name, sheet=sheet, reason="no_header",
                                       message=layouts.statistics_said(stats), hint_code="header_row_tables")])
        raise DxDataError([Problem(file=path.name, sheet=sheet, reason="no_header", code="no_header_row", message="",
                                   hint_code="check_kind_or_headers",
                                   params={"kind_en": with_article(kind), "kind": kind, "where": where,
                                           "where_vi": f'trang tính "{sheet}"' if sheet else "mọi trang tính",
                                           "wanted": wanted, "detail": no_header_said(candidates, kind, index)})]
                          + [Problem(file=path.name, message=m, reason="hidden_sheet", severity=WARNING, hint=h)
                             for m, h in hidden_notes])
    return best


def _drop_blank_and_footer(t: RawTable, body: pd.DataFrame, columns: dict[str, int]) -> pd.Series:
    """Rows to keep: not blank, not the footer below the table (``_footer``). ``columns``: the
    position in ``body`` of each column read."""
    blank = t.raw.notna().sum(axis=1) == 0
    return ~blank & ~_footer(t, body, columns)


FOOTER_CELLS = 4        # a footer row fills at most this many of the columns read
_FIGURE_TYPES = ("count", "number", "share", "date", "year", "deadline", "days", "fee")
_NUMBERED = re.compile(r"\d{1,6}\.?")


def _footer(t: RawTable, body: pd.DataFrame, columns: dict[str, int]) -> pd.Series:
    """True for the rows of the footer: from the first footer line (``vocabulary.footer_pattern``:
    "Người lập biểu", "KT. GIÁM ĐỐC", "Nơi nhận:", "Bạc Liêu, ngày 15 tháng 12 năm 2023" ...)
    below the last row that holds a figure, down to the end; in a table of figures, from the
    first empty row there. The signer's name under a count column ("Trần Văn Hùng") is then no
    bad count: a row of at most ``FOOTER_CELLS`` cells holding no figure (a number, a date, a
    text with a digit in a column of those types; a row number "12" under "STT"), below the
    last row that does, is no data row. A row that holds a figure (other than in its footer
    line) is data, whatever stands beside it: a data row with a bad count is still an error at
    its cell. Only the bottom of the table is looked at (windows growing from the last row), so
    a log of a million rows costs no more than a report of ten."""
    n = len(t.raw)
    footer = pd.Series(False, index=t.raw.index)
    if not n:
        return footer
    typed = [c for c in t.raw if t.specs[c].type in _FIGURE_TYPES]
    size = 64
    while True:
        lo = max(0, n - size)
        window = _footer_window(t, body, columns, typed, lo)
        data = np.flatnonzero(~window["footerish"].to_numpy())
        if len(data) or lo == 0:
            break
        size *= 8
    first = int(data[-1]) + 1 if len(data) else 0          # the footer can only start below the last data row
    below = window.iloc[first:]
    starts = np.flatnonzero(below["line"].to_numpy())
    if not len(starts) and first > 0 and any(t.specs[c].type in ("count", "number", "share") for c in t.raw):
        starts = np.flatnonzero(below["blank"].to_numpy())
    if len(starts):
        footer.iloc[lo + first + int(starts[0]):] = True
    return footer


def _footer_window(t: RawTable, body: pd.DataFrame, columns: dict[str, int], typed: list[str],
                   lo: int) -> pd.DataFrame:
    """For the rows from position ``lo`` down: blank; a footer line (a row of few cells, one of
    them a footer text); footer-like (blank, or few cells and no figure outside its footer
    texts)."""
    raw = t.raw.iloc[lo:]
    cells = body.iloc[lo:]
    filled = raw.notna().sum(axis=1).to_numpy()
    pattern = footer_pattern()
    is_line = cells.map(lambda v: isinstance(v, str) and bool(pattern.search(fold(v))), na_action="ignore")
    is_line = is_line.fillna(False).astype(bool).set_axis(raw.index)
    line_cells = {name: is_line.iloc[:, pos] for name, pos in columns.items() if pos < is_line.shape[1]}
    figure = np.zeros(len(raw), dtype=bool)
    for c in typed:
        held = raw[c].map(_holds_figure, na_action="ignore").fillna(False).astype(bool)
        if c in line_cells:
            held &= ~line_cells[c]
        figure |= held.to_numpy()
    for c in ("stt", "task_id"):        # a numbered row is a data row, whatever else it holds
        if c in raw:
            numbered = raw[c].map(lambda v: not isinstance(v, bool) and _NUMBERED.fullmatch(str(v).strip()) is not None,
                                  na_action="ignore")
            figure |= numbered.fillna(False).astype(bool).to_numpy()
    few = filled <= FOOTER_CELLS
    blank = filled == 0
    line = few & is_line.any(axis=1).to_numpy()
    return pd.DataFrame({"blank": blank, "line": line, "footerish": blank | (few & ~figure)}, index=raw.index)


def _holds_figure(value: object) -> bool:
    """A number, a date, or a text with a digit in it (a count written badly is still a figure)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        return any(ch.isdigit() for ch in value)
    return True


def _fold_unique(values: pd.Series) -> pd.Series:
    """``fold`` of each value, computed once per distinct value."""
    uniques = pd.unique(values.dropna())
    return values.map({u: fold(u) for u in uniques}).astype(object).fillna("")


def _totals_rows(t: RawTable) -> pd.Series:
    if t.kind not in rules.TOTALLED:
        return pd.Series(False, index=t.raw.index)
    texts = pd.Series("", index=t.raw.index)
    for c in ("stt", "unit_name", "service_level"):
        if c in t.raw:
            folded = _fold_unique(t.raw[c].where(t.raw[c].map(lambda v: isinstance(v, str))))
            texts = texts.where(texts != "", folded)
            hit = folded.map(lambda s: s in _TOTAL_WORDS or s.startswith("tong cong"))
            if hit.any():
                return hit
    return pd.Series(False, index=t.raw.index)


def _skip_headings(t: RawTable) -> None:
    """Rows with a name but no numbers at all (section headings) are skipped with a warning."""
    numeric = [c for c in t.data if t.specs[c].type in ("count", "number", "share")]
    if not numeric:
        return
    empty = t.data[numeric].isna().all(axis=1) & t.raw[numeric].isna().all(axis=1) & ~t.rejected
    if t.not_published is not None:       # "." where a score is not published: a unit without a score
        empty &= ~t.not_published.reindex(empty.index, fill_value=False)
    if empty.any():
        t.flag(empty, "unit_name" if "unit_name" in t.raw else None,
               "heading_row", reason="skipped_row", severity=WARNING)
        t.skipped = t.skipped | empty


def _address(address: str) -> tuple[int, int]:
    """("B", 4) of "B4" as (1-based row, 0-based column)."""
    letters = address.rstrip("0123456789")
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(address[len(letters):]), col - 1


def _sheet_findings(t: RawTable, sheet: Sheet, header) -> None:
    """What the workbook itself says about the cells read: hidden sheets with this kind of
    table, far stray cells left out, formulas saved without a result (read as blank), CSV
    lines with more fields than the header."""
    for message, hint in header.hidden_notes:
        t.table_problem(message, reason="hidden_sheet", severity=WARNING, hint=hint)
    if sheet.strays:
        t.table_problem("stray_cells", reason="stray_cell", severity=WARNING, hint="delete_strays",
                        params={"count": len(sheet.strays), "cells": ", ".join(sheet.strays[:5]),
                                "others": max(0, len(sheet.strays) - 5)})
    if sheet.formulas_without_value:
        by_row: dict[int, list[str]] = {}
        for address in sheet.formulas_without_value:
            row, _ = _address(address)
            by_row.setdefault(row, []).append(address)
        col_of = {pos: name for name, pos in header.columns.items()}
        data_rows = {int(r): idx for idx, r in t.excel_row.items()}
        for row, addresses in sorted(by_row.items()):
            columns = [col_of.get(_address(a)[1]) for a in addresses]
            message = (f"cell(s) {', '.join(addresses)} hold a formula saved without its result; dx_metrics reads "
                       f"saved values only, so the cell would read as blank")
            hint = "open the file in Excel and save it (Excel stores the results), or export values only"
            read = [a for a, c in zip(addresses, columns) if c]
            if row in data_rows and read:      # a formula in a column dx_metrics does not read loses nothing
                message = message.replace(", ".join(addresses), ", ".join(read), 1)
                mask = pd.Series(False, index=t.data.index)
                mask[data_rows[row]] = True
                t.flag(mask, next(c for c in columns if c), message, reason="formula_without_value", hint=hint)
    if sheet.widths is not None:
        width = max([*header.columns.values(), *header.unmatched], default=-1) + 1
        # each data row's place in the sheet (not its line in the log when ``lines`` renumbered them)
        at = header.data_start + t.excel_row.index.to_numpy() if t.relined else t.excel_row.to_numpy() - 1
        widths = pd.Series(sheet.widths).reindex(at).to_numpy()
        over = pd.Series(widths > width, index=t.excel_row.index)
        extra = pd.Series(sheet.cells.iloc[at, width:].notna().any(axis=1).to_numpy(),
                          index=t.excel_row.index) if sheet.cells.shape[1] > width else over & False
        t.flag(over & extra, None, "extra_fields", reason="extra_field", hint="quote_separator",
               params={"width": int(width)})


def _unused_columns(t: RawTable, header) -> None:
    """One warning naming the header cells dx_metrics did not recognise (nothing is dropped
    silently: a renamed "Trực tuyến" column would otherwise just be missing)."""
    # the row-number column every Vietnamese table has is read past without a word
    names = [text for _, text in sorted(header.unmatched.items()) if text and fold(text) not in ROW_NUMBER_HEADERS]
    if not names:
        return
    t.table_problem("unrecognised_columns", reason="unknown_value", severity=WARNING, row=header.row + 1,
                    hint="add_to_columns", params={"columns": ", ".join(f'"{n}"' for n in names[:8]),
                                                   "others": max(0, len(names) - 8),
                                                   "kind_en": with_article(t.kind), "kind": t.kind})


def _require_cells(t: RawTable) -> None:
    """A data row must fill every required column (a figure without its unit is useless). A
    cell written but unreadable ("31/02/2023") has its own problem; it is not called empty."""
    for name, spec in t.specs.items():
        if spec.required and name in t.data:
            written = t.raw[name].notna() if name in t.raw else False
            t.flag(t.data[name].isna() & ~t.skipped & ~written, name, "required_empty", reason="missing_column",
                   hint="fill_or_delete")


def _fill_period(t: RawTable, title_lines: list[str], period: str | None, header) -> None:
    if period is not None:
        p = _title_period(t, title_lines, period)
        t.data["period"] = pd.Series(p, index=t.data.index, dtype="string")
        return
    if "period" in t.data:
        norm = t.data["period"].map(lambda v: normalize_period(v) if pd.notna(v) else None)
        bad = t.data["period"].notna() & norm.isna()
        t.flag(bad, "period", "not_a_period", reason="no_period")
        found = norm.astype("string")
        if found.notna().all():
            t.data["period"] = found
            return
        t.data["period"] = found
    title_period = next((p for p in (period_from_text(line) for line in title_lines) if p), None)
    if title_period is not None:
        if "period" in t.data:
            t.data["period"] = t.data["period"].fillna(title_period)
        else:
            t.data["period"] = pd.Series(title_period, index=t.data.index, dtype="string")
        return
    if "period" in t.data and t.data["period"].notna().any():
        # a period column with some cells blank: those rows are the problem, not the file
        blank = t.data["period"].isna() & t.raw["period"].isna() & ~t.skipped
        t.flag(blank, "period", "period_empty", reason="no_period", hint="fill_period")
        return
    raise DxDataError([Problem(file=t.file, sheet=t.sheet, row=header.row + 1 if header.row else None,
                               reason="no_period", code="no_period_anywhere", message="",
                               hint_code="add_period_title")])


def _title_period(t: RawTable, title_lines: list[str], period: str | None) -> str | None:
    if period is not None:
        p = normalize_period(period)
        if p is None:
            raise ValueError(f"period={period!r} is not a period (expected e.g. 2023, 2023-Q3, 2023-07, 2019-01/2019-07)")
        return p
    return next((p for p in (period_from_text(line) for line in title_lines) if p), None)


def _header_years(t: RawTable, header) -> dict[int, str]:
    """Years written as words in the headers of score, rank and component columns ("PCI 2016",
    "Xếp hạng 2022"), each with one header stating it; not a year glued to letters
    ("Un-weighted2015PAPI" names a method)."""
    out: dict[int, str] = {}
    for name, text in header.texts.items():
        if name in ("score", "rank") or name.startswith(COMPONENT_PREFIX):
            for y in _SINGLE_YEAR.findall(text):
                out.setdefault(int(y), text)
    return out


def _fill_year(t: RawTable, title_lines: list[str], period: str | None, header) -> None:
    """Index tables: the year from a year column (or each stacked table's heading), else the
    period given, else the nearest heading that states one: the header cells ("PCI 2016"),
    then the title lines nearest the table first, then the sheet name. A span of years
    ("từ năm 2005 đến 2014") or several years in the nearest heading is not the table's year;
    statements that disagree (a title "Năm 2023" over "PCI 2022", "PCI 2023" beside "Xếp hạng
    2022") are refused, never settled by a guess."""
    stated = _header_years(t, header)
    if len(stated) > 1:
        said = ", ".join(f"'{text}'" for text in stated.values())
        raise DxDataError([Problem(file=t.file, sheet=t.sheet, row=header.row + 1, reason="inconsistent",
                                   code="headers_differ_in_year", message="", hint_code="one_year_at_a_time",
                                   params={"said": said})])

    def refuse(code: str, hint_code: str, row: int | None = header.row + 1, **params) -> None:
        raise DxDataError([Problem(file=t.file, sheet=t.sheet, row=row, reason="inconsistent", code=code, message="",
                                   hint_code=hint_code, params=params)])

    def set_year(label: str, said: str) -> None:
        p = parse_period(label)
        if stated and p.year not in stated:
            y, text = next(iter(stated.items()))
            refuse("period_given_not_header_year" if said == "period given" else "title_not_header_year",
                   "correct_title_or_header", year=p.year, header=text, stated=y)
        t.data["year"] = pd.Series(p.year, index=t.data.index, dtype="Int64")
        if p.months != 12:
            t.data["period"] = pd.Series(label, index=t.data.index, dtype="string")

    if period is not None and "year" not in t.headers and "year" in t.data:
        return                                    # stacked tables: checked against the period already
    if period is not None:
        set_year(_title_period(t, title_lines, period), "period given")
        return
    if "year" in t.data:
        t.flag(t.data["year"].isna() & t.raw["year"].isna(), "year", "year_empty", reason="no_period")
        return
    row, heading = _nearest_heading(title_lines)
    if heading is not None and heading.label:
        set_year(heading.label, "title")
        return
    if stated:
        y, text = next(iter(stated.items()))
        if heading is not None and heading.span and not heading.span[0] <= y <= heading.span[1]:
            refuse("header_year_outside_span", "correct_title_or_header", header=text, stated=y,
                   title=heading.text, at=row, span=str(heading))
        if heading is not None and heading.years and y not in heading.years:
            refuse("header_year_not_in_title", "correct_title_or_header", header=text, stated=y, title=heading.text,
                   at=row)
        if t.year_hint is not None and t.year_hint != y:
            refuse("sheet_not_header_year", "rename_sheet_or_header", sheet=t.sheet, year=t.year_hint, header=text,
                   stated=y)
        t.data["year"] = pd.Series(y, index=t.data.index, dtype="Int64")
        return
    if heading is not None:          # a span, or several years: the heading names no one year
        y = heading.span[1] if heading.span else heading.years[-1]
        raise DxDataError([Problem(file=t.file, sheet=t.sheet, row=row, reason="no_period",
                                   code="heading_span_no_year" if heading.span else "heading_years_no_year",
                                   message="", hint_code="heading_year",
                                   params={"title": heading.text, "span": str(heading), "year": y})])
    if t.year_hint is not None:
        t.data["year"] = pd.Series(t.year_hint, index=t.data.index, dtype="Int64")
        return
    named = _year_in_file_name(t.file)
    raise DxDataError([Problem(file=t.file, sheet=t.sheet, row=header.row + 1, reason="no_period",
                               code="no_year_file_name" if named else "no_year", message="",
                               hint_code="pass_named_period" if named else "pass_period",
                               params={"year": named or "2023"})])


def _year_in_file_name(name: str) -> str | None:
    """The one year a file name holds alone ("PCI_2005.xls", "egdi-2010.csv"), for a hint."""
    found = set(re.findall(r"(?<![0-9])((?:19|20)\d\d)(?![0-9])", Path(name).stem))
    return found.pop() if len(found) == 1 else None


_DATE_IN_TEXT = re.compile(r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*((?:19|20)\d{2})")


def _fill_as_of(t: RawTable, title_lines: list[str], period: str | None, header, *, required: bool = True) -> None:
    """Catalogue snapshots: the date of each row, else the last date in the title rows
    ("tính đến ngày 14/12/2022"), else the last day of the stated period."""
    if "as_of" in t.data and t.data["as_of"].notna().all():
        return
    when = None
    if period is None:
        for line in title_lines:
            for d, m, y in _DATE_IN_TEXT.findall(line):
                try:
                    when = pd.Timestamp(int(y), int(m), int(d))
                except ValueError:
                    continue
    if when is None:
        label = _title_period(t, title_lines, period)
        if label is not None:
            p = parse_period(label)
            when = pd.Timestamp(p.last_day)
    if when is None and not required:
        return
    if when is None:
        raise DxDataError([Problem(file=t.file, sheet=t.sheet, row=header.row + 1, reason="no_period",
                                   code="no_catalogue_date", message="", hint_code="add_date_title")])
    filled = pd.Series(when, index=t.data.index).astype("datetime64[us]")
    t.data["as_of"] = t.data["as_of"].fillna(filled) if "as_of" in t.data else filled


def _check_duplicates(t: RawTable) -> None:
    keys = [c for c in rules.KEYS.get(t.kind, []) if c in t.data]
    if not keys:
        return
    live = t.data[~t.rejected & ~t.skipped]
    # names match as the registry does (diacritics, case, spacing); ids and codes exactly
    k = live[keys].apply(lambda c: _fold_unique(c) if c.name in ("unit_name", "owner_unit") else c)
    dup = k.duplicated(keep="first")
    if dup.any():
        mask = pd.Series(False, index=t.data.index)
        mask[dup[dup].index] = True
        t.flag(mask, keys[0], "duplicate_row", reason="duplicate_key", hint="merge_rows",
               params={"keys": " + ".join(keys)})


def _check_totals(t: RawTable, totals_raw: pd.DataFrame, totals_rows: pd.Series) -> None:
    last = totals_raw.index[-1]
    for c in rules.TOTALLED.get(t.kind, []):
        if c not in totals_raw or c not in t.data:
            continue
        stated, err = V.parse_counts(totals_raw.loc[[last], c])
        if err.notna().any() or pd.isna(stated.iloc[0]):
            continue
        col = t.data[c][~t.skipped]
        if col.isna().any():
            continue  # a blank or unreadable cell above: the sum is unknown
        computed = int(col.sum())
        if int(stated.iloc[0]) != computed:
            t.table_problem("totals_differ", row=int(totals_rows[last]), column=c, value=int(stated.iloc[0]),
                            reason="totals_mismatch", severity=ERROR, hint="correct_totals",
                            params={"stated": f"{int(stated.iloc[0]):,}".replace(",", "."),
                                    "computed": f"{int(computed):,}".replace(",", ".")})


def _flag_unresolved(t: RawTable, column: str, names: pd.Series, res: pd.Series, status: pd.Series,
                     live: pd.Series, scope: unit_registry.Scope | None, ids: pd.Series) -> None:
    """Say, per row, which unit names were not resolved and why: ambiguous (an error naming
    the candidates), a division name without its issuing body, a provisional unit counted
    under the scope, or unknown (index tables: one warning for the table). The provisional and unknown ones
    (``units.unregistered``) are kept in ``t.unregistered`` as [unit id or None, name as written]."""
    def listed(r) -> str:
        shown = unit_registry.unit_names(pd.Series(r.candidates, dtype="string"))
        return "; ".join(f"{u} ({n})" for u, n in zip(r.candidates, shown))

    ambiguous = live & (status == "ambiguous")
    said = {id(r): f"fits several units: {listed(r)}" for r in {id(r): r for r in res[ambiguous]}.values()}
    t.flag(ambiguous, column, "", reason="ambiguous_unit", codes=res[ambiguous].map(lambda r: said[id(r)]).reindex(
        names.index), hint="full_unit_name")
    generic = live & (status == "generic")
    t.flag(generic, column, "", reason="unknown_unit", severity=WARNING, codes=pd.Series("generic_unit", index=names.index),
           hint="issuing_body_above")
    # the names a row of units.csv would settle: the same decision gives `units suggest` its drafts
    missing = live & status.map(unit_registry.unregistered).astype(bool)
    t.unregistered = [[None if pd.isna(u) else str(u), str(n)] for u, n in
                      pd.DataFrame({"u": ids[missing], "n": names[missing]}).drop_duplicates("n").itertuples(index=False)]
    if scope is not None:
        scope_label = f"{scope.name} ({scope.unit_id}{', provisional' if scope.provisional else ''})"
        provisional = missing & (status == "provisional")
        territory = unit_registry.kind_of(scope.unit_id) in ("province", "country")
        said = "provisional_in_territory" if territory else "provisional_unit"
        t.flag(provisional, column, "", reason="provisional_unit", severity=WARNING,
               codes=pd.Series(said, index=names.index), hint="add_to_units", params={"scope": scope_label})
    unknown = missing & (status != "provisional")
    if unknown.any() and t.kind == "index_scores":
        # index tables rank many peers (countries, other ministries) that no unit registry
        # lists: one warning for the table, not one per row
        unknown_names = list(pd.unique(names[unknown]))
        t.table_problem("unknown_units_kept", reason="unknown_unit", severity=WARNING, column="unit_name",
                        hint="add_units_reported", params={"count": len(unknown_names), "names": ", ".join(
                            map(str, unknown_names[:5])), "others": max(0, len(unknown_names) - 5)})
    elif unknown.any():
        t.flag(unknown, column, "", reason="unknown_unit", severity=WARNING,
               codes=pd.Series("unknown_unit", index=names.index), hint="add_to_units")


def _row_dates(d: pd.DataFrame) -> pd.Series | None:
    """The date each row speaks of (end of its period, its snapshot date, 31/12 of its year),
    so a name used before and after a reorganisation maps to the unit of that time."""
    if "period" in d and d["period"].notna().any():
        def end(p: object) -> object:
            try:
                q = parse_period(str(p))
            except ValueError:
                return pd.NaT
            return pd.Timestamp(q.last_day)
        return d["period"].map(end)
    if "as_of" in d:
        return d["as_of"]
    if "received_at" in d:
        return d["received_at"]
    if "year" in d:
        return d["year"].map(lambda y: pd.Timestamp(int(y), 12, 31) if pd.notna(y) else pd.NaT)
    return None


def _names_need_no_scope(names: pd.Series, dates: pd.Series | None) -> bool:
    """True when every name says whose unit it is and means one unit of the registry without
    any scope (provinces, ministries by name): such rows resolve the same in every scope, so
    one parse serves the plans of every unit (``read_export``'s cache)."""
    if names.empty:
        return False
    if not all(unit_registry.is_specific(n) for n in pd.unique(names)):
        return False
    plain = unit_registry.resolve_each(names, at=None if dates is None else dates.reindex(names.index), scope=None)
    return bool(plain.map(lambda r: r is not None and r.status == "matched").all())


def _map_units(t: RawTable, title_cells: list[str], scope_hint: str | None) -> unit_registry.Scope | None:
    """unit_id for every row, resolved in the file's scope (module docstring of units.py).
    Returns the scope found (None for index tables, which rank peers, not parts)."""
    if t.kind == "units":
        return None
    dates = _row_dates(t.data)
    at = dates.dropna().max() if dates is not None and dates.notna().any() else None
    column = "owner_unit" if t.kind == "tasks" else "unit_name"
    if t.kind == "tasks" and column in t.data:
        t.data["owner_name"] = t.data["owner_unit"]
    names = t.data["owner_name" if t.kind == "tasks" else "unit_name"] if column in t.data else None
    if names is not None:
        names = _refuse_lookalikes(t, column, names)
    scope, chain = None, []
    if t.kind != "index_scores":
        chain = unit_registry.title_scopes(title_cells, at=at, hint=scope_hint)
        distinct = [] if names is None else list(pd.unique(names.dropna()))
        scope = unit_registry.choose_scope(chain, distinct, at=at, hint=scope_hint)
        if scope is None and scope_hint is not None:
            name = unit_registry.unit_names(pd.Series([scope_hint])).iloc[0]
            scope = unit_registry.Scope(scope_hint, str(name), unit_registry.is_provisional(scope_hint))
    if names is None and t.kind == "dossiers":     # a summary by service level: the issuing unit's
        if scope is None:
            raise DxDataError([Problem(file=t.file, sheet=t.sheet, reason="missing_column",
                                       code="no_unit_column_or_title", message="",
                                       hint_code="add_issuing_unit_title")])
        t.data["unit_id"] = pd.Series(scope.unit_id, index=t.data.index, dtype="string")
        t.data["unit_name"] = pd.Series(scope.name, index=t.data.index, dtype="string")
        return scope
    if names is None:
        return scope
    scope_id = scope.unit_id if scope else None
    live = names.notna() & ~t.rejected & ~t.skipped
    if "reference" in t.data:         # "Điểm cao nhất", "EU27": figures to compare with, not units
        live &= t.data["reference"].isna()
        names = names.where(t.data["reference"].isna())
    res = unit_registry.resolve_each(names, at=dates, scope=scope_id)
    status = res.map(lambda r: r.status if r is not None else None).astype(object)
    if t.kind == "index_scores":      # a ranked peer with a generic-looking name ("Bộ, ngành 09") is just unknown
        status = status.where(status != "generic", "unknown")
    ids = res.map(lambda r: r.unit_id if r is not None else None).astype("string")
    if "unit_id" in t.data and t.kind != "tasks":
        given = t.data["unit_id"]
        ids = given.fillna(ids)
        status = status.where(given.isna(), "matched")
    if "unit_code" in t.data:  # published codes (ISO3, portal codes) identify units the registry lacks
        ids = ids.fillna(t.data["unit_code"].astype("string"))
        status = status.where(ids.isna() | (status != "unknown"), "matched")

    _flag_unresolved(t, column, names, res, status, live, scope, ids)
    t.scope_free = (t.kind != "index_scores" and not unit_registry.names_an_issuer(title_cells)
                    and _names_need_no_scope(names[live], dates))
    if t.kind == "tasks":
        t.data["owner_unit"] = ids.fillna(t.data["owner_name"]).astype("string")
    else:   # a name that resolves to no unit is kept as written, marked with "?"
        t.data["unit_id"] = ids.fillna("?" + names.astype("string"))
    return scope
