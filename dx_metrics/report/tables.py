"""The report's tables, labelled in the report language.

``*_frame`` functions return typed frames (numbers stay numbers) for the Excel workbook;
``styled`` turns one into an HTML table for the notebook, with values formatted the
Vietnamese way, status colours, and every input text HTML-escaped.
"""
from __future__ import annotations

import dataclasses
import re
from functools import lru_cache

import pandas as pd

from dx_metrics import notes, paths
from dx_metrics.errors import WARNING, Problem
from dx_metrics.registry import catalog, share_ids
from dx_metrics.formats import fmt_change, fmt_number, fmt_percent, fmt_period, fmt_points, fmt_time
from dx_metrics.ingest.indexes import component_label
from dx_metrics.report.labels import (COLUMNS, KIND, REASON, SEVERITY, SHEETS, STATUS, STATUS_COLOURS, TASK_STATUS,
                                     TEXT, TRAJECTORY, check_lang)
from dx_metrics.pipeline import PlanReport
from dx_metrics.text import code_points
from dx_metrics.units import unit_names
from dx_metrics.context import in_its_context

# column formats understood by the workbook writer and ``styled``
PERCENT, INTEGER, POINTS, NUMBER, SCORE, DATE, CHANGE = ("percent", "integer", "points", "number", "score", "date",
                                                         "change")
STATUS_FMT = "status"  # a column coloured by the row's ``_status``
_COMPARATOR_TEXT = {">=": "≥", "<=": "≤", "==": "="}


def _names(ids: pd.Series, lang: str) -> pd.Series:
    return unit_names(ids.astype("string"), lang=lang)


def indicator_name(iid: str, lang: str) -> str:
    names = _indicator_names(lang)
    return names.get(iid, iid)


@lru_cache(maxsize=2)
def _indicator_names(lang: str) -> dict[str, str]:
    cat = catalog()
    return dict(zip(cat["indicator_id"], cat["name_en" if lang == "en" else "name_vi"]))


def shares(iids: pd.Series) -> pd.Series:
    """Which of ``iids`` are indicators measured as a share."""
    return iids.isin(share_ids())


@in_its_context
def targets_frame(r: PlanReport, lang: str = "vi") -> tuple[pd.DataFrame, dict[str, str]]:
    check_lang(lang)
    c = COLUMNS[lang]
    ev = r.evaluation
    share = shares(ev["indicator_id"])
    df = pd.DataFrame({
        c["indicator"]: ev["indicator_id"].map(lambda i: indicator_name(i, lang)),
        c["owner_unit"]: _names(ev["owner_unit"], lang),
        c["actual"]: ev["actual"],
        c["numerator"]: ev["numerator"],
        c["denominator"]: ev["denominator"],
        c["comparator"]: ev["comparator"].map(_COMPARATOR_TEXT),
        c["target"]: ev["target"],
        c["gap"]: ev["gap"],
        c["status"]: ev["status"].map(STATUS[lang]),
        c["basis_period"]: _periods(ev["basis_period"], lang),
        c["trajectory"]: [_trajectory_text(t, y, v, lang) for t, y, v in
                          zip(ev["trajectory"], ev["horizon_year"], ev["horizon_target"])],
        c["pace"]: [pace_text(row, lang) for _, row in ev.iterrows()],
        c["notes"]: notes_text(ev["note_codes"], ev["notes"], lang),
        "_status": ev["status"],
        "_share": share,
    })
    formats = {c["actual"]: PERCENT, c["target"]: PERCENT, c["numerator"]: INTEGER, c["denominator"]: INTEGER,
               c["gap"]: POINTS, c["status"]: STATUS_FMT}
    if ev["trajectory"].isna().all():
        df = df.drop(columns=[c["trajectory"]])
    if ev["required_pace"].isna().all():
        df = df.drop(columns=[c["pace"]])
    return df, formats


def source_text(source: str, lang: str) -> str:
    """"file, sheet, rows 9–13" in the report language ("…, dòng 9–13")."""
    return re.sub(r", (rows?) (?=\d)", lambda m: ", dòng " if lang == "vi" else m.group(0), str(source))


