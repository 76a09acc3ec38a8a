"""``dx-metrics``: validate exports, run report notebooks, list indicators.

Exit codes: ``validate`` 0 clean (warnings allowed), 1 errors found, 2 a file unreadable;
``run`` 0 all runs succeeded, 1 any failed; ``history`` 0 done, 1 nothing done (no such source,
a removal not confirmed), 2 the history file cannot be used; ``import-records`` 0 every file
imported, 1 a file or rows with errors not imported, 2 another import held the dataset past ``--wait``.
Any command: 2 when a ``DX_METRICS_*`` variable holds a value it cannot use (``dx_metrics.settings``),
said by name before any work.
"""
from __future__ import annotations

import argparse
import sys
import time
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


def cmd_validate(args: argparse.Namespace) -> int:
    from dx_metrics import workspace
    from dx_metrics.errors import DxDataError
    from dx_metrics.ingest import read_export
    from dx_metrics.ingest.reader import guess_kind

    if _bad_validate_options(args):
        return 2
    for note in workspace.activate(workspace.current()):   # the workspace's units.csv, if any
        print(f"note: {note}")
    worst = 0
    for name in args.paths:
        path = Path(name)
        try:
            kind = args.kind or guess_kind(path)
            if kind is None:
                likely, said = _nearest_kind(path, args.sheet)
                print(f"{path.name}: no table dx_metrics knows was found: {said}")
                if args.suggest and likely is not None:
                    _print_draft_without_header(path, likely, args.sheet)
                worst = max(worst, 1)
                continue
            df = read_export(path, kind, sheet=args.sheet, period=args.period, strict=False, scope=args.scope,
                             index=args.index, within=workspace.current().root)
        except DxDataError as e:
            unreadable = any(p.reason in ("unreadable", "too_large") for p in e.problems)
            for p in e.problems:
                print(str(p))
            if args.suggest and kind and any(p.reason == "no_header" for p in e.problems):
                _print_draft_without_header(path, kind, args.sheet)
            worst = max(worst, 2 if unreadable else 1)
            continue
        worst = max(worst, _print_validated(path, kind, df, args))
    return worst


def _nearest_kind(path: Path, sheet: str | None) -> tuple[str | None, str]:
    """For a file no kind's header was found in: the kind whose header its rows come closest to,
    and what was seen (the rows looked in, the row most like a header and its cells)."""
    from dx_metrics.canonical import KINDS
    from dx_metrics.ingest.header import ANY_INDEX, header_candidates, scanned_rows
    from dx_metrics.ingest.workbook import open_sheets

    from dx_metrics.ingest.layouts import statistics_page, statistics_said

    best = None
    sheets = [s for s in open_sheets(path, only=sheet) if sheet is None or s.name == sheet]
    stats = next((lines for s in sheets if (lines := statistics_page(s.cells))), None)
    if stats:
        return None, statistics_said(stats)
    for s in sheets:
        for kind in KINDS:
            for c in header_candidates(s.cells, kind, ANY_INDEX if kind == "index_scores" else None, top=1):
                score = (sum(x[3] == "read" for x in c.cells), sum(x[3] == "guess" for x in c.cells))
                if best is None or score > best[0]:
                    best = (score, kind, s, c)
    rows = ", ".join(f"{scanned_rows(s.cells)}" + (f' of sheet "{s.name}"' if s.name is not None else "")
                     for s in sheets) or "no sheet"
    if best is None:
        return None, f"{rows} looked in, and no row holds two texts (pass --kind if the file holds a table)"
    _, kind, s, c = best
    return kind, (f"{rows} looked in; the row most like a header ({kind}) is {c.said()} (pass --kind, or add the "
                  "header texts to columns.yaml in your workspace: --suggest drafts it)")


