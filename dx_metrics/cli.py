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

from dx_metrics import messages


def _lang(args: argparse.Namespace) -> str:
    """The language of what this command says: its --lang (run: the first report language),
    else DX_METRICS_LANG, else the workspace's lang:, else Vietnamese."""
    given = getattr(args, "lang", None)
    given = given[0] if isinstance(given, list) and given else given
    return messages.language(given if given in messages.LANGS else getattr(args, "ui_lang", None))


def _say(args: argparse.Namespace, code: str, **figures) -> str:
    return messages.say(code, _lang(args), **figures)


def _head(args: argparse.Namespace, code: str) -> list[str]:
    """A table's column heads in the command's language."""
    return _say(args, code).split(" | ")


def _problem(args: argparse.Namespace, p) -> str:
    return p.text(_lang(args))


def _close(args: argparse.Namespace, wanted: str, among: list[str]) -> str:
    """" (did you mean X?)" for the closest of ``among``, or nothing."""
    import difflib

    from dx_metrics.text import fold

    folded = {fold(x): x for x in among}
    hit = difflib.get_close_matches(fold(wanted), list(folded), n=1, cutoff=0.6)
    return _say(args, "did_you_mean", name=folded[hit[0]]) if hit else ""


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def cmd_indicators(args: argparse.Namespace) -> int:
    from dx_metrics.indicators import catalog

    cat = catalog()
    name = "name_en" if args.lang == "en" else "name_vi"
    rows = [[r.indicator_id, r.unit, r.source_table, getattr(r, name)] for r in cat.itertuples()]
    print(_table(rows, _head(args, "head_indicators")))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from dx_metrics import workspace
    from dx_metrics.errors import DxDataError
    from dx_metrics.ingest import read_export
    from dx_metrics.ingest.reader import guess_kind

    if _bad_validate_options(args):
        return 2
    for note in workspace.activate(workspace.current()):   # the workspace's units.csv, if any
        print(_say(args, "workspace_note", note=note))
    worst = 0
    for name in args.paths:
        path = Path(name)
        kind = args.kind              # until guessed: a file that cannot be opened has none
        try:
            kind = kind or guess_kind(path, keep=True)    # the cells kept for read_export: one parse
            if kind is None:
                likely, said = _nearest_kind(path, args)
                print(_say(args, "no_table_found", file=path.name, said=said))
                if args.suggest and likely is not None:
                    _print_draft_without_header(path, likely, args)
                worst = max(worst, 1)
                continue
            df = read_export(path, kind, sheet=args.sheet, period=args.period, strict=False, scope=args.scope,
                             index=args.index, within=workspace.current().root)
        except DxDataError as e:
            unreadable = any(p.reason in ("unreadable", "too_large") for p in e.problems)
            for p in e.problems:
                print(_problem(args, p))
            if args.suggest and kind and any(p.reason == "no_header" for p in e.problems):
                _print_draft_without_header(path, kind, args)
            worst = max(worst, 2 if unreadable else 1)
            continue
        worst = max(worst, _print_validated(path, kind, df, args))
    return worst


def _nearest_kind(path: Path, args: argparse.Namespace) -> tuple[str | None, str]:
    """For a file no kind's header was found in: the kind whose header its rows come closest to,
    and what was seen (the rows looked in, the row most like a header and its cells)."""
    from dx_metrics.canonical import KINDS
    from dx_metrics.ingest.header import ANY_INDEX, header_candidates
    from dx_metrics.ingest.layouts import statistics_page
    from dx_metrics.ingest.workbook import open_sheets

    best = None
    sheets = [s for s in open_sheets(path, only=args.sheet) if args.sheet is None or s.name == args.sheet]
    stats = next((lines for s in sheets if (lines := statistics_page(s.cells))), None)
    if stats:
        shown = "; ".join(f"'{x}'" for x in stats[:3]) + (f" … +{len(stats) - 3}" if len(stats) > 3 else "")
        return None, _say(args, "seen_statistics", lines=shown)
    for s in sheets:
        for kind in KINDS:
            for c in header_candidates(s.cells, kind, ANY_INDEX if kind == "index_scores" else None, top=1):
                score = (sum(x[3] == "read" for x in c.cells), sum(x[3] == "guess" for x in c.cells))
                if best is None or score > best[0]:
                    best = (score, kind, s, c)
    rows = ", ".join(_rows_scanned(args, s) for s in sheets) or _say(args, "seen_no_sheet")
    if best is None:
        return None, _say(args, "seen_no_header", rows=rows)
    _, kind, s, c = best
    return kind, _say(args, "seen_nearest", rows=rows, kind=kind, row=c.row, cells=c.cells_said(like="≈", more=""))


