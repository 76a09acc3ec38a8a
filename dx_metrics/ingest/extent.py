"""What an .xlsx sheet really holds, found before any reader allocates it.

A reader that builds a dense grid (calamine does) asks for rows × columns cells of the
occupied box: one value in ``XFD1048576`` of a 5 kB file is 17 billion cells and kills the
process. ``scan_xlsx`` streams each sheet's XML once, without building cells, and returns
for each sheet: its visibility, the occupied box, the cells far outside the table (strays),
and the formula cells saved without a result (which every reader would read as blank).
``table_box`` decides which box to read: the whole sheet when it is within the cell budget,
the table without far stray cells otherwise; a table that is itself over the budget is
refused by the caller.

The cell budget is ``DX_METRICS_MAX_CELLS`` (default 5,000,000 cells: a 400,000-row
export of 12 columns; a dense grid of that size takes about 1 GB in pandas).
"""
from __future__ import annotations

import os
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree

DEFAULT_MAX_CELLS = 5_000_000
FAR_ROWS = 1_000        # a run of this many empty rows ends a table; cells beyond it are strays
FAR_COLUMNS = 50        # likewise for empty columns

# a cell element, with or without a namespace prefix (x:c) and with its attributes in any order
_C = rb'<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br="'
_CELL = re.compile(_C + rb'([A-Z]{1,3})([0-9]{1,7})"[^>]*?(/?)>')
# a formula saved without a result: no <v>, or an empty one, unless the result is an empty text
_FORMULA_NO_VALUE = re.compile(
    _C + rb'([A-Z]{1,3}[0-9]{1,7})"(?![^>]*\bt="(?:str|inlineStr)")[^>]*>\s*<(?:[\w.-]+:)?f[^>]*?'
    rb'(?:/>|>[^<]*</(?:[\w.-]+:)?f>)\s*(?:<(?:[\w.-]+:)?v\s*/>|<(?:[\w.-]+:)?v>\s*</(?:[\w.-]+:)?v>)?\s*'
    rb'</(?:[\w.-]+:)?c>')
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}


def max_cells() -> int:
    try:
        return max(1, int(os.environ.get("DX_METRICS_MAX_CELLS", DEFAULT_MAX_CELLS)))
    except ValueError:
        return DEFAULT_MAX_CELLS


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


@dataclass
class SheetExtent:
    name: str
    state: str = "visible"                              # visible | hidden | veryHidden
    last_row: int = 0                                   # of the occupied box, counted from A1
    last_col: int = 0
    formulas_without_value: list[str] = field(default_factory=list)   # "B4", ...
    xml: str | None = None

    @property
    def cells(self) -> int:
        return self.last_row * self.last_col


def _sheet_paths(z: zipfile.ZipFile) -> list[tuple[str, str, str]]:
    """(name, state, xml path) of each sheet, in workbook order."""
    wb = ElementTree.fromstring(z.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels}
    out = []
    for s in wb.iterfind("m:sheets/m:sheet", _NS):
        t = target.get(s.get(f"{{{_NS['r']}}}id"), "")
        path = t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join("xl", t))
        out.append((s.get("name"), s.get("state") or "visible", path))
    return out


def _chunks(z: zipfile.ZipFile, xml: str):
    """The sheet's XML in pieces, each ending before a cell element, so no cell is split
    between two pieces: whole when it is under 256 MB, else about 4 MB at a time."""
    if z.getinfo(xml).file_size < 256 << 20:
        yield z.read(xml)
        return
    with z.open(xml) as f:
        tail = b""
        while chunk := f.read(1 << 22):
            data = tail + chunk
            cut = max(data.rfind(b"<c "), data.rfind(b":c "))
            cut = data.rfind(b"<", 0, cut + 1) if cut > 0 else -1
            if cut <= 0:
                cut = len(data)
            yield data[:cut]
            tail = data[cut:]
        if tail:
            yield tail


_ROW = re.compile(rb'[<:]row\s[^>]*?\br="([0-9]{1,7})"')


def _wider_than(letters: str, *, general: bool) -> re.Pattern:
    """A pattern for a cell reference whose column is beyond ``letters`` ("L": M..Z, AA..XFD)."""
    alts = [f"[A-Z]{{{len(letters) + 1},3}}"] if len(letters) < 3 else []
    for i, ch in enumerate(letters):
        if ch != "Z":
            alts.append(letters[:i] + f"[{chr(ord(ch) + 1)}-Z]" + "[A-Z]" * (len(letters) - i - 1))
    return re.compile((_C if general else _C_PLAIN) + rb'(?:' + "|".join(alts).encode() + rb')[0-9]')


