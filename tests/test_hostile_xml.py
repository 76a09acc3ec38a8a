"""Workbooks written in every valid way (and some invalid ones) never kill the process.

The XML of an .xlsx may put a newline before ``r=``, quote with single quotes, leave out the
optional ``r`` of rows and cells, write addresses in lower case, prefix every element, use
character references, or be UTF-16. Each variant below is the same one-stop table with a
value far away in XFD1048576 (which a reader building a dense grid turns into a request
for 549,755,813,888 bytes), rewritten one way. Every read runs in a child process under a
memory cap, so an abort is a failed test, not a dead test session."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile

import pytest

from conftest import REFERENCE, one_stop_rows, unit_row, write_sheet

SHEET = "xl/worksheets/sheet1.xml"
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CAP = 3 << 30           # address space of the child: far below what the dense grid would need


def _cap() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def _child(code: str, *args, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300, preexec_fn=_cap if os.name == "posix" else None)


READ = """
import json, sys
from dx_metrics import read_export, DxDataError, problems_of
try:
    df = read_export(sys.argv[1], "dossiers", strict=False)
except DxDataError as e:
    print(json.dumps({"refused": [str(p) for p in e.problems]}))
else:
    print(json.dumps({"online": df["received_online"].tolist(), "units": df["unit_name"].tolist(),
                      "strays": [p.message for p in problems_of(df) if p.reason == "stray_cell"]}))
"""


def _read(path, **env) -> dict:
    run = _child(READ, path, env_extra=env)
    assert run.returncode == 0, f"the reading process ended with {run.returncode}: {run.stderr[-1500:]}"
    assert "Traceback" not in run.stderr, run.stderr[-1500:]
    return json.loads(run.stdout)


def _table(path):
    write_sheet(path, one_stop_rows([unit_row("Văn phòng Sở", 100, 60), unit_row("Thanh tra Sở", 50, 10)]))
    return path


def _with_stray(path):
    from openpyxl import load_workbook

    _table(path)
    wb = load_workbook(path)
    wb.active["XFD1048576"] = "x"
    wb.save(path)
    return path


def _rewrite(path, transform, part: str = SHEET):
    """The workbook at ``path`` with one part's bytes passed through ``transform``."""
    with zipfile.ZipFile(path) as z:
        parts = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            z.writestr(info.filename, transform(data) if info.filename == part else data)
    return path


def _no_r(xml: bytes) -> bytes:
    """Rows and cells without ``r``: the table's rows 1-10 become consecutive <row> elements
    (with empty rows where the table has gaps) and each cell is preceded by empty cells up
    to its column; the far value is reached by counting alone (1,048,565 empty rows, then
    16,383 empty cells before it)."""
    from dx_metrics.ingest.extent import column_number

    rows = dict(re.findall(rb'<row r="([0-9]+)"[^>]*>(.*?)</row>', xml))
    out, last = [], 0
    for number in sorted(rows, key=int):
        n = int(number)
        out.append(b"<row/>" * (n - last - 1))
        cells, col = [], 0
        for ref, rest in re.findall(rb'<c r="([A-Z]+)[0-9]+"(.*?</c>)', rows[number]):
            c = column_number(ref.decode())
            cells.append(b"<c/>" * (c - col - 1) + b"<c" + rest)
            col = c
        out.append(b"<row>" + b"".join(cells) + b"</row>")
        last = n
    head, _, rest = xml.partition(b"<sheetData>")
    return head + b"<sheetData>" + b"".join(out) + b"</sheetData>" + rest.partition(b"</sheetData>")[2]


def _prefixed(xml: bytes) -> bytes:
    xml = re.sub(rb"<(/?)([A-Za-z])", rb"<\1x:\2", xml)
    return xml.replace(b'<x:worksheet xmlns="', b'<x:worksheet xmlns:x="')


