"""Every input check, shown by the smallest input that trips it: the Excel row, the header as
written, the severity, the reason and the wording the analyst reads, and which rows are kept
(issue 14, item 2).

Layouts used below (Excel rows):
- ``one_stop_rows`` (conftest): three title rows and a blank, a two-row header on rows 5-6,
  units from row 7. Each unit is [name, (3) received incl. carried, (4) online, (5) in
  person/postal, (6) carried over, (7) resolved, (8) early, (9) on time, (10) late,
  (11) pending, (12) within deadline, (13) overdue].
- ``flat``: three title rows (the issuing body and "Năm 2023"), a one-row header on row 4,
  data from row 5; with ``title=BODY`` (the issuing body only) the header is on row 3 and
  data from row 4.
- ``ict``: an ICT Index ranking of ministries, title on rows 1-2, header on row 3, data from row 4.
Every expected figure is worked out in the comment beside it.
"""
from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import Workbook

import dx_metrics.ingest
from conftest import one_stop_rows, unit_row, write_sheet
from dx_metrics import DxDataError
from dx_metrics.indicators.compute import compute_indicators
from dx_metrics.indicators.records import aggregate_records
from dx_metrics.ingest import header as header_table
from dx_metrics.ingest import read_export
from dx_metrics.errors import problems_of

BODY = [["UBND TỈNH BẠC LIÊU"], ["SỞ GIAO THÔNG VẬN TẢI"]]     # the issuing body, no period
TITLE = [*BODY, ["Năm 2023"]]
ICT_TITLE = [["BẢNG XẾP HẠNG ICT INDEX"], ["Năm 2019"]]
GOOD = unit_row("Văn phòng Sở", 100, 60)   # row 7 of a one-stop sheet: 100 received, 60 online, all on time


def flat(tmp_path, header: list, *rows: list, title: list[list] = TITLE, name: str = "flat.xlsx"):
    """The title rows, the header on the row after them, then ``rows``."""
    return write_sheet(tmp_path / name, [*title, header, *rows])


def ict(tmp_path, header: list, *rows: list, title: list[list] = ICT_TITLE):
    return write_sheet(tmp_path / "ict.xlsx", [*title, header, *rows])


def one_stop(tmp_path, *units: list):
    return write_sheet(tmp_path / "one_stop.xlsx", one_stop_rows([GOOD, *units]))


def seen(df: pd.DataFrame, severity: str = "error", reason: str | None = None) -> list[tuple]:
    """(row, column, severity, reason, message) of the problems of one severity (and reason)."""
    return [(p.row, p.column, p.severity, p.reason, p.message) for p in problems_of(df)
            if p.severity == severity and (reason is None or p.reason == reason)]


def refused(path, kind: str, **kw) -> list[tuple]:
    """The problems of a file refused as a whole, as ``seen`` lists them."""
    with pytest.raises(DxDataError) as info:
        read_export(path, kind, strict=False, **kw)
    return [(p.row, p.column, p.severity, p.reason, p.message) for p in info.value.problems]


RECEIVED = "Số hồ sơ nhận giải quyết / Tổng số"
RESOLVED = "Kết quả giải quyết / Tổng số"
PENDING = "Số hồ sơ đang giải quyết / Tổng số"


# --- one-stop counts (rules.dossiers) ----------------------------------------------------

def test_pending_that_is_not_within_plus_overdue_is_an_error_at_its_row(tmp_path):
    # row 8: pending 10 but within 7 + overdue 2 = 9; row 9: pending 10 but 8 + 3 = 11.
    # Both rows hold the other identities: 110 = 60 + 40 + 10, 100 = 20 + 75 + 5, 110 = 100 + 10.
    path = one_stop(tmp_path, ["Thanh tra Sở", 110, 60, 40, 10, 100, 20, 75, 5, 10, 7, 2],
                    ["Phòng Quản lý kết cấu hạ tầng giao thông", 110, 60, 40, 10, 100, 20, 75, 5, 10, 8, 3])
    df = read_export(path, "dossiers", strict=False)
    assert seen(df) == [(8, PENDING, "error", "inconsistent", "pending is not within deadline + overdue"),
                        (9, PENDING, "error", "inconsistent", "pending is not within deadline + overdue")]
    assert [p.value for p in problems_of(df) if p.severity == "error"] == [10, 10]
    assert df["unit_name"].tolist() == ["Văn phòng Sở"]


def test_resolved_that_is_not_early_plus_on_time_plus_late_is_an_error_at_its_row(tmp_path):
    # row 8: resolved 100 but 20 + 75 + 4 = 99; row 9: resolved 100 but 20 + 75 + 6 = 101.
    # 110 = 60 + 40 + 10 and 110 = 100 + 10 hold on both.
    path = one_stop(tmp_path, ["Thanh tra Sở", 110, 60, 40, 10, 100, 20, 75, 4, 10, 10, 0],
                    ["Phòng Quản lý kết cấu hạ tầng giao thông", 110, 60, 40, 10, 100, 20, 75, 6, 10, 10, 0])
    df = read_export(path, "dossiers", strict=False)
    assert seen(df) == [(8, RESOLVED, "error", "inconsistent", "resolved is not early + on time + late"),
                        (9, RESOLVED, "error", "inconsistent", "resolved is not early + on time + late")]
    assert df["unit_name"].tolist() == ["Văn phòng Sở"]


def test_received_that_is_not_online_plus_offline_plus_carried_is_an_error_at_its_row(tmp_path):
    # row 8: 111 but 60 + 40 + 10 = 110; row 9: 109 but 110. Resolved and pending agree with
    # each total: 101 = 21 + 75 + 5 and 111 = 101 + 10; 99 = 19 + 75 + 5 and 109 = 99 + 10.
    path = one_stop(tmp_path, ["Thanh tra Sở", 111, 60, 40, 10, 101, 21, 75, 5, 10, 10, 0],
                    ["Phòng Quản lý kết cấu hạ tầng giao thông", 109, 60, 40, 10, 99, 19, 75, 5, 10, 10, 0])
    df = read_export(path, "dossiers", strict=False)
    message = "the received total is not online + in person/postal + carried over"
    assert seen(df) == [(8, RECEIVED, "error", "inconsistent", message),
                        (9, RECEIVED, "error", "inconsistent", message)]
    assert df["unit_name"].tolist() == ["Văn phòng Sở"]


