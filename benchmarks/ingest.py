"""Ingest speed and memory: read_export against plain pandas on a 200,000-row export.

    .venv/bin/python benchmarks/ingest.py [--rows 200000]

Builds (once, in benchmarks/_work/) a dossier_records workbook of ROWS x 12 columns with
title rows above the header, then times each reader in a fresh process and reports wall
time and peak resident memory:

  pandas openpyxl   pd.read_excel(engine="openpyxl")  (header row given by hand)
  pandas calamine   pd.read_excel(engine="calamine")  (header row given by hand)
  read_export cold  dx_metrics.read_export, empty cache: find the header, parse, validate
  read_export warm  the same call again: served from the Parquet cache
  extent scan       dx_metrics.ingest.extent.scan_xlsx alone: the pre-read check of the sheet's
                    real extent that keeps a stray cell in XFD1048576 from allocating 512 GB
                    (part of read_export cold)

Goals (issue 3): cold <= 1.3 x pandas calamine; warm >= 20 x faster than cold.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
TITLE_ROWS = 3
HEADER = ["Mã hồ sơ", "Đơn vị", "Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Ngày tiếp nhận", "Hình thức nộp",
          "Ngày hẹn trả", "Ngày trả kết quả", "Số hóa", "Thanh toán trực tuyến", "Trạng thái"]
UNITS = ["Phòng Quản lý vận tải, phương tiện và người lái", "Phòng Quản lý kết cấu hạ tầng giao thông",
         "Phòng Quản lý chất lượng công trình giao thông", "Văn phòng Sở"]
CHANNELS = ["Trực tuyến", "Trực tiếp", "Bưu chính công ích"]


def build(rows: int) -> Path:
    from openpyxl import Workbook

    path = WORK / f"dossier_records_{rows}.xlsx"
    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Hồ sơ")
    ws.append(["SỞ GIAO THÔNG VẬN TẢI TỈNH BẠC LIÊU"])
    ws.append(["DANH SÁCH HỒ SƠ TIẾP NHẬN"])
    ws.append(["Năm 2023"])
    ws.append(HEADER)
    start = dt.datetime(2022, 12, 15, 7, 30)
    for i in range(rows):
        received = start + dt.timedelta(minutes=rng.randrange(0, 525_600))
        due = received + dt.timedelta(days=rng.randrange(3, 20))
        resolved = received + dt.timedelta(days=rng.randrange(1, 25)) if rng.random() < 0.93 else None
        proc = rng.randrange(1, 95)
        ws.append([f"000.00.{i:07d}", UNITS[proc % 4], f"1.00{proc:04d}", f"Thủ tục số {proc}", "Đường bộ", received,
                   rng.choice(CHANNELS), due, resolved, rng.choice(["Có", ""]), rng.choice(["Có", ""]),
                   "Đã trả kết quả" if resolved else "Đang xử lý"])
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    tmp.rename(path)
    return path


def _one(method: str, path: str, cache: str) -> None:
    """Run one reader in this (fresh) process; print seconds as JSON."""
    os.environ["DX_METRICS_CACHE"] = cache
    import pandas as pd

    import dx_metrics

    t0 = time.perf_counter()
    if method == "pandas openpyxl":
        df = pd.read_excel(path, engine="openpyxl", skiprows=TITLE_ROWS)
    elif method == "pandas calamine":
        df = pd.read_excel(path, engine="calamine", skiprows=TITLE_ROWS)
    elif method == "extent scan":
        from dx_metrics.ingest.extent import scan_xlsx

        ext = scan_xlsx(path)
        df = range(max(e.last_row for e in ext.values()))
    else:
        df = dx_metrics.read_export(path, "dossier_records")
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # this process's own peak
    print(json.dumps({"seconds": seconds, "rows": len(df), "peak_mb": peak_mb}))


def measure(method: str, path: Path, cache: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--one", method, str(path), cache], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs of cold read and calamine, alternated (median shown)")
    ap.add_argument("--one", nargs=3, metavar=("METHOD", "PATH", "CACHE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        _one(*args.one)
        return
    t0 = time.perf_counter()
    path = build(args.rows)
    print(f"input: {path.name} ({path.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows x {len(HEADER)} columns;"
          f" built or found in {time.perf_counter() - t0:.1f} s)")
    # the cold read and calamine alternate, each run in a fresh process, and their medians are
    # compared: on a shared machine one run of each can differ by a third either way
    runs: dict[str, list[dict]] = {"read_export cold": [], "pandas calamine": []}
    cache = None
    for _ in range(max(1, args.repeat)):
        cache = tempfile.mkdtemp(prefix="dx-bench-cache-")
        runs["read_export cold"].append(measure("read_export", path, cache))
        runs["pandas calamine"].append(measure("pandas calamine", path, cache))
    results = {m: sorted(rs, key=lambda r: r["seconds"])[len(rs) // 2] for m, rs in runs.items()}
    spread = {m: (min(r["seconds"] for r in rs), max(r["seconds"] for r in rs)) for m, rs in runs.items()}
    results["read_export warm"] = measure("read_export", path, cache)
    for method in ["extent scan", "pandas openpyxl"]:
        results[method] = measure(method, path, cache)
    print(f"\n{'method':18} {'seconds':>8} {'peak MB':>8}  note")
    cal = results["pandas calamine"]["seconds"]
    cold = results["read_export cold"]["seconds"]
    for method in ["pandas openpyxl", "pandas calamine", "read_export cold", "read_export warm", "extent scan"]:
        r = results[method]
        note = ""
        if method == "read_export cold":
            lo, hi = spread[method]
            note = (f"{cold / cal:.2f} x pandas calamine (goal <= 1.3); medians of {len(runs[method])} runs, "
                    f"cold {lo:.2f}–{hi:.2f} s")
        elif method == "pandas calamine" and len(runs[method]) > 1:
            lo, hi = spread[method]
            note = f"median of {len(runs[method])} runs, {lo:.2f}–{hi:.2f} s"
        elif method == "read_export warm":
            note = f"{cold / r['seconds']:.0f} x faster than cold (goal >= 20)"
        elif method == "extent scan":
            note = f"{r['seconds'] / cal:.2f} x pandas calamine, inside read_export cold"
        print(f"{method:18} {r['seconds']:8.2f} {r['peak_mb']:8.0f}  {note}")
    print("\nEach run is a fresh Python process; peak MB is its maximum resident size (imports included).\n"
          "The cold read and calamine alternate (--repeat) and their medians are compared.")


if __name__ == "__main__":
    main()
