"""read_export for every canonical kind, on the samples and on tables built here."""
import datetime as dt

import pandas as pd
import pytest

from conftest import RAW, ROOT, write_sheet
from dx_metrics import DxDataError, read_export
from dx_metrics.errors import problems_of

FIXTURES = ROOT / "tests" / "fixtures"


def test_department_catalogue_93_of_94_online():
    df = read_export(RAW / "sgtvt_baclieu_dich_vu_cong_2022.xlsx", "services")
    assert len(df) == 94 and int(df["provided_online"].sum()) == 93          # seed 002
    assert set(df["as_of"]) == {pd.Timestamp("2022-12-14")}                   # "tính đến ngày 14/12/2022"


def test_ministry_catalogue_310_online():
    df = read_export(RAW / "bo_gtvt_dich_vu_cong_2019.xlsx", "services")
    assert int(df["provided_online"].sum()) == 310                            # seed 001
    assert set(df["as_of"]) == {pd.Timestamp("2019-09-30")}                   # "Tháng 9/2019" -> its last day


def test_service_levels_as_written(tmp_path):
    written = ["Mức độ 4", "Mức 4", "4", "Toàn trình", "DVC trực tuyến toàn trình", "Một phần", "Mức độ 3",
               "Chưa cung cấp", "MUC DO 2"]
    expected = ["full"] * 5 + ["partial"] * 2 + ["none"] * 2
    mobile = ["Có", "x", "", "Không", None, "X", "có", None, None]
    rows = [["Năm 2023"], ["Mã TTHC", "Tên thủ tục", "Mức độ", "Thiết bị di động"]]
    rows += [[f"1.{i:06d}", f"Thủ tục {i}", lv, mb] for i, (lv, mb) in enumerate(zip(written, mobile))]
    df = read_export(write_sheet(tmp_path / "dvc.xlsx", rows), "services")
    assert df["online_mode"].tolist() == expected
    assert df["level"].tolist() == written                                    # kept as written
    assert df["mobile_ready"].tolist() == [True, True, False, False, False, True, True, False, False]
    assert df["provided_online"].tolist() == [True] * 7 + [False] * 2


def test_unknown_service_level_names_the_vocabulary(tmp_path):
    rows = [["Năm 2023"], ["Mã TTHC", "Mức độ"], ["1.000001", "Mức độ 5"]]
    with pytest.raises(DxDataError) as info:
        read_export(write_sheet(tmp_path / "dvc.xlsx", rows), "services")
    (p,) = info.value.problems
    assert str(p) == ('dvc.xlsx, sheet "Biểu 06a", row 3, column "Mức độ": "Mức độ 5" is not a known service level '
                      "(Mức độ 1-4, Toàn trình, Một phần) (add it under online_mode in dx_metrics/ingest/vocabulary.yaml)")


def test_resolution_17_tasks_3_due_in_2019_and_9_without_deadline():
    df = read_export(RAW / "bo_gtvt_nhiem_vu_nq17_2019.xlsx", "tasks")
    assert len(df) == 12                                                      # seed 001
    assert int((df["deadline"].dt.year == 2019).sum()) == 3
    assert int(df["deadline"].isna().sum()) == 9
    assert df.loc[0, "deadline"] == pd.Timestamp("2019-12-31")                # "Quý IV/2019"
    assert df.loc[1, "deadline"] == pd.Timestamp("2019-03-31")                # "Quý I/2019"
    assert df.loc[0, "owner_unit"] == "mot_it_centre" and df.loc[0, "status"] == "done"


def test_self_assessment_by_indicator_name():
    df = read_export(RAW / "sgtvt_baclieu_tu_danh_gia_2023.xlsx", "observations")
    got = dict(zip(df["indicator_id"], df["value"]))
    assert got["work_records_online_share"] == pytest.approx(405 / 1500)
    assert got["staff_dx_awareness_share"] == pytest.approx(130 / 180)
    assert set(df["period"]) == {"2023"} and set(df["unit_id"]) == {"baclieu_dot"}


def test_observations_percent_points_and_unknown_indicator(tmp_path):
    rows = [["Năm 2023"], ["Chỉ tiêu", "Đơn vị", "Tỷ lệ"],
            ["computers_upgraded_share", "Văn phòng Sở", "75"],
            ["Tỷ lệ máy tính được nâng cấp", "Thanh tra Sở", "75%"],
            ["Tỷ lệ gì đó", "Thanh tra Sở", "10%"]]
    df = read_export(write_sheet(tmp_path / "o.xlsx", rows), "observations", strict=False)
    assert df["value"].tolist() == [0.75, 0.75]
    (p,) = [p for p in problems_of(df) if p.severity == "error"]
    assert (p.row, p.message) == (5, '"Tỷ lệ gì đó" is not an indicator in the registry')


def test_dossier_records_channels_and_dates(tmp_path):
    rows = [["Mã hồ sơ", "Đơn vị", "Ngày tiếp nhận", "Hình thức nộp", "Ngày hẹn trả", "Ngày trả kết quả"],
            ["HS-1", "Văn phòng Sở", "14/12/2022", "Trực tuyến", "20/12/2022", "19/12/2022"],
            ["HS-2", "Văn phòng Sở", 44910, "Bưu chính công ích", None, None],
            ["HS-3", "Văn phòng Sở", dt.datetime(2022, 12, 16, 9), "Tại quầy", "26/12/2022", "27/12/2022"],
            ["HS-4", "Văn phòng Sở", "16/12/2022", "Fax", None, None],
            ["HS-5", "Văn phòng Sở", "17/12/2022", "Trực tiếp", None, "10/12/2022"]]
    df = read_export(write_sheet(tmp_path / "r.xlsx", rows), "dossier_records", strict=False)
    assert df["dossier_id"].tolist() == ["HS-1", "HS-2", "HS-3"]
    assert df["channel"].tolist() == ["online", "postal", "direct"]
    assert df.loc[1, "received_at"] == pd.Timestamp("2022-12-15")            # serial 44910
    errors = {(p.row, p.message) for p in problems_of(df) if p.severity == "error"}
    assert errors == {(5, '"Fax" is not a known channel (online, in person, post)'),
                      (6, "is earlier than the date received")}


