"""Hostile and careless exports: bounded reading, nothing lost without a word.

Each file is built here. Reads that could abort the process (a value in XFD1048576 made
calamine ask for 549,755,813,888 bytes) run `dx-metrics validate` in a child process, so
a crash is a failed test, not a dead test session."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
from openpyxl import Workbook

from conftest import one_stop_rows, unit_row, write_sheet
from dx_metrics import read_export
from dx_metrics.errors import problems_of

UNITS = [unit_row("Văn phòng Sở", 100, 60), unit_row("Thanh tra Sở", 50, 10)]


def _validate(*args, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "dx_metrics.cli", "validate", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=300)


def _one_stop_with(tmp_path, name: str, extra: dict[str, object]):
    wb = Workbook()
    ws = wb.active
    ws.title = "Biểu 06a"
    for r in one_stop_rows(UNITS, total=[150 + 0, 70, 80, 0, 150, 0, 150, 0, 0, 0, 0], footer=False):
        ws.append(r)
    for address, value in extra.items():
        ws[address] = value
    path = tmp_path / name
    wb.save(path)
    return path


@pytest.mark.parametrize("address", ["XFD1048576", "Z1048576", "AZ1000000"])
def test_a_far_stray_cell_is_reported_and_the_table_read_without_it(tmp_path, address):
    path = _one_stop_with(tmp_path, "stray.xlsx", {address: "x"})
    run = _validate(path, "--kind", "dossiers")
    assert run.returncode == 0, run.stderr[-2000:]          # warnings only: the table is fine
    assert "dossiers, sheet Biểu 06a, period 2023, 2 valid row(s), 0 error(s)" in run.stdout
    assert f"1 cell(s) far outside the table hold values and were not read: {address}" in run.stdout
    df = read_export(path, "dossiers", strict=False)
    assert df["received_online"].tolist() == [60, 10]


def test_a_table_over_the_cell_budget_is_refused_with_its_size(tmp_path):
    path = _one_stop_with(tmp_path, "big.xlsx", {})
    run = _validate(path, "--kind", "dossiers", env_extra={"DX_METRICS_MAX_CELLS": "50"})
    assert run.returncode == 2
    # 9 rows (3 title, a blank, 2 header, 2 units, the totals) x 13 columns
    assert ('big.xlsx, sheet "Biểu 06a": the sheet holds A1:M9 (117 cells), more than the limit of 50 cells'
            in run.stdout)


def test_a_formula_without_a_saved_result_is_an_error_at_its_cell(tmp_path):
    # openpyxl saves formulas without results, as some export tools do; row 8 is Thanh tra Sở
    path = _one_stop_with(tmp_path, "formula.xlsx", {"D8": "=D7-50"})
    with pytest.raises(Exception) as info:
        read_export(path, "dossiers")
    df = read_export(path, "dossiers", strict=False)
    assert df["unit_name"].tolist() == ["Văn phòng Sở"]     # the other row is kept
    (p,) = [p for p in problems_of(df) if p.reason == "formula_without_value"]
    assert (p.row, p.severity) == (8, "error")
    assert p.message == ("cell(s) D8 hold a formula saved without its result; dx_metrics reads saved values "
                         "only, so the cell would read as blank")
    assert "open the file in Excel and save it" in p.hint
    assert not [p for p in problems_of(df) if p.reason == "skipped_row"]
    assert "formula" in str(info.value)


def test_a_csv_line_with_one_field_too_many_is_an_error_at_its_row(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Đơn vị,Kỳ báo cáo,Tiếp nhận trong kỳ,Trực tuyến\n"
                    "Văn phòng Sở,2023,1.200,300\n"
                    "Thanh tra Sở,2023,1,500,200\n", encoding="utf-8")
    df = read_export(path, "dossiers", strict=False)
    assert df["unit_name"].tolist() == ["Văn phòng Sở"]
    (p,) = [p for p in problems_of(df) if p.reason == "extra_field"]
    assert (p.row, p.severity) == (3, "error")
    assert p.message.startswith("the line has more fields than the header's 4")


def test_a_blank_period_cell_is_an_error_at_its_row_and_the_rest_is_kept(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Đơn vị,Kỳ báo cáo,Tiếp nhận trong kỳ,Trực tuyến\n"
                    "Văn phòng Sở,2023,1.200,300\n"
                    "Thanh tra Sở,,500,200\n"
                    "Phòng Quản lý vận tải,2023,80,8\n", encoding="utf-8")
    df = read_export(path, "dossiers", strict=False)
    assert df["unit_name"].tolist() == ["Văn phòng Sở", "Phòng Quản lý vận tải"]
    (p,) = [p for p in problems_of(df) if p.severity == "error"]
    assert (p.row, p.column, p.message) == (3, "Kỳ báo cáo", "is empty, and the title rows state no period for it")


def test_a_trailing_line_of_spaces_is_ignored(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Đơn vị,Kỳ báo cáo,Tiếp nhận trong kỳ,Trực tuyến\n"
                    "Sở GTVT Bạc Liêu,2023,1.200,300\n"
                    " \n", encoding="utf-8")
    run = _validate(path, "--kind", "dossiers")
    assert run.returncode == 0 and "1 valid row(s), 0 error(s), 0 warning(s)" in run.stdout


@pytest.mark.parametrize("count", [1e20, "99999999999999999999", "1.000.000.000.000.000.000"])
def test_an_impossibly_large_count_is_an_error_at_its_cell(tmp_path, count):
    rows = one_stop_rows([unit_row("Văn phòng Sở", 100, 60), ["Thanh tra Sở", 50, count, 40, 0, 50, 0, 50, 0, 0, 0, 0]])
    df = read_export(write_sheet(tmp_path / "huge.xlsx", rows), "dossiers", strict=False)
    assert df["unit_name"].tolist() == ["Văn phòng Sở"]
    (p,) = [p for p in problems_of(df) if p.severity == "error"]
    assert p.row == 8 and p.column == "Số hồ sơ nhận giải quyết / Trực tuyến"
    assert p.message.endswith("is too large for a count (more than 1.000.000.000.000.000)")


def _workbook(path, sheets: dict[str, tuple[list[list], str]]):
    wb = Workbook()
    wb.remove(wb.active)
    for name, (rows, state) in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        ws.sheet_state = state
    wb.save(path)
    return path


def test_a_hidden_sheet_is_read_only_when_named_and_reported_when_skipped(tmp_path):
    shown = one_stop_rows(UNITS, footer=False)
    secret = one_stop_rows([unit_row("Văn phòng Sở", 999, 900)], footer=False)
    path = _workbook(tmp_path / "hidden.xlsx", {"Biểu 06a": (shown, "visible"), "Nháp": (secret, "hidden")})
    df = read_export(path, "dossiers", strict=False)
    assert df["received_total"].tolist() == [100, 50]
    (p,) = [p for p in problems_of(df) if p.reason == "hidden_sheet"]
    assert p.message == 'sheet "Nháp" is hidden and holds a dossiers table too; it was not read'
    assert read_export(path, "dossiers", sheet="Nháp")["received_total"].tolist() == [999]


def test_a_workbook_whose_only_table_is_on_a_very_hidden_sheet(tmp_path):
    path = _workbook(tmp_path / "veryhidden.xlsx", {"Bìa": ([["Báo cáo"]], "visible"),
                                                     "Data": (one_stop_rows(UNITS, footer=False), "veryHidden")})
    run = _validate(path, "--kind", "dossiers")
    assert run.returncode == 1
    assert 'sheet "Data" is hidden and holds a dossiers table too; it was not read' in run.stdout


def test_a_column_of_a_thousand_bad_cells_is_one_problem(tmp_path):
    rows = [["Năm 2023"], ["Đơn vị", "Tiếp nhận trong kỳ", "Trực tuyến"]]
    rows += [[f"Đơn vị {i}", "N/A", 1] for i in range(1000)]
    df = read_export(write_sheet(tmp_path / "na.xlsx", rows), "dossiers", strict=False)
    errors = [p for p in problems_of(df) if p.severity == "error"]
    assert len(errors) == 1 and len(df) == 0
    assert errors[0].row == 3
    assert errors[0].message.endswith("— 1.000 rows: 3–1.002")


def test_a_formula_whose_result_is_empty_text_is_a_blank_not_an_error(tmp_path):
    # Excel saves =IF(…;"";…) as t="str" with an empty <v>: a real (empty) result
    import zipfile

    path = _one_stop_with(tmp_path, "empty_text.xlsx", {"N7": "=1"})
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    # openpyxl writes the empty result as <v /> or <v/> (with lxml installed) or <v></v>
    files[sheet] = re.sub(rb'<c r="N7"><f>1</f><v ?/>(?:</v>)?</c>|<c r="N7"><f>1</f><v></v></c>',
                          b'<c r="N7" t="str"><f>IF(1,"","")</f><v></v></c>', files[sheet])
    assert b'IF(1,' in files[sheet]
    from dx_metrics.ingest.extent import scan_xlsx

    assert scan_xlsx(path)["Biểu 06a"].formulas_without_value == ["N7"]      # as openpyxl saved it
    with zipfile.ZipFile(path, "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    assert scan_xlsx(path)["Biểu 06a"].formulas_without_value == []          # as Excel saves ""


def test_a_formula_without_result_in_a_column_not_read_loses_nothing(tmp_path):
    path = _one_stop_with(tmp_path, "note_formula.xlsx", {"N8": "=A1"})        # column N has no header
    df = read_export(path, "dossiers")
    assert df["unit_name"].tolist() == ["Văn phòng Sở", "Thanh tra Sở"]


def _cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: letters with a hat or horn precomposed,
    tone marks as separate combining characters."""
    import unicodedata

    out = b""
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        tones = ""
        for m in marks:
            joined = unicodedata.normalize("NFC", base + m)
            try:
                joined.encode("cp1258")
                base = joined if len(joined) == 1 else base
                tones += "" if len(joined) == 1 else m
            except UnicodeEncodeError:
                tones += m
        out += base.encode("cp1258") + tones.encode("cp1258")
    return out


