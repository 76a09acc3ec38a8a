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
before the first record is unknown to it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

FREQS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
CALENDARS = ("decree09", "calendar")


def month_index(dates: pd.Series, *, calendar: str = "decree09") -> np.ndarray:
    """Months since year 0 (year * 12 + month - 1) of each date's reporting month; -1 if missing."""
    if calendar not in CALENDARS:
        raise ValueError(f"calendar must be one of {CALENDARS}, not {calendar!r}")
    d = pd.to_datetime(dates)
    valid = d.notna().to_numpy()
    year = d.dt.year.fillna(0).to_numpy(dtype=np.int64)
    month = d.dt.month.fillna(1).to_numpy(dtype=np.int64)
    idx = year * 12 + month - 1
    if calendar == "decree09":
        idx = idx + (d.dt.day.fillna(1).to_numpy(dtype=np.int64) >= 15)
    return np.where(valid, idx, -1)


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
    codes = units.cat.codes.to_numpy(dtype=np.int64)
    n_units = len(units.cat.categories)

    def period_of(col: str) -> np.ndarray:
        m = month_index(records[col], calendar=calendar) if col in records else np.full(len(records), -1)
        return np.where(m >= 0, m // step, -1)

    p_recv = period_of("received_at")
    p_res = period_of("resolved_at")
    known = p_recv[p_recv >= 0]
    if len(known) == 0:
        return pd.DataFrame(columns=["unit_id", "period"])
    first = int(known.min())
    last = int(max(known.max(), p_res.max()))
    n_p = last - first + 1

    def count(mask: np.ndarray, periods: np.ndarray) -> np.ndarray:
        ok = mask & (periods >= 0) & (codes >= 0)
        key = codes[ok] * n_p + (periods[ok] - first)
        return np.bincount(key, minlength=n_units * n_p).reshape(n_units, n_p)

    everything = np.ones(len(records), dtype=bool)
    online = (records["channel"] == "online").fillna(False).to_numpy(dtype=bool)
    resolved = p_res >= 0
    if "due_at" in records:
        due = pd.to_datetime(records["due_at"]).dt.normalize()
        done = pd.to_datetime(records["resolved_at"]).dt.normalize()
        late = (done > due).fillna(False).to_numpy(dtype=bool)
    else:
        late = np.zeros(len(records), dtype=bool)
    received = count(everything, p_recv)
    res_total = count(resolved, p_res)
    res_late = count(resolved & late, p_res)
    pending = np.cumsum(received, axis=1) - np.cumsum(res_total, axis=1)
    carried = np.concatenate([np.zeros((n_units, 1), dtype=np.int64), pending[:, :-1]], axis=1)
    cols = {"carried_over": carried, "received_total": received, "received_online": count(online, p_recv),
            "resolved_total": res_total, "resolved_on_time": res_total - res_late, "resolved_late": res_late,
            "pending": pending}
    for flag in ("digitized", "paid_online"):
        if flag in records:
            cols[flag] = count(records[flag].fillna(False).to_numpy(dtype=bool), p_recv)
    out = pd.DataFrame({
        "unit_id": np.repeat(units.cat.categories.to_numpy(dtype=object), n_p),
        "period": [period_label(first + j, freq) for j in range(n_p)] * n_units,
        **{k: v.reshape(-1) for k, v in cols.items()},
    })
    # a unit's periods before its first dossier carry nothing: drop all-zero rows
    activity = out[["received_total", "resolved_total", "pending"]].sum(axis=1) > 0
    out = out[activity].reset_index(drop=True)
    for k in cols:
        out[k] = out[k].astype("Int64")
    out["unit_id"] = out["unit_id"].astype("string")
    out["period"] = out["period"].astype("string")
    return out
