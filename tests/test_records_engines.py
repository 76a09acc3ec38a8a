"""Dossier records counted by SQL engines (DuckDB over Parquet, Spark) against hand figures and
against the pandas path, row for row; Parquet record sets checked where they lie."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dx_metrics import compute_indicators, read_export
from dx_metrics.errors import DxDataError, problems_of
from dx_metrics.indicators import engines
from dx_metrics.indicators.records import aggregate_records
from dx_metrics.ingest.dataset import read_records

OFFICE, INFRA = "baclieu_dot_office", "baclieu_dot_infra"


def _hand_records() -> pd.DataFrame:
    t = pd.Timestamp
    rows = [  # id, received, channel, due, resolved
        ("d1", t("2023-01-10 08:00"), "online", t("2023-01-20"), t("2023-01-20 23:00")),   # on time: same day
        ("d2", t("2023-12-14 10:00"), "direct", t("2023-12-20"), t("2023-12-21 09:00")),   # late; Decree 09: 2024
        ("d3", t("2023-12-15 07:30"), "online", t("2024-01-05"), pd.NaT),                  # Decree 09 year 2024
        ("d4", t("2023-06-01 09:00"), "postal", pd.NaT, t("2023-07-01 10:00")),            # no due date: not late
        ("d5", t("2023-03-03 14:00"), "online", t("2023-03-05"), t("2023-03-06 08:00")),   # late
    ]
    df = pd.DataFrame(rows, columns=["dossier_id", "received_at", "channel", "due_at", "resolved_at"])
    df.insert(1, "unit_id", OFFICE)
    df["digitized"] = [True, False, True, pd.NA, True]
    return df.astype({"dossier_id": "string", "unit_id": "string", "channel": "string", "digitized": "boolean"})


def _parquet(df: pd.DataFrame, folder, parts: int = 1) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    for i, chunk in enumerate(np.array_split(np.arange(len(df)), parts)):
        df.iloc[chunk].to_parquet(folder / f"part-{i}.parquet", index=False)
    return str(folder)


def _three_ways(df: pd.DataFrame, tmp_path, **kw) -> list[pd.DataFrame]:
    """The pandas path, DuckDB over the frame, DuckDB over the same records in two Parquet files."""
    _parquet(df, tmp_path / "p", parts=2)
    files = sorted(str(p) for p in (tmp_path / "p").glob("*.parquet"))
    return [aggregate_records(df, **kw), engines.aggregate_frame(df, **kw),
            engines.aggregate_parquet(files, list(df.columns), **kw)]


def test_five_dossiers_counted_by_hand_on_the_decree09_calendar(tmp_path):
    # Decree 09 year 2023 runs 15/12/2022-14/12/2023: d2 (14/12) is received in 2023 but resolved
    # on 21/12, in 2024; d3 (15/12/2023) is received in 2024 and still pending.
    for got in _three_ways(_hand_records(), tmp_path, freq="year"):
        rows = got.set_index("period")
        assert list(rows.index) == ["2023", "2024-01"]
        y23 = rows.loc["2023"]
        assert (y23.received_total, y23.received_online, y23.resolved_total, y23.resolved_late,
                y23.resolved_on_time, y23.pending, y23.carried_over, y23.digitized) == (4, 2, 3, 1, 2, 1, 0, 2)
        y24 = rows.iloc[1]
        assert (y24.received_total, y24.received_online, y24.resolved_total, y24.resolved_late,
                y24.resolved_on_time, y24.pending, y24.carried_over, y24.digitized) == (1, 1, 1, 1, 0, 1, 1, 1)
        # the log stops in the first month of Decree 09 year 2024 (d3, 15/12/2023): that period is
        # labelled as the month it covers, never as the whole year


def test_the_same_five_on_calendar_years(tmp_path):
    for got in _three_ways(_hand_records(), tmp_path, freq="year", calendar="calendar"):
        assert list(got["period"]) == ["2023"]
        r = got.iloc[0]
        assert (r.received_total, r.received_online, r.resolved_total, r.resolved_late, r.pending) == (5, 3, 4, 2, 1)


def _random_records(n: int, seed: int = 7) -> pd.DataFrame:
    """Records with every case the counts treat apart: no unit, no date received, no due date,
    unresolved, resolved the day it was due, across the 15th and the new year."""
    rng = np.random.default_rng(seed)
    units = np.array([OFFICE, INFRA, "baclieu_dot_transport", "baclieu_dot_quality", "hcm_dot"], dtype=object)
    start = np.datetime64("2021-11-20T00:00", "m")
    received = start + rng.integers(0, 2 * 365 * 24 * 60, n).astype("timedelta64[m]")
    due = (received.astype("datetime64[D]") + rng.integers(0, 15, n)).astype("datetime64[m]")
    resolved = received + rng.integers(0, 20 * 24 * 60, n).astype("timedelta64[m]")
    df = pd.DataFrame({
        "dossier_id": pd.array(np.char.add("h", np.arange(n).astype(str)), dtype="string"),
        "unit_id": pd.array(units[rng.integers(0, len(units), n)], dtype="string"),
        "received_at": received.astype("datetime64[us]"),
        "channel": pd.array(np.array(["online", "direct", "postal"], dtype=object)[rng.integers(0, 3, n)],
                            dtype="string"),
        "due_at": pd.Series(due.astype("datetime64[us]")).mask(rng.random(n) < 0.05),
        "resolved_at": pd.Series(resolved.astype("datetime64[us]")).mask(rng.random(n) < 0.1),
        "digitized": pd.array(rng.random(n) < 0.6, dtype="boolean"),
        "paid_online": pd.array(rng.random(n) < 0.3, dtype="boolean"),
    })
    df.loc[rng.random(n) < 0.001, "unit_id"] = pd.NA
    df.loc[rng.random(n) < 0.001, "received_at"] = pd.NaT
    return df


@pytest.mark.parametrize("freq,calendar", [("year", "decree09"), ("quarter", "decree09"), ("month", "calendar"),
                                           ("half", "calendar")])
def test_duckdb_equals_the_pandas_path_on_ten_thousand_records(tmp_path, freq, calendar):
    df = _random_records(10_000)
    a, b, c = _three_ways(df, tmp_path, freq=freq, calendar=calendar)
    assert len(a) > 10
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)


@pytest.mark.parametrize("n", [1_000_000, 10_000_000])
def test_duckdb_over_parquet_equals_the_pandas_path_at_scale(tmp_path, n):
    df = _random_records(n, seed=n)
    _parquet(df, tmp_path / "p", parts=4)
    expected = aggregate_records(df, freq="quarter")
    counted = int((df["unit_id"].notna() & df["received_at"].notna()).sum())   # every record with both
    columns = list(df.columns)
    del df
    got = engines.aggregate_parquet(sorted(str(p) for p in (tmp_path / "p").glob("*.parquet")), columns,
                                    freq="quarter")
    assert int(got["received_total"].sum()) == counted
    pd.testing.assert_frame_equal(expected, got)


@pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java (17), which this machine lacks")
def test_spark_local_mode_counts_what_duckdb_counts(tmp_path):
    df = _random_records(20_000, seed=3)
    folder = _parquet(df, tmp_path / "p", parts=3)
    files = sorted(str(p) for p in (tmp_path / "p").glob("*.parquet"))
    spark = engines.spark_session()
    for freq, calendar in (("year", "decree09"), ("quarter", "calendar")):
        duck = engines.aggregate_parquet(files, list(df.columns), freq=freq, calendar=calendar)
        sp = engines.aggregate_parquet(files, list(df.columns), freq=freq, calendar=calendar, engine="spark",
                                       spark=spark)
        pd.testing.assert_frame_equal(duck, sp)
        pd.testing.assert_frame_equal(duck, aggregate_records(df, freq=freq, calendar=calendar))
    # and the rows a check rejected are left out on Spark too (the filter is transpiled)
    df = _clean(df)
    broken = df.copy()
    broken.iloc[:10, broken.columns.get_loc("channel")] = "Trực tuyến"
    shutil.rmtree(folder)
    _parquet(broken, tmp_path / "p")
    rs = read_records(folder, strict=False)
    assert [(p.code, p.params["rows"]) for p in problems_of(rs)] == [("unknown_channel", "10")]
    duck = engines.aggregate_record_set(rs)
    sp = engines.aggregate_record_set(rs, engine="spark", spark=spark)
    pd.testing.assert_frame_equal(duck, sp)
    assert int(sp["received_total"].sum()) == int(engines.aggregate_frame(df)["received_total"].sum()) - 10


def test_the_spark_query_is_the_duckdb_query_transpiled():
    sql = engines.counts_sql(["unit_id", "received_at", "channel"], freq="quarter", calendar="decree09")
    spark = engines.spark_sql(sql)
    assert spark.count("UNION ALL") == sql.count("UNION ALL") == 1
    # absent optional columns are typed NULLs in both dialects; nothing hand-written for Spark
    assert "CAST(NULL AS DATE) AS d_res" in sql and "CAST(NULL AS DATE) AS d_res" in spark
    assert "m_recv DIV 3" in spark and "COUNT_IF(online)" in spark and "DAY(d_recv) >= 15" in spark


# --- Parquet record sets: read where they lie, checked, located

def _clean(df: pd.DataFrame) -> pd.DataFrame:
    """The records the checks accept: a unit of the registry and a date received."""
    return df[df["unit_id"].notna() & df["received_at"].notna() & (df["unit_id"] != "hcm_dot")]


def test_a_folder_of_parquet_records_gives_the_indicators_of_the_same_records_in_memory(tmp_path):
    df = _clean(_random_records(5_000, seed=11))
    folder = _parquet(df, tmp_path / "records" / "year=2023", parts=3)
    rs = read_export(tmp_path / "records", "dossier_records")
    assert rs.rows == len(df) and problems_of(rs) == [] and rs.attrs["origin"]["files"] == 3
    assert folder
    from_files = compute_indicators({"dossier_records": rs}).drop(columns="source")
    in_memory = compute_indicators({"dossier_records": df}).drop(columns="source")
    pd.testing.assert_frame_equal(from_files, in_memory)
    share = from_files[(from_files["indicator_id"] == "online_dossier_share") & (from_files["unit_id"] == OFFICE)]
    assert len(share) >= 2 and share["value"].between(0.2, 0.45).all()


def _one_file(tmp_path, df) -> str:
    _parquet(df, tmp_path / "r")
    return str(tmp_path / "r")


def test_a_channel_written_in_words_is_refused_at_its_file_and_rows(tmp_path):
    df = _hand_records()
    df.loc[[1, 3], "channel"] = "Trực tiếp"
    with pytest.raises(DxDataError) as e:
        read_records(_one_file(tmp_path, df))
    (p,) = e.value.problems
    assert (p.file, p.row, p.column, p.code) == ("r/part-0.parquet", 2, "channel", "unknown_channel")
    assert p.say("en") == ("'Trực tiếp' is not a channel (expected online, direct or postal) — 2 rows: "
                           "r/part-0.parquet 2, 4")
    assert "không phải hình thức nộp" in p.say("vi") and "import-records" in p.hint_said("en")


def test_lenient_reading_leaves_the_broken_rows_out_of_every_count(tmp_path):
    df = _hand_records()
    df.loc[4, "resolved_at"] = pd.Timestamp("2023-03-01")     # d5 resolved before it was received
    df.loc[0, "unit_id"] = "baclieu_dot_nowhere"              # d1 of a unit the registry lacks
    rs = read_records(_one_file(tmp_path, df), strict=False)
    codes = sorted(p.code for p in problems_of(rs))
    assert codes == ["earlier_than_received", "unit_not_in_registry"]
    unit = next(p for p in problems_of(rs) if p.code == "unit_not_in_registry")
    assert (unit.row, unit.value) == (1, "baclieu_dot_nowhere")
    counted = engines.aggregate_record_set(rs, freq="year").set_index("period")
    y23 = counted.loc["2023"]
    assert (y23.received_total, y23.received_online, y23.resolved_total) == (2, 0, 1)   # d2, d4 left
    # d3, not yet resolved (no date to compare), is still counted: received in 2024, pending
    assert (counted.iloc[1].received_total, counted.iloc[1].pending) == (1, 1)


def test_a_dossier_in_two_files_is_refused_even_when_reading_leniently(tmp_path):
    df = _hand_records()
    folder = tmp_path / "r"
    _parquet(df, folder)
    df.iloc[[2]].to_parquet(folder / "part-9.parquet", index=False)
    with pytest.raises(DxDataError) as e:
        read_records(folder, strict=False)
    (p,) = e.value.problems
    assert p.code == "duplicate_dossiers" and p.reason == "duplicate_key"
    assert p.say("en").startswith("1 dossier code(s) are found more than once (d3: r/part-0.parquet row 3; "
                                  "d3: r/part-9.parquet row 1)")


def test_a_misnamed_or_mistyped_column_is_named_before_any_row_is_read(tmp_path):
    df = _hand_records().rename(columns={"received_at": "recieved_at"})
    df["due_at"] = df["due_at"].astype("string")
    with pytest.raises(DxDataError) as e:
        read_records(_one_file(tmp_path, df))
    said = [str(p) for p in e.value.problems]
    assert any("no received_at column" in s for s in said)
    assert any("recieved_at is not a column of dossier records (did you mean received_at?)" in s for s in said)
    assert any("due_at is stored as VARCHAR; expected TIMESTAMP/DATE" in s for s in said)


def test_parquet_is_refused_for_other_kinds(tmp_path):
    with pytest.raises(ValueError, match="Parquet is read for dossier records only"):
        read_export(_one_file(tmp_path, _hand_records()), "dossiers")


# --- a plan reading a Parquet folder

def _plan_with_records(tmp_path) -> Path:
    """A workspace whose 2023 plan reads dossier records from data/records (Hive layout): the
    office 10 dossiers (4 online), the transport division 30 (9 online), received from 20/12/2022
    to 20/11/2023 (Decree 09 year 2023: 15/12/2022-14/12/2023), each resolved in 3 days, due in 5."""
    rows = []
    for unit, n, online in ((OFFICE, 10, 4), ("baclieu_dot_transport", 30, 9)):
        for i in range(n):
            received = pd.Timestamp("2022-12-20 08:00") + pd.Timedelta(days=335 * i / (n - 1))
            rows.append({"dossier_id": f"{unit}-{i}", "unit_id": unit, "received_at": received,
                         "channel": "online" if i < online else "direct",
                         "due_at": received.normalize() + pd.Timedelta(days=5),
                         "resolved_at": received + pd.Timedelta(days=3)})
    df = pd.DataFrame(rows).astype({"dossier_id": "string", "unit_id": "string", "channel": "string"})
    _parquet(df, tmp_path / "data" / "records" / "year=2023", parts=3)
    (tmp_path / "params").mkdir()
    plan = tmp_path / "params" / "records_2023.yaml"
    plan.write_text("""id: records_2023
