"""import-records at scan speed (issue 30): a CSV log converted by DuckDB gives the dataset the
chunked reading gave it, record for record, and the same problems at the same lines with the
same words; a log the scan cannot read alike is read the old way.

Each log is imported twice, with ``engine="duckdb"`` (the scan) and ``engine="pandas"`` (the
chunked reading before it), into two dataset folders; the records are read back with
``read_records`` and compared whole, and the problems compared as the user reads them."""
from __future__ import annotations

import csv
import io
import json
import unicodedata

import pandas as pd
import pytest

from dx_metrics.errors import DxDataError
from dx_metrics.ingest import convert_sql
from dx_metrics.ingest.convert import MANIFEST, import_records
from dx_metrics.ingest.dataset import read_records
from test_text_encodings import cp1258

TITLE = [["UBND TỈNH BẠC LIÊU", "", ""], ["SỞ GIAO THÔNG VẬN TẢI", "", ""], ["", "", ""],
         ["NHẬT KÝ TIẾP NHẬN VÀ GIẢI QUYẾT HỒ SƠ NĂM 2023", "", ""], []]
HEADER = ["STT", "Mã hồ sơ", "Đơn vị tiếp nhận", "Mã thủ tục", "Tên thủ tục", "Ngày tiếp nhận", "Hình thức nộp",
          "Ngày hẹn trả", "Ngày trả kết quả", "Số hóa", "Trạng thái"]
UNITS = ["Văn phòng Sở", "Phòng Quản lý vận tải, phương tiện và người lái", "Thanh tra Sở",
         "Phòng Quản lý kết cấu hạ tầng giao thông"]
CHANNELS = ["Trực tuyến", "Trực tiếp", "Bưu chính công ích", "trực tuyến"]
FIRST = len(TITLE) + 2                   # record 0 is on line 7


def _record(i: int) -> list[str]:
    """Record ``i`` as a one-stop system writes it: received between 03/01/2023 and 31/12/2023."""
    day = pd.Timestamp("2023-01-03 07:30") + pd.Timedelta(minutes=(i * 7919) % 520_000)
    resolved = "" if i % 9 == 0 else (day + pd.Timedelta(days=1 + i % 6)).strftime("%d/%m/%Y")
    return [str(i + 1), f"000.00.{i:06d}", UNITS[i % 4], f"1.00{i % 37:04d}", f"Cấp giấy phép số {i % 37}",
            day.strftime("%d/%m/%Y %H:%M"), CHANNELS[i % 4], (day + pd.Timedelta(days=7)).strftime("%d/%m/%Y"),
            resolved, "Có" if i % 3 else "", "Đã trả kết quả" if resolved else "Đang giải quyết"]


def _write(path, n=300, *, cells: dict | None = None, title=TITLE, header=HEADER, after=(), encoding="utf-8",
           rows=None):
    """A log of ``n`` records; ``cells`` replaces cells: {record: {header: text}}; ``after``: lines
    below the records (a footer)."""
    out = [*title, header]
    for i in range(n):
        row = dict(zip(HEADER, _record(i)))
        row.update((cells or {}).get(i, {}))
        out.append([row.get(h, "") for h in header])
    out += [list(r) for r in after]
    text = io.StringIO(newline="")
    csv.writer(text).writerows(rows if rows is not None else out)
    path.write_bytes(cp1258(text.getvalue()) if encoding == "cp1258" else text.getvalue().encode(encoding))
    return path


@pytest.fixture
def scans(monkeypatch):
    """What each scan returned (None: the file went the old way)."""
    seen = []
    real = convert_sql.scan

    def spy(*args, **kwargs):
        got = real(*args, **kwargs)
        seen.append(got)
        return got
    monkeypatch.setattr(convert_sql, "scan", spy)
    return seen


def _said(problems) -> list[tuple]:
    return [(p.code, p.row, p.column, p.severity, str(p)) for p in problems]


