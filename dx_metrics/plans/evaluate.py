"""Evaluate a plan's targets against observations: met, gap, status, owner.

Closed year: ``achieved`` / ``not_achieved`` (``no_data`` where nothing was measured).
Multi-year targets (a baseline and horizon targets such as 2025 / 2030): the year's value
is judged against the path from the baseline to the nearest horizon with the CAGR ratio
method of the Open SDG platform (``dx_metrics.plans.trajectory``): achieved / on_track /
acceleration_needed / limited_progress / deterioration.

Every figure is composed by ``dx_metrics.indicators.compose`` for the plan's span: the
year, or the year to date when ``as_of`` lies inside it (January through the month of
``as_of``). Quarterly or monthly exports are added up to the span (numerators and
denominators summed), a unit merged during the span counts its predecessors' months, a
stock is read at its date; a span the inputs do not cover is ``no_data``, naming the
missing periods.

Year still running: the year to date is projected to the year end — a share is taken as it
stands (a cumulative share is already the best estimate of the year's share), a flow count
by its run rate (value × 12 ÷ months elapsed), a stock (accounts at a date) as it stands —
and compared with the target: ``on_track`` if the projection meets it, ``at_risk`` if it
misses by at most ``at_risk_margin`` (default 5 percentage points for shares, 10 % of the
target for counts), ``off_track`` otherwise.

Every ``no_data`` row carries a ``no_data_reason`` code (``NO_DATA_REASONS``) and the reason
in words in ``notes``.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from dx_metrics import notes
from dx_metrics.indicators.compose import Figure, compose, lineage, span_of
from dx_metrics.registry import indicator
from dx_metrics.periods import Period, parse_period
from dx_metrics.plans.model import Plan, Target
from dx_metrics.plans.pace import required_pace
from dx_metrics.plans.trajectory import assess
from dx_metrics.units import named

STATUSES = ("achieved", "not_achieved", "on_track", "at_risk", "off_track", "no_data")
NO_DATA_REASONS = (
    "no_input",            # no input of the kind the indicator is computed from
    "missing_column",      # an input of that kind, without the column the indicator needs
    "unit_not_in_input",   # the inputs give the indicator for other units, not the plan's
    "period_not_covered",  # the unit's figures are for other periods (or part of the year only)
    "value_missing",       # a figure that cannot be computed (zero denominator, a missing count)
    "conflicting_periods",  # two inputs give the same months different figures
)
EVALUATION_COLUMNS = ["plan_id", "indicator_id", "unit_id", "period", "span", "actual", "numerator", "denominator",
                      "target", "comparator", "met", "gap", "attainment", "status", "owner_unit",
                      "projected", "basis_period", "horizon_year", "horizon_target", "trajectory",
                      "trajectory_ratio", "source", "no_data_reason", "notes", "note_codes", "required_pace",
                      "pace_unit", "pace_reachable", "pace_months_left", "units_counted", "stock_as_of"]
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


def _no_data(obs: pd.DataFrame, fig: Figure, span: Period, as_of: dt.date | None) -> tuple[str, list[dict]]:
    """Why a target has no figure: (reason code, the notes that say it)."""
    iid, unit = fig.indicator_id, fig.unit_id
    meta = indicator(iid)
    of_indicator = obs[obs["indicator_id"] == iid]
    if of_indicator.empty:
        return "no_input", [notes.note("no_input", indicator=iid, table=meta["source_table"])]
    family = {u for u, _, _ in lineage(unit, span)} | {unit}
    mine = of_indicator[of_indicator["unit_id"].isin(family)]
    if mine.empty:
        others = sorted(set(of_indicator["unit_id"].dropna().astype(str)))
        shown = ", ".join(others[:5]) + (f" … +{len(others) - 5} more" if len(others) > 5 else "")
        return "unit_not_in_input", [notes.note("unit_not_in_input", indicator=iid, units=shown, unit=unit)]
    if fig.reason in ("value_missing", "conflicting_periods"):
        return fig.reason, fig.note_codes or [notes.note("not_computable", indicator=iid, unit=unit)]
    spans = {}
    for p in set(mine["period"].dropna().astype(str)):
        try:
            spans[p] = parse_period(p)
        except ValueError:
            continue
    this_year = [p for p, q in spans.items() if q.year == span.year]
    if not this_year:
        periods = ", ".join(sorted(spans))
        return "period_not_covered", [notes.note("other_periods", periods=periods, unit=unit, year=span.year)]
    if as_of is not None:
        later = [p for p in this_year if (spans[p].end_year, spans[p].end_month) > (as_of.year, as_of.month)]
        if len(later) == len(this_year):
            return "period_not_covered", [notes.note("after_as_of", periods=sorted(later), as_of=as_of.isoformat())]
    by_unit: dict[str, list[str]] = {}
    for u, p in fig.missing:
        by_unit.setdefault(u, []).append(p)
    said = [notes.note("periods_missing", periods=ps, unit=named(u), span=span.label()) for u, ps in by_unit.items()]
    return "period_not_covered", said + ([] if as_of is not None else _year_so_far(obs, fig, span))


def _year_so_far(obs: pd.DataFrame, fig: Figure, span: Period) -> list[dict]:
    """When only the end of a closed year is missing (the inputs stop before December), what
    they give from January, and how to judge that to date."""
    if len(fig.missing) != 1:
        return []
    gone = parse_period(fig.missing[0][1])
    first = gone.start_month
    if (gone.end_year, gone.end_month) != (span.end_year, span.end_month) or first <= span.start_month:
        return []
    part = compose(obs, fig.indicator_id, fig.unit_id, Period(span.year, span.start_month, span.year, first - 1))
    if not part.known:
        return []
    return [notes.note("part_year_only", period=part.span, indicator=fig.indicator_id, year=span.year,
                       value=part.value)]


def evaluate(plan: Plan, observations: pd.DataFrame, *, as_of: dt.date | str | None = None,
             at_risk_margin: float | None = None) -> pd.DataFrame:
    """One row per target of ``plan`` (columns ``EVALUATION_COLUMNS``).

    ``as_of`` (a date) inside the plan year turns on the early warning on the year to date;
    without it, or after the year, the year is judged as closed. ``span`` says which months
    each figure covers, ``units_counted`` the units whose figures were added up when they
    are not the target's unit alone (predecessors of a merged unit).
    """
    if as_of is not None:
        as_of = pd.Timestamp(as_of).date()       # a date, a datetime, a Timestamp or "YYYY-MM-DD"
    running = as_of is not None and as_of < dt.date(plan.year, 12, 31)
    known = as_of if running else None
    span = span_of(plan.year, known)
    observations = observations.reindex(columns=list(dict.fromkeys(
        [*observations.columns, "indicator_id", "unit_id", "period", "numerator", "denominator", "value", "source",
         "note", "note_codes"])))
    rows = []
    for t in plan.targets:
        meta = indicator(t.indicator_id)
        share = meta["unit"] == "share"
        unit = t.unit_id or plan.unit_id
        fig = compose(observations, t.indicator_id, unit, span, as_of=known)
        row = _blank_row(plan, t, unit)
        row["span"] = span.label()
        if not fig.known:
            code, said = _no_data(observations, fig, span, known)
            row["no_data_reason"] = code
            row["note_codes"] = said + row["note_codes"]
            rows.append(_said(row))
            continue
        value = float(fig.value)
        row.update(actual=value, numerator=_na(fig.numerator), denominator=_na(fig.denominator),
                   basis_period=fig.basis, source=fig.source or pd.NA, stock_as_of=fig.as_of or pd.NA)
        counted = fig.units
        if counted != [unit]:
            row["units_counted"] = "|".join(counted)
            row["note_codes"] = _counted(fig) + row["note_codes"]
        if not running:
            met = _meets(value, t)
            row["status"] = "achieved" if met else "not_achieved"
            judged = value
        else:
            judged = _judge_to_date(row, t, fig, span, share=share, stock=bool(meta.get("stock")),
                                    at_risk_margin=at_risk_margin)
            met = pd.NA
        row["met"] = met
        row["gap"] = (judged - t.value) * (100.0 if share else 1.0)
        if t.value:
            row["attainment"] = judged / t.value if t.comparator != "<=" else (t.value / judged if judged else pd.NA)
        row.update(_trajectory(t, plan.year, judged, share=share, higher=meta["direction"] == "higher"))
        checkpoints = sorted(y for y in t.horizons if y > (row["horizon_year"] if pd.notna(row["horizon_year"])
                                                           else plan.year))
        if checkpoints:         # the horizons after the one judged: later checkpoints, said beside
            row["note_codes"] = row["note_codes"] + [notes.note(
                "later_horizons", horizons=[[y, t.horizons[y]] for y in checkpoints], indicator=t.indicator_id)]
        rows.append(_said(row))
    return _typed(pd.DataFrame(rows, columns=EVALUATION_COLUMNS))


def _na(x: float | None):
    return pd.NA if x is None else x


def _counted(fig: Figure) -> list[dict]:
    """Which units' figures were added up for which periods (a merged unit's predecessors)."""
    by_unit: dict[str, list[str]] = {}
    for p in fig.parts:
        by_unit.setdefault(p.unit_id, []).append(p.period)
    return [notes.note("units_counted", parts=[[named(u), ps] for u, ps in by_unit.items()])]


def _blank_row(plan: Plan, t, unit: str) -> dict:
    """A target's evaluation row before anything is judged: no data, the planner's note."""
    return {"plan_id": plan.plan_id, "indicator_id": t.indicator_id, "unit_id": unit, "period": str(plan.year),
            "target": t.value, "comparator": t.comparator, "owner_unit": t.owner_unit or plan.unit_id,
            "actual": pd.NA, "numerator": pd.NA, "denominator": pd.NA, "met": pd.NA, "gap": pd.NA,
            "attainment": pd.NA, "projected": pd.NA, "basis_period": pd.NA, "source": pd.NA,
            "horizon_year": pd.NA, "horizon_target": pd.NA, "trajectory": pd.NA, "trajectory_ratio": pd.NA,
            "notes": pd.NA, "note_codes": [notes.note("plan_note", text=t.note)] if t.note else [],
            "status": "no_data", "no_data_reason": pd.NA, "required_pace": pd.NA, "pace_unit": pd.NA,
            "pace_reachable": pd.NA, "pace_months_left": pd.NA, "span": pd.NA, "units_counted": pd.NA,
            "stock_as_of": pd.NA}


def _judge_to_date(row: dict, t, fig: Figure, span: Period, *, share: bool, stock: bool,
                   at_risk_margin: float | None) -> float:
    """The early warning on the year to date: the figure judged (a flow count projected by
    its run rate, anything else as it stands), the status on track / at risk / off track,
    and the pace still needed."""
    value = float(fig.value)
    judged = value if share or stock else value * 12 / span.months
    row["projected"] = judged
    pace = required_pace(t.comparator, t.value, share=share, numerator=fig.numerator,
                         denominator=fig.denominator, value=value, months=span.months)
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
    for c in ("plan_id", "indicator_id", "unit_id", "period", "span", "comparator", "status", "owner_unit",
              "basis_period", "source", "no_data_reason", "notes", "note_codes", "pace_unit", "units_counted",
              "stock_as_of"):
        out[c] = out[c].astype("string")
    return out


def _said(row: dict) -> dict:
    """A target row with its notes said in English (``notes``) and kept as codes (``note_codes``)."""
    return {**row, "notes": notes.say(row["note_codes"], "en") or pd.NA, "note_codes": notes.encode(row["note_codes"])}


def _trajectory(t: Target, year: int, value: float, *, share: bool, higher: bool) -> dict:
    """Trajectory columns for a target with a baseline and a later horizon (else empty)."""
    # the nearest horizon at or after the plan year (a plan for 2025 with 2025 and 2030 horizons is
    # judged against 2025, the 2030 target being a later checkpoint)
    later = sorted(y for y in t.horizons if y >= year)
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