title: Kế hoạch thử với nhật ký hồ sơ Parquet
unit: baclieu_dot
year: 2023
inputs:
  - {path: records, kind: dossier_records}
targets:
  - {indicator: online_dossier_share, comparator: ">=", value: 30%}
  - {indicator: on_time_resolution_rate, comparator: ">=", value: 95%}
""", encoding="utf-8")
    return plan


def test_a_plan_reads_a_parquet_folder_of_records_and_is_evaluated_on_them(tmp_path):
    from dx_metrics.pipeline import build_plan_report

    r = build_plan_report(_plan_with_records(tmp_path))
    ev = r.evaluation.set_index("indicator_id")
    # 13 online of 40 received = 32,5 % >= 30 %; every dossier resolved on 01/06, due 30/06
    assert ev.loc["online_dossier_share", "actual"] == pytest.approx(13 / 40)
    assert ev.loc["online_dossier_share", "status"] == "achieved"
    assert ev.loc["on_time_resolution_rate", "actual"] == pytest.approx(1.0)
    assert r.sources[0]["file"] == "records" and r.sources[0]["rows"] == 40
    assert r.quality is not None and not any(p.reason == "too_large" for p in r.problems)


def _reading(plan: Path, path: str) -> Path:
    """The plan reading its records from ``path`` (as written in the plan)."""
    plan.write_text(plan.read_text("utf-8").replace("{path: records,", f"{{path: '{path}',"), "utf-8")
    return plan


@pytest.mark.parametrize("written", ["/", "outside", "escape"])
def test_a_records_folder_outside_the_workspace_or_the_root_is_refused_naming_the_plan_key(tmp_path,
                                                                                             tmp_path_factory, written):
    from dx_metrics import runner
    from dx_metrics.plans import DxPlanError
    from dx_metrics.pipeline import build_plan_report

    elsewhere = tmp_path_factory.mktemp("elsewhere")          # beside the workspace, not in it
    _parquet(_hand_records(), elsewhere / "year=2023")
    path = {"/": "/", "outside": str(elsewhere), "escape": f"../../{elsewhere.name}"}[written]
    plan = _reading(_plan_with_records(tmp_path), path)
    with pytest.raises(DxPlanError) as e:
        build_plan_report(plan)
    (p,) = e.value.problems
    assert (p.file, p.column, p.value, p.reason) == ("records_2023.yaml", "inputs[0].path", path, "plan")
    if written == "/":
        said = '"/" is the root of a file system: read as dossier records it would read every Parquet file on ' \
               'the machine'
    else:
        resolved = "" if written == "outside" else f" ({elsewhere})"
        said = (f'"{path}"{resolved} is a folder outside the workspace ({tmp_path.resolve()}) that holds no '
                f'_imports.json (the list of files dx-metrics import-records keeps): read as dossier records it '
                f'would read every Parquet file under it')
    assert p.message == said
    assert p.hint == ("name a dataset folder written by dx-metrics import-records (it holds _imports.json), or keep "
                      "the records under the workspace (e.g. data/records)")
    # a run says so before any notebook starts
    run = runner.run_plan(plan, out_root=tmp_path / "out")
    assert run.status == "failed" and run.error == f'records_2023.yaml, key "inputs[0].path": {said} ({p.hint})'


def test_a_dataset_folder_written_by_import_records_is_read_from_anywhere(tmp_path, tmp_path_factory):
    from dx_metrics.ingest.convert import import_records
    from dx_metrics.pipeline import build_plan_report
    from test_import_records import _log

    elsewhere = tmp_path_factory.mktemp("shared")
    import_records([_log(tmp_path / "log.csv", n=40)], elsewhere / "records")      # 10 of 40 online
    plan = _reading(_plan_with_records(tmp_path), str(elsewhere / "records"))
    r = build_plan_report(plan)
    assert r.evaluation.set_index("indicator_id").loc["online_dossier_share", "actual"] == pytest.approx(10 / 40)


def test_records_too_many_for_memory_are_counted_but_left_out_of_the_review_with_a_warning(tmp_path, monkeypatch):
    from dx_metrics.pipeline import build_plan_report

    monkeypatch.setenv("DX_METRICS_REVIEW_RECORDS", "39")
    r = build_plan_report(_plan_with_records(tmp_path))
    assert r.evaluation.set_index("indicator_id").loc["online_dossier_share", "actual"] == pytest.approx(13 / 40)
    (p,) = [p for p in r.problems if p.reason == "too_large"]
    assert p.severity == "warning" and "were not run on 40 records (more than 39)" in p.message


# --- found by review: each of these was silently wrong or broke

def test_dates_with_a_time_zone_are_refused_not_read_in_the_machines_zone(tmp_path):
    df = _hand_records()
    df["received_at"] = df["received_at"].dt.tz_localize("UTC")
    with pytest.raises(DxDataError) as e:
        read_records(_one_file(tmp_path, df))
    (p,) = e.value.problems
    assert p.column == "received_at" and "without a time zone" in p.message and "tz_localize(None)" in p.hint


def test_hidden_folders_and_key_value_folders_above_are_not_part_of_the_dataset(tmp_path):
    folder = tmp_path / "snapshot=2024-06" / "records"          # a key=value folder above: not a column
    _parquet(_hand_records(), folder)
    _parquet(_hand_records(), folder / ".records.import-x")     # an import still staging: not yet data
    rs = read_records(folder)
    assert rs.rows == 5 and "snapshot" not in rs.columns


def test_a_resolution_dated_before_the_first_receipt_is_counted_nowhere_on_every_path(tmp_path):
    df = _hand_records()
    df.loc[0, "received_at"] = pd.NaT                              # d1: only its (early) resolution left
    df.loc[0, "resolved_at"] = pd.Timestamp("2021-06-01")
    df.loc[0, "unit_id"] = "baclieu_dot_infra"                     # sorts first: the old bins went negative
    a, b, c = _three_ways(df, tmp_path, freq="year")
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    assert int(a["resolved_total"].sum()) == 3                     # d2, d4, d5


def test_a_figure_from_a_parquet_folder_with_rejected_rows_says_how_many(tmp_path):
    from dx_metrics.pipeline import build_plan_report

    plan = _plan_with_records(tmp_path)
    extra = _hand_records().assign(unit_id=OFFICE)
    extra["received_at"] = pd.Timestamp("2023-01-02 08:00")
    extra["channel"] = ["Online", "Online", "direct", "direct", "direct"]    # two rows refused
    extra.to_parquet(tmp_path / "data" / "records" / "year=2023" / "extra.parquet", index=False)
    r = build_plan_report(plan)
    row = r.evaluation.set_index("indicator_id").loc["online_dossier_share"]
    assert (row["numerator"], row["denominator"]) == (13, 43)       # 40 + the 3 rows accepted
    assert row["notes"] == "2 row(s) of records rejected for data errors are not counted (see data quality)"


def test_nanosecond_timestamps_are_refused_for_spark_before_a_session_starts(tmp_path):
    df = _hand_records()
    for c in ("received_at", "due_at", "resolved_at"):
        df[c] = df[c].astype("datetime64[ns]")
    folder = _one_file(tmp_path, df)
    files = [str(p) for p in (tmp_path / "r").glob("*.parquet")]
    assert len(read_records(folder)) == 5                         # DuckDB reads them
    with pytest.raises(ValueError, match=r"Spark cannot read nanosecond timestamps \(received_at, due_at"):
        engines.aggregate_parquet(files, list(df.columns), engine="spark", spark=object())


def test_a_record_sets_files_are_scanned_once_however_often_a_report_names_them(tmp_path, monkeypatch):
    rs = read_records(_one_file(tmp_path, _hand_records().assign(source_file="log.csv")))
    scans = []
    real = type(rs)._scan_distinct
    monkeypatch.setattr(type(rs), "_scan_distinct", lambda self, c: scans.append(c) or real(self, c))
    compute_indicators({"dossier_records": rs})
    assert rs.distinct("source_file") == ["log.csv"] and scans.count("source_file") == 1


# --- what a dataset folder holds: a walk that opens nothing it should not, and says what it left out

def _validate(*args, cwd, timeout=60):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "dx_metrics.cli", "validate", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=timeout)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing (os.mkfifo)")
def test_a_fifo_named_like_a_part_of_a_dataset_is_refused_without_being_opened(tmp_path):
    folder = Path(_parquet(_hand_records(), tmp_path / "r" / "year=2023"))
    os.mkfifo(folder / "part-9.parquet")           # opened for reading, it would wait for a writer for ever
    # in a child with a timeout: the old walk handed the FIFO to DuckDB, which hung
    run = _validate(str(tmp_path / "r"), "--kind", "dossier_records", cwd=tmp_path)
    assert run.returncode == 2                      # unreadable
    assert run.stdout.strip() == ("r: r/year=2023/part-9.parquet is a FIFO (named pipe), not a file: it is not "
                                  "opened, and the dataset is not read (save the export as a file and give that "
                                  "file)")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing (os.mkfifo)")
def test_a_fifo_given_as_the_records_is_refused_without_being_opened(tmp_path):
    os.mkfifo(tmp_path / "records.parquet")
    run = _validate(str(tmp_path / "records.parquet"), "--kind", "dossier_records", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stdout.strip() == ("records.parquet: is a FIFO (named pipe), not a file; it is not opened (save the "
                                  "export as a file and give that file)")


def test_parts_under_hidden_or_linked_folders_are_named_in_a_warning_and_not_read(tmp_path):
    folder = Path(_parquet(_hand_records(), tmp_path / "r"))                 # 5 records: the dataset
    _parquet(_hand_records(), folder / ".backup")                             # 1 part, hidden
    _parquet(_hand_records(), tmp_path / "elsewhere", parts=2)                # 2 parts, linked in below
    try:
        (folder / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    except (OSError, NotImplementedError):
        pytest.skip("this system makes no symbolic links for this user")
    _hand_records().to_parquet(folder / ".old.parquet", index=False)
    rs = read_records(folder)
    assert rs.rows == 5 and rs.files == [str(folder / "part-0.parquet")]
    (p,) = problems_of(rs)
    assert (p.severity, p.reason, p.file) == ("warning", "skipped_files", "r")
    assert p.message == ("Parquet files under hidden or linked folders are not part of the dataset and were not "
                         "read: r/.backup/ (1 Parquet file(s)); r/.old.parquet (a hidden file); r/linked/ (a link "
                         "to a folder, not followed: 2 Parquet file(s))")


def test_record_dates_no_dossier_carries_are_refused_in_parquet_and_left_out_when_lenient(tmp_path):
    import datetime as dt

    from test_import_records import _a_year_after

    df = _hand_records()
    df.loc[0, "received_at"] = pd.Timestamp("1899-12-31 08:00")     # d1: resolved 2023, due 2023
    df.loc[3, "received_at"] = pd.Timestamp("9999-12-31 09:00")     # d4: no due date, resolved 2023 (earlier)
    folder = _one_file(tmp_path, df)
    with pytest.raises(DxDataError) as e:
        read_records(folder)
    (p,) = [p for p in e.value.problems if p.code == "outside_record_dates"]
    last = _a_year_after(dt.date.today())                            # the window's default end
    assert (p.column, p.row, p.reason) == ("received_at", 1, "out_of_range")
    assert p.say("en") == (f"'1899-12-31 08:00:00' is outside the dates a dossier record can carry (01/01/2000–"
                           f"{last.strftime('%d/%m/%Y')}) — 2 rows: r/part-0.parquet 1, 4")
    rs = read_records(folder, strict=False)
    y23 = engines.aggregate_record_set(rs, freq="year", calendar="calendar").set_index("period").loc["2023"]
    assert y23.received_total == 3                                   # d2, d3, d5: nothing counted in 1899 or 9999


def test_validate_says_a_dataset_folder_was_read_as_parquet_once(tmp_path):
    _parquet(_clean(_random_records(300, seed=5)), tmp_path / "r" / "year=2023", parts=3)
    run = _validate("r", "--kind", "dossier_records", cwd=tmp_path)
    assert run.returncode == 0
    # the origin's layout was the word "parquet", printed a letter a line ("layout: p", "layout: a" ...)
    assert [line for line in run.stdout.splitlines() if line.startswith("layout:")] == [
        "layout: dossier records in 3 Parquet file(s), read where they lie"]


def test_a_dossier_resolved_after_the_logs_last_period_is_pending_there_not_a_period_of_its_own(tmp_path):
    # a 2023 log (calendar years) whose d2 is resolved on 05/01/2024: the log has no 2024 (nothing
    # received then); d2 counts as pending at the end of 2023, with d3 (never resolved)
    df = _hand_records()
    df.loc[df["dossier_id"] == "d2", "resolved_at"] = pd.Timestamp("2024-01-05 09:00")
    for got in _three_ways(df, tmp_path, freq="year", calendar="calendar"):
        assert list(got["period"]) == ["2023"]
        r = got.iloc[0]
        # resolved in 2023: d1, d4, d5 (d5 late); pending at its end: d2, d3
        assert (r.received_total, r.resolved_total, r.resolved_late, r.pending) == (5, 3, 1, 2)


def _without_spark(monkeypatch, lacking=("pyspark",)):
    """This machine as `make report` installs it: no PySpark (the [spark] extra)."""
    import importlib.util

    find = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in lacking else find(name, *a))


def test_the_spark_engine_without_pyspark_says_which_extra_to_install(tmp_path, monkeypatch, capsys):
    # issue 27, item 6: PySpark and SQLGlot left the runtime dependencies for the [spark] extra
    from dx_metrics.cli import main
    from dx_metrics.settings import SettingError, value

    _without_spark(monkeypatch)
    with pytest.raises(ModuleNotFoundError, match=r"^the Spark engine needs pyspark, which is not installed here: "
                                                  r"install the spark extra \(pip install -e '\.\[spark\]'"):
        engines.spark_session()
    _one_file(tmp_path, _hand_records())
    files = [str(p) for p in (tmp_path / "r").glob("*.parquet")]
    with pytest.raises(ModuleNotFoundError, match=r"pip install -e '\.\[spark\]'"):
        engines.aggregate_parquet(files, list(_hand_records().columns), engine="spark")
    assert value("DX_METRICS_ENGINE", {}) == "duckdb"            # the default needs nothing more
    with pytest.raises(SettingError, match=r"^DX_METRICS_ENGINE='spark' is the Spark engine, which needs pyspark, "
                                           r"which is not installed here: install the spark extra"):
        value("DX_METRICS_ENGINE", {"DX_METRICS_ENGINE": "spark"})
    # the command line says it once, before any work, and stops (exit 2)
    monkeypatch.setenv("DX_METRICS_ENGINE", "spark")
    assert main(["--lang", "en", "indicators"]) == 2
    err = capsys.readouterr().err
    assert "DX_METRICS_ENGINE='spark'" in err and "pip install -e '.[spark]'" in err and "Traceback" not in err
    _without_spark(monkeypatch, ("pyspark", "sqlglot"))
    with pytest.raises(ModuleNotFoundError, match=r"needs pyspark and sqlglot, which are not installed here"):
        engines.spark_sql("SELECT 1")


def test_a_dossier_resolved_the_instant_it_was_received_is_accepted(tmp_path):
    # d4 resolved at 09:00 on 01/06/2023, the minute it was received: not "earlier than received"
    df = _hand_records()
    df.loc[3, "resolved_at"] = df.loc[3, "received_at"]
    rs = read_records(_one_file(tmp_path, df))               # strict: any rejection would raise
    assert [p.code for p in problems_of(rs)] == []
    y23 = engines.aggregate_record_set(rs, freq="year").set_index("period").loc["2023"]
    # Decree 09's year 2023 ends on 14/12: d1, d2, d4, d5 received in it; d1, d4, d5 resolved
    # in it (d2 on 21/12/2023 counts in 2024): d4 is counted, not rejected
    assert (y23.received_total, y23.resolved_total) == (4, 3)


def test_a_datasets_sha256_is_a_digest_of_its_bytes_not_of_names_sizes_and_times(tmp_path):
    import hashlib

    a, b = _hand_records(), _hand_records()
    b.loc[0, "dossier_id"] = "d9"                       # one character changed: same size, other bytes
    first, second = _parquet(a, tmp_path / "one" / "r"), _parquet(b, tmp_path / "two" / "r")
    fa, fb = Path(first) / "part-0.parquet", Path(second) / "part-0.parquet"
    os.utime(fb, ns=(fa.stat().st_atime_ns, fa.stat().st_mtime_ns))
    assert fa.stat().st_size == fb.stat().st_size and fa.stat().st_mtime_ns == fb.stat().st_mtime_ns
    assert fa.read_bytes() != fb.read_bytes()
    da, db = (read_records(f).attrs["origin"]["sha256"] for f in (first, second))
    assert da != db
    # by hand: the sha256 of the file's name, a NUL, its bytes and a newline
    assert da == hashlib.sha256(b"part-0.parquet\0" + fa.read_bytes() + b"\n").hexdigest()
    os.utime(fa, ns=(0, 10**18))                        # touched, not changed: the same source
    assert read_records(first).attrs["origin"]["sha256"] == da


# --- the review's record rules in SQL over Parquet (issue 30, item 4) ---------------------------------

def _record_set(df: pd.DataFrame, folder, parts: int = 2):
    from dx_metrics.ingest.dataset import RecordSet

    _parquet(df, folder, parts=parts)
    return RecordSet(files=sorted(str(p) for p in folder.glob("*.parquet")), columns=list(df.columns), rows=len(df))


def _both_reviews(df: pd.DataFrame, folder, **kw):
    """The review of the frame (pandas rules) and of the same records in Parquet (SQL rules)."""
    from dx_metrics.quality import records_sql, review

    records = _record_set(df, folder)
    more = kw.pop("more", {})
    calls = []
    real = records_sql.record_rules
    records_sql.record_rules = lambda *a, **k: calls.append(1) or real(*a, **k)
    try:
        by_sql = review(tables={"dossier_records": records, **kw.pop("tables", {})}, **kw)
    finally:
        records_sql.record_rules = real
    assert calls == [1]                                        # the SQL path ran
    return review(tables={"dossier_records": records.to_pandas(), **more}, **kw), by_sql


def test_record_rules_in_sql_give_the_hand_figures_and_the_pandas_flags(tmp_path):
    t = pd.Timestamp
    extra = pd.DataFrame([  # id, unit, received, channel, resolved
        ("d6", INFRA, t("2022-12-20 08:00"), "online", t("2022-12-20 08:05")),   # 5 min: fast; before 2023
        ("d7", INFRA, t("2023-02-01 09:00"), "online", t("2023-02-01 09:10")),   # 10 min: fast (limit included)
        ("d8", INFRA, t("2023-02-02 09:00"), "online", t("2023-02-02 09:11")),   # 11 min: not fast
        ("d9", OFFICE, t("2024-01-03 10:00"), "direct", pd.NaT),                 # after 2023
    ], columns=["dossier_id", "unit_id", "received_at", "channel", "resolved_at"])
    df = pd.concat([_hand_records(), extra.astype({"dossier_id": "string", "unit_id": "string",
                                                   "channel": "string"})], ignore_index=True)
    by_pandas, by_sql = _both_reviews(df, tmp_path / "p", period="2023")
    pd.testing.assert_frame_equal(by_pandas.flags, by_sql.flags)
    assert by_pandas.judged == by_sql.judged
    f = by_sql.flags.set_index(["rule", "unit_id"])
    # outside 2023: INFRA d6 of its 3 dated records, OFFICE d9 of its 6
    assert f.loc[("outside_period", INFRA), ["value", "reference", "examples"]].tolist() == [1, 3, ["d6"]]
    assert f.loc[("outside_period", OFFICE), ["value", "reference", "examples"]].tolist() == [1, 6, ["d9"]]
    # fast: online with both dates d1, d5, d6, d7, d8 = 5 judged; INFRA d6 (5 min) and d7 (10 min)
    # of its 3 online; OFFICE's d1 (15 h) and d5 (3 days) are not fast
    assert by_sql.judged["records_fast"] == 5 and by_sql.judged["records_period"] == 9
    assert f.loc[("fast_online", INFRA), ["value", "reference", "examples"]].tolist() == [2, 3, ["d6", "d7"]]
    assert ("fast_online", OFFICE) not in f.index
    # months of 2023's records: January to December (d1 ... d2, d3), 2 units x 12 = 24 judged;
    # OFFICE has Jan, Mar, Jun, Dec (8 gaps), INFRA has Feb only (11 gaps)
    gaps = by_sql.flags[by_sql.flags["rule"] == "month_without_records"]
    assert by_sql.judged["1a_records"] == 24 and len(gaps) == 19
    assert gaps.loc[gaps["unit_id"] == OFFICE, "period"].tolist() == \
        ["2023-02", "2023-04", "2023-05", "2023-07", "2023-08", "2023-09", "2023-10", "2023-11"]


def test_bursts_and_the_catalogue_in_sql_as_in_pandas(tmp_path):
    day1, day2 = pd.Timestamp("2024-03-01 08:00"), pd.Timestamp("2024-03-02 08:00")
    rows = [(f"a{i}", f"d{i}", day1 + pd.Timedelta(minutes=i), "online", "1.001") for i in range(20)]
    rows += [("x", f"x{i}", day2 + pd.Timedelta(minutes=i), "online", "1.002") for i in range(12)]
    rows += [("y", f"y{i}", day2 + pd.Timedelta(minutes=i), "direct", "2.004") for i in range(30)]
    rows += [("z", f"z{i}", day2 + pd.Timedelta(minutes=i), "online", "1.009") for i in range(9)]
    df = pd.DataFrame(rows, columns=["applicant", "dossier_id", "received_at", "channel", "procedure_id"]).assign(
        unit_id="A").astype({c: "string" for c in ("applicant", "dossier_id", "channel", "procedure_id", "unit_id")})
    services = pd.DataFrame({"procedure_id": ["1.001", "1.002"], "provided_online": [True, False]})
    by_pandas, by_sql = _both_reviews(df, tmp_path / "p", tables={"services": services}, more={"services": services})
    pd.testing.assert_frame_equal(by_pandas.flags, by_sql.flags)
    assert by_pandas.judged == by_sql.judged
    f = by_sql.flags.set_index("rule")
    # (applicant, day) online counts: twenty 1s, a 12 and a 9 -> median 1; 12 >= 10 and >= 5 x 1
    assert f.loc["burst", ["subject", "period", "value", "reference", "examples"]].tolist() == \
        ["applicant", "2024-03-02", 12, 1.0, ["x0", "x1", "x2"]]
    assert by_sql.judged["records_burst"] == 22
    # 1.002 is not offered online: x's 12 online dossiers; 2.004 and 1.009 are not in the catalogue,
    # of A's 4 procedures, 2.004 first met (y0 comes before z0)
    assert f.loc["online_without_service", ["subject", "value", "examples"]].tolist() == ["1.002", 12, ["x0", "x1", "x2"]]
    assert f.loc["not_in_catalogue", ["value", "reference", "examples"]].tolist() == [2, 4, ["2.004", "1.009"]]
    assert by_sql.judged["2c_services"] == by_sql.judged["4_catalogue"] == 71


def test_record_rules_in_sql_equal_the_pandas_rules_on_ten_thousand_records(tmp_path):
    df = _random_records(10_000, seed=11)
    for period in (None, "2022"):
        by_pandas, by_sql = _both_reviews(df, tmp_path / f"p{period}", period=period,
                                          settings={"records": {"fast_online_minutes": 120}})
        assert len(by_sql.flags) >= 5
        pd.testing.assert_frame_equal(by_pandas.flags, by_sql.flags)
        assert by_pandas.judged == by_sql.judged
