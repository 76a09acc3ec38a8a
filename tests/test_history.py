"""The history store: runs recorded once, last year's figures when its exports are gone (and
labelled so), forgetting a source, a snapshot for analysts, concurrent writers."""
from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import dx_metrics as dx
from dx_metrics import history
from dx_metrics.pipeline import build_plan_report
from dx_metrics.report import write_outputs
from dx_metrics.report.outputs import record_history
from dx_metrics.pipeline import build_comparison, previous_report

from conftest import RAW, ROOT

EXPORT_2022 = "sgtvt_baclieu_mot_cua_2022.xlsx"


@pytest.fixture
def ws(tmp_path, monkeypatch) -> Path:
    """A workspace with the 2022 and 2023 sample plans and their exports, recording its history."""
    monkeypatch.delenv("DX_METRICS_HISTORY")
    (tmp_path / "params").mkdir()
    (tmp_path / "data" / "raw").mkdir(parents=True)
    for year in (2022, 2023):
        shutil.copy(ROOT / "params" / f"baclieu_dot_{year}.yaml", tmp_path / "params")
    for f in RAW.glob("sgtvt_baclieu_*20*.xlsx"):
        shutil.copy(f, tmp_path / "data" / "raw" / f.name)
    return tmp_path


def _store(ws: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(ws / "data" / "history.duckdb"), read_only=True)


def _record(ws: Path, year: int) -> None:
    r = build_plan_report(ws / "params" / f"baclieu_dot_{year}.yaml")
    write_outputs(r, ws / "outputs" / str(year), lang="en")


def _online(cmp: pd.DataFrame) -> pd.Series:
    return cmp[(cmp["indicator_id"] == "online_dossier_share") & (cmp["unit_id"] == "baclieu_dot")].iloc[0]


def test_year_over_year_with_last_years_export_deleted_takes_2022_from_the_history(ws):
    _record(ws, 2022)
    (ws / "data" / "raw" / EXPORT_2022).unlink()
    current = build_plan_report(ws / "params" / "baclieu_dot_2023.yaml")
    last = previous_report(current)
    assert last.recorded is not None and last.plan.plan_id == "baclieu_dot_2022"
    row = _online(build_comparison(current, last))
    # the seed's 2022 figure: 1.200 online of 6.400 newly received dossiers = 18,75 %
    assert row["value_previous"] == pytest.approx(0.1875)
    assert row["target_previous"] == pytest.approx(0.20)      # last year's plan, kept with its run
    assert row["value_current"] == pytest.approx(current.evaluation.set_index("indicator_id")
                                                 .loc["online_dossier_share", "actual"])
    assert row["note"].startswith("2022 figure from the history (recorded ")
    assert EXPORT_2022 in row["note"] and "sgtvt_baclieu_dich_vu_cong_2022.xlsx" in row["note"]
    said = dx.notes.say(dx.notes.decode(row["note_codes"]), "vi")
    assert said.startswith("số liệu năm 2022 lấy từ lịch sử (ghi ngày ")


def test_without_a_history_a_deleted_export_is_still_an_error(ws):
    (ws / "data" / "raw" / EXPORT_2022).unlink()
    current = build_plan_report(ws / "params" / "baclieu_dot_2023.yaml")
    with pytest.raises(FileNotFoundError, match=EXPORT_2022):
        previous_report(current)


def test_figures_read_from_the_files_carry_no_history_note(ws):
    _record(ws, 2022)
    current = build_plan_report(ws / "params" / "baclieu_dot_2023.yaml")
    last = previous_report(current)
    assert last.recorded is None
    row = _online(build_comparison(current, last))
    assert row["value_previous"] == pytest.approx(0.1875) and pd.isna(row["note"])


def test_a_run_is_recorded_once_and_its_figures_are_those_of_its_report(ws):
    _record(ws, 2022)
    _record(ws, 2022)
    _record(ws, 2023)
    con = _store(ws)
    assert con.execute("SELECT plan_id FROM runs ORDER BY plan_id").fetchall() == [("baclieu_dot_2022",),
                                                                               ("baclieu_dot_2023",)]
    files = sorted(r[0] for r in con.execute("SELECT file FROM sources").fetchall())
    assert files == sorted([EXPORT_2022, "sgtvt_baclieu_dich_vu_cong_2022.xlsx", "sgtvt_baclieu_mot_cua_2023.xlsx",
                            "sgtvt_baclieu_tu_danh_gia_2023.xlsx"])
    # the export's four divisions, once, with their Excel rows (9-12: column D of the sheet)
    rows = con.execute("SELECT unit_id, received_online, source_row FROM rows_dossiers WHERE source_id IN "
                   f"(SELECT source_id FROM sources WHERE file = '{EXPORT_2022}') ORDER BY source_row").fetchall()
    assert [(r[1], r[2]) for r in rows] == [(1024, 9), (96, 10), (40, 11), (40, 12)]
    summary = json.loads((ws / "outputs" / "2022" / "summary.json").read_text("utf-8"))
    stored = dict(con.execute("SELECT indicator_id, status FROM evaluations WHERE plan_id = 'baclieu_dot_2022'")
                  .fetchall())
    assert stored == {t["indicator_id"]: t["status"] for t in summary["targets"]}
    share = con.execute("SELECT value FROM observations_latest WHERE indicator_id = 'online_dossier_share' "
                    "AND unit_id = 'baclieu_dot' AND period = '2022'").fetchone()[0]
    assert share == pytest.approx(0.1875)
    assert not (ws / "outputs" / "2022" / history.PART_DIR).exists()