def test_received_that_is_not_resolved_plus_pending_is_an_error_at_its_row(tmp_path):
    # row 8: 110 received but 100 resolved + 9 pending = 109; row 9: 100 + 11 = 111
    path = one_stop(tmp_path, ["Thanh tra Sở", 110, 60, 40, 10, 100, 20, 75, 5, 9, 9, 0],
                    ["Phòng Quản lý kết cấu hạ tầng giao thông", 110, 60, 40, 10, 100, 20, 75, 5, 11, 11, 0])
    df = read_export(path, "dossiers", strict=False)
    message = "received (incl. carried over) is not resolved + pending"
    assert seen(df) == [(8, RECEIVED, "error", "inconsistent", message),
                        (9, RECEIVED, "error", "inconsistent", message)]
    assert df["unit_name"].tolist() == ["Văn phòng Sở"]


def test_newly_received_that_is_not_online_plus_offline_is_an_error_at_its_row(tmp_path):
    # row 6: 50 newly received but 20 + 20 = 40; row 7: 50 but 20 + 31 = 51
    path = flat(tmp_path, ["STT", "Đơn vị", "Số mới tiếp nhận", "Trực tuyến", "Trực tiếp, dịch vụ bưu chính"],
                [1, "Văn phòng Sở", 100, 60, 40], [2, "Thanh tra Sở", 50, 20, 20],
                [3, "Phòng Quản lý kết cấu hạ tầng giao thông", 50, 20, 31])
    df = read_export(path, "dossiers", strict=False)
    message = "newly received is not online + in person/postal"
    assert seen(df) == [(6, "Số mới tiếp nhận", "error", "inconsistent", message),
                        (7, "Số mới tiếp nhận", "error", "inconsistent", message)]
    assert df["received_total"].tolist() == [100]


def test_more_received_online_than_in_total_is_an_error_at_its_row(tmp_path):
    # row 5: 100 online of 100 (all online is allowed); row 6: 51 online of 50
    path = flat(tmp_path, ["STT", "Đơn vị", "Số mới tiếp nhận", "Trực tuyến"],
                [1, "Văn phòng Sở", 100, 100], [2, "Thanh tra Sở", 50, 51])
    df = read_export(path, "dossiers", strict=False)
    assert seen(df) == [(6, "Trực tuyến", "error", "inconsistent",
                         "more dossiers received online than received in total")]
    assert df["unit_name"].tolist() == ["Văn phòng Sở"]


def test_on_time_more_than_resolved_is_an_error_at_its_row(tmp_path):
    # without a late column: row 5 has 40 of 40 on time (allowed); row 6 has 41 on time of 40 resolved
    path = flat(tmp_path, ["STT", "Đơn vị", "Số mới tiếp nhận", "Đã giải quyết", "Đúng hạn"],
                [1, "Văn phòng Sở", 50, 40, 40], [2, "Thanh tra Sở", 50, 40, 41])
    df = read_export(path, "dossiers", strict=False)
    assert seen(df) == [(6, "Đã giải quyết", "error", "inconsistent", "on time is more than resolved")]
    assert df["unit_name"].tolist() == ["Văn phòng Sở"]


@pytest.mark.parametrize("written", ["Số hóa", "Thanh toán trực tuyến", "Hồ sơ có phí"])
def test_a_count_of_dossiers_more_than_received_is_an_error_at_its_row(tmp_path, written):
    # row 5: 100 of 100 received (allowed); row 6: 51 of 50 received
    path = flat(tmp_path, ["STT", "Đơn vị", "Số mới tiếp nhận", written],
                [1, "Văn phòng Sở", 100, 100], [2, "Thanh tra Sở", 50, 51])
    df = read_export(path, "dossiers", strict=False)
    assert seen(df) == [(6, written, "error", "inconsistent", "is more than the dossiers received")]
    assert df["unit_name"].tolist() == ["Văn phòng Sở"]


def test_paid_online_more_than_dossiers_with_a_fee_is_an_error_at_its_row(tmp_path):
    # row 5: 40 paid online of 40 with a fee (allowed); row 6: 21 paid online of 20 with a fee
    # (both within the 100 and 50 received)
    path = flat(tmp_path, ["STT", "Đơn vị", "Số mới tiếp nhận", "Thanh toán trực tuyến", "Hồ sơ có phí"],
                [1, "Văn phòng Sở", 100, 40, 40], [2, "Thanh tra Sở", 50, 21, 20])
    df = read_export(path, "dossiers", strict=False)
    assert seen(df) == [(6, "Thanh toán trực tuyến", "error", "inconsistent", "is more than the dossiers with a fee")]
    assert df["unit_name"].tolist() == ["Văn phòng Sở"]
    assert df["paid_online"].tolist() == [40]


def test_an_unknown_service_level_in_a_summary_by_level_is_an_error_at_its_row(tmp_path):
    path = flat(tmp_path, ["Mức độ", "Số mới tiếp nhận", "Trực tuyến"], ["Toàn trình", 100, 60], ["Mức độ 7", 50, 20])
    df = read_export(path, "dossiers", strict=False)
    assert seen(df) == [(6, "Mức độ", "error", "unknown_value", '"Mức độ 7" is not a known service level '
                         "(Toàn trình, Một phần, Cung cấp thông tin, Mức độ 1-4)")]
    assert df["service_level"].tolist() == ["full"]
    assert df["unit_id"].tolist() == ["baclieu_dot"]          # the issuing body of the title rows


def test_a_received_total_without_a_carried_over_column_is_used_as_newly_received_with_a_warning(tmp_path):
    path = flat(tmp_path, ["STT", "Đơn vị", "Tổng số hồ sơ nhận giải quyết"], [1, "Văn phòng Sở", 100])
    df = read_export(path, "dossiers", strict=False)
    assert seen(df, "warning") == [
        (None, "Tổng số hồ sơ nhận giải quyết", "warning", "inconsistent",
         "the received total includes dossiers carried over from the previous period, and the file has no "
         "carried-over column; the total is used as newly received")]
    assert seen(df) == []
    assert df["received_total"].tolist() == [100]


def test_a_one_stop_table_without_any_received_column_rejects_every_row(tmp_path):
    path = flat(tmp_path, ["STT", "Đơn vị", "Đã giải quyết"], [1, "Văn phòng Sở", 40], [2, "Thanh tra Sở", 30])
    df = read_export(path, "dossiers", strict=False)
    assert seen(df) == [(None, None, "error", "missing_column", "no column gives the number of dossiers received")]
    assert len(df) == 0


# --- dossier records (rules.dossier_records, flags) --------------------------------------

RECORDS = ["Mã hồ sơ", "Đơn vị", "Ngày tiếp nhận", "Hình thức nộp"]