def _print_draft_without_header(path: Path, kind: str, sheet: str | None) -> None:
    """A columns.yaml draft when no header was found: the row most like a header, each of its
    cells under the field it most resembles, every one marked as a guess."""
    import json

    from dx_metrics.ingest.header import ANY_INDEX, header_candidates
    from dx_metrics.ingest.workbook import open_sheets

    best = None
    for s in open_sheets(path, only=sheet):
        if sheet is not None and s.name != sheet:
            continue
        for c in header_candidates(s.cells, kind, ANY_INDEX if kind == "index_scores" else None, top=1):
            if best is None or len(c.cells) > len(best[1].cells):
                best = (s, c)
    print(f"# columns.yaml draft for {path.name} ({kind}): no header was found, so every line below is a guess")
    if best is None:
        print("# no row of the first ones holds two texts: there is nothing to guess from")
        return
    s, c = best
    where = f'sheet "{s.name}", ' if s.name is not None else ""
    print(f"# from {where}row {c.row}, the row most like a header; check each guess, then save it as columns.yaml "
          "in your workspace")
    guesses: dict[str, list[str]] = {}
    for _, text, field, how in c.cells:
        guesses.setdefault(field or "?", []).append(text)
    print(f"{kind}:")
    for name, texts in guesses.items():
        if name == "?":
            continue
        print(f"  {name}:   # a guess")
        print(f"    aliases: [{', '.join(json.dumps(t, ensure_ascii=False) for t in texts)}]")
    for text in guesses.get("?", []):
        print(f"  # no field resembles {json.dumps(text, ensure_ascii=False)}: name it yourself or leave it out")


def _bad_validate_options(args: argparse.Namespace) -> bool:
    """An unknown --kind, an --index the catalogue lacks, or a --scope the registry lacks, said
    on stderr."""
    if args.kind is not None:
        from dx_metrics.canonical import KINDS

        if args.kind not in KINDS:
            import difflib

            close = difflib.get_close_matches(args.kind, KINDS, 1)
            print(f"dx-metrics validate: --kind {args.kind!r} is not a table kind"
                  + (f" (did you mean {close[0]}?)" if close else "") + f"; the kinds are: {', '.join(KINDS)}",
                  file=sys.stderr)
            return True
    if args.index is not None:
        from dx_metrics.ingest import indexes
        try:
            indexes.resolve(args.index)
        except ValueError as e:
            print(f"dx-metrics validate: {e}", file=sys.stderr)
            return True
    if args.scope is not None:
        import difflib

        from dx_metrics.units import load_units

        ids = list(load_units()["unit_id"])
        if args.scope not in ids:
            close = difflib.get_close_matches(args.scope, ids, 3)
            print(f"dx-metrics validate: --scope {args.scope!r} is not a unit_id of the unit registry"
                  + (f" (close: {', '.join(close)})" if close else ""), file=sys.stderr)
            return True
    return False


def _print_validated(path: Path, kind: str, df: pd.DataFrame, args: argparse.Namespace) -> int:
    """What a file read as: its kind, sheet, period and counts, the layout notes, the columns
    (--explain), a columns.yaml draft (--suggest) and its problems. 1 when it has errors."""
    from dx_metrics.errors import ERROR

    problems = df.attrs["problems"]
    errors = sum(p.severity == ERROR for p in problems)
    o = df.attrs["origin"]
    print(f"{path.name}: {kind}, sheet {o.get('sheet')!s}, period {o.get('period') or 'per row'}, "
          f"{len(df)} valid row(s), {errors} error(s), {len(problems) - errors} warning(s)")
    for note in o.get("layout") or []:
        print(f"layout: {note}")
    if args.explain:
        if o.get("index"):
            print(f"index: {o['index']} ({o.get('index_how') or 'given'})")
        print(f"header on row {o.get('header_row')}; each column and how it was read:")
        print(_table([list(c) for c in o.get("columns", [])], ["col", "header", "field", "how"]))
    if args.suggest:
        _print_columns_draft(path.name, kind, o.get("columns", []))
    if problems:
        shown = problems if args.all else problems[:SHOWN]
        rows = [[p.severity, p.row or "", p.column or "", "" if p.value is None else str(p.value)[:30],
                 p.message + (f" ({p.hint})" if p.hint else "")] for p in shown]
        print(_table(rows, ["severity", "row", "column", "value", "problem"]))
        if len(shown) < len(problems):
            print(f"… +{len(problems) - len(shown)} more (--all lists every one)")
    return 1 if errors else 0


