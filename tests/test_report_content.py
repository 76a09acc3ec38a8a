"""What a report shows, asserted on the figures, labels and statuses users read: the chart's
bars and target line read back from the drawn figure, the workbook's cells, summary.json,
and the HTML of the report's tables (escaped). Expected figures come from the sample's
cells (rows 10–13 of data/raw/sgtvt_baclieu_mot_cua_2023.xlsx, read here with
python-calamine), never from dx_metrics.
"""
from __future__ import annotations

import json

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from conftest import ROOT, RAW, one_stop_rows, unit_row, write_sheet
from dx_metrics.pipeline import build_plan_report
from dx_metrics.report import view, write_outputs
from dx_metrics.report.charts import drawn_shares
from dx_metrics.report.figures import chart_online_share

PLAN_2023 = ROOT / "params" / "baclieu_dot_2023.yaml"


@pytest.fixture(scope="module")
def report_2023():
    return build_plan_report(PLAN_2023)


def _shares_from_cells() -> dict[str, float]:
    rows = CalamineWorkbook.from_path(RAW / "sgtvt_baclieu_mot_cua_2023.xlsx").get_sheet_by_name("Biểu 06a").to_python()
    # online (D) ÷ newly received (C − F: the total less what was carried over)
    out = {r[1]: r[3] / (r[2] - r[5]) for r in rows[9:13]}
    online, newly = sum(r[3] for r in rows[9:13]), sum(r[2] - r[5] for r in rows[9:13])
    out["Sở Giao thông vận tải tỉnh Bạc Liêu"] = online / newly        # 2.076 / 6.800
    return out


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_chart_draws_each_units_share_and_the_target_line(report_2023, lang):
    bars, target = drawn_shares(chart_online_share(report_2023, lang))
    expected = _shares_from_cells()
    # the chart names units by the registry (in the report's language): compare the bars' lengths,
    # and the department's own bar (the total) by its name
    total = "Sở Giao thông vận tải tỉnh Bạc Liêu" if lang == "vi" else "Bac Lieu Department of Transport"
    assert bars[total] == pytest.approx(expected.pop("Sở Giao thông vận tải tỉnh Bạc Liêu"))   # 2.076 / 6.800
    assert sorted(v for k, v in bars.items() if k != total) == pytest.approx(sorted(expected.values()))
    assert target == pytest.approx(0.20)                        # the plan: online share >= 20 %


def test_a_chart_of_quarters_says_each_bars_quarter():
    from dx_metrics.plans import load_plan

    r = build_plan_report(load_plan(ROOT / "params" / "baclieu_dot_2024.yaml"))
    fig = chart_online_share(r, "vi")
    bars, _ = drawn_shares(fig)
    # the year the target is judged on, added up from the four quarters (2.182 ÷ 6.977 = 31,27 %),
    # then four quarters of five divisions and the department (24), less the inspectorate's missing
    # Q3 report and the quality division's Q3 of 0 dossiers (no share): each bar names its span
    assert len(bars) == 23 and "Phòng Quản lý chất lượng công trình giao thông (Quý III/2024)" not in bars
    assert bars["Sở Giao thông vận tải tỉnh Bạc Liêu (Năm 2024)"] == pytest.approx(2182 / 6977, abs=1e-9)
    top = max(fig.axes[0].get_yticklabels(), key=lambda t: t.get_position()[1]).get_text()
    assert top == "Sở Giao thông vận tải tỉnh Bạc Liêu (Năm 2024)"        # first, at the chart's head
    assert "Sở Giao thông vận tải tỉnh Bạc Liêu (Quý IV/2024)" in bars
    assert all(k.endswith(("(Quý I/2024)", "(Quý II/2024)", "(Quý III/2024)", "(Quý IV/2024)", "(Năm 2024)"))
               for k in bars)


def test_the_workbook_and_summary_show_the_figures_statuses_and_counts(report_2023, tmp_path):
    written = write_outputs(report_2023, tmp_path, lang="vi", generated_at="2024-01-15T08:00:00+00:00")
    targets = pd.read_excel(written["workbook"], sheet_name="Chỉ tiêu", engine="calamine")
    share = targets[targets["Chỉ tiêu"] == "Tỷ lệ hồ sơ trực tuyến"].iloc[0]
    assert (share["Tử số"], share["Mẫu số"]) == (2076, 6800)
    assert share["Đánh giá"] == "Đạt"                        # 30,53 % against >= 20 %
    summary = json.loads(written["summary"].read_text("utf-8"))
    statuses = [t["status"] for t in summary["targets"]]
    met = sum(s in ("achieved", "on_track") for s in statuses)
    judged = sum(s != "no_data" for s in statuses)
    facts = pd.read_excel(written["workbook"], sheet_name="Tổng hợp", engine="calamine", header=0)
    line = facts[facts.iloc[:, 0].astype(str).str.startswith("Chỉ tiêu: đạt")].iloc[0, 1]
    assert line == f"{met} / {judged} / {len(statuses)}"
    assert summary["targets"][statuses.index("achieved")]["status"] == "achieved"
    online = next(t for t in summary["targets"] if t["indicator_id"] == "online_dossier_share")
    # attainment: the value over the target, (2.076 / 6.800) ÷ 20 % = 1,526; the gap in points, 30,53 − 20
    assert online["attainment"] == pytest.approx(2076 / 6800 / 0.20)
    assert online["gap"] == pytest.approx((2076 / 6800 - 0.20) * 100)


