"""Dossier records past memory: the record-level indicators at 10^6 ... 10^8 records in Parquet.

    make bench-scale                       (or: .venv/bin/python benchmarks/scale.py)
    .venv/bin/python benchmarks/scale.py --sizes 1e6 1e7 --pandas-up-to 1e7

The records are generated once (fixed seed; 60 units of the registry; three Decree 09 years;
files of at most 10^7 records) under benchmarks/_work/scale/<n>/ and reused. Each contender
runs in a fresh process; the table gives the wall time of the computation (the interpreter's
start and imports excluded) and the peak resident memory of the whole process:

  dx_metrics duckdb   engines.aggregate_parquet: the full record-level set (received, online,
                      digitised, paid online, resolved, on time, late, pending, carried over per
                      unit and Decree 09 year), out of core
  + check             dataset.read_records (every rule in one scan, units against the registry,
                      each dossier code once) and then the same count: what a plan run pays
  hand-written sql    one DuckDB query an analyst would write for the same figures over the
                      same files (pending as a running sum), with DuckDB's default settings:
                      the yardstick (goal: dx_metrics within 1.3 x)
  pandas              today's in-memory path: the Parquet files read into one frame, then
                      records.aggregate_records (only up to --pandas-up-to records)

Every line ends with a check (rows, and the sums of received, online and late dossiers); the
contenders must agree. Goals (issue 15): 10^8 records in peak RSS <= 1.5 GB, time <= 1.3 x the
hand-written query, cost linear in records.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

WORK = Path(__file__).resolve().parent / "_work" / "scale"
CHUNK = 10_000_000
COLUMNS = ["dossier_id", "unit_id", "received_at", "channel", "due_at", "resolved_at", "digitized", "paid_online"]


def _units() -> list[str]:
    from dx_metrics.units import load_units

    ids = load_units()["unit_id"]
    return sorted(ids[ids.str.startswith(("baclieu_", "mot_", "prov_"))])[:60]


def make_dataset(n: int) -> Path:
    """``n`` records as Parquet files of at most ``CHUNK`` rows (made once)."""
    folder = WORK / str(n)
    done = folder / "_complete"
    if done.is_file():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    units = np.array(_units(), dtype=object)
    start = np.datetime64("2021-12-15T00:00", "m")
    for k, lo in enumerate(range(0, n, CHUNK)):
        m = min(CHUNK, n - lo)
        rng = np.random.default_rng(1000 + k)
        received = start + rng.integers(0, 3 * 365 * 24 * 60, m).astype("timedelta64[m]")
        due = received.astype("datetime64[D]") + rng.integers(1, 20, m)
        resolved = received + rng.integers(0, 25 * 24 * 60, m).astype("timedelta64[m]")
        frame = pd.DataFrame({
            "dossier_id": pd.array(np.char.add(f"d{k}-", np.arange(m).astype(str)), dtype="string"),
            "unit_id": pd.Categorical.from_codes(rng.integers(0, len(units), m), units),
            "received_at": received.astype("datetime64[us]"),
            "channel": pd.Categorical.from_codes(rng.choice(3, m, p=[0.4, 0.5, 0.1]), ["online", "direct", "postal"]),
            "due_at": due.astype("datetime64[us]"),
            "resolved_at": pd.Series(resolved.astype("datetime64[us]")).mask(rng.random(m) < 0.05),
            "digitized": rng.random(m) < 0.6,
            "paid_online": rng.random(m) < 0.3,
        })
        frame.to_parquet(folder / f"part-{k:03d}.parquet", index=False, row_group_size=1_000_000)
        del frame
    done.write_text("ok")
    return folder


def _files(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.glob("*.parquet"))


def _check(table: pd.DataFrame) -> str:
    return (f"{len(table)} rows, received {int(table['received_total'].sum())}, online "
            f"{int(table['received_online'].sum())}, late {int(table['resolved_late'].sum())}")


def run_dx(folder: Path) -> str:
    from dx_metrics.indicators.engines import aggregate_parquet

    return _check(aggregate_parquet(_files(folder), COLUMNS, freq="year"))


def run_dx_checked(folder: Path) -> str:
    from dx_metrics.indicators.engines import aggregate_record_set
    from dx_metrics.ingest.dataset import read_records

    records = read_records(folder)
    return _check(aggregate_record_set(records, freq="year"))


HAND = """
WITH r AS (
  SELECT unit_id, channel = 'online' AS online, digitized, paid_online,
         (year(received_at) * 12 + month(received_at) - 1 + (day(received_at) >= 15)::INT) // 12 AS p_recv,
         (year(resolved_at) * 12 + month(resolved_at) - 1 + (day(resolved_at) >= 15)::INT) // 12 AS p_res,
         resolved_at::DATE > due_at::DATE AS late
  FROM read_parquet($files)
), recv AS (
  SELECT unit_id, p_recv AS p, count(*) AS received_total, count_if(online) AS received_online,
         count_if(digitized) AS digitized, count_if(paid_online) AS paid_online
  FROM r GROUP BY ALL
), res AS (
  SELECT unit_id, p_res AS p, count(*) AS resolved_total, count_if(late) AS resolved_late
  FROM r WHERE p_res IS NOT NULL GROUP BY ALL
)
SELECT unit_id, p, coalesce(received_total, 0) AS received_total, coalesce(received_online, 0) AS received_online,
       coalesce(resolved_late, 0) AS resolved_late,
       sum(coalesce(received_total, 0) - coalesce(resolved_total, 0)) OVER (PARTITION BY unit_id ORDER BY p) AS pending
