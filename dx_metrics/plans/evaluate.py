"""Evaluate a plan's targets against observations: met, gap, status, owner.

Closed year: ``achieved`` / ``not_achieved`` (``no_data`` where nothing was measured).
Multi-year targets (a baseline and horizon targets such as 2025 / 2030): the year's value
is judged against the path from the baseline to the nearest horizon with the CAGR ratio
method of the Open SDG platform (``dx_metrics.plans.trajectory``): achieved / on_track /
acceleration_needed / limited_progress / deterioration.

Year still running (``as_of`` inside the plan year): the latest partial-year observation
is projected to the year end — a share is taken as it stands (a cumulative share is
already the best estimate of the year's share), a flow count by its run rate (value × 12 ÷
months elapsed), a stock (accounts at a date) as it stands — and compared with the target: ``on_track`` if the projection meets
it, ``at_risk`` if it misses by at most ``at_risk_margin`` (default 5 percentage points
for shares, 10 % of the target for counts), ``off_track`` otherwise. A part-year that does
not start in January (a quarter, "Quý III", a month, a Decree 09 span) is evaluated *to
date*: the share as observed in that span, counts as they stand (a quarter's count is not
a year's run rate), and the notes say so.

Every ``no_data`` row carries a ``no_data_reason`` code (``NO_DATA_REASONS``) and the reason
in words in ``notes``.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from dx_metrics import notes
from dx_metrics.registry import indicator
from dx_metrics.periods import parse_period
from dx_metrics.plans.model import Plan, Target
from dx_metrics.plans.pace import required_pace
from dx_metrics.plans.trajectory import assess

STATUSES = ("achieved", "not_achieved", "on_track", "at_risk", "off_track", "no_data")
NO_DATA_REASONS = (
    "no_input",            # no input of the kind the indicator is computed from
    "missing_column",      # an input of that kind, without the column the indicator needs
    "unit_not_in_input",   # the inputs give the indicator for other units, not the plan's
    "period_not_covered",  # the unit's figures are for other periods (or part of the year only)
    "value_missing",       # a figure that cannot be computed (zero denominator, a missing count)
)
EVALUATION_COLUMNS = ["plan_id", "indicator_id", "unit_id", "period", "actual", "numerator", "denominator",
                      "target", "comparator", "met", "gap", "attainment", "status", "owner_unit",
                      "projected", "basis_period", "horizon_year", "horizon_target", "trajectory",
                      "trajectory_ratio", "source", "no_data_reason", "notes", "note_codes", "required_pace",
                      "pace_unit", "pace_reachable", "pace_months_left"]
_TOL = 1e-9


def _meets(value: float, target: Target) -> bool:
    if target.comparator == ">=":
        return value >= target.value - _TOL
    if target.comparator == "<=":
        return value <= target.value + _TOL
    return abs(value - target.value) <= _TOL


def _shortfall(value: float, target: Target) -> float:
    """How far ``value`` misses the target, in the target's own units (0 if met)."""
    if target.comparator == ">=":
        return max(0.0, target.value - value)
    if target.comparator == "<=":
        return max(0.0, value - target.value)
    return abs(value - target.value)


def _observation(obs: pd.DataFrame, iid: str, unit: str, year: int,
                 as_of: dt.date | None = None) -> tuple[pd.Series | None, pd.Series | None]:
    """(the whole-year observation, the latest part-year observation) of a unit: the part
    that ends last, and of those the longest (year to date over the last quarter). With
    ``as_of``, figures of periods that end after its month are not known yet and not used."""
    rows = obs[(obs["indicator_id"] == iid) & (obs["unit_id"] == unit)]
    full, partial, best = None, None, None
    for _, r in rows.iterrows():
        try:
            p = parse_period(r["period"])
        except ValueError:
            continue
        if p.year != year or p.start_year != year:
            continue
        if as_of is not None and (p.end_year, p.end_month) > (as_of.year, as_of.month):
            continue
        if p.months == 12:
            full = r
        elif best is None or (p.end_month, p.months) > best:
            partial, best = r, (p.end_month, p.months)
    if full is None and as_of is None and indicator(iid)["source_table"] in _FLOWS:
        full = _tiled_year(rows, year)
    return full, partial


_FLOWS = ("dossiers", "dossier_records")    # dossiers received and resolved in a period add up over periods


