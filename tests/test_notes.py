"""Notes beside figures are codes with figures, said in Vietnamese or English from one template
each, with each language's number and period formats (what the English-only notes, translated
phrase by phrase, got wrong: "0.6582", "2019-01/2019-07", an indicator's id)."""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import RAW, ROOT
from dx_metrics import notes
from dx_metrics.indicators import compute_indicators
from dx_metrics.ingest import read_export
from dx_metrics.pipeline import build_plan_report
from dx_metrics.report.tables import targets_frame

CODES = [c for c in notes.templates() if c not in ("fields", "tables")]


@pytest.mark.parametrize("code", CODES)
def test_both_languages_say_the_same_figures(code):
    assert notes.placeholders(code, "vi") == notes.placeholders(code, "en")


def test_an_unknown_code_is_refused():
    with pytest.raises(KeyError, match="unknown note code 'denominator_nil'"):
        notes.note("denominator_nil")


def test_the_ministry_report_notes_in_vietnamese_have_vietnamese_figures():
    # the ministry's 2019 plan judged as a closed year on seven months of data (seed 001)
    r = build_plan_report(ROOT / "params" / "mot_nq17_2019.yaml")
    vi = targets_frame(r, "vi")[0].set_index("Chỉ tiêu")["Ghi chú"]
    en = targets_frame(r, "en")[0].set_index("Indicator")["Notes"]
    part = vi["Tỷ lệ hồ sơ trực tuyến"]
    assert part.startswith("thiếu số liệu Tháng 8–12/2019 của Bộ Giao thông vận tải nên chưa cộng được số liệu Năm "
                           "2019; chỉ có số liệu một phần năm (Tháng 1–7/2019: 65,82%); có thể đánh giá lũy kế đến "
                           "ngày có số liệu trong năm 2019")
    assert en["Online dossier share"].startswith("no figures for Aug–Dec 2019 of Ministry of Transport, so 2019 "
                                                 "cannot be added up; only part-year data (2019-01/2019-07: 0.6582)")
    ev = r.evaluation.set_index("indicator_id")
    assert ev.at["online_dossier_share", "notes"] == en["Online dossier share"]     # summary.json keeps English


def test_a_self_reported_share_set_aside_is_said_as_a_percentage():
    services = read_export(RAW / "sgtvt_baclieu_dich_vu_cong_2022.xlsx", "services")
    reported = pd.DataFrame({"indicator_id": ["online_service_provision"], "unit_id": ["baclieu_dot"],
                             "period": ["2022"], "value": [0.5], "source": ["tự đánh giá"]})
    out = compute_indicators({"services": services, "observations": reported})
    row = out[out["indicator_id"] == "online_service_provision"].set_index("unit_id").loc["baclieu_dot"]
    # 2022 straddles Decree 42's date (01/08/2022): the second note says so
    assert row["note"] == ("self-reported value 0.5 (tự đánh giá) not used; series crosses the definition change "
                           "of 01/08/2022 (Decree 42/2022: levels → full-process / partial)")
    assert notes.say(notes.decode(row["note_codes"]), "vi") == (
        "giá trị tự báo cáo 50,00% (tự đánh giá) không được dùng: dùng số tính từ dữ liệu; chuỗi số liệu qua thời "
        "điểm đổi định nghĩa 01/08/2022 (Nghị định 42/2022: mức độ → toàn trình / một phần)")


def test_a_zero_denominator_and_a_missing_count_in_both_languages():
    d = pd.DataFrame({"unit_id": ["baclieu_dot_office", "baclieu_dot_infra"], "period": ["2023", "2023"],
                      "received_total": [0, 10], "received_online": [0, None]})
    out = compute_indicators({"dossiers": d}).set_index(["indicator_id", "unit_id"])
    zero = out.loc[("online_dossier_share", "baclieu_dot_office")]
    missing = out.loc[("online_dossier_share", "baclieu_dot_infra")]
    assert (zero["note"], notes.say(notes.decode(zero["note_codes"]), "vi")) == ("denominator is 0", "mẫu số bằng 0")
    assert (missing["note"], notes.say(notes.decode(missing["note_codes"]), "vi")) == (
        "received_online missing", "thiếu số hồ sơ tiếp nhận trực tuyến")


def test_notes_of_one_figure_keep_their_order_in_both_languages():
    said = [notes.note("to_date_share", period="2024-Q3"), notes.note("plan_note", text="Chỉ tiêu của tỉnh")]
    assert notes.say(said, "vi") == ("đánh giá lũy kế đến nay trên kỳ Quý III/2024 (chỉ kỳ này): tỷ lệ như quan sát "
                                     "được trong kỳ; Chỉ tiêu của tỉnh")
    assert notes.say(said, "en") == ("evaluated to date on 2024-Q3 only: the share as observed in that span; "
                                     "Chỉ tiêu của tỉnh")