def test_the_vietnamese_report_speaks_vietnamese_and_the_english_one_english(report_2023):
    vi = view.targets(report_2023, "vi").to_html()
    en = view.targets(report_2023, "en").to_html()
    assert "Tỷ lệ hồ sơ trực tuyến" in vi and "Đạt" in vi and "Online dossier share" not in vi
    assert "Online dossier share" in en and "Achieved" in en and "Tỷ lệ hồ sơ trực tuyến" not in en
    assert "30,53" in vi and "30.53" in en                   # numbers in each language's format


def _html(shown) -> str:
    """The HTML a notebook cell shows: a table (Styler) or an HTML block."""
    return shown.to_html() if hasattr(shown, "to_html") else shown.data


def test_names_from_a_file_are_escaped_in_the_html(tmp_path):
    rows = one_stop_rows([unit_row("Văn phòng Sở <script>alert(1)</script>", 100, 30)], period_line="Năm 2023")
    write_sheet(tmp_path / "x.xlsx", rows)
    plan = tmp_path / "p.yaml"
    plan.write_text("id: p\ntitle: Thử\nunit: baclieu_dot\nyear: 2023\ninputs:\n  - {path: x.xlsx, kind: dossiers}\n"
                    "targets:\n  - {indicator: online_dossier_share, value: 0.2}\n", encoding="utf-8")
    r = build_plan_report(plan, data_dir=tmp_path)
    page = "".join(_html(x) for x in (view.indicators(r, "vi"), view.data_quality(r, "vi"), view.sources(r, "vi")))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_rejected_rows_are_noted_beside_the_figure_they_leave_out(tmp_path):
    rows = one_stop_rows([unit_row("Văn phòng Sở", 50, 10), unit_row("Thanh tra Sở", 40, 4)], period_line="Năm 2023")
    rows[7][3] = 999                                   # Thanh tra Sở: 999 online of 40 received, rejected
    write_sheet(tmp_path / "x.xlsx", rows)
    plan = tmp_path / "p.yaml"
    plan.write_text("id: p\ntitle: Thử\nunit: baclieu_dot\nyear: 2023\ninputs:\n  - {path: x.xlsx, kind: dossiers}\n"
                    "targets:\n  - {indicator: online_dossier_share, value: 0.2}\n", encoding="utf-8")
    r = build_plan_report(plan, data_dir=tmp_path)
    written = write_outputs(r, tmp_path / "out", lang="vi")
    targets = pd.read_excel(written["workbook"], sheet_name="Chỉ tiêu", engine="calamine")
    row = targets[targets["Chỉ tiêu"] == "Tỷ lệ hồ sơ trực tuyến"].iloc[0]
    assert (row["Tử số"], row["Mẫu số"]) == (10, 50)             # the rejected row is not counted
    assert row["Ghi chú"] == ("1 dòng của x.xlsx bị loại vì lỗi số liệu, không được tính "
                              "(xem mục chất lượng dữ liệu)")                  # in the report's language


def test_the_year_over_year_chart_draws_both_years_and_both_targets(report_2023):
    from dx_metrics.pipeline import build_comparison, previous_report
    from dx_metrics.report.charts import drawn_years
    from dx_metrics.report.figures import chart_years

    last = previous_report(report_2023)
    cmp = build_comparison(report_2023, last)
    drawn = drawn_years(chart_years(report_2023, cmp, "vi"))
    share = drawn["Tỷ lệ hồ sơ trực tuyến"]
    # 2022: 1.200 / 6.400 = 18,75 % (seed 002); 2023: 2.076 / 6.800; the target was 20 % both years
    assert share["previous"] == pytest.approx(1200 / 6400) and share["current"] == pytest.approx(2076 / 6800)
    assert share["target_previous"] == pytest.approx(0.20) and share["target_current"] == pytest.approx(0.20)


def test_where_a_figure_comes_from_is_said_in_the_report_language(report_2023):
    from dx_metrics.report.tables import indicators_frame

    vi = indicators_frame(report_2023, "vi")[0]["Nguồn"].dropna()
    en = indicators_frame(report_2023, "en")[0]["Source"].dropna()
    assert any(", dòng 10–13" in s for s in vi) and not any(" rows " in s for s in vi)
    assert any(", rows 10–13" in s for s in en)


