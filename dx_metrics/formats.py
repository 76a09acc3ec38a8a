"""Numbers as reports show them: one rounding rule, Vietnamese marks by default.

Vietnamese puts "." between thousands and "," before decimals ("375.462", "18,75%");
English the other way round. Rounding is half away from zero (as Excel rounds), on the
decimal value, so 0.18745 shows as 18,75% and never 18,74%.
"""
from __future__ import annotations

import datetime as dt

import re
from typing import Any

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

MISSING = {"vi": "—", "en": "—"}


def _round(x: float, digits: int) -> Decimal:
    return Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _marks(text: str, lang: str) -> str:
    # text is in English marks ("1,234.5"); swap for Vietnamese
    if lang == "en":
        return text
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def fmt_number(x: Any, *, digits: int = 0, lang: str = "vi") -> str:
    """1234567.891 -> "1.234.568" (vi) or "1,234,568" (en); missing -> "—".

    >>> fmt_number(375462), fmt_number(375462, lang="en"), fmt_number(None)
    ('375.462', '375,462', '—')
    """
    if x is None or pd.isna(x):
        return MISSING[lang]
    return _marks(f"{_round(x, digits):,.{digits}f}", lang)


def fmt_percent(x: Any, *, digits: int = 2, lang: str = "vi") -> str:
    """A fraction as a percentage: 0.1875 -> "18,75%" (vi) or "18.75%" (en).

    >>> fmt_percent(1200 / 6400), fmt_percent(1200 / 6400, lang="en")
    ('18,75%', '18.75%')
    """
    if x is None or pd.isna(x):
        return MISSING[lang]
    return fmt_number(float(x) * 100, digits=digits, lang=lang) + "%"


def fmt_points(x: Any, *, digits: int = 2, lang: str = "vi") -> str:
    """A difference in percentage points, signed: "+10,53 điểm %" / "+10.53 pp"."""
    if x is None or pd.isna(x):
        return MISSING[lang]
    sign = "+" if float(x) > 0 else ("−" if float(x) < 0 else "±")
    body = fmt_number(abs(float(x)), digits=digits, lang=lang)
    return f"{sign}{body} " + ("điểm %" if lang == "vi" else "pp")


def fmt_score(x: Any, *, digits: int = 2, lang: str = "vi") -> str:
    """Points of an index score as its publisher writes them: rounded to ``digits`` decimals,
    trailing zeros dropped ("91,7" not "91,70"; "18" not "18,00").

    >>> fmt_score(0.8), fmt_score(91.7, lang="en"), fmt_score(18), fmt_score(320 / 21)
    ('0,8', '91.7', '18', '15,24')
    """
    if x is None or pd.isna(x):
        return MISSING[lang]
    text = fmt_number(x, digits=digits, lang=lang)
    mark = "," if lang == "vi" else "."
    return text.rstrip("0").rstrip(mark) if mark in text else text


def fmt_change(x: Any, *, lang: str = "vi") -> str:
    """A change of rank (places moved up), signed as every table writes it: "+4", "−1", "0".

    >>> fmt_change(4), fmt_change(-1), fmt_change(0), fmt_change(None)
    ('+4', '−1', '0', '—')
    """
    if x is None or pd.isna(x):
        return MISSING[lang]
    n = int(x)
    return f"+{n}" if n > 0 else (f"−{-n}" if n < 0 else "0")


VIETNAM = dt.timezone(dt.timedelta(hours=7), "ICT")        # Indochina Time, no daylight saving


def fmt_time(stamp: object, *, lang: str = "vi", zone: bool = True) -> str:
    """A moment ("2024-01-15T01:00:00+00:00") as Vietnam's clocks showed it: "15/01/2024 08:00
    (giờ Việt Nam)" / "15 Jan 2024 08:00 (Vietnam time)"; a time without a zone is taken as UTC.

    >>> fmt_time("2024-01-15T01:00:00+00:00")
    '15/01/2024 08:00 (giờ Việt Nam)'
    """
    if stamp is None or (not isinstance(stamp, str) and pd.isna(stamp)):
        return MISSING[lang]
    t = pd.Timestamp(stamp)
    t = (t.tz_localize("UTC") if t.tzinfo is None else t).tz_convert(VIETNAM)
    said = f"{t:%d/%m/%Y %H:%M}" if lang == "vi" else f"{t:%d %b %Y %H:%M}"
    if not zone:                       # a page that says the zone once, in its heading
        return said
    return f"{said} (giờ Việt Nam)" if lang == "vi" else f"{said} (Vietnam time)"


def fmt_value(x: Any, unit: str, *, lang: str = "vi") -> str:
    """A value in its indicator's unit (share or count)."""
    return fmt_percent(x, lang=lang) if unit == "share" else fmt_number(x, lang=lang)


_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def fmt_period(label: object, *, lang: str = "vi") -> str:
    """A canonical period as a reader writes it: "2024-Q2" -> "Quý II/2024" (vi) or "Q2 2024"
    (en); "2019-01/2019-07" -> "Tháng 1–7/2019" / "Jan–Jul 2019"; whole quarters "2025-01/2025-09" ->
    "Quý I–III/2025" / "Q1–Q3 2025"; anything else as it is."""
    from dx_metrics.periods import parse_period

    if label is None or pd.isna(label):
        return MISSING[lang]
    text = str(label)
    day = _DAY.fullmatch(text)
    if day:      # a day ("2024-03-02"): where a dossier log's flags point
        y, m, d = (int(x) for x in day.groups())
        return f"{d:02d}/{m:02d}/{y}" if lang == "vi" else f"{d} {_MONTHS_EN[m - 1]} {y}"
    try:
        p = parse_period(text)
    except ValueError:
        return text
    vi = lang == "vi"
    y, m1, m2 = p.end_year, p.start_month, p.end_month
    if p.start_year != p.end_year:
        return (f"{m1:02d}/{p.start_year}–{m2:02d}/{y}" if vi
                else f"{_MONTHS_EN[m1 - 1]} {p.start_year}–{_MONTHS_EN[m2 - 1]} {y}")
    if p.months == 12:
        return f"Năm {y}" if vi else str(y)
    if text.endswith(("-Q1", "-Q2", "-Q3", "-Q4")):
        q = int(text[-1])
        return f"Quý {_ROMAN[q]}/{y}" if vi else f"Q{q} {y}"
    if text.endswith("-H1"):
        return f"6 tháng đầu năm {y}" if vi else f"H1 {y}"
    if text.endswith("-H2"):
        return f"6 tháng cuối năm {y}" if vi else f"H2 {y}"
    if m1 == m2:
        return f"Tháng {m1}/{y}" if vi else f"{_MONTHS_EN[m1 - 1]} {y}"
    if m1 % 3 == 1 and m2 % 3 == 0:     # whole quarters: "Quý I–III/2025"
        q1, q2 = (m1 + 2) // 3, m2 // 3
        return f"Quý {_ROMAN[q1]}–{_ROMAN[q2]}/{y}" if vi else f"Q{q1}–Q{q2} {y}"
    return f"Tháng {m1}–{m2}/{y}" if vi else f"{_MONTHS_EN[m1 - 1]}–{_MONTHS_EN[m2 - 1]} {y}"