def _rows_scanned(args: argparse.Namespace, sheet) -> str:
    """ "rows 1–40 of sheet "Biểu 1"": the rows a header was looked for in."""
    from dx_metrics.ingest.header import rows_scanned

    n = rows_scanned(sheet.cells)
    said = _say(args, "seen_rows", n=n) if n else _say(args, "seen_empty")
    return said + (_say(args, "seen_of_sheet", sheet=sheet.name) if sheet.name is not None else "")


def _print_draft_without_header(path: Path, kind: str, args: argparse.Namespace) -> None:
    """A columns.yaml draft when no header was found: the row most like a header, each of its
    cells under the field it most resembles, every one marked as a guess."""
    from dx_metrics.ingest.header import ANY_INDEX, header_candidates
    from dx_metrics.ingest.workbook import open_sheets

    best = None
    for s in open_sheets(path, only=args.sheet):
        if args.sheet is not None and s.name != args.sheet:
            continue
        for c in header_candidates(s.cells, kind, ANY_INDEX if kind == "index_scores" else None, top=1):
            if best is None or len(c.cells) > len(best[1].cells):
                best = (s, c)
    print(_say(args, "guess_head", file=path.name, kind=kind))
    if best is None:
        print(_say(args, "guess_nothing"))
        return
    s, c = best
    print(_say(args, "guess_from", row=c.row, sheet=_say(args, "seen_of_sheet", sheet=s.name) if s.name else ""))
    _print_guesses(kind, [(text, field) for _, text, field, _how in c.cells], args,
                   mark=f"   # {_say(args, 'guess_mark')}")


def _bad_validate_options(args: argparse.Namespace) -> bool:
    """An unknown --kind, an --index the catalogue lacks, or a --scope the registry lacks, said
    on stderr."""
    if args.kind is not None:
        from dx_metrics.canonical import KINDS

        if args.kind not in KINDS:
            import difflib

            close = difflib.get_close_matches(args.kind, KINDS, 1)
            print(_say(args, "kind_unknown", kind=args.kind, kinds=", ".join(KINDS),
                       close=_say(args, "did_you_mean", name=close[0]) if close else ""), file=sys.stderr)
            return True
    if args.index is not None:
        from dx_metrics.ingest import indexes
        try:
            indexes.resolve(args.index)
        except ValueError as e:
            print(_say(args, "index_unknown", problem=e), file=sys.stderr)
            return True
    if args.scope is not None:
        import difflib

        from dx_metrics.units import load_units

        ids = list(load_units()["unit_id"])
        if args.scope not in ids:
            close = difflib.get_close_matches(args.scope, ids, 3)
            print(_say(args, "scope_unknown", scope=args.scope,
                       close=_say(args, "close_ids", ids=", ".join(close)) if close else ""), file=sys.stderr)
            return True
    return False


def _print_validated(path: Path, kind: str, df: pd.DataFrame, args: argparse.Namespace) -> int:
    """What a file read as: its kind, sheet, period and counts, the layout notes, the columns
    (--explain), a columns.yaml draft (--suggest) and its problems. 1 when it has errors."""
    from dx_metrics.errors import ERROR, problems_of

    problems = problems_of(df)
    errors = sum(p.severity == ERROR for p in problems)
    o = df.attrs["origin"]
    print(_say(args, "validated", file=path.name, kind=kind, sheet=o.get("sheet"),
               period=o.get("period") or _say(args, "period_per_row"), rows=len(df), errors=errors,
               warnings=len(problems) - errors))
    for note in o.get("layout") or []:
        print(_say(args, "layout_note", note=note))
    if args.explain:
        if o.get("index"):
            print(_say(args, "index_read", index=o["index"], how=o.get("index_how") or _say(args, "index_given")))
        print(_say(args, "header_row", row=o.get("header_row")))
        print(_table([list(c) for c in o.get("columns", [])], _head(args, "head_columns")))
    if args.suggest:
        _print_columns_draft(path.name, kind, o.get("columns", []), args)
    if problems:
        lang = _lang(args)
        shown = problems if args.all else problems[:SHOWN]
        rows = [[_say(args, f"severity_{p.severity}"), p.row or "", p.column or "",
                 "" if p.value is None else str(p.value)[:30],
                 p.say(lang) + (f" ({p.hint_said(lang)})" if p.hint_said(lang) else "")] for p in shown]
        print(_table(rows, _head(args, "head_problems")))
        if len(shown) < len(problems):
            print(_say(args, "more_problems", n=len(problems) - len(shown)))
    return 1 if errors else 0