TEXT = "Đơn vị,Kỳ báo cáo,Tiếp nhận trong kỳ,Trực tuyến\r\nSở GTVT Bạc Liêu,2023,1.200,300\r\n"


@pytest.mark.parametrize("encoding, bom", [("cp1258", b""), ("utf-16-le", b""), ("utf-16-be", b""),
                                           ("utf-16-le", b"\xff\xfe"), ("utf-8", b"\xef\xbb\xbf")])
def test_csv_encodings_read_the_same_figures(tmp_path, encoding, bom):
    data = bom + (_cp1258(TEXT) if encoding == "cp1258" else TEXT.encode(encoding))
    if encoding == "cp1258":
        data += b" " * (len(data) % 2)             # an even byte count: the case once decoded as UTF-16
        assert len(data) % 2 == 0
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    df = read_export(path, "dossiers")
    assert (df.loc[0, "unit_name"], df.loc[0, "received_total"], df.loc[0, "received_online"]) == \
        ("Sở GTVT Bạc Liêu", 1200, 300)


def test_the_row_number_column_is_read_past_without_a_word(tmp_path):
    rows = [["Năm 2023"], ["STT", "Chỉ tiêu", "Đơn vị", "Giá trị"], [1, "staff_dx_awareness_share", "Sở GTVT Bạc Liêu", "75%"]]
    df = read_export(write_sheet(tmp_path / "obs.xlsx", rows), "observations")
    assert problems_of(df) == [] and df.loc[0, "value"] == 0.75
