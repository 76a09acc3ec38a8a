"""The DuckDB path of ``dx-metrics import-records`` for a CSV log: the records converted at
scan speed, the few it cannot convert read by the reader as before.

The head (title rows, header aliases, delimiter, encoding) is read by the reader, as every
import reads it (``convert._split``). DuckDB then reads the body with the header's column
positions, every field as text, and converts it in SQL by the reader's own rules: text cleaned
as ``values.parse_text`` cleans it, dates day first in the formats ``values.parse_dates`` reads
first, channels and ticks through the vocabulary, unit names through a table of their
resolutions in the file's scope (each distinct name resolved by ``units`` once, or once per
stretch of days where a unit bearing it starts or ends), the dates' window and order, each
dossier code once. The records passing every rule are written as the dataset's Parquet parts
(year and month received).

A record breaking any rule is not guessed at: those records (usually few) are read by the
reader in a second pass, on a CSV holding the head and those lines, each numbered as its line
in the log (``parse_export(lines=...)``), so their problems are said as a chunked import says
them. Some records the SQL converted go with them: one per unit name and the one received last
(the reader then chooses the same scope), the last one (a footer below it is found as in the
whole log) and a sample; the reader must read each of them as the SQL did, else the file is
imported the old way. So is a file with a feature the scan leaves to the reader: an encoding
other than UTF-8, a byte UTF-8 lacks, a record over several lines, a blank line inside the
records, a NUL byte, a quote beside a space, a line beyond the reader's limits, more fields
than the header and a few, a unit_id column, rejects past ``most_rejects``.

Differences from the chunked reading, for logs larger than a chunk only: the scope is chosen
once for the whole log (not per chunk), a dossier code repeated in the log is an error at its
later line in any chunk (not a refusal of the import by the dataset's check), and more than
``table.GROUP_AT`` records with the same problem are one problem across the whole log.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dx_metrics import settings
from dx_metrics import units as unit_registry
from dx_metrics.canonical import OUTPUT_COLUMNS
from dx_metrics.errors import DxDataError, Problem
from dx_metrics.ingest import values as V
from dx_metrics.ingest.dataset import KIND, RECORD_DATE_COLUMNS, duckdb_config, record_dates
from dx_metrics.ingest.reader import parse_export
from dx_metrics.ingest.vocabulary import lookup
from dx_metrics.text import HIDDEN_RE2, clean_label, lookalike_letters

EXTRA_FIELDS = 4            # fields a line may hold past the header's before the scan leaves the file
LONGEST_LINE = 100_000      # bytes in a line past which the reader's limits decide (a field past 131.072 characters)
MOST_NAMES = 100_000        # distinct unit names, channels, unread dates the scan maps in Python
FEW_VALUES = 20_000         # distinct values of a text column cleaned in Python rather than in SQL
SAMPLE = 200                # converted records the reader reads again, as a check
FLUSH_ROWS = 32_768         # rows of a year-month part held before they are written
MEMORY = "512MB"            # DuckDB's memory for an import, unless DX_METRICS_DUCKDB_MEMORY says
_SPACE = V._SPACE_RUN[:-1]                  # one white-space character, as parse_text reads it
_MISSING = f"{_SPACE}*[-–—]?{_SPACE}*"      # what values._is_missing reads as empty
# the formats values.parse_dates tries first, as regular expressions of the strings each reads
# (day 1-2 digits, month 1-2, year 4; hours, minutes, seconds 1-2): a date written otherwise (an
# Excel day number, a tab between date and time) is left to the reader
_D, _Y, _T = r"\d{1,2}", r"\d{4}", r"\d{1,2}"
DATE_FORMATS = ((f"{_D}/{_D}/{_Y}", "%d/%m/%Y"), (f"{_D}/{_D}/{_Y} {_T}:{_T}", "%d/%m/%Y %H:%M"),
                (f"{_D}/{_D}/{_Y} {_T}:{_T}:{_T}", "%d/%m/%Y %H:%M:%S"), (f"{_D}-{_D}-{_Y}", "%d-%m-%Y"),
                (f"{_Y}-{_D}-{_D}", "%Y-%m-%d"), (f"{_Y}-{_D}-{_D} {_T}:{_T}:{_T}", "%Y-%m-%d %H:%M:%S"),
                (rf"{_D}\.{_D}\.{_Y}", "%d.%m.%Y"))
TEXT_COLUMNS = ("dossier_id", "procedure_id", "procedure_name", "status", "applicant", "received_by")
FLAG_COLUMNS = ("digitized", "paid_online")


@dataclass
class Scanned:
    """What the scan did: records read and written to the staging folder, and the reader's
    tables of the records it left (valid rows, problems, records left out), as ``_tables``."""

    read: int
    written: int
    tables: list[tuple[pd.DataFrame, list[Problem], int]]


def scan(path: Path, head, sha: str, staging: Path, *, scope: str | None, most_rejects: int,
         work: Path) -> Scanned | None:
    """Convert the CSV log ``path`` (its ``head`` read by ``convert._split``) into Parquet parts in
    ``staging``; None, with ``staging`` left empty, when the file is to be read the old way.
    ``work``: a folder for the scan's own files."""
    header = head.header
    if head.encoding not in ("utf-8-sig", "utf-8") or "unit_id" in header.columns:
        return None
    if any(c and ("\n" in c or "\r" in c) for row in head.prefix for c in row):
        return None
    data_start = len(head.prefix)
    lines = _plain_lines(path, head.delimiter)
    if lines is None:
        return None
    width = max([*header.columns.values(), *header.unmatched], default=-1) + 1
    fields = max([width, *map(len, head.prefix)]) + EXTRA_FIELDS
    import duckdb

    config = duckdb_config(capped=True)
    if not settings.value("DX_METRICS_DUCKDB_MEMORY"):
        config["memory_limit"] = MEMORY
    con = duckdb.connect(config=config)
    try:
        con.execute("SET enable_progress_bar = false")        # nothing on the user's terminal
        # a partition's rows are written out every FLUSH_ROWS: with two dozen months open at once,
        # DuckDB's default (half a million rows each) spills past the memory cap, three times slower
        con.execute(f"SET partitioned_write_flush_threshold = {FLUSH_ROWS}")
        return _scan(con, path, head, sha, staging, scope=scope, most_rejects=most_rejects, work=work,
                     data_start=data_start, lines=lines, width=width, fields=fields)
    except (duckdb.Error, _Leave):
        _empty(staging)
        return None
    finally:
        con.close()


