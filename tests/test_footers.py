"""Footers are footers (issue 25): what stands below the last data row of a real export (the place
and date, the signers' titles, "Nơi nhận:" lists, the signers' names) ends the table and is never
read as data, while a data row with a bad count is still an error at its cell.

Every sheet here is one_stop_rows' layout: title rows 1–4, a two-row header on rows 5–6, the
office on row 7 (100 received, 60 online), the inspectorate on row 8 (50, 20), the totals on
row 9 (150, 80), the footer from row 10. Column I (the 9th, "Kết quả giải quyết / Đúng hạn") is a
count column: where the director signs, as in the bundled samples.
"""
from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from conftest import ONE_STOP_MERGES, one_stop_rows, unit_row, write_sheet
from dx_metrics import DxDataError, read_export
from dx_metrics.errors import problems_of

UNITS = [unit_row("Văn phòng Sở", 100, 60), unit_row("Thanh tra Sở", 50, 20)]
TOTAL = [150, 80, 70, 0, 150, 0, 150, 0, 0, 0, 0]


def at(**cells: str) -> list:
    """A row of 13 cells with texts in the columns named by letter: at(B="Người lập biểu", I="KT. GIÁM ĐỐC")."""
    row = [None] * 13
    for letter, text in cells.items():
        row[ord(letter) - ord("A")] = text
    return row


# The common shapes of a Vietnamese report's footer, each ending in the signers' names.
SHAPES = {
    "signers' names under the count columns": [
        [None],
        at(I="Bạc Liêu, ngày 15 tháng 12 năm 2023"),
        at(B="Người lập biểu", I="KT. GIÁM ĐỐC"),
        at(I="PHÓ GIÁM ĐỐC"),
        [None], [None],
        at(B="Nguyễn Thị Lan", I="Trần Văn Hùng"),
    ],
    "a place-date line right under the totals": [
        at(I="Bạc Liêu, ngày 15 tháng 12 năm 2023"),
        at(I="Q. GIÁM ĐỐC"),
        at(I="(Ký, ghi rõ họ tên)"),
        [None],
        at(I="Trần Văn Hùng"),
    ],
    "a 'Nơi nhận:' list beside the signature": [
        [None],
        at(A="Nơi nhận:", I="TL. GIÁM ĐỐC"),
        at(A="- Như trên;", I="CHÁNH VĂN PHÒNG"),
        at(A="- UBND tỉnh (b/c);"),
        at(A="- Lưu: VT, KHTC."),
        at(I="Trần Văn Hùng"),
    ],
    "an empty row, then the signature": [
        [None],
        at(B="Nguyễn Thị Lan", I="Trần Văn Hùng"),
    ],
    "a provincial people's committee signing": [
        [None],
        at(I="TM. ỦY BAN NHÂN DÂN"),
        at(I="KT. CHỦ TỊCH"),
        at(I="PHÓ CHỦ TỊCH"),
        [None],
        at(I="Lê Minh Tuấn"),
    ],
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_footer_ends_the_table(tmp_path, shape):
    path = write_sheet(tmp_path / "mot_cua_2023.xlsx", one_stop_rows(UNITS, total=TOTAL, footer=SHAPES[shape]),
                       merges=ONE_STOP_MERGES)
    df = read_export(path, "dossiers")            # strict: any error would raise
    assert df["unit_name"].tolist() == ["Văn phòng Sở", "Thanh tra Sở"]
    assert df["received_total"].tolist() == [100, 50] and df["received_online"].tolist() == [60, 20]
    assert problems_of(df) == []
    assert df.attrs["origin"]["rejected_rows"] == 0


ONLINE, RECEIVED = "Số hồ sơ nhận giải quyết / Trực tuyến", "Số hồ sơ nhận giải quyết / Tổng số"
BAD_ONLINE = ["Thanh tra Sở", 50, "2O", 30, 0, 50, 0, 50, 0, 0, 0, 0]       # "2O": a letter O for a zero
NO_COUNT = ["Thanh tra Sở"] + ["N/A"] * 11


@pytest.mark.parametrize("bad_row, value, columns", [
    # a count written with a letter on the inspectorate's row (8), above the signers' names
    (BAD_ONLINE, "2O", [ONLINE]),
    # the last data row without a single count, right above the footer: still a data row, each cell an error
    (NO_COUNT, "N/A", [RECEIVED, ONLINE] + [None] * 9),
])
def test_a_data_row_with_a_bad_count_above_a_footer_is_still_an_error_at_its_cell(tmp_path, bad_row, value, columns):
    rows = one_stop_rows([UNITS[0], bad_row], total=TOTAL, footer=SHAPES["signers' names under the count columns"])
    path = write_sheet(tmp_path / "mot_cua_2023.xlsx", rows, merges=ONE_STOP_MERGES)
    with pytest.raises(DxDataError) as e:
        read_export(path, "dossiers")
    errors = [p for p in e.value.problems if p.severity == "error"]
    assert len(errors) == len(columns)                      # one per bad cell, none for the footer
    assert {p.row for p in errors} == {8}                   # the inspectorate's row
    for p, column in zip(errors, columns):
        assert column is None or p.column == column
        assert p.message == f'"{value}" is not a count (expected a whole number ≥ 0)'
        assert p.say("vi") == f'"{value}" không phải số đếm (cần số nguyên ≥ 0)'
    kept = read_export(path, "dossiers", strict=False)
    assert kept["unit_name"].tolist() == ["Văn phòng Sở"] and kept.attrs["origin"]["rejected_rows"] == 1


def test_a_realistic_export_validates_clean_and_no_target_says_a_row_was_rejected(tmp_path):
    from dx_metrics.cli import main
    from dx_metrics.pipeline import build_plan_report

    main(["init", str(tmp_path / "ws")])
    ws = tmp_path / "ws"
    export = write_sheet(ws / "data" / "raw" / "mot_cua_2023.xlsx",
                         one_stop_rows(UNITS, total=TOTAL, footer=SHAPES["signers' names under the count columns"]),
                         merges=ONE_STOP_MERGES)
    run = subprocess.run([sys.executable, "-m", "dx_metrics.cli", "validate", str(export)],
                         capture_output=True, text=True, cwd=ws)
    assert run.returncode == 0, run.stdout
    assert run.stdout.splitlines()[-1] == ("mot_cua_2023.xlsx: dossiers, sheet Biểu 06a, period 2023, 2 valid row(s), "
                                           "0 error(s), 0 warning(s)")
    plan = ws / "params" / "mot_cua_2023.yaml"
    plan.write_text("id: mot_cua_2023\ntitle: Kế hoạch thử\nunit: baclieu_dot\nyear: 2023\n"
                    "inputs:\n  - {path: raw/mot_cua_2023.xlsx, kind: dossiers}\n"
                    "targets:\n  - {indicator: online_dossier_share, value: 50%}\n", encoding="utf-8")
    r = build_plan_report(plan)
    row = r.evaluation.set_index("indicator_id").loc["online_dossier_share"]
    assert (row["numerator"], row["denominator"], row["status"]) == (80, 150, "achieved")     # 80/150 = 53,33 %
    assert pd.isna(row["notes"])            # no "1 row(s) of mot_cua_2023.xlsx rejected for data errors"
    assert [s["rejected_rows"] for s in r.sources] == [0] and r.error_count == 0
