"""Checks and derived columns for each table kind, after cells are typed.

One-stop reports (Biểu II.06a/VPCP/KSTT, Circular 01/2020/TT-VPCP) count per unit:
received total (3) = online (4) + in person/postal (5) + carried over (6); resolved (7)
= early (8) + on time (9) + late (10); pending (11) = within deadline (12) + overdue
(13); and (3) = (7) + (11). dx_metrics keeps ``received_total`` as *newly* received
(online + in person + postal), ``carried_over`` apart, and ``resolved_on_time`` as early
+ on time. The identities are checked wherever the file has the columns for them.
"""
from __future__ import annotations

import pandas as pd

from dx_metrics.registry import catalog
from dx_metrics.ingest import indexes
from dx_metrics.ingest.dataset import RECORD_DATE_COLUMNS, day_first, record_dates
from dx_metrics.ingest.header import COMPONENT_PREFIX
from dx_metrics.ingest.table import RawTable
from dx_metrics.canonical import KEYS, OUTPUT_COLUMNS  # noqa: F401 - the reader's names for them
from dx_metrics.errors import WARNING
from dx_metrics.ingest.vocabulary import lookup
from dx_metrics.text import fold



def _has(t: RawTable, *cols: str) -> bool:
    return all(c in t.data for c in cols)


def _sum_if_complete(t: RawTable, *cols: str) -> pd.Series | None:
    """Row-wise sum of ``cols`` where all present in the file, missing where any cell is."""
    if not _has(t, *cols):
        return None
    return sum((t.data[c] for c in cols[1:]), t.data[cols[0]])


def dossiers(t: RawTable) -> None:
    d = t.data
    if "service_level" in d:
        d["service_level"] = _vocab(t, "service_level", "online_mode",
                                    "service level (Toàn trình, Một phần, Cung cấp thông tin, Mức độ 1-4)",
                                    "mức độ dịch vụ (Toàn trình, Một phần, Cung cấp thông tin, Mức độ 1-4)")
    offline = d["received_offline"] if "received_offline" in d else _sum_if_complete(t, "received_direct", "received_postal")
    if offline is None and "received_direct" in d:
        offline = d["received_direct"]
    # newly received: take it as given, or derive it
    if "received_total" not in d:
        if "received_incl_carried" in d and "carried_over" in d:
            d["received_total"] = d["received_incl_carried"] - d["carried_over"]
        elif offline is not None and "received_online" in d:
            d["received_total"] = d["received_online"] + offline
        elif "received_incl_carried" in d:
            d["received_total"] = d["received_incl_carried"]
            t.table_problem("received_includes_carried", reason="inconsistent", column="received_incl_carried",
                            hint="add_carried_column")
    if "received_total" not in d:
        t.table_problem("no_received_column", reason="missing_column", severity="error", hint="received_headers")
        t.rejected[:] = True
        return
    _one_stop_identities(t, offline)


def _one_stop_identities(t: RawTable, offline: pd.Series | None) -> None:
    """The identities of Biểu II.06a, wherever the file has the columns for them (on time and
    pending are derived from their parts where the file gives only those)."""
    d = t.data
    if "received_incl_carried" in d and "carried_over" in d and offline is not None and "received_online" in d:
        expected = d["received_online"] + offline + d["carried_over"]
        t.flag(d["received_incl_carried"] != expected, "received_incl_carried",
               "received_not_parts", reason="inconsistent", hint="form_3_is_4_5_6")
    elif offline is not None and "received_online" in d and "received_incl_carried" not in d:
        t.flag(d["received_total"] != d["received_online"] + offline, "received_total",
               "new_not_parts", reason="inconsistent")
    if "received_online" in d:
        t.flag(d["received_online"] > d["received_total"], "received_online",
               "online_over_total", reason="inconsistent")
    if "resolved_on_time" not in d and _has(t, "resolved_early", "resolved_on_time_only"):
        d["resolved_on_time"] = d["resolved_early"] + d["resolved_on_time_only"]
    elif "resolved_on_time" not in d and "resolved_on_time_only" in d:
        d["resolved_on_time"] = d["resolved_on_time_only"]
    if _has(t, "resolved_total", "resolved_on_time", "resolved_late"):
        t.flag(d["resolved_on_time"] + d["resolved_late"] != d["resolved_total"], "resolved_total",
               "resolved_not_parts", reason="inconsistent", hint="form_7_is_8_9_10")
    elif _has(t, "resolved_total", "resolved_on_time"):
        t.flag(d["resolved_on_time"] > d["resolved_total"], "resolved_total",
               "on_time_over_resolved", reason="inconsistent")
    if "pending" not in d and _has(t, "pending_within", "pending_overdue"):
        d["pending"] = d["pending_within"] + d["pending_overdue"]
    elif _has(t, "pending", "pending_within", "pending_overdue"):
        t.flag(d["pending"] != d["pending_within"] + d["pending_overdue"], "pending",
               "pending_not_parts", reason="inconsistent", hint="form_11_is_12_13")
    if _has(t, "received_incl_carried", "resolved_total", "pending"):
        t.flag(d["received_incl_carried"] != d["resolved_total"] + d["pending"], "received_incl_carried",
               "received_not_resolved_pending", reason="inconsistent", hint="form_3_is_7_11")
    for c in ("digitized", "paid_online", "fee_dossiers"):
        if c in d:
            t.flag(d[c] > d["received_total"], c, "over_received", reason="inconsistent")
    if _has(t, "paid_online", "fee_dossiers"):
        t.flag(d["paid_online"] > d["fee_dossiers"], "paid_online", "over_fee_dossiers", reason="inconsistent")


