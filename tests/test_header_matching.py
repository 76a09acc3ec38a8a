"""Header matching on words and context, and refusing a header that two readings fit.

A one-stop CSV written without diacritics (as some provincial systems export it) must read
the same figures as its diacritic twin; a flat "Quá hạn" takes its meaning from the column
before it; two columns claiming one field, or one column fitting two fields, is an error
naming both. Figures are worked out by hand from the rows below.
"""
from __future__ import annotations

import pytest

from dx_metrics.cli import main
from dx_metrics.errors import DxDataError, problems_of
from dx_metrics.ingest import header, read_export

from conftest import write_sheet

# Bạc Liêu's Department of Transport, before the 2025 merger: its divisions resolve under it
SCOPE = "baclieu_dot"

WITH_MARKS = ["STT", "Đơn vị", "Kỳ trước chuyển qua", "Tiếp nhận trực tuyến", "Tiếp nhận trực tiếp, bưu chính",
              "Đã giải quyết", "Đúng hạn (kể cả trước hạn)", "Quá hạn", "Đang giải quyết", "Trong hạn", "Quá hạn"]
WITHOUT_MARKS = ["STT", "Don vi", "Ky truoc chuyen qua", "Tiep nhan truc tuyen", "Tiep nhan truc tiep, buu chinh",
                 "Da giai quyet", "Dung han (ke ca truoc han)", "Qua han", "Dang giai quyet", "Trong han", "Qua han"]
# carried, online, offline, resolved, on time (incl. early), late, pending, within, overdue
ROWS = [["1", "Văn phòng Sở", "5", "120", "30", "140", "130", "10", "15", "12", "3"],
        ["2", "Thanh tra Sở", "0", "8", "12", "18", "18", "0", "2", "2", "0"]]


