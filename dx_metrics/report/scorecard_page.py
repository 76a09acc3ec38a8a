"""The 766 scorecard page (notebook ``scorecard_766``): tables, the chart of components against
their maxima, the statement of the method's confidence, the workbook sheets and summary.json's
``score_766``, rendered from a ``pipeline.scorecard.Scorecard766`` (computed there, not here)."""
from __future__ import annotations

import html

import pandas as pd
from IPython.display import HTML, Image
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from dx_metrics import notes
from dx_metrics.formats import fmt_number, fmt_percent, fmt_period, fmt_score
from dx_metrics.indicators.method766 import CONFIDENCE
from dx_metrics.pipeline.scorecard import Scorecard766
from dx_metrics.report import charts
from dx_metrics.report.labels import SCORECARD_766, SCORECARD_766_SHEETS, check_lang
from dx_metrics.report.tables import INTEGER, styled
from dx_metrics.text import nfc

_e = html.escape
_SLASH = "\u00a0/\u00a0"         # "93,75 / 100" is one figure: never wrapped
LOG, PUBLISHED, MAX = "#1F4E78", "#9DC3E6", "#E7E6E6"


def _points(x: object, lang: str) -> str:
    return fmt_score(x, lang=lang)


def _weakest(sc: Scorecard766) -> str:
    labels = [c for c in sc.components["confidence"].dropna().unique() if c in CONFIDENCE]
    return max(labels, key=CONFIDENCE.index) if labels else "corroborated"


def estimate_note(sc: Scorecard766, lang: str = "vi") -> HTML:
    """What the page's scores are: estimates, at the method's confidence, never official."""
    t = SCORECARD_766[check_lang(lang)]
    text = t["estimate_note"].format(confidence=t[f"confidence_{sc.confidence}"],
                                     published=t["published_given" if sc.published else "published_none"])
    if _weakest(sc) == "assumed":
        assumed = sc.components.loc[sc.components["confidence"] == "assumed", "component"].drop_duplicates()
        text += " " + t["assumed_parts"].format(components=", ".join(c.upper() for c in assumed))
    period = f"<b>{_e(t['period'])}:</b> {_e(fmt_period(sc.period, lang=lang))}"
    return HTML(f'<p>{period}</p><div style="border-left:4px solid #C55A11;background:#FBE5D6;padding:6px 10px;'
                f'margin:8px 0"><b>{_e(text)}</b></div>')


def card_frame(sc: Scorecard766, lang: str = "vi") -> tuple[pd.DataFrame, dict]:
    """The ranked scorecard as the page and the workbook show it."""
    t = SCORECARD_766[check_lang(lang)]
    c = sc.card
    df = pd.DataFrame({
        t["rank"]: c["rank"], t["unit"]: c["unit_name"],
        t["score"]: [f"{_points(s, lang)}{_SLASH}{_points(m, lang)}" for s, m in zip(c["score"], c["score_max"])],
        t["published_total"]: [_points(v, lang) if pd.notna(v) else None for v in c["published_total"]],
        t["difference"]: [_signed(v, lang) for v in c["difference"]],
        t["estimated"]: [f"{_points(s, lang)}{_SLASH}{_points(m, lang)}" for s, m in
                         zip(c["estimated"], c["estimated_max"])],
        t["estimated_ytd"]: [f"{_points(s, lang)}{_SLASH}{_points(m, lang)}" if pd.notna(s) else None
                             for s, m in zip(c["estimated_ytd"], c["estimated_ytd_max"])],
        t["points_lost"]: [_points(v, lang) for v in c["points_lost"]],
        t["gains"]: c["gains"],
    })
    if not sc.published:
        df = df.drop(columns=[t["published_total"], t["difference"]])
    return df, {t["rank"]: INTEGER}


def _signed(x: object, lang: str) -> str | None:
    if x is None or pd.isna(x):
        return None
    return ("+" if x > 0.005 else "−" if x < -0.005 else "±") + fmt_score(abs(float(x)), lang=lang)