def _vocab(t: RawTable, column: str, vocabulary: str, what: str, what_vi: str) -> pd.Series:
    mapped, unknown = lookup(vocabulary, t.data[column])
    t.flag(unknown, column, "", reason="unknown_value", hint="add_to_vocabulary",
           codes=pd.Series("unknown_word", index=t.data.index),
           params={"what": what, "what_vi": what_vi, "vocabulary": vocabulary})
    return mapped


def dossier_records(t: RawTable) -> None:
    d = t.data
    d["channel"] = _vocab(t, "channel", "channel", "channel (online, in person, post)",
                          "hình thức nộp (trực tuyến, trực tiếp, bưu chính)")
    if "resolved_at" in d:
        t.flag(d["resolved_at"] < d["received_at"], "resolved_at", "earlier_than_received", reason="inconsistent")
    if "due_at" in d:
        t.flag(d["due_at"] < d["received_at"].dt.normalize(), "due_at", "earlier_than_received", reason="inconsistent")
    first, last = record_dates()
    window = {"first": day_first(first), "last": day_first(last)}
    for c in RECORD_DATE_COLUMNS:       # 31/12/9999, 01/01/1899, Excel's day 61: a date no dossier carries
        if c in d:
            day = d[c].dt.normalize()
            t.flag((day < pd.Timestamp(first)) | (day > pd.Timestamp(last)), c, "", reason="out_of_range",
                   hint="record_dates_window", codes=pd.Series("outside_record_dates", index=d.index), params=window)


def services(t: RawTable) -> None:
    d = t.data
    d["online_mode"] = _vocab(t, "level", "online_mode", "service level (Mức độ 1-4, Toàn trình, Một phần)",
                              "mức độ dịch vụ (Mức độ 1-4, Toàn trình, Một phần)")
    d["provided_online"] = d["online_mode"].isin(["partial", "full"]).astype("boolean")
    d.loc[d["online_mode"].isna(), "provided_online"] = pd.NA


def index_scores(t: RawTable) -> None:
    d = t.data
    comps = [c for c in d if c.startswith(COMPONENT_PREFIX)]
    if "index" not in d:
        if t.index is None:    # the reader has refused such a table already; a guard for direct callers
            raise ValueError("an index table needs its index (index=...)")
        d["index"] = pd.Series(t.index, index=d.index, dtype="string")
    else:
        named = d["index"].map(_catalogue_id, na_action="ignore")
        if t.index is not None:      # the table names its index: an index column must agree
            t.flag(d["index"].notna() & (named != t.index).fillna(True), "index",
                   "other_index", reason="inconsistent", hint="one_index_per_table", params={"index": t.index})
        d["index"] = named.fillna(d["index"]).astype("string")
    if "unit_name" not in d:           # codes only (ISO3): named through the registry once resolved
        d["unit_name"] = d["unit_code"].astype("string")
        t.names_from_codes = True
    t.flag(d["unit_name"].isna() & ~t.skipped, "unit_code" if t.names_from_codes else "unit_name",
           "score_without_unit", reason="missing_column")
    if "breakdown" in d:
        _overall_rows_only(t)
    if "component" in d:
        _name_components(t)
    _mark_reference_rows(t)
    if "score" not in d:                  # a rank-only list: ranks as published, no scores
        d["score"] = pd.Series(pd.NA, index=d.index, dtype="Float64")
    for c in ["score"] + comps:
        t.flag(d[c] < 0, c, "negative_score", reason="out_of_range")
    _within_scale(t)
    if "rank" in d:
        t.flag(d["rank"] < 1, "rank", "not_a_rank", reason="out_of_range")


