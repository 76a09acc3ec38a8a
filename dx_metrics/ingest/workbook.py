"""Open a spreadsheet file as a grid of raw cells, whatever it really is.

The format is decided from the file's first bytes, not its name: analysts receive
``.xls`` files that are HTML pages and ``.xlsx`` files that are CSV. Anything that
cannot be opened gives one clear sentence (a ``DxDataError`` with reason "unreadable").
"""
from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import os
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dx_metrics.errors import DxDataError, Problem
from dx_metrics.ingest import extent

EXCEL_EXTS = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
TEXT_EXTS = {".csv", ".txt", ".tsv"}
# text files that are documents or data of another shape, never a table export: refused by name
# rather than read line by line as CSV (a Markdown list of sources read as one has "tables")
DOCUMENT_EXTS = {".md": "a Markdown document", ".markdown": "a Markdown document", ".json": "JSON data",
                 ".yaml": "YAML data", ".yml": "YAML data", ".xml": "XML data", ".rst": "a text document"}


@dataclass
class Sheet:
    name: str | None          # None for CSV
    cells: pd.DataFrame       # raw cells, object dtype, 0-based positional index
    hidden: bool = False      # hidden or veryHidden in the workbook: read only when named
    strays: list[str] = field(default_factory=list)      # far cells left out ("XFD1048576")
    formulas_without_value: list[str] = field(default_factory=list)   # "B4": read as blank
    widths: list[int] | None = None    # CSV: the number of fields on each line


def _unreadable(path: Path, message: str, hint: str | None = None) -> DxDataError:
    return DxDataError([Problem(file=path.name, message=message, reason="unreadable", hint=hint)])


def special_file(path: str | Path) -> str | None:
    """What ``path`` is when it is neither a regular file nor a folder ("a FIFO (named pipe)",
    "a socket", "a character device", "a block device"), told from its status without opening
    it: a FIFO opened for reading waits for a writer for ever, a device may never end. None for
    a file, a folder, or a path that does not exist."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    for test, said in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return said
    return "not a regular file"


SPECIAL_HINT = "save the export as a file and give that file"
_SPECIAL_VI = {"a FIFO (named pipe)": "một FIFO (ống có tên)", "a socket": "một socket",
               "a character device": "một thiết bị ký tự", "a block device": "một thiết bị khối",
               "not a regular file": "một thứ không phải tệp thông thường"}


def special_params(kind: str) -> dict:
    """What ``special_file`` said, as the figures of a problem: in English and in Vietnamese."""
    return {"kind": kind, "kind_vi": _SPECIAL_VI.get(kind, kind)}


def sniff_format(path: Path) -> str:
    """'xlsx' (zip), 'ole' (xls or an encrypted xlsx), 'html', 'text' or 'empty'."""
    with open(path, "rb") as f:
        head = f.read(2048)
    if not head:
        return "empty"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    low = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if low.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
        return "html"
    if b"\x00" in head and _utf16_without_bom(head) is None:
        return "binary"
    return "text"


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes look like UTF-16 text without a byte-order
    mark (Latin and Vietnamese text has a zero byte in every other position), else None."""
    sample = head[:2048]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _is_encrypted_ole(path: Path) -> bool:
    # Password-protected xlsx files are OLE containers holding an "EncryptedPackage"
    # stream; its UTF-16 name appears in the directory sectors.
    data = path.read_bytes()[:1 << 20]
    return "EncryptedPackage".encode("utf-16-le") in data


