"""Write a plan report's files: the Excel workbook, the charts and ``summary.json``."""
from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
from pathlib import Path

import pandas as pd

from dx_metrics import history, notes, paths, workspace
from dx_metrics.report import charts, quality, tables
from dx_metrics.pipeline import PlanReport
from dx_metrics.report.figures import chart_online_share, chart_ranking_page, chart_ranks, chart_years, followed_units
from dx_metrics.report.ranking_page import resolve_focus
from dx_metrics.report.labels import SHEETS, check_lang
from dx_metrics.report.workbook import write_workbook
from dx_metrics.context import in_its_context

RANK_KEYS = ["index", "year", "unit_id", "unit_name", "peer_group", "component", "score", "rank", "rank_of",
             "percentile", "rank_change", "rank_published", "rank_published_change"]
OBS_KEYS = ["indicator_id", "unit_id", "period", "numerator", "denominator", "value", "source", "note", "note_codes"]


def _json_value(v: object) -> object:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v


def _records(df: pd.DataFrame) -> list[dict]:
    """Rows as JSON objects; a row's notes as codes are a list of {code, params}, not a string."""
    return [{k: notes.decode(v) if k == "note_codes" else _json_value(v) for k, v in row.items()}
            for row in df.to_dict(orient="records")]


@in_its_context
def bounded_rankings(r: PlanReport, focus: list[str] | None = None) -> pd.DataFrame:
    """The rankings summary.json keeps: every row of the followed units, and the overall rank of
    every unit in each index's latest year (the workbook has all rows)."""
    rk = r.rankings
    if rk.empty:
        return rk
    followed = rk["unit_id"].isin(followed_units(r, focus)) | rk["unit_name"].isin(focus or [])
    latest = (rk["year"] == rk.groupby("index")["year"].transform("max")) & (rk["component"] == "total")
    return rk[followed | latest]


COMPARISON_KEYS = ["indicator_id", "unit_id", "predecessors", "span_previous", "value_previous", "span_current",
                   "value_current", "change", "target_previous", "target_current", "rank_previous", "rank_current",
                   "rank_change", "definition_change", "note", "note_codes"]


def _with_caveats(r: PlanReport, targets: list[dict]) -> list[dict]:
    """Each target with the review's flags on figures it rests on (``caveats``: rule, unit,
    period, subject), as the report's headline marks them "*"."""
    from dx_metrics.report.headline import resting_on

    for t, (_, row) in zip(targets, r.evaluation.iterrows()):
        flags = resting_on(r, row)
        t["caveats"] = [{k: (None if pd.isna(f[k]) else f[k]) for k in ("rule", "unit_id", "period", "subject")}
                        for _, f in flags.iterrows()]
    return targets


@in_its_context
def summary(r: PlanReport, *, generated_at: str, focus: list[str] | None = None,
            comparison: pd.DataFrame | None = None) -> dict:
    """The machine-readable result of a run (keys fixed by DESIGN.md); with ``comparison``, the
    year-over-year rows too (each figure with the span it covers)."""
    tc = r.task_counts
    out = {
        "plan_id": r.plan.plan_id,
        "year": r.plan.year,
        "unit_id": r.plan.unit_id,
        "title": r.plan.title,
        "legal_reference": r.plan.legal_reference,
        "as_of": r.as_of.isoformat() if r.as_of else None,
        "generated_at": generated_at,
        "indicators": _records(r.scope.reindex(columns=OBS_KEYS)),
        "targets": _with_caveats(r, _records(r.evaluation)),
        "tasks": {"total": tc["total"], "by_status": tc["by_status"], "due_in_period": tc["due_in_period"],
                  "overdue": tc["overdue"], "overdue_ids": tc["overdue_ids"], "no_deadline": tc["no_deadline"]},
        "data_quality": {"problem_count": len(r.problems), "error_count": r.error_count,
                         "problems": [p.to_dict() for p in r.problems]},
        "data_quality_review": r.quality.to_dict() if r.quality is not None else None,
        "sources": r.sources,
        "provisional_units": [{"unit_id": u, "name": str(tables.unit_names(pd.Series([u]), lang="vi").iloc[0]),
                               "file": s["file"]} for s in r.sources for u in s.get("provisional_units", [])],
        "rankings": _records(bounded_rankings(r, focus).reindex(columns=RANK_KEYS)) if not r.rankings.empty else [],
    }
    if comparison is not None:
        out["comparison"] = _records(comparison.reindex(columns=COMPARISON_KEYS))
    return out