def _tiled_year(rows: pd.DataFrame, year: int) -> pd.Series | None:
    """The year as the sum of periods that tile it without gap or overlap (four quarterly
    reports, twelve monthly ones): numerators and denominators summed, the share recomputed
    from the sums. None when the periods leave a month out or a figure is missing."""
    spans = {}
    for i, r in rows.iterrows():
        try:
            p = parse_period(r["period"])
        except ValueError:
            continue
        if p.start_year == p.end_year == year and pd.notna(r["numerator"]):
            spans.setdefault(p.start_month, []).append((p.months, i))
    chosen, month = [], 1
    while month in spans:                           # start months are 1–12: the year ends the walk
        months, i = max(spans[month])               # the longest span starting that month
        chosen.append(i)
        month += months
    if month != 13 or len(chosen) < 2:
        return None
    parts = rows.loc[chosen]
    share = parts["denominator"].notna().all()
    if not share and parts["denominator"].notna().any():
        return None
    num = float(parts["numerator"].sum())
    den = float(parts["denominator"].sum()) if share else None
    if share and not den:
        return None
    out = parts.iloc[0].copy()
    out["period"], out["numerator"], out["denominator"] = str(year), num, den if share else pd.NA
    out["value"] = num / den if share else num
    out["source"] = "; ".join(dict.fromkeys(str(s) for s in parts["source"] if pd.notna(s)))
    out["note"], out["note_codes"] = pd.NA, pd.NA
    return out


def _no_data(obs: pd.DataFrame, iid: str, unit: str, year: int, partial: pd.Series | None,
             running: bool, as_of: dt.date | None = None) -> tuple[str, list[dict]]:
    """Why a target has no data: (reason code, the notes that say it)."""
    meta = indicator(iid)
    of_indicator = obs[obs["indicator_id"] == iid]
    if of_indicator.empty:
        return "no_input", [notes.note("no_input", indicator=iid, table=meta["source_table"])]
    mine = of_indicator[of_indicator["unit_id"] == unit]
    if mine.empty:
        others = sorted(set(of_indicator["unit_id"].dropna().astype(str)))
        shown = ", ".join(others[:5]) + (f" … +{len(others) - 5} more" if len(others) > 5 else "")
        return "unit_not_in_input", [notes.note("unit_not_in_input", indicator=iid, units=shown, unit=unit)]
    if partial is not None and not running:
        value = partial["value"]
        return "period_not_covered", [notes.note("part_year_only", period=partial["period"], indicator=iid, year=year,
                                                 value=None if pd.isna(value) else float(value))]
    spans = {}
    for p in set(mine["period"].dropna().astype(str)):
        try:
            spans[p] = parse_period(p)
        except ValueError:
            continue
    this_year = [p for p, span in spans.items() if span.year == year]
    if this_year and as_of is not None and running:
        later = [p for p in this_year if (spans[p].end_year, spans[p].end_month) > (as_of.year, as_of.month)]
        if len(later) == len(this_year):
            return "period_not_covered", [notes.note("after_as_of", periods=sorted(set(later)),
                                                     as_of=as_of.isoformat())]
    if not this_year:
        periods = ", ".join(sorted(set(mine["period"].dropna().astype(str))))
        return "period_not_covered", [notes.note("other_periods", periods=periods, unit=unit, year=year)]
    said = mine[mine["period"].isin(this_year)]
    said = said[said["note_codes"].notna()] if "note_codes" in said else said.iloc[:0]
    return "value_missing", (notes.decode(said["note_codes"].iloc[0]) if len(said)
                             else [notes.note("not_computable", indicator=iid, unit=unit)])


