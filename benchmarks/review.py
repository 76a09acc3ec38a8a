"""The data quality review of dossier records in Parquet: its cost on top of the indicators (issue 30).

    .venv/bin/python benchmarks/review.py                     # 10^7 records, 5 alternated runs
    .venv/bin/python benchmarks/review.py --rows 1e6 --runs 3

The records are those of benchmarks/scale.py (same generator, same folder under
benchmarks/_work/scale/<n>/: 60 registry units, three Decree 09 years, Parquet files of 10^7
records). Three contenders, each in a fresh process (imports and the RecordSet's making
excluded), alternated run after run, medians compared:

  indicators        compute_indicators({"dossier_records": RecordSet}): the counts by DuckDB
  + review (pandas) the same, then review(observations, records read into a frame, period 2023):
                    the record rules in pandas (what a plan run did, up to DX_METRICS_REVIEW_RECORDS)
  + review (sql)    the same, the RecordSet given to review: the record rules in SQL on DuckDB
                    over the files (one pass per unit and day)

Each line ends with a check: the flags (rule counts and a digest of every field) and the counts
judged; the two reviews must agree. Goal (issue 30): the review adds at most 50 % to the indicators.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))    # this checkout's dx_metrics, not an installed one
from scale import COLUMNS, _files, _peak_mb, make_dataset  # noqa: E402

PERIOD = "2023"


def _record_set(folder: Path):
    import duckdb

    from dx_metrics.ingest.dataset import RecordSet

    files = _files(folder)
    rows = duckdb.connect().execute("SELECT SUM(num_rows) FROM parquet_file_metadata(?)", [files]).fetchone()[0]
    return RecordSet(files=files, columns=list(COLUMNS), rows=int(rows), attrs={"origin": {"file": folder.name}})


def _digest(review) -> str:
    flags = review.flags
    text = flags.astype(str).to_csv(index=False) + json.dumps(review.judged, sort_keys=True)
    rules = flags["rule"].value_counts().sort_index().to_dict()
    return f"{len(flags)} flags {rules}, digest {hashlib.sha256(text.encode()).hexdigest()[:12]}"


def run(name: str, folder: Path) -> tuple[float, str]:
    from dx_metrics import compute_indicators
    from dx_metrics.quality import review

    records = _record_set(folder)
    t0 = time.perf_counter()
    obs = compute_indicators({"dossier_records": records})
    check = f"{len(obs)} observations"
    if name == "+ review (pandas)":
        check = _digest(review(obs, {"dossier_records": records.to_pandas()}, period=PERIOD))
    elif name == "+ review (sql)":
        check = _digest(review(obs, {"dossier_records": records}, period=PERIOD))
    return time.perf_counter() - t0, check


NAMES = ["indicators", "+ review (pandas)", "+ review (sql)"]


def _one(name: str, folder: str) -> None:
    import importlib

    for module in ("duckdb", "dx_metrics", "dx_metrics.quality", "dx_metrics.quality.records_sql",
                   "dx_metrics.indicators.engines"):
        importlib.import_module(module)          # imports are not what is measured
    seconds, check = run(name, Path(folder))
    print(json.dumps({"seconds": seconds, "check": check, "peak_mb": _peak_mb()}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=float, default=1e7)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        _one(*args.one)
        return
    n = int(args.rows)
    folder = make_dataset(n)
    times: dict[str, list[float]] = {k: [] for k in NAMES}
    peaks: dict[str, list[float]] = {k: [] for k in NAMES}
    checks: dict[str, set] = {k: set() for k in NAMES}
    for i in range(args.runs):
        order = NAMES[i % 3:] + NAMES[:i % 3]      # alternated: each contender first in turn
        for name in order:
            out = subprocess.run([sys.executable, __file__, "--one", name, str(folder)], capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"{name} failed:\n{out.stderr[-3000:]}")
            r = json.loads(out.stdout.strip().splitlines()[-1])
            times[name].append(r["seconds"])
            peaks[name].append(r["peak_mb"])
            checks[name].add(r["check"])
        print(f"run {i + 1}: " + ", ".join(f"{k} {times[k][-1]:.2f} s" for k in NAMES), flush=True)
    alone = statistics.median(times["indicators"])
    print(f"\n{n:,} dossier records in Parquet (benchmarks/scale.py's), review period {PERIOD}; "
          f"medians of {args.runs} alternated runs, each a fresh process\n")
    print(f"{'method':20} {'median s':>9} {'range s':>13} {'peak MB':>8} {'vs indicators':>14}  check")
    for name in NAMES:
        t = times[name]
        med = statistics.median(t)
        ratio = "" if name == "indicators" else f"+{med / alone - 1:.0%}"
        print(f"{name:20} {med:9.2f} {min(t):6.2f}–{max(t):5.2f} {statistics.median(peaks[name]):8.0f} "
              f"{ratio:>14}  {' | '.join(sorted(checks[name]))}")
    old, new = statistics.median(times["+ review (pandas)"]) - alone, statistics.median(times["+ review (sql)"]) - alone
    print(f"\nthe review alone: pandas {old:.2f} s, sql {new:.2f} s ({old / new:.1f} x faster); "
          f"goal: review <= +50 % of the indicators")
    same = checks["+ review (pandas)"] == checks["+ review (sql)"] and len(checks["+ review (sql)"]) == 1
    print("the two reviews agree (flags and counts judged)" if same else "THE TWO REVIEWS DIFFER")


if __name__ == "__main__":
    main()