def test_a_due_date_before_the_day_received_is_an_error_at_its_row(tmp_path):
    # HS-1 is due the day it was received (at 09:30): allowed; HS-2 is due the day before
    path = flat(tmp_path, [*RECORDS, "Ngày hẹn trả"],
                ["HS-1", "Văn phòng Sở", "01/03/2023 09:30", "Trực tuyến", "01/03/2023"],
                ["HS-2", "Văn phòng Sở", "05/03/2023", "Trực tuyến", "04/03/2023"], title=BODY)
    df = read_export(path, "dossier_records", strict=False)
    assert seen(df) == [(5, "Ngày hẹn trả", "error", "inconsistent", "is earlier than the date received")]
    assert df["dossier_id"].tolist() == ["HS-1"]


def test_an_unknown_tick_in_a_flag_column_is_an_error_at_its_row(tmp_path):
    path = flat(tmp_path, [*RECORDS, "Số hóa"],
                ["HS-1", "Văn phòng Sở", "01/03/2023", "Trực tuyến", "Có"],
                ["HS-2", "Văn phòng Sở", "02/03/2023", "Trực tuyến", "Chắc chắn"],
                ["HS-3", "Văn phòng Sở", "03/03/2023", "Trực tuyến", None], title=BODY)
    df = read_export(path, "dossier_records", strict=False)
    assert seen(df) == [(5, "Số hóa", "error", "unknown_value",
                         '"Chắc chắn" is not a yes/no mark (expected Có, x, Không or empty)')]
    assert df["dossier_id"].tolist() == ["HS-1", "HS-3"]
    assert df["digitized"].tolist() == [True, False]         # an empty tick cell means no


# --- the overdue boundary of dossier records (indicators/records.py) ---------------------

def _records(tmp_path, resolved_at: str) -> pd.DataFrame:
    path = flat(tmp_path, [*RECORDS, "Ngày hẹn trả", "Ngày trả kết quả"],
                ["HS-1", "Văn phòng Sở", "01/03/2023", "Trực tuyến", "10/03/2023", resolved_at], title=BODY)
    return aggregate_records(read_export(path, "dossier_records"), freq="year")


def test_a_dossier_resolved_on_its_due_date_is_on_time(tmp_path):
    # resolved at 16:30 on the appointment day: compared by day, so on time
    out = _records(tmp_path, "10/03/2023 16:30")
    assert out[["resolved_total", "resolved_on_time", "resolved_late"]].iloc[0].tolist() == [1, 1, 0]


def test_a_dossier_resolved_the_day_after_its_due_date_is_late(tmp_path):
    out = _records(tmp_path, "11/03/2023 08:00")
    assert out[["resolved_total", "resolved_on_time", "resolved_late"]].iloc[0].tolist() == [1, 0, 1]


# --- the Decree 42/2022 definition change (indicators/compute.py) ------------------------

CROSSES = "series crosses the definition change of 01/08/2022 (Decree 42/2022: levels → full-process / partial)"


def _mobile_share(tmp_path, *unit_periods: tuple[str, str]) -> pd.DataFrame:
    path = flat(tmp_path, ["Chỉ tiêu", "Đơn vị", "Kỳ báo cáo", "Tỷ lệ"],
                *[["full_process_mobile_share", unit, period, "50%"] for unit, period in unit_periods], title=BODY)
    obs = read_export(path, "observations")
    out = compute_indicators({"observations": obs}, ids=["full_process_mobile_share"])
    return out.set_index(["unit_id", "period"])["note"]


def test_a_year_that_straddles_1_august_2022_is_marked_as_crossing_decree_42(tmp_path):
    note = _mobile_share(tmp_path, ("Văn phòng Sở", "2022"))
    assert note.to_dict() == {("baclieu_dot_office", "2022"): CROSSES}


def test_months_wholly_before_or_after_1_august_2022_are_not_marked(tmp_path):
    # July 2022 ends before the change; August 2022 starts on it (each unit a series of its own)
    note = _mobile_share(tmp_path, ("Văn phòng Sở", "2022-07"), ("Thanh tra Sở", "2022-08"))
    assert note.isna().all() and len(note) == 2


def test_a_series_with_periods_on_both_sides_of_decree_42_is_marked_throughout(tmp_path):
    note = _mobile_share(tmp_path, ("Văn phòng Sở", "2021"), ("Văn phòng Sở", "2023"))
    assert note.to_dict() == {("baclieu_dot_office", "2021"): CROSSES, ("baclieu_dot_office", "2023"): CROSSES}


# --- the cache and the workspace alias table ---------------------------------------------

def test_a_file_read_twice_is_served_from_the_cache_the_second_time(tmp_path, monkeypatch):
    monkeypatch.setenv("DX_METRICS_CACHE", str(tmp_path / "cache"))
    path = one_stop(tmp_path, ["Thanh tra Sở", 110, 60, 40, 10, 100, 20, 75, 5, 10, 7, 2])   # pending 10 ≠ 7 + 2
    first = read_export(path, "dossiers", strict=False)
    assert len(list((tmp_path / "cache").glob("*.parquet"))) == 1

    def parse_again(*args, **kwargs):
        raise AssertionError("the file was parsed again instead of read from the cache")

    monkeypatch.setattr(dx_metrics.ingest, "parse_export", parse_again)
    second = read_export(path, "dossiers", strict=False)
    assert second["unit_name"].tolist() == ["Văn phòng Sở"] and second["received_total"].tolist() == [100]
    assert problems_of(second) == problems_of(first)
    assert seen(second) == [(8, PENDING, "error", "inconsistent", "pending is not within deadline + overdue")]


def _write_overlay(path, field: str):
    path.write_text(f'dossiers:\n  {field}:\n    aliases: ["Nộp qua Zalo"]\n', encoding="utf-8")
    header_table.set_overlay(path)


def test_a_workspace_alias_added_after_a_read_is_seen_when_the_same_file_is_read_again(tmp_path):
    path = flat(tmp_path, ["STT", "Đơn vị", "Số mới tiếp nhận", "Nộp qua Zalo"], [1, "Văn phòng Sở", 100, 30])
    before = read_export(path, "dossiers", strict=False)
    assert "received_online" not in before
    assert seen(before, "warning") == [(4, None, "warning", "unknown_value",
                                        'column(s) not recognised and not read: "Nộp qua Zalo"')]
    _write_overlay(tmp_path / "columns.yaml", "received_online")
    after = read_export(path, "dossiers", strict=False)
    assert after["received_online"].tolist() == [30]
    assert seen(after, "warning") == []


