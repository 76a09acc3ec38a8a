"""The Decision 766/QĐ-TTg (2022) service index estimated from a unit's own one-stop dossier log.

Method: ../shared/METHODS.md, "Decision 766/QĐ-TTg (2022) service index — corroborated", as
data in ``method_766.yaml`` (``method766.load_method_766``). The portal counts calendar months,
so ``period`` is a calendar span ("2025-10", "2025-Q3", "2025"); a dossier's day is the day
written in the log. Per unit and period, for each component the log can give:

- TDGQ, on-time rate = finished on or before the appointment day + the whole days waited for
  the applicant's supplements ÷ judged, where judged = finished in the period + unfinished at
  the period's end with that day already past (unfinished ones still within it are not judged
  yet). Needs ``due_at``, ``resolved_at``, ``supplement_days`` (days the clock stood still;
  an empty cell is no wait).
- CLGQ, online dossier rate = received online ÷ all received (``channel``); the share of
  procedures offered online comes from the services catalogue, not the log.
- TTTT, online payment rate = paid online ÷ received with a fee > 0 (``fee``, ``paid_online``).
- MDHL, satisfaction = 1 − (overdue ÷ judged + with a complaint ÷ received), where overdue =
  judged − on time (``complained`` and TDGQ's columns).
- MDSH, digitisation rate = digitised ÷ all received (``digitized``).

Points = max × rate ÷ threshold below the threshold, max at or above it, never below 0; points
lost = max − points. A component whose inputs are not in a log (CKMB), a record set lacking a
column a rate needs, or a rate whose share of its component's points the method does not state,
gives a row with ``computable`` false, no points and a coded note, never an invented figure.
A rate with a zero denominator (no dossier with a fee) is missing, with the note
``denominator_zero``.

The counts come from ``count_766``: pandas (``dossier_flags``, judging on time with the one
definition of ``records.finished_late`` and ``records.overdue_at``), or DuckDB over a frame, or
DuckDB or Spark over a Parquet ``RecordSet`` with the SQL of ``engines.counts_766_sql``; the
scoring after them is one function, so every engine gives the same table. The record columns
the rates read beyond the required ones (``supplement_days``, ``fee``, ``complained``, and
``division`` for the explanation) are canonical optional ``dossier_records`` columns
(``canonical.RECORD_766_COLUMNS``; their header words in ``ingest/columns.yaml``).

``explain_766`` lists the dossiers behind the points lost, grouped by procedure and division,
with the points fixing each group would add; ``say_766_gain`` says one such row ("12 hồ sơ trễ
hạn của Phòng X: +0,8 điểm TDGQ"). These are estimates on a corroborated method: never the
portal's official score.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from dx_metrics.indicators import engines
from dx_metrics.indicators.method766 import CONFIDENCE, load_method_766
from dx_metrics.indicators.records import finished_late, overdue_at, record_days
from dx_metrics.ingest.dataset import RecordSet, connect
from dx_metrics.formats import fmt_score
from dx_metrics.notes import encode, note, say
from dx_metrics.periods import parse_period

ENGINES = ("pandas", "duckdb", "spark")
COUNT_COLUMNS = engines.COUNT_766_COLUMNS
# the record columns each rate needs (beyond unit_id and received_at)
NEEDS = {
    "on_time_rate": ("due_at", "resolved_at", "supplement_days"),
    "online_dossier_rate": ("channel",),
    "online_payment_rate": ("fee", "paid_online"),
    "satisfaction_rate": ("due_at", "resolved_at", "supplement_days", "complained"),
    "digitization_rate": ("digitized",),
}
SCORE_COLUMNS = ["unit_id", "period", "component", "component_max", "rate_id", "numerator", "denominator", "rate",
                 "threshold", "max_points", "points", "points_lost", "computable", "confidence", "note",
                 "note_codes"]
_EPOCH = dt.date(1970, 1, 1)


def _span(period: str) -> tuple[dt.date, dt.date]:
    p = parse_period(period)
    return p.first_day, p.last_day


def count_766(records: pd.DataFrame | RecordSet, *, period: str, engine: str = "pandas", spark=None) -> pd.DataFrame:
    """Per unit, the counts the 766 rates rest on for ``period`` (``COUNT_COLUMNS``; definitions
    in ``engines.counts_766_sql``), by ``engine`` "pandas" or "duckdb" over a frame, "duckdb" or
    "spark" (with a SparkSession ``spark``) over a ``RecordSet`` (Parquet, its rejected rows left
    out). Records without a unit or a day of receipt count nowhere. Units with nothing received
    nor judged are left out."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    first, last = _span(period)
    if isinstance(records, RecordSet):
        engine = "duckdb" if engine == "pandas" else engine
        out = engines.counts_766_parquet(records.files, records.columns, first=first, last=last, engine=engine,
                                         spark=spark, exclude=records.exclude)
    elif engine == "spark":
        raise ValueError("the Spark engine counts Parquet files: give a RecordSet (dataset.read_records)")
    elif engine == "duckdb":
        con = connect()
        try:
            con.register("records", records)
            out = con.execute(engines.counts_766_sql(list(records.columns), first=first, last=last)).df()
        finally:
            con.close()
    else:
        out = _count_pandas(records, period)
    out = out.reindex(columns=COUNT_COLUMNS)
    for c in COUNT_COLUMNS[1:]:
        out[c] = pd.to_numeric(out[c]).astype("Int64")
    out["unit_id"] = out["unit_id"].astype("string")
    return out.sort_values("unit_id").reset_index(drop=True)