FROM recv FULL JOIN res USING (unit_id, p)
"""


def run_hand(folder: Path) -> str:
    import duckdb

    con = duckdb.connect()         # DuckDB as an analyst has it: its own defaults (memory: 80 % of RAM)
    out = con.execute(HAND, {"files": _files(folder)}).df()
    return _check(out)


def run_pandas(folder: Path) -> str:
    from dx_metrics.indicators.records import aggregate_records

    records = pd.read_parquet(folder, columns=COLUMNS[1:])
    return _check(aggregate_records(records, freq="year"))


RUNNERS = {"dx_metrics duckdb": run_dx, "+ check": run_dx_checked, "hand-written sql": run_hand,
           "pandas": run_pandas}


def _one(name: str, folder: str) -> None:
    for module in ("duckdb", "dx_metrics.indicators.engines", "dx_metrics.ingest.dataset",
                   "dx_metrics.indicators.records"):
        importlib.import_module(module)          # imports are not what is measured
    t0 = time.perf_counter()
    check = RUNNERS[name](Path(folder))
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "check": check, "peak_mb": _peak_mb()}))


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: ru_maxrss would carry over the parent's peak
    across fork and exec, and the parent has just generated the records)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", nargs="+", type=float, default=[1e6, 1e7, 3e7, 1e8])
    ap.add_argument("--pandas-up-to", type=float, default=3e7, help="largest size the pandas path is run at")
    ap.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        _one(*args.one)
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB; "
          f"DuckDB memory limit: {os.environ.get('DX_METRICS_DUCKDB_MEMORY', 'none for counting, 1GB for the checks (defaults)')}\n")
    print(f"{'records':>12} {'method':18} {'seconds':>8} {'peak MB':>8} {'s / 10^7':>9}  check  note")
    for size in args.sizes:
        n = int(size)
        t0 = time.perf_counter()
        folder = make_dataset(n)
        made = time.perf_counter() - t0
        results = {}
        for name in RUNNERS:
            if name == "pandas" and n > args.pandas_up_to:
                continue
            out = subprocess.run([sys.executable, __file__, "--one", name, str(folder)], capture_output=True,
                                 text=True)
            if out.returncode != 0:
                print(f"{n:>12,} {name:18} failed: {out.stderr.strip().splitlines()[-1][:150]}")
                continue
            results[name] = json.loads(out.stdout.strip().splitlines()[-1])
        hand = results.get("hand-written sql", {}).get("seconds")
        for name, r in results.items():
            note = f"{r['seconds'] / hand:.2f} x hand-written" if hand and name != "hand-written sql" else ""
            print(f"{n:>12,} {name:18} {r['seconds']:8.2f} {r['peak_mb']:8.0f} {r['seconds'] / n * 1e7:9.2f}  "
                  f"{r['check']}  {note}", flush=True)
        if made > 1:
            print(f"{'':>12} (records generated in {made:.0f} s, {sum(p.stat().st_size for p in folder.glob('*.parquet')) / 2**20:.0f} MB of Parquet)")
    print("\nseconds: the computation in a fresh process (imports excluded); peak MB: that whole process.")


if __name__ == "__main__":
    main()