def _within_scale(t: RawTable) -> None:
    """An overall score outside its index's scale (a DTI of 62 where the DTI runs 0-1) is the
    wrong index or the wrong unit of measure: refused at its cell."""
    ix = indexes.catalogue().get(t.index) if t.index else None
    if ix is None:
        return
    low, high = ix.scale
    d = t.data
    total = d["component"].eq("total").fillna(False) if "component" in d else pd.Series(True, index=d.index)
    if "reference" in d:
        total &= d["reference"].isna()
    comps = [c for c in d if c.startswith(COMPONENT_PREFIX)]
    if comps and low is not None and low > 0:
        # a total of 0 with every component blank is a province not surveyed that year (PAPI
        # 2014: Bắc Giang, Đồng Tháp), not a score: read as not published, and said
        gap = total & (d["score"] == 0).fillna(False) & d[comps].isna().all(axis=1)
        if gap.any():
            t.flag(gap, "score", "zero_not_published", reason="out_of_range", severity=WARNING)
            d.loc[gap, "score"] = pd.NA
    outside = pd.Series(False, index=d.index)
    if low is not None:
        outside |= (d["score"] < low).fillna(False)
    if high is not None:
        outside |= (d["score"] > high).fillna(False)
    t.flag(total & outside, "score", "outside_scale", reason="out_of_range", hint="check_index_scale",
           params={"index": ix.id, "low": low, "high": high})


def _overall_rows_only(t: RawTable) -> None:
    """Long tables broken down (the EU benchmark's life events): the overall rows are read,
    the others left out with one note."""
    d = t.data
    overall, _ = lookup("breakdown_total", d["breakdown"])
    apart = d["breakdown"].notna() & overall.isna() & ~t.skipped
    if apart.any():
        kinds = sorted(pd.unique(d["breakdown"][apart]))
        t.skipped |= apart
        t.table_problem("breakdown_rows", reason="skipped_row", severity=WARNING, column="breakdown",
                        hint="overall_breakdown", params={"count": int(apart.sum()), "kinds": ", ".join(
                            map(str, kinds[:6])), "others": max(0, len(kinds) - 6)})


def _name_components(t: RawTable) -> None:
    """Component names as the catalogue's ids, in the table's own index: a long table's
    variables ("digital_design", "e_gov_1_UC") become components, its overall score
    ("composite_index") "total", and a rank variable ("composite_rank") the rank of the
    total row. A blank component is the total, unless the table names its total."""
    d = t.data
    ix = indexes.catalogue().get(t.index) if t.index else None
    names: dict[str, str] = {}
    rank_names: set[str] = set()
    if ix is not None:
        for cid, comp in ix.components.items():
            for a in (*comp.aliases, comp.name_vi, comp.name_en, cid):
                names.setdefault(fold(a), cid)
        names.update({fold(a): "total" for a in ix.total})
        rank_names = {fold(a) for a in ix.rank}
    folded = d["component"].map(fold, na_action="ignore")
    ours = folded.map(names, na_action="ignore")
    words, _ = lookup("component", d["component"])
    mapped = ours.fillna(words)
    is_rank = folded.isin(rank_names) & ~t.skipped
    blank = d["component"].isna() & ~t.skipped
    if (mapped == "total").any() and blank.any():
        t.skipped |= blank
        t.table_problem("no_variable_rows", reason="skipped_row", severity=WARNING, column="component",
                        hint="fill_variable", params={"count": int(blank.sum())})
    unknown = d["component"].notna() & mapped.isna() & ~is_rank & ~t.skipped
    if ix is not None and ix.components and unknown.any():
        shown = sorted(map(str, pd.unique(d["component"][unknown])))
        t.table_problem("unknown_components", reason="unknown_value", severity=WARNING, column="component",
                        hint="add_components", params={"index": ix.id, "names": ", ".join(shown[:8]),
                                                       "others": max(0, len(shown) - 8)})
    d["component"] = mapped.fillna(d["component"]).fillna("total").astype("string")
    if is_rank.any():
        _ranks_onto_totals(t, is_rank)


