"""The history store: what every run read and found, kept in one DuckDB file per workspace.

``<workspace>/data/history.duckdb`` (``DX_METRICS_HISTORY`` moves it, or ``off``) outlives
the spreadsheets: year over year reads last year's figures from it when last year's exports
are gone, and says so. Each run records, once (keys are content digests, so a re-run adds
nothing):

  sources          one row per input read: file, sha256, kind, sheet, period, scope, index,
                   rows, the reader's and the unit registry's digests, when it was read
  rows_<kind>      the canonical rows of each source (``rows_dossiers``, ``rows_services``,
                   ``rows_index_scores`` ...), with their provenance columns and ``source_id``;
                   dossier records kept in Parquet are not copied (``sources.path`` points at them)
  runs             one row per plan run: plan id, unit, year, as_of, the plan file's text
  run_sources      which sources a run read
  run_observations the indicators a run computed (every unit of its inputs)
  run_evaluations  the plan's targets as evaluated (status, gap, notes ...)

Views for analysts: ``observations_latest`` (each indicator, unit and period as the most
recent run found it) and ``evaluations`` (every run's targets with the run's plan, year and
time). ``connect()`` opens a snapshot read-only, so a notebook left open never blocks a run.

The history is a side store: a run never writes into it, or beside it, before it has
succeeded, and it never fails a report. A run writes what it read and found as Parquet parts
into its own output folder (``write_part``: ``<run>/.history``, the canonical rows included);
once the run has succeeded, its process (or, in a batch, the parent: one writer) merges the
part into the store (``merge_part``, under an exclusive lock on ``history.duckdb.lock``),
checkpoints it into the file and reads the run back from the file before it says "recorded".
A store that cannot be used (read-only, full, in use by another program, damaged, not a
DuckDB file) raises ``HistoryUnavailable``, whose ``cause`` is a note (``notes.yaml``): the run
keeps its report and says why it was not recorded (``record``). Readers take the lock shared.
DuckDB never installs or loads an extension on its own here (``ingest.dataset.duckdb_config``).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dx_metrics import notes, settings, workspace
from dx_metrics.canonical import KINDS

FILE_NAME = "history.duckdb"
PART_DIR = ".history"
ROWS_DIR = "rows"                        # in a part: the canonical rows of each source it read
LOCK_WAIT = 30.0                         # seconds to wait for another dx-metrics process's lock
_KEYS = {"runs": "run_id", "sources": "source_id"}
_VIEWS = """
CREATE OR REPLACE VIEW evaluations AS
  SELECT r.plan_id, r.year, r.unit_id AS plan_unit, r.as_of, r.recorded_at, e.* EXCLUDE (plan_id)
  FROM run_evaluations e JOIN runs r USING (run_id);
CREATE OR REPLACE VIEW observations_latest AS
  SELECT * EXCLUDE (rn) FROM (
    SELECT o.*, r.plan_id, r.recorded_at,
           row_number() OVER (PARTITION BY o.indicator_id, o.unit_id, o.period ORDER BY r.recorded_at DESC,
                              r.run_id) AS rn
    FROM run_observations o JOIN runs r USING (run_id)) WHERE rn = 1;