VARIANTS = {
    "a newline before r=": lambda x: x.replace(b"<c r=", b"<c\nr=").replace(b"<row r=", b"<row\nr="),
    "a tab before r=": lambda x: x.replace(b"<c r=", b"<c\tr="),
    "spaces around =": lambda x: x.replace(b'<c r="', b'<c  r = "'),
    "single quotes": lambda x: re.sub(rb'(<(?:c|row) )r="([^"]*)"', rb"\1r='\2'", x),
    "r after the other attributes": lambda x: re.sub(rb'<c (r="[^"]*") (t="[^"]*")', rb"<c \2 \1", x),
    "lower-case addresses": lambda x: re.sub(rb'<c r="([A-Z]+)', lambda m: b'<c r="' + m.group(1).lower(), x),
    "rows and cells without r": _no_r,
    "a namespace prefix on every element": _prefixed,
    "the far cell inside a near row": lambda x: x.replace(b'<row r="1048576">', b'<row r="11">'),
    "a character reference in the address": lambda x: x.replace(b'r="XFD1048576"', b'r="&#88;FD1048576"'),
    "UTF-16": lambda x: b"\xff\xfe" + ('<?xml version="1.0" encoding="UTF-16"?>' + x.decode("utf-8")).encode("utf-16-le"),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_the_far_cell_is_found_however_the_xml_is_written(tmp_path, variant):
    path = _rewrite(_with_stray(tmp_path / "stray.xlsx"), VARIANTS[variant])
    got = _read(path)
    assert got["online"] == [60, 10] and got["units"] == ["Văn phòng Sở", "Thanh tra Sở"]
    assert got["strays"] == ["1 cell(s) far outside the table hold values and were not read: XFD1048576"]


@pytest.mark.parametrize("variant", ["a newline before r=", "rows and cells without r", "UTF-16",
                                     "a namespace prefix on every element", "lower-case addresses"])
def test_a_table_written_another_way_reads_as_the_plain_one(tmp_path, variant):
    path = _rewrite(_table(tmp_path / "t.xlsx"), VARIANTS[variant])
    got = _read(path)
    assert got == {"online": [60, 10], "units": ["Văn phòng Sở", "Thanh tra Sở"], "strays": []}


def test_a_cell_inside_a_comment_or_cdata_is_no_cell(tmp_path):
    hidden = (b'<!-- <row r="1048576"><c r="XFD1048576"><v>1</v></c></row> -->'
              b'<row r="12"><c r="A12" t="inlineStr"><is><t><![CDATA[<c r="XFD1048576">]]></t></is></c></row>')
    path = _rewrite(_table(tmp_path / "t.xlsx"), lambda x: x.replace(b"</sheetData>", hidden + b"</sheetData>"))
    got = _read(path)
    assert got["online"] == [60, 10] and got["strays"] == []


@pytest.mark.parametrize("variant, message", [
    ("a second r in the far cell", "is not a well-formed workbook (xl/worksheets/sheet1.xml, line 1, column "),
    ("a DTD", "declares a DTD, which workbooks never do (it can expand to any size)"),
    ("an address that is not one", "a cell in row 1048576 has the address '$XFD$1048576', which is not a cell "
                                   "address like B7 (columns A to XFD, rows 1 to 1,048,576)"),
    ("a column past XFD", "a cell in row 1048576 has the address 'XFE1048576', which is not a cell address"),
])
def test_xml_no_reader_should_be_handed_is_refused_at_its_sheet(tmp_path, variant, message):
    transform = {
        "a second r in the far cell": lambda x: x.replace(b'r="XFD1048576"', b'r="A1" r="XFD1048576"'),
        "a DTD": lambda x: b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>' + x,
        "an address that is not one": lambda x: x.replace(b'r="XFD1048576"', b'r="$XFD$1048576"'),
        "a column past XFD": lambda x: x.replace(b'r="XFD1048576"', b'r="XFE1048576"'),
    }[variant]
    path = _rewrite(_with_stray(tmp_path / "bad.xlsx"), transform)
    got = _read(path)
    (problem,) = got["refused"]
    assert problem.startswith('bad.xlsx, sheet "Biểu 06a": ' + message), problem


def test_the_cell_budget_counts_every_sheet_of_the_workbook(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    for i in range(3):                          # 3 sheets of 10 x 4 = 40 cells, 120 together
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = f"S{i + 1}"
        for r in range(10):
            ws.append([f"r{r}", 1, 2, 3])
    wb.save(tmp_path / "three.xlsx")
    got = _read(tmp_path / "three.xlsx", DX_METRICS_MAX_CELLS="100")
    assert got["refused"] == ["three.xlsx: the 3 sheets hold 120 cells together, more than the limit of 100 cells "
                              "for a workbook (export the table alone (or by period), or raise DX_METRICS_MAX_CELLS "
                              "if the machine has the memory)"]


def test_unzipped_xml_past_the_byte_budget_is_refused_before_reading(tmp_path):
    path = _table(tmp_path / "t.xlsx")
    with zipfile.ZipFile(path) as z:            # the budget counts every XML part unzipped
        xml_bytes = sum(i.file_size for i in z.infolist() if i.filename.endswith((".xml", ".rels")))
    got = _read(path, DX_METRICS_MAX_XML_BYTES=str(xml_bytes - 1))
    assert got["refused"] == [f"t.xlsx: unzips to {xml_bytes:,} bytes of XML, more than the limit of "
                              f"{xml_bytes - 1:,} bytes (export the table alone (or by period), or raise "
                              f"DX_METRICS_MAX_XML_BYTES if the machine has the memory)"]
    assert _read(path, DX_METRICS_MAX_XML_BYTES=str(xml_bytes))["online"] == [60, 10]


def _understate_size(path, part: str) -> None:
    """Writes the part's unzipped size as 100 bytes in the archive's local and central headers."""
    data = bytearray(path.read_bytes())
    name = part.encode()
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(part)
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):     # uncompressed-size field
        at = 0
        while (at := data.find(sig, at)) >= 0:
            name_at = at + (30 if sig == b"PK\x03\x04" else 46)
            if data[name_at:name_at + len(name)] == name:
                data[at + offset:at + offset + 4] = (100).to_bytes(4, "little")
                assert int.from_bytes(data[at + offset - 4:at + offset], "little") == info.compress_size
            at += 4
    path.write_bytes(bytes(data))


def test_a_part_larger_than_the_archive_says_is_refused_as_damaged(tmp_path):
    path = _table(tmp_path / "t.xlsx")
    _understate_size(path, SHEET)
    got = _read(path)
    assert got["refused"] == ["t.xlsx: is damaged (the .xlsx archive is corrupt or truncated) "
                              "(export or download it again)"]


def test_a_text_longer_than_any_cell_holds_is_refused_at_its_cell(tmp_path):
    long = b'<row r="12"><c r="B12" t="inlineStr"><is><t>' + b"x" * 1_200_000 + b"</t></is></c></row>"
    path = _rewrite(_table(tmp_path / "t.xlsx"), lambda x: x.replace(b"</sheetData>", long + b"</sheetData>"))
    got = _read(path)
    assert got["refused"] == ['t.xlsx, sheet "Biểu 06a": cell B12 holds a text of more than 1,000,000 bytes; no '
                              'cell holds that much (Excel: 32.767 characters) (open it in Excel and save it again '
                              'as .xlsx)']


def test_shared_strings_past_the_text_bound_are_refused(tmp_path):
    path = _table(tmp_path / "t.xlsx")
    sst = (b'<sst xmlns="' + MAIN + b'" count="1" uniqueCount="1"><si><t>' + b"y" * 1_100_000 + b"</t></si></sst>")
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("xl/sharedStrings.xml", sst)
    got = _read(path)
    assert got["refused"] == ["t.xlsx: the part xl/sharedStrings.xml holds a text of more than 1,000,000 bytes; "
                              "no cell holds that much (Excel: 32.767 characters) (open it in Excel and save it "
                              "again as .xlsx)"]


def test_rows_of_blank_text_below_the_table_do_not_count_against_the_budget(tmp_path):
    # 2 real rows, then 3,000 rows holding one space (written as shared strings, as Excel does);
    # the budget of 400 cells holds the table (10 rows x 13 columns = 130) but not the blanks
    path = _table(tmp_path / "t.xlsx")

    def blanks(xml: bytes) -> bytes:
        rows = b"".join(b'<row r="%d"><c r="B%d" t="s"><v>0</v></c><c r="C%d" t="inlineStr"><is><t>  </t></is></c>'
                        b"</row>" % (r, r, r) for r in range(11, 3011))
        return xml.replace(b"</sheetData>", rows + b"</sheetData>")

    _rewrite(path, blanks)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("xl/sharedStrings.xml", b'<sst xmlns="' + MAIN + b'"><si><t xml:space="preserve"> </t></si></sst>')
        rels = z.read("xl/_rels/workbook.xml.rels")
    _rewrite(path, lambda x: x.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.'
                                       b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                       b'Target="sharedStrings.xml"/></Relationships>'), "xl/_rels/workbook.xml.rels")
    assert b"sharedStrings" not in rels
    got = _read(path, DX_METRICS_MAX_CELLS="400")
    assert got["online"] == [60, 10] and got["strays"] == []


