"""Dossier records held in Parquet (a file, or a folder of files), read where they lie.

A national or multi-year log does not fit in memory as a pandas frame. Such a log is kept
as Parquet with the canonical ``dossier_records`` columns (``dx-metrics import-records``
writes it from CSV exports, Hive-partitioned by year and month:
``records/year=2024/month=3/part-0.parquet``). ``read_records`` checks it with DuckDB in one
scan, out of core, and returns a ``RecordSet``: the files, their columns and row count, and
the problems found, located by file and row (1-based, in the file's order). Indicators are
then counted by a SQL engine over the files (``compute_indicators`` through
``dx_metrics.indicators.engines``); no frame of all records is ever built.

Which files a folder holds: its ``.parquet`` files, in its subfolders too, found by a walk
that never follows a linked folder and never looks inside a hidden one (``.name``: an import
being staged, a backup); parts found there are named in a warning, not read. A FIFO, socket
or device named ``.parquet`` is refused without being opened (reading one would wait for
ever). A folder that is not a dataset written by import-records (no ``_imports.json``) is read
only inside the folder a caller names (``within``: a plan's workspace), never a filesystem
root, and a walk stops past ``MAX_ENTRIES`` entries: a wrong path must not read every Parquet
file on the machine.

Rules, as for a spreadsheet log: unit, date received and channel filled; channel one of
online, direct, postal; dates resolved and due not before the date received; every date
within the dates a dossier can carry (``record_dates``); every unit in the unit registry;
each dossier code once. With ``strict=False`` the rows breaking a rule are left out of every
count (a filter on the scan) and listed; a repeated dossier code is always refused, since no
rule says which copy counts.
"""
from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dx_metrics import settings
from dx_metrics.canonical import OUTPUT_COLUMNS, PROVENANCE
from dx_metrics.errors import ERROR, WARNING, DxDataError, Problem
from dx_metrics.ingest.table import _row_ranges, _thousands
from dx_metrics.ingest.workbook import special_file, special_params

KIND = "dossier_records"
CHANNELS = ("online", "direct", "postal")
PARTITIONS = ("year", "month")            # Hive partition columns of the documented layout
EXAMPLES = 12                             # located rows listed per rule
TYPES = {"unit_id": "text", "dossier_id": "text", "channel": "text", "received_at": "date", "resolved_at": "date",
         "due_at": "date", "digitized": "bool", "paid_online": "bool", "division": "text",
         "supplement_days": "number", "fee": "fee", "complained": "bool"}