class _Leave(Exception):
    """The file is to be read the old way."""


def _empty(folder: Path) -> None:
    for p in folder.iterdir():
        shutil.rmtree(p) if p.is_dir() else p.unlink()


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _scan(con, path: Path, head, sha: str, staging: Path, *, scope: str | None, most_rejects: int, work: Path,
          data_start: int, lines: int, width: int, fields: int) -> Scanned:
    header = head.header
    col = {name: f"c{pos}" for name, pos in header.columns.items()}
    body = work / "body.parquet"
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(fields)) + "}"
    con.execute(f"""COPY (SELECT * FROM read_csv({_quoted(str(path))}, delim = {_quoted(head.delimiter)},
                    quote = '"', escape = '"', header = false, skip = {data_start}, columns = {columns},
                    null_padding = true, auto_detect = false, strict_mode = true, max_line_size = {LONGEST_LINE}))
                    TO {_quoted(str(body))} (FORMAT parquet)""")
    con.execute(f"CREATE VIEW body AS SELECT file_row_number + {data_start + 1} AS line, * EXCLUDE (file_row_number) "
                f"FROM read_parquet({_quoted(str(body))}, file_row_number = true)")
    received = _date(col["received_at"])
    n, last, unread = con.execute(
        f"SELECT count(*), max({received}), array_agg(DISTINCT {col['received_at']}) "
        f"FILTER (WHERE {received} IS NULL AND NOT {_missing(col['received_at'])}) FROM body").fetchall()[0]
    if n != lines - data_start:
        raise _Leave                     # a blank line, or a record over several lines
    # the reader's scope: the title's bodies, the distinct names, the date received last (of
    # the dates the SQL did not read, the reader reads some: an Excel day number)
    if unread:
        parsed, _ = V.parse_dates(pd.Series(unread, dtype=object))
        last = max([d for d in [last, parsed.max()] if pd.notna(d)], default=None)
    at = pd.Timestamp(last) if last is not None else None
    names = _names(_distinct(con, col["unit_name"]))
    chosen = _scope(head, names, at=at, hint=scope)
    scope_id = chosen.unit_id if chosen else None
    con.register("unit_map", _unit_map(names, scope_id))
    con.register("channel_map", _channel_map(_distinct(con, col["channel"])))
    for c in FLAG_COLUMNS:
        if c in col:
            con.register(f"{c}_map", _flag_map(_distinct(con, col[c])))
    mapped = set()
    for c in TEXT_COLUMNS:          # a column of a few values is cleaned in Python, value by value
        values = _distinct(con, col[c], most=FEW_VALUES, leave=False) if c in col else None
        if values is not None:
            con.register(f"{c}_map", _text_map(values))
            mapped.add(c)
    out = [c for c in OUTPUT_COLUMNS[KIND] if c in col or c == "unit_id"] + ["source_file", "source_sheet",
                                                                               "source_row"]
    _convert(con, col, width=width, fields=fields, parts=staging, pattern=f"{path.stem}-{sha[:8]}-s{{i}}",
             file=path.name, mapped=mapped, out=out)
    good, bad = staging / "ok=true", staging / "ok=false"

    def parts(folder: Path, columns: str = "*") -> str:
        return f"SELECT {columns} FROM read_parquet({_quoted(str(folder / '**' / '*.parquet'))})"
    con.execute("CREATE VIEW rejects AS " + (parts(bad, "source_row") if bad.exists()
                                             else "SELECT 0 AS source_row WHERE false"))
    rejects = con.execute("SELECT count(*) FROM rejects").fetchall()[0][0]
    if rejects > most_rejects:
        raise _Leave
    # the second pass: the records left, with converted ones the reader must read alike
    checked, written, expected = [], 0, pd.DataFrame(columns=out)
    if good.exists():
        con.execute("CREATE VIEW conv AS " + parts(good))
        written = con.execute("SELECT count(*) FROM conv").fetchall()[0][0]
        checked = [r for (r,) in con.execute(f"""
            SELECT DISTINCT line FROM (
                SELECT min(source_row) AS line FROM conv GROUP BY unit_name
                UNION ALL SELECT arg_max(source_row, received_at) FROM conv
                UNION ALL SELECT max(source_row) FROM conv
                UNION ALL SELECT source_row FROM conv WHERE source_row % {max(1, written // SAMPLE)} = 0)
            WHERE line IS NOT NULL""").fetchall()]
    con.register("wanted", pd.DataFrame({"line": np.array(checked, dtype=np.int64)}))
    again = con.execute("""SELECT * FROM body WHERE line IN (SELECT line FROM wanted)
                           OR line IN (SELECT source_row FROM rejects) ORDER BY line""").fetchall()
    if checked:
        expected = con.execute(f"SELECT {', '.join(out)} FROM conv WHERE source_row IN (SELECT line FROM wanted) "
                               f"ORDER BY source_row").df()
    shutil.rmtree(bad, ignore_errors=True)
    if good.exists():
        for year in good.iterdir():          # the parts in the layout of the dataset: year=/month=/
            os.replace(year, staging / year.name)
        good.rmdir()
    tables = _second_pass(path, head, again, expected, set(checked), scope=scope, scope_id=scope_id, work=work)
    return Scanned(read=int(n), written=int(written), tables=tables)


