"""Year over year, for planners: this year against last year and against both targets."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from dx_metrics.indicators.rankings import rank_units
from dx_metrics import notes
from dx_metrics.registry import catalog
from dx_metrics.plans.model import Plan
from dx_metrics.units import scores_at, successor_at, to_units_at

COLUMNS = ["indicator_id", "unit_id", "predecessors", "value_previous", "value_current", "change",
           "target_previous", "target_current", "target_change", "target_raised", "rank_previous", "rank_current",
           "rank_change", "rank_of", "definition_change", "note", "note_codes"]


def compare_years(observations: pd.DataFrame, *, year: int, previous: int | None = None,
                  plans: Iterable[Plan] = (), scores: pd.DataFrame | None = None,
                  at: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Per indicator and unit: last year's and this year's value, the change (percentage
    points for shares), both years' targets and whether the target was raised; for index
    scores the ranks and rank change.

    Series are mapped onto the units in force on ``at`` (default: the end of ``year``), so
    a merged unit compares with the sum of its predecessors (``predecessors`` says which);
    index scores of predecessors are not combined (see ``dx_metrics.units.scores_at``).
    ``definition_change`` marks indicators whose definition changed between the two years
    (the Decree 42/2022 level change); their change is left empty, the note says why.
    """
    previous = previous if previous is not None else year - 1
    at = pd.Timestamp(at) if at is not None else pd.Timestamp(year, 12, 31)
    meta = catalog().set_index("indicator_id")
    years = {str(previous): "previous", str(year): "current"}
    obs = observations[observations["period"].isin(list(years))]
    obs = to_units_at(obs, at) if len(obs) else obs.assign(predecessors=pd.Series(dtype="string"))
    rows: dict[tuple[str, str], dict] = {}
    for r in obs.itertuples():
        row = rows.setdefault((r.indicator_id, r.unit_id), {"indicator_id": r.indicator_id, "unit_id": r.unit_id,
                                                          "predecessors": set()})
        row[f"value_{years[r.period]}"] = r.value
        row["predecessors"] |= set(str(r.predecessors).split("|")) - {r.unit_id}
    for plan in plans:
        if plan.year not in (year, previous):
            continue
        for t in plan.targets:
            unit = successor_at(t.unit_id or plan.unit_id, at)
            row = rows.setdefault((t.indicator_id, unit), {"indicator_id": t.indicator_id, "unit_id": unit,
                                                          "predecessors": set()})
            row["target_current" if plan.year == year else "target_previous"] = t.value
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
    empty = pd.Series(pd.NA, index=out.index, dtype="string")
    out["note"], out["note_codes"] = notes.put(empty, empty, crossed, notes.note("definition_changed_between_years"))
    if scores is not None and len(scores):
        out = pd.concat([out, _ranks(scores, year, previous, at)], ignore_index=True)
    # the plan's own order (this year's plan first), then whatever else was measured
    plans = sorted(plans, key=lambda p: p.year != year)
    order = {iid: i for i, iid in enumerate(dict.fromkeys(t.indicator_id for p in plans for t in p.targets))}
    out["_o"] = out["indicator_id"].map(order).fillna(len(order))
    return out.sort_values(["_o", "indicator_id", "unit_id"], kind="stable", ignore_index=True).drop(columns="_o")


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
