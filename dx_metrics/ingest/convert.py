"""``dx-metrics import-records``: dossier logs exported as CSV (any size) or Excel, into the
Parquet dataset dx_metrics counts out of core (``dx_metrics.ingest.dataset``).

A CSV's title and header rows are read once by the reader of ``read_export`` (header aliases,
the file's scope, encoding); DuckDB then converts its records by the reader's rules in SQL
(``convert_sql``: day-first dates, channels in words, unit names in the file's scope) and writes
them, and the records any rule refuses are read by the reader at their lines, so every problem
is located at its line in the original file and said as the reader says it. A CSV the scan
cannot read alike (another encoding, a record over several lines ...) is streamed as before:
its records in chunks (``chunk_rows``), each read by the reader. The dataset is
Hive-partitioned by the year and month received:

    records/year=2024/month=3/<file>-<digest>-<chunk>.parquet
    records/_imports.json          the files imported (name, sha256, rows, time)
    records/_imports.lock          while an import moves its parts in (one at a time)

Right or refused: by default a file with any error adds nothing (every problem is listed);
``lenient`` adds its good rows and lists the others. A unit the registry lacks is an error
here (a dataset is read without the file's scope), with ``dx-metrics units suggest`` as the
fix. A file imported before (same sha256) is skipped; a dossier code already in the dataset
is refused (the new parts are taken out again). Parts are written beside the dataset and
moved into it only once a file is through, so an interrupted import leaves it as it was.
Imports into one dataset may run at once: each parses on its own, then moves its parts in,
checks the dataset and rewrites the manifest (in one rename) under the dataset's lock file,
so none is lost and a file two of them import is kept once.
A FIFO, socket or device given as an export is refused without being opened (a FIFO would
wait for a writer for ever), as are a missing file and a folder, before anything is imported.
"""
from __future__ import annotations

import codecs
import contextlib
import csv
import dataclasses
import datetime as dt
import json
import os
import re
import shutil
import socket
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dx_metrics import units as unit_registry
from dx_metrics.errors import ERROR, DxDataError, Problem, problems_of
from dx_metrics.formats import fmt_number
from dx_metrics.paths import write_atomically
from dx_metrics.ingest import convert_sql
from dx_metrics.ingest.cache import file_sha256
from dx_metrics.ingest.dataset import KIND, MANIFEST, folder_refusal, read_records
from dx_metrics.ingest.reader import _locate, parse_export
from dx_metrics.ingest.workbook import _SINGLE_BYTE, special_file, special_params, text_encoding

HEAD_ROWS = 60
TEXT = (".csv", ".txt", ".tsv")
LOCK = "_imports.lock"      # in the dataset folder while an import moves its parts in
LOCK_TIMEOUT = 600.0        # seconds an import waits for another one into the same dataset


@dataclass
class Imported:
    """What one import did: per file its rows written (or why it was skipped), and every problem."""

    files: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(f.get("rows", 0) for f in self.files)