def _plain_lines(path: Path, delimiter: str) -> int | None:
    """The lines of the file (blank lines at its end not counted), or None when a byte DuckDB and
    Python's csv may read apart is in it: a NUL, a carriage return alone, a quote beside a space
    (or beside a tab where the tab does not separate fields). A pair of bytes across two chunks
    is looked at with the last byte of the one before."""
    spaces = [32] if delimiter == "\t" else [32, 9]
    newlines, last, tail = 0, -1, b""
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            if b"\x00" in chunk or (last == 13 and chunk[0] != 10) or \
                    (last == 34 and chunk[0] in spaces) or (last in spaces and chunk[0] == 34):
                return None
            newlines += chunk.count(b"\n")
            a = np.frombuffer(chunk, dtype=np.uint8)
            if b"\r" in chunk:
                returns = np.flatnonzero(a[:-1] == 13)
                if (a[returns + 1] != 10).any():
                    return None
            if b'"' in chunk:
                quotes = np.flatnonzero(a == 34)
                near = np.concatenate([a[quotes[quotes > 0] - 1], a[quotes[quotes < len(a) - 1] + 1]])
                if np.isin(near, spaces).any():
                    return None
            last = chunk[-1]
            tail = chunk[-(1 << 16):] if len(chunk) >= 1 << 16 else (tail + chunk)[-(1 << 16):]
    if not tail or tail.endswith(b"\r"):
        return None if tail else 0
    if not tail.endswith(b"\n"):
        return newlines + 1
    ending = len(tail) - len(tail.rstrip(b"\r\n"))
    return newlines - (tail[len(tail) - ending:].count(b"\n") - 1)


