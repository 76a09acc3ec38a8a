"""Notes beside a figure, kept as a code with its figures and said in either language.

A note is ``{"code": ..., "params": {...}}``; the texts are templates per code
(``notes.yaml``), so the Vietnamese report says "chỉ có số liệu một phần năm (Tháng 1–7/2019:
65,82%)" where the English one says "only part-year data (2019-01/2019-07: 0.6582)", from the
same note. Frames carry a figure's notes twice: said in English (``note`` / ``notes``, as
summary.json has always shown them) and as codes (``note_codes``, JSON), which the report says
in its language.

>>> n = [note("rejected_rows", count=1200, file="a.xlsx"), note("denominator_zero")]
>>> say(n, "vi")
'1.200 dòng của a.xlsx bị loại vì lỗi số liệu, không được tính (xem mục chất lượng dữ liệu); mẫu số bằng 0'
>>> say(decode(encode(n)), "en")
'1200 row(s) of a.xlsx rejected for data errors are not counted (see data quality); denominator is 0'
"""
from __future__ import annotations

import json
import re
import string
from typing import Any
from functools import lru_cache

import pandas as pd

from dx_metrics import safe_yaml
from dx_metrics.formats import MISSING, fmt_number, fmt_percent, fmt_period
from dx_metrics.registry import catalog, share_ids

SEPARATOR = "; "
_FIELD = re.compile(r"\{(\w+)(?::(\w+))?\}")


@lru_cache(maxsize=1)
def templates() -> dict:
    return safe_yaml.load_package_data("dx_metrics", "notes.yaml")


def note(code: str, **params) -> dict:
    """A note: its code (a key of ``notes.yaml``) and the figures its text needs."""
    if code not in templates() or code in ("fields", "tables"):
        raise KeyError(f"unknown note code {code!r}")
    return {"code": code, "params": params}


def encode(notes: list[dict]) -> str | None:
    return json.dumps(notes, ensure_ascii=False, default=str) if notes else None


def decode(text: object) -> list[dict]:
    if text is None or (not isinstance(text, (list, str)) and pd.isna(text)):
        return []
    return text if isinstance(text, list) else json.loads(str(text))


def table_name(kind: str, lang: str) -> str:
    return templates()["tables"].get(kind, {}).get(lang, kind)


def _shown(value: Any, kind: str | None, params: dict, lang: str) -> str:
    if kind is None:
        return str(value)
    if kind == "note":      # another note (why something happened), said in the same language
        return say_one(value, lang)
    if kind == "more":      # how many a list shown in part leaves out
        if not value:
            return ""
        return f" … +{value} more" if lang == "en" else f" … và {fmt_number(value, digits=0, lang=lang)} mục khác"
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return "missing" if lang == "en" and kind == "g4" else MISSING[lang]
    if kind == "g4":
        return f"{float(value):.4g}"
    if kind == "share":
        return fmt_percent(value, lang=lang)
    if kind in ("number", "count"):
        return fmt_number(value, digits=0 if kind == "count" or float(value).is_integer() else 2, lang=lang)
    if kind == "value":
        share = str(params.get("indicator")) in share_ids()
        return fmt_percent(value, lang=lang) if share else fmt_number(value, digits=0, lang=lang)
    if kind == "period":
        return fmt_period(value, lang=lang)
    if kind == "periods":
        return ", ".join(fmt_period(p, lang=lang) for p in value)
    if kind == "list":
        return ", ".join(str(v) for v in value)
    if kind == "lines":     # texts each with the lines of a file that hold it: "Văn phòng Sở" (334 dòng)
        def word(n: int) -> str:
            return "dòng" if lang != "en" else "line" if n == 1 else "lines"
        return ", ".join(f'"{text}" ({fmt_number(n, digits=0, lang=lang)} {word(n)})' for text, n in value)
    if kind == "date":
        d = pd.Timestamp(str(value))
        return f"{d:%d/%m/%Y}"
    if kind == "indicator":
        names = dict(zip(catalog()["indicator_id"], catalog()["name_en" if lang == "en" else "name_vi"]))
        return names.get(str(value), str(value))
    if kind == "table":
        return table_name(str(value), lang)
    if kind == "field":
        return templates()["fields"].get(str(value), {}).get(lang, str(value))
    if kind in ("unit", "units", "counted"):
        return _units_shown(value, kind, lang)
    if kind == "horizons":          # [[2030, 0.95], ...] of the note's indicator
        share = str(params.get("indicator")) in share_ids()
        return ", ".join(f"{y}: {fmt_percent(v, digits=0, lang=lang) if share else fmt_number(v, digits=0, lang=lang)}"
                         for y, v in value)
    raise ValueError(f"unknown placeholder kind {kind!r}")


