"""Reporting periods: the canonical strings, and reading them from report titles.

Canonical strings (DESIGN.md): ``2023``, ``2023-H1``, ``2023-Q3``, ``2023-07``, and a
cumulative span such as the first seven months of 2019, ``2019-01/2019-07``.

Titles state the period in words: "Năm 2023", "Quý 3/2023", "6 tháng đầu năm 2023",
"Tháng 7/2023", or as dates, "Kỳ báo cáo: từ ngày 15/12/2022 đến ngày 14/12/2023". A
date span is read both as calendar months and as Decree 09/2019/NĐ-CP statistical
periods (a month runs from the 15th of the previous month to the 14th), whichever fits.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from dx_metrics.text import fold

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_YEAR = r"((?:19|20)\d{2})"
_DATE = r"(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*((?:19|20)\d{2})"
_CANONICAL = re.compile(r"^(\d{4})(?:-(H[12]|Q[1-4]|\d{2}))?(?:/(\d{4})-(\d{2}))?$")


@dataclass(frozen=True)
class Period:
    """A span of whole months, start and end inclusive."""

    start_year: int
    start_month: int
    end_year: int
    end_month: int

    @property
    def year(self) -> int:
        return self.end_year

    @property
    def months(self) -> int:
        return (self.end_year - self.start_year) * 12 + self.end_month - self.start_month + 1

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.start_year, self.start_month, 1)

    @property
    def last_day(self) -> dt.date:
        """The span's last day (the one end date of a period everywhere in dx_metrics).

        >>> parse_period("2024-Q1").last_day, parse_period("2023").last_day
        (datetime.date(2024, 3, 31), datetime.date(2023, 12, 31))
        """
        return dt.date(self.end_year, self.end_month, calendar.monthrange(self.end_year, self.end_month)[1])

    def label(self) -> str:
        """The canonical string for this span."""
        y, m1, m2 = self.start_year, self.start_month, self.end_month
        if self.start_year == self.end_year:
            if (m1, m2) == (1, 12):
                return f"{y}"
            if m1 == m2:
                return f"{y}-{m1:02d}"
            if (m1, m2) in ((1, 6), (7, 12)):
                return f"{y}-H{1 if m1 == 1 else 2}"
            if m2 - m1 == 2 and m1 % 3 == 1:
                return f"{y}-Q{(m1 + 2) // 3}"
        return f"{y}-{m1:02d}/{self.end_year}-{m2:02d}"


def parse_period(text: str) -> Period:
    """A canonical period string as a span of months; ValueError if it is not one."""
    m = _CANONICAL.match(str(text).strip())
    if not m:
        raise ValueError(f"{text!r} is not a period (expected 2023, 2023-H1, 2023-Q3, 2023-07 or 2019-01/2019-07)")
    y = int(m.group(1))
    part, end_y, end_m = m.group(2), m.group(3), m.group(4)
    if end_y:
        if not part or not part.isdigit():
            raise ValueError(f"{text!r}: a span is written month/month, e.g. 2019-01/2019-07")
        p = Period(y, int(part), int(end_y), int(end_m))
    elif part is None:
        p = Period(y, 1, y, 12)
    elif part.startswith("H"):
        h = int(part[1])
        p = Period(y, 1 + 6 * (h - 1), y, 6 * h)
    elif part.startswith("Q"):
        q = int(part[1])
        p = Period(y, 3 * q - 2, y, 3 * q)
    else:
        p = Period(y, int(part), y, int(part))
    if not (1 <= p.start_month <= 12 and 1 <= p.end_month <= 12) or p.months < 1:
        raise ValueError(f"{text!r} is not a valid period")
    return p


def _from_dates(d1: dt.date, d2: dt.date) -> Period | None:
    """A date span as whole months, calendar or Decree 09/2019 cut-offs (15th to 14th)."""
    if d2 < d1:
        return None
    # calendar: 1st of a month to the last day of a month
    next_day = d2 + dt.timedelta(days=1)
    if d1.day == 1 and next_day.day == 1:
        return Period(d1.year, d1.month, d2.year, d2.month)
    # Decree 09/2019: from the 15th of the month before to the 14th
    if d1.day == 15 and d2.day == 14:
        sy, sm = (d1.year, d1.month + 1) if d1.month < 12 else (d1.year + 1, 1)
        return Period(sy, sm, d2.year, d2.month)
    return None


def period_from_text(text: str) -> str | None:
    """The reporting period stated in a title line, as a canonical string, or None.

    >>> period_from_text("Kỳ báo cáo: từ ngày 15/12/2022 đến ngày 14/12/2023")
    '2023'
    >>> period_from_text("7 tháng đầu năm 2019")
    '2019-01/2019-07'
    >>> period_from_text("Quý III/2023")
    '2023-Q3'
    """
    t = fold(text.replace("/", " / ")) if text else ""
    # "Bạc Liêu, ngày 15 tháng 12 năm 2023" is the date a report was signed, not its period
    t = re.sub(r"\bngay \d{1,2} thang \d{1,2} nam \d{4}\b", " ", t)
    raw = text or ""
    dates = re.findall(_DATE, raw)
    if len(dates) >= 2 and re.search(r"\btu\b|\bden\b|\bfrom\b|\bto\b", t):
        try:
            d1 = dt.date(int(dates[0][2]), int(dates[0][1]), int(dates[0][0]))
            d2 = dt.date(int(dates[1][2]), int(dates[1][1]), int(dates[1][0]))
        except ValueError:
            return None
        p = _from_dates(d1, d2)
        return p.label() if p else None
    m = re.search(r"\b(\d{1,2}) thang (?:dau )?nam " + _YEAR, t)
    if m:
        n, y = int(m.group(1)), int(m.group(2))
        return Period(y, 1, y, n).label() if 1 <= n <= 12 else None
    m = re.search(r"\b(\d{1,2}) thang cuoi nam " + _YEAR, t)
    if m:
        n, y = int(m.group(1)), int(m.group(2))
        return Period(y, 13 - n, y, 12).label() if 1 <= n <= 12 else None
    m = re.search(r"\bquy (i{1,3}|iv|[1-4]) (?:/ |nam )?" + _YEAR, t)
    if m:
        q = _ROMAN.get(m.group(1)) or int(m.group(1))
        return Period(int(m.group(2)), 3 * q - 2, int(m.group(2)), 3 * q).label()
    m = re.search(r"\bthang (\d{1,2}) (?:/ |nam )?" + _YEAR, t)
    if m:
        mo, y = int(m.group(1)), int(m.group(2))
        return Period(y, mo, y, mo).label() if 1 <= mo <= 12 else None
    # "từ năm 2005 đến 2014" is a span of years: never its first year
    t = _YEAR_SPAN.sub(" ", t)
    m = re.search(r"\bnam " + _YEAR + r"\b", t) or re.search(r"\byear " + _YEAR + r"\b", t)
    if m:
        return m.group(1)
    return None


# A span of years as headings write it: "từ năm 2005 đến 2014", "từ 2005 tới năm 2014",
# "2011 - 2022", "2011–2022", "giai đoạn 2011-2022", "from 2018 to 2022", "between 2018 and
# 2022". Matched on folded text where "-" became a space ("2011 2022"), so a bare pair of
# years is a span only with a connector word or a dash in the text as written (``_DASHED``).
_CONNECTOR = r"(?:den|toi|to|until|through|thru)"
_YEAR_SPAN = re.compile(r"\b(?:(?:tu|from|giai doan|period)\s+)?(?:(?:nam|year|years|cac nam)\s+)?"
                        rf"((?:19|20)\d\d)\s+{_CONNECTOR}\s+(?:(?:nam|year)\s+)?((?:19|20)\d\d)\b"
                        r"|\bbetween\s+(?:(?:nam|year)\s+)?((?:19|20)\d\d)\s+and\s+((?:19|20)\d\d)\b")
_DASHED = re.compile(r"(?<![\d/.,])((?:19|20)\d\d)\s*[-\u2010-\u2015\u2212~]\s*((?:19|20)\d\d)(?![\d/.,])")
# a year standing alone: not glued to letters or digits ("Un-weighted2015PAPI" names a
# method, "0,2014" is a number), not part of a date ("15/12/2022")
_LONE_YEAR = re.compile(r"(?<![0-9A-Za-z/.,])((?:19|20)\d\d)(?![0-9A-Za-z/]|[.,]\d)")
_DATE_TEXT = re.compile(r"\d{1,2}\s*[/\-.]\s*\d{1,2}\s*[/\-.]\s*(?:19|20)\d{2}")
_SIGNED = re.compile(r"\bngay \d{1,2} thang \d{1,2} nam \d{4}\b")


@dataclass(frozen=True)
class Heading:
    """What one heading says about the year of the figures under it.

    ``label``: the period it states (a year "2024", or a part of one, "2025-10");
    ``span``: the first and last year of a span it states ("từ năm 2005 đến 2014") and no
    year of its own; ``years``: the years it names when it names several ("2021 và 2022").
    At most one of them is set; a heading that says nothing has none."""

    text: str
    label: str | None = None
    span: tuple[int, int] | None = None
    years: tuple[int, ...] = ()

    @property
    def year(self) -> int | None:
        return parse_period(self.label).year if self.label else None

    @property
    def says(self) -> bool:
        return bool(self.label or self.span or self.years)

    def __str__(self) -> str:
        if self.label:
            return self.label
        if self.span:
            return f"{self.span[0]}–{self.span[1]}"
        return ", ".join(map(str, self.years))


def _plain(text: str) -> str:
    """Lower case without diacritics, punctuation kept (dashes tell a span "2011 - 2022")."""
    s = unicodedata.normalize("NFD", text)
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    return s.replace("đ", "d").replace("Đ", "D").lower()


def heading_year(text: object) -> Heading:
    """The year a heading of an index table states, as a ``Heading``.

    A caption's year is the year, written as a period ("Năm 2024", "Tháng 10/2025") or alone
    ("EGDI của các nước ASEAN (2024)", "Table 3.6: ..., 2023", "PCI 2016"); a span of years
    is a span, never its first or last year; two years named apart are neither.

    >>> heading_year("Bảng xếp hạng PCI các tỉnh từ năm 2005 đến 2014").span
    (2005, 2014)
    >>> heading_year("Top 10 tỉnh có chỉ số PCI cao nhất năm 2013").label
    '2013'
    >>> heading_year("Chỉ số EGDI các nước ASEAN (2024)").label, heading_year("from 2018 to 2022").span
    ('2024', (2018, 2022))
    >>> heading_year("So sánh PCI 2021 và 2022").years
    (2021, 2022)
    """
    raw = "" if text is None else str(text)
    if not raw.strip():
        return Heading(raw)
    label = period_from_text(raw)
    if label is not None:
        p = parse_period(label)
        if p.start_year != p.end_year:                 # dates across years: "01/01/2022 - 31/12/2023"
            return Heading(raw, span=(p.start_year, p.end_year))
        if p.months != 12:                            # part of a year: "2025-10", "2023-Q3", "2019-01/2019-07"
            return Heading(raw, label=label)
    plain = _SIGNED.sub(" ", _plain(raw))
    plain = _DATE_TEXT.sub(" ", plain)
    spans: list[tuple[int, int]] = []

    def cut(m: re.Match) -> str:
        a, b = (int(g) for g in m.groups() if g)
        if b > a:
            spans.append((a, b))
            return " "
        return m.group(0)

    plain = _DASHED.sub(cut, plain)
    plain = _YEAR_SPAN.sub(cut, re.sub(r"[^\w/.,]+", " ", plain))
    years = tuple(dict.fromkeys(int(y) for y in _LONE_YEAR.findall(plain)))
    if len(years) == 1:
        return Heading(raw, label=str(years[0]))
    if len(years) > 1:
        return Heading(raw, years=tuple(sorted(years)))
    if spans:
        return Heading(raw, span=(min(a for a, _ in spans), max(b for _, b in spans)))
    if label is not None and len(label) == 4:
        return Heading(raw, label=label)
    return Heading(raw)


def nearest_heading(lines: list[str]) -> Heading | None:
    """The first of ``lines`` (nearest the table first) that says anything about a year, or
    None. A span or several years there is what the table's heading says: a farther line's
    year is another table's, or the page's, not this table's."""
    for line in lines:
        h = heading_year(line)
        if h.says:
            return h
    return None


def normalize_period(value: object) -> str | None:
    """A period cell ("2023", 2023, "Năm 2023", "2023-Q3") as a canonical string, or None."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    try:
        return parse_period(text).label()
    except ValueError:
        return period_from_text(text)
