"""Dossier records counted by a SQL engine: DuckDB embedded (the default), Apache Spark.

The record-level counts (per unit and period: received, online, digitised, paid online,
resolved, resolved late) are defined once, as the SQL of ``counts_sql`` in DuckDB's
dialect; Spark runs the same text transpiled by SQLGlot, never a second hand-kept copy.
The engine scans the records where they lie (Parquet files, out of core) and returns a
few rows per unit and period; pending and carried over are then derived from those counts
by ``records.counts_table``, the function the pandas path uses too, so the three paths
build the same ``dossiers`` table (tests compare them row for row).

Periods follow ``records``: the month of a date is its calendar month, or on the Decree
09/2019 calendar the next month from the 15th on; a period is month // months-per-period.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from dx_metrics import settings
from dx_metrics.indicators.records import CALENDARS, FREQS, counts_table
from dx_metrics.ingest.dataset import RecordSet, connect

ENGINES = ("duckdb", "spark")
_FLAGS = ("digitized", "paid_online")
COUNT_COLUMNS = ["event", "unit_id", "period", "n", "online", "digitized", "paid_online", "late", "last_month"]


def counts_sql(columns: Sequence[str], *, freq: str, calendar: str, source: str = "records") -> str:
    """The counting query over the relation ``source`` holding canonical record ``columns``.

    Rows (``COUNT_COLUMNS``): per unit and period a ``received`` row (n, online, digitized,
    paid_online, the last month of receipt) and a ``resolved`` row (n, late). Records without
    a unit form their own group: they count nowhere but, as on the pandas path, their dates
    belong to the span of periods. Optional columns absent
    from ``columns`` count as missing (no appointment date: never late)."""
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {tuple(FREQS)}, not {freq!r}")
    if calendar not in CALENDARS:
        raise ValueError(f"calendar must be one of {CALENDARS}, not {calendar!r}")
    step = FREQS[freq]
    cols = set(columns)

    def day(c: str) -> str:
        return f"CAST({c} AS DATE)" if c in cols else "CAST(NULL AS DATE)"

    def month(d: str) -> str:
        shift = f" + CASE WHEN DAY({d}) >= 15 THEN 1 ELSE 0 END" if calendar == "decree09" else ""
        return f"(YEAR({d}) * 12 + MONTH({d}) - 1{shift})"

    def ticked(c: str) -> str:
        return f"COUNT_IF({c})" if c in cols else "CAST(NULL AS BIGINT)"

    def period(m: str) -> str:
        return f"{m} // {step}"

    return f"""
WITH d AS (
  SELECT unit_id, {day('received_at')} AS d_recv, {day('resolved_at')} AS d_res, {day('due_at')} AS d_due,
         channel, {'digitized' if 'digitized' in cols else 'CAST(NULL AS BOOLEAN)'} AS digitized,
         {'paid_online' if 'paid_online' in cols else 'CAST(NULL AS BOOLEAN)'} AS paid_online
  FROM {source}
), m AS (
  SELECT unit_id, {month('d_recv')} AS m_recv, {month('d_res')} AS m_res, d_res > d_due AS late,
         channel = 'online' AS online, digitized, paid_online
  FROM d
)
SELECT 'received' AS event, unit_id, {period('m_recv')} AS period, COUNT(*) AS n,
       COUNT_IF(online) AS online, {ticked('digitized')} AS digitized,
       {ticked('paid_online')} AS paid_online, CAST(NULL AS BIGINT) AS late, MAX(m_recv) AS last_month
FROM m WHERE m_recv IS NOT NULL
GROUP BY unit_id, {period('m_recv')}
UNION ALL
SELECT 'resolved', unit_id, {period('m_res')}, COUNT(*), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT),
       CAST(NULL AS BIGINT), COUNT_IF(late), CAST(NULL AS BIGINT)
FROM m WHERE m_res IS NOT NULL
GROUP BY unit_id, {period('m_res')}
"""


COUNT_766_COLUMNS = ["unit_id", "received", "online", "digitized", "fee_dossiers", "paid_online_fee", "complained",
                     "resolved_on_time", "resolved_late", "overdue_open"]


def counts_766_sql(columns: Sequence[str], *, first: dt.date, last: dt.date, source: str = "records") -> str:
    """The 766 counting query over ``source`` for the days ``first``..``last`` (both included),
    one row per unit (``COUNT_766_COLUMNS``); ``score766.count_766`` counts the same in pandas.

    Received in the period (by the day of receipt): all, online, digitised, with a fee > 0, paid
    online among those with a fee, with a complaint. Judged for on-time (METHODS.md, 766): finished
    in the period on or before the appointment day pushed back by the whole days waiting for the
    applicant's supplements (a fraction of a day is dropped; an empty cell is no wait), or after it;
    unfinished at the period's end (received by then) with that day already past. A dossier with no
    appointment date is never late. Optional columns absent from ``columns`` count nothing; whether
    a component is computable is decided from ``columns``, not from these counts."""
    cols = set(columns)

    def col(c: str, kind: str) -> str:
        return c if c in cols else f"CAST(NULL AS {kind})"

    def number(c: str) -> str:
        # a pandas float column holds NaN where the log is empty: DuckDB keeps it NaN (larger than
        # any number), so it is made NULL as the pandas path reads it
        return (f"CASE WHEN isnan(CAST({c} AS DOUBLE)) THEN NULL ELSE CAST({c} AS DOUBLE) END" if c in cols
                else "CAST(NULL AS DOUBLE)")

    wait = f"CAST(FLOOR(COALESCE({number('supplement_days')}, 0)) AS INTEGER)"
    lo, hi = f"DATE '{first.isoformat()}'", f"DATE '{last.isoformat()}'"
    return f"""
