"""The 766 inputs as canonical dossier_records columns (issue 29): the header words one-stop logs
use, their values (a fee as an amount or a mark, days waited as numbers), kept by import-records
in Parquet and counted there by DuckDB and Spark as on a frame; a log without them reads as
before and its 766 components needing them are "not computable", never invented. And the one
definition of late: the one-stop counts and the 766 counts agree where no supplement waits."""
from __future__ import annotations

import csv
import io
import shutil

import numpy as np
import pandas as pd
import pytest

from dx_metrics import read_export
from dx_metrics.canonical import OUTPUT_COLUMNS, RECORD_766_COLUMNS
from dx_metrics.errors import DxDataError
from dx_metrics.indicators import engines
from dx_metrics.indicators.records import aggregate_records
from dx_metrics.indicators.score766 import count_766, score_766
from dx_metrics.ingest.convert import import_records
from dx_metrics.ingest.dataset import TYPES, read_records
from dx_metrics.ingest.values import parse_day_counts, parse_fees
from dx_metrics.notes import decode

TITLE = [["UBND TỈNH BẠC LIÊU"], ["SỞ GIAO THÔNG VẬN TẢI"], ["SỔ THEO DÕI HỒ SƠ THÁNG 10/2023"]]
OFFICE = "baclieu_dot_office"       # "Văn phòng Sở" under the department the title rows name


def _csv(path, header: list[str], rows: list[list]) -> str:
    text = io.StringIO(newline="")
    csv.writer(text).writerows([*TITLE, header, *rows])
    path.write_text(text.getvalue(), encoding="utf-8")
    return path


# A log as a one-stop system exports it, with the 766 columns under the words the exports use
HEADER = ["Mã hồ sơ", "Đơn vị", "Tên thủ tục", "Phòng ban xử lý", "Ngày tiếp nhận", "Hình thức nộp", "Ngày hẹn trả",
          "Ngày trả kết quả", "Số ngày tạm dừng/bổ sung", "Phí, lệ phí", "Thanh toán trực tuyến", "Số hóa",
          "Phản ánh, kiến nghị"]
ROWS = [
    # received 2 Oct, due 9 Oct, finished 11 Oct after 2 days waited: 9 + 2 = 11, on time
    ["HS-01", "Văn phòng Sở", "Cấp giấy phép lái xe", "Phòng Quản lý vận tải", "02/10/2023 08:00", "Trực tuyến",
     "09/10/2023", "11/10/2023 15:00", "2 ngày", "135.000 đ", "Có", "x", ""],
    # finished 12 Oct, due 9 Oct, 1,5 days waited -> 1 whole day: 10 < 12, late; free procedure
    ["HS-02", "Văn phòng Sở", "Cấp giấy phép lái xe", "Phòng Quản lý vận tải", "02/10/2023 09:00", "Trực tiếp",
     "09/10/2023", "12/10/2023 10:00", "1,5", "Miễn phí", "", "x", "Có"],
    # no wait written, a fee written as a mark only, not paid online, not digitised
    ["HS-03", "Văn phòng Sở", "Đổi giấy phép lái xe", "Phòng Quản lý vận tải", "03/10/2023 10:00", "Trực tiếp",
     "10/10/2023", "", "", "Có", "Không", "", "Không"],
]


