"""A month's 766 scorecard: every unit of a log ranked by its estimated score, each component
against its maximum, the portal's published score beside it when given, and the points to gain.

``scorecard_components_766`` gives one row per unit and component: the points the log gives
(``score_766`` summed per component, ``reconcile766.component_scores``), else the portal's
published points for a component a log cannot give (CKMB; CLGQ while the method does not state
its split), each row saying where its points come from (``source``: "log", "published" or
missing) and the method's confidence. ``scorecard_766`` gives one row per unit: its score (the
sum of the components it has), out of the maxima of those components, ranked by the share of
those maxima it reaches (the same thing as the score when all six are there, and the only fair
order when a unit lacks a component), the score from the log alone, the year to date from the
log, the published total and the difference, the points lost on the rates the log explains and
the largest gains (``score766.explain_766``, said by ``say_766_gain``).

Method: ../shared/METHODS.md, "Decision 766/QĐ-TTg (2022) service index — corroborated"; every
score here is an estimate on a corroborated method (its confidence per component in
``method_766.yaml``), never the portal's official score: the published one is the official one.
"""
from __future__ import annotations

import pandas as pd

from dx_metrics.indicators.method766 import load_method_766
from dx_metrics.indicators.reconcile766 import DEFAULT_TOLERANCE, TOTAL, component_scores, reconcile_766
from dx_metrics.indicators.score766 import explain_766, say_766_gain, score_766
from dx_metrics.periods import parse_period

COMPONENTS_COLUMNS = ["unit_id", "unit_name", "period", "component", "component_name_vi", "component_name_en",
                      "max_points", "estimated", "published", "points", "source", "confidence", "difference",
                      "flagged", "cause"]
SCORECARD_COLUMNS = ["rank", "rank_of", "unit_id", "unit_name", "published_unit_id", "period", "score", "score_max",
                     "score_share", "estimated", "estimated_max", "estimated_ytd", "estimated_ytd_max",
                     "published_total", "difference", "flagged", "points_lost", "gains"]


def _names(records: pd.DataFrame) -> pd.DataFrame | None:
    if "unit_name" not in records:
        return None
    return records[["unit_id", "unit_name"]].dropna().drop_duplicates("unit_id")


def _in_scope(records: pd.DataFrame, units: list[str] | None) -> pd.DataFrame:
    if units is None:
        return records
    return records[records["unit_id"].isin(list(units)).fillna(False).to_numpy(dtype=bool)]


def scorecard_components_766(records: pd.DataFrame, published: pd.DataFrame | None = None,
                             method: dict | None = None, *, period: str, units: list[str] | None = None,
                             tolerance: float = DEFAULT_TOLERANCE, engine: str = "pandas") -> pd.DataFrame:
    """One row per unit of ``records`` (``dossier_records``; only ``units`` when given) and
    component of ``method`` for ``period`` (a month, "2025-10"), ``COMPONENTS_COLUMNS``:
    ``estimated`` from the log, ``published`` from ``published`` (the portal's ``index_scores``
    for the same month, units matched as ``reconcile_766`` matches them), ``points`` the
    estimated points where the log gives them, else the published ones, else missing, and
    ``source`` "log", "published" or missing accordingly; ``difference``, ``flagged`` and
    ``cause`` as ``reconcile_766`` (missing without a published table)."""
    method = load_method_766() if method is None else method
    records = _in_scope(records, units)
    scores = score_766(records, method, period=period, engine=engine)
    comps = component_scores(scores, method)
    names = _names(records)
    if published is not None:
        r = reconcile_766(comps, published, method, names=names, tolerance=tolerance)
        r = r[r["unit_id"].notna() & (r["component"] != TOTAL)]
        out = r[["unit_id", "unit_name", "period", "component", "max_points", "estimated", "published",
                 "difference", "flagged", "cause", "confidence", "published_unit_id"]].copy()
    else:
        c = comps[comps["component"] != TOTAL]
        out = pd.DataFrame({"unit_id": c["unit_id"], "period": c["period"], "component": c["component"],
                            "max_points": c["max_points"], "estimated": c["points"],
                            "published": pd.Series(pd.NA, index=c.index, dtype="Float64"),
                            "difference": pd.Series(pd.NA, index=c.index, dtype="Float64"),
                            "flagged": pd.Series(pd.NA, index=c.index, dtype="boolean"),
                            "cause": pd.Series(pd.NA, index=c.index, dtype="string"), "confidence": c["confidence"]})
        named = dict(zip(names["unit_id"], names["unit_name"])) if names is not None else {}
        out["unit_name"] = out["unit_id"].map(named)
        out["published_unit_id"] = pd.NA
    out["points"] = out["estimated"].fillna(out["published"]).astype("Float64")
    out["source"] = pd.Series(["log" if pd.notna(e) else "published" if pd.notna(p) else pd.NA
                               for e, p in zip(out["estimated"], out["published"])], index=out.index, dtype="string")
    comp = method["components"]
    out["component_name_vi"] = out["component"].map(lambda c: comp[c]["name_vi"])
    out["component_name_en"] = out["component"].map(lambda c: comp[c]["name_en"])
    out["unit_name"] = out["unit_name"].astype("string").fillna(out["unit_id"])
    order = {c: i for i, c in enumerate(comp)}
    out = out.assign(_o=out["component"].map(order)).sort_values(["unit_id", "_o"], kind="stable")
    return out[[*COMPONENTS_COLUMNS, "published_unit_id"]].reset_index(drop=True)