def test_the_task_counts_by_status_are_the_plans(report_2023, tmp_path):
    # params/baclieu_dot_2023.yaml: 16 tasks, 2 done, 7 in progress, 7 not started (counted in the file)
    write_outputs(report_2023, tmp_path, lang="vi", generated_at="2024-01-15T08:00:00+00:00")
    tasks = json.loads((tmp_path / "summary.json").read_text("utf-8"))["tasks"]
    assert tasks["total"] == 16
    assert tasks["by_status"] == {"not_started": 7, "in_progress": 7, "done": 2}


def test_the_workbooks_first_sheet_and_the_task_table_say_what_the_plan_says(report_2023):
    from dx_metrics.report.tables import summary_frame, tasks_frame

    facts = dict(summary_frame(report_2023, "vi", generated_at="2024-01-15T08:00:00+00:00").to_numpy())
    # params/baclieu_dot_2023.yaml: KH 37's reference; 16 tasks, 2 done; T05 and T09 overdue at the year end
    assert facts["Căn cứ"] == "KH 37/KH-SGTVT ngày 23/11/2022"
    assert (facts["Tổng số nhiệm vụ"], facts["Đã hoàn thành"], facts["Quá hạn"]) == (16, 2, 2)
    assert facts["Lập lúc"] == "15/01/2024 15:00 (giờ Việt Nam)"          # 08:00 UTC on Vietnam's clock
    tasks = tasks_frame(report_2023, "vi")[0].set_index("Mã")["Quá hạn"]
    assert sorted(tasks[tasks == "Có"].index) == ["T05", "T09"] and set(tasks.drop(["T05", "T09"])) == {""}


def test_summary_json_keeps_vietnamese_letters_as_they_are(report_2023, tmp_path):
    write_outputs(report_2023, tmp_path, lang="vi", generated_at="2024-01-15T08:00:00+00:00")
    text = (tmp_path / "summary.json").read_text("utf-8")
    assert "Sở Giao thông vận tải" in text and "\\u" not in text


def test_a_review_of_one_unit_has_no_overall_row_and_says_a_logs_span_in_months():
    from dx_metrics.quality import review
    from dx_metrics.report.quality import flag_text, summary_frame

    t0 = pd.Timestamp("2024-01-10 08:00")
    rec = pd.DataFrame({"dossier_id": ["a", "b"], "unit_id": ["prov_95", "prov_95"], "channel": ["online", "online"],
                        "received_at": [t0, t0 + pd.Timedelta(days=62)]})
    r = review(tables={"dossier_records": rec})
    table = summary_frame(r.flags, r.completeness, "vi")[0]
    assert table["Đơn vị"].tolist() == ["Tỉnh Bạc Liêu"]                 # one unit: no "Toàn bộ" row
    gap = r.flags.iloc[0]
    assert flag_text(gap, "vi") == ("không có hồ sơ nào trong Tháng 2/2024, dù sổ theo dõi có hồ sơ của đơn vị "
                                    "trong các tháng khác (Tháng 1/2024 – Tháng 3/2024)")


def test_outputs_written_again_into_their_folder_and_stamped_when_no_time_is_given(report_2023, tmp_path):
    import datetime as dt

    write_outputs(report_2023, tmp_path, lang="vi", generated_at="2024-01-15T08:00:00+00:00")
    write_outputs(report_2023, tmp_path, lang="vi")           # the same folder again: replaced, not refused
    stamp = json.loads((tmp_path / "summary.json").read_text("utf-8"))["generated_at"]
    assert abs(dt.datetime.now(dt.timezone.utc) - dt.datetime.fromisoformat(stamp)) < dt.timedelta(hours=1)


def test_a_workbook_with_last_year_has_its_sheets_in_order_and_last_years_figures(report_2023, tmp_path):
    from dx_metrics.pipeline import build_comparison, previous_report

    cmp = build_comparison(report_2023, previous_report(report_2023))
    out = tmp_path / "nested" / "2023"                      # folders that do not exist yet are made
    written = write_outputs(report_2023, out, lang="vi", generated_at="2024-01-15T08:00:00+00:00", comparison=cmp)
    sheets = pd.ExcelFile(written["workbook"], engine="calamine").sheet_names
    # the comparison after targets and indicators; the data review's two sheets before the sources
    assert sheets == ["Tổng hợp", "Chỉ tiêu", "Chỉ số", "So với năm trước", "Nhiệm vụ", "Xếp hạng",
                      "Chất lượng dữ liệu", "Rà soát số liệu", "Rà soát - dấu hiệu", "Nguồn dữ liệu"]
    last = pd.read_excel(written["workbook"], sheet_name="So với năm trước", engine="calamine")
    share = last[(last["Chỉ tiêu"] == "Tỷ lệ hồ sơ trực tuyến") & (last["Đơn vị"] == "Sở Giao thông vận tải tỉnh Bạc Liêu")]
    # 2022: 1.200 / 6.400 (seed 002); 2023: 2.076 / 6.800 (the sample's rows 10–13)
    assert share["Năm trước"].iloc[0] == pytest.approx(0.1875)
    assert share["Năm nay"].iloc[0] == pytest.approx(2076 / 6800)
    assert written["chart_year_over_year"].name == "year_over_year.png" and written["chart_year_over_year"].exists()
    assert written["chart_online_dossier_share"].name == "online_dossier_share.png"
    assert written["chart_online_dossier_share"].exists()