_C_PLAIN = rb'<c r="'           # how Excel, openpyxl, calamine's own tests and most exporters write a cell
_REF = re.compile(rb'\br="([A-Z]{1,3})[0-9]')
_NOT_PLAIN = re.compile(rb'<c (?!r=")')
_ROW_NOT_PLAIN = re.compile(rb'<row (?!r=")')


def _widest(body: bytes, widest: str) -> str:
    """The widest column in ``body`` if wider than ``widest``: each search looks only for a
    wider column, so a sheet of 12 columns costs 12 searches, not one step per cell. Cells
    written another way (attributes in another order, a namespace prefix) take the general
    pattern, which is slower."""
    general = b":c " in body or _NOT_PLAIN.search(body) is not None
    pos = 0
    while True:
        pattern = _wider_than(widest, general=general) if widest else re.compile(
            (_C if general else _C_PLAIN) + rb'[A-Z]')
        m = pattern.search(body, pos)
        if m is None:
            return widest
        letters = _REF.search(body, m.start()).group(1).decode()
        if not widest or column_number(letters) > column_number(widest):
            widest = letters
        pos = m.start() + 1


def scan_xlsx(path) -> dict[str, SheetExtent]:
    """Every sheet's occupied box and formulas without a saved result, read from the XML
    without building any cell; the last row comes from the row elements. Scanned once per
    file version: ``validate`` guesses the kind, then reads, from the same scan."""
    st = os.stat(path)
    return _scan(str(Path(path).resolve()), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=16)
def _scan(path: str, mtime_ns: int, size: int) -> dict[str, SheetExtent]:
    out: dict[str, SheetExtent] = {}
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        for name, state, xml in _sheet_paths(z):
            ext = out[name] = SheetExtent(name, state, xml=xml)
            if xml not in names:
                continue
            widest = ""
            for body in _chunks(z, xml):
                widest = _widest(body, widest)
                last = max(body.rfind(b"<row "), body.rfind(b":row "))
                hit = _ROW.match(body, last) if last >= 0 else None
                if hit:
                    ext.last_row = max(ext.last_row, int(hit.group(1)))
                    # rows are written in order; one out of order with more digits is caught here
                    digits = len(str(ext.last_row)) + 1
                    plain = b":row " not in body and _ROW_NOT_PLAIN.search(body) is None
                    longer = re.search((rb'<row r="[0-9]{%d,}"' if plain else
                                        rb'[<:]row\s[^>]*?\br="[0-9]{%d,}"') % digits, body)
                    if longer:
                        ext.last_row = max(ext.last_row, max(int(r) for r in _ROW.findall(body)))
                if b"f>" in body:     # </f>, <f>, <x:f>: a sheet with formulas (one scan, not three)
                    ext.formulas_without_value += [m.decode() for m in _FORMULA_NO_VALUE.findall(body)]
            ext.last_col = column_number(widest) if widest else 0
            if ext.last_col and not ext.last_row:     # cells outside <row r=...> elements
                ext.last_row = 1
    return out


def cells_by_row(path, ext: SheetExtent) -> tuple[dict[int, int], dict[int, int]]:
    """For a sheet over the budget: the last column holding a value in each row, and the
    first row holding a value in each column (empty styled cells do not count)."""
    row_last: dict[int, int] = {}
    col_first: dict[int, int] = {}
    with zipfile.ZipFile(path) as z:
        for body in _chunks(z, ext.xml):
            for col, row, empty in _CELL.findall(body):
                if empty:
                    continue
                r, c = int(row), column_number(col.decode())
                if c > row_last.get(r, 0):
                    row_last[r] = c
                if r < col_first.get(c, r + 1):
                    col_first[c] = r
    return row_last, col_first


def _first_gap(values: list[int], gap: int) -> int:
    """The last value before the first run of more than ``gap`` missing values."""
    last = 0
    for v in sorted(set(values)):
        if v - last > gap and last > 0:
            break
        last = v
    return last


def table_box(path, ext: SheetExtent) -> tuple[int, int, list[str]]:
    """(rows, columns) to read from A1, and the addresses of far stray cells left out
    (the farthest cell of each stray row, and the first cell of each stray column)."""
    if ext.cells <= max_cells():
        return ext.last_row, ext.last_col, []
    row_last, col_first = cells_by_row(path, ext)
    last_row = _first_gap(list(row_last), FAR_ROWS)
    last_col = _first_gap([c for c, r in col_first.items() if r <= last_row], FAR_COLUMNS)
    strays = [f"{column_letters(c)}{r}" for r, c in sorted(row_last.items()) if r > last_row]
    strays += [f"{column_letters(c)}{r}" for c, r in sorted(col_first.items()) if c > last_col and r <= last_row]
    return last_row, last_col, strays
