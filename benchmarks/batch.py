"""Batch reports: 63 provincial plans, the naive way against `dx-metrics run --jobs 2`, with the
notebooks in kernels (papermill, `--kernel`) and in the workers' processes (the default).

    .venv/bin/python benchmarks/batch.py [--plans 63] [--naive-plans 63]

Builds (once, in benchmarks/_work/batch/) a national dossier-records export of 200,000
rows covering the 63 provinces of 2023 (an xlsx with title rows, as the national portal
would send it) and one yearly plan per province that reads it. Then, in one run:

  naive       sequential papermill, one plan after another, each notebook reading the
              workbook itself (the parse cache switched off), HTML rendered per run
  kernel      `dx-metrics run PARAMS --jobs 2 --kernel` from a cold cache: the workbook is
              parsed and the indicators of all 63 provinces computed once, then the notebooks
              run two at a time, each in a kernel of its own (papermill; the default before
              issue 30)
  direct      `dx-metrics run PARAMS --jobs 2`: the same, the notebooks' cells run in the two
              worker processes (dx_metrics.direct)

and prints the wall times, the speed-up, and the marginal cost of one more report
(the difference between a 63-plan and a 16-plan batch, divided by 47). The direct 63-plan
batch runs twice: recording every run in a fresh history store, and with the history off.
Goals (issue 30): at least 10 x faster than naive; marginal cost at most 0.6 s; recording
the history adds at most 10 %.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "_work" / "batch"
ROWS = 200_000


def provinces() -> list[tuple[str, str]]:
    """(unit_id, official name) of the 63 provinces in force in 2023, from the unit registry."""
    with open(ROOT / "dx_metrics" / "reference" / "units.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["kind"] == "province" and not r["valid_from"]]
    assert len(rows) == 63, len(rows)
    return [(r["unit_id"], r["name_vi"]) for r in rows]


def build(n_plans: int) -> tuple[Path, Path]:
    """The national export and the plan folder (plans for the first ``n_plans`` provinces)."""
    from openpyxl import Workbook

    data = WORK / "data"
    export = data / "ho_so_toan_quoc_2023.xlsx"
    units = provinces()
    if not export.exists():
        data.mkdir(parents=True, exist_ok=True)
        rng = random.Random(11)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Hồ sơ")
        ws.append(["CỔNG DỊCH VỤ CÔNG QUỐC GIA"])
        ws.append(["DANH SÁCH HỒ SƠ THỦ TỤC HÀNH CHÍNH LĨNH VỰC GIAO THÔNG VẬN TẢI"])
        ws.append(["Năm 2023"])
        ws.append(["Mã hồ sơ", "Đơn vị", "Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Ngày tiếp nhận", "Hình thức nộp",
                   "Ngày hẹn trả", "Ngày trả kết quả", "Số hóa", "Thanh toán trực tuyến", "Trạng thái"])
        start = dt.datetime(2022, 12, 15, 7, 30)
        for i in range(ROWS):
            received = start + dt.timedelta(minutes=rng.randrange(0, 525_600))
            resolved = received + dt.timedelta(days=rng.randrange(1, 25)) if rng.random() < 0.93 else None
            proc = rng.randrange(1, 95)
            ws.append([f"H{i:08d}", units[i % 63][1], f"1.00{proc:04d}", f"Thủ tục số {proc}", "Đường bộ", received,
                       rng.choice(["Trực tuyến", "Trực tiếp", "Bưu chính công ích"]),
                       received + dt.timedelta(days=rng.randrange(3, 20)), resolved,
                       rng.choice(["Có", ""]), rng.choice(["Có", ""]), "Đã trả kết quả" if resolved else "Đang xử lý"])
        tmp = export.with_suffix(".tmp.xlsx")
        wb.save(tmp)
        tmp.rename(export)
    params = WORK / f"params_{n_plans}"
    if params.exists():
        shutil.rmtree(params)
    params.mkdir(parents=True)
    for unit_id, name in units[:n_plans]:
        (params / f"{unit_id}_2023.yaml").write_text(
            f"id: {unit_id}_2023\ntitle: Kế hoạch chuyển đổi số năm 2023 - {name} (mẫu đo hiệu năng)\n"
            f"unit: {unit_id}\nyear: 2023\ninputs:\n  - {{path: {export.name}, kind: dossier_records}}\n"
            "targets:\n  - {indicator: online_dossier_share, value: 35%}\n"
            "  - {indicator: on_time_resolution_rate, value: 95%}\n", encoding="utf-8")
    return data, params


def naive(data: Path, params: Path) -> float:
    """Sequential papermill, each notebook parsing the workbook itself (cache off)."""
    env_before = os.environ.get("DX_METRICS_CACHE")
    os.environ["DX_METRICS_CACHE"] = "off"
    try:
        from dx_metrics.runner import run_plan

        out = Path(tempfile.mkdtemp(prefix="dx-naive-"))
        t0 = time.perf_counter()
        for plan in sorted(params.glob("*.yaml")):
            r = run_plan(plan, out_root=out, data_dir=data, kernel=True)
            if r.status != "ok":
                raise SystemExit(f"naive run failed: {r.error}")
        return time.perf_counter() - t0
    finally:
        if env_before is None:
            os.environ.pop("DX_METRICS_CACHE", None)
        else:
            os.environ["DX_METRICS_CACHE"] = env_before


def batch(data: Path, params: Path, jobs: int = 2, *, history: bool = True, kernel: bool = False) -> float:
    """`dx-metrics run --jobs N` from a cold cache, as a scheduler would start it; recording its
    runs in a fresh history store (or, with ``history`` false, none); with ``kernel``, each
    notebook in a kernel (`--kernel`)."""
    store = Path(tempfile.mkdtemp(prefix="dx-batch-history-")) / "history.duckdb"
    env = {**os.environ, "DX_METRICS_CACHE": tempfile.mkdtemp(prefix="dx-batch-cache-"),
           "DX_METRICS_HISTORY": str(store) if history else "off"}
    out = tempfile.mkdtemp(prefix="dx-batch-")
    exe = Path(sys.executable).with_name("dx-metrics")
    t0 = time.perf_counter()
    done = subprocess.run([str(exe), "run", str(params), "--jobs", str(jobs), "--data", str(data), "--out", out,
                           *(["--kernel"] if kernel else [])], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"batch failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--plans", type=int, default=63)
    ap.add_argument("--naive-plans", type=int, default=63, help="plans for the naive run (it is slow)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    data, params = build(args.plans)
    _, naive_params = build(args.naive_plans)
    print(f"inputs ready in {time.perf_counter() - t0:.0f}s: {ROWS:,} dossier records, {args.plans} plans")
    small_n = min(16, args.plans // 2)
    _, small = build(small_n)
    runs: dict[str, tuple[float, float | None]] = {}
    for name, kernel in (("kernel", True), ("direct", False)):
        full = batch(data, params, kernel=kernel)
        runs[name] = (full, batch(data, small, kernel=kernel) if small_n < args.plans else None)
    t_plain = batch(data, params, history=False)
    t_naive = naive(data, naive_params)
    naive_per = t_naive / args.naive_plans
    naive_total = naive_per * args.plans
    print(f"\n{'method':46} {'plans':>5} {'seconds':>8} {'per report':>11} {'marginal':>9} {'vs naive':>9}")
    print(f"{'naive (sequential papermill, no cache)':46} {args.naive_plans:5d} {t_naive:8.1f} {naive_per:10.2f}s")
    labels = {"kernel": "dx-metrics run --jobs 2 --kernel (papermill)", "direct": "dx-metrics run --jobs 2 (in process)"}
    for name, (full, part) in runs.items():
        marginal = f"{(full - part) / (args.plans - small_n):8.2f}s" if part is not None else f"{'':9}"
        print(f"{labels[name]:46} {args.plans:5d} {full:8.1f} {full / args.plans:10.2f}s {marginal} "
              f"{naive_total / full:8.1f}x")
        if part is not None:
            print(f"{labels[name]:46} {small_n:5d} {part:8.1f} {part / small_n:10.2f}s")
    print(f"{'dx-metrics run --jobs 2 (in process), no history':46} {args.plans:5d} {t_plain:8.1f} "
          f"{t_plain / args.plans:10.2f}s {'':9} {naive_total / t_plain:8.1f}x")
    note = "" if args.naive_plans == args.plans else f" (naive scaled from {args.naive_plans} plans)"
    full, part = runs["direct"]
    print(f"\nspeed-up for {args.plans} reports: {naive_total / full:.1f} x{note} (goal >= 10); "
          f"kernels: {naive_total / runs['kernel'][0]:.1f} x")
    if part is not None:
        print(f"marginal cost of one more report: {(full - part) / (args.plans - small_n):.2f} s (goal <= 0.6)")
    print(f"recording the history adds {full / t_plain - 1:+.0%} to the batch (goal <= 10 %)")


if __name__ == "__main__":
    main()