SHOWN = 40  # problems listed per file unless --all


def _print_columns_draft(file: str, kind: str, columns: list) -> None:
    """A draft ``columns.yaml`` for the header cells that were not read: each under the field
    whose aliases share most words with it, for the analyst to check and save."""
    import json

    from dx_metrics.ingest.header import closest_field

    taken = {c[2] for c in columns if c[2] != "—"}
    unread = [c[1] for c in columns if c[2] == "—" and not str(c[3]).startswith("row number")]
    print(f"# columns.yaml draft for {file} ({kind}): check each guess, move or delete lines, then save it")
    print("# as columns.yaml in your workspace (its aliases add to the bundled ones).")
    if not unread:
        print("# every header cell was read; nothing to add")
        return
    guesses: dict[str, list[str]] = {}
    for text in unread:
        guesses.setdefault(closest_field(text, kind, exclude=taken) or "?", []).append(text)
    print(f"{kind}:")
    for name, texts in guesses.items():
        if name == "?":
            continue
        print(f"  {name}:")
        print(f"    aliases: [{', '.join(json.dumps(t, ensure_ascii=False) for t in texts)}]")
    for text in guesses.get("?", []):
        print(f"  # no field resembles {json.dumps(text, ensure_ascii=False)}: name it yourself or leave it out")


def cmd_run(args: argparse.Namespace) -> int:
    from dx_metrics import runner

    try:
        jobs = runner.expand(args.plans, notebooks=args.notebook, langs=args.lang, as_of=args.as_of)
    except ValueError as e:
        print(f"dx-metrics run: {e}", file=sys.stderr)
        return 1
    if not jobs:
        print("dx-metrics run: no plan files found", file=sys.stderr)
        return 1
    if args.focus or args.peer_group:      # the ranking report's units and peer group
        import dataclasses

        given = {"focus": args.focus, "peer_group": args.peer_group}
        jobs = [dataclasses.replace(j, parameters={**j.parameters, **{k: v for k, v in given.items() if v}})
                if j.notebook == "index_ranking" else j for j in jobs]
    out_root = Path(args.out).resolve() if args.out else None
    data_dir = Path(args.data).resolve() if args.data else None
    where = out_root or "each plan's workspace outputs/"
    print(f"dx-metrics: {len(jobs)} run(s), {args.jobs} at a time; outputs in {where}", flush=True)
    started = time.monotonic()
    for note in _overlay_notes(jobs):
        print(f"  {note}", flush=True)
    for note in runner.prepare(jobs, data_dir=data_dir, workers=args.jobs):
        print(f"  input problem: {note}", flush=True)
    print(f"  shared inputs read and indicators computed in {time.monotonic() - started:.1f}s", flush=True)
    bar = _progress(len(jobs))
    results = runner.run_batch(jobs, workers=args.jobs, out_root=out_root, data_dir=data_dir,
                               timeout=args.timeout, on_result=bar, allow_empty=args.allow_empty)
    print()
    rows = [[r.plan, r.notebook, r.lang, r.status, f"{r.seconds:.1f}s", str(r.output or ""), r.error or r.note or ""]
            for r in results]
    print(_table(rows, ["plan", "notebook", "lang", "status", "time", "output", "error"]))
    ok = [r for r in results if r.status == "ok"]
    failed = len(results) - len(ok)
    print(f"\n{len(ok)} ok, {failed} failed in {time.monotonic() - started:.1f}s")
    for r in ok:
        print(f"Report: {r.output / 'report.html'}")
    return 1 if failed else 0