def test_outputs_in_a_language_the_report_does_not_speak_are_refused_before_anything_is_written(report_2023, tmp_path):
    with pytest.raises(ValueError, match="'fr'"):
        write_outputs(report_2023, tmp_path / "fr", lang="fr")
    assert not (tmp_path / "fr").exists()


def test_an_index_plan_writes_each_indexs_charts_and_the_ministrys_published_rank(tmp_path):
    # seed 004: the Ministry of Transport was 13th of 20 in the ICT Index 2019, up 4 from 17th;
    # 4th of 20 in IT application
    r = build_plan_report(ROOT / "params" / "mot_nq17_2019.yaml")
    written = write_outputs(r, tmp_path, lang="vi", generated_at="2019-08-01T08:00:00+00:00")
    for index in ("ict", "egdi"):
        for chart in ("rank", "ranking"):
            assert written[f"chart_{index}_{chart}"].name == f"{index}_{chart}.png"
            assert written[f"chart_{index}_{chart}"].stat().st_size > 0
    ranks = pd.read_excel(written["workbook"], sheet_name="Xếp hạng", engine="calamine")
    mot = ranks[(ranks["Chỉ số"] == "ICT") & (ranks["Đơn vị"] == "Bộ Giao thông vận tải")].set_index(["Năm", "Thành phần"])
    assert mot.loc[(2019, "Tổng"), "Hạng trong nhóm"] == "13/20" and mot.loc[(2019, "Tổng"), "Thay đổi hạng"] == 4
    assert mot.loc[(2018, "Tổng"), "Hạng trong nhóm"] == "17/20"
    assert mot.loc[(2019, "Ứng dụng công nghệ thông tin"), "Hạng trong nhóm"] == "4/20"


def test_every_table_refuses_a_language_the_report_does_not_speak(report_2023):
    # a notebook run with lang="fr" must stop at its first table, not print one half in Vietnamese
    from dx_metrics.report import quality, tables
    from dx_metrics.pipeline import build_comparison, previous_report

    r = report_2023
    cmp = build_comparison(r, previous_report(r))
    calls = {
        "targets": lambda lang: tables.targets_frame(r, lang),
        "early_warning": lambda lang: tables.early_warning_frame(r, lang),
        "owners": lambda lang: tables.owners_frame(r, lang),
        "rankings": lambda lang: tables.rankings_frame(r, lang),
        "indicators": lambda lang: tables.indicators_frame(r, lang),
        "tasks": lambda lang: tables.tasks_frame(r, lang),
        "problems": lambda lang: tables.problems_frame(r, lang),
        "sources": lambda lang: tables.sources_frame(r, lang),
        "summary": lambda lang: tables.summary_frame(r, lang),
        "comparison": lambda lang: tables.comparison_frame(cmp, lang),
        "review_flags": lambda lang: quality.flags_frame(r.quality.flags, lang),
        "review_summary": lambda lang: quality.summary_frame(r.quality.flags, r.quality.completeness, lang),
    }
    for call in calls.values():
        with pytest.raises(ValueError, match="lang must be 'vi' or 'en', not 'fr'"):
            call("fr")
        call("en")           # and each speaks English


def test_a_target_with_a_horizon_says_its_trajectory_and_the_others_say_nothing():
    from dx_metrics.report.tables import targets_frame

    # params/baclieu_dot_2022.yaml: level-4 coverage 100 % by 2025; the other targets have no horizon
    r = build_plan_report(ROOT / "params" / "baclieu_dot_2022.yaml")
    vi = targets_frame(r, "vi")[0].set_index("Chỉ tiêu")["Lộ trình"]
    assert vi["Tỷ lệ dịch vụ công trực tuyến toàn trình (mức độ 4)"] == "Cần đẩy nhanh (đến 2025: 100%)"
    assert vi.drop("Tỷ lệ dịch vụ công trực tuyến toàn trình (mức độ 4)").isna().all()
    en = targets_frame(r, "en")[0].set_index("Indicator")["Trajectory"]
    assert en["Full-process (level 4) online service coverage"] == "Acceleration needed (to 2025: 100%)"
    # a plan without horizons has no trajectory column at all
    assert "Lộ trình" not in targets_frame(build_plan_report(PLAN_2023), "vi")[0]