def _import(log, out, **kw):
    """(records as read back, problems, manifest entry) of an import, or (None, its refusal, None)."""
    try:
        done = import_records([log], out, **kw)
    except DxDataError as e:
        assert not list(out.rglob("*.parquet")), "a refused import left parts"
        return None, _said(e.problems), None
    frame = read_records(out).to_pandas().sort_values("source_row").reset_index(drop=True)
    (entry,) = json.loads((out / MANIFEST).read_text("utf-8"))
    return frame, _said(done.problems), {k: entry.get(k) for k in ("file", "rows", "left_out")}


def _both(tmp_path, log, **kw):
    """The log imported by the scan and by the chunked reading: both must agree; returns the scan's."""
    fast = _import(log, tmp_path / "fast", engine="duckdb", **kw)
    old = _import(log, tmp_path / "old", engine="pandas", **kw)
    assert fast[1] == old[1]
    assert fast[2] == old[2]
    if old[0] is None:
        assert fast[0] is None
    else:
        pd.testing.assert_frame_equal(fast[0], old[0])
    return fast


def test_a_clean_log_under_title_rows_gives_the_same_records(tmp_path, scans):
    frame, problems, entry = _both(tmp_path, _write(tmp_path / "so_gtvt_2023.csv", n=500))
    assert scans[0] is not None and scans[0].written == 500 and scans[0].tables[0][0].empty
    assert entry == {"file": "so_gtvt_2023.csv", "rows": 500, "left_out": None}
    # the unrecognised "STT" is the row-number column every table has: no warning
    assert problems == []
    assert frame["source_row"].tolist() == list(range(FIRST, FIRST + 500))
    assert set(frame["unit_id"]) == {"baclieu_dot_office", "baclieu_dot_transport", "baclieu_dot_inspect",
                                     "baclieu_dot_infra"}
    # record 9: received 03/01/2023 07:30 + 9 x 7.919 minutes, in person, not resolved; record 3 online
    # ("trực tuyến" in small letters)
    nine = frame.set_index("dossier_id").loc["000.00.000009"]
    assert (nine["received_at"], nine["channel"], nine["unit_id"]) == (pd.Timestamp("2023-02-21 19:21"), "direct",
                                                                       "baclieu_dot_transport")
    assert pd.isna(nine["resolved_at"]) and frame["channel"][3] == "online"
    assert frame["digitized"].tolist() == [i % 3 != 0 for i in range(500)]


BAD = {3: {"Ngày tiếp nhận": "31/02/2023"},                       # no such day
       8: {"Đơn vị tiếp nhận": "Phòng Pháp chế"},                 # a unit the registry lacks
       12: {"Mã hồ sơ": "000.00.000005"},                         # the code of record 5 again
       15: {"Đơn vị tiếp nhận": ""},                              # a field missing
       21: {"Ngày tiếp nhận": ""},
       30: {"Hình thức nộp": "Fax"},                              # a channel no vocabulary knows
       41: {"Ngày trả kết quả": "01/01/2023"},                    # resolved before received
       52: {"Ngày hẹn trả": "31/12/1899"},                        # outside the dates a record carries
       60: {"Số hóa": "??"}}                                      # no tick


@pytest.mark.parametrize("lenient", [False, True])
def test_bad_lines_are_said_at_their_lines_with_the_same_words(tmp_path, scans, lenient):
    frame, problems, entry = _both(tmp_path, _write(tmp_path / "log.csv", n=400, cells=BAD), lenient=lenient)
    assert scans[0] is not None
    rows = sorted({row for _, row, _, severity, _ in problems if severity == "error"})
    assert rows == [FIRST + i for i in sorted(BAD)]
    said = dict((row, text) for _, row, _, _, text in problems)
    assert said[FIRST + 3] == ('log.csv, row 10, column "Ngày tiếp nhận": "31/02/2023" is not a date (expected '
                               'day/month/year, e.g. 14/12/2022) (write dates day first: 14/12/2022)')
    assert said[FIRST + 12].startswith('log.csv, row 19, column "Mã hồ sơ": the same dossier_id appears twice')
    if lenient:
        assert entry["rows"] == 400 - len(BAD) and entry["left_out"] == len(BAD)
        assert FIRST + 5 in set(frame["source_row"]) and FIRST + 12 not in set(frame["source_row"])
    else:
        assert frame is None