def test_index_table_long_form_with_title_year(tmp_path):
    rows = [["BẢNG XẾP HẠNG ICT INDEX"], ["Năm 2019"], ["Bộ, ngành", "Chỉ số thành phần", "Điểm", "Xếp hạng"],
            ["Bộ Giao thông vận tải", "Tổng", "0,6", 13], ["Bộ Giao thông vận tải", "Dịch vụ công trực tuyến", "0,9", 1]]
    df = read_export(write_sheet(tmp_path / "ict.xlsx", rows), "index_scores")
    assert set(df["index"]) == {"ICT"} and set(df["year"]) == {2019}
    assert df["rank"].tolist() == [13, 1] and df["score"].tolist() == [0.6, 0.9]
    # components by the catalogue's id of the ICT Index (indexes.yaml), shown by its names in reports
    assert df["component"].tolist() == ["total", "online_services"]
    assert df.loc[0, "unit_id"] == "mot"


def test_units_table_reads_the_registry():
    df = read_export(ROOT / "dx_metrics" / "reference" / "units.csv", "units")
    assert "baclieu_dot" in set(df["unit_id"])
    assert df.set_index("unit_id").at["mot", "successor_id"] == "moc"


def test_legacy_xls_with_merged_header():
    df = read_export(FIXTURES / "one_stop_2023.xls", "dossiers")
    assert df["received_total"].tolist() == [120, 80] and df["received_online"].tolist() == [30, 20]
    assert set(df["period"]) == {"2023-Q3"}


def test_password_protected_workbook():
    with pytest.raises(DxDataError) as info:
        read_export(FIXTURES / "password_protected.xlsx", "dossiers")
    (p,) = info.value.problems
    assert p.message == "is protected by a password and cannot be read"
    assert p.hint.startswith("open it in Excel, remove the password")


def test_english_one_stop_headers_count_early_as_on_time(tmp_path):
    path = tmp_path / "eng.csv"
    path.write_text("Unit,Period,Received total,Received online,Resolved,Early,On time,Late\n"
                    "Văn phòng Sở,2023,250,100,250,100,140,10\n", encoding="utf-8")
    df = read_export(path, "dossiers")
    assert df.loc[0, "resolved_on_time"] == 240 and df.loc[0, "resolved_late"] == 10   # early + on time


def test_self_reported_percent_points_decided_per_column(tmp_path):
    rows = [["Năm 2023"], ["Chỉ tiêu", "Đơn vị", "Tỷ lệ (%)"],
            ["computers_upgraded_share", "Văn phòng Sở", 27], ["computers_upgraded_share", "Thanh tra Sở", 1],
            ["work_records_online_share", "Thanh tra Sở", "0,5"]]
    df = read_export(write_sheet(tmp_path / "o.xlsx", rows), "observations")
    assert df["value"].round(6).tolist() == [0.27, 0.01, 0.005]


def test_in_person_and_postal_columns_add_up_to_the_offline_dossiers(tmp_path):
    from conftest import write_sheet

    from dx_metrics import read_export

    rows = [["Năm 2023"], ["Đơn vị", "Trực tuyến", "Trực tiếp", "Bưu chính", "Đã giải quyết"],
            ["Văn phòng Sở", 120, 25, 5, 140], ["Thanh tra Sở", 8, 10, None, 18]]
    df = read_export(write_sheet(tmp_path / "t.xlsx", rows), "dossiers", scope="baclieu_dot", strict=False)
    got = df.set_index("unit_id")
    # 25 in person + 5 by post = 30 offline; 120 + 30 newly received. The inspectorate's postal
    # cell is empty: its offline dossiers (and so its total) are not known, never read as 8 + 10
    assert got.loc["baclieu_dot_office", "received_total"] == 150
    assert pd.isna(got.loc["baclieu_dot_inspect", "received_total"])


def test_a_units_table_with_its_dates_checked_and_one_with_a_start_date_only(tmp_path):
    head = "unit_id,name_vi,kind,parent_id,valid_from"
    only_from = tmp_path / "from.csv"
    only_from.write_text(f"{head}\nx_a,Phòng A,division,baclieu_dot,2020-01-01\n", encoding="utf-8")
    assert read_export(only_from, "units")["unit_id"].tolist() == ["x_a"]          # no end date: nothing to compare
    both = tmp_path / "both.csv"
    both.write_text(f"{head},valid_to\nx_a,Phòng A,division,baclieu_dot,2020-01-01,2019-12-31\n"
                    "x_b,Phòng B,division,baclieu_dot,2020-01-01,2020-01-01\n", encoding="utf-8")
    df = read_export(both, "units", strict=False)
    # ending the day before it starts is an error at its row; ending the day it starts is a one-day unit
    assert df["unit_id"].tolist() == ["x_b"]
    (p,) = [p for p in problems_of(df) if p.severity == "error"]
    assert (p.row, p.column) == (2, "valid_to")
