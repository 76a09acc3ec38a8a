"""Reading one sheet of a many-sheet workbook: the named sheet alone against every sheet per read.

    .venv/bin/python benchmarks/sheets.py [--sheets 12] [--rows 20000]

A plan that reads the twelve monthly sheets of one workbook (one input per sheet) calls the
reader twelve times. Builds (once, in benchmarks/_work/) a workbook of SHEETS sheets of ROWS
dossier records each, then times twelve `open_sheets` calls, each naming its sheet:

  every sheet per read   open_sheets(path): every sheet parsed on each call (dx_metrics before
                         the reader passed the sheet it wants down), then one picked
  the named sheet only   open_sheets(path, only=name): that sheet parsed, the others not opened

Both in this process, the extent scan's cache cleared before each; no Parquet cache involved.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def build(sheets: int, rows: int) -> Path:
    from openpyxl import Workbook

    path = HERE / "_work" / f"months_{sheets}x{rows}.xlsx"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    for m in range(1, sheets + 1):
        ws = wb.create_sheet(f"Tháng {m}")
        ws.append(["Mã hồ sơ", "Đơn vị", "Ngày tiếp nhận", "Hình thức nộp"])
        for i in range(rows):
            ws.append([f"H{m}-{i}", "Văn phòng Sở", f"0{1 + i % 9}/{(m - 1) % 12 + 1:02d}/2024", "Trực tuyến"])
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    tmp.rename(path)
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sheets", type=int, default=12)
    ap.add_argument("--rows", type=int, default=20_000)
    args = ap.parse_args()
    from dx_metrics.ingest import extent
    from dx_metrics.ingest.workbook import open_sheets

    path = build(args.sheets, args.rows)
    names = [f"Tháng {m}" for m in range(1, args.sheets + 1)]
    print(f"input: {path.name}, {args.sheets} sheets x {args.rows:,} rows; one read per sheet\n")
    print(f"{'method':24} {'seconds':>8}  note")
    seconds = {}
    for label, named in (("every sheet per read", False), ("the named sheet only", True)):
        extent._scan.cache_clear()
        t0 = time.perf_counter()
        for name in names:
            got = open_sheets(path, only=name if named else None)
            assert name in [s.name for s in got]
        seconds[label] = time.perf_counter() - t0
        note = "" if not named else f"{seconds['every sheet per read'] / seconds[label]:.1f} x faster"
        print(f"{label:24} {seconds[label]:8.2f}  {note}")


if __name__ == "__main__":
    main()