def history_frame(ev: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, dict]:
    """Recorded targets (the history's ``evaluations``: year, indicator, unit, actual, target,
    status, when recorded) as a table in ``lang``."""
    c = COLUMNS[lang]
    df = pd.DataFrame({
        TEXT[lang]["year"]: ev["year"].astype("Int64"),
        c["indicator"]: ev["indicator_id"].map(lambda i: indicator_name(i, lang)),
        c["unit"]: _names(ev["unit_id"], lang),
        c["actual"]: ev["actual"].astype("Float64"),
        c["target"]: ev["target"].astype("Float64"),
        c["status"]: ev["status"].map(STATUS[lang]),
        TEXT[lang]["recorded_at"]: pd.to_datetime(ev["recorded_at"]).dt.strftime("%d/%m/%Y %H:%M"),
        "_status": ev["status"],
        "_share": shares(ev["indicator_id"]).to_numpy(),
    })
    return df, {c["actual"]: PERCENT, c["target"]: PERCENT, c["status"]: STATUS_FMT}


def notes_text(codes: pd.Series, said: pd.Series, lang: str) -> pd.Series:
    """Each row's notes in ``lang``, from their codes; a note without codes (written by a
    planner, or read from a file) as it is."""
    return pd.Series([notes.say(notes.decode(c), lang) if pd.notna(c) else s for c, s in zip(codes, said)],
                     index=said.index, dtype=object)


def _periods(series: pd.Series, lang: str) -> pd.Series:
    """Period labels as readers write them ("Quý II/2024"), not the canonical "2024-Q2"."""
    return series.map(lambda p: fmt_period(p, lang=lang) if pd.notna(p) else p)


def _trajectory_text(label: object, year: object, target: object, lang: str) -> str | None:
    if label is None or pd.isna(label):
        return None
    word = TRAJECTORY[lang].get(str(label), str(label))
    return f"{word} ({'đến' if lang == 'vi' else 'to'} {int(year)}: {fmt_percent(target, digits=0, lang=lang)})"


def pace_text(row: pd.Series, lang: str = "vi") -> str | None:
    """What the rest of the year must reach for a target judged on the year to date:
    "42,00% số còn lại (5 tháng)", "1,83 mỗi tháng (6 tháng)", "không thể đạt (cần 134,00%)"."""
    pace = row.get("required_pace")
    if pace is None or pd.isna(pace):
        return None
    vi, months = lang == "vi", int(row["pace_months_left"])
    span = f"{months} tháng" if vi else f"{months} month{'s' if months > 1 else ''}"
    if row["pace_unit"] == "per_month":
        if row["comparator"] == "<=":
            return (f"tối đa {fmt_number(pace, digits=2, lang=lang)} mỗi tháng ({span})" if vi
                    else f"at most {fmt_number(pace, digits=2, lang=lang)} a month ({span})") \
                if row["pace_reachable"] else ("đã vượt mức tối đa" if vi else "already over the ceiling")
        if pace == 0:
            return "đã đạt" if vi else "already met"
        return f"{fmt_number(pace, digits=2, lang=lang)} {'mỗi tháng' if vi else 'a month'} ({span})"
    shown = fmt_percent(pace, lang=lang)
    if not row["pace_reachable"]:
        if row["comparator"] == "<=":
            return "không thể đạt: đã vượt mức tối đa" if vi else "out of reach: already over the ceiling"
        return f"không thể đạt (cần {shown})" if vi else f"out of reach ({shown} needed)"
    if row["comparator"] == "<=":
        return f"tối đa {shown} số còn lại ({span})" if vi else f"at most {shown} of the rest ({span})"
    if pace == 0:
        return "đã bảo đảm" if vi else "already secured"
    return f"{shown} số còn lại ({span})" if vi else f"{shown} of the rest ({span})"