def _overlay_notes(jobs: list) -> list[str]:
    """For each workspace of the jobs (once): the bundled registry rows its units.csv replaces,
    as validate says them, or why its units.csv or columns.yaml cannot be used (its runs fail)."""
    from dx_metrics import units, workspace
    from dx_metrics.errors import DxDataError

    out, seen = [], set()
    for job in jobs:
        ws = workspace.of_plan(job.plan_path)
        if ws.root in seen:
            continue
        seen.add(ws.root)
        try:
            workspace.activate(ws)
        except DxDataError as e:
            out += [f"workspace problem: {p}" for p in e.problems]
            continue
        out += [f"note: {n}" for n in units.replaced_notes()]
    return out


def cmd_init(args: argparse.Namespace) -> int:
    from dx_metrics import workspace

    ws = workspace.init(args.folder)
    print(f"workspace ready: {ws.root}")
    print("  data/raw/   sample exports     params/sample_plan.yaml   outputs/   README.md")
    print(f"next: cd {ws.root} && dx-metrics run params/sample_plan.yaml")
    return 0


def cmd_units_suggest(args: argparse.Namespace) -> int:
    """The registry rows for the units a file names that the registry lacks."""
    import csv

    from dx_metrics import units, workspace
    from dx_metrics.errors import DxDataError
    from dx_metrics.ingest import read_export
    from dx_metrics.ingest.reader import guess_kind

    workspace.activate(workspace.current())
    rows: dict[str, dict] = {}
    for name in args.paths:
        path = Path(name)
        try:
            kind = args.kind or guess_kind(path) or "dossiers"
            df = read_export(path, kind, strict=False, scope=args.scope, within=workspace.current().root)
        except DxDataError as e:
            for p in e.problems:
                print(str(p), file=sys.stderr)
            return 2
        origin = df.attrs["origin"]
        scope, scope_name = origin.get("scope_id"), origin.get("scope_name")
        if origin.get("scope_provisional") and scope:
            rows.setdefault(scope, _suggested(scope, scope_name, "department", units.provisional_parent(scope)))
        for u, n in zip(df.get("unit_id", []), df.get("unit_name", [])):
            if units.is_provisional(u):
                rows.setdefault(u, _suggested(u, n, "division", units.provisional_parent(u)))
    if not rows:
        print("every unit in the file(s) is in the registry", file=sys.stderr)
        return 0
    if not args.write:
        print("# registry rows for the units above the registry lacks; name_vi is copied as the file writes it: "
              "write the official name (e.g. 'Sở Nội vụ tỉnh An Giang') before adding them to units.csv",
              file=sys.stderr)
    if args.write and Path(args.write).is_file():
        text = Path(args.write).read_bytes()
        if text and not text.endswith(b"\n"):      # never glue the first new row onto the last line
            with open(args.write, "ab") as f:
                f.write(b"\n")
    out = open(args.write, "a", encoding="utf-8", newline="") if args.write else sys.stdout
    try:
        w = csv.DictWriter(out, fieldnames=units.COLUMNS, lineterminator="\n")
        if not args.write or out.tell() == 0:
            w.writeheader()
        # read by people in a spreadsheet: no cell may start a formula (units.csv_cell)
        w.writerows({k: units.csv_cell(v) for k, v in row.items()} for row in rows.values())
    finally:
        if args.write:
            out.close()
            print(f"{len(rows)} row(s) added to {args.write}: check the ids and kinds, write the official "
                  f"Vietnamese name (copied as the file writes it) and an English name", file=sys.stderr)
    return 0


