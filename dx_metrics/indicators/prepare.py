"""Per-row helper columns (n_*) that let catalogue and task indicators be plain ratios.

A service catalogue row becomes n_services = 1, n_online, n_full, n_full_mobile; a task
becomes n_tasks = 1, n_done, n_due, n_overdue, n_no_deadline, counted for its owner unit
in the year of the data (``as_of``; the deadline year where a task list gives no date).
"""
from __future__ import annotations

import pandas as pd


def services(df: pd.DataFrame) -> pd.DataFrame:
    """Catalogue snapshot -> per-service indicator columns; period = the snapshot's year, and
    ``as_of`` its date (a stock is known from that date on: ``indicators.compose``).

    Several snapshots in one year count each procedure once, as the latest snapshot has it.
    """
    year = df["as_of"].dt.year
    df = df.assign(_year=year).sort_values("as_of", kind="stable")
    df = df.drop_duplicates(subset=[c for c in ("_year", "unit_id", "procedure_id") if c in df], keep="last")
    known = df["online_mode"].notna()
    full = df["online_mode"].eq("full").fillna(False)
    mobile = df["mobile_ready"].fillna(False).astype(bool) if "mobile_ready" in df else pd.Series(False, index=df.index)
    return pd.DataFrame({
        "unit_id": df["unit_id"], "period": df["as_of"].dt.year.astype("Int64").astype("string"),
        "n_services": known.astype("Int64"), "n_online": df["provided_online"].astype("Int64"),
        "n_full": full.astype("Int64").where(known), "n_full_mobile": (full & mobile).astype("Int64").where(known),
        "as_of": df["as_of"], **_provenance(df),
    })


def _provenance(df: pd.DataFrame) -> dict[str, pd.Series]:
    """The rows' source columns, carried to the per-row indicator columns."""
    return {c: df[c] for c in ("source_file", "source_sheet", "source_row") if c in df}


def tasks(df: pd.DataFrame, *, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """Task list -> per-task indicator columns, for the owner unit, in the year of ``as_of``."""
    when = pd.Series(as_of, index=df.index) if as_of is not None else df.get("as_of")
    if when is None or when.isna().all():
        raise ValueError("task indicators need the date of the data: a task list with a date in its title "
                         "(\"Số liệu đến ngày 09/9/2019\"), or as_of=...")
    when = pd.to_datetime(when)
    deadline = pd.to_datetime(df["deadline"])
    done = df["status"].eq("done").fillna(False)
    completed = pd.to_datetime(df["completed_on"]) if "completed_on" in df else pd.Series(pd.NaT, index=df.index)
    # done on time: done, with a completion date on or before the deadline (a task done without
    # a date cannot be shown to be on time, and is not counted so)
    on_time = done & (completed <= deadline).fillna(False)
    counts = ("n_tasks", "n_done", "n_due", "n_overdue", "n_no_deadline", "n_due_by_date", "n_done_on_time")
    return pd.DataFrame({
        "unit_id": df["owner_unit"], "period": when.dt.year.astype("Int64").astype("string"),
        "n_tasks": 1, "n_done": done.astype(int),
        "n_due": (deadline.dt.year == when.dt.year).fillna(False).astype(int),
        "n_overdue": ((deadline < when) & ~done).fillna(False).astype(int),
        "n_no_deadline": deadline.isna().astype(int),
        "n_due_by_date": (deadline <= when).fillna(False).astype(int),
        "n_done_on_time": (on_time & (deadline <= when)).astype(int),
        "as_of": when, **_provenance(df),
    }).astype({c: "Int64" for c in counts})