def test_a_zip_naming_one_part_twice_is_refused(tmp_path):
    import warnings

    path = _table(tmp_path / "t.xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")             # zipfile warns of the duplicate name
        with zipfile.ZipFile(path, "a") as z:
            z.writestr(SHEET, b'<worksheet xmlns="' + MAIN + b'"><sheetData><row r="1048576">'
                              b'<c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>')
    got = _read(path)
    assert got["refused"] == ["t.xlsx: is not a valid workbook: the archive holds xl/worksheets/sheet1.xml more "
                              "than once (open it in Excel and save it again as .xlsx)"]


@pytest.mark.skipif(not (REFERENCE / "vn_indexes" / "PCI_2005.xls").exists(), reason="needs ../shared/reference-data")
def test_an_xls_named_xlsx_is_read_as_what_it_is(tmp_path):
    from dx_metrics.ingest.workbook import open_sheets

    original = REFERENCE / "vn_indexes" / "PCI_2005.xls"
    renamed = tmp_path / "PCI_2005.xlsx"
    renamed.write_bytes(original.read_bytes())
    want = [(s.name, s.cells.shape) for s in open_sheets(original)]
    assert [(s.name, s.cells.shape) for s in open_sheets(renamed)] == want and want


def _ods(path, rows_repeated: int = 1, columns_repeated: int = 1):
    """A minimal OpenDocument spreadsheet: one table, a header and one row, then one cell
    repeated ``columns_repeated`` times in ``rows_repeated`` rows."""
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')

    def cell(text: str, repeated: int = 1) -> str:
        rep = f' table:number-columns-repeated="{repeated}"' if repeated > 1 else ""
        return f'<table:table-cell office:value-type="string"{rep}><text:p>{text}</text:p></table:table-cell>'

    rows = (f"<table:table-row>{cell('Đơn vị')}{cell('Mã')}</table:table-row>"
            f"<table:table-row>{cell('Văn phòng Sở')}{cell('VP')}</table:table-row>")
    if rows_repeated > 1:
        rows += (f'<table:table-row table:number-rows-repeated="{rows_repeated}">{cell("z", columns_repeated)}'
                 "</table:table-row>")
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="Trang 1">{rows}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return path