def _ranks_onto_totals(t: RawTable, is_rank: pd.Series) -> None:
    """The rank rows of a long table ("composite_rank") as the rank of the unit's total row."""
    d = t.data
    keys = [k for k in ("index", "year", "period", "unit_name", "peer_group") if k in d]
    rank_rows = d.loc[is_rank, keys + ["score"]]
    twice = rank_rows.duplicated(keys, keep=False) & ~rank_rows.duplicated(keys + ["score"], keep=False)
    t.flag(pd.Series(twice, index=rank_rows.index).reindex(d.index, fill_value=False), "score",
           "two_ranks", reason="duplicate_key", hint="one_rank_row")
    ranks = rank_rows[~twice].groupby(keys, dropna=False)["score"].first()
    totals = d.index[(d["component"] == "total") & ~is_rank & ~t.skipped]
    where = pd.MultiIndex.from_frame(d.loc[totals, keys])        # index and unit_name at least
    published = pd.Series(ranks.reindex(where).to_numpy(), index=totals, dtype="Float64").round().astype("Int64")
    have_total = set(map(tuple, d.loc[totals, keys].itertuples(index=False)))
    orphans = [k for k in map(tuple, rank_rows[~twice][keys].itertuples(index=False)) if k not in have_total]
    if orphans:
        names = sorted({str(k[keys.index("unit_name")]) for k in orphans})
        t.table_problem("rank_rows_alone", reason="skipped_row", severity=WARNING, column="component",
                        hint="add_overall_rows", params={"count": len(orphans), "names": ", ".join(names[:8]),
                                                         "others": max(0, len(names) - 8)})
    if "rank" not in d:
        d["rank"] = pd.Series(pd.NA, index=d.index, dtype="Int64")
    d.loc[totals, "rank"] = d.loc[totals, "rank"].fillna(published)
    t.skipped |= is_rank


def _catalogue_id(name: object) -> str | None:
    try:
        return indexes.resolve(str(name))
    except ValueError:
        return None


def _mark_reference_rows(t: RawTable) -> None:
    """Rows that are not units but figures to compare with ("Điểm cao nhất", "Highest",
    "Trung bình", "EU27"): kept in ``reference`` (highest, lowest, average, median,
    aggregate), never resolved as units nor ranked."""
    d = t.data
    if "unit_name" not in d:
        return
    mapped, _ = lookup("reference_row", d["unit_name"])
    if t.index is not None:
        own = {fold(u) for u in indexes.catalogue()[t.index].benchmark_units}
        mapped = mapped.mask(mapped.isna() & d["unit_name"].map(lambda v: fold(v) in own, na_action="ignore")
                             .fillna(False).astype(bool), "aggregate")
    d["reference"] = mapped.astype("string")


def tasks(t: RawTable) -> None:
    d = t.data
    if "status" in d:
        t.flag(d["status"].isna(), "status", "status_empty", reason="unknown_value", severity="warning")
        mapped = _vocab(t, "status", "task_status", "task status (Hoàn thành, Đang thực hiện, Chưa thực hiện)",
                        "tình trạng nhiệm vụ (Hoàn thành, Đang thực hiện, Chưa thực hiện)")
        d["status"] = mapped.fillna("not_started")
    else:
        d["status"] = pd.Series("not_started", index=d.index, dtype="string")


_INDICATOR_WORDS: dict[str, str] = {}


def _indicator_lookup() -> dict[str, str]:
    if not _INDICATOR_WORDS:
        cat = catalog()
        for row in cat.itertuples():
            for word in (row.indicator_id, row.name_vi, row.name_en):
                _INDICATOR_WORDS[fold(word)] = row.indicator_id
    return _INDICATOR_WORDS