def import_records(paths: list[str | Path], out: str | Path, *, scope: str | None = None, lenient: bool = False,
                   chunk_rows: int = 200_000, progress: Callable[[str, int], None] | None = None,
                   lock_timeout: float = LOCK_TIMEOUT, engine: str = "duckdb") -> Imported:
    """Import dossier-log exports into the Parquet dataset ``out``; raises ``DxDataError`` when a
    file has errors (unless ``lenient``) or repeats dossiers already in the dataset, and
    ``DatasetBusy`` when another import holds the dataset longer than ``lock_timeout`` seconds.
    ``engine="pandas"`` reads every CSV in chunks, as before the DuckDB path (for comparison)."""
    if engine not in ("duckdb", "pandas"):
        raise ValueError(f"engine must be 'duckdb' or 'pandas', not {engine!r}")
    paths = [Path(p) for p in paths]
    # a FIFO, socket or device is never opened (reading a FIFO waits for a writer for ever); a
    # missing file or a folder is named too, before anything is imported
    refused = {path: problem for path in paths if (problem := _unusable(path)) is not None}
    if refused and not lenient:
        raise DxDataError(list(refused.values()))
    out = Path(out)
    if folder_refusal(out) is not None:
        raise DxDataError([Problem(file=str(out), reason="unreadable", code="dataset_out_is_root", message="",
                                   hint_code="give_dataset_folder")])
    out.mkdir(parents=True, exist_ok=True)
    done = {m["sha256"] for m in _manifest(out)}
    result = Imported(problems=list(refused.values()))
    for path in paths:
        if path in refused:
            result.files.append({"file": path.name, "skipped": refused[path].message})
            continue
        sha = file_sha256(path)
        if sha in done:
            result.files.append({"file": path.name, "sha256": sha, "skipped": "imported before"})
            continue
        # staged beside the dataset, never inside it: a reader of the dataset meanwhile sees none of it
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.import-", dir=out.parent))
        try:
            rows, problems, left_out = _one_file(path, sha, staging, scope=scope, chunk_rows=chunk_rows,
                                                 progress=progress, engine=engine)
            result.problems += problems
            if any(p.severity == ERROR for p in problems) and not lenient:
                raise DxDataError(problems)
            # one import at a time moves its parts in and rewrites the manifest: two at once both
            # read the manifest before either wrote it, and one of them was lost
            with _locked(out, timeout=lock_timeout):
                manifest = _manifest(out)          # as the imports before this one left it
                if sha in {m["sha256"] for m in manifest}:
                    result.files.append({"file": path.name, "sha256": sha, "skipped": "imported before"})
                    done.add(sha)
                    continue
                added = _move_in(staging, out)
                result.problems += _refuse_repeats(out, added)
                entry = {"file": path.name, "sha256": sha, "rows": rows,
                         "imported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
                if left_out:        # a lenient import: what a plan counting the dataset does not count
                    entry["left_out"] = left_out
                try:
                    _write_manifest(out, [*manifest, entry])
                except BaseException:
                    for f in added:          # a file the manifest does not list adds nothing
                        f.unlink(missing_ok=True)
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        done.add(sha)
        result.files.append(entry)
    return result


def _unusable(path: Path) -> Problem | None:
    """Why ``path`` cannot be imported without opening it (missing, a folder, a FIFO ...), or None."""
    special = special_file(path)
    if special is not None:
        return Problem(file=path.name, reason="unreadable", code="special_not_opened", message="",
                       hint_code="save_as_file", params=special_params(special))
    if path.is_dir():
        return Problem(file=path.name, reason="unreadable", code="folder_not_export", message="",
                       hint_code="give_export_files")
    if not path.is_file():
        return Problem(file=path.name, reason="unreadable", code="file_missing", message="",
                       params={"shown": repr(str(path))})
    return None


def _one_file(path: Path, sha: str, staging: Path, *, scope: str | None, chunk_rows: int,
              progress: Callable[[str, int], None] | None, engine: str = "duckdb") -> tuple[int, list[Problem], int]:
    """Parse one export into ``staging``: (records written, problems, records left out for
    errors). A CSV log is converted by DuckDB where it can be (``convert_sql``), else read in
    chunks (``_tables``). Division names every body has that no scope places ("Văn phòng Sở"
    in a log without title rows, imported without ``scope``) refuse the whole file, lenient or
    not, once it is read through: the refusal names each with its lines (``_needs_scope``)."""
    problems: list[Problem] = []
    rows = left_out = 0
    unplaced: dict[str, list[int]] = {}          # generic name -> its lines, in the order first met
    read = 0
    scanned = _scanned(path, sha, staging, scope=scope, chunk_rows=chunk_rows) \
        if engine == "duckdb" and path.suffix.lower() in TEXT else None
    if scanned is not None:          # DuckDB wrote the records it converted; the others come as tables
        rows, read = scanned.written, scanned.read
    tables = scanned.tables if scanned is not None else _tables(path, scope=scope, chunk_rows=chunk_rows)
    for n, (table, found, rejected) in enumerate(tables):
        read += len(table) if scanned is None else 0
        table, generic = _placed(table)
        for name, lines in generic.items():
            unplaced.setdefault(name, []).extend(lines)
        table, unknown = _registered_units(table, path.name)
        problems += found + unknown
        left_out += rejected + sum(int(p.params.get("records", 0)) for p in unknown)
        if not unplaced:         # once the file is refused, nothing more of it is written
            _write(table, staging, f"{path.stem}-{sha[:8]}-{n:05d}")
        rows += len(table)
        if progress:
            progress(path.name, read)
    if unplaced:
        raise DxDataError(_needs_scope(path.name, unplaced, problems))
    return rows, problems, left_out


def _scanned(path: Path, sha: str, staging: Path, *, scope: str | None, chunk_rows: int) -> convert_sql.Scanned | None:
    """The log converted by DuckDB into ``staging`` (``convert_sql.scan``), or None when the
    file needs the chunked reading (its head unreadable in part, a feature the scan refuses)."""
    with tempfile.TemporaryDirectory() as tmp:
        unread: list[Problem] = []
        head = _split(path, Path(tmp) / path.name, unread)
        head.close()
        if unread:
            return None
        return convert_sql.scan(path, head, sha, staging, scope=scope, most_rejects=chunk_rows, work=Path(tmp))


def _placed(table: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[int]]]:
    """The records whose unit is known or provisional, and the division names every body has
    that the reading left unplaced (no scope), each with the lines that name it."""
    unplaced = table["unit_id"].astype("string").str.startswith("?").fillna(False).astype(bool)
    if not unplaced.any():
        return table, {}
    names = table.loc[unplaced, "unit_name"].astype("string")
    generic = names.map(lambda n: unit_registry.is_generic(n), na_action="ignore").fillna(False).astype(bool)
    rows = table.loc[generic[generic].index]
    found = {str(name): [int(r) for r in lines] for name, lines in
             rows.groupby("unit_name", sort=False)["source_row"]}
    return table.drop(index=rows.index), found