def test_an_edited_workspace_alias_is_seen_when_the_same_file_is_read_again(tmp_path):
    path = flat(tmp_path, ["STT", "Đơn vị", "Số mới tiếp nhận", "Nộp qua Zalo"], [1, "Văn phòng Sở", 100, 30])
    _write_overlay(tmp_path / "columns.yaml", "received_online")
    assert read_export(path, "dossiers")["received_online"].tolist() == [30]
    _write_overlay(tmp_path / "columns.yaml", "digitized")       # same file, another meaning
    after = read_export(path, "dossiers")
    assert "received_online" not in after and after["digitized"].tolist() == [30]


# --- cells, rows and columns the reader checks (reader.py) ------------------------------

def test_an_empty_required_cell_is_an_error_at_its_row(tmp_path):
    path = one_stop(tmp_path, [None, 100, 60, 40, 0, 100, 0, 100, 0, 0, 0, 0])
    df = read_export(path, "dossiers", strict=False)
    assert seen(df) == [(8, "Đơn vị", "error", "missing_column", "is empty, but this column is required")]
    assert df["unit_name"].tolist() == ["Văn phòng Sở"]


def test_an_empty_required_date_in_dossier_records_is_an_error_at_its_row(tmp_path):
    path = flat(tmp_path, RECORDS, ["HS-1", "Văn phòng Sở", "01/03/2023", "Trực tuyến"],
                ["HS-2", "Văn phòng Sở", None, "Trực tuyến"], title=BODY)
    df = read_export(path, "dossier_records", strict=False)
    assert seen(df) == [(5, "Ngày tiếp nhận", "error", "missing_column", "is empty, but this column is required")]
    assert df["dossier_id"].tolist() == ["HS-1"]


def test_columns_not_recognised_are_named_in_one_warning_at_the_header_row(tmp_path):
    # "STT" is the row-number column, read past without a word
    path = flat(tmp_path, ["STT", "Đơn vị", "Số mới tiếp nhận", "Ghi chú", "Người phụ trách"],
                [1, "Văn phòng Sở", 100, None, "Anh Nam"], [2, "Thanh tra Sở", 50, "mới", None])
    df = read_export(path, "dossiers", strict=False)
    assert seen(df, "warning", "unknown_value") == [
        (4, None, "warning", "unknown_value", 'column(s) not recognised and not read: "Ghi chú", "Người phụ trách"')]
    assert seen(df) == []
    assert df["received_total"].tolist() == [100, 50]


def test_a_row_with_a_name_and_no_figures_is_skipped_as_a_heading(tmp_path):
    path = one_stop(tmp_path, ["Khối chuyên môn", *[None] * 11])
    df = read_export(path, "dossiers", strict=False)
    assert seen(df, "warning", "skipped_row") == [(8, "Đơn vị", "warning", "skipped_row",
                                                   "row has no figures; skipped as a heading")]
    assert seen(df) == []
    assert df["unit_name"].tolist() == ["Văn phòng Sở"]


def test_the_same_unit_and_period_twice_rejects_the_second_row(tmp_path):
    path = one_stop(tmp_path, unit_row("Văn phòng Sở", 50, 10))
    df = read_export(path, "dossiers", strict=False)
    assert seen(df) == [(8, "Đơn vị", "error", "duplicate_key",
                         "the same unit_name + period appears twice; the second row is rejected")]
    assert df["received_total"].tolist() == [100]


def test_a_period_cell_that_is_no_period_is_an_error_at_its_row(tmp_path):
    path = flat(tmp_path, ["Đơn vị", "Kỳ báo cáo", "Số mới tiếp nhận"],
                ["Văn phòng Sở", "Quý 3/2023", 100], ["Thanh tra Sở", "năm ngoái", 50], title=BODY)
    df = read_export(path, "dossiers", strict=False)
    assert seen(df) == [(5, "Kỳ báo cáo", "error", "no_period",
                         'is not a period (expected e.g. "2023", "Quý 3/2023", "2023-07")')]
    assert df["period"].tolist() == ["2023-Q3"]


def test_a_table_with_no_period_anywhere_is_refused_at_its_header_row(tmp_path):
    path = flat(tmp_path, ["Đơn vị", "Số mới tiếp nhận"], ["Văn phòng Sở", 100], title=BODY)
    assert refused(path, "dossiers") == [(3, None, "error", "no_period", "no reporting period: the table has no "
                                          "period column and the title rows state none")]


def test_a_one_stop_table_without_a_totals_row_is_warned_about(tmp_path):
    path = flat(tmp_path, ["Đơn vị", "Số mới tiếp nhận"], ["Văn phòng Sở", 100], ["Thanh tra Sở", 50])
    df = read_export(path, "dossiers", strict=False)
    assert seen(df, "warning") == [(None, None, "warning", "totals_mismatch",
                                    "no totals row ('Tổng cộng') found; totals are computed from the rows")]
    assert df["received_total"].tolist() == [100, 50]


def test_a_header_without_data_rows_is_an_error(tmp_path):
    path = flat(tmp_path, ["Đơn vị", "Số mới tiếp nhận"])
    df = read_export(path, "dossiers", strict=False)
    assert seen(df) == [(None, None, "error", "empty", "the table has a header but no data rows")]
    assert len(df) == 0


def test_a_division_name_without_its_issuing_body_is_kept_under_its_own_name_with_a_warning(tmp_path):
    path = flat(tmp_path, ["Đơn vị", "Số mới tiếp nhận"], ["Văn phòng Sở", 100], title=[["Năm 2023"]])
    df = read_export(path, "dossiers", strict=False)
    assert seen(df, "warning") == [(3, "Đơn vị", "warning", "unknown_unit", '"Văn phòng Sở" is a division name every '
                                    "body has; without the issuing body above the table dx_metrics cannot tell "
                                    "whose, so it is kept under its own name")]
    assert df["unit_id"].tolist() == ["?Văn phòng Sở"]


def test_a_unit_the_registry_lacks_without_a_scope_is_kept_under_its_own_name_with_a_warning(tmp_path):
    path = flat(tmp_path, ["Đơn vị", "Số mới tiếp nhận"], ["Hợp tác xã Vũ trụ", 100], title=[["Năm 2023"]])
    df = read_export(path, "dossiers", strict=False)
    assert seen(df, "warning") == [(3, "Đơn vị", "warning", "unknown_unit",
                                    '"Hợp tác xã Vũ trụ" is not in the unit registry; kept under its own name')]
    assert df["unit_id"].tolist() == ["?Hợp tác xã Vũ trụ"]


def test_a_sheet_that_does_not_exist_is_refused_with_the_sheets_there_are(tmp_path):
    path = one_stop(tmp_path)
    assert refused(path, "dossiers", sheet="Biểu 07") == [
        (None, None, "error", "unreadable", 'there is no sheet "Biểu 07" (sheets: "Biểu 06a")')]


