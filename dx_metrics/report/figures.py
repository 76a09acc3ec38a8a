"""The report's figures, drawn once per report and language and shared by the notebook's
display and the files written (``outputs``): the online-dossier share against its target,
and ranks over the years of the units a report follows."""
from __future__ import annotations

import pandas as pd

from dx_metrics.report import charts, tables
from dx_metrics.pipeline import PlanReport
from dx_metrics.report.labels import COLUMNS
from dx_metrics.context import in_its_context


@in_its_context
def chart_online_share(r: PlanReport, lang: str = "vi"):
    """The online-dossier share per unit against the plan's target (None without data);
    drawn once per report and language."""
    return _drawn_once(r, ("online_dossier_share", lang), lambda: _draw_online_share(r, lang))


def _drawn_once(r: PlanReport, key: tuple, draw):
    """A figure drawn the first time it is asked for and reused after (shown, then saved)."""
    if key not in r.charts:
        r.charts[key] = draw()
    return r.charts[key]


def _draw_online_share(r: PlanReport, lang: str):
    iid = "online_dossier_share"
    df, _ = tables.indicators_frame(r, lang, indicator_id=iid)
    if df.empty:
        return None
    c = COLUMNS[lang]
    unit_col, value_col = c["unit"], c["value"]
    target = r.evaluation.loc[r.evaluation["indicator_id"] == iid, "target"]
    total_name = str(tables.unit_names(pd.Series([r.plan.unit_id]), lang=lang).iloc[0])
    return charts.share_by_unit(df.rename(columns={unit_col: "unit", value_col: "value", c["period"]: "period"}),
                                title=tables.indicator_name(iid, lang), lang=lang,
                                target=float(target.iloc[0]) if len(target) else None, total_unit=total_name)


@in_its_context
def chart_ranks(r: PlanReport, index: str, focus: list[str], lang: str = "vi"):
    """The focus units' published rank (or rank in group) in ``index`` over the years."""
    return _drawn_once(r, ("rank", index, tuple(focus), lang), lambda: _draw_ranks(r, index, focus, lang))


def _draw_ranks(r: PlanReport, index: str, focus: list[str], lang: str):
    rk = r.rankings
    if rk.empty:
        return None
    rows = rk[(rk["index"] == index) & (rk["component"] == "total") &
              (rk["unit_id"].isin(focus) | rk["unit_name"].isin(focus))]
    if rows["year"].nunique() < 2:      # a rank over the years needs two years at least
        return None
    rank = rows["rank_published"] if "rank_published" in rows and rows["rank_published"].notna().any() else rows["rank"]
    series = pd.DataFrame({"year": rows["year"], "rank": rank, "unit": rows["unit_name"]})
    title = f"{index}: " + ("thứ hạng qua các năm" if lang == "vi" else "rank over the years")
    return charts.rank_over_years(series, title=title, lang=lang)


@in_its_context
def chart_years(r: PlanReport, comparison: pd.DataFrame, lang: str = "vi", *, unit_id: str | None = None):
    """This year against last for the plan's unit: each share target's two values, both
    years' targets marked (None when no share target has a value in either year)."""
    unit = unit_id or r.plan.unit_id
    rows = comparison[(comparison["unit_id"] == unit) & tables.shares(comparison["indicator_id"])
                      & (comparison["target_current"].notna() | comparison["target_previous"].notna())
                      & (comparison["value_current"].notna() | comparison["value_previous"].notna())]
    if rows.empty:
        return None
    shown = pd.DataFrame({"label": rows["indicator_id"].map(lambda i: tables.indicator_name(i, lang)),
                          "previous": rows["value_previous"], "current": rows["value_current"],
                          "target_previous": rows["target_previous"], "target_current": rows["target_current"]})
    year = r.plan.year
    title = (f"So sánh năm {year} với năm {year - 1}" if lang == "vi" else f"{year} against {year - 1}")
    return _drawn_once(r, ("years", unit, lang), lambda: charts.years_against_targets(
        shown.reset_index(drop=True), title=title, years=(year - 1, year), lang=lang))


@in_its_context
def chart_ranking_page(r: PlanReport, index: str, focus: list[str], lang: str = "vi", *,
                       peer_group: str | None = None):
    """The overall scores of an index's latest ranking page: top, followed units with their
    neighbours, bottom (None without a score)."""
    from dx_metrics.report import ranking_page as rp

    def draw():
        page, shown = rp.page_once(r, index, lang=lang, focus=focus, peer_group=peer_group)
        shown = shown[shown["_score"].notna()]
        if shown.empty:
            return None
        head = rp.HEAD[lang]
        rows = pd.DataFrame({"label": shown[head["rank"]].astype(str) + ". " + shown[head["unit"]].astype(str),
                             "score": shown["_score"].astype(float), "focus": shown["_focus"].astype(bool)})
        year = int(r.rankings.loc[r.rankings["index"] == index, "year"].max())
        return charts.ranking_bars(rows, title=f"{index} {year}", decimals=rp.published_decimals(page["_score"]),
                                   lang=lang)
    return _drawn_once(r, ("ranking_page", index, tuple(focus), peer_group, lang), draw)


COUNTRY = "VNM"    # every plan's unit is Vietnamese: in a table of countries, Viet Nam is followed


@in_its_context
def followed_units(r: PlanReport, focus: list[str] | None = None) -> list[str]:
    """The units a rankings report follows: ``focus`` when given, else the plan's unit, the
    bodies above it (its province or ministry) and Viet Nam among countries."""
    from dx_metrics.units import ancestors

    return list(focus) if focus else [r.plan.unit_id, *ancestors(r.plan.unit_id), COUNTRY]


