"""Compute indicators from canonical tables, per unit and period, with roll-ups.

A ratio indicator is declared in the registry with the table and the two columns it
sums: value = Σ numerator ÷ Σ denominator over the rows of a unit and period. Parent
organisations (from the unit registry) get the sums of their children, never an average
of their ratios; provinces are not organisations and get no roll-up. A zero denominator gives a missing value with the reason in ``note``, not 0 or
infinity; a missing count stays missing.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from dx_metrics import notes
from dx_metrics.canonical import KINDS, OUTPUT_COLUMNS, PROVENANCE, REQUIRED
from dx_metrics.context import Context
from dx_metrics.indicators import prepare
from dx_metrics.indicators.engines import aggregate_record_set
from dx_metrics.indicators.records import aggregate_records
from dx_metrics.ingest.dataset import RecordSet
from dx_metrics.registry import indicator, indicator_ids
from dx_metrics.periods import parse_period
from dx_metrics.units import load_units, provisional_parent

# Organisations add up their parts; a province is a territory whose total would need every
# organisation in it, so a department's figures are never rolled up into it.
ROLLUP_KINDS = {"ministry", "ministerial_agency", "government_agency", "department", "agency", "division"}
OBSERVATION_COLUMNS = ["indicator_id", "unit_id", "period", "numerator", "denominator", "value", "source", "note",
                       "note_codes", "as_of"]


def empty_observations() -> pd.DataFrame:
    return pd.DataFrame({
        "indicator_id": pd.Series(dtype="string"), "unit_id": pd.Series(dtype="string"),
        "period": pd.Series(dtype="string"), "numerator": pd.Series(dtype="Float64"),
        "denominator": pd.Series(dtype="Float64"), "value": pd.Series(dtype="Float64"),
        "source": pd.Series(dtype="string"), "note": pd.Series(dtype="string"),
        "note_codes": pd.Series(dtype="string"), "as_of": pd.Series(dtype="string")})


def _source(table: pd.DataFrame, name: str) -> str:
    """A table's file(s) for rows without provenance: the row columns, else its origin."""
    if isinstance(table, RecordSet):       # the folder, and the exports its records came from
        files = table.distinct("source_file") if "source_file" in table else []
        folder = str(table.attrs["origin"]["file"])
        return f"{folder}: {'; '.join(map(str, files))}" if files else folder
    if "source_file" in table and table["source_file"].notna().any():
        return "; ".join(sorted(map(str, pd.unique(table["source_file"].dropna()))))
    origin = table.attrs.get("origin") or {}
    return str(origin.get("file") or name)


Cells = dict[tuple[str, str], set[int]]      # (file, sheet) -> Excel rows (empty: dossier records)


def _cells(table: pd.DataFrame) -> dict[tuple[str, str], Cells]:
    """For each (unit_id, period): the files, sheets and Excel rows its figures come from."""
    if "source_file" not in table or table.empty:
        return {}
    cols = ["unit_id", "period", "source_file", "source_sheet"]
    frame = table.reindex(columns=[*cols, "source_row"]).astype(object)
    frame = frame.where(frame.notna(), None)
    out: dict[tuple[str, str], Cells] = {}
    for u, p, f, s, r in frame.itertuples(index=False):
        rows = out.setdefault((u, p), {}).setdefault((f, s or ""), set())
        if r is not None:
            rows.add(int(r))
    return out


def _ranges(rows: set[int]) -> str:
    """ "8–11, 14" for {8, 9, 10, 11, 14}.

    >>> _ranges({8, 9, 10, 11, 14})
    '8–11, 14'
    """
    out, run = [], []
    for r in sorted(rows):
        if run and r != run[-1] + 1:
            out.append(run)
            run = []
        run.append(r)
    if run:
        out.append(run)
    return ", ".join(f"{a[0]}–{a[-1]}" if len(a) > 1 else str(a[0]) for a in out)


def describe_cells(cells: Cells) -> str:
    """ "sgtvt_baclieu_mot_cua_2022.xlsx, Biểu 06a, rows 8–11" (files joined by "; ").

    >>> describe_cells({("sgtvt_baclieu_mot_cua_2022.xlsx", "Biểu 06a"): {9, 10, 11, 12}})
    'sgtvt_baclieu_mot_cua_2022.xlsx, Biểu 06a, rows 9–12'
    """
    parts = []
    for (f, s), rows in sorted(cells.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))):
        where = ", ".join(x for x in (str(f), str(s)) if x and x != "None")
        parts.append(f"{where}, {'row' if len(rows) == 1 else 'rows'} {_ranges(rows)}" if rows
                     else f"{where}, dossier records")
    return "; ".join(parts)


