"""The unit registry: ids, names, parents, lineage; and unit names resolved in context.

The bundled registry (``dx_metrics/reference/units.csv``, package data) lists provinces,
ministries and their units with official names and the variants seen in exports
(``name_variants``, separated by "|"). A workspace's own ``units.csv`` (same columns) is
merged over it with ``set_overlay``: its rows win, and each conflict is reported.

Matching folds diacritics, case and punctuation and reads official short forms
("TP.", "UBND tỉnh", "TT.Huế", "BRVT": ``reference/unit_names.yaml``). A generic division name
("Văn phòng Sở", "Thanh tra Sở", "Bộ phận Một cửa") is resolved only among the direct
children of the file's *scope* (its issuing body, from the title rows, or the plan's unit)
and of the bodies above it, never by the first registry row that bears it (a sibling
department's office is never found). A name that still fits several units is an error
listing them. A name the registry lacks, in a file with a scope, becomes a *provisional*
unit under the scope (id ``<scope>~<folded_name>``), so the scope's total still counts it.
"""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
from dataclasses import dataclass, field
import functools
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from dx_metrics import notes, safe_yaml
from dx_metrics.errors import WARNING, DxDataError, Problem
from dx_metrics.registry import catalog
from dx_metrics.text import clean_label, code_points, fold, hidden_characters, lookalike_letters, shown_with_hidden

COLUMNS = ["unit_id", "name_vi", "name_en", "kind", "parent_id", "valid_from", "valid_to",
           "successor_id", "name_variants"]
OPTIONAL = ["codes", "groups"]    # published codes (ISO3, the portal's H12) and groups (asean, un_member), "|"-separated
PROVISIONAL = "~"           # <scope id>~<folded name>: a unit the registry lacks, under its scope
REGISTRY_HINT = "add it to units.csv in your workspace ('dx-metrics units suggest FILE' prints the rows)"

_overlay: Path | None = None
_replaced: list = []                      # warnings: the bundled rows the overlay in force replaces
_overlay_digest: str | None = None        # of the overlay's bytes when it was put in force
_checked: dict[tuple[Path, str | None], list] = {}   # an overlay's check (the rows it replaces), once per content
_provisional_names: dict[str, str] = {}   # provisional id -> the name as written in the export