def test_each_sheet_has_the_columns_a_reader_is_promised_and_no_more(report_2023, tmp_path):
    # the workbook's column headers, in order (DESIGN.md's tables in the report language): no
    # index column, no helper column (_status, _share) leaks into what an analyst opens
    written = write_outputs(report_2023, tmp_path, lang="vi", generated_at="2024-01-15T08:00:00+00:00")
    book = pd.read_excel(written["workbook"], sheet_name=None, engine="calamine")
    assert list(book["Chỉ số"]) == ["Chỉ tiêu", "Đơn vị", "Kỳ", "Tử số", "Mẫu số", "Giá trị", "Ghi chú", "Nguồn"]
    assert list(book["Chỉ tiêu"]) == ["Chỉ tiêu", "Đơn vị chủ trì", "Kết quả", "Tử số", "Mẫu số", "So sánh",
                                      "Chỉ tiêu kế hoạch", "Chênh lệch", "Đánh giá", "Kỳ số liệu", "Ghi chú"]
    assert list(book["Nhiệm vụ"]) == ["Mã", "Nhiệm vụ", "Đơn vị chủ trì", "Thời hạn", "Tình trạng", "Quá hạn"]
    assert list(book["Nguồn dữ liệu"]) == ["Tệp", "Loại bảng", "Trang tính", "Kỳ", "Số dòng", "SHA-256"]
    assert list(book["Rà soát - dấu hiệu"]) == ["Chỉ số DQR", "Khía cạnh", "Dấu hiệu", "Đơn vị", "Kỳ", "Số liệu",
                                                "Nội dung", "Nguồn"]
    ind = book["Chỉ số"]
    share = ind[(ind["Chỉ tiêu"] == "Tỷ lệ hồ sơ trực tuyến") & (ind["Đơn vị"] == "Sở Giao thông vận tải tỉnh Bạc Liêu")]
    assert (share["Tử số"].iloc[0], share["Mẫu số"].iloc[0], share["Kỳ"].iloc[0]) == (2076, 6800, "Năm 2023")
    # the figure the target was judged on (the department's year) comes first, its divisions after
    rows = ind.index[ind["Chỉ tiêu"] == "Tỷ lệ hồ sơ trực tuyến"]
    assert ind.loc[rows[0], "Đơn vị"] == "Sở Giao thông vận tải tỉnh Bạc Liêu" and len(rows) == 5


def _pace(comparator, pace, unit, reachable, months):
    return {"comparator": comparator, "required_pace": pace, "pace_unit": unit, "pace_reachable": reachable,
            "pace_months_left": months}


SHARE, MONTHLY = "share_of_remaining", "per_month"


@pytest.mark.parametrize("row, vi, en", [
    # a share: 42 % of the remaining five months' volume (hand-worked in test_pace.py)
    (_pace(">=", 0.42, SHARE, True, 5), "42,00% số còn lại (5 tháng)", "42.00% of the rest (5 months)"),
    (_pace(">=", 1.34, SHARE, False, 5), "không thể đạt (cần 134,00%)", "out of reach (134.00% needed)"),
    (_pace(">=", 0.0, SHARE, True, 5), "đã bảo đảm", "already secured"),
    (_pace("<=", 0.14, SHARE, True, 5), "tối đa 14,00% số còn lại (5 tháng)", "at most 14.00% of the rest (5 months)"),
    (_pace("<=", -0.02, SHARE, False, 5), "không thể đạt: đã vượt mức tối đa", "out of reach: already over the ceiling"),
    (_pace(">=", 1.8333, MONTHLY, True, 6), "1,83 mỗi tháng (6 tháng)", "1.83 a month (6 months)"),
    (_pace(">=", 0.0, MONTHLY, True, 1), "đã đạt", "already met"),
    (_pace("<=", 2.5, MONTHLY, True, 1), "tối đa 2,50 mỗi tháng (1 tháng)", "at most 2.50 a month (1 month)"),
    (_pace("<=", -1.0, MONTHLY, False, 3), "đã vượt mức tối đa", "already over the ceiling"),
    (_pace(">=", None, None, None, None), None, None),
])
def test_the_pace_still_needed_is_said_in_each_language(row, vi, en):
    from dx_metrics.report.tables import pace_text

    assert pace_text(pd.Series(row), "vi") == vi
    assert pace_text(pd.Series(row), "en") == en


