"""Dossier-level records aggregated to one-stop counts (the ``dossiers`` table).

Periods are calendar months/quarters/half-years/years, or the statistical periods of
Decree 09/2019/NĐ-CP (Art. 12): a month runs from the 15th of the previous month to the
14th, a year from 15 December of the previous year to 14 December. The default is
``calendar="decree09"``, the cut-off the one-stop reports (Biểu II.06a) use; the national
portal's 766 index counts calendar months, so ``calendar="calendar"`` stays available.

Per unit and period: received (by channel), resolved, resolved on time (on or before the
appointment date, compared by day; a dossier with no appointment date cannot be late),
resolved late, pending at the period's end and carried over from the previous period.
Pending and carried over assume the log holds every dossier still open: a dossier received
before the first record is unknown to it. Late (``finished_late``) and overdue at a day's end
(``overdue_at``) are defined once here; the 766 index (``score766``) judges with the same two,
its appointment days pushed back by the days waited for supplements (``record_days(waits=True)``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dx_metrics.periods import Period

FREQS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
CALENDARS = ("decree09", "calendar")


_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


def day_numbers(dates: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(days since 1970-01-01 as int64, missing mask), straight from the datetime64 integers."""
    arr = pd.to_datetime(dates).array
    ints = arr.asi8
    missing = np.asarray(arr.isna())
    unit = np.datetime_data(arr.dtype)[0] if hasattr(arr, "dtype") and arr.dtype.kind == "M" else arr.unit
    per_day = _PER_DAY[unit]
    if unit in ("s", "ms", "us"):
        # float division is exact here (values < 2**53) and much faster than int64 //
        days = np.floor(ints / per_day).astype(np.int64)
    else:
        days = ints // per_day
    return np.where(missing, 0, days), missing


DATE_COLUMNS = ("received_at", "resolved_at", "due_at")


def record_days(records: pd.DataFrame, *, waits: bool = False) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per date column of ``records`` (``DATE_COLUMNS``) its (day numbers, missing mask); an
    absent column is all missing. With ``waits``, ``due_at`` is the appointment day pushed back by
    the whole days waited for the applicant's supplements (``supplement_days``: a fraction of a
    day dropped, an empty cell no wait), as the 766 index judges it (METHODS.md, 766)."""
    n = len(records)
    none = (np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    days = {c: day_numbers(records[c]) if c in records else none for c in DATE_COLUMNS}
    if waits and "supplement_days" in records:
        due, no_due = days["due_at"]
        waited = pd.to_numeric(records["supplement_days"]).astype("Float64").fillna(0).to_numpy(dtype=float)
        days["due_at"] = (due + np.floor(waited).astype(np.int64), no_due)
    return days


def finished_late(days: dict[str, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Finished after the appointment day, compared by day (a dossier finished on its appointment
    day at 23:00 is on time); a dossier with no appointment day is never late, one not finished
    is not late yet. ``days``: from ``record_days``. The one definition of late, for the
    one-stop counts and the 766 index alike (``engines`` writes the same in SQL)."""
    (done, no_done), (due, no_due) = days["resolved_at"], days["due_at"]
    return (done > due) & ~no_done & ~no_due


def overdue_at(days: dict[str, tuple[np.ndarray, np.ndarray]], day: int) -> np.ndarray:
    """Unfinished at the end of day number ``day`` (received by then, not finished by then) with
    its appointment day already before it: overdue at that day. ``days``: from ``record_days``."""
    (recv, no_recv), (done, no_done), (due, no_due) = (days[c] for c in DATE_COLUMNS)
    return ~no_recv & (recv <= day) & (no_done | (done > day)) & ~no_due & (due < day)


def _civil(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month, day) of day numbers, vectorised (the proleptic Gregorian calendar)."""
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


def month_index(dates: pd.Series, *, calendar: str = "decree09") -> np.ndarray:
    """Months since year 0 (year * 12 + month - 1) of each date's reporting month; -1 if missing."""
    return _month_index(*day_numbers(dates), calendar=calendar)


