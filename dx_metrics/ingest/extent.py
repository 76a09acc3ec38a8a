"""What an .xlsx workbook really holds, found before any reader allocates it.

A reader that builds a dense grid (calamine does) asks for rows × columns cells of the
occupied box: one value in ``XFD1048576`` of a 5 kB file is 17 billion cells and aborts the
process; a 10 MB file can unzip to gigabytes of text. ``scan_xlsx`` reads, as a stream, the
parts a reader will open before any reader opens them, and refuses (a located
``DxDataError``) what no reader should be handed: parts over the byte budget counted
unzipped, a text longer than any cell holds, markup that is not well-formed or declares a
DTD, a zip naming one part twice, a cell address that is not one. For each sheet it
returns its visibility, the occupied box, and the formula cells saved without a result.

Two ways to find a sheet's box, one answer:

- **plain** XML, as Excel, openpyxl and most exporters write it (every cell ``<c r="B7"``
  with only the attributes a cell has, every row ``<row r="7"``): a few regular-expression
  searches per piece find the box without visiting each cell in Python;
- anything else that is valid (a newline or a tab before ``r=``, single quotes, cells or
  rows without their optional ``r``, lower-case addresses, a namespace prefix, entities,
  UTF-16): a streaming XML parse that counts positions as SpreadsheetML defines them.
  Such a sheet is then read by openpyxl within that box (``SheetExtent.plain`` is False):
  openpyxl is pure Python, so a surprise raises an exception instead of aborting.

``table_box`` decides which box to read: the whole sheet when the workbook is within the
cell budget, the table without far stray cells otherwise; a table that is itself over the
budget is refused by the caller. Budgets: ``DX_METRICS_MAX_CELLS`` cells per workbook
(default 5,000,000: a 400,000-row export of 12 columns, about 1 GB in pandas) and
``DX_METRICS_MAX_XML_BYTES`` bytes of unzipped XML (default 1 GiB).
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
from xml.parsers import expat

from dx_metrics import settings
from dx_metrics.errors import DxDataError, Problem

# Excel holds at most 32,767 characters in a cell: 262,136 bytes of XML even if each were
# written as an 8-byte character reference. A run of text longer than this is no cell's.
MAX_TEXT_BYTES = 1_000_000
FAR_ROWS = 1_000        # a run of this many empty rows ends a table; cells beyond it are strays
FAR_COLUMNS = 50        # likewise for empty columns
MAX_ROW, MAX_COL = 1_048_576, 16_384

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}


def max_cells() -> int:
    """Cells a workbook may hold in the sheets read (``DX_METRICS_MAX_CELLS``)."""
    return settings.value("DX_METRICS_MAX_CELLS")


def max_xml_bytes() -> int:
    """Unzipped bytes of XML a workbook may hold (``DX_METRICS_MAX_XML_BYTES``)."""
    return settings.value("DX_METRICS_MAX_XML_BYTES")


def column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
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
    plain: bool = True             # written plainly: calamine may read it; else openpyxl within the box

    @property
    def cells(self) -> int:
        return self.last_row * self.last_col


def _refuse(path, message: str, *, sheet: str | None = None, reason: str = "unreadable",
            hint: str | None = "open it in Excel and save it again as .xlsx") -> DxDataError:
    return DxDataError([Problem(file=Path(path).name, sheet=sheet, message=message, reason=reason, hint=hint)])


# ----------------------------------------------------------------------------- the package

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


def _check_package(path, z: zipfile.ZipFile) -> None:
    """A zip naming one part twice (readers may take different copies), and XML parts whose
    unzipped sizes add up past the byte budget, are refused before anything is unzipped.
    A size written smaller than the part really is, is caught as each part is read (the zip
    reader stops at the written size and the checksum fails)."""
    names = [i.filename for i in z.infolist()]
    if len(names) != len(set(names)):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise _refuse(path, f"is not a valid workbook: the archive holds {', '.join(twice[:3])} more than once")
    limit = max_xml_bytes()
    total = sum(i.file_size for i in z.infolist() if i.filename.lower().endswith((".xml", ".rels")))
    if total > limit:
        raise _refuse(path, f"unzips to {total:,} bytes of XML, more than the limit of {limit:,} bytes",
                      reason="too_large",
                      hint="export the table alone (or by period), or raise DX_METRICS_MAX_XML_BYTES if the "
                           "machine has the memory")


WHOLE_BELOW = 256 << 20     # a part under this size is read whole, else in pieces
PIECE = 1 << 22             # of about this size


def _chunks(z: zipfile.ZipFile, xml: str):
    """The part's XML in pieces, each ending before a ``<`` where it can (so no element's
    start tag is split between two pieces): whole when it is under
    ``WHOLE_BELOW``, else about ``PIECE`` bytes at a time. Reading through ``zipfile`` checks
    the unzipped size and checksum against the archive's directory."""
    try:
        if z.getinfo(xml).file_size < WHOLE_BELOW:
            yield z.read(xml)
            return
        with z.open(xml) as f:
            tail = b""
            while chunk := f.read(PIECE):
                data = tail + chunk
                cut = data.rfind(b"<")
                if cut <= 0:
                    cut = len(data)
                yield data[:cut]
                tail = data[cut:]
            if tail:
                yield tail
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError) as e:
        raise zipfile.BadZipFile(str(e)) from None