def evaluate(plan: Plan, observations: pd.DataFrame, *, as_of: dt.date | str | None = None,
             at_risk_margin: float | None = None) -> pd.DataFrame:
    """One row per target of ``plan`` (columns ``EVALUATION_COLUMNS``).

    ``as_of`` (a date) inside the plan year turns on the early warning from partial-year
    data; without it, or after the year, the year is judged as closed.
    """
    if as_of is not None:
        as_of = pd.Timestamp(as_of).date()       # a date, a datetime, a Timestamp or "YYYY-MM-DD"
    running = as_of is not None and as_of < dt.date(plan.year, 12, 31)
    observations = observations.reindex(columns=list(dict.fromkeys(
        [*observations.columns, "indicator_id", "unit_id", "period", "numerator", "denominator", "value", "source",
         "note"])))
    rows = []
    for t in plan.targets:
        meta = indicator(t.indicator_id)
        share = meta["unit"] == "share"
        unit = t.unit_id or plan.unit_id
        full, partial = _observation(observations, t.indicator_id, unit, plan.year, as_of if running else None)
        row = _blank_row(plan, t, unit)
        basis = full if full is not None else (partial if running else None)
        if basis is None or pd.isna(basis["value"]):
            if basis is not None:       # measured, but the figure cannot be computed (a zero denominator ...)
                code = "value_missing"
                said = notes.decode(basis.get("note_codes")) or [
                    notes.note("not_computable", indicator=t.indicator_id, unit=unit)]
            else:
                code, said = _no_data(observations, t.indicator_id, unit, plan.year, partial, running, as_of)
            row["no_data_reason"] = code
            row["note_codes"] = said + row["note_codes"]
            rows.append(_said(row))
            continue
        value = float(basis["value"])
        row.update(actual=value, numerator=basis["numerator"], denominator=basis["denominator"],
                   basis_period=basis["period"], source=basis["source"])
        if basis is full:
            met = _meets(value, t)
            row["status"] = "achieved" if met else "not_achieved"
            judged = value
        else:
            judged = _judge_to_date(row, t, basis, share=share, stock=bool(meta.get("stock")),
                                    at_risk_margin=at_risk_margin)
            met = pd.NA
        row["met"] = met
        row["gap"] = (judged - t.value) * (100.0 if share else 1.0)
        if t.value:
            row["attainment"] = judged / t.value if t.comparator != "<=" else (t.value / judged if judged else pd.NA)
        row.update(_trajectory(t, plan.year, judged, share=share, higher=meta["direction"] == "higher"))
        rows.append(_said(row))
    return _typed(pd.DataFrame(rows, columns=EVALUATION_COLUMNS))


def _blank_row(plan: Plan, t, unit: str) -> dict:
    """A target's evaluation row before anything is judged: no data, the planner's note."""
    return {"plan_id": plan.plan_id, "indicator_id": t.indicator_id, "unit_id": unit, "period": str(plan.year),
            "target": t.value, "comparator": t.comparator, "owner_unit": t.owner_unit or plan.unit_id,
            "actual": pd.NA, "numerator": pd.NA, "denominator": pd.NA, "met": pd.NA, "gap": pd.NA,
            "attainment": pd.NA, "projected": pd.NA, "basis_period": pd.NA, "source": pd.NA,
            "horizon_year": pd.NA, "horizon_target": pd.NA, "trajectory": pd.NA, "trajectory_ratio": pd.NA,
            "notes": pd.NA, "note_codes": [notes.note("plan_note", text=t.note)] if t.note else [],
            "status": "no_data", "no_data_reason": pd.NA, "required_pace": pd.NA, "pace_unit": pd.NA,
            "pace_reachable": pd.NA, "pace_months_left": pd.NA}


def _judge_to_date(row: dict, t, basis: pd.Series, *, share: bool, stock: bool,
                   at_risk_margin: float | None) -> float:
    """The early warning on part-year data: the figure judged (a year to date's flows projected
    by run rate, anything else as it stands), the status on track / at risk / off track, and
    the pace still needed (or the note that a span not from January is judged as it stands)."""
    value = float(basis["value"])
    span = parse_period(basis["period"])
    to_date = span.start_month != 1      # a quarter, a month, a span not from January
    judged = value if share or stock or to_date else value * 12 / span.months
    row["projected"] = judged
    if to_date:
        row["note_codes"] = [notes.note("to_date_share" if share else "to_date_count",
                                        period=basis["period"])] + row["note_codes"]
    else:
        pace = required_pace(t.comparator, t.value, share=share, numerator=basis["numerator"],
                             denominator=basis["denominator"], value=value, months=span.months)
        if pace is not None:
            row.update(pace)
    margin = at_risk_margin if at_risk_margin is not None else (0.05 if share else 0.10 * abs(t.value))
    miss = _shortfall(judged, t)
    row["status"] = "on_track" if miss <= _TOL else ("at_risk" if miss <= margin else "off_track")
    return judged


def _typed(out: pd.DataFrame) -> pd.DataFrame:
    """The evaluation's columns in their dtypes."""
    for c in ("actual", "numerator", "denominator", "target", "gap", "attainment", "projected", "horizon_target",
              "trajectory_ratio", "required_pace"):
        out[c] = out[c].astype("Float64")
    for c in ("horizon_year", "pace_months_left"):
        out[c] = out[c].astype("Int64")
    out["pace_reachable"] = out["pace_reachable"].astype("boolean")
    out["trajectory"] = out["trajectory"].astype("string")
    out["met"] = out["met"].astype("boolean")
    for c in ("plan_id", "indicator_id", "unit_id", "period", "comparator", "status", "owner_unit",
              "basis_period", "source", "no_data_reason", "notes", "note_codes", "pace_unit"):
        out[c] = out[c].astype("string")
    return out


