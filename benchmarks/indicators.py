"""Indicator speed and memory: 10 million dossier records, dx_metrics against DuckDB.

    make bench            (installs the bench extra: duckdb)
    .venv/bin/python benchmarks/indicators.py [--rows 10000000]

Each contender runs in a fresh process that first builds the same synthetic records
(fixed seed; 60 units under 4 parents; 3 years of Decree 09/2019 periods), then computes
the dossier indicators for every unit and Decree 09 year, roll-ups to parent units
included:

  dx_metrics   compute_indicators({"dossier_records": records}) (the full indicator set
               the table allows: online share, on-time rate, digitisation, payments ...)
  duckdb       the same aggregation in SQL over the same DataFrame (zero-copy scan)
  + review     the same, then dx_metrics.quality.review of the records and indicators
               (months without dossiers, answers within minutes, outliers, changes over time);
               goal (issue 12): the review adds at most 50 % to the indicators' time
  pandas naive groupby with a Python function per group (what a notebook often does;
               no roll-ups, so it covers fewer rows)

Each line ends with a check (rows and the sum of online shares): dx_metrics and DuckDB
must agree.

The table reports the compute time (building the records excluded) and the peak
resident memory of the process (records included). Goals (issue 4): dx_metrics within
2 x DuckDB, peak memory under 3 GB.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

UNITS = [f"u{i:02d}" for i in range(60)]


def make_records(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(42)
    start = np.datetime64("2021-12-15T00:00", "m")
    received = start + rng.integers(0, 3 * 365 * 24 * 60, n).astype("timedelta64[m]")
    due = received + rng.integers(1, 20, n).astype("timedelta64[D]")
    done = rng.random(n) < 0.95
    resolved = np.where(done, received + rng.integers(0, 25 * 24 * 60, n).astype("timedelta64[m]"),
                        np.datetime64("NaT"))
    return pd.DataFrame({
        "dossier_id": np.arange(n),
        "unit_id": pd.Categorical.from_codes(rng.integers(0, len(UNITS), n), UNITS),
        "received_at": received.astype("datetime64[us]"),
        "channel": pd.Categorical.from_codes(rng.choice(3, n, p=[0.4, 0.5, 0.1]), ["online", "direct", "postal"]),
        "due_at": due.astype("datetime64[us]"),
        "resolved_at": resolved.astype("datetime64[us]"),
        "digitized": rng.random(n) < 0.6,
        "paid_online": rng.random(n) < 0.3,
    })


def _units_file_parents() -> dict[str, str]:
    return {u: f"p{int(u[1:]) % 4}" for u in UNITS}


def run_dx(records: pd.DataFrame, *, with_review: bool = False) -> int:
    from dx_metrics import compute_indicators
    from dx_metrics.indicators import compute

    parents = _units_file_parents()
    # the synthetic units are not in the registry: give them parents for the roll-up
    fake = pd.DataFrame({"unit_id": UNITS + sorted(set(parents.values())),
                         "kind": ["division"] * len(UNITS) + ["department"] * 4,
                         "parent_id": [parents[u] for u in UNITS] + [pd.NA] * 4})
    compute.load_units = lambda: fake  # noqa: E731 - benchmark-only stand-in for the registry
    obs = compute_indicators({"dossier_records": records})
    if with_review:
        from dx_metrics.quality import review

        review(obs, {"dossier_records": records})
    share = obs[obs["indicator_id"] == "online_dossier_share"]
    return _checksum(share["unit_id"], share["period"].astype(int), share["value"])


def run_dx_review(records: pd.DataFrame) -> int:
    """The indicators and then the data quality review of the same records."""
    return run_dx(records, with_review=True)


SQL = """
WITH r AS (
  SELECT unit_id::VARCHAR AS unit_id, channel::VARCHAR AS channel, digitized, paid_online,
         (year(received_at) * 12 + month(received_at) - 1 + (day(received_at) >= 15)::INT) // 12 AS p_recv,
         CASE WHEN resolved_at IS NULL THEN NULL ELSE
           (year(resolved_at) * 12 + month(resolved_at) - 1 + (day(resolved_at) >= 15)::INT) // 12 END AS p_res,
         CAST(resolved_at AS DATE) > CAST(due_at AS DATE) AS late
  FROM records
), recv AS (
  SELECT unit_id, p_recv AS p, count(*) AS received, sum((channel = 'online')::INT) AS online,
         sum(digitized::INT) AS digitized, sum(paid_online::INT) AS paid
  FROM r GROUP BY ALL
), res AS (
  SELECT unit_id, p_res AS p, count(*) AS resolved, sum(late::INT) AS late
  FROM r WHERE p_res IS NOT NULL GROUP BY ALL
), units AS (
  SELECT recv.unit_id, recv.p, received, online, digitized, paid, coalesce(resolved, 0) AS resolved,
         coalesce(late, 0) AS late
  FROM recv FULL JOIN res USING (unit_id, p)
), withparent AS (
  SELECT * FROM units
  UNION ALL
  SELECT 'p' || (CAST(substr(unit_id, 2) AS INT) % 4) AS unit_id, p, sum(received), sum(online), sum(digitized),
         sum(paid), sum(resolved), sum(late) FROM units GROUP BY ALL
)
SELECT unit_id, p, online / received AS online_share, (resolved - late) / nullif(resolved, 0) AS on_time_rate,
       digitized / received AS digitization_rate,
       sum(received - resolved) OVER (PARTITION BY unit_id ORDER BY p) AS pending