def _csv(path, head, rows):
    def cell(v):
        return f'"{v}"' if "," in v else v
    path.write_text("\n".join(",".join(cell(v) for v in r) for r in [head, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_csv_without_diacritics_reads_the_same_figures_as_its_twin(tmp_path):
    marks = read_export(_csv(tmp_path / "marks.csv", WITH_MARKS, ROWS), "dossiers", period="2024", scope=SCOPE)
    plain = read_export(_csv(tmp_path / "plain.csv", WITHOUT_MARKS, ROWS), "dossiers", period="2024", scope=SCOPE)
    cols = ["unit_id", "carried_over", "received_total", "received_online", "resolved_total", "resolved_on_time",
            "resolved_late", "pending"]
    assert marks[cols].to_dict("records") == plain[cols].to_dict("records")
    office = plain.set_index("unit_id").loc["baclieu_dot_office"]
    # newly received = online + in person/post = 120 + 30; "Đúng hạn (kể cả trước hạn)" is on time incl. early
    assert (office["received_total"], office["received_online"]) == (150, 120)
    assert (office["resolved_total"], office["resolved_on_time"], office["resolved_late"]) == (140, 130, 10)
    assert office["pending"] == 15 and office["carried_over"] == 5
    # the row numbers are read past without a word
    assert not [p for p in problems_of(plain) if "STT" in (p.column or "") + p.message]


def test_a_flat_overdue_column_takes_its_meaning_from_the_column_before_it(tmp_path):
    path = _csv(tmp_path / "plain.csv", WITHOUT_MARKS, ROWS)
    df = read_export(path, "dossiers", period="2024", scope=SCOPE)
    how = {field: (text, way) for _, text, field, way in df.attrs["origin"]["columns"]}
    # "Qua han" after the resolved columns is resolved late; after "Dang giai quyet"/"Trong han", pending overdue
    assert how["resolved_late"][0] == "Qua han" and "context" in how["resolved_late"][1]
    assert how["pending_overdue"][0] == "Qua han" and "context" in how["pending_overdue"][1]
    assert how["pending_within"][0] == "Trong han" and "context" in how["pending_within"][1]
    assert "words" in how["received_offline"][1]          # "Tiep nhan" around the alias's words
    # the pending identity (15 = 12 + 3) is checked on the context-read columns: break it and it is caught
    broken = [r[:] for r in ROWS]
    broken[0][10] = "4"
    problems = problems_of(read_export(_csv(tmp_path / "b.csv", WITHOUT_MARKS, broken), "dossiers", period="2024",
                           scope=SCOPE, strict=False))
    assert any("pending is not within deadline + overdue" in p.message and p.row == 2 for p in problems)


def test_explain_names_the_way_each_column_was_read(tmp_path, capsys):
    path = _csv(tmp_path / "plain.csv", WITHOUT_MARKS, ROWS)
    assert main(["validate", str(path), "--kind", "dossiers", "--period", "2024", "--scope", SCOPE, "--explain"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line[:1].isupper() and line[1:3] == "  "}
    assert "resolved_late" in lines["H"] and "context" in lines["H"]
    assert "pending_overdue" in lines["K"] and "context" in lines["K"]
    assert "received_offline" in lines["E"] and "words" in lines["E"]
    assert "received_online" in lines["D"]
    # a column read by its context is read, not also listed as unrecognised
    assert "not recognised" not in out


def test_two_columns_claiming_one_field_is_an_error_naming_both(tmp_path):
    head = ["Đơn vị", "Trực tuyến", "Trực tiếp, dịch vụ bưu chính", "Trực tuyến"]
    path = _csv(tmp_path / "twice.csv", head, [["Văn phòng Sở", "1", "2", "3"]])
    with pytest.raises(DxDataError) as e:
        read_export(path, "dossiers", period="2024", scope=SCOPE)
    msg = str(e.value)
    assert "received_online" in msg and "B" in msg and "D" in msg and "columns.yaml" in msg


def test_one_column_fitting_two_fields_is_an_error_naming_both(tmp_path):
    overlay = tmp_path / "columns.yaml"
    overlay.write_text("dossiers:\n  received_total: {aliases: [Tổng hồ sơ]}\n"
                       "  resolved_total: {aliases: [Tổng hồ sơ]}\n", encoding="utf-8")
    header.set_overlay(overlay)
    path = _csv(tmp_path / "t.csv", ["Đơn vị", "Trực tuyến", "Tổng hồ sơ"], [["Văn phòng Sở", "1", "2"]])
    with pytest.raises(DxDataError) as e:
        read_export(path, "dossiers", period="2024", scope=SCOPE)
    msg = str(e.value)
    assert "received_total" in msg and "resolved_total" in msg and "'Tổng hồ sơ'" in msg


def test_a_more_specific_alias_settles_which_column_a_field_is():
    # "Số hồ sơ nhận giải quyết / Trực tuyến" (two levels) beats a bare "Trực tuyến" under "Thanh toán"
    paths = header._paths(["Số hồ sơ nhận giải quyết", None, "Thanh toán"], ["Trực tuyến", "Trực tiếp", "Trực tuyến"])
    a = header._assign(paths, "dossiers")
    assert a.columns["received_online"] == 0 and a.columns["paid_online"] == 2 and not a.conflicts


@pytest.mark.parametrize("kind", sorted(header.column_specs()))
def test_no_two_fields_of_a_kind_share_an_alias_or_its_words(kind):
    table = header._table(kind)
    shared = {k: v for k, v in {**table.exact, **table.words}.items() if len(v) > 1}
    assert not shared, f"{kind}: aliases that would make a header fit two fields: {shared}"


# A one-stop summary by service level: rows are levels, each count a ("Tổng", "%") pair, for
# the issuing unit named in the title rows. Hand figures: 500 + 3.000 + 1.500 = 5.000 received,
# online 0 + 900 + 1.500 = 2.400.
BY_LEVEL = [["UBND TỈNH BẠC LIÊU"], ["SỞ GIAO THÔNG VẬN TẢI"],
            ["BÁO CÁO TÌNH HÌNH TIẾP NHẬN HỒ SƠ THEO MỨC ĐỘ DỊCH VỤ CÔNG"], ["Năm 2023"],
            ["STT", "Mức độ dịch vụ công", "Tổng số hồ sơ tiếp nhận", None, "Tiếp nhận trực tuyến", None],
            [None, None, "Tổng", "%", "Tổng", "%"],
            [1, "Cung cấp thông tin", 500, "10%", 0, "0%"],
            [2, "Một phần", 3000, "60%", 900, "30%"],
            [3, "Toàn trình", 1500, "30%", 1500, "100%"],
            [None, "Tổng cộng", 5000, "100%", 2400, "48%"]]


def test_one_stop_totals_by_service_level_read_for_the_issuing_unit(tmp_path):
    from conftest import write_sheet

    path = write_sheet(tmp_path / "muc_do.xlsx", BY_LEVEL, merges=["C5:D5", "E5:F5", "A5:A6", "B5:B6"])
    df = read_export(path, "dossiers")
    assert df["unit_id"].tolist() == ["baclieu_dot"] * 3            # the department of the title rows
    assert df["service_level"].tolist() == ["none", "partial", "full"]
    assert df["received_total"].tolist() == [500, 3000, 1500]
    assert df["received_online"].tolist() == [0, 900, 1500]
    assert set(df["period"]) == {"2023"}
    how = {field: text for _, text, field, _ in df.attrs["origin"]["columns"]}
    assert how["received_total"] == "Tổng số hồ sơ tiếp nhận / Tổng"       # the count, not its "%"
    assert not [p for p in problems_of(df) if p.severity == "error"]
    from dx_metrics.indicators import compute_indicators

    share = compute_indicators({"dossiers": df}, ["online_dossier_share"]).iloc[0]
    assert (share["unit_id"], share["numerator"], share["denominator"]) == ("baclieu_dot", 2400, 5000)
    # the totals row is checked against the levels: change one level and it disagrees
    broken = [r[:] for r in BY_LEVEL]
    broken[7][2] = 3100
    problems = problems_of(read_export(write_sheet(tmp_path / "b.xlsx", broken), "dossiers", strict=False))
    assert any(p.reason == "totals_mismatch" and p.row == 10 for p in problems)


def test_overdue_under_an_unknown_parent_is_left_unread(tmp_path):
    # "Đang xử lý" is not a header dx_metrics knows: its "Quá hạn" must not become resolved late
    from conftest import write_sheet

    rows = [["SỞ TƯ PHÁP"], ["Năm 2024"],
            ["Đơn vị", "Tiếp nhận", None, "Đã giải quyết", None, "Đang xử lý", None],
            [None, "Trực tuyến", "Trực tiếp, bưu chính", "Trước hạn", "Đúng hạn", "Quá hạn", "Trong hạn"],
            ["Văn phòng Sở", 20, 10, 5, 10, 2, 13]]
    df = read_export(write_sheet(tmp_path / "x.xlsx", rows, merges=["B3:C3", "D3:E3", "F3:G3"]), "dossiers",
                     strict=False)
    fields = {f for _, _, f, _ in df.attrs["origin"]["columns"]}
    assert "resolved_late" not in fields and "pending_overdue" not in fields
    assert any("Đang xử lý / Quá hạn" in p.message for p in problems_of(df))


def test_an_overlay_edited_in_a_running_session_is_read_with_its_new_aliases(tmp_path):
    overlay = tmp_path / "columns.yaml"
    overlay.write_text("dossiers:\n  received_online: {aliases: [Nộp qua mạng]}\n", encoding="utf-8")
    header.set_overlay(overlay)
    path = _csv(tmp_path / "x.csv", ["Đơn vị", "Nộp qua mạng", "Nộp tại quầy"], [["Văn phòng Sở", "3", "7"]])
    with pytest.raises(DxDataError):           # "Nộp tại quầy" is no header yet: no received total
        read_export(path, "dossiers", period="2024", scope=SCOPE)
    overlay.write_text("dossiers:\n  received_online: {aliases: [Nộp qua mạng]}\n"
                       "  received_offline: {aliases: [Nộp tại quầy]}\n", encoding="utf-8")     # edited, no reload
    df = read_export(path, "dossiers", period="2024", scope=SCOPE)
    assert (df.loc[0, "received_online"], df.loc[0, "received_total"]) == (3, 10)


def test_a_row_of_column_numbers_under_the_header_is_skipped(tmp_path):
    rows = [["Năm 2023"], ["Đơn vị", "Kỳ trước chuyển qua", "Số mới tiếp nhận", "Trực tuyến"],
            ["(1)", "(2)", "(3)", "(4)"], ["Văn phòng Sở", 0, 10, 4]]
    df = read_export(write_sheet(tmp_path / "n.xlsx", rows), "dossiers", scope="prov_95")
    assert df["received_total"].tolist() == [10] and df["source_row"].tolist() == [4]


def test_two_small_numbers_in_a_row_without_a_unit_are_data_not_column_numbers(tmp_path):
    # found by the property test: "0" and "1" count up, but number two of four columns only
    rows = [["Năm 2023"], ["Đơn vị", "Kỳ trước chuyển qua", "Số mới tiếp nhận", "Trực tuyến"],
            [None, None, "0", "1"]]
    with pytest.raises(DxDataError) as e:
        read_export(write_sheet(tmp_path / "n.xlsx", rows), "dossiers", scope="prov_95")
    p = e.value.problems[0]
    assert (p.row, p.column, p.message) == (3, "Đơn vị", "is empty, but this column is required")


def test_a_numbering_row_of_two_columns_is_a_numbering_row():
    from dx_metrics.ingest.header import is_column_number_row

    assert is_column_number_row(["(1)", "(2)"], ["Đơn vị", "Tổng số"])
    assert not is_column_number_row(["(1)"], ["Đơn vị"])          # one cell numbers nothing


def test_explain_says_a_row_number_column_is_read_past(tmp_path, capsys):
    # a dossier log has no row-number field: its "STT" is read past, and said so
    path = tmp_path / "log.csv"
    path.write_text("STT,Mã hồ sơ,Đơn vị,Ngày tiếp nhận,Hình thức nộp\n1,H1,Văn phòng Sở,02/01/2024,Trực tuyến\n",
                    encoding="utf-8")
    assert main(["validate", str(path), "--kind", "dossier_records", "--scope", SCOPE, "--explain"]) == 0
    out = capsys.readouterr().out
    row_a = next(line for line in out.splitlines() if line.startswith("A  "))
    assert "STT" in row_a and "row number (read past)" in row_a and "not recognised" not in out


def test_an_empty_header_cell_is_no_text_whatever_wrote_it():
    # None from a workbook, NaN from a frame read by pandas: neither is a header named "nan"
    assert header.cell_text(None) is None and header.cell_text(float("nan")) is None
    assert header.cell_text("  Số hồ sơ\n tiếp nhận ") == "Số hồ sơ tiếp nhận"


def test_a_flat_overdue_column_read_by_context_is_not_also_called_unrecognised(tmp_path):
    df = read_export(_csv(tmp_path / "plain.csv", WITHOUT_MARKS, ROWS), "dossiers", period="2024", scope=SCOPE)
    unread = [p for p in problems_of(df) if p.code == "unrecognised_columns"]
    assert unread == []


@pytest.mark.parametrize("titles", [header.SCAN_ROWS - 1, header.SCAN_ROWS - 2])
def test_a_header_is_found_as_far_down_as_the_scan_reaches(tmp_path, titles):
    # a long preamble (letterhead, signatures of an order, notes): the header on row SCAN_ROWS
    # (1-based) is still found, and its data read from the row below
    rows = [[f"Dòng tiêu đề {i + 1}"] for i in range(titles)] + [WITH_MARKS] + ROWS
    path = write_sheet(tmp_path / "long.xlsx", rows)
    df = read_export(path, "dossiers", period="2024", scope=SCOPE)
    assert df.attrs["origin"]["header_row"] == titles + 1
    assert df.set_index("unit_id").loc["baclieu_dot_office", "received_online"] == 120
    assert df["source_row"].tolist() == [titles + 2, titles + 3]


@pytest.mark.parametrize("text, said", [
    ("dosiers:\n  received_online: {aliases: [Nộp mạng]}\n", 'key "dosiers": is not a table kind (kinds: dossiers, '),
    ("filler_words:\n  dossiers: [Gồm]\n", 'key "filler_words": is not a table kind (kinds: dossiers, '),
    ("dossiers: [Nộp mạng]\n", 'key "dossiers": must map its fields to their aliases'),   # a kind without fields
])
def test_an_overlay_that_names_no_table_kind_is_refused_naming_it(tmp_path, text, said):
    overlay = tmp_path / "columns.yaml"
    overlay.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as e:        # refused when it is put in force, the table in force kept
        header.set_overlay(overlay)
    assert f"{overlay}, line 1, {said}" in str(e.value)
    assert header.overlay() is None


def test_a_header_written_in_both_rows_of_a_two_row_header_is_one_level():
    # an exporter that writes "Đơn vị" in both header rows (instead of merging them): one level,
    # shown as written once; a parent carries over to the empty cells beside it
    paths = header._paths(["Đơn vị", "Tiếp nhận", None], ["Đơn vị", "Trực tuyến", "Trực tiếp"])
    assert paths == [(("don vi",), "Đơn vị"), (("tiep nhan", "truc tuyen"), "Tiếp nhận / Trực tuyến"),
                     (("tiep nhan", "truc tiep"), "Tiếp nhận / Trực tiếp")]