def test_an_ods_named_xlsx_is_read_as_what_it_is(tmp_path):
    from dx_metrics.ingest.workbook import open_sheets

    (sheet,) = open_sheets(_ods(tmp_path / "bang.xlsx"))
    assert sheet.name == "Trang 1"
    assert sheet.cells.values.tolist() == [["Đơn vị", "Mã"], ["Văn phòng Sở", "VP"]]


def test_a_reader_that_runs_out_of_memory_refuses_the_file_and_the_process_lives(tmp_path):
    # 99,000 repeated rows of a thousand columns (the reader's own limit is 100 million
    # cells): building the grid takes about 3 GB; in the child it runs out of its 1 GiB
    path = _ods(tmp_path / "bomb.ods", rows_repeated=99_000, columns_repeated=1_000)
    got = _read(path, DX_METRICS_READ_MEMORY=str(1 << 30))
    (problem,) = got["refused"]
    assert problem == ("bomb.ods: cannot be opened as a workbook (reading it needs more memory than the limit of "
                       "1.0 GiB (DX_METRICS_READ_MEMORY)) (open it in Excel and save it as .xlsx)")


def test_a_sheet_past_the_cell_budget_in_an_old_format_is_refused_before_its_values_are_made(tmp_path):
    path = _ods(tmp_path / "big.ods", rows_repeated=6_000, columns_repeated=1_000)   # 6,002 x 1,000
    got = _read(path)
    assert got["refused"] == ["big.ods: cannot be opened as a workbook (the sheet 'Trang 1' holds 6,002 rows x "
                              "1,000 columns, more than the limit of 5,000,000 cells (DX_METRICS_MAX_CELLS)) "
                              "(open it in Excel and save it as .xlsx)"]


