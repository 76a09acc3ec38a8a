"""Formatting, the Excel workbook and the chart font."""
import pandas as pd
import pytest
from openpyxl import load_workbook

from dx_metrics.formats import fmt_number, fmt_percent, fmt_points
from dx_metrics.report.workbook import write_workbook


@pytest.mark.parametrize("fn, x, lang, expected", [
    (fmt_percent, 0.1875, "vi", "18,75%"),          # seed 002
    (fmt_percent, 0.1875, "en", "18.75%"),
    (fmt_number, 375462, "vi", "375.462"),          # seed 001
    (fmt_number, 94403, "en", "94,403"),
    (fmt_percent, 0.18745, "vi", "18,75%"),         # half away from zero, not banker's
    (fmt_points, -1.25, "vi", "−1,25 điểm %"),
    (fmt_points, 10.5294, "en", "+10.53 pp"),
    (fmt_percent, None, "vi", "—"),
])
def test_formatters(fn, x, lang, expected):
    assert fn(x, lang=lang) == expected


def test_workbook_text_never_becomes_a_formula(tmp_path):
    df = pd.DataFrame({"Đơn vị": ['=HYPERLINK("http://x","y")', "+1", "@SUM(A1)"], "Tỷ lệ": [0.1875, 0.2, None],
                       "Số": [2062, 375462, 1]})
    path = write_workbook(tmp_path / "w.xlsx", [("Chỉ số", df, {"Tỷ lệ": "percent", "Số": "integer"})])
    ws = load_workbook(path)["Chỉ số"]
    assert [c.data_type for c in ws["A"][1:]] == ["s", "s", "s"]
    assert ws["A2"].value == '=HYPERLINK("http://x","y")'
    assert ws["B2"].number_format == "0.00%" and ws["C3"].number_format == "#,##0"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:C4"


def test_chart_font_covers_vietnamese():
    import unicodedata

    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    from dx_metrics.report.charts import FONT, share_by_unit

    font = FT2Font(font_manager.findfont(FONT, fallback_to_default=False))
    charmap = font.get_charmap()
    for ch in "ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđĐƯƠ":
        assert ord(ch) in charmap, f"{FONT} lacks {ch!r}"
    # and the project's chart uses it, with labels composed (NFC) even when given decomposed
    name = unicodedata.normalize("NFD", "Phòng Quản lý vận tải")
    fig = share_by_unit(pd.DataFrame({"unit": [name], "value": [0.3]}), title="Tỷ lệ hồ sơ trực tuyến", target=0.2)
    labels = fig.axes[0].get_yticklabels()
    assert [t.get_text() for t in labels] == [unicodedata.normalize("NFC", name)]
    assert {t.get_fontname() for t in labels} | {fig.axes[0].title.get_fontname()} == {FONT}


@pytest.mark.parametrize("label, vi, en", [
    ("2024-Q2", "Quý II/2024", "Q2 2024"), ("2024", "Năm 2024", "2024"), ("2024-H1", "6 tháng đầu năm 2024", "H1 2024"),
    ("2024-07", "Tháng 7/2024", "Jul 2024"), ("2019-01/2019-07", "Tháng 1–7/2019", "Jan–Jul 2019"),
    ("2022-12/2023-11", "12/2022–11/2023", "Dec 2022–Nov 2023"),
])
def test_periods_are_shown_as_readers_write_them(label, vi, en):
    from dx_metrics.formats import fmt_period

    assert (fmt_period(label, lang="vi"), fmt_period(label, lang="en")) == (vi, en)


def test_every_problem_type_has_a_name_in_both_languages():
    from dx_metrics.errors import REASONS
    from dx_metrics.report.labels import REASON

    for lang in ("vi", "en"):
        assert set(REASON[lang]) == set(REASONS), lang


def test_the_data_quality_table_names_problem_types_in_the_report_language(tmp_path):
    from conftest import one_stop_rows, unit_row, write_sheet
    from dx_metrics.pipeline import build_plan_report
    from dx_metrics.report.tables import problems_frame

    (tmp_path / "data").mkdir()
    (tmp_path / "params").mkdir()
    write_sheet(tmp_path / "data" / "a.xlsx", one_stop_rows([unit_row("Phòng Không Có Thật", 10, 5)]))
    plan = tmp_path / "params" / "p.yaml"
    plan.write_text("id: p\ntitle: t\nunit: baclieu_dot\nyear: 2023\ninputs:\n  - {path: a.xlsx, kind: dossiers}\n",
                    encoding="utf-8")
    df, _ = problems_frame(build_plan_report(plan), "vi")
    types = set(df.iloc[:, 1])
    assert "Đơn vị tạm" in types and "provisional_unit" not in types


def test_points_values_and_periods_at_their_edges():
    import math

    from dx_metrics.formats import fmt_number, fmt_period, fmt_points, fmt_value

    assert fmt_points(2.5) == "+2,50 điểm %" and fmt_points(-1) == "−1,00 điểm %" and fmt_points(0) == "±0,00 điểm %"
    assert fmt_points(0.5) == "+0,50 điểm %" and fmt_points(-0.5) == "−0,50 điểm %"     # under one point: signed too
    assert fmt_points(None) == "—" and fmt_points(math.nan) == "—" and fmt_number(math.nan) == "—"
    assert fmt_value(0.25, "share") == "25,00%" and fmt_value(1234, "count") == "1.234"
    assert fmt_period(None) == "—" and fmt_period("not a period") == "not a period"
    assert (fmt_period("2024-H2"), fmt_period("2024-H2", lang="en")) == ("6 tháng cuối năm 2024", "H2 2024")
    assert (fmt_period("2024-Q1"), fmt_period("2024-Q4")) == ("Quý I/2024", "Quý IV/2024")