SHOWN = 40  # problems listed per file unless --all


def _print_columns_draft(file: str, kind: str, columns: list, args: argparse.Namespace) -> None:
    """A draft ``columns.yaml`` for the header cells that were not read: each under the field
    whose aliases share most words with it, for the analyst to check and save."""
    from dx_metrics.ingest.header import closest_field

    taken = {c[2] for c in columns if c[2] != "—"}
    unread = [c[1] for c in columns if c[2] == "—" and not str(c[3]).startswith("row number")]
    print(_say(args, "draft_head", file=file, kind=kind))
    print(_say(args, "draft_save"))
    if not unread:
        print(_say(args, "draft_nothing"))
        return
    _print_guesses(kind, [(text, closest_field(text, kind, exclude=taken)) for text in unread], args)


def _print_guesses(kind: str, placed: list[tuple[str, str | None]], args: argparse.Namespace, *,
                   mark: str = "") -> None:
    """The lines of a columns.yaml draft: each field with the header texts placed under it
    (``mark`` after the field's name), then the texts no field resembles, as comments."""
    import json

    guesses: dict[str, list[str]] = {}
    for text, field in placed:
        guesses.setdefault(field or "?", []).append(text)
    print(f"{kind}:")
    for name, texts in guesses.items():
        if name == "?":
            continue
        print(f"  {name}:{mark}")
        print(f"    aliases: [{', '.join(json.dumps(t, ensure_ascii=False) for t in texts)}]")
    for text in guesses.get("?", []):
        print(_say(args, "draft_unplaced", text=json.dumps(text, ensure_ascii=False)))


def cmd_run(args: argparse.Namespace) -> int:
    from dx_metrics import runner

    try:
        jobs = runner.expand(args.plans, notebooks=args.notebook, langs=args.lang, as_of=args.as_of)
    except ValueError as e:
        print(_say(args, "run_refused", problem=e), file=sys.stderr)
        return 1
    if not jobs:
        print(_say(args, "no_plans"), file=sys.stderr)
        return 1
    if args.focus or args.peer_group:      # the ranking report's units and peer group
        import dataclasses

        given = {"focus": args.focus, "peer_group": args.peer_group}
        jobs = [dataclasses.replace(j, parameters={**j.parameters, **{k: v for k, v in given.items() if v}})
                if j.notebook == "index_ranking" else j for j in jobs]
    out_root = Path(args.out).resolve() if args.out else None
    data_dir = Path(args.data).resolve() if args.data else None
    where = out_root or _say(args, "outputs_of_workspace")
    print(_say(args, "run_start", n=len(jobs), jobs=args.jobs, where=where), flush=True)
    started = time.monotonic()
    for note in _overlay_notes(jobs, args):
        print(f"  {note}", flush=True)
    for note in runner.prepare(jobs, data_dir=data_dir, workers=args.jobs):
        print(_say(args, "input_problem", problem=note.text(_lang(args))), flush=True)
    print(_say(args, "prepared", seconds=f"{time.monotonic() - started:.1f}s"), flush=True)
    bar = _progress(len(jobs), args)
    pages: list[tuple[Path, str | None]] = []
    results = runner.run_batch(jobs, workers=args.jobs, out_root=out_root, data_dir=data_dir,
                               timeout=args.timeout, on_result=bar, allow_empty=args.allow_empty,
                               on_index=lambda page, why: pages.append((page, why)), kernel=args.kernel)
    print()
    lang = _lang(args)
    rows = [[r.plan, r.notebook, r.lang, _say(args, f"run_{r.status}"), f"{r.seconds:.1f}s", str(r.output or ""),
             runner.said(r, lang) or r.note or ""] for r in results]
    print(_table(rows, _head(args, "head_runs")))
    ok = [r for r in results if r.status == "ok"]
    failed = len(results) - len(ok)
    print("\n" + _say(args, "run_done", ok=len(ok), failed=failed, seconds=f"{time.monotonic() - started:.1f}s"))
    for r in ok:
        print(_say(args, "report_at", path=r.output / "report.html"))
    for page, why in pages:
        print(_say(args, "index_at", path=page) if why is None else _say(args, "index_not_written", problem=why))
    return 1 if failed else 0


