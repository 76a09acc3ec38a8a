"""report.docx details that mutation testing of report/document.py found unpinned (issue 27)."""
from __future__ import annotations

import docx
import pytest
from docx.enum.text import WD_COLOR_INDEX

from conftest import ROOT
from dx_metrics.pipeline import build_plan_report
from dx_metrics.report import write_outputs
from dx_metrics.report.document import caps_mm

# Adobe's Times-Bold.afm (Core 14 fonts, "C ... ; WX ..."): the advance width of each capital and
# of the signs a body's name uses, in 1/1000 em; Times New Roman Bold and Liberation Serif Bold
# have the same metrics
TIMES_BOLD_AFM = {"A": 722, "B": 667, "C": 722, "D": 722, "E": 667, "F": 611, "G": 778, "H": 778, "I": 389,
                  "J": 500, "K": 778, "L": 667, "M": 944, "N": 722, "O": 778, "P": 611, "Q": 778, "R": 722,
                  "S": 556, "T": 667, "U": 722, "V": 722, "W": 1000, "X": 722, "Y": 722, "Z": 667, " ": 250,
                  "&": 833, ".": 250, ",": 250, "-": 333, "(": 333, ")": 333}


@pytest.mark.parametrize("sign", sorted(TIMES_BOLD_AFM))
def test_each_capital_is_as_wide_as_times_bold_publishes(sign):
    # at 72 pt one em is 72 pt = 25,4 mm: a sign of w/1000 em is w × 0,0254 mm wide
    assert caps_mm(sign, 72) == pytest.approx(TIMES_BOLD_AFM[sign] * 0.0254, abs=1e-9)


def test_a_capital_with_marks_is_as_wide_as_its_letter_and_d_with_stroke_as_d():
    # Đ has no decomposition: it is listed as D's 722; Ộ, Ữ are their base letters
    assert caps_mm("ĐỘ", 72) == pytest.approx((722 + 778) * 0.0254, abs=1e-9)
    assert caps_mm("LỮ", 72) == pytest.approx((667 + 722) * 0.0254, abs=1e-9)


@pytest.fixture(scope="module")
def document(tmp_path_factory):
    r = build_plan_report(ROOT / "params" / "baclieu_dot_2023.yaml")
    out = write_outputs(r, tmp_path_factory.mktemp("doc"), lang="vi", generated_at="2024-01-15T08:00:00+00:00")
    return docx.Document(out["document"])


def _runs(cell):
    return [(r.text, bool(r.bold), bool(r.italic), r.font.size.pt) for p in cell.paragraphs for r in p.runs if r.text]


def test_the_header_and_signature_blocks_are_set_as_decree_30_shows_them(document):
    # Appendix I: national name bold 12 pt, motto bold 13 pt, under it a plain rule, then the place
    # and date in italics; "Nơi nhận:" bold italic 12 pt, its list 11 pt upright; the signer's title
    # bold upright, the hint in italics, the name bold
    nation = document.tables[0].rows[0].cells[1]
    assert _runs(nation) == [("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True, False, 12),
                             ("Độc lập - Tự do - Hạnh phúc", True, False, 13), ("―――――――――", False, False, 13),
                             ("Bạc Liêu, ngày … tháng … năm …", False, True, 13)]
    recipients, signer = document.tables[-1].rows[0].cells
    assert _runs(recipients) == [("Nơi nhận:", True, True, 12), ("- Như trên;", False, False, 11),
                                 ("- …;", False, False, 11), ("- Lưu: VT.", False, False, 11)]
    assert _runs(signer) == [("THỦ TRƯỞNG ĐƠN VỊ", True, False, 14), ("(Ký, ghi rõ họ tên và đóng dấu)", False, True, 14),
                             ("[Họ và tên]", True, False, 14)]


def test_the_title_is_bold_and_centred_body_text_indented_1_cm_and_only_the_placeholder_highlighted(document):
    texts = [p for p in document.paragraphs if p.text]
    title, subtitle = texts[0], texts[1]
    assert (title.text, subtitle.text[:30]) == ("BÁO CÁO", "Kết quả thực hiện kế hoạch chu")
    assert all(p.alignment == 1 and all(r.bold for r in p.runs) for p in (title, subtitle))
    body = [p for p in texts[2:] if not p.runs[0].bold]
    # Decree 30/2020: a paragraph's first line indented 1 to 1,27 cm; the report takes 1 cm
    assert body and all(round(p.paragraph_format.first_line_indent.mm, 1) == 10.0 for p in body)
    assert [p.text for p in texts if any(r.font.highlight_color == WD_COLOR_INDEX.YELLOW for r in p.runs)] == [
        "[Phần này do đơn vị soạn thảo: phương hướng, giải pháp và kiến nghị.]"]


def test_the_tables_header_rows_are_bold_12_pt_and_their_cells_12_pt_upright(document):
    for table in document.tables[1:-1]:
        head = [r for c in table.rows[0].cells for r in c.paragraphs[0].runs if r.text]
        assert head and all(r.bold and r.font.size.pt == 12 for r in head)
        cells = [r for row in table.rows[1:] for c in row.cells for r in c.paragraphs[0].runs if r.text]
        assert all(not r.bold and r.font.size.pt == 12 for r in cells)


def test_the_header_block_names_the_ministry_above_a_department_and_leaves_the_place_to_fill():
    from dx_metrics.report.document import _bodies

    # Decree 30/2020, Appendix I: the body above in plain capitals, the issuer below; the place is
    # a province's name, and a department of a ministry has none in the registry: "…" to fill in
    assert _bodies("mot_caav") == ("BỘ GIAO THÔNG VẬN TẢI", "CỤC HÀNG KHÔNG VIỆT NAM", "…")
    assert _bodies("baclieu_dot") == ("UBND TỈNH BẠC LIÊU", "SỞ GIAO THÔNG VẬN TẢI", "Bạc Liêu")
    assert _bodies("prov_01") == (None, "UBND THÀNH PHỐ HÀ NỘI", "Hà Nội")


def test_a_count_targets_gap_is_a_count_not_percentage_points():
    import pandas as pd

    from dx_metrics.report.document import target_cells

    # 20.579 individual accounts (seed 001) against at least 25.000: 4.421 short, a count
    row = pd.Series({"indicator_id": "accounts_individual_count", "comparator": ">=", "target": 25000,
                     "actual": 20579, "projected": None, "gap": -4421, "status": "not_achieved", "span": None,
                     "basis_period": None})
    cells = target_cells(row, "vi")
    assert cells[1:4] == ["≥ 25.000", "20.579", "-4.421"]
    assert target_cells(row, "en")[1:4] == ["≥ 25,000", "20,579", "-4,421"]
