"""A plan's run of the pipeline, computed once: inputs read, indicators, evaluation, tasks, the review."""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dx_metrics.canonical import KEYS, PROVENANCE
from dx_metrics.context import Context, in_its_context
from dx_metrics.errors import ERROR, WARNING, DxDataError, Problem, problems_frame, problems_of
from dx_metrics.formats import fmt_number
from dx_metrics.indicators import compute_indicators
from dx_metrics.indicators.compose import lineage
from dx_metrics.indicators.rankings import rank_units
from dx_metrics.periods import parse_period
from dx_metrics.ingest import cache, read_export
from dx_metrics.ingest.dataset import RecordSet
from dx_metrics import notes, settings, units, workspace
from dx_metrics.quality import Review, review
from dx_metrics.units import in_family
from dx_metrics.plans import (DxPlanError, Plan, check_as_of, compare_years, evaluate, load_plan, owner_view, task_summary,
                              tasks_table)


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
    rankings: pd.DataFrame = field(default_factory=pd.DataFrame)
    quality: Review | None = None                   # the data quality review of the inputs
    charts: dict = field(default_factory=dict)      # figures drawn once, shown and saved
    pages: dict = field(default_factory=dict)       # ranking pages built once, shown as a table and drawn
    recorded: dict | None = None    # a report rebuilt from the history: the run's plan, time and files
    context: Context | None = None  # the workspace's registries and the settings it was built in

    @property
    def scope(self) -> pd.DataFrame:
        """The observations the report shows: of the plan's unit and the units under it, and of
        the units that became it during the plan year (a merged unit's predecessors, whose
        figures it counts), as known on ``as_of`` (a national export holds every province, a
        provincial report shows its own; a quarter ending after ``as_of`` was not known then)."""
        obs = self.observations
        units = {self.plan.unit_id, *(u for u, _, _ in lineage(self.plan.unit_id, parse_period(str(self.plan.year))))}
        mine = pd.Series(False, index=obs.index)
        for u in units:
            mine |= in_family(obs["unit_id"], u)
        if self.running:
            mine &= obs["period"].map(lambda p: _ends_by(p, self.as_of)).fillna(True).astype(bool)
        return pd.concat([self.judged, obs[mine]], ignore_index=True) if len(self.judged) else obs[mine]

    @property
    def judged(self) -> pd.DataFrame:
        """The figures the targets were judged on that no input gave as such (the year to date
        added up from quarters, a merged unit's year), as observation rows: each has its row
        in the indicator tables and comes first in a chart."""
        ev = self.evaluation
        if ev.empty or "span" not in ev:
            return self.observations.iloc[:0]
        have = set(zip(self.observations["indicator_id"], self.observations["unit_id"], self.observations["period"]))
        rows = []
        for r in ev[ev["actual"].notna()].itertuples():
            if (r.indicator_id, r.unit_id, r.basis_period) in have:
                continue
            said = [n for n in notes.decode(r.note_codes) if n["code"] == "units_counted"]
            rows.append({"indicator_id": r.indicator_id, "unit_id": r.unit_id, "period": r.basis_period,
                         "numerator": r.numerator, "denominator": r.denominator, "value": r.actual, "source": r.source,
                         "note": notes.say(said, "en"), "note_codes": notes.encode(said), "as_of": r.stock_as_of})
        out = pd.DataFrame(rows, columns=list(self.observations.columns)) if rows else self.observations.iloc[:0]
        return out.astype(self.observations.dtypes.to_dict())

    @property
    def owners(self) -> pd.DataFrame:
        """Which unit is behind on what (targets missed or at risk, overdue tasks)."""
        return owner_view(self.evaluation, self.tasks)

    @property
    def running(self) -> bool:
        """True when the plan's year was still running on ``as_of`` (early-warning mode)."""
        return self.as_of is not None and self.as_of < dt.date(self.plan.year, 12, 31)

    @property
    def problems_frame(self) -> pd.DataFrame:
        return problems_frame(self.problems)

    @property
    def error_count(self) -> int:
        return sum(p.severity == ERROR for p in self.problems)


def _ends_by(period: object, as_of: dt.date) -> bool:
    """Whether a period had ended by the month of ``as_of`` (a label that is no period: True)."""
    try:
        p = parse_period(str(period))
    except ValueError:
        return True
    return (p.end_year, p.end_month) <= (as_of.year, as_of.month)


