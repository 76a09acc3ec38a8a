"""The 766 score estimated from a one-stop log against the one the national portal published.

``component_scores`` sums ``score_766``'s rows to one per unit and component (the six, and the
total when all six are computable). ``reconcile_766`` sets them beside the portal's published
table for the same month (``index_scores`` as ``read_export`` reads the portal's 766 workbook:
``index`` "766", components ``ckmb`` … ``mdsh`` and ``total``, ``unit_id`` the portal's unit
code such as "H01.06", ``unit_name`` as written, "Sở Công Thương - tỉnh An Giang"), one row per
unit and component: estimated, published, the difference (estimated − published) and a flag
when it is beyond ``tolerance`` points (default 0,5: the portal publishes two decimals, and a
log's count drifts by a dossier or two from the portal's), with the likely cause as a code
(``CAUSES``).

Units are matched by ``unit_id`` where the two sides share it, else by the name's matching key
(``units.unit_key``: folded, issuer words dropped), the whole name first, then the part before
the portal's " - tỉnh …" suffix when that names one unit on each side. This is a comparison, in
the sense of the WHO Data Quality Review's external comparison (DQR 3, 2017/2020): a difference
says where to look; the method itself is corroborated, never verified (``method_766.yaml``).

Not yet a rule of the data quality review (``quality/review.py``): the scorecard page shows the
flags (``report/scorecard_page.reconciliation``). As a review rule they would be DQR 3 flags
(dimension external, one rule per cause, ``messages.yaml``), but the review keeps only the units of
the plan's scope in the registry (``Review.within``), and a province's departments and communes
are known to the portal by codes ("H01.06") the registry does not hold: the flags would be
dropped until those units are registered (``units.csv``) or the review keeps a log's own units.
"""
from __future__ import annotations

import pandas as pd

from dx_metrics.indicators.method766 import CONFIDENCE, load_method_766
from dx_metrics.notes import decode, encode, note, say
from dx_metrics.units import unit_key

DEFAULT_TOLERANCE = 0.5
# the likely cause of a row that does not agree (a code; notes.yaml says it: reconcile_766_<code>)
CAUSES = (
    "not_computable",      # the component is not computable from the log (inputs not in it, points not stated)
    "period_differs",      # the two tables are of different periods (a month against a year to date)
    "method_assumed",      # same month, computable, beyond the tolerance, on a component resting on a part
                           # of the method dx_metrics assumed (TDGQ's and TTTT's thresholds, MDHL's bases)
    "period_cut_off",      # same month, computable, beyond the tolerance, on a corroborated component: the
                           # portal's own cut-off (dossiers synced late, its day of count) or the log's gaps
    "unit_not_in_log",     # a unit the portal scored that the log does not hold
    "unit_not_published",  # a unit of the log the portal did not score
    "not_published",       # the portal's table has no score for that component
)
COMPONENT_COLUMNS = ["unit_id", "period", "component", "points", "max_points", "computable", "confidence",
                     "note_codes"]
RECONCILE_COLUMNS = ["unit_id", "unit_name", "published_unit_id", "published_unit_name", "matched_by", "period",
                     "published_period", "component", "max_points", "estimated", "published", "difference",
                     "tolerance", "flagged", "cause", "confidence", "note", "note_codes"]
TOTAL = "total"


def _weakest(labels) -> str | None:
    labels = [lab for lab in labels if isinstance(lab, str) and lab in CONFIDENCE]
    return max(labels, key=CONFIDENCE.index) if labels else None


def component_scores(scores: pd.DataFrame, method: dict | None = None) -> pd.DataFrame:
    """``score_766``'s rows summed per unit, period and component (``COMPONENT_COLUMNS``):
    ``points`` the sum of its rates' points when every rate is computable, else missing
    (``computable`` false, the rates' notes in ``note_codes``); ``confidence`` the weakest of
    its rates'. A ``total`` row per unit: the sum of the six when all are computable, else
    missing, out of the method's 100 points."""
    method = load_method_766() if method is None else method
    order = list(method["components"])
    rows = []
    for (unit, period), s in scores.groupby(["unit_id", "period"], sort=True):
        known = []
        for cid in order:
            part = s[s["component"] == cid]
            if part.empty:
                continue
            ok = bool(part["computable"].fillna(False).all())
            notes = [n for codes in part["note_codes"] for n in decode(codes)]
            notes = [n for i, n in enumerate(notes) if n not in notes[:i]]
            rows.append({"unit_id": unit, "period": period, "component": cid,
                         "points": float(part["points"].sum()) if ok else pd.NA,
                         "max_points": float(method["components"][cid]["max_points"]), "computable": ok,
                         "confidence": _weakest(part["confidence"]), "note_codes": encode(notes)})
            known.append(rows[-1])
        ok = len(known) == len(order) and all(r["computable"] for r in known)
        rows.append({"unit_id": unit, "period": period, "component": TOTAL,
                     "points": sum(r["points"] for r in known) if ok else pd.NA,
                     "max_points": float(sum(c["max_points"] for c in method["components"].values())),
                     "computable": ok, "confidence": _weakest(r["confidence"] for r in known),
                     "note_codes": None if ok else encode([note("reconcile_766_total_incomplete")])})
    out = pd.DataFrame(rows, columns=COMPONENT_COLUMNS)
    out["points"] = out["points"].astype("Float64")
    out["computable"] = out["computable"].astype("boolean")
    return out


