"""Cell values as analysts' spreadsheets write them: Vietnamese numbers, shares, dates.

Vietnamese writes ``.`` between thousands and ``,`` before decimals ("375.462",
"18,75%"). Each parser works on a whole column (a pandas Series of raw cells) and returns
the parsed values plus a Series of error codes of problems.yaml (missing where the cell is fine), so
the caller can turn every bad cell into a problem that points at it.
"""
from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dx_metrics.ingest.vocabulary import lookup, no_deadline_words
from dx_metrics.periods import parse_period, period_from_text
from dx_metrics.text import HIDDEN_RE2, clean_label, fold, hidden_characters

_THOUSANDS_DOT = re.compile(r"^[1-9]\d{0,2}(\.\d{3})+$")     # "0.512" is a decimal, never 512
_THOUSANDS_COMMA = re.compile(r"^[1-9]\d{0,2}(,\d{3}){2,}$")
_PLAIN = re.compile(r"^\d+(\.\d+)?$")
_MISSING_TEXT = {"", "-", "–", "—"}  # blank or a dash; "N/A" is a problem, not a blank
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# Excel's day 60 is 29 February 1900, a day that never was (Lotus 1-2-3's leap-year bug, kept):
# days 1-60 do not fall on the dates Excel shows for them, so a date is read from day 61
# (1 March 1900) on, and an earlier day number is an error at its cell
FIRST_SERIAL = 61


def number_from_text(text: str) -> tuple[float | None, bool]:
    """Parse one number written as text; return (value, had_percent_sign).

    The value is None when the text is not a number. A lone dot followed by groups of
    three digits is a thousands separator ("2.062" = 2062), as Vietnamese writes it; a
    comma is the decimal mark ("18,75") unless it separates two or more groups of three
    ("1,234,567"). Where both appear, the last one is the decimal mark.

    >>> number_from_text("375.462")
    (375462.0, False)
    >>> number_from_text("18,75%")
    (18.75, True)
    """
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    pct = t.endswith("%")
    if pct:
        t = t[:-1]
    sign = 1.0
    if t.startswith("-") and len(t) > 1:
        sign, t = -1.0, t[1:]
    elif t.startswith("+"):
        t = t[1:]
    if not t:
        return None, pct
    if "." in t and "," in t:
        if t.rfind(",") > t.rfind("."):
            t = t.replace(".", "").replace(",", ".")
        else:
            t = t.replace(",", "")
    elif "." in t:
        if _THOUSANDS_DOT.match(t):
            t = t.replace(".", "")
    elif "," in t:
        t = t.replace(",", "") if _THOUSANDS_COMMA.match(t) else t.replace(",", ".")
    if not _PLAIN.match(t):
        return None, pct
    return sign * float(t), pct


def _is_missing(v: object) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and v.strip().lower() in _MISSING_TEXT