def _overlay_notes(jobs: list, args: argparse.Namespace) -> list[str]:
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
            out += [_say(args, "workspace_problem", problem=_problem(args, p)) for p in e.problems]
            continue
        out += [_say(args, "workspace_note", note=n) for n in units.replaced_notes()]
    return out


def cmd_init(args: argparse.Namespace) -> int:
    from dx_metrics import workspace

    ws = workspace.init(args.folder)
    print(_say(args, "workspace_ready", root=ws.root))
    print(_say(args, "workspace_layout"))
    print(_say(args, "workspace_next", root=ws.root))
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
            kind = args.kind or guess_kind(path, keep=True) or "dossiers"
            df = read_export(path, kind, strict=False, scope=args.scope, within=workspace.current().root)
        except DxDataError as e:
            for p in e.problems:
                print(_problem(args, p), file=sys.stderr)
            return 2
        origin = df.attrs["origin"]
        scope, scope_name = origin.get("scope_id"), origin.get("scope_name")
        if origin.get("scope_provisional") and scope:
            rows.setdefault(scope, _suggested(scope, scope_name, "department", units.provisional_parent(scope)))
        # the names validate warns the registry lacks, decided once when the file is read (units.unregistered)
        for u, n in origin.get("unregistered_units", []):
            if units.is_provisional(u):
                rows.setdefault(u, _suggested(u, n, "division", units.provisional_parent(u)))
            else:       # no scope to place it under: a peer of the units the file names that are registered
                u = units.unit_key(n).replace(" ", "_")
                rows.setdefault(u, _suggested(u, n, _kind_of_peers(df), None))
    if not rows:
        print(_say(args, "units_all_registered"), file=sys.stderr)
        return 0
    if not args.write:
        print(_say(args, "units_draft"), file=sys.stderr)
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
            print(_say(args, "units_written", n=len(rows), file=args.write), file=sys.stderr)
    return 0


def cmd_units_find(args: argparse.Namespace) -> int:
    """The registry units a text names: id, name, kind, parent, validity and successor."""
    from dx_metrics import units

    at = _date_arg(args)
    if at is False:
        return 2
    found = units.find(args.text, at=at)
    if found.empty:
        print(_say(args, "units_none", text=args.text, at=_say(args, "units_at", date=args.at) if args.at else ""))
        return 1
    print(_say(args, "units_found", n=len(found), text=args.text))
    print(_units_table(found, args))
    return 0


def cmd_units_list(args: argparse.Namespace) -> int:
    """The registry units directly under one."""
    from dx_metrics import units

    at = _date_arg(args)
    if at is False:
        return 2
    ids = list(units.load_units()["unit_id"])
    if args.under not in ids:
        print(_say(args, "unit_unknown", unit=args.under, close=_close(args, args.under, ids)), file=sys.stderr)
        return 2
    found = units.under(args.under, at=at)
    if found.empty:
        print(_say(args, "units_under_none", unit=args.under))
        return 1
    print(_units_table(found, args))
    return 0


def _date_arg(args: argparse.Namespace):
    """The workspace's registry put in force, and ``--at`` as a date: None when not given, False
    (said) when it is no date."""
    from dx_metrics import workspace

    workspace.activate(workspace.current())
    if not args.at:
        return None
    try:
        import datetime as dt

        return dt.date.fromisoformat(args.at)
    except ValueError:
        print(_say(args, "bad_date", date=args.at), file=sys.stderr)
        return False


def _units_table(found: pd.DataFrame, args: argparse.Namespace) -> str:
    lang = _lang(args)

    def day(d) -> str:
        return "" if pd.isna(d) else f"{d:%d/%m/%Y}"

    rows = [[r.unit_id, (r.name_en if lang == "en" and isinstance(r.name_en, str) and r.name_en else r.name_vi),
             r.kind, "" if pd.isna(r.parent_id) else r.parent_id,
             f"{day(r.valid_from) or '…'} – {day(r.valid_to) or '…'}" if pd.notna(r.valid_from) or pd.notna(r.valid_to)
             else "", "" if pd.isna(r.successor_id) else r.successor_id] for r in found.itertuples()]
    return _table(rows, _head(args, "head_units"))