"""


def location(start: str | Path | None = None) -> Path | None:
    """The history file of the workspace of ``start`` (a plan file or folder; default: the
    current folder), or ``DX_METRICS_HISTORY``; None when that is ``off``."""
    setting = settings.value("DX_METRICS_HISTORY")
    if setting == settings.OFF:
        return None
    if setting:
        return Path(setting).expanduser().absolute()
    ws = workspace.of_folder(Path(start).parent if start and Path(start).is_file() else start or Path.cwd())
    return ws.data / FILE_NAME


# --- when the store cannot be used

class HistoryUnavailable(RuntimeError):
    """The history store cannot be read or written. ``cause`` says why as a note (a code of
    ``notes.yaml`` with its figures: ``history_cannot_write``, ``history_disk_full``,
    ``history_locked``, ``history_damaged``, ``history_not_duckdb``, ``history_only_in_wal``,
    ``history_error``); ``str()`` is its English text."""

    def __init__(self, cause: dict):
        self.cause = cause
        super().__init__(notes.say_one(cause, "en"))


# the first bytes of files that are sometimes found where the history should be
_OTHER_FORMATS = ((b"SQLite format 3\x00", "SQLite"), (b"PAR1", "Parquet"), (b"PK\x03\x04", "ZIP"),
                  (b"%PDF", "PDF"))
_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EISDIR}
_BUSY = {errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES, getattr(errno, "EDEADLOCK", errno.EAGAIN)}


def _detail(e: BaseException) -> str:
    """What went wrong, in one line: an OS error's own words and file, DuckDB's first line."""
    if isinstance(e, OSError) and e.strerror:
        text = e.strerror + (f": {e.filename}" if e.filename else "")
    else:
        text = (str(e).strip().splitlines() or [type(e).__name__])[0]
    return text if len(text) <= 300 else text[:299] + "…"


def _cause(e: BaseException, path: Path) -> dict:
    """Why ``path`` could not be used, from the error that said so."""
    if isinstance(e, HistoryUnavailable):
        return e.cause
    said, number = str(e).lower(), getattr(e, "errno", None)
    store = str(path)
    if number in _FULL or any(t in said for t in ("no space left", "file too large", "disk quota")):
        return notes.note("history_disk_full", store=store, detail=_detail(e))
    # before the access errors: Windows says a file another process holds open is not accessible
    if any(t in said for t in ("could not set lock", "conflicting lock", "used by another process")):
        return notes.note("history_locked", store=store, detail=_detail(e))
    if number in _READ_ONLY or any(t in said for t in ("permission denied", "read-only file system",
                                                       "not a directory", "access is denied")):
        return notes.note("history_cannot_write", store=store, detail=_detail(e))
    if "not a valid duckdb database file" in said:
        return notes.note("history_damaged", store=store)
    return notes.note("history_error", store=store, detail=f"{type(e).__name__}: {_detail(e)}")


def _check_format(path: Path) -> None:
    """Refuse a file at the store's place that is not a DuckDB database before DuckDB opens it
    (given a SQLite file, DuckDB would go and fetch its SQLite extension)."""
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except FileNotFoundError:
        return                                  # a new store
    except OSError as e:
        raise HistoryUnavailable(_cause(e, path)) from e
    if head[8:12] == b"DUCK":                   # DuckDB's magic bytes, after the header's checksum
        return
    for magic, name in _OTHER_FORMATS:
        if head.startswith(magic):
            raise HistoryUnavailable(notes.note("history_not_duckdb", store=str(path), format=name))
    raise HistoryUnavailable(notes.note("history_damaged", store=str(path)))


def _open(path: Path, *, read_only: bool):
    """A DuckDB connection to the store, after ``_check_format``; DuckDB's settings are the
    project's (no extension installed or loaded on its own, spills in the temporary folder)."""
    import duckdb

    from dx_metrics.ingest.dataset import duckdb_config

    _check_format(path)
    return duckdb.connect(str(path), read_only=read_only, config=duckdb_config())


# --- one writer at a time: a lock file beside the store (fcntl, or msvcrt on Windows), each
# imported when a lock is taken, so that importing dx_metrics needs neither

def _try_lock(f, exclusive: bool) -> None:
    if os.name == "nt":                                        # pragma: no cover - Windows
        import msvcrt

        f.seek(0)
        msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)           # Windows: every lock is exclusive
        return
    import fcntl

    fcntl.flock(f, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)


def _unlock(f) -> None:
    if os.name == "nt":                                        # pragma: no cover - Windows
        import msvcrt

        f.seek(0)
        msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(f, fcntl.LOCK_UN)


