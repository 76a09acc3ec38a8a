"""Error paths of the commands and the runner that users meet: what each says and its exit code.

Inputs are written here, and every expected word is what an analyst should read.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, one_stop_rows, unit_row, write_sheet
from dx_metrics import runner
from dx_metrics.cli import main

BIN = Path(sys.executable).parent


def test_validate_says_when_no_table_is_known(tmp_path, capsys):
    path = tmp_path / "notes.csv"
    path.write_text("Ngày,Nội dung\n01/02/2024,Họp giao ban\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    # what was looked at, and the row closest to a header with its cells (issue 24)
    assert capsys.readouterr().out == (
        "notes.csv: no table dx_metrics knows was found: rows 1–2 looked in; the row most like a header (tasks) is "
        "row 1: A 'Ngày', B 'Nội dung' (title) (pass --kind, or add the header texts to columns.yaml in your "
        "workspace: --suggest drafts it)\n")


def test_validate_lists_the_first_40_problems_and_counts_the_rest(tmp_path, capsys):
    rows = one_stop_rows([unit_row(f"Đội {i}", 10, 20) for i in range(45)], footer=False)   # 20 online of 10
    path = write_sheet(tmp_path / "many.xlsx", rows)
    assert main(["validate", str(path), "--scope", "baclieu_dot"]) == 1
    out = capsys.readouterr().out
    assert "… +" in out and "more (--all lists every one)" in out
    assert main(["validate", str(path), "--scope", "baclieu_dot", "--all"]) == 1
    assert "more (--all lists every one)" not in capsys.readouterr().out


def test_validate_prints_the_layout_it_found(tmp_path, capsys):
    rows = [["PCI 2016"], ["Tỉnh", "PCI 2016", None, "Tiếp cận đất đai"], ["Hà Nội", 60.0, "Lào Cai", 5.0],
            ["Đà Nẵng", 70.0, "Hà Nội", 6.0], ["Lào Cai", 65.0, "Đà Nẵng", 7.0]]
    assert main(["validate", str(write_sheet(tmp_path / "pci.xlsx", rows))]) == 0
    assert "layout: each component is sorted on its own" in capsys.readouterr().out


def test_suggest_says_when_everything_was_read_and_names_what_resembles_nothing(tmp_path, capsys):
    good = write_sheet(tmp_path / "good.xlsx", one_stop_rows([unit_row("Văn phòng Sở", 10, 2)]))
    assert main(["validate", str(good), "--suggest"]) == 0
    assert "# every header cell was read; nothing to add" in capsys.readouterr().out
    odd = tmp_path / "odd.csv"
    odd.write_text("Đơn vị,Trực tuyến,Trực tiếp,Màu sắc yêu thích\nVăn phòng Sở,1,2,xanh\n", encoding="utf-8")
    main(["validate", str(odd), "--kind", "dossiers", "--period", "2024", "--scope", "baclieu_dot", "--suggest"])
    assert '# no field resembles "Màu sắc yêu thích": name it yourself or leave it out' in capsys.readouterr().out


def test_suggest_drafts_a_header_naming_the_online_channel_as_the_online_count(tmp_path, monkeypatch, capsys):
    # "Nộp qua mạng điện tử" under "Số hồ sơ tiếp nhận" is the online count: it shares its parent's words with the
    # received total, and was once drafted under received_total; saved as drafted, the file reads 60 and 20 online
    main(["init", str(tmp_path / "ws")])
    ws = tmp_path / "ws"
    rows = [["UBND TỈNH BẠC LIÊU"], ["SỞ GIAO THÔNG VẬN TẢI"], ["Năm 2023"], [None],
            ["STT", "Đơn vị", "Số hồ sơ tiếp nhận", None, None, "Kết quả giải quyết", None],
            [None, None, "Tổng số", "Nộp qua mạng điện tử", "Nộp trực tiếp, qua bưu chính", "Đúng hạn", "Quá hạn"],
            [1, "Văn phòng Sở", 100, 60, 40, 90, 10], [2, "Thanh tra Sở", 50, 20, 30, 50, 0]]
    write_sheet(ws / "data" / "raw" / "tiep_nhan.xlsx", rows, merges=["A5:A6", "B5:B6", "C5:E5", "F5:G5"])
    monkeypatch.chdir(ws)
    capsys.readouterr()
    main(["validate", "data/raw/tiep_nhan.xlsx", "--suggest"])
    out = capsys.readouterr().out.splitlines()
    start = out.index("dossiers:")
    draft = out[start:start + 5]
    assert draft == ["dossiers:", "  received_online:", '    aliases: ["Số hồ sơ tiếp nhận / Nộp qua mạng điện tử"]',
                     "  received_offline:", '    aliases: ["Số hồ sơ tiếp nhận / Nộp trực tiếp, qua bưu chính"]']
    (ws / "columns.yaml").write_text("\n".join(draft) + "\n", encoding="utf-8")
    from dx_metrics import read_export, workspace

    workspace.activate(workspace.current())
    df = read_export(ws / "data" / "raw" / "tiep_nhan.xlsx", "dossiers", strict=False)
    assert df["received_online"].tolist() == [60, 20] and df["received_total"].tolist() == [100, 50]


def test_validate_in_a_workspace_notes_its_own_registry(tmp_path, monkeypatch, capsys):
    main(["init", str(tmp_path / "ws")])
    ws = tmp_path / "ws"
    # the workspace renames a bundled unit in English: said before anything is read
    (ws / "units.csv").write_text("unit_id,name_vi,name_en,kind,parent_id,valid_from,valid_to,successor_id,"
                                  "name_variants\nbaclieu_dot_office,Văn phòng Sở Giao thông vận tải tỉnh Bạc Liêu,"
                                  "Office of the Department,division,baclieu_dot,,2025-02-28,,Văn phòng Sở|Văn phòng Sở GTVT\n",
                                  encoding="utf-8")
    monkeypatch.chdir(ws)
    capsys.readouterr()
    main(["validate", "data/raw/sgtvt_baclieu_mot_cua_2023.xlsx"])
    out = capsys.readouterr().out
    assert "note: units.csv: baclieu_dot_office replaces the bundled row (name_en differ" in out


def test_run_without_plan_files_fails_with_a_message(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["run", str(tmp_path / "empty")]) == 1
    assert "dx-metrics run: no plan files found" in capsys.readouterr().err


def test_units_suggest_on_an_unreadable_file_exits_2(tmp_path, capsys):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert main(["units", "suggest", str(path)]) == 2
    assert "empty.xlsx: the file is empty (0 bytes)" in capsys.readouterr().err


def test_units_suggest_when_every_unit_is_known(capsys):
    assert main(["units", "suggest", str(ROOT / "data" / "raw" / "sgtvt_baclieu_mot_cua_2023.xlsx")]) == 0
    assert "every unit in the file(s) is in the registry" in capsys.readouterr().err


def test_units_suggest_write_appends_on_a_line_of_its_own(tmp_path, capsys):
    rows = one_stop_rows([unit_row("Phòng Kiểm tra chất lượng", 10, 2)])
    path = write_sheet(tmp_path / "x.xlsx", rows)
    units = tmp_path / "units.csv"
    units.write_bytes(b"unit_id,name_vi,name_en,kind,parent_id,valid_from,valid_to,successor_id,name_variants")
    assert main(["units", "suggest", str(path), "--write", str(units)]) == 0
    lines = units.read_text("utf-8").splitlines()
    assert lines[0].endswith("name_variants") and len(lines) == 2
    assert "Phòng Kiểm tra chất lượng" in lines[1] and "baclieu_dot" in lines[1]
    assert "1 row(s) added to" in capsys.readouterr().err


def test_a_closed_pipe_ends_the_listing_quietly():
    run = subprocess.run(f"'{BIN / 'dx-metrics'}' indicators | head -1", shell=True, capture_output=True, text=True,
                         timeout=120)
    assert run.stdout.startswith("indicator_id") and "Traceback" not in run.stderr


@pytest.mark.parametrize("kw, said", [
    ({"langs": ["fr"]}, "language 'fr' is not one of vi, en"),
    ({"notebooks": ["dashboard"]}, "no notebook 'dashboard'"),
])
def test_expand_refuses_unknown_languages_and_notebooks(kw, said):
    with pytest.raises(ValueError, match=said):
        runner.expand([ROOT / "params" / "baclieu_dot_2023.yaml"], **kw)


@pytest.mark.parametrize("body, said", [
    ("runs: {plans: [a.yaml]}\n", "'runs:' must be a list of runs"),
    ("runs:\n  - {notebook: index_ranking}\n", "runs[0] needs 'plans:'"),
    ("runs:\n  - {plans: a.yaml}\n", "runs[0].plans must be a list of plan files or folders"),
])
def test_a_malformed_schedule_is_refused_naming_its_key(tmp_path, body, said):
    path = tmp_path / "schedule.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=said.replace("[", r"\[").replace("]", r"\]")):
        runner.expand([path])


def test_leftovers_of_dead_runs_are_tidied_and_live_ones_kept(tmp_path):
    final = tmp_path / "2023" / "p"
    final.mkdir(parents=True)
    (final / ".dx-metrics-run").write_text("", encoding="utf-8")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = final.parent / f".p.tmp-{dead.pid}"
    mine = final.parent / f".p.tmp-{os.getpid()}"        # this process's own leftover from an earlier run
    living = final.parent / ".p.tmp-1"                    # pid 1 is alive: another run's folder, kept
    for d in (gone, mine, living):
        d.mkdir()
    runner._claim(final)
    assert not gone.exists() and not mine.exists() and living.exists()
    stranger = tmp_path / "2023" / "q"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError, match="is not a dx_metrics report folder"):
        runner._claim(stranger)


def test_a_plan_whose_input_is_missing_fails_before_any_kernel_starts(tmp_path):
    plan = tmp_path / "p.yaml"
    plan.write_text("id: p\ntitle: Thử\nunit: baclieu_dot\nyear: 2023\ninputs:\n  - {path: nowhere.xlsx, kind: dossiers}\n",
                    encoding="utf-8")
    r = runner.run_plan(plan, out_root=tmp_path / "out", data_dir=tmp_path)
    assert r.status == "failed" and "input file(s) of the plan do not exist: nowhere.xlsx" in r.error
    assert not (tmp_path / "out" / "2023" / "p").exists()


def test_a_new_report_replaces_the_old_one_in_one_swap(tmp_path):
    final, tmp = tmp_path / "p", tmp_path / ".p.tmp-1"
    for d, text in ((final, "old"), (tmp, "new"), (tmp_path / "p.old", "older")):
        d.mkdir()
        (d / "summary.json").write_text(text, encoding="utf-8")
    runner._swap_into_place(tmp, final)
    assert (final / "summary.json").read_text("utf-8") == "new"
    assert not tmp.exists() and not (tmp_path / "p.old").exists()


def _report_folder(path: Path, text: str) -> Path:
    path.mkdir(parents=True)
    (path / ".dx-metrics-run").write_text("p\n", encoding="utf-8")
    (path / "summary.json").write_text(text, encoding="utf-8")
    return path


@pytest.mark.skipif(sys.platform == "win32", reason="making a symbolic link needs a privilege on Windows")
@pytest.mark.parametrize("linked", ["old", "report", "dangling"])
def test_a_link_beside_a_report_is_unlinked_never_followed(tmp_path, linked):
    # <name>.old (or <name> itself) a link to a report folder outside the output root: the swap
    # removes the link and leaves what it points at as it was (rmtree refused links and failed
    # every later run with "Cannot call rmtree on a symbolic link")
    root = tmp_path / "out"
    final = root / "2023" / "p"
    elsewhere = _report_folder(tmp_path / "elsewhere", "someone else's")
    if linked == "old":
        _report_folder(final, "last")
        final.with_name("p.old").symlink_to(elsewhere, target_is_directory=True)
    elif linked == "report":
        final.parent.mkdir(parents=True)
        final.symlink_to(elsewhere, target_is_directory=True)
    else:
        _report_folder(final, "last")
        final.with_name("p.old").symlink_to(tmp_path / "gone", target_is_directory=True)
    runner._claim(final)
    tmp = _report_folder(root / "2023" / ".p.tmp-1", "new")
    runner._swap_into_place(tmp, final)
    assert not final.is_symlink() and (final / "summary.json").read_text("utf-8") == "new"
    assert sorted(p.name for p in final.parent.iterdir()) == ["p"]
    assert (elsewhere / "summary.json").read_text("utf-8") == "someone else's"


def test_a_folder_named_like_the_swaps_old_that_is_not_a_report_is_refused_not_deleted(tmp_path):
    final = _report_folder(tmp_path / "2023" / "p", "last")
    mine = final.with_name("p.old")
    mine.mkdir()
    (mine / "notes.docx").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError, match="p.old exists and is not a dx_metrics report folder; the swap of a "
                                              "new report would remove it"):
        runner._claim(final)
    assert (mine / "notes.docx").read_text("utf-8") == "mine"


@pytest.mark.notebook
@pytest.mark.skipif(sys.platform == "win32", reason="making a symbolic link needs a privilege on Windows")
def test_a_run_whose_old_folder_is_a_link_succeeds(tmp_path):
    elsewhere = _report_folder(tmp_path / "elsewhere", "someone else's")
    out = tmp_path / "out"
    (out / "2022").mkdir(parents=True)
    (out / "2022" / "baclieu_dot_2022.old").symlink_to(elsewhere, target_is_directory=True)
    r = runner.run_plan(ROOT / "params" / "baclieu_dot_2022.yaml", out_root=out)
    assert (r.status, r.error) == ("ok", None)
    assert sorted(p.name for p in (out / "2022").iterdir()) == ["baclieu_dot_2022"]
    assert (elsewhere / "summary.json").read_text("utf-8") == "someone else's"


def test_validate_with_an_unknown_index_lists_the_catalogue(tmp_path, capsys):
    path = tmp_path / "x.csv"
    path.write_text("Tỉnh,Điểm\nHà Nội,0.5\n", encoding="utf-8")
    assert main(["validate", str(path), "--index", "Chỉ số hạnh phúc"]) == 2
    err = capsys.readouterr().err
    assert "'Chỉ số hạnh phúc' is not an index dx_metrics knows" in err and "PCI (" in err


def test_validate_with_an_unknown_scope_is_refused_with_close_ids(tmp_path, capsys):
    path = tmp_path / "x.csv"
    path.write_text("Đơn vị,Trực tuyến,Trực tiếp\nVăn phòng Sở,1,2\n", encoding="utf-8")
    assert main(["validate", str(path), "--kind", "dossiers", "--period", "2024", "--scope", "baclieu_dott"]) == 2
    assert "--scope 'baclieu_dott' is not a unit_id of the unit registry (close: baclieu_dot" in capsys.readouterr().err


def test_validate_suggest_on_a_file_that_cannot_be_opened_says_so_for_each_file(tmp_path, capsys):
    # the kind was read before it was guessed: --suggest on an unreadable first file raised
    # UnboundLocalError, and a later one took the kind guessed for the file before it
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    good = tmp_path / "notes.csv"
    good.write_text("Ngày,Nội dung\n01/02/2024,Họp giao ban\n", encoding="utf-8")
    assert main(["validate", str(broken), str(broken), "--suggest"]) == 2
    out = capsys.readouterr().out
    assert out.count("hong.xlsx") == 2 and "draft" not in out