def _suggested(unit_id: str, name: object, kind: str, parent: str | None) -> dict:
    """A registry row for a provisional unit: a readable id in place of the provisional one."""
    from dx_metrics.text import clean_label

    readable = unit_id.replace("~", "_").strip("_")
    return {"unit_id": readable, "name_vi": clean_label(name), "name_en": "", "kind": kind,
            "parent_id": (parent or "").replace("~", "_").strip("_"), "valid_from": "", "valid_to": "",
            "successor_id": "", "name_variants": clean_label(name)}


def _progress(total: int):
    """A progress line per finished run (a bar on a terminal)."""
    width = 30

    def show(i: int, n: int, r) -> None:
        filled = int(width * i / n)
        line = f"[{'#' * filled}{'.' * (width - filled)}] {i}/{n}  {r.status:6} {r.seconds:5.1f}s  {r.plan}"
        if r.notebook != "yearly_plan_evaluation" or r.lang != "vi":
            line += f" ({r.notebook}, {r.lang})"
        print(line, flush=True)
    return show


def cmd_review(args: argparse.Namespace) -> int:
    """The data quality review of a plan's inputs (PLAN.yaml), or of exports read as they are."""
    from dx_metrics.errors import DxDataError
    from dx_metrics.formats import fmt_percent
    from dx_metrics.report.quality import absent_text, flags_frame, not_judged_text, summary_frame

    paths = [Path(p) for p in args.paths]
    plans = [p for p in paths if p.suffix.lower() in (".yaml", ".yml")]
    if plans and len(paths) > 1:
        print("dx-metrics review: give one plan file, or export files, not both", file=sys.stderr)
        return 2
    try:
        q, scope = _plan_review(plans[0]) if plans else (_files_review(paths, args), args.scope)
    except DxDataError as e:
        for p in e.problems:
            print(str(p))
        return 2
    t = {"vi": ("giá trị được xem xét", "dấu hiệu"), "en": ("values judged", "flag(s)")}
    judged, flags_word = t[args.lang]
    print(f"{sum(q.judged.values())} {judged}, {q.flag_count} {flags_word}")
    for text in not_judged_text(q.not_judged, args.lang):
        print(f"  {text}")
    if q.absent:
        print(f"  {absent_text(q.absent, scope, args.lang)}")
    if not q.completeness.empty or q.flag_count:
        table, formats = summary_frame(q.flags, q.completeness, args.lang)
        for col in [c for c, kind in formats.items() if kind == "percent"]:
            table[col] = table[col].map(lambda x: fmt_percent(x, digits=0, lang=args.lang))
        print("\n" + table.to_string(index=False))
    # flags_frame's columns: metric, dimension, flag, unit, period, figure, what was found, where
    for metric, _dim, rule, unit, period, _figure, said, source in flags_frame(q.flags, args.lang)[0].itertuples(
            index=False):
        where = f"  ({source})" if pd.notna(source) else ""
        print(f"\n[{metric}] {unit}, {period}: {rule}\n    {said}{where}")
    return 0          # flags inform; they never fail a review


def _plan_review(path: Path):
    from dx_metrics.report import build_plan_report

    r = build_plan_report(path)
    return r.quality, r.plan.unit_id


def _files_review(paths: list[Path], args: argparse.Namespace):
    from dx_metrics import workspace
    from dx_metrics.indicators import compute_indicators
    from dx_metrics.ingest import read_export
    from dx_metrics.ingest.reader import guess_kind
    from dx_metrics.quality import review
    from dx_metrics.report.assemble import merge_inputs

    for note in workspace.activate(workspace.current()):
        print(f"note: {note}")
    tables: dict[str, list[pd.DataFrame]] = {}
    for path in paths:
        kind = args.kind or guess_kind(path)
        if kind is None:
            print(f"{path.name}: no table dx_metrics knows was found (pass --kind)")
            continue
        for sheet in args.sheet or [None]:
            df = read_export(path, kind, sheet=sheet, strict=False, scope=args.scope,
                             within=workspace.current().root)
            # the rows the reading left out (one problem may stand for many rows), as the notes count them
            rejected = int(df.attrs["origin"].get("rejected_rows", 0))
            print(f"{path.name}{f', {sheet}' if sheet else ''}: {kind}, {len(df)} row(s) read"
                  + (f", {rejected} row(s) rejected (dx-metrics validate lists them)" if rejected else ""))
            tables.setdefault(kind, []).append(df)
    merged = merge_inputs(tables)      # the same unit and period in two exports is refused, not summed
    computable = {k: v for k, v in merged.items() if k != "index_scores"}
    return review(compute_indicators(computable) if computable else None, merged, scope=args.scope)


