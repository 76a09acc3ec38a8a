"""read_export on the bundled samples and on layouts and mistakes built here.

Expected figures: the seeds' published values (18,75 % = 1.200 / 6.400 for the department
in 2022, 375.462 online dossiers at the ministry in Jan-Jul 2019) and the sample
generator's fixed per-unit counts (data/make_samples.py, DOT_2022 / DOT_2023).
"""
import pandas as pd
import pytest

from conftest import RAW, one_stop_rows, unit_row, write_sheet
from dx_metrics import DxDataError, read_export
from dx_metrics.errors import problems_of


def test_department_2022_sample_reads_every_unit():
    df = read_export(RAW / "sgtvt_baclieu_mot_cua_2022.xlsx", "dossiers")
    assert df["unit_id"].tolist() == ["baclieu_dot_transport", "baclieu_dot_infra", "baclieu_dot_quality",
                                      "baclieu_dot_office"]
    assert df["received_total"].tolist() == [5120, 640, 400, 240]
    assert df["received_online"].tolist() == [1024, 96, 40, 40]
    assert set(df["period"]) == {"2022"}
    assert problems_of(df) == []
    # seed 002: online dossiers about 18,75 % of all received
    assert df["received_online"].sum() / df["received_total"].sum() == pytest.approx(0.1875)


def test_decree09_title_and_column_number_row():
    df = read_export(RAW / "sgtvt_baclieu_mot_cua_2023.xlsx", "dossiers")
    assert set(df["period"]) == {"2023"}
    assert df["received_total"].sum() == 6800 and df["received_online"].sum() == 2076
    assert df.attrs["origin"]["header_row"] == 7


def test_ministry_seven_months_2019():
    df = read_export(RAW / "bo_gtvt_mot_cua_7thang_2019.xlsx", "dossiers")
    assert set(df["period"]) == {"2019-01/2019-07"}
    assert df["received_online"].sum() == 375_462      # seed 001
    assert len(df) == 7 and df["unit_id"].str.startswith("mot_").all()


def test_carried_over_is_not_newly_received(tmp_path):
    # file total 110 = 60 online + 40 in person + 10 carried over -> newly received 100
    rows = one_stop_rows([["Văn phòng Sở", 110, 60, 40, 10, 100, 20, 75, 5, 10, 10, 0]])
    df = read_export(write_sheet(tmp_path / "a.xlsx", rows), "dossiers")
    assert df.loc[0, "received_total"] == 100 and df.loc[0, "carried_over"] == 10
    assert df.loc[0, "resolved_on_time"] == 95          # early 20 + on time 75
    assert df.loc[0, "pending"] == 10


def test_bad_count_message_points_at_the_cell(tmp_path):
    rows = one_stop_rows([unit_row("Văn phòng Sở", 100, 60), ["Thanh tra Sở", 50, "N/A", 40, 0, 50, 0, 50, 0, 0, 0, 0]])
    path = write_sheet(tmp_path / "one_stop_2023.xlsx", rows)
    with pytest.raises(DxDataError) as info:
        read_export(path, "dossiers")
    p = [p for p in info.value.problems if p.severity == "error"]
    assert len(p) == 1
    assert str(p[0]) == ('one_stop_2023.xlsx, sheet "Biểu 06a", row 8, column "Số hồ sơ nhận giải quyết / Trực tuyến": '
                         '"N/A" is not a count (expected a whole number ≥ 0)')
    lenient = read_export(path, "dossiers", strict=False)
    assert lenient["unit_name"].tolist() == ["Văn phòng Sở"]
    assert [x.row for x in problems_of(lenient) if x.severity == "error"] == [8]


def test_online_more_than_received_is_an_error(tmp_path):
    rows = one_stop_rows([["Văn phòng Sở", 100, 120, -20, 0, 100, 0, 100, 0, 0, 0, 0]])
    df = read_export(write_sheet(tmp_path / "a.xlsx", rows), "dossiers", strict=False)
    messages = [p.message for p in problems_of(df) if p.severity == "error"]
    assert '-20 is not a count (expected a whole number ≥ 0)' in messages
    assert "more dossiers received online than received in total" in messages
    assert df.empty


def test_totals_row_checked_and_not_a_unit(tmp_path):
    units = [unit_row("Văn phòng Sở", 100, 60), unit_row("Thanh tra Sở", 50, 10)]
    ok_total = [150, 70, 80, 0, 150, 0, 150, 0, 0, 0, 0]
    df = read_export(write_sheet(tmp_path / "ok.xlsx", one_stop_rows(units, total=ok_total)), "dossiers")
    assert len(df) == 2 and problems_of(df) == []
    bad_total = [150, 75, 80, 0, 150, 0, 150, 0, 0, 0, 0]
    with pytest.raises(DxDataError) as info:
        read_export(write_sheet(tmp_path / "bad.xlsx", one_stop_rows(units, total=bad_total)), "dossiers")
    (p,) = info.value.problems
    assert (p.row, p.column, p.reason) == (9, "Số hồ sơ nhận giải quyết / Trực tuyến", "totals_mismatch")
    assert p.message == "the totals row says 75 but the rows above add up to 70"