def _kind_of_peers(df: pd.DataFrame) -> str:
    """The registry's kind most of a file's registered units have ("ministry" in a ranking of
    ministries), or nothing: a guess for a unit the file names beside them."""
    from dx_metrics import units

    kinds = pd.Series([units.kind_of(u) for u in pd.unique(df.get("unit_id", pd.Series(dtype=object)).dropna())],
                      dtype=object).dropna()
    return str(kinds.mode().iloc[0]) if len(kinds) else ""


def _suggested(unit_id: str, name: object, kind: str, parent: str | None) -> dict:
    """A registry row for a provisional unit: a readable id in place of the provisional one."""
    from dx_metrics.text import clean_label

    readable = unit_id.replace("~", "_").strip("_")
    return {"unit_id": readable, "name_vi": clean_label(name), "name_en": "", "kind": kind,
            "parent_id": (parent or "").replace("~", "_").strip("_"), "valid_from": "", "valid_to": "",
            "successor_id": "", "name_variants": clean_label(name)}


def _progress(total: int, args: argparse.Namespace):
    """A progress line per finished run (a bar on a terminal)."""
    width = 30

    def show(i: int, n: int, r) -> None:
        filled = int(width * i / n)
        status = _say(args, f"run_{r.status}")
        line = f"[{'#' * filled}{'.' * (width - filled)}] {i}/{n}  {status:6} {r.seconds:5.1f}s  {r.plan}"
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
        print(_say(args, "review_plan_and_files"), file=sys.stderr)
        return 2
    try:
        q, scope = _plan_review(plans[0]) if plans else (_files_review(paths, args), args.scope)
    except DxDataError as e:
        for p in e.problems:
            print(_problem(args, p))
        return 2
    args.lang = _lang(args)
    print(_say(args, "review_counts", judged=sum(q.judged.values()), flags=q.flag_count))
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
    from dx_metrics.pipeline import build_plan_report

    r = build_plan_report(path)
    return r.quality, r.plan.unit_id


def _files_review(paths: list[Path], args: argparse.Namespace):
    from dx_metrics import workspace
    from dx_metrics.pipeline import FileRead, review_files

    for note in workspace.activate(workspace.current()):
        print(_say(args, "workspace_note", note=note))

    def said(read: FileRead) -> None:
        if read.kind is None:
            print(_say(args, "no_table_found", file=read.file))
            return
        print(_say(args, "review_read", file=f"{read.file}{f', {read.sheet}' if read.sheet else ''}", kind=read.kind,
                   rows=read.rows, rejected=_say(args, "review_rejected", n=read.rejected) if read.rejected else ""))

    return review_files(paths, kind=args.kind, sheets=args.sheet, scope=args.scope, within=workspace.current().root,
                        on_read=said)[0]


def cmd_history(args: argparse.Namespace) -> int:
    """history list | show SOURCE | forget SOURCE: what the workspace's history holds. Exit 0
    done, 1 nothing to do (no such source, nothing recorded yet, the history off, a removal not
    confirmed), 2 the history cannot be used (damaged, locked, not a DuckDB file ...)."""
    from dx_metrics import history

    path = Path(args.store) if args.store else history.location()
    if path is None:
        print(_say(args, "history_off"))
        return 1
    if args.history_command != "list" and not path.is_file():     # a fresh workspace: no run recorded yet
        print(_say(args, "history_nothing_yet", path=path))
        return 1
    try:
        if args.history_command == "list":
            return _history_list(path, args)
        if args.history_command == "show":
            return _history_show(args.source, path, args)
        return _history_forget(args, path)
    except history.HistoryUnavailable as e:
        print(_say(args, "history_unusable", problem=e), file=sys.stderr)
        return 2
    except LookupError:         # no source of that id or file name
        files = list(history.sources(path).get("file", pd.Series(dtype=object)).dropna().unique())
        print(_say(args, "history_no_source", source=args.source, close=_close(args, args.source, files)))
        return 1
    except ValueError:          # forget --prefix with an empty text
        print(_say(args, "history_empty_prefix"))
        return 1