def test_forgetting_the_export_removes_its_rows_and_every_figure_computed_from_it(ws):
    _record(ws, 2022)
    _record(ws, 2023)
    removed = history.forget(EXPORT_2022, ws / "data" / "history.duckdb")
    assert removed["sources"] == 1 and removed["rows_dossiers"] == 4 and removed["runs"] == 1
    assert removed["run_evaluations"] == 4          # the 2022 plan's four targets
    con = _store(ws)
    assert con.execute("SELECT plan_id FROM runs").fetchall() == [("baclieu_dot_2023",)]
    assert sorted(r[0] for r in con.execute("SELECT file FROM sources").fetchall()) == [
        "sgtvt_baclieu_dich_vu_cong_2022.xlsx", "sgtvt_baclieu_mot_cua_2023.xlsx",
        "sgtvt_baclieu_tu_danh_gia_2023.xlsx"]
    con.close()
    (ws / "data" / "raw" / EXPORT_2022).unlink()
    with pytest.raises(FileNotFoundError):
        previous_report(build_plan_report(ws / "params" / "baclieu_dot_2023.yaml"))


def test_the_history_commands_list_show_and_forget(ws):
    _record(ws, 2022)
    store = str(ws / "data" / "history.duckdb")

    def run(*args):
        return subprocess.run([sys.executable, "-m", "dx_metrics.cli", "history", *args, "--store", store],
                              capture_output=True, text=True, cwd=ws)

    listed = run("list")
    assert listed.returncode == 0 and "2 source(s)" in listed.stdout and EXPORT_2022 in listed.stdout
    shown = run("show", EXPORT_2022)
    assert "baclieu_dot_2022" in shown.stdout and "sheet: Biểu 06a" in shown.stdout
    gone = run("forget", EXPORT_2022)
    assert gone.returncode == 0 and "1 row(s) of sources" in gone.stdout and "4 row(s) of rows_dossiers" in gone.stdout
    again = run("forget", EXPORT_2022)
    assert again.returncode == 1 and "no source 'sgtvt_baclieu_mot_cua_2022.xlsx' in the history" in again.stdout


def test_analysts_query_a_snapshot_that_never_blocks_a_run(ws):
    _record(ws, 2022)
    con = dx.open_history(ws / "data" / "history.duckdb")
    statuses = con.execute("SELECT indicator_id, status FROM evaluations ORDER BY indicator_id").fetchall()
    assert ("online_dossier_share", "not_achieved") in statuses       # 18,75 % against 20 %
    _record(ws, 2023)        # written while the analyst's connection is open
    assert con.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1        # a snapshot: as it was
    assert dx.open_history(ws / "data" / "history.duckdb").execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 2


def _merge(args):
    part, store = args
    return history.merge_part(part, store)


def test_four_runs_merging_at_once_leave_every_row_there_once(ws, tmp_path):
    parts = []
    store = tmp_path / "h.duckdb"
    for year in (2022, 2023):
        r = build_plan_report(ws / "params" / f"baclieu_dot_{year}.yaml")
        for lang in ("vi", "en"):           # two runs of each plan: the same run twice
            out = tmp_path / "parts" / f"{year}_{lang}"
            history.write_part(r, out)
            parts.append(out)
    expected = {p: json.loads((p / history.PART_DIR / "run.json").read_text())["run_id"] for p in parts}
    observations = {p: len(pd.read_parquet(p / history.PART_DIR / "run_observations.parquet")) for p in parts}
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        ids = pool.map(_merge, [(p, store) for p in parts])
    assert sorted(ids) == sorted(expected.values())
    con = duckdb.connect(str(store), read_only=True)
    assert con.execute("SELECT COUNT(*), COUNT(DISTINCT run_id) FROM runs").fetchone() == (2, 2)
    per_run = dict(con.execute("SELECT run_id, COUNT(*) FROM run_observations GROUP BY run_id").fetchall())
    assert per_run == {expected[p]: observations[p] for p in parts}
    assert con.execute("SELECT COUNT(*) - COUNT(DISTINCT source_id) FROM sources").fetchone()[0] == 0
    # each reading's rows once: the 2022 and 2023 one-stop exports' four divisions each
    assert con.execute("SELECT COUNT(*) FROM rows_dossiers").fetchone()[0] == 8