# ----------------------------------------------------------------------------- the fuzzer

_TAG = re.compile(rb"<([A-Za-z][\w.:-]*)((?:\s+[\w.:-]+=\"[^\"]*\")*)\s*(/?)>")
_TEXT = re.compile(rb">([^<&]+)<")
_ATTR = re.compile(rb'([\w.:-]+)="([^"]*)"')


def _entity(text: bytes, rng) -> bytes:
    """Some ASCII letters and digits of ``text`` written as character references."""
    return b"".join(b"&#%d;" % ch if chr(ch).isalnum() and rng.random() < 0.3 else bytes([ch]) for ch in text)


def _mutate(xml: bytes, rng) -> bytes:
    """The sheet's XML written differently with the same meaning: any whitespace before and
    around attributes, either quote, attributes in any order, the optional r of a row or
    cell left out where the position follows from the one before, character references in
    addresses and texts. Parsed and rewritten element by element."""
    xml = _TEXT.sub(lambda t: b">" + (_entity(t.group(1), rng) if rng.random() < 0.3 else t.group(1)) + b"<", xml)
    out, pos = [], 0
    row = col = 0
    for m in _TAG.finditer(xml):
        out.append(xml[pos:m.start()])
        name, attrs, empty = m.group(1), _ATTR.findall(m.group(2)), m.group(3)
        attrs = [[k, v] for k, v in attrs]
        r = next((a for a in attrs if a[0] == b"r"), None)
        if name == b"row" and r is not None:
            number = int(r[1])
            if number == row + 1 and rng.random() < 0.5:
                attrs.remove(r)
            row, col = number, 0
        elif name == b"c" and r is not None:
            from dx_metrics.ingest.extent import column_number

            c = column_number(r[1].rstrip(b"0123456789").decode())
            if c == col + 1 and rng.random() < 0.5:
                attrs.remove(r)
            else:
                if rng.random() < 0.3:
                    r[1] = r[1].lower()
                if rng.random() < 0.3:
                    r[1] = _entity(r[1], rng)
            col = c
        rng.shuffle(attrs)
        spaces = [b" ", b"\n", b"\t", b"\r\n ", b"  "]
        written = b"".join(rng.choice(spaces) + k + rng.choice([b"", b" ", b"\n"]) + b"=" + rng.choice([b"", b" "])
                           + (b"'" + v.replace(b"'", b"&apos;") + b"'" if rng.random() < 0.5 else b'"' + v + b'"')
                           for k, v in attrs)
        out.append(b"<" + name + written + rng.choice([b"", b" ", b"\n"]) + empty + b">")
        pos = m.end()
    out.append(xml[pos:])
    return b"".join(out)


FUZZ = """
import json, sys
from dx_metrics import read_export, DxDataError, problems_of
for path in sys.argv[1:]:
    print("reading", path, flush=True)
    try:
        df = read_export(path, "dossiers", strict=False)
    except DxDataError as e:
        print(json.dumps({"refused": [str(p) for p in e.problems]}), flush=True)
    else:
        print(json.dumps({"online": df["received_online"].tolist(), "units": df["unit_name"].tolist(),
                          "strays": [p.message for p in problems_of(df) if p.reason == "stray_cell"]}),
              flush=True)
"""