def _missing(c: str) -> str:
    return f"({c} IS NULL OR regexp_full_match({c}, {_quoted(_MISSING)}))"


def _date(c: str) -> str:
    """A date or timestamp field as ``values.parse_dates`` reads it, NULL when it is not written
    in one of ``DATE_FORMATS`` (or is no date: 31/02/2023). A string of one format's shape is
    parsed by that format, which DuckDB's strptime reads whole; the shapes of a date alone are
    at most 10 characters long, those with a time at least 12."""
    t = f"trim({c})"

    def cases(timed: bool) -> str:
        return " ".join(f"WHEN regexp_full_match({t}, {_quoted(rx)}) THEN try_strptime({t}, {_quoted(fmt)})"
                        for rx, fmt in DATE_FORMATS if (":" in fmt) == timed)
    return f"(CASE WHEN strlen({t}) <= 10 THEN (CASE {cases(False)} END) ELSE (CASE {cases(True)} END) END)"


ASCII_WORDS = "[!-~]+( [!-~]+)*"     # printable ASCII words between single spaces: clean as written


def _clean(c: str, plain: str) -> str:
    """A text field as ``values.parse_text`` cleans it: ``plain`` (``ASCII_WORDS``) as written;
    others without hidden characters, NFC, white space runs made one space, trimmed."""
    shown = f"regexp_replace({c}, {_quoted(HIDDEN_RE2)}, '', 'g')"
    t = f"trim(regexp_replace(nfc_normalize({shown}), {_quoted(V._SPACE_RUN)}, ' ', 'g'))"
    return (f"(CASE WHEN {plain} THEN nullif({c}, '-') "
            f"ELSE (CASE WHEN {t} IN ('', '-', '–', '—') THEN NULL ELSE {t} END) END)")


def _hidden(c: str, plain: str) -> str:
    """Whether a field holds hidden characters (``text.HIDDEN_RANGES``; none in ``plain`` ones)."""
    return f"(CASE WHEN {plain} THEN false ELSE coalesce(regexp_matches({c}, {_quoted(HIDDEN_RE2)}), false) END)"