@contextlib.contextmanager
def _locked(path: Path, *, exclusive: bool) -> Iterator[None]:
    """Hold ``<store>.lock`` (exclusive to write, shared to read), waiting at most ``LOCK_WAIT``
    seconds for another dx-metrics process. Only a writer makes the lock file (and the store's
    folder); a reader without one (a store copied in, a folder it cannot write) reads without
    it, DuckDB's own lock on the store keeping a writer out meanwhile."""
    lock_path = path.with_name(path.name + ".lock")
    lock = None
    if exclusive:
        try:
            if not path.parent.is_dir():
                if os.path.lexists(path.parent):
                    raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path.parent))
                path.parent.mkdir(parents=True, exist_ok=True)
            lock = open(lock_path, "a+")
        except OSError as e:
            raise HistoryUnavailable(_cause(e, path)) from e
    else:
        with contextlib.suppress(OSError):
            lock = open(lock_path)
    if lock is None:
        yield
        return
    with lock:
        waited = time.monotonic() + LOCK_WAIT
        while True:
            try:
                _try_lock(lock, exclusive)
                break
            except OSError as e:
                if e.errno not in _BUSY:
                    raise HistoryUnavailable(_cause(e, path)) from e
                if time.monotonic() > waited:
                    raise HistoryUnavailable(notes.note(
                        "history_locked", store=str(path),
                        detail=f"{lock_path.name} held by another dx-metrics process for {LOCK_WAIT:g} s")) from e
                time.sleep(0.05)
        try:
            yield
        finally:
            _unlock(lock)


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()[:20]


def _stored(df: pd.DataFrame) -> pd.DataFrame:
    """A frame in the store's types: whole numbers as BIGINT, other numbers as DOUBLE, ticks
    as BOOLEAN, dates as TIMESTAMP, everything else as text (lists and mappings as JSON), so
    that inputs of one kind read on different days land in one table."""
    out = {}
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_bool_dtype(s):
            out[c] = s.astype("boolean")
        elif pd.api.types.is_integer_dtype(s):
            out[c] = s.astype("Int64")
        elif pd.api.types.is_numeric_dtype(s):
            out[c] = s.astype("Float64")
        elif pd.api.types.is_datetime64_any_dtype(s):
            out[c] = pd.to_datetime(s).dt.tz_localize(None) if getattr(s.dt, "tz", None) else s.astype("datetime64[us]")
        elif pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
            out[c] = s.astype("string")
        else:
            out[c] = s.map(lambda v: None if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                           else (v if isinstance(v, str) else json.dumps(v, default=str, ensure_ascii=False)
                                 if isinstance(v, (list, dict)) else str(v))).astype("string")
    return pd.DataFrame(out, index=df.index)


def _name(identifier: str) -> str:
    """A table or column name quoted for SQL (names cannot be parameters)."""
    return '"' + str(identifier).replace('"', '""') + '"'


def _append(con, table: str, df: pd.DataFrame) -> None:
    """Insert ``df`` into ``table`` by column name, creating the table or adding columns it lacks."""
    if df.empty and table not in _tables(con):
        return
    df = _stored(df.reset_index(drop=True))
    con.register("_incoming", df)
    try:
        if table not in _tables(con):
            con.execute(f"CREATE TABLE {_name(table)} AS SELECT * FROM _incoming")
            return
        have = {r[0] for r in con.execute(f"DESCRIBE {_name(table)}").fetchall()}
        types = dict(con.execute("DESCRIBE _incoming").fetchall()[i][:2] for i in range(len(df.columns)))
        for c in df.columns:
            if c not in have:
                con.execute(f"ALTER TABLE {_name(table)} ADD COLUMN {_name(c)} {types[c]}")
        con.execute(f"INSERT INTO {_name(table)} BY NAME SELECT * FROM _incoming")
    finally:
        con.unregister("_incoming")