def build_plan_report(plan: str | Path | Plan, *, data_dir: str | Path | None = None,
                      as_of: dt.date | str | None = None, context: Context | None = None) -> PlanReport:
    """Load the plan, read its inputs (leniently: bad rows are listed, not fatal), compute
    indicators and evaluate the targets. A missing or unreadable input raises.

    Inputs are found beside the plan file, then under ``data_dir`` (default: the plan's
    workspace's ``data/``). ``context`` (``dx_metrics.context``; default: the plan's
    workspace's, with the settings of the environment now) is in force while the report is
    built, and only then; the report keeps it (``r.context``), and the report layer renders in it."""
    if not isinstance(plan, Plan):
        plan = workspace.from_here(plan)
    where = plan if isinstance(plan, Path) else plan.path
    context = context or (Context.of_plan(where) if where is not None else Context.in_force())
    with context.applied():
        report = _build(load_plan(plan) if isinstance(plan, Path) else plan, data_dir=data_dir, as_of=as_of)
    return dataclasses.replace(report, context=context)


def _build(plan: Plan, *, data_dir: str | Path | None, as_of: dt.date | str | None) -> PlanReport:
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    plan_dir = plan.path.parent if plan.path is not None else Path.cwd()
    data_dir = workspace.from_here(data_dir) if data_dir is not None else workspace.of_folder(plan_dir).data
    tables: dict[str, list[pd.DataFrame]] = {}
    compared: dict[str, list[pd.DataFrame]] = {}
    problems: list[Problem] = units.replaced_rows()      # bundled registry rows the workspace's units.csv replaces
    problems += [p for p in [check_as_of(plan, as_of)] if p is not None]     # a data date outside the plan year
    sources: list[dict] = []
    refused = workspace.refused_inputs([i.path for i in plan.inputs], data_dir=data_dir,
                                       plan_file=plan.path if plan.path is not None else plan_dir / "plan.yaml")
    if refused:
        raise DxPlanError(refused)
    within = (workspace.of_folder(plan_dir).root, data_dir)
    for item in plan.inputs:
        df = read_export(workspace.resolve_input(item.path, plan_dir=plan_dir, data_dir=data_dir), item.kind,
                         sheet=item.sheet, period=item.period, strict=False, scope=plan.unit_id, index=item.index,
                         within=within)
        problems.extend(problems_of(df))
        o = df.attrs["origin"]
        sources.append({"file": o["file"], "path": item.path, "kind": item.kind, "sheet": o.get("sheet"),
                        "period": o.get("period"), "rows": o.get("rows"), "sha256": o["sha256"],
                        "scope_id": o.get("scope_id"), "scope_free": bool(o.get("scope_free")),
                        "rejected_rows": int(o.get("rejected_rows", 0)),
                        # dossier records: the rows left out per export they came from, by the check
                        # and by a lenient import
                        "rejected_by_file": o.get("rejected_by_file") or {},
                        "left_out_at_import": o.get("left_out_at_import") or {},
                        "provisional_units": o.get("provisional_units", []),
                        "compare": item.compare})
        problems.extend(_outside_the_year(df, item.kind, o["file"], plan.year))
        (compared if item.compare else tables).setdefault(item.kind, []).append(df)
    merged = merge_inputs(tables)
    if as_of is not None and "index_scores" in merged:
        merged["index_scores"] = _known_scores(merged["index_scores"], as_of, problems)
    observations = _with_plan_tasks(_indicators(merged, sources, as_of), plan, merged.get("tasks"), as_of)
    reviewed = _reviewable_tables(merged, problems)
    rankings = rank_units(merged["index_scores"]) if "index_scores" in merged else pd.DataFrame()
    evaluation = evaluate(plan, observations, as_of=as_of)
    evaluation = _explain_missing_columns(evaluation, merged, sources)
    evaluation = _note_rejected_rows(evaluation, sources)
    listed = merged.get("tasks")
    return PlanReport(plan=plan, tables=merged, observations=observations, evaluation=evaluation,
                      tasks=tasks_table(plan, as_of=as_of, extra=listed),
                      task_counts=task_summary(plan, as_of=as_of, extra=listed),
                      problems=problems, sources=sources, as_of=as_of, rankings=rankings,
                      quality=review(observations, reviewed, settings=plan.quality,
                                     compare={k: pd.concat(v, ignore_index=True) for k, v in compared.items()},
                                     scope=plan.unit_id, period=str(plan.year)).within(
                          plan.unit_id, *(u for u, _, _ in lineage(plan.unit_id, parse_period(str(plan.year))))))


