"""Names are data everywhere: text from an export reaches charts, workbooks and CSV files as the
text it is, never as a formula, a mathtext expression or a character the file format cannot hold;
and a name that only looks like a registered one is flagged at its cell (issue 28, item 2)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import one_stop_rows, unit_row, write_sheet
from dx_metrics.errors import problems_of

MACRO = r"$\undefinedmacro{x}$"       # mathtext: matplotlib failed the figure on the unknown macro


def _plan(tmp_path: Path, units: list[list], *, csv: str | None = None) -> Path:
    """A workspace with one one-stop export (Bạc Liêu's transport department) and a plan on it."""
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "params").mkdir(exist_ok=True)
    if csv is None:
        write_sheet(tmp_path / "data" / "a.xlsx", one_stop_rows(units))
        name = "a.xlsx"
    else:
        (tmp_path / "data" / "a.csv").write_text(csv, encoding="utf-8")
        name = "a.csv"
    plan = tmp_path / "params" / "p.yaml"
    plan.write_text("id: p\ntitle: Kế hoạch chuyển đổi số\nunit: baclieu_dot\nyear: 2023\n"
                    "targets:\n  - {indicator: online_dossier_share, comparator: '>=', value: 0.3}\n"
                    f"inputs:\n  - {{path: {name}, kind: dossiers, period: '2023'}}\n", encoding="utf-8")
    return plan


# --- charts: text is drawn as written

@pytest.mark.parametrize("name", [MACRO, "Chi phí 5$ và 10$", r"Phòng $\alpha$"])
def test_a_chart_label_holding_dollar_signs_is_drawn_as_written(name):
    from matplotlib.text import Text

    from dx_metrics.report.charts import drawn_shares, png_bytes, rank_over_years, share_by_unit

    fig = share_by_unit(pd.DataFrame({"unit": [name, "Văn phòng Sở"], "value": [0.25, 0.5]}), title=name, target=0.3)
    assert png_bytes(fig).startswith(b"\x89PNG")           # drawn: no ParseFatalException
    bars, target = drawn_shares(fig)
    assert bars == {name: 0.25, "Văn phòng Sở": 0.5} and target == 0.3
    assert fig.axes[0].get_title(loc="left") == name
    # and drawn as those characters: "$\alpha$" is not turned into "α", nor "5$ và 10$" into italics
    assert not any(t.get_parse_math() for t in fig.findobj(Text))
    fig = rank_over_years(pd.DataFrame({"year": [2022, 2023], "rank": [3, 2], "unit": [name, name]}), title="ICT")
    assert png_bytes(fig).startswith(b"\x89PNG")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [name]


def test_a_report_on_a_unit_named_like_a_formula_is_written_with_its_chart(tmp_path):
    from dx_metrics.pipeline import build_plan_report
    from dx_metrics.report.charts import drawn_shares
    from dx_metrics.report.figures import chart_online_share
    from dx_metrics.report.outputs import write_outputs

    r = build_plan_report(_plan(tmp_path, [unit_row(MACRO, 10, 5), unit_row("Văn phòng Sở", 20, 5)]))
    written = write_outputs(r, tmp_path / "out")
    chart = written["chart_online_dossier_share"]
    assert chart == tmp_path / "out" / "charts" / "online_dossier_share.png"
    assert chart.read_bytes().startswith(b"\x89PNG")
    bars, _ = drawn_shares(chart_online_share(r, "vi"))
    # 5 of 10 online; the department's total 10 of 30 (the provisional unit counts in it)
    assert bars[f"{MACRO} (tạm)"] == pytest.approx(0.5)
    assert bars["Sở Giao thông vận tải tỉnh Bạc Liêu"] == pytest.approx(10 / 30)


# --- look-alike names: invisible characters removed and said; other letters refused at their cell

