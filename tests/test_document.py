"""report.docx, the administrative report a director signs, opened with python-docx: the
Decree 30/2020 page setup and header block, and the results table's figures against
summary.json (worked out again here from summary.json's numbers, not taken from the code)."""
from __future__ import annotations

import json

import docx
import pytest
from docx.shared import Pt

from conftest import ROOT
from dx_metrics.pipeline import build_plan_report
from dx_metrics.report import write_outputs


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("doc")
    r = build_plan_report(ROOT / "params" / "baclieu_dot_2023.yaml")
    return {lang: write_outputs(r, out / lang, lang=lang, generated_at="2024-01-15T08:00:00+00:00")
            for lang in ("vi", "en")}


def _vi_percent(x: float, digits: int = 2) -> str:
    return f"{x * 100:.{digits}f}".replace(".", ",") + "%"


def test_page_setup_and_font_follow_decree_30(written):
    d = docx.Document(written["vi"]["document"])
    s = d.sections[0]
    # Word stores lengths in twentieths of a point: within 0,1 mm
    assert [x.mm for x in (s.page_width, s.page_height)] == pytest.approx([210, 297], abs=0.1)       # A4
    margins = [s.top_margin, s.bottom_margin, s.left_margin, s.right_margin]
    assert [x.mm for x in margins] == pytest.approx([20, 20, 30, 15], abs=0.1)
    normal = d.styles["Normal"].font
    assert normal.name == "Times New Roman" and Pt(13) <= normal.size <= Pt(14)


def test_the_header_block_names_the_issuing_body_and_leaves_number_and_date_to_fill(written):
    d = docx.Document(written["vi"]["document"])
    left, right = (c.text.split("\n") for c in d.tables[0].rows[0].cells)
    assert left[:2] == ["UBND TỈNH BẠC LIÊU", "SỞ GIAO THÔNG VẬN TẢI"] and left[-1] == "Số: …/BC-…"
    assert right[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert right[-1] == "Bạc Liêu, ngày … tháng … năm …"
    texts = [p.text for p in d.paragraphs]
    assert "BÁO CÁO" in texts
    assert "Kết quả thực hiện kế hoạch chuyển đổi số năm 2023 của Sở Giao thông vận tải tỉnh Bạc Liêu" in texts
    assert "[Phần này do đơn vị soạn thảo: phương hướng, giải pháp và kiến nghị.]" in texts
    signature = d.tables[-1].rows[0].cells
    assert signature[0].text.startswith("Nơi nhận:") and signature[1].text.startswith("THỦ TRƯỞNG ĐƠN VỊ")


def test_the_results_table_says_what_summary_json_says(written):
    summary = json.loads(written["vi"]["summary"].read_text("utf-8"))
    d = docx.Document(written["vi"]["document"])
    table = d.tables[1]
    assert [c.text for c in table.rows[0].cells] == ["STT", "Chỉ tiêu", "Chỉ tiêu kế hoạch", "Kết quả", "Chênh lệch",
                                                     "Đánh giá"]
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert len(rows) == len(summary["targets"])
    share = next(t for t in summary["targets"] if t["indicator_id"] == "online_dossier_share")
    row = rows["Tỷ lệ hồ sơ trực tuyến"]
    # 2.076 / 6.800 = 30,53 % against ≥ 20 %: +10,53 points, achieved
    assert share["numerator"] / share["denominator"] == pytest.approx(2076 / 6800)
    assert row[2:] == ["≥ 20%", _vi_percent(share["actual"]) + "\n(Năm 2023)",
                       "+" + f"{share['gap']:.2f}".replace(".", ",") + "\u00a0điểm\u00a0%", "Đạt"]
    assert row[3] == "30,53%\n(Năm 2023)"          # every figure says the span it covers, on a line of its own
    statuses = {"achieved": "Đạt", "not_achieved": "Không đạt"}
    assert sorted(r[5] for r in rows.values()) == sorted(statuses[t["status"]] for t in summary["targets"])
    counts = [p.text for p in d.paragraphs if p.text.startswith("Kế hoạch có")]
    achieved = sum(t["status"] == "achieved" for t in summary["targets"])
    assert counts[0] == (f"Kế hoạch có {len(summary['targets'])} chỉ tiêu: {achieved} đạt, "
                         f"{len(summary['targets']) - achieved} không đạt.")
    assert counts[1].startswith(f"Kế hoạch có {summary['tasks']['total']} nhiệm vụ: "
                                f"{summary['tasks']['by_status']['done']} đã hoàn thành, "
                                f"{summary['tasks']['overdue']} quá hạn")


def test_overdue_tasks_are_listed_by_owner(written):
    summary = json.loads(written["vi"]["summary"].read_text("utf-8"))
    d = docx.Document(written["vi"]["document"])
    overdue = d.tables[2]
    assert len(overdue.rows) - 1 == summary["tasks"]["overdue"] == 2
    assert [r.cells[3].text for r in overdue.rows[1:]] == ["30/09/2023", "31/10/2023"]     # T05, T09


def test_the_english_document(written):
    d = docx.Document(written["en"]["document"])
    right = d.tables[0].rows[0].cells[1].text
    assert right.startswith("SOCIALIST REPUBLIC OF VIET NAM\nIndependence - Freedom - Happiness")
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in d.tables[1].rows[1:]}
    assert rows["Online dossier share"][2:] == ["≥ 20%", "30.53%\n(2023)", "+10.53\u00a0pp", "Achieved"]