@pytest.mark.parametrize("seed", range(3))
def test_fuzzed_xml_of_valid_workbooks_reads_as_the_original_and_no_process_dies(tmp_path, seed):
    """Forty workbooks per seed, each the one-stop table (half of them with a value in
    XFD1048576) whose sheet XML is rewritten at random with the same meaning; all are read
    by one child process under the memory cap. Each must read exactly as the plain file."""
    import random

    rng = random.Random(seed)
    paths, expected = [], []
    for i in range(40):
        stray = i % 2 == 0
        path = (_with_stray if stray else _table)(tmp_path / f"f{i}.xlsx")
        _rewrite(path, lambda x: _mutate(x, rng))
        paths.append(path)
        expected.append({"online": [60, 10], "units": ["Văn phòng Sở", "Thanh tra Sở"],
                         "strays": ["1 cell(s) far outside the table hold values and were not read: XFD1048576"]
                         if stray else []})
    run = _child(FUZZ, *paths)
    lines = run.stdout.splitlines()
    read = [json.loads(line) for line in lines if not line.startswith("reading ")]
    last = next((line for line in reversed(lines) if line.startswith("reading ")), None)
    assert run.returncode == 0, f"the process died reading {last}: {run.stderr[-1500:]}"
    assert "Traceback" not in run.stderr
    for path, want, got in zip(paths, expected, read):
        assert got == want, (path.name, zipfile.ZipFile(path).read(SHEET)[:600])
    assert len(read) == len(paths)


# ----------------------------------------------------------------------------- in a batch

PLAN = """\
id: {id}
title: Kế hoạch thử
unit: baclieu_dot
year: 2023
inputs:
  - {{path: {path}, kind: dossiers}}
targets:
  - {{indicator: online_dossier_share, value: 20%}}
"""


@pytest.fixture(scope="module", params=["1", "2"], ids=["jobs 1", "jobs 2"])
def batch(request, tmp_path_factory):
    """3 good plans and 3 plans whose input once aborted the process (a far value written
    with a newline before r=; a second r in a cell; an .ods whose grid needs 3 GB), run by
    `dx-metrics run` in a process capped at 4 GB of address space."""
    from conftest import ROOT

    base = tmp_path_factory.mktemp(f"batch{request.param}")
    plans, out = base / "plans", base / "out"
    plans.mkdir()
    for name in ("baclieu_dot_2022.yaml", "baclieu_dot_2023.yaml", "mot_nq17_2019.yaml"):
        (plans / name).write_text((ROOT / "params" / name).read_text("utf-8"), "utf-8")
    inputs = {
        "newline_2023": _rewrite(_with_stray(base / "newline.xlsx"), VARIANTS["a newline before r="]),
        "second_r_2023": _rewrite(_with_stray(base / "second_r.xlsx"),
                                  lambda x: x.replace(b'r="XFD1048576"', b'r="A1" r="XFD1048576"')),
        "bomb_2023": _ods(base / "bomb.ods", rows_repeated=99_000, columns_repeated=1_000),
    }
    for plan_id, path in inputs.items():
        (plans / f"{plan_id}.yaml").write_text(PLAN.format(id=plan_id, path=json.dumps(str(path))), "utf-8")

    def cap() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    run = subprocess.run([sys.executable, "-m", "dx_metrics.cli", "run", str(plans), "--out", str(out), "--data",
                          str(ROOT / "data"), "--jobs", request.param, "--allow-empty"],
                         capture_output=True, text=True, timeout=900, env=dict(os.environ, DX_METRICS_READ_MEMORY=str(1 << 30)),
                         preexec_fn=cap if os.name == "posix" else None)
    return run, out


def test_a_batch_with_inputs_that_once_aborted_reports_every_good_plan(batch):
    run, out = batch
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Traceback" not in run.stdout + run.stderr and "BrokenProcessPool" not in run.stdout + run.stderr
    for year, plan_id in ((2022, "baclieu_dot_2022"), (2023, "baclieu_dot_2023"), (2019, "mot_nq17_2019")):
        assert json.loads((out / str(year) / plan_id / "summary.json").read_text("utf-8"))["plan_id"] == plan_id
    # the far value written with a newline before r= is left out and named; 70 of 150 online
    summary = json.loads((out / "2023" / "newline_2023" / "summary.json").read_text("utf-8"))
    assert any(p["reason"] == "stray_cell" and p["message"].endswith("XFD1048576")
               for p in summary["data_quality"]["problems"])
    (target,) = summary["targets"]
    assert (target["numerator"], target["denominator"]) == (70, 150)
    rows = {line.split()[0]: line for line in run.stdout.splitlines() if " failed " in line}
    assert "is not a well-formed workbook" in rows["second_r_2023"] and "duplicate attribute" in rows["second_r_2023"]
    assert "needs more memory than the limit of 1.0 GiB" in rows["bomb_2023"]
    assert "4 ok, 2 failed" in run.stdout