def cmd_history(args: argparse.Namespace) -> int:
    """history list | show SOURCE | forget SOURCE: what the workspace's history holds. Exit 0
    done, 1 nothing to do (no such source, the history off, a removal not confirmed), 2 the
    history cannot be used (damaged, locked, not a DuckDB file ...)."""
    from dx_metrics import history

    path = Path(args.store) if args.store else history.location()
    if path is None:
        print("the history is off (DX_METRICS_HISTORY=off)")
        return 1
    try:
        if args.history_command == "list":
            return _history_list(path)
        if args.history_command == "show":
            return _history_show(args.source, path)
        return _history_forget(args, path)
    except history.HistoryUnavailable as e:
        print(f"dx-metrics history: {e}", file=sys.stderr)
        return 2
    except (LookupError, ValueError) as e:
        print(str(e).strip("'\""))
        return 1


def _history_list(path: Path) -> int:
    from dx_metrics import history

    rows = history.sources(path)
    if rows.empty:
        print(f"no history yet at {path}: dx-metrics run records every run it makes")
        return 0
    rows = rows.assign(read_at=rows["read_at"].astype(str).str[:19])
    print(f"{path}: {len(rows)} source(s)\n")
    print(rows.fillna("").to_string(index=False))
    return 0


def _history_show(source: str, path: Path) -> int:
    from dx_metrics import history

    found = history.show(source, path)
    for row in found["sources"].to_dict(orient="records"):
        print("\n".join(f"{k:>10}: {v}" for k, v in row.items() if pd.notna(v) and v != ""))
        print()
    print("read by the runs:\n" + (found["runs"].to_string(index=False) if len(found["runs"]) else "  none"))
    return 0


def _history_forget(args: argparse.Namespace, path: Path) -> int:
    """Forget one source (an id or a file name, exactly), or with --prefix every source whose id
    begins with the text given, once the count is shown and confirmed (or --yes)."""
    from dx_metrics import history

    ids: str | list[str] = args.source
    if args.prefix:
        found = history.find(args.source, path, prefix=True)
        if found.empty:
            print(f"no source id begins with {args.source!r}; `dx-metrics history list` lists them")
            return 1
        print(f"{len(found)} source(s) whose id begins with {args.source!r}, read by {int(found['runs'].sum())} "
              f"run(s), would be removed with every figure computed from them:")
        print(found.to_string(index=False))
        if not args.yes and not _confirmed("remove them? [y/N] "):
            print("nothing removed")
            return 1
        ids = list(found["source_id"])
    removed = history.forget(ids, path)
    print(f"forgot {args.source}: " + ", ".join(f"{n} row(s) of {t}" for t, n in removed.items()))
    return 0


