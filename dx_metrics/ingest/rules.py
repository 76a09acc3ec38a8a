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

from dx_metrics.ingest.table import RawTable


def _has(t: RawTable, *cols: str) -> bool:
    return all(c in t.data for c in cols)


def _sum_if_complete(t: RawTable, *cols: str) -> pd.Series | None:
    """Row-wise sum of ``cols`` where all present in the file, missing where any cell is."""
    if not _has(t, *cols):
        return None
    return sum((t.data[c] for c in cols[1:]), t.data[cols[0]])


def dossiers(t: RawTable) -> None:
    d = t.data
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
            t.table_problem(
                "the received total includes dossiers carried over from the previous period, and the file has "
                "no carried-over column; the total is used as newly received", reason="inconsistent",
                column="received_incl_carried",
                hint="add the 'Kỳ trước chuyển qua' column to the export")
    if "received_total" not in d:
        t.table_problem("no column gives the number of dossiers received", reason="missing_column",
                        severity="error", hint="expected 'Tổng số' under 'Số hồ sơ nhận giải quyết', or 'Trực tuyến' "
                        "and 'Trực tiếp, dịch vụ bưu chính'; edit dx_metrics/ingest/columns.yaml for other headers")
        t.rejected[:] = True
        return
    if "received_incl_carried" in d and "carried_over" in d and offline is not None and "received_online" in d:
        expected = d["received_online"] + offline + d["carried_over"]
        t.flag(d["received_incl_carried"] != expected, "received_incl_carried",
               "the received total is not online + in person/postal + carried over", reason="inconsistent",
               hint="(3) = (4) + (5) + (6) in Biểu II.06a")
    elif offline is not None and "received_online" in d and "received_incl_carried" not in d:
        t.flag(d["received_total"] != d["received_online"] + offline, "received_total",
               "newly received is not online + in person/postal", reason="inconsistent")
    if "received_online" in d:
        t.flag(d["received_online"] > d["received_total"], "received_online",
               "more dossiers received online than received in total", reason="inconsistent")
    if "resolved_on_time" not in d and _has(t, "resolved_early", "resolved_on_time_only"):
        d["resolved_on_time"] = d["resolved_early"] + d["resolved_on_time_only"]
    elif "resolved_on_time" not in d and "resolved_on_time_only" in d:
        d["resolved_on_time"] = d["resolved_on_time_only"]
    if _has(t, "resolved_total", "resolved_on_time", "resolved_late"):
        t.flag(d["resolved_on_time"] + d["resolved_late"] > d["resolved_total"], "resolved_total",
               "on time + late is more than resolved", reason="inconsistent",
               hint="resolved (7) = early (8) + on time (9) + late (10)")
    if "pending" not in d and _has(t, "pending_within", "pending_overdue"):
        d["pending"] = d["pending_within"] + d["pending_overdue"]
    elif _has(t, "pending", "pending_within", "pending_overdue"):
        t.flag(d["pending"] != d["pending_within"] + d["pending_overdue"], "pending",
               "pending is not within deadline + overdue", reason="inconsistent",
               hint="pending (11) = within deadline (12) + overdue (13)")
    if _has(t, "received_incl_carried", "resolved_total", "pending"):
        t.flag(d["received_incl_carried"] != d["resolved_total"] + d["pending"], "received_incl_carried",
               "received (incl. carried over) is not resolved + pending", reason="inconsistent",
               hint="(3) = (7) + (11) in Biểu II.06a")
    for c in ("digitized", "paid_online"):
        if c in d:
            t.flag(d[c] > d["received_total"], c, "is more than the dossiers received", reason="inconsistent")


RULES = {"dossiers": dossiers}

# Columns each kind returns, in order (optional ones only when present).
OUTPUT_COLUMNS = {
    "dossiers": ["unit_id", "unit_name", "period", "procedure_id", "carried_over", "received_total",
                 "received_online", "resolved_total", "resolved_on_time", "resolved_late", "pending",
                 "digitized", "paid_online"],
}
# Columns that identify a row: the same key twice is an error.
KEYS = {"dossiers": ["unit_name", "period", "procedure_id"]}
# Columns summed by a totals row ("Tổng cộng").
TOTALLED = {"dossiers": ["carried_over", "received_incl_carried", "received_total", "received_online",
                         "received_offline", "received_direct", "received_postal", "resolved_total",
                         "resolved_early", "resolved_on_time_only", "resolved_on_time", "resolved_late",
                         "pending", "pending_within", "pending_overdue", "digitized", "paid_online"]}