def test_unknown_unit_is_kept_as_a_provisional_unit_of_the_issuing_body(tmp_path):
    # the title rows say UBND TỈNH BẠC LIÊU / SỞ GIAO THÔNG VẬN TẢI: the department is the scope
    rows = one_stop_rows([unit_row("Phòng Không Có Thật", 10, 5)])
    df = read_export(write_sheet(tmp_path / "a.xlsx", rows), "dossiers")
    assert df["unit_name"].tolist() == ["Phòng Không Có Thật"]
    assert df["unit_id"].tolist() == ["baclieu_dot~phong_khong_co_that"]
    warn = [p for p in problems_of(df) if p.reason == "provisional_unit"]
    assert warn[0].severity == "warning" and warn[0].row == 7
    assert "counted as a provisional unit under SỞ GIAO THÔNG VẬN TẢI (baclieu_dot)" in warn[0].message
    assert "dx-metrics units suggest FILE" in warn[0].hint


def test_no_period_anywhere_is_a_problem_and_period_argument_fixes_it(tmp_path):
    path = write_sheet(tmp_path / "a.xlsx", one_stop_rows([unit_row("Văn phòng Sở", 10, 5)], period_line=None))
    with pytest.raises(DxDataError) as info:
        read_export(path, "dossiers")
    assert info.value.problems[0].reason == "no_period"
    assert read_export(path, "dossiers", period="2023-Q3")["period"].tolist() == ["2023-Q3"]


def test_period_argument_overrides_the_title(tmp_path):
    path = write_sheet(tmp_path / "a.xlsx", one_stop_rows([unit_row("Văn phòng Sở", 10, 5)]))
    assert read_export(path, "dossiers", period="2023-07")["period"].tolist() == ["2023-07"]


def test_duplicate_unit_rejects_the_second_row(tmp_path):
    rows = one_stop_rows([unit_row("Văn phòng Sở", 10, 5), unit_row("VAN PHONG SO", 20, 5)])
    df = read_export(write_sheet(tmp_path / "a.xlsx", rows), "dossiers", strict=False)
    assert df["received_total"].tolist() == [10]
    (p,) = [p for p in problems_of(df) if p.reason == "duplicate_key"]
    assert p.row == 8