def _confirmed(question: str) -> bool:
    """A yes from a person at the terminal; never from a script's stdin (pass --yes there)."""
    if not sys.stdin or not sys.stdin.isatty():
        print("not asking without a terminal: pass --yes to remove them", file=sys.stderr)
        return False
    try:
        return input(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False


def cmd_import_records(args: argparse.Namespace) -> int:
    """Dossier-log exports into the Parquet dataset plans and read_export count out of core."""
    from dx_metrics import workspace
    from dx_metrics.errors import DxDataError, summarize
    from dx_metrics.formats import fmt_number
    from dx_metrics.ingest.convert import DatasetBusy, describe, import_records

    for note in workspace.activate(workspace.current()):
        print(f"note: {note}")
    last = {"at": 0.0}

    def progress(name: str, rows: int) -> None:
        if time.monotonic() - last["at"] > 2:
            last["at"] = time.monotonic()
            print(f"  {name}: {fmt_number(rows)} records read", flush=True)

    try:
        result = import_records(args.paths, args.out, scope=args.scope, lenient=args.lenient,
                                progress=progress, **({} if args.wait is None else {"lock_timeout": args.wait}))
    except DatasetBusy as e:
        print(f"dx-metrics import-records: {e}", file=sys.stderr)
        return 2
    except DxDataError as e:
        print(summarize(e.problems, limit=len(e.problems) if args.all else SHOWN))
        print(f"\nnothing imported from the file with errors; {args.out} is as it was "
              "(--lenient imports the good rows and lists the others)")
        return 1
    print(describe(result))
    if result.problems:
        print(summarize(result.problems, limit=len(result.problems) if args.all else SHOWN))
    print(f"\n{args.out}: read it with read_export(\"{args.out}\", \"dossier_records\"), or as a plan input "
          f"{{path: ..., kind: dossier_records}}")
    return 1 if any(p.severity == "error" for p in result.problems) else 0


def main(argv: list[str] | None = None) -> int:
    from dx_metrics import settings
    from dx_metrics.errors import DxDataError

    args = _parser().parse_args(argv)
    pd.set_option("display.width", 200)
    try:
        # every DX_METRICS_* value checked before any work: a bad one is said once, by name,
        # not by every run of a batch or halfway through a file
        settings.check_all()
        for line in settings.unknown():
            print(f"dx-metrics: warning: {line}", file=sys.stderr)
        return args.func(args)
    except settings.SettingError as e:
        print(f"dx-metrics: {e}", file=sys.stderr)
        return 2
    except DxDataError as e:    # what no command says itself: a workspace's units.csv or columns.yaml unusable
        for p in e.problems:
            print(str(p), file=sys.stderr)
        return 2
    except BrokenPipeError:   # `dx-metrics indicators | head -1`: the reader has had enough
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _parser() -> argparse.ArgumentParser:
    """Every command, its arguments and the function that runs it."""
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
    p.add_argument("--scope", help="unit_id of the unit the file reports for, if its title rows do not say "
                   "(e.g. a department whose divisions are listed as 'Văn phòng Sở')")
    p.add_argument("--index", help="the index an index table holds, if the file does not name it "
                   "(an id or name: ICT, DTI, 766, EGDI, PAPI, PCI, PAR, SIPAS, GTMI, OECD_DGI, EU_EGOV, DESI)")
    p.add_argument("--all", action="store_true", help=f"list every problem (default: the first {SHOWN})")
    p.add_argument("--explain", action="store_true", help="print each column with the field it was read as, and how")
    p.add_argument("--suggest", action="store_true",
                   help="print a draft columns.yaml for the header cells that were not read")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("run", help="run report notebooks for plans (files, folders, or a schedule file)")
    p.add_argument("plans", nargs="+", help="plan files (YAML), folders of them, or schedule files (runs:)")
    p.add_argument("--notebook", action="append", help="notebook to run (repeatable; default "
                   "yearly_plan_evaluation; also index_ranking, year_over_year, explore_exports)")
    p.add_argument("--jobs", type=int, default=1, help="runs in parallel (processes)")
    p.add_argument("--out", help="output root (default: the outputs/ folder of each plan's workspace)")
    p.add_argument("--data", help="where plan inputs not beside the plan file are (default: the workspace's data/)")
    p.add_argument("--lang", choices=["vi", "en"], action="append", help="report language (repeatable; default vi)")
    p.add_argument("--as-of", dest="as_of", help="last day the data covers (YYYY-MM-DD), for an early warning")
    p.add_argument("--timeout", type=int, default=600, help="seconds a notebook cell may run (default 600)")
    p.add_argument("--focus", action="append", help="index_ranking: a unit to follow (id, name or short form; "
                   "repeatable; default: the plan's unit, the bodies above it and Viet Nam)")
    p.add_argument("--peer-group", dest="peer_group", help="index_ranking: the group each ranking page shows, as "
                   "the table names it or a registry group such as asean (default: the followed units' group)")
    p.add_argument("--allow-empty", dest="allow_empty", action="store_true",
                   help="keep a report in which no target could be evaluated (by default such a run fails)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("review", help="the data quality review (WHO DQR) of a plan's inputs or of exports")
    p.add_argument("paths", nargs="+", help="one plan file (YAML), or export files")
    p.add_argument("--kind", help="table kind of the exports (guessed from the header if omitted)")
    p.add_argument("--sheet", action="append", help="sheet to read from each file (repeatable: one report per sheet)")
    p.add_argument("--scope", help="unit_id of the unit the exports report for, if their title rows do not say")
    p.add_argument("--lang", choices=["vi", "en"], default="vi")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("init", help="make a folder a workspace (data/, params/ with a sample plan, outputs/)")
    p.add_argument("folder")
    p.set_defaults(func=cmd_init)

    _units_commands(sub)
    _history_commands(sub)
    p = sub.add_parser("import-records", help="dossier-log exports (CSV of any size, Excel) into a Parquet dataset")
    p.add_argument("paths", nargs="+", help="CSV or Excel exports of dossier records")
    p.add_argument("--out", required=True, help="the dataset folder (made if missing; files are added to it)")
    p.add_argument("--scope", help="unit_id of the unit the files report for, if their title rows do not say")
    p.add_argument("--lenient", action="store_true", help="import the good rows of a file with errors")
    p.add_argument("--all", action="store_true", help=f"list every problem (default: the first {SHOWN})")
    p.add_argument("--wait", type=float, metavar="SECONDS",
                   help="how long to wait for another import into the same dataset (default 600)")
    p.set_defaults(func=cmd_import_records)
    return parser


def _units_commands(sub) -> None:
    p = sub.add_parser("units", help="the unit registry: suggest rows for the units an export names")
    units_sub = p.add_subparsers(dest="units_command", required=True)
    q = units_sub.add_parser("suggest", help="print the registry rows to add for units a file names that it lacks")
    q.add_argument("paths", nargs="+")
    q.add_argument("--kind", help="table kind (guessed from the header if omitted)")
    q.add_argument("--scope", help="the unit the file reports for, when its title rows do not say (a unit_id)")
    q.add_argument("--write", metavar="UNITS_CSV", help="append the rows to this file (e.g. units.csv) instead")
    q.set_defaults(func=cmd_units_suggest)


def _history_commands(sub) -> None:
    p = sub.add_parser("history", help="the workspace's history of runs: list, show or forget a source")
    hist = p.add_subparsers(dest="history_command", required=True)
    for name, said in (("list", "the sources recorded, newest first"),
                       ("show", "one source as recorded and the runs that read it"),
                       ("forget", "remove a source and everything computed from it (its runs' figures)")):
        q = hist.add_parser(name, help=said)
        if name == "show":
            q.add_argument("source", help="a source id (or its first characters) or a file name")
        if name == "forget":
            q.add_argument("source", help="a source id or a file name, exactly as `dx-metrics history list` shows it")
            q.add_argument("--prefix", action="store_true",
                           help="forget every source whose id begins with SOURCE (shows how many, then asks)")
            q.add_argument("--yes", action="store_true", help="with --prefix: remove without asking")
        q.add_argument("--store", help="the history file (default: data/history.duckdb of this workspace)")
        q.set_defaults(func=cmd_history)


if __name__ == "__main__":
    sys.exit(main())