def open_sheets(path: str | Path, *, nrows: int | None = None, only: str | None = None,
                keep: bool = False) -> list[Sheet]:
    """Every sheet of the file as raw cells (CSV: one sheet named None); ``nrows`` reads only
    the first rows of each sheet (enough to recognise its header); ``only`` reads that sheet
    alone when the workbook has it (a plan reading four quarters' sheets of one workbook
    parses each once, not every sheet four times), else every sheet.

    The last whole reads are kept in memory, keyed by the file's path, size and modification
    time: a batch of plans reading one national export in as many scopes (one per province)
    reads its cells once. Each caller gets its own copy of the cells. ``keep`` with ``nrows``:
    the first rows are taken from a whole read, kept likewise, as they are whenever the whole
    read is already kept (``dx-metrics validate`` guessing a file's kind and then reading it
    parses it once)."""
    path = Path(path)
    if path.is_file() and (nrows is None or keep or _kept_key(path, only) in _READ):
        key = _kept_key(path, only)
        kept = _READ.get(key)
        if kept is None:
            kept = _open_sheets(path, nrows=None, only=only)
            _READ.clear()               # one file's cells at a time: a national export is large
            _READ[key] = kept
        return [_copied(s, nrows) for s in kept]
    return _open_sheets(path, nrows=nrows, only=only)


def _kept_key(path: Path, only: str | None) -> tuple:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns, only)


def _copied(sheet: Sheet, nrows: int | None) -> Sheet:
    """A caller's own copy of a kept sheet; with ``nrows``, its first rows as a read of that
    many gives them (a text file is read whole either way)."""
    cells = sheet.cells.iloc[:nrows] if nrows is not None and sheet.widths is None else sheet.cells
    return dataclasses.replace(sheet, cells=cells.copy(), strays=list(sheet.strays),
                               formulas_without_value=list(sheet.formulas_without_value),
                               widths=None if sheet.widths is None else list(sheet.widths))


_READ: dict[tuple, list[Sheet]] = {}


def _open_sheets(path: Path, *, nrows: int | None, only: str | None) -> list[Sheet]:
    if not path.exists():
        raise _unreadable(path, f"the file {str(path)!r} does not exist")
    if path.is_dir():
        raise _unreadable(path, "is a folder, not a spreadsheet file")
    if (special := special_file(path)) is not None:
        raise _unreadable(path, f"is {special}, not a file; it is not opened", SPECIAL_HINT)
    ext = path.suffix.lower()
    kind = sniff_format(path)
    if kind == "empty":
        raise _unreadable(path, "the file is empty (0 bytes)", "export it again from the source system")
    if kind == "html":
        raise _unreadable(path, "is a web page (HTML) saved with a spreadsheet name, not a real workbook",
                          "open it in Excel and save it as .xlsx")
    if kind == "binary":
        raise _unreadable(path, "is not a spreadsheet (unknown binary content)")
    if kind == "ole" and _is_encrypted_ole(path):
        raise _unreadable(path, "is protected by a password and cannot be read",
                          "open it in Excel, remove the password (File > Info > Protect Workbook) and save it again")
    if kind == "text":
        if ext in DOCUMENT_EXTS:
            raise _unreadable(path, f"is {DOCUMENT_EXTS[ext]} ({ext}), not a table export; it is not read",
                              "give the spreadsheet (.xlsx, .xls) or CSV export that holds the table")
        if ext in EXCEL_EXTS:
            raise _unreadable(path, f"is a text (CSV) file with an {ext} name, not an Excel workbook",
                              "rename it to .csv")
        cells, widths = _read_text(path)
        return [Sheet(None, cells, widths=widths)]
    if ext in TEXT_EXTS:
        raise _unreadable(path, f"is an Excel workbook with a {ext} name", "rename it to .xlsx")
    return _read_excel(path, kind, nrows, only)


def _read_text(path: Path) -> tuple[pd.DataFrame, list[int]]:
    text = _decode_text(path, path.read_bytes())
    delim = max([",", ";", "\t"], key=_head_lines(text, 50).count)
    rows = []
    try:
        for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim):
            rows.append(r)
    except csv.Error as e:      # a field past csv's limit (a quote never closed ...): said at its line
        said = (f"a field is longer than {csv.field_size_limit():,} characters (a quote opened and never closed?)"
                .replace(",", ".") if "field limit" in str(e) else f"the line is not valid CSV ({e})")
        raise DxDataError([Problem(file=path.name, row=len(rows) + 1, reason="unreadable",
                                   message=f"{said}: the file is not read",
                                   hint="correct the line, or export the file again")]) from None
    widths = [len(r) for r in rows]
    width = max(widths, default=0)
    if width == 0:
        raise _unreadable(path, "has no rows")
    rows = [r + [None] * (width - len(r)) for r in rows]
    return _blank_to_none(pd.DataFrame(rows, dtype=object)), widths