def dossier_flags(records: pd.DataFrame, *, period: str) -> pd.DataFrame:
    """Per dossier of ``records`` with a unit and a day of receipt, what it adds to each count of
    ``COUNT_COLUMNS`` for ``period`` (one boolean column per count, the index of ``records``
    kept): the pandas side of ``engines.counts_766_sql``, with the one definition of on time
    of ``records`` (``finished_late``, ``overdue_at``; the whole days waited for supplements
    pushing the appointment day back). ``count_766`` sums it per unit; ``explain_766`` lists
    the dossiers behind the points lost."""
    first, last = _span(period)
    df = records[records["unit_id"].notna() & records["received_at"].notna()]
    n = len(df)
    lo, hi = (first - _EPOCH).days, (last - _EPOCH).days
    days = record_days(df, waits=True)
    recv, _ = days["received_at"]
    res, no_res = days["resolved_at"]

    def flag(c: str) -> np.ndarray:
        if c not in df:
            return np.zeros(n, dtype=bool)
        return df[c].astype("boolean").fillna(False).to_numpy(dtype=bool)

    recv_in = (recv >= lo) & (recv <= hi)
    res_in = ~no_res & (res >= lo) & (res <= hi)
    late = finished_late(days)
    # a fee written as an amount (> 0) or as a yes/no mark (true counts as 1)
    with_fee = (pd.to_numeric(df["fee"]).astype("Float64") > 0).fillna(False).to_numpy(dtype=bool) if "fee" in df \
        else np.zeros(n, dtype=bool)
    online = (df["channel"] == "online").fillna(False).to_numpy(dtype=bool) if "channel" in df \
        else np.zeros(n, dtype=bool)
    return pd.DataFrame({
        "unit_id": df["unit_id"].astype(str).to_numpy(),
        "received": recv_in, "online": recv_in & online, "digitized": recv_in & flag("digitized"),
        "fee_dossiers": recv_in & with_fee, "paid_online_fee": recv_in & with_fee & flag("paid_online"),
        "complained": recv_in & flag("complained"),
        "resolved_on_time": res_in & ~late,
        "resolved_late": res_in & late,
        "overdue_open": overdue_at(days, hi),
    }, index=df.index)


def _count_pandas(records: pd.DataFrame, period: str) -> pd.DataFrame:
    counts = dossier_flags(records, period=period)
    out = counts.groupby("unit_id", sort=True).sum().astype(np.int64).reset_index()
    active = out[["received", "resolved_on_time", "resolved_late", "overdue_open"]].sum(axis=1) > 0
    return out[active]


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    num, den = num.astype("Float64"), den.astype("Float64")
    return (num / den).where(den > 0, pd.NA)