FROM withparent
"""


def run_duckdb(records: pd.DataFrame) -> int:
    import duckdb

    con = duckdb.connect()
    con.register("records", records)
    out = con.execute(SQL).df()
    return _checksum(out["unit_id"], out["p"], out["online_share"])


def run_naive(records: pd.DataFrame) -> int:
    """Per-group Python: the way an indicator often starts life in a notebook."""
    d = records.assign(year=(records["received_at"] + pd.Timedelta(days=17)).dt.year)

    def one(g: pd.DataFrame) -> pd.Series:
        return pd.Series({"online_share": (g["channel"] == "online").mean(),
                          "on_time": (g["resolved_at"].dt.normalize() <= g["due_at"].dt.normalize()).sum()
                          / g["resolved_at"].notna().sum(),
                          "digitized": g["digitized"].mean()})

    out = d.groupby(["unit_id", "year"], observed=True).apply(one).reset_index()
    return _checksum(out["unit_id"], out["year"], out["online_share"])


def _checksum(units, periods, shares) -> str:
    """Rows and the sum of online shares, for checking that every method agrees."""
    shares = pd.Series(shares).astype(float)
    return f"{int(shares.notna().sum())} values, Σ online share {float(shares.sum()):.9f}"


RUNNERS = {"dx_metrics": run_dx, "+ review": run_dx_review, "duckdb": run_duckdb, "pandas naive": run_naive}


def _one(name: str, rows: int) -> None:
    records = make_records(rows)
    t0 = time.perf_counter()
    check = RUNNERS[name](records)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "check": check, "peak_mb": peak}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        _one(args.one[0], int(args.one[1]))
        return
    names = [n for n in RUNNERS if not (args.skip_naive and n == "pandas naive")]
    results = {}
    for name in names:
        out = subprocess.run([sys.executable, __file__, "--one", name, str(args.rows)], capture_output=True,
                             text=True)
        if out.returncode != 0:
            print(f"{name}: failed\n{out.stderr[-2000:]}")
            continue
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{args.rows:,} dossier records, 60 units, 3 Decree 09 years\n")
    print(f"{'method':14} {'seconds':>8} {'peak MB':>8}  note")
    duck = results.get("duckdb", {}).get("seconds")
    for name, r in results.items():
        note = f"{r['seconds'] / duck:.2f} x DuckDB (goal <= 2)" if duck and name == "dx_metrics" else ""
        if name == "pandas naive" and duck:
            note = f"{r['seconds'] / duck:.2f} x DuckDB"
        if name == "+ review" and "dx_metrics" in results:
            alone = results["dx_metrics"]["seconds"]
            note = f"indicators and data quality review: the review adds {r['seconds'] / alone - 1:.0%} (goal <= 50 %)"
        print(f"{name:14} {r['seconds']:8.2f} {r['peak_mb']:8.0f}  {r['check']}  {note}")
    print("\nseconds: the computation only; peak MB: the whole process, records included (goal < 3000).")


if __name__ == "__main__":
    main()