def _head_lines(text: str, n: int) -> str:
    """The first ``n`` lines joined by "\\n", without splitting the whole of a big file."""
    chunk = text[:1 << 20]
    lines = chunk.splitlines()
    if len(lines) <= n and len(chunk) < len(text):   # the chunk's last line may be cut short
        lines = text.splitlines()
    return "\n".join(lines[:n])


# Encodings of the exports received, for text that is not UTF-8: Windows-1258 from
# Vietnamese Windows, Windows-1252 / Latin-1 for English-only files, UTF-16 from Excel's
# "Unicode text" when saved without a byte-order mark and not recognised by its zero bytes.
_CANDIDATES = ("cp1258", "cp1252", "latin_1", "utf_16_le", "utf_16_be")
_SINGLE_BYTE = {"cp1258", "cp1252", "latin_1"}
_DETECT_BYTES = 1 << 16       # detection reads this much from the first non-ASCII line
_NAMES = {"cp1258": "Windows-1258 (Vietnamese)", "cp1252": "Windows-1252", "latin_1": "Latin-1",
          "utf_16_le": "UTF-16", "utf_16_be": "UTF-16", "utf-16": "UTF-16"}

# Windows-1258 writes tones as combining marks after the letter (grave, acute, tilde, hook
# above, dot below); the Vietnamese letters are these vowels with or without a tone, and đ.
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_VIETNAMESE = frozenset(
    {"đ", "Đ"}
    | {unicodedata.normalize("NFC", v + t) for v in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY" for t in ["", *_TONES]})
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _decode_text(path: Path, raw: bytes) -> str:
    """The text of a CSV/text export. UTF-8 (with or without BOM) first and as written; UTF-16
    by its byte-order mark or zero bytes; else the encoding charset-normalizer finds among
    ``_CANDIDATES`` (Windows-1258 whenever it reads as Vietnamese), composed to NFC."""
    encoding, text = _sniff(path, raw)
    if text is not None:
        return text
    text = _decode_whole(path, raw, encoding)
    # cp1258 keeps tones apart from their letters: "ị" is "i" + U+0323
    return unicodedata.normalize("NFC", text) if encoding in _SINGLE_BYTE else text


def text_encoding(path: Path, head_bytes: int = 1 << 20) -> str:
    """The encoding of a text export, told from its first ``head_bytes`` as ``_decode_text``
    tells it from the whole (for reading a file too large to hold as one string)."""
    with open(path, "rb") as f:
        head = f.read(head_bytes)
    return _sniff(path, head, partial=len(head) == head_bytes)[0]


def _sniff(path: Path, raw: bytes, *, partial: bool = False) -> tuple[str, str | None]:
    """(the encoding of ``raw``, its text when it decoded as UTF-8 on the way). ``partial``:
    ``raw`` is the head of a longer file, whose last line may end inside a character."""
    # UTF-16 only with its byte-order mark or its zero bytes: any even number of cp1258 bytes
    # also "decodes" as UTF-16, into Chinese-looking nonsense
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", None
    if (guess := _utf16_without_bom(raw)) is not None:
        return guess.replace("-", "_"), None
    sample = (raw[:raw.rfind(b"\n") + 1] or raw) if partial else raw
    try:
        return "utf-8-sig", sample.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        first_bad = e.start
    _refuse_damaged_utf8(path, raw, first_bad)
    encoding = _detect_encoding(_detection_window(raw, first_bad))
    if encoding is None:
        raise _unreadable(path, "is not text in a known encoding", "save it as CSV UTF-8")
    return encoding, None


def _decode_whole(path: Path, raw: bytes, encoding: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as e:
        line = raw[:e.start].decode(encoding, "replace").count("\n") + 1
        raise _unreadable(path, f"is not valid {_NAMES.get(encoding, encoding)} text: byte "
                                f"{e.start + 1:,} (line {line}) cannot be read in that encoding",
                          "save it as CSV UTF-8") from None


def _refuse_damaged_utf8(path: Path, raw: bytes, first_bad: int) -> None:
    """A file that is UTF-8 but for a few bytes (cut short, two exports pasted together) is
    refused: read in a legacy encoding its UTF-8 letters would all turn to nonsense."""
    text = raw.decode("utf-8", "replace")
    bad = text.count("\ufffd") - raw.count("\ufffd".encode())
    ascii_bytes = len(raw) - len(raw.translate(None, bytes(range(128))))
    if len(text) - ascii_bytes - bad < 4 * bad:      # fewer UTF-8 letters than 4 per bad byte
        return
    line = raw[:first_bad].count(b"\n") + 1
    raise _unreadable(path, f"is UTF-8 text with {bad:,} damaged byte(s), the first at line {line} "
                            f"(byte {first_bad + 1:,}): the file may be cut short or pasted from two files",
                      "export or download it again, or open it and save it as CSV UTF-8")


def _detection_window(raw: bytes, first_bad: int) -> bytes:
    """Up to ``_DETECT_BYTES`` from the start, ending at a line break, or from the line
    holding the first byte that is not UTF-8 when that lies further (what comes before it is
    ASCII, the same in every candidate); an even offset keeps UTF-16 in step."""
    start = raw.rfind(b"\n", 0, first_bad) + 1
    start = 0 if start < _DETECT_BYTES // 2 else start - start % 2
    window = raw[start:start + _DETECT_BYTES]
    if start + _DETECT_BYTES < len(raw) and (cut := window.rfind(b"\n")) > 0:
        end = cut + 1
        if window[end:end + 1] == b"\x00" and end % 2:     # UTF-16 LE: the break is 0A 00
            end += 1
        window = window[:end]
    return window


def _detect_encoding(sample: bytes) -> str | None:
    """Windows-1258 when the sample reads as Vietnamese in it, else charset-normalizer's best
    among ``_CANDIDATES`` (None when none reads as text)."""
    if _reads_as_vietnamese(sample):
        return "cp1258"
    import charset_normalizer      # imported when needed: most exports are UTF-8 and never do

    matches = charset_normalizer.from_bytes(sample, cp_isolation=list(_CANDIDATES), preemptive_behaviour=False)
    ours = {codecs.lookup(e).name: e for e in _CANDIDATES}
    found = [ours[n] for n in (codecs.lookup(m.encoding).name for m in matches) if n in ours]
    # on a few lines charset-normalizer may rank UTF-16 high, which any even number of bytes
    # "decodes" as: it is taken only when no single-byte encoding reads the text
    single = [e for e in found if e in _SINGLE_BYTE]
    return (single or found or [None])[0]


def _reads_as_vietnamese(sample: bytes) -> bool:
    """Read as Windows-1258 the sample has tone marks, and its non-ASCII letters (composed)
    are Vietnamese ones, but for a few (a foreign name). On a few Vietnamese words
    charset-normalizer ranks Windows-1252 as high as Windows-1258; a Western file misread as
    Windows-1258 has few tone marks and letters outside Vietnamese (ç, ü, a mark on a consonant)."""
    try:
        text = sample.decode("cp1258")
    except UnicodeDecodeError:
        return False
    if not any(t in text for t in _TONES):
        return False
    letters = [c for c in _NON_ASCII.findall(unicodedata.normalize("NFC", text))
               if c.isalpha() or unicodedata.combining(c)]
    vietnamese = sum(c in _VIETNAMESE for c in letters)
    return vietnamese > 0 and len(letters) - vietnamese <= vietnamese // 20


def _read_excel(path: Path, kind: str, nrows: int | None = None, only: str | None = None) -> list[Sheet]:
    if kind == "xlsx":
        fmt = _zip_format(path)
        if fmt != "xlsx":
            return _read_isolated(path, fmt, nrows, only)
        try:
            extents = extent.scan_xlsx(path)
        except zipfile.BadZipFile:
            raise _unreadable(path, "is damaged (the .xlsx archive is corrupt or truncated)",
                              "export or download it again") from None
        except (KeyError, SyntaxError):   # not laid out as an xlsx: openpyxl says what it lacks
            return _read_whole(path, kind, nrows, only, calamine=False)
        if only in extents:
            extents = {only: extents[only]}
        return _read_bounded(path, kind, extents, nrows)
    return _read_isolated(path, "xls", nrows, only)


def _zip_format(path: Path) -> str:
    """'xlsx', 'ods' (an OpenDocument spreadsheet), 'xlsb' (Excel's binary workbook) or
    'zip' (something else zipped), by what the archive holds, whatever the file is named."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "mimetype" in names and z.getinfo("mimetype").file_size < 200 \
                    and z.read("mimetype").strip() == b"application/vnd.oasis.opendocument.spreadsheet":
                return "ods"
    except (zipfile.BadZipFile, OSError, EOFError):
        return "xlsx"                           # the scan says it is damaged
    if "xl/workbook.bin" in names:
        return "xlsb"
    return "xlsx" if "xl/workbook.xml" in names else "zip"


def _read_whole(path: Path, kind: str, nrows: int | None, only: str | None = None, *,
                calamine: bool = True) -> list[Sheet]:
    """Every sheet (or ``only`` that one) through calamine, or openpyxl when calamine fails on
    an xlsx (or is not to be trusted with it: ``calamine=False``)."""
    try:
        if not calamine:
            raise RuntimeError("not read by calamine")
        return _read_calamine(path, nrows, only)
    except Exception as calamine_error:  # noqa: BLE001 - any failure falls back once
        if kind != "xlsx":
            raise _unreadable(path, f"cannot be opened as a workbook ({_short(calamine_error)})",
                              "open it in Excel and save it as .xlsx") from None
        try:
            return _read_openpyxl(path, nrows, only=only)
        except zipfile.BadZipFile:
            raise _unreadable(path, "is damaged (the .xlsx archive is corrupt or truncated)",
                              "export or download it again") from None
        except Exception as e:  # noqa: BLE001
            raise _unreadable(path, f"cannot be opened as a workbook ({_short(e)})",
                              "open it in Excel and save it as .xlsx") from None


def _short(e: Exception) -> str:
    text = str(e).splitlines()[0] if str(e) else type(e).__name__
    return text[:120]


def _too_large(path: Path, sheet: str | None, message: str) -> DxDataError:
    return DxDataError([Problem(
        file=path.name, sheet=sheet, reason="too_large", message=message,
        hint="export the table alone (or by period), or raise DX_METRICS_MAX_CELLS if the machine has the memory")])


def _read_bounded(path: Path, kind: str, extents: dict[str, extent.SheetExtent], nrows: int | None) -> list[Sheet]:
    """The sheets read within the cell budget, which counts every sheet read: each whole
    when the workbook fits, else without far stray cells (largest sheet first until it
    fits); a table over the budget by itself is refused, and so are sheets too large
    together. Sheets written plainly go through calamine, any other through openpyxl within
    the box the scan found."""
    limit = extent.max_cells()
    boxes = {name: (e.last_row, e.last_col, []) for name, e in extents.items()}
    for name in sorted(extents, key=lambda n: -extents[n].cells):
        if sum(r * c for r, c, _ in boxes.values()) <= limit:
            break
        boxes[name] = extent.table_box(path, extents[name], limit=0)
        rows, cols, _ = boxes[name]
        if rows * cols > limit:
            raise _too_large(path, name, f"the sheet holds A1:{extent.column_letters(cols)}{rows} "
                                         f"({rows * cols:,} cells), more than the limit of {limit:,} cells")
    if (total := sum(r * c for r, c, _ in boxes.values())) > limit:
        raise _too_large(path, None, f"the {len(boxes)} sheets hold {total:,} cells together, more than the "
                                     f"limit of {limit:,} cells for a workbook")
    only = next(iter(boxes)) if len(boxes) == 1 else None    # the caller kept the one sheet it wants
    if all(not strays for _, _, strays in boxes.values()) and all(e.plain for e in extents.values()):
        sheets = _read_whole(path, kind, nrows, only)
    else:   # calamine would allocate the whole box, or may not read the XML as written
        sheets = _read_openpyxl(path, nrows, boxes={n: (r, c) for n, (r, c, _) in boxes.items()})
    for sheet in sheets:
        e = extents.get(sheet.name)
        if e is not None:
            sheet.hidden = e.state != "visible"
            sheet.strays = boxes[sheet.name][2]
            sheet.formulas_without_value = e.formulas_without_value
    return sheets


def _read_calamine(path: Path, nrows: int | None = None, only: str | None = None) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    sheets = []
    for name in [only] if only in wb.sheet_names else wb.sheet_names:
        sheet = wb.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=False, nrows=nrows) if nrows else sheet.to_python(skip_empty_area=False)
        sheets.append(Sheet(name, _frame(rows)))
    return sheets


def _read_openpyxl(path: Path, nrows: int | None = None, *, boxes: dict[str, tuple[int, int]] | None = None,
                   only: str | None = None) -> list[Sheet]:
    """Every sheet through openpyxl's streaming reader (``only`` that one, when there is such
    a sheet); with ``boxes``, only the sheets named there, each the cells of ``(rows,
    columns)`` from A1."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = []
        names = [ws.title for ws in wb.worksheets]
        for ws in wb.worksheets:
            if (boxes is not None and ws.title not in boxes) or (only in names and ws.title != only):
                continue
            rows, cols = (boxes or {}).get(ws.title, (None, None))
            if rows is not None:
                rows = min(rows, nrows) if nrows else rows
                ws.reset_dimensions()   # the stated dimension may span the stray cells
                grid = [list(r) for r in ws.iter_rows(min_row=1, max_row=max(rows, 1), min_col=1,
                                                      max_col=max(cols, 1), values_only=True)]
            else:
                grid = [list(r) for r in ws.iter_rows(max_row=nrows, values_only=True)]
            sheets.append(Sheet(ws.title, _frame(grid)))
        return sheets
    finally:
        wb.close()


def _frame(rows: list[list]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame(dtype=object)
    return _blank_to_none(pd.DataFrame(rows, dtype=object))


def _blank_to_none(df: pd.DataFrame) -> pd.DataFrame:
    """One spelling of "empty" downstream: calamine gives "" for empty cells, CSV gives "",
    and a cell holding only spaces (a stray space bar, a trailing line of spaces) holds
    nothing either. A column of text alone is tested in Arrow (``utf8_is_space`` is
    ``str.isspace``, checked on every code point); a column mixing text with numbers or
    dates one cell at a time."""
    out = {}
    for c in df.columns:
        arr = df[c].to_numpy(dtype=object)
        try:
            text = pa.array(arr, type=pa.string(), from_pandas=True)
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            blank = np.fromiter((type(v) is str and (not v or v.isspace()) for v in arr), dtype=bool, count=len(arr))
        else:
            blank = pc.fill_null(pc.or_(pc.equal(text, ""), pc.utf8_is_space(text)), False).to_numpy(
                zero_copy_only=False)
        out[c] = pd.Series(np.where(blank, None, arr), index=df.index, dtype=object) if blank.any() else df[c]
    return pd.DataFrame(out, index=df.index)


def _read_isolated(path: Path, fmt: str, nrows: int | None, only: str | None) -> list[Sheet]:
    """A workbook no scan vouches for (.xls, .xlsb, .ods, whatever it is named), read by
    calamine in a child process: its failure, even an abort, is this file's refusal."""
    from dx_metrics.ingest import isolated

    try:
        read = isolated.read_sheets(path, fmt, nrows=nrows, only=only, max_cells=extent.max_cells())
    except isolated.ReadFailed as e:
        raise _unreadable(path, f"cannot be opened as a workbook ({e})", "open it in Excel and save it as .xlsx") from None
    return [Sheet(name, _frame(rows)) for name, rows in read]