def test_the_766_columns_are_read_under_the_words_one_stop_logs_use(tmp_path):
    df = read_export(_csv(tmp_path / "so_theo_doi.csv", HEADER, ROWS), "dossier_records")
    assert set(RECORD_766_COLUMNS) <= set(df.columns)
    assert [c for c in df.columns if c in OUTPUT_COLUMNS["dossier_records"]] == [
        c for c in OUTPUT_COLUMNS["dossier_records"] if c in df.columns]       # in the canonical order
    assert df["unit_id"].tolist() == [OFFICE] * 3
    assert df["division"].tolist() == ["Phòng Quản lý vận tải"] * 3
    # "2 ngày" = 2, "1,5" = 1.5 (decimal comma), empty = missing (no wait recorded)
    assert df["supplement_days"].tolist()[:2] == [2.0, 1.5] and pd.isna(df["supplement_days"][2])
    # "135.000 đ" = 135000 (thousands dot, the đồng sign), "Miễn phí" = 0, "Có" = 1 (a fee, amount unwritten)
    assert df["fee"].tolist() == [135000.0, 0.0, 1.0]
    assert df["complained"].tolist() == [False, True, False]
    assert str(df["supplement_days"].dtype) == "Float64" and str(df["fee"].dtype) == "Float64"
    # October 2023 by hand: received 3; fee > 0: HS-01, HS-03 = 2, paid online HS-01 = 1; judged:
    # HS-01 on time (with its wait), HS-02 late = 2 (HS-03 open, due 10 Oct, past at 31 Oct: overdue) = 3
    c = count_766(df, period="2023-10").iloc[0]
    assert (c.received, c.fee_dossiers, c.paid_online_fee, c.complained) == (3, 2, 1, 1)
    assert (c.resolved_on_time, c.resolved_late, c.overdue_open) == (1, 1, 1)


def test_other_words_for_the_same_columns(tmp_path):
    header = ["Mã hồ sơ", "Đơn vị", "Ngày tiếp nhận", "Hình thức nộp", "Thời gian chờ bổ sung", "Có phí",
              "Phản ánh kiến nghị", "Bộ phận xử lý"]
    rows = [["HS-1", "Văn phòng Sở", "02/10/2023", "Trực tuyến", "3", "Có", "x", "Tổ một cửa"],
            ["HS-2", "Văn phòng Sở", "03/10/2023", "Trực tiếp", "0", "Không", "", "Tổ một cửa"]]
    df = read_export(_csv(tmp_path / "log.csv", header, rows), "dossier_records")
    assert df[["supplement_days", "fee", "complained", "division"]].astype(object).values.tolist() == [
        [3.0, 1.0, True, "Tổ một cửa"], [0.0, 0.0, False, "Tổ một cửa"]]


def test_a_bad_fee_or_day_count_is_said_at_its_cell(tmp_path):
    header = ["Mã hồ sơ", "Đơn vị", "Ngày tiếp nhận", "Hình thức nộp", "Thời gian chờ bổ sung", "Có phí"]
    rows = [["HS-1", "Văn phòng Sở", "02/10/2023", "Trực tuyến", "ba ngày", "phí cao"],
            ["HS-2", "Văn phòng Sở", "03/10/2023", "Trực tiếp", "-2", "-5.000"]]
    with pytest.raises(DxDataError) as e:
        read_export(_csv(tmp_path / "log.csv", header, rows), "dossier_records")
    # rows 5 and 6: three title rows, the header on row 4; by row, then column
    assert [p.text() for p in e.value.problems] == [
        'log.csv, row 5, column "Thời gian chờ bổ sung": "ba ngày" is not a number of days (expected a number ≥ 0 '
        'such as 3 or 2,5)',
        'log.csv, row 5, column "Có phí": "phí cao" is not a fee (expected an amount in đồng such as 25.000, or '
        'Có, Không, Miễn phí)',
        'log.csv, row 6, column "Thời gian chờ bổ sung": "-2" is not a number of days (expected a number ≥ 0 '
        'such as 3 or 2,5)',
        'log.csv, row 6, column "Có phí": "-5.000" is not a fee (expected an amount in đồng such as 25.000, or '
        'Có, Không, Miễn phí)']
    assert e.value.problems[1].text("vi") == ('log.csv, dòng 5, cột "Có phí": "phí cao" không phải phí, lệ phí (cần '
                                              'số tiền như 25.000, hoặc Có, Không, Miễn phí)')