def _tables(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                      "WHERE table_schema = 'main' AND table_type = 'BASE TABLE'").fetchall()}


# --- what a run writes: a part in its output folder

def source_id(source: dict) -> str:
    """The key of an input as read: its bytes, how it was read, and the reader and registry
    that read it (a new reader, or another registry, is another reading). The scope counts
    only where it changed the reading (a national export naming provinces reads the same for
    every province's plan: one source, its rows kept once)."""
    scope = None if source.get("scope_free") else source.get("scope_id")
    return _digest(source.get("sha256"), source.get("kind"), source.get("sheet"), source.get("period"),
                   scope, source.get("index"), source.get("reader"), source.get("registry"))


def write_part(report, out_dir: str | Path) -> Path:
    """Write what ``report`` (a ``PlanReport``) read and found as Parquet parts under
    ``out_dir/.history``, the canonical rows of each source it read under ``.history/rows``;
    ``merge_part`` moves them into the store once the run has succeeded. Nothing is written
    into the store, or beside it, here."""
    from dx_metrics.ingest.cache import reader_digest
    from dx_metrics.units import registry_digest

    part = Path(out_dir) / PART_DIR
    if part.exists():
        shutil.rmtree(part)
    part.mkdir(parents=True)
    plan = report.plan
    plan_text = plan.path.read_text("utf-8") if plan.path is not None and Path(plan.path).is_file() else ""
    reader, registry = reader_digest(), registry_digest()
    sources = [{**{k: s.get(k) for k in ("file", "path", "kind", "sheet", "period", "rows", "sha256", "scope_id")},
                "scope_free": bool(s.get("scope_free")), "index": s.get("index"), "compare": bool(s.get("compare")),
                "reader": reader, "registry": registry}
               for s in report.sources]
    for s in sources:
        s["source_id"] = source_id(s)
    as_of = report.as_of.isoformat() if report.as_of else None
    run_id = _digest(plan.plan_id, plan_text, sorted(s["source_id"] for s in sources), as_of, reader, registry)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    run = {"run_id": run_id, "plan_id": plan.plan_id, "unit_id": plan.unit_id, "year": int(plan.year),
           "title": plan.title, "as_of": as_of, "plan_file": str(plan.path) if plan.path else None,
           "plan_text": plan_text, "recorded_at": now.isoformat()}
    frame = pd.DataFrame(sources).assign(read_at=now)
    _stored(frame).to_parquet(part / "sources.parquet")
    by_file = {(s["file"], s["kind"], s["sheet"]): s["source_id"] for s in sources}
    rows_dir = part / ROWS_DIR
    for kind, table in report.tables.items():
        if not isinstance(table, pd.DataFrame) or kind not in KINDS or table.empty:
            continue     # dossier records kept in Parquet stay where they are
        ids = _row_sources(table, kind, sources, by_file)
        for sid, rows in table.groupby(ids.fillna(""), sort=False):
            rows_dir.mkdir(exist_ok=True)
            _stored(rows.assign(source_id=sid or None)).to_parquet(rows_dir / f"{kind}-{sid}.parquet")
    _stored(report.observations.assign(run_id=run_id)).to_parquet(part / "run_observations.parquet")
    _stored(report.evaluation.assign(run_id=run_id)).to_parquet(part / "run_evaluations.parquet")
    pd.DataFrame({"run_id": run_id, "source_id": [s["source_id"] for s in sources]}).to_parquet(
        part / "run_sources.parquet")
    # last: a part without run.json (a run killed while writing it) is never merged
    (part / "run.json").write_text(json.dumps(run, ensure_ascii=False), encoding="utf-8")
    return part