def _month_index(days: np.ndarray, missing: np.ndarray, *, calendar: str, step: int = 1) -> np.ndarray:
    """Month index (or, with ``step``, period index = month index // step); -1 where missing."""
    if calendar not in CALENDARS:
        raise ValueError(f"calendar must be one of {CALENDARS}, not {calendar!r}")
    if missing.all():
        return np.full(len(days), -1, dtype=np.int64)
    # a log spans few distinct days: convert each day of the span once, then look rows up
    present = ~missing
    lo = int(days.min(where=present, initial=np.iinfo(np.int64).max))
    hi = int(days.max(where=present, initial=np.iinfo(np.int64).min))
    span = np.arange(lo, hi + 1, dtype=np.int64)
    year, month, day = _civil(span)
    table = year * 12 + month - 1
    if calendar == "decree09":
        table = table + (day >= 15)
    table = np.append(table // step, -1).astype(np.int32)   # the extra last slot answers for missing dates
    pos = days - lo
    pos[missing] = hi - lo + 1
    return table[pos]


def period_label(index: int, freq: str) -> str:
    """The canonical period string of a period number (months since year 0 // step)."""
    step = FREQS[freq]
    first = index * step
    year, m0 = divmod(first, 12)
    if freq == "year":
        return f"{year}"
    if freq == "half":
        return f"{year}-H{m0 // 6 + 1}"
    if freq == "quarter":
        return f"{year}-Q{m0 // 3 + 1}"
    return f"{year}-{m0 + 1:02d}"


def aggregate_records(records: pd.DataFrame, *, freq: str = "year", calendar: str = "decree09") -> pd.DataFrame:
    """``dossier_records`` -> ``dossiers`` (one row per unit and period), vectorised."""
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {tuple(FREQS)}, not {freq!r}")
    step = FREQS[freq]
    units = records["unit_id"].astype("category")
    codes = units.cat.codes.to_numpy()
    missing_unit = codes < 0
    n_units = len(units.cat.categories)

    days = record_days(records)

    def period_of(col: str) -> np.ndarray:
        return _month_index(*days[col], calendar=calendar, step=step)

    p_recv = period_of("received_at")
    p_res = period_of("resolved_at")
    if (p_recv < 0).all():
        return pd.DataFrame(columns=["unit_id", "period"])
    first = int(p_recv.min(where=p_recv >= 0, initial=np.iinfo(p_recv.dtype).max))
    # the log spans the periods of its receipts: a dossier resolved after the last of them is
    # pending at the span's end, and makes no period of its own (a 2023 log resolving dossiers in
    # the first days of 2024 has no "2024" with nothing received)
    last = int(p_recv.max())
    n_p = last - first + 1

    size = n_units * n_p

    def counter(periods: np.ndarray):
        # rows without a period (or unit) go to one extra bin that is dropped: no filtering copies
        key = codes.astype(np.int32) * np.int32(n_p)
        key += periods
        key -= np.int32(first)
        key[(periods < first) | (periods > last)] = size   # no period (-1), or a resolution outside the span
        if missing_unit.any():
            key[missing_unit] = size

        def count(weights: np.ndarray | None = None) -> np.ndarray:
            w = None if weights is None else weights.astype(np.float64)
            bins = np.bincount(key, weights=w, minlength=size + 1)[:size]
            return bins.astype(np.int64).reshape(n_units, n_p)
        return count

    by_received, by_resolved = counter(p_recv), counter(p_res)
    online = (records["channel"] == "online").fillna(False).to_numpy(dtype=bool)
    late = finished_late(days)
    received = {"received_total": by_received(), "received_online": by_received(online)}
    for flag in ("digitized", "paid_online"):
        if flag in records:
            received[flag] = by_received(records[flag].fillna(False).to_numpy(dtype=bool))
    last_month = int(_month_index(*days["received_at"], calendar=calendar).max())
    return counts_table(units.cat.categories.to_numpy(dtype=object), first, n_p, freq, last_month,
                        received=received, resolved=by_resolved(), late=by_resolved(late))


def counts_table(units: np.ndarray, first: int, n_p: int, freq: str, last_month: int, *,
                 received: dict[str, np.ndarray], resolved: np.ndarray, late: np.ndarray) -> pd.DataFrame:
    """The ``dossiers`` table from counts binned units x periods (``n_p`` periods from period
    number ``first``): received ones by the period of receipt, ``resolved`` and ``late`` by the
    period of resolution. Pending and carried over follow from them. Shared by the pandas path
    and the SQL engines (``dx_metrics.indicators.engines``), so both build the same table."""
    n_units = len(units)
    pending = np.cumsum(received["received_total"], axis=1) - np.cumsum(resolved, axis=1)
    carried = np.concatenate([np.zeros((n_units, 1), dtype=np.int64), pending[:, :-1]], axis=1)
    cols = {"carried_over": carried, "received_total": received["received_total"],
            "received_online": received["received_online"], "resolved_total": resolved,
            "resolved_on_time": resolved - late, "resolved_late": late, "pending": pending}
    cols.update({k: v for k, v in received.items() if k in ("digitized", "paid_online")})
    return _unit_period_table(units, _labels(first, n_p, freq, FREQS[freq], last_month), cols)


def _labels(first: int, n_p: int, freq: str, step: int, last_month: int) -> list[str]:
    """The labels of ``n_p`` periods from period number ``first``. A log that stops inside its
    last period (records up to March for a year) labels that period as the span it covers
    ("2023-01/2023-03"), so it is never taken for a whole year."""
    labels = [period_label(first + j, freq) for j in range(n_p)]
    if freq != "month" and last_month // step == first + n_p - 1 and (last_month + 1) % step:
        y, m_end = divmod(last_month, 12)
        m_start = ((first + n_p - 1) * step) % 12
        labels[-1] = Period(y, m_start + 1, y, m_end + 1).label()
    return labels


def _unit_period_table(units: np.ndarray, labels: list[str], cols: dict[str, np.ndarray]) -> pd.DataFrame:
    """Counts binned units x periods as one row per unit and period; a unit's periods before
    its first dossier carry nothing and are dropped."""
    out = pd.DataFrame({"unit_id": np.repeat(units, len(labels)), "period": labels * len(units),
                        **{k: v.reshape(-1) for k, v in cols.items()}})
    activity = out[["received_total", "resolved_total", "pending"]].sum(axis=1) > 0
    out = out[activity].reset_index(drop=True)
    for k in cols:
        out[k] = out[k].astype("Int64")
    out["unit_id"] = out["unit_id"].astype("string")
    out["period"] = out["period"].astype("string")
    return out