@pytest.mark.notebook
def test_a_batch_of_four_concurrent_runs_records_each_run_once_and_last_year_outlives_its_export(ws):
    from dx_metrics.runner import Job, run_batch

    plans = [ws / "params" / f"baclieu_dot_{y}.yaml" for y in (2022, 2023)]
    jobs = [Job(p, "yearly_plan_evaluation", lang) for p in plans for lang in ("vi", "en")]
    results = run_batch(jobs, workers=4)
    assert [r.status for r in results] == ["ok"] * 4 and not any(r.note for r in results)
    con = _store(ws)
    # vi and en runs of one plan read the same inputs and found the same: one run each
    assert con.execute("SELECT plan_id, COUNT(*) FROM runs GROUP BY 1 ORDER BY 1").fetchall() == [
        ("baclieu_dot_2022", 1), ("baclieu_dot_2023", 1)]
    assert con.execute("SELECT COUNT(*) - COUNT(DISTINCT source_id) FROM sources").fetchone()[0] == 0
    # each reading's rows once: the 2022 and 2023 one-stop exports' four divisions each
    assert con.execute("SELECT COUNT(*) FROM rows_dossiers").fetchone()[0] == 8
    twice = con.execute("SELECT COUNT(*) FROM (SELECT run_id, indicator_id, unit_id, period FROM run_observations "
                        "GROUP BY ALL HAVING COUNT(*) > 1)").fetchone()[0]
    assert twice == 0
    con.close()
    assert not any((r.output / history.PART_DIR).exists() for r in results)

    (ws / "data" / "raw" / EXPORT_2022).unlink()
    (r,) = run_batch([Job(plans[1], "year_over_year", "vi")])
    assert r.status == "ok", r.error
    cmp = pd.read_excel(r.output / "evaluation.xlsx", sheet_name="So với năm trước", engine="calamine")
    row = cmp[(cmp["Chỉ tiêu"] == "Tỷ lệ hồ sơ trực tuyến")
              & (cmp["Đơn vị"] == "Sở Giao thông vận tải tỉnh Bạc Liêu")].iloc[0]
    assert (row["Năm trước"], round(row["Năm nay"], 6)) == (0.1875, round(2076 / 6800, 6))
    assert any("số liệu năm 2022 lấy từ lịch sử" in str(v) for v in row.to_numpy())
    html = (r.output / "report.html").read_text("utf-8")
    assert "số liệu năm 2022 lấy từ lịch sử (ghi ngày " in html and EXPORT_2022 in html


@pytest.mark.notebook
def test_a_failed_run_records_nothing(ws):
    from dx_metrics.runner import run_plan

    plan = ws / "params" / "nothing_2022.yaml"
    plan.write_text("id: nothing_2022\ntitle: Kế hoạch không đo được\nunit: baclieu_dot\nyear: 2022\n"
                    "inputs:\n  - {path: raw/sgtvt_baclieu_mot_cua_2022.xlsx, kind: dossiers}\n"
                    "targets:\n  - {indicator: staff_dx_awareness_share, comparator: '>=', value: 70%}\n",
                    encoding="utf-8")
    r = run_plan(plan)
    assert r.status == "failed" and "no target could be evaluated" in r.error
    # its notebook ran to the end, yet nothing was written into the store or beside it
    assert sorted(p.name for p in (ws / "data").iterdir()) == ["raw"]


def _record_for(ws, export, units) -> None:
    """A 2023 plan per unit reading ``export``, each run and recorded."""
    for unit in units:
        (ws / "params" / f"{unit}.yaml").write_text(
            f"id: {unit}_2023\ntitle: Kế hoạch {unit}\nunit: {unit}\nyear: 2023\n"
            f"inputs:\n  - {{path: {export.name}, kind: dossier_records}}\n"
            "targets:\n  - {indicator: online_dossier_share, value: 30%}\n", encoding="utf-8")
        _record_plan(ws / "params" / f"{unit}.yaml", ws / "outputs" / unit)


def test_one_national_export_read_for_two_provinces_is_kept_once(ws, tmp_path):
    from test_units_in_context import _national_records

    export = _national_records(ws / "data")
    _record_for(ws, export, ("prov_95", "prov_96"))
    con = _store(ws)
    assert con.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 2
    assert con.execute("SELECT file, scope_free FROM sources").fetchall() == [("quoc_gia.xlsx", True)]
    assert con.execute("SELECT COUNT(*) FROM rows_dossier_records").fetchone()[0] == 30
    assert sorted(p.name for p in (ws / "data").iterdir()) == ["history.duckdb", "history.duckdb.lock", "quoc_gia.xlsx",
                                                                 "raw"]     # nothing else beside it


def _record_plan(plan: Path, out: Path) -> None:
    write_outputs(build_plan_report(plan), out, lang="en")


def test_a_report_written_for_the_runner_leaves_its_part_and_the_history_as_it_was(ws):
    """``dx-metrics run`` tells the notebook (record_history=False) to leave the run's part for it:
    nothing reaches the history until the runner merges the part, once the run has succeeded."""
    out = ws / "outputs" / "2022"
    write_outputs(build_plan_report(ws / "params" / "baclieu_dot_2022.yaml"), out, lang="en", record_history=False)
    assert (out / history.PART_DIR / "run.json").is_file()
    assert not (ws / "data" / "history.duckdb").exists()
    assert "history" not in json.loads((out / "summary.json").read_text("utf-8"))
    outcome = record_history(out)            # what the runner does after the run's last cell and its HTML
    assert outcome["recorded"] is True
    with _store(ws) as con:
        assert con.execute("SELECT plan_id FROM runs").fetchall() == [("baclieu_dot_2022",)]
    assert not (out / history.PART_DIR).exists()
    assert json.loads((out / "summary.json").read_text("utf-8"))["history"]["recorded"] is True


