"""Evaluate a plan's targets against observations: met, gap, status, owner.

Closed year: ``achieved`` / ``not_achieved`` (``no_data`` where nothing was measured).
Year still running (``as_of`` inside the plan year): the latest partial-year observation
is projected to the year end — a share is taken as it stands (a cumulative share is
already the best estimate of the year's share), a count by its run rate (value × 12 ÷
months elapsed) — and compared with the target: ``on_track`` if the projection meets
it, ``at_risk`` if it misses by at most ``at_risk_margin`` (default 5 percentage points
for shares, 10 % of the target for counts), ``off_track`` otherwise.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from dx_metrics.indicators.registry import indicator
from dx_metrics.periods import parse_period
from dx_metrics.plans.model import Plan, Target

STATUSES = ("achieved", "not_achieved", "on_track", "at_risk", "off_track", "no_data")
EVALUATION_COLUMNS = ["plan_id", "indicator_id", "unit_id", "period", "actual", "numerator", "denominator",
                      "target", "comparator", "met", "gap", "attainment", "status", "owner_unit",
                      "projected", "basis_period", "source", "notes"]
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


def _observation(obs: pd.DataFrame, iid: str, unit: str, year: int) -> tuple[pd.Series | None, pd.Series | None]:
    """(the whole-year observation, the latest partial-year observation) for a unit."""
    rows = obs[(obs["indicator_id"] == iid) & (obs["unit_id"] == unit)]
    full, partial, partial_end = None, None, None
    for _, r in rows.iterrows():
        try:
            p = parse_period(r["period"])
        except ValueError:
            continue
        if p.year != year or p.start_year != year:
            continue
        if p.months == 12:
            full = r
        elif p.start_month == 1 and (partial_end is None or p.end_month > partial_end):
            partial, partial_end = r, p.end_month
    return full, partial


def evaluate(plan: Plan, observations: pd.DataFrame, *, as_of: dt.date | str | None = None,
             at_risk_margin: float | None = None) -> pd.DataFrame:
    """One row per target of ``plan`` (columns ``EVALUATION_COLUMNS``).

    ``as_of`` (a date) inside the plan year turns on the early warning from partial-year
    data; without it, or after the year, the year is judged as closed.
    """
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    running = as_of is not None and as_of < dt.date(plan.year, 12, 31)
    rows = []
    for t in plan.targets:
        meta = indicator(t.indicator_id)
        share = meta["unit"] == "share"
        unit = t.unit_id or plan.unit_id
        full, partial = _observation(observations, t.indicator_id, unit, plan.year)
        row = {"plan_id": plan.plan_id, "indicator_id": t.indicator_id, "unit_id": unit, "period": str(plan.year),
               "target": t.value, "comparator": t.comparator, "owner_unit": t.owner_unit or plan.unit_id,
               "actual": pd.NA, "numerator": pd.NA, "denominator": pd.NA, "met": pd.NA, "gap": pd.NA,
               "attainment": pd.NA, "projected": pd.NA, "basis_period": pd.NA, "source": pd.NA,
               "notes": t.note or pd.NA, "status": "no_data"}
        basis = full if full is not None else (partial if running else None)
        if basis is None or pd.isna(basis["value"]):
            if basis is not None and pd.notna(basis.get("note")):
                row["notes"] = basis["note"]
            rows.append(row)
            continue
        value = float(basis["value"])
        row.update(actual=value, numerator=basis["numerator"], denominator=basis["denominator"],
                   basis_period=basis["period"], source=basis["source"])
        if basis is full:
            met = _meets(value, t)
            row["status"] = "achieved" if met else "not_achieved"
            judged = value
        else:
            months = parse_period(basis["period"]).months
            judged = value if share else value * 12 / months
            row["projected"] = judged
            margin = at_risk_margin if at_risk_margin is not None else (0.05 if share else 0.10 * abs(t.value))
            miss = _shortfall(judged, t)
            row["status"] = "on_track" if miss <= _TOL else ("at_risk" if miss <= margin else "off_track")
            met = pd.NA
        row["met"] = met
        row["gap"] = (judged - t.value) * (100.0 if share else 1.0)
        if t.value:
            row["attainment"] = judged / t.value if t.comparator != "<=" else (t.value / judged if judged else pd.NA)
        rows.append(row)
    out = pd.DataFrame(rows, columns=EVALUATION_COLUMNS)
    for c in ("actual", "numerator", "denominator", "target", "gap", "attainment", "projected"):
        out[c] = out[c].astype("Float64")
    out["met"] = out["met"].astype("boolean")
    for c in ("plan_id", "indicator_id", "unit_id", "period", "comparator", "status", "owner_unit",
              "basis_period", "source", "notes"):
        out[c] = out[c].astype("string")
    return out


def task_summary(plan: Plan, *, as_of: dt.date | None = None) -> dict:
    """Task counts: by status, due in the plan year, overdue (as of ``as_of`` or year end), no deadline."""
    as_of = as_of or dt.date(plan.year, 12, 31)
    by_status = {s: 0 for s in ("not_started", "in_progress", "done")}
    overdue, due, no_deadline = [], [], []
    for t in plan.tasks:
        by_status[t.status] += 1
        if t.deadline is None:
            no_deadline.append(t.task_id)
            continue
        if t.deadline.year == plan.year:
            due.append(t.task_id)
        if t.deadline < as_of and t.status != "done":
            overdue.append(t.task_id)
    return {"total": len(plan.tasks), "by_status": by_status, "due_in_period": len(due),
            "overdue": len(overdue), "overdue_ids": overdue, "no_deadline": len(no_deadline),
            "as_of": as_of.isoformat()}


def tasks_table(plan: Plan, *, as_of: dt.date | None = None) -> pd.DataFrame:
    """The plan's tasks, one row each, with an ``overdue`` flag, sorted by owner."""
    as_of = as_of or dt.date(plan.year, 12, 31)
    rows = [{"task_id": t.task_id, "title": t.title, "owner_unit": t.owner_unit, "deadline": t.deadline,
             "status": t.status, "completed_on": t.completed_on,
             "overdue": t.deadline is not None and t.deadline < as_of and t.status != "done"}
            for t in plan.tasks]
    df = pd.DataFrame(rows, columns=["task_id", "title", "owner_unit", "deadline", "status", "completed_on", "overdue"])
    return df.sort_values(["owner_unit", "task_id"], kind="stable", ignore_index=True)