def test_the_value_parsers():
    fees, errors = parse_fees(pd.Series(["25.000", "25.000 VNĐ", "1.500.000 đồng", "x", "Không", "Miễn phí", None,
                                         True, 30000, "N/A"], dtype=object))
    assert fees.tolist()[:6] == [25000.0, 25000.0, 1500000.0, 1.0, 0.0, 0.0] and pd.isna(fees[6])
    assert fees.tolist()[7:9] == [1.0, 30000.0] and pd.isna(fees[9])
    assert errors.tolist() == [None] * 9 + ["not_a_fee"]
    days, errors = parse_day_counts(pd.Series(["2", "2,5", "3 ngày", "", 4.0, "1.5"], dtype=object))
    # "1.5": a dot before one digit is a decimal point (no group of three after it)
    assert days.tolist()[:3] == [2.0, 2.5, 3.0] and pd.isna(days[3]) and days.tolist()[4:] == [4.0, 1.5]
    assert errors.isna().all()


def test_a_log_without_them_reads_as_before_and_its_components_are_not_computable(tmp_path):
    header = ["Mã hồ sơ", "Đơn vị", "Ngày tiếp nhận", "Hình thức nộp", "Ngày hẹn trả", "Ngày trả kết quả", "Số hóa"]
    rows = [["HS-1", "Văn phòng Sở", "02/10/2023", "Trực tuyến", "09/10/2023", "05/10/2023", "x"],
            ["HS-2", "Văn phòng Sở", "03/10/2023", "Trực tiếp", "10/10/2023", "12/10/2023", ""]]
    df = read_export(_csv(tmp_path / "log.csv", header, rows), "dossier_records")
    assert not set(RECORD_766_COLUMNS) & set(df.columns)
    s = score_766(df, period="2023-10").set_index("rate_id")
    # (paid online is not in this log either)
    for rate_id, lacks in (("on_time_rate", "supplement_days"), ("online_payment_rate", "fee, paid_online"),
                           ("satisfaction_rate", "supplement_days, complained")):
        r = s.loc[rate_id]
        assert not r.computable and pd.isna(r.points) and pd.isna(r.rate)
        assert decode(r.note_codes) == [{"code": "score_766_missing_columns", "params": {"columns": lacks}}]
    # digitised 1 of 2 = 0.5 < 0.8 -> 22 × 0.5 ÷ 0.8 = 13.75
    assert s.loc["digitization_rate", "points"] == 13.75


def test_import_records_keeps_them_in_parquet_and_duckdb_counts_them_as_pandas(tmp_path):
    log = _csv(tmp_path / "so_theo_doi.csv", HEADER, ROWS)
    done = import_records([log], tmp_path / "records")
    assert done.rows == 3 and done.problems == []
    rs = read_records(tmp_path / "records")
    assert set(RECORD_766_COLUMNS) <= set(rs.columns)
    assert {c: TYPES[c] for c in RECORD_766_COLUMNS} == {"division": "text", "supplement_days": "number",
                                                         "fee": "fee", "complained": "bool"}
    back = rs.to_pandas().sort_values("dossier_id").reset_index(drop=True)
    assert back["fee"].tolist() == [135000.0, 0.0, 1.0] and back["supplement_days"].tolist()[:2] == [2.0, 1.5]
    whole = read_export(log, "dossier_records")
    expected = count_766(whole, period="2023-10")
    pd.testing.assert_frame_equal(count_766(rs, period="2023-10", engine="duckdb"), expected)
    pd.testing.assert_frame_equal(score_766(rs, period="2023-10"), score_766(whole, period="2023-10"))


def test_a_fee_stored_as_yes_no_counts_as_an_amount_does(tmp_path):
    # a frame (or Parquet) may hold the fee as true/false: true is a fee, as an amount > 0 is
    df = _random(400, seed=7)
    marks = df.assign(fee=(df["fee"] > 0).astype("boolean"))
    for engine in ("pandas", "duckdb"):
        pd.testing.assert_frame_equal(count_766(marks, period="2025-10", engine=engine),
                                      count_766(df, period="2025-10", engine=engine))
    path = tmp_path / "p" / "part-0.parquet"
    path.parent.mkdir()
    marks.to_parquet(path, index=False)
    pd.testing.assert_frame_equal(count_766(read_records(tmp_path / "p", strict=False), period="2025-10"),
                                  count_766(df, period="2025-10"))


