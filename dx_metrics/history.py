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

One writer at a time: a run writes its findings as Parquet parts into its output folder
(``write_part``); the batch's parent process merges each part after the run succeeded
(``merge_part``), under an exclusive lock on ``history.duckdb.lock``; a failed run records
nothing. Readers take the lock shared.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dx_metrics import workspace
from dx_metrics.canonical import KINDS

FILE_NAME = "history.duckdb"
PART_DIR = ".history"
DEFER = "DX_METRICS_HISTORY_DEFER"       # set by the runner: the run's part waits for its success
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
    setting = os.environ.get("DX_METRICS_HISTORY")
    if setting and setting.lower() == "off":
        return None
    if setting:
        return Path(setting).expanduser().absolute()
    ws = workspace.of_folder(Path(start).parent if start and Path(start).is_file() else start or Path.cwd())
    return ws.data / FILE_NAME


@contextlib.contextmanager
def _locked(path: Path, *, exclusive: bool) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextlib.contextmanager
def _writer(path: Path):
    import duckdb

    with _locked(path, exclusive=True):
        con = duckdb.connect(str(path))
        try:
            yield con
        finally:
            con.close()


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


def _append(con, table: str, df: pd.DataFrame) -> None:
    """Insert ``df`` into ``table`` by column name, creating the table or adding columns it lacks."""
    if df.empty and table not in _tables(con):
        return
    df = _stored(df.reset_index(drop=True))
    con.register("_incoming", df)
    try:
        if table not in _tables(con):
            con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM _incoming')
            return
        have = {r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()}
        types = dict(con.execute("DESCRIBE _incoming").fetchall()[i][:2] for i in range(len(df.columns)))
        for c in df.columns:
            if c not in have:
                con.execute(f'ALTER TABLE "{table}" ADD COLUMN "{c}" {types[c]}')
        con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM _incoming')
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


def _rows_dir(store: Path) -> Path:
    """Where runs leave the canonical rows of a reading, once per source, for the merge."""
    return store.with_name(store.name + ".rows")


