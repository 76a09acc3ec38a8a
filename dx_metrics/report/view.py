"""What the report notebooks display: headings, styled tables, charts, as HTML objects.

All text from inputs (plan titles, unit names, task titles) is HTML-escaped here.
"""
from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Image

from dx_metrics.report import charts, tables
from dx_metrics.report.assemble import PlanReport
from dx_metrics.report.labels import SECTIONS, STATUS, STATUS_COLOURS, TEXT, check_lang
from dx_metrics.report.outputs import chart_online_share
from dx_metrics.units import unit_names

_e = html.escape


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
    lines += [f"<p>{chips}</p>", "</div>"]
    return HTML("".join(lines))


def section(key: str, lang: str = "vi") -> HTML:
    check_lang(lang)
    title, text = SECTIONS[lang][key]
    return HTML(f"<h2>{_e(title)}</h2><p>{_e(text)}</p>")


def targets(r: PlanReport, lang: str = "vi"):
    return tables.styled(*tables.targets_frame(r, lang), lang=lang)


def indicator(r: PlanReport, indicator_id: str, lang: str = "vi"):
    return tables.styled(*tables.indicators_frame(r, lang, indicator_id=indicator_id), lang=lang)


def online_share_chart(r: PlanReport, lang: str = "vi"):
    fig = chart_online_share(r, lang)
    if fig is None:
        return HTML(f"<p>{_e(STATUS[lang]['no_data'])}</p>")
    return Image(data=charts.png_bytes(fig), format="png")


def task_counts(r: PlanReport, lang: str = "vi") -> HTML:
    t, tc = TEXT[lang], r.task_counts
    items = [(t["tasks_total"], tc["total"]), (t["tasks_done"], tc["by_status"]["done"]),
             (t["tasks_due"], tc["due_in_period"]), (t["tasks_overdue"], tc["overdue"]),
             (t["tasks_no_deadline"], tc["no_deadline"])]
    return HTML("<p>" + " &nbsp;·&nbsp; ".join(f"<b>{_e(k)}:</b> {v}" for k, v in items) + "</p>")


def tasks(r: PlanReport, lang: str = "vi"):
    return tables.styled(*tables.tasks_frame(r, lang), lang=lang)


def data_quality(r: PlanReport, lang: str = "vi"):
    if not r.problems:
        return HTML(f"<p>{_e(TEXT[lang]['no_problems'])}</p>")
    return tables.styled(*tables.problems_frame(r, lang), lang=lang)


def sources(r: PlanReport, lang: str = "vi"):
    return tables.styled(*tables.sources_frame(r, lang), lang=lang)


def files(written: dict[str, Path], lang: str = "vi") -> HTML:
    items = "".join(f"<li>{_e(Path(p).name)}</li>" for p in written.values())
    return HTML(f"<p><b>{_e(TEXT[lang]['files_written'])}:</b></p><ul>{items}</ul>")