def _distinct(con, c: str, where: str = "true", *, most: int = MOST_NAMES, leave: bool = True) -> list | None:
    """The distinct values of field ``c``; past ``most`` of them, None (or ``_Leave``)."""
    rows = con.execute(f"SELECT DISTINCT {c} FROM body WHERE {where} LIMIT {most + 1}").fetchall()
    if len(rows) > most:
        if leave:
            raise _Leave
        return None
    return [r for (r,) in rows]


def _cleaned(raws: list) -> tuple[pd.Series, pd.Series]:
    """(each field as parse_text cleans it, whether it held hidden characters), by position."""
    s = pd.Series(raws, dtype=object).where(pd.notna(pd.Series(raws, dtype=object)), None)
    blank = s.map(lambda v: v is None or not v or v.isspace())        # workbook._blank_to_none
    s = s.where(~blank, None)
    return V.parse_text(s), V.hidden_in(s).notna()


@dataclass
class _Name:
    raw: str
    name: object           # as the reader cleans it (NA when empty or with look-alike letters)
    plain: bool            # no hidden characters, no look-alike letters


def _names(raws: list) -> list[_Name]:
    cleaned, hidden = _cleaned(raws)
    out = []
    for raw, name, h in zip(raws, cleaned, hidden):
        if raw is None:
            continue
        alike = pd.notna(name) and bool(lookalike_letters(name))
        out.append(_Name(raw, pd.NA if alike else name, not h and not alike))
    return out


def _scope(head, names: list[_Name], *, at, hint: str | None):
    """The scope the reader chooses for the whole log (``reader._map_units``)."""
    header = head.header
    titles = [clean_label(v) for row in head.prefix[:header.row] for v in row
              if isinstance(v, str) and v.strip() and not lookalike_letters(v)]
    chain = unit_registry.title_scopes(titles, at=at, hint=hint)
    distinct = list(dict.fromkeys(n.name for n in names if pd.notna(n.name)))
    chosen = unit_registry.choose_scope(chain, distinct, at=at, hint=hint)
    if chosen is None and hint is not None:
        chosen = unit_registry.Scope(hint, str(unit_registry.unit_names(pd.Series([hint])).iloc[0]),
                                     unit_registry.is_provisional(hint))
    return chosen


def _unit_map(names: list[_Name], scope_id: str | None) -> pd.DataFrame:
    """Per raw name and stretch of days [lo, hi) (missing: open), the registered unit it means
    in ``scope_id``; names that resolve otherwise (provisional, generic, ambiguous) are not
    listed, and their records go to the reader."""
    rows = []
    for n in names:
        if not n.plain or pd.isna(n.name):
            continue
        changes = unit_registry._changes(n.name) if unit_registry._dated(n.name) else np.array([], dtype=np.int64)
        days = [pd.Timestamp(int(d), unit="D") for d in changes]
        bounds = [None, *days, None]
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            at = lo if lo is not None else (hi - pd.Timedelta(days=1) if hi is not None else None)
            r = unit_registry.resolve(n.name, at=at, scope=scope_id)
            if r.status == "matched" and not unit_registry.is_provisional(r.unit_id):
                rows.append((n.raw, lo, hi, r.unit_id, n.name))
    frame = pd.DataFrame(rows, columns=["raw", "lo", "hi", "unit_id", "unit_name"])
    return frame.astype({"raw": object, "unit_id": object, "unit_name": object}).assign(
        lo=pd.to_datetime(frame["lo"]).astype("datetime64[us]"), hi=pd.to_datetime(frame["hi"]).astype("datetime64[us]"))


def _text_map(raws: list) -> pd.DataFrame:
    """Per raw field of a text column with few values, its text as the reader cleans it."""
    given = [r for r in raws if r is not None]
    cleaned, hidden = _cleaned(given)
    return pd.DataFrame({"raw": pd.Series(given, dtype=object),
                         "text": pd.Series([None if pd.isna(v) else str(v) for v in cleaned], dtype=object),
                         "hidden": pd.Series(hidden.to_numpy(dtype=bool), dtype=bool)})


