"""The review's record rules over dossier records kept in Parquet, in SQL on DuckDB (issue 30, item 4).

The pandas path (``review._outside_period``, ``_months_without_records``, ``_fast_online``,
``_bursts``) reads every record into memory; here one DuckDB query scans the files where they
lie and returns a row per unit and month of receipt (a few thousand rows for ten million
records), from which the same flags, counts and examples follow:

- records outside the plan's period: a month decides it (a period is whole months), so the
  per-month rows sum to the pandas figures;
- months without records: the months a unit has a record in;
- online dossiers resolved within minutes: a count per row, summed.

Examples are the first three dossier codes in the order the records are read (file by file, row
by row), as the frame ``RecordSet.to_pandas`` builds has them: DuckDB keeps, per month, the
positions of the first three fast answers, whose codes are then fetched by position; the first
three outside the period are read by a LIMIT that stops early. Bursts group (unit, applicant or account, day) in one more pass (their groups grow
with the records: capped memory, as the checks are). Memory: the counting connection's settings.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dx_metrics.periods import Period

_POS_STRIDE = 1 << 40       # a position: the file's place in the set × 2^40 + its row in the file


def _connect(records, *, capped: bool = False):
    """A connection with ``records`` registered as the relation ``records`` (its rejected rows
    left out), with ``filename`` and ``file_row_number`` for the position."""
    from dx_metrics.ingest.dataset import _scan, connect

    con = connect(capped=capped)
    rel = _scan(con, list(records.files), located=True)
    con.register("records", rel.filter(f"NOT ({records.exclude})") if records.exclude else rel)
    return con


def _pos(records) -> str:
    files = ", ".join("'" + str(f).replace("'", "''") + "'" for f in records.files)
    return f"(CAST(list_position([{files}], filename) AS BIGINT) * {_POS_STRIDE} + file_row_number)"


def _code(records) -> str:
    """A dossier code as the pandas path shows it (``astype(str)``: a missing code is "<NA>")."""
    return "COALESCE(CAST(dossier_id AS VARCHAR), '<NA>')" if "dossier_id" in records else "CAST(NULL AS VARCHAR)"


def day_rows_sql(records, s: dict) -> str:
    """Per unit and month of receipt: records, online records, online records with both dates,
    fast online answers and the positions of the first three of them. Only numbers: reading
    every dossier code would cost as much again; the few codes shown are fetched afterwards."""
    timed = "resolved_at" in records
    limit = int(s["records"]["fast_online_minutes"] * 60)
    fast = (f"online AND resolved_at >= received_at AND resolved_at <= received_at + to_seconds({limit})"
            if timed else "FALSE")
    both = "resolved_at IS NOT NULL AND received_at IS NOT NULL" if timed else "FALSE"
    return f"""
WITH r AS (
  SELECT unit_id, YEAR(received_at) * 12 + MONTH(received_at) - 1 AS month, COALESCE(channel = 'online', FALSE) AS online,
         {'resolved_at' if timed else 'CAST(NULL AS TIMESTAMP) AS resolved_at'}, received_at, filename, file_row_number
  FROM records
), f AS (
  SELECT *, COALESCE({fast}, FALSE) AS fast, online AND {both} AS online_timed FROM r
)
SELECT unit_id, month, COUNT(*) AS n, COUNT_IF(online) AS online, COUNT_IF(online_timed) AS online_timed,
       COUNT_IF(fast) AS fast, min({_pos(records)}, 3) FILTER (WHERE fast) AS fast_pos
FROM f
GROUP BY unit_id, month
"""


def burst_sql(records, key: str, s: dict) -> str:
    """(unit, ``key``, day) groups of online records with the key and a date: their number
    (``groups``, on every row) and those that are bursts, by first position."""
    r = s["records"]
    return f"""