def _units_shown(value: Any, kind: str, lang: str) -> str:
    """Units by their names, each given as {"id", "vi", "en"} (``dx_metrics.units.named``): one
    ("unit"), a list ("units"), or "counted": pairs of a unit and the periods it was counted
    for, units of the same periods together ("Quý I–II/2025: Sở A, Sở B; Quý III/2025: Sở C")."""
    def name(u: object) -> str:
        return str(u.get(lang) or u.get("vi") or u.get("id")) if isinstance(u, dict) else str(u)

    if kind == "unit":
        return name(value)
    if kind == "units":
        return ", ".join(name(u) for u in value)
    groups: dict[str, list[str]] = {}
    for unit, periods in value:
        groups.setdefault(_joined_periods(periods, lang), []).append(name(unit))
    return "; ".join(f"{when}: {', '.join(units)}" for when, units in groups.items())


def _joined_periods(periods: list[str], lang: str) -> str:
    """Consecutive periods as one span ("2025-Q1", "2025-Q2" -> "6 tháng đầu năm 2025")."""
    from dx_metrics.periods import Period, parse_period

    spans = sorted((parse_period(p) for p in periods), key=lambda q: (q.start_year, q.start_month))
    out: list[Period] = []
    for p in spans:
        last = out[-1] if out else None
        if last is not None and (last.end_year * 12 + last.end_month) + 1 == p.start_year * 12 + p.start_month:
            out[-1] = Period(last.start_year, last.start_month, p.end_year, p.end_month)
        else:
            out.append(p)
    return ", ".join(fmt_period(p.label(), lang=lang) for p in out)


def render(text: str, params: dict, lang: str) -> str:
    """A template's placeholders filled with ``params`` as ``lang`` writes them."""
    return _FIELD.sub(lambda m: _shown(params.get(m.group(1)), m.group(2), params, lang), text)


def say_one(n: dict, lang: str = "vi") -> str:
    """One note in ``lang``."""
    return render(templates()[n["code"]][lang], n.get("params", {}), lang)


def say(notes: list[dict], lang: str = "vi") -> str | None:
    """Notes in ``lang``, joined by "; " (None for none)."""
    return SEPARATOR.join(say_one(n, lang) for n in notes) if notes else None


def placeholders(code: str, lang: str) -> set[str]:
    """The figures a template uses (a test checks that both languages use the same)."""
    return {f for _, f, _, _ in string.Formatter().parse(templates()[code][lang]) if f}


def put(texts: pd.Series, codes: pd.Series, where, n: dict, *, add: bool = False) -> tuple[pd.Series, pd.Series]:
    """Set (or, with ``add``, append) the note ``n`` on the rows ``where``: its English text in
    ``texts``, its code in ``codes``."""
    texts, codes = texts.astype(object).copy(), codes.astype(object).copy()
    en = say_one(n, "en")
    for i in texts.index[pd.Series(where, index=texts.index).fillna(False).astype(bool)]:
        keep = add and pd.notna(texts[i])
        texts[i] = f"{texts[i]}{SEPARATOR}{en}" if keep else en
        codes[i] = encode((decode(codes[i]) if keep else []) + [n])
    return texts.astype("string"), codes.astype("string")