def observations(t: RawTable) -> None:
    d = t.data
    live = ~t.skipped          # a section heading, already skipped, is no indicator row
    known = _indicator_lookup()
    ids = d["indicator_id"].map(lambda v: known.get(fold(v)) if pd.notna(v) else None).astype("string")
    t.flag(live & d["indicator_id"].notna() & ids.isna(), "indicator_id", "", reason="unknown_value",
           hint="listed_indicators", codes=pd.Series("not_an_indicator", index=d.index))
    d["indicator_id"] = ids
    for c in ("numerator", "denominator", "value"):
        if c not in d:
            d[c] = pd.Series(pd.NA, index=d.index, dtype="Float64")
    share = ids.map(catalog().set_index("indicator_id")["unit"]).eq("share").fillna(False)
    # shares written without "%" are percent points if any of them exceeds 1 ("75", "0,5" in one
    # column are 75 % and 0,5 %), fractions otherwise, decided for the column as a whole;
    # "75%" was already divided
    raw = t.raw["value"] if "value" in t.raw else pd.Series(None, index=d.index)
    plain = share & d["value"].notna() & ~raw.map(lambda v: isinstance(v, str) and v.strip().endswith("%"))
    if bool((d["value"][plain] > 1).any()):
        d["value"] = d["value"].mask(plain, d["value"] / 100)
    # where numerator and denominator are given, their ratio is the value (the written
    # percentage is usually rounded); a written value that disagrees is reported
    both = d["numerator"].notna() & d["denominator"].notna() & (d["denominator"] != 0)
    ratio = (d["numerator"] / d["denominator"].mask(~both)).where(share)
    t.flag(both & share & d["value"].notna() & ((d["value"] - ratio).abs() > 0.001), "value",
           "value_unlike_ratio", reason="inconsistent", severity="warning")
    d["value"] = d["value"].mask(both & share, ratio)
    d.loc[d["value"].isna() & both, "value"] = d["numerator"] / d["denominator"]
    t.flag(live & d["value"].isna(), "value", "no_value", reason="not_a_number")
    t.flag(share & ((d["value"] < 0) | (d["value"] > 1)), "value", "not_a_share", reason="out_of_range")
    t.flag(share & (d["numerator"] > d["denominator"]), "numerator", "over_denominator", reason="inconsistent")


def units(t: RawTable) -> None:
    d = t.data
    if "valid_from" in d and "valid_to" in d:
        t.flag(d["valid_from"] > d["valid_to"], "valid_to", "before_valid_from", reason="inconsistent")


def melt_index_components(df: pd.DataFrame) -> pd.DataFrame:
    """A wide index table (one column per component) as one row per unit and component.

    The score column becomes component "total" (with the published rank); each
    component column becomes its own row (rank missing: component ranks are computed).
    """
    comps = [c for c in df if c.startswith(COMPONENT_PREFIX)]
    base = [c for c in df if c not in comps]
    if "component" not in df:
        df = df.assign(component="total")
    else:
        df = df.assign(component=df["component"].fillna("total"))
    if not comps:
        return df
    keep = [c for c in base if c not in ("score", "rank", "component")]
    totals = df.drop(columns=comps)
    # a component table that publishes no total (PAPI's table of one dimension's sub-dimensions):
    # no "total" row is made up for it, blank, beside the figures the page gives
    said = totals["score"].notna() if "score" in totals else pd.Series(False, index=totals.index)
    if "rank" in totals:
        said |= totals["rank"].notna()
    parts = [totals] if said.any() else []
    for c in comps:
        part = df[keep].assign(component=c[len(COMPONENT_PREFIX):], score=df[c])
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["component"] = out["component"].astype("string")
    return out


RULES = {"dossiers": dossiers, "dossier_records": dossier_records, "services": services,
         "index_scores": index_scores, "tasks": tasks, "observations": observations, "units": units}
FINALIZE = {"index_scores": melt_index_components}

# How a kind gets its period: "required" (column, title or argument), "year" (index
# tables: a year column, or the year of the period), "as_of" (catalogue snapshot date),
# "as_of_if_stated" (a date when the title gives one), or "none" (rows carry their own dates).
PERIOD_MODE = {"dossiers": "required", "observations": "required", "index_scores": "year", "services": "as_of",
               "dossier_records": "none", "tasks": "as_of_if_stated", "units": "none"}
# Columns summed by a totals row ("Tổng cộng").
TOTALLED = {"dossiers": ["carried_over", "received_incl_carried", "received_total", "received_online",
                         "received_offline", "received_direct", "received_postal", "resolved_total",
                         "resolved_early", "resolved_on_time_only", "resolved_on_time", "resolved_late",
                         "pending", "pending_within", "pending_overdue", "digitized", "paid_online",
                         "fee_dossiers"]}