def test_a_fee_stored_as_text_is_refused_in_parquet(tmp_path):
    df = _random(20, seed=1).assign(fee="25.000")
    path = tmp_path / "p" / "part-0.parquet"
    path.parent.mkdir()
    df.to_parquet(path, index=False)
    with pytest.raises(DxDataError) as e:
        read_records(tmp_path / "p")
    assert [(p.code, p.column, p.params["stored"]) for p in e.value.problems] == [
        ("dataset_column_type", "fee", "VARCHAR")]


def _random(n: int, *, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2025-09-01T00:00", "m")
    received = start + rng.integers(0, 75 * 24 * 60, n).astype("timedelta64[m]")
    due = (received.astype("datetime64[D]") + rng.integers(0, 15, n)).astype("datetime64[m]")
    resolved = received + rng.integers(0, 25 * 24 * 60, n).astype("timedelta64[m]")
    return pd.DataFrame({
        "dossier_id": pd.array([f"r{i}" for i in range(n)], dtype="string"),
        "unit_id": pd.array(np.array([OFFICE, "baclieu_dot_infra"], dtype=object)[rng.integers(0, 2, n)],
                            dtype="string"),
        "received_at": received.astype("datetime64[us]"),
        "channel": pd.array(np.array(["online", "direct", "postal"], dtype=object)[rng.integers(0, 3, n)],
                            dtype="string"),
        "due_at": pd.Series(due.astype("datetime64[us]")).mask(rng.random(n) < 0.05),
        "resolved_at": pd.Series(resolved.astype("datetime64[us]")).mask(rng.random(n) < 0.2),
        "supplement_days": pd.Series(rng.integers(0, 5, n) * (rng.random(n) < 0.3), dtype="Float64"),
        "fee": pd.Series(rng.choice([0.0, 0.0, 20000.0, 135000.0], n), dtype="Float64"),
        "paid_online": pd.array(rng.random(n) < 0.5, dtype="boolean"),
        "digitized": pd.array(rng.random(n) < 0.7, dtype="boolean"),
        "complained": pd.array(rng.random(n) < 0.03, dtype="boolean"),
    })


def test_one_definition_of_late_for_the_one_stop_counts_and_the_766():
    # without supplement waits the 766 judges a dossier finished in October as the one-stop counts
    # of the calendar month do: resolved late and resolved on time alike (records.finished_late)
    df = _random(3000, seed=29).drop(columns="supplement_days")
    month = aggregate_records(df, freq="month", calendar="calendar")
    month = month[month["period"] == "2025-10"].set_index("unit_id")
    c = count_766(df, period="2025-10").set_index("unit_id")
    assert (month["resolved_late"] == c["resolved_late"]).all()
    assert (month["resolved_on_time"] == c["resolved_on_time"]).all()
    assert int(c["resolved_late"].sum()) > 0
    # and a dossier resolved on its appointment day at 23:00 is on time in both (by day)
    one = df.iloc[:1].assign(received_at=pd.Timestamp("2025-10-01 08:00"), due_at=pd.Timestamp("2025-10-06"),
                             resolved_at=pd.Timestamp("2025-10-06 23:00"))
    assert int(aggregate_records(one, freq="month", calendar="calendar")["resolved_late"].sum()) == 0
    assert int(count_766(one, period="2025-10")["resolved_on_time"].sum()) == 1


@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (17), which this machine lacks")
def test_spark_counts_the_766_as_duckdb_and_pandas(tmp_path):
    df = _random(5000, seed=11)
    folder = tmp_path / "p"
    folder.mkdir()
    for i, chunk in enumerate(np.array_split(np.arange(len(df)), 3)):
        df.iloc[chunk].to_parquet(folder / f"part-{i}.parquet", index=False)
    rs = read_records(folder, strict=False)
    spark = engines.spark_session()
    for period in ("2025-09", "2025-10"):
        sp = count_766(rs, period=period, engine="spark", spark=spark)
        pd.testing.assert_frame_equal(sp, count_766(rs, period=period, engine="duckdb"))
        pd.testing.assert_frame_equal(sp, count_766(df, period=period))