class _TextRuns:
    """Finds a run of more than ``MAX_TEXT_BYTES`` bytes without a ``<`` (a text or an
    attribute value no cell could hold) across the pieces of a part, without visiting
    each byte in Python: any such run covers a whole aligned block of half that length,
    and a block holding a ``<`` is told by one ``find`` that stops at it."""

    def __init__(self) -> None:
        self.block = MAX_TEXT_BYTES // 2
        self.carry = 0          # length of the run the previous piece ended with

    def feed(self, body: bytes) -> int | None:
        """The offset in ``body`` of a run too long (counting the previous pieces), else None."""
        first = body.find(b"<")
        if first < 0:
            self.carry += len(body)
            return 0 if self.carry > MAX_TEXT_BYTES else None
        if self.carry + first > MAX_TEXT_BYTES:
            return 0
        block = self.block
        for start in range(0, len(body), block):
            if body.find(b"<", start, start + block) < 0 and start + block <= len(body):
                begin = body.rfind(b"<", 0, start) + 1
                end = body.find(b"<", start + block)
                end = len(body) if end < 0 else end
                if end - begin > MAX_TEXT_BYTES:
                    return begin
        self.carry = len(body) - body.rfind(b"<") - 1
        return None


def _check_text_part(path, z: zipfile.ZipFile, part: str) -> bool:
    """Reads a part whole through the zip (size and checksum checked) for a text no cell
    could hold; True when it is UTF-8 (as calamine expects)."""
    runs = _TextRuns()
    utf8 = True
    for i, body in enumerate(_chunks(z, part)):
        if i == 0:
            utf8 = _is_utf8(body)
        if runs.feed(body) is not None:
            raise _refuse(path, f"the part {part} holds a text of more than {MAX_TEXT_BYTES:,} bytes; "
                                f"no cell holds that much (Excel: 32.767 characters)", reason="too_large")
    return utf8


_DECLARED = re.compile(rb'^<\?xml[^>]*?encoding\s*=\s*["\']([A-Za-z0-9._-]+)["\']')