def components_frame(sc: Scorecard766, lang: str = "vi") -> tuple[pd.DataFrame, dict]:
    """One row per unit, one column per component: "points / maximum", the published points in
    brackets where the log cannot give them."""
    t = SCORECARD_766[check_lang(lang)]
    c = sc.components
    name = "component_name_en" if lang == "en" else "component_name_vi"
    order = list(dict.fromkeys(c[name]))
    cells = {}
    for (unit, comp), r in c.set_index(["unit_name", name]).iterrows():
        if pd.isna(r["points"]):
            text = f"—{_SLASH}{_points(r['max_points'], lang)}"
        elif r["source"] == "published":
            text = f"({_points(r['points'], lang)}){_SLASH}{_points(r['max_points'], lang)}"
        else:
            text = f"{_points(r['points'], lang)}{_SLASH}{_points(r['max_points'], lang)}"
        cells.setdefault(unit, {})[comp] = text
    ranked = list(sc.card["unit_name"])
    df = pd.DataFrame([{t["unit"]: u, **{k: cells[u].get(k) for k in order}} for u in ranked if u in cells])
    return df, {}


def gains_frame(sc: Scorecard766, lang: str = "vi", *, top: int | None = 15) -> tuple[pd.DataFrame, dict]:
    """The groups of dossiers that cost points, largest gain first (``top`` rows; None: all)."""
    from dx_metrics.indicators.score766 import say_766_gain

    t = SCORECARD_766[check_lang(lang)]
    g = sc.gains.sort_values("points_gain", ascending=False, kind="stable")
    if top is not None:
        g = g.head(top)
    units = dict(zip(sc.card["unit_id"], sc.card["unit_name"]))
    df = pd.DataFrame({t["unit"]: g["unit_id"].map(units).fillna(g["unit_id"]),
                       t["component"]: g["component"].str.upper(),
                       t["gain"]: [say_766_gain(r, lang) for _, r in g.iterrows()],
                       t["dossiers"]: g["dossiers"],
                       t["points_gain"]: ["+" + _points(v, lang) for v in g["points_gain"]]})
    return df, {t["dossiers"]: INTEGER}


def reconciliation_frame(sc: Scorecard766, lang: str = "vi") -> tuple[pd.DataFrame, dict]:
    """Estimated against published, per unit and component, the flagged ones marked."""
    t = SCORECARD_766[check_lang(lang)]
    r = sc.reconciliation
    if r.empty:
        return pd.DataFrame(), {}
    yes = "Có" if lang == "vi" else "Yes"
    names = r["unit_name"].fillna(r["published_unit_name"]).fillna(r["unit_id"])
    df = pd.DataFrame({
        t["unit"]: names, t["component"]: r["component"].map(lambda c: t["total"] if c == "total" else c.upper()),
        t["estimated_c"]: [_points(v, lang) if pd.notna(v) else None for v in r["estimated"]],
        t["published"]: [_points(v, lang) if pd.notna(v) else None for v in r["published"]],
        t["difference"]: [_signed(v, lang) for v in r["difference"]],
        t["flagged"]: [yes if f else "" for f in r["flagged"].fillna(False)],
        t["cause"]: [notes.say(notes.decode(c), lang) for c in r["note_codes"]],
    })
    return df, {}


def method_frame(sc: Scorecard766, lang: str = "vi") -> tuple[pd.DataFrame, dict]:
    t = SCORECARD_766[check_lang(lang)]
    m = sc.method
    suffix = "en" if lang == "en" else "vi"
    yes, no = ("Có", "Không") if lang == "vi" else ("Yes", "No")
    df = pd.DataFrame({
        t["component"]: [f"{c.upper()} – {n}" for c, n in zip(m["component"], m[f"component_name_{suffix}"])],
        t["max_points"]: [_points(v, lang) for v in m["max_points"]],
        t["rate_name"]: m[f"rate_name_{suffix}"],
        t["threshold"]: [fmt_percent(v, digits=0, lang=lang) if pd.notna(v) else None for v in m["threshold"]],
        t["from_log"]: [yes if f else no for f in m["from_log"]],
        t["confidence"]: [t[f"confidence_{c}"]
                          + (f"; {t['threshold'].lower()}: {t['confidence_' + tc]}" if isinstance(tc, str) and tc != c else "")
                          + (f"; {t['formula']}: {t['confidence_' + fc]}" if isinstance(fc, str) and fc != c else "")
                          for c, tc, fc in zip(m["confidence"], m["threshold_confidence"], m["formula_confidence"])],
    })
    return df, {}