def _history_list(path: Path, args: argparse.Namespace) -> int:
    from dx_metrics import history

    rows = history.sources(path)
    if rows.empty:
        print(_say(args, "history_empty", path=path))
        return 0
    rows = rows.assign(read_at=rows["read_at"].astype(str).str[:19])
    print(_say(args, "history_sources", path=path, n=len(rows)) + "\n")
    print(rows.fillna("").to_string(index=False))
    return 0


def _history_show(source: str, path: Path, args: argparse.Namespace) -> int:
    from dx_metrics import history

    found = history.show(source, path)
    for row in found["sources"].to_dict(orient="records"):
        print("\n".join(f"{k:>10}: {v}" for k, v in row.items() if pd.notna(v) and v != ""))
        print()
    print(_say(args, "history_runs") + "\n"
          + (found["runs"].to_string(index=False) if len(found["runs"]) else _say(args, "history_no_runs")))
    return 0


def _history_forget(args: argparse.Namespace, path: Path) -> int:
    """Forget one source (an id or a file name, exactly), or with --prefix every source whose id
    begins with the text given, once the count is shown and confirmed (or --yes)."""
    from dx_metrics import history

    ids: str | list[str] = args.source
    if args.prefix:
        found = history.find(args.source, path, prefix=True)
        if found.empty:
            print(_say(args, "forget_no_prefix", text=args.source))
            return 1
        print(_say(args, "forget_count", n=len(found), text=args.source, runs=int(found["runs"].sum())))
        print(found.to_string(index=False))
        if not args.yes and not _confirmed(_say(args, "forget_ask"), args):
            print(_say(args, "forget_nothing"))
            return 1
        ids = list(found["source_id"])
    removed = history.forget(ids, path)
    print(_say(args, "forget_done", source=args.source,
               removed=", ".join(_say(args, "forget_rows", n=n, table=t) for t, n in removed.items())))
    return 0


def _confirmed(question: str, args: argparse.Namespace) -> bool:
    """A yes from a person at the terminal; never from a script's stdin (pass --yes there)."""
    if not sys.stdin or not sys.stdin.isatty():
        print(_say(args, "forget_no_terminal"), file=sys.stderr)
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
        print(_say(args, "workspace_note", note=note))
    last = {"at": 0.0}

    def progress(name: str, rows: int) -> None:
        if time.monotonic() - last["at"] > 2:
            last["at"] = time.monotonic()
            print(_say(args, "import_progress", file=name, rows=fmt_number(rows, lang=_lang(args))), flush=True)

    try:
        result = import_records(args.paths, args.out, scope=args.scope, lenient=args.lenient,
                                progress=progress, **({} if args.wait is None else {"lock_timeout": args.wait}))
    except DatasetBusy as e:
        print(_say(args, "import_busy", problem=e), file=sys.stderr)
        return 2
    except DxDataError as e:
        print(summarize(e.problems, limit=len(e.problems) if args.all else SHOWN, lang=_lang(args)))
        scope = any(p.code == "names_need_scope" for p in e.problems)    # --lenient would not place them
        print("\n" + _say(args, "import_nothing_scope" if scope else "import_nothing", out=args.out))
        return 1
    print(describe(result))
    if result.problems:
        print(summarize(result.problems, limit=len(result.problems) if args.all else SHOWN, lang=_lang(args)))
    print("\n" + _say(args, "import_read_it", out=args.out))
    return 1 if any(p.severity == "error" for p in result.problems) else 0


def main(argv: list[str] | None = None) -> int:
    from dx_metrics import settings
    from dx_metrics.errors import DxDataError

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        lang = _early_lang(argv)
    except settings.SettingError as e:
        print(messages.say("setting_refused", "en", name=e.name, value=e.value, problem=e), file=sys.stderr)
        return 2
    args = _parser(lang).parse_args(argv)
    pd.set_option("display.width", 200)
    try:
        # every DX_METRICS_* value checked before any work: a bad one is said once, by name,
        # not by every run of a batch or halfway through a file
        settings.check_all()
        for name in settings.unknown_names():
            close = _close(args, name, list(settings.SETTINGS))
            print(_say(args, "setting_unknown", name=name, close=close), file=sys.stderr)
        return args.func(args)
    except settings.SettingError as e:
        print(_say(args, "setting_refused", name=e.name, value=e.value, problem=e), file=sys.stderr)
        return 2
    except DxDataError as e:    # what no command says itself: a workspace's units.csv or columns.yaml unusable
        for p in e.problems:
            print(_problem(args, p), file=sys.stderr)
        return 2
    except BrokenPipeError:   # `dx-metrics indicators | head -1`: the reader has had enough
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _early_lang(argv: list[str]) -> str:
    """The language of the help and of argument errors, before the arguments are parsed."""
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv) and argv[i + 1] in messages.LANGS:
            return argv[i + 1]
        if a.startswith("--lang=") and a[7:] in messages.LANGS:
            return a[7:]
    return messages.language()