def test_a_merge_that_fails_keeps_the_part_for_the_next(ws, tmp_path, monkeypatch):
    store = tmp_path / "h.duckdb"
    r = build_plan_report(ws / "params" / "baclieu_dot_2022.yaml")
    history.write_part(r, tmp_path / "run")
    real = history._append

    def failing(con, table, df):
        if table == "run_evaluations":
            raise OSError(28, "No space left on device")
        real(con, table, df)

    monkeypatch.setattr(history, "_append", failing)
    with pytest.raises(history.HistoryUnavailable, match="there is no room on the disk for .*h.duckdb"):
        history.merge_part(tmp_path / "run", store)
    # kept, its rows too: nothing was committed
    assert len(list((tmp_path / "run" / history.PART_DIR / "rows").glob("*.parquet"))) == 2
    con = duckdb.connect(str(store), read_only=True)
    assert "runs" not in {t[0] for t in con.execute("SHOW TABLES").fetchall()}
    con.close()
    monkeypatch.setattr(history, "_append", real)
    history.merge_part(tmp_path / "run", store)
    con = duckdb.connect(str(store), read_only=True)
    assert con.execute("SELECT COUNT(*) FROM rows_dossiers").fetchone()[0] == 4
    assert con.execute("SELECT COUNT(*) FROM rows_services").fetchone()[0] > 0
    assert not (tmp_path / "run" / history.PART_DIR).exists()


def test_a_relative_history_path_means_the_same_file_in_the_kernel(tmp_path, monkeypatch):
    from dx_metrics import runner

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DX_METRICS_HISTORY", "h.duckdb")
    with runner._history_setting_absolute():
        assert os.environ["DX_METRICS_HISTORY"] == str(tmp_path / "h.duckdb")
    assert os.environ["DX_METRICS_HISTORY"] == "h.duckdb"


# --- the history is a side store: it never fails a report, and never says "recorded" when it was not

NOT_RECORDED = "not recorded in the history: "
HINT_WRITE = "; give the folder write access, or set DX_METRICS_HISTORY to a file in a folder that can be written"
DAMAGED_EN = (" is damaged: DuckDB cannot read it as a database; move it away (the next run starts a new history) "
              "or put back a copy")
DAMAGED_VI = (" bị hỏng: DuckDB không đọc được tệp này như một cơ sở dữ liệu; hãy chuyển tệp đi nơi khác (lần chạy "
              "sau sẽ tạo lịch sử mới) hoặc đặt lại một bản sao")
SQLITE_EN = " is a SQLite file, not a DuckDB history; move it away, or set DX_METRICS_HISTORY to another file"
LOCKED_EN = " is in use by another program ("


def _small_workspace(root: Path, *, data_is_a_file: bool = False) -> Path:
    """A marked workspace with the 2022 sample plan and its exports beside it (params/raw), so
    that ``data/`` may be anything, even a file."""
    (root / "params" / "raw").mkdir(parents=True)
    (root / "dx-workspace.yaml").write_text("version: 1\n", encoding="utf-8")
    shutil.copy(ROOT / "params" / "baclieu_dot_2022.yaml", root / "params")
    for name in (EXPORT_2022, "sgtvt_baclieu_dich_vu_cong_2022.xlsx"):
        shutil.copy(RAW / name, root / "params" / "raw" / name)
    if data_is_a_file:
        (root / "data").write_text("a file where the data folder should be", encoding="utf-8")
    else:
        (root / "data").mkdir()
    return root


def _sqlite_file(path: Path) -> Path:
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("CREATE TABLE runs (run_id TEXT)")
    con.commit()
    con.close()
    return path


def _damaged_file(path: Path) -> Path:
    import random

    path.write_bytes(random.Random(28).randbytes(8192))       # not DuckDB's header, nor any other
    return path