def table(frame: tuple[pd.DataFrame, dict], lang: str = "vi"):
    df, formats = frame
    return styled(df, formats, lang=lang)


def card(sc: Scorecard766, lang: str = "vi"):
    return table(card_frame(sc, lang), lang)


def components(sc: Scorecard766, lang: str = "vi"):
    return table(components_frame(sc, lang), lang)


def gains(sc: Scorecard766, lang: str = "vi"):
    if sc.gains.empty:
        return HTML(f"<p>{_e(SCORECARD_766[lang]['nothing_lost'])}</p>")
    return table(gains_frame(sc, lang), lang)


def reconciliation_page_frame(sc: Scorecard766, lang: str = "vi") -> tuple[pd.DataFrame, list[str]]:
    """The reconciliation as a page shows it: one row per unit, "estimated / published" per
    component the log gives (the difference beside a flagged one), what to check said once;
    and the components not compared (not computable from the log). The workbook has every row."""
    t = SCORECARD_766[check_lang(lang)]
    r = sc.reconciliation
    if r.empty:
        return pd.DataFrame(), []
    compared = [c for c in dict.fromkeys(r["component"]) if r.loc[r["component"] == c, "estimated"].notna().any()]
    skipped = [c for c in dict.fromkeys(r["component"]) if c not in compared]
    names = r["unit_name"].fillna(r["published_unit_name"]).fillna(r["unit_id"])
    rows = []
    for key, part in r.assign(_name=names).groupby(["_name"], sort=False):
        row = {t["unit"]: key[0]}
        for comp in compared:
            x = part[part["component"] == comp].iloc[0]
            cell = f"{_points(x['estimated'], lang)}{_SLASH}{_points(x['published'], lang)}"
            if bool(x["flagged"]) and pd.notna(x["difference"]):
                cell += f" ({_signed(x['difference'], lang)})"
            row[f"{comp.upper()}"] = cell
        flagged = part[part["flagged"].fillna(False)]
        said = []
        for _, x in flagged.iterrows():
            text = notes.say(notes.decode(x["note_codes"])[:1], lang)
            said.append(text if x["cause"] == "unit_not_in_log" else f"{x['component'].upper()}: {text}")
        row[t["flagged"]] = "; ".join(dict.fromkeys(said))
        rows.append(row)
    note = [t["reconcile_cells"], t["not_compared"].format(
        components=", ".join(t["total"] if c == "total" else c.upper() for c in skipped))] if skipped \
        else [t["reconcile_cells"]]
    return pd.DataFrame(rows), note


def reconciliation(sc: Scorecard766, lang: str = "vi") -> list:
    """The tolerance said, and the reconciliation table (or a sentence saying there is none)."""
    t = SCORECARD_766[check_lang(lang)]
    if not sc.published:
        return [HTML(f"<p>{_e(t['no_published'])}</p>")]
    df, said = reconciliation_page_frame(sc, lang)
    tol = t["tolerance"].format(tolerance=fmt_score(sc.tolerance, lang=lang))
    lines = "".join(f"<br>{_e(x)}" for x in said)
    return [HTML(f"<p><i>{_e(tol)}</i>{lines}</p>"), styled(df, {}, lang=lang)]


def method(sc: Scorecard766, lang: str = "vi"):
    return table(method_frame(sc, lang), lang)