def _group_sums(table: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Σ cols per (unit_id, period); a missing count anywhere in a group makes its sum
    missing (missing is never read as zero)."""
    keys = [table["unit_id"], table["period"]]
    sums = table.groupby(keys, dropna=False)[cols].sum()
    unknown = table[cols].isna().groupby(keys, dropna=False).any()
    return sums.mask(unknown).reset_index()


def _with_rollups(sums: pd.DataFrame, cols: list[str], cells: dict | None = None) -> pd.DataFrame:
    """Add a row for each parent organisation holding the sums of the units under it.

    Every reported unit adds its figures to each ancestor up the registry, except that a
    parent the input already reports itself is left as reported and carries its part of
    the tree further up (nothing is counted twice, nothing deeper is lost). ``cells``, when
    given, gains each parent's provenance: the cells of every unit counted in it.
    """
    units = load_units()
    kind = dict(zip(units["unit_id"], units["kind"]))
    parent = {u: p for u, p in zip(units["unit_id"], units["parent_id"])
              if pd.notna(p) and kind.get(p) in ROLLUP_KINDS}

    def up(u: str) -> str | None:
        if u in kind:
            return parent.get(u)
        # a provisional unit counts in its scope; a provisional scope is an organisation
        p = provisional_parent(u)
        return p if p is not None and (kind.get(p) in ROLLUP_KINDS or p not in kind) and p != "" else None

    reported = set(zip(sums["unit_id"], sums["period"]))
    contributions = []
    for row in sums.itertuples(index=False):
        a = up(row.unit_id)
        while a is not None and (a, row.period) not in reported:
            contributions.append((a, row.period, *[getattr(row, c) for c in cols]))
            if cells is not None:
                mine = cells.setdefault((a, row.period), {})
                for where, rows in cells.get((row.unit_id, row.period), {}).items():
                    mine.setdefault(where, set()).update(rows)
            a = up(a)
    if not contributions:
        return sums
    up = pd.DataFrame(contributions, columns=["unit_id", "period", *cols])
    for c in cols:
        up[c] = up[c].astype(sums[c].dtype)
    return pd.concat([sums, _group_sums(up, cols)], ignore_index=True)


def ratio(table: pd.DataFrame, indicator_id: str, *, numerator: str, denominator: str,
          source: str, rollup: bool = True, zero_division: float | None = None) -> pd.DataFrame:
    """Σ numerator ÷ Σ denominator per (unit_id, period), plus parent-unit roll-ups; a zero
    denominator gives ``zero_division`` (default missing), noted."""
    if table.empty:
        return empty_observations()
    sums = _group_sums(table, [numerator, denominator])
    cells = _cells(table)
    if rollup:
        sums = _with_rollups(sums, [numerator, denominator], cells)
    num = sums[numerator].astype("Float64")
    den = sums[denominator].astype("Float64")
    zero = den.eq(0).fillna(False)
    value = (num / den.mask(zero)).astype("Float64")
    note = codes = pd.Series(pd.NA, index=sums.index, dtype="string")
    if zero_division is None:
        note, codes = notes.put(note, codes, zero, notes.note("denominator_zero"))
    else:
        value = value.mask(zero & num.notna(), float(zero_division))
        note, codes = notes.put(note, codes, zero, notes.note("denominator_zero_set", value=float(zero_division)))
    note, codes = notes.put(note, codes, num.isna() & ~zero, notes.note("field_missing", field=numerator))
    note, codes = notes.put(note, codes, den.isna(), notes.note("field_missing", field=denominator))
    out = pd.DataFrame({"indicator_id": indicator_id, "unit_id": sums["unit_id"], "period": sums["period"],
                        "numerator": num, "denominator": den, "value": value,
                        "source": _sources(sums, cells, source), "note": note, "note_codes": codes})
    return out.astype({"indicator_id": "string", "unit_id": "string", "period": "string", "source": "string"})


def _sources(sums: pd.DataFrame, cells: dict, fallback: str) -> list[str]:
    # a parent counted from parts without cells (records in Parquet) names the table's source
    return [(describe_cells(cells[(u, p)]) if (u, p) in cells else "") or fallback
            for u, p in zip(sums["unit_id"], sums["period"])]


def total(table: pd.DataFrame, indicator_id: str, *, column: str, source: str, rollup: bool = True) -> pd.DataFrame:
    """A count: Σ column per (unit_id, period), plus parent-unit roll-ups."""
    if table.empty:
        return empty_observations()
    sums = _group_sums(table, [column])
    cells = _cells(table)
    if rollup:
        sums = _with_rollups(sums, [column], cells)
    num = sums[column].astype("Float64")
    empty = pd.Series(pd.NA, index=sums.index, dtype="string")
    note, codes = notes.put(empty, empty, num.isna(), notes.note("field_missing", field=column))
    out = pd.DataFrame({"indicator_id": indicator_id, "unit_id": sums["unit_id"], "period": sums["period"],
                        "numerator": num, "denominator": pd.NA, "value": num,
                        "source": _sources(sums, cells, source), "note": note, "note_codes": codes,
                        "as_of": pd.NA})
    return out.astype(empty_observations().dtypes.to_dict())


def _working_tables(tables: Mapping[str, pd.DataFrame], *, freq: str, calendar: str,
                    as_of: pd.Timestamp | None) -> dict[str, tuple[pd.DataFrame, str]]:
    """Canonical tables made ready for the registry's columns: (frame, source name)."""
    out: dict[str, tuple[pd.DataFrame, str]] = {}
    dossiers = []
    if "dossiers" in tables:
        dossiers.append(tables["dossiers"])
    if "dossier_records" in tables:
        records = tables["dossier_records"]
        counted = (aggregate_record_set(records, freq=freq, calendar=calendar) if isinstance(records, RecordSet)
                   else aggregate_records(records, freq=freq, calendar=calendar))
        if "source_file" in records and len(counted):     # counted from records: their files, no rows
            for c in ("source_file", "source_sheet"):
                values = (records.distinct(c) if isinstance(records, RecordSet) else
                          pd.unique(records[c].dropna())) if c in records else []
                counted[c] = "; ".join(sorted({str(v) for v in values}))
        if dossiers:  # a unit and period the one-stop report gives is taken from it, not counted twice
            have = set(zip(dossiers[0]["unit_id"], dossiers[0]["period"]))
            counted = counted[[(u, p) not in have for u, p in zip(counted["unit_id"], counted["period"])]]
        dossiers.append(counted)
    if dossiers:
        src = _source(tables["dossiers"] if "dossiers" in tables else tables["dossier_records"],
                      "dossiers" if "dossiers" in tables else "dossier_records")
        out["dossiers"] = (pd.concat(dossiers, ignore_index=True), src)
    if "services" in tables:
        out["services"] = (prepare.services(tables["services"]), _source(tables["services"], "services"))
    if "tasks" in tables:
        out["tasks"] = (prepare.tasks(tables["tasks"], as_of=as_of), _source(tables["tasks"], "tasks"))
    return out


def _dated(computed: pd.DataFrame, work: dict[str, tuple[pd.DataFrame, str]]) -> pd.DataFrame:
    """The date a figure of a dated table (a catalogue snapshot, a task list) stands at, in
    ``as_of``: the latest date of the unit's rows in that period; a parent counted from its
    units takes the latest date of the period."""
    out = computed.copy()
    if "as_of" not in out:
        out["as_of"] = pd.Series(pd.NA, index=out.index, dtype="string")
    for kind, (table, _src) in work.items():
        if "as_of" not in table or table["as_of"].isna().all():
            continue
        when = pd.to_datetime(table["as_of"])
        by_unit = when.groupby([table["unit_id"], table["period"]]).max()
        by_period = when.groupby(table["period"]).max()
        ids = [i for i in indicator_ids() if indicator(i)["source_table"] == kind]
        rows = out["indicator_id"].isin(ids)
        dates = [by_unit.get((u, p), by_period.get(p)) for u, p in zip(out.loc[rows, "unit_id"], out.loc[rows, "period"])]
        out.loc[rows, "as_of"] = [None if d is None or pd.isna(d) else d.date().isoformat() for d in dates]
    return out


def _derived_accounts(obs: pd.DataFrame) -> pd.DataFrame:
    """accounts_total from its two parts where not reported; growth over the previous period."""
    parts = obs[obs["indicator_id"].isin(["accounts_individual_count", "accounts_business_count"])]
    frames = []
    if not parts.empty:
        wide = parts.pivot_table(index=["unit_id", "period"], columns="indicator_id", values="value", aggfunc="sum")
        if {"accounts_individual_count", "accounts_business_count"} <= set(wide.columns):
            tot = (wide["accounts_individual_count"] + wide["accounts_business_count"]).dropna().reset_index(name="value")
            have = set(zip(*[obs.loc[obs["indicator_id"] == "accounts_total", c] for c in ("unit_id", "period")]))
            tot = tot[[(u, p) not in have for u, p in zip(tot["unit_id"], tot["period"])]]
            frames.append(tot.assign(indicator_id="accounts_total", numerator=tot["value"], denominator=pd.NA,
                                     source="accounts_individual_count + accounts_business_count", note=pd.NA))
    accounts = pd.concat([obs[obs["indicator_id"] == "accounts_total"]] + frames, ignore_index=True)
    if not accounts.empty:
        growth = []
        for unit, rows in accounts.groupby("unit_id"):
            by_period = {}
            for r in rows.itertuples():
                try:
                    by_period[parse_period(r.period)] = r.value
                except ValueError:
                    continue
            for p, v in by_period.items():
                prev = next((q for q in by_period if q.months == p.months and
                             (q.end_year * 12 + q.end_month) == (p.end_year * 12 + p.end_month) - p.months), None)
                if prev is not None and by_period[prev]:
                    growth.append({"indicator_id": "accounts_growth_rate", "unit_id": unit, "period": p.label(),
                                   "numerator": v - by_period[prev], "denominator": by_period[prev],
                                   "value": (v - by_period[prev]) / by_period[prev], "source": "accounts_total",
                                   **_said(notes.note("against_period", period=prev.label()))})
        if growth:
            frames.append(pd.DataFrame(growth))
    return pd.concat(frames, ignore_index=True).reindex(columns=OBSERVATION_COLUMNS) if frames else empty_observations()


def _said(n: dict) -> dict:
    """A note as the two columns of an observation row."""
    return {"note": notes.say_one(n, "en"), "note_codes": notes.encode([n])}


def _flag_definition_changes(obs: pd.DataFrame) -> pd.DataFrame:
    """Note every value of a series whose periods straddle its indicator's definition change."""
    said, codes = obs["note"].copy(), obs["note_codes"].copy()
    for iid, rows in obs.groupby("indicator_id"):
        change = indicator(str(iid)).get("definition_change")
        if not change:
            continue
        change = pd.Timestamp(str(change))
        for _, series in rows.groupby("unit_id"):
            sides = set()
            for p in series["period"]:
                try:
                    q = parse_period(p)
                except ValueError:
                    continue
                start, end = pd.Timestamp(q.first_day), pd.Timestamp(q.last_day)
                sides.add("before" if end < change else ("after" if start >= change else "across"))
            if len(sides) > 1 or "across" in sides:
                crossed = notes.note("definition_change_crossed", date=f"{change:%Y-%m-%d}")
                said, codes = notes.put(said, codes, said.index.isin(series.index), crossed, add=True)
    return obs.assign(note=said, note_codes=codes)


# columns compute_indicators accepts beyond a kind's canonical ones (derived by the reader's rules)
_ALSO = {"dossiers": ["received_incl_carried", "received_offline", "received_direct", "received_postal",
                      "resolved_early", "resolved_on_time_only", "pending_within", "pending_overdue", "stt"]}


def check_tables(tables: Mapping[str, pd.DataFrame]) -> None:
    """The contract at the door: known table names, each frame with the columns the
    indicators need and no column that is not one of its kind's (a misspelt column would
    otherwise count nothing, silently). ValueError naming what is wrong."""
    import difflib

    unknown = [k for k in tables if k not in KINDS]
    if unknown:
        hints = [f"{k!r}" + (f" (did you mean {m[0]!r}?)" if (m := difflib.get_close_matches(k, KINDS, 1)) else "")
                 for k in unknown]
        raise ValueError(f"unknown table(s) {', '.join(hints)}; the table kinds are: {', '.join(KINDS)} "
                         f"(indicators are computed from {', '.join(REQUIRED)})")
    for kind, frame in tables.items():
        missing = [c for c in REQUIRED.get(kind, []) if c not in frame]
        allowed = set(OUTPUT_COLUMNS[kind]) | set(PROVENANCE) | set(_ALSO.get(kind, []))
        strange = [c for c in frame.columns if c not in allowed]
        if missing or strange:
            said = []
            if missing:
                said.append(f"lacks {', '.join(missing)}")
            for c in strange:
                m = difflib.get_close_matches(str(c), allowed, 1)
                said.append(f"has {c!r}, not a {kind} column" + (f" (did you mean {m[0]!r}?)" if m else ""))
            raise ValueError(f"the {kind} table {'; '.join(said)}; its columns are: {', '.join(OUTPUT_COLUMNS[kind])}")


def compute_indicators(tables: Mapping[str, pd.DataFrame], ids: Iterable[str] | None = None, *,
                       freq: str = "year", calendar: str = "decree09",
                       as_of: pd.Timestamp | str | None = None, zero_division: float | None = None,
                       context: Context | None = None) -> pd.DataFrame:
    """Every indicator the given tables allow, as rows of the ``observations`` table.

    ``tables`` maps canonical table names (``dossiers``, ``dossier_records``, ``services``,
    ``tasks``, ``observations``) to frames; ``ids`` limits the result (unknown ids raise
    KeyError). Dossier records are first aggregated to ``freq`` periods on the ``calendar``
    chosen (see ``records.aggregate_records``); task counts are taken as of ``as_of`` (default:
    the date the task list states). Self-reported observations pass through, except where the
    same indicator, unit and period is computed from a table (the computed value wins and
    notes the reported one). Derived: accounts_total from its parts, accounts_growth_rate.
    The result is sorted by indicator, unit and period: it does not depend on row order.

    ``source`` names the cells each figure comes from ("sgtvt_baclieu_mot_cua_2022.xlsx,
    Biểu 06a, rows 8–11"), a parent's figure the cells of every unit counted in it.
    ``zero_division`` is the value of a ratio whose denominator is 0 (default: missing, with
    the reason in ``note``), as in scikit-learn. Tables are checked first (``check_tables``).

    What it reads besides the tables (the unit registry, the indicator registry, the settings
    that choose the engine for dossier records) is ``context``'s (``dx_metrics.context``), in
    force while it runs only; without one, what is in force (the bundled registries, unless a
    command put its workspace's overlays in force).
    """
    if context is not None:
        with context.applied():
            return compute_indicators(tables, ids, freq=freq, calendar=calendar, as_of=as_of,
                                      zero_division=zero_division)
    check_tables(tables)
    wanted = list(ids) if ids is not None else indicator_ids()
    for iid in wanted:
        indicator(iid)  # unknown ids fail here, naming the registry
    as_of = pd.Timestamp(as_of) if as_of is not None else None
    work = _working_tables(tables, freq=freq, calendar=calendar, as_of=as_of)
    frames = []
    for iid in wanted:
        meta = indicator(iid)
        if meta["source_table"] not in work:
            continue
        table, src = work[meta["source_table"]]
        num, den = meta.get("numerator"), meta.get("denominator")
        if num and den and num in table and den in table:
            frames.append(ratio(table, iid, numerator=num, denominator=den, source=src, zero_division=zero_division))
        elif num and den and den in table and meta["source_table"] == "dossiers":
            # a summary without its numerator's column (no "Trực tuyến" for the online share):
            # the figure is missing and its note names the column, rather than no row at all
            lacking = table.assign(**{num: pd.Series(pd.NA, index=table.index, dtype="Float64")})
            frames.append(ratio(lacking, iid, numerator=num, denominator=den, source=src))
        elif num and not den and num in table:
            frames.append(total(table, iid, column=num, source=src))
    computed = pd.concat(frames, ignore_index=True) if frames else empty_observations()
    computed = _dated(computed, work)
    reported = empty_observations()
    if "observations" in tables:
        obs = tables["observations"]
        reported = obs[obs["indicator_id"].isin(indicator_ids())].reindex(columns=OBSERVATION_COLUMNS)
        reported["source"] = reported["source"].astype("string").fillna(_source(obs, "observations"))
        key = list(zip(computed["indicator_id"], computed["unit_id"], computed["period"]))
        clash = pd.Series([k in set(key) for k in zip(reported["indicator_id"], reported["unit_id"],
                                                      reported["period"])], index=reported.index, dtype=bool)
        for r in reported[clash].itertuples():
            hit = (computed["indicator_id"] == r.indicator_id) & (computed["unit_id"] == r.unit_id) & \
                  (computed["period"] == r.period)
            unused = notes.note("self_reported_unused", value=None if pd.isna(r.value) else float(r.value),
                                indicator=r.indicator_id, source=r.source)
            computed["note"], computed["note_codes"] = notes.put(computed["note"], computed["note_codes"], hit, unused)
        reported = reported[~clash]
        reported = pd.concat([reported, _derived_accounts(reported)], ignore_index=True)
    out = pd.concat([empty_observations(), computed, reported], ignore_index=True).reindex(columns=OBSERVATION_COLUMNS)
    out = out[out["indicator_id"].isin(wanted)]
    out = out.astype(empty_observations().dtypes.to_dict())
    out = _flag_definition_changes(out)
    return out.sort_values(["indicator_id", "unit_id", "period"], ignore_index=True)