@in_its_context
def early_warning_frame(r: PlanReport, lang: str = "vi") -> tuple[pd.DataFrame, dict]:
    """Targets judged on part-year data: the value so far, its year-end projection, status."""
    check_lang(lang)
    c = COLUMNS[lang]
    ev = r.evaluation[r.evaluation["projected"].notna()]
    df = pd.DataFrame({
        c["indicator"]: ev["indicator_id"].map(lambda i: indicator_name(i, lang)),
        c["owner_unit"]: _names(ev["owner_unit"], lang), c["basis_period"]: _periods(ev["basis_period"], lang),
        c["actual"]: ev["actual"], c["projected"]: ev["projected"], c["comparator"]: ev["comparator"].map(_COMPARATOR_TEXT),
        c["target"]: ev["target"], c["gap"]: ev["gap"], c["status"]: ev["status"].map(STATUS[lang]),
        c["pace"]: [pace_text(row, lang) for _, row in ev.iterrows()],
        "_status": ev["status"], "_share": shares(ev["indicator_id"]),
    })
    return df, {c["actual"]: PERCENT, c["projected"]: PERCENT, c["target"]: PERCENT, c["gap"]: POINTS,
                c["status"]: STATUS_FMT}


@in_its_context
def owners_frame(r: PlanReport, lang: str = "vi") -> tuple[pd.DataFrame, dict]:
    check_lang(lang)
    c = COLUMNS[lang]
    o = r.owners
    kinds = {"vi": {"target": "Chỉ tiêu", "task": "Nhiệm vụ"}, "en": {"target": "Target", "task": "Task"}}[lang]
    status = {**STATUS[lang], "overdue": TEXT[lang]["tasks_overdue"]}
    df = pd.DataFrame({
        c["owner_unit"]: _names(o["owner_unit"], lang), c["kind_item"]: o["kind"].map(kinds),
        c["item"]: [indicator_name(i, lang) if k == "target" else i for k, i in zip(o["kind"], o["item"])],
        c["status"]: o["status"].map(status), "_status": o["status"].replace({"overdue": "off_track"}),
    })
    return df, {c["status"]: STATUS_FMT}


@in_its_context
def rankings_frame(r: PlanReport, lang: str = "vi", *, focus: list[str] | None = None,
                   latest: bool = False) -> tuple[pd.DataFrame, dict]:
    """Ranks by index, year, component; ``focus`` keeps some units (ids or names as written),
    ``latest`` keeps each index's latest year."""
    check_lang(lang)
    c = COLUMNS[lang]
    rk = r.rankings
    if rk.empty:
        return pd.DataFrame(columns=[c["index"], c["year"], c["unit"]]), {}
    if focus:
        keep = rk["unit_id"].isin(focus) | rk["unit_name"].isin(focus)
        rk = rk[keep]
    if latest and len(rk):
        last = rk.groupby("index")["year"].transform("max")
        rk = rk[rk["year"] == last]
    # the overall score first, then the components
    rk = rk.assign(_part=rk["component"] != "total").sort_values(["index", "year", "_part", "component", "rank"],
                                                                 kind="stable")
    published = rk["rank_published"] if "rank_published" in rk else pd.Series(pd.NA, index=rk.index)
    published_change = rk["rank_published_change"] if "rank_published_change" in rk else pd.Series(pd.NA, index=rk.index)
    df = pd.DataFrame({
        c["index"]: rk["index"], c["year"]: rk["year"],
        c["component"]: [component_label(i, k, lang) for i, k in zip(rk["index"], rk["component"])],
        c["unit"]: rk["unit_name"], c["peer_group"]: rk.get("peer_group"), c["score"]: rk["score"],
        c["rank"]: [("—" if pd.isna(a) else f"{int(a)}/{int(b)}" if pd.notna(b) else f"{int(a)}")
                    for a, b in zip(rk["rank"], rk["rank_of"])],
        c["rank_change"]: rk["rank_change"], c["percentile"]: rk["percentile"],
        c["rank_published"]: published, c["rank_published_change"]: published_change,
    }).reset_index(drop=True)
    if df[c["rank_published"]].isna().all():
        df = df.drop(columns=[c["rank_published"], c["rank_published_change"]])
    return df, {c["score"]: SCORE, c["percentile"]: NUMBER, c["rank_change"]: CHANGE,
                c["rank_published_change"]: CHANGE}


