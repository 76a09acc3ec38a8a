"""What the report notebooks display: headings, styled tables, charts, as HTML objects.

All text from inputs (plan titles, unit names, task titles) is HTML-escaped here.
"""
from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Image

from dx_metrics import notes
from dx_metrics.report import charts, quality, tables
from dx_metrics.formats import fmt_number
from dx_metrics.pipeline import PlanReport
from dx_metrics.report.labels import COLUMNS, SECTIONS, STATUS, STATUS_COLOURS, TEXT, check_lang
from dx_metrics.report.figures import chart_online_share, chart_ranking_page, chart_ranks, chart_years
from dx_metrics.report.headline import caveat_text, headline
from dx_metrics.units import unit_names
from dx_metrics.context import in_its_context

_e = html.escape


@in_its_context
def header(r: PlanReport, lang: str = "vi") -> HTML:
    """The report's title block and the headline counts of target statuses."""
    check_lang(lang)
    t, p = TEXT[lang], r.plan
    unit = str(unit_names(pd.Series([p.unit_id]), lang=lang).iloc[0])
    counts = r.evaluation["status"].value_counts()
    chips = " ".join(
        f'<span style="background:#{STATUS_COLOURS[s]};padding:2px 8px;border-radius:3px;margin-right:4px">'
        f"{_e(STATUS[lang][s])}: {int(counts[s])}</span>" for s in STATUS[lang] if s in counts)
    lines = [f"<h1>{_e(p.title)}</h1>", '<div class="dx-headline">',
             f"<b>{_e(t['unit'])}:</b> {_e(unit)} &nbsp; <b>{_e(t['year'])}:</b> {p.year}"]
    if p.legal_reference:
        lines.append(f" &nbsp; <b>{_e(t['legal'])}:</b> {_e(p.legal_reference)}")
    if r.as_of:
        lines.append(f" &nbsp; <b>{_e(t['as_of'])}:</b> {r.as_of:%d/%m/%Y}")
    lines += [f"<p>{chips}</p>", _headline_table(r, lang), "</div>"]
    return HTML("".join(lines))


def _headline_table(r: PlanReport, lang: str) -> str:
    """Per target: the figure with its span, the status (marked * where a flagged figure lies
    under it) and what was flagged: the first thing a signer reads."""
    t = TEXT[lang]
    rows = headline(r, lang)
    if not rows:
        return ""
    left = ' style="text-align:left;vertical-align:top"'
    head = "".join(f"<th{left}>{_e(t[k])}</th>" for k in ("headline_target", "headline_figure", "headline_status",
                                                          "headline_caveat"))
    body = "".join(f"<tr><td{left}>{_e(h['indicator'])}</td><td{left}>{_e(h['figure'])}</td>"
                   f"<td{left}><b>{_e(h['status'])}</b></td>"
                   f"<td{left}>{'<br>'.join(_e(c) for c in h['caveats'])}</td></tr>" for h in rows)
    note = f'<p class="dx-caveat"><i>{_e(t["caveat_note"])}</i></p>' if any(h["caveats"] for h in rows) else ""
    return f'<table class="dx-headline-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}'



def section(key: str, lang: str = "vi") -> HTML:
    check_lang(lang)
    title, text = SECTIONS[lang][key]
    return HTML(f"<h2>{_e(title)}</h2><p>{_e(text)}</p>")


@in_its_context
def targets(r: PlanReport, lang: str = "vi"):
    return tables.styled(*tables.targets_frame(r, lang), lang=lang)


@in_its_context
def indicator(r: PlanReport, indicator_id: str, lang: str = "vi", *, sources: bool = True):
    """One indicator's figures per unit and period; ``sources=False`` leaves out where each comes
    from (file, sheet, rows): the body of a report shows figures, its appendix their cells."""
    df, formats = tables.indicators_frame(r, lang, indicator_id=indicator_id)
    if not sources:
        df = df.drop(columns=[COLUMNS[lang]["source"]])
    return tables.styled(df, formats, lang=lang)


@in_its_context
def review_summary(r: PlanReport, lang: str = "vi") -> HTML:
    """The review's signs in plain words, for the body: what, whose, when (the rule, figures
    and thresholds are in the appendix)."""
    t = TEXT[lang]
    q = r.quality
    if q is None or not q.flag_count:
        return HTML(f"<p>{_e(t['no_flags'])}</p>")
    said = list(dict.fromkeys(caveat_text(f, lang) for _, f in q.flags.iterrows()))
    items = "".join(f"<li>{_e(x)}</li>" for x in said)
    return HTML(f"<p>{_e(t['flags_found'].format(n=len(said)))}</p><ul>{items}</ul>")


def appendix(lang: str = "vi") -> HTML:
    """Where the report turns from the reader who signs to the analyst who checks."""
    check_lang(lang)
    title, text = SECTIONS[lang]["appendix"]
    return HTML(f'<hr><h2 id="appendix">{_e(title)}</h2><p>{_e(text)}</p>')