def test_csv_with_bom_semicolons_and_english_headers(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("\ufeffUnit;Period;Received total;Received online\r\nVăn phòng Sở;2023;1.200;300\r\n",
                    encoding="utf-8")
    df = read_export(path, "dossiers")
    assert df.loc[0, "received_total"] == 1200 and df.loc[0, "received_online"] == 300
    assert df.loc[0, "period"] == "2023"


def test_headers_without_diacritics_and_with_line_breaks(tmp_path):
    rows = [["Nam 2023"], ["DON VI", "TONG SO HO SO NHAN GIAI QUYET", "Truc\ntuyen", "Ky truoc\nchuyen qua"],
            ["Văn phòng Sở", 12, 4, 2]]
    df = read_export(write_sheet(tmp_path / "a.xlsx", rows), "dossiers")
    assert df.loc[0, "received_total"] == 10 and df.loc[0, "received_online"] == 4


@pytest.mark.parametrize("name, content, expected", [
    ("empty.xlsx", b"", "the file is empty (0 bytes)"),
    ("page.xls", b"<html><table><tr><td>x</td></tr></table></html>",
     "is a web page (HTML) saved with a spreadsheet name, not a real workbook"),
    ("text.xlsx", "Đơn vị,Trực tuyến\nA,1\n".encode(), "is a text (CSV) file with an .xlsx name, not an Excel workbook"),
])
def test_unreadable_files_get_one_sentence(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DxDataError) as info:
        read_export(path, "dossiers")
    (p,) = info.value.problems
    assert p.reason == "unreadable" and p.message == expected


def test_corrupt_xlsx(tmp_path):
    good = RAW / "sgtvt_baclieu_mot_cua_2022.xlsx"
    path = tmp_path / "broken.xlsx"
    path.write_bytes(good.read_bytes()[:3000])
    with pytest.raises(DxDataError) as info:
        read_export(path, "dossiers")
    (p,) = info.value.problems
    assert p.reason == "unreadable"
    assert p.message == "is damaged (the .xlsx archive is corrupt or truncated)"


def test_missing_file():
    with pytest.raises(DxDataError, match="does not exist"):
        read_export(RAW / "nope.xlsx", "dossiers")


def test_cache_returns_the_same_table(tmp_path, monkeypatch):
    import dx_metrics.ingest as ingest

    first = read_export(RAW / "sgtvt_baclieu_mot_cua_2023.xlsx", "dossiers")

    def not_again(*a, **k):
        raise AssertionError("parsed again: the cache was not used")

    monkeypatch.setattr(ingest, "parse_export", not_again)
    second = read_export(RAW / "sgtvt_baclieu_mot_cua_2023.xlsx", "dossiers")
    pd.testing.assert_frame_equal(first, second)
    assert second.attrs["origin"]["sha256"] == first.attrs["origin"]["sha256"]


def test_samples_match_their_generator(tmp_path, monkeypatch):
    """data/raw is what data/make_samples.py writes (cell by cell)."""
    import importlib.util

    from conftest import ROOT
    spec = importlib.util.spec_from_file_location("make_samples", ROOT / "data" / "make_samples.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "RAW", tmp_path)
    for path in mod.main():
        fresh = pd.read_excel(path, header=None, sheet_name=None, engine="calamine")
        bundled = pd.read_excel(RAW / path.name, header=None, sheet_name=None, engine="calamine")
        assert fresh.keys() == bundled.keys()
        for k in fresh:
            pd.testing.assert_frame_equal(fresh[k], bundled[k])


def test_blank_rows_never_shift_names_against_figures(tmp_path):
    # a blank row and a heading between units: every figure must stay with its own unit
    rows = one_stop_rows([unit_row("Văn phòng Sở", 100, 60), [None] * 12,
                          ["I. Khối chuyên môn"] + [None] * 11, unit_row("Thanh tra Sở", 50, 10),
                          unit_row("Phòng Quản lý kết cấu hạ tầng giao thông", 30, 3)])
    df = read_export(write_sheet(tmp_path / "gaps.xlsx", rows), "dossiers")
    got = dict(zip(df["unit_id"], df["received_total"]))
    assert got == {"baclieu_dot_office": 100, "baclieu_dot_inspect": 50, "baclieu_dot_infra": 30}


def test_blank_line_in_a_records_csv(tmp_path):
    path = tmp_path / "records.csv"
    path.write_text("Mã hồ sơ,Đơn vị,Ngày tiếp nhận,Hình thức nộp\n\nHS1,Văn phòng Sở,01/03/2023,Trực tuyến\n"
                    "HS2,Văn phòng Sở,02/03/2023,Trực tiếp\n", encoding="utf-8")
    df = read_export(path, "dossier_records")
    assert dict(zip(df["dossier_id"], df["channel"])) == {"HS1": "online", "HS2": "direct"}
    assert df.set_index("dossier_id").at["HS1", "received_at"] == pd.Timestamp("2023-03-01")


def test_scores_below_one_are_decimals(tmp_path):
    path = tmp_path / "dti.csv"
    path.write_text("Chỉ số,Năm,Tỉnh,Điểm\nDTI,2023,Tỉnh Bạc Liêu,0.512\nDTI,2023,Tỉnh Cà Mau,0.580\n",
                    encoding="utf-8")
    df = read_export(path, "index_scores")
    assert df["score"].tolist() == [0.512, 0.58]


def test_cells_holding_only_white_space_are_empty_in_text_columns_and_mixed_ones():
    import datetime as dt

    from dx_metrics.ingest.workbook import _blank_to_none

    spaces = ["", " ", "\u00a0", "\t\n", "\u3000"]          # each holds nothing (no-break and ideographic spaces too)
    kept = ["a ", " Văn phòng Sở", "0"]
    text = spaces + kept + [None]
    mixed = spaces + kept + [12.0, dt.datetime(2023, 5, 2), None]
    df = _blank_to_none(pd.DataFrame({"text": text + [None] * 2, "mixed": mixed}, dtype=object))
    for col in ("text", "mixed"):
        assert df[col].iloc[:5].isna().all(), col
        assert df[col].iloc[5:8].tolist() == kept, col
    assert df["mixed"].iloc[8] == 12.0 and df["mixed"].iloc[9] == dt.datetime(2023, 5, 2)


def test_a_frame_read_with_problems_is_written_to_parquet_with_them(tmp_path):
    """pandas writes ``df.attrs`` as JSON with the frame: the problems are plain dicts there, so
    ``read_export(...).to_parquet(...)`` works (it raised TypeError on Problem objects) and the
    problems come back from the file, said as before."""
    rows = one_stop_rows([unit_row("Văn phòng Sở", 100, 60), ["Thanh tra Sở", 50, "N/A", 40, 0, 50, 0, 50, 0, 0, 0, 0]])
    df = read_export(write_sheet(tmp_path / "bad.xlsx", rows), "dossiers", strict=False)
    found = problems_of(df)
    assert [(p.row, p.value, p.code is not None) for p in found if p.severity == "error"] == [(8, "N/A", True)]
    df.to_parquet(tmp_path / "read.parquet")
    back = pd.read_parquet(tmp_path / "read.parquet")
    assert problems_of(back) == found
    assert [p.text("vi") for p in problems_of(back)] == [p.text("vi") for p in found]
    assert back.attrs["origin"]["file"] == "bad.xlsx"