def _reviewable_tables(tables: dict, problems: list[Problem]) -> dict[str, pd.DataFrame]:
    """The tables the data quality review reads: dossier records kept in Parquet as they lie
    (the review's record rules run in SQL on DuckDB over the files) up to ``DX_METRICS_REVIEW_RECORDS``
    rows, else left out of it with a warning that says so."""
    records = tables.get("dossier_records")
    if not isinstance(records, RecordSet):
        return tables
    out = {k: v for k, v in tables.items() if k != "dossier_records"}
    limit = settings.value("DX_METRICS_REVIEW_RECORDS")
    if records.rows <= limit:
        out["dossier_records"] = records
    else:
        problems.append(Problem(
            file=records.attrs["origin"]["file"], severity=WARNING, reason="too_large", code="records_not_reviewed",
            message="", hint_code="raise_review_records",
            params={"records": int(records.rows), "most": int(limit), "records_en": fmt_number(records.rows),
                    "most_en": fmt_number(limit)}))
    return out


def merge_inputs(tables: dict[str, list]) -> dict[str, pd.DataFrame]:
    """The inputs of each kind as one table, once no two of them hold the same key (which
    would be counted twice: ``refuse_overlap``). A kind read from one input keeps its attrs.
    Dossier records kept in Parquet are joined as one record set (checked again as a whole,
    so that a dossier in two of them is refused); mixed with a spreadsheet log, refused."""
    merged = {}
    for kind, frames in tables.items():
        sets = [f for f in frames if isinstance(f, RecordSet)]
        if sets and len(sets) < len(frames):
            raise DxDataError([Problem(file=sets[0].attrs["origin"]["file"], reason="duplicate_key",
                                       code="records_parquet_and_sheet", message="",
                                       hint_code="import_log_same_folder")])
        if sets:
            merged[kind] = functools.reduce(RecordSet.union, sets)
            continue
        refuse_overlap(kind, frames)
        merged[kind] = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if len(frames) == 1:
            merged[kind].attrs = frames[0].attrs
    return merged


def refuse_overlap(kind: str, frames: list[pd.DataFrame]) -> None:
    """Two inputs of one kind holding the same key (a unit and period, a dossier code) would
    be added together: refused, each repeated row named with the first file that holds it."""
    keys = [("unit_id" if k == "unit_name" else k) for k in KEYS.get(kind, [])]
    parts = []
    for n, df in enumerate(frames):
        cols = [k for k in keys if k in df]
        if cols and not df.empty:
            parts.append(df[cols + [c for c in PROVENANCE if c in df]].assign(_input=n,
                         _name=df["unit_name"] if "unit_name" in df else df[cols[0]]))
    if len(parts) < 2:
        return
    both = pd.concat(parts, ignore_index=True)
    cols = [k for k in keys if k in both]
    both[cols] = both[cols].astype("string").fillna("")
    inputs = both.groupby(cols, sort=False)["_input"].transform("nunique")
    repeated = both[(inputs > 1)]
    problems = []
    for _, group in repeated.sort_values("_input", kind="stable").groupby(cols, sort=False):
        first = group.iloc[0]
        for _, r in group[group["_input"] != first["_input"]].iterrows():
            what = ", ".join(str(v) for v in [r["_name"], *(r[c] for c in cols if c not in ("unit_id",))] if v)
            problems.append(Problem(
                file=str(r["source_file"]), sheet=r["source_sheet"], row=int(r["source_row"]), reason="duplicate_key",
                code="in_two_inputs", message="", hint_code="remove_one_input",
                params={"what": what, "other_file": str(first["source_file"]), "other_sheet": str(first["source_sheet"]),
                        "other_row": int(first["source_row"])}))
    if problems:
        raise DxDataError(problems)


def _explain_missing_columns(evaluation: pd.DataFrame, tables: dict[str, pd.DataFrame],
                             sources: list[dict]) -> pd.DataFrame:
    """A target with no input of its kind, where a table of that kind was read but lacks a
    column the indicator needs, says which column (reason ``missing_column``)."""
    from dx_metrics.registry import indicator
    from dx_metrics.ingest.header import column_specs

    ev = evaluation.copy()
    for i, r in ev.iterrows():
        if pd.isna(r["no_data_reason"]) or r["no_data_reason"] != "no_input":
            continue
        meta = indicator(r["indicator_id"])
        table = tables.get(meta["source_table"])
        if table is None:
            continue
        specs = column_specs().get(meta["source_table"], {})
        lacking = [c for c in (meta.get("numerator"), meta.get("denominator"))
                   if c and c in specs and (c not in table.columns or table[c].isna().all())]
        if lacking:
            named = ", ".join(f"{c} (a header such as '{specs[c].example}')" if specs[c].example
                              else c for c in lacking)
            files = ", ".join(sorted({s["file"] for s in sources if s["kind"] == meta["source_table"]}))
            said = [notes.note("needs_column", indicator=r["indicator_id"], columns=named, files=files)]
            ev.at[i, "no_data_reason"] = "missing_column"
            ev.at[i, "notes"], ev.at[i, "note_codes"] = notes.say(said, "en"), notes.encode(said)
    return ev


