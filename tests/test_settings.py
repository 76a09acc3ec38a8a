"""The DX_METRICS_* environment variables: each read when used, checked, and named in the message
when its value cannot be used (``dx_metrics.settings``)."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT, one_stop_rows, unit_row, write_sheet
from dx_metrics import settings
from dx_metrics.cli import main
from dx_metrics.settings import SettingError


@pytest.mark.parametrize("name, raw, expected", [
    ("DX_METRICS_MAX_CELLS", None, 5_000_000),                  # the default (extent.DEFAULT_MAX_CELLS)
    ("DX_METRICS_MAX_CELLS", "50", 50),
    ("DX_METRICS_MAX_CELLS", " 2_000_000 ", 2_000_000),
    ("DX_METRICS_MAX_CELLS", "", 5_000_000),                    # empty: as if not set
    ("DX_METRICS_REVIEW_RECORDS", None, 5_000_000),
    ("DX_METRICS_REVIEW_RECORDS", "0", 0),                      # 0: the review reads no records
    ("DX_METRICS_DUCKDB_MEMORY", None, None),
    ("DX_METRICS_DUCKDB_MEMORY", "2 GB", "2GB"),                # DuckDB reads "2GB" and "2 GB" alike
    ("DX_METRICS_DUCKDB_MEMORY", "512MiB", "512MiB"),
    ("DX_METRICS_DUCKDB_MEMORY", "50%", "50%"),
    ("DX_METRICS_ENGINE", None, "duckdb"),
    ("DX_METRICS_ENGINE", "Spark", "spark"),
    ("DX_METRICS_SPARK_MASTER", None, "local[*]"),
    ("DX_METRICS_SPARK_MASTER", "local[4]", "local[4]"),
    ("DX_METRICS_SPARK_MASTER", "spark://10.0.0.5:7077", "spark://10.0.0.5:7077"),
    ("DX_METRICS_SPARK_MASTER", "yarn", "yarn"),
    ("DX_METRICS_CACHE", None, None),
    ("DX_METRICS_CACHE", "OFF", "off"),
    ("DX_METRICS_HISTORY", "off", "off"),
    ("DX_METRICS_HISTORY", "~/h.duckdb", "~/h.duckdb"),         # as set: the caller expands it
])
def test_each_setting_reads_its_values_and_its_default(name, raw, expected):
    env = {} if raw is None else {name: raw}
    assert settings.value(name, env) == expected


@pytest.mark.parametrize("name, raw, said", [
    ("DX_METRICS_REVIEW_RECORDS", "-5x", "is not a whole number: expected a whole number ≥ 0"),
    ("DX_METRICS_REVIEW_RECORDS", "-5", "is less than 0"),
    ("DX_METRICS_REVIEW_RECORDS", "5.000.000", "has thousands separators (write 5000000)"),
    ("DX_METRICS_MAX_CELLS", "abc", "is not a whole number: expected a whole number ≥ 1"),
    ("DX_METRICS_MAX_CELLS", "0", "is less than 1"),
    ("DX_METRICS_MAX_CELLS", "1e6", "is not a whole number"),
    ("DX_METRICS_DUCKDB_MEMORY", "lots", 'is not a memory size: expected a memory size such as "2GB"'),
    ("DX_METRICS_DUCKDB_MEMORY", "-1GB", "is not a memory size"),      # DuckDB would take it as no limit
    ("DX_METRICS_DUCKDB_MEMORY", "10KB", "is less than 64MB"),         # DuckDB cannot start in it
    ("DX_METRICS_DUCKDB_MEMORY", "150%", "is outside 1–100 %"),
    ("DX_METRICS_ENGINE", "postgres", "is not one of duckdb, spark"),
    ("DX_METRICS_SPARK_MASTER", "http://cluster:7077", "is not a Spark master URL"),
    ("DX_METRICS_MAX_XML_BYTES", "1GB", "is not a whole number"),
    ("DX_METRICS_READ_MEMORY", "1000", "is less than 268435456"),
    ("DX_METRICS_RECORD_DATES_FROM", "01/01/2000", "is not a date written YYYY-MM-DD"),
])
def test_a_bad_value_is_refused_naming_the_variable_and_the_value(name, raw, said):
    with pytest.raises(SettingError) as e:
        settings.value(name, {name: raw})
    assert str(e.value).startswith(f"{name}={raw!r} {said}")
    assert (e.value.name, e.value.value) == (name, raw)


def test_every_variable_the_package_reads_or_documents_is_a_setting():
    named = set()
    for path in [*(ROOT / "dx_metrics").rglob("*.py"), ROOT / "README.md"]:
        named |= set(re.findall(r"DX_METRICS_[A-Z_]*[A-Z]", path.read_text("utf-8")))
    assert named - set(settings.SETTINGS) == set()
    assert set(settings.SETTINGS) == {"DX_METRICS_MAX_CELLS", "DX_METRICS_REVIEW_RECORDS", "DX_METRICS_DUCKDB_MEMORY",
                                      "DX_METRICS_ENGINE", "DX_METRICS_SPARK_MASTER", "DX_METRICS_CACHE", "DX_METRICS_CACHE_MAX_BYTES",
                                      "DX_METRICS_HISTORY", "DX_METRICS_MAX_XML_BYTES",
                                      "DX_METRICS_READ_MEMORY", "DX_METRICS_RECORD_DATES_FROM",
                                      "DX_METRICS_RECORD_DATES_UNTIL", "DX_METRICS_LANG"}
    assert all(s.meaning and s.expected for s in settings.SETTINGS.values())


def test_a_misspelt_variable_is_named_with_the_setting_it_resembles():
    assert settings.unknown({"DX_METRICS_MAXCELLS": "10", "PATH": "/bin"}) == [
        "DX_METRICS_MAXCELLS is not a dx_metrics setting, and is ignored (did you mean DX_METRICS_MAX_CELLS?)"]


def test_no_setting_is_read_when_a_module_is_imported():
    # before: int(os.environ[...]) at the top of what is now pipeline/plan.py, a traceback on `import dx_metrics`
    env = dict(os.environ, DX_METRICS_REVIEW_RECORDS="-5x", DX_METRICS_MAX_CELLS="abc", DX_METRICS_ENGINE="x",
               DX_METRICS_DUCKDB_MEMORY="lots", DX_METRICS_CACHE="", DX_METRICS_SPARK_MASTER="?")
    run = subprocess.run([sys.executable, "-c", "import dx_metrics, dx_metrics.pipeline, dx_metrics.cli, "
                          "dx_metrics.indicators.engines, dx_metrics.ingest.cache"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]


@pytest.mark.parametrize("name, raw, said", [
    ("DX_METRICS_REVIEW_RECORDS", "-5x", "DX_METRICS_REVIEW_RECORDS='-5x' is not a whole number"),  # was a traceback
    ("DX_METRICS_MAX_CELLS", "abc", "DX_METRICS_MAX_CELLS='abc' is not a whole number"),         # was ignored
    ("DX_METRICS_DUCKDB_MEMORY", "lots", "DX_METRICS_DUCKDB_MEMORY='lots' is not a memory size"),  # was not named
])
def test_the_command_line_says_a_bad_setting_by_name_and_exits_2(tmp_path, name, raw, said):
    path = write_sheet(tmp_path / "a.xlsx", one_stop_rows([unit_row("Văn phòng Sở", 10, 5)]))
    env = dict(os.environ, **{name: raw})
    run = subprocess.run([sys.executable, "-m", "dx_metrics.cli", "validate", str(path)], capture_output=True,
                         text=True, env=env, timeout=300)
    assert run.returncode == 2
    assert run.stderr.startswith(f"dx-metrics: {said}")
    assert "Traceback" not in run.stderr and run.stdout == ""       # nothing read with the wrong setting


def test_a_report_reads_its_setting_when_it_needs_it(tmp_path, monkeypatch):
    # the library (a notebook run by hand) is told by name too, at the point of use
    from dx_metrics.indicators import engines
    from dx_metrics.pipeline import plan as assemble

    monkeypatch.setenv("DX_METRICS_REVIEW_RECORDS", "lots")

    class Records(assemble.RecordSet):
        def __init__(self):   # noqa: D107 - only its type and size are looked at
            self.rows = 10
    with pytest.raises(SettingError, match="^DX_METRICS_REVIEW_RECORDS='lots' is not a whole number"):
        assemble._reviewable_tables({"dossier_records": Records()}, [])
    monkeypatch.setenv("DX_METRICS_ENGINE", "postgres")      # was "engine must be one of ...", no variable named
    with pytest.raises(SettingError, match="^DX_METRICS_ENGINE='postgres' is not one of duckdb, spark"):
        engines.aggregate_record_set(Records())


def test_a_warning_for_a_misspelt_variable_does_not_stop_the_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DX_METRICS_MAX_CELL", "50")
    path = write_sheet(tmp_path / "a.xlsx", one_stop_rows([unit_row("Văn phòng Sở", 10, 5)]))
    assert main(["validate", str(path)]) == 0
    assert ("dx-metrics: warning: DX_METRICS_MAX_CELL is not a dx_metrics setting, and is ignored (did you mean "
            "DX_METRICS_MAX_CELLS?)") in capsys.readouterr().err
