"""Ranks of units within an index, year, peer group and component.

Competition ranking by default (``ties="min"``): equal scores share the best rank and the
next rank is skipped ("1, 2, 2, 4"), as the UN E-Government Survey and the ICT Index /
DTI publish. ``rank_of`` is the number of ranked units in the group; ``percentile`` is
100 × (rank_of − rank) ÷ (rank_of − 1) (100 for the top, 0 for the bottom); and
``rank_change`` compares with the unit's rank in the most recent earlier year of the same
index, peer group and component (positive = moved up: 17th → 13th is +4).

A published ``rank`` column is kept as ``rank_published`` (with ``rank_published_change``;
it may rank a wider population than the rows given, e.g. the UN's global rank in an
ASEAN extract) and can be cross-checked:
``rank_mismatches`` lists every row where the published rank differs from the rank the
scores give.
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

TIE_METHODS = ("min", "dense", "max", "first")


def rank_units(scores: pd.DataFrame, *, score: str = "score",
               by: Sequence[str] = ("index", "year", "peer_group", "component"),
               higher_is_better: bool = True, ties: str = "min", decimals: int | None = None) -> pd.DataFrame:
    """Add ``rank``, ``rank_of``, ``percentile`` and ``rank_change`` to an index_scores frame.

    ``by`` columns absent from the frame are ignored. Reference rows (``reference`` set:
    "Điểm cao nhất", "EU27") get no rank and do not count in ``rank_of``. ``decimals`` rounds scores before
    ranking (ranks are decided on the published precision, not on float noise).
    """
    if ties not in TIE_METHODS:
        raise ValueError(f"ties must be one of {TIE_METHODS}, not {ties!r}")
    if score not in scores:
        raise ValueError(f"no column {score!r} to rank on")
    original_index = scores.index
    df = scores.reset_index(drop=True)
    if "rank_of" in df:  # ranked before: rank again from the scores, keep what was published
        df = df.drop(columns=[c for c in ("rank", "rank_of", "percentile", "rank_change",
                                          "rank_published_change") if c in df])
    elif "rank" in df:
        df = df.rename(columns={"rank": "rank_published"})
    keys = [c for c in by if c in df]
    if "period" in df and "period" not in keys and df["period"].notna().any():
        keys.append("period")     # monthly tables of one year (766) rank each month apart
    value = df[score].astype("Float64")
    if "reference" in df:     # "Điểm cao nhất", "EU27": compared with, never ranked
        value = value.mask(df["reference"].notna())
    if decimals is not None:
        value = value.round(decimals)
    value = value.astype(float)
    grouped = pd.Series(value, index=df.index).groupby([df[k] for k in keys], dropna=False) if keys else None
    ranked = (grouped.rank(method=ties, ascending=not higher_is_better) if grouped is not None
              else pd.Series(value).rank(method=ties, ascending=not higher_is_better))
    df["rank"] = ranked.round().astype("Int64")
    df["rank_of"] = (grouped.transform("count") if grouped is not None else pd.Series(value.notna().sum(),
                     index=df.index)).astype("Int64")
    no_scores = pd.Series(False, index=df.index)
    if "rank_published" in df:
        # rank-only lists (no scores published): the ranks as published, ties included; out of
        # how many is unknown (a list may be an extract of a wider ranking), so no rank_of
        pub = df["rank_published"].astype("Int64")
        if "reference" in df:
            pub = pub.mask(df["reference"].notna())
        no_scores = df["rank_of"] == 0              # a count: never missing, 0 where no score was published
        df["rank"] = df["rank"].mask(no_scores, pub)
        df["rank_of"] = df["rank_of"].mask(no_scores)
    span = (df["rank_of"] - 1).astype("Float64")
    pct = 100 * (df["rank_of"] - df["rank"]).astype("Float64") / span.mask(span == 0)
    df["percentile"] = pct.mask(span == 0, 100.0).where(df["rank"].notna() & ~no_scores)
    df["rank_change"] = _rank_change(df, keys)
    if "rank_published" in df:
        df["rank_published_change"] = _rank_change(df.assign(rank=df["rank_published"].astype("Int64")), keys)
    df.index = original_index
    return df


def _rank_change(df: pd.DataFrame, keys: list[str]) -> pd.Series:
    if "year" not in df:
        return pd.Series(pd.NA, index=df.index, dtype="Int64")
    unit = "unit_id" if "unit_id" in df else "unit_name"
    series_keys = [k for k in keys if k != "year"]
    out = pd.Series(pd.NA, index=df.index, dtype="Int64")
    groups = df.groupby(series_keys, dropna=False) if series_keys else [((), df)]
    for _, g in groups:
        years = sorted(pd.unique(g["year"].dropna()))
        previous = {y: years[i - 1] for i, y in enumerate(years) if i > 0}
        before = g.set_index(["year", unit])["rank"]
        before = before[~before.index.duplicated()]
        prev_keys = list(zip(g["year"].map(previous), g[unit]))
        # a row without a year before it has no change (a lookup with a NaN year would find
        # the rows whose year is missing)
        prev_rank = pd.Series([before.get(k, pd.NA) if pd.notna(k[0]) else pd.NA for k in prev_keys],
                              index=g.index, dtype="Int64")
        out.loc[g.index] = (prev_rank - g["rank"]).to_numpy()
    return out


def rank_mismatches(ranked: pd.DataFrame) -> pd.DataFrame:
    """Rows whose published rank differs from the rank their scores give."""
    if "rank_published" not in ranked:
        return ranked.iloc[0:0]
    pub = ranked["rank_published"].astype("Int64")
    differ = pub.notna() & (pub != ranked["rank"]).fillna(True)
    return ranked[differ.to_numpy(dtype=bool)]


def rank_text(rank: object, rank_of: object, change: object, *, lang: str = "vi") -> str:
    """ "13/20 (tăng 4 bậc)" / "13/20 (up 4)".

    >>> rank_text(13, 20, 4), rank_text(13, 20, 4, lang="en"), rank_text(4, None, None)
    ('13/20 (tăng 4 bậc)', '13/20 (up 4)', '4')
    """
    if pd.isna(rank):                                   # None, NaN and pd.NA alike
        return "—"
    text = f"{int(rank)}" if pd.isna(rank_of) else f"{int(rank)}/{int(rank_of)}"
    if pd.isna(change):
        return text
    c = int(change)
    if lang == "en":
        word = f"up {c}" if c > 0 else (f"down {-c}" if c < 0 else "unchanged")
    else:
        word = f"tăng {c} bậc" if c > 0 else (f"giảm {-c} bậc" if c < 0 else "giữ nguyên")
    return f"{text} ({word})"


__all__ = ["rank_mismatches", "rank_text", "rank_units"]