def _is_utf8(head: bytes) -> bool:
    """UTF-8 by the part's first bytes: no UTF-16/32 byte-order mark and no other encoding declared."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")) or head[:2].count(0):
        return False
    m = _DECLARED.match(head.removeprefix(b"\xef\xbb\xbf").lstrip())
    return m is None or m.group(1).lower().replace(b"_", b"-") in (b"utf-8", b"utf8")


def _shared_strings_part(z: zipfile.ZipFile) -> str | None:
    try:
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return None
    for r in rels:
        if (r.get("Type") or "").endswith("/sharedStrings"):
            t = r.get("Target") or ""
            return t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join("xl", t))
    return "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in z.namelist() else None


# ----------------------------------------------------------------------------- plain sheets

_PLAIN_CELL = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: (?:s|t|cm|vm|ph)="[^"<&]*")*/?>')
_PLAIN_ROW = re.compile(rb'<row r="([1-9][0-9]{0,6})"[ />]')
# an element named c or row under a prefix, of any namespace: calamine goes by local names
_PREFIXED = re.compile(rb'<[A-Za-z_][\w.-]*:(?:c|row)[\s/>]')
# a formula saved without a result: no <v>, or an empty one, unless the result is an empty text
_FORMULA_NO_VALUE = re.compile(
    rb'<c r="([A-Z]{1,3}[0-9]{1,7})"(?![^>]*\bt="(?:str|inlineStr)")[^>]*>\s*<f[^>]*?'
    rb'(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>')


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
def _cell_outside(cols: int, rows: int) -> re.Pattern:
    """A cell element not written plainly, or plainly but outside the box (cols × rows)."""
    within_c = _up_to(column_letters(cols), "A", "Z") if cols else "(?!)"
    within_r = _up_to(str(rows), "0", "9") if rows else "(?!)"
    return re.compile(rb'<c(?=[\s/>])(?! r="(?:' + within_c.encode() + rb')(?!0)(?:' + within_r.encode()
                      + rb')"(?: (?:s|t|cm|vm|ph)="[^"<&]*")*/?>)')


@lru_cache(maxsize=256)
def _row_outside(rows: int) -> re.Pattern:
    """A row element not written plainly, or numbered past ``rows``."""
    within = _up_to(str(rows), "0", "9") if rows else "(?!)"
    return re.compile(rb'<row(?=[\s/>])(?! r="(?!0)(?:' + within.encode() + rb')"[ />])')


def _plain_box(body: bytes, cols: int, rows: int) -> tuple[int, int] | None:
    """The box (cols, rows) grown by the cells and rows of ``body``, or None when ``body`` is
    not plain (the caller parses the sheet instead). The last cell and row of a piece
    usually give the box; one search each checks that nothing lies outside it or is
    written otherwise, and each cell or row found outside grows the box (the widths of the
    first rows, rows out of order) before searching on."""
    if b"<!" in body:               # a comment, CDATA or a DTD: anything may hide inside
        return None
    if (b":c" in body or b":row" in body) and _PREFIXED.search(body):
        return None
    if (m := _PLAIN_CELL.match(body, max(body.rfind(b'<c r="'), 0))) is not None:
        cols, rows = max(cols, column_number(m.group(1).decode())), max(rows, int(m.group(2)))
    if (m := _PLAIN_ROW.match(body, max(body.rfind(b'<row r="'), 0))) is not None:
        rows = max(rows, int(m.group(1)))
    for find, plain in ((_row_outside, _PLAIN_ROW), (_cell_outside, _PLAIN_CELL)):
        pos = 0
        for _ in range(256):
            hit = (find(rows) if find is _row_outside else find(cols, rows)).search(body, pos)
            if hit is None:
                break
            m = plain.match(body, hit.start())
            if m is None:
                return None
            if plain is _PLAIN_ROW:
                rows = max(rows, int(m.group(1)))
            else:
                cols, rows = max(cols, column_number(m.group(1).decode())), max(rows, int(m.group(2)))
            pos = hit.start()
        else:   # rows out of order, many of them: every element's number at once
            cells = _PLAIN_CELL.findall(body)
            rows = max([rows, *(int(r) for r in _PLAIN_ROW.findall(body)), *(int(r) for _c, r in cells)])
            cols = max([cols, *(column_number(c.decode()) for c, _r in cells)])
            if _row_outside(rows).search(body) or _cell_outside(cols, rows).search(body):
                return None
    if cols > MAX_COL or rows > MAX_ROW:
        return None                 # the parse says where
    return cols, rows


def _cell_at(body: bytes, offset: int) -> str | None:
    m = _PLAIN_CELL.match(body, max(body.rfind(b'<c r="', 0, offset), 0))
    return None if m is None else (m.group(1) + m.group(2)).decode()


def _scan_plain(path, z: zipfile.ZipFile, ext: SheetExtent) -> bool:
    """The box and formulas of a plainly written sheet; False (nothing set) when it is not plain."""
    cols = rows = 0
    formulas: list[str] = []
    runs = _TextRuns()
    for i, body in enumerate(_chunks(z, ext.xml)):
        if i == 0 and not _is_utf8(body):
            return False            # UTF-16 and the like: the patterns are written in bytes of UTF-8
        if (at := runs.feed(body)) is not None:
            cell = _cell_at(body, at)
            raise _refuse(path, f"{'cell ' + cell if cell else 'the sheet'} holds a text of more than "
                                f"{MAX_TEXT_BYTES:,} bytes; no cell holds that much (Excel: 32.767 characters)",
                          sheet=ext.name, reason="too_large")
        box = _plain_box(body, cols, rows)
        if box is None:
            return False
        cols, rows = box
        # a sheet with formulas: every formula with a result to lack ends in </f> (a shared
        # formula's other cells, <f t="shared" si="0"/>, follow the one that holds it)
        if b"</f>" in body:
            formulas += [m.decode() for m in _FORMULA_NO_VALUE.findall(body)]
    ext.last_row, ext.last_col, ext.formulas_without_value = rows, cols, formulas
    if ext.last_col and not ext.last_row:     # cells outside <row> elements
        ext.last_row = 1
    return True


# ----------------------------------------------------------------------------- any other sheet

_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})")
_ROW_NUMBER = re.compile(r"[0-9]{1,7}")


class _SheetParse:
    """One streaming pass over a sheet's XML, counting positions as SpreadsheetML (and
    both readers) do: a row's number is its ``r`` or the previous row's plus one; a cell's
    place is its ``r`` (any case) or the cell after the previous one in its row. The box
    takes the larger row where a cell's address and its row element disagree (calamine
    follows the cell, openpyxl the row). With ``collect``, it also records for each row the
    last column holding a value and for each column the first such row, a value being
    anything but an empty cell, a blank text or a shared string in ``blank``."""

    def __init__(self, path, sheet: str, *, collect: bool = False, blank: frozenset[int] = frozenset()):
        self.path, self.sheet, self.collect, self.blank = path, sheet, collect, blank
        self.rows = self.cols = 0
        self.row = self.col = 0
        self.in_data = False
        self.formulas: list[str] = []
        self.row_last: dict[int, int] = {}
        self.col_first: dict[int, int] = {}
        self.cell: dict | None = None       # the open cell: place, type, formula, text
        self.capture: str | None = None     # "v" or "t" while inside one
        self.depth_rph = 0                  # phonetic runs hold no value of the cell

    def refuse(self, message: str) -> DxDataError:
        return _refuse(self.path, message, sheet=self.sheet)

    def start(self, tag: str, attrs: dict) -> None:
        local = tag.rpartition("}")[2]
        if local == "sheetData":
            self.in_data = True
        elif not self.in_data:
            return
        elif local == "row":
            r = attrs.get("r")
            if r is None:
                self.row += 1
            elif _ROW_NUMBER.fullmatch(r) and 1 <= int(r) <= MAX_ROW:
                self.row = int(r)
            else:
                raise self.refuse(f"a row after row {self.row} is numbered {r[:20]!r}, not a row number "
                                  f"(1 to {MAX_ROW:,})")
            self.col = 0
            self.rows = max(self.rows, self.row)
        elif local == "c":
            r, row = attrs.get("r"), max(self.row, 1)
            if r is None:
                self.col += 1
            elif (m := _REF.fullmatch(r)) and 1 <= column_number(m.group(1)) <= MAX_COL \
                    and 1 <= int(m.group(2)) <= MAX_ROW:
                self.col, row = column_number(m.group(1)), max(row, int(m.group(2)))
            else:
                raise self.refuse(f"a cell in row {row} has the address {r[:20]!r}, which is not a cell "
                                  f"address like B7 (columns A to XFD, rows 1 to {MAX_ROW:,})")
            if self.col > MAX_COL:
                raise self.refuse(f"row {row} holds more than {MAX_COL:,} cells, more than a sheet has columns")
            self.rows, self.cols = max(self.rows, row), max(self.cols, self.col)
            self.cell = {"row": row, "col": self.col, "t": attrs.get("t", "n"), "f": False, "v": [], "text": []}
        elif self.cell is not None:
            if local == "f":
                self.cell["f"] = True
            elif local == "rPh":
                self.depth_rph += 1
            elif local == "v" or (local == "t" and not self.depth_rph):
                self.capture = "v" if local == "v" else "text"

    def end(self, tag: str) -> None:
        local = tag.rpartition("}")[2]
        if local == "sheetData":
            self.in_data = False
        elif local in ("v", "t"):
            self.capture = None
        elif local == "rPh":
            self.depth_rph -= 1
        elif local == "c" and self.cell is not None:
            self._close(self.cell)
            self.cell = None

    def text(self, data: str) -> None:
        if self.capture is not None and self.cell is not None:
            self.cell[self.capture].append(data)

    def _close(self, cell: dict) -> None:
        v = "".join(cell["v"])
        ref = f"{column_letters(cell['col'])}{cell['row']}"
        if cell["f"] and not v.strip() and cell["t"] not in ("str", "inlineStr"):
            self.formulas.append(ref)
        if not self.collect:
            return
        text = "".join(cell["text"])
        if cell["t"] == "s":
            held = bool(v.strip()) and not (v.strip().isdigit() and int(v) in self.blank)
        elif cell["t"] in ("inlineStr", "str"):
            held = bool((text or v).strip())
        else:
            held = bool(v.strip())
        if held:
            r, c = cell["row"], cell["col"]
            self.row_last[r] = max(self.row_last.get(r, 0), c)
            if r < self.col_first.get(c, r + 1):
                self.col_first[c] = r


def _parse(path, z: zipfile.ZipFile, part: str, handler) -> None:
    """Feeds a part to expat in pieces, refusing a DTD, markup that is not well-formed and
    texts no cell could hold (checked on the raw bytes before expat buffers them)."""
    p = expat.ParserCreate(namespace_separator="}")
    p.buffer_text = True

    def doctype(*_args):
        raise _refuse(path, "declares a DTD, which workbooks never do (it can expand to any size)",
                      sheet=getattr(handler, "sheet", None))

    p.StartDoctypeDeclHandler = doctype
    p.StartElementHandler = handler.start
    p.EndElementHandler = handler.end
    p.CharacterDataHandler = handler.text
    runs = _TextRuns()
    sheet = getattr(handler, "sheet", None)
    try:
        for body in _chunks(z, part):
            if runs.feed(body) is not None:
                raise _refuse(path, f"holds a text of more than {MAX_TEXT_BYTES:,} bytes; no cell holds that much "
                                    f"(Excel: 32.767 characters)", sheet=sheet, reason="too_large")
            p.Parse(body, False)
        p.Parse(b"", True)
    except expat.ExpatError as e:
        where = f"{part}, line {e.lineno}, column {e.offset + 1}"
        raise _refuse(path, f"is not a well-formed workbook ({where}: {expat.ErrorString(e.code)})",
                      sheet=sheet) from None


def _scan_parsed(path, z: zipfile.ZipFile, ext: SheetExtent) -> None:
    parse = _SheetParse(path, ext.name)
    _parse(path, z, ext.xml, parse)
    ext.last_row, ext.last_col, ext.formulas_without_value = parse.rows, parse.cols, parse.formulas
    ext.plain = False


class _BlankStrings:
    """The indices of the shared strings that hold only white space (or nothing)."""

    def __init__(self) -> None:
        self.index = -1
        self.blank: set[int] = set()
        self.pieces: list[str] = []
        self.capture = False
        self.depth_rph = 0

    def start(self, tag: str, _attrs: dict) -> None:
        local = tag.rpartition("}")[2]
        if local == "si":
            self.index += 1
            self.pieces = []
        elif local == "rPh":
            self.depth_rph += 1
        elif local == "t" and not self.depth_rph:
            self.capture = True

    def end(self, tag: str) -> None:
        local = tag.rpartition("}")[2]
        if local == "si" and not "".join(self.pieces).strip():
            self.blank.add(self.index)
        elif local == "rPh":
            self.depth_rph -= 1
        elif local == "t":
            self.capture = False

    def text(self, data: str) -> None:
        if self.capture:
            self.pieces.append(data)


# ----------------------------------------------------------------------------- the scan

def scan_xlsx(path) -> dict[str, SheetExtent]:
    """Every sheet's occupied box and formulas without a saved result, read from the XML
    without building any cell, after the package's checks. Scanned once per file version:
    ``validate`` guesses the kind, then reads, from the same scan."""
    st = os.stat(path)
    return _scan(str(Path(path).resolve()), st.st_mtime_ns, st.st_size, max_xml_bytes())


@lru_cache(maxsize=16)
def _scan(path: str, mtime_ns: int, size: int, _xml_budget: int) -> dict[str, SheetExtent]:
    out: dict[str, SheetExtent] = {}
    with zipfile.ZipFile(path) as z:
        _check_package(path, z)
        names = set(z.namelist())
        # the parts calamine opens besides the sheets: their sizes and checksums are checked
        # by reading them through, shared strings (held whole in memory) for long texts too
        plain_strings = True
        for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", _shared_strings_part(z)):
            if part in names:
                utf8 = _check_text_part(path, z, part)
                plain_strings = plain_strings and utf8
        for name, state, xml in _sheet_paths(z):
            ext = out[name] = SheetExtent(name, state, xml=xml)
            if xml not in names:
                continue
            if not _scan_plain(path, z, ext):
                _scan_parsed(path, z, ext)
            ext.plain = ext.plain and plain_strings
    return out


def cells_by_row(path, ext: SheetExtent) -> tuple[dict[int, int], dict[int, int]]:
    """For a sheet over the budget: the last column holding a value in each row, and the
    first row holding a value in each column. Empty styled cells, blank texts and shared
    strings of white space hold nothing."""
    with zipfile.ZipFile(path) as z:
        blank: frozenset[int] = frozenset()
        if (sst := _shared_strings_part(z)) is not None and sst in z.namelist():
            strings = _BlankStrings()
            _parse(path, z, sst, strings)
            blank = frozenset(strings.blank)
        parse = _SheetParse(path, ext.name, collect=True, blank=blank)
        _parse(path, z, ext.xml, parse)
    return parse.row_last, parse.col_first


def _first_gap(values: list[int], gap: int) -> int:
    """The last value before the first run of more than ``gap`` missing values."""
    last = 0
    for v in sorted(set(values)):
        if v - last > gap and last > 0:
            break
        last = v
    return last


def table_box(path, ext: SheetExtent, *, limit: int | None = None) -> tuple[int, int, list[str]]:
    """(rows, columns) to read from A1, and the addresses of far stray cells left out
    (the farthest cell of each stray row, and the first cell of each stray column).
    The whole box when it holds at most ``limit`` cells (default: the budget)."""
    if ext.cells <= (max_cells() if limit is None else limit):
        return ext.last_row, ext.last_col, []
    row_last, col_first = cells_by_row(path, ext)
    last_row = _first_gap(list(row_last), FAR_ROWS)
    last_col = _first_gap([c for c, r in col_first.items() if r <= last_row], FAR_COLUMNS)
    strays = [f"{column_letters(c)}{r}" for r, c in sorted(row_last.items()) if r > last_row]
    strays += [f"{column_letters(c)}{r}" for c, r in sorted(col_first.items()) if c > last_col and r <= last_row]
    return last_row, last_col, strays