# argparse's own complaints, said in the reader's language
_ARGPARSE = [
    (r"the following arguments are required: (.+)", {"vi": "thiếu tham số bắt buộc: {0}",
                                                       "en": "the following arguments are required: {0}"}),
    (r"unrecognized arguments: (.+)", {"vi": "không hiểu các tham số: {0}", "en": "unrecognized arguments: {0}"}),
    (r"argument (\S+): expected one argument", {"vi": "tham số {0} cần một giá trị",
                                                "en": "argument {0}: expected one argument"}),
    (r"argument (\S+): invalid choice: '([^']*)' \(choose from (.+)\)",
     {"vi": "tham số {0}: không có lựa chọn '{1}' (chọn một trong: {2})",
      "en": "argument {0}: invalid choice: '{1}' (choose from {2})"}),
    (r"argument (\S+): invalid (\w+) value: '([^']*)'", {"vi": "tham số {0}: '{2}' không phải giá trị hợp lệ",
                                                       "en": "argument {0}: invalid {1} value: '{2}'"}),
]


_HEADINGS = {"vi": {"usage": "cách dùng: ", "positional": "tham số", "options": "tùy chọn",
                    "help": "in hướng dẫn này rồi thoát"},
             "en": {"usage": "usage: ", "positional": "positional arguments", "options": "options",
                    "help": "show this help message and exit"}}


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Help laid out as written (examples keep their lines), the usage line in the reader's language."""

    lang = "vi"

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix=_HEADINGS[self.lang]["usage"] if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse, speaking the reader's language and naming the command the reader probably meant."""

    def __init__(self, *a, lang: str = "vi", **kw) -> None:
        words = _HEADINGS[lang]
        kw["formatter_class"] = type(f"_Formatter_{lang}", (_Formatter,), {"lang": lang})
        kw["add_help"] = False
        super().__init__(*a, **kw)
        self.lang = lang
        self._positionals.title, self._optionals.title = words["positional"], words["options"]
        self.add_argument("-h", "--help", action="help", help=words["help"])

    def error(self, message: str):  # argparse's hook: print, exit 2
        import re

        command = self.prog.replace("dx-metrics", "", 1).strip()
        m = re.match(r"argument command: invalid choice: '([^']*)' \(choose from (.+)\)", message)
        if m:
            commands = [c.strip(" '") for c in m.group(2).split(",")]
            ns = argparse.Namespace(lang=self.lang)
            print(messages.say("unknown_command", self.lang, command=m.group(1), commands=", ".join(commands),
                               close=_close(ns, m.group(1), commands)), file=sys.stderr)
            self.exit(2)
        said = message
        for pattern, texts in _ARGPARSE:
            hit = re.match(pattern, message)
            if hit:
                said = texts[self.lang].format(*hit.groups())
                break
        print(messages.say("usage_error" if command else "usage_error_top", self.lang, command=command,
                           problem=said), file=sys.stderr)
        self.exit(2)


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("dx_metrics")
    except Exception:  # noqa: BLE001 - running from a folder that was never installed
        import dx_metrics

        return dx_metrics.__version__