@in_its_context
def online_share_chart(r: PlanReport, lang: str = "vi"):
    fig = chart_online_share(r, lang)
    if fig is None:
        return HTML(f"<p>{_e(STATUS[lang]['no_data'])}</p>")
    return Image(data=charts.png_bytes(fig), format="png")


@in_its_context
def task_counts(r: PlanReport, lang: str = "vi") -> HTML:
    t, tc = TEXT[lang], r.task_counts
    if not tc.get("total"):
        return HTML(f"<p>{_e(t['no_tasks'])}</p>")
    items = [(t["tasks_total"], tc["total"]), (t["tasks_done"], tc["by_status"]["done"]),
             (t["tasks_due"], tc["due_in_period"]), (t["tasks_overdue"], tc["overdue"]),
             (t["tasks_no_deadline"], tc["no_deadline"])]
    return HTML("<p>" + " &nbsp;·&nbsp; ".join(f"<b>{_e(k)}:</b> {v}" for k, v in items) + "</p>")


@in_its_context
def tasks(r: PlanReport, lang: str = "vi"):
    if r.tasks.empty:
        return HTML("")
    return tables.styled(*tables.tasks_frame(r, lang), lang=lang)


@in_its_context
def data_quality(r: PlanReport, lang: str = "vi"):
    if not r.problems:
        return HTML(f"<p>{_e(TEXT[lang]['no_problems'])}</p>")
    return tables.styled(*tables.problems_frame(r, lang), lang=lang)


@in_its_context
def review(r: PlanReport, lang: str = "vi") -> list:
    """The data quality review: what was judged, units × dimensions, and every flag."""
    q = r.quality
    if q is None:
        return []
    judged = sum(q.judged.values())
    t = TEXT[lang]
    absent = [HTML(f"<p>{_e(quality.absent_text(q.absent, r.plan.unit_id, lang))}</p>")] if q.absent else []
    if not judged:
        return [HTML(f"<p>{_e(t['review_nothing'])}</p>"), *absent]
    out = [HTML(f"<p>{_e(t['review_counts'].format(judged=fmt_number(judged, lang=lang), flags=q.flag_count))}</p>"),
           *absent]
    out += [HTML(f"<p><i>{_e(text)}</i></p>") for text in quality.not_judged_text(q.not_judged, lang)]
    if r.plan.quality:
        out.append(HTML(f"<p>{_e(quality.settings_text(r.plan.quality, lang))}</p>"))
    if not q.completeness.empty or q.flag_count:
        out.append(tables.styled(*quality.summary_frame(q.flags, q.completeness, lang), lang=lang))
    if q.flag_count:
        out.append(tables.styled(*quality.flags_frame(q.flags, lang), lang=lang))
    return out


@in_its_context
def sources(r: PlanReport, lang: str = "vi"):
    return tables.styled(*tables.sources_frame(r, lang), lang=lang)


def files(written: dict[str, Path], lang: str = "vi") -> HTML:
    items = "".join(f"<li>{_e(Path(p).name)}</li>" for p in written.values())
    return HTML(f"<p><b>{_e(TEXT[lang]['files_written'])}:</b></p><ul>{items}</ul>")


def _image(fig) -> Image | HTML:
    return Image(data=charts.png_bytes(fig), format="png") if fig is not None else HTML("")


@in_its_context
def indicators(r: PlanReport, lang: str = "vi"):
    """Every indicator computed from the inputs, with numerators and denominators."""
    return tables.styled(*tables.indicators_frame(r, lang), lang=lang)


@in_its_context
def early_warning(r: PlanReport, lang: str = "vi"):
    """The projection table when the plan year is still running; a note otherwise."""
    if not r.running:
        text = ("Năm kế hoạch đã kết thúc: các chỉ tiêu được đánh giá theo số liệu cả năm."
                if lang == "vi" else "The plan year is closed: targets are judged on full-year data.")
        return HTML(f"<p>{_e(text)}</p>")
    return tables.styled(*tables.early_warning_frame(r, lang), lang=lang)


@in_its_context
def owners(r: PlanReport, lang: str = "vi"):
    df, formats = tables.owners_frame(r, lang)
    if df.empty:
        text = "Không có đơn vị nào chậm." if lang == "vi" else "No unit is behind."
        return HTML(f"<p>{_e(text)}</p>")
    return tables.styled(df, formats, lang=lang)


@in_its_context
def rankings(r: PlanReport, lang: str = "vi", *, focus: list[str] | None = None, latest: bool = True):
    df, formats = tables.rankings_frame(r, lang, focus=focus, latest=latest)
    if df.empty:
        return HTML(f"<p>{_e(TEXT[lang]['no_rankings'])}</p>")
    return tables.styled(df, formats, lang=lang)