def _note_rejected_rows(evaluation: pd.DataFrame, sources: list[dict]) -> pd.DataFrame:
    """A target measured on an input some of whose rows or records were left out says so in its
    row: its value counts fewer than all of them. Each reading counts the rows it left out
    (``origin["rejected_rows"]``: a workbook's rows with errors; for a Parquet dataset, per export
    the records came from, those its check excluded: an unregistered or unplaced unit, a bad
    date ...), and a dataset's manifest the records a lenient import left out of it
    (``left_out_at_import``). A figure is matched to the exports its source names."""
    rejected: dict[str, int] = {}
    not_imported: dict[str, int] = {}
    for s in sources:
        for file, n in (s.get("rejected_by_file") or ({s["file"]: s["rejected_rows"]}
                                                      if s.get("rejected_rows") else {})).items():
            rejected[file] = rejected.get(file, 0) + int(n)
        for file, n in (s.get("left_out_at_import") or {}).items():
            not_imported[file] = not_imported.get(file, 0) + int(n)
    if not rejected and not not_imported:
        return evaluation
    said, codes = evaluation["notes"], evaluation["note_codes"]
    for i, src in evaluation["source"].items():
        if pd.isna(src):
            continue
        named = _exports_named(str(src))
        for code, counts in (("rejected_rows", rejected), ("records_not_imported", not_imported)):
            for file in sorted(f for f in counts if f in named):     # the files the figure was computed from
                said, codes = notes.put(said, codes, said.index == i, notes.note(code, count=counts[file], file=file),
                                        add=True)
    return evaluation.assign(notes=said, note_codes=codes)


def _exports_named(source: str) -> set[str]:
    """The files a figure's source names: "a.xlsx, Biểu 06a, rows 7–8; records: log.csv | b.csv,
    dossier records" names a.xlsx, records, log.csv and b.csv (a file is what stands before its
    sheet and rows, or around the ": " of a dataset and its exports)."""
    out: set[str] = set()
    for part in re.split(r" \| |; ", source):
        head, _, rest = part.partition(": ")
        out.add(head.split(", ")[0] if not rest else head)
        if rest:
            out.add(rest.split(", ")[0])
    return out


def _outside_the_year(df: pd.DataFrame, kind: str, file: str, year: int) -> list[Problem]:
    """A warning for an input none of whose periods touch the plan year: its figures count
    for no target (a 2024 export in a 2025 plan is most often the wrong file)."""
    from dx_metrics.periods import parse_period as parse

    column = "year" if kind == "index_scores" else "period"
    if column not in df or df.empty or kind == "index_scores":
        return []           # index tables hold many years by nature: the ranking page shows them all
    spans = []
    for p in pd.unique(df[column].dropna().astype(str)):
        try:
            spans.append(parse(p))
        except ValueError:
            continue
    if not spans or any(q.start_year <= year <= q.end_year for q in spans):
        return []
    periods = sorted({q.label() for q in spans})
    return [Problem(file=file, severity=WARNING, reason="no_period", code="input_outside_year",
                    message="", params={"periods": periods, "year": year})]


def _known_scores(scores: pd.DataFrame, as_of: dt.date, problems: list[Problem]) -> pd.DataFrame:
    """The index scores that could be known on ``as_of``: an index of year Y is taken as published
    after Y ends (the ICT Index 2019 came out in 2020); later ones are left out, each index and
    year named in a warning, never shown as if they had been known."""
    year = pd.to_numeric(scores["year"], errors="coerce")
    later = year.notna() & (pd.to_datetime(year.astype("Int64").astype("string") + "-12-31", errors="coerce")
                            > pd.Timestamp(as_of))
    if later.any():
        left = sorted({(str(i), int(y)) for i, y in zip(scores.loc[later, "index"], year[later])})
        files = ", ".join(sorted(set(scores.loc[later, "source_file"].astype(str)))) if "source_file" in scores \
            else "index_scores"
        problems.append(Problem(file=files, severity=WARNING, reason="no_period", code="scores_after_as_of",
                                message="", params={"indexes": [f"{i} {y}" for i, y in left],
                                                    "as_of": as_of.isoformat()}))
    return scores[~later].reset_index(drop=True)


