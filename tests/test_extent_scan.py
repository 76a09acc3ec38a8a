"""The pre-read scan of an .xlsx sheet finds the real occupied box however the XML is
written: attributes in any order, a namespace prefix, rows out of order, columns beyond Z,
and in pieces when the sheet is big. Checked against ElementTree's reading of the same XML."""
from __future__ import annotations

import random
import re
import zipfile
from xml.etree import ElementTree

import pytest

from dx_metrics.ingest import extent

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _cell(ref: str, style: str, prefix: str) -> str:
    c = f"{prefix}c"
    if style == "plain":
        return f'<{c} r="{ref}" t="inlineStr"><{prefix}is><{prefix}t>x</{prefix}t></{prefix}is></{c}>'
    if style == "reordered":
        return f'<{c} s="1" t="n" r="{ref}"><{prefix}v>1</{prefix}v></{c}>'
    return f'<{c} r="{ref}" s="2"/>'     # styled, empty


def _sheet_xml(cells: dict[int, list[str]], *, style, prefix: str, row_order: list[int]) -> str:
    decl = f'xmlns:{prefix[:-1]}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    pick = style if callable(style) else (lambda ref: style)
    rows = []
    for r in row_order:
        row_attrs = f'spans="1:3" r="{r}"' if pick(f"A{r}") == "reordered" else f'r="{r}"'
        rows.append(f"<{prefix}row {row_attrs}>" + "".join(_cell(ref, pick(ref), prefix) for ref in cells[r])
                    + f"</{prefix}row>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><{prefix}worksheet {decl} xmlns:r="{RELS}">'
            f'<{prefix}dimension ref="A1"/><{prefix}sheetData>{"".join(rows)}</{prefix}sheetData></{prefix}worksheet>')


def _xlsx(path, sheet_xml: str):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>'
                                      f'<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return path


def _box_by_elementtree(sheet_xml: str) -> tuple[int, int]:
    root = ElementTree.fromstring(sheet_xml)
    rows = cols = 0
    for c in root.iter(f"{{{MAIN}}}c"):
        ref = c.get("r")
        letters = ref.rstrip("0123456789")
        rows = max(rows, int(ref[len(letters):]))
        cols = max(cols, extent.column_number(letters))
    return rows, cols


