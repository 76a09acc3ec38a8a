"""dx-metrics import-records: CSV dossier logs streamed into the Parquet dataset, every problem at
its line in the original file, nothing half-imported."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from dx_metrics import compute_indicators, read_export
from dx_metrics.errors import DxDataError, problems_of
from dx_metrics.ingest.convert import MANIFEST, import_records
from test_text_encodings import cp1258

TITLE = [["UBND TỈNH BẠC LIÊU"], ["SỞ GIAO THÔNG VẬN TẢI"], ["NHẬT KÝ HỒ SƠ NĂM 2023"]]
HEADER = ["Mã hồ sơ", "Đơn vị", "Ngày tiếp nhận", "Hình thức nộp", "Ngày hẹn trả", "Ngày trả kết quả"]
UNITS = ["Văn phòng Sở", "Phòng Quản lý vận tải, phương tiện và người lái"]
FIRST_LINE = len(TITLE) + 2          # record 0 is on line 5


def _log(path, n=2500, *, bad: dict | None = None, encoding="utf-8", start=0):
    """``n`` records from 20/12/2022 to 20/11/2023 (Decree 09 year 2023); every fourth online.
    ``bad`` replaces cells: {record number: (column, text)}."""
    rows = [*TITLE, HEADER]
    for i in range(n):
        day = pd.Timestamp("2022-12-20") + pd.Timedelta(days=335 * i // max(n - 1, 1))
        row = [f"HS-{start + i:06d}", UNITS[i % 2], day.strftime("%d/%m/%Y %H:%M"),
               "Trực tuyến" if i % 4 == 0 else "Trực tiếp", (day + pd.Timedelta(days=5)).strftime("%d/%m/%Y"),
               (day + pd.Timedelta(days=3)).strftime("%d/%m/%Y")]
        for col, text in ((bad or {}).get(i, ()),) if (bad or {}).get(i) else ():
            row[HEADER.index(col)] = text
        rows.append(row)
    text = io.StringIO(newline="")
    csv.writer(text).writerows(rows)
    # Windows-1258 as Vietnamese Windows writes it: tone marks apart from their letters
    path.write_bytes(cp1258(text.getvalue()) if encoding == "cp1258" else text.getvalue().encode(encoding))
    return path


def test_a_csv_log_is_imported_in_chunks_and_counts_as_read_whole(tmp_path):
    log = _log(tmp_path / "nhat_ky_2023.csv")
    done = import_records([log], tmp_path / "records", chunk_rows=1000)
    assert done.rows == 2500 and done.problems == []
    assert sorted(p.name for p in (tmp_path / "records" / "year=2023").iterdir())[:2] == ["month=1", "month=10"]
    rs = read_export(tmp_path / "records", "dossier_records")
    assert rs.rows == 2500
    frame = rs.to_pandas(["dossier_id", "source_row", "source_file"]).sort_values("dossier_id")
    # provenance: each record's line in the CSV, across the three chunks
    assert frame["source_row"].tolist() == list(range(FIRST_LINE, FIRST_LINE + 2500))
    assert set(frame["source_file"]) == {"nhat_ky_2023.csv"}
    obs = compute_indicators({"dossier_records": rs})
    share = obs[(obs["indicator_id"] == "online_dossier_share") & (obs["unit_id"] == "baclieu_dot")]
    assert share[["period", "numerator", "denominator"]].values.tolist() == [["2023", 625, 2500]]
    whole = compute_indicators({"dossier_records": read_export(log, "dossier_records")})
    pd.testing.assert_frame_equal(obs.drop(columns="source"), whole.drop(columns="source"))


def test_errors_in_later_chunks_are_located_at_their_lines_and_nothing_is_imported(tmp_path):
    log = _log(tmp_path / "log.csv", bad={1500: ("Ngày tiếp nhận", "31/02/2023"), 2200: ("Hình thức nộp", "Fax")})
    with pytest.raises(DxDataError) as e:
        import_records([log], tmp_path / "records", chunk_rows=1000)
    where = sorted((p.row, p.column) for p in e.value.problems if p.severity == "error")
    assert where == [(FIRST_LINE + 1500, "Ngày tiếp nhận"), (FIRST_LINE + 2200, "Hình thức nộp")]
    assert not list((tmp_path / "records").rglob("*.parquet")) and not (tmp_path / "records" / MANIFEST).exists()
    done = import_records([log], tmp_path / "records", chunk_rows=1000, lenient=True)
    assert done.rows == 2498 and len(done.problems) == 2
    assert str(done.problems[1]).startswith(f"log.csv, row {FIRST_LINE + 2200}, column \"Hình thức nộp\": "
                                            "\"Fax\" is not a known channel")


def test_a_file_imported_twice_is_skipped_and_a_repeated_dossier_is_refused(tmp_path):
    first = _log(tmp_path / "a.csv", n=100)
    import_records([first], tmp_path / "records")
    again = import_records([first], tmp_path / "records")
    assert again.files == [{"file": "a.csv", "sha256": again.files[0]["sha256"], "skipped": "imported before"}]
    overlapping = _log(tmp_path / "b.csv", n=100, start=90)          # HS-000090 ... HS-000099 again
    with pytest.raises(DxDataError) as e:
        import_records([overlapping], tmp_path / "records")
    (p,) = e.value.problems
    assert p.code == "duplicate_dossiers" and p.params["count"] == 10
    assert read_export(tmp_path / "records", "dossier_records").rows == 100       # as it was


def test_a_windows_1258_log_and_a_unit_the_registry_lacks(tmp_path):
    log = _log(tmp_path / "cp1258.csv", n=40, encoding="cp1258", bad={7: ("Đơn vị", "Phòng Pháp chế")})
    with pytest.raises(DxDataError) as e:
        import_records([log], tmp_path / "records")
    (p,) = [p for p in e.value.problems if p.severity == "error"]
    assert (p.row, p.value) == (FIRST_LINE + 7, "Phòng Pháp chế") and "dx-metrics units suggest" in p.hint
    done = import_records([log], tmp_path / "records", lenient=True)
    assert done.rows == 39
    units = read_export(tmp_path / "records", "dossier_records").to_pandas(["unit_id"])["unit_id"]
    assert set(units) == {"baclieu_dot_office", "baclieu_dot_transport"}


def test_the_command_says_what_it_imported_and_refuses_with_the_cells(tmp_path):
    good, bad = _log(tmp_path / "good.csv", n=30), _log(tmp_path / "bad.csv", n=30, bad={3: ("Ngày tiếp nhận", "x")})

    def run(*args):
        return subprocess.run([sys.executable, "-m", "dx_metrics.cli", "import-records", *args,
                               "--out", str(tmp_path / "ds")], capture_output=True, text=True, cwd=tmp_path)

    ok = run(str(good))
    assert ok.returncode == 0 and "good.csv: 30 record(s) imported" in ok.stdout
    refused = run(str(bad))
    assert refused.returncode == 1
    assert f"bad.csv, row {FIRST_LINE + 3}, column \"Ngày tiếp nhận\"" in refused.stdout
    assert "nothing imported from the file with errors" in refused.stdout


def test_an_import_the_datasets_check_refuses_adds_nothing(tmp_path):
    import_records([_log(tmp_path / "a.csv", n=20)], tmp_path / "records")
    pd.DataFrame({"dossier_id": ["x"], "foo": [1]}).to_parquet(tmp_path / "records" / "stray.parquet")
    before = sorted(p.name for p in (tmp_path / "records").rglob("*.parquet"))
    with pytest.raises(DxDataError) as e:
        import_records([_log(tmp_path / "b.csv", n=20, start=100)], tmp_path / "records")
    assert any("foo is not a column of dossier records" in str(p) for p in e.value.problems)
    assert sorted(p.name for p in (tmp_path / "records").rglob("*.parquet")) == before


def test_a_workbook_log_and_a_csv_log_make_one_readable_dataset(tmp_path):
    from conftest import write_sheet

    rows = [*TITLE, HEADER] + [[f"X-{i}", UNITS[0], "05/03/2023 08:00", "Trực tuyến", "10/03/2023", "08/03/2023"]
                               for i in range(5)]
    import_records([write_sheet(tmp_path / "so.xlsx", rows), _log(tmp_path / "a.csv", n=20)], tmp_path / "records")
    rs = read_export(tmp_path / "records", "dossier_records")
    assert rs.rows == 25 and rs.distinct("source_sheet") == ["Biểu 06a"]
    assert rs.distinct("source_file") == ["a.csv", "so.xlsx"]


def test_many_rows_with_one_problem_in_a_later_chunk_are_one_line_with_the_files_lines(tmp_path):
    bad = {i: ("Ngày tiếp nhận", "không rõ") for i in range(1100, 1160)}
    with pytest.raises(DxDataError) as e:
        import_records([_log(tmp_path / "log.csv", n=1500, bad=bad)], tmp_path / "records", chunk_rows=1000)
    (p,) = [p for p in e.value.problems if p.severity == "error"]
    assert p.row == FIRST_LINE + 1100
    assert p.say("en").endswith("— 60 rows: 1.105–1.164")


def _import(tmp_path, *args, timeout=60):
    """dx-metrics import-records in a child, with a timeout (an import that hangs fails the test)."""
    return subprocess.run([sys.executable, "-m", "dx_metrics.cli", "import-records", *map(str, args)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=timeout)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing (os.mkfifo)")
def test_a_fifo_given_to_import_records_is_refused_without_being_opened(tmp_path):
    good = _log(tmp_path / "good.csv", n=30)
    os.mkfifo(tmp_path / "pipe.csv")                 # opened for reading, it would wait for a writer for ever
    said = "pipe.csv: is a FIFO (named pipe), not a file; it is not opened (save the export as a file and give that file)"
    refused = _import(tmp_path, good, tmp_path / "pipe.csv", "--out", tmp_path / "ds")
    assert refused.returncode == 1
    assert refused.stdout.splitlines()[0] == said and "nothing imported from the file with errors" in refused.stdout
    assert not (tmp_path / "ds").exists()            # refused before anything was imported
    lenient = _import(tmp_path, good, tmp_path / "pipe.csv", "--out", tmp_path / "ds", "--lenient")
    assert lenient.returncode == 1                   # a file was not imported
    said_lines = [line for line in lenient.stdout.splitlines() if not line.startswith("  ")]   # not progress
    assert said_lines[:3] == [
        "good.csv: 30 record(s) imported", "pipe.csv: skipped (is a FIFO (named pipe), not a file; it is not opened)",
        said]
    assert [m["file"] for m in json.loads((tmp_path / "ds" / MANIFEST).read_text("utf-8"))] == ["good.csv"]


@pytest.mark.parametrize("encoding,planted,said", [
    ("utf-8", b"\xff", "byte 0xFF cannot be read as UTF-8"),
    ("cp1258", b"\x81", "byte 0x81 cannot be read as Windows-1258"),        # a byte Windows-1258 leaves undefined
    ("utf-16", "\ud800".encode("utf-16-le", "surrogatepass"),                 # half of a surrogate pair
     "bytes 0x00 0xD8 cannot be read as UTF-16")])
def test_a_byte_the_encoding_lacks_after_the_first_megabyte_is_an_error_at_its_line(tmp_path, encoding, planted,
                                                                                    said):
    log = _log(tmp_path / "log.csv", n=20_000, encoding=encoding)
    data = log.read_bytes()
    wide = "utf-16-le" if encoding == "utf-16" else "ascii"                  # Python writes UTF-16 little-endian here
    at = data.index("HS-015000,".encode(wide))                                # record 15000: line 5 + 15000
    assert at > 1 << 20                                                       # past what the encoding is told from
    cut = at + len("HS-".encode(wide))
    log.write_bytes(data[:cut] + planted + data[cut:])
    with pytest.raises(DxDataError) as e:
        import_records([log], tmp_path / "records")
    (p,) = e.value.problems
    assert str(p) == (f"log.csv, row {FIRST_LINE + 15000}: {said}, the encoding of the file's first megabyte: the "
                      f"line is left out (export the log again, or open it and save it as CSV UTF-8)")
    shown = "".join(f"\\x{b:02X}" for b in planted)
    assert p.value.startswith(f"HS-{shown}015000,")
    assert not (tmp_path / "records" / MANIFEST).exists()
    done = import_records([log], tmp_path / "records", lenient=True)       # the other 19.999 lines
    assert done.rows == 19_999 and [q.row for q in done.problems] == [FIRST_LINE + 15000]
    rows = read_export(tmp_path / "records", "dossier_records").to_pandas(["source_row"])["source_row"]
    assert len(rows) == 19_999 and FIRST_LINE + 15000 not in set(rows) and FIRST_LINE + 15001 in set(rows)


def test_a_100_mb_field_and_a_field_past_the_csv_limit_are_errors_at_their_lines(tmp_path):
    log = _log(tmp_path / "log.csv", n=50)
    data = log.read_bytes()
    data = data.replace(b"HS-000020,", b"HS-000020" + b"x" * (100 << 20) + b",")     # line 25: a 100 MB field
    data = data.replace(b"HS-000030,", b"HS-000030" + b"y" * 200_000 + b",")          # line 35: past 131.072
    log.write_bytes(data)
    done = import_records([log], tmp_path / "records", lenient=True)
    assert done.rows == 48
    assert [(p.row, p.message) for p in done.problems] == [
        (FIRST_LINE + 20, "the line is longer than 1.048.576 characters (a quote opened and never closed, or not a "
                          "dossier log?): the line is left out"),
        (FIRST_LINE + 30, "a field is longer than 131.072 characters (a quote opened and never closed?): the line is "
                          "left out")]
    # read whole (validate, a plan's CSV input): the file is refused at the first such line, no traceback
    with pytest.raises(DxDataError) as e:
        read_export(log, "dossier_records")
    (p,) = e.value.problems
    assert str(p) == (f"log.csv, row {FIRST_LINE + 20}: a field is longer than 131.072 characters (a quote opened "
                      f"and never closed?): the file is not read (correct the line, or export the file again)")


def test_two_imports_into_one_dataset_at_once_both_succeed_and_are_both_listed(tmp_path):
    a, b = _log(tmp_path / "a.csv", n=3000), _log(tmp_path / "b.csv", n=3000, start=10_000)
    runs = [subprocess.Popen([sys.executable, "-m", "dx_metrics.cli", "import-records", str(f), "--out",
                              str(tmp_path / "ds")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=tmp_path) for f in (a, b)]
    said = [r.communicate(timeout=300) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], said
    manifest = json.loads((tmp_path / "ds" / MANIFEST).read_text("utf-8"))
    assert sorted((m["file"], m["rows"]) for m in manifest) == [("a.csv", 3000), ("b.csv", 3000)]
    assert read_export(tmp_path / "ds", "dossier_records").rows == 6000
    assert sorted(p.name for p in (tmp_path / "ds").iterdir() if not p.is_dir()) == [MANIFEST]   # no lock left


def test_an_import_waits_for_the_datasets_lock_and_then_says_who_holds_it(tmp_path):
    from dx_metrics.ingest.convert import LOCK, DatasetBusy

    log = _log(tmp_path / "a.csv", n=20)
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / LOCK).write_text('{"pid": 4242, "host": "may-tinh-so", "since": "2026-11-30T08:00:00+00:00"}')
    said = (f"{tmp_path / 'ds'}: another import is adding files to this dataset (lock file {tmp_path / 'ds' / LOCK}, "
            f"taken 2026-11-30T08:00:00+00:00 by process 4242 on may-tinh-so); waited 0.3 s. If no import is "
            f"running, delete {tmp_path / 'ds' / LOCK} and import again")
    with pytest.raises(DatasetBusy) as e:
        import_records([log], tmp_path / "ds", lock_timeout=0.3)
    assert str(e.value) == said
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "ds"]                  # staging cleared
    assert sorted(p.name for p in (tmp_path / "ds").iterdir()) == [LOCK]                  # nothing added
    run = _import(tmp_path, log, "--out", tmp_path / "ds", "--wait", "0.3")
    assert run.returncode == 2 and run.stderr.strip() == f"dx-metrics import-records: {said}"
    (tmp_path / "ds" / LOCK).unlink()                                                    # the import it names is gone
    assert import_records([log], tmp_path / "ds").rows == 20 and not (tmp_path / "ds" / LOCK).exists()


def _a_year_after(day):
    """The same day a year later (28 February for 29 February)."""
    import calendar

    return day.replace(year=day.year + 1, day=min(day.day, calendar.monthrange(day.year + 1, day.month)[1]))


def test_dates_no_dossier_carries_and_excel_day_numbers_before_march_1900_are_errors_at_their_lines(tmp_path):
    import datetime as dt

    last = _a_year_after(dt.date.today())                   # the window's default end: a year after today
    late = (last + dt.timedelta(days=1)).strftime("%d/%m/%Y")
    received = {3: "01/01/1899", 5: "31/12/9999", 7: "1", 9: "60", 11: "61", 13: "31/12/1999", 15: late,
                17: "01/01/2000", 19: last.strftime("%d/%m/%Y")}          # the last two: the window's own days
    log = _log(tmp_path / "log.csv", n=40, bad={i: ("Ngày tiếp nhận", v) for i, v in received.items()})
    with pytest.raises(DxDataError) as e:
        import_records([log], tmp_path / "records")
    outside = f"is outside the dates a dossier record can carry (01/01/2000–{last.strftime('%d/%m/%Y')})"
    serial = ("is an Excel day number before 61 (1 March 1900), where Excel counts a 29 February 1900 that never "
              "was: no date can be told from it")
    got = [(p.row, p.message) for p in e.value.problems if p.column == "Ngày tiếp nhận"]
    assert got == [(FIRST_LINE + 3, f'"01/01/1899" {outside}'), (FIRST_LINE + 5, f'"31/12/9999" {outside}'),
                   (FIRST_LINE + 7, f'"1" {serial}'), (FIRST_LINE + 9, f'"60" {serial}'),
                   (FIRST_LINE + 11, f'"61" {outside}'),                 # day 61 is 01/03/1900: a date, but no dossier's
                   (FIRST_LINE + 13, f'"31/12/1999" {outside}'), (FIRST_LINE + 15, f'"{late}" {outside}')]
    said = next(str(p) for p in e.value.problems if p.row == FIRST_LINE + 5 and p.column == "Ngày tiếp nhận")
    assert said.endswith("(correct the date; if such dates are right, widen the window with "
                         "DX_METRICS_RECORD_DATES_FROM or DX_METRICS_RECORD_DATES_UNTIL (a date YYYY-MM-DD))")


def test_the_window_of_record_dates_is_a_setting_checked_with_its_name(tmp_path, monkeypatch):

    log = _log(tmp_path / "log.csv", n=40)
    # records i are received 20/12/2022 + 335·i//39 days; 01/06/2023 is day 12 + 151 = 163, which record 19
    # reaches (335·19//39 = 163): records 0-18 fall before the window
    monkeypatch.setenv("DX_METRICS_RECORD_DATES_FROM", "2023-06-01")
    done = import_records([log], tmp_path / "records", lenient=True)
    assert done.rows == 21
    assert [p.row for p in done.problems if p.column == "Ngày tiếp nhận"] == [FIRST_LINE + i for i in range(19)]
    monkeypatch.setenv("DX_METRICS_RECORD_DATES_UNTIL", "soon")
    with pytest.raises(ValueError) as e:
        import_records([_log(tmp_path / "b.csv", n=5, start=100)], tmp_path / "records")
    assert str(e.value) == ("DX_METRICS_RECORD_DATES_UNTIL='soon' is not a date written YYYY-MM-DD: expected a date "
                            "written YYYY-MM-DD (the last day a dossier record may carry; default today + 1 year)")


def test_a_header_line_too_long_to_read_is_named_with_the_missing_header(tmp_path):
    log = _log(tmp_path / "log.csv", n=30)
    log.write_bytes(log.read_bytes().replace(b"Ng\xc3\xa0y tr\xe1\xba\xa3 k\xe1\xba\xbft qu\xe1\xba\xa3",
                                             "Ngày trả kết quả".encode() + b" " * (1 << 20), 1))   # line 4
    with pytest.raises(DxDataError) as e:
        import_records([log], tmp_path / "records")
    first, *rest = e.value.problems
    assert (first.row, first.message) == (len(TITLE) + 1, "the line is longer than 1.048.576 characters (a quote "
                                                          "opened and never closed, or not a dossier log?): the line "
                                                          "is left out")
    assert [p.reason for p in rest] == ["no_header"]


def test_a_damaged_list_of_imported_files_is_named_not_a_traceback(tmp_path):
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / MANIFEST).write_text('[{"file": "a.csv", "sha2', "utf-8")     # cut short
    with pytest.raises(DxDataError) as e:
        import_records([_log(tmp_path / "a.csv", n=5)], tmp_path / "ds")
    assert [str(p) for p in e.value.problems] == [
        f"_imports.json: {tmp_path / 'ds' / MANIFEST} is not the list of imported files import-records writes "
        "(restore it from a backup, or import into a new dataset folder)"]


# --- no quiet partial counts (issue 25, item 4)

def _untitled_log(path, names, *, start_day="01/03/2023"):
    """A log as one-stop systems export it: no title rows, the header on line 1, record i on line
    i + 2, naming ``names[i]``, received on consecutive days from ``start_day``, every second online."""
    first = pd.Timestamp(pd.to_datetime(start_day, dayfirst=True))
    lines = ["Mã hồ sơ,Đơn vị,Ngày tiếp nhận,Hình thức nộp"]
    lines += [f"HS-{i:04d},{name},{(first + pd.Timedelta(days=i)).strftime('%d/%m/%Y')},"
              f"{'Trực tuyến' if i % 2 else 'Trực tiếp'}" for i, name in enumerate(names)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# record i names the office when i % 3 == 0 (records 0, 3, 6, 9: lines 2, 5, 8, 11), the inspectorate
# when i % 3 == 1 (lines 3, 6, 9), and the department by its full name otherwise (lines 4, 7, 10)
DIVISIONS = ["Văn phòng Sở", "Thanh tra Sở", "Sở Giao thông vận tải tỉnh Bạc Liêu"]
MIXED = [DIVISIONS[i % 3] for i in range(10)]
NEEDS_SCOPE = ('log.csv, row 2, column "Đơn vị": 2 division name(s) every body has cannot be placed in a unit: the '
               'log names no issuing body above its table, and no --scope was given: "Văn phòng Sở" (4 lines), '
               '"Thanh tra Sở" (3 lines); nothing from the file was imported (pass --scope with the unit_id of the '
               'body whose divisions they are: dx-metrics import-records log.csv --scope UNIT_ID --out FOLDER; or '
               'write that body\'s name on a line above the header, e.g. "SỞ GIAO THÔNG VẬN TẢI TỈNH BẠC LIÊU")')


def test_a_log_whose_division_names_need_a_scope_is_refused_naming_scope_and_the_names_line_counts(tmp_path):
    log = _untitled_log(tmp_path / "log.csv", MIXED)
    for lenient in ([], ["--lenient"]):              # --lenient places no name: refused alike
        run = _import(tmp_path, log, "--out", "ds", *lenient)
        said = [line for line in run.stdout.splitlines() if not line.startswith("  ")]     # not progress
        assert run.returncode == 1
        assert said == [NEEDS_SCOPE, "", "nothing imported from the file with errors; ds is as it was (pass --scope: "
                                         "no reading places those names)"]
        assert not list((tmp_path / "ds").rglob("*.parquet")) and not (tmp_path / "ds" / MANIFEST).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds", "log.csv"]         # no staged parts left
    with pytest.raises(DxDataError) as e:
        import_records([log], tmp_path / "ds")
    (p,) = e.value.problems
    assert p.say("vi") == ('2 tên phòng mà cơ quan nào cũng có không xác định được thuộc đơn vị nào: tệp không ghi cơ '
                           'quan ban hành phía trên bảng và lệnh không có --scope: "Văn phòng Sở" (4 dòng), '
                           '"Thanh tra Sở" (3 dòng); không nhập dòng nào của tệp')
    assert p.hint_said("vi").startswith("thêm --scope với mã đơn vị (unit_id) của cơ quan có các phòng đó: "
                                        "dx-metrics import-records log.csv --scope MÃ_ĐƠN_VỊ --out THƯ_MỤC")
    # with the scope, every record is placed and imported
    run = _import(tmp_path, log, "--out", "ds", "--scope", "baclieu_dot")
    assert run.returncode == 0 and "log.csv: 10 record(s) imported" in run.stdout
    units = read_export(tmp_path / "ds", "dossier_records").to_pandas(["unit_id"])["unit_id"]
    assert units.value_counts().to_dict() == {"baclieu_dot_office": 4, "baclieu_dot_inspect": 3, "baclieu_dot": 3}


def test_a_division_name_in_a_later_chunk_refuses_the_file_at_its_line(tmp_path):
    # records 0-8 name the department; record 9 (line 11, the third chunk of four records) the office
    log = _untitled_log(tmp_path / "log.csv", [DIVISIONS[2]] * 9 + ["Văn phòng Sở"])
    with pytest.raises(DxDataError) as e:
        import_records([log], tmp_path / "ds", chunk_rows=4)
    (p,) = e.value.problems
    assert (p.row, p.code) == (11, "names_need_scope")
    assert '"Văn phòng Sở" (1 line); nothing from the file was imported' in p.message
    assert not (tmp_path / "ds" / MANIFEST).exists() and not list(tmp_path.rglob("*.parquet"))


def _registered_then_removed(tmp_path, out, *, rows=40, legal=(5, 6)):
    """A log imported while the workspace's units.csv listed "Phòng Pháp chế" (records ``legal``),
    the row then removed from it: the dataset holds a unit_id the registry lacks."""
    from dx_metrics import units

    (tmp_path / "units.csv").write_text(",".join(units.COLUMNS) + "\nbaclieu_dot_legal,Phòng Pháp chế,,division,"
                                        "baclieu_dot,,,,Phòng Pháp chế\n", encoding="utf-8")
    units.set_overlay(tmp_path / "units.csv")
    log = _log(tmp_path / "log.csv", n=rows, bad={i: ("Đơn vị", "Phòng Pháp chế") for i in legal})
    import_records([log], out)
    units.set_overlay(None)
    (tmp_path / "units.csv").unlink()


def test_a_datasets_problems_are_at_the_exports_lines_and_name_units_csv(tmp_path):
    _registered_then_removed(tmp_path, tmp_path / "records")
    rs = read_export(tmp_path / "records", "dossier_records", strict=False)
    (p,) = problems_of(rs)
    # records 5 and 6 are on lines FIRST_LINE + 5 and + 6 of log.csv (not rows 1-2 of a Parquet part)
    assert str(p) == ('log.csv, row 10, column "unit_id": \'baclieu_dot_legal\' is not a unit_id of the unit '
                      'registry — 2 rows: log.csv 10–11 (add the unit to units.csv in your workspace, or correct the '
                      'code)')
    assert rs.attrs["origin"]["rejected_by_file"] == {"log.csv": 2}


def test_a_target_on_records_the_datasets_check_left_out_says_so_in_its_row(tmp_path):
    from dx_metrics.cli import main
    from dx_metrics.pipeline import build_plan_report

    main(["init", str(tmp_path / "ws")])
    ws = tmp_path / "ws"
    _registered_then_removed(tmp_path, ws / "data" / "ho_so")        # a folder named as the analyst likes
    plan = ws / "params" / "p.yaml"
    plan.write_text("id: p\ntitle: Thử\nunit: baclieu_dot\nyear: 2023\ninputs:\n  - {path: ho_so, kind: dossier_records}"
                    "\ntargets:\n  - {indicator: online_dossier_share, value: 20%}\n", encoding="utf-8")
    row = build_plan_report(plan).evaluation.set_index("indicator_id").loc["online_dossier_share"]
    # 40 records, every fourth online (records 0, 4, ..., 36: 10); records 5 and 6 (in person) left out
    assert (row["numerator"], row["denominator"]) == (10, 38)
    assert row["notes"] == "2 row(s) of log.csv rejected for data errors are not counted (see data quality)"


def test_a_target_on_a_dataset_a_lenient_import_left_records_out_of_says_so_in_its_row(tmp_path):
    from dx_metrics.cli import main
    from dx_metrics.pipeline import build_plan_report

    main(["init", str(tmp_path / "ws")])
    ws = tmp_path / "ws"
    log = _log(tmp_path / "log.csv", n=40, bad={i: ("Ngày tiếp nhận", "31/02/2023") for i in (1, 2, 3)})
    done = import_records([log], ws / "data" / "records", lenient=True)
    assert done.rows == 37 and json.loads((ws / "data" / "records" / MANIFEST).read_text("utf-8"))[0]["left_out"] == 3
    plan = ws / "params" / "p.yaml"
    plan.write_text("id: p\ntitle: Thử\nunit: baclieu_dot\nyear: 2023\ninputs:\n  - {path: records, kind: dossier_records}"
                    "\ntargets:\n  - {indicator: online_dossier_share, value: 20%}\n", encoding="utf-8")
    r = build_plan_report(plan)
    row = r.evaluation.set_index("indicator_id").loc["online_dossier_share"]
    # records 1-3 (in person) were never imported: 10 online of 37
    assert (row["numerator"], row["denominator"], row["status"]) == (10, 37, "achieved")
    assert row["notes"] == ("3 record(s) of log.csv left out when it was imported, for data errors, are not counted "
                            "(see data quality)")
    from dx_metrics import notes
    assert notes.say(notes.decode(row["note_codes"]), "vi") == (
        "3 hồ sơ của log.csv bị bỏ ra khi nhập vào kho dữ liệu vì lỗi số liệu, không được tính (xem mục chất lượng dữ "
        "liệu)")
    (said,) = [str(p) for p in r.problems if p.code == "left_out_at_import"]
    assert said == ("log.csv: 3 record(s) of this export were left out when it was imported into records (rows with "
                    "errors, or of units the registry lacks): no figure counts them (correct those lines of the export, "
                    "which its import listed, and import it again into a new dataset folder)")


def test_reading_such_a_log_without_a_scope_names_scope_in_its_hint(tmp_path):
    # validate, review and read_export keep the names as written (nothing is imported): the hint says how to place them
    rs = read_export(_untitled_log(tmp_path / "log.csv", ["Thanh tra Sở"]), "dossier_records", strict=False)
    (p,) = problems_of(rs)
    assert str(p) == ('log.csv, row 2, column "Đơn vị": "Thanh tra Sở" is a division name every body has; without the '
                      'issuing body above the table dx_metrics cannot tell whose, so it is kept under its own name (add '
                      'the issuing body above the table (e.g. "SỞ GIAO THÔNG VẬN TẢI TỈNH BẠC LIÊU"), pass --scope with '
                      'its unit_id, or read the file for a plan, whose unit is then the scope)')
    assert "thêm --scope với mã đơn vị (unit_id)" in p.hint_said("vi")