@contextlib.contextmanager
def _held_open(path: Path):
    """Another program (a DuckDB session) holding ``path`` open for writing; yields its pid."""
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               "con = duckdb.connect(sys.argv[1]); con.execute('CREATE TABLE IF NOT EXISTS t (a INT)')\n"
                               "print('held', flush=True); time.sleep(600)", str(path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()


def _history_of(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text("utf-8"))["history"]


@pytest.mark.notebook
def test_a_report_succeeds_and_says_why_when_its_history_cannot_be_kept(tmp_path, monkeypatch):
    # four workspaces whose data/history.duckdb cannot take a run: data/ is a file (nothing can
    # be written there), random bytes, a SQLite database, a store another program holds open
    from dx_metrics import notes
    from dx_metrics.runner import Job, run_batch

    monkeypatch.delenv("DX_METRICS_HISTORY")
    cannot = _small_workspace(tmp_path / "cannot_write", data_is_a_file=True)
    damaged = _small_workspace(tmp_path / "damaged")
    _damaged_file(damaged / "data" / "history.duckdb")
    foreign = _small_workspace(tmp_path / "sqlite")
    _sqlite_file(foreign / "data" / "history.duckdb")
    locked = _small_workspace(tmp_path / "locked")
    before = {ws: (ws / "data" / "history.duckdb").read_bytes() for ws in (damaged, foreign)}
    with _held_open(locked / "data" / "history.duckdb") as pid:
        results = run_batch([Job(ws / "params" / "baclieu_dot_2022.yaml") for ws in (cannot, damaged, foreign, locked)],
                            workers=2)
    by_ws = {r.output.parents[2]: r for r in results if r.output is not None}
    assert [r.status for r in results] == ["ok"] * 4, [r.error for r in results]
    for ws, r in by_ws.items():
        store = ws / "data" / "history.duckdb"
        said = _history_of(r.output)
        assert said["recorded"] is False and r.note == said["note"]        # the batch's table says it too
        if ws == cannot:
            assert said["note"] == f"{NOT_RECORDED}{store} cannot be written (Not a directory: {ws / 'data'}){HINT_WRITE}"
        elif ws == damaged:
            assert said["note"] == f"{NOT_RECORDED}{store}{DAMAGED_EN}"
            assert notes.say(said["note_codes"], "vi") == f"chưa được ghi vào lịch sử: {store}{DAMAGED_VI}"
        elif ws == foreign:
            assert said["note"] == f"{NOT_RECORDED}{store}{SQLITE_EN}"
        else:
            assert said["note"].startswith(f"{NOT_RECORDED}{store}{LOCKED_EN}IO Error: Could not set lock on file")
            assert f"(PID {pid})" in said["note"] and said["note"].endswith("); run again once it is closed")
        # the report is whole, and nothing was written into the store or beside it
        assert json.loads((r.output / "summary.json").read_text("utf-8"))["plan_id"] == "baclieu_dot_2022"
        assert (r.output / "report.html").is_file() and (r.output / "evaluation.xlsx").is_file()
        if ws in before:
            assert store.read_bytes() == before[ws]
            assert sorted(p.name for p in (ws / "data").iterdir()) == ["history.duckdb", "history.duckdb.lock"]


def _fill_disk(limit: int):
    """For a child process: files cannot grow beyond ``limit`` bytes (a disk that is full)."""
    def limited():
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return limited


@pytest.mark.notebook
@pytest.mark.skipif(sys.platform == "win32", reason="a full disk is simulated with a POSIX file size limit")
def test_a_run_that_reached_only_the_log_is_not_said_to_be_recorded(ws):
    _record(ws, 2022)
    store = ws / "data" / "history.duckdb"
    # room for the report (its largest file is under 1 MB) and the log, not for the history to grow
    run = [sys.executable, "-m", "dx_metrics.cli", "run", "params/baclieu_dot_2023.yaml"]
    full = subprocess.run(run, capture_output=True, text=True, cwd=ws, preexec_fn=_fill_disk(store.stat().st_size
                                                                                             + 100_000))
    assert full.returncode == 0, full.stdout + full.stderr
    out = ws / "outputs" / "2023" / "baclieu_dot_2023"
    said = _history_of(out)
    assert said["recorded"] is False
    assert said["note"].startswith(f"{NOT_RECORDED}the run reached only the write-ahead log history.duckdb.wal, not "
                                   f"{store} itself (")
    assert "File too large" in said["note"]
    assert said["note"].endswith("); DuckDB applies the log the next time the history is written, once the cause "
                                 "is removed")
    assert "the run reached only the write-ahead log" in full.stdout           # in the batch's table
    assert json.loads((out / "summary.json").read_text("utf-8"))["targets"]    # the report itself is whole
    # with room again, the next run applies the log: both years are in the file
    again = subprocess.run(run, capture_output=True, text=True, cwd=ws)
    assert again.returncode == 0 and _history_of(out)["recorded"] is True
    assert not (ws / "data" / "history.duckdb.wal").exists()
    assert _store(ws).execute("SELECT plan_id FROM runs ORDER BY 1").fetchall() == [("baclieu_dot_2022",),
                                                                                   ("baclieu_dot_2023",)]


@pytest.mark.parametrize("failure", ["read_only", "disk_full"])
def test_writing_outputs_where_the_history_cannot_be_written_keeps_the_report_and_says_why(ws, monkeypatch, failure):
    import builtins
    import errno

    store = ws / "data" / "history.duckdb"
    if failure == "read_only":             # the folder refuses every new file (root ignores chmod)
        def read_only(file, mode="r", *args, **kwargs):
            if any(c in mode for c in "wax+"):
                raise OSError(errno.EROFS, "Read-only file system", str(file))
            return builtins.open(file, mode, *args, **kwargs)
        monkeypatch.setattr(history, "open", read_only, raising=False)
        expected = f"{store} cannot be written (Read-only file system: {store}.lock){HINT_WRITE}"
    else:                                  # the disk fills up while the run is being added
        real = history._append

        def full(con, table, df):
            if table == "run_observations":
                raise OSError(errno.ENOSPC, "No space left on device")
            real(con, table, df)
        monkeypatch.setattr(history, "_append", full)
        expected = (f"there is no room on the disk for {store} (No space left on device); free some space and "
                    f"run again")
    out = ws / "outputs" / "2022"
    written = write_outputs(build_plan_report(ws / "params" / "baclieu_dot_2022.yaml"), out, lang="en")
    assert written["summary"].is_file() and written["workbook"].is_file()
    said = _history_of(out)
    assert said == {"recorded": False, "note": NOT_RECORDED + expected, "note_codes": said["note_codes"]}
    if failure == "disk_full":             # nothing half-added: the transaction was rolled back
        assert _store(ws).execute("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'runs'"
                                  ).fetchone()[0] == 0


def test_a_recorded_run_is_said_recorded_with_its_id(ws):
    _record(ws, 2022)
    said = _history_of(ws / "outputs" / "2022")
    assert said["recorded"] is True
    assert _store(ws).execute("SELECT run_id FROM runs").fetchall() == [(said["run_id"],)]


@pytest.mark.skipif(sys.platform == "win32", reason="the other writer holds its lock with fcntl")
def test_a_writer_that_never_lets_go_of_the_lock_becomes_a_note_not_a_hang(ws, tmp_path):
    # another dx-metrics process holding history.duckdb.lock: the merge waits LOCK_WAIT, then says so
    r = build_plan_report(ws / "params" / "baclieu_dot_2022.yaml")
    out = tmp_path / "run"
    write_outputs(r, out, lang="en")          # recorded at once: the part is gone, write another
    history.write_part(r, out)
    store = ws / "data" / "history.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys, time\n"
                               "f = open(sys.argv[1], 'a+'); fcntl.flock(f, fcntl.LOCK_EX)\n"
                               "print('held', flush=True); time.sleep(600)", f"{store}.lock"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        code = ("import sys; from pathlib import Path\nfrom dx_metrics import history, runner\n"
                "history.LOCK_WAIT = 0.5\n"
                "r = runner.record_history(runner.RunResult('p', 'ok', 1.0, Path(sys.argv[1])))\nprint(r.note)")
        done = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, timeout=120)
    finally:
        holder.kill()
        holder.wait()
    assert done.stdout.strip() == (f"{NOT_RECORDED}{store} is in use by another program (history.duckdb.lock held by "
                                   f"another dx-metrics process for 0.5 s); run again once it is closed")


