"""The pipeline layer (dx_metrics.pipeline): read -> compute -> evaluate -> review, once, for a
plan and for exports read as they are; the runner loads each plan once and records the history."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from conftest import RAW, ROOT
from dx_metrics import runner
from dx_metrics.pipeline import FileRead, build_plan_report, review_files

QUARTERLY = RAW / "sgtvt_baclieu_mot_cua_quy_2024.xlsx"
SHEETS = ["Quý I", "Quý II", "Quý III", "Quý IV"]


def test_files_reviewed_without_a_plan_are_reviewed_as_the_plan_that_reads_them():
    """The 2024 plan reads the quarterly one-stop workbook's four sheets; reviewing those sheets
    as files gives the same review (199 values judged, 7 flags: `dx-metrics review` of both)."""
    heard: list[FileRead] = []
    q, reads = review_files([QUARTERLY], sheets=SHEETS, scope="baclieu_dot", on_read=heard.append)
    # units listed above each sheet's total: three divisions, the office and the inspectorate, which sent
    # no Q3 report; none left out
    assert reads == heard == [FileRead(QUARTERLY.name, s, "dossiers", n, 0) for s, n in zip(SHEETS, [5, 5, 4, 5])]
    planned = build_plan_report(ROOT / "params" / "baclieu_dot_2024.yaml").quality
    assert (sum(q.judged.values()), q.flag_count) == (199, 7)
    assert (sum(planned.judged.values()), planned.flag_count) == (199, 7)


def test_a_file_with_no_known_table_is_heard_of_and_read_no_further(tmp_path):
    odd = tmp_path / "ghi_chu.csv"
    odd.write_text("ghi chú\nkhông phải bảng số liệu\n", encoding="utf-8")
    q, reads = review_files([odd])
    assert reads == [FileRead("ghi_chu.csv", None, None)]
    assert sum(q.judged.values()) == 0


def test_a_batch_loads_each_plan_once_in_its_process(monkeypatch, tmp_path):
    """prepare() and the runs of a batch used to load a plan three times in the runner's
    process (prepare's key, its reading, the run), the kernel a fourth: now once here."""
    loaded: list[str] = []
    real = runner.load_plan

    def counted(path):
        loaded.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(runner, "load_plan", counted)
    monkeypatch.setattr(runner, "_LOADED", {})
    # the run itself (a notebook in a kernel) is not what is counted here
    monkeypatch.setattr(runner, "_execute", lambda plan, plan_path, final, **kw: runner.RunResult(
        plan.plan_id, "ok", 0.0, None, None, kw["notebook"], kw["lang"]))
    jobs = [runner.Job(ROOT / "params" / "baclieu_dot_2022.yaml"), runner.Job(ROOT / "params" / "baclieu_dot_2023.yaml")]
    runner.prepare(jobs)
    results = runner.run_batch(jobs, out_root=tmp_path)
    assert [r.status for r in results] == ["ok", "ok"]
    assert sorted(loaded) == ["baclieu_dot_2022.yaml", "baclieu_dot_2023.yaml"]


def test_a_plan_changed_on_disk_is_loaded_again(monkeypatch, tmp_path):
    plan = tmp_path / "params" / "p.yaml"
    plan.parent.mkdir()
    text = (ROOT / "params" / "baclieu_dot_2023.yaml").read_text("utf-8")
    plan.write_text(text, "utf-8")
    monkeypatch.setattr(runner, "_LOADED", {})
    first = runner._load(plan)
    plan.write_text(text.replace("baclieu_dot_2023", "baclieu_dot_2023_b", 1) + "\n", "utf-8")
    second = runner._load(plan)
    assert (first.plan_id, second.plan_id) == ("baclieu_dot_2023", "baclieu_dot_2023_b")
    assert dataclasses.replace(second, plan_id=first.plan_id).targets == first.targets


def test_checking_a_folder_of_exports_parses_each_file_once(tmp_path, monkeypatch):
    """check_exports guesses each file's kind and reads it: one pass over its cells for both
    (it was two: the guess parsed the first rows, the reading the whole sheet again)."""
    from conftest import one_stop_rows, unit_row, write_sheet
    from dx_metrics.pipeline import check_exports
    from test_cli import _count_parses

    monkeypatch.setenv("DX_METRICS_CACHE", str(tmp_path / "cache"))       # nothing cached yet
    folder = tmp_path / "exports"
    folder.mkdir()
    write_sheet(folder / "a.xlsx", one_stop_rows([unit_row("Văn phòng Sở", 100, 60)]))
    calls = _count_parses(monkeypatch)
    checked = check_exports([folder])
    assert [(f.file, f.kind, f.rows, f.status) for f in checked.files] == [("a.xlsx", "dossiers", 1, "ok")]
    assert sum(calls.get(n, 0) for n in ("_read_calamine", "_read_openpyxl", "_read_text")) == 1, calls
    assert calls.get("scan_xlsx") == 1, calls