def _row_sources(table: pd.DataFrame, kind: str, sources: list[dict], by_file: dict) -> pd.Series:
    """Each row's source id, from its provenance columns (the only source of its kind else)."""
    mine = [s for s in sources if s["kind"] == kind]
    if len(mine) == 1 or "source_file" not in table:
        return pd.Series(mine[0]["source_id"] if mine else None, index=table.index, dtype="string")
    sheets = table["source_sheet"] if "source_sheet" in table else pd.Series(None, index=table.index)
    return pd.Series([by_file.get((f, kind, s)) or next((x["source_id"] for x in mine if x["file"] == f), None)
                      for f, s in zip(table["source_file"], sheets)], index=table.index, dtype="string")


def merge_part(out_dir: str | Path, store: str | Path | None = None) -> str | None:
    """Move the part a run wrote under ``out_dir`` into the store (``location()`` of the run's
    plan by default); a run already recorded adds nothing. Returns the run id once the run is
    in the store's file (checkpointed and read back), or None when there was no part or the
    history is off. A store that cannot take it raises ``HistoryUnavailable`` and keeps the
    part, so that ``merge_part`` can be called again."""
    part = Path(out_dir) / PART_DIR
    if not (part / "run.json").is_file():
        return None
    run = json.loads((part / "run.json").read_text("utf-8"))
    path = Path(store) if store else location(run.get("plan_file") or out_dir)
    if path is None:
        shutil.rmtree(part, ignore_errors=True)
        return None
    try:
        with _locked(path, exclusive=True):
            _write(path, part, run)
            _verify(path, run["run_id"])
    except Exception as e:  # noqa: BLE001 - whatever the store did, it is said as a cause
        raise HistoryUnavailable(_cause(e, path)) from e
    shutil.rmtree(part, ignore_errors=True)
    return run["run_id"]


def _write(path: Path, part: Path, run: dict) -> None:
    """The part's run added in one transaction, then checkpointed into the file: a commit
    alone may leave the run in the write-ahead log only (a full disk refuses the checkpoint)."""
    con = _open(path, read_only=False)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            _merge(con, part, run)
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                con.execute("ROLLBACK")
            raise
        try:
            con.execute("CHECKPOINT")
        except Exception as e:  # noqa: BLE001 - committed to the log, not to the file
            raise HistoryUnavailable(_in_log_only(path, _detail(e))) from e
    finally:
        con.close()


def _in_log_only(path: Path, detail: str) -> dict:
    wal = path.with_name(path.name + ".wal")
    return notes.note("history_only_in_wal", store=str(path), wal=wal.name, detail=detail)


def _verify(path: Path, run_id: str) -> None:
    """The run read back from the store's file, with no write-ahead log left beside it."""
    wal = path.with_name(path.name + ".wal")
    if wal.is_file() and wal.stat().st_size:
        raise HistoryUnavailable(_in_log_only(path, "the log was not applied to the file"))
    con = _open(path, read_only=True)
    try:
        found = con.execute("SELECT COUNT(*) FROM runs WHERE run_id = ?", [run_id]).fetchone()[0]
    finally:
        con.close()
    if not found:
        raise HistoryUnavailable(notes.note("history_error", store=str(path),
                                            detail=f"run {run_id} is not in the file after the merge"))


def _merge(con, part: Path, run: dict) -> None:
    """Add the part's run to the store (nothing when it was recorded before)."""
    tables = _tables(con)
    if "runs" in tables and con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run["run_id"]]).fetchone():
        return                                           # recorded before: nothing to add
    sources = pd.read_parquet(part / "sources.parquet")
    known = set()
    if "sources" in tables:
        known = {r[0] for r in con.execute("SELECT source_id FROM sources").fetchall()}
    new = sources[~sources["source_id"].isin(known)]
    _append(con, "sources", new)
    for sid, kind in zip(new["source_id"], new["kind"]):
        f = part / ROWS_DIR / f"{kind}-{sid}.parquet"
        if f.is_file():
            _append(con, f"rows_{kind}", pd.read_parquet(f))
    _append(con, "runs", pd.DataFrame([run]).assign(recorded_at=pd.Timestamp(run["recorded_at"])))
    for name in ("run_sources", "run_observations", "run_evaluations"):
        _append(con, name, pd.read_parquet(part / f"{name}.parquet"))
    if {"runs", "run_observations", "run_evaluations"} <= _tables(con):
        con.execute(_VIEWS)