SHOWN_NAMES = 10      # names a refusal lists, by the most lines first


def _needs_scope(file: str, unplaced: dict[str, list[int]], problems: list[Problem]) -> list[Problem]:
    """The refusal of a log whose division names need a scope: the names with their line counts
    (most first), at the first line naming one, then the file's other problems but the
    per-row warnings it replaces."""
    said = sorted(unplaced.items(), key=lambda kv: (-len(kv[1]), min(kv[1])))
    column = next((p.column for p in problems if p.code == "generic_unit"), None) or "unit_name"
    first = min(min(lines) for lines in unplaced.values())
    refusal = Problem(file=file, row=first, column=column, reason="unknown_unit", code="names_need_scope",
                      message="", hint_code="pass_scope",
                      params={"count": len(said), "names": [[n, len(lines)] for n, lines in said[:SHOWN_NAMES]],
                              "more": max(0, len(said) - SHOWN_NAMES), "file": file})
    return [refusal, *(p for p in problems if p.code != "generic_unit")]


def _tables(path: Path, *, scope: str | None, chunk_rows: int) -> Iterator[tuple[pd.DataFrame, list[Problem], int]]:
    """The file's records as canonical tables, a chunk at a time, with their problems located
    in the original file and how many records each chunk left out for errors."""
    if path.suffix.lower() not in TEXT:        # a workbook is read whole, as read_export reads it
        table, problems, origin = parse_export(path, KIND, scope=scope)
        yield table, problems, origin["rejected_rows"]
        return
    with tempfile.TemporaryDirectory() as tmp:
        chunk_file = Path(tmp) / path.name
        unread: list[Problem] = []          # lines that could not be read, at their line, as they are met
        head = _split(path, chunk_file, unread)
        prefix, data = head.prefix, head.body
        offset = 0
        while True:
            chunk = [r for _, r in zip(range(chunk_rows), data)]
            if not chunk and offset:
                return
            _write_csv(chunk_file, prefix + chunk)
            table, problems, origin = parse_export(chunk_file, KIND, scope=scope)
            table["source_row"] = table["source_row"] + offset
            # the title and header rows are in every chunk: their problems are said once
            yield table, [_shifted(p, offset, len(prefix)) for p in problems
                          if offset == 0 or (p.row or 0) > len(prefix)] + unread, origin["rejected_rows"] + len(unread)
            unread = []
            if len(chunk) < chunk_rows:
                return
            offset += len(chunk)


