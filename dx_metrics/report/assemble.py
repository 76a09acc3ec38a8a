"""Everything one plan report needs, computed once: inputs, indicators, evaluation, tasks."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dx_metrics.errors import ERROR, Problem, problems_frame
from dx_metrics.indicators import compute_indicators
from dx_metrics.ingest import read_export
from dx_metrics.paths import project_path
from dx_metrics.plans import Plan, evaluate, load_plan, task_summary, tasks_table


@dataclass
class PlanReport:
    plan: Plan
    tables: dict[str, pd.DataFrame]
    observations: pd.DataFrame
    evaluation: pd.DataFrame
    tasks: pd.DataFrame
    task_counts: dict
    problems: list[Problem]
    sources: list[dict]
    as_of: dt.date | None = None
    extra: dict = field(default_factory=dict)

    @property
    def problems_frame(self) -> pd.DataFrame:
        return problems_frame(self.problems)

    @property
    def error_count(self) -> int:
        return sum(p.severity == ERROR for p in self.problems)


def build_plan_report(plan: str | Path | Plan, *, data_dir: str | Path = "data",
                      as_of: dt.date | str | None = None) -> PlanReport:
    """Load the plan, read its inputs (leniently: bad rows are listed, not fatal), compute
    indicators and evaluate the targets. A missing or unreadable input raises."""
    if not isinstance(plan, Plan):
        plan = load_plan(project_path(plan))
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    data_dir = project_path(data_dir)
    tables: dict[str, list[pd.DataFrame]] = {}
    problems: list[Problem] = []
    sources: list[dict] = []
    for item in plan.inputs:
        df = read_export(data_dir / item.path, item.kind, sheet=item.sheet, period=item.period, strict=False)
        problems.extend(df.attrs["problems"])
        o = df.attrs["origin"]
        sources.append({"file": o["file"], "path": item.path, "kind": item.kind, "sheet": o.get("sheet"),
                        "period": o.get("period"), "rows": o.get("rows"), "sha256": o["sha256"]})
        tables.setdefault(item.kind, []).append(df)
    merged = {}
    for kind, frames in tables.items():
        merged[kind] = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if len(frames) == 1:
            merged[kind].attrs = frames[0].attrs
    observations = compute_indicators(merged, as_of=as_of)
    evaluation = evaluate(plan, observations, as_of=as_of)
    listed = merged.get("tasks")
    return PlanReport(plan=plan, tables=merged, observations=observations, evaluation=evaluation,
                      tasks=tasks_table(plan, as_of=as_of, extra=listed),
                      task_counts=task_summary(plan, as_of=as_of, extra=listed),
                      problems=problems, sources=sources, as_of=as_of)