@in_its_context
def write_outputs(r: PlanReport, output_dir: str | Path, *, lang: str = "vi", generated_at: str | None = None,
                  comparison: pd.DataFrame | None = None, focus: list[str] | None = None,
                  peer_group: str | None = None, record_history: bool = True, scorecard=None) -> dict[str, Path]:
    """Write ``evaluation.xlsx``, ``charts/*.png``, ``report.docx`` and ``summary.json`` into ``output_dir``.

    ``scorecard`` (a ``pipeline.scorecard.Scorecard766``) adds its sheets after the summary, its
    chart (``charts/766_components.png``) and ``score_766`` to summary.json.

    The workbook always has the sheets summary, targets, indicators, tasks, rankings, data
    quality and sources (plus the comparison with last year when given). What the run read
    and found is left for the history in ``output_dir/.history``; ``record_history`` merges it
    into the workspace's history at once (a notebook run by hand), else it waits for whoever
    ran the notebook (``dx-metrics run`` passes False, and records it once the run has succeeded).
    """
    check_lang(lang)
    out = workspace.from_here(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    generated_at = generated_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    s = SHEETS[lang]
    sheets = [(s["summary"], tables.summary_frame(r, lang, generated_at=generated_at), {}),
              (s["targets"], *tables.targets_frame(r, lang)),
              (s["indicators"], *tables.indicators_frame(r, lang)),
              (s["tasks"], *tables.tasks_frame(r, lang)),
              (s["rankings"], *tables.rankings_frame(r, lang)),
              (s["data_quality"], *tables.problems_frame(r, lang)),
              (s["sources"], *tables.sources_frame(r, lang))]
    if r.quality is not None:
        sheets[-1:-1] = [(s["review"], *quality.summary_frame(r.quality.flags, r.quality.completeness, lang)),
                         (s["review_flags"], *quality.flags_frame(r.quality.flags, lang))]
    if comparison is not None:
        sheets.insert(3, (s["comparison"], *tables.comparison_frame(comparison, lang)))
    if scorecard is not None:
        from dx_metrics.report import scorecard_page

        sheets[1:1] = scorecard_page.sheets(scorecard, lang)
    sheets = tables.with_replaced_text_noted(r, sheets, lang)
    written = {"workbook": write_workbook(out / paths.WORKBOOK, sheets)}
    if comparison is not None:
        fig = chart_years(r, comparison, lang)
        if fig is not None:
            written["chart_year_over_year"] = charts.save(fig, paths.chart_path(out, "year_over_year"))
    if scorecard is not None:
        fig = scorecard_page.components_chart(scorecard, lang)
        if fig is not None:
            written["chart_766_components"] = charts.save(fig, paths.chart_path(out, "766_components"))
    fig = chart_online_share(r, lang)
    if fig is not None:
        written["chart_online_dossier_share"] = charts.save(fig, paths.chart_path(out, "online_dossier_share"))
    if not r.rankings.empty:
        followed = followed_units(r, focus)
        on_page = resolve_focus(r, followed)
        for index in sorted(r.rankings["index"].dropna().unique()):
            fig = chart_ranks(r, str(index), followed, lang)
            if fig is not None:
                name = f"{str(index).lower()}_rank"
                written[f"chart_{name}"] = charts.save(fig, paths.chart_path(out, name))
            fig = chart_ranking_page(r, str(index), on_page, lang, peer_group=peer_group)
            if fig is not None:
                name = f"{str(index).lower()}_ranking"
                written[f"chart_{name}"] = charts.save(fig, paths.chart_path(out, name))
    from dx_metrics.report.document import write_docx

    written["document"] = write_docx(r, out / paths.DOCUMENT, lang=lang)
    summary_path = out / paths.SUMMARY
    data = summary(r, generated_at=generated_at, focus=focus, comparison=comparison)
    if scorecard is not None:
        data["score_766"] = scorecard_page.summary(scorecard)
    summary_path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    written["summary"] = summary_path
    _record(r, out, merge=record_history)
    return written


def _record(r: PlanReport, out: Path, *, merge: bool) -> None:
    """Keep what this run read and found for the history (``dx_metrics.history``): a part in
    ``out/.history``, merged into the workspace's store at once when ``merge``, else by the
    runner once the run has succeeded. The history never fails a report: when it cannot keep
    the run, summary.json's ``history`` says why."""
    store = history.location(r.plan.path)
    if store is None:
        return
    try:
        history.write_part(r, out)
    except Exception as e:  # noqa: BLE001 - the report stands; its summary says what the history missed
        shutil.rmtree(out / history.PART_DIR, ignore_errors=True)
        _note_history(out, history.failed(e, store))
        return
    if merge:
        record_history(out)


def record_history(output_dir: str | Path) -> dict | None:
    """Merge the part a successful run left in ``output_dir`` into the history, and say in its
    summary.json (key ``history``) whether the run was kept: ``{"recorded": true, "run_id":
    ...}`` or ``{"recorded": false, "note": ..., "note_codes": [...]}``. Returns that, or None
    when the history is off."""
    out = Path(output_dir)
    outcome = history.record(out)
    if outcome is None:          # no part: the history is off, or the run said why it wrote none
        return _summary(out).get("history")
    _note_history(out, outcome)
    return outcome


def _summary(out: Path) -> dict:
    path = out / paths.SUMMARY
    return json.loads(path.read_text("utf-8")) if path.is_file() else {}


def _note_history(out: Path, outcome: dict) -> None:
    """summary.json with its ``history`` set to ``outcome``, replaced in one step."""
    path = out / paths.SUMMARY
    if not path.is_file():
        return
    data = json.loads(path.read_text("utf-8"))
    data["history"] = outcome
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