WITH d AS (
  SELECT unit_id, CAST(received_at AS DATE) AS d_recv,
         CAST({col('resolved_at', 'TIMESTAMP')} AS DATE) AS d_res,
         CAST({col('due_at', 'TIMESTAMP')} AS DATE) + {wait} AS d_due,
         channel = 'online' AS online, {col('digitized', 'BOOLEAN')} AS digitized,
         {number('fee')} > 0 AS with_fee, {col('paid_online', 'BOOLEAN')} AS paid_online,
         {col('complained', 'BOOLEAN')} AS complained
  FROM {source}
  WHERE unit_id IS NOT NULL AND received_at IS NOT NULL
), f AS (
  SELECT *, d_recv BETWEEN {lo} AND {hi} AS recv_in, d_res BETWEEN {lo} AND {hi} AS res_in,
         d_recv <= {hi} AND (d_res IS NULL OR d_res > {hi}) AS open_at_end
  FROM d
), c AS (
  SELECT unit_id, COUNT(*) FILTER (WHERE recv_in) AS received, COUNT(*) FILTER (WHERE recv_in AND online) AS online,
         COUNT(*) FILTER (WHERE recv_in AND digitized) AS digitized, COUNT(*) FILTER (WHERE recv_in AND with_fee) AS fee_dossiers,
         COUNT(*) FILTER (WHERE recv_in AND with_fee AND paid_online) AS paid_online_fee,
         COUNT(*) FILTER (WHERE recv_in AND complained) AS complained,
         COUNT(*) FILTER (WHERE res_in AND (d_due IS NULL OR d_res <= d_due)) AS resolved_on_time,
         COUNT(*) FILTER (WHERE res_in AND d_res > d_due) AS resolved_late,
         COUNT(*) FILTER (WHERE open_at_end AND d_due < {hi}) AS overdue_open
  FROM f GROUP BY unit_id      -- COUNT(*) FILTER: COUNT_IF of NULL conditions only would be NULL
)
SELECT * FROM c WHERE received + resolved_on_time + resolved_late + overdue_open > 0 ORDER BY unit_id
"""


def counts_766_parquet(files: Sequence[str], columns: Sequence[str], *, first: dt.date, last: dt.date,
                       engine: str = "duckdb", spark=None, exclude: str | None = None) -> pd.DataFrame:
    """The rows of ``counts_766_sql`` (``COUNT_766_COLUMNS``) over ``dossier_records`` held in
    Parquet ``files``, counted by ``engine`` ("duckdb", or "spark": the same SQL transpiled);
    rows meeting ``exclude`` (a SQL condition: the rows a check rejected) left out."""
    sql = counts_766_sql(columns, first=first, last=last)
    if engine == "duckdb":
        return _duckdb_rows(files, sql, exclude)
    if engine == "spark":
        return _spark_rows(files, sql, spark, exclude, columns=COUNT_766_COLUMNS)
    raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")


def _need_spark() -> None:
    """PySpark and SQLGlot are the [spark] extra, absent from a report install (``make report``):
    they are imported only on the Spark path, and their absence is said with the install to make."""
    if problem := settings.missing_spark():
        raise ModuleNotFoundError(f"the Spark engine {problem}")


@lru_cache(maxsize=64)
def spark_sql(duckdb_sql: str) -> str:
    """``counts_sql`` in Spark SQL, transpiled by SQLGlot."""
    _need_spark()
    import sqlglot      # lazy: the [spark] extra (_need_spark)

    return sqlglot.transpile(duckdb_sql, read="duckdb", write="spark")[0]


def counts_to_table(rows: pd.DataFrame, *, freq: str, has: Sequence[str]) -> pd.DataFrame:
    """The ``dossiers`` table from the rows of ``counts_sql`` (any engine's)."""
    received = rows[rows["event"] == "received"]
    if received.empty:
        return pd.DataFrame(columns=["unit_id", "period"])
    first = int(received["period"].min())
    last = int(received["period"].max())
    last_month = int(received["last_month"].max())
    n_p = last - first + 1
    rest = rows[rows["unit_id"].notna()]
    # a resolution dated before any receipt has no period to go to; one after the last period of
    # receipt is after the log's span: its dossier is pending at the span's end, no new period
    rest = rest[(rest["period"] >= first) & (rest["period"] <= last)]
    units = np.array(sorted(set(rest["unit_id"])), dtype=object)
    where = {u: i for i, u in enumerate(units)}

    def grid(event: str, column: str) -> np.ndarray:
        part = rest[rest["event"] == event]
        out = np.zeros((len(units), n_p), dtype=np.int64)
        vals = pd.to_numeric(part[column]).fillna(0).to_numpy(dtype=np.int64)
        np.add.at(out, (part["unit_id"].map(where).to_numpy(dtype=np.int64),
                        part["period"].to_numpy(dtype=np.int64) - first), vals)
        return out

    counts = {"received_total": grid("received", "n"), "received_online": grid("received", "online")}
    for flag in _FLAGS:
        if flag in has:
            counts[flag] = grid("received", flag)
    return counts_table(units, first, n_p, freq, last_month, received=counts,
                        resolved=grid("resolved", "n"), late=grid("resolved", "late"))


def aggregate_parquet(files: Sequence[str], columns: Sequence[str], *, freq: str = "year",
                      calendar: str = "decree09", engine: str = "duckdb", spark=None,
                      exclude: str | None = None) -> pd.DataFrame:
    """``dossier_records`` held in Parquet ``files`` -> ``dossiers``, counted by ``engine``
    ("duckdb", or "spark" with a SparkSession ``spark``, default: ``spark_session()``).
    Rows meeting ``exclude`` (a SQL condition, e.g. the rows a check rejected) are left out."""
    sql = counts_sql(columns, freq=freq, calendar=calendar)
    if engine == "duckdb":
        rows = _duckdb_rows(files, sql, exclude)
    elif engine == "spark":
        rows = _spark_rows(files, sql, spark, exclude)
    else:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    return counts_to_table(rows, freq=freq, has=columns)


def aggregate_record_set(records: RecordSet, *, freq: str = "year", calendar: str = "decree09",
                         engine: str | None = None, spark=None) -> pd.DataFrame:
    """The ``dossiers`` table a ``RecordSet`` counts to, leaving out its rejected rows; ``engine``
    defaults to ``DX_METRICS_ENGINE`` (duckdb, or spark for a cluster: ``spark_session``)."""
    engine = engine or settings.value("DX_METRICS_ENGINE")
    return aggregate_parquet(records.files, records.columns, freq=freq, calendar=calendar, engine=engine,
                             spark=spark, exclude=records.exclude)


def aggregate_frame(records: pd.DataFrame, *, freq: str = "year", calendar: str = "decree09") -> pd.DataFrame:
    """The same count by DuckDB over a pandas frame (zero-copy scan); for tests and benchmarks."""
    con = connect()
    try:
        con.register("records", records)
        rows = con.execute(counts_sql(list(records.columns), freq=freq, calendar=calendar)).df()
    finally:
        con.close()
    return counts_to_table(rows, freq=freq, has=list(records.columns))


def _duckdb_rows(files: Sequence[str], sql: str, exclude: str | None = None) -> pd.DataFrame:
    con = connect()
    try:
        rel = con.read_parquet(list(files), union_by_name=True, hive_partitioning=False)
        con.register("records", rel.filter(f"NOT ({exclude})") if exclude else rel)
        return con.execute(sql).df()
    finally:
        con.close()


def spark_session():
    """A SparkSession from ``DX_METRICS_SPARK_MASTER`` (default ``local[*]``: this machine's
    cores; a cluster's ``spark://host:7077`` or ``yarn`` in production), in UTC so that a
    record's day is the day written."""
    _need_spark()
    from pyspark.sql import SparkSession     # lazy: the [spark] extra (_need_spark)

    master = settings.value("DX_METRICS_SPARK_MASTER")
    return (SparkSession.builder.master(master).appName("dx_metrics")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate())


def _refuse_nanoseconds(files: Sequence[str]) -> None:
    """Spark reads no nanosecond timestamps (pandas' default datetime64[ns] writes them): said
    before a session starts, with the fix."""
    con = connect()
    try:
        types = con.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "
                            "read_parquet(?, union_by_name = true))", [list(files)]).fetchall()
    finally:
        con.close()
    nanos = [c for c, t in types if t.upper() == "TIMESTAMP_NS"]
    if nanos:
        raise ValueError(f"Spark cannot read nanosecond timestamps ({', '.join(nanos)}); write them in "
                         f"microseconds (in pandas: df[c].astype('datetime64[us]')), as dx-metrics "
                         f"import-records does, or count with DuckDB")


def _spark_rows(files: Sequence[str], sql: str, spark, exclude: str | None = None,
                columns: Sequence[str] = COUNT_COLUMNS) -> pd.DataFrame:
    _need_spark()
    import sqlglot      # lazy: the [spark] extra (_need_spark)

    _refuse_nanoseconds(files)
    spark = spark or spark_session()
    frame = spark.read.option("mergeSchema", "true").parquet(*files)
    if exclude:
        frame = frame.filter(sqlglot.transpile(f"NOT ({exclude})", read="duckdb", write="spark")[0])
    frame.createOrReplaceTempView("records")
    rows = spark.sql(spark_sql(sql)).collect()
    return pd.DataFrame([r.asDict() for r in rows], columns=list(columns))