def record(out_dir: str | Path, store: str | Path | None = None) -> dict | None:
    """``merge_part`` for a run that has succeeded, said as the run's summary says it:
    ``{"recorded": True, "run_id": ...}``, or ``{"recorded": False, "note": ..., "note_codes":
    [...]}`` with why (the store's failures never reach the caller); None when there was
    nothing to record (no part, or the history is off)."""
    try:
        run_id = merge_part(out_dir, store)
    except HistoryUnavailable as e:
        return not_recorded(e.cause)
    return None if run_id is None else {"recorded": True, "run_id": run_id}


def not_recorded(cause: dict) -> dict:
    """The outcome of a run the history did not keep, and why (``cause``: a note)."""
    said = notes.note("history_not_recorded", cause=cause)
    return {"recorded": False, "note": notes.say_one(said, "en"), "note_codes": [said]}


def failed(e: BaseException, store: str | Path) -> dict:
    """The outcome of a run whose part could not be written (``not_recorded`` with the error)."""
    return not_recorded(_cause(e, Path(store)))


# --- reading it back

@contextlib.contextmanager
def _reader(path: Path):
    """A read-only connection to the store under the shared lock; a store that cannot be read
    raises ``HistoryUnavailable``."""
    import duckdb

    try:
        with _locked(path, exclusive=False):
            con = _open(path, read_only=True)
            try:
                yield con
            finally:
                con.close()
    except (OSError, duckdb.Error) as e:
        raise HistoryUnavailable(_cause(e, path)) from e


def connect(path: str | Path | None = None):
    """A DuckDB connection to a snapshot of the history (taken now, held in memory), for
    analysts' own questions: ``dx.open_history().sql("SELECT * FROM evaluations")``. Nothing is
    written to disk: no temporary copy is left behind, however many are opened; what an analyst
    changes in it never reaches the store."""
    import duckdb

    from dx_metrics.ingest.dataset import duckdb_config

    path = Path(path) if path else location()
    if path is None or not path.is_file():
        raise FileNotFoundError(f"no history yet at {path}: it is written by dx-metrics run")
    con = duckdb.connect(":memory:", config=duckdb_config())
    try:
        with _locked(path, exclusive=False):
            _check_format(path)
            con.execute("ATTACH ? AS dx_history_store (READ_ONLY)", [str(path)])
            try:
                con.execute("COPY FROM DATABASE dx_history_store TO memory")
            finally:
                con.execute("DETACH dx_history_store")
    except BaseException as e:
        con.close()
        if isinstance(e, (OSError, duckdb.Error)):
            raise HistoryUnavailable(_cause(e, path)) from e
        raise
    return con


def sources(path: str | Path | None = None) -> pd.DataFrame:
    """The sources recorded, newest first, with how many runs read each."""
    path = Path(path) if path else location()
    if path is None or not path.is_file():
        return pd.DataFrame(columns=["source_id", "file", "kind", "sheet", "period", "rows", "read_at", "runs"])
    with _reader(path) as con:
        if "sources" not in _tables(con):
            return pd.DataFrame()
        return con.execute("""SELECT s.source_id, s.file, s.kind, s.sheet, s.period, CAST(s.rows AS BIGINT) AS rows,
                                     s.read_at, COUNT(rs.run_id) AS runs
                              FROM sources s LEFT JOIN run_sources rs USING (source_id)
                              GROUP BY ALL ORDER BY s.read_at DESC, s.file, s.sheet""").df()


