"""`dx-metrics import-records` of a large CSV log: the DuckDB path against the chunked reading
it replaced and against DuckDB's own CSV-to-Parquet of the same file.

    .venv/bin/python benchmarks/import_records.py [--rows 1000000 5000000] [--repeat 3] [--old-up-to 1000000]

Builds (once, in benchmarks/_work/, with DuckDB) CSV logs of ROWS records x 10 columns under
three title rows, as a one-stop system exports them (Vietnamese headers, day-first dates,
channels in words, unit names of the Bạc Liêu transport department): one clean, one with a bad
line every 10.007 records (a 31 February, a unit the registry lacks, a dossier code repeated,
an empty unit, in turn). Then, each run in a fresh process, times:

  import (DuckDB)     dx_metrics.ingest.convert.import_records(..., lenient=True), new folder
  import (chunked)    the same with engine="pandas": the reading before issue 30 (only up to
                      --old-up-to records: 1M took 43 s, 5M 776 s)
  DuckDB COPY         COPY (SELECT * FROM read_csv(FILE, skip=3)) TO 'x.parquet': no rules at all

and prints rows/s and peak resident memory (the process's own maximum, imports included),
medians of --repeat runs. Goal (issue 30): >= 100.000 rows/s at 5M records, peak <= 1 GB.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
TITLE = ["UBND TỈNH BẠC LIÊU", "SỞ GIAO THÔNG VẬN TẢI", "NHẬT KÝ TIẾP NHẬN HỒ SƠ NĂM 2023"]
HEADER = ["Mã hồ sơ", "Đơn vị", "Mã thủ tục", "Tên thủ tục", "Ngày tiếp nhận", "Hình thức nộp", "Ngày hẹn trả",
          "Ngày trả kết quả", "Số hóa", "Trạng thái"]
UNITS = ["Văn phòng Sở", "Phòng Quản lý vận tải, phương tiện và người lái", "Thanh tra Sở",
         "Phòng Quản lý kết cấu hạ tầng giao thông"]
CHANNELS = ["Trực tuyến", "Trực tiếp", "Bưu chính công ích"]
EVERY = 10_007          # a bad line every EVERY records in the "bad" logs


def build(rows: int, bad: bool) -> Path:
    """The log, written by DuckDB (a few seconds for millions of lines)."""
    import duckdb

    path = WORK / f"import_log_{rows}{'_bad' if bad else ''}.csv"
    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    units = "[" + ", ".join("'" + u + "'" for u in UNITS) + "]"
    channels = "[" + ", ".join("'" + c + "'" for c in CHANNELS) + "]"
    k = f"(i % {EVERY} = {EVERY - 1})" if bad else "false"
    kind = f"((i // {EVERY}) % 4)"
    body = WORK / f".body_{rows}.csv"
    con = duckdb.connect()
    con.execute(f"""COPY (
        SELECT CASE WHEN {k} AND {kind} = 2 THEN printf('HS-%09d', i - 1) ELSE printf('HS-%09d', i) END,
               CASE WHEN {k} AND {kind} = 1 THEN 'Phòng Pháp chế' WHEN {k} AND {kind} = 3 THEN ''
                    ELSE {units}[CAST(1 + hash(i) % 4 AS BIGINT)] END,
               printf('1.00%04d', hash(i * 7) % 95), printf('Thủ tục số %d', hash(i * 7) % 95),
               CASE WHEN {k} AND {kind} = 0 THEN '31/02/2023' ELSE strftime(r, '%d/%m/%Y %H:%M') END,
               {channels}[CAST(1 + hash(i * 3) % 3 AS BIGINT)],
               strftime(r + INTERVAL 10 DAY, '%d/%m/%Y'),
               CASE WHEN hash(i * 5) % 10 < 9 THEN strftime(r + INTERVAL 5 DAY, '%d/%m/%Y') END,
               CASE WHEN hash(i * 11) % 2 = 0 THEN 'Có' END,
               'Đã trả kết quả'
        FROM (SELECT i, TIMESTAMP '2022-12-15 07:30' + to_minutes(CAST(hash(i * 13) % 525600 AS BIGINT)) AS r
              FROM range({rows}) t(i)))
        TO '{body}' (HEADER false)""")
    with open(path, "wb") as out:
        out.write(("\n".join(TITLE) + "\n" + ",".join(HEADER) + "\n").encode())
        with open(body, "rb") as f:
            shutil.copyfileobj(f, out, 1 << 24)
    body.unlink()
    return path


def _one(method: str, path: str) -> None:
    """Run one method in this (fresh) process; print seconds and rows as JSON."""
    out = Path(tempfile.mkdtemp(prefix="dx-bench-import-"))
    try:
        t0 = time.perf_counter()
        if method == "DuckDB COPY":
            import duckdb

            con = duckdb.connect()
            con.execute(f"COPY (SELECT * FROM read_csv('{path}', skip = {len(TITLE)})) TO '{out / 'x.parquet'}'")
            rows = con.execute(f"SELECT count(*) FROM '{out / 'x.parquet'}'").fetchone()[0]
        else:
            from dx_metrics.ingest.convert import import_records

            done = import_records([path], out / "records", lenient=True,
                                  engine="pandas" if method == "import (chunked)" else "duckdb")
            rows = done.rows
        seconds = time.perf_counter() - t0
    finally:
        shutil.rmtree(out, ignore_errors=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": peak_mb}))


def measure(method: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--one", method, str(path)], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(HERE.parent)})
    if out.returncode:
        raise SystemExit(f"{method} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--old-up-to", type=int, default=1_000_000, help="the chunked reading only up to this many rows")
    ap.add_argument("--old-repeat", type=int, default=1, help="runs of the chunked reading (it is slow)")
    ap.add_argument("--one", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        _one(*args.one)
        return
    table = []
    for rows in args.rows:
        for bad in (False, True):
            path = build(rows, bad)
            methods = {"DuckDB COPY": args.repeat, "import (DuckDB)": args.repeat}
            if rows <= args.old_up_to:
                methods["import (chunked)"] = args.old_repeat
            runs: dict[str, list[dict]] = {m: [] for m in methods}
            for i in range(max(methods.values())):
                for m, n in methods.items():
                    if i < n:
                        runs[m].append(measure(m, path))
            copy = sorted(r["seconds"] for r in runs["DuckDB COPY"])[len(runs["DuckDB COPY"]) // 2]
            for m, rs in runs.items():
                secs = sorted(r["seconds"] for r in rs)
                med = secs[len(secs) // 2]
                table.append((f"{rows:,}".replace(",", "."), "bad lines" if bad else "clean", m, len(rs), med,
                              secs[0], secs[-1], rs[0]["rows"], rows / med, max(r["peak_mb"] for r in rs),
                              med / copy))
                print(f"  {table[-1][0]} {table[-1][1]:9} {m:17} {med:8.2f} s", file=sys.stderr, flush=True)
    print(f"\n{'records':>10} {'log':9} {'method':17} {'runs':>4} {'median s':>9} {'min–max s':>13} "
          f"{'imported':>10} {'rows/s':>9} {'peak MB':>8} {'x COPY':>7}")
    for r in table:
        print(f"{r[0]:>10} {r[1]:9} {r[2]:17} {r[3]:4d} {r[4]:9.2f} {r[5]:6.2f}–{r[6]:<6.2f} {r[7]:10d} "
              f"{r[8]:9.0f} {r[9]:8.0f} {r[10]:7.1f}")
    print("\nEach run is a fresh Python process; peak MB is its maximum resident size (imports included).")


if __name__ == "__main__":
    main()