def _rates(c: pd.DataFrame) -> dict[str, tuple[pd.Series | None, pd.Series | None, pd.Series]]:
    """(numerator, denominator, rate) of each rate the log gives, per row of the counts ``c``."""
    judged = c["resolved_on_time"] + c["resolved_late"] + c["overdue_open"]
    overdue = c["resolved_late"] + c["overdue_open"]
    satisfaction = 1 - (_ratio(overdue, judged) + _ratio(c["complained"], c["received"]))
    return {
        "on_time_rate": (c["resolved_on_time"], judged, _ratio(c["resolved_on_time"], judged)),
        "online_dossier_rate": (c["online"], c["received"], _ratio(c["online"], c["received"])),
        "online_payment_rate": (c["paid_online_fee"], c["fee_dossiers"], _ratio(c["paid_online_fee"], c["fee_dossiers"])),
        "satisfaction_rate": (None, None, satisfaction),
        "digitization_rate": (c["digitized"], c["received"], _ratio(c["digitized"], c["received"])),
    }


def points_766(rate: pd.Series, *, max_points: float, threshold: float) -> pd.Series:
    """The linear rule of METHODS.md: ``max × rate ÷ threshold`` below the threshold, ``max`` at or
    above it, never below 0; a missing rate gives missing points.

    >>> list(points_766(pd.Series([0.4, 0.5, 0.9], dtype="Float64"), max_points=12, threshold=0.5))
    [9.6, 12.0, 12.0]
    """
    r = rate.astype("Float64")
    return (r.clip(lower=0, upper=threshold) * max_points / threshold).astype("Float64")


def _weakest(*labels: str | None) -> str:
    return max((lab for lab in labels if lab), key=CONFIDENCE.index)


def score_766(records: pd.DataFrame | RecordSet, method: dict | None = None, *, period: str,
              engine: str = "pandas", spark=None) -> pd.DataFrame:
    """The estimated 766 score of each unit of ``records`` (``dossier_records``) for ``period``
    under ``method`` (default: the bundled ``method_766.yaml``), one row per unit, component and
    rate (``SCORE_COLUMNS``; a component without rates, CKMB, has one row, no rate). ``points``
    and ``max_points`` are the points resting on the rate; ``component_max`` the component's
    maximum. ``confidence`` is the weakest of the component's, the formula's and the threshold's.
    ``engine``: as ``count_766`` (same counts, same table)."""
    method = load_method_766() if method is None else method
    counts = count_766(records, period=period, engine=engine, spark=spark)
    have = set(records.columns)
    rates = _rates(counts)
    units = counts["unit_id"]
    parts = []
    for cid, comp in method["components"].items():
        for rid, r in (comp["rates"] or {None: {}}).items():
            n = len(units)
            row = pd.DataFrame({"unit_id": units, "period": period, "component": cid,
                                "component_max": float(comp["max_points"]), "rate_id": rid})
            na = pd.Series(pd.NA, index=units.index, dtype="Float64")
            num = den = rate = pts = na
            confidence = _weakest(comp["confidence"], r.get("formula_confidence"), r.get("threshold_confidence"))
            missing = [c for c in NEEDS.get(rid, ()) if c not in have]
            if not comp["from_log"] or not r.get("from_log", False) or rid not in NEEDS:
                why = [note("score_766_not_from_log")]
            elif missing:
                why = [note("score_766_missing_columns", columns=", ".join(missing))]
            else:
                got_num, got_den, rate = rates[rid]
                if got_num is not None:
                    num, den = got_num.astype("Float64"), got_den.astype("Float64")
                if r.get("points") is None:
                    why = [note("score_766_points_not_stated")]
                else:
                    why = []
                    pts = points_766(rate, max_points=r["points"], threshold=r["threshold"])
            computable = pd.Series(not why, index=units.index, dtype="boolean")
            per_row = [list(why) for _ in range(n)]
            if not why:
                for i, missing_rate in enumerate(rate.isna().to_numpy()):
                    if missing_rate:
                        per_row[i] = [note("denominator_zero")]
                computable = pd.Series([not w for w in per_row], index=units.index, dtype="boolean")
            row["numerator"], row["denominator"], row["rate"] = num, den, rate
            row["threshold"] = pd.Series(r.get("threshold"), index=units.index, dtype="Float64")
            row["max_points"] = pd.Series(r.get("points"), index=units.index, dtype="Float64")
            row["points"] = pts
            row["points_lost"] = (row["max_points"] - pts).astype("Float64")
            row["computable"] = computable
            row["confidence"] = confidence
            row["note"] = pd.Series([say(w, "en") for w in per_row], index=units.index, dtype="string")
            row["note_codes"] = pd.Series([encode(w) for w in per_row], index=units.index, dtype="string")
            parts.append(row)
    if not parts or units.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in SCORE_COLUMNS})
    out = pd.concat(parts, ignore_index=True)[SCORE_COLUMNS]
    for c in ("unit_id", "period", "component", "rate_id", "confidence"):
        out[c] = out[c].astype("string")
    return out.sort_values("unit_id", kind="stable").reset_index(drop=True)   # components in the method's order