def write_part(report, out_dir: str | Path, store: str | Path | None = None) -> Path:
    """Write what ``report`` (a ``PlanReport``) read and found as Parquet parts under
    ``out_dir/.history``; ``merge_part`` moves them into the store. The canonical rows of each
    source are written once beside the store (``<store>.rows/<source id>.parquet``), not by
    every run that reads it."""
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
    (part / "run.json").write_text(json.dumps(run, ensure_ascii=False), encoding="utf-8")
    frame = pd.DataFrame(sources).assign(read_at=now)
    _stored(frame).to_parquet(part / "sources.parquet")
    by_file = {(s["file"], s["kind"], s["sheet"]): s["source_id"] for s in sources}
    rows_dir = _rows_dir(Path(store) if store else location(plan.path) or part)
    for kind, table in report.tables.items():
        if not isinstance(table, pd.DataFrame) or kind not in KINDS or table.empty:
            continue     # dossier records kept in Parquet stay where they are
        ids = _row_sources(table, kind, sources, by_file)
        for sid, rows in table.groupby(ids.fillna(""), sort=False):
            target = rows_dir / f"{kind}-{sid}.parquet"
            if target.is_file():
                continue                      # another run of the batch left this reading's rows
            rows_dir.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{os.getpid()}")
            _stored(rows.assign(source_id=sid or None)).to_parquet(tmp)
            os.replace(tmp, target)
    _stored(report.observations.assign(run_id=run_id)).to_parquet(part / "run_observations.parquet")
    _stored(report.evaluation.assign(run_id=run_id)).to_parquet(part / "run_evaluations.parquet")
    pd.DataFrame({"run_id": run_id, "source_id": [s["source_id"] for s in sources]}).to_parquet(
        part / "run_sources.parquet")
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
    plan by default); a run already recorded adds nothing. Returns the run id, or None when
    there was no part or the history is off."""
    part = Path(out_dir) / PART_DIR
    if not (part / "run.json").is_file():
        return None
    run = json.loads((part / "run.json").read_text("utf-8"))
    path = Path(store) if store else location(run.get("plan_file") or out_dir)
    if path is None:
        shutil.rmtree(part, ignore_errors=True)
        return None
    with _writer(path) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            recorded = _merge(con, part, run, path)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        for f in recorded:        # only once committed: a merge that fails keeps them for the next
            f.unlink(missing_ok=True)
    shutil.rmtree(part, ignore_errors=True)
    return run["run_id"]


def _merge(con, part: Path, run: dict, store: Path) -> list[Path]:
    """Add the part's run to the store; returns the rows files now recorded (to remove once
    the transaction is committed)."""
    tables = _tables(con)
    if "runs" in tables and con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run["run_id"]]).fetchone():
        return []                                        # recorded before: nothing to add
    sources = pd.read_parquet(part / "sources.parquet")
    known = set()
    if "sources" in tables:
        known = {r[0] for r in con.execute("SELECT source_id FROM sources").fetchall()}
    new = sources[~sources["source_id"].isin(known)]
    _append(con, "sources", new)
    rows_dir = _rows_dir(store)
    for sid, kind in zip(new["source_id"], new["kind"]):
        f = rows_dir / f"{kind}-{sid}.parquet"
        if f.is_file():
            _append(con, f"rows_{kind}", pd.read_parquet(f))
    recorded = [f for f in (rows_dir.glob("*.parquet") if rows_dir.is_dir() else ())
                if f.stem.split("-", 1)[-1] in known | set(new["source_id"])]
    _append(con, "runs", pd.DataFrame([run]).assign(recorded_at=pd.Timestamp(run["recorded_at"])))
    for name in ("run_sources", "run_observations", "run_evaluations"):
        _append(con, name, pd.read_parquet(part / f"{name}.parquet"))
    if {"runs", "run_observations", "run_evaluations"} <= _tables(con):
        con.execute(_VIEWS)
    return recorded


# --- reading it back

@contextlib.contextmanager
def _reader(path: Path):
    import duckdb

    with _locked(path, exclusive=False):
        con = duckdb.connect(str(path), read_only=True)
        try:
            yield con
        finally:
            con.close()


def connect(path: str | Path | None = None):
    """A read-only DuckDB connection to a snapshot of the history (taken now), for analysts'
    own questions: ``dx.open_history().sql("SELECT * FROM evaluations")``."""
    import duckdb

    path = Path(path) if path else location()
    if path is None or not path.is_file():
        raise FileNotFoundError(f"no history yet at {path}: it is written by dx-metrics run")
    snap = Path(tempfile.mkdtemp(prefix="dx-history-")) / FILE_NAME
    with _locked(path, exclusive=False):
        shutil.copy2(path, snap)
    return duckdb.connect(str(snap), read_only=True)


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


def _matching(con, source: str) -> list[str]:
    """The source ids a user names: an id (or its first characters), or a file name."""
    rows = con.execute("SELECT source_id FROM sources WHERE source_id LIKE ? || '%' OR file = ?",
                       [source, source]).fetchall()
    return [r[0] for r in rows]


def show(source: str, path: str | Path | None = None) -> dict:
    """A source as recorded: its row, the runs that read it, its rows per kind."""
    path = Path(path) if path else location()
    if path is None or not path.is_file():
        raise LookupError("no history recorded yet")
    with _reader(path) as con:
        ids = _matching(con, source)
        if not ids:
            raise LookupError(f"no source {source!r} in the history; `dx-metrics history list` lists them")
        out = con.execute("SELECT * FROM sources WHERE source_id IN (SELECT UNNEST(?))", [ids]).df()
        runs = con.execute("""SELECT r.run_id, r.plan_id, r.year, r.as_of, r.recorded_at FROM runs r
                              JOIN run_sources rs USING (run_id) WHERE rs.source_id IN (SELECT UNNEST(?))
                              ORDER BY r.recorded_at""", [ids]).df()
    return {"sources": out, "runs": runs}


def forget(source: str, path: str | Path | None = None) -> dict[str, int]:
    """Remove a source (an id, its first characters, or a file name) and everything computed
    from it: its rows, and every run that read it with that run's observations and
    evaluations. Returns how many rows left each table."""
    path = Path(path) if path else location()
    if path is None or not path.is_file():
        raise LookupError("no history recorded yet")
    removed: dict[str, int] = {}
    with _writer(path) as con:
        ids = _matching(con, source)
        if not ids:
            raise LookupError(f"no source {source!r} in the history; `dx-metrics history list` lists them")
        runs = [r[0] for r in con.execute("SELECT DISTINCT run_id FROM run_sources WHERE source_id IN "
                                          "(SELECT UNNEST(?))", [ids]).fetchall()]
        con.execute("BEGIN TRANSACTION")
        for table in sorted(_tables(con)):
            key = "run_id" if table.startswith("run") else "source_id"
            keys = runs if key == "run_id" else ids
            n = con.execute(f'SELECT COUNT(*) FROM "{table}" WHERE {key} IN (SELECT UNNEST(?))', [keys]).fetchone()[0]
            if n:
                con.execute(f'DELETE FROM "{table}" WHERE {key} IN (SELECT UNNEST(?))', [keys])
                removed[table] = n
        con.execute("COMMIT")
    return removed


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
