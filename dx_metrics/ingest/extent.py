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


WHOLE_BELOW = 256 << 20     # a sheet's XML under this size is scanned whole, else in pieces
PIECE = 1 << 22             # of about this size


def _chunks(z: zipfile.ZipFile, xml: str):
    """The sheet's XML in pieces, each ending before a cell or row element, so no element
    start is split between two pieces: whole when it is under ``WHOLE_BELOW``, else about
    ``PIECE`` bytes at a time."""
    if z.getinfo(xml).file_size < WHOLE_BELOW:
        yield z.read(xml)
        return
    with z.open(xml) as f:
        tail = b""
        while chunk := f.read(PIECE):
            data = tail + chunk
            cut = max(data.rfind(b"<c "), data.rfind(b":c "), data.rfind(b"<row "), data.rfind(b":row "))
            cut = data.rfind(b"<", 0, cut + 1) if cut > 0 else -1
            if cut <= 0:
                cut = len(data)
            yield data[:cut]
            tail = data[cut:]
        if tail:
            yield tail


def _up_to(top: str, low: str, high: str) -> str:
    """A regex for the strings over ``low``-``high`` that sort at or before ``top`` when
    shorter strings sort first: the column letters up to "L" ([A-L]), the row numbers up to
    48 ([0-9]|[0-3][0-9]|4[0-8])."""
    alts = [f"[{low}-{high}]{{1,{len(top) - 1}}}"] if len(top) > 1 else []
    for i, ch in enumerate(top):
        last = i == len(top) - 1
        top_ch = ch if last else chr(ord(ch) - 1)
        if top_ch >= low:
            alts.append(re.escape(top[:i]) + f"[{low}-{top_ch}]" + f"[{low}-{high}]" * (len(top) - i - 1))
    return "|".join(alts)


@lru_cache(maxsize=256)
def _cell_beyond(widest: str) -> re.Pattern:
    """A cell element that is not written plainly (``<c r="`` first) or lies beyond column ``widest``."""
    within = _up_to(widest, "A", "Z").encode() if widest else b"(?!)"
    return re.compile(rb'<c (?!r="(?:' + within + rb')[0-9])')


def _row_beyond(last_row: int) -> re.Pattern:
    """A row element that is not written plainly (``<row r="`` first) or numbered past ``last_row``."""
    within = _up_to(str(last_row), "0", "9").encode() if last_row else b"(?!)"
    return re.compile(rb'<row (?!r="(?:' + within + rb')")')


_C_PLAIN = b'<c r="'            # how Excel, openpyxl, calamine's own tests and most exporters write a cell
_REF = re.compile(rb'\br="([A-Z]{1,3})[0-9]')
_MAIN_NS = re.compile(rb'xmlns:[\w.-]+\s*=\s*["\'](?:http://schemas\.openxmlformats\.org/spreadsheetml/2006/main'
                      rb'|http://purl\.oclc\.org/ooxml/spreadsheetml/main)["\']')


def _widest(body: bytes, widest: str, *, prefixed: bool) -> str:
    """The widest column in ``body`` if wider than ``widest``. One search finds the first cell
    beyond ``widest`` or not written plainly: a sheet of 12 plain columns costs one pass and
    12 short searches, not one step per cell. Cells written another way (attributes in another
    order, a namespace prefix) make the piece be read by the general pattern, which is slower."""
    pos = 0
    while not prefixed:
        m = _cell_beyond(widest).search(body, pos)
        if m is None:
            return widest
        if not body.startswith(_C_PLAIN, m.start()):
            break                                   # written another way: the general pattern
        widest = _REF.search(body, m.start()).group(1).decode()
        pos = m.start() + 1
    columns = {col for col, _row, _empty in _CELL.findall(body)}
    return max([widest, *(c.decode() for c in columns)], key=lambda c: (len(c), c))


def _last_row(body: bytes, last_row: int, *, prefixed: bool) -> int:
    """The last row number in ``body`` if past ``last_row``. Rows are written in order, so the
    last row element usually holds it; one search checks that no row element is numbered past
    it or written another way, else every row element is read."""
    at = body.rfind(b"<row ") if not prefixed else max(body.rfind(b"<row "), body.rfind(b":row "))
    hit = _ROW.match(body, at) if at >= 0 else None
    if hit:
        last_row = max(last_row, int(hit.group(1)))
    if prefixed or _row_beyond(last_row).search(body):
        last_row = max([last_row, *(int(r) for r in _ROW.findall(body))])
    return last_row


_ROW = re.compile(rb'[<:]row\s[^>]*?\br="([0-9]{1,7})"')


def scan_xlsx(path) -> dict[str, SheetExtent]:
    """Every sheet's occupied box and formulas without a saved result, read from the XML
    without building any cell. Scanned once per file version: ``validate`` guesses the kind,
    then reads, from the same scan."""
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
            widest, prefixed = "", False
            for body in _chunks(z, xml):
                # elements with a namespace prefix ("x:c") need the main namespace bound to it
                prefixed = prefixed or (b"xmlns:" in body and _MAIN_NS.search(body) is not None)
                widest = _widest(body, widest, prefixed=prefixed)
                ext.last_row = _last_row(body, ext.last_row, prefixed=prefixed)
                # a sheet with formulas: every formula with a result to lack ends in </f> (a shared
                # formula's other cells, <f t="shared" si="0"/>, follow the one that holds it)
                if b"</f>" in body or (prefixed and b"f>" in body):
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