def test_a_file_windows_says_is_used_by_another_process_is_said_locked_not_read_only(tmp_path):
    store = tmp_path / "history.duckdb"
    windows = PermissionError(13, "The process cannot access the file because it is being used by another process",
                              str(store))
    said = str(history.HistoryUnavailable(history._cause(windows, store)))
    assert said == (f"{store} is in use by another program (The process cannot access the file because it is being "
                    f"used by another process: {store}); run again once it is closed")


def test_history_commands_on_a_store_that_cannot_be_read_say_why_in_one_paragraph(tmp_path):
    damaged = _damaged_file(tmp_path / "damaged.duckdb")
    foreign = _sqlite_file(tmp_path / "foreign.duckdb")
    held = tmp_path / "held.duckdb"

    def run(*args):
        return subprocess.run([sys.executable, "-m", "dx_metrics.cli", "history", *args], capture_output=True,
                              text=True, cwd=tmp_path, timeout=120)

    for store, said in ((damaged, f"{damaged}{DAMAGED_EN}"), (foreign, f"{foreign}{SQLITE_EN}")):
        for args in (["list"], ["show", "x"], ["forget", "x"]):
            r = run(*args, "--store", str(store))
            assert (r.returncode, r.stdout, r.stderr) == (2, "", f"dx-metrics history: {said}\n"), args
    with _held_open(held) as pid:
        for args in (["list"], ["show", "x"], ["forget", "x"]):
            r = run(*args, "--store", str(held))
            assert r.returncode == 2 and r.stdout == "" and len(r.stderr.splitlines()) == 1, r.stderr
            assert r.stderr.startswith(f"dx-metrics history: {held}{LOCKED_EN}IO Error: Could not set lock on file")
            assert f"(PID {pid})" in r.stderr and r.stderr.endswith("); run again once it is closed\n")
    assert foreign.read_bytes().startswith(b"SQLite format 3\x00") and damaged.read_bytes() == \
        _damaged_file(tmp_path / "again.duckdb").read_bytes()


def test_duckdb_never_installs_or_loads_an_extension_on_its_own(tmp_path):
    # given a SQLite file, DuckDB would fetch its sqlite extension from the internet
    from dx_metrics.ingest import dataset

    lite = _sqlite_file(tmp_path / "lite.db")
    con = dataset.connect()
    with pytest.raises(duckdb.Error) as e:
        con.execute("ATTACH ? AS lite (TYPE sqlite)", [str(lite)])
    assert "download" not in str(e.value).lower() and "Install it first" in str(e.value)
    duckdb.connect(str(tmp_path / "h.duckdb")).close()
    store = history._open(tmp_path / "h.duckdb", read_only=True)
    for c in (con, store):
        assert c.execute("SELECT current_setting('autoinstall_known_extensions'), "
                         "current_setting('autoload_known_extensions')").fetchone() == (False, False)
    store.close()


def test_open_history_leaves_no_copy_behind(ws, tmp_path, monkeypatch):
    import tempfile

    _record(ws, 2022)
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    beside = sorted(p.name for p in (ws / "data").iterdir())
    # five snapshots open at once, none closed: not one file in the temporary folder or beside the store
    cons = [dx.open_history(ws / "data" / "history.duckdb") for _ in range(5)]
    assert [c.execute("SELECT COUNT(*) FROM runs").fetchone() for c in cons] == [(1,)] * 5
    assert list(private.iterdir()) == []
    assert sorted(p.name for p in (ws / "data").iterdir()) == beside
    for c in cons:
        c.close()


def test_the_history_view_of_a_damaged_store_says_so_instead_of_failing(ws):
    from dx_metrics.report import view

    store = _damaged_file(ws / "data" / "history.duckdb")
    shown = view.history(build_plan_report(ws / "params" / "baclieu_dot_2022.yaml"), "vi")
    assert shown.data == f"<p>{store}{DAMAGED_VI}</p>"


# --- forgetting: exact ids, a prefix only when asked, never a wildcard