def test_a_part_year_report_warns_with_the_value_so_far_and_its_projection():
    from dx_metrics.report.tables import early_warning_frame

    # the ministry's plan on seven months (as_of 31/07/2019): targets judged on the year to date
    r = build_plan_report(ROOT / "params" / "mot_nq17_2019.yaml", as_of="2019-07-31")
    df, formats = early_warning_frame(r, "vi")
    assert list(df.columns[:5]) == ["Chỉ tiêu", "Đơn vị chủ trì", "Kỳ số liệu", "Kết quả", "Dự báo cuối năm"]
    share = df.set_index("Chỉ tiêu").loc["Tỷ lệ hồ sơ trực tuyến"]
    # seed 001: 375.462 dossiers online in Jan–Jul 2019; a share's year-end projection is its value so far
    online = r.evaluation.set_index("indicator_id").loc["online_dossier_share"]
    assert online["numerator"] == 375_462
    assert share["Kết quả"] == pytest.approx(375_462 / online["denominator"]) == share["Dự báo cuối năm"]
    assert share["Đánh giá"] == "Đúng tiến độ" and share["Kỳ số liệu"] == "Tháng 1–7/2019"
    assert formats["Dự báo cuối năm"] == "percent" and formats["Chênh lệch"] == "points"


def test_the_rankings_table_keeps_the_published_rank_beside_ours():
    from dx_metrics.report.tables import rankings_frame

    r = build_plan_report(ROOT / "params" / "mot_nq17_2019.yaml")
    df = rankings_frame(r, "vi", focus=["mot"], latest=True)[0]
    ict = df[(df["Chỉ số"] == "ICT") & (df["Thành phần"] == "Tổng")].iloc[0]
    # seed 004: 13th of 20 in 2019, up 4; the published rank is the ministry's own table's
    assert (ict["Năm"], ict["Hạng trong nhóm"], ict["Hạng công bố"], ict["Thay đổi hạng công bố"]) == (2019, "13/20", 13, 4)


def test_last_years_table_says_whether_a_target_was_raised(tmp_path):
    from dx_metrics.pipeline import build_comparison, previous_report
    from dx_metrics.report.tables import comparison_frame

    r = build_plan_report(PLAN_2023)
    df = comparison_frame(build_comparison(r, previous_report(r)), "vi", unit_id="baclieu_dot")[0]
    share = df[df["Chỉ tiêu"] == "Tỷ lệ hồ sơ trực tuyến"].iloc[0]
    # params: online share >= 20 % in 2022 and in 2023: not raised
    assert (share["Chỉ tiêu năm trước"], share["Chỉ tiêu năm nay"], share["Nâng chỉ tiêu"]) == (0.20, 0.20, "Không")
    raised = comparison_frame(pd.DataFrame({
        "indicator_id": ["online_dossier_share"], "unit_id": ["baclieu_dot"], "value_previous": [0.1875],
        "value_current": [0.30], "change": [0.1125], "target_previous": [0.20], "target_current": [0.25],
        "target_raised": [True], "rank_change": [pd.NA], "predecessors": [pd.NA], "note": [pd.NA]}), "en")[0]
    assert raised["Target raised"].tolist() == ["Yes"]


def test_overdue_tasks_are_coloured_as_off_track_in_the_html(report_2023):
    from dx_metrics.report.labels import STATUS_COLOURS

    import re

    from dx_metrics.report.tables import tasks_frame

    html = _html(view.tasks(report_2023, "vi"))
    # the styler writes one CSS rule per colour, listing the cells it colours: one colour only, red
    rules = re.findall(r"([^{}]+)\{[^}]*background-color: #(\w+)", html)
    assert [colour for _, colour in rules] == [STATUS_COLOURS["off_track"]]
    rows = sorted({int(n) for n in re.findall(r"_row(\d+)_col", rules[0][0])})
    # T05 and T09 are overdue at the year end (params/baclieu_dot_2023.yaml), and only they
    assert sorted(tasks_frame(report_2023, "vi")[0].loc[rows, "Mã"]) == ["T05", "T09"]


def test_who_is_behind_names_targets_by_indicator_and_tasks_by_id(report_2023):
    from dx_metrics.report.tables import owners_frame

    df = owners_frame(report_2023, "vi")[0]
    tasks = df[df["Loại"] == "Nhiệm vụ"]
    # the overdue tasks T05 and T09 (params/baclieu_dot_2023.yaml), each as "id: title", red as off track
    assert sorted(t.split(":")[0] for t in tasks["Nội dung"]) == ["T05", "T09"]
    assert set(tasks["Đánh giá"]) == {"Quá hạn"} and set(tasks["_status"]) == {"off_track"}
    # the targets missed, by their indicators' names (not ids): 51 / 60 = 85 % of level-4 services usable on
    # a phone against 90 %, 405 / 1.500 = 27 % of work records handled online against 30 % (the 2023 self-assessment)
    targets = df[df["Loại"] == "Chỉ tiêu"]
    assert sorted(targets["Nội dung"]) == ["Tỷ lệ DVC trực tuyến mức độ 4 (toàn trình) dùng được trên thiết bị di động",
                                           "Tỷ lệ hồ sơ công việc được xử lý trên môi trường mạng"]
    assert set(targets["Đánh giá"]) == {"Không đạt"}


