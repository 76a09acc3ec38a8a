"""A ranking page worth sending: one row per unit of the peer group in an index's latest
year, sorted by rank, the overall score and each component as columns named from the index
catalogue, scores at the precision the index publishes, rank and its change; the units the
report follows marked. Long pages (193 countries) are cut to the top, the followed units with
their neighbours, and the bottom; the workbook keeps every row."""
from __future__ import annotations

import difflib

import pandas as pd

from dx_metrics.formats import fmt_change, fmt_number
from dx_metrics.ingest.indexes import component_label
from dx_metrics.pipeline import PlanReport
from dx_metrics.text import fold
from dx_metrics.units import unit_names
from dx_metrics.context import in_its_context

TOP, NEIGHBOURS, BOTTOM = 10, 3, 5
HEAD = {"vi": {"rank": "Hạng", "unit": "Đơn vị", "change": "Thay đổi hạng", "more": "…"},
        "en": {"rank": "Rank", "unit": "Unit", "change": "Rank change", "more": "…"}}


def published_decimals(scores: pd.Series) -> int:
    """The decimals an index publishes, read from its scores as written (0,5592 -> 4; 89,91 -> 2)."""
    decimals = 0
    for v in scores.dropna().astype(float).head(500):
        text = f"{v:.6f}".rstrip("0")
        decimals = max(decimals, len(text.split(".")[1]) if "." in text else 0)
    return min(decimals, 4)


@in_its_context
def resolve_focus(r: PlanReport, focus: list[str]) -> list[str]:
    """Unit ids of the rankings for ``focus`` written as an id, a name, a short form or a
    code; a registered unit no index ranks is left out; a name that fits several units, or
    none, is refused naming close matches."""
    from dx_metrics.units import load_units, resolve

    rk = r.rankings
    ids, names = set(rk["unit_id"].astype(str)), dict(zip(rk["unit_name"].astype(str), rk["unit_id"].astype(str)))
    registered = set(load_units()["unit_id"])
    out = []
    for wanted in focus:
        text = str(wanted).strip()
        if text in ids:
            out.append(text)
            continue
        if text in registered:          # a unit of the registry no index of the inputs ranks
            continue
        if text in names:
            out.append(names[text])
            continue
        found = resolve(text).unit_id
        if found in ids:
            out.append(found)
            continue
        key = fold(text)
        hits = sorted({uid for name, uid in names.items() if key and key in fold(name)})
        if len(hits) == 1:
            out.append(hits[0])
            continue
        close = hits or difflib.get_close_matches(text, list(names), n=5, cutoff=0.5)
        raise ValueError(f"focus {text!r} " + (f"fits several units: {', '.join(close)}" if hits else
                         "is no unit of the rankings" + (f" (close: {', '.join(close)})" if close else ""))
                         + "; write a unit id or the full name")
    return out


def peer_rows(rk: pd.DataFrame, peer_group: str | None, focus: list[str]) -> pd.DataFrame:
    """The rows of one peer group: ``peer_group`` as the table names it, or a group of the unit
    registry ("asean", "un_region_asia"); by default the group of the followed units."""
    from dx_metrics.units import in_group, load_units

    groups = (rk["peer_group"] if "peer_group" in rk else pd.Series(pd.NA, index=rk.index, dtype="string")).fillna("")
    if peer_group in set(groups):
        return rk[groups == peer_group]
    members = set(in_group(peer_group)["unit_id"]) if peer_group is not None else set()
    if members and rk["unit_id"].isin(members).any():
        return rk[rk["unit_id"].isin(members)]
    if peer_group is None or members:   # a group of units this index does not rank (asean among ministries)
        followed = groups[rk["unit_id"].isin(focus)]
        return rk[groups == (followed.iloc[0] if len(followed) else groups.iloc[0])]
    known = sorted(set(groups) - {""}) + sorted(set(load_units()["groups"].dropna().str.split("|").explode()))
    raise ValueError(f"peer group {peer_group!r} is neither a group of the table nor of the unit registry "
                     f"(known: {', '.join(known)})")


@in_its_context
def ranking_page(r: PlanReport, index: str, *, lang: str = "vi", focus: list[str] = (),
                 peer_group: str | None = None) -> pd.DataFrame:
    """The latest year's page of ``index`` for ``peer_group`` (default: the group of the
    followed units, else the first); ``_focus`` marks the followed units' rows, ``_score``
    holds the overall score."""
    rk = r.rankings[(r.rankings["index"] == index) & r.rankings["reference"].isna()] \
        if "reference" in r.rankings else r.rankings[r.rankings["index"] == index]
    rk = peer_rows(rk[rk["year"] == rk["year"].max()], peer_group, list(focus))
    h = HEAD[lang]
    decimals = published_decimals(rk["score"])
    scores = rk.pivot_table(index="unit_id", columns="component", values="score", aggfunc="first")
    total = rk[rk["component"] == "total"].set_index("unit_id")
    rank = total["rank_published"].fillna(total["rank"]) if "rank_published" in total else total["rank"]
    change = total["rank_published_change"].fillna(total["rank_change"]) if "rank_published_change" in total \
        else total["rank_change"]
    order = rank.sort_values(kind="stable").index
    components = ["total", *sorted(c for c in scores.columns if c != "total")]
    registered = unit_names(pd.Series(list(order), dtype="string"), lang=lang)
    shown = [str(n) if not str(n).startswith("?") and str(n) != u else str(total.at[u, "unit_name"])
             for u, n in zip(order, registered)]
    page = pd.DataFrame({h["rank"]: [f"{int(rank[u])}" if pd.notna(rank[u]) else "—" for u in order],
                         h["unit"]: shown})
    for comp in [c for c in components if c in scores.columns]:
        page[component_label(index, comp, lang)] = [fmt_number(scores.at[u, comp], digits=decimals, lang=lang)
                                                    if pd.notna(scores.at[u, comp]) else "—" for u in order]
    page[h["change"]] = [fmt_change(change[u], lang=lang) for u in order]
    page["_focus"] = [u in set(focus) for u in order]
    page["_score"] = [scores.at[u, "total"] if "total" in scores.columns else None for u in order]
    return page


@in_its_context
def page_once(r: PlanReport, index: str, *, lang: str = "vi", focus: list[str] = (),
              peer_group: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the whole page, the page as shown: ``bounded``) of ``index``, built the first time a
    report asks (its table, then its chart) and reused after."""
    key = (index, lang, tuple(focus), peer_group)
    if key not in r.pages:
        page = ranking_page(r, index, lang=lang, focus=focus, peer_group=peer_group)
        r.pages[key] = (page, bounded(page, lang))
    return r.pages[key]


def bounded(page: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """The page cut to the top, each followed unit with its neighbours, and the bottom, a "…" row
    where rows are left out (a page of 42 rows or fewer, at most 20 more than one cut shows, is kept whole)."""
    if len(page) <= TOP + BOTTOM + 2 * NEIGHBOURS + 1 + 20:
        return page
    keep = set(range(TOP)) | set(range(len(page) - BOTTOM, len(page)))
    for i in [i for i, f in enumerate(page["_focus"]) if f]:
        keep |= set(range(max(0, i - NEIGHBOURS), min(len(page), i + NEIGHBOURS + 1)))
    rows, last = [], -1
    for i in sorted(keep):
        if i != last + 1:
            rows.append({c: (HEAD[lang]["more"] if not c.startswith("_") else (False if c == "_focus" else None))
                         for c in page.columns})
        rows.append(page.iloc[i].to_dict())
        last = i
    return pd.DataFrame(rows, columns=page.columns)