def test_a_sheet_without_a_header_is_refused(tmp_path):
    path = write_sheet(tmp_path / "notes.xlsx", [["Ghi chú"], ["Không có bảng số liệu"]])
    assert refused(path, "dossiers") == [
        (None, None, "error", "no_header",
         "no header row of a dossiers table found in the first rows of any sheet (looked for 'Đơn vị'); rows 1–2 "
         'of sheet "Biểu 06a" looked in; no row there holds two texts, as a header row does')]


def test_a_header_without_the_unit_column_is_refused_naming_it_as_written(tmp_path):
    path = flat(tmp_path, ["Số mới tiếp nhận", "Trực tuyến"], [100, 60])
    assert refused(path, "dossiers") == [
        (4, None, "error", "missing_column", "required column(s) not found in the header: unit_name: e.g. 'Đơn vị'")]


def test_two_columns_read_as_one_field_are_refused(tmp_path):
    path = flat(tmp_path, ["Đơn vị", "Số mới tiếp nhận", "Trực tuyến", "Nộp trực tuyến"], ["Văn phòng Sở", 100, 60, 60])
    assert refused(path, "dossiers") == [
        (4, None, "error", "duplicate_column", "columns C ('Trực tuyến') and D ('Nộp trực tuyến') both read as "
         "received_online; dx-metrics will not guess which is meant")]


def test_a_summary_by_level_with_an_unread_column_of_names_is_refused(tmp_path):
    path = flat(tmp_path, ["Phòng ban", "Mức độ", "Số mới tiếp nhận"],
                ["Văn phòng Sở", "Toàn trình", 100], ["Thanh tra Sở", "Một phần", 50])
    assert refused(path, "dossiers") == [
        (4, "Phòng ban", "error", "missing_column", "column 'Phòng ban' holds names, and the table has no unit "
         "column dx-metrics knows; it will not credit every row to the issuing unit")]


def test_a_summary_by_level_whose_title_names_no_unit_is_refused(tmp_path):
    path = flat(tmp_path, ["Mức độ", "Số mới tiếp nhận"], ["Toàn trình", 100], title=[["Năm 2023"]])
    assert refused(path, "dossiers") == [
        (None, None, "error", "missing_column", "the table has no unit column and its title rows name no unit")]


def test_a_second_sheet_with_the_same_kind_of_table_is_warned_about(tmp_path):
    wb = Workbook()
    for i, name in enumerate(["Sở", "Phòng"]):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = name
        for r in [*TITLE, ["Đơn vị", "Số mới tiếp nhận"], ["Văn phòng Sở", 100]]:
            ws.append(r)
    wb.save(tmp_path / "two.xlsx")
    df = read_export(tmp_path / "two.xlsx", "dossiers", strict=False)
    assert seen(df, "warning") == [(None, None, "warning", "other_sheets",
                                    'read sheet "Sở"; sheet(s) "Phòng" hold a table of the same kind too')]
    assert df["received_total"].tolist() == [100]


# --- cell values (values.py, table.py) ---------------------------------------------------

def test_a_year_before_1990_is_an_error_at_its_row(tmp_path):
    path = ict(tmp_path, ["Năm", "Bộ, ngành", "Điểm"], [1990, "Bộ Giao thông vận tải", "0,6"],
               [1989, "Bộ Tài chính", "0,4"], title=[["BẢNG XẾP HẠNG ICT INDEX"]])
    df = read_export(path, "index_scores", strict=False)
    assert seen(df) == [(4, "Năm", "error", "not_a_number", "1989 is not a year")]
    assert df["year"].tolist() == [1990]


def test_a_year_after_2100_is_an_error_at_its_row(tmp_path):
    path = ict(tmp_path, ["Năm", "Bộ, ngành", "Điểm"], [2100, "Bộ Giao thông vận tải", "0,6"],
               [2101, "Bộ Tài chính", "0,4"], title=[["BẢNG XẾP HẠNG ICT INDEX"]])
    df = read_export(path, "index_scores", strict=False)
    assert seen(df) == [(4, "Năm", "error", "not_a_number", "2101 is not a year")]
    assert df["year"].tolist() == [2100]


def test_an_empty_year_cell_is_an_error_at_its_row(tmp_path):
    path = ict(tmp_path, ["Năm", "Bộ, ngành", "Điểm"], [2019, "Bộ Giao thông vận tải", "0,6"],
               [None, "Bộ Tài chính", "0,4"], title=[["BẢNG XẾP HẠNG ICT INDEX"]])
    df = read_export(path, "index_scores", strict=False)
    assert seen(df) == [(4, "Năm", "error", "no_period", "is empty")]
    assert df["unit_id"].tolist() == ["mot"]


def test_a_score_that_is_not_a_number_is_an_error_at_its_row(tmp_path):
    path = ict(tmp_path, ["Bộ, ngành", "Điểm"], ["Bộ Giao thông vận tải", "0,6"], ["Bộ Tài chính", "không rõ"])
    df = read_export(path, "index_scores", strict=False)
    assert seen(df) == [(5, "Điểm", "error", "not_a_number", '"không rõ" is not a number')]
    assert df["unit_id"].tolist() == ["mot"]


def test_a_deadline_that_is_no_date_period_or_none_word_is_an_error_at_its_row(tmp_path):
    path = flat(tmp_path, ["STT", "Nhiệm vụ", "Thời hạn"], [1, "Nâng cấp cổng", "Quý IV/2023"],
                [2, "Số hóa hồ sơ", "sớm nhất có thể"], [3, "Đào tạo", "Thường xuyên"])
    df = read_export(path, "tasks", strict=False)
    assert seen(df) == [(6, "Thời hạn", "error", "not_a_date", '"sớm nhất có thể" is not a deadline (expected a date '
                         "such as 31/12/2023, a period such as Quý IV/2023, or Không)")]
    assert df["task_id"].tolist() == ["1", "3"]
    assert df["deadline"].tolist()[0] == pd.Timestamp("2023-12-31") and pd.isna(df["deadline"].tolist()[1])


# --- index tables (rules.index_scores) ----------------------------------------------------

ICT_HEAD = ["Bộ, ngành", "Điểm", "Xếp hạng"]


def test_a_negative_component_score_is_an_error_at_its_row(tmp_path):
    path = ict(tmp_path, ["Bộ, ngành", "Điểm", "Hạ tầng kỹ thuật"], ["Bộ Giao thông vận tải", "0,6", "0"],
               ["Bộ Tài chính", "0,4", "-0,1"])
    df = read_export(path, "index_scores", strict=False)
    assert seen(df) == [(5, "Hạ tầng kỹ thuật", "error", "out_of_range", "is a negative score")]
    assert set(df["unit_id"]) == {"mot"}