def _year_to_date(period: str) -> str | None:
    p = parse_period(period)
    if p.first_day.month == 1 and p.first_day.day == 1 and p.last_day.month == 1:
        return None                 # January: the year to date is the month
    return f"{p.last_day.year}-01/{p.last_day.year}-{p.last_day.month:02d}"


def scorecard_766(records: pd.DataFrame, published: pd.DataFrame | None = None, method: dict | None = None, *,
                  period: str, units: list[str] | None = None, tolerance: float = DEFAULT_TOLERANCE,
                  gains: int = 3, lang: str = "vi", year_to_date: bool = True,
                  components: pd.DataFrame | None = None) -> pd.DataFrame:
    """The scorecard of ``period`` (a month): one row per unit (``SCORECARD_COLUMNS``), ranked.

    - ``score`` = Σ ``points`` of ``scorecard_components_766`` over the components the unit has
      (from its log, else published), out of ``score_max`` = Σ their maxima; ``score_share`` =
      score ÷ score_max. ``rank`` orders the units by ``score_share`` (highest first, ties
      sharing the best rank, ``rank_of`` the units ranked): equal to ordering by score when
      every unit has all six components.
    - ``estimated`` = Σ the points the log gives, out of ``estimated_max``; ``estimated_ytd``
      the same from January to the month (``year_to_date``; missing for January).
    - ``published_total`` the portal's total, ``difference`` = score − published_total (on 100
      points only), ``flagged`` when beyond ``tolerance`` or when a component is.
    - ``points_lost`` = Σ the points the log's rates lose (max − points, what fixing every
      dossier ``explain_766`` lists would regain); ``gains`` the ``gains`` largest gains of one
      group of dossiers each, said in ``lang`` ("12 hồ sơ trễ hạn của Phòng X: +0,8 điểm TDGQ"),
      joined by "; ".

    ``components``: the table ``scorecard_components_766`` gave for the same arguments, to
    compute it once for a notebook's table and chart."""
    method = load_method_766() if method is None else method
    comps = components if components is not None else scorecard_components_766(
        records, published, method, period=period, units=units, tolerance=tolerance)
    records = _in_scope(records, units)
    rows = []
    explained = explain_766(records, method, period=period)
    scores = score_766(records, method, period=period)
    ytd = _year_to_date(period) if year_to_date else None
    ytd_comps = component_scores(score_766(records, method, period=ytd), method) if ytd else None
    published_total = {}
    if published is not None:
        r = reconcile_766(component_scores(scores, method), published, method, names=_names(records),
                          tolerance=tolerance)
        published_total = {u: v for u, v in zip(r.loc[r["component"] == TOTAL, "unit_id"],
                                                r.loc[r["component"] == TOTAL, "published"]) if pd.notna(u)}
    for unit, c in comps.groupby("unit_id", sort=True):
        have = c[c["points"].notna()]
        log = c[c["source"] == "log"]
        lost = scores[(scores["unit_id"] == unit) & scores["computable"].fillna(False)]["points_lost"].sum()
        mine = explained[explained["unit_id"] == unit].sort_values("points_gain", ascending=False, kind="stable")
        said = "; ".join(say_766_gain(g, lang) for _, g in mine.head(gains).iterrows()) if gains else ""
        row = {"unit_id": unit, "unit_name": c["unit_name"].iloc[0], "published_unit_id": c["published_unit_id"].iloc[0],
               "period": period, "score": float(have["points"].sum()), "score_max": float(have["max_points"].sum()),
               "estimated": float(log["estimated"].sum()), "estimated_max": float(log["max_points"].sum()),
               "published_total": published_total.get(unit, pd.NA), "points_lost": float(lost),
               "gains": said or pd.NA}
        if ytd_comps is not None:
            y = ytd_comps[(ytd_comps["unit_id"] == unit) & ytd_comps["computable"].fillna(False)
                          & (ytd_comps["component"] != TOTAL)]
            row["estimated_ytd"], row["estimated_ytd_max"] = float(y["points"].sum()), float(y["max_points"].sum())
        complete = row["score_max"] == float(sum(v["max_points"] for v in method["components"].values()))
        pt = row["published_total"]
        row["difference"] = row["score"] - float(pt) if complete and pd.notna(pt) else pd.NA
        row["flagged"] = bool(c["flagged"].fillna(False).any()) or \
            (pd.notna(row["difference"]) and abs(row["difference"]) > tolerance + 1e-9)
        rows.append(row)
    out = pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
    if out.empty:
        return out
    out["score_share"] = out["score"] / out["score_max"].where(out["score_max"] > 0)
    out["rank"] = out["score_share"].rank(method="min", ascending=False).astype("Int64")
    out["rank_of"] = int(out["score_share"].notna().sum())
    for col in ("score", "score_max", "score_share", "estimated", "estimated_max", "estimated_ytd",
                "estimated_ytd_max", "published_total", "difference", "points_lost"):
        out[col] = pd.to_numeric(out[col]).astype("Float64")
    for col in ("unit_id", "unit_name", "published_unit_id", "period", "gains"):
        out[col] = out[col].astype("string")
    out["flagged"] = out["flagged"].astype("boolean")
    return out.sort_values(["rank", "unit_name"], kind="stable", na_position="last").reset_index(drop=True)