def _with_plan_tasks(observations: pd.DataFrame, plan: Plan, listed: pd.DataFrame | None,
                     as_of: dt.date | None) -> pd.DataFrame:
    """The task indicators counted from the plan's own tasks and any task list read (the same
    tasks the report's task table lists), as of ``as_of`` or the plan year's end: a target on
    overdue tasks or tasks done on time is judged from the plan itself."""
    from dx_metrics.registry import indicator, indicator_ids

    table = tasks_table(plan, as_of=as_of, extra=listed)
    if table.empty:
        return observations
    when = pd.Timestamp(as_of or dt.date(plan.year, 12, 31))
    frame = table.drop(columns="overdue").assign(plan_id=plan.plan_id, as_of=when)
    ids = [i for i in indicator_ids() if indicator(i)["source_table"] == "tasks"]
    counted = compute_indicators({"tasks": frame}, ids=ids)
    kept = observations[~observations["indicator_id"].isin(ids)]
    return pd.concat([kept, counted], ignore_index=True).sort_values(
        ["indicator_id", "unit_id", "period"], ignore_index=True)


def _indicators(tables: dict[str, pd.DataFrame], sources: list[dict], as_of: dt.date | None) -> pd.DataFrame:
    """compute_indicators for these inputs, cached: a batch of reports over the same exports
    computes the indicators of every unit once."""
    # the same file read in another scope (another plan's unit) names other units
    key = cache.frame_key("indicators", sorted((s["sha256"], s["kind"], s.get("sheet"), s.get("period"),
                                                s.get("scope_id") or "", ",".join(s.get("provisional_units") or []))
                                               for s in sources), as_of)
    hit = cache.load_frame(key)
    if hit is not None:
        return hit
    observations = compute_indicators(tables, as_of=as_of)
    cache.store_frame(key, observations)
    return observations


def find_previous_plan(plan: Plan) -> Path | None:
    """The plan file of the same unit for the year before, next to this plan's file."""
    if plan.path is None:
        return None
    for candidate in sorted(plan.path.parent.glob("*.yaml")):
        try:
            other = load_plan(candidate)
        except Exception:  # noqa: BLE001 - other YAML files (schedules) are not plans
            continue
        if other.unit_id == plan.unit_id and other.year == plan.year - 1:
            return candidate
    return None


@in_its_context
def previous_report(current: PlanReport, previous_plan: str | Path | None = None, *,
                    data_dir: str | Path | None = None) -> PlanReport | None:
    """The report of last year's plan (given, or found beside the current plan file). When its
    plan file or its exports are gone, last year's recorded run is taken from the history
    (``recorded`` says so, and the comparison notes each figure that came from it); with
    neither, a missing export is an error and a missing plan gives None."""
    from dx_metrics.history import HistoryUnavailable

    path = workspace.from_here(previous_plan) if previous_plan else find_previous_plan(current.plan)
    year = current.plan.year - 1
    if path is None:
        try:
            return from_history(current, year) or _predecessors_report(current, year, data_dir)
        except HistoryUnavailable:
            return None      # as if nothing were recorded: the run's history note says why
    plan = load_plan(path)
    folder = workspace.from_here(data_dir) if data_dir is not None else workspace.of_plan(path).data
    missing = workspace.missing_inputs([i.path for i in plan.inputs], plan_dir=path.parent, data_dir=folder)
    if not missing:
        return build_plan_report(path, data_dir=data_dir)
    try:
        recorded = from_history(current, year, plan_id=plan.plan_id, unit_id=plan.unit_id)
    except HistoryUnavailable as e:
        raise FileNotFoundError(f"last year's plan {path.name} reads file(s) that no longer exist: "
                                f"{', '.join(missing)} (looked beside the plan, then in {folder}), and the "
                                f"history cannot be read: {e}") from e
    if recorded is None:
        raise FileNotFoundError(f"last year's plan {path.name} reads file(s) that no longer exist: "
                                f"{', '.join(missing)} (looked beside the plan, then in {folder}), and the "
                                f"history holds no run of {plan.plan_id}: put the files back, or run that plan "
                                f"once while they exist so that its figures are kept")
    return recorded