def test_a_negative_overall_score_is_an_error_at_its_row(tmp_path):
    path = ict(tmp_path, ICT_HEAD, ["Bộ Giao thông vận tải", "0", 2], ["Bộ Tài chính", "-0,2", 1])
    df = read_export(path, "index_scores", strict=False)
    assert seen(df) == [(5, "Điểm", "error", "out_of_range", "is a negative score"),
                        (5, "Điểm", "error", "out_of_range", "is outside the ICT scale (0–1)")]
    assert df["unit_id"].tolist() == ["mot"]


def test_a_score_above_the_index_scale_is_an_error_at_its_row(tmp_path):
    # the ICT Index runs 0-1: 1 is allowed, 62 is another index or a percentage
    path = ict(tmp_path, ICT_HEAD, ["Bộ Giao thông vận tải", "1", 1], ["Bộ Tài chính", "62", 2])
    df = read_export(path, "index_scores", strict=False)
    assert seen(df) == [(5, "Điểm", "error", "out_of_range", "is outside the ICT scale (0–1)")]
    assert df["unit_id"].tolist() == ["mot"]


def test_a_rank_below_1_is_an_error_at_its_row(tmp_path):
    path = ict(tmp_path, ICT_HEAD, ["Bộ Giao thông vận tải", "0,6", 1], ["Bộ Tài chính", "0,4", 0])
    df = read_export(path, "index_scores", strict=False)
    assert seen(df) == [(5, "Xếp hạng", "error", "out_of_range", "is not a rank (expected 1 or more)")]
    assert df["rank"].tolist() == [1]


def test_a_score_without_a_unit_is_an_error_at_its_row(tmp_path):
    path = ict(tmp_path, ICT_HEAD, ["Bộ Giao thông vận tải", "0,6", 1], [None, "0,4", 2])
    df = read_export(path, "index_scores", strict=False)
    assert seen(df) == [(5, "Bộ, ngành", "error", "missing_column", "is empty: the score has no unit")]
    assert df["unit_id"].tolist() == ["mot"]


def test_an_index_column_naming_another_index_than_the_table_is_an_error_at_its_row(tmp_path):
    path = ict(tmp_path, ["Chỉ số", *ICT_HEAD], ["ICT Index", "Bộ Giao thông vận tải", "0,6", 1],
               ["PCI", "Bộ Tài chính", "0,4", 2])
    df = read_export(path, "index_scores", strict=False)
    assert seen(df) == [(5, "Chỉ số", "error", "inconsistent", "is not ICT, the index the table names")]
    assert df["unit_id"].tolist() == ["mot"] and df["index"].tolist() == ["ICT"]


def test_a_component_not_in_the_catalogue_is_kept_as_written_with_a_warning(tmp_path):
    path = ict(tmp_path, ["Bộ, ngành", "Chỉ số thành phần", "Điểm"], ["Bộ Giao thông vận tải", "Tổng", "0,6"],
               ["Bộ Giao thông vận tải", "Hạ tầng vũ trụ", "0,5"])
    df = read_export(path, "index_scores", strict=False)
    assert seen(df, "warning") == [(None, "Chỉ số thành phần", "warning", "unknown_value",
                                    "component(s) not in the ICT catalogue, kept as written: Hạ tầng vũ trụ")]
    assert df["component"].tolist() == ["total", "Hạ tầng vũ trụ"]


def test_ranked_units_the_registry_lacks_are_named_in_one_warning(tmp_path):
    path = ict(tmp_path, ICT_HEAD, ["Bộ Giao thông vận tải", "0,6", 1], ["Tập đoàn Vũ trụ", "0,5", 2],
               ["Ngân hàng Mặt trăng", "0,4", 3])
    df = read_export(path, "index_scores", strict=False)
    assert seen(df, "warning") == [(None, "Bộ, ngành", "warning", "unknown_unit", "2 unit name(s) are not in the "
                                    "unit registry and are kept as written: Tập đoàn Vũ trụ, Ngân hàng Mặt trăng")]
    assert df["unit_id"].tolist() == ["mot", "?Tập đoàn Vũ trụ", "?Ngân hàng Mặt trăng"]


def test_a_copy_of_the_header_below_an_index_table_ends_it_with_a_warning(tmp_path):
    # header on row 3, data rows 4-5, the copy on row 6 and one more row on 7
    path = ict(tmp_path, ICT_HEAD, ["Bộ Giao thông vận tải", "0,6", 1], ["Bộ Tài chính", "0,4", 2],
               ICT_HEAD, ["Bộ Tài chính", "0,4", 2])
    df = read_export(path, "index_scores", strict=False)
    assert seen(df, "warning") == [(None, None, "warning", "skipped_row", "the header is repeated on row 6; the "
                                    "table ends above it, and 2 row(s) from there on (6–7) are not read")]
    assert df["unit_id"].tolist() == ["mot", "mof"]


def test_an_index_table_without_a_unit_column_is_refused(tmp_path):
    path = ict(tmp_path, ["Điểm", "Xếp hạng"], ["0,6", 1])
    assert refused(path, "index_scores") == [(3, None, "error", "missing_column", "no column of unit names or codes "
                                              "found in the header (e.g. 'Tỉnh', 'Country', 'ISO3')")]


def test_an_index_table_without_a_score_rank_or_component_is_refused(tmp_path):
    path = ict(tmp_path, ["Bộ, ngành", "Nhóm"], ["Bộ Giao thông vận tải", "Bộ có DVC"])
    assert refused(path, "index_scores") == [(3, None, "error", "missing_column", "no score, rank or component "
                                              "column found in the header (e.g. 'Điểm', 'Xếp hạng', or a component "
                                              "of the index)")]


def test_an_index_table_with_no_year_anywhere_is_refused(tmp_path):
    path = ict(tmp_path, ICT_HEAD, ["Bộ Giao thông vận tải", "0,6", 1], title=[["BẢNG XẾP HẠNG ICT INDEX"]])
    assert refused(path, "index_scores") == [(2, None, "error", "no_period", "no year: the table has no year column "
                                              "and neither its title rows, sheet name nor score header state one")]


def test_an_index_table_naming_no_index_is_refused(tmp_path):
    path = ict(tmp_path, ICT_HEAD, ["Bộ Giao thông vận tải", "0,6", 1], title=[["BẢNG XẾP HẠNG"], ["Năm 2019"]])
    assert refused(path, "index_scores") == [(3, None, "error", "missing_column", "the table does not say which "
                                              "index it holds; dx-metrics will not guess from component names")]