def test_summary_json_carries_each_note_as_a_code_with_its_figures(tmp_path):
    import json

    from dx_metrics.report import write_outputs

    r = build_plan_report(ROOT / "params" / "mot_nq17_2019.yaml")
    written = write_outputs(r, tmp_path, lang="vi", generated_at="2024-01-15T08:00:00+00:00")
    summary = json.loads(written["summary"].read_text("utf-8"))
    share = next(t for t in summary["targets"] if t["indicator_id"] == "online_dossier_share")
    assert share["note_codes"][0] == {"code": "periods_missing", "params": {
        "periods": ["2019-08/2019-12"], "unit": {"id": "mot", "vi": "Bộ Giao thông vận tải", "en": "Ministry of Transport"},
        "span": "2019"}}
    assert share["note_codes"][1] == {"code": "part_year_only", "params": {
        "period": "2019-01/2019-07", "indicator": "online_dossier_share", "year": 2019,
        "value": pytest.approx(0.6582, abs=1e-4)}}
    assert share["notes"].startswith("no figures for Aug–Dec 2019 of Ministry of Transport, so 2019 cannot be added up; "
                                     "only part-year data (2019-01/2019-07: 0.6582)")


def test_decoding_and_encoding_notes():
    import math

    assert notes.decode(None) == [] and notes.decode(math.nan) == [] and notes.decode(pd.NA) == []
    assert notes.decode("[]") == [] and notes.decode([{"code": "denominator_zero", "params": {}}])[0]["code"] == \
        "denominator_zero"
    assert notes.encode([]) is None
    assert "Bạc Liêu" in notes.encode([notes.note("plan_note", text="Bạc Liêu")])      # written as it is, not \\u
    assert notes.table_name("dossiers", "vi") == "báo cáo một cửa" and notes.table_name("ledger", "vi") == "ledger"
    assert notes.placeholders("rejected_rows", "vi") == {"count", "file"}


def test_each_kind_of_figure_in_each_language():
    say = notes.say_one
    part = notes.note("part_year_only", period="2019-01/2019-07", indicator="online_dossier_share", year=2019,
                      value=None)
    assert say(part, "en").startswith("only part-year data (2019-01/2019-07: missing)")
    assert say(part, "vi").startswith("chỉ có số liệu một phần năm (Tháng 1–7/2019: —)")
    assert say(notes.note("rejected_rows", count=1200, file="a.xlsx"), "vi").startswith("1.200 dòng của a.xlsx")
    assert say(notes.note("denominator_zero_set", value=0.5), "vi") == "mẫu số bằng 0; giá trị được đặt bằng 0,50"
    assert say(notes.note("denominator_zero_set", value=0.0), "en") == "denominator is 0; the value is set to 0"
    count = notes.note("self_reported_unused", value=12.0, indicator="tasks_done_count", source="s")
    assert say(count, "vi").startswith("giá trị tự báo cáo 12 (s)")                   # a count, not 1.200,00%
    assert say(notes.note("no_input", indicator="online_dossier_share", table="dossiers"), "vi") == (
        "không có tệp đầu vào nào cho chỉ tiêu Tỷ lệ hồ sơ trực tuyến (chỉ tiêu tính từ báo cáo một cửa)")
    assert say(notes.note("after_as_of", periods=["2019-Q3", "2019-Q4"], as_of="2019-07-31"), "vi").startswith(
        "các tệp đầu vào có số liệu kỳ Quý III/2019, Quý IV/2019, kết thúc sau ngày số liệu 31/07/2019")


def test_a_note_set_replaces_and_a_note_added_joins():
    texts = codes = pd.Series([pd.NA, pd.NA, pd.NA], dtype="string")
    texts, codes = notes.put(texts, codes, [True, False, pd.NA], notes.note("denominator_zero"))
    assert texts.tolist()[0] == "denominator is 0" and texts.isna().tolist()[1:] == [True, True]
    replaced, _ = notes.put(texts, codes, [True, False, False], notes.note("field_missing", field="x"))
    assert replaced.tolist()[0] == "x missing"
    joined, joined_codes = notes.put(texts, codes, [True, False, False], notes.note("field_missing", field="x"),
                                     add=True)
    assert joined.tolist()[0] == "denominator is 0; x missing"
    assert [n["code"] for n in notes.decode(joined_codes.tolist()[0])] == ["denominator_zero", "field_missing"]


def test_how_a_notes_figures_are_written_in_each_language():
    from dx_metrics.notes import _shown, decode

    assert _shown(12.0, "number", {}, "vi") == "12" and _shown(12.5, "number", {}, "vi") == "12,50"
    assert _shown(1250, "count", {}, "vi") == "1.250" and _shown(1250, "count", {}, "en") == "1,250"
    assert _shown(0, "more", {}, "vi") == "" and _shown(3, "more", {}, "en") == " … +3 more"
    assert _shown(3, "more", {}, "vi") == " … và 3 mục khác"
    assert _shown(None, "g4", {}, "en") == "missing" and _shown(float("nan"), "share", {}, "vi") == "—"
    two = [{"code": "a", "params": {}}, {"code": "b", "params": {}}]
    assert decode(two) == two and decode(None) == [] and decode(float("nan")) == [] and decode(pd.NA) == []


def test_a_missing_period_is_a_dash_not_nan():
    from dx_metrics.formats import fmt_period

    assert fmt_period(None) == fmt_period(float("nan"), lang="en") == fmt_period(pd.NA) == "—"
    assert fmt_period("2024-Q2") == "Quý II/2024" and fmt_period("2024-Q2", lang="en") == "Q2 2024"
