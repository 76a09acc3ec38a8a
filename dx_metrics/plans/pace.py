"""The pace still needed to meet a target judged on the year to date (the early warning).

For a share, the rest of the year is expected to bring the denominator's run rate so far
(D ÷ m a month for the 12 − m months left, as the projection of counts does): the share of
that remaining volume the numerator must reach is (T × (D + R) − N) ÷ R, with R = D × (12 − m)
÷ m. Above 100 % the target is out of reach; at or below 0 it is already secured (for an
at-most target the figure is a ceiling, and below 0 it is already exceeded). For a count, the
monthly rate still needed is (T − N) ÷ (12 − m). A share without its numerator and
denominator (a self-reported figure) has no pace.
"""
from __future__ import annotations

import pandas as pd


def required_pace(comparator: str, target: float, *, share: bool, numerator, denominator, value,
                  months: int) -> dict | None:
    """The evaluation's pace columns: ``required_pace`` (a share of the remaining volume, or a
    count per month), ``pace_unit``, ``pace_reachable`` and ``pace_months_left``; None when the
    year is over or the figures do not allow it."""
    left = 12 - months
    if left <= 0 or months <= 0:
        return None
    if share:
        if numerator is None or denominator is None or pd.isna(numerator) or pd.isna(denominator) or not denominator:
            return None
        remaining = float(denominator) * left / months
        needed = (target * (float(denominator) + remaining) - float(numerator)) / remaining
        if comparator == "<=":
            return {"required_pace": needed, "pace_unit": "share_of_remaining", "pace_reachable": needed >= 0,
                    "pace_months_left": left}
        return {"required_pace": max(needed, 0.0), "pace_unit": "share_of_remaining",
                "pace_reachable": needed <= 1.0, "pace_months_left": left}
    if value is None or pd.isna(value):
        return None
    rate = (target - float(value)) / left
    if comparator == "<=":
        return {"required_pace": rate, "pace_unit": "per_month", "pace_reachable": rate >= 0, "pace_months_left": left}
    return {"required_pace": max(rate, 0.0), "pace_unit": "per_month", "pace_reachable": True, "pace_months_left": left}
