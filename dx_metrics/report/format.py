"""Numbers as reports show them: one rounding rule, Vietnamese marks by default.

Vietnamese puts "." between thousands and "," before decimals ("375.462", "18,75%");
English the other way round. Rounding is half away from zero (as Excel rounds), on the
decimal value, so 0.18745 shows as 18,75% and never 18,74%.
"""
from __future__ import annotations

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


def fmt_number(x: object, *, digits: int = 0, lang: str = "vi") -> str:
    """1234567.891 -> "1.234.568" (vi) or "1,234,568" (en); missing -> "—"."""
    if x is None or pd.isna(x):
        return MISSING[lang]
    return _marks(f"{_round(x, digits):,.{digits}f}", lang)


def fmt_percent(x: object, *, digits: int = 2, lang: str = "vi") -> str:
    """A fraction as a percentage: 0.1875 -> "18,75%" (vi) or "18.75%" (en)."""
    if x is None or pd.isna(x):
        return MISSING[lang]
    return fmt_number(float(x) * 100, digits=digits, lang=lang) + "%"


def fmt_points(x: object, *, digits: int = 2, lang: str = "vi") -> str:
    """A difference in percentage points, signed: "+10,53 điểm %" / "+10.53 pp"."""
    if x is None or pd.isna(x):
        return MISSING[lang]
    sign = "+" if float(x) > 0 else ("−" if float(x) < 0 else "±")
    body = fmt_number(abs(float(x)), digits=digits, lang=lang)
    return f"{sign}{body} " + ("điểm %" if lang == "vi" else "pp")


def fmt_value(x: object, unit: str, *, lang: str = "vi") -> str:
    """A value in its indicator's unit (share or count)."""
    return fmt_percent(x, lang=lang) if unit == "share" else fmt_number(x, lang=lang)
