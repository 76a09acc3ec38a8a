"""The dx-metrics command line: what an analyst sees and the exit codes."""
import subprocess
import sys

from conftest import RAW, ROOT, one_stop_rows, unit_row, write_sheet
from dx_metrics.cli import main


def test_validate_clean_file_exits_0(capsys):
    assert main(["validate", str(RAW / "sgtvt_baclieu_mot_cua_2023.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "sgtvt_baclieu_mot_cua_2023.xlsx: dossiers, sheet Biểu 06a, period 2023, 4 valid row(s), 0 error(s)" in out


def test_validate_guesses_the_kind_of_each_sample(capsys):
    expected = {"sgtvt_baclieu_dich_vu_cong_2022.xlsx": "services", "bo_gtvt_nhiem_vu_nq17_2019.xlsx": "tasks",
                "sgtvt_baclieu_tu_danh_gia_2023.xlsx": "observations"}
    for name, kind in expected.items():
        assert main(["validate", str(RAW / name)]) == 0
        assert f"{name}: {kind}," in capsys.readouterr().out


def test_validate_problems_exit_1_with_a_table(tmp_path, capsys):
    rows = one_stop_rows([unit_row("Văn phòng Sở", 100, 60), ["Thanh tra Sở", 50, "N/A", 40, 0, 50, 0, 50, 0, 0, 0, 0]])
    path = write_sheet(tmp_path / "bad.xlsx", rows)
    assert main(["validate", str(path), "--kind", "dossiers"]) == 1
    out = capsys.readouterr().out
    assert "1 valid row(s), 1 error(s)" in out
    assert "severity  row  column" in out
    assert 'error     8    Số hồ sơ nhận giải quyết / Trực tuyến  N/A    "N/A" is not a count' in out


def test_validate_unreadable_exits_2(tmp_path, capsys):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    assert main(["validate", str(empty), "--kind", "dossiers"]) == 2
    assert "empty.xlsx: the file is empty (0 bytes)" in capsys.readouterr().out


def test_console_script_lists_indicators():
    exe = ROOT / ".venv" / "bin" / "dx-metrics"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "dx_metrics.cli"]
    out = subprocess.run(cmd + ["indicators"], capture_output=True, text=True, check=True).stdout
    assert "online_dossier_share" in out and "Tỷ lệ hồ sơ trực tuyến" in out


def test_validate_explain_says_how_each_column_was_read(tmp_path, capsys):
    rows = one_stop_rows([unit_row("Văn phòng Sở", 100, 60)])
    rows[5] = [*rows[5][:3], "TRUC TUYEN", *rows[5][4:]]     # without diacritics, in capitals
    rows[4] = [*rows[4], "Ghi chú"]                          # (copies: the header rows are shared)
    assert main(["validate", str(write_sheet(tmp_path / "a.xlsx", rows)), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "header on row 5; each column and how it was read:" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line[:1].isupper() and line[1:3] == "  "}
    assert "received_online" in lines["D"] and "alias 'truc tuyen'" in lines["D"]
    assert "row number (read past)" in lines["A"] or "stt" in lines["A"]
    assert "not read" in lines["N"] and "Ghi chú" in lines["N"]


QUARTERS = ["--sheet", "Quý I", "--sheet", "Quý II", "--sheet", "Quý III", "--sheet", "Quý IV"]


def test_review_of_a_plan_lists_each_flag_with_its_figures(capsys):
    assert main(["review", str(ROOT / "params" / "baclieu_dot_2024.yaml"), "--lang", "en"]) == 0   # flags inform
    out = capsys.readouterr().out
    assert out.startswith("199 values judged, 7 flag(s)\n")
    assert "a series of fewer than 11 values in a year (quarterly data) can never lie 3 standard deviations" in out
    assert ("[2c] Transport, Vehicles and Drivers Division, Q2 2024: Opening stock unlike last closing\n"
            "    200 dossiers carried over, but 188 were pending at the end of Q1 2024  "
            "(sgtvt_baclieu_mot_cua_quy_2024.xlsx, Quý II, row 9)") in out
    assert "Department Inspectorate              75%" in out


def test_review_names_the_registry_units_no_export_reports_on(capsys):
    # the 2023 one-stop report has four divisions; the registry lists a fifth, the inspectorate
    assert main(["review", str(RAW / "sgtvt_baclieu_mot_cua_2023.xlsx"), "--scope", "baclieu_dot", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert ("The unit registry lists Department Inspectorate under Bac Lieu Department of Transport, in no report "
            "of the inputs") in out
    assert main(["review", str(ROOT / "params" / "baclieu_dot_2023.yaml"), "--lang", "vi"]) == 0
    assert "Danh mục đơn vị có Thanh tra Sở Giao thông vận tải tỉnh Bạc Liêu trực thuộc" in capsys.readouterr().out


def test_review_of_exports_reads_each_sheet_named(capsys):
    assert main(["review", str(RAW / "sgtvt_baclieu_mot_cua_quy_2024.xlsx"), *QUARTERS, "--lang", "vi"]) == 0
    out = capsys.readouterr().out
    assert "sgtvt_baclieu_mot_cua_quy_2024.xlsx, Quý III: dossiers, đã đọc 4 dòng" in out
    assert "199 giá trị được xem xét, 7 dấu hiệu" in out
    assert "90,00% bằng 3,57 lần trung bình 25,24% của Quý I/2024, Quý II/2024, Quý III/2024" in out


def test_review_refuses_a_plan_with_files_and_a_missing_file(capsys):
    assert main(["review", str(ROOT / "params" / "baclieu_dot_2024.yaml"), str(RAW / "x.xlsx")]) == 2
    assert "give one plan file, or export files, not both" in capsys.readouterr().err
    assert main(["review", str(RAW / "nothing_here.xlsx")]) == 2
    out = capsys.readouterr().out
    assert "nothing_here.xlsx: the file" in out and "does not exist" in out


def test_run_passes_focus_and_peer_group_to_the_ranking_report_only(monkeypatch, capsys):
    from dx_metrics import runner

    seen = []
    monkeypatch.setattr(runner, "prepare", lambda jobs, data_dir=None, workers=1: [])
    monkeypatch.setattr(runner, "run_batch", lambda jobs, **kw: seen.extend(jobs) or [])
    main(["run", str(ROOT / "params" / "mot_nq17_2019.yaml"), "--notebook", "index_ranking", "--notebook",
          "yearly_plan_evaluation", "--focus", "Bộ Giao thông vận tải", "--focus", "VNM", "--peer-group", "asean"])
    by_notebook = {j.notebook: j.parameters for j in seen}
    assert by_notebook["index_ranking"] == {"focus": ["Bộ Giao thông vận tải", "VNM"], "peer_group": "asean"}
    assert by_notebook["yearly_plan_evaluation"] == {}


def test_review_of_one_export_given_twice_is_refused(capsys):
    path = str(RAW / "sgtvt_baclieu_mot_cua_2023.xlsx")
    assert main(["review", path, path]) == 2
    assert "the two inputs would be counted twice" in capsys.readouterr().out


def _count_parses(monkeypatch) -> dict[str, int]:
    """Count every whole pass over a file's cells: the sheet readers (calamine, openpyxl, text,
    the isolated child) and the scan of an xlsx's real extent that precedes them."""
    from dx_metrics.ingest import extent, workbook

    calls: dict[str, int] = {}

    def counted(module, name):
        real = getattr(module, name)

        def wrapper(*a, **k):
            calls[name] = calls.get(name, 0) + 1
            return real(*a, **k)
        monkeypatch.setattr(module, name, wrapper)

    for name in ("_read_calamine", "_read_openpyxl", "_read_text", "_read_isolated"):
        counted(workbook, name)
    counted(extent, "scan_xlsx")
    return calls


def test_validate_without_kind_parses_each_file_once(tmp_path, capsys, monkeypatch):
    """Guessing the kind and reading the table share one parse (issue 30): `validate` without
    --kind costs what it costs with it, and says the same; read again, the cache serves both
    the kind and the table."""
    from dx_metrics.ingest import workbook

    monkeypatch.setenv("DX_METRICS_CACHE", str(tmp_path / "cache"))     # nothing cached yet
    xlsx = write_sheet(tmp_path / "a.xlsx", one_stop_rows([unit_row("Văn phòng Sở", 100, 60)]))
    csv_path = tmp_path / "b.csv"
    csv_path.write_text("Unit;Period;Received total;Received online\r\nVăn phòng Sở;2023;1.200;300\r\n", "utf-8")
    for path in (xlsx, csv_path):                # neither read before: no cached parse serves them
        with monkeypatch.context() as mp:
            calls = _count_parses(mp)
            assert main(["validate", str(path)]) == 0
        without = capsys.readouterr().out
        assert sum(calls.get(n, 0) for n in ("_read_calamine", "_read_openpyxl", "_read_text")) == 1, calls
        assert calls.get("scan_xlsx", 0) == (1 if path.suffix == ".xlsx" else 0), calls
        assert main(["validate", str(path), "--kind", "dossiers"]) == 0
        assert capsys.readouterr().out == without
        workbook._READ.clear()                  # as in a new process
        with monkeypatch.context() as mp:
            calls = _count_parses(mp)
            assert main(["validate", str(path)]) == 0
        assert capsys.readouterr().out == without and not calls, calls
