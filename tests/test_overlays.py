"""A workspace's overlays (units.csv, columns.yaml) are checked when they are put in force: each
problem names the file, its line and the column or key, and nothing of a bad file is used; the
bundled units a units.csv replaces are said by validate and by a report (issue 28, item 5)."""
from __future__ import annotations

import json

import pytest

from conftest import one_stop_rows, unit_row, write_sheet
from dx_metrics import DxDataError, units
from dx_metrics.cli import main
from dx_metrics.ingest import header

HEAD = "unit_id,name_vi,name_en,kind,parent_id,valid_from,valid_to,successor_id,name_variants\n"


def _refused(path, set_overlay) -> list[str]:
    with pytest.raises(DxDataError) as e:
        set_overlay(path)
    return [str(p) for p in e.value.problems]


@pytest.mark.parametrize("content, said", [
    # random bytes: 0x8C starts no UTF-8 character
    (bytes([0x8C, 0x01, 0xFF, 0x10, 0x00, 0x9F]) * 50,
     ["line 1: is not UTF-8 text: byte 0x8C on line 1 is no character in UTF-8; it was saved in another encoding"]),
    # saved as Windows-1258 (Vietnamese ANSI): "ê" is the byte 0xEA there
    ((HEAD + "x_office,Tên,,division,baclieu_dot,,,,\n").encode("cp1258"),
     ["line 2: is not UTF-8 text: byte 0xEA on line 2"]),
    (("\ufeff" + HEAD).encode("utf-16"), ["is UTF-16 text (Excel's 'Unicode Text'), not CSV UTF-8"]),
    (b"unit_id,name_vi\nx,y\n", ["line 1: the header line does not name the registry's columns: missing column(s): "
                                 "name_en, kind, parent_id, valid_from, valid_to, successor_id, name_variants"]),
    (HEAD.replace("name_variants", "name_variant").encode(),
     ["line 1: the header line does not name the registry's columns: missing column(s): name_variants; unknown "
      "column(s): 'name_variant' (did you mean name_variants?)"]),
    # a unit under itself: a under b, b under a (lines 2 and 3)
    ((HEAD + "x_a,Phòng A,,division,x_b,,,,\nx_b,Phòng B,,division,x_a,,,,\n").encode(),
     ['line 2, column "parent_id": parent_id goes round in a circle: x_a → x_b → x_a; a unit is under itself (x_a on '
      "line 2, x_b on line 3)"]),
    ((HEAD + "x_a,Phòng A,,division,x_a,,,,\n").encode(),
     ['line 2, column "parent_id": parent_id goes round in a circle: x_a → x_a']),
    ((HEAD + "x_a,Phòng A,,division,baclieu_dot,,,x_b,\nx_b,Phòng B,,division,baclieu_dot,,,x_a,\n").encode(),
     ['line 2, column "successor_id": successor_id goes round in a circle: x_a → x_b → x_a; a unit succeeds itself']),
    ((HEAD + "x_a,Phòng A,,division,baclieu_dott,,,,\n").encode(),
     ['line 2, column "parent_id": \'baclieu_dott\' is no unit_id of the registry (bundled, or this file) (did you '
      "mean 'baclieu_dot'?"]),
    ((HEAD + "x_a,Phòng A, Kế hoạch,,division,baclieu_dot,,,,\n").encode(),
     ["line 2: has 10 fields, the header 9: a value would be lost (put double quotes around a name that holds a "
      "comma)"]),
    ((HEAD + "x_a,Phòng A,,division,baclieu_dot,,,,\nx_a,Phòng B,,division,baclieu_dot,,,,\n").encode(),
     ['line 3, column "unit_id": unit_id \'x_a\' is on line 2 too']),
    ((HEAD + "x_a,Phòng A,,division,baclieu_dot,30/02/2024,,,\n").encode(),
     ['line 2, column "valid_from": \'30/02/2024\' is not a date written YYYY-MM-DD']),
    ((HEAD + "x_a,Phòng Kinh t\u0435,,division,baclieu_dot,,,,\n").encode(),
     ['line 2, column "name_vi": holds characters that look like Vietnamese letters but are other characters '
      '(U+0435 CYRILLIC SMALL LETTER IE "е")']),
    # two problems of rows are said together, and a link problem with them
    ((HEAD + "x_a,Phòng A,,division,nope,,,,\n,Phòng B,,division,baclieu_dot,,,,\n").encode(),
     ['line 2, column "parent_id": \'nope\' is no unit_id', 'line 3, column "unit_id": unit_id is empty']),
], ids=["random_bytes", "windows_1258", "utf16", "missing_columns", "misspelt_column", "parent_cycle", "own_parent",
        "successor_cycle", "unknown_parent", "extra_field", "repeated_id", "bad_date", "cyrillic_name", "several"])