def test_an_index_table_whose_components_belong_to_another_index_is_refused(tmp_path):
    # the title names the ICT Index; "Tính minh bạch" and "Chi phí thời gian" are PCI components
    path = ict(tmp_path, ["Tỉnh", "Tính minh bạch", "Chi phí thời gian"], ["Bạc Liêu", "6,1", "7,2"])
    assert refused(path, "index_scores") == [(3, None, "error", "no_header", "no header of a ICT index table found: "
                                              "its columns are components of another index")]


# --- tasks, observations, units ---------------------------------------------------------

TASKS = ["STT", "Nhiệm vụ", "Tình trạng"]


def test_an_empty_task_status_is_counted_as_not_started_with_a_warning(tmp_path):
    path = flat(tmp_path, TASKS, [1, "Nâng cấp cổng", "Hoàn thành"], [2, "Số hóa hồ sơ", None])
    df = read_export(path, "tasks", strict=False)
    assert seen(df, "warning", "unknown_value") == [(6, "Tình trạng", "warning", "unknown_value",
                                                     "is empty; the task is counted as not started")]
    assert df["status"].tolist() == ["done", "not_started"]


def test_an_unknown_task_status_is_an_error_at_its_row(tmp_path):
    path = flat(tmp_path, TASKS, [1, "Nâng cấp cổng", "Hoàn thành"], [2, "Số hóa hồ sơ", "Đang chờ"])
    df = read_export(path, "tasks", strict=False)
    assert seen(df) == [(6, "Tình trạng", "error", "unknown_value", '"Đang chờ" is not a known task status '
                         "(Hoàn thành, Đang thực hiện, Chưa thực hiện)")]
    assert df["task_id"].tolist() == ["1"]


OBSERVED = ["Chỉ tiêu", "Đơn vị", "Tử số", "Mẫu số", "Tỷ lệ"]


def test_a_share_that_disagrees_with_its_numerator_and_denominator_is_replaced_with_a_warning(tmp_path):
    # 30 / 40 = 75 %, written 80 %
    path = flat(tmp_path, OBSERVED, ["computers_upgraded_share", "Văn phòng Sở", 30, 40, "80%"])
    df = read_export(path, "observations", strict=False)
    assert seen(df, "warning") == [(5, "Tỷ lệ", "warning", "inconsistent",
                                    "disagrees with numerator ÷ denominator; the ratio is used")]
    assert df["value"].tolist() == [0.75]


def test_an_observation_without_a_value_is_an_error_at_its_row(tmp_path):
    # row 6 has a numerator but no denominator: nothing to compute its share from
    path = flat(tmp_path, OBSERVED, ["computers_upgraded_share", "Văn phòng Sở", 30, 40, None],
                ["computers_upgraded_share", "Thanh tra Sở", 30, None, None])
    df = read_export(path, "observations", strict=False)
    assert seen(df) == [(6, "Tỷ lệ", "error", "not_a_number",
                         "has no value (and no numerator and denominator to compute it)")]
    assert df["value"].tolist() == [0.75]


def test_a_share_above_100_percent_is_an_error_at_its_row(tmp_path):
    path = flat(tmp_path, OBSERVED, ["computers_upgraded_share", "Văn phòng Sở", None, None, "100%"],
                ["computers_upgraded_share", "Thanh tra Sở", None, None, "150%"])
    df = read_export(path, "observations", strict=False)
    assert seen(df) == [(6, "Tỷ lệ", "error", "out_of_range", "is not a share (expected 0–100 %)")]
    assert df["value"].tolist() == [1.0]


def test_a_numerator_above_its_denominator_is_an_error_at_its_row(tmp_path):
    # 40 / 40 is 100 % (allowed); 50 / 40 is 125 %, both not a share and more than the denominator
    path = flat(tmp_path, OBSERVED, ["computers_upgraded_share", "Văn phòng Sở", 40, 40, None],
                ["computers_upgraded_share", "Thanh tra Sở", 50, 40, None])
    df = read_export(path, "observations", strict=False)
    assert seen(df) == [(6, "Tỷ lệ", "error", "out_of_range", "is not a share (expected 0–100 %)"),
                        (6, "Tử số", "error", "inconsistent", "is more than the denominator")]
    assert df["value"].tolist() == [1.0]


def test_a_heading_row_in_a_self_assessment_is_skipped_not_an_error(tmp_path):
    path = flat(tmp_path, OBSERVED, ["computers_upgraded_share", "Văn phòng Sở", 30, 40, None],
                ["Nhóm chỉ tiêu hạ tầng", None, None, None, None])
    df = read_export(path, "observations", strict=False)
    assert seen(df, "warning", "skipped_row") == [(6, "Đơn vị", "warning", "skipped_row",
                                                   "row has no figures; skipped as a heading")]
    assert seen(df) == []
    assert df["value"].tolist() == [0.75]


def test_a_unit_valid_to_before_its_valid_from_is_an_error_at_its_row(tmp_path):
    path = write_sheet(tmp_path / "units.xlsx", [["Mã đơn vị", "Tên đơn vị", "Hiệu lực từ", "Hiệu lực đến"],
                                                 ["u1", "Đơn vị A", "01/01/2020", "01/01/2020"],
                                                 ["u2", "Đơn vị B", "01/01/2022", "31/12/2021"]])
    df = read_export(path, "units", strict=False)
    assert seen(df) == [(3, "Hiệu lực đến", "error", "inconsistent", "is before valid_from")]
    assert df["unit_id"].tolist() == ["u1"]


def test_a_catalogue_with_no_date_anywhere_is_refused(tmp_path):
    path = write_sheet(tmp_path / "dvc.xlsx", [["Mã TTHC", "Mức độ"], ["1.000001", "Toàn trình"]])
    assert refused(path, "services") == [(1, None, "error", "no_period", "no date for this catalogue: no date "
                                          "column, and the title rows state neither a date nor a period")]


def test_a_period_argument_that_is_no_period_is_refused(tmp_path):
    path = flat(tmp_path, ["Đơn vị", "Số mới tiếp nhận"], ["Văn phòng Sở", 100], title=BODY)
    with pytest.raises(ValueError) as info:
        read_export(path, "dossiers", period="năm ngoái")
    assert str(info.value) == ("period='năm ngoái' is not a period (expected e.g. 2023, 2023-Q3, 2023-07, "
                               "2019-01/2019-07)")


# --- index tables sorted block by block (layouts.pair_sorted_blocks) ---------------------