def _parser(lang: str = "vi") -> argparse.ArgumentParser:
    """Every command, its arguments, help in the reader's language with examples, and the
    function that runs it."""
    def h(code: str, **figures) -> str:
        return messages.help_text(code, lang, **figures)

    def command(parent, name: str, code: str, func, *, lang_option: bool = True):
        epilog = f"{code}_epilog"
        p = parent.add_parser(name, help=h(code), description=h(code),
                              epilog=h(epilog) if epilog in messages.catalogue()["help"] else None, lang=lang)
        p._dx_lang = lang
        if lang_option:
            p.add_argument("--lang", choices=["vi", "en"], help=h("lang"))
        if func is not None:
            p.set_defaults(func=func)
        return p

    parser = _Parser(prog="dx-metrics", description=h("program"), epilog=h("program_epilog"), lang=lang)
    parser.add_argument("--version", action="version", version=messages.say("version", lang, version=_version()),
                        help=h("version"))
    parser.add_argument("--lang", dest="ui_lang", choices=["vi", "en"], help=h("lang"))
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    command(sub, "indicators", "indicators", cmd_indicators)

    p = command(sub, "validate", "validate", cmd_validate)
    p.add_argument("paths", nargs="+", help=h("paths_files"))
    p.add_argument("--kind", help=h("kind"))
    p.add_argument("--sheet", help=h("sheet"))
    p.add_argument("--period", help=h("period"))
    p.add_argument("--scope", help=h("scope"))
    p.add_argument("--index", help=h("index"))
    p.add_argument("--all", action="store_true", help=h("all", n=SHOWN))
    p.add_argument("--explain", action="store_true", help=h("explain"))
    p.add_argument("--suggest", action="store_true", help=h("suggest"))

    p = command(sub, "run", "run", cmd_run, lang_option=False)
    p.add_argument("plans", nargs="+", help=h("plans"))
    p.add_argument("--notebook", action="append", help=h("notebook"))
    p.add_argument("--jobs", type=int, default=1, help=h("jobs"))
    p.add_argument("--out", help=h("out"))
    p.add_argument("--data", help=h("data"))
    p.add_argument("--lang", choices=["vi", "en"], action="append", help=h("report_lang"))
    p.add_argument("--as-of", dest="as_of", help=h("as_of"))
    p.add_argument("--timeout", type=int, default=600, help=h("timeout"))
    p.add_argument("--focus", action="append", help=h("focus"))
    p.add_argument("--peer-group", dest="peer_group", help=h("peer_group"))
    p.add_argument("--allow-empty", dest="allow_empty", action="store_true", help=h("allow_empty"))
    p.add_argument("--kernel", action="store_true", help=h("kernel"))

    p = command(sub, "review", "review", cmd_review)
    p.add_argument("paths", nargs="+", help=h("review_paths"))
    p.add_argument("--kind", help=h("kind"))
    p.add_argument("--sheet", action="append", help=h("review_sheet"))
    p.add_argument("--scope", help=h("scope"))

    p = command(sub, "init", "init", cmd_init)
    p.add_argument("folder", help=h("folder"))

    units = command(sub, "units", "units", None, lang_option=False)
    units_sub = units.add_subparsers(dest="units_command", required=True, parser_class=_Parser)
    q = command(units_sub, "find", "units_find", cmd_units_find)
    q.add_argument("text", help=h("units_text"))
    q.add_argument("--at", help=h("units_at"))
    q = command(units_sub, "list", "units_list", cmd_units_list)
    q.add_argument("--under", required=True, help=h("units_under"))
    q.add_argument("--at", help=h("units_at"))
    q = command(units_sub, "suggest", "units_suggest", cmd_units_suggest)
    q.add_argument("paths", nargs="+", help=h("paths_files"))
    q.add_argument("--kind", help=h("kind"))
    q.add_argument("--scope", help=h("scope"))
    q.add_argument("--write", metavar="UNITS_CSV", help=h("units_write"))

    hist = command(sub, "history", "history", None, lang_option=False)
    hist_sub = hist.add_subparsers(dest="history_command", required=True, parser_class=_Parser)
    for name in ("list", "show", "forget"):
        q = command(hist_sub, name, f"history_{name}", cmd_history)
        if name == "show":
            q.add_argument("source", help=h("history_source_show"))
        if name == "forget":
            q.add_argument("source", help=h("history_source_forget"))
            q.add_argument("--prefix", action="store_true", help=h("history_prefix"))
            q.add_argument("--yes", action="store_true", help=h("history_yes"))
        q.add_argument("--store", help=h("history_store"))

    p = command(sub, "import-records", "import_records", cmd_import_records)
    p.add_argument("paths", nargs="+", help=h("import_paths"))
    p.add_argument("--out", required=True, help=h("import_out"))
    p.add_argument("--scope", help=h("scope"))
    p.add_argument("--lenient", action="store_true", help=h("lenient"))
    p.add_argument("--all", action="store_true", help=h("all", n=SHOWN))
    p.add_argument("--wait", type=float, metavar="SECONDS", help=h("wait"))
    return parser


if __name__ == "__main__":
    sys.exit(main())