@dataclass
class Head:
    """A CSV log's head as the reader found it: the rows above the records (titles and header),
    the header, the delimiter and the encoding; ``body`` iterates over the record rows."""

    prefix: list[list[str]]
    body: Iterator[list[str]]
    header: object
    delimiter: str
    encoding: str
    stream: Iterator[list[str]] | None = None     # the open file's rows, closed by ``close``

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()


def _split(path: Path, scratch: Path, unread: list[Problem]) -> Head:
    """The file's ``Head``, its ``body`` an iterator over the record rows. A line that cannot be
    read (a byte the file's encoding lacks, a line or field beyond the limits) is given as an
    empty row, so that every later line keeps its number, and its problem is added to
    ``unread``."""
    encoding = text_encoding(path)
    # bytes the encoding cannot read are kept as lone surrogates (U+DC00 + byte), found line by line
    f = open(path, encoding=encoding, errors=_KEEP_BYTES, newline="")   # closed when the rows are used up
    head = f.read(1 << 16)
    delimiter = max([",", ";", "\t"], key="\n".join(head.splitlines()[:50]).count)
    f.seek(0)
    normal = encoding in _SINGLE_BYTE      # Windows-1258 writes tones apart from their letters
    said = _ENCODINGS.get(encoding, encoding)

    def lines() -> Iterator[str]:
        """The file's lines, one longer than ``MAX_LINE`` given as ``_TOO_LONG`` (never held whole)."""
        while line := f.readline(MAX_LINE):
            if len(line) < MAX_LINE or line.endswith(("\n", "\r")):
                yield line
                continue
            while (rest := f.readline(MAX_LINE)) and len(rest) == MAX_LINE and not rest.endswith(("\n", "\r")):
                pass
            yield _TOO_LONG + "\n"

    def bad(row: int, message: str, value: str | None = None) -> list[str]:
        unread.append(Problem(file=path.name, row=row, reason="unreadable", value=value,
                              message=message + ": the line is left out", hint=_LINE_HINT))
        return []

    def rows() -> Iterator[list[str]]:
        reader = csv.reader(lines(), delimiter=delimiter)
        n = 0
        with f:
            while True:
                try:
                    r = next(reader)
                except StopIteration:
                    return
                except csv.Error as e:
                    n += 1
                    yield bad(n, _csv_error(e))
                    continue
                n += 1
                if r == [_TOO_LONG]:
                    yield bad(n, f"the line is longer than {fmt_number(MAX_LINE)} characters (a quote opened and "
                                 "never closed, or not a dossier log?)")
                    continue
                line = delimiter.join(r)
                if not line.isascii() and (hit := _UNDECODED.search(line)):
                    unread_bytes = " ".join(f"0x{ord(c) - 0xDC00:02X}" for c in hit.group())
                    yield bad(n, f"{'byte' if len(hit.group()) == 1 else 'bytes'} {unread_bytes} cannot be read as "
                                 f"{said}, the encoding of the file's first megabyte", _shown(line))
                    continue
                yield [unicodedata.normalize("NFC", c) for c in r] if normal else r

    stream = rows()
    first = [r for _, r in zip(range(HEAD_ROWS), stream)]
    _write_csv(scratch, first)
    try:
        _, header, _, _ = _locate(scratch, KIND, None, None)
    except DxDataError as e:        # a header line that could not be read is said with it
        raise DxDataError(unread + e.problems) from None
    prefix, body = first[:header.data_start], first[header.data_start:]
    return Head(prefix, _chain(body, stream), header, delimiter, encoding, stream)