# dates and times as written in the unit's own day, without a time zone: an instant with a zone
# would fall on another day in another zone (and each engine would pick its own)
_DUCK_TYPES = {"text": ("VARCHAR",), "date": ("TIMESTAMP", "DATE", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"),
               "bool": ("BOOLEAN",),
               "number": ("DOUBLE", "DECIMAL", "FLOAT", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER",
                          "USMALLINT", "UTINYINT", "HUGEINT"),
               # a fee: an amount (a number) or a yes/no mark (the canonical.py comment)
               "fee": ("DOUBLE", "BOOLEAN", "DECIMAL", "FLOAT", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UBIGINT",
                       "UINTEGER", "USMALLINT", "UTINYINT", "HUGEINT")}
MANIFEST = "_imports.json"                # in a dataset folder written by import-records: the files imported
MAX_ENTRIES = 1_000_000                   # files and folders a dataset folder's walk looks at, at most
_PEEK = 10_000                            # entries looked at in a skipped folder, to say what it holds


# The dates a dossier record can carry (received, resolved, due), both days included: a date
# outside is an error at its row (a year typed 1899 or 9999, a day number read as a date).
RECORD_DATES_FROM = "DX_METRICS_RECORD_DATES_FROM"     # the first day, YYYY-MM-DD (default 2000-01-01)
RECORD_DATES_UNTIL = "DX_METRICS_RECORD_DATES_UNTIL"   # the last day, YYYY-MM-DD (default a year after today)
FIRST_RECORD_DATE = dt.date(2000, 1, 1)
RECORD_DATE_COLUMNS = ("received_at", "resolved_at", "due_at")


def record_dates(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """(first, last) day a dossier record may carry: ``DX_METRICS_RECORD_DATES_FROM`` (default
    2000-01-01, before the one-stop systems that export logs) to ``DX_METRICS_RECORD_DATES_UNTIL``
    (default ``today`` plus one year: an appointment date can lie ahead, a receipt hardly). A
    setting that is not a date written YYYY-MM-DD, or a window that ends before it starts, is a
    ``ValueError`` naming the variable."""
    today = today or dt.date.today()
    try:
        ahead = today.replace(year=today.year + 1)
    except ValueError:                       # 29 February: a year later is 28 February
        ahead = today.replace(year=today.year + 1, day=28)
    first = settings.value(RECORD_DATES_FROM) or FIRST_RECORD_DATE
    last = settings.value(RECORD_DATES_UNTIL) or ahead
    if last < first:
        raise ValueError(f"{RECORD_DATES_UNTIL}={last.isoformat()} is before {RECORD_DATES_FROM}="
                         f"{first.isoformat()}: no date would be accepted")
    return first, last


def day_first(d: dt.date) -> str:
    """A date as Vietnamese writes it: 01/01/2000."""
    return d.strftime("%d/%m/%Y")


def is_dataset(path: str | Path) -> bool:
    """True for a Parquet file, or a folder holding the manifest or ``.parquet`` files of its own
    (only the folder's own entries are looked at: nothing is crawled)."""
    p = Path(path)
    if p.is_file():
        return p.suffix.lower() == ".parquet"
    if not p.is_dir():
        return False
    if (p / MANIFEST).is_file():
        return True
    try:
        with os.scandir(p) as entries:
            return any(e.name.lower().endswith(".parquet") for _, e in zip(range(_PEEK), entries))
    except OSError:
        return False


def is_dataset_folder(path: str | Path) -> bool:
    """True for a folder written by ``dx-metrics import-records`` (it holds the manifest)."""
    return (Path(path) / MANIFEST).is_file()


def folder_refusal(folder: str | Path, within: str | Path | Sequence[str | Path] | None = None) -> str | None:
    """Why ``folder`` may not be read as dossier records (in English), or None: a filesystem
    root never; a folder without the manifest only inside ``within`` (a folder, or several)
    when it is given. Nothing is crawled."""
    refusal = folder_refusal_coded(folder, within)
    return None if refusal is None else Problem(file="", message="", code=refusal[0], params=refusal[1]).say("en")


def folder_refusal_coded(folder: str | Path, within: str | Path | Sequence[str | Path] | None = None
                         ) -> tuple[str, dict] | None:
    """``folder_refusal`` as a code of problems.yaml and its figures."""
    p = Path(os.path.abspath(folder))
    if p == Path(p.anchor) or p.resolve() == Path(p.resolve().anchor):
        return "dataset_folder_is_root", {"shown": repr(str(folder)), "manifest": MANIFEST}
    roots = [] if within is None else [within] if isinstance(within, (str, Path)) else list(within)
    if not roots or is_dataset_folder(p) or any(inside(p, r) for r in roots):
        return None
    return "dataset_folder_outside", {"shown": repr(str(folder)), "manifest": MANIFEST,
                                      "roots": " and ".join(str(r) for r in roots),
                                      "roots_vi": " và ".join(str(r) for r in roots)}


def inside(path: str | Path, root: str | Path) -> bool:
    """True when ``path`` lies strictly inside ``root``, as written (a link placed in the
    workspace is the workspace's own) or with links resolved."""
    a, r = Path(os.path.abspath(path)), Path(os.path.abspath(root))
    if a != r and a.is_relative_to(r):
        return True
    a, r = a.resolve(), r.resolve()
    return a != r and a.is_relative_to(r)


@dataclass
class RecordSet:
    """Canonical dossier records in Parquet ``files``, with the rows to leave out (``exclude``,
    a SQL condition) and, as a frame's, ``attrs["problems"]`` (as dicts: ``problems_of``) and ``attrs["origin"]``."""

    files: list[str]
    columns: list[str]
    rows: int
    exclude: str | None = None
    attrs: dict = field(default_factory=dict)
    _distinct: dict = field(default_factory=dict, repr=False, compare=False)   # column -> values, scanned once

    def __contains__(self, column: object) -> bool:
        return column in self.columns

    def __len__(self) -> int:
        return self.rows

    @property
    def empty(self) -> bool:
        return self.rows == 0

    def to_pandas(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The records as a canonical frame (only for logs that fit in memory)."""
        cols = [c for c in (columns or self.columns) if c in self.columns]
        con = connect()
        try:
            rel = _scan(con, self.files).filter(f"NOT ({self.exclude})") if self.exclude else _scan(con, self.files)
            df = rel.select(*[f'"{c}"' for c in cols]).df() if cols else rel.df()
        finally:
            con.close()
        return _canonical_dtypes(df)

    def distinct(self, column: str) -> list:
        """The distinct values of ``column`` among the rows counted (missing ones left out);
        each column is scanned once per record set (a report asks for its files several times)."""
        if column not in self._distinct:
            self._distinct[column] = self._scan_distinct(column)
        return self._distinct[column]

    def _scan_distinct(self, column: str) -> list:
        con = connect()
        try:
            rel = _scan(con, self.files)
            rel = rel.filter(f"NOT ({self.exclude})") if self.exclude else rel
            rows = rel.filter(f'"{column}" IS NOT NULL').select(f'"{column}"').distinct().fetchall()
        finally:
            con.close()
        return sorted(r[0] for r in rows)

    def union(self, other: RecordSet) -> RecordSet:
        """Both sets as one (checked again, so that a dossier in both is found)."""
        return read_records([*self.files, *other.files], strict=False)


def read_records(path: str | Path | list, *, strict: bool = True,
                 within: str | Path | Sequence[str | Path] | None = None) -> RecordSet:
    """Check the Parquet records at ``path`` (a file, a folder, or a list of files) and return
    them as a ``RecordSet``; with ``strict`` any error raises ``DxDataError`` naming every one.
    A folder without the manifest is read only inside ``within`` when it is given (a plan's
    workspace); parts left out of a folder (hidden or linked folders) are named in a warning."""
    files, root, skipped = _files(path, within)
    con = connect(capped=True)
    try:
        con.register("rel", _scan(con, files))
        con.register("located", _scan(con, files, located=True))
        schema = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM rel)").fetchall())
        problems = _schema_problems(schema, root) + skipped
        if any(p.severity == ERROR for p in problems):
            raise DxDataError(problems)
        columns = [c for c in [*OUTPUT_COLUMNS[KIND], *PROVENANCE] if c in schema]
        rules = _rules(columns)
        counts = con.execute("SELECT COUNT(*), " + ", ".join(f"COUNT_IF({cond})" for _, _, cond, _ in rules)
                             + " FROM rel").fetchone()
        rows, hits = counts[0], counts[1:]
        unknown = _unknown_units(con)
        # "?Văn phòng Sở": a name an import placed in no unit (no scope), not a code to register
        for ids, code, hint in (([u for u in unknown if not u.startswith("?")], "unit_not_in_registry",
                                 "add_unit_to_registry"),
                                ([u for u in unknown if u.startswith("?")], "unplaced_unit_name", "import_with_scope")):
            if ids:
                listed = ", ".join("'" + u.replace("'", "''") + "'" for u in ids)
                rules.append(("unit_id", code, f"unit_id IN ({listed})", hint))
                hits = (*hits, con.execute(f"SELECT COUNT_IF(unit_id IN ({listed})) FROM rel").fetchone()[0])
        for (column, code, cond, hint), n in zip(rules, hits):
            if n:
                problems.append(_located(con, root, column, code, cond, hint, n, columns))
        problems += _duplicates(con, root, columns)
    finally:
        con.close()
    # a condition on a missing value is NULL, and NOT NULL would drop the row too (every
    # unresolved dossier, once one dossier is resolved before it was received): only TRUE excludes
    broken = [cond for (_, code, cond, _), n in zip(rules, hits) if n]
    exclude = " OR ".join(f"COALESCE(({c}), FALSE)" for c in broken) or None
    rejected, by_file = 0, {}
    if exclude:        # a row may break two rules: the rows left out, counted once, by the export they came from
        con = connect(capped=True)
        try:
            # records without their export (Parquet written by other means) are the dataset's own,
            # as a figure computed from them names it
            export = "source_file" if "source_file" in columns else "NULL"
            for name, n in con.execute(f"SELECT {export}, COUNT_IF({exclude}) AS n FROM read_parquet(?, "
                                       f"union_by_name = true) GROUP BY ALL HAVING n > 0", [files]).fetchall():
                said = str(name) if name is not None else root.name
                by_file[said] = by_file.get(said, 0) + int(n)
                rejected += int(n)
        finally:
            con.close()
    left_out = _left_out_at_import(root)
    problems += [Problem(file=name, severity=WARNING, reason="skipped_row", code="left_out_at_import", message="",
                         hint_code="import_again", params={"count": n, "dataset": root.name})
                 for name, n in left_out.items()]
    origin = {"file": root.name, "path": str(root.resolve()), "files": len(files), "kind": KIND, "rows": rows,
              "sha256": _digest(files), "sheet": None, "period": None,
              "read_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "layout": [f"dossier records in {len(files)} Parquet file(s), read where they lie"],
              "rejected_rows": rejected,
              # per export the records came from: the rows this check left out, and the records a
              # lenient import left out of the dataset (its manifest says how many)
              "rejected_by_file": by_file, "left_out_at_import": left_out}
    out = RecordSet(files=files, columns=columns, rows=rows, exclude=exclude,
                    attrs={"problems": [p.to_dict() for p in problems], "origin": origin})
    if (strict and any(p.severity == ERROR for p in problems)) or any(p.reason == "duplicate_key" for p in problems):
        raise DxDataError(problems)
    return out


def _files(path: str | Path | list, within: str | Path | Sequence[str | Path] | None = None
           ) -> tuple[list[str], Path, list[Problem]]:
    """(the Parquet files, the folder they are named from, warnings about parts left out)."""
    if isinstance(path, (list, tuple)):
        files = [str(Path(p)) for p in path]
        return files, Path(files[0]).parent if files else Path("."), []
    p = Path(path)
    skipped: list[Problem] = []
    if (special := special_file(p)) is not None:
        raise DxDataError([Problem(file=p.name, reason="unreadable", code="special_not_opened", message="",
                                   hint_code="save_as_file", params=special_params(special))])
    if p.is_dir():
        if (refusal := folder_refusal_coded(p, within)) is not None:
            raise DxDataError([Problem(file=p.name or str(p), reason="unreadable", code=refusal[0], message="",
                                       hint_code="dataset_folder", params=refusal[1])])
        files, skipped = dataset_parts(p)
    elif p.is_file():
        files = [str(p)]
    else:
        raise FileNotFoundError(f"{p}: no such file or folder")
    if not files:
        raise DxDataError([Problem(file=p.name, reason="unreadable", code="dataset_no_parquet", message="",
                                   hint_code="dataset_point_at_parquet"),
                           *skipped])
    return files, p, skipped


def dataset_parts(folder: Path) -> tuple[list[str], list[Problem]]:
    """The ``.parquet`` files under ``folder`` (sorted), and a warning naming the hidden and
    linked folders (and hidden files) whose parts are left out. The walk follows no link to a
    folder, looks at most ``MAX_ENTRIES`` entries, and opens no file: a FIFO, socket or device
    named ``.parquet`` is refused by its status."""
    parts: list[str] = []
    left_out: list[str] = []           # what was not read, as the warning names it
    left_out_vi: list[str] = []
    special: list[str] = []
    special_vi: list[str] = []
    seen = 0
    stack = [folder]
    while stack:
        here = stack.pop()
        try:
            with os.scandir(here) as it:
                entries = list(it)
        except OSError as e:
            raise DxDataError([Problem(file=folder.name, reason="unreadable", code="dataset_cannot_list", message="",
                                       params={"where": _named(here, folder), "reason": str(e.strerror or e)})]) \
                from None
        for e in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                raise DxDataError([Problem(
                    file=folder.name, reason="too_large", code="dataset_too_many_entries", message="",
                    hint_code="dataset_folder", params={"most": _thousands(MAX_ENTRIES), "manifest": MANIFEST})])
            name = _named(e.path, folder)
            parquet = e.name.lower().endswith(".parquet")
            linked = e.is_symlink()
            if e.is_dir(follow_symlinks=linked) and (linked or e.name.startswith(".")):
                n, more = _count_parts(Path(e.path))
                if n:
                    held = f"{_thousands(n)}{'+' if more else ''} Parquet file(s)"
                    left_out.append(f"{name}/ (a link to a folder, not followed: {held})" if linked
                                    else f"{name}/ ({held})")
                    held_vi = f"{_thousands(n)}{'+' if more else ''} tệp Parquet"
                    left_out_vi.append(f"{name}/ (liên kết tới một thư mục, không đi theo: {held_vi})" if linked
                                       else f"{name}/ ({held_vi})")
            elif e.is_dir(follow_symlinks=False):
                stack.append(Path(e.path))
            elif parquet and e.name.startswith("."):
                left_out.append(f"{name} (a hidden file)")
                left_out_vi.append(f"{name} (tệp ẩn)")
            elif parquet:
                kind = special_file(e.path)
                if kind is not None:
                    special.append(f"{name} is {kind}")
                    special_vi.append(f"{name} là {special_params(kind)['kind_vi']}")
                elif e.is_file(follow_symlinks=True):
                    parts.append(e.path)
    if special:
        raise DxDataError([Problem(file=folder.name, reason="unreadable", hint_code="save_as_file",
                                   code="dataset_special_parts", message="",
                                   params={"named": "; ".join(special), "named_vi": "; ".join(special_vi)})])
    problems = []
    if left_out:
        problems.append(Problem(
            file=folder.name, severity=WARNING, reason="skipped_files", code="dataset_parts_left_out", message="",
            hint_code="dataset_move_parts",
            params={"parts": "; ".join(sorted(left_out)), "parts_vi": "; ".join(sorted(left_out_vi))}))
    return sorted(parts), problems


def _named(path: str | Path, folder: Path) -> str:
    """``path`` as a user finds it from the folder above the dataset ("records/.backup"), links
    not resolved."""
    return Path(os.path.relpath(path, os.path.dirname(os.path.abspath(folder)))).as_posix()


def _count_parts(folder: Path) -> tuple[int, bool]:
    """The ``.parquet`` files under a folder left out (links inside it not followed), looking
    at ``_PEEK`` entries at most: (count, whether there may be more)."""
    n, seen, stack = 0, 0, [folder]
    while stack:
        try:
            with os.scandir(stack.pop()) as it:
                for e in it:
                    seen += 1
                    if seen > _PEEK:
                        return n, True
                    if e.is_dir(follow_symlinks=False):
                        stack.append(Path(e.path))
                    elif e.name.lower().endswith(".parquet"):
                        n += 1
        except OSError:
            continue
    return n, False


def connect(*, capped: bool = False):
    """A DuckDB connection in memory (``duckdb_config``); ``capped`` for work whose memory grows
    with the records (grouping every dossier code)."""
    import duckdb

    return duckdb.connect(config=duckdb_config(capped=capped))


def duckdb_config(*, capped: bool = False) -> dict:
    """DuckDB settings. ``DX_METRICS_DUCKDB_MEMORY`` caps its memory (e.g. "2GB"); without it, work
    that grows with the records (``capped``: the checks' grouping of every dossier code) is
    capped at 1GB and spills beyond it, while the counts, which hold a few rows per unit and
    period, run with DuckDB's defaults (a cap makes its scan slower). Spills go under the
    system's temporary folder, never the current one. DuckDB never installs or loads an
    extension on its own (given a SQLite file, it would fetch one from the internet)."""
    import tempfile

    config = {"temp_directory": os.path.join(tempfile.gettempdir(), "dx_metrics_duckdb"),
              "autoinstall_known_extensions": False, "autoload_known_extensions": False}
    limit = settings.value("DX_METRICS_DUCKDB_MEMORY") or ("1GB" if capped else None)
    if limit:
        config["memory_limit"] = limit
    return config


def _scan(con, files: list[str], *, located: bool = False):
    return con.read_parquet(files, union_by_name=True, hive_partitioning=False, filename=located,
                            file_row_number=located)


def _schema_problems(schema: dict[str, str], root: Path) -> list[Problem]:
    """Required columns, known columns and their types, before any row is read."""
    known = set(OUTPUT_COLUMNS[KIND]) | set(PROVENANCE) | set(PARTITIONS)
    out = []
    where = {"file": root.name, "reason": "missing_column"}
    for c in ("unit_id", "received_at", "channel"):
        if c not in schema:
            out.append(Problem(**where, column=c, code="dataset_no_column", message="", hint_code="dataset_convert",
                               params={"column": c, "columns": ", ".join(schema) or "none",
                                       "columns_vi": ", ".join(schema) or "không có"}))
    for c, t in schema.items():
        if c not in known:
            close = difflib.get_close_matches(c, sorted(known), 1)
            out.append(Problem(**where, column=c, code="dataset_unknown_column_guess" if close else
                               "dataset_unknown_column", message="", hint_code="dataset_rename_column",
                               params={"column": c, "suggestion": close[0] if close else "",
                                       "columns": ", ".join(OUTPUT_COLUMNS[KIND])}))
        elif c in TYPES and t.upper().split("(")[0] not in _DUCK_TYPES[TYPES[c]]:
            zoned = "TIME ZONE" in t.upper()
            out.append(Problem(**where, column=c, code="dataset_zoned_type" if zoned else "dataset_column_type",
                               message="", hint_code="dataset_drop_zone" if zoned else "dataset_convert",
                               params={"column": c, "stored": t, "expected": "/".join(_DUCK_TYPES[TYPES[c]][:2])}))
    return out


def _rules(columns: list[str]) -> list[tuple[str, str, str, str | None]]:
    """(column, problem code, SQL condition of a broken row, hint) for the columns present."""
    rules = [(c, "required_empty", f"{c} IS NULL", "fill_or_delete") for c in ("unit_id", "received_at", "channel")]
    rules.append(("channel", "unknown_channel", "channel NOT IN (" + ", ".join(f"'{c}'" for c in CHANNELS) + ")",
                  "canonical_channel"))
    if "resolved_at" in columns:
        rules.append(("resolved_at", "earlier_than_received", "resolved_at < received_at", None))
    if "due_at" in columns:
        rules.append(("due_at", "earlier_than_received", "CAST(due_at AS DATE) < CAST(received_at AS DATE)", None))
    first, last = record_dates()
    for c in RECORD_DATE_COLUMNS:
        if c in columns:
            rules.append((c, "outside_record_dates", f"(CAST({c} AS DATE) < DATE '{first.isoformat()}' OR "
                                                     f"CAST({c} AS DATE) > DATE '{last.isoformat()}')",
                          "record_dates_window"))
    return rules


def _unknown_units(con) -> list[str]:
    from dx_metrics.units import load_units

    seen = [u for (u,) in con.execute("SELECT DISTINCT unit_id FROM rel WHERE unit_id IS NOT NULL").fetchall()]
    known = set(load_units()["unit_id"])
    return sorted(u for u in seen if u not in known)


def _where(columns: list[str]) -> str:
    """SQL for where a record is as its user knows it: the export and line it was imported from
    (``source_file``, ``source_row``, as import-records keeps them), else its Parquet file and row."""
    if "source_file" in columns and "source_row" in columns:
        return ("COALESCE(source_file, filename) AS f, COALESCE(CAST(source_row AS BIGINT), file_row_number + 1) AS row, "
                "source_file IS NOT NULL AS exported")
    return "filename AS f, file_row_number + 1 AS row, FALSE AS exported"


def _located(con, root: Path, column: str, code: str, cond: str, hint: str | None, n: int,
             columns: list[str]) -> Problem:
    """One problem standing for the ``n`` rows breaking ``cond``: the first rows, by file: the
    exports' lines where the records say them (a dataset import-records wrote), else the
    Parquet files' rows."""
    first = con.execute(f"SELECT {_where(columns)}, CAST({column} AS VARCHAR) FROM located "
                        f"WHERE {cond} ORDER BY f, row LIMIT {EXAMPLES}").fetchall()
    by_file: dict[str, list[int]] = {}
    for f, r, exported, _ in first:
        by_file.setdefault(f if exported else _relative(f, root), []).append(int(r))
    parts = [f"{f} {_row_ranges(rows)[0]}" for f, rows in by_file.items()]
    first_file, first_row, exported, value = first[0]
    first_file = first_file if exported else _relative(first_file, root)
    params = {"rows": _thousands(n), "ranges": "; ".join(parts), "more": max(0, n - len(first))}
    if code in ("unknown_channel", "unit_not_in_registry", "outside_record_dates"):
        params.update(quoted=f"'{value}'")
    if code == "unplaced_unit_name":
        params.update(quoted=f"'{value[1:]}'")
    if code == "outside_record_dates":
        first_day, last_day = record_dates()
        params.update(first=day_first(first_day), last=day_first(last_day))
    return Problem(file=first_file, row=int(first_row), column=column, value=value,
                   reason={"required_empty": "missing_column", "outside_record_dates": "out_of_range",
                           "unplaced_unit_name": "unknown_unit"}.get(
                       code, "inconsistent"), code=code,
                   hint_code=hint, message="", params=params)


def _duplicates(con, root: Path, columns: list[str]) -> list[Problem]:
    """Dossier codes found more than once (in one file or across files). The codes are grouped
    by their 64-bit hash first (fixed-size keys spill to disk within the memory cap; grouping
    10^8 strings does not), then the few candidate hashes are checked on the codes themselves."""
    if "dossier_id" not in columns:
        return []
    hashes = [h for (h,) in con.execute("SELECT hash(dossier_id) AS h FROM rel WHERE dossier_id IS NOT NULL "
                                        "GROUP BY h HAVING COUNT(*) > 1").fetchall()]
    if not hashes:
        return []
    con.execute("CREATE TEMP TABLE candidates AS SELECT UNNEST(?::UBIGINT[]) AS h", [hashes])
    repeated = "SELECT dossier_id FROM rel WHERE hash(dossier_id) IN (SELECT h FROM candidates) " \
               "GROUP BY dossier_id HAVING COUNT(*) > 1"
    n = con.execute(f"SELECT COUNT(*) FROM ({repeated})").fetchone()[0]
    if not n:
        return []                     # hash collisions only
    first = con.execute(f"""SELECT dossier_id, {_where(columns)} FROM located WHERE dossier_id IN (
        {repeated} ORDER BY dossier_id LIMIT 3) ORDER BY dossier_id, f, row""").fetchall()
    first = [(d, f if exported else _relative(f, root), r) for d, f, r, exported in first]
    shown = "; ".join(f"{d}: {f} row {r}" for d, f, r in first)
    return [Problem(file=first[0][1], row=int(first[0][2]), column="dossier_id",
                    value=str(first[0][0]), reason="duplicate_key", code="duplicate_dossiers",
                    params={"count": n, "shown": shown}, message="", hint_code="one_copy_per_dossier")]


def _left_out_at_import(root: Path) -> dict[str, int]:
    """Per export, the records a lenient import left out of the dataset at ``root`` (rows with
    errors, units the registry lacks), as its manifest keeps them; {} for a folder without one."""
    try:
        listed = json.loads((root / MANIFEST).read_text("utf-8")) if root.is_dir() else []
    except (OSError, ValueError):
        return {}
    out: dict[str, int] = {}
    for m in listed if isinstance(listed, list) else []:
        if isinstance(m, dict) and isinstance(m.get("left_out"), int) and m["left_out"] > 0:
            out[str(m.get("file"))] = out.get(str(m.get("file")), 0) + m["left_out"]
    return out


def _relative(file: str, root: Path) -> str:
    try:
        return str(Path(file).resolve().relative_to(root.resolve().parent))
    except ValueError:
        return Path(file).name


def _digest(files: list[str]) -> str:
    """The sha256 of the files' contents, each with its name (a copy with the same names,
    sizes and times but other bytes is another source; a touched file is the same one)."""
    h = hashlib.sha256()
    for f in files:
        h.update(f"{Path(f).name}\0".encode())
        with open(f, "rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                h.update(chunk)
        h.update(b"\n")
    return h.hexdigest()


def _canonical_dtypes(df: pd.DataFrame) -> pd.DataFrame:
    for c in df:
        kind = TYPES.get(c)
        if kind == "text":
            df[c] = df[c].astype("string")
        elif kind == "bool":
            df[c] = df[c].astype("boolean")
        elif kind in ("number", "fee"):       # a fee stored as a mark: true is 1, false 0
            df[c] = pd.to_numeric(df[c].astype("object").map(
                lambda v: float(v) if isinstance(v, bool) else v, na_action="ignore")).astype("Float64")
        elif kind == "date":
            df[c] = pd.to_datetime(df[c])
    return df