def test_dates_and_words_the_sql_leaves_to_the_reader_are_read_alike(tmp_path, scans):
    cells = {0: {"Ngày tiếp nhận": "2023-03-05"}, 1: {"Ngày tiếp nhận": "5.3.2023"},
             2: {"Ngày tiếp nhận": "44990"},                       # an Excel day number: 05/03/2023
             3: {"Ngày tiếp nhận": "05/03/2023\t08:15"},           # a tab between date and time
             4: {"Ngày tiếp nhận": " 06/03/2023 "}, 5: {"Ngày tiếp nhận": "06/03/2023 24:00"},
             6: {"Ngày tiếp nhận": "2023-03-07 08:00:00"}, 7: {"Ngày trả kết quả": "-"},
             8: {"Hình thức nộp": "  TRỰC   TUYẾN "}, 9: {"Đơn vị tiếp nhận": "  Văn  phòng Sở "},
             10: {"Đơn vị tiếp nhận": unicodedata.normalize("NFD", "Thanh tra Sở")},
             11: {"Mã hồ sơ": "000.00.000011\u200b"},               # a hidden character: a warning
             12: {"Tên thủ tục": "Cấp  lại\u00a0giấy phép"}, 13: {"Số hóa": "x"}, 14: {"Số hóa": "Không"},
             15: {"Mã thủ tục": "–"}, 16: {"Mã hồ sơ": " 000.00.000016"}}
    for i in range(8):          # no dates of the record's own to be earlier than these
        cells[i] |= {"Ngày hẹn trả": "", "Ngày trả kết quả": cells[i].get("Ngày trả kết quả", "")}
    frame, problems, _ = _both(tmp_path, _write(tmp_path / "log.csv", n=200, cells=cells), lenient=True)
    assert scans[0] is not None
    # a tab between date and time reads (strptime's space is any white space); 24:00 is no time
    assert [(code, row) for code, row, *_ in problems] == [("not_a_date", FIRST + 5), ("hidden_characters", FIRST + 11)]
    byline = frame.set_index("source_row")
    assert byline.loc[FIRST + 2, "received_at"] == pd.Timestamp("2023-03-05")
    assert byline.loc[FIRST + 9, "unit_id"] == "baclieu_dot_office"
    assert byline.loc[FIRST + 12, "procedure_name"] == "Cấp lại giấy phép"


def test_a_log_separated_by_semicolons_or_tabs_is_read_alike(tmp_path, scans):
    for delimiter in ";\t":
        text = io.StringIO(newline="")
        csv.writer(text, delimiter=delimiter).writerows([*TITLE, HEADER, *map(_record, range(150))])
        log = tmp_path / f"log{ord(delimiter)}.csv"
        log.write_text(text.getvalue().replace("31/", "32/", 1), encoding="utf-8")      # one day that is none
        _, problems, entry = _both(tmp_path / str(ord(delimiter)), log, lenient=True)
        assert entry["rows"] == 149 and [code for code, *_ in problems] == ["not_a_date"]
    assert None not in scans


def test_a_footer_below_the_records_is_left_out_alike(tmp_path, scans):
    footer = [[], ["", "", "", "", "", "Bạc Liêu, ngày 15 tháng 01 năm 2024"], ["", "Người lập biểu", "", "", "",
                                                                               "KT. GIÁM ĐỐC"],
              ["", "Nguyễn Văn A", "", "", "", "Trần Thị B"]]
    log = _write(tmp_path / "log.csv", n=100, cells={99: {"Ngày tiếp nhận": "32/12/2023"}}, after=footer)
    _, problems, entry = _both(tmp_path, log, lenient=True)
    assert [(code, row) for code, row, *_ in problems] == [("not_a_date", FIRST + 99)]
    assert entry["rows"] == 99


