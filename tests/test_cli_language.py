"""The command line speaks the analyst's language: Vietnamese unless asked otherwise, help in
plain words with examples, the usual mistakes named with what was meant (issue 25).

The suite runs with DX_METRICS_LANG=en (its older tests read English); each test here says
which language it expects."""
from __future__ import annotations

import ast
import re
import subprocess
import sys

import pytest

from conftest import RAW, ROOT
from dx_metrics import messages


def _cli(*args, lang: str | None = None, cwd=None, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    import os

    env = dict(os.environ, **(env_extra or {}))
    env.pop("DX_METRICS_LANG", None)
    if lang is not None:
        env["DX_METRICS_LANG"] = lang
    return subprocess.run([sys.executable, "-m", "dx_metrics.cli", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def test_version_is_the_packages():
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    run = _cli("--version")
    assert (run.returncode, run.stdout.strip()) == (0, f"dx-metrics {version}")


def test_help_is_vietnamese_plain_and_shows_examples():
    run = _cli("--help")
    assert run.returncode == 0 and run.stdout.startswith("cách dùng: dx-metrics")
    assert "đọc các tệp báo cáo" in run.stdout and "Ví dụ:" in run.stdout
    assert "`" not in run.stdout and "positional arguments" not in run.stdout and "options:" not in run.stdout
    for command in ("validate", "run", "review", "import-records", "init", "indicators"):
        vi, en = _cli(command, "--help"), _cli(command, "--help", "--lang", "en")
        assert vi.returncode == en.returncode == 0, command
        assert "Ví dụ:" in vi.stdout and f"dx-metrics {command}" in vi.stdout.split("Ví dụ:")[1], command
        assert "Examples:" in en.stdout and "tùy chọn" in vi.stdout and "options" in en.stdout, command
        assert "`" not in vi.stdout, command
    for words in (["units", "find", "--help"], ["units", "--help"], ["history", "forget", "--help"]):
        assert _cli(*words).returncode == 0, words


def test_every_argument_has_help():
    from dx_metrics.cli import _parser

    def walk(parser):
        for action in parser._actions:
            if isinstance(action.choices, dict):          # a command's subcommands
                for sub in action.choices.values():
                    yield from walk(sub)
            elif action.dest not in ("help", "command", "units_command", "history_command"):
                yield parser.prog, action

    for lang in ("vi", "en"):
        bare = [f"{prog} {a.option_strings or a.dest}" for prog, a in walk(_parser(lang)) if not a.help]
        assert bare == [], lang


@pytest.mark.parametrize("args, lang, said", [
    (["validat", "x.xlsx"], None, "dx-metrics: không có lệnh 'validat' (có phải ý bạn là validate?). Các lệnh: "),
    (["validat", "x.xlsx"], "en", "dx-metrics: there is no command 'validat' (did you mean validate?). The commands: "),
    (["validate"], None, "dx-metrics validate: thiếu tham số bắt buộc: paths. Xem dx-metrics validate --help."),
    (["run", "p.yaml", "--jobs", "two"], None, "dx-metrics run: tham số --jobs: 'two' không phải giá trị hợp lệ."),
])
def test_a_usual_slip_on_the_command_line_is_said_with_what_was_meant(args, lang, said):
    run = _cli(*args, lang=lang)
    assert run.returncode == 2 and run.stderr.startswith(said), run.stderr
    assert "Traceback" not in run.stderr and "usage:" not in run.stderr


def test_validate_speaks_vietnamese_by_default_and_english_when_asked(tmp_path):
    from conftest import one_stop_rows, unit_row, write_sheet

    clean = _cli("validate", RAW / "sgtvt_baclieu_mot_cua_2023.xlsx")
    assert clean.returncode == 0
    assert clean.stdout.strip() == ("sgtvt_baclieu_mot_cua_2023.xlsx: dossiers, trang tính Biểu 06a, kỳ 2023, "
                                    "4 dòng hợp lệ, 0 lỗi, 0 cảnh báo")
    en = _cli("validate", RAW / "sgtvt_baclieu_mot_cua_2023.xlsx", "--lang", "en")
    assert en.stdout.strip().endswith("period 2023, 4 valid row(s), 0 error(s), 0 warning(s)")
    # a count that is no count, at its row: the table and the problem in Vietnamese
    rows = one_stop_rows([unit_row("Văn phòng Sở", 100, 60), unit_row("Thanh tra Sở", 50, 10)], footer=False)
    rows[6][3] = "N/A"
    bad = write_sheet(tmp_path / "bad.xlsx", rows)
    run = _cli("validate", bad, "--kind", "dossiers")
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert lines[1].split() == ["mức", "độ", "dòng", "cột", "giá", "trị", "vấn", "đề"]
    assert any(re.match(r"lỗi\s+7\s+Số hồ sơ nhận giải quyết / Trực tuyến\s+N/A\s+\"N/A\" không phải số đếm "
                        r"\(cần số nguyên ≥ 0\)", x) for x in lines), run.stdout


def test_the_language_comes_from_the_command_then_the_setting_then_the_workspace(tmp_path):
    from dx_metrics.cli import main

    main(["init", str(tmp_path / "ws"), "--lang", "en"])
    ws = tmp_path / "ws"
    marker = ws / "dx-workspace.yaml"
    marker.write_text(marker.read_text("utf-8") + "lang: en\n", "utf-8")
    export = ws / "data" / "raw" / "sgtvt_baclieu_mot_cua_2023.xlsx"
    assert "4 valid row(s)" in _cli("validate", export, cwd=ws).stdout                 # the workspace says en
    assert "4 dòng hợp lệ" in _cli("validate", export, cwd=ws, lang="vi").stdout       # the setting wins
    assert "4 valid row(s)" in _cli("validate", export, "--lang", "en", cwd=ws, lang="vi").stdout   # the command wins
    assert "4 dòng hợp lệ" in _cli("validate", export, cwd=tmp_path).stdout           # no workspace: Vietnamese


def test_a_run_says_why_it_failed_in_the_tables_language(tmp_path):
    plans = tmp_path / "params"
    plans.mkdir(parents=True)
    (tmp_path / "data").mkdir()
    (plans / "p.yaml").write_text("id: p_2023\ntitle: Thử\nunit: baclieu_dot\nyear: 2023\ninputs:\n"
                                  "  - {path: raw/gone.xlsx, kind: dossiers}\n"
                                  "targets:\n  - {indicator: online_dossier_share, value: 20%}\n", encoding="utf-8")
    run = _cli("run", plans / "p.yaml", "--out", tmp_path / "out")
    assert run.returncode == 1
    row = next(x for x in run.stdout.splitlines() if x.startswith("p_2023"))
    assert " lỗi " in row and "không có tệp đầu vào của kế hoạch: raw/gone.xlsx (đã tìm cạnh tệp kế hoạch" in row
    assert "0 thành công, 1 lỗi, trong" in run.stdout
    assert run.stdout.splitlines()[0].startswith("dx-metrics: 1 lượt chạy, 1 lượt cùng lúc")


def test_units_find_looks_an_id_up_by_name_with_or_without_marks():
    run = _cli("units", "find", "so giao thong van tai bac lieu")
    assert run.returncode == 0
    lines = run.stdout.splitlines()
    assert lines[0] == "3 đơn vị khớp với 'so giao thong van tai bac lieu':"
    assert lines[3].split()[:1] == ["baclieu_dot"] and "28/02/2025" in lines[3] and lines[3].endswith("baclieu_doc")
    none = _cli("units", "find", "Sở Du lịch sao Hỏa")
    assert none.returncode == 1 and none.stdout.startswith("không đơn vị nào khớp với 'Sở Du lịch sao Hỏa'")
    under = _cli("units", "list", "--under", "baclieu_dot", "--lang", "en")
    assert under.returncode == 0 and "baclieu_dot_office" in under.stdout and "baclieu_dot_inspect" in under.stdout
    typo = _cli("units", "list", "--under", "baclieu_dott")
    assert typo.returncode == 2 and "(có phải ý bạn là baclieu_dot?)" in typo.stderr


def test_every_message_says_the_same_figures_in_both_languages():
    for section in ("cli", "help"):
        for code in messages.catalogue()[section]:
            f = messages.fields(code, section)
            assert f["vi"] == f["en"], (section, code)


def test_the_command_line_prints_no_sentence_of_its_own():
    """Every print of dx_metrics/cli.py and runner.py says a catalogue code (or shows a table, a
    problem or a figure as it is): no English sentence written into the code."""
    source = (ROOT / "dx_metrics" / "cli.py").read_text("utf-8")
    used = set(re.findall(r'_say\(args, "(\w+)"', source)) | set(re.findall(r'messages\.say\("(\w+)"', source))
    assert used <= set(messages.catalogue()["cli"]), used - set(messages.catalogue()["cli"])
    for path in (ROOT / "dx_metrics" / "cli.py", ROOT / "dx_metrics" / "runner.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print" and node.args:
                for text in _literals(node.args[0]):
                    # a YAML key of the columns.yaml draft is the file's syntax, not words
                    words = set(re.findall(r"[A-Za-z]{3,}", text)) - {"aliases"}
                    assert not words, (path.name, node.lineno, text)


def _literals(node):
    """The string constants of an expression, leaving out the codes given to the catalogue."""
    said_by = ("_say", "_head", "say", "_problem")
    if isinstance(node, ast.Call) and (getattr(node.func, "id", None) in said_by
                                       or getattr(node.func, "attr", None) in said_by):
        return
    if isinstance(node, ast.Subscript):               # found["runs"]: a key, not words
        yield from _literals(node.value)
        return
    if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in ("get", "pop"):     # o.get("columns")
        yield from _literals(node.func.value)
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    for child in ast.iter_child_nodes(node):
        yield from _literals(child)