# What makes a dossier cost points, per rate: (reason, the dossiers with it, the rate once they are
# fixed). ``f``: the dossier flags of one unit (``dossier_flags``); ``c``: its counts; ``k``: how many
# of a group are fixed. Fixing a late dossier makes it on time (resolved or not yet due); a
# complaint, none; a dossier with a fee, paid online; the others, digitised or received online.
def _late(f: pd.DataFrame) -> pd.Series:
    return f["resolved_late"] | f["overdue_open"]


_COSTS = {
    "on_time_rate": [("late", _late, lambda c, k: (c["resolved_on_time"] + k) / _judged(c))],
    "online_dossier_rate": [("not_online", lambda f: f["received"] & ~f["online"],
                             lambda c, k: (c["online"] + k) / c["received"])],
    "online_payment_rate": [("not_paid_online", lambda f: f["fee_dossiers"] & ~f["paid_online_fee"],
                             lambda c, k: (c["paid_online_fee"] + k) / c["fee_dossiers"])],
    "satisfaction_rate": [
        ("late", _late, lambda c, k: 1 - ((c["resolved_late"] + c["overdue_open"] - k) / _judged(c)
                                          + c["complained"] / c["received"])),
        ("complained", lambda f: f["complained"], lambda c, k: 1 - ((c["resolved_late"] + c["overdue_open"]) / _judged(c)
                                                                     + (c["complained"] - k) / c["received"]))],
    "digitization_rate": [("not_digitized", lambda f: f["received"] & ~f["digitized"],
                           lambda c, k: (c["digitized"] + k) / c["received"])],
}
EXPLAIN_COLUMNS = ["unit_id", "period", "component", "rate_id", "reason", "procedure_id", "procedure_name",
                   "division", "dossiers", "points_gain", "points", "max_points", "dossier_ids"]
_GROUPS = ("procedure_id", "procedure_name", "division")


def _judged(c: pd.Series) -> int:
    return c["resolved_on_time"] + c["resolved_late"] + c["overdue_open"]