def comparison_frame(comparison: pd.DataFrame, lang: str = "vi", *, unit_id: str | None = None
                     ) -> tuple[pd.DataFrame, dict]:
    check_lang(lang)
    c, t = COLUMNS[lang], TEXT[lang]
    cmp = comparison if unit_id is None else comparison[comparison["unit_id"] == unit_id]
    names = cmp["indicator_id"].map(lambda i: indicator_name(i, lang) if not str(i).endswith("_rank") else i)
    df = pd.DataFrame({
        c["indicator"]: names, c["unit"]: _names(cmp["unit_id"], lang),
        c["span_previous"]: _periods(cmp.get("span_previous", pd.Series(pd.NA, index=cmp.index)), lang),
        c["value_previous"]: cmp["value_previous"],
        c["span_current"]: _periods(cmp.get("span_current", pd.Series(pd.NA, index=cmp.index)), lang),
        c["value_current"]: cmp["value_current"],
        c["change"]: cmp["change"], c["target_previous"]: cmp["target_previous"],
        c["target_current"]: cmp["target_current"],
        c["target_raised"]: cmp["target_raised"].map({True: t["yes"], False: t["no"]}),
        c["rank_change"]: cmp["rank_change"], c["predecessors"]: cmp["predecessors"].map(
            lambda p: "; ".join(_names(pd.Series(str(p).split("|")), lang)) if pd.notna(p) else pd.NA),
        c["note"]: notes_text(cmp.get("note_codes", pd.Series(pd.NA, index=cmp.index)), cmp["note"], lang),
        "_share": shares(cmp["indicator_id"]).to_numpy(),
    }).reset_index(drop=True)
    return df, {c["value_previous"]: PERCENT, c["value_current"]: PERCENT, c["change"]: POINTS,
                c["target_previous"]: PERCENT, c["target_current"]: PERCENT, c["rank_change"]: CHANGE}


@in_its_context
def indicators_frame(r: PlanReport, lang: str = "vi", *, indicator_id: str | None = None) -> tuple[pd.DataFrame, dict]:
    """Observations with names: one row per indicator, unit and period."""
    check_lang(lang)
    c = COLUMNS[lang]
    obs = r.scope
    if indicator_id is not None:
        obs = obs[obs["indicator_id"] == indicator_id]
    # the figure a target was judged on first, then the parts, the plan's unit (the total) last
    judged = set(zip(r.evaluation["indicator_id"], r.evaluation["unit_id"], r.evaluation["basis_period"]))
    order = [0 if k in judged else 1 + (u == r.plan.unit_id)
             for k, u in zip(zip(obs["indicator_id"], obs["unit_id"], obs["period"]), obs["unit_id"])]
    obs = obs.assign(_o=order).sort_values(["indicator_id", "_o", "unit_id"], kind="stable").drop(columns="_o")
    df = pd.DataFrame({
        c["indicator"]: obs["indicator_id"].map(lambda i: indicator_name(i, lang)),
        c["unit"]: _names(obs["unit_id"], lang),
        c["period"]: _periods(obs["period"], lang),
        c["numerator"]: obs["numerator"],
        c["denominator"]: obs["denominator"],
        c["value"]: obs["value"],
        c["note"]: notes_text(obs.get("note_codes", pd.Series(pd.NA, index=obs.index)), obs["note"], lang),
        c["source"]: obs["source"].map(lambda s: source_text(s, lang), na_action="ignore"),
    }).reset_index(drop=True)
    return df, {c["numerator"]: INTEGER, c["denominator"]: INTEGER, c["value"]: PERCENT}