def _random_cells(rng: random.Random) -> dict[int, list[str]]:
    n_rows = rng.randrange(1, 40)
    widest = rng.choice(["C", "L", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD"])
    cells = {}
    for r in rng.sample(range(1, rng.choice([50, 9_999, 1_048_576])), n_rows):
        n = rng.randrange(1, 5)
        cols = sorted({rng.randrange(1, extent.column_number(widest) + 1) for _ in range(n)})
        cells[r] = [f"{extent.column_letters(c)}{r}" for c in cols]
    return cells


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("style", ["plain", "reordered", "empty", "mixed"])
@pytest.mark.parametrize("prefix", ["", "x:"])
def test_the_scanned_box_is_the_box_elementtree_reads(tmp_path, seed, style, prefix):
    rng = random.Random(seed)
    cells = _random_cells(rng)
    order = sorted(cells)
    if seed % 3 == 0:                      # rows out of order: the last element is not the last row
        rng.shuffle(order)
    chosen = (lambda ref: rng.choice(["plain", "reordered", "empty"])) if style == "mixed" else style
    xml = _sheet_xml(cells, style=chosen, prefix=prefix, row_order=order)
    got = extent.scan_xlsx(_xlsx(tmp_path / "s.xlsx", xml))["S"]
    assert (got.last_row, got.last_col) == _box_by_elementtree(xml)


def test_one_reordered_cell_among_plain_ones_still_counts(tmp_path):
    cells = {r: [f"A{r}", f"B{r}"] for r in range(1, 200)}
    xml = _sheet_xml(cells, style="plain", prefix="", row_order=sorted(cells))
    xml = xml.replace("</sheetData>", '<row r="200"><c t="n" r="AB200"><v>1</v></c></row></sheetData>')
    got = extent.scan_xlsx(_xlsx(tmp_path / "s.xlsx", xml))["S"]
    assert (got.last_row, got.last_col) == (200, 28)


def test_a_sheet_scanned_in_small_pieces_gives_the_same_box(tmp_path, monkeypatch):
    rng = random.Random(5)
    cells = {r: [f"{extent.column_letters(c)}{r}" for c in sorted(rng.sample(range(1, 30), 3))]
             for r in range(1, 3000)}
    cells[2999].append("AQ2999")
    xml = _sheet_xml(cells, style=lambda ref: rng.choice(["plain", "reordered"]), prefix="",
                     row_order=sorted(cells))
    path = _xlsx(tmp_path / "s.xlsx", xml)
    whole = extent.scan_xlsx(path)["S"]
    monkeypatch.setattr(extent, "WHOLE_BELOW", 1)          # every sheet read in pieces
    monkeypatch.setattr(extent, "PIECE", 4096)             # of 4 kB
    extent._scan.cache_clear()
    pieces = extent.scan_xlsx(path)["S"]
    assert (whole.last_row, whole.last_col) == (pieces.last_row, pieces.last_col) == _box_by_elementtree(xml)


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_formulas_saved_without_a_result_are_found_however_written(tmp_path, prefix):
    p = prefix
    xml = (f'<{p}worksheet xmlns{":" + p[:-1] if p else ""}="{MAIN}"><{p}sheetData>'
           f'<{p}row r="1"><{p}c r="A1"><{p}v>2</{p}v></{p}c>'
           f'<{p}c r="B1"><{p}f t="shared" ref="B1:B3" si="0">A1*2</{p}f><{p}v>4</{p}v></{p}c></{p}row>'
           f'<{p}row r="2"><{p}c r="A2"><{p}v>3</{p}v></{p}c><{p}c r="B2"><{p}f t="shared" si="0"/></{p}c></{p}row>'
           f'<{p}row r="3"><{p}c r="A3"><{p}v>5</{p}v></{p}c><{p}c r="B3"><{p}f>A3*2</{p}f><{p}v></{p}v></{p}c>'
           f'<{p}c r="C3" t="str"><{p}f>""</{p}f><{p}v></{p}v></{p}c></{p}row>'
           f'</{p}sheetData></{p}worksheet>')
    got = extent.scan_xlsx(_xlsx(tmp_path / "f.xlsx", xml))["S"]
    # B2 (a shared formula's cell with no <v>) and B3 (an empty <v>); C3's result is empty text
    assert got.formulas_without_value == ["B2", "B3"]
    assert (got.last_row, got.last_col) == (3, 3)


def _box_by_position(sheet_xml: str) -> tuple[int, int]:
    """The box as SpreadsheetML places cells: a row's number is its r or the one before plus
    one, a cell's column its r or the one before plus one; where a cell's address names
    another row than its row element, the further one (calamine follows the address,
    openpyxl the row element). ElementTree walks the XML."""
    root = ElementTree.fromstring(sheet_xml)
    rows = cols = row = 0
    for r_el in root.iter(f"{{{MAIN}}}row"):
        row = int(r_el.get("r")) if r_el.get("r") else row + 1
        col = 0
        for c in r_el.iter(f"{{{MAIN}}}c"):
            ref = c.get("r")
            col = extent.column_number(ref.rstrip("0123456789")) if ref else col + 1
            named = int(ref[len(ref.rstrip("0123456789")):]) if ref else 0
            rows, cols = max(rows, row, named), max(cols, col)
    return rows, cols


@pytest.mark.parametrize("seed", range(30))
def test_cells_and_rows_without_r_are_counted_by_position(tmp_path, seed):
    rng = random.Random(seed)
    cells = _random_cells(rng)
    xml = _sheet_xml(cells, style="plain", prefix="", row_order=sorted(cells))
    # drop the r of some rows and cells: a row's r where it follows the row before, a
    # cell's where it follows the cell before; and some cells' r anyway (then the cell is
    # the one after the previous, wherever the address said)
    def drop(m: re.Match) -> str:
        return m.group(0).replace(f' r="{m.group(1)}"', "", 1) if rng.random() < 0.5 else m.group(0)

    xml = re.sub(r'<c r="([A-Z]+[0-9]+)"', drop, xml)
    xml = re.sub(r'<row r="([0-9]+)"', drop, xml)
    got = extent.scan_xlsx(_xlsx(tmp_path / "s.xlsx", xml))["S"]
    assert not got.plain
    assert (got.last_row, got.last_col) == _box_by_position(xml)