def test_every_rejected_row_is_counted_in_the_note_even_when_its_problem_is_listed_once(tmp_path):
    # 60 records with the same bad channel are listed as one grouped problem ("— 60 rows: 2–61"); the
    # note beside the figure still counts 60 rows left out (it once counted the one problem)
    import datetime as dt

    def day(i):       # across the Decree 09 year 2023 (15/12/2022–14/12/2023)
        return (dt.date(2022, 12, 16) + dt.timedelta(days=3 * i)).strftime("%d/%m/%Y")
    lines = ["Mã hồ sơ,Đơn vị,Ngày tiếp nhận,Hình thức nộp"]
    lines += [f"A{i:03d},Văn phòng Sở,{day(i)},fax" for i in range(60)]
    lines += [f"B{i:03d},Văn phòng Sở,{day(i)},{'Trực tuyến' if i < 30 else 'Trực tiếp'}" for i in range(118)]
    (tmp_path / "log.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    plan = tmp_path / "p.yaml"
    plan.write_text("id: p\ntitle: Thử\nunit: baclieu_dot\nyear: 2023\ninputs:\n  - {path: log.csv, kind: dossier_records}\n"
                    "targets:\n  - {indicator: online_dossier_share, value: 0.2}\n", encoding="utf-8")
    r = build_plan_report(plan, data_dir=tmp_path)
    grouped = [p for p in r.problems if p.severity == "error"]
    assert len(grouped) == 1 and grouped[0].row == 2
    row = r.evaluation.set_index("indicator_id").loc["online_dossier_share"]
    assert (row["numerator"], row["denominator"]) == (30, 118)                 # the 60 rejected are not counted
    assert row["notes"] == "60 row(s) of log.csv rejected for data errors are not counted (see data quality)"
    assert [s["rejected_rows"] for s in r.sources] == [60]
    # one promise, said alike everywhere: report.docx and `dx-metrics review` count 60 rows too
    import docx

    written = write_outputs(r, tmp_path / "out", lang="vi", generated_at="2024-01-15T08:00:00+00:00")
    said = [p.text for p in docx.Document(written["document"]).paragraphs if "bị loại" in p.text]
    assert said == ["60 dòng số liệu đầu vào bị loại vì lỗi và không được tính (xem bảng tính kèm theo)."]
    import contextlib
    import io

    from dx_metrics.cli import main

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        main(["review", str(tmp_path / "log.csv"), "--kind", "dossier_records", "--scope", "baclieu_dot"])
    assert "log.csv: dossier_records, 118 row(s) read, 60 row(s) rejected" in printed.getvalue()


def test_the_headline_of_the_2024_sample_marks_the_figures_the_review_flagged():
    # data/README.md plants the inspectorate's missing Q3 report, the quality division's Q3 of 0
    # dossiers and the office's 90 % Q4: all three lie under the year's online share the target
    # is judged on (2.182 ÷ 6.977 = 31,27 %); the stock mismatch (carried over) does not
    from dx_metrics.report.headline import headline

    r = build_plan_report(ROOT / "params" / "baclieu_dot_2024.yaml")
    share, on_time = headline(r, "vi")
    assert (share["indicator"], share["figure"], share["status"]) == ("Tỷ lệ hồ sơ trực tuyến", "31,27% (Năm 2024)",
                                                                       "Đạt*")
    office = "Văn phòng Sở Giao thông vận tải tỉnh Bạc Liêu, Quý IV/2024"
    assert share["caveats"] == [
        "Thiếu báo cáo: Thanh tra Sở Giao thông vận tải tỉnh Bạc Liêu, Quý III/2024",
        "Số 0 bất thường (số hồ sơ mới tiếp nhận): Phòng Quản lý chất lượng công trình giao thông, Quý III/2024",
        "Số 0 bất thường (số hồ sơ tiếp nhận trực tuyến): Phòng Quản lý chất lượng công trình giao thông, Quý III/2024",
        f"Khác biệt so với các đơn vị cùng cấp (tỷ lệ hồ sơ trực tuyến): {office}",
        f"Biến động bất thường theo thời gian (tỷ lệ hồ sơ trực tuyến): {office}",
        f"Biến động khác các đơn vị cùng cấp (tỷ lệ hồ sơ trực tuyến): {office}"]
    assert on_time["status"] == "Đạt*" and on_time["caveats"] == [
        "Thiếu báo cáo: Thanh tra Sở Giao thông vận tải tỉnh Bạc Liêu, Quý III/2024"]
    # the 2023 sample's figures carry no flag: no mark
    clean = headline(build_plan_report(ROOT / "params" / "baclieu_dot_2023.yaml"), "vi")
    assert not any(h["status"].endswith("*") or h["caveats"] for h in clean)


def test_words_and_numbers_a_director_reads():
    """One style per kind of number, times in Vietnam's clock, late work said as late."""
    from dx_metrics.formats import fmt_change, fmt_time
    from dx_metrics.report.tables import task_status_text

    # rank changes everywhere as "+4" / "−1" (seed 001: the ministry up 4 places in 2019)
    assert [fmt_change(x) for x in (4, -1, 0)] == ["+4", "−1", "0"]
    # a run stamped 01:30 UTC was made at 08:30 in Hà Nội
    assert fmt_time("2024-01-15T01:30:00+00:00") == "15/01/2024 08:30 (giờ Việt Nam)"
    tasks = pd.DataFrame({"status": ["done", "done", "in_progress"],
                          "deadline": pd.to_datetime(["2023-05-31", "2023-04-30", "2023-03-31"]),
                          "completed_on": pd.to_datetime(["2023-06-15", "2023-04-20", None])})
    # NV04 done 15 days after its deadline; NV05 ahead of it; a task not done says its status
    assert task_status_text(tasks, "vi").tolist() == ["Hoàn thành, trễ 15 ngày", "Hoàn thành", "Đang thực hiện"]
    assert task_status_text(tasks, "en").tolist()[0] == "Done, 15 day(s) late"


def test_the_workbook_says_when_it_was_made_by_vietnams_clock(report_2023, tmp_path):
    written = write_outputs(report_2023, tmp_path, lang="vi", generated_at="2024-01-15T01:30:00+00:00")
    facts = dict(pd.read_excel(written["workbook"], sheet_name="Tổng hợp", engine="calamine").to_numpy())
    assert facts["Lập lúc"] == "15/01/2024 08:30 (giờ Việt Nam)"


def test_a_target_is_judged_against_the_horizon_of_its_own_year(tmp_path):
    from dx_metrics import evaluate, load_plan

    plan = tmp_path / "p.yaml"
    plan.write_text("id: p\ntitle: Thử\nunit: prov_01\nyear: 2025\ntargets:\n"
                    "  - {indicator: online_dossier_share, value: 80%, baseline: {year: 2022, value: 40%}, "
                    "horizons: {2025: 80%, 2030: 95%}}\n", encoding="utf-8")
    obs = pd.DataFrame({"indicator_id": ["online_dossier_share"], "unit_id": ["prov_01"], "period": ["2025"],
                        "numerator": [600.0], "denominator": [1000.0], "value": [0.6], "source": ["a"]})
    row = evaluate(load_plan(plan), obs).iloc[0]
    # 60 % in 2025 against the 2025 horizon of 80 % (from 40 % in 2022), not the 2030 one,
    # which is said as a later checkpoint
    assert (row["horizon_year"], row["horizon_target"], row["status"]) == (2025, 0.8, "not_achieved")
    from dx_metrics import notes

    said = [n for n in notes.decode(row["note_codes"]) if n["code"] == "later_horizons"]
    assert notes.say(said, "vi") == "các mốc sau: 2030: 95%"


def test_a_score_axis_writes_a_decimal_comma():
    from dx_metrics.report.charts import ranking_bars

    fig = ranking_bars(pd.DataFrame({"label": ["A", "B"], "score": [0.9691, 0.2], "focus": [True, False]}),
                       title="EGDI", decimals=4, lang="vi")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert ticks and all("." not in t for t in ticks) and any("," in t for t in ticks)


def test_summary_json_says_which_flags_a_target_rests_on(tmp_path):
    r = build_plan_report(ROOT / "params" / "baclieu_dot_2024.yaml")
    written = write_outputs(r, tmp_path, lang="vi", generated_at="2025-01-10T01:00:00+00:00")
    share = next(t for t in json.loads(written["summary"].read_text("utf-8"))["targets"]
                 if t["indicator_id"] == "online_dossier_share")
    assert {"rule": "missing_report", "unit_id": "baclieu_dot_inspect", "period": "2024-Q3",
            "subject": "dossiers"} in share["caveats"]
    assert not any(c["rule"] == "stock_mismatch" for c in share["caveats"])      # carried over: not this figure's
    from dx_metrics.report.index_page import _status_badge

    assert ">Đạt*<" in _status_badge("achieved", True) and ">Đạt<" in _status_badge("achieved", False)
