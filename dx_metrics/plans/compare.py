"""Year over year, for planners: this year against last year and against both targets."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

import datetime as dt

from dx_metrics.indicators.compose import Figure, compose, span_of
from dx_metrics.indicators.rankings import rank_units
from dx_metrics import notes
from dx_metrics.periods import Period, parse_period
from dx_metrics.registry import catalog
from dx_metrics.plans.model import Plan
from dx_metrics.units import scores_at, successor_at

COLUMNS = ["indicator_id", "unit_id", "predecessors", "span_previous", "span_current", "value_previous",
           "value_current", "change",
           "target_previous", "target_current", "target_change", "target_raised", "rank_previous", "rank_current",
           "rank_change", "rank_of", "definition_change", "note", "note_codes"]


def compare_years(observations: pd.DataFrame, *, year: int, previous: int | None = None,
                  plans: Iterable[Plan] = (), scores: pd.DataFrame | None = None,
                  at: str | pd.Timestamp | None = None, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Per indicator and unit: last year's and this year's figure, the change (percentage
    points for shares), both years' targets and whether the target was raised; for index
    scores the ranks and rank change.

    Figures are composed (``dx_metrics.indicators.compose``) like for like: this year's span
    is the year, or the year to date at ``as_of``; last year's is the same months of last year
    where its inputs allow it, else last year's full year, and the note says which
    (``span_previous``, ``span_current``). Units are those in force on ``at`` (default: the
    end of ``year``): a merged unit's figures before it existed are its predecessors'
    (``predecessors`` says which); index scores of predecessors are not combined (see
    ``dx_metrics.units.scores_at``). ``definition_change`` marks indicators whose definition
    changed between the two years (the Decree 42/2022 level change); their change is left
    empty, the note says why.
    """
    previous = previous if previous is not None else year - 1
    at = pd.Timestamp(at) if at is not None else pd.Timestamp(year, 12, 31)
    as_of = pd.Timestamp(as_of).date() if as_of is not None else None
    known = as_of if as_of is not None and as_of < dt.date(year, 12, 31) else None
    span = span_of(year, known)
    like = Period(previous, span.start_month, previous, span.end_month)
    meta = catalog().set_index("indicator_id")
    obs = observations.reindex(columns=list(dict.fromkeys([*observations.columns, "note_codes", "as_of", "note"])))
    rows: dict[tuple[str, str], dict] = {}
    for iid, unit, period in zip(obs["indicator_id"], obs["unit_id"], obs["period"]):
        try:
            if parse_period(str(period)).end_year not in (year, previous):
                continue
        except ValueError:
            continue
        key = (str(iid), successor_at(str(unit), at))
        if key in rows:
            continue
        cur = compose(obs, key[0], key[1], span, as_of=known)
        last = compose(obs, key[0], key[1], like)
        said = []
        if like.months < 12:
            if last.known:
                said.append(notes.note("compared_same_span", span=like.label()))
            else:
                last = compose(obs, key[0], key[1], Period(previous, 1, previous, 12))
                if last.known:
                    said.append(notes.note("compared_full_year", span=span.label(), year=previous))
        rows[key] = {"indicator_id": key[0], "unit_id": key[1], "predecessors": set(cur.units + last.units) - {key[1]},
                     "span_current": cur.span if cur.known else pd.NA, "value_current": _value(cur),
                     "span_previous": last.span if last.known else pd.NA, "value_previous": _value(last),
                     "said": said}
    for plan in plans:
        if plan.year not in (year, previous):
            continue
        for t in plan.targets:
            unit = successor_at(t.unit_id or plan.unit_id, at)
            row = rows.setdefault((t.indicator_id, unit), {"indicator_id": t.indicator_id, "unit_id": unit,
                                                          "predecessors": set(), "said": []})
            row["target_current" if plan.year == year else "target_previous"] = t.value
    said = [r.pop("said") for r in rows.values()]
    out = pd.DataFrame([{**r, "predecessors": "|".join(sorted(r["predecessors"])) or pd.NA} for r in rows.values()],
                       columns=COLUMNS)
    share = out["indicator_id"].map(meta["unit"]).eq("share").fillna(False).to_numpy(dtype=bool)
    scale = pd.Series(np.where(share, 100.0, 1.0), index=out.index)
    for c in ("value_previous", "value_current", "target_previous", "target_current"):
        out[c] = out[c].astype("Float64")
    out["change"] = (out["value_current"] - out["value_previous"]) * scale
    out["target_change"] = (out["target_current"] - out["target_previous"]) * scale
    out["target_raised"] = (out["target_current"] > out["target_previous"]).astype("boolean")
    when = pd.to_datetime(out["indicator_id"].map(meta["definition_change"]))
    crossed = ((when > pd.Timestamp(previous, 1, 1)) & (when <= pd.Timestamp(year, 12, 31))).fillna(False)
    out["definition_change"] = crossed.astype("boolean")
    # the two years measure different things: no change is computed, the note says why
    out["change"] = out["change"].mask(crossed.to_numpy(dtype=bool))
    out["note"] = pd.Series([notes.say(n, "en") for n in said], index=out.index, dtype="string")
    out["note_codes"] = pd.Series([notes.encode(n) for n in said], index=out.index, dtype="string")
    out["note"], out["note_codes"] = notes.put(out["note"], out["note_codes"], crossed,
                                               notes.note("definition_changed_between_years"), add=True)
    if scores is not None and len(scores):
        out = pd.concat([out, _ranks(scores, year, previous, at)], ignore_index=True)
    # the plan's own order (this year's plan first), then whatever else was measured
    plans = sorted(plans, key=lambda p: p.year != year)
    order = {iid: i for i, iid in enumerate(dict.fromkeys(t.indicator_id for p in plans for t in p.targets))}
    out["_o"] = out["indicator_id"].map(order).fillna(len(order))
    return out.sort_values(["_o", "indicator_id", "unit_id"], kind="stable", ignore_index=True).drop(columns="_o")


def _value(fig: Figure):
    return fig.value if fig.known else pd.NA


def _ranks(scores: pd.DataFrame, year: int, previous: int, at: pd.Timestamp) -> pd.DataFrame:
    """Index rows: score and rank in both years, rank change, for each unit and component."""
    ranked = rank_units(scores[scores["year"].isin([year, previous])])
    ranked = scores_at(ranked, at)
    cur = ranked[ranked["year"] == year]
    prev = ranked[ranked["year"] == previous].set_index(["index", "component", "unit_id"])
    rows = []
    for r in cur.itertuples():
        key = (r.index, r.component, r.unit_id)
        p = prev.loc[key] if key in prev.index else None
        suffix = "" if r.component == "total" else f"_{r.component}"
        rows.append({"indicator_id": f"{str(r.index).lower()}{suffix}_rank", "unit_id": r.unit_at,
                     "predecessors": r.unit_id if r.unit_at != r.unit_id else pd.NA,
                     "value_previous": None if p is None else p["score"], "value_current": r.score,
                     "change": None if p is None else r.score - p["score"],
                     "rank_previous": None if p is None else p["rank"], "rank_current": r.rank,
                     "rank_change": r.rank_change, "rank_of": r.rank_of, "note": r.note, "note_codes": r.note_codes})
    out = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("rank_previous", "rank_current", "rank_change", "rank_of"):
        out[c] = out[c].astype("Int64")
    for c in ("value_previous", "value_current", "change"):
        out[c] = out[c].astype("Float64")
    return out