def explain_766(records: pd.DataFrame, method: dict | None = None, *, period: str,
                unit: str | None = None) -> pd.DataFrame:
    """The dossiers that cost ``unit`` (default: every unit of ``records``) 766 points in
    ``period``, per component and rate the log can score, grouped by procedure and division
    (``procedure_id``, ``procedure_name``, ``division``: those of the columns ``records``
    has; an absent one stays empty), one row per group and reason (``EXPLAIN_COLUMNS``):

    - TDGQ, on time: ``late`` (finished late in the period, or unfinished at its end past the
      appointment day, as ``count_766`` judges them);
    - TTTT: ``not_paid_online`` (received in the period with a fee > 0, not paid online);
    - MDHL: ``late`` (the same dossiers as TDGQ's) and ``complained``;
    - MDSH: ``not_digitized``; CLGQ (only where a workspace method gives its points):
      ``not_online``.

    ``dossiers`` counts the group; ``points_gain`` is what the unit's points on that rate would
    become if that group alone were fixed, less what they are (the linear rule of
    ``points_766``, capped at the rate's maximum: the gains of two groups need not add up);
    ``points`` and ``max_points`` are the rate's as ``score_766`` gives them; ``dossier_ids``
    the group's dossier codes, sorted. Only rates that lose points are explained; a rate not
    computable from the log (a column missing, points not stated) has no rows. Rows are in the
    method's order of components, then by gain and size, largest first. Pandas only (a
    listing of dossiers is for one unit's month, not a national log)."""
    method = load_method_766() if method is None else method
    if unit is not None:
        records = records[(records["unit_id"] == unit).fillna(False).to_numpy(dtype=bool)]
    records = records.reset_index(drop=True)
    scores = score_766(records, method, period=period)
    flags = dossier_flags(records, period=period)
    counts = count_766(records, period=period).set_index("unit_id")
    keys = [c for c in _GROUPS if c in records]
    rows = []
    order = {cid: i for i, cid in enumerate(method["components"])}
    for s in scores.itertuples(index=False):
        if s.rate_id not in _COSTS or not bool(pd.notna(s.computable) and s.computable) or not s.points_lost > 0:
            continue
        f = flags[flags["unit_id"] == s.unit_id]
        c = counts.loc[s.unit_id].astype("int64")
        for reason, which, fixed in _COSTS[s.rate_id]:
            cost = f[which(f)]
            if cost.empty:
                continue
            if keys:        # an empty cell is a group of its own ("\0": kept by groupby, said as missing)
                groups = records.loc[cost.index, keys].astype("string").fillna("\0")
                parts = [(key, part.index) for key, part in groups.groupby(keys if len(keys) > 1 else keys[0])]
            else:
                parts = [((), cost.index)]
            for key, where in parts:
                key = key if isinstance(key, tuple) else (key,)
                k = len(where)
                rate = pd.Series([fixed(c, k)], dtype="Float64")
                after = float(points_766(rate, max_points=s.max_points, threshold=s.threshold).iloc[0])
                named = dict(zip(keys, (None if v == "\0" else v for v in key)))
                ids = records.loc[where, "dossier_id"] if "dossier_id" in records else pd.Series(dtype="string")
                rows.append({"unit_id": s.unit_id, "period": period, "component": s.component, "rate_id": s.rate_id,
                             "reason": reason, **{g: named.get(g) for g in _GROUPS}, "dossiers": k,
                             "points_gain": after - float(s.points), "points": float(s.points),
                             "max_points": float(s.max_points),
                             "dossier_ids": sorted(str(i) for i in ids.dropna())})
    out = pd.DataFrame(rows, columns=EXPLAIN_COLUMNS)
    if out.empty:
        return out
    out["_order"] = out["component"].map(order)
    out = out.sort_values(["unit_id", "_order", "points_gain", "dossiers"], ascending=[True, True, False, False],
                          kind="stable").drop(columns="_order").reset_index(drop=True)
    for col in ("unit_id", "period", "component", "rate_id", "reason", *_GROUPS):
        out[col] = out[col].astype("string")
    out["dossiers"] = out["dossiers"].astype("Int64")
    for col in ("points_gain", "points", "max_points"):
        out[col] = out[col].astype("Float64")
    return out


def say_766_gain(row: pd.Series | dict, lang: str = "vi") -> str:
    """One row of ``explain_766`` as a sentence, its numbers as the language writes them
    (``formats``): "12 hồ sơ trễ hạn của Phòng X: +0,8 điểm TDGQ" / "12 late dossier(s) of
    Phòng X: +0.8 TDGQ points"; the procedure in brackets where the row names one."""
    get = row.get if isinstance(row, dict) else row.__getitem__
    group = ""
    if pd.notna(get("division")):
        group += say([note("score_766_of_division", division=str(get("division")))], lang)
    procedure = get("procedure_name") if pd.notna(get("procedure_name")) else get("procedure_id")
    if pd.notna(procedure):
        group += say([note("score_766_of_procedure", procedure=str(procedure))], lang)
    return say([note(f"score_766_gain_{get('reason')}", dossiers=int(get("dossiers")), group=group,
                     points=fmt_score(get("points_gain"), lang=lang), component=str(get("component")).upper())], lang)