def task_status_text(tasks: pd.DataFrame, lang: str = "vi") -> pd.Series:
    """Each task's status as a reader writes it; a task done after its deadline says by how many
    days ("Hoàn thành, trễ 15 ngày")."""
    said = tasks["status"].map(TASK_STATUS[lang])
    late = (pd.to_datetime(tasks["completed_on"]) - pd.to_datetime(tasks["deadline"])).dt.days
    late = late.where(tasks["status"].eq("done") & (late > 0))
    word = "trễ {n} ngày" if lang == "vi" else "{n} day(s) late"
    return pd.Series([s if pd.isna(n) else f"{s}, {word.format(n=int(n))}" for s, n in zip(said, late)],
                     index=tasks.index, dtype=object)


@in_its_context
def tasks_frame(r: PlanReport, lang: str = "vi") -> tuple[pd.DataFrame, dict]:
    check_lang(lang)
    c, t = COLUMNS[lang], TEXT[lang]
    tk = r.tasks
    df = pd.DataFrame({
        c["task_id"]: tk["task_id"], c["title"]: tk["title"], c["owner_unit"]: _names(tk["owner_unit"], lang),
        c["deadline"]: pd.to_datetime(tk["deadline"]), c["task_status"]: task_status_text(tk, lang),
        c["overdue"]: tk["overdue"].map({True: t["yes"], False: ""}),
        "_status": tk["overdue"].map({True: "off_track", False: ""}),
    }).sort_values([c["owner_unit"], c["task_id"]], kind="stable", ignore_index=True)
    return df, {c["deadline"]: DATE, c["overdue"]: STATUS_FMT}


@in_its_context
def problems_frame(r: PlanReport, lang: str = "vi") -> tuple[pd.DataFrame, dict]:
    check_lang(lang)
    c = COLUMNS[lang]
    p = r.problems_frame.drop(columns=["code", "params", "hint_code"])
    p = p.assign(severity=p["severity"].map(SEVERITY[lang]), message=[x.say(lang) for x in r.problems],
                 hint=[x.hint_said(lang) for x in r.problems], reason=p["reason"].map(REASON[lang]).fillna(p["reason"]))
    df = p.rename(columns={k: c[k] for k in p.columns if k in c})
    return df, {}


@in_its_context
def with_replaced_text_noted(r: PlanReport, sheets: list, lang: str = "vi") -> list:
    """The workbook's sheets, with a row in the data quality sheet for each cell whose text a
    workbook cannot hold as it is (a control character, or its escape "_x0001_", from a plan
    or an input read as text): written with "\ufffd" in its place (``workbook.cell_text``), and said."""
    from dx_metrics.report.workbook import cell_text, replaced

    dq = SHEETS[lang]["data_quality"]
    found = replaced([x for x in sheets if x[0] != dq])
    if not found:
        return sheets
    noted = [Problem(file=paths.WORKBOOK, sheet=sheet, row=row, column=column, value=cell_text(text)[0],
                     severity=WARNING, reason="lookalike_text", code="replaced_in_workbook", message="",
                     params={"chars": code_points(chars), "quoted": f'"{cell_text(text)[0]}"'})
             for sheet, row, column, text, chars in found]
    said = dataclasses.replace(r, problems=[*r.problems, *noted])
    return [(name, *problems_frame(said, lang)) if name == dq else (name, df, f) for name, df, f in sheets]


@in_its_context
def sources_frame(r: PlanReport, lang: str = "vi") -> tuple[pd.DataFrame, dict]:
    check_lang(lang)
    c = COLUMNS[lang]
    df = pd.DataFrame(r.sources, columns=["file", "kind", "sheet", "period", "rows", "sha256"])
    df["kind"] = df["kind"].map(KIND[lang]).fillna(df["kind"])
    return df.rename(columns={k: c[k] for k in df.columns if k in c}), {}