@in_its_context
def ranking_pages(r: PlanReport, lang: str = "vi", *, focus: list[str] | None = None,
                  peer_group: str | None = None) -> list:
    """Each index's latest ranking page: one row per unit of the peer group, components named,
    the followed units marked; long pages cut (the workbook keeps every row)."""
    from dx_metrics.ingest.indexes import catalogue
    from dx_metrics.report import ranking_page as rp

    if r.rankings.empty:
        return [HTML(f"<p>{_e(TEXT[lang]['no_rankings'])}</p>")]
    followed = rp.resolve_focus(r, focus or [])
    out = []
    for index in sorted(r.rankings["index"].dropna().unique()):
        _page, shown = rp.page_once(r, str(index), lang=lang, focus=followed, peer_group=peer_group)
        year = int(r.rankings.loc[r.rankings["index"] == index, "year"].max())
        known = catalogue().get(str(index))
        name = (known.name_vi if lang == "vi" else known.name_en) if known else str(index)
        out.append(HTML(f"<h3>{_e(name)} — {year}</h3>"))
        marked = shown["_focus"].tolist()
        styler = shown.drop(columns=["_focus", "_score"]).style.hide(axis="index").format(escape="html")
        styler = styler.apply(lambda row, marked=marked: ["font-weight:bold;background:#FFF2CC" if marked[row.name]
                                                          else "" for _ in row], axis=1)
        styler = styler.set_properties(subset=[rp.HEAD[lang]["unit"]], **{"text-align": "left"})
        out.append(styler.set_table_styles([{"selector": "th", "props": [("text-align", "left")]}]))
        out.append(_image(chart_ranking_page(r, str(index), followed, lang, peer_group=peer_group)))
    return out


@in_its_context
def rank_charts(r: PlanReport, focus: list[str], lang: str = "vi") -> list:
    """One chart per index of the focus units' rank over the years."""
    if r.rankings.empty:
        return []
    return [_image(chart_ranks(r, str(i), focus, lang)) for i in sorted(r.rankings["index"].dropna().unique())]


@in_its_context
def comparison_chart(r: PlanReport, cmp, lang: str = "vi", *, unit_id: str | None = None):
    """This year against last, with both years' targets, for the plan's unit."""
    return _image(chart_years(r, cmp, lang, unit_id=unit_id))


def comparison(cmp, lang: str = "vi", *, unit_id: str | None = None):
    return tables.styled(*tables.comparison_frame(cmp, lang, unit_id=unit_id), lang=lang)


@in_its_context
def unit_at(r: PlanReport, at: str | None) -> str:
    """The unit that carries the plan's unit on date ``at`` ("today", a date, or None)."""
    from dx_metrics.pipeline import resolve_date
    from dx_metrics.units import successor_at

    when = resolve_date(at)
    return successor_at(r.plan.unit_id, when) if when is not None else r.plan.unit_id


@in_its_context
def history(r: PlanReport, lang: str = "vi"):
    """The targets of the plan's unit in every run the workspace's history kept, by year."""
    from dx_metrics import history as store

    path = store.location(r.plan.path)
    if path is None or not path.is_file():
        return HTML(f"<p>{_e(TEXT[lang]['no_history'].format(path=path))}</p>")
    try:
        con = store.connect(path)
    except store.HistoryUnavailable as e:
        return HTML(f"<p>{_e(notes.say_one(e.cause, lang))}</p>")
    try:
        ev = con.execute("""SELECT year, indicator_id, unit_id, actual, target, status, recorded_at FROM evaluations
                            WHERE plan_unit = ? QUALIFY row_number() OVER (PARTITION BY year, indicator_id, unit_id
                            ORDER BY recorded_at DESC) = 1 ORDER BY year, indicator_id, unit_id""",
                         [r.plan.unit_id]).df()
    finally:
        con.close()
    return tables.styled(*tables.history_frame(ev, lang), lang=lang)


def checked_files(checked, lang: str = "vi"):
    c = COLUMNS[lang]
    df = checked.frame()
    status = {"ok": "achieved", "warnings": "at_risk", "errors": "off_track", "unreadable": "off_track"}
    shown = df.rename(columns={"file": c["file"], "kind": c["kind"], "rows": c["rows"],
                               "errors": TEXT[lang]["errors"], "warnings": TEXT[lang]["warnings"],
                               "status": c["status"]}).assign(_status=df["status"].map(status))
    return tables.styled(shown, {c["status"]: tables.STATUS_FMT}, lang=lang)


def previews(checked, lang: str = "vi") -> list:
    """Each readable file's first rows, under its name and table kind."""
    out = []
    for file, kind, head in checked.previews():
        out.append(HTML(f"<h3>{_e(file)} <small>({_e(kind)})</small></h3>"))
        out.append(head.style.format(na_rep="—", escape="html").hide(axis="index"))
    return out