def test_the_2024_document_lists_the_reviews_flags(tmp_path):
    r = build_plan_report(ROOT / "params" / "baclieu_dot_2024.yaml")
    written = write_outputs(r, tmp_path, lang="vi")
    texts = [p.text for p in docx.Document(written["document"]).paragraphs]
    assert "Rà soát chất lượng số liệu phát hiện 7 dấu hiệu cần kiểm tra lại:" in texts
    # in plain words, what, whose and when; the figures and thresholds are in the workbook
    assert ("- Tồn đầu kỳ khác tồn cuối kỳ trước (số hồ sơ kỳ trước chuyển qua): Phòng Quản lý vận tải, phương "
            "tiện và người lái, Quý II/2024.") in texts


def _runs(cell):
    return [(r.text, bool(r.bold), bool(r.italic), r.font.size.pt if r.font.size else None)
            for p in cell.paragraphs for r in p.runs if r.text]


def test_the_header_block_has_the_sizes_decree_30_asks(written):
    # Appendix I: issuer 12–13 pt bold; number 13; national name 12–13 bold; motto 13–14 bold;
    # place and date 13–14 italic
    d = docx.Document(written["vi"]["document"])
    left, right = (_runs(c) for c in d.tables[0].rows[0].cells)
    assert left[0] == ("UBND TỈNH BẠC LIÊU", False, False, 13) and left[1] == ("SỞ GIAO THÔNG VẬN TẢI", True, False, 13)
    assert left[-1] == ("Số: …/BC-…", False, False, 13)
    assert right[0] == ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True, False, 12)
    assert right[1] == ("Độc lập - Tự do - Hạnh phúc", True, False, 13)
    assert right[-1] == ("Bạc Liêu, ngày … tháng … năm …", False, True, 13)
    assert [round(c.width.mm) for c in d.tables[0].rows[0].cells] == [70, 95]


def test_a_long_issuing_body_is_set_on_whole_word_lines_that_fit(tmp_path):
    from dx_metrics.report.document import HEADER_MM, caps_mm, name_lines

    name = "SỞ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN"     # 99 mm in 13 pt bold: two lines
    lines = name_lines(name, HEADER_MM[0] - 1, 13)
    assert lines == ["SỞ NÔNG NGHIỆP VÀ", "PHÁT TRIỂN NÔNG THÔN"] and " ".join(lines) == name
    assert all(caps_mm(x, 13) <= HEADER_MM[0] - 1 for x in lines)
    # Times New Roman Bold's advance widths, kerning left out (an upper bound), a capital with marks
    # as wide as its letter: the national name at 12 pt is 88,3 mm, which the right column holds on
    # one line with its margins (0,5 mm each side)
    assert caps_mm("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12) == pytest.approx(88.3, abs=0.1)
    assert caps_mm("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12) + 1 <= HEADER_MM[1]


def test_pages_are_numbered_from_the_second_centred_in_the_top_margin(written):
    d = docx.Document(written["vi"]["document"])
    s = d.sections[0]
    assert s.different_first_page_header_footer                  # the first page shows no number
    assert not "".join(p.text for p in s.first_page_header.paragraphs).strip()
    (p,) = s.header.paragraphs
    assert p.alignment == 1                                       # centred
    fields = p._p.findall(".//{http://schemas.openxmlformats.org/wordprocessingml/2006/main}fldSimple")
    assert [f.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}instr") for f in fields] == ["PAGE"]


def test_every_run_of_text_is_marked_vietnamese_and_tables_repeat_their_header(written):
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    for lang, code in (("vi", "vi-VN"), ("en", "en-US")):
        d = docx.Document(written[lang]["document"])
        runs = list(d.element.body.iter(f"{ns}r"))
        assert runs and all(r.find(f"{ns}rPr/{ns}lang").get(f"{ns}val") == code for r in runs), lang
    d = docx.Document(written["vi"]["document"])
    for table in d.tables[1:-1]:                                   # results and tasks, not the two blocks
        mark = table.rows[0]._tr.find(f"{ns}trPr/{ns}tblHeader")
        assert mark is not None and mark.get(f"{ns}val") == "true"


def test_the_legal_basis_is_body_text(written):
    d = docx.Document(written["vi"]["document"])
    (p,) = [p for p in d.paragraphs if p.text.startswith("Căn cứ")]
    assert p.text == "Căn cứ KH 37/KH-SGTVT ngày 23/11/2022."
    assert p.alignment == 3 and not any(r.italic for r in p.runs)          # justified, upright


def _target_row(**kw):
    import pandas as pd

    row = {"indicator_id": "online_dossier_share", "comparator": ">=", "target": 0.725, "actual": 0.15,
           "projected": 0.18, "gap": -0.125 * 100, "status": "not_achieved", "span": "2023-01/2023-07",
           "basis_period": None}
    return pd.Series({**row, **kw})


def test_a_results_row_shows_the_projection_and_the_target_as_the_plan_wrote_it():
    from dx_metrics.report.document import target_cells

    # 15 % online over January–July, projected to 18 % for the year, against at least 72,5 %
    cells = target_cells(_target_row(), "vi")
    assert cells[1] == "≥ 72,5%"                                   # not "≥ 73%"
    assert cells[2].startswith("18,00%\n(dự báo cả năm, từ số liệu ")   # the projection, not the 15 %
    assert target_cells(_target_row(), "en")[2].startswith("18.00%\n(year-end projection from ")
    # a whole target keeps no decimals; two decimals where the plan wrote two
    assert target_cells(_target_row(target=0.20), "vi")[1] == "≥ 20%"
    assert target_cells(_target_row(target=0.7255), "vi")[1] == "≥ 72,55%"
    # no projection: the figure of the months read
    assert target_cells(_target_row(projected=None), "vi")[2] == "15,00%\n(" + cells[2].split("số liệu ")[1]