PCI_TITLE = [["Chỉ số PCI"], ["Năm 2022"]]      # header on row 3, data from row 4
PCI_BLOCKS = ["Tỉnh", "Điểm", None, "Tính minh bạch"]   # column C: the names of column D's block


def test_blocks_sorted_on_their_own_are_paired_by_name(tmp_path):
    # column D is sorted on its own: Cà Mau 6,1, Bạc Liêu 5,9
    path = ict(tmp_path, PCI_BLOCKS, ["Bạc Liêu", "60", "Cà Mau", "6,1"], ["Cà Mau", "58", "Bạc Liêu", "5,9"],
               title=PCI_TITLE)
    df = read_export(path, "index_scores", strict=False)
    assert seen(df) == []
    got = df.set_index(["unit_name", "component"])["score"]
    assert got[("Bạc Liêu", "transparency")] == 5.9 and got[("Cà Mau", "transparency")] == 6.1


def test_a_block_that_lists_other_units_than_the_table_is_refused(tmp_path):
    path = ict(tmp_path, PCI_BLOCKS, ["Bạc Liêu", "60", "Cà Mau", "6,1"], ["Cà Mau", "58", "Sóc Trăng", "5,9"],
               title=PCI_TITLE)
    assert refused(path, "index_scores") == [
        (3, None, "error", "inconsistent", "the scores in column(s) D are sorted with their own names in column C, "
         "which do not list the same units as column A (not in it: Bạc Liêu; only in it: Sóc Trăng); dx-metrics "
         "will not pair scores with units across blocks")]


def test_a_unit_named_twice_in_the_column_blocks_are_paired_by_is_refused(tmp_path):
    path = ict(tmp_path, PCI_BLOCKS, ["Bạc Liêu", "60", "Cà Mau", "6,1"], ["Bạc Liêu", "58", "Sóc Trăng", "5,9"],
               title=PCI_TITLE)
    assert refused(path, "index_scores") == [
        (3, None, "error", "inconsistent", "column A names Bạc Liêu twice; dx-metrics will not pair scores with "
         "units across blocks")]


def test_scores_left_of_every_column_of_names_are_refused(tmp_path):
    path = ict(tmp_path, ["Điểm", "Tỉnh", None, "Tính minh bạch"], ["60", "Bạc Liêu", "Cà Mau", "6,1"],
               ["58", "Cà Mau", "Bạc Liêu", "5,9"], title=PCI_TITLE)
    assert refused(path, "index_scores") == [
        (3, None, "error", "inconsistent", "column A holds scores left of every column of names, so its units "
         "cannot be told; dx-metrics will not pair scores with units across blocks")]


# --- files that are not what their name says (workbook.py) -------------------------------

def test_a_folder_is_refused(tmp_path):
    assert refused(tmp_path, "dossiers") == [(None, None, "error", "unreadable", "is a folder, not a spreadsheet file")]


def test_binary_content_with_a_spreadsheet_name_is_refused(tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_bytes(bytes(range(256)) * 4)
    assert refused(path, "dossiers") == [(None, None, "error", "unreadable",
                                          "is not a spreadsheet (unknown binary content)")]


def test_a_workbook_with_a_csv_name_is_refused_saying_to_rename_it(tmp_path):
    path = one_stop(tmp_path).rename(tmp_path / "one_stop.csv")
    with pytest.raises(DxDataError) as info:
        read_export(path, "dossiers")
    (p,) = info.value.problems
    assert (p.row, p.reason, p.message, p.hint) == (None, "unreadable", "is an Excel workbook with a .csv name",
                                                    "rename it to .xlsx")


def test_a_text_file_of_blank_lines_is_refused(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("\n\n\n", encoding="utf-8")
    assert refused(path, "dossiers") == [(None, None, "error", "unreadable", "has no rows")]


def test_an_old_excel_file_that_cannot_be_opened_is_refused(tmp_path):
    path = tmp_path / "broken.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01" * 600)
    with pytest.raises(DxDataError) as info:
        read_export(path, "dossiers")
    (p,) = info.value.problems
    assert (p.row, p.reason, p.hint) == (None, "unreadable", "open it in Excel and save it as .xlsx")
    assert p.message.startswith("cannot be opened as a workbook (")


def test_blocks_are_paired_in_the_order_of_the_overall_scores_block_wherever_it_stands(tmp_path):
    # the overall score's block second (C: names, D: scores), a component's first (A, B)
    path = ict(tmp_path, ["Tỉnh", "Tính minh bạch", None, "Điểm"], ["Bạc Liêu", "6,1", "Cà Mau", "60"],
               ["Cà Mau", "5,9", "Bạc Liêu", "58"], title=PCI_TITLE)
    df = read_export(path, "index_scores", strict=False)
    got = df.set_index(["unit_name", "component"])["score"]
    assert got[("Bạc Liêu", "transparency")] == 6.1 and got[("Bạc Liêu", "total")] == 58
    assert got[("Cà Mau", "transparency")] == 5.9 and got[("Cà Mau", "total")] == 60
    (note,) = [n for n in df.attrs["origin"]["layout"] if "sorted on its own" in n]
    assert note.endswith("in the order of column C")


def test_many_components_not_in_the_catalogue_are_named_up_to_eight(tmp_path):
    comps = [f"Trụ cột {c}" for c in "ABCDEFGHI"]              # nine the ICT catalogue does not have
    path = ict(tmp_path, ["Bộ, ngành", "Chỉ số thành phần", "Điểm"], ["Bộ Giao thông vận tải", "Tổng", "0,6"],
               *[["Bộ Giao thông vận tải", c, "0,5"] for c in comps])
    df = read_export(path, "index_scores", strict=False)
    assert [p.message for p in problems_of(df) if p.reason == "unknown_value"] == [
        "component(s) not in the ICT catalogue, kept as written: " + ", ".join(comps[:8]) + " … +1 more"]


def test_a_dossier_resolved_the_day_it_was_received_is_kept(tmp_path):
    # received 01/03/2023, resolved 01/03/2023 (the same instant: both midnight): kept, counted once
    path = flat(tmp_path, [*RECORDS, "Ngày hẹn trả", "Ngày trả kết quả"],
                ["HS-1", "Văn phòng Sở", "01/03/2023", "Trực tuyến", "10/03/2023", "01/03/2023"], title=BODY)
    df = read_export(path, "dossier_records", strict=True)
    assert len(df) == 1 and not [p for p in problems_of(df) if p.code == "earlier_than_received"]
    out = aggregate_records(df, freq="year")
    assert out[["resolved_total", "resolved_on_time", "resolved_late"]].iloc[0].tolist() == [1, 1, 0]