@charts._plain_text
def components_chart(sc: Scorecard766, lang: str = "vi") -> Figure | None:
    """One panel per component: each unit's points (from the log, or published where the log
    cannot give them, lighter) as a bar against the component's maximum (grey)."""
    t = SCORECARD_766[check_lang(lang)]
    c = sc.components
    if c.empty:
        return None
    name = "component_name_en" if lang == "en" else "component_name_vi"
    comps = list(dict.fromkeys(c["component"]))
    units = list(sc.card["unit_name"])[::-1]          # the best ranked at the top
    cols = 3
    rows = -(-len(comps) // cols)
    fig = Figure(figsize=(12, rows * (0.42 * len(units) + 1.3) + 0.8), dpi=100)
    for i, comp in enumerate(comps):
        ax = fig.add_subplot(rows, cols, i + 1)
        part = c[c["component"] == comp].set_index("unit_name").reindex(units)
        top = float(part["max_points"].dropna().iloc[0])
        y = range(len(units))
        ax.barh(y, [top] * len(units), color=MAX, height=0.7)
        colours = [PUBLISHED if s == "published" else LOG for s in part["source"]]
        values = part["points"].astype("Float64").fillna(0).astype(float)
        ax.barh(y, values, color=colours, height=0.7)
        for yi, v, src in zip(y, part["points"], part["source"]):
            label = "—" if pd.isna(v) else (f"({_points(v, lang)})" if src == "published" else _points(v, lang))
            ax.text(top * 1.02, yi, label, va="center", fontfamily=charts.FONT, fontsize=8)
        # the portal's published points where the log gives its own: a mark, to see the difference
        mark = [(yi, float(p)) for yi, p, src in zip(y, part["published"], part["source"])
                if src == "log" and pd.notna(p)]
        if mark:
            ax.scatter([p for _, p in mark], [yi for yi, _ in mark], marker="|", s=260, linewidths=2.2,
                       color=charts.TOTAL, zorder=3)
        ax.set_xlim(0, top * 1.25)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos, ax=ax: fmt_number(
            x, digits=charts._axis_digits(ax.get_xticks()), lang=lang)))
        ax.set_yticks(list(y), [nfc(str(u)) if i % cols == 0 else "" for u in units], fontfamily=charts.FONT,
                      fontsize=8)
        ax.set_title(nfc(f"{comp.upper()} – {part[name].dropna().iloc[0] if part[name].notna().any() else comp}"
                         f" ({_points(top, lang)})"), fontfamily=charts.FONT, fontsize=9, loc="left")
        ax.tick_params(axis="x", labelsize=7)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    from matplotlib.patches import Patch

    from matplotlib.lines import Line2D

    handles = [Patch(color=LOG, label=t["chart_log"]), Patch(color=PUBLISHED, label=t["chart_published"]),
               Patch(color=MAX, label=t["chart_max"])]
    if sc.published:
        handles.append(Line2D([], [], marker="|", linestyle="none", markersize=12, markeredgewidth=2.2,
                              color=charts.TOTAL, label=t["chart_published_mark"]))
    fig.legend(handles=handles, loc="lower center", ncol=len(handles),
               prop={"family": charts.FONT, "size": 8}, frameon=False)
    fig.suptitle(nfc(t["chart_title"].format(period=fmt_period(sc.period, lang=lang))), fontfamily=charts.FONT,
                 fontsize=12, x=0.01, ha="left")
    fig.tight_layout(rect=(0, 0.05, 1, 0.97))
    return fig


def chart(sc: Scorecard766, lang: str = "vi") -> Image | HTML:
    fig = components_chart(sc, lang)
    return Image(data=charts.png_bytes(fig), format="png") if fig is not None else HTML("")


def sheets(sc: Scorecard766, lang: str = "vi") -> list[tuple[str, pd.DataFrame, dict]]:
    """The workbook sheets of the scorecard (the report's labels; figures as shown)."""
    s = SCORECARD_766_SHEETS[check_lang(lang)]
    out = [(s["card"], *card_frame(sc, lang)), (s["components"], *components_frame(sc, lang)),
           (s["gains"], *gains_frame(sc, lang, top=None))]
    if sc.published:
        out.append((s["reconciliation"], *reconciliation_frame(sc, lang)))
    out.append((s["method"], *method_frame(sc, lang)))
    return out


def summary(sc: Scorecard766) -> dict:
    """summary.json's ``score_766``: the month, the method's confidence and that the scores are
    estimates, every table as records (numbers as numbers, notes as codes)."""
    from dx_metrics.report.outputs import _records

    gains = sc.gains.drop(columns=["dossier_ids"]) if "dossier_ids" in sc.gains else sc.gains
    return {"period": sc.period, "estimate": True, "official": False, "method_confidence": sc.confidence,
            "weakest_confidence": _weakest(sc),
            "published_given": sc.published, "tolerance": sc.tolerance,
            "scorecard": _records(sc.card), "components": _records(sc.components), "gains": _records(gains),
            "reconciliation": _records(sc.reconciliation) if not sc.reconciliation.empty else [],
            "method": _records(sc.method)}


__all__ = ["card", "chart", "components", "components_chart", "estimate_note", "gains", "method",
           "reconciliation", "sheets", "summary"]