def _matching(con, source: str | Sequence[str], *, prefix: bool = False) -> list[str]:
    """The source ids a user names: an id or a file name, exactly (several ids: a list), or with
    ``prefix`` the ids that begin with ``source`` (its characters as written: ``_`` and ``%``
    are no wildcards)."""
    if "sources" not in _tables(con):
        return []
    if not isinstance(source, str):
        query, params = "SELECT source_id FROM sources WHERE source_id IN (SELECT UNNEST(?))", [list(source)]
    elif prefix:
        if not source:
            raise ValueError("a prefix needs at least one character")
        query, params = "SELECT source_id FROM sources WHERE starts_with(source_id, ?)", [source]
    else:
        query, params = "SELECT source_id FROM sources WHERE source_id = ? OR file = ?", [source, source]
    return [r[0] for r in con.execute(query + " ORDER BY source_id", params).fetchall()]


def find(source: str, path: str | Path | None = None, *, prefix: bool = False) -> pd.DataFrame:
    """The sources ``source`` names (see ``forget``), with how many runs read each."""
    path = _existing(path)
    with _reader(path) as con:
        ids = _matching(con, source, prefix=prefix)
        if not ids:
            return pd.DataFrame(columns=["source_id", "file", "sheet", "runs"])
        return con.execute("""SELECT s.source_id, s.file, s.sheet, COUNT(rs.run_id) AS runs
                              FROM sources s LEFT JOIN run_sources rs USING (source_id)
                              WHERE s.source_id IN (SELECT UNNEST(?)) GROUP BY ALL ORDER BY s.file, s.source_id""",
                           [ids]).df()


def _existing(path: str | Path | None) -> Path:
    path = Path(path) if path else location()
    if path is None or not path.is_file():
        raise LookupError("no history recorded yet")
    return path


def show(source: str, path: str | Path | None = None) -> dict:
    """A source as recorded (an id, its first characters, or a file name): its row, the runs
    that read it, its rows per kind."""
    path = _existing(path)
    with _reader(path) as con:
        ids = _matching(con, source) or _matching(con, source, prefix=True)
        if not ids:
            raise LookupError(f"no source {source!r} in the history; `dx-metrics history list` lists them")
        out = con.execute("SELECT * FROM sources WHERE source_id IN (SELECT UNNEST(?))", [ids]).df()
        runs = con.execute("""SELECT r.run_id, r.plan_id, r.year, r.as_of, r.recorded_at FROM runs r
                              JOIN run_sources rs USING (run_id) WHERE rs.source_id IN (SELECT UNNEST(?))
                              ORDER BY r.recorded_at""", [ids]).df()
    return {"sources": out, "runs": runs}


def forget(source: str | Sequence[str], path: str | Path | None = None, *, prefix: bool = False) -> dict[str, int]:
    """Remove a source and everything computed from it: its rows, and every run that read it
    with that run's observations and evaluations. ``source`` is a source id or a file name,
    exactly (or a list of ids); with ``prefix``, every source whose id begins with it. Returns
    how many rows left each table."""
    path = _existing(path)
    removed: dict[str, int] = {}
    try:
        with _locked(path, exclusive=True):
            con = _open(path, read_only=False)
            try:
                ids = _matching(con, source, prefix=prefix)
                if not ids:
                    shown = source if isinstance(source, str) else ", ".join(source)
                    raise LookupError(f"no source {shown!r} in the history; `dx-metrics history list` lists them")
                runs = [r[0] for r in con.execute("SELECT DISTINCT run_id FROM run_sources WHERE source_id IN "
                                                  "(SELECT UNNEST(?))", [ids]).fetchall()]
                con.execute("BEGIN TRANSACTION")
                for table in sorted(_tables(con)):
                    key = "run_id" if table.startswith("run") else "source_id"
                    keys = runs if key == "run_id" else ids
                    n = con.execute(f'SELECT COUNT(*) FROM {_name(table)} WHERE {key} IN (SELECT UNNEST(?))',
                                    [keys]).fetchone()[0]
                    if n:
                        con.execute(f'DELETE FROM {_name(table)} WHERE {key} IN (SELECT UNNEST(?))', [keys])
                        removed[table] = n
                con.execute("COMMIT")
            finally:
                con.close()
    except (LookupError, ValueError):
        raise
    except Exception as e:  # noqa: BLE001 - whatever the store did, it is said as a cause
        raise HistoryUnavailable(_cause(e, path)) from e
    return removed