@pytest.fixture
def two_sources(ws) -> tuple[Path, dict[str, str]]:
    """The 2022 run recorded: its two sources' ids by file."""
    _record(ws, 2022)
    ids = dict(_store(ws).execute("SELECT file, source_id FROM sources").fetchall())
    assert len(ids) == 2 and all(len(i) == 20 for i in ids.values())
    return ws / "data" / "history.duckdb", ids


def _cli_history(store: Path, *args, answer: str | None = None):
    """The command as a script runs it: stdin is no terminal (empty, or ``answer`` piped in)."""
    return subprocess.run([sys.executable, "-m", "dx_metrics.cli", "history", *args, "--store", str(store)],
                          capture_output=True, text=True, timeout=120,
                          **({"input": answer} if answer is not None else {"stdin": subprocess.DEVNULL}))


def _files_left(store: Path) -> list[str]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return sorted(r[0] for r in con.execute("SELECT file FROM sources").fetchall())
    finally:
        con.close()


@pytest.mark.parametrize("named", ["_", "%", "%%", "_%"])
def test_forget_takes_no_wildcard(two_sources, named):
    store, ids = two_sources
    r = _cli_history(store, "forget", named)
    assert (r.returncode, r.stdout) == (1, f"no source {named!r} in the history; `dx-metrics history list` lists them\n")
    r = _cli_history(store, "forget", named, "--prefix", "--yes")
    assert (r.returncode, r.stdout) == (1, f"no source id begins with {named!r}; `dx-metrics history list` lists "
                                           f"them\n")
    assert _files_left(store) == sorted(ids)


def test_forget_takes_an_exact_id_and_the_first_characters_only_with_prefix(two_sources):
    store, ids = two_sources
    sid = ids[EXPORT_2022]
    r = _cli_history(store, "forget", sid[:6])
    assert r.returncode == 1 and f"no source {sid[:6]!r} in the history" in r.stdout
    assert _files_left(store) == sorted(ids)
    r = _cli_history(store, "forget", sid)
    assert r.returncode == 0 and r.stdout.startswith(f"forgot {sid}: ") and "1 row(s) of sources" in r.stdout
    assert _files_left(store) == ["sgtvt_baclieu_dich_vu_cong_2022.xlsx"]


def test_forget_with_a_prefix_counts_and_refuses_without_a_terminal_or_yes(two_sources):
    store, ids = two_sources
    sid = ids[EXPORT_2022]
    r = _cli_history(store, "forget", sid[:6], "--prefix")
    assert r.returncode == 1
    assert r.stdout.startswith(f"1 source(s) whose id begins with {sid[:6]!r}, read by 1 run(s), would be removed "
                               f"with every figure computed from them:\n")
    assert sid in r.stdout and EXPORT_2022 in r.stdout and r.stdout.endswith("nothing removed\n")
    assert r.stderr == "not asking without a terminal: pass --yes to remove them\n"
    assert _files_left(store) == sorted(ids)
    r = _cli_history(store, "forget", sid[:6], "--prefix", answer="y\n")      # a script's "y" is no answer
    assert r.returncode == 1 and _files_left(store) == sorted(ids)
    r = _cli_history(store, "forget", sid[:6], "--prefix", "--yes")
    assert r.returncode == 0
    # the export's four divisions, the plan's four targets, the run's two sources, the run, the source
    assert r.stdout.splitlines()[-1].startswith(f"forgot {sid[:6]}: 4 row(s) of rows_dossiers, 4 row(s) of "
                                                "run_evaluations, ")
    assert r.stdout.endswith("2 row(s) of run_sources, 1 row(s) of runs, 1 row(s) of sources\n")
    assert _files_left(store) == ["sgtvt_baclieu_dich_vu_cong_2022.xlsx"]


@pytest.mark.parametrize("answer, left", [("y\n", 1), ("n\n", 2), ("\n", 2)])
def test_forget_with_a_prefix_asks_a_person_at_the_terminal(two_sources, monkeypatch, capsys, answer, left):
    import io

    from dx_metrics.cli import main

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    store, ids = two_sources
    monkeypatch.setattr(sys, "stdin", Terminal(answer))
    code = main(["history", "forget", ids[EXPORT_2022][:4], "--prefix", "--store", str(store)])
    out = capsys.readouterr().out
    assert "remove them? [y/N] " in out and code == (0 if left == 1 else 1)
    assert len(_files_left(store)) == left


def _readme_history_examples() -> tuple[list[str], list[list[str]]]:
    """The README's history examples as a new user types them: the plans its blocks run first
    (to have a history) and each `dx-metrics history` command's arguments."""
    import re
    import shlex

    plans, commands = [], []
    for block in re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text("utf-8"), re.S):
        lines = [shlex.split(line, comments=True) for line in block.replace("\\\n", " ").splitlines()
                 if "dx-metrics " in line]
        said = [words[1:] for words in lines if words and words[0].endswith("dx-metrics")]
        if any(w[:1] == ["history"] for w in said):
            plans += [w[1] for w in said if w[:1] == ["run"]]
            commands += [w[1:] for w in said if w[:1] == ["history"]]
    return plans, commands