def _numbers(raw: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(values as float with NaN for missing, percent-sign flags, error codes)."""
    n = len(raw)
    values = np.full(n, np.nan)
    pct = np.zeros(n, dtype=bool)
    errors = np.full(n, None, dtype=object)
    fast = raw if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype) else None
    if fast is not None:  # already numeric: nothing to parse cell by cell
        values = pd.to_numeric(fast).to_numpy(dtype=float, na_value=np.nan)
    else:
        for i, v in enumerate(raw.astype(object).tolist()):
            if _is_missing(v):
                continue
            if isinstance(v, bool):
                errors[i] = "not_a_number"
            elif isinstance(v, (int, float, np.integer, np.floating)):
                values[i] = float(v)
            elif isinstance(v, str):
                num, has_pct = number_from_text(v)
                if num is None:
                    errors[i] = "not_a_number"
                else:
                    values[i], pct[i] = num, has_pct
            else:
                errors[i] = "not_a_number"
    idx = raw.index
    return pd.Series(values, index=idx), pd.Series(pct, index=idx), pd.Series(errors, index=idx)


MAX_COUNT = 10**15   # a quadrillion dossiers: past this a count is a typing or export error
# (and past 2**53 a float no longer holds every whole number)


def parse_counts(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Whole numbers >= 0 as nullable Int64; blank cells stay missing, never zero."""
    values, pct, errors = _numbers(raw)
    bad_num = errors.notna()
    not_whole = values.notna() & ((values < 0) | (values != np.floor(values)) | pct)
    too_large = values.notna() & ~not_whole & ~(values <= MAX_COUNT)
    errors = errors.where(~bad_num, "not_a_count")
    errors = errors.mask(not_whole & ~bad_num, "not_a_count")
    errors = errors.mask(too_large & ~bad_num, "count_too_large")
    values = values.mask(bad_num | not_whole | too_large)
    return values.round().astype("Int64"), errors


def parse_numbers(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Real numbers (scores, amounts) as float64."""
    values, pct, errors = _numbers(raw)
    values = values.where(~pct, values / 100.0)
    return values.astype("Float64"), errors


def parse_shares(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Shares stored as fractions (0.1875).

    A cell with a % sign is in percent. Numbers without one are fractions when every such
    number in the column is within 0-1 (Excel's percent-formatted cells), and percent
    points otherwise ("18,75" in a column of percentages). Outside 0-100 % is an error.
    """
    values, pct, errors = _numbers(raw)
    plain = values.notna() & ~pct
    in_points = bool((values[plain].abs() > 1).any())
    scale = pct | (plain & in_points)
    values = values.where(~scale, values / 100.0)
    out = values.notna() & ((values < 0) | (values > 1 + 1e-9))
    errors = errors.mask(out & errors.isna(), "not_a_share")
    return values.mask(out).astype("Float64"), errors


_DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d-%m-%Y",
                 "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y")


def _date_from_text(text: str) -> pd.Timestamp | None:
    t = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return pd.Timestamp(dt.datetime.strptime(t, fmt))
        except ValueError:
            continue
    return None


def parse_dates(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates from datetime cells, Excel serial numbers or day-first text ("14/12/2022"). A
    serial number before 61 (1 March 1900) is refused: Excel counts a 29 February 1900."""
    if pd.api.types.is_datetime64_any_dtype(raw.dtype) or \
            pd.api.types.infer_dtype(raw, skipna=True) in ("datetime", "datetime64", "date", "empty"):
        # every cell is already a date (or empty): nothing to parse cell by cell
        return pd.to_datetime(raw).astype("datetime64[us]"), pd.Series(None, index=raw.index, dtype=object)
    n = len(raw)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    errors = np.full(n, None, dtype=object)
    for i, v in enumerate(raw.tolist()):
        if _is_missing(v):
            continue
        ts = None
        if isinstance(v, (pd.Timestamp, dt.datetime)):
            ts = pd.Timestamp(v)
        elif isinstance(v, dt.date):
            ts = pd.Timestamp(v)
        elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            if FIRST_SERIAL <= float(v) < 2958466:  # Excel's serial range from 1 March 1900
                ts = EXCEL_EPOCH + pd.to_timedelta(float(v), unit="D")
            elif 1 <= float(v) < FIRST_SERIAL:
                errors[i] = "excel_serial_1900"
                continue
        elif isinstance(v, str):
            ts = _date_from_text(v)
            if ts is None:
                num, pct = number_from_text(v)
                if num is not None and not pct and FIRST_SERIAL <= num < 2958466:
                    ts = EXCEL_EPOCH + pd.to_timedelta(num, unit="D")
                elif num is not None and not pct and 1 <= num < FIRST_SERIAL:
                    errors[i] = "excel_serial_1900"
                    continue
        if ts is None:
            errors[i] = "not_a_date"
        else:
            out[i] = np.datetime64(ts.to_datetime64(), "us")
    return pd.Series(out, index=raw.index), pd.Series(errors, index=raw.index)


# white space as Python's str.isspace has it (RE2's \s is ASCII only: a no-break space, U+3000 or
# a vertical tab would stay inside a name that the per-cell path, clean_label, cleans); checked
# on every code point in tests/test_values.py
_SPACE_RUN = r"[\s\x{0b}\x{1c}-\x{1f}\x{85}\p{Z}]+"


def _clean_arrow(arr: pa.Array) -> pa.Array:
    """Hidden characters removed, NFC, runs of white space (line breaks included) made one
    space, trimmed: what ``text.clean_label`` does to one cell."""
    shown = pc.replace_substring_regex(arr, HIDDEN_RE2, "")
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(pc.utf8_normalize(shown, "NFC"), _SPACE_RUN, " "))


def hidden_in(raw: pd.Series) -> pd.Series:
    """For each text cell holding hidden characters (``text.HIDDEN_RANGES``: zero-width, bidi
    controls, control characters ...), the list of them; missing elsewhere. ``parse_text``
    reads such cells without them; the caller says so at each cell."""
    out = pd.Series(None, index=raw.index, dtype=object)
    if pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty"):
        arr = pa.array(raw.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        hits = np.flatnonzero(pc.fill_null(pc.match_substring_regex(arr, HIDDEN_RE2), False).to_numpy(
            zero_copy_only=False))
    else:
        hits = np.flatnonzero(raw.map(lambda v: isinstance(v, str) and bool(hidden_characters(v))).to_numpy(bool))
    for i in hits:
        out.iat[i] = hidden_characters(raw.iat[i])
    return out


def parse_text(raw: pd.Series) -> pd.Series:
    """Text cells as trimmed NFC strings; numbers that are codes keep no '.0'."""
    if pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty"):
        # vectorised: every cell is text or empty
        arr = pa.array(raw.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        coded = pc.dictionary_encode(arr)
        if len(coded.dictionary) * 2 < len(arr):   # names repeat: clean each distinct text once
            arr = pc.take(_clean_arrow(coded.dictionary), coded.indices)
        else:
            arr = _clean_arrow(arr)
        # wrap the Arrow array as it is (no Python strings), aligned to the rows by position
        s = pd.Series(pd.arrays.ArrowStringArray(arr), index=raw.index).astype("string")
        return s.mask(s.isin(list(_MISSING_TEXT)))

    def one(v: object) -> object:
        if _is_missing(v):
            return pd.NA
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return clean_label(v) or pd.NA

    return raw.map(one).astype("string")


def parse_years(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Years as Int64 (1990-2100); "Năm 2023" is read as 2023."""
    text = raw.map(lambda v: v.lower().replace("năm", "").strip() if isinstance(v, str) else v)
    values, errors = parse_counts(text)
    bad = values.notna() & ((values < 1990) | (values > 2100))
    errors = errors.mask(bad, "not_a_year")
    return values.mask(bad), errors.where(errors.isna(), "not_a_year")


def parse_flags(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Ticks ("Có", "x", "Không") as booleans; an empty cell in a tick column means no."""
    as_text = {v: None if _is_missing(v) else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
               for v in pd.unique(raw)}                       # once per distinct cell, not per row
    cells = raw.map(as_text)
    mapped, unknown = lookup("flag", cells)
    values = pd.Series(mapped.eq("true").fillna(False).to_numpy(dtype=bool), index=raw.index, dtype="boolean")
    errors = pd.Series(None, index=raw.index, dtype=object).mask(
        unknown, "not_a_flag")
    return values, errors


_MONEY = re.compile(r"\s*(đồng|dong|vnđ|vnd|đ|d)\.?$")
_DAYS = re.compile(r"\s*(ngày|ngay|days?)\.?$")
_NO_FEE = {"mien phi", "khong thu phi", "khong co phi", "khong phi", "free"}


def _number_with_unit(v: object, unit: re.Pattern) -> float | None:
    """A cell as a number, a unit word after it allowed ("25.000 đ", "3 ngày"); None if it is none."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    if not isinstance(v, str):
        return None
    text = unit.sub("", v.strip().lower())
    num, pct = number_from_text(text)
    return None if pct else num


def parse_fees(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The fee a dossier's procedure charges, as an amount in đồng (Float64): "25.000",
    "25.000 đ", "25.000 VNĐ" as written; a yes/no mark of the ``flag`` vocabulary ("Có", "x" ->
    1: a fee, its amount not written; "Không" -> 0), "Miễn phí" -> 0. An empty cell is
    missing (not known to be free); a negative amount or other text is an error.

    >>> parse_fees(pd.Series(["25.000 đ", "Có", "Miễn phí", None]))[0].tolist()
    [25000.0, 1.0, 0.0, <NA>]
    """
    values: dict = {}
    errors: dict = {}
    for v in pd.unique(raw):
        if _is_missing(v):
            values[v] = None
            continue
        if isinstance(v, bool):
            values[v] = 1.0 if v else 0.0
            continue
        num = _number_with_unit(v, _MONEY)
        if num is not None:
            values[v], errors[v] = (num, None) if num >= 0 else (None, "not_a_fee")
            continue
        folded = fold(str(v))
        if folded in _NO_FEE:
            values[v] = 0.0
            continue
        mark, _ = lookup("flag", pd.Series([str(v)]))
        if pd.notna(mark.iloc[0]):
            values[v] = 1.0 if mark.iloc[0] == "true" else 0.0
        else:
            values[v], errors[v] = None, "not_a_fee"
    cells = raw.astype(object).tolist()          # once per distinct cell above, looked up per row here
    out = pd.Series([None if _is_missing(k) else values[k] for k in cells], index=raw.index, dtype="Float64")
    err = pd.Series([None if _is_missing(k) else errors.get(k) for k in cells], index=raw.index, dtype=object)
    return out, err


def parse_day_counts(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A number of days ≥ 0 (Float64; "2,5" and "3 ngày" accepted), as the days a dossier waited
    for the applicant's supplements; an empty cell is missing (no wait recorded).

    >>> parse_day_counts(pd.Series(["3 ngày", "2,5", 4, None]))[0].tolist()
    [3.0, 2.5, 4.0, <NA>]
    """
    out, err = [], []
    for v in raw.astype(object).tolist():
        if _is_missing(v):
            out.append(None)
            err.append(None)
            continue
        num = _number_with_unit(v, _DAYS)
        ok = num is not None and num >= 0
        out.append(num if ok else None)
        err.append(None if ok else "not_a_day_count")
    return pd.Series(out, index=raw.index, dtype="Float64"), pd.Series(err, index=raw.index, dtype=object)


def parse_deadlines(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Deadlines: a date, a period ("Quý IV/2019", "Năm 2019" -> its last day), or a word
    meaning none ("Không", "Thường xuyên", "Hàng năm") -> missing, not an error."""
    none_words = no_deadline_words()
    dates, errors = parse_dates(raw)
    for i in errors[errors.notna()].index:
        v = raw.at[i]
        if isinstance(v, str):
            if fold(v) in none_words:
                errors.at[i] = None
                continue
            label = period_from_text(v)
            if label is not None:
                p = parse_period(label)
                end = pd.Timestamp(p.last_day)
                dates.at[i], errors.at[i] = end, None
                continue
        errors.at[i] = "not_a_deadline"
    return dates, errors