MAX_LINE = 1 << 20        # characters in one line of a log: beyond, the line is an error at its number
_TOO_LONG = "\ue000dx-metrics: line too long\ue000"     # stands for such a line (a private-use mark)
_UNDECODED = re.compile("[\udc00-\udcff]+")


def _keep_bytes(e: UnicodeDecodeError) -> tuple[str, int]:
    """Each byte a decoder cannot read as U+DC00 + the byte: Python's "surrogateescape" does so
    for bytes from 0x80 only, and a damaged UTF-16 unit may hold a smaller one."""
    return "".join(chr(0xDC00 + b) for b in e.object[e.start:e.end]), e.end


_KEEP_BYTES = "dx_metrics.keep_bytes"
codecs.register_error(_KEEP_BYTES, _keep_bytes)
_ENCODINGS = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "cp1258": "Windows-1258", "cp1252": "Windows-1252",
              "latin_1": "Latin-1", "utf-16": "UTF-16", "utf_16_le": "UTF-16", "utf_16_be": "UTF-16"}
_LINE_HINT = "export the log again, or open it and save it as CSV UTF-8"


def _csv_error(e: csv.Error) -> str:
    if "field limit" in str(e):
        return (f"a field is longer than {fmt_number(csv.field_size_limit())} characters (a quote opened and never "
                "closed?)")
    return f"the line is not valid CSV ({e})"


