"""``dx-metrics``: validate exports, run report notebooks, list indicators.

Exit codes: ``validate`` 0 clean (warnings allowed), 1 errors found, 2 a file unreadable;
``run`` 0 all runs succeeded, 1 any failed.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def cmd_indicators(args: argparse.Namespace) -> int:
    from dx_metrics.indicators import catalog

    cat = catalog()
    name = "name_en" if args.lang == "en" else "name_vi"
    rows = [[r.indicator_id, r.unit, r.source_table, getattr(r, name)] for r in cat.itertuples()]
    print(_table(rows, ["indicator_id", "unit", "source", "name"]))
    return 0


def guess_kind(path: Path) -> str | None:
    """The table kind whose header matches the file best (None if none does)."""
    from dx_metrics.ingest.header import find_header
    from dx_metrics.ingest.reader import KINDS
    from dx_metrics.ingest.rules import OUTPUT_COLUMNS
    from dx_metrics.ingest.workbook import open_sheets

    best, score = None, 0
    for sheet in open_sheets(path):
        for kind in KINDS:
            if kind not in OUTPUT_COLUMNS:
                continue
            h = find_header(sheet.cells, kind)
            if h is not None and len(h.columns) > score:
                best, score = kind, len(h.columns)
    return best


def cmd_validate(args: argparse.Namespace) -> int:
    from dx_metrics.errors import ERROR, DxDataError
    from dx_metrics.ingest import read_export

    worst = 0
    for name in args.paths:
        path = Path(name)
        try:
            kind = args.kind or guess_kind(path)
            if kind is None:
                print(f"{path.name}: no table dx_metrics knows was found (pass --kind)")
                worst = max(worst, 1)
                continue
            df = read_export(path, kind, sheet=args.sheet, period=args.period, strict=False)
        except DxDataError as e:
            unreadable = any(p.reason == "unreadable" for p in e.problems)
            for p in e.problems:
                print(str(p))
            worst = max(worst, 2 if unreadable else 1)
            continue
        problems = df.attrs["problems"]
        errors = sum(p.severity == ERROR for p in problems)
        o = df.attrs["origin"]
        print(f"{path.name}: {kind}, sheet {o.get('sheet')!s}, period {o.get('period') or 'per row'}, "
              f"{len(df)} valid row(s), {errors} error(s), {len(problems) - errors} warning(s)")
        if problems:
            shown = problems if args.all else problems[:SHOWN]
            rows = [[p.severity, p.row or "", p.column or "", "" if p.value is None else str(p.value)[:30],
                     p.message + (f" ({p.hint})" if p.hint else "")] for p in shown]
            print(_table(rows, ["severity", "row", "column", "value", "problem"]))
            if len(shown) < len(problems):
                print(f"… +{len(problems) - len(shown)} more (--all lists every one)")
        if errors:
            worst = max(worst, 1)
    return worst


SHOWN = 40  # problems listed per file unless --all


def _plan_files(items: list[str]) -> list[Path]:
    out: list[Path] = []
    for item in items:
        p = Path(item)
        out.extend(sorted(p.glob("*.yaml")) if p.is_dir() else [p])
    return out


def _run_one(kwargs: dict):
    from dx_metrics.runner import run_plan

    return run_plan(**kwargs)


def cmd_run(args: argparse.Namespace) -> int:
    from concurrent.futures import ProcessPoolExecutor, as_completed

    plans = _plan_files(args.plans)
    if not plans:
        print("no plan files given", file=sys.stderr)
        return 1
    jobs = [dict(plan_path=p.resolve(), notebook=args.notebook, out_root=Path(args.out).resolve(),
                 data_dir=Path(args.data).resolve(), lang=args.lang, as_of=args.as_of) for p in plans]
    results = []
    print(f"dx-metrics: {len(jobs)} run(s), {args.jobs} at a time", flush=True)
    if args.jobs <= 1:
        for i, job in enumerate(jobs, start=1):
            r = _run_one(job)
            results.append(r)
            print(f"[{i}/{len(jobs)}] {r.status:6} {r.seconds:6.1f}s  {r.plan}", flush=True)
    else:
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            futures = [pool.submit(_run_one, job) for job in jobs]
            for i, f in enumerate(as_completed(futures), start=1):
                r = f.result()
                results.append(r)
                print(f"[{i}/{len(jobs)}] {r.status:6} {r.seconds:6.1f}s  {r.plan}", flush=True)
    print()
    rows = [[r.plan, r.status, f"{r.seconds:.1f}s", str(r.output or ""), r.error or ""] for r in results]
    print(_table(rows, ["plan", "status", "time", "output", "error"]))
    for r in results:
        if r.status == "ok":
            print(f"\nReport: {r.output / 'report.html'}")
    return 1 if any(r.status != "ok" for r in results) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dx-metrics", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("indicators", help="list the indicator registry")
    p.add_argument("--lang", choices=["vi", "en"], default="vi")
    p.set_defaults(func=cmd_indicators)

    p = sub.add_parser("validate", help="check exports and list every problem with its cell")
    p.add_argument("paths", nargs="+")
    p.add_argument("--kind", help="table kind (guessed from the header if omitted)")
    p.add_argument("--sheet")
    p.add_argument("--period", help="reporting period, e.g. 2023 or 2023-Q3, if the file states none")
    p.add_argument("--all", action="store_true", help=f"list every problem (default: the first {SHOWN})")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("run", help="run a report notebook for one or more plans")
    p.add_argument("plans", nargs="+", help="plan files (YAML) or folders of them")
    p.add_argument("--notebook", default="yearly_plan_evaluation")
    p.add_argument("--jobs", type=int, default=1, help="runs in parallel (processes)")
    p.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "outputs"))
    p.add_argument("--data", default=str(Path(__file__).resolve().parents[1] / "data"))
    p.add_argument("--lang", choices=["vi", "en"], default="vi")
    p.add_argument("--as-of", dest="as_of", help="last day the data covers (YYYY-MM-DD), for an early warning")
    p.set_defaults(func=cmd_run)

    args = parser.parse_args(argv)
    pd.set_option("display.width", 200)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