INVISIBLE = [("\u200b", "U+200B ZERO WIDTH SPACE"), ("\u200c", "U+200C ZERO WIDTH NON-JOINER"),
             ("\u200d", "U+200D ZERO WIDTH JOINER"), ("\ufeff", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
             ("\u202a", "U+202A LEFT-TO-RIGHT EMBEDDING"), ("\u202b", "U+202B RIGHT-TO-LEFT EMBEDDING"),
             ("\u202c", "U+202C POP DIRECTIONAL FORMATTING"), ("\u202d", "U+202D LEFT-TO-RIGHT OVERRIDE"),
             ("\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"), ("\u2066", "U+2066 LEFT-TO-RIGHT ISOLATE"),
             ("\u2067", "U+2067 RIGHT-TO-LEFT ISOLATE"), ("\u2068", "U+2068 FIRST STRONG ISOLATE"),
             ("\u2069", "U+2069 POP DIRECTIONAL ISOLATE"),
             # openpyxl cannot write U+0001; a workbook holds it as "_x0001_", which readers (calamine,
             # Excel) turn back into U+0001: the file of the issue
             ("_x0001_", "U+0001 CONTROL CHARACTER")]


@pytest.mark.parametrize("char, named", INVISIBLE, ids=[n.split(" ")[0] for _, n in INVISIBLE])
def test_an_invisible_character_in_a_unit_name_is_removed_said_and_the_registered_unit_matched(tmp_path, char, named):
    from dx_metrics import read_export

    written = f"Văn ph{char}òng Sở"            # looks like the department's office, which the registry has
    path = write_sheet(tmp_path / "a.xlsx", one_stop_rows([unit_row(written, 10, 4), unit_row("Thanh tra Sở", 5, 1)]))
    df = read_export(path, "dossiers", strict=True)       # a warning: nothing is refused
    assert df["unit_id"].tolist() == ["baclieu_dot_office", "baclieu_dot_inspect"]
    assert df["unit_name"].tolist() == ["Văn phòng Sở", "Thanh tra Sở"]
    assert df.attrs["origin"]["provisional_units"] == []
    (p,) = [p for p in problems_of(df) if p.reason == "lookalike_text"]
    shown = f"Văn ph⟨{named.split(' ')[0]}⟩òng Sở"
    assert (p.severity, p.row, p.column, p.value) == ("warning", 7, "Đơn vị", shown)
    assert p.say("en") == (f'"{shown}" holds invisible characters ({named}); they were removed and the text read '
                           "without them")
    assert p.say("vi") == (f'"{shown}" chứa ký tự ẩn ({named}); các ký tự này đã được bỏ, nội dung được đọc '
                           "không có chúng")


LOOKALIKE = [("Th\u0430nh tra Sở", 'U+0430 CYRILLIC SMALL LETTER A "а"'),
             ("\u03a4hanh tra Sở", 'U+03A4 GREEK CAPITAL LETTER TAU "Τ"'),
             ("\uff34hanh tra Sở", 'U+FF34 FULLWIDTH LATIN CAPITAL LETTER T "Ｔ"'),
             ("\u00d0ội Thanh tra", 'U+00D0 LATIN CAPITAL LETTER ETH "Ð"'),
             ("\u0412\u0103n ph\u043e\u0300ng Sở",
              'U+0412 CYRILLIC CAPITAL LETTER VE "В", U+043E CYRILLIC SMALL LETTER O "о"')]


@pytest.mark.parametrize("written, named", LOOKALIKE, ids=["cyrillic", "greek", "fullwidth", "eth", "two"])
def test_a_unit_name_with_look_alike_letters_is_an_error_at_its_cell_never_a_new_unit(tmp_path, written, named):
    from dx_metrics import DxDataError, read_export

    path = write_sheet(tmp_path / "a.xlsx", one_stop_rows([unit_row("Văn phòng Sở", 10, 4), unit_row(written, 5, 1)]))
    df = read_export(path, "dossiers", strict=False)
    assert df["unit_id"].tolist() == ["baclieu_dot_office"]           # the row is left out, not a provisional unit
    assert df.attrs["origin"]["provisional_units"] == [] and df.attrs["origin"]["rejected_rows"] == 1
    (p,) = [p for p in problems_of(df) if p.reason == "lookalike_text"]
    assert (p.severity, p.row, p.column) == ("error", 8, "Đơn vị")
    assert p.say("vi") == (f'"{written}" chứa ký tự giống chữ Việt nhưng khác mã ({named}); không thể đối chiếu '
                           "an toàn nên không được đọc")
    assert p.say("en") == (f'"{written}" holds characters that look like Vietnamese letters but are other characters '
                           f"({named}); it cannot be matched safely, and is not read")
    assert p.hint.startswith("retype the text with a Vietnamese keyboard")
    with pytest.raises(DxDataError) as e:
        read_export(path, "dossiers")
    assert [q.row for q in e.value.problems if q.severity == "error"] == [8]


def test_validate_names_the_look_alike_cell_and_exits_1(tmp_path, capsys):
    from dx_metrics.cli import main

    path = write_sheet(tmp_path / "a.xlsx", one_stop_rows([unit_row("Văn phòng Sở", 10, 4),
                                                           unit_row("Th\u0430nh tra Sở", 5, 1)]))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "1 valid row(s), 1 error(s)" in out
    assert ('error     8    Đơn vị  Thаnh tra Sở  "Thаnh tra Sở" holds characters that look like Vietnamese letters '
            'but are other characters (U+0430 CYRILLIC SMALL LETTER A "а")') in out


def test_names_in_the_title_rows_are_checked_too(tmp_path):
    from dx_metrics import read_export

    units = [unit_row("Văn phòng Sở", 10, 4), unit_row("Thanh tra Sở", 5, 1)]
    rows = one_stop_rows(units)
    rows[1] = ["SỞ GIAO\u200b THÔNG VẬN TẢI"]          # hidden: read without it, the department found
    df = read_export(write_sheet(tmp_path / "a.xlsx", rows), "dossiers")
    assert df.attrs["origin"]["scope_id"] == "baclieu_dot" and df["unit_id"].tolist()[0] == "baclieu_dot_office"
    (p,) = [p for p in problems_of(df) if p.reason == "lookalike_text"]
    assert (p.severity, p.row, p.column) == ("warning", 2, None)
    rows[1] = ["SỞ GIAО THÔNG VẬN TẢI"]                 # a Cyrillic "О": never a provisional body shown alike
    df = read_export(write_sheet(tmp_path / "b.xlsx", rows), "dossiers", strict=False)
    origin = df.attrs["origin"]
    assert origin["scope_id"] == "prov_95" and not origin["scope_provisional"]      # the province, named above it
    (p,) = [p for p in problems_of(df) if p.reason == "lookalike_text"]
    assert (p.severity, p.row) == ("error", 2)
    assert p.say("en").startswith('"SỞ GIAО THÔNG VẬN TẢI" holds characters that look like Vietnamese letters but '
                                  'are other characters (U+041E CYRILLIC CAPITAL LETTER O "О")')


def test_the_hidden_characters_are_every_format_and_control_character_python_knows():
    import sys
    import unicodedata

    from dx_metrics.text import HIDDEN_RANGES, hidden_characters

    table = {i for a, b in HIDDEN_RANGES for i in range(a, b + 1)}
    cf = {i for i in range(sys.maxunicode + 1) if unicodedata.category(chr(i)) == "Cf"}
    controls = {i for i in range(sys.maxunicode + 1) if unicodedata.category(chr(i)) == "Cc" and not chr(i).isspace()}
    assert cf | controls <= table
    assert hidden_characters("a\u200bb\u202ec\u200b") == ["\u200b", "\u202e"] and hidden_characters("Bạc Liêu") == []


# --- workbooks: every text written as the workbook can hold it, and what was replaced said

def _sheet_rows(path: Path, sheet: str) -> list[list]:
    """A written sheet as Excel reads it (calamine decodes "_x0001_" as Excel does; openpyxl does not)."""
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def _records(path: Path, sheet: str) -> list[dict]:
    head, *rows = _sheet_rows(path, sheet)
    return [dict(zip(head, r)) for r in rows]


def test_a_control_character_in_an_export_never_reaches_the_workbook_and_is_said_at_its_cell(tmp_path):
    from openpyxl import load_workbook

    from dx_metrics.pipeline import build_plan_report
    from dx_metrics.report.outputs import write_outputs

    # openpyxl writes "_x0001_"; calamine (and Excel) read it back as U+0001: the hostile file of the issue
    plan = _plan(tmp_path, [unit_row("Phòng Quản lý vận tải_x0001_", 10, 4), unit_row("Văn phòng Sở", 20, 5)])
    written = write_outputs(build_plan_report(plan), tmp_path / "out")
    book = written["workbook"]
    load_workbook(book)                                     # opens
    units = {r["Đơn vị"] for r in _records(book, "Chỉ số")}
    assert "Phòng Quản lý vận tải (tạm)" in units
    (dq,) = [r for r in _records(book, "Chất lượng dữ liệu") if r["Loại"] == "Ký tự ẩn hoặc giống chữ Việt"]
    assert (dq["Mức độ"], dq["Tệp"], dq["Dòng"], dq["Cột"]) == ("cảnh báo", "a.xlsx", 7, "Đơn vị")
    assert dq["Nội dung"] == ('"Phòng Quản lý vận tải⟨U+0001⟩" chứa ký tự ẩn (U+0001 CONTROL CHARACTER); các ký tự '
                              "này đã được bỏ, nội dung được đọc không có chúng")
    assert written["document"].is_file()                   # report.docx too (python-docx refused U+0001 as well)


def test_text_a_workbook_cannot_hold_is_written_with_a_replacement_and_noted(tmp_path):
    from openpyxl import load_workbook

    from dx_metrics.pipeline import build_plan_report
    from dx_metrics.report.outputs import write_outputs

    # a CSV keeps "_x0001_" as six characters; written into a workbook as they are, Excel would read U+0001
    csv = ("UBND TỈNH BẠC LIÊU\nSỞ GIAO THÔNG VẬN TẢI\nĐơn vị,Trực tuyến,\"Trực tiếp, dịch vụ bưu chính\"\n"
           "Phòng A_x0001_B,4,6\nVăn phòng Sở,5,15\nĐội _x0041_,1,1\n")
    plan = _plan(tmp_path, [], csv=csv)
    text = plan.read_text("utf-8").replace("targets:", 'tasks:\n  - {id: T1, title: "Triển khai\\x02 hệ thống", '
                                                       "owner: baclieu_dot_office, status: done}\ntargets:")
    plan.write_text(text, encoding="utf-8")
    r = build_plan_report(plan)
    assert "Phòng A_x0001_B" in set(r.tables["dossiers"]["unit_name"])      # read as written
    book = write_outputs(r, tmp_path / "out")["workbook"]
    load_workbook(book)
    units = {x["Đơn vị"] for x in _records(book, "Chỉ số")}
    assert "Phòng A\ufffdB (tạm)" in units                  # not U+0001 once Excel reads it
    assert "Đội _x0041_ (tạm)" in units                     # an escape of a letter: shown as written, not "Đội A"
    tasks = [x for x in _records(book, "Nhiệm vụ")]
    assert any(v == "Triển khai\ufffd hệ thống" for x in tasks for v in x.values())
    noted = [x for x in _records(book, "Chất lượng dữ liệu") if x["Tệp"] == "evaluation.xlsx"]
    assert {(x["Trang tính"], x["Nội dung"]) for x in noted} >= {
        ("Chỉ số", '"Phòng A\ufffdB (tạm)" có ký tự mà tệp Excel không chứa được (U+0001 CONTROL CHARACTER); mỗi ký '
                   "tự được ghi thành \ufffd"),
        ("Nhiệm vụ", '"Triển khai\ufffd hệ thống" có ký tự mà tệp Excel không chứa được (U+0002 CONTROL CHARACTER); '
                     "mỗi ký tự được ghi thành \ufffd")}
    assert all(x["Mức độ"] == "cảnh báo" and isinstance(x["Dòng"], (int, float)) for x in noted)


def test_the_workbook_writer_holds_any_text():
    import tempfile

    from dx_metrics.report.workbook import cell_text, write_workbook

    texts = ["A\x00B", "\x0b\x0c\x1f", "_x0001__x001F_", "_X0041_ _x0041_", "\ud800x", "\ufffe", "tab\tand\nline"]
    df = pd.DataFrame({"Tên": pd.Series(texts, dtype=object)})
    with tempfile.TemporaryDirectory() as tmp:
        path = write_workbook(Path(tmp) / "w.xlsx", [("Tên", df, {})])
        got = [r[0] for r in _sheet_rows(path, "Tên")[1:]]
    assert got == ["A\ufffdB", "\ufffd" * 3, "\ufffd\ufffd", "_X0041_ _x0041_", "\ufffdx", "\ufffd", "tab\tand\nline"]
    assert cell_text("_x0041_") == ("_x005F_x0041_", [])


# --- CSV written for people to open in a spreadsheet: no cell is a formula

FORMULAS = ["=cmd|' /C calc'!A0", "\t=1+2", "+84 Phòng Một cửa", "@SUM(A1)", "-Phòng Kế hoạch"]
CSV_HEAD = ('UBND TỈNH BẠC LIÊU\nSỞ GIAO THÔNG VẬN TẢI\nNăm 2023\n'
            'Đơn vị,Trực tuyến,"Trực tiếp, dịch vụ bưu chính"\n')


def _csv_export(path: Path, names: list[str]) -> Path:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(CSV_HEAD)
        csv.writer(f).writerows([[n, 1, 2] for n in names])
    return path


def test_units_suggest_writes_no_cell_a_spreadsheet_would_evaluate_and_reads_it_back(tmp_path, monkeypatch, capsys):
    import csv

    from dx_metrics import read_export, units
    from dx_metrics.cli import main

    export = _csv_export(tmp_path / "a.csv", [*FORMULAS, "Văn phòng Sở"])
    monkeypatch.chdir(tmp_path)
    assert main(["units", "suggest", str(export), "--write", "units.csv"]) == 0
    with open(tmp_path / "units.csv", encoding="utf-8", newline="") as f:
        head, *rows = list(csv.reader(f))
    assert head == units.COLUMNS
    written = {r[head.index("name_vi")]: r for r in rows}
    # the reader trims the tab (clean_label); the apostrophe defuses what is left
    assert sorted(written) == sorted(["'=cmd|' /C calc'!A0", "'=1+2", "'+84 Phòng Một cửa", "'@SUM(A1)",
                                      "'-Phòng Kế hoạch"])
    assert all(r[head.index("name_variants")] == name for name, r in written.items())
    assert all(not cell.startswith(units.FORMULA_STARTS) for r in rows for cell in r)
    # printed for pasting: the same cells
    capsys.readouterr()
    assert main(["units", "suggest", str(_csv_export(tmp_path / "b.csv", ["=HYPERLINK(\"http://x\")"]))]) == 0
    assert "'=HYPERLINK(\"\"http://x\"\")" in capsys.readouterr().out
    # the rows as a workspace registry: each name is its text again, and the export's names are known units
    units.set_overlay(tmp_path / "units.csv")
    reg = units.load_units().set_index("name_vi")
    assert {"=cmd|' /C calc'!A0", "=1+2", "@SUM(A1)"} <= set(reg.index)
    df = read_export(export, "dossiers")
    assert df.attrs["origin"]["provisional_units"] == []
    assert df.set_index("unit_name").at["=cmd|' /C calc'!A0", "unit_id"] == reg.at["=cmd|' /C calc'!A0", "unit_id"]


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@A1", "\t=1", "\r=1", "'=1", "''", "Phòng 'A'", "'Phòng"])
def test_a_csv_cell_reads_back_as_the_text_written(text):
    from dx_metrics.units import FORMULA_STARTS, csv_cell, from_csv_cell

    assert from_csv_cell(csv_cell(text)) == text
    assert not csv_cell(text).startswith(FORMULA_STARTS)
