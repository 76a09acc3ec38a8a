"""What dx_metrics says about an input is a code with its figures (problems.yaml), said in the
report's language: the Vietnamese report reads Vietnamese, the English one the same words as
before, from one problem."""
from __future__ import annotations

import string

import pytest

from conftest import one_stop_rows, unit_row, write_sheet
from dx_metrics import read_export
from dx_metrics.errors import Problem, problem_templates
from dx_metrics.report import build_plan_report
from dx_metrics.report.tables import problems_frame


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("section", ["problems", "hints"])
def test_every_code_is_said_in_both_languages_with_the_same_figures(section):
    for code, texts in problem_templates()[section].items():
        assert set(texts) == {"en", "vi"}, code
        en, vi = _fields(texts["en"]), _fields(texts["vi"])
        # a Vietnamese text may name a figure's Vietnamese spelling (what_vi) or its kind (kind:table)
        assert {f.split(":")[0].removesuffix("_en") for f in en} <= {f.split(":")[0].removesuffix("_vi") for f in vi} \
            | {"kind"}, code
        assert texts["vi"] != texts["en"] or not any(ch.isalpha() for ch in texts["en"].replace("Biểu", "")), code


def test_an_unknown_code_is_refused():
    with pytest.raises(KeyError, match="no_such_code"):
        Problem(file="f.xlsx", message="", code="no_such_code")


def _bad_report(tmp_path):
    rows = one_stop_rows([unit_row("Văn phòng Sở", 100, 30), unit_row("Phòng Quản lý vận tải, phương tiện và người lái", 50, 10),
                          unit_row("Phòng Mới Thành Lập", 20, 5)], period_line="Năm 2023")
    rows[7][2] = "N/A"          # an online count that is not a count
    write_sheet(tmp_path / "x.xlsx", rows)
    plan = tmp_path / "p.yaml"
    plan.write_text("id: p\ntitle: Thử\nunit: baclieu_dot\nyear: 2023\ninputs:\n  - {path: x.xlsx, kind: dossiers}\n"
                    "targets:\n  - {indicator: online_dossier_share, value: 0.2}\n", encoding="utf-8")
    return build_plan_report(plan, data_dir=tmp_path)


def test_the_vietnamese_report_says_each_problem_in_vietnamese(tmp_path):
    r = _bad_report(tmp_path)
    vi = problems_frame(r, "vi")[0].set_index("Dòng")
    en = problems_frame(r, "en")[0].set_index("Row")
    # row 8: "N/A" in the online column; row 9: a division the registry lacks, counted under the department
    assert vi.at[8, "Nội dung"] == '"N/A" không phải số đếm (cần số nguyên ≥ 0)'
    assert en.at[8, "Message"] == '"N/A" is not a count (expected a whole number ≥ 0)'
    assert vi.at[9, "Nội dung"] == ('"Phòng Mới Thành Lập" không có trong danh mục đơn vị; được tính là đơn vị tạm '
                                    "thuộc SỞ GIAO THÔNG VẬN TẢI (baclieu_dot)")
    assert vi.at[9, "Cách khắc phục"].startswith("thêm đơn vị vào units.csv trong thư mục làm việc")
    assert en.at[9, "Fix"].startswith("add it to units.csv in your workspace")
    shown = " ".join(vi["Nội dung"].astype(str)) + " ".join(vi["Cách khắc phục"].dropna().astype(str))
    for english in ("is not", "row(s)", "the unit registry", "add it", "rows:"):
        assert english not in shown


def test_many_rows_with_one_problem_are_one_line_in_each_language(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["SỔ THEO DÕI HỒ SƠ"])
    ws.append(["Mã hồ sơ", "Đơn vị", "Ngày tiếp nhận", "Hình thức nộp"])
    for i in range(60):
        ws.append([f"H{i}", "Văn phòng Sở", "ngày mai", "Trực tuyến"])
    ws.append(["H60", "Văn phòng Sở", "02/01/2023", "Bằng bồ câu"])
    wb.save(tmp_path / "log.xlsx")
    from dx_metrics.errors import DxDataError

    with pytest.raises(DxDataError) as e:
        read_export(tmp_path / "log.xlsx", "dossier_records", scope="baclieu_dot")
    p = [x for x in e.value.problems if x.code == "not_a_date"]
    assert len(p) == 1 and p[0].row == 3
    assert p[0].say("en") == "is not a date (expected day/month/year, e.g. 14/12/2022) — 60 rows: 3–62"
    assert p[0].say("vi") == "không phải ngày (cần ngày/tháng/năm, ví dụ 14/12/2022) — 60 dòng: 3–62"
    channel = next(x for x in e.value.problems if x.code == "unknown_word")
    assert channel.say("vi") == '"Bằng bồ câu" không phải hình thức nộp (trực tuyến, trực tiếp, bưu chính) đã biết'
    assert channel.hint_said("vi") == "thêm từ này vào mục channel trong dx_metrics/ingest/vocabulary.yaml"


def test_rows_in_more_than_four_runs_say_how_many_runs_are_left_out():
    # rows 3, 5, 7 ... : every bad row its own run; the first four are shown
    p = Problem(file="f.xlsx", message="", code="not_a_date", reason="not_a_date",
                params={"rows": "60", "ranges": "3, 5, 7, 9", "more": 56})
    assert p.say("en") == "is not a date (expected day/month/year, e.g. 14/12/2022) — 60 rows: 3, 5, 7, 9 … +56 more"
    assert p.say("vi").endswith("— 60 dòng: 3, 5, 7, 9 … và 56 mục khác")
    assert Problem(file="f", message="", code="no_data_rows", reason="empty", params={"rows": "2", "ranges": "4–5",
                                                                                      "more": 0}).say("vi") == \
        "bảng có dòng tiêu đề nhưng không có dòng số liệu — 2 dòng: 4–5"


def test_a_log_with_bad_dates_on_every_other_row_reads_to_one_line(tmp_path):
    from openpyxl import Workbook

    from dx_metrics.errors import DxDataError

    wb = Workbook()
    ws = wb.active
    ws.append(["SỔ THEO DÕI HỒ SƠ"])
    ws.append(["Mã hồ sơ", "Đơn vị", "Ngày tiếp nhận", "Hình thức nộp"])
    for i in range(120):      # rows 3-122: a bad date on rows 3, 5, 7 ... 121 (60 rows, 60 runs)
        ws.append([f"H{i}", "Văn phòng Sở", "ngày mai" if i % 2 == 0 else "02/01/2023", "Trực tuyến"])
    wb.save(tmp_path / "log.xlsx")
    with pytest.raises(DxDataError) as e:
        read_export(tmp_path / "log.xlsx", "dossier_records", scope="baclieu_dot")
    (p,) = [x for x in e.value.problems if x.code == "not_a_date"]
    assert p.say("en").endswith("— 60 rows: 3, 5, 7, 9 … +56 more")
    assert p.say("vi").endswith("— 60 dòng: 3, 5, 7, 9 … và 56 mục khác")