def _published(published: pd.DataFrame) -> pd.DataFrame:
    p = published
    if "index" in p:
        p = p[(p["index"].astype("string") == "766").fillna(False)]
    p = p.assign(component=p["component"].astype("string").str.lower())
    name = p["unit_name"] if "unit_name" in p else pd.Series(pd.NA, index=p.index)
    period = p["period"] if "period" in p else pd.Series(pd.NA, index=p.index)
    return pd.DataFrame({"published_unit_id": p["unit_id"].astype("string"), "published_unit_name": name.astype("string"),
                         "published_period": period.astype("string"), "component": p["component"],
                         "published": pd.to_numeric(p["score"]).astype("Float64")}).reset_index(drop=True)


def _short_key(name: object) -> str | None:
    """The matching key of the part of a portal name before its " - tỉnh …" suffix."""
    if not isinstance(name, str) or pd.isna(name):
        return None
    return unit_key(name.split(" - ")[0]) if " - " in name else unit_key(name)


def match_units(estimated: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Which published unit each estimated one is: ``estimated`` has ``unit_id`` (and
    ``unit_name`` where known), ``published`` ``unit_id`` and ``unit_name``. One row per unit of
    either side: ``unit_id``, ``published_unit_id`` (missing where the other side has none) and
    ``matched_by`` ("unit_id", "name", "short_name" or missing)."""
    mine = estimated.drop_duplicates("unit_id")
    theirs = published.drop_duplicates("unit_id")
    ids = set(theirs["unit_id"].dropna())
    pairs: dict[str, tuple[str, str]] = {}
    for u in mine["unit_id"]:
        if u in ids:
            pairs[u] = (u, "unit_id")
    taken = {p for p, _ in pairs.values()}
    for how, key in (("name", lambda n: unit_key(n) if isinstance(n, str) else None), ("short_name", _short_key)):
        left = mine[~mine["unit_id"].isin(list(pairs))]
        right = theirs[~theirs["unit_id"].isin(list(taken))]
        if left.empty or right.empty or "unit_name" not in left:
            break
        lk = left.assign(_k=left["unit_name"].map(key)).dropna(subset=["_k"])
        rk = right.assign(_k=right["unit_name"].map(key)).dropna(subset=["_k"])
        once_l = lk[~lk["_k"].duplicated(keep=False)]
        once_r = rk[~rk["_k"].duplicated(keep=False)]
        for r in once_l.merge(once_r, on="_k", suffixes=("", "_p")).itertuples():
            pairs[r.unit_id] = (r.unit_id_p, how)
            taken.add(r.unit_id_p)
    rows = [{"unit_id": u, "published_unit_id": pairs[u][0] if u in pairs else pd.NA,
             "matched_by": pairs[u][1] if u in pairs else pd.NA} for u in mine["unit_id"]]
    rows += [{"unit_id": pd.NA, "published_unit_id": p, "matched_by": pd.NA}
             for p in theirs["unit_id"] if p not in taken]
    return pd.DataFrame(rows, columns=["unit_id", "published_unit_id", "matched_by"]).astype("string")


def reconcile_766(scores: pd.DataFrame, published: pd.DataFrame, method: dict | None = None, *,
                  names: pd.DataFrame | dict | None = None, tolerance: float = DEFAULT_TOLERANCE) -> pd.DataFrame:
    """The estimated 766 score (``scores``: ``score_766``'s table, or ``component_scores``') of
    each unit beside the portal's published one (``published``: ``index_scores`` of index 766),
    one row per unit and component, the six and ``total`` (``RECONCILE_COLUMNS``):
    ``difference`` = estimated − published, in points; ``flagged`` when
    ``|difference| > tolerance`` or when the portal scored a unit the log lacks; ``cause`` the
    likely cause (``CAUSES``) of a row that does not agree, missing where it agrees, said in
    English in ``note`` (``note_codes`` for the report's language). ``names``: the log's unit
    names (a frame with ``unit_id`` and ``unit_name``, or a mapping), used to match units whose
    ids the portal does not share. ``confidence`` is the method's for the component (an agreement
    corroborates the estimate; it does not make it official)."""
    if tolerance < 0:
        raise ValueError(f"tolerance must be a number of points ≥ 0, not {tolerance!r}")
    method = load_method_766() if method is None else method
    comp = scores if "computable" in scores and "rate_id" not in scores else component_scores(scores, method)
    if isinstance(names, dict):
        names = pd.DataFrame({"unit_id": list(names), "unit_name": list(names.values())})
    est_units = comp[["unit_id"]].drop_duplicates().astype("string")
    if names is not None:
        named = names[["unit_id", "unit_name"]].dropna(subset=["unit_id"]).drop_duplicates("unit_id").astype("string")
        est_units = est_units.merge(named, on="unit_id", how="left")
    pub = _published(published)
    pub_units = pub[["published_unit_id", "published_unit_name"]].drop_duplicates("published_unit_id") \
        .rename(columns={"published_unit_id": "unit_id", "published_unit_name": "unit_name"})
    pairs = match_units(est_units, pub_units)
    order = [*method["components"], TOTAL]
    maxima = {**{c: float(v["max_points"]) for c, v in method["components"].items()},
              TOTAL: float(sum(v["max_points"] for v in method["components"].values()))}
    est_names = dict(zip(est_units["unit_id"], est_units["unit_name"])) if "unit_name" in est_units else {}
    pub_names = dict(zip(pub_units["unit_id"], pub_units["unit_name"]))
    period = comp["period"].dropna().iloc[0] if comp["period"].notna().any() else None
    rows = []
    for pair in pairs.itertuples(index=False):
        mine = comp[comp["unit_id"] == pair.unit_id] if pd.notna(pair.unit_id) else comp.iloc[:0]
        theirs = pub[pub["published_unit_id"] == pair.published_unit_id] if pd.notna(pair.published_unit_id) \
            else pub.iloc[:0]
        their_period = theirs["published_period"].dropna().iloc[0] if theirs["published_period"].notna().any() else None
        for cid in order:
            m = mine[mine["component"] == cid]
            t = theirs[theirs["component"] == cid]
            est = m["points"].iloc[0] if len(m) else pd.NA
            pubv = t["published"].iloc[0] if len(t) else pd.NA
            why: list[dict] = []
            cause = None
            if pd.isna(pair.unit_id):
                cause = "unit_not_in_log"
            elif pd.isna(pair.published_unit_id):
                cause = "unit_not_published"
            elif pd.isna(est):
                cause = "not_computable"
                why = [n for n in decode(m["note_codes"].iloc[0])] if len(m) else []
            elif pd.isna(pubv):
                cause = "not_published"
            elif abs(float(est) - float(pubv)) > tolerance + 1e-9:
                if period and their_period and period != their_period:
                    cause = "period_differs"
                else:
                    cause = "method_assumed" if m["confidence"].iloc[0] == "assumed" else "period_cut_off"
            diff = float(est) - float(pubv) if pd.notna(est) and pd.notna(pubv) else pd.NA
            flagged = cause in ("unit_not_in_log", "period_differs", "method_assumed", "period_cut_off")
            said = ([note(f"reconcile_766_{cause}", period=str(period), published_period=str(their_period),
                          tolerance=tolerance)] if cause else []) + why
            rows.append({"unit_id": pair.unit_id, "unit_name": est_names.get(pair.unit_id, pd.NA),
                         "published_unit_id": pair.published_unit_id,
                         "published_unit_name": pub_names.get(pair.published_unit_id, pd.NA),
                         "matched_by": pair.matched_by, "period": period, "published_period": their_period,
                         "component": cid, "max_points": maxima[cid], "estimated": est, "published": pubv,
                         "difference": diff, "tolerance": float(tolerance), "flagged": flagged, "cause": cause,
                         "confidence": m["confidence"].iloc[0] if len(m) else None,
                         "note": say(said, "en"), "note_codes": encode(said)})
    out = pd.DataFrame(rows, columns=RECONCILE_COLUMNS)
    for c in ("estimated", "published", "difference", "max_points", "tolerance"):
        out[c] = pd.to_numeric(out[c]).astype("Float64")
    for c in ("unit_id", "unit_name", "published_unit_id", "published_unit_name", "matched_by", "period",
              "published_period", "component", "cause", "confidence", "note", "note_codes"):
        out[c] = out[c].astype("string")
    out["flagged"] = out["flagged"].astype("boolean")
    return out.reset_index(drop=True)