# A units.csv is written for people to open in Excel or LibreOffice ('units suggest --write'). A
# cell starting with "=", "+", "-" or "@" is a formula there ("=cmd|' /C calc'!A0" starts a
# program through DDE), and some importers skip a leading tab or carriage return and then see one.
# Such a cell is written with a leading apostrophe, the spreadsheets' own mark for "text as typed"
# (OWASP's advice against CSV injection): it is never evaluated, and shows the text. Quoting the
# field ("=1+2" in double quotes) would not do: CSV quotes are gone once the file is parsed.
# The apostrophe is ours: reading units.csv takes one away again, and a text that starts with an
# apostrophe itself is written with one more, so what is written is read back exactly.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A text as a cell of a CSV file people open in a spreadsheet: never a formula.

    >>> csv_cell("=cmd|' /C calc'!A0"), csv_cell("Phòng A"), csv_cell("'quoted")
    ("'=cmd|' /C calc'!A0", 'Phòng A', "''quoted")
    """
    return "'" + text if text.startswith(FORMULA_STARTS + ("'",)) else text


def from_csv_cell(text: str) -> str:
    """A cell ``csv_cell`` wrote, as the text it stands for (other cells as they are).

    >>> from_csv_cell("'=cmd|' /C calc'!A0"), from_csv_cell("''quoted"), from_csv_cell("'Phòng")
    ("=cmd|' /C calc'!A0", "'quoted", "'Phòng")
    """
    return text[1:] if text[:1] == "'" and text[1:2] and text[1] in "=+-@\t\r'" else text


def bundled_file():
    return resources.files("dx_metrics.reference").joinpath("units.csv")


def set_overlay(path: str | Path | None) -> list[str]:
    """Use ``path`` (a workspace's ``units.csv``) over the bundled registry from now on
    (None: the bundled registry alone). The file is checked first (``_read``, then its ids,
    parents and successors against the bundled rows): a ``DxDataError`` names each problem
    with the file, line and column, and the registry in force stays as it was. Returns one
    line per bundled row it replaces (``replaced_rows`` keeps them as problems for reports)."""
    global _overlay, _replaced, _overlay_digest
    path = Path(path).resolve() if path is not None else None
    if path is not None and not path.is_file():
        raise FileNotFoundError(f"no unit registry at {path}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path is not None else None
    if path is not None and (path, digest) not in _checked:
        _checked[(path, digest)] = _check_overlay(path)
    _overlay, _overlay_digest = path, digest
    _replaced = _checked[(path, digest)] if path is not None else []
    return replaced_notes()


def overlay_changed() -> bool:
    """Whether the overlay in force was edited (or removed) since it was put in force."""
    if _overlay is None:
        return False
    try:
        return hashlib.sha256(_overlay.read_bytes()).hexdigest() != _overlay_digest
    except OSError:
        return True


def replaced_rows() -> list[Problem]:
    """A warning per bundled row the workspace's ``units.csv`` in force replaces (at its line),
    which a report lists in its data quality."""
    return list(_replaced)


def replaced_notes() -> list[str]:
    """``replaced_rows`` as the command line says them."""
    return [f"{Path(p.file).name}: {p.params['unit']} replaces the bundled row ({p.params['columns']} differ)"
            for p in _replaced]


def _check_overlay(path: Path) -> list[Problem]:
    """``path`` read and checked with the bundled rows: the bundled rows it replaces (warnings),
    or a ``DxDataError`` for rows that cannot be used: a parent or successor that is no unit, a
    unit under itself (parents in a cycle)."""
    bundled = _read(None).set_index("unit_id")
    problems: list[Problem] = []
    ours, lines = _read_lined(path, problems)
    name = str(path)
    merged = pd.concat([bundled.reset_index()[~bundled.index.isin(ours["unit_id"])], ours], ignore_index=True)
    known = set(merged["unit_id"])
    for row in ours.itertuples(index=False):
        for column in ("parent_id", "successor_id"):
            other = getattr(row, column)
            if pd.notna(other) and other not in known:
                close = difflib.get_close_matches(str(other), sorted(known), n=1)
                problems.append(Problem(file=name, row=lines[row.unit_id], column=column, value=other, reason="overlay",
                                        code="overlay_no_such_unit", message="",
                                        hint_code="overlay_unit_did_you_mean" if close else "overlay_add_unit_row",
                                        params={"shown": repr(other), "suggestion": repr(close[0]) if close else ""}))
    for column in ("parent_id", "successor_id"):
        for cycle in _cycles(dict(zip(merged["unit_id"], merged[column])), ours["unit_id"]):
            first = next(u for u in cycle if u in lines)
            where = ", ".join(f"{u} on line {lines[u]}" if u in lines else f"{u} (bundled)" for u in cycle)
            where_vi = ", ".join(f"{u} ở dòng {lines[u]}" if u in lines else f"{u} (danh mục đi kèm)" for u in cycle)
            problems.append(Problem(file=name, row=lines[first], column=column, value=first, reason="overlay",
                                    code="overlay_under_itself" if column == "parent_id" else "overlay_succeeds_itself",
                                    message="", hint_code="overlay_break_circle",
                                    params={"column": column, "chain": " → ".join([*cycle, cycle[0]]), "where": where,
                                            "where_vi": where_vi}))
    if problems:
        raise DxDataError(sorted(problems, key=lambda p: p.row or 0))
    replaced = []
    for uid in ours["unit_id"][ours["unit_id"].isin(bundled.index)]:
        mine = ours.set_index("unit_id").loc[uid]
        changed = [c for c in COLUMNS[1:] + OPTIONAL if str(mine[c]) != str(bundled.at[uid, c])]
        if changed:
            replaced.append(Problem(file=name, row=lines[uid], column="unit_id", value=uid, severity=WARNING,
                                    reason="overlay", code="replaces_bundled_unit", message="",
                                    params={"unit": uid, "columns": ", ".join(changed)}))
    return replaced


def _cycles(links: dict, start: pd.Series) -> list[list[str]]:
    """The cycles of ``links`` (unit -> parent, or unit -> successor) reached from ``start``, each once."""
    found: dict[frozenset, list[str]] = {}
    for uid in start:
        path: list[str] = []
        current = uid
        while isinstance(current, str) and current not in path:
            path.append(current)
            nxt = links.get(current)
            current = nxt if isinstance(nxt, str) else None
        if isinstance(current, str):
            cycle = path[path.index(current):]
            found.setdefault(frozenset(cycle), cycle)
    return list(found.values())


def overlay() -> Path | None:
    return _overlay


def _per_registry(maxsize: int):
    """``lru_cache`` keyed also by the registry in force (the overlay and its digest): a switch
    between workspaces' registries (a context applied for a block, then the one before it) finds
    each one's tables built, and an edited overlay gets its own."""
    def cached(fn):
        @lru_cache(maxsize=maxsize)
        def keyed(_registry: tuple, *args):
            return fn(*args)

        @functools.wraps(fn)
        def wrapper(*args):
            return keyed((_overlay, _overlay_digest), *args)

        wrapper.cache_clear = keyed.cache_clear       # type: ignore[attr-defined]
        return wrapper
    return cached


def _clear() -> None:
    for f in (load_units, _name_index, _markers, _children, _parents, ancestors, is_specific, _resolve):
        f.cache_clear()


def registry_digest() -> str:
    """Changes whenever the registry in force changes (for cache keys)."""
    h = hashlib.sha256(bundled_file().read_bytes())
    if _overlay is not None:
        h.update(_overlay.read_bytes())
    h.update(resources.files("dx_metrics.reference").joinpath("unit_names.yaml").read_bytes())
    return h.hexdigest()[:16]


MAX_BYTES = 20_000_000      # every unit of the country is a few hundred kB; past this no registry


def _read(path: Path | None) -> pd.DataFrame:
    return _read_lined(path)[0]


def _read_lined(path: Path | None, found: list[Problem] | None = None) -> tuple[pd.DataFrame, dict[str, int]]:
    """A registry file (None: the bundled one; else a workspace's ``units.csv``) as the
    ``units`` columns, and the line each unit_id is on. Every problem (not UTF-8, not CSV, a
    column missing or unknown, a row with a field too many, an empty or repeated unit_id, a
    date that is none, a name with hidden or look-alike characters) is collected with the
    file, the line and the column, and raised once as a ``DxDataError`` (or, for the problems
    of rows, added to ``found`` when given: the rows that can be used are returned)."""
    name = "dx_metrics/reference/units.csv" if path is None else str(path)
    problems: list[Problem] = [] if found is None else found

    def bad(code: str, *, line: int | None = None, column: str | None = None, value: object = None,
            hint_code: str | None = None, **params) -> None:
        problems.append(Problem(file=name, row=line, column=column, value=value, code=code, message="",
                                reason="overlay", hint_code=hint_code, params=params))

    records = _csv_records(bundled_file().read_bytes() if path is None else _capped_bytes(path, name), name)
    if not records:
        raise DxDataError([Problem(file=name, code="overlay_empty", message="", reason="overlay",
                                   hint_code="overlay_first_line_columns", params={"columns": ",".join(COLUMNS)})])
    head_line, head = records[0]
    width = len(head)             # a spreadsheet may save empty columns after the last one named
    head = [h.strip() for h in head]
    while head and not head[-1]:
        head.pop()
    missing = [c for c in COLUMNS if c not in head]
    unknown = [h for h in head if h not in COLUMNS + OPTIONAL]
    repeated = sorted({h for h in head if head.count(h) > 1})
    if missing or unknown or repeated:
        def resembling(h: str) -> str:
            close = difflib.get_close_matches(h, COLUMNS + OPTIONAL, n=1)
            return f"{h!r} (did you mean {close[0]}?)" if close else repr(h)
        said = "; ".join(x for x in (
            f"missing column(s): {', '.join(missing)}" if missing else "",
            f"unknown column(s): {', '.join(map(resembling, unknown))}" if unknown else "",
            f"column(s) named twice: {', '.join(repeated)}" if repeated else "") if x)
        said_vi = "; ".join(x for x in (
            f"thiếu cột: {', '.join(missing)}" if missing else "",
            f"cột không nhận ra: {', '.join(map(resembling, unknown))}".replace("(did you mean", "(có phải")
            if unknown else "",
            f"cột có tên hai lần: {', '.join(repeated)}" if repeated else "") if x)
        raise DxDataError([Problem(file=name, row=head_line, code="overlay_bad_header", message="", reason="overlay",
                                   hint_code="overlay_the_columns",
                                   params={"said": said, "said_vi": said_vi, "columns": ",".join(COLUMNS),
                                           "optional": " and ".join(OPTIONAL), "optional_vi": " và ".join(OPTIONAL)})])
    rows, lines = [], {}
    for line, fields in records[1:]:
        if len(fields) > width or any(f.strip() for f in fields[len(head):]):
            bad("overlay_extra_fields", line=line, hint_code="overlay_quote_name", fields=len(fields), width=len(head))
            continue
        cells = {h: from_csv_cell(f.strip()) for h, f in zip(head, fields)}
        row = {c: cells.get(c) or None for c in COLUMNS + OPTIONAL}
        uid = row["unit_id"]
        if uid is None:
            bad("overlay_no_unit_id", line=line, column="unit_id", hint_code="overlay_give_unit_id")
            continue
        if uid in lines:
            bad("overlay_unit_id_twice", line=line, column="unit_id", value=uid, hint_code="overlay_one_row_per_unit",
                shown=repr(uid), first=lines[uid])
            continue
        for c in ("valid_from", "valid_to"):
            if row[c] is not None and not _is_date(row[c]):
                bad("overlay_not_iso_date", line=line, column=c, value=row[c], hint_code="overlay_write_iso_date",
                    shown=repr(row[c]))
                row[c] = None
        if row["valid_from"] and row["valid_to"] and row["valid_from"] > row["valid_to"]:
            bad("overlay_from_after_to", line=line, column="valid_to", start=row["valid_from"], end=row["valid_to"])
        for c in ("unit_id", "name_vi", "name_en", "name_variants", "parent_id", "successor_id", "codes"):
            text = row[c]
            if text is None:
                continue
            if hidden_characters(text):
                bad("overlay_hidden_characters", line=line, column=c, value=shown_with_hidden(text),
                    hint_code="overlay_delete_hidden", chars=code_points(hidden_characters(text)))
            elif lookalike_letters(text):
                bad("overlay_lookalike_letters", line=line, column=c, value=text, hint_code="overlay_retype_letters",
                    chars=code_points(lookalike_letters(text)))
        lines[uid] = line
        rows.append(row)
    if problems and found is None:
        raise DxDataError(problems)
    df = pd.DataFrame(rows, columns=COLUMNS + OPTIONAL).astype("string")
    for c in ("valid_from", "valid_to"):
        df[c] = pd.to_datetime(df[c], format="%Y-%m-%d")
    return df, lines


def _capped_bytes(path: Path, name: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise DxDataError([Problem(file=name, reason="overlay", code="overlay_too_large", message="",
                                       params={"size": size, "most": MAX_BYTES})])
        return path.read_bytes()
    except OSError as e:
        raise DxDataError([Problem(file=name, reason="overlay", code="overlay_unreadable", message="",
                                   params={"reason": str(e.strerror or e)})]) \
            from None


def _csv_records(data: bytes, name: str) -> list[tuple[int, list[str]]]:
    """The non-empty records of a CSV file, each with the line it starts on."""
    def refuse(code: str, line: int | None = None, hint_code: str | None = "overlay_save_utf8", **params):
        return DxDataError([Problem(file=name, row=line, code=code, message="", reason="overlay", hint_code=hint_code,
                                    params=params)])

    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise refuse("overlay_utf16")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise refuse("overlay_not_utf8", line, byte=f"{data[e.start]:02X}", at=line) from None
    if "\x00" in text:
        raise refuse("overlay_nul", text[:text.index("\x00")].count("\n") + 1)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    out, last = [], 0
    try:
        for fields in reader:
            if any(f.strip() for f in fields):
                out.append((last + 1, fields))
            last = reader.line_num
    except csv.Error as e:
        raise refuse("overlay_not_csv", reader.line_num, hint_code="overlay_quote_values", at=reader.line_num,
                     error=str(e)) \
            from None
    return out


def _is_date(text: str) -> bool:
    try:
        return dt.date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


@_per_registry(maxsize=4)  # pragma: no mutate
def load_units() -> pd.DataFrame:
    """The registry in force (bundled, with the workspace's rows over it), with the
    ``units`` columns of DESIGN.md."""
    df = _read(None)
    if _overlay is not None:
        ours = _read(_overlay)
        df = pd.concat([df[~df["unit_id"].isin(ours["unit_id"])], ours], ignore_index=True)
    return df


@lru_cache(maxsize=1)
def _vocabulary() -> dict:
    return safe_yaml.load_package_data("dx_metrics.reference", "unit_names.yaml")


@lru_cache(maxsize=65536)
def unit_key(name: object) -> str:
    """The matching key of a unit name: folded, issuer words dropped, short forms spelled out.

    >>> unit_key("UBND tỉnh Bạc Liêu"), unit_key("Tp.HCM"), unit_key("TT.Huế")
    ('tinh bac lieu', 'thanh pho ho chi minh', 'thua thien hue')
    """
    v = _vocabulary()
    words = fold(name).split()
    for issuer in v["issuer_prefixes"]:
        n = len(issuer.split())
        if words[:n] == issuer.split() and len(words) > n:
            words = words[n:]
            break
    for short, full in sorted(v["abbreviations"].items(), key=lambda kv: -len(kv[0].split())):
        sw, n = short.split(), len(short.split())
        i = 0
        while i + n <= len(words):
            if words[i:i + n] == sw:
                words[i:i + n] = full.split()
                i += len(full.split())
            else:
                i += 1
    for short, full in v["prefixes"].items():
        n = len(short.split())
        if words[:n] == short.split():
            words = full.split() + words[n:]
            break
    return " ".join(words)


@_per_registry(maxsize=4)  # pragma: no mutate
def _markers() -> tuple[tuple[str, ...], ...]:
    """Word sequences that make a name specific: province names, ministry names, "viet nam"."""
    units = load_units()
    out = {("viet", "nam")}
    for row in units.itertuples(index=False):
        names = [row.name_vi] + (str(row.name_variants).split("|") if pd.notna(row.name_variants) else [])
        if row.kind == "province":
            for name in names:
                key = unit_key(name).split()
                if key[:2] == ["thanh", "pho"]:
                    key = key[2:]
                elif key[:1] == ["tinh"]:
                    key = key[1:]
                if len(key) >= 2:      # "Huế", "Hue" alone are too short to mark a name
                    out.add(tuple(key))
        elif row.kind in ("ministry", "ministerial_agency", "government_agency"):
            out.update(tuple(unit_key(n).split()) for n in names if len(unit_key(n).split()) >= 2)
    return tuple(sorted(out))


@_per_registry(maxsize=65536)  # pragma: no mutate
def is_specific(name: object) -> bool:
    """True when a name says whose unit it is: it names a province, a ministry or "Việt Nam"."""
    words = unit_key(name).split()
    return any(tuple(words[i:i + len(m)]) == m for m in _markers() for i in range(len(words) - len(m) + 1))


def is_generic(name: object) -> bool:
    """True for a division name any body can have ("Văn phòng Sở", "Sở Giao thông vận tải"
    in a province's file): it starts with a generic word and names no province, ministry or
    "Việt Nam"."""
    words = unit_key(name).split()
    if not any(words[:len(p.split())] == p.split() for p in _vocabulary()["generic_prefixes"]):
        return False
    return not is_specific(name)


@dataclass(frozen=True)
class Bearer:
    unit_id: str
    valid_from: object
    valid_to: object
    parent_id: str | None

    def valid(self, at) -> bool:
        return at is None or pd.isna(at) or ((pd.isna(self.valid_from) or self.valid_from <= at)
                                             and (pd.isna(self.valid_to) or self.valid_to >= at))


@_per_registry(maxsize=4)  # pragma: no mutate
def _name_index() -> dict[str, list[Bearer]]:
    """Name key -> the units that bear it, in registry order."""
    units = load_units()
    aliases = _vocabulary().get("aliases") or {}     # other names by unit_id (unit_names.yaml)
    index: dict[str, list[Bearer]] = {}
    for row in units.itertuples(index=False):
        names = [row.name_vi, row.unit_id] + (str(row.name_variants).split("|") if pd.notna(row.name_variants) else [])
        names += str(row.codes).split("|") if pd.notna(row.codes) else []
        names += [str(a) for a in aliases.get(row.unit_id, [])]
        bearer = Bearer(row.unit_id, row.valid_from, row.valid_to, None if pd.isna(row.parent_id) else row.parent_id)
        for name in names:
            key = unit_key(name)
            if key and all(b.unit_id != row.unit_id for b in index.get(key, [])):
                index.setdefault(key, []).append(bearer)
    return index


@_per_registry(maxsize=4)  # pragma: no mutate
def _children() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for u, p in zip(load_units()["unit_id"], load_units()["parent_id"]):
        if pd.notna(p):
            out.setdefault(str(p), []).append(str(u))
    return out


def children_during(unit_id: str, first_day, last_day) -> list[str]:
    """The registry's units directly under ``unit_id`` in force on some day from ``first_day``
    to ``last_day``, in the registry's order.

    >>> children_during("baclieu_dot", "2024-01-01", "2024-03-31")[-1]
    'baclieu_dot_inspect'
    >>> children_during("baclieu_dot", "2025-04-01", "2025-06-30")
    []
    """
    u = _registry()
    kids = [k for k in _children().get(unit_id, []) if k in u.index]
    return [k for k, keep in zip(kids, _in_force(u.loc[kids], first_day, last_day)) if keep]


def find(text: str, *, at=None) -> pd.DataFrame:
    """Registry units whose id, name or a name variant holds ``text`` (diacritics, case and
    spacing aside), the ones the text names exactly first; with ``at``, only those in force
    that day. For people looking an id up (``dx-metrics units find``).

    >>> find("Sở Giao thông vận tải tỉnh Bạc Liêu")["unit_id"].tolist()[:1]
    ['baclieu_dot']
    """
    u = load_units()
    if at is not None:
        u = u[_in_force(u, at)]
    wanted = fold(text)
    words = set(wanted.split())
    names = u["name_vi"].fillna("") + "|" + u["name_en"].fillna("") + "|" + u["name_variants"].fillna("")
    folded = [[fold(x) for x in str(n).split("|") if x] for n in names]
    exact = pd.Series([wanted in f or wanted == fold(i) for f, i in zip(folded, u["unit_id"])], index=u.index)
    # every word of the text in one of the unit's names, in any order ("so giao thong bac lieu")
    partial = pd.Series([any(words <= set(x.split()) or wanted in x for x in f) or wanted in fold(i)
                         for f, i in zip(folded, u["unit_id"])], index=u.index)
    hits = u[exact | partial].assign(_exact=exact[exact | partial])
    return hits.sort_values("_exact", ascending=False, kind="stable").drop(columns="_exact").reset_index(drop=True)


def under(unit_id: str, *, at=None) -> pd.DataFrame:
    """The registry's units directly under ``unit_id`` (in force on ``at`` when given)."""
    u = load_units()
    kids = u[u["parent_id"] == unit_id]
    return (kids[_in_force(kids, at)] if at is not None else kids).reset_index(drop=True)


def active_during(unit_id: str, first_day, last_day) -> bool:
    """Whether a unit existed on some day from ``first_day`` to ``last_day``: a registry unit by
    its validity dates, a provisional unit by its scope's; a unit the registry lacks, always.

    >>> active_during("baclieu_doc", "2025-07-01", "2025-09-30"), active_during("camau_doc", "2025-04-01", "2025-06-30")
    (False, False)
    >>> active_during("camau_doc~van_phong_so", "2025-07-01", "2025-09-30")
    True
    """
    u = _registry()
    while is_provisional(unit_id) and unit_id not in u.index:
        unit_id = provisional_parent(unit_id)
    if unit_id not in u.index:
        return True
    return bool(_in_force(u.loc[[unit_id]], first_day, last_day).iloc[0])


def _in_force(units: pd.DataFrame, first_day, last_day=None) -> pd.Series:
    """Which registry rows are in force on some day from ``first_day`` to ``last_day`` (one
    day when ``last_day`` is not given)."""
    first = pd.Timestamp(first_day)
    last = first if last_day is None else pd.Timestamp(last_day)
    starts, ends = units["valid_from"], units["valid_to"]
    return (starts.isna() | (starts <= last)) & (ends.isna() | (ends >= first))


def kind_of(unit_id: str) -> str | None:
    """The registry's kind of a unit (None for a provisional or unknown one)."""
    kinds = _registry()["kind"]
    return str(kinds[unit_id]) if unit_id in kinds.index else None


def in_group(group: str, *, at=None) -> pd.DataFrame:
    """The units of a group of the registry ("asean", "un_member", "un_region_asia" ...),
    those in force on ``at`` when given: peer groups are data, not a list in code."""
    u = load_units()
    member = u["groups"].fillna("").str.split("|").map(lambda gs: group in gs)
    if at is not None:
        at = pd.Timestamp(at)
        member &= _in_force(u, at)
    return u[member].reset_index(drop=True)


def provisional_id(scope: str, name: object) -> str:
    return f"{scope}{PROVISIONAL}{unit_key(name).replace(' ', '_')}"


def is_provisional(unit_id: object) -> bool:
    return isinstance(unit_id, str) and PROVISIONAL in unit_id


def provisional_parent(unit_id: str) -> str | None:
    return unit_id.rsplit(PROVISIONAL, 1)[0] if is_provisional(unit_id) else None


def remember_provisional(ids: pd.Series, names: pd.Series) -> None:
    """Keep the written name of each provisional unit, for labels in reports."""
    mask = ids.astype("string").str.contains(PROVISIONAL, regex=False).fillna(False).to_numpy(dtype=bool)
    if not mask.any():
        return
    pairs = pd.DataFrame({"u": ids[mask].astype(str), "n": names[mask]}).dropna().drop_duplicates("u")
    for u, n in zip(pairs["u"], pairs["n"]):
        _provisional_names.setdefault(u, clean_label(n))


@dataclass
class Resolution:
    """What a name resolves to: ``unit_id`` (registered or provisional), or why not."""
    unit_id: str | None
    status: str                               # matched | provisional | ambiguous | generic | unknown
    candidates: list[str] = field(default_factory=list)


UNREGISTERED = ("provisional", "unknown")


def unregistered(status: object) -> bool:
    """Whether a name resolved with ``status`` (a ``Resolution.status``) names a unit the
    registry lacks, one a row of units.csv settles: a provisional unit (a name under the file's
    scope) or an unknown one. An ambiguous name needs a fuller name and a generic one its
    issuing body: no new row settles either. What ``dx-metrics validate`` warns is missing from
    the registry and what ``dx-metrics units suggest`` drafts are both decided here.

    >>> [unregistered(s) for s in ("matched", "provisional", "unknown", "ambiguous", "generic", None)]
    [False, True, True, False, False, False]
    """
    return status in UNREGISTERED


def resolve(name: object, *, at=None, scope: str | None = None) -> Resolution:
    """The unit ``name`` means in a file whose scope is ``scope`` (see the module docstring)."""
    bearers = _name_index().get(unit_key(name), [])
    valid = [b for b in bearers if b.valid(at)] or bearers
    r = _resolve(name, tuple(valid), scope)      # the date matters only through the units valid then
    return Resolution(r.unit_id, r.status, list(r.candidates))


@_per_registry(maxsize=65536)  # pragma: no mutate
def _resolve(name: object, valid: tuple[Bearer, ...], scope: str | None) -> Resolution:
    generic = is_generic(name)
    if scope is not None:
        # the scope's own units first, then the units directly under each body above it
        # ("Văn phòng Bộ" in a list issued by a ministry's IT centre is the ministry's office);
        # never a sibling body's divisions (another department's "Văn phòng Sở")
        levels = [scope, *ancestors(scope)]
        for level in levels:
            under = set(_children().get(level, [])) | {level}
            if level == scope and not generic:
                under |= family(scope)      # a specific name may sit deeper (an agency's own office)
            inside = list(dict.fromkeys(b.unit_id for b in valid if b.unit_id in under))
            if len(inside) == 1:
                return Resolution(inside[0], "matched")
            if len(inside) > 1:
                return Resolution(None, "ambiguous", inside)
        # outside the scope only a name that says whose it is (a province, a ministry, "Việt
        # Nam" in it) is taken from the registry; a bare short form ("TTCNTT") is the scope's own
        if is_specific(name):
            ids = list(dict.fromkeys(b.unit_id for b in valid))
            if len(ids) == 1:
                return Resolution(ids[0], "matched")
            if len(ids) > 1:
                return Resolution(None, "ambiguous", ids)
        return Resolution(provisional_id(scope, name), "provisional")
    if generic:
        return Resolution(None, "generic", [b.unit_id for b in valid])
    ids = list(dict.fromkeys(b.unit_id for b in valid))
    if len(ids) == 1:
        return Resolution(ids[0], "matched")
    if len(ids) > 1:
        return Resolution(None, "ambiguous", ids)
    return Resolution(None, "unknown")


def resolve_each(names: pd.Series, *, at: pd.Series | None = None, scope: str | None = None) -> pd.Series:
    """A ``Resolution`` for each row (None for a blank name), each distinct name resolved
    once, or once per distinct day when a unit bearing it has dates of validity: a records
    log names a few units on hundreds of days."""
    if names.empty:
        return pd.Series([], index=names.index, dtype=object)
    codes, uniques = pd.factorize(names.astype("string"))
    dated = np.array([at is not None and _dated(name) for name in uniques], dtype=bool)
    once = [None if dated[k] else resolve(name, scope=scope) for k, name in enumerate(uniques)]
    resolved = np.array([*once, None], dtype=object)[codes]          # code -1 (blank) -> None
    rows = np.flatnonzero(np.append(dated, False)[codes])               # code -1 -> False
    if len(rows):
        days = pd.to_datetime(pd.Series(at, index=names.index).iloc[rows]).dt.normalize()
        blank = days.isna().to_numpy()
        day_number = np.where(blank, 0, days.to_numpy(dtype="datetime64[D]").astype(np.int64))
        # what a name means changes only on the days a unit bearing it starts or ends: each
        # name is resolved once per stretch between those days (a log of a year's dossiers
        # names 63 provinces on 365 days: 63 resolutions, not 23.000), and once for blank dates
        row_codes = codes[rows].astype(np.int64)
        stretch = np.full(len(rows), -1, dtype=np.int64)
        for k in np.unique(row_codes):
            mine = row_codes == k
            stretch[mine] = np.searchsorted(_changes(uniques[k]), day_number[mine], side="right")
        stretch[blank] = -1
        pairs, _ = pd.factorize(row_codes * (1 << 20) + stretch + 1)
        first = pd.Series(np.arange(len(pairs))).groupby(pairs).first().to_numpy()
        each = np.array([resolve(uniques[row_codes[i]], scope=scope,
                                 at=None if blank[i] else pd.Timestamp(int(day_number[i]), unit="D"))
                         for i in first], dtype=object)
        resolved[rows] = each[pairs]
    return pd.Series(resolved, index=names.index, dtype=object)


def _changes(name: object) -> np.ndarray:
    """The days (as day numbers, sorted) on which the units bearing ``name`` start or stop
    being in force: the first day of each, the day after the last."""
    days = set()
    for b in _name_index().get(unit_key(name), []):
        if pd.notna(b.valid_from):
            days.add(pd.Timestamp(b.valid_from).normalize())
        if pd.notna(b.valid_to):
            days.add(pd.Timestamp(b.valid_to).normalize() + pd.Timedelta(days=1))
    return np.array(sorted(d.to_datetime64().astype("datetime64[D]").astype(np.int64) for d in days),
                    dtype=np.int64)


def _dated(name: object) -> bool:
    """Whether what ``name`` means depends on the day: a unit bearing it has dates of validity."""
    return any(pd.notna(b.valid_from) or pd.notna(b.valid_to) for b in _name_index().get(unit_key(name), []))


def match_units(names: pd.Series, *, at: pd.Series | None = None, scope: str | None = None) -> pd.Series:
    """``unit_id`` for each name as written (registered, or provisional under ``scope``),
    missing where the name does not resolve to one unit. A name borne by several units over
    time ("Tỉnh Cà Mau" before and after 1 July 2025) goes to the unit valid on the row's
    date ``at``."""
    found = resolve_each(names, at=at, scope=scope)
    return found.map(lambda r: r.unit_id if r is not None else None).astype("string")


@dataclass(frozen=True)
class Scope:
    unit_id: str
    name: str             # as written in the title rows (or the registry's name)
    provisional: bool


_ISSUER_STARTS = ("so", "bo", "cuc", "tong cuc", "van phong", "trung tam", "ban", "chi cuc", "thanh tra", "tinh",
                  "thanh pho", "ubnd", "uy ban nhan dan")
_NOT_ISSUERS = ("bao cao", "cong hoa", "doc lap", "ky bao cao", "bieu", "so lieu", "tinh hinh", "tinh den",
                "thong ke", "danh sach", "ket qua", "tong hop")


def title_scopes(cells: list[str], *, at=None, hint: str | None = None) -> list[Scope]:
    """The bodies named in a file's title cells, outermost first ("UBND TỈNH CÀ MAU", then
    "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"): each is resolved under the one before it. A body the
    registry lacks is a provisional unit under the last one found. ``hint`` (the plan's
    unit) stands above a generic first line ("SỞ GIAO THÔNG VẬN TẢI" alone)."""
    chain: list[Scope] = []
    for text in cells:
        if not _may_issue(text):
            continue
        parent = chain[-1].unit_id if chain else (hint if is_generic(text) else None)
        r = resolve(text, at=at, scope=parent)
        if r.status == "matched":
            if chain and r.unit_id == chain[-1].unit_id:
                continue
            chain.append(Scope(r.unit_id, clean_label(text), False))
        elif r.status == "provisional" and parent is not None:
            chain.append(Scope(r.unit_id, clean_label(text), True))
        elif r.status == "unknown" and parent is None and fold(text).startswith(("so ", "bo ", "cuc ", "tong cuc ")):
            chain.append(Scope(provisional_id("", text), clean_label(text), True))
    for sc in chain:
        if sc.provisional:
            _provisional_names.setdefault(sc.unit_id, sc.name)
    return chain


def _may_issue(text: str) -> bool:
    """Whether a title cell reads as the name of an issuing body ("SỞ GIAO THÔNG VẬN TẢI")."""
    key = fold(text)
    if not key or len(key) > 90 or key.startswith(_NOT_ISSUERS) or any(ch.isdigit() for ch in key):
        return False      # a body's name has no digits: "Số: 45/BC-UBND" is a document number
    return any(key == s or key.startswith(s + " ") for s in _ISSUER_STARTS)


def names_an_issuer(cells: list[str]) -> bool:
    """Whether any title cell may name the body that issued the file (whatever the scope)."""
    return any(_may_issue(text) for text in cells)


def choose_scope(chain: list[Scope], names: list[str], *, at=None, hint: str | None = None) -> Scope | None:
    """The body whose units a table lists: of the title's bodies, the deepest one under
    which the most names resolve ("BỘ GIAO THÔNG VẬN TẢI / TRUNG TÂM CNTT" over the
    ministry's agencies is the ministry's table, prepared by its IT centre)."""
    if not chain:
        return None
    best, best_count = chain[-1], -1
    if hint is not None and not chain[-1].provisional and hint != chain[-1].unit_id \
            and chain[-1].unit_id in ancestors(hint):
        # the title names a province or ministry; the plan's department under it may be the lister
        chain = [*chain, Scope(hint, str(unit_names(pd.Series([hint])).iloc[0]), False)]
    for sc in reversed(chain):
        under = family(sc.unit_id)
        # resolve() takes a division name every body has only as a direct child of the scope
        count = sum(1 for n in names if resolve(n, at=at, scope=sc.unit_id).unit_id in under)
        if sc.unit_id == hint:
            count += 0.5       # the plan's own unit wins a tie with the body above it
        if count > best_count:
            best, best_count = sc, count
    return best


def unit_names(ids: pd.Series, *, lang: str = "vi") -> pd.Series:
    """Official names for unit ids; a provisional unit's name as written in its export,
    marked as provisional; the id itself where nothing is known."""
    units = load_units().set_index("unit_id")
    col = "name_en" if lang == "en" else "name_vi"
    mark = " (provisional)" if lang == "en" else " (tạm)"
    prov = ids.map(lambda u: _provisional_names[u] + mark if u in _provisional_names else None)
    return ids.map(units[col].fillna(units["name_vi"])).fillna(prov).fillna(ids).astype("string")


def named(unit_id: str) -> dict:
    """A unit as notes name it in either language: {"id", "vi", "en"}."""
    ids = pd.Series([unit_id], dtype="string")
    return {"id": unit_id, "vi": str(unit_names(ids, lang="vi").iloc[0]), "en": str(unit_names(ids, lang="en").iloc[0])}


def _registry() -> pd.DataFrame:
    return load_units().set_index("unit_id")


def valid_at(at: str | pd.Timestamp, *, kind: str | None = None) -> pd.DataFrame:
    """The units in force on date ``at`` (optionally of one kind)."""
    at = pd.Timestamp(at)
    u = load_units()
    ok = _in_force(u, at)
    if kind is not None:
        ok &= u["kind"] == kind
    return u[ok].reset_index(drop=True)


def successor_at(unit_id: str, at: str | pd.Timestamp) -> str:
    """The unit that carries ``unit_id`` on date ``at``: follow successors while it has ended.

    A unit unknown to the registry is its own successor.
    """
    at = pd.Timestamp(at)
    reg = _registry()
    seen = set()
    current = unit_id
    while current in reg.index and current not in seen:
        seen.add(current)
        row = reg.loc[current]
        if pd.isna(row["valid_to"]) or row["valid_to"] >= at or pd.isna(row["successor_id"]):
            return current
        current = str(row["successor_id"])
    return current


def to_units_at(observations: pd.DataFrame, at: str | pd.Timestamp) -> pd.DataFrame:
    """Observations mapped onto the units in force on ``at``.

    Predecessors that merged into one unit add up: counts are summed, and shares are
    recomputed from their summed numerators and denominators (never averaged). A share
    reported without numerator and denominator cannot be combined with another: the
    merged value is missing, with the reason in ``note``. ``unit_id`` becomes the unit at
    ``at``; ``predecessors`` lists where the figures came from.
    """
    if observations.empty:
        return observations.assign(predecessors=pd.Series(dtype="string"))
    unit_of = catalog().set_index("indicator_id")["unit"]
    df = observations.copy()
    df["unit_at"] = [successor_at(u, at) for u in df["unit_id"]]
    rows = []
    for (iid, unit, period), g in df.groupby(["indicator_id", "unit_at", "period"], sort=True, dropna=False):
        base = {"indicator_id": iid, "unit_id": unit, "period": period,
                "predecessors": "|".join(sorted(set(g["unit_id"]))),
                "source": "|".join(sorted(set(g["source"].dropna().astype(str)))) if "source" in g else pd.NA}
        if len(g) == 1:
            r = g.iloc[0]
            rows.append({**base, "numerator": r.get("numerator"), "denominator": r.get("denominator"),
                         "value": r["value"], "note": r.get("note"), "note_codes": r.get("note_codes")})
            continue
        names = ", ".join(sorted(set(g["unit_id"])))
        if unit_of.get(iid) == "count":
            total = g["value"].sum() if g["value"].notna().all() else pd.NA   # a missing part: unknown
            rows.append({**base, "numerator": total, "denominator": pd.NA, "value": total,
                         **_noted(notes.note("merged_sum", units=names))})
        elif g["numerator"].notna().all() and g["denominator"].notna().all():
            num, den = g["numerator"].sum(), g["denominator"].sum()
            rows.append({**base, "numerator": num, "denominator": den, "value": num / den if den else pd.NA,
                         **_noted(notes.note("merged_ratio", units=names))})
        else:
            rows.append({**base, "numerator": pd.NA, "denominator": pd.NA, "value": pd.NA,
                         **_noted(notes.note("merged_cannot_combine", units=names))})
    out = pd.DataFrame(rows)
    for c in ("numerator", "denominator", "value"):
        out[c] = out[c].astype("Float64")
    for c in ("indicator_id", "unit_id", "period", "predecessors", "source", "note", "note_codes"):
        out[c] = out.get(c, pd.Series(pd.NA, index=out.index)).astype("string")
    return out


def _noted(n: dict) -> dict:
    return {"note": notes.say_one(n, "en"), "note_codes": notes.encode([n])}


def scores_at(scores: pd.DataFrame, at: str | pd.Timestamp) -> pd.DataFrame:
    """Index scores and ranks beside the unit in force on ``at``, never combined.

    Adds ``unit_at`` and a ``note`` where the scored unit is a predecessor: scores and
    ranks of merged units are shown side by side, not summed or averaged.
    """
    df = scores.copy()
    df["unit_at"] = [successor_at(u, at) for u in df["unit_id"]]
    names = unit_names(df["unit_at"])
    moved = df["unit_at"] != df["unit_id"]
    said = [_noted(notes.note("predecessor_scores", unit=str(n))) if m else {"note": pd.NA, "note_codes": pd.NA}
            for n, m in zip(names, moved)]
    df["note"] = pd.Series([s["note"] for s in said], index=df.index, dtype="string")
    df["note_codes"] = pd.Series([s["note_codes"] for s in said], index=df.index, dtype="string")
    return df


def family(unit_id: str) -> set[str]:
    """The unit and every unit under it (children, their children ...) in the registry."""
    children = _children()
    out, todo = set(), [unit_id]
    while todo:
        u = todo.pop()
        if u not in out:
            out.add(u)
            todo += children.get(u, [])
    return out


@_per_registry(maxsize=4)  # pragma: no mutate
def _parents() -> dict[str, object]:
    return dict(zip(load_units()["unit_id"], load_units()["parent_id"]))


@_per_registry(maxsize=65536)  # pragma: no mutate
def ancestors(unit_id: str) -> tuple[str, ...]:
    """The bodies above ``unit_id``, nearest first (a provisional unit's scope included)."""
    parent = _parents()
    out: list[str] = []
    current = unit_id
    while True:
        up = provisional_parent(current) if is_provisional(current) else parent.get(current)
        if up is None or pd.isna(up) or up == "" or up in out or up == unit_id:
            return tuple(out)
        out.append(str(up))
        current = str(up)


def in_family(ids: pd.Series, unit_id: str) -> pd.Series:
    """Whether each id is ``unit_id`` or under it, provisional units included."""
    fam = family(unit_id)
    return ids.isin(fam) | ids.map(lambda u: is_provisional(u) and any(
        str(u).startswith(f + PROVISIONAL) for f in fam), na_action="ignore").fillna(False).astype(bool)