def _said(row: dict) -> dict:
    """A target row with its notes said in English (``notes``) and kept as codes (``note_codes``)."""
    return {**row, "notes": notes.say(row["note_codes"], "en") or pd.NA, "note_codes": notes.encode(row["note_codes"])}


def _trajectory(t: Target, year: int, value: float, *, share: bool, higher: bool) -> dict:
    """Trajectory columns for a target with a baseline and a later horizon (else empty)."""
    later = sorted(y for y in t.horizons if y > year)
    if t.baseline_year is None or t.baseline_value is None or not later or t.baseline_year >= year:
        return {}
    horizon = later[0]
    tr = assess(baseline_year=t.baseline_year, baseline=t.baseline_value, year=year, value=value,
                target_year=horizon, target=t.horizons[horizon], higher_is_better=higher, share=share)
    return {"horizon_year": horizon, "horizon_target": t.horizons[horizon], "trajectory": tr.label,
            "trajectory_ratio": tr.ratio if tr.ratio is not None else pd.NA}


def owner_view(evaluation: pd.DataFrame, tasks: pd.DataFrame) -> pd.DataFrame:
    """Which unit is behind on what: per owner, the targets not achieved or at risk and the
    overdue tasks, one row each (kind = target | task)."""
    behind = evaluation[evaluation["status"].isin(["not_achieved", "off_track", "at_risk"])]
    rows = [{"owner_unit": r.owner_unit, "kind": "target", "item": r.indicator_id, "status": r.status}
            for r in behind.itertuples()]
    rows += [{"owner_unit": r.owner_unit, "kind": "task", "item": f"{r.task_id}: {r.title}", "status": "overdue"}
             for r in tasks[tasks["overdue"]].itertuples()]
    df = pd.DataFrame(rows, columns=["owner_unit", "kind", "item", "status"])
    return df.sort_values(["owner_unit", "kind", "item"], ignore_index=True)


TASK_COLUMNS = ["task_id", "title", "owner_unit", "deadline", "status", "completed_on"]


def tasks_table(plan: Plan, *, as_of: dt.date | None = None, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """The plan's tasks (from the plan file, plus ``extra``: a ``tasks`` table read from an
    export), one row each with an ``overdue`` flag (deadline passed, not done, as of
    ``as_of`` or the plan's year end), sorted by owner."""
    as_of = pd.Timestamp(as_of or dt.date(plan.year, 12, 31))
    rows = [{"task_id": t.task_id, "title": t.title, "owner_unit": t.owner_unit, "deadline": t.deadline,
             "status": t.status, "completed_on": t.completed_on} for t in plan.tasks]
    df = pd.DataFrame(rows, columns=TASK_COLUMNS)
    if extra is not None and len(extra):
        df = pd.concat([df, extra.reindex(columns=TASK_COLUMNS)], ignore_index=True)
    df["deadline"] = pd.to_datetime(df["deadline"])
    df["completed_on"] = pd.to_datetime(df["completed_on"])
    df["task_id"] = df["task_id"].astype("string")
    df["overdue"] = (df["deadline"] < as_of) & (df["status"] != "done")
    return df.sort_values(["owner_unit", "task_id"], kind="stable", ignore_index=True)


def task_summary(plan: Plan, *, as_of: dt.date | None = None, extra: pd.DataFrame | None = None) -> dict:
    """Task counts: by status, due in the plan year, overdue (as of ``as_of`` or year end),
    no deadline ("3 of 12 due in 2019, 9 without a deadline")."""
    df = tasks_table(plan, as_of=as_of, extra=extra)
    by_status = {s: int((df["status"] == s).sum()) for s in ("not_started", "in_progress", "done")}
    return {"total": len(df), "by_status": by_status,
            "due_in_period": int((df["deadline"].dt.year == plan.year).sum()),
            "overdue": int(df["overdue"].sum()), "overdue_ids": df.loc[df["overdue"], "task_id"].tolist(),
            "no_deadline": int(df["deadline"].isna().sum()),
            "as_of": (as_of or dt.date(plan.year, 12, 31)).isoformat()}