def test_the_readmes_history_examples_work_as_written(ws, tmp_path_factory):
    # issue 25, item 6: on a fresh clone the README's `history show` failed (nothing recorded
    # yet, and `make report` never reads the 2022 export it names)
    import re

    plans, commands = _readme_history_examples()
    assert plans and any(c[0] == "show" for c in commands) and any(c[0] == "forget" for c in commands)
    here = tmp_path_factory.mktemp("stores")

    def run(args, store):
        # this checkout's package, wherever the interpreter was installed from
        env = {**os.environ, "DX_METRICS_HISTORY": str(store), "PYTHONPATH": str(ROOT)}
        return subprocess.run([sys.executable, "-m", "dx_metrics.cli", "history", *args], capture_output=True,
                              text=True, cwd=ws, env=env, stdin=subprocess.DEVNULL, timeout=120)

    # before any run: each command says there is nothing yet and how to record, no traceback
    for args in commands:
        r = run(args, here / "none.duckdb")
        assert "Traceback" not in r.stderr and not (here / "none.duckdb").exists(), args
        if args[0] == "list":
            assert r.returncode == 0 and "no history yet" in r.stdout and "dx-metrics run" in r.stdout
        else:
            assert r.returncode == 1 and r.stdout.startswith("nothing recorded yet: there is no history at "), args
            assert "run a plan first (dx-metrics run params/<plan>.yaml)" in r.stdout and "history list" in r.stdout
    # after the README's runs: each command as written (a source id as `history list` shows it,
    # the README's own id standing for the real one), each on the same recorded history
    for plan in plans:
        r = build_plan_report(ws / plan)
        write_outputs(r, ws / "outputs" / Path(plan).stem, lang="en")
    recorded = ws / "data" / "history.duckdb"
    ids = history.sources(recorded).set_index("file")["source_id"]
    real = ids[EXPORT_2022]
    for n, args in enumerate(commands):
        store = here / f"{n}" / "history.duckdb"
        store.parent.mkdir()
        for f in recorded.parent.glob("history.duckdb*"):
            shutil.copy(f, store.parent / f.name)
        args = [real[:len(a)] if re.fullmatch(r"[0-9a-f]{4,20}", a) else a for a in args]
        r = run(args, store)
        assert "Traceback" not in r.stderr, (args, r.stderr)
        if "--prefix" in args and "--yes" not in args:       # a script is never asked: it is told --yes
            assert (r.returncode, r.stderr.strip()) == (1, "not asking without a terminal: pass --yes to remove them")
            continue
        assert r.returncode == 0, (args, r.stdout, r.stderr)
        if args[0] == "show":
            assert "baclieu_dot_2022" in r.stdout
        if args[0] == "forget":
            assert f"forgot {args[1]}: " in r.stdout and EXPORT_2022 not in set(history.sources(store)["file"])


def _correct_2022_export(ws: Path) -> None:
    """The 2022 export re-issued with the first division's online count corrected:
    1.024 → 1.344 online (4.096 → 3.776 in person), the total row 1.200 → 1.520 online."""
    import openpyxl

    path = ws / "data" / "raw" / EXPORT_2022
    wb = openpyxl.load_workbook(path)
    sheet = wb.worksheets[0]
    assert (sheet["D9"].value, sheet["E9"].value, sheet["D13"].value, sheet["E13"].value) == \
        ("1.024", "4.096", "1.200", "5.200")
    sheet["D9"], sheet["E9"], sheet["D13"], sheet["E13"] = "1.344", "3.776", "1.520", "4.880"
    wb.save(path)


def test_year_over_year_takes_the_newest_run_of_a_plan_year_a_corrected_rerun_replaces_the_first(ws):
    _record(ws, 2022)                       # 1.200 online of 6.400 = 18,75 %
    _correct_2022_export(ws)
    _record(ws, 2022)                       # the corrected re-run: 1.520 of 6.400 = 23,75 %
    con = _store(ws)
    assert con.execute("SELECT COUNT(*) FROM runs WHERE plan_id = 'baclieu_dot_2022'").fetchone() == (2,)
    con.close()
    (ws / "data" / "raw" / EXPORT_2022).unlink()
    current = build_plan_report(ws / "params" / "baclieu_dot_2023.yaml")
    last = previous_report(current)
    assert last.recorded is not None
    assert _online(build_comparison(current, last))["value_previous"] == pytest.approx(1520 / 6400)
    figures = history.target_figures(ws / "data" / "history.duckdb")
    mine = figures[(figures["indicator_id"] == "online_dossier_share") & (figures["year"] == 2022)]
    assert mine["actual"].tolist() == [pytest.approx(0.2375)]


def test_a_file_whose_reading_depends_on_the_unit_is_stored_once_per_unit_with_each_readings_rows(ws):
    from test_units_in_context import _national_records

    # "Văn phòng Sở" under a portal's title names a division of whichever department reads it:
    # the reading for baclieu_dot's plan and that for prov_96's differ, and both are kept
    export = _national_records(ws / "data", names=("Văn phòng Sở",))
    _record_for(ws, export, ("baclieu_dot", "prov_96"))
    con = _store(ws)
    stored = con.execute("SELECT scope_id, scope_free FROM sources ORDER BY scope_id").fetchall()
    assert stored == [("baclieu_dot", False), ("prov_96", False)]
    # 30 rows each: the second reading's rows are there beside the first's
    counts = con.execute("SELECT s.scope_id, COUNT(*) FROM rows_dossier_records r JOIN sources s USING (source_id) "
                         "GROUP BY ALL ORDER BY 1").fetchall()
    assert counts == [("baclieu_dot", 30), ("prov_96", 30)]