WITH g AS (
  SELECT unit_id, "{key}" AS key, CAST(received_at AS DATE) AS day, COUNT(*) AS n, min({_pos(records)}) AS first,
         min_by({_code(records)}, {_pos(records)}, 3) AS codes
  FROM records
  WHERE channel = 'online' AND "{key}" IS NOT NULL AND received_at IS NOT NULL
  GROUP BY ALL
), m AS (
  SELECT *, median(n) OVER (PARTITION BY unit_id) AS med, COUNT(*) OVER () AS groups FROM g
)
SELECT unit_id, day, n, med, codes, groups, first FROM m
WHERE n >= {int(r['burst_min'])} AND n >= {float(r['burst_factor'])} * med
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, COUNT(*), NULL FROM g
ORDER BY first NULLS LAST
"""


def _first_positions(rows: pd.DataFrame) -> list[int]:
    """The first three positions among the per-month lists of ``rows`` (each sorted)."""
    return sorted(int(p) for ps in rows["fast_pos"] if not _na(ps) for p in ps)[:3]


def _na(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v))


def _codes_at(con, records, positions: list[int]) -> dict[int, str]:
    """The dossier codes at ``positions`` (a file's row numbers pushed down to its scan)."""
    if not positions:
        return {}
    by_file: dict[int, list[int]] = {}
    for p in positions:
        by_file.setdefault(p // _POS_STRIDE, []).append(p % _POS_STRIDE)
    where = " OR ".join(f"(filename = '{str(records.files[k - 1]).replace(chr(39), chr(39) * 2)}' AND "
                        f"file_row_number IN ({', '.join(map(str, rows))}))" for k, rows in by_file.items())
    got = con.execute(f"SELECT {_pos(records)} AS pos, {_code(records)} AS code FROM records WHERE {where}").fetchall()
    return {int(p): c for p, c in got}


def _first_outside(con, records, period: Period, wanted: dict) -> dict[str, list[str]]:
    """The first three codes (in the order read) of each unit's records outside ``period``;
    ``wanted``: unit -> how many it has. Read in order until each unit has its examples (a
    LIMIT stops the scan early: outside records are usually many), else all of them, ranked."""
    cond = (f"unit_id IS NOT NULL AND (received_at < TIMESTAMP '{period.first_day.isoformat()}' OR "
            f"received_at >= TIMESTAMP '{period.first_day.isoformat()}' + INTERVAL {_days(period)} DAY)")
    need = {u: min(3, int(n)) for u, n in wanted.items()}
    total = int(sum(wanted.values()))
    k = min(total, max(4096, 64 * len(need)))
    rows = con.execute(f"SELECT unit_id, {_code(records)}, {_pos(records)} AS pos FROM records WHERE {cond} "
                       f"LIMIT {k}").fetchall()
    out: dict[str, list[tuple[int, str]]] = {}
    for u, c, p in rows:
        out.setdefault(u, []).append((p, c))
    if len(rows) < total and any(len(out.get(u, [])) < n for u, n in need.items()):
        rows = con.execute(f"SELECT unit_id, {_code(records)}, {_pos(records)} AS pos FROM records WHERE {cond} "
                           f"QUALIFY row_number() OVER (PARTITION BY unit_id ORDER BY pos) <= 3").fetchall()
        out = {}
        for u, c, p in rows:
            out.setdefault(u, []).append((p, c))
    return {u: [c for _, c in sorted(v)[:3]] for u, v in out.items()}


def _days(period: Period) -> int:
    return (period.last_day - period.first_day).days + 1


def record_rules(records, s: dict, period: Period | None, flags: list[dict], judged: dict) -> None:
    """The review's record rules (outside the period, months without records, fast online
    answers, bursts) over a ``RecordSet``: the same flags, counts and examples as the pandas path."""
    from dx_metrics.quality.review import _flag

    coded = "dossier_id" in records
    con = _connect(records)
    try:
        days = con.execute(day_rows_sql(records, s)).df()
        unit_known = days["unit_id"].notna()
        dated = days["month"].notna()
        outside = pd.Series(False, index=days.index)
        if period is not None:      # a period is whole months: a month is in it or out of it
            first = period.first_day.year * 12 + period.first_day.month - 1
            last = period.last_day.year * 12 + period.last_day.month - 1
            outside = dated & ((days["month"] < first) | (days["month"] > last))
            judged["records_period"] = int(days.loc[dated, "n"].sum())
            out = days[outside & unit_known].groupby("unit_id", sort=False)["n"].sum()
            if outside.any():
                known = days[dated & unit_known].groupby("unit_id")["n"].sum()
                examples = _first_outside(con, records, period, out.to_dict()) if coded and len(out) else {}
                for unit, n in out.items():
                    _flag(flags, "records", "R", "outside_period", unit_id=unit, subject="dossier_records",
                          value=int(n), reference=int(known[unit]), examples=examples.get(unit, []),
                          period=period.label())
        _months_without(days[~outside], flags, judged)
        if "resolved_at" in records:
            judged["records_fast"] = int(days["online_timed"].sum())
            limit = s["records"]["fast_online_minutes"]
            if days["fast"].sum():
                online = days[unit_known].groupby("unit_id")["online"].sum()
                hit = days[unit_known & (days["fast"] > 0)]
                first = {u: _first_positions(rows) for u, rows in hit.groupby("unit_id", sort=False)}
                codes = _codes_at(con, records, [p for ps in first.values() for p in ps]) if coded else {}
                for unit, rows in hit.groupby("unit_id", sort=False):
                    _flag(flags, "records", "R", "fast_online", unit_id=unit, subject="dossier_records",
                          value=int(rows["fast"].sum()), reference=int(online[unit]),
                          examples=[codes[p] for p in first[unit]] if coded else [], threshold=limit)
    finally:
        con.close()
    for key in ("applicant", "received_by"):
        if key in records:
            _bursts(records, key, s, flags, judged)


def _months_without(days: pd.DataFrame, flags: list[dict], judged: dict) -> None:
    """Months inside the span of the dated records of known units in which a unit (any with a
    record, dated or not) has none."""
    from dx_metrics.quality.review import _flag

    unit = days["unit_id"].to_numpy(dtype=object, na_value=None)
    months = days["month"].to_numpy(dtype=float, na_value=np.nan)
    ok = np.array([u is not None for u in unit], dtype=bool) & ~np.isnan(months)
    if not ok.any():
        return
    month = months[ok].astype(np.int64)
    first, last = int(month.min()), int(month.max())
    units = list(dict.fromkeys(u for u in unit if u is not None))
    present = set(zip(unit[ok].tolist(), month.tolist()))
    judged["1a_records"] = len(units) * (last - first + 1)

    def label(m: int) -> str:
        return f"{m // 12}-{m % 12 + 1:02d}"
    for u in units:
        for m in range(first, last + 1):
            if (u, m) not in present:
                _flag(flags, "completeness", "1a", "month_without_records", unit_id=u, period=label(m),
                      subject="dossier_records", value=0, compared_with=[label(first), label(last)])


def _bursts(records, key: str, s: dict, flags: list[dict], judged: dict) -> None:
    from dx_metrics.quality.review import _flag

    con = _connect(records, capped=True)       # groups grow with the records: the checks' cap
    try:
        rows = con.execute(burst_sql(records, key, s)).df()
    finally:
        con.close()
    groups = int(rows["groups"].iloc[-1]) if len(rows) else 0
    if not groups:
        return
    judged["records_burst"] = judged.get("records_burst", 0) + groups
    r = s["records"]
    for x in rows[rows["n"].notna()].itertuples(index=False):
        _flag(flags, "records", "R", "burst", unit_id=None if _na(x.unit_id) else x.unit_id,
              period=f"{pd.Timestamp(x.day):%Y-%m-%d}", subject=key, value=int(x.n), reference=float(x.med),
              threshold=r["burst_factor"], examples=list(x.codes) if "dossier_id" in records else [])


def services_rules(records, services: pd.DataFrame, flags: list[dict], judged: dict) -> None:
    """[2c, 4] online dossiers of a procedure not offered online, procedures the catalogue lacks,
    over a ``RecordSet``: the rows that hit (few) are read in order and judged by the pandas
    rules; the counts over every record (procedures known, a unit's procedures) come from SQL."""
    from dx_metrics.ingest.dataset import _canonical_dtypes
    from dx_metrics.quality.review import _not_in_catalogue, _online_without_service

    offline = services.loc[services["provided_online"].eq(False).fillna(False), "procedure_id"].dropna().astype(str)
    listed = services["procedure_id"].dropna().astype(str)
    con = _connect(records)
    try:
        con.register("offline", pd.DataFrame({"p": pd.Series(sorted(set(offline)), dtype=object)}))
        con.register("listed", pd.DataFrame({"p": pd.Series(sorted(set(listed)), dtype=object)}))
        per_unit = con.execute("SELECT unit_id, COUNT(procedure_id) AS known, COUNT(DISTINCT procedure_id) AS kinds "
                               "FROM records GROUP BY unit_id").df()
        cols = ", ".join(f'"{c}"' for c in records.columns)
        hits = con.execute(
            f"SELECT {cols} FROM records WHERE procedure_id IS NOT NULL AND "
            f"(CAST(procedure_id AS VARCHAR) NOT IN (SELECT p FROM listed) OR "
            f"(channel = 'online' AND CAST(procedure_id AS VARCHAR) IN (SELECT p FROM offline))) "
            f"ORDER BY {_pos(records)}").df()
    finally:
        con.close()
    hits = _canonical_dtypes(hits)
    scratch: dict = {}
    _online_without_service(hits, "dossier_records", services, flags, scratch)
    start = len(flags)
    _not_in_catalogue(hits, services, flags, scratch)
    kinds = per_unit.dropna(subset=["unit_id"]).set_index("unit_id")["kinds"]
    for f in flags[start:]:
        f["reference"] = int(kinds[f["unit_id"]])
    known = int(per_unit["known"].sum())
    judged["2c_services"] = judged.get("2c_services", 0) + known
    judged["4_catalogue"] = judged.get("4_catalogue", 0) + known
