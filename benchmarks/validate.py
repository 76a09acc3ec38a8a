"""`dx-metrics validate` without `--kind` against the same command with it (issue 30).

    .venv/bin/python benchmarks/validate.py [--rows 200000 60000] [--repeat 5]

On the one-stop dossier-record workbook of ``ingest.py`` (ROWS x 12 columns under three
title rows, built once in benchmarks/_work/), each run a fresh process with an empty cache
(``DX_METRICS_CACHE`` a new folder):

  with --kind        dx-metrics validate FILE --kind dossier_records   (the yardstick)
  without --kind     dx-metrics validate FILE                          (the kind guessed)
  two parses         the same, its kind guessed from a read of its own (as before issue 30)

The three alternate, --repeat times each; medians compared. Then one warm run of each form
(the same command again, on the cache its own first run left). Goal (issue 30): without --kind <= 1.1 x with it.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
KIND = "dossier_records"
FORMS = {"with --kind": ["--kind", KIND], "without --kind": [], "two parses": None}


def _two_parses(path: str) -> int:
    """`dx-metrics validate FILE` with the kind guessed from a read of its own (``keep``
    ignored): what the command did before one parse served both."""
    from dx_metrics import cli
    from dx_metrics.ingest import reader

    real = reader.guess_kind
    reader.guess_kind = lambda p, *, keep=False: real(p)
    return cli.main(["validate", path])


def run(form: str, path: Path, cache: str) -> float:
    """Seconds of one whole process (imports included), its output discarded."""
    env = {**os.environ, "DX_METRICS_CACHE": cache, "XDG_CACHE_HOME": cache, "PYTHONPATH": str(ROOT)}
    if FORMS[form] is None:
        cmd = [sys.executable, __file__, "--two-parses", str(path)]
    else:
        cmd = [sys.executable, "-m", "dx_metrics.cli", "validate", str(path), *FORMS[form]]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        raise SystemExit(f"{form} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds


def measure(rows: int, repeat: int) -> None:
    sys.path.insert(0, str(HERE))
    from ingest import HEADER, build

    path = build(rows)
    print(f"\ninput: {path.name} ({path.stat().st_size / 1e6:.1f} MB, {rows:,} rows x {len(HEADER)} columns)")
    times: dict[str, list[float]] = {f: [] for f in FORMS}
    cache = None
    for i in range(max(1, repeat)):
        order = list(FORMS) if i % 2 == 0 else list(reversed(FORMS))     # alternated, each first in turn
        for form in order:
            if cache:
                shutil.rmtree(cache, ignore_errors=True)
            cache = tempfile.mkdtemp(prefix="dx-bench-validate-")
            times[form].append(run(form, path, cache))
    shutil.rmtree(cache, ignore_errors=True)
    warm = {}
    for form in FORMS:          # the same command again, on the cache its own cold run left
        cache = tempfile.mkdtemp(prefix="dx-bench-validate-")
        run(form, path, cache)
        warm[form] = run(form, path, cache)
        shutil.rmtree(cache, ignore_errors=True)
    base = statistics.median(times["with --kind"])
    print(f"{'form':16} {'cold median':>11} {'(min–max)':>15} {'vs --kind':>9} {'warm':>7}")
    for form, ts in times.items():
        med = statistics.median(ts)
        print(f"{form:16} {med:10.2f}s {f'({min(ts):.2f}–{max(ts):.2f})':>15} {med / base:8.2f}x {warm[form]:6.2f}s")
    ratio = statistics.median(times["without --kind"]) / base
    print(f"without --kind / with --kind: {ratio:.2f} x (goal <= 1.1); medians of {len(ts)} alternated fresh "
          f"processes, each with an empty cache")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[200_000, 60_000])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--two-parses", metavar="PATH", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.two_parses:
        sys.exit(_two_parses(args.two_parses))
    for rows in args.rows:
        measure(rows, args.repeat)
    print("\nEach run is a fresh Python process (imports included); the forms alternate and their medians "
          "are compared.")


if __name__ == "__main__":
    main()
