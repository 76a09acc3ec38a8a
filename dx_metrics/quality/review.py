"""The review's rules (see the package docstring for the methods and their sources)."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dx_metrics import safe_yaml
from dx_metrics.periods import Period, parse_period
from dx_metrics.registry import catalog
from dx_metrics.units import active_during, ancestors, children_during, in_family

FLAG_COLUMNS = ["dimension", "metric", "rule", "unit_id", "period", "subject", "value", "reference", "score",
                "threshold", "compared_with", "source", "examples"]
COMPLETENESS_COLUMNS = ["table", "months", "unit_id", "expected", "received", "share", "missing"]
COUNTED = ("received_total", "received_online", "resolved_total", "pending")    # dossiers' counts reviewed


def load_settings(overrides: dict | None = None) -> dict:
    """The defaults of ``settings.yaml``, with ``overrides`` ({"outliers": {"modified_z": 3}})."""
    settings = copy.deepcopy(safe_yaml.load_package_data("dx_metrics.quality", "settings.yaml"))
    for section, values in (overrides or {}).items():
        if section not in settings or not isinstance(values, dict):
            raise ValueError(f"quality settings: unknown section {section!r} (known: {', '.join(settings)})")
        unknown = set(values) - set(settings[section])
        if unknown:
            raise ValueError(f"quality settings: {section} has no {', '.join(sorted(unknown))} "
                             f"(known: {', '.join(settings[section])})")
        settings[section].update(values)
    return settings


@dataclass
class Review:
    """The flags raised, each report's completeness, and how many values each rule judged (so
    "no flag" can be told from "nothing to judge")."""
    flags: pd.DataFrame
    completeness: pd.DataFrame
    judged: dict[str, int]
    settings: dict
    not_judged: dict[str, dict] = field(default_factory=dict)    # rule -> the figures that say why
    absent: list[str] = field(default_factory=list)    # registry units under the scope in no report (1a, "seen")

    @property
    def flag_count(self) -> int:
        return len(self.flags)

    def within(self, unit_id: str, *also: str) -> Review:
        """The flags and completeness of ``unit_id`` and the units under it, and of the units in
        ``also`` (a merged unit's predecessors, whose figures it counts); a unit is still judged
        against its peers outside: a province among the country's provinces."""
        units = (unit_id, *also)

        def mine(ids: pd.Series) -> np.ndarray:
            ids = ids.astype("string")
            return np.logical_or.reduce([in_family(ids, u).to_numpy(dtype=bool) for u in units])

        flags = self.flags[mine(self.flags["unit_id"])]
        done = self.completeness[mine(self.completeness["unit_id"])]
        absent = [u for u in self.absent if any(x in (u, *ancestors(u)) for x in units)]
        return Review(flags.reset_index(drop=True), done.reset_index(drop=True), self.judged, self.settings,
                      self.not_judged, absent)

    def to_dict(self) -> dict:
        """The review for summary.json: each flag by its rule code and figures."""
        def plain(v):
            if isinstance(v, list):
                return v
            if v is None or pd.isna(v):
                return None
            return v.item() if hasattr(v, "item") else v
        return {"settings": self.settings, "judged": self.judged, "not_judged": self.not_judged,
                "absent_units": self.absent,
                "completeness": [{k: plain(v) for k, v in r.items()} for r in self.completeness.to_dict("records")],
                "flag_count": self.flag_count,
                "flags": [{k: plain(v) for k, v in r.items()} for r in self.flags.to_dict("records")]}


def review(observations: pd.DataFrame | None = None, tables: dict[str, pd.DataFrame] | None = None, *,
           settings: dict | None = None, compare: dict[str, pd.DataFrame] | None = None,
           scope: str | None = None, period: str | None = None) -> Review:
    """Review the computed ``observations`` and the canonical ``tables`` they came from;
    ``compare`` holds tables from another source for the same figures (DQR 3). ``scope`` is the
    unit whose reports these are (the registry's units under it are the expected reporters, 1a);
    ``period`` the period the inputs should cover (a dossier log's records outside it are counted)."""
    s = load_settings(settings)
    tables, compare = tables or {}, compare or {}
    flags: list[dict] = []
    judged: dict[str, int] = {}
    not_judged: dict[str, dict] = {}
    completeness, absent = pd.DataFrame(columns=COMPLETENESS_COLUMNS), []
    if "dossiers" in tables and not tables["dossiers"].empty:
        completeness, absent = _reporting(tables["dossiers"], "dossiers", s, flags, judged, scope)
        _missing_values(tables["dossiers"], flags, judged)
        _stock(tables["dossiers"], flags, judged)
    if "dossiers" in tables and "dossiers" in compare:
        _external(tables["dossiers"], compare["dossiers"], s, flags, judged)
    if "services" in tables:
        for kind in ("dossiers", "dossier_records"):
            if kind in tables and "procedure_id" in tables[kind]:
                if not isinstance(tables[kind], pd.DataFrame):     # a RecordSet: its hits read by SQL
                    from dx_metrics.quality.records_sql import services_rules

                    services_rules(tables[kind], tables["services"], flags, judged)
                    continue
                _online_without_service(tables[kind], kind, tables["services"], flags, judged)
                _not_in_catalogue(tables[kind], tables["services"], flags, judged)
    if "dossier_records" in tables and not isinstance(tables["dossier_records"], pd.DataFrame):
        if not tables["dossier_records"].empty:     # a RecordSet in Parquet: the rules in SQL on DuckDB
            from dx_metrics.quality.records_sql import record_rules

            record_rules(tables["dossier_records"], s, parse_period(period) if period is not None else None,
                         flags, judged)
    elif "dossier_records" in tables and not tables["dossier_records"].empty:
        records = tables["dossier_records"]
        inside = records
        if period is not None:
            outside = _outside_period(records, parse_period(period), flags, judged)
            inside = records[~outside] if outside.any() else records
        _months_without_records(inside, flags, judged)    # the span of the period's records only
        _fast_online(records, s, flags, judged)
        for key in ("applicant", "received_by"):
            if key in records and "channel" in records:
                _bursts(records, key, s, flags, judged)
    if observations is not None and not observations.empty and "observations" in tables:
        _self_reported(tables["observations"], observations, s, flags, judged)
    if observations is not None and not observations.empty:
        obs = _reviewable(observations)
        _outliers_across_units(obs, s, flags, judged)
        _extreme_in_series(obs, s, flags, judged, not_judged)
        _over_time(obs, s, flags, judged)
    frame = pd.DataFrame(flags, columns=FLAG_COLUMNS)
    return Review(frame.sort_values(["metric", "rule", "unit_id", "period"], kind="stable", ignore_index=True),
                  completeness, judged, s, not_judged, absent)


def _flag(flags: list[dict], dimension: str, metric: str, rule: str, **values) -> None:
    flags.append({"dimension": dimension, "metric": metric, "rule": rule, **values})


def _months(label: object) -> int | None:
    try:
        return parse_period(str(label)).months
    except ValueError:
        return None


def _where(rows: pd.DataFrame) -> str | None:
    """"file, sheet, row 8" for a table row with provenance."""
    if "source_file" not in rows or rows.empty:
        return None
    r = rows.iloc[0]
    if pd.isna(r["source_file"]):
        return None
    rows_text = ", ".join(str(int(x)) for x in rows["source_row"].dropna().unique()[:5])
    return f"{r['source_file']}, {r['source_sheet']}, row {rows_text}"


# --- 1a completeness of reporting -------------------------------------------------------------

def _reporting(table: pd.DataFrame, kind: str, s: dict, flags: list[dict], judged: dict,
               scope: str | None) -> tuple[pd.DataFrame, list[str]]:
    """[1a] Each expected unit's reports received against the periods of one length the inputs
    cover, and the registry's units under ``scope`` that sent no report at all.

    Expected units: with ``completeness.expected: registry``, the units directly under ``scope``
    that the registry has in force during each period (and any other unit that reported);
    with ``seen`` (the default), every unit that reported in some period of that length while
    it existed (a provisional unit while its scope did), so one period alone judges nothing,
    and a registry unit that never reported is named, not flagged."""
    from_registry = s["completeness"]["expected"] == "registry"
    if from_registry and not scope:
        raise ValueError("quality settings: completeness.expected = registry needs the scope unit "
                         "(a plan's unit, or review(scope=...))")
    t = table[table["period"].notna() & table["unit_id"].notna()].assign(
        months=lambda d: d["period"].map(_months))
    out, seen = [], set(t["unit_id"].astype(str))
    span: list[Period] = []
    for months, group in t.groupby("months"):
        parsed = {p: parse_period(p) for p in group["period"].unique()}
        periods = sorted(parsed, key=lambda p: parsed[p].first_day)
        span += parsed.values()
        if len(periods) < 2 and not from_registry:   # one period: nothing tells which unit should have reported
            continue
        reported = {(str(u), p) for u, p in zip(group["unit_id"], group["period"])}
        units = list(dict.fromkeys(group["unit_id"].astype(str)))
        # a unit is expected only while it exists: a division of a department merged away, or
        # of the department it merged into, has no report to send for the other side's months
        expected = {p: {u for u in units if active_during(u, parsed[p].first_day, parsed[p].last_day)}
                    for p in periods}
        if from_registry:
            listed = {p: children_during(scope, parsed[p].first_day, parsed[p].last_day) for p in periods}
            units = list(dict.fromkeys([*units, *(u for p in periods for u in listed[p])]))
            expected = {p: expected[p] | set(listed[p]) for p in periods}
        for unit in units:
            due = [p for p in periods if unit in expected[p]]
            missing = [p for p in due if (unit, p) not in reported]
            share = (len(due) - len(missing)) / len(due)
            out.append({"table": kind, "months": int(months), "unit_id": unit, "expected": len(due),
                        "received": len(due) - len(missing), "share": share, "missing": missing})
            judged["1a"] = judged.get("1a", 0) + len(due)
            for p in missing:
                _flag(flags, "completeness", "1a", "missing_report", unit_id=unit, period=p, subject=kind,
                      value=share, threshold=s["completeness"]["threshold"],
                      compared_with=[q for q in due if q != p])
    absent = []
    if scope and span and not from_registry:
        first, last = min(p.first_day for p in span), max(p.last_day for p in span)
        absent = [u for u in children_during(scope, first, last) if u not in seen]
    return pd.DataFrame(out, columns=COMPLETENESS_COLUMNS), absent


# --- 1c completeness of values -----------------------------------------------------------------

def _missing_values(table: pd.DataFrame, flags: list[dict], judged: dict) -> None:
    """A count left empty in a report, or zero where the unit's other reports are all positive."""
    for column in [c for c in COUNTED if c in table]:
        values = pd.to_numeric(table[column], errors="coerce")
        judged["1c"] = judged.get("1c", 0) + len(values)
        for i in values.index[values.isna()]:
            _flag(flags, "completeness", "1c", "missing_value", unit_id=table.at[i, "unit_id"],
                  period=table.at[i, "period"], subject=column, source=_where(table.loc[[i]]))
        # every other report of the unit positive, and at least two of them
        positives = values.gt(0).groupby(table["unit_id"]).transform("sum")
        reported = values.notna().groupby(table["unit_id"]).transform("sum")
        for i in values.index[values.eq(0) & (positives == reported - 1) & (positives >= 2)]:
            _flag(flags, "completeness", "1c", "zero_value", unit_id=table.at[i, "unit_id"],
                  period=table.at[i, "period"], subject=column, value=0, source=_where(table.loc[[i]]))


# --- 2c closing stock = next opening stock ----------------------------------------------------------

def _stock(table: pd.DataFrame, flags: list[dict], judged: dict) -> None:
    """Dossiers pending at the end of a period are carried over into the period that follows."""
    if not {"pending", "carried_over"} <= set(table):
        return
    keys = [c for c in ("procedure_id", "service_level") if c in table and table[c].notna().any()]
    t = table[table["period"].notna()].copy()
    t["_p"] = t["period"].map(lambda p: parse_period(p))
    for _, rows in t.groupby(["unit_id", *keys], dropna=False):
        by_start = {(p.start_year, p.start_month): i for i, p in rows["_p"].items()}
        for i, p in rows["_p"].items():
            nxt_month = (p.end_year + p.end_month // 12, p.end_month % 12 + 1)
            j = by_start.get(nxt_month)
            closing, opening = rows.at[i, "pending"], rows.at[j, "carried_over"] if j is not None else None
            if j is None or pd.isna(closing) or pd.isna(opening):
                continue
            judged["2c"] = judged.get("2c", 0) + 1
            if int(closing) != int(opening):
                _flag(flags, "consistency", "2c", "stock_mismatch", unit_id=rows.at[j, "unit_id"],
                      period=rows.at[j, "period"], subject="carried_over", value=int(opening),
                      reference=int(closing), compared_with=[rows.at[i, "period"]],
                      source=_where(table.loc[[j]]))


# --- 2c self-reported against computed ----------------------------------------------------------

def _self_reported(reported: pd.DataFrame, computed: pd.DataFrame, s: dict, flags: list[dict], judged: dict) -> None:
    """[2c] A unit's self-reported figure against the same figure computed from its one-stop
    counts or dossier log, for the same indicator and period: flagged beyond ± band."""
    band = s["consistency"]["self_reported_band"]
    keys = ["indicator_id", "unit_id", "period"]
    mine = reported[reported["value"].notna()].reindex(columns=[*keys, "value", "source"])
    theirs = computed[computed["value"].notna()].reindex(columns=[*keys, "value", "source"])
    both = mine.merge(theirs, on=keys, suffixes=("_self", "_computed"))
    for r in both.itertuples(index=False):
        if not r.value_computed:
            continue
        judged["2c_self"] = judged.get("2c_self", 0) + 1
        ratio = float(r.value_self) / float(r.value_computed)
        if abs(ratio - 1) > band:
            _flag(flags, "consistency", "2c", "self_reported_differs", unit_id=r.unit_id, period=r.period,
                  subject=r.indicator_id, value=float(r.value_self), reference=float(r.value_computed), score=ratio,
                  threshold=band, compared_with=[], source=r.source_self)


# --- 2c online dossiers of a service not offered online ------------------------------------------------

def _online_without_service(table: pd.DataFrame, kind: str, services: pd.DataFrame, flags: list[dict],
                            judged: dict) -> None:
    """[2c] Dossiers received online for a procedure the service catalogue says is not offered
    online: per unit and procedure, the count (and dossier codes from a log)."""
    offline = set(services.loc[services["provided_online"].eq(False).fillna(False), "procedure_id"].dropna().astype(str))
    procedure = table["procedure_id"].astype("string")
    if kind == "dossier_records":
        online = (table["channel"] == "online").fillna(False).to_numpy(dtype=bool)
        count = pd.Series(online.astype(int), index=table.index)
    else:
        count = pd.to_numeric(table.get("received_online"), errors="coerce").fillna(0)
        online = (count > 0).to_numpy()
    judged["2c_services"] = judged.get("2c_services", 0) + int(procedure.notna().sum())
    hit = online & procedure.isin(offline).fillna(False).to_numpy(dtype=bool)
    for (unit, code), rows in table[hit].groupby(["unit_id", procedure[hit]], dropna=False):
        examples = rows["dossier_id"].astype(str).head(3).tolist() if "dossier_id" in rows else []
        _flag(flags, "consistency", "2c", "online_without_service", unit_id=unit,
              period=rows["period"].iloc[0] if "period" in rows else None, subject=str(code),
              value=int(count[rows.index].sum()), examples=examples, source=_where(rows))


# --- 3 external comparison ---------------------------------------------------------------------------

def _by_unit_period(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    t = table[table["unit_id"].notna() & table["period"].notna()]
    sums = t.groupby(["unit_id", "period"])[columns].sum(min_count=1)
    where = t.groupby(["unit_id", "period"]).apply(_where, include_groups=False).rename("where")
    return sums.join(where)


def _external(own: pd.DataFrame, other: pd.DataFrame, s: dict, flags: list[dict], judged: dict) -> None:
    """[3] The unit's figures against another source's for the same unit and period (the
    national portal's against a one-stop report): flagged beyond ± band, naming both."""
    band = s["external"]["band"]
    columns = [c for c in COUNTED if c in own and c in other]
    if not columns:
        return
    mine, theirs = _by_unit_period(own, columns), _by_unit_period(other, columns)
    both = mine.merge(theirs, left_index=True, right_index=True, suffixes=("_own", "_other"))
    for (unit, period), r in both.iterrows():
        for c in columns:
            a, b = r[f"{c}_own"], r[f"{c}_other"]
            if pd.isna(a) or pd.isna(b) or not b:
                continue
            judged["3"] = judged.get("3", 0) + 1
            if abs(a / b - 1) > band:
                _flag(flags, "external", "3", "external_differs", unit_id=unit, period=period, subject=c,
                      value=float(a), reference=float(b), score=float(a / b), threshold=band,
                      compared_with=[r["where_other"]], source=r["where_own"])


# --- dossier logs ------------------------------------------------------------------------------------

def _months_without_records(records: pd.DataFrame, flags: list[dict], judged: dict) -> None:
    """Months inside the log's span in which a unit that has dossiers in other months has none.
    Months as integers and units as codes: ten million records cost two vectorised passes."""
    # days (an integer division of the timestamps) first, months only for the span's few days
    received = pd.to_datetime(records["received_at"], errors="coerce").to_numpy()
    day = received.astype("datetime64[D]").astype(np.int64) if received.dtype != "datetime64[D]" else \
        received.astype(np.int64)
    units, names = pd.factorize(records["unit_id"])
    ok = ~np.isnat(received) & (units >= 0)
    if not ok.any():
        return
    if not ok.all():
        day, units = day[ok], units[ok]
    d0, d1 = int(day.min()), int(day.max())
    days = np.arange(d0, d1 + 1).astype("datetime64[D]")
    month_of_day = days.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    first, last = int(month_of_day[0]), int(month_of_day[-1])
    on_day = np.zeros((len(names), d1 - d0 + 1), dtype=bool)
    on_day[units, day - d0] = True
    present = np.zeros((len(names), last - first + 1), dtype=bool)
    for m in range(first, last + 1):
        present[:, m - first] = on_day[:, month_of_day == m].any(axis=1)
    judged["1a_records"] = present.size

    def label(m: int) -> str:
        return f"{m // 12}-{m % 12 + 1:02d}"
    for u, gaps in ((u, np.flatnonzero(~present[u])) for u in range(len(names))):
        for g in gaps:
            _flag(flags, "completeness", "1a", "month_without_records", unit_id=names[u], period=label(first + g),
                  subject="dossier_records", value=0, compared_with=[label(first), label(last)])


def _per_unit(records: pd.DataFrame, hit: np.ndarray, base: np.ndarray, rule: str, flags: list[dict],
              **fields) -> None:
    """One record-level flag per unit with ``hit`` records: how many, of its ``base`` records,
    with up to three dossier codes."""
    units, names = pd.factorize(records["unit_id"])
    per_unit = np.bincount(units[base & (units >= 0)], minlength=len(names))
    ids = records["dossier_id"].astype(str).to_numpy() if "dossier_id" in records else None
    rows = np.flatnonzero(hit & (units >= 0))       # the hits only: few, however long the log
    for u in np.unique(units[rows]):
        mine = rows[units[rows] == u]
        _flag(flags, "records", "R", rule, unit_id=names[u], subject="dossier_records", value=len(mine),
              reference=int(per_unit[u]), examples=ids[mine[:3]].tolist() if ids is not None else [], **fields)


def _fast_online(records: pd.DataFrame, s: dict, flags: list[dict], judged: dict) -> None:
    """Online dossiers resolved within minutes of receipt: a count per unit, with examples."""
    if "resolved_at" not in records or "channel" not in records:
        return
    online = (records["channel"] == "online").fillna(False).to_numpy(dtype=bool)
    took = (pd.to_datetime(records["resolved_at"], errors="coerce").to_numpy()
            - pd.to_datetime(records["received_at"], errors="coerce").to_numpy())
    judged["records_fast"] = int((online & ~np.isnat(took)).sum())
    limit = s["records"]["fast_online_minutes"]
    fast = online & (took >= np.timedelta64(0, "s")) & (took <= np.timedelta64(int(limit * 60), "s"))
    if fast.any():
        _per_unit(records, fast, online, "fast_online", flags, threshold=limit)


def _outside_period(records: pd.DataFrame, period: Period, flags: list[dict], judged: dict) -> np.ndarray:
    """Records received outside the period the log should cover (the plan's year): a count
    per unit with examples. No figure of the period counts them. Returns which rows."""
    received = pd.to_datetime(records["received_at"], errors="coerce")
    known = received.notna().to_numpy()
    first, end = pd.Timestamp(period.first_day), pd.Timestamp(period.last_day) + pd.Timedelta(days=1)
    outside = known & ((received < first) | (received >= end)).to_numpy()
    judged["records_period"] = int(known.sum())
    if outside.any():
        _per_unit(records, outside, known, "outside_period", flags, period=period.label())
    return outside


def _bursts(records: pd.DataFrame, key: str, s: dict, flags: list[dict], judged: dict) -> None:
    """Online dossiers from one applicant, or received by one account, in one day: a (``key``,
    day) whose count is at least ``burst_min`` and at least ``burst_factor`` times the median
    count of the unit's (``key``, day) pairs. Examples are dossier codes, never the key."""
    online = (records["channel"] == "online").fillna(False).to_numpy(dtype=bool)
    day = pd.to_datetime(records["received_at"], errors="coerce").dt.normalize()
    ok = online & records[key].notna().to_numpy(dtype=bool) & day.notna().to_numpy(dtype=bool)
    if not ok.any():
        return
    rows = np.flatnonzero(ok)
    sub = pd.DataFrame({"unit_id": records["unit_id"].to_numpy()[rows], "key": records[key].to_numpy()[rows],
                        "day": day.to_numpy()[rows]})
    groups = sub.groupby(["unit_id", "key", "day"], dropna=False, sort=False)
    counts = groups.size()
    judged["records_burst"] = judged.get("records_burst", 0) + len(counts)
    median = counts.groupby(level="unit_id", dropna=False).transform("median")
    r = s["records"]
    hit = counts[(counts >= r["burst_min"]) & (counts >= r["burst_factor"] * median)]
    ids = records["dossier_id"].astype(str).to_numpy() if "dossier_id" in records else None
    where = groups.indices
    for (unit, k, d), n in hit.items():
        _flag(flags, "records", "R", "burst", unit_id=unit, period=f"{pd.Timestamp(d):%Y-%m-%d}", subject=key,
              value=int(n), reference=float(median[(unit, k, d)]), threshold=r["burst_factor"],
              examples=ids[rows[where[(unit, k, d)][:3]]].tolist() if ids is not None else [])


# --- 4 denominators ------------------------------------------------------------------------------------

def _not_in_catalogue(table: pd.DataFrame, services: pd.DataFrame, flags: list[dict], judged: dict) -> None:
    """[4] Procedures with dossiers that the service catalogue does not list. The catalogue is
    the denominator of the service indicators (full-process coverage): one that lacks procedures
    in use misstates them. Per unit: the procedures lacking, of those with dossiers, with codes."""
    listed = set(services["procedure_id"].dropna().astype(str))
    procedure = table["procedure_id"].astype("string")
    known = procedure.notna()
    judged["4_catalogue"] = judged.get("4_catalogue", 0) + int(known.sum())
    lacking = (known & ~procedure.isin(listed)).to_numpy(dtype=bool)
    for unit, rows in table[lacking].groupby("unit_id"):
        codes = list(dict.fromkeys(procedure[rows.index]))
        _flag(flags, "denominators", "4", "not_in_catalogue", unit_id=unit,
              period=rows["period"].iloc[0] if "period" in rows else None, subject="services", value=len(codes),
              reference=int(procedure[known & table["unit_id"].eq(unit)].nunique()), examples=codes[:3],
              source=_where(rows))


# --- observations: 2a, 2b -------------------------------------------------------------------------------

def _reviewable(observations: pd.DataFrame) -> pd.DataFrame:
    """Shares and counts with a value and a period of whole months, with each unit's parent."""
    units = catalog().set_index("indicator_id")["unit"]
    obs = observations[observations["value"].notna() & observations["unit_id"].notna()
                       & observations["indicator_id"].map(units).isin(["share", "count"])].copy()
    obs["months"] = obs["period"].map(_months)
    obs = obs[obs["months"].notna()]
    obs["value"] = obs["value"].astype(float)
    obs["parent"] = obs["unit_id"].map(lambda u: (ancestors(str(u)) or (None,))[0])
    obs["_p"] = obs["period"].map(parse_period)
    return obs


def _outliers_across_units(obs: pd.DataFrame, s: dict, flags: list[dict], judged: dict) -> None:
    """[2a moderate] |0.6745 (x − median) / MAD| ≥ 3.5 among the units of one parent in one period."""
    limit, least = s["outliers"]["modified_z"], s["outliers"]["min_units"]
    for (indicator, period, _parent), g in obs[obs["parent"].notna()].groupby(["indicator_id", "period", "parent"]):
        if len(g) < least:
            continue
        median = g["value"].median()
        mad = (g["value"] - median).abs().median()
        if mad == 0:
            continue
        judged["2a_moderate"] = judged.get("2a_moderate", 0) + len(g)
        m = 0.6745 * (g["value"] - median) / mad
        for i in m.index[m.abs() >= limit]:
            _flag(flags, "consistency", "2a", "outlier_across_units", unit_id=g.at[i, "unit_id"], period=period,
                  subject=indicator, value=g.at[i, "value"], reference=median, score=float(m[i]), threshold=limit,
                  compared_with=sorted(set(g["unit_id"]) - {g.at[i, "unit_id"]}), source=g.at[i, "source"])


def _extreme_in_series(obs: pd.DataFrame, s: dict, flags: list[dict], judged: dict, not_judged: dict) -> None:
    """[2a extreme] ≥ 3 sample standard deviations from the mean of the unit's own series in a year."""
    limit = s["outliers"]["extreme_sd"]
    reachable = int(np.ceil(limit ** 2 + 2))     # max |z| of n values is (n − 1)/√n
    sub_year = obs[obs["months"] < 12].assign(year=lambda d: d["_p"].map(lambda p: p.end_year))
    short = 0
    for (indicator, unit, _, _), g in sub_year.groupby(["indicator_id", "unit_id", "months", "year"]):
        if len(g) < reachable or (sd := g["value"].std(ddof=1)) == 0 or pd.isna(sd):
            short += len(g) < reachable
            continue
        judged["2a_extreme"] = judged.get("2a_extreme", 0) + len(g)
        z = (g["value"] - g["value"].mean()) / sd
        for i in z.index[z.abs() >= limit]:
            _flag(flags, "consistency", "2a", "extreme_in_series", unit_id=unit, period=g.at[i, "period"],
                  subject=indicator, value=g.at[i, "value"], reference=float(g["value"].mean()), score=float(z[i]),
                  threshold=limit, compared_with=sorted(set(g["period"]) - {g.at[i, "period"]}),
                  source=g.at[i, "source"])
    if short and "2a_extreme" not in judged:
        not_judged["2a_extreme"] = {"values": reachable, "sd": limit}


def _preceding(p: Period, others: list[Period], n: int) -> list[Period]:
    """Up to ``n`` comparable periods before ``p``: the same season in earlier years, else the
    periods of the same length just before it."""
    before = sorted((q for q in others if q.months == p.months and q.first_day < p.first_day),
                    key=lambda q: q.first_day)
    season = [q for q in before if q.start_month == p.start_month]
    return (season or before)[-n:] if p.months < 12 else before[-n:]


def _over_time(obs: pd.DataFrame, s: dict, flags: list[dict], judged: dict) -> None:
    """[2b] value ÷ mean of up to three preceding comparable periods outside 1 ± band; a unit's
    ratio against its parent's ratio."""
    band, n, vs_parent = s["over_time"]["band"], s["over_time"]["preceding"], s["over_time"]["vs_parent"]
    series: dict[tuple, dict[Period, tuple]] = {}
    for iid, unit, p, value, label, source in zip(obs["indicator_id"], obs["unit_id"], obs["_p"], obs["value"],
                                                  obs["period"], obs["source"]):
        series.setdefault((iid, unit), {})[p] = (value, label, source)
    ratios: dict[tuple, float] = {}
    for (indicator, unit), by_period in series.items():
        for p, (value, label, source) in by_period.items():
            before = _preceding(p, list(by_period), n)
            if not before:
                continue
            mean = float(np.mean([by_period[q][0] for q in before]))
            if mean == 0:
                continue
            judged["2b"] = judged.get("2b", 0) + 1
            ratio = value / mean
            ratios[(indicator, unit, p)] = ratio
            if abs(ratio - 1) > band:
                _flag(flags, "consistency", "2b", "over_time", unit_id=unit, period=label, subject=indicator,
                      value=value, reference=mean, score=ratio, threshold=band,
                      compared_with=[q.label() for q in before], source=source)
    # the reference for a unit's change: the median change of its siblings (units under the same
    # parent, the unit itself left out) where there are two or more, else its parent's change; a
    # parent's change is the units' changes added up, so one unit's jump in a small parent would
    # make its clean siblings look out of step (DQR 2b compares with the national ratio)
    parents = dict(zip(obs["unit_id"], obs["parent"]))
    siblings: dict[tuple, list[tuple[str, float]]] = {}
    for (indicator, unit, p), ratio in ratios.items():
        if parents.get(unit) is not None:
            siblings.setdefault((indicator, parents[unit], p), []).append((unit, ratio))
    for (indicator, unit, p), ratio in ratios.items():
        others = [(u, r) for u, r in siblings.get((indicator, parents.get(unit), p), []) if u != unit]
        if len(others) >= 2:
            theirs, rule, compared = float(np.median([r for _, r in others])), "over_time_vs_siblings", \
                [u for u, _ in others]
        else:
            theirs, rule, compared = ratios.get((indicator, parents.get(unit), p)), "over_time_vs_parent", \
                [parents.get(unit)]
        if theirs is None or theirs == 0:
            continue
        judged["2b_parent"] = judged.get("2b_parent", 0) + 1
        if abs(ratio / theirs - 1) > vs_parent:
            _flag(flags, "consistency", "2b", rule, unit_id=unit, period=p.label(), subject=indicator,
                  value=ratio, reference=theirs, score=ratio / theirs, threshold=vs_parent,
                  compared_with=compared)