def test_many_records_with_one_problem_are_one_problem_naming_their_lines(tmp_path, scans):
    cells = {i: {"Hình thức nộp": "Nộp qua Zalo"} for i in range(100, 400, 4)}          # 75 records
    _, problems, _ = _both(tmp_path, _write(tmp_path / "log.csv", n=500, cells=cells), lenient=True)
    (only,) = problems
    assert only[1] == FIRST + 100 and "75 rows" in only[4]


def test_a_log_of_bad_records_only_and_one_of_no_records_are_said_alike(tmp_path, scans):
    cells = {i: {"Hình thức nộp": "Fax"} for i in range(20)}
    _, problems, _ = _both(tmp_path / "bad", _write(tmp_path / "bad.csv", n=20, cells=cells))
    assert [code for code, *_ in problems] == ["unknown_word"] * 20      # no "no data rows" beside errors
    _, problems, _ = _both(tmp_path / "none", _write(tmp_path / "none.csv", n=0))
    assert [code for code, *_ in problems] == ["no_data_rows"]
    assert None not in scans


def test_a_log_without_title_rows_with_a_scope_and_one_that_needs_one(tmp_path, scans):
    log = _write(tmp_path / "log.csv", n=120, title=[])
    frame, problems, entry = _both(tmp_path, log, scope="baclieu_dot")
    assert scans[0] is not None and entry["rows"] == 120 and problems == []
    _, refusal, _ = _both(tmp_path / "again", _write(tmp_path / "again.csv", n=120, title=[]))
    assert [code for code, *_ in refusal] == ["names_need_scope"]


def test_records_after_the_units_were_merged_resolve_as_the_reader_resolves_them(tmp_path, scans):
    # the registry ends the department's divisions on 28/02/2025: records on both sides
    cells = {i: {"Ngày tiếp nhận": f"{1 + i % 28:02d}/0{1 + i % 5}/2025", "Ngày hẹn trả": "", "Ngày trả kết quả": ""}
             for i in range(0, 60)}
    _, problems, _ = _both(tmp_path, _write(tmp_path / "log.csv", n=120, cells=cells), lenient=True)
    assert scans[0] is not None


@pytest.mark.parametrize("why", ["cp1258", "quoted line break", "blank line", "unit_id column", "space before quote"])
def test_a_log_the_scan_cannot_read_alike_goes_the_old_way(tmp_path, scans, why):
    log = tmp_path / "log.csv"
    if why == "cp1258":
        _write(log, n=80, encoding="cp1258", cells={5: {"Ngày tiếp nhận": "x"}})
    elif why == "quoted line break":
        _write(log, n=80, cells={5: {"Tên thủ tục": "Cấp giấy phép\nlái xe"}})
    elif why == "blank line":
        _write(log, n=80, after=[[], *[_record(i + 100) for i in range(5)]])
    elif why == "unit_id column":
        _write(log, n=80, header=[*HEADER, "Mã đơn vị"])
    else:
        _write(log, n=80)
        log.write_bytes(log.read_bytes().replace(b",Th", b', "Th', 1))
    _both(tmp_path, log, lenient=True)
    assert scans == [None]


def test_lines_are_counted_as_the_reader_counts_them(tmp_path):
    assert convert_sql._plain_lines(_write(tmp_path / "a.csv", n=3, title=[]), ",") == 4
    (tmp_path / "b.csv").write_bytes(b"a,b\r\n1,2\r\n\r\n\r\n")
    assert convert_sql._plain_lines(tmp_path / "b.csv", ",") == 2
    (tmp_path / "c.csv").write_bytes(b"a,b\n1,2")
    assert convert_sql._plain_lines(tmp_path / "c.csv", ",") == 2
    (tmp_path / "d.csv").write_bytes(b"a,b\r1,2\n")                 # a carriage return alone
    assert convert_sql._plain_lines(tmp_path / "d.csv", ",") is None