def test_a_units_csv_that_cannot_be_used_is_refused_at_its_line(tmp_path, content, said):
    path = tmp_path / "units.csv"
    path.write_bytes(content)
    got = _refused(path, units.set_overlay)
    assert len(got) == len(said)
    for text, expected in zip(got, said):
        assert text.startswith(f"{path}, {expected}") or text.startswith(f"{path}: {expected}"), text
    assert units.overlay() is None and "x_a" not in set(units.load_units()["unit_id"])    # nothing of it in force


def test_a_units_csv_saved_by_excel_with_a_byte_order_mark_is_read():
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "units.csv"
        path.write_text(HEAD + '"x_a","Phòng A, Kế hoạch",,division,baclieu_dot,,,,\n', encoding="utf-8-sig")
        assert units.set_overlay(path) == []
        assert units.load_units().set_index("unit_id").at["x_a", "name_vi"] == "Phòng A, Kế hoạch"


BOMB = "".join([f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, c in zip("abcdefgh", "bcdefghi")])


@pytest.mark.parametrize("text, said", [
    ('a: &a ["x","x","x","x","x","x","x","x","x"]\n' + BOMB,
     "line 6: cannot be read: its aliases (*name) expand to more than 100,000 values"),
    ("- dossiers\n- received_online\n", "line 1: must map table kinds to fields (e.g. 'dossiers: {received_online: "
                                       "{aliases: [...]}}'), not a list"),
    ("dossiers:\n  received_online:\n    aliases: [Nộp qua mạng, 1]\n",
     'line 3, key "dossiers.received_online.aliases[1]": is 1, not a header text; quote it'),
    ("dossiers:\n  received_online: {aliases: [null]}\n",
     'line 2, key "dossiers.received_online.aliases[0]": is None, not a header text'),
    ("dossiers:\n  received_online: {aliases: Nộp qua mạng}\n",
     'line 2, key "dossiers.received_online.aliases": must be a list of header texts'),
    ("dossiers:\n  received_online: {aliases: [Nộp qua mạng\n", "line 3: is not valid YAML"),
    ("dossiers:\n  received_online: {aliaes: [Nộp qua mạng]}\n",
     'line 2, key "dossiers.received_online.aliaes": is no key of columns.yaml: a workspace adds aliases only'),
    ("dossiers:\n  received_online: {type: number, aliases: [Nộp qua mạng]}\n",
     'line 2, key "dossiers.received_online.type": is \'number\', but a workspace cannot change the type of a '
     "column (the bundled one: 'count')"),
    ("dossiers:\n  recieved_online: [Nộp qua mạng]\n",
     'line 2, key "dossiers.recieved_online": is not a field of dossiers (fields: stt, unit_name'),
], ids=["alias_bomb", "list", "number_alias", "null_alias", "aliases_text", "syntax", "unknown_key", "type_change",
        "misspelt_field"])
def test_a_columns_yaml_that_cannot_be_used_is_refused_at_its_line(tmp_path, text, said):
    path = tmp_path / "columns.yaml"
    path.write_text(text, encoding="utf-8")
    (got,) = _refused(path, header.set_overlay)
    assert got.startswith(f"{path}, {said}"), got
    assert header.overlay() is None


def test_a_columns_yaml_with_the_bundled_type_and_its_aliases_is_read(tmp_path):
    path = tmp_path / "columns.yaml"
    path.write_text("dossiers:\n  received_online: {type: count, aliases: [Nộp qua mạng]}\n"
                    "  unit_name: [Cơ quan tiếp nhận]\n", encoding="utf-8")
    header.set_overlay(path)
    aliases = header.column_specs()["dossiers"]
    assert ("nop qua mang",) in aliases["received_online"].aliases
    assert ("co quan tiep nhan",) in aliases["unit_name"].aliases


@pytest.mark.parametrize("name, content, said", [
    ("units.csv", bytes([0x8C, 0x01, 0xFF]) * 10, "units.csv, line 1: is not UTF-8 text: byte 0x8C"),
    ("units.csv", b"unit_id,name_vi\nx,y\n", "units.csv, line 1: the header line does not name the registry's"),
    ("columns.yaml", b"- a\n", "columns.yaml, line 1: must map table kinds to fields"),
    ("columns.yaml", b"dossiers:\n  received_online: {aliases: [1]}\n",
     'columns.yaml, line 2, key "dossiers.received_online.aliases[0]": is 1, not a header text'),
])
def test_validate_in_a_workspace_with_a_bad_overlay_names_it_and_exits_2(tmp_path, monkeypatch, capsys, name, content,
                                                                         said):
    # before: a traceback (UnicodeDecodeError, ValueError), or the bundled dx_metrics/ingest/columns.yaml named
    main(["init", str(tmp_path / "ws")])
    ws = tmp_path / "ws"
    (ws / name).write_bytes(content)
    monkeypatch.chdir(ws)
    capsys.readouterr()
    assert main(["validate", "data/raw/sgtvt_baclieu_mot_cua_2023.xlsx"]) == 2
    out = capsys.readouterr()
    assert out.err.startswith(f"{ws / said}") and "Traceback" not in out.err
    assert "dx_metrics/ingest/columns.yaml" not in out.err and out.out == ""


