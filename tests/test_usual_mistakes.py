"""The usual mistakes of a new user, made on the command line as an analyst makes them (issue
25): each is refused with what went wrong, what was likely meant, and exit code 1, in
Vietnamese by default and in English with --lang en. Nothing said in one language leaks into
the other: the English sentence of a mistake is not in its Vietnamese output.

The expected sentences are written here from what the analyst should read, not copied from a
run: the key, the id, the quoted title, 98 %, February's 28 days, the sheet the workbook has.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dx_metrics.cli import main

HEAD = """\
id: p
title: Kế hoạch thử
unit: baclieu_dot
year: 2023
inputs:
  - {path: raw/sgtvt_baclieu_mot_cua_2023.xlsx, kind: dossiers}
"""
TARGET = "targets:\n  - {indicator: online_dossier_share, value: 20%}\n"
TASK = "tasks:\n  - {id: NV02, title: %s, owner: baclieu_dot_office, deadline: %s}\n"

# (mistake, plan text, [Vietnamese: what went wrong, what was meant], [English: the same])
PLAN_MISTAKES = [
    ("a misspelt key", HEAD + TARGET.replace("targets:", "taget:"),
     ['khóa "taget": không phải là khóa hợp lệ', 'có phải ý bạn là "targets"?'],
     ['key "taget": is not a known key', "did you mean 'targets'?"]),
    ("a misspelt unit id", HEAD + TARGET.replace("20%}", "20%, owner: baclieu_dot_transprt}"),
     ["'baclieu_dot_transprt' không có trong danh mục đơn vị", 'có phải ý bạn là "baclieu_dot_transport"?'],
     ["'baclieu_dot_transprt' is not in the unit registry", "did you mean 'baclieu_dot_transport'?"]),
    ("a name for an id", HEAD.replace("unit: baclieu_dot", "unit: Sở Giao thông vận tải tỉnh Bạc Liêu") + TARGET,
     ["là tên của một đơn vị, không phải mã đơn vị: viết unit: baclieu_dot"],
     ["is the name of a unit, not its id: write unit: baclieu_dot"]),
    ("commas in a one-line title", HEAD + TARGET + TASK % ("Rà soát, tái cấu trúc quy trình", "2023-06-30"),
     ['khóa "tasks[0].title"', 'đặt nội dung trong ngoặc kép: title: "Rà soát, tái cấu trúc quy trình"'],
     ['key "tasks[0].title"', 'put the text in quotes: title: "Rà soát, tái cấu trúc quy trình"']),
    ("980 for a share", HEAD + TARGET.replace("20%", "980%"),
     ["'980%' không phải tỷ lệ: có phải 98 %?"],
     ["'980%' is not a share: did you mean 98 %?"]),
    ("a deadline 2023-02-30", HEAD + TARGET + TASK % ("Rà soát quy trình", "2023-02-30"),
     ["'2023-02-30' không phải là ngày", "tháng 2/2023 chỉ có 28 ngày"],
     ["'2023-02-30' is not a date", "month 2/2023 has 28 days"]),
    ("a missing file", HEAD.replace("mot_cua_2023", "mot_cua_2032") + TARGET,
     ["không có tệp đầu vào của kế hoạch: raw/sgtvt_baclieu_mot_cua_2032.xlsx"],
     ["input file(s) of the plan do not exist: raw/sgtvt_baclieu_mot_cua_2032.xlsx"]),
    ("an unknown sheet", HEAD.replace("kind: dossiers}", "kind: dossiers, sheet: Biểu 99}") + TARGET,
     ['không có trang tính "Biểu 99" (các trang tính: "Biểu 06a")', 'có phải ý bạn là "Biểu 06a"?'],
     ['there is no sheet "Biểu 99" (sheets: "Biểu 06a")', 'did you mean "Biểu 06a"?']),
    ("no data for the plan year", HEAD.replace("year: 2023", "year: 2021") + TARGET,
     ["không chỉ tiêu nào đánh giá được", "có số liệu kỳ 2023 cho baclieu_dot, không có năm 2021"],
     ["no target could be evaluated", "the inputs cover 2023 for baclieu_dot, not 2021"]),
]


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    """A workspace made by `dx-metrics init`, with its sample exports."""
    root = tmp_path_factory.mktemp("usual") / "ws"
    assert main(["init", str(root)]) == 0
    return root


def _run(ws: Path, name: str, text: str, lang: str, capsys) -> tuple[int, str]:
    plan = ws / "params" / f"{name}.yaml"
    plan.write_text(text, encoding="utf-8")
    shutil.rmtree(ws / "outputs", ignore_errors=True)
    capsys.readouterr()
    code = main(["run", str(plan), "--lang", lang])
    said = capsys.readouterr()
    return code, " ".join((said.out + said.err).split())      # the table wraps nothing, but spaces pad it


@pytest.mark.parametrize("mistake, text, vi, en", PLAN_MISTAKES, ids=[m[0] for m in PLAN_MISTAKES])
def test_a_usual_plan_mistake_is_said_in_vietnamese_and_in_english_with_exit_code_1(ws, capsys, mistake, text,
                                                                                    vi, en):
    name = mistake.replace(" ", "_").replace("-", "_")
    code_vi, out_vi = _run(ws, name, text, "vi", capsys)
    code_en, out_en = _run(ws, name, text, "en", capsys)
    assert (code_vi, code_en) == (1, 1)
    for expected in vi:
        assert expected in out_vi, (mistake, expected, out_vi)
    for expected in en:
        assert expected in out_en, (mistake, expected, out_en)
    assert en[0] not in out_vi and vi[0] not in out_en         # each language alone
    assert "Traceback" not in out_vi + out_en


def _untitled_log(path: Path) -> Path:
    """A one-stop log exported as CSV, one line per dossier, naming divisions every body has
    (no issuing body above the table): 4 lines of the office, 3 of the inspectorate."""
    names = ["Văn phòng Sở", "Thanh tra Sở"] * 3 + ["Văn phòng Sở"]
    lines = ["Mã hồ sơ,Đơn vị,Ngày tiếp nhận,Ngày hẹn trả,Ngày trả kết quả,Hình thức nộp"]
    lines += [f"HS{i:03d},{name},2024-03-0{i + 1},2024-03-2{i},2024-03-1{i},Trực tuyến" for i, name in enumerate(names)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("lang, said", [
    ("vi", ['2 tên phòng mà cơ quan nào cũng có không xác định được thuộc đơn vị nào', '"Văn phòng Sở" (4 dòng)',
            '"Thanh tra Sở" (3 dòng)', "--scope", "không nhập gì từ tệp có lỗi"]),
    ("en", ["2 division name(s) every body has cannot be placed in a unit", '"Văn phòng Sở" (4 lines)',
            '"Thanh tra Sở" (3 lines)', "--scope", "nothing imported from the file with errors"]),
])
def test_a_records_csv_without_scope_is_refused_naming_scope_in_either_language(tmp_path, capsys, lang, said):
    log = _untitled_log(tmp_path / "log.csv")
    capsys.readouterr()
    code = main(["import-records", str(log), "--out", str(tmp_path / "ds"), "--lang", lang])
    out = " ".join(capsys.readouterr().out.split())
    assert code == 1
    for expected in said:
        assert expected in out, (expected, out)
    assert not list((tmp_path / "ds").rglob("*.parquet"))          # nothing written


@pytest.mark.parametrize("lang, said", [
    ("vi", ["sgtvt_baclieu_mot_cua_2023.xlsx", 'không có trang tính "Biểu 99"', 'có phải ý bạn là "Biểu 06a"?']),
    ("en", ["sgtvt_baclieu_mot_cua_2023.xlsx", 'there is no sheet "Biểu 99"', 'did you mean "Biểu 06a"?']),
])
def test_validate_an_unknown_sheet_in_either_language(ws, capsys, lang, said):
    capsys.readouterr()
    code = main(["validate", str(ws / "data" / "raw" / "sgtvt_baclieu_mot_cua_2023.xlsx"), "--sheet", "Biểu 99",
                 "--lang", lang])
    out = " ".join(capsys.readouterr().out.split())
    assert code == 2            # validate: the file could not be read as asked
    for expected in said:
        assert expected in out, (expected, out)
