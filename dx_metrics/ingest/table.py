"""A sheet being read: its cells under the header, typed columns, and the problems found.

The reader fills a ``RawTable`` and the kind's rules (``rules.py``) add checks and derived
columns to it. Every problem points at the Excel row and the header as written.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dx_metrics.errors import ERROR, WARNING, Problem, coded
from dx_metrics.ingest import values as V
from dx_metrics.ingest.header import ColumnSpec
from dx_metrics.text import code_points, shown_with_hidden

_PARSERS = {"count": V.parse_counts, "share": V.parse_shares, "number": V.parse_numbers,
            "date": V.parse_dates, "year": V.parse_years, "flag": V.parse_flags, "deadline": V.parse_deadlines,
            "fee": V.parse_fees, "days": V.parse_day_counts}
_REASONS = {"count": "not_a_count", "date": "not_a_date", "deadline": "not_a_date", "flag": "unknown_value"}


@dataclass
class RawTable:
    file: str
    sheet: str | None
    kind: str
    specs: dict[str, ColumnSpec]
    headers: dict[str, str]          # canonical -> header text as written
    raw: pd.DataFrame                # raw cells of data rows, canonical column names
    excel_row: pd.Series             # 1-based Excel row of each data row
    title_lines: list[str] = field(default_factory=list)       # text above the header
    data: pd.DataFrame = field(default_factory=pd.DataFrame)   # typed columns
    problems: list[Problem] = field(default_factory=list)
    rejected: pd.Series | None = None   # True where a row has an error
    skipped: pd.Series | None = None    # True where a row is not data (a heading)
    index: str | None = None            # index tables: the catalogue id of the index held
    year_hint: int | None = None        # index tables: a year the sheet name or score header states
    names_from_codes: bool = False      # index tables of codes only (ISO3): names come from the registry
    scope_free: bool = False            # no title scope and every unit named whose it is: any scope reads the same
    unregistered: list = field(default_factory=list)   # [unit id or None, name] the registry lacks (units.unregistered)
    not_published: pd.Series | None = None   # rows whose score reads "." or "n/a": no score, not a heading
    relined: bool = False               # excel_row holds each row's line in a larger log, not its row here

    def __post_init__(self) -> None:
        if self.rejected is None:
            self.rejected = pd.Series(False, index=self.raw.index)
        if self.skipped is None:
            self.skipped = pd.Series(False, index=self.raw.index)

    def header(self, column: str) -> str:
        return self.headers.get(column, column)

    def flag(self, mask: pd.Series, column: str | None, code: str, *, reason: str,
             severity: str = ERROR, hint: str | None = None, values: pd.Series | None = None,
             codes: pd.Series | None = None, params: dict | None = None) -> None:
        """Record a problem for every row where ``mask`` holds; errors reject the row. ``code``
        (or, row by row, ``codes``) names what is wrong in ``problems.yaml``, with ``params``;
        a row's problem from ``codes`` starts with the cell's value ('"abc" is not a count').

        More than ``GROUP_AT`` rows with the same code become one problem naming how many rows
        and which ("rows 5–1.048.577"), at the first of them: a column of a million bad cells
        is one line to read, and every one of those rows is still rejected."""
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        if severity == ERROR:
            self.rejected = self.rejected | mask
        if values is None and column is not None and column in self.raw:
            values = self.raw[column]
        hits = mask[mask].index
        texts = codes.reindex(hits) if codes is not None else pd.Series(code, index=hits)
        counts = texts.value_counts()
        grouped = set(counts[counts > GROUP_AT].index)
        done: set[str] = set()
        hint_code, hint = coded(hint, "hints")
        where = {"file": self.file, "sheet": self.sheet, "column": self.header(column) if column else None,
                 "severity": severity, "reason": reason, "hint": hint, "hint_code": hint_code}
        for idx in hits:
            msg = texts.at[idx]
            if msg in grouped:
                if msg in done:
                    continue
                done.add(msg)
                rows = self.excel_row[texts.index[texts == msg]].to_numpy()
                ranges, more = _row_ranges(rows)
                code_, text = coded(msg)
                if code_ is None:    # a message as written
                    text += f" — {_thousands(len(rows))} rows: {ranges}" + (f" … +{more} more" if more else "")
                self.problems.append(Problem(**where, row=int(rows[0]), value=None, code=code_, message=text, params={
                    **(params or {}), "rows": _thousands(len(rows)), "ranges": ranges, "more": more}))
                continue
            value = values.at[idx] if values is not None else None
            if isinstance(value, str):      # what a problem shows of a cell: hidden characters by code point
                value = shown_with_hidden(value)
            if isinstance(value, (np.integer, np.floating)):
                value = value.item()
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if value is pd.NA or (isinstance(value, float) and np.isnan(value)):
                value = None
            quoted = _quote(value) if value is not None and codes is not None else None
            code_, text = coded(msg)
            if code_ is None and quoted is not None:
                text = f"{quoted} {text}"
            self.problems.append(Problem(**where, row=int(self.excel_row.at[idx]), value=value, code=code_,
                                         message=text, params={**(params or {}), "quoted": quoted}))

    def table_problem(self, code: str, *, reason: str, severity: str = WARNING,
                      hint: str | None = None, row: int | None = None, column: str | None = None,
                      value: object = None, params: dict | None = None) -> None:
        """One problem about the table as a whole: ``code`` in ``problems.yaml`` with ``params``
        (or a message as written)."""
        code_, text = coded(code)
        hint_code, hint = coded(hint, "hints")
        self.problems.append(Problem(file=self.file, sheet=self.sheet, row=row,
                                     column=self.header(column) if column else None, value=value,
                                     message=text, code=code_, params=params or {}, severity=severity, reason=reason,
                                     hint=hint, hint_code=hint_code))

    def parse_columns(self) -> None:
        """Type every mapped column; each unparseable cell becomes an error."""
        out = {}
        for name in self.raw.columns:
            spec = self.specs[name]
            parser = _PARSERS.get(spec.type)
            if parser is None:
                out[name] = V.parse_text(self.raw[name])
                self._flag_hidden(name)
                continue
            parsed, errors = parser(self.raw[name])
            out[name] = parsed
            bad = errors.notna()
            if bad.any():
                reason = _REASONS.get(spec.type, "not_a_number")
                if spec.type == "share":
                    reason = "out_of_range" if errors[bad].eq("not_a_share").all() else "not_a_number"
                # the number-format hint helps only where the cell looks like a number
                numeric = self.raw[name].map(lambda v: isinstance(v, str) and any(ch.isdigit() for ch in v))
                self.flag(bad & numeric, name, "", reason=reason, codes=errors, hint=_HINTS.get(spec.type))
                self.flag(bad & ~numeric, name, "", reason=reason, codes=errors)
        self.data = pd.DataFrame(out, index=self.raw.index)


    def _flag_hidden(self, column: str) -> None:
        """A warning at each text cell that held hidden characters (``text.HIDDEN_RANGES``:
        zero-width, bidi controls, control characters): it was read without them (a name then
        matches the registered unit it looks like), and the message names them by code point."""
        found = V.hidden_in(self.raw[column])
        hit = found.notna()
        if not hit.any():
            return
        said = found[hit].map(code_points)
        shown = self.raw[column].where(~hit, self.raw[column][hit].map(shown_with_hidden))
        for chars in pd.unique(said):
            mask = pd.Series(False, index=self.raw.index)
            mask[said.index[said == chars]] = True
            self.flag(mask, column, "", reason="lookalike_text", severity=WARNING, hint="remove_hidden",
                      codes=pd.Series("hidden_characters", index=self.raw.index), values=shown,
                      params={"chars": chars})


GROUP_AT = 50   # identical problems on more rows than this are listed as one


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _row_ranges(rows, *, limit: int = 4) -> tuple[str, int]:
    """Excel rows as ranges, "5–9, 12, 20–1.048.577" (the first ``limit`` ranges), and how
    many ranges more."""
    runs: list[tuple[int, int]] = []
    for r in sorted(int(x) for x in rows):
        if runs and r == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], r)
        else:
            runs.append((r, r))
    text = ", ".join(_thousands(a) if a == b else f"{_thousands(a)}–{_thousands(b)}" for a, b in runs[:limit])
    return text, max(0, len(runs) - limit)


def _quote(value: object) -> str:
    """A cell's value for a message; hidden characters shown by code point ('"10⟨U+200B⟩" is
    not a count', not a puzzling '"10" is not a count')."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f'"{shown_with_hidden(value)}"' if isinstance(value, str) else str(value)


_HINTS = {"count": "thousands_dot", "share": "write_share", "date": "day_first", "number": "decimal_comma",
          "deadline": "write_deadline", "flag": "known_marks"}     # hint codes of problems.yaml
# (a fee's and a day count's messages say what is expected: no hint beside them)