@in_its_context
def summary_frame(r: PlanReport, lang: str = "vi", *, generated_at: str | None = None) -> pd.DataFrame:
    """Key facts of the run as (item, value) pairs: the first sheet of the workbook."""
    check_lang(lang)
    c, t = COLUMNS[lang], TEXT[lang]
    p, tc = r.plan, r.task_counts
    met = int(r.evaluation["status"].isin(["achieved", "on_track"]).sum())
    judged = int((r.evaluation["status"] != "no_data").sum())
    rows = [
        (t["plan"], p.title), (t["legal"], p.legal_reference or ""),
        (t["unit"], str(unit_names(pd.Series([p.unit_id]), lang=lang).iloc[0])), (t["year"], p.year),
    ]
    if r.as_of is not None:
        rows.append((t["as_of"], r.as_of.strftime("%d/%m/%Y") if lang == "vi" else r.as_of.isoformat()))
    rows += [
        (t["targets_met_running"] if r.running else t["targets_met"], f"{met} / {judged} / {len(r.evaluation)}"),
        (t["tasks_total"], tc["total"]), (t["tasks_done"], tc["by_status"]["done"]),
        (t["tasks_due"], tc["due_in_period"]), (t["tasks_overdue"], tc["overdue"]),
        (t["tasks_no_deadline"], tc["no_deadline"]),
        (t["problems"], f"{r.error_count} {t['errors'].lower()}, "
                        f"{len(r.problems) - r.error_count} {t['warnings'].lower()}"),
    ]
    if generated_at:
        rows.append((t["generated"], fmt_time(generated_at, lang=lang)))
    return pd.DataFrame(rows, columns=[c["key"], c["value"]])


def styled(df: pd.DataFrame, formats: dict[str, str], lang: str = "vi"):
    """An HTML-ready Styler: values formatted, status colours, input text escaped."""
    visible = [col for col in df.columns if not str(col).startswith("_")]
    fmt = {}
    for col in visible:
        kind = formats.get(col)
        if kind == PERCENT:
            if "_share" in df:  # a mixed column: shares as %, counts as numbers
                continue
            fmt[col] = lambda x, lang=lang: fmt_percent(x, lang=lang)
        elif kind == INTEGER:
            fmt[col] = lambda x, lang=lang: fmt_number(x, lang=lang)
        elif kind == POINTS:
            fmt[col] = lambda x, lang=lang: fmt_points(x, lang=lang)
        elif kind == NUMBER:
            fmt[col] = lambda x, lang=lang: fmt_number(x, digits=1, lang=lang)
        elif kind == SCORE:
            fmt[col] = lambda x, lang=lang: fmt_number(x, digits=4, lang=lang)
        elif kind == DATE:
            fmt[col] = lambda x: "" if pd.isna(x) else x.strftime("%d/%m/%Y")
        elif kind == CHANGE:
            fmt[col] = lambda x, lang=lang: fmt_change(x, lang=lang)
    shown = df.copy()
    if "_share" in df:
        for col, kind in formats.items():
            if kind == PERCENT and col in shown:
                shown[col] = [fmt_percent(v, lang=lang) if s else fmt_number(v, lang=lang)
                              for v, s in zip(df[col], df["_share"])]
    styler = shown[visible].style.format(fmt, na_rep="—", escape="html").hide(axis="index")
    numeric = [col for col in visible if formats.get(col) in (PERCENT, INTEGER, POINTS, NUMBER, SCORE, CHANGE)]
    styler = styler.set_properties(**{"text-align": "left"}).set_properties(subset=numeric, **{"text-align": "right"})
    # "+1,27 điểm %" is one figure: never wrapped between the number and its unit
    points = [col for col in visible if formats.get(col) == POINTS]
    styler = styler.set_properties(subset=points, **{"white-space": "nowrap"}) if points else styler
    styler = styler.set_table_styles([{"selector": "th", "props": [("text-align", "left")]}])
    if "_status" in df:
        colours = df["_status"].map(lambda s: f"background-color: #{STATUS_COLOURS[s]}" if s in STATUS_COLOURS else "")
        status_cols = [col for col in visible if formats.get(col) == STATUS_FMT]
        styler = styler.apply(lambda _col: colours.values, subset=status_cols, axis=0)
    return styler