@in_its_context
def _predecessors_report(current: PlanReport, year: int, data_dir: str | Path | None) -> PlanReport | None:
    """Last year of a unit that did not exist then: the reports of the units that became it
    (their plan files beside this one, else their runs in the history), their figures
    together, for the comparison to compose (``compare_years``). None when there are none."""
    span = parse_period(str(year))
    units = list(dict.fromkeys(u for u, _, _ in lineage(current.plan.unit_id, span) if u != current.plan.unit_id))
    found = []
    for unit in units:
        beside = find_previous_plan(dataclasses.replace(current.plan, unit_id=unit, year=year + 1))
        report = (previous_report(current, beside, data_dir=data_dir) if beside is not None
                  else from_history(current, year, unit_id=unit))
        if report is not None:
            found.append(report)
    if not found:
        return None
    first = found[0]
    recorded = [r.recorded for r in found if r.recorded is not None]
    return dataclasses.replace(
        first, observations=pd.concat([r.observations for r in found], ignore_index=True),
        evaluation=pd.concat([r.evaluation for r in found], ignore_index=True),
        sources=[s for r in found for s in r.sources],
        tables={"index_scores": pd.concat(scores, ignore_index=True)} if (
            scores := [r.tables["index_scores"] for r in found if "index_scores" in r.tables]) else {},
        recorded=None if not recorded else {"run_id": ", ".join(r["run_id"] for r in recorded),
                                            "recorded_at": max(r["recorded_at"] for r in recorded),
                                            "files": [f for r in recorded for f in r["files"]]})


@in_its_context
def from_history(current: PlanReport, year: int, *, plan_id: str | None = None,
                 unit_id: str | None = None) -> PlanReport | None:
    """The most recent run of a plan of the current plan's unit (or ``unit_id``) for ``year``,
    as the history kept it (``dx_metrics.history``), or None."""
    import tempfile

    from dx_metrics import history
    from dx_metrics.indicators.compute import empty_observations

    rec = history.latest_run(unit_id or current.plan.unit_id, year, plan_id=plan_id,
                             path=history.location(current.plan.path) if current.plan.path else None)
    if rec is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        plan_file = Path(tmp) / f"{rec.run['plan_id']}.yaml"
        plan_file.write_text(rec.run["plan_text"], "utf-8")
        plan = dataclasses.replace(load_plan(plan_file), path=None)
    obs = rec.observations.reindex(columns=list(empty_observations().columns)).astype(empty_observations().dtypes)
    tables = {"index_scores": rec.index_scores} if not rec.index_scores.empty else {}
    return PlanReport(plan=plan, tables=tables, observations=obs, evaluation=rec.evaluation, tasks=pd.DataFrame(),
                      task_counts={}, problems=[], sources=[{"file": f, "from_history": True} for f in rec.files],
                      as_of=dt.date.fromisoformat(rec.run["as_of"]) if rec.run.get("as_of") else None,
                      recorded={"run_id": rec.run["run_id"], "recorded_at": rec.run["recorded_at"],
                                "files": rec.files})


def resolve_date(at: dt.date | str | None) -> dt.date | None:
    """A date parameter: a date, "YYYY-MM-DD", "today", or None."""
    if at is None or isinstance(at, dt.date):
        return at
    return dt.date.today() if str(at).lower() == "today" else dt.date.fromisoformat(str(at))


@in_its_context
def build_comparison(current: PlanReport, previous: PlanReport | None, *,
                     at: dt.date | str | None = None) -> pd.DataFrame:
    """This year against last year for the plan's unit and its parts (see compare_years)."""
    at = resolve_date(at)
    frames = [current.observations] + ([previous.observations] if previous is not None else [])
    plans = [current.plan] + ([previous.plan] if previous is not None else [])
    scores = [r.tables["index_scores"] for r in (current, previous) if r is not None and "index_scores" in r.tables]
    out = compare_years(pd.concat(frames, ignore_index=True), year=current.plan.year, plans=plans,
                        scores=pd.concat(scores, ignore_index=True).drop_duplicates() if scores else None, at=at,
                        as_of=current.as_of)
    if previous is not None and previous.recorded is not None:
        rec = previous.recorded
        said = notes.note("previous_from_history", year=previous.plan.year, files=", ".join(rec["files"]),
                          recorded=str(pd.Timestamp(rec["recorded_at"]).date()))
        from_store = out["value_previous"].notna() if "value_previous" in out else False
        out["note"], out["note_codes"] = notes.put(out["note"], out["note_codes"], from_store, said, add=True)
    return out