def _shown(line: str, width: int = 80) -> str:
    """A line as a user can read it, each byte that could not be read written \\xFF, cut near it."""
    at = max(0, _UNDECODED.search(line).start() - width // 2)
    text = _UNDECODED.sub(lambda m: "".join(f"\\x{ord(c) - 0xDC00:02X}" for c in m.group()), line[at:at + width])
    return ("…" if at else "") + text + ("…" if at + width < len(line) else "")


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def _shifted(p: Problem, offset: int, header_rows: int) -> Problem:
    """A chunk's problem at its line in the whole file."""
    if p.row is None or p.row <= header_rows or not offset:
        return p
    params = dict(p.params)
    if "ranges" in params:    # a problem standing for many rows: its ranges, as the file numbers them
        params["ranges"] = _shift_ranges(str(params["ranges"]), offset)
    return dataclasses.replace(p, row=p.row + offset, params=params, message="" if p.code else p.message)


def _shift_ranges(text: str, offset: int) -> str:
    """ "9–12, 20" moved down by ``offset`` rows ("1.009–1.012, 1.020" for 1000)."""
    def one(x: str) -> str:
        return fmt_number(int(x.replace(".", "")) + offset)
    return ", ".join("–".join(one(x) for x in part.split("–")) for part in text.split(", "))


def _registered_units(table: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Records of units the registry lacks (provisional units) left out, each name an error."""
    # provisional units, and names no scope placed that are no division name (a unit of no body known)
    provisional = table["unit_id"].map(unit_registry.is_provisional, na_action="ignore").fillna(False).astype(bool)
    provisional |= table["unit_id"].astype("string").str.startswith("?").fillna(False).astype(bool)
    if not provisional.any():
        return table, []
    problems = []
    for name, rows in table[provisional].groupby("unit_name", sort=True)["source_row"]:
        problems.append(Problem(
            file=file, row=int(rows.min()), column="unit_name", value=name, reason="inconsistent",
            code="records_of_unknown_unit", message="", hint_code="add_unit_suggest",
            params={"records": len(rows), "name": str(name), "file": str(file)}))
    return table[~provisional], problems


def _write(table: pd.DataFrame, staging: Path, name: str) -> None:
    if table.empty:
        return
    # one type per column in every part: a CSV has no sheet (all blank), a workbook names one
    table = table.astype({c: "string" for c in ("source_file", "source_sheet") if c in table})
    when = pd.to_datetime(table["received_at"])
    for (year, month), part in table.groupby([when.dt.year, when.dt.month], sort=True):
        folder = staging / f"year={int(year)}" / f"month={int(month)}"
        folder.mkdir(parents=True, exist_ok=True)
        part.reset_index(drop=True).to_parquet(folder / f"{name}.parquet", index=False)


def _move_in(staging: Path, out: Path) -> list[Path]:
    added = []
    for f in sorted(staging.rglob("*.parquet")):
        target = out / f.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(f, target)
        added.append(target)
    return added


def _refuse_repeats(out: Path, added: list[Path]) -> list[Problem]:
    """The dataset checked with the new parts in it: a dossier code it already held (or any
    other refusal) takes the new parts out again and refuses the import. Returns the check's
    warnings about files it did not read (under hidden or linked folders)."""
    if not added:
        return []
    try:
        checked = read_records(out, strict=False)
    except BaseException:
        for f in added:          # whatever the dataset's check refused, the file adds nothing
            f.unlink(missing_ok=True)
        raise
    return [p for p in problems_of(checked) if p.reason == "skipped_files"]


class DatasetBusy(TimeoutError):
    """Another import held the dataset longer than the wait allowed."""


@contextlib.contextmanager
def _locked(out: Path, *, timeout: float) -> Iterator[None]:
    """Hold ``out``'s lock file while the body runs. The file is created with O_CREAT | O_EXCL,
    which succeeds for one process only on every system (Windows too); another import waits
    for it to go, up to ``timeout`` seconds. A lock left by an import that was killed is named
    in the refusal, with who took it and when: delete it once no import is running."""
    lock = out / LOCK
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            pass
        except PermissionError:          # Windows, while its holder deletes it; else a folder we cannot write
            if not lock.exists():
                raise
        if time.monotonic() >= deadline:
            raise DatasetBusy(f"{out}: another import is adding files to this dataset ({_holder(lock)}); waited "
                              f"{timeout:g} s. If no import is running, delete {lock} and import again")
        time.sleep(0.05)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"pid": os.getpid(), "host": socket.gethostname(),
                       "since": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}, f)
        yield
    finally:
        lock.unlink(missing_ok=True)


def _holder(lock: Path) -> str:
    """Who holds the lock, as its file says."""
    try:
        held = json.loads(lock.read_text("utf-8"))
        return f"lock file {lock}, taken {held['since']} by process {held['pid']} on {held['host']}"
    except (OSError, ValueError, KeyError, TypeError):
        return f"lock file {lock}"


def _manifest(out: Path) -> list[dict]:
    """The files imported into ``out`` so far (its manifest), or a refusal naming the manifest."""
    f = out / MANIFEST
    if not f.is_file():
        return []
    try:
        listed = json.loads(f.read_text("utf-8"))
    except (OSError, ValueError) as e:
        listed = e
    if not isinstance(listed, list) or not all(isinstance(m, dict) and "sha256" in m for m in listed):
        raise DxDataError([Problem(file=MANIFEST, reason="unreadable",
                                   code="not_a_manifest", message="", hint_code="restore_manifest",
                                   params={"path": str(f)})])
    return listed


def _write_manifest(out: Path, manifest: list[dict]) -> None:
    """The manifest replaced in one rename: a reader sees the old list or the new one."""
    text = json.dumps(manifest, ensure_ascii=False, indent=1)
    write_atomically(out / MANIFEST, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def describe(result: Imported) -> str:
    """What an import did, for the terminal."""
    lines = []
    for f in result.files:
        lines.append(f"{f['file']}: skipped ({f['skipped']})" if "skipped" in f
                     else f"{f['file']}: {fmt_number(f['rows'])} record(s) imported")
    return "\n".join(lines)