def _channel_map(raws: list) -> pd.DataFrame:
    cleaned, hidden = _cleaned(raws)
    mapped, unknown = lookup("channel", cleaned)
    keep = [(r, str(m)) for r, m, h in zip(raws, mapped, hidden) if r is not None and pd.notna(m) and not h]
    return pd.DataFrame(keep, columns=["raw", "channel"], dtype=object)


def _flag_map(raws: list) -> pd.DataFrame:
    given = [r for r in raws if r is not None]
    values, errors = V.parse_flags(pd.Series(given, dtype=object))
    keep = [(r, bool(v)) for r, v, e in zip(given, values, errors) if e is None or pd.isna(e)]
    return pd.DataFrame({"raw": pd.Series([r for r, _ in keep], dtype=object),
                         "value": pd.Series([v for _, v in keep], dtype=bool)})


def _convert(con, col: dict[str, str], *, width: int, fields: int, parts: Path, pattern: str, file: str,
             mapped: set[str], out: list[str]) -> None:
    """Each record converted into Parquet parts under ``parts``, in ``ok=true`` where every rule
    holds, else ``ok=false``; then by year and month received. The text columns ``mapped`` are
    cleaned through a table of their values (``_text_map``), the others in SQL."""
    first, last = record_dates()
    inner = ["*", f"{_date(col['received_at'])} AS b_received"]
    inner += [f"regexp_full_match({col[c]}, '{ASCII_WORDS}') AS {c}_plain" for c in TEXT_COLUMNS
              if c in col and c not in mapped]
    sel = ["b.line", f"b.{col['unit_name']} AS unit_raw",
           " AND ".join([f"b.c{i} IS NULL" for i in range(width, fields)] or ["true"]) + " AS fields_ok"]
    ok = ["fields_ok", "dossier_id IS NOT NULL", "unit_id IS NOT NULL", "channel IS NOT NULL",
          "received_at IS NOT NULL"]
    joins = []
    for c in TEXT_COLUMNS:
        if c in mapped:
            joins.append(f"LEFT JOIN {c}_map t_{c} ON t_{c}.raw = b.{col[c]}")
            sel += [f"t_{c}.text AS {c}", f"coalesce(t_{c}.hidden, false) AS {c}_hidden"]
        elif c in col:
            sel += [f"{_clean('b.' + col[c], f'b.{c}_plain')} AS {c}",
                    f"{_hidden('b.' + col[c], f'b.{c}_plain')} AS {c}_hidden"]
        if c in col:
            ok.append(f"NOT {c}_hidden")
    sel += ["u.unit_id", "u.unit_name", "ch.channel"]
    for c in RECORD_DATE_COLUMNS:
        if c in col:
            parsed = "b.b_received" if c == "received_at" else _date("b." + col[c])
            # a field neither read as a date nor empty ("-", blank): to the reader, which says which
            sel += [f"{parsed} AS {c}", f"(b.{col[c]} IS NULL OR trim(b.{col[c]}) IN ('', '-', '–', '—')) AS {c}_missing"]
            ok += [f"({c} IS NOT NULL OR {c}_missing)",
                   f"({c} IS NULL OR CAST({c} AS DATE) BETWEEN DATE '{first.isoformat()}' "
                   f"AND DATE '{last.isoformat()}')"]
    if "resolved_at" in col:
        ok.append("(resolved_at IS NULL OR resolved_at >= received_at)")
    if "due_at" in col:
        ok.append("(due_at IS NULL OR due_at >= date_trunc('day', received_at))")
    joins += [f"LEFT JOIN unit_map u ON u.raw = b.{col['unit_name']} AND (u.lo IS NULL OR b.b_received >= u.lo) "
              f"AND (u.hi IS NULL OR b.b_received < u.hi)",
              f"LEFT JOIN channel_map ch ON ch.raw = b.{col['channel']}"]
    for c in FLAG_COLUMNS:
        if c in col:
            joins.append(f"LEFT JOIN {c}_map m_{c} ON m_{c}.raw = b.{col[c]}")
            sel += [f"(CASE WHEN b.{col[c]} IS NULL THEN false ELSE m_{c}.value END) AS {c}",
                    f"(b.{col[c]} IS NULL OR m_{c}.value IS NOT NULL) AS {c}_ok"]
            ok.append(f"{c}_ok")
    sel += [f"{_quoted(file)} AS source_file", "CAST(NULL AS VARCHAR) AS source_sheet", "b.line AS source_row"]
    # a dossier code written twice (by its hash: a collision only sends records to the reader)
    key = _clean(col["dossier_id"], f"regexp_full_match({col['dossier_id']}, '{ASCII_WORDS}')")
    con.execute(f"CREATE TEMP TABLE dup AS SELECT hash(k) AS h FROM (SELECT {key} AS k FROM body) "
                f"WHERE k IS NOT NULL GROUP BY h HAVING count(*) > 1")
    ok.append("hash(dossier_id) NOT IN (SELECT h FROM dup)")
    conditions = " AND ".join(f"coalesce({c}, false)" for c in ok)
    con.execute(f"""COPY (SELECT {', '.join(out)}, {conditions} AS ok, year(received_at) AS year,
                            month(received_at) AS month FROM (
                        SELECT {', '.join(sel)} FROM
                        (SELECT {', '.join(inner)} FROM body) b {' '.join(joins)}))
                    TO {_quoted(str(parts))} (FORMAT parquet, PARTITION_BY (ok, year, month),
                    FILENAME_PATTERN {_quoted(pattern)}, OVERWRITE_OR_IGNORE true)""")