CHANGED = (HEAD + "baclieu_dot_office,Văn phòng Sở Giao thông vận tải tỉnh Bạc Liêu,Office of the Department,"
           "division,baclieu_dot,,2025-02-28,,Văn phòng Sở|Văn phòng Sở GTVT\n")


def test_a_report_lists_the_bundled_units_its_workspace_replaces(tmp_path):
    from dx_metrics.pipeline import build_plan_report
    from dx_metrics.report.outputs import write_outputs

    (tmp_path / "data").mkdir()
    (tmp_path / "params").mkdir()
    (tmp_path / "units.csv").write_text(CHANGED, encoding="utf-8")          # the bundled English name is "Office"
    write_sheet(tmp_path / "data" / "a.xlsx", one_stop_rows([unit_row("Văn phòng Sở", 10, 4)]))
    plan = tmp_path / "params" / "p.yaml"
    plan.write_text("id: p\ntitle: t\nunit: baclieu_dot\nyear: 2023\ninputs:\n  - {path: a.xlsx, kind: dossiers}\n",
                    encoding="utf-8")
    r = build_plan_report(plan)
    (p,) = [p for p in r.problems if p.reason == "overlay"]
    assert (p.file, p.row, p.severity) == (str(tmp_path / "units.csv"), 2, "warning")
    assert p.say("en") == "baclieu_dot_office replaces the bundled unit registry's row (name_en differ)"
    assert p.say("vi") == "baclieu_dot_office thay cho dòng của danh mục đơn vị đi kèm (name_en khác)"
    written = write_outputs(r, tmp_path / "out")
    from python_calamine import CalamineWorkbook

    head, *rows = CalamineWorkbook.from_path(str(written["workbook"])).get_sheet_by_name(
        "Chất lượng dữ liệu").to_python()
    said = [dict(zip(head, x)) for x in rows if str(x[head.index("Tệp")]).endswith("units.csv")]
    assert [(x["Dòng"], x["Nội dung"]) for x in said] == [
        (2, "baclieu_dot_office thay cho dòng của danh mục đơn vị đi kèm (name_en khác)")]
    summary = json.loads(written["summary"].read_text("utf-8"))
    assert [q["code"] for q in summary["data_quality"]["problems"]].count("replaces_bundled_unit") == 1


def test_run_says_what_the_workspace_replaces_and_fails_naming_a_bad_overlay(tmp_path, monkeypatch, capsys):
    main(["init", str(tmp_path / "ws")])
    ws = tmp_path / "ws"
    (ws / "units.csv").write_text(CHANGED, encoding="utf-8")
    monkeypatch.chdir(ws)
    capsys.readouterr()
    assert main(["run", "params/sample_plan.yaml"]) == 0
    out = capsys.readouterr().out
    assert "  note: units.csv: baclieu_dot_office replaces the bundled row (name_en differ)" in out
    summary = next((ws / "outputs").rglob("summary.json"))
    problems = json.loads(summary.read_text("utf-8"))["data_quality"]["problems"]
    assert [(q["row"], q["params"]) for q in problems if q["reason"] == "overlay"] == [
        (2, {"unit": "baclieu_dot_office", "columns": "name_en"})]
    # a units.csv that cannot be used: the run fails, naming the file and the line (not a traceback)
    (ws / "units.csv").write_text(CHANGED + "x_a,Phòng A,,division,x_a,,,,\n", encoding="utf-8")
    assert main(["run", "params/sample_plan.yaml"]) == 1
    out = capsys.readouterr().out
    assert f'workspace problem: {ws / "units.csv"}, line 3, column "parent_id": parent_id goes round' in out
    (row,) = [x for x in out.splitlines() if x.startswith("sample_plan.yaml")]       # the run's row of the table
    assert " failed " in row and row.endswith(f'{ws / "units.csv"}, line 3, column "parent_id": parent_id goes round '
                                              "in a circle: x_a → x_a; a unit is under itself (x_a on line 3) (correct "
                                              "the parent_id of one of them)")