TARGET_FIGURES = ["unit_id", "indicator_id", "year", "actual", "status", "plan_id", "as_of", "recorded_at"]


def target_figures(path: str | Path | None = None) -> pd.DataFrame:
    """The figure of every target the history holds, one per unit, indicator and year (columns
    ``TARGET_FIGURES``): that of the year-end run (no ``as_of``) recorded last, else of the
    latest early warning; runs that found no figure are passed over. Empty when nothing is
    recorded; a store that cannot be read raises ``HistoryUnavailable``. Read-only: the store is
    opened read-only under the shared lock."""
    path = Path(path) if path else location()
    if path is None or not path.is_file():
        return pd.DataFrame(columns=TARGET_FIGURES)
    with _reader(path) as con:
        if not {"runs", "run_evaluations"} <= _tables(con):
            return pd.DataFrame(columns=TARGET_FIGURES)
        return con.execute("""
            SELECT e.unit_id, e.indicator_id, CAST(r.year AS BIGINT) AS year, CAST(e.actual AS DOUBLE) AS actual,
                   e.status, r.plan_id, r.as_of, r.recorded_at
            FROM run_evaluations e JOIN runs r USING (run_id)
            WHERE e.actual IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY e.unit_id, e.indicator_id, r.year
                                       ORDER BY (r.as_of IS NULL) DESC, r.as_of DESC, r.recorded_at DESC,
                                                r.run_id) = 1
            ORDER BY e.unit_id, e.indicator_id, year""").df()


@dataclass
class Recorded:
    """A plan's run as the history kept it: enough for year over year."""

    run: dict
    observations: pd.DataFrame
    evaluation: pd.DataFrame
    index_scores: pd.DataFrame
    files: list[str]


def latest_run(unit_id: str, year: int, *, plan_id: str | None = None,
               path: str | Path | None = None) -> Recorded | None:
    """The most recent recorded run of a plan of ``unit_id`` for ``year`` (``plan_id`` when
    given), or None."""
    path = Path(path) if path else location()
    if path is None or not path.is_file():
        return None
    with _reader(path) as con:
        if "runs" not in _tables(con):
            return None
        hit = con.execute("""SELECT * FROM runs WHERE unit_id = ? AND year = ? AND (? IS NULL OR plan_id = ?)
                             ORDER BY recorded_at DESC LIMIT 1""", [unit_id, int(year), plan_id, plan_id]).df()
        if hit.empty:
            return None
        run = hit.iloc[0].to_dict()
        rid = run["run_id"]
        obs = con.execute("SELECT * EXCLUDE (run_id) FROM run_observations WHERE run_id = ?", [rid]).df()
        ev = con.execute("SELECT * EXCLUDE (run_id) FROM run_evaluations WHERE run_id = ?", [rid]).df()
        files = [r[0] for r in con.execute("""SELECT DISTINCT s.file FROM sources s JOIN run_sources rs
                                               USING (source_id) WHERE rs.run_id = ? ORDER BY 1""", [rid]).fetchall()]
        scores = pd.DataFrame()
        if "rows_index_scores" in _tables(con):
            scores = con.execute("""SELECT * EXCLUDE (source_id) FROM rows_index_scores WHERE source_id IN
                                    (SELECT source_id FROM run_sources WHERE run_id = ?)""", [rid]).df()
    return Recorded(run=run, observations=obs, evaluation=ev, index_scores=scores, files=files)