def _second_pass(path: Path, head, again: list[tuple], expected: pd.DataFrame, checked: set[int], *,
                 scope: str | None, scope_id: str | None, work: Path) -> list[tuple[pd.DataFrame, list[Problem], int]]:
    """The reader's reading of the records the SQL left, with the converted records ``checked``
    read again: each must come out as the SQL converted it (else ``_Leave``)."""
    import csv

    scratch = work / path.name
    with open(scratch, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerows(head.prefix)
        for r in again:
            fields = list(r[1:])
            while fields and fields[-1] is None:
                fields.pop()
            w.writerow(["" if v is None else v for v in fields])
    lines = np.array([r[0] for r in again], dtype=np.int64)
    try:
        table, problems, origin = parse_export(scratch, KIND, scope=scope, lines=lines)
    except DxDataError:
        raise _Leave from None            # the chunked reading says it, as before
    if origin["scope_id"] != scope_id or origin["header_row"] != head.header.row + 1:
        raise _Leave
    if any(p.row in checked for p in problems):
        raise _Leave
    rows = table["source_row"].astype("int64")
    mine = table[rows.isin(checked)].sort_values("source_row").reset_index(drop=True)
    if len(mine) != len(checked) or not _same(mine, expected):
        raise _Leave
    rest = table[~rows.isin(checked)].reset_index(drop=True)
    return [(rest, problems, int(origin["rejected_rows"]))]


def _same(read: pd.DataFrame, converted: pd.DataFrame) -> bool:
    """Whether the reader's rows hold the values the SQL wrote (column by column, as Python values)."""
    if list(read.columns) != list(converted.columns):
        return False
    for c in read.columns:
        a = [None if pd.isna(v) else v for v in read[c].astype(object)]
        b = [None if pd.isna(v) else v for v in converted[c].astype(object)]
        if c in RECORD_DATE_COLUMNS:
            a = [None if v is None else pd.Timestamp(v) for v in a]
            b = [None if v is None else pd.Timestamp(v) for v in b]
        elif c == "source_row":
            a, b = [int(v) for v in a], [int(v) for v in b]
        if a != b:
            return False
    return True
